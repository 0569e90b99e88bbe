"""The server as an attacker and a careless integrator see it: tenant isolation (guessed IDs, foreign tokens,
download links), scopes (also inside ``batch``), hostile text where SQL is built, and random input on the
wire. Every answer must be the caller's own data, a vendor-style error or an empty result; never another
portal's data and never a crash."""

from __future__ import annotations

import base64
import json
import re
import string
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from b24crm.crm.permissions import create_role, parse_grant
from b24crm.runtime import Runtime
from b24crm.store import crm_roles
from b24crm.store.tables import (
    crm_activities,
    crm_activity_bindings,
    crm_activity_communications,
    crm_activity_files,
    crm_items,
    crm_multifields,
    crm_types,
    portals,
    users,
    webhooks,
)
from tests.apps_support import install
from tests.client import AppClient, PortalClient, call_fields

# A webhook URL that does not hold, as the vendor's webhook check answers it.
INVALID = {"error": "INVALID_CREDENTIALS", "error_description": "Invalid request credentials"}

MISSING = 987654  # an ID no portal in a test ever reaches
DEADLINE = "2030-03-01T15:00:00"
SCOPE_WEBHOOK = {
    "error": "insufficient_scope",
    "error_description": "The request requires higher privileges than provided by the webhook token",
}
SCOPE_TOKEN = {
    "error": "insufficient_scope",
    "error_description": "The request requires higher privileges than provided by the access token",
}
SCOPE_IN_BATCH = {"error": "insufficient_scope", "error_description": ""}


# --- helpers ---------------------------------------------------------------------------------------------


def _answer(response: Any) -> tuple[int, Any]:
    """(status, body) of an answer, without the ``time`` block that differs between calls."""
    body = response.json()
    if isinstance(body, dict):
        body.pop("time", None)
    return response.status_code, body


def _encoded(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _download(http: TestClient, url: str) -> Any:
    parts = urlsplit(url)
    return http.get(f"{parts.path}?{parts.query}")


def _with_query(url: str, **change: str | None) -> str:
    """``url`` with some query parameters replaced (None: removed)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for key, value in change.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return f"{parts.path}?{urlencode(query)}"


def _well_formed(response: Any, where: object = "") -> None:
    """Never a 5xx; a JSON object with ``result`` (200) or ``error``/``error_description`` (otherwise), or
    the same as well-formed XML for a ``.xml`` call; no batch command crashed either."""
    status = response.status_code
    assert status < 500, (where, status, response.text[:500])
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("text/xml"):
        path = unquote(response.request.url.path).rstrip("/").lower()
        assert path.endswith(".xml"), (where, path)
        root = ElementTree.fromstring(response.content)
        assert root.tag == "response", (where, response.text[:500])
        names = [child.tag for child in root]
        if status == 200:
            assert "result" in names, (where, response.text[:500])
        else:
            assert names[:2] == ["error", "error_description"], (where, response.text[:500])
        return
    assert content_type.startswith("application/json"), (where, status, content_type, response.text[:300])
    body = response.json()
    assert isinstance(body, dict), (where, body)
    if status == 200:
        assert "result" in body and "error" not in body, (where, body)
        result = body["result"]
        if isinstance(result, dict) and "result_error" in result:  # a batch
            errors = result["result_error"]
            for item in errors.values() if isinstance(errors, dict) else errors:
                assert item.get("error") != "INTERNAL_SERVER_ERROR", (where, body)
    else:
        assert isinstance(body.get("error"), str), (where, body)
        assert isinstance(body.get("error_description"), str), (where, body)
        assert "result" not in body, (where, body)


def _php_int(text: str) -> int:
    """PHP's ``(int)`` of a string: its leading integer, 0 when there is none."""
    found = re.match(r"\s*([+-]?\d+)", text)
    return int(found.group(1)) if found else 0


def _storable(text: str) -> str:
    """What a text value becomes on its way in: NUL dropped, lone surrogates replaced (PHP and MySQL)."""
    text = text.replace("\x00", "")
    return "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)


# --- 1. tenant isolation ----------------------------------------------------------------------------------


def _seed(p: PortalClient, tag: str, n: int) -> dict[str, Any]:
    """n deals, contacts, smart-process items, calls (each with a file) and todos, all naming ``tag``."""
    deals = [
        int(p.result("crm.deal.add", {"fields": {"TITLE": f"{tag} deal {i}", "COMMENTS": f"{tag} secret"}}))
        for i in range(n)
    ]
    contacts = [
        int(
            p.result(
                "crm.contact.add",
                {"fields": {"NAME": f"{tag} contact {i}", "EMAIL": [{"VALUE": f"{tag}{i}@example.com"}]}},
            )
        )
        for i in range(n)
    ]
    spa = p.result("crm.type.add", {"fields": {"title": f"{tag} orders"}})["type"]
    etid = int(spa["entityTypeId"])
    items = [
        int(
            p.result("crm.item.add", {"entityTypeId": etid, "fields": {"title": f"{tag} item {i}"}})["item"][
                "id"
            ]
        )
        for i in range(n)
    ]
    calls = []
    for i, deal in enumerate(deals):
        fields = {
            "OWNER_TYPE_ID": 2,
            "OWNER_ID": deal,
            "TYPE_ID": 2,
            "SUBJECT": f"{tag} call {i}",
            "DESCRIPTION": f"{tag} notes",
            "COMMUNICATIONS": [
                {"VALUE": f"{tag}{i}@example.com", "ENTITY_TYPE_ID": 3, "ENTITY_ID": contacts[i]}
            ],
            "FILES": [{"fileData": [f"{tag}{i}.txt", _encoded(f"{tag} file {i}")]}],
        }
        calls.append(int(p.result("crm.activity.add", {"fields": fields})))
    todos = [
        int(
            p.result(
                "crm.activity.todo.add",
                {"ownerTypeId": 2, "ownerId": deal, "deadline": DEADLINE, "title": f"{tag} todo {i}"},
            )["id"]
        )
        for i, deal in enumerate(deals)
    ]
    files = [p.result("crm.activity.get", {"id": call})["FILES"][0] for call in calls]
    return {
        "deals": deals,
        "contacts": contacts,
        "etid": etid,
        "type": int(spa["id"]),
        "items": items,
        "calls": calls,
        "todos": todos,
        "activities": calls + todos,
        "files": files,
    }


def _snapshot(p: PortalClient, seeded: dict[str, Any]) -> dict[str, Any]:
    """Everything a portal holds, as its own webhook reads it, files' bytes included."""
    activities = p.result(
        "crm.activity.list", {"select": ["*", "COMMUNICATIONS", "FILES"], "order": {"ID": "ASC"}}
    )
    return {
        "deals": p.result("crm.deal.list", {"select": ["*"], "order": {"ID": "ASC"}}),
        "contacts": p.result("crm.contact.list", {"select": ["*", "EMAIL"], "order": {"ID": "ASC"}}),
        "items": {
            etid: p.result("crm.item.list", {"entityTypeId": etid, "select": ["*"]})["items"]
            for etid in (2, 3, seeded["etid"])
        },
        "types": p.result("crm.type.list")["types"],
        "activities": activities,
        "bindings": {
            a["ID"]: p.result("crm.activity.binding.list", {"activityId": a["ID"]}) for a in activities
        },
        "files": {f["id"]: _download(p.http, f["url"]).content for f in seeded["files"]},
    }


@pytest.fixture
def tenants(
    runtime: Runtime, http: TestClient
) -> tuple[PortalClient, dict[str, Any], PortalClient, dict[str, Any]]:
    """Portal "alpha" (one of everything) and portal "bravo" (three of everything): the same IDs exist in
    both, and bravo has IDs alpha never had."""
    alpha = PortalClient.create(runtime, http, scopes=("crm", "user"))
    bravo = PortalClient.create(runtime, http, scopes=("crm", "user"))
    a, b = _seed(alpha, "alpha", 1), _seed(bravo, "bravo", 3)
    assert a["etid"] == b["etid"] and a["deals"][0] in b["deals"] and a["calls"][0] in b["calls"]
    assert a["files"][0]["id"] in [f["id"] for f in b["files"]]
    return alpha, a, bravo, b


def _only_theirs(mine: list[int], theirs: list[int]) -> list[int]:
    found = sorted(set(theirs) - set(mine))
    assert found, "the other portal must hold IDs this one never had"
    return found


def _as_if_missing(client: Any, method: str, build: Any, ids: list[int]) -> None:
    """Each ID answers exactly as an ID that exists nowhere (the same error, the ID itself aside)."""
    missing = _answer(client.raw(method, build(MISSING)))
    assert missing[0] != 200, (method, missing)
    expected = json.dumps(missing)
    for item_id in ids:
        response = client.raw(method, build(item_id))
        assert "bravo" not in response.text, (method, item_id, response.text)
        assert json.dumps(_answer(response)) == expected.replace(str(MISSING), str(item_id)), (
            method,
            item_id,
            response.text,
        )


def _check_reads(client: Any, a: dict[str, Any], b: dict[str, Any]) -> None:
    """Reads by ID answer the caller's own record or not-found; never the other portal's."""
    reads: list[tuple[str, Any, list[int], list[int]]] = [
        ("crm.deal.get", lambda i: {"id": i}, a["deals"], b["deals"]),
        ("crm.contact.get", lambda i: {"id": i}, a["contacts"], b["contacts"]),
        ("crm.item.get", lambda i: {"entityTypeId": 2, "id": i}, a["deals"], b["deals"]),
        ("crm.item.get", lambda i: {"entityTypeId": 3, "id": i}, a["contacts"], b["contacts"]),
        ("crm.item.get", lambda i: {"entityTypeId": a["etid"], "id": i}, a["items"], b["items"]),
        ("crm.activity.get", lambda i: {"id": i}, a["activities"], b["activities"]),
        ("crm.activity.binding.list", lambda i: {"activityId": i}, a["activities"], b["activities"]),
    ]
    for method, build, mine, theirs in reads:
        for item_id in mine:
            response = client.raw(method, build(item_id))
            assert response.status_code == 200, (method, item_id, response.text)
            assert "bravo" not in response.text, (method, item_id, response.text)
        _as_if_missing(client, method, build, _only_theirs(mine, theirs))
    own = client.result("crm.deal.get", {"id": a["deals"][0]})
    assert own["TITLE"] == "alpha deal 0"
    assert client.result("crm.activity.get", {"id": a["calls"][0]})["SUBJECT"] == "alpha call 0"
    assert client.result("crm.type.get", {"id": a["type"]})["type"]["title"] == "alpha orders"


def test_guessed_ids_read_only_the_callers_own_portal(tenants) -> None:  # type: ignore[no-untyped-def]
    alpha, a, _bravo, b = tenants
    _check_reads(alpha, a, b)


def test_guessed_ids_change_nothing_in_another_portal(tenants) -> None:  # type: ignore[no-untyped-def]
    alpha, a, bravo, b = tenants
    before = _snapshot(bravo, b)
    own_deal, own_call, etid = a["deals"][0], a["calls"][0], a["etid"]
    their_deals = _only_theirs(a["deals"], b["deals"])
    their_contacts = _only_theirs(a["contacts"], b["contacts"])
    their_items = _only_theirs(a["items"], b["items"])
    their_activities = _only_theirs(a["activities"], b["activities"])
    their_todos = _only_theirs(a["activities"], b["todos"])
    writes: list[tuple[str, Any, list[int]]] = [
        ("crm.deal.update", lambda i: {"id": i, "fields": {"TITLE": "taken"}}, their_deals),
        ("crm.deal.delete", lambda i: {"id": i}, their_deals),
        ("crm.contact.update", lambda i: {"id": i, "fields": {"NAME": "taken"}}, their_contacts),
        ("crm.contact.delete", lambda i: {"id": i}, their_contacts),
        (
            "crm.item.update",
            lambda i: {"entityTypeId": 2, "id": i, "fields": {"title": "taken"}},
            their_deals,
        ),
        ("crm.item.delete", lambda i: {"entityTypeId": 3, "id": i}, their_contacts),
        (
            "crm.item.update",
            lambda i: {"entityTypeId": etid, "id": i, "fields": {"title": "taken"}},
            their_items,
        ),
        ("crm.item.delete", lambda i: {"entityTypeId": etid, "id": i}, their_items),
        ("crm.activity.update", lambda i: {"id": i, "fields": {"SUBJECT": "taken"}}, their_activities),
        ("crm.activity.delete", lambda i: {"id": i}, their_activities),
        # Binding: someone else's activity to my deal, my activity to someone else's deal.
        (
            "crm.activity.binding.add",
            lambda i: {"activityId": i, "entityTypeId": 2, "entityId": own_deal},
            their_activities,
        ),
        (
            "crm.activity.binding.add",
            lambda i: {"activityId": own_call, "entityTypeId": 2, "entityId": i},
            their_deals,
        ),
        (
            "crm.activity.binding.delete",
            lambda i: {"activityId": i, "entityTypeId": 2, "entityId": own_deal},
            their_activities,
        ),
        (
            "crm.activity.binding.move",
            lambda i: {
                "activityId": own_call,
                "sourceEntityTypeId": 2,
                "sourceEntityId": own_deal,
                "targetEntityTypeId": 2,
                "targetEntityId": i,
            },
            their_deals,
        ),
        (
            "crm.activity.binding.move",
            lambda i: {
                "activityId": i,
                "sourceEntityTypeId": 2,
                "sourceEntityId": i,
                "targetEntityTypeId": 2,
                "targetEntityId": own_deal,
            },
            their_activities,
        ),
        (
            "crm.activity.add",
            lambda i: {
                "fields": {
                    "OWNER_TYPE_ID": 2,
                    "OWNER_ID": i,
                    "TYPE_ID": 2,
                    "SUBJECT": "Call",
                    "COMMUNICATIONS": [{"VALUE": "+15550001"}],
                }
            },
            their_deals,
        ),
        (
            "crm.activity.todo.add",
            lambda i: {"ownerTypeId": 2, "ownerId": i, "deadline": DEADLINE},
            their_deals,
        ),
        (
            "crm.activity.todo.update",
            lambda i: {
                "ownerTypeId": 2,
                "ownerId": own_deal,
                "id": i,
                "deadline": DEADLINE,
                "title": "taken",
            },
            their_todos,
        ),
        (
            "crm.activity.todo.update",
            lambda i: {"ownerTypeId": 2, "ownerId": i, "id": i, "deadline": DEADLINE, "title": "taken"},
            their_todos,
        ),
        (
            "crm.activity.todo.updateColor",
            lambda i: {"ownerTypeId": 2, "ownerId": own_deal, "id": i, "colorId": "2"},
            their_todos,
        ),
        (
            "crm.activity.todo.updateDeadline",
            lambda i: {"ownerTypeId": 2, "ownerId": own_deal, "id": i, "value": DEADLINE},
            their_todos,
        ),
        (
            "crm.activity.todo.updateDescription",
            lambda i: {"ownerTypeId": 2, "ownerId": own_deal, "id": i, "value": "taken"},
            their_todos,
        ),
        (
            "crm.activity.todo.updateResponsibleUser",
            lambda i: {"ownerTypeId": 2, "ownerId": own_deal, "id": i, "responsibleId": 1},
            their_todos,
        ),
    ]
    for method, build, ids in writes:
        _as_if_missing(alpha, method, build, ids)
    # Inside batch too, with references that would name the other portal's records.
    batch = alpha.result(
        "batch",
        {
            "halt": 0,
            "cmd": {
                "get": f"crm.deal.get?id={their_deals[0]}",
                "upd": f"crm.activity.update?id={their_activities[0]}&fields[SUBJECT]=taken",
                "del": f"crm.item.delete?entityTypeId={etid}&id={their_items[0]}",
            },
        },
    )
    assert batch["result"] == [] and set(batch["result_error"]) == {"get", "upd", "del"}
    assert _snapshot(bravo, b) == before
    # The caller's own records are still there, untouched by the refused calls.
    assert alpha.result("crm.deal.get", {"id": own_deal})["TITLE"] == "alpha deal 0"
    assert alpha.result("crm.activity.get", {"id": own_call})["SUBJECT"] == "alpha call 0"


def test_lists_show_only_the_callers_portal(tenants) -> None:  # type: ignore[no-untyped-def]
    alpha, a, _bravo, b = tenants
    everything = sorted(set(b["deals"]) | set(b["activities"]) | set(b["items"]) | {MISSING})
    lists: list[tuple[str, dict[str, Any], str, list[int]]] = [
        ("crm.deal.list", {"select": ["*"]}, "ID", a["deals"]),
        ("crm.deal.list", {"filter": {"@ID": everything}}, "ID", a["deals"]),
        ("crm.contact.list", {"select": ["*", "EMAIL"]}, "ID", a["contacts"]),
        ("crm.activity.list", {"select": ["*", "COMMUNICATIONS", "FILES"]}, "ID", a["activities"]),
        ("crm.activity.list", {"filter": {"ID": everything}}, "ID", a["activities"]),
        (
            "crm.activity.list",
            {"filter": {"BINDINGS": [{"OWNER_TYPE_ID": 2, "OWNER_ID": i} for i in b["deals"]]}},
            "ID",
            a["activities"],
        ),
        ("crm.activity.list", {"filter": {"%SUBJECT": "bravo"}}, "ID", []),
        ("crm.activity.list", {"filter": {"OWNER_ID": b["deals"]}}, "ID", a["activities"]),
    ]
    for method, params, key, expected in lists:
        response = alpha.raw(method, params)
        assert response.status_code == 200 and "bravo" not in response.text, (method, params, response.text)
        assert sorted(int(row[key]) for row in response.json()["result"]) == sorted(expected), (
            method,
            params,
        )
    for etid, expected in ((2, a["deals"]), (3, a["contacts"]), (a["etid"], a["items"])):
        for params in ({"entityTypeId": etid}, {"entityTypeId": etid, "filter": {"@id": everything}}):
            response = alpha.raw("crm.item.list", params)
            assert response.status_code == 200 and "bravo" not in response.text, (params, response.text)
            assert sorted(i["id"] for i in response.json()["result"]["items"]) == sorted(expected), params
    types = alpha.result("crm.type.list")["types"]
    assert [t["title"] for t in types] == ["alpha orders"]
    owner_types = alpha.raw("crm.enum.ownertype")
    assert "alpha orders" in owner_types.text and "bravo" not in owner_types.text


def test_an_app_token_reaches_only_its_own_portal(tenants) -> None:  # type: ignore[no-untyped-def]
    alpha, a, bravo, b = tenants
    app = install(alpha, "http://127.0.0.1:9/app", scopes="crm")
    _check_reads(app.api, a, b)
    # Naming the other portal in the parameters changes nothing: the token decides.
    hint = {"DOMAIN": bravo.hook.portal.domain, "member_id": bravo.hook.portal.member_id}
    deal = app.api.raw("crm.deal.get", {"id": a["deals"][0], **hint})
    assert deal.json()["result"]["TITLE"] == "alpha deal 0"
    listed = app.api.result("crm.activity.list", {**hint, "select": ["SUBJECT"]})
    assert sorted(row["SUBJECT"] for row in listed) == ["alpha call 0", "alpha todo 0"]
    token = app.tokens["access_token"]
    their = _only_theirs(a["deals"], b["deals"])[0]
    # A webhook path decides alone: a wrong code is refused even with a valid token beside it...
    wrong = alpha.http.get(f"/rest/{bravo.hook.user.id}/{'0' * 16}/crm.deal.get?id={their}&auth={token}")
    assert _answer(wrong) == (401, INVALID)
    # ...and a right code belongs to one user: another user's ID with it is refused.
    other = bravo.runtime.tenancy.create_user(bravo.hook.portal.id, name="Other", admin=True)
    borrowed = alpha.http.get(f"/rest/{other.id}/{bravo.hook.code}/crm.deal.get?id={their}")
    assert _answer(borrowed)[0] == 401 and "bravo" not in borrowed.text
    # Tokens never pass as webhook codes, nor the other way round.
    as_code = alpha.http.get(f"/rest/{alpha.hook.user.id}/{token}/crm.deal.get?id={a['deals'][0]}")
    assert _answer(as_code)[0] == 401
    as_token = AppClient(alpha.runtime, alpha.http, bravo.hook.code).raw("crm.deal.get", {"id": their})
    assert _answer(as_token) == (
        401,
        {"error": "invalid_token", "error_description": "Unable to get application by token"},
    )


def test_download_links_open_only_the_file_they_were_issued_for(tenants) -> None:  # type: ignore[no-untyped-def]
    alpha, a, bravo, b = tenants
    http = alpha.http
    mine, theirs = a["files"][0], b["files"]
    assert _download(http, mine["url"]).content == b"alpha file 0"
    for i, entry in enumerate(theirs):
        assert _download(http, entry["url"]).content == f"bravo file {i}".encode()
    token = dict(parse_qsl(urlsplit(mine["url"]).query))["auth"]
    portal_id, user_id, digest = token.split(".")
    their_token = dict(parse_qsl(urlsplit(theirs[0]["url"]).query))["auth"]
    flipped = digest[:-1] + ("0" if digest[-1] != "0" else "1")
    refused = [
        # My token for the other portal's file IDs (the same ID exists there; others exist only there).
        *[_with_query(mine["url"], fileId=str(e["id"])) for e in theirs if e["id"] != mine["id"]],
        _with_query(mine["url"], fileId=str(MISSING)),
        # My token re-labelled with the other portal or another user.
        _with_query(mine["url"], auth=f"{bravo.hook.portal.id}.{user_id}.{digest}"),
        _with_query(mine["url"], auth=f"{portal_id}.{int(user_id) + 1}.{digest}"),
        _with_query(theirs[0]["url"], auth=f"{portal_id}.{user_id}.{their_token.split('.')[2]}"),
        # Tampered, truncated, padded, empty or absent tokens.
        _with_query(mine["url"], auth=f"{portal_id}.{user_id}.{flipped}"),
        _with_query(mine["url"], auth=f"{portal_id}.{user_id}.{digest.upper()}"),
        _with_query(mine["url"], auth=f"{portal_id}.{user_id}.{digest[:-1]}"),
        _with_query(mine["url"], auth=f"{token}\n"),
        _with_query(mine["url"], auth=f" {token}"),
        _with_query(mine["url"], auth=f"{token}0"),
        _with_query(mine["url"], auth=f"{portal_id}.{user_id}"),
        _with_query(mine["url"], auth=""),
        _with_query(mine["url"], auth=None),
        _with_query(mine["url"], auth=f"0{portal_id}.{user_id}.{digest}"),
        _with_query(mine["url"], fileId=f"{mine['id']}.0"),
        _with_query(mine["url"], fileId=""),
        _with_query(mine["url"], fileId="-1"),
        _with_query(mine["url"], fileId=str(2**40)),
        _with_query(mine["url"], fileId="1 OR 1=1"),
        _with_query(mine["url"], auth=alpha.hook.code),
        f"{urlsplit(mine['url']).path}?fileId={mine['id']}&auth[]={token}",
    ]
    for url in refused:
        response = http.get(url)
        assert response.status_code == 404, (url, response.status_code, response.content[:100])
        assert b"file" not in response.content.replace(b"File not found", b""), (url, response.content[:100])
    # ownerId is informative only: it does not open another activity's file.
    for activity in b["activities"]:
        response = http.get(_with_query(mine["url"], ownerId=str(activity)))
        assert response.status_code == 200 and response.content == b"alpha file 0"


def test_download_links_die_with_the_right_to_read(runtime: Runtime, http: TestClient) -> None:
    portal = PortalClient.create(runtime, http, scopes=("crm", "user"))
    portal_id = portal.hook.portal.id
    seeded = _seed(portal, "alpha", 2)
    seller = runtime.tenancy.create_user(portal_id, name="Seller")
    clerk = runtime.tenancy.create_user(portal_id, name="Clerk")
    as_seller, as_clerk = portal.with_webhook(seller.id, ("crm",)), portal.with_webhook(clerk.id, ("crm",))
    first, second = seeded["calls"]
    seller_url = as_seller.result("crm.activity.get", {"id": first})["FILES"][0]["url"]
    clerk_url = as_clerk.result("crm.activity.get", {"id": first})["FILES"][0]["url"]
    admin_url = portal.result("crm.activity.get", {"id": first})["FILES"][0]["url"]
    other_url = portal.result("crm.activity.get", {"id": second})["FILES"][0]["url"]
    assert len({seller_url, clerk_url, admin_url}) == 3  # each user gets a link of their own
    for url in (seller_url, clerk_url, admin_url):
        assert _download(http, url).content == b"alpha file 0"
    # A link opens its own file only, even in the same portal and for the same user.
    other_id = dict(parse_qsl(urlsplit(other_url).query))["fileId"]
    assert http.get(_with_query(seller_url, fileId=other_id)).status_code == 404
    # The seller loses deals: their link stops, the others' still work.
    with runtime.db.write() as conn:
        role = create_role(conn, portal_id, name="No deals", permissions=dict([parse_grant("2:*=none")]))
        crm_roles.assign(conn, portal_id, seller.id, role)
    assert _download(http, seller_url).status_code == 404
    assert _download(http, clerk_url).content == b"alpha file 0"
    # The clerk is deactivated: their link stops.
    with runtime.db.write() as conn:
        conn.execute(
            users.update().where(users.c.portal_id == portal_id, users.c.id == clerk.id).values(active=False)
        )
    assert _download(http, clerk_url).status_code == 404
    assert _download(http, admin_url).content == b"alpha file 0"
    # The activity is deleted: every link to its file stops.
    portal.result("crm.activity.delete", {"id": first})
    assert _download(http, admin_url).status_code == 404
    assert _download(http, other_url).content == b"alpha file 1"
    # The portal is deleted: its links stop, also once a new portal holds a file of the same ID (on
    # SQLite the new portal may even get the old portal's ID back).
    assert runtime.tenancy.delete_portal(portal_id)
    assert _download(http, other_url).status_code == 404
    successor = PortalClient.create(runtime, http, scopes=("crm", "user"))
    again = _seed(successor, "charlie", 2)
    assert [f["id"] for f in again["files"]] == [f["id"] for f in seeded["files"]]
    assert _download(http, other_url).status_code == 404
    assert _download(http, again["files"][1]["url"]).content == b"charlie file 1"


# --- 2. scopes -------------------------------------------------------------------------------------------


def _crm_methods(runtime: Runtime) -> list[str]:
    names = [spec.name for spec in runtime.registry if spec.name.lower().startswith("crm.")]
    assert len(names) > 50
    return names


@pytest.mark.parametrize("scopes", [("user",), ("user_brief", "placement")])
def test_a_webhook_without_crm_is_refused_every_crm_method(
    portal: PortalClient, scopes: tuple[str, ...]
) -> None:
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "Scoped secret"}})
    activity = portal.add_call("Scoped secret call")
    bare = portal.with_webhook(portal.hook.user.id, scopes)
    params = {"id": deal, "entityTypeId": 2, "fields": {"TITLE": "x"}, "filter": {}}
    names = _crm_methods(portal.runtime)
    for name in names:
        for form in ("json", "get"):
            response = bare.raw(name, params, form=form)
            assert _answer(response) == (401, SCOPE_WEBHOOK), (name, form, response.text)
    # Any spelling of the name, either output format.
    for spelled in ("CRM.DEAL.GET", "Crm.Activity.List.json", "crm.deal.list/", "/crm.activity.get"):
        response = bare.raw(spelled, {"id": deal})
        assert _answer(response) == (401, SCOPE_WEBHOOK), (spelled, response.text)
    xml = bare.raw("crm.deal.get.xml", {"id": deal})
    assert xml.status_code == 401 and b"<error>insufficient_scope</error>" in xml.content
    # Inside batch every command is refused with the bare code; nothing of the CRM comes back.
    for start in range(0, len(names), 50):
        chunk = names[start : start + 50]
        for cmd in (
            {f"c{i}": f"{n}?id={deal}&entityTypeId=2" for i, n in enumerate(chunk)},
            [f"{n}?id={activity}" for n in chunk],
        ):
            response = bare.raw("batch", {"halt": 0, "cmd": cmd})
            assert response.status_code == 200 and "secret" not in response.text.lower()
            result = response.json()["result"]
            errors = result["result_error"]
            assert result["result"] == [] and result["result_total"] == []
            assert list(errors.values() if isinstance(errors, dict) else errors) == [SCOPE_IN_BATCH] * len(
                chunk
            )
    # The data is still there for a credential that holds the scope.
    assert portal.result("crm.deal.get", {"id": deal})["TITLE"] == "Scoped secret"


def test_a_user_webhook_cannot_reach_crm_data_through_batch(portal: PortalClient) -> None:
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "Hidden secret"}})
    portal.add_call("Hidden secret call")
    app = install(portal, "http://127.0.0.1:9/app", scopes="crm")
    token = app.tokens["access_token"]
    users_only = portal.with_webhook(portal.hook.user.id, ("user",))
    cmd = {
        "me": "user.current",
        "deal": "crm.deal.get?id=$result[me][ID]",
        "list": "crm.deal.list?filter[ID]=$result[me][ID]&select[]=TITLE",
        "item": "crm.item.list?entityTypeId=2&filter[id]=$result[me][ID]",
        "act": "crm.activity.list?filter[OWNER_ID]=$result[me][ID]",
        # A token with crm beside the command does not lend its scope.
        "token": f"crm.deal.get?id={deal}&auth={token}",
        "token2": f"crm.activity.list?access_token={token}",
        # References to the refused answers yield nothing of the CRM.
        "via": "user.get?FILTER[NAME]=$result[deal][TITLE]&FILTER[LAST_NAME]=$error[deal][error]",
        "via2": "user.current?x=$result[list][0][TITLE]",
        "back": "crm.deal.get?id=$result[via][0][ID]",
    }
    for form in ("json", "form"):
        response = users_only.raw("batch", {"halt": 0, "cmd": cmd}, form=form)
        assert response.status_code == 200 and "secret" not in response.text.lower(), response.text
        result = response.json()["result"]
        refused = ("deal", "list", "item", "act", "token", "token2", "back")
        assert {name: result["result_error"].get(name) for name in refused} == dict.fromkeys(
            refused, SCOPE_IN_BATCH
        )
        assert "me" in result["result"] and not set(refused) & set(result["result"])
        assert set(result["result"]) | set(result["result_error"]) == set(cmd)
    # Beside the webhook path a token lends nothing either, in the body, the query or a header.
    for response in (
        users_only.raw("crm.deal.get", {"id": deal, "auth": token}),
        users_only.raw("crm.deal.get", {"id": deal, "access_token": token}, form="get"),
        portal.http.get(
            f"{users_only.base}/crm.deal.get?id={deal}", headers={"Authorization": f"Bearer {token}"}
        ),
        users_only.raw("batch", {"cmd": {"d": f"crm.deal.get?id={deal}"}, "auth": token}),
    ):
        assert "secret" not in response.text.lower(), response.text
        body = response.json()
        assert body.get("result", {}).get("result_error", body) in (SCOPE_WEBHOOK, {"d": SCOPE_IN_BATCH})
    # An application without crm is refused the same way, with the token's wording.
    user_app = install(portal, "http://127.0.0.1:9/app2", scopes="user")
    assert _answer(user_app.api.raw("crm.deal.get", {"id": deal})) == (401, SCOPE_TOKEN)
    batch = user_app.api.result("batch", {"cmd": {"d": f"crm.deal.get?id={deal}", "u": "user.current"}})
    assert batch["result_error"] == {"d": SCOPE_IN_BATCH} and list(batch["result"]) == ["u"]


# --- 3. hostile text where SQL is built --------------------------------------------------------------------

HOSTILE = [
    "1 OR 1=1",
    "' OR '1'='1",
    "1' OR '1'='1' --",
    "'; DROP TABLE crm_activities; --",
    '"); DROP TABLE crm_items; --',
    '") UNION SELECT id, member_id, domain FROM portals --',
    "1 UNION SELECT code_digest FROM webhooks",
    "1; SELECT pg_sleep(5)",
    "\\",
    "\\'",
    "a\\%b",
    "%",
    "_",
    "%_%",
    "*",
    "NULL",
    "\x00' OR 1=1 --",
    "a\x00b",
    "x" * 10000,
    "日本語 🙂 ‮rtl",
    "\ud800 lone",
    "$result[a]",
    "ID",
    "  7abc",
]
# The hostile strings that name no field (as a filter, order or select name they must be ignored or refused).
HOSTILE_NAMES = [text for text in HOSTILE if text not in ("ID", "*")]
DATA_TABLES = (
    portals,
    users,
    webhooks,
    crm_types,
    crm_items,
    crm_multifields,
    crm_activities,
    crm_activity_bindings,
    crm_activity_communications,
    crm_activity_files,
)


def _row_counts(runtime: Runtime) -> dict[str, int]:
    with runtime.db.read() as conn:
        return {
            t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for t in DATA_TABLES
        }


@pytest.fixture
def planted(runtime: Runtime, http: TestClient) -> tuple[PortalClient, dict[int, str], dict[int, str]]:
    """A portal with a deal and an activity whose text is each hostile string (as stored: cut to the column,
    NUL dropped), and a neighbour portal whose rows must stay out of every answer."""
    neighbour = PortalClient.create(runtime, http, scopes=("crm", "user"))
    _seed(neighbour, "bravo", 2)
    portal = PortalClient.create(runtime, http, scopes=("crm", "user"))
    deal = int(portal.result("crm.deal.add", {"fields": {"TITLE": "plain deal"}}))
    portal.result("crm.activity.add", {"fields": _call_fields(deal, "plain subject")})
    for text in HOSTILE:
        made = portal.raw("crm.deal.add", {"fields": {"TITLE": text}})
        assert made.status_code == 200, made.text
        added = portal.raw("crm.activity.add", {"fields": _call_fields(deal, text)})
        assert added.status_code == 200, added.text
    titles = {int(r["ID"]): r["TITLE"] for r in _all(portal, "crm.deal.list", {"select": ["ID", "TITLE"]})}
    subjects = {
        int(r["ID"]): r["SUBJECT"] for r in _all(portal, "crm.activity.list", {"select": ["ID", "SUBJECT"]})
    }
    assert len(titles) == len(subjects) == len(HOSTILE) + 1
    return portal, titles, subjects


def _call_fields(deal: int, subject: str) -> dict[str, Any]:
    return call_fields(deal, subject, COMMUNICATIONS=[{"VALUE": "+15550001"}])


def _all(p: PortalClient, method: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    start: int | None = 0
    while start is not None:
        body = p.call(method, {**params, "start": start})
        rows.extend(body["result"])
        start = body.get("next")
    return rows


def _ids_of(response: Any, key: str = "ID") -> list[int]:
    assert response.status_code == 200, response.text
    return [int(row[key]) for row in response.json()["result"]]


def _matches(stored: dict[int, str], text: str) -> tuple[set[int], set[int]]:
    """(rows that certainly contain ``text``, rows that may: ignoring case), for a LIKE '%text%'."""
    text = _storable(text)
    exact = {i for i, s in stored.items() if text in s}
    loose = {i for i, s in stored.items() if text.casefold() in s.casefold()}
    return exact, loose


def test_hostile_text_in_activity_list_and_get_is_data(planted) -> None:  # type: ignore[no-untyped-def]
    portal, _titles, subjects = planted
    counts = _row_counts(portal.runtime)
    every = sorted(subjects)
    for text in HOSTILE:
        where = repr(text[:40])
        params = {"select": ["ID"], "order": {"ID": "ASC"}}
        # As a value: the rows holding exactly that text, or containing it.
        equal = portal.raw("crm.activity.list", {**params, "filter": {"SUBJECT": text}})
        assert _ids_of(equal) == sorted(i for i, s in subjects.items() if s == _storable(text)), where
        in_list = portal.raw("crm.activity.list", {**params, "filter": {"SUBJECT": [text, "plain subject"]}})
        assert set(_ids_of(in_list)) == {
            i for i, s in subjects.items() if s in (_storable(text), "plain subject")
        }
        exact, loose = _matches(subjects, text)
        like = set(_ids_of(portal.raw("crm.activity.list", {**params, "filter": {"%SUBJECT": text}})))
        assert exact <= like <= loose, (where, like)
        # As an ID: PHP's (int) of it, never more than that one row.
        number = _php_int(_storable(text))
        by_id = portal.raw("crm.activity.list", {**params, "filter": {"ID": text}})
        assert _ids_of(by_id) == ([number] if number in subjects else []), where
        by_ids = portal.raw("crm.activity.list", {**params, "filter": {"@ID": [text, text]}})
        assert _ids_of(by_ids) == ([number] if number in subjects else []), where
        got = portal.raw("crm.activity.get", {"id": text})
        if number in subjects:
            assert got.status_code == 200 and got.json()["result"]["ID"] == str(number), where
        else:
            assert got.status_code == 400 and got.json()["error"] == "", (where, got.text)
    for text in HOSTILE_NAMES:
        where = repr(text[:40])
        params = {"select": ["ID"], "order": {"ID": "ASC"}}
        # As a name: an unknown filter or order key is ignored, an unknown direction is descending,
        # an unknown select entry adds nothing.
        assert _ids_of(portal.raw("crm.activity.list", {**params, "filter": {text: "1"}})) == every, where
        assert _ids_of(portal.raw("crm.activity.list", {**params, "filter": {f">={text}": "1"}})) == every, (
            where
        )
        unordered = portal.raw("crm.activity.list", {"select": ["ID"], "order": {text: "ASC"}})
        assert _ids_of(unordered) == every, where
        backwards = portal.raw("crm.activity.list", {"select": ["ID"], "order": {"ID": text}})
        assert _ids_of(backwards) == every[::-1], where
        selected = portal.raw("crm.activity.list", {"select": [text], "order": {"ID": "ASC"}})
        assert selected.status_code == 200 and [sorted(r) for r in selected.json()["result"]] == [
            ["ID"]
        ] * len(every), where
    assert _row_counts(portal.runtime) == counts


def test_hostile_text_in_item_list_is_data(planted) -> None:  # type: ignore[no-untyped-def]
    portal, titles, _subjects = planted
    counts = _row_counts(portal.runtime)
    every = sorted(titles)
    fields = set(portal.result("crm.item.fields", {"entityTypeId": 2})["fields"])
    for text in HOSTILE:
        where = repr(text[:40])
        base: dict[str, Any] = {"entityTypeId": 2, "select": ["id"], "order": {"id": "ASC"}}
        equal = portal.raw("crm.item.list", {**base, "filter": {"title": text}})
        assert _items(equal) == sorted(i for i, s in titles.items() if s == _storable(text)), where
        exact, loose = _matches(titles, text)
        if _storable(text):
            like = set(_items(portal.raw("crm.item.list", {**base, "filter": {"%title": text}})))
            assert exact <= like <= loose, (where, like)
        either = portal.raw(
            "crm.item.list", {**base, "filter": {"logic": "OR", "0": {"title": text}, "1": {"id": 1}}}
        )
        assert set(_items(either)) == {1} | {i for i, s in titles.items() if s == _storable(text)}, where
        # As a type or an ID.
        kind = portal.raw("crm.item.list", {"entityTypeId": text})
        assert kind.status_code == 400 and "result" not in kind.json(), (where, kind.text)
        one = portal.raw("crm.item.get", {"entityTypeId": 2, "id": text})
        if one.status_code == 200:
            assert one.json()["result"]["item"]["id"] == _php_int(_storable(text)), where
        else:
            assert one.status_code == 400 and one.json()["error"], (where, one.text)
    for text in HOSTILE_NAMES:
        where = repr(text[:40])
        # Unknown names are the documented errors; an unknown select entry adds nothing.
        for params in ({"filter": {text: 1}}, {"order": {text: "ASC"}}, {"order": {"id": text}}):
            refused = portal.raw("crm.item.list", {"entityTypeId": 2, **params})
            assert refused.status_code == 400 and refused.json()["error"] == "INVALID_ARG_VALUE", (
                where,
                params,
            )
            assert "result" not in refused.json()
        selected = portal.raw("crm.item.list", {"entityTypeId": 2, "select": [text, "id"]})
        assert selected.status_code == 200, (where, selected.text)
        rows = selected.json()["result"]["items"]
        assert sorted(r["id"] for r in rows) == every and all(set(r) <= fields for r in rows), where
    assert _row_counts(portal.runtime) == counts


def _items(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [int(row["id"]) for row in response.json()["result"]["items"]]


def test_hostile_text_in_deal_list_and_get_is_data(planted) -> None:  # type: ignore[no-untyped-def]
    portal, titles, _subjects = planted
    counts = _row_counts(portal.runtime)
    every = sorted(titles)
    fields = set(portal.result("crm.deal.fields"))
    for text in HOSTILE:
        where = repr(text[:40])
        params = {"select": ["ID"], "order": {"ID": "ASC"}}
        equal = portal.raw("crm.deal.list", {**params, "filter": {"TITLE": text}})
        assert _ids_of(equal) == sorted(i for i, s in titles.items() if s == _storable(text)), where
        exact, loose = _matches(titles, text)
        if _storable(text):
            like = set(_ids_of(portal.raw("crm.deal.list", {**params, "filter": {"%TITLE": text}})))
            assert exact <= like <= loose, (where, like)
        got = portal.raw("crm.deal.get", {"id": text})
        if got.status_code == 200:
            assert got.json()["result"]["ID"] == str(_php_int(_storable(text))), where
        else:
            assert got.status_code == 400 and "result" not in got.json(), (where, got.text)
    for text in HOSTILE_NAMES:
        where = repr(text[:40])
        params = {"select": ["ID"], "order": {"ID": "ASC"}}
        # Unknown filter and order names are ignored; an unknown select entry adds nothing.
        assert sorted(_ids_of(portal.raw("crm.deal.list", {**params, "filter": {text: "1"}}))) == every, where
        assert (
            sorted(_ids_of(portal.raw("crm.deal.list", {"select": ["ID"], "order": {text: "ASC"}}))) == every
        )
        directed = portal.raw("crm.deal.list", {"select": ["ID"], "order": {"ID": text}})
        assert sorted(_ids_of(directed)) == every, where
        selected = portal.raw("crm.deal.list", {"select": [text, "ID"]})
        assert selected.status_code == 200, (where, selected.text)
        assert all(set(row) <= fields for row in selected.json()["result"]), where
    assert _row_counts(portal.runtime) == counts


def test_hostile_text_is_stored_and_read_back_as_written(planted) -> None:  # type: ignore[no-untyped-def]
    """Every hostile string came back from the list as it went in (cut to the column, NUL dropped), and
    the tables it names are all still there."""
    portal, titles, subjects = planted
    for text in HOSTILE:
        kept = _storable(text)
        assert any(s == kept or (len(kept) > 255 and kept.startswith(s) and s) for s in titles.values()), (
            text[:40]
        )
        assert any(s == kept or (len(kept) > 255 and kept.startswith(s) and s) for s in subjects.values()), (
            text[:40]
        )
    with portal.runtime.db.read() as conn:
        names = set(sa.inspect(conn).get_table_names())
    assert {t.name for t in DATA_TABLES} <= names
    assert portal.result(
        "crm.activity.list", {"filter": {"SUBJECT": "plain subject"}, "select": ["SUBJECT"]}
    ) == [
        {"ID": str(min(i for i, s in subjects.items() if s == "plain subject")), "SUBJECT": "plain subject"}
    ]


# --- 4. random input on the wire -------------------------------------------------------------------------

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
METHODS = [
    "server.time",
    "profile",
    "batch",
    "methods",
    "user.current",
    "crm.deal.list",
    "crm.deal.add",
    "crm.deal.get",
    "crm.activity.list",
    "crm.activity.get",
    "crm.activity.add",
    "crm.item.list",
    "crm.item.get",
    "crm.activity.todo.add",
    "crm.activity.binding.list",
]
CONTENT_TYPES = [
    None,
    "application/json",
    "application/json; charset=utf-8",
    "application/vnd.api+json",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin1",
    "multipart/form-data",
    "multipart/form-data; boundary=xyz",
    "multipart/form-data; boundary=",
    'multipart/form-data; boundary="a b"',
    "multipart/form-data; boundary=xyz; charset=bogus",
    "multipart/mixed; boundary=xyz",
    "text/plain",
    "text/xml",
    "application/octet-stream",
    ";;;=",
    "application/json\x7f",
]
NAME_TOKENS = st.sampled_from(
    [
        "filter",
        "order",
        "select",
        "fields",
        "cmd",
        "halt",
        "id",
        "ID",
        "start",
        "auth",
        "access_token",
        "entityTypeId",
        "ownerTypeId",
        "ownerId",
        "SUBJECT",
        "TITLE",
        "0",
        "1",
        "-1",
        "[",
        "]",
        "[]",
        "[0]",
        "[1]",
        "[a]",
        "[[",
        "]]",
        "[]]",
        "[%5B]",
        "%5B",
        "%5D",
        "%00",
        "%",
        "%ZZ",
        "%C3%A9",
        "%FF",
        "+",
        ".",
        " ",
        "$result[a]",
        "bx24_x",
    ]
)
VALUE_TOKENS = st.sampled_from(
    [
        "",
        "1",
        "0",
        "-1",
        "2147483648",
        "Y",
        "N",
        "ASC",
        "x",
        "%",
        "%00",
        "%FF",
        "crm.deal.list",
        "server.time?id=1",
    ]
)
PAIR = st.tuples(
    st.lists(NAME_TOKENS | st.text(string.ascii_letters + "[]", max_size=4), min_size=1, max_size=5).map(
        "".join
    ),
    st.booleans(),
    st.lists(VALUE_TOKENS | st.text(max_size=4), max_size=3).map("".join),
)
QUERY = st.lists(PAIR, max_size=8).map(
    lambda pairs: "&".join(
        f"{quote(n, safe='%[]+ ')}={quote(v, safe='%')}" if eq else quote(n, safe="%[]+ ")
        for n, eq, v in pairs
    )
)
JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(NAME_TOKENS | st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=10,
)


def _multipart(parts: list[tuple[str, str, bool]], boundary: str, tail: str) -> bytes:
    out = []
    for name, value, has_name in parts:
        disposition = f'form-data; name="{name}"' if has_name else "form-data"
        out.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n{value}\r\n")
    return ("".join(out) + tail).encode("utf-8", "surrogatepass")


BODIES = st.one_of(
    st.binary(max_size=300),
    QUERY.map(str.encode),
    JSONISH.map(lambda v: json.dumps(v).encode()),
    st.builds(
        _multipart,
        st.lists(st.tuples(NAME_TOKENS, st.text(max_size=6), st.booleans()), max_size=4),
        st.sampled_from(["xyz", "", "a b", "x" * 80]),
        st.sampled_from(["--xyz--\r\n", "--xyz", "", "\r\n", "--xyz--", "garbage"]),
    ),
)


def _still_works(portal: PortalClient, deal: int) -> None:
    assert portal.result("server.time")
    assert portal.result("crm.deal.get", {"id": deal})["TITLE"] == "Fuzz target"
    assert (
        portal.result("batch", {"cmd": {"a": "server.time", "b": f"crm.deal.get?id={deal}"}})["result_error"]
        == []
    )


def test_random_bodies_and_content_types_never_crash(portal: PortalClient) -> None:
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "Fuzz target"}})
    paths = [f"{portal.base}/{m}" for m in METHODS] + [f"/rest/{m}" for m in METHODS[:3]]

    @FUZZ
    @given(
        path=st.sampled_from(paths),
        suffix=st.sampled_from(["", ".json", ".xml"]),
        content_type=st.sampled_from(CONTENT_TYPES),
        body=BODIES,
        query=st.sampled_from(["", "id=1", "0=x", "auth=abc"]) | QUERY,
    )
    def run(path: str, suffix: str, content_type: str | None, body: bytes, query: str) -> None:
        headers = {"Content-Type": content_type} if content_type is not None else {}
        url = f"{path}{suffix}?{query}" if query else f"{path}{suffix}"
        response = portal.http.post(url, content=body, headers=headers)
        _well_formed(response, (url, content_type, body[:200]))

    run()
    _still_works(portal, deal)


PATH_TOKENS = st.sampled_from(
    [
        *METHODS,
        "CRM.DEAL.LIST",
        "crm",
        "deal",
        "list",
        "1",
        "0",
        "-1",
        "99999999999999999999",
        "１",
        "²",
        "...",
        "%2e",
        "%2e%2e",
        "%2F",
        "%00",
        "%FF",
        "%20",
        "%3F",
        "%23",
        ".xml",
        ".json",
        ".XML",
        "x.xml",
        "rest",
        "~",
        "@",
    ]
)
SEGMENT = (
    PATH_TOKENS | st.text(string.ascii_letters + string.digits + ".-_~%é日", min_size=1, max_size=8)
).filter(lambda s: s not in (".", ".."))


def test_random_paths_and_query_strings_never_crash(portal: PortalClient) -> None:
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "Fuzz target"}})
    user, code = portal.hook.user.id, portal.hook.code
    prefixes = [
        "/rest/",
        "/rest//",
        f"/rest/{user}/{code}/",
        f"/rest/{user}/{code}//",
        f"/rest/{user}/x{code}/",
        "/rest/1/",
    ]

    @FUZZ
    @given(
        prefix=st.sampled_from(prefixes),
        segments=st.lists(SEGMENT, max_size=4),
        suffix=st.sampled_from(["", "/", "//", ".json", ".xml", ".XML", "%2Exml", ".xml/"]),
        query=QUERY,
        verb=st.sampled_from(["GET", "POST"]),
    )
    def run(prefix: str, segments: list[str], suffix: str, query: str, verb: str) -> None:
        path = prefix + "/".join(quote(s, safe="%.-_~@") for s in segments) + suffix
        if verb == "GET":
            response = portal.http.get(f"{path}?{query}")
        else:
            response = portal.http.post(
                path, content=query, headers={"Content-Type": "application/x-www-form-urlencoded"}
            )
        assert response.request.url.path.startswith("/rest")
        _well_formed(response, (verb, path, query))

    run()
    _still_works(portal, deal)


def test_random_parameters_of_real_methods_never_crash(portal: PortalClient) -> None:
    """Bracketed query strings on the methods that read and write data, also as batch commands."""
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "Fuzz target"}})
    portal.add_call("Fuzz call")

    @FUZZ
    @given(method=st.sampled_from(METHODS), query=QUERY, as_batch=st.booleans(), xml=st.booleans())
    def run(method: str, query: str, as_batch: bool, xml: bool) -> None:
        suffix = ".xml" if xml else ""
        if as_batch:
            response = portal.raw(
                f"batch{suffix}", {"halt": 0, "cmd": {"a": f"{method}?{query}", "b": "server.time"}}
            )
        else:
            response = portal.http.get(f"{portal.base}/{method}{suffix}?{query}")
        _well_formed(response, (method, query, as_batch))

    run()
    _still_works(portal, deal)


# Found by the fuzzing above, kept as plain cases: top-level names 0..n-1 and broken multipart bodies.


@pytest.mark.parametrize(
    "how",
    ["get", "form", "json-list", "multipart", "oauth-get", "batch-command"],
)
def test_numeric_top_level_names_are_plain_parameters(portal: PortalClient, how: str) -> None:
    """PHP keeps ``?0=a`` as an ordinary parameter named 0; a method ignores it like any unknown one."""
    url = f"{portal.base}/server.time"
    response = {
        "get": lambda: portal.http.get(f"{url}?0=a&1=b"),
        "form": lambda: portal.http.post(
            url, content="0=a", headers={"Content-Type": "application/x-www-form-urlencoded"}
        ),
        "json-list": lambda: portal.http.post(
            url, content="[1, 2]", headers={"Content-Type": "application/json"}
        ),
        "multipart": lambda: portal.http.post(url, files=[("0", (None, "a"))]),
        "oauth-get": lambda: portal.http.get("/rest/server.time?0=a"),
        "batch-command": lambda: portal.raw(
            "batch", {"cmd": {"a": "server.time?0=x", "b": "crm.deal.list?0=x"}}
        ),
    }[how]()
    _well_formed(response, how)
    if how == "oauth-get":
        assert _answer(response) == (
            401,
            {"error": "NO_AUTH_FOUND", "error_description": "Wrong authorization data"},
        )
    else:
        assert response.status_code == 200, response.text
    if how == "batch-command":
        assert response.json()["result"]["result_error"] == [], response.text


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data; boundary=xyz", b"garbage"),
        ("multipart/form-data", b"a=1"),
        (
            "multipart/form-data; boundary=xyz",
            b"--xyz\r\nContent-Disposition: form-data\r\n\r\nx\r\n--xyz--\r\n",
        ),
        ('multipart/form-data; boundary="a b"', b"\xff\xfe"),
    ],
    ids=["garbage", "no-boundary", "part-without-name", "bytes-before-any-boundary"],
)
def test_a_broken_multipart_body_is_no_crash(portal: PortalClient, content_type: str, body: bytes) -> None:
    for path in (f"{portal.base}/server.time", "/rest/server.time", f"{portal.base}/server.time.xml"):
        response = portal.http.post(path, content=body, headers={"Content-Type": content_type})
        _well_formed(response, (path, content_type, body))
