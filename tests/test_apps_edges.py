"""Applications at their edges: input that must not reach a 500 or a half-done change (odd URLs, NUL
bytes, huge numbers, over-long texts), races between callers on PostgreSQL as on SQLite, and caches that
must follow the data."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from b24crm.apps.service import NewApp
from b24crm.auth.caller import Caller
from b24crm.clock import ManualClock
from b24crm.devtools import EventReceiver
from b24crm.events.delivery import deliver_due
from b24crm.store import apps as apps_store
from b24crm.store import deliveries
from tests.apps_support import code_for, grant, install
from tests.client import AppClient, PortalClient

ADMIN = {"Authorization": "Bearer admin-secret"}
WRONG_URL = (400, {"error": "ERROR_WRONG_HANDLER_URL", "error_description": "Wrong handler URL"})


def _all_at_once(count: int, work: Callable[[], Any]) -> list[Any]:
    """``work`` in ``count`` threads released together; answers each result or exception."""
    barrier = threading.Barrier(count)
    results: list[Any] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(work())
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_handler_urls_that_cannot_be_sent_or_stored_are_refused(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    for url in ("http://xn--a.b/x", "http://app.test/" + "x" * 3000):
        assert app.api.error("event.bind", {"event": "ONCRMDEALADD", "handler": url}) == WRONG_URL
        assert app.api.error("placement.bind", {"PLACEMENT": "REST_APP_URI", "HANDLER": url}) == WRONG_URL
    with pytest.raises(ValueError):
        app_portal.runtime.apps.create(app_portal.hook.portal.id, handler_url="http://xn--a.b/", scopes="crm")


def test_app_texts_a_store_cannot_hold_and_fragment_redirects_are_refused(app_portal: PortalClient) -> None:
    apps_url = f"/_b24crm/portals/{app_portal.hook.portal.id}/apps"
    for body in (
        {"handler": "https://a.example/x", "title": "a\u0000b"},  # PostgreSQL refuses NUL: was a 500
        {"handler": "https://a.example/x#frag"},  # the handler is the redirect URI: RFC 6749, 3.1.2
    ):
        answer = app_portal.http.post(apps_url, json=body, headers=ADMIN)
        assert answer.status_code == 400, answer.text
    made = app_portal.http.post(apps_url, json={"handler": "https://a.example/x"}, headers=ADMIN)
    assert made.status_code == 201
    for body in ({"title": "t\u0000"}, {"admin_name": "a\u0000"}):
        portal = app_portal.http.post("/_b24crm/portals", json=body, headers=ADMIN)
        assert portal.status_code == 400, portal.text


def test_a_delivery_that_fails_oddly_is_one_failed_attempt_and_its_batch_goes_on(
    app_portal: PortalClient, receiver: EventReceiver
) -> None:
    portal_id = app_portal.hook.portal.id
    with app_portal.runtime.db.write() as conn:  # written past the checks, as an older version could have
        for url in ("http://xn--a.b/x", receiver.url):
            deliveries.insert_handler(
                conn,
                portal_id,
                {"event": "ONCRMDEALADD", "url": url, "application_token": "t", "user_id": 1, "created": 0.0},
            )
    deal = app_portal.result("crm.deal.add", {"fields": {"TITLE": "x"}})
    assert deliver_due(app_portal.runtime, portal_id) == 2
    assert deliver_due(app_portal.runtime, portal_id) == 0
    assert [c["form"]["data[FIELDS][ID]"] for c in receiver.calls] == [str(deal)]
    log = app_portal.http.get(f"/_b24crm/portals/{portal_id}/deliveries", headers=ADMIN).json()["result"]
    failed = [d for d in log if d["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["attempts_log"][0]["error"].startswith("InvalidCodepoint")
    assert [d["status"] for d in log].count("delivered") == 1
    later = app_portal.http.get(
        f"/_b24crm/portals/{portal_id}/deliveries?after={log[0]['id']}", headers=ADMIN
    )
    assert [d["id"] for d in later.json()["result"]] == [d["id"] for d in log[1:]]


def test_racing_binds_make_one_binding(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    params = {"event": "ONCRMDEALADD", "handler": "http://app.test/h"}
    answers = _all_at_once(6, lambda: app.api.raw("event.bind", params).json())
    assert sorted(str(a.get("result", a.get("error_description"))) for a in answers) == [
        "True",
        *["Unable to set event handler: Handler already binded"] * 5,
    ]
    placed = _all_at_once(
        6,
        lambda: app.api.raw(
            "placement.bind", {"PLACEMENT": "REST_APP_URI", "HANDLER": "http://app.test/u"}
        ).json(),
    )
    assert sum(1 for a in placed if a.get("result") is True) == 1
    assert len(app.api.result("placement.get")) == 1
    assert app.api.result("event.get")[1:] == [
        {"event": "ONCRMDEALADD", "handler": "http://app.test/h", "auth_type": "0", "offline": 0}
    ]


def test_parallel_offline_readers_get_disjoint_events(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    app.api.result("event.bind", {"event": "ONCRMDEALADD", "event_type": "offline"})
    for n in range(24):
        app_portal.result("crm.deal.add", {"fields": {"TITLE": str(n)}})
    credential = app_portal.runtime.oauth.resolve(app.tokens["access_token"])
    from b24crm.events import offline

    def read() -> list[str]:
        ctx = Caller(app_portal.runtime.services, credential)
        return [e["ID"] for e in offline.get(ctx, None, None, 6, 0, None, None)["events"]]

    handed = [i for got in _all_at_once(6, read) for i in got]
    assert len(handed) == len(set(handed)) > 0


@pytest.mark.parametrize(
    "body",
    [
        r'{"grant_type": "authorization_code", "client_id": "a\u0000b", "client_secret": "s", "code": "c"}',
        r'{"grant_type": "refresh_token", "client_id": "\ud800", "client_secret": "\ud800",'
        r' "refresh_token": "x"}',
    ],
)
def test_token_endpoint_odd_text_is_an_oauth_error(app_portal: PortalClient, body: str) -> None:
    response = app_portal.http.post(
        "/oauth/token/", content=body, headers={"Content-Type": "application/json"}
    )
    # An unknown client, as the cloud answers it (b24pysdk: BitrixOauthWrongClient).
    assert (response.status_code, response.json()) == (200, {"error": "wrong_client"})
    nul = app_portal.http.get("/oauth/authorize/", params={"client_id": "a\x00b"}, follow_redirects=False)
    assert (nul.status_code, nul.json()) == (400, {"error": "invalid_client"})


def test_authorize_edges(app_portal: PortalClient) -> None:
    runtime = app_portal.runtime
    made = runtime.apps.create(
        app_portal.hook.portal.id,
        handler_url="http://app.test/i",
        scopes="crm",
        redirect_uri="http://app.test/cb?x=1",
    )
    query = code_for(app_portal.http, made)
    assert query["x"] == ["1"] and query["code"]
    huge = app_portal.http.get(
        "/oauth/authorize/",
        params={"client_id": made.app.client_id, "user_id": "9" * 30},
        follow_redirects=False,
    )
    assert (huge.status_code, huge.json()) == (
        400,
        {"error": "invalid_request", "error_description": "User not found"},
    )
    with pytest.raises(ValueError):
        runtime.apps.create(
            app_portal.hook.portal.id,
            handler_url="http://app.test/i",
            scopes="crm",
            redirect_uri="http://app.test/#f",
        )
    bad = app_portal.http.post(
        f"/_b24crm/portals/{app_portal.hook.portal.id}/apps",
        json={"handler": "http://app.test/i", "redirect_uri": 5, "title": "x" * 300},
        headers=ADMIN,
    )
    assert bad.status_code == 400 and bad.json()["error"] == "INVALID_REQUEST"


def _token_for(app_portal: PortalClient, made: NewApp, user_id: int) -> AppClient:
    with app_portal.runtime.db.write() as conn:
        pair = app_portal.runtime.oauth.issue(conn, made.app, user_id, app_portal.runtime.clock.now())
    return AppClient(app_portal.runtime, app_portal.http, pair.access_token)


def test_token_caches_follow_the_portal_and_its_users(app_portal: PortalClient) -> None:
    runtime = app_portal.runtime
    portal_id = app_portal.hook.portal.id
    made = runtime.apps.create(portal_id, handler_url="http://app.test/i", scopes="crm")
    inactive = runtime.tenancy.create_user(portal_id, name="Gone", active=False)
    assert _token_for(app_portal, made, inactive.id).error("app.info") == (
        401,
        {"error": "authorization_error", "error_description": "Unable to authorize user"},
    )
    api = _token_for(app_portal, made, app_portal.hook.user.id)
    assert api.result("crm.deal.add", {"fields": {"TITLE": "before"}})
    assert app_portal.http.delete(f"/_b24crm/portals/{portal_id}", headers=ADMIN).status_code == 200
    assert api.error("crm.deal.add", {"fields": {"TITLE": "after"}})[0] == 401


def test_odd_values_in_payloads_and_texts(app_portal: PortalClient, receiver: EventReceiver) -> None:
    app = install(app_portal, receiver.url)
    app.api.result("event.bind", {"event": "ONAPPTEST", "handler": receiver.url})
    app.api.result("event.test", {"yes": True, "no": False})
    deliver_due(app_portal.runtime, app_portal.hook.portal.id)
    (test,) = [c["form"] for c in receiver.calls if c["form"]["event"] == "ONAPPTEST"]
    assert (test["data[QUERY][yes]"], test["data[QUERY][no]"]) == (
        "1",
        "0",
    )  # as http_build_query writes them
    assert app.api.result(
        "placement.bind", {"PLACEMENT": "REST_APP_URI", "HANDLER": receiver.url, "TITLE": "t" * 400}
    )
    (placed,) = app.api.result("placement.get")
    assert placed["title"] == "t" * 255  # cut to the column, as MySQL stores it
    # auth_connector is the call's, trimmed once: the queue bound with " sync " is the one read with "sync".
    app.api.result(
        "event.bind", {"event": "ONCRMDEALADD", "event_type": "offline", "auth_connector": " sync "}
    )
    app_portal.result("crm.deal.add", {"fields": {"TITLE": "queued"}})
    assert len(app.api.result("event.offline.get", {"auth_connector": "sync"})["events"]) == 1
    with app_portal.runtime.db.read() as conn:
        (placement,) = apps_store.placements_of_app(conn, app_portal.hook.portal.id, app.id)
    missing_user = app_portal.http.post(
        f"/_b24crm/portals/{app_portal.hook.portal.id}/placements/{placement['id']}/call",
        json={"user_id": 999},
        headers=ADMIN,
    )
    assert missing_user.status_code == 400


def test_the_refresh_path_still_rotates_after_the_cache_changes(
    app_portal: PortalClient, clock: ManualClock
) -> None:
    made = app_portal.runtime.apps.create(
        app_portal.hook.portal.id, handler_url="http://app.test/i", scopes="crm"
    )
    tokens = grant(app_portal.http, made, code_for(app_portal.http, made)["code"][0])
    api = AppClient(app_portal.runtime, app_portal.http, tokens["access_token"])
    assert api.result("app.info")["ID"] == made.app.id
    app_portal.runtime.tenancy.create_user(app_portal.hook.portal.id, name="New")  # drops the caches
    clock.advance(3601)
    assert api.error("app.info")[1]["error"] == "expired_token"
