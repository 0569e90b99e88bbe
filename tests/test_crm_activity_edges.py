"""Edges of the activity methods found in review: input the databases or the file system would refuse,
odd download tokens, reminders through crm.activity.update, and the vendor's order where it matters."""

from __future__ import annotations

import base64

from b24crm.crm.permissions import create_role, parse_grant
from b24crm.store import crm_roles
from tests.client import PortalClient

ADMIN = {"Authorization": "Bearer admin-secret"}


def _deal(portal: PortalClient) -> int:
    return int(portal.result("crm.deal.add", {"fields": {"TITLE": "Edges"}}))


def _call(deal_id: int, **extra: object) -> dict[str, object]:
    return {
        "OWNER_TYPE_ID": 2,
        "OWNER_ID": deal_id,
        "TYPE_ID": 2,
        "SUBJECT": "Call",
        "COMMUNICATIONS": [{"VALUE": "+15550009"}],
        **extra,
    }


def test_long_and_odd_file_names_are_stored(portal: PortalClient) -> None:
    name = "ü" * 300 + ".txt"
    files = [{"fileData": [name, base64.b64encode(b"long").decode()]}, {"fileData": ["a\x01b.txt", "YQ=="]}]
    activity = portal.result("crm.activity.add", {"fields": _call(_deal(portal), FILES=files)})
    entries = portal.result("crm.activity.get", {"id": activity})["FILES"]
    assert len(entries) == 2
    path = entries[0]["url"].split("://", 1)[1].split("/", 1)[1]
    assert portal.http.get(f"/{path}").content == b"long"


def test_odd_download_tokens_are_not_found(portal: PortalClient) -> None:
    for token in ("1.1.%C3%A9", "%C2%B2.1.x", "1.1." + "0" * 32, "", "a.b.c"):
        response = portal.http.get(f"/bitrix/tools/crm_show_file.php?fileId=1&auth={token}")
        assert response.status_code == 404, token


def test_text_the_databases_refuse_is_made_storable(portal: PortalClient) -> None:
    deal = _deal(portal)
    fields = _call(deal, SUBJECT="x" * 600, LOCATION="nul\x00here", DESCRIPTION="half \ud800 surrogate")
    activity = portal.result("crm.activity.add", {"fields": fields})
    got = portal.result("crm.activity.get", {"id": activity})
    assert got["SUBJECT"] == "x" * 512  # cut to the column, as MySQL outside strict mode does
    assert got["LOCATION"] == "nulhere" and got["DESCRIPTION"] == "half \ufffd surrogate"
    found = portal.result("crm.activity.list", {"filter": {"%SUBJECT": "x\x00x"}, "select": ["ID"]})
    assert {"ID": str(activity)} in found


def test_a_long_list_of_values_in_a_filter(portal: PortalClient) -> None:
    activity = portal.result("crm.activity.add", {"fields": _call(_deal(portal))})
    ids = [*range(100000, 101500), activity]
    assert portal.result("crm.activity.list", {"filter": {"ID": ids}, "select": ["ID"]}) == [
        {"ID": str(activity)}
    ]


def test_notify_value_zero_is_a_value(portal: PortalClient) -> None:
    deal = _deal(portal)
    activity = portal.result("crm.activity.add", {"fields": _call(deal, NOTIFY_TYPE=1, NOTIFY_VALUE=0)})
    assert portal.result("crm.activity.update", {"id": activity, "fields": {"NOTIFY_TYPE": 2}}) is True
    assert portal.error("crm.activity.add", {"fields": _call(deal, NOTIFY_TYPE=1)}) == (
        400,
        {"error": "ERROR_CORE", "error_description": "NOTIFY_VALUE is not assigned.<br>"},
    )


def test_params_must_be_an_array(portal: PortalClient) -> None:
    assert portal.error("crm.activity.add", {"fields": _call(_deal(portal)), "params": "x"}) == (
        400,
        {"error": "", "error_description": "Parameter 'params' must be array."},
    )


def test_ping_offsets_beyond_reason_are_dropped(portal: PortalClient) -> None:
    deal = _deal(portal)
    todo = portal.result(
        "crm.activity.todo.add",
        {
            "ownerTypeId": 2,
            "ownerId": deal,
            "deadline": "2030-05-01T10:00:00",
            "pingOffsets": ["1e400", 1e20, 5],
        },
    )["id"]
    reminders = portal.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/reminders", headers=ADMIN).json()
    assert [(r["activity_id"], r["offset_minutes"]) for r in reminders["result"]] == [(todo, 5)]
    # Completing it through crm.activity.update takes its pending reminders away too.
    portal.result("crm.activity.update", {"id": todo, "fields": {"COMPLETED": "Y"}})
    reminders = portal.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/reminders", headers=ADMIN).json()
    assert reminders["result"] == []


def test_todo_deadline_is_read_before_the_rights(portal: PortalClient) -> None:
    deal = _deal(portal)
    reader_user = portal.runtime.tenancy.create_user(portal.hook.portal.id, name="Reader")
    with portal.runtime.db.write() as conn:
        role = create_role(
            conn, portal.hook.portal.id, name="Read", permissions=dict([parse_grant("2:read=all")])
        )
        crm_roles.assign(conn, portal.hook.portal.id, reader_user.id, role)
    reader = portal.with_webhook(reader_user.id, ("crm",))
    params = {"ownerTypeId": 2, "ownerId": deal, "deadline": "someday"}
    assert reader.error("crm.activity.todo.add", params)[1]["error"] == "WRONG_DATETIME_FORMAT"
    assert (
        reader.error("crm.activity.todo.add", {**params, "deadline": "2026-05-01"})[1]["error"]
        == "ACCESS_DENIED"
    )
