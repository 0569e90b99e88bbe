"""Offline events: the app's queue keeps the latest state per event and object, event.offline.get
reserves under a process id (or clears), clear and error finish a process, list pages through it all;
the app's own changes are not queued back to it (auth_connector loop prevention); ONOFFLINEEVENT tells
the app, at most once per minTimeout."""

from __future__ import annotations

import hashlib
import re

from b24crm.clock import ManualClock
from b24crm.devtools import EventReceiver
from b24crm.events.delivery import deliver_due
from tests.apps_support import InstalledApp, install
from tests.client import PortalClient


def _offline_app(app_portal: PortalClient, url: str = "http://app.test/install") -> InstalledApp:
    app = install(app_portal, url)
    for event in ("ONCRMDEALADD", "ONCRMDEALUPDATE"):
        assert app.api.result("event.bind", {"event": event, "event_type": "offline"}) is True
    return app


def test_the_queue_keeps_one_row_per_event_and_object_and_get_clears_it(
    app_portal: PortalClient, clock: ManualClock
) -> None:
    app = _offline_app(app_portal)
    deal = app_portal.result("crm.deal.add", {"fields": {"TITLE": "A"}})
    clock.advance(5)
    for title in ("B", "C"):
        app_portal.result("crm.deal.update", {"id": deal, "fields": {"TITLE": title}})
    got = app.api.result("event.offline.get")
    assert got["process_id"] is None
    events = got["events"]
    assert [e["EVENT_NAME"] for e in events] == ["ONCRMDEALADD", "ONCRMDEALUPDATE"]
    update = events[1]
    assert update["EVENT_DATA"] == {"FIELDS": {"ID": deal}}
    assert update["EVENT_ADDITIONAL"] == {"user_id": str(app_portal.hook.user.id)}
    expected = hashlib.md5(f'ONCRMDEALUPDATE|{{"FIELDS":{{"ID":{deal}}}}}'.encode()).hexdigest()
    assert update["MESSAGE_ID"] == expected
    assert re.fullmatch(r"\d+", update["ID"])
    assert update["TIMESTAMP_X"] == "2026-01-01T00:00:05+00:00"
    assert app.api.result("event.offline.get") == {"process_id": None, "events": []}


def test_reserve_then_clear_or_fail(app_portal: PortalClient) -> None:
    app = _offline_app(app_portal)
    deals = [app_portal.result("crm.deal.add", {"fields": {"TITLE": str(n)}}) for n in range(3)]
    first = app.api.result("event.offline.get", {"clear": 0, "limit": 2})
    pid = first["process_id"]
    assert re.fullmatch(r"[0-9a-z]{32}", pid)
    assert [e["EVENT_DATA"]["FIELDS"]["ID"] for e in first["events"]] == deals[:2]
    # A parallel reader gets the rest, not the reserved ones.
    second = app.api.result("event.offline.get", {"clear": 0})
    assert [e["EVENT_DATA"]["FIELDS"]["ID"] for e in second["events"]] == deals[2:]
    # The process's rows come back under its id.
    again = app.api.result("event.offline.get", {"clear": 0, "process_id": pid})
    assert again == {**first, "process_id": pid}
    page = app.api.raw("event.offline.list").json()
    assert page["total"] == 3
    assert [row["PROCESS_ID"] for row in page["result"]] == [pid, pid, second["process_id"]]
    assert {row["ERROR"] for row in page["result"]} == {"0"}
    # One message fails, the other is cleared.
    failed, done = (e["MESSAGE_ID"] for e in first["events"])
    assert app.api.result("event.offline.error", {"process_id": pid, "message_id": [failed]}) is True
    assert app.api.result("event.offline.clear", {"process_id": pid, "message_id": [done]}) is True
    errors = app.api.result("event.offline.get", {"error": 1, "clear": 0})
    assert [e["MESSAGE_ID"] for e in errors["events"]] == [failed]
    rows = app.api.raw("event.offline.list", {"filter": {"ERROR": 1}}).json()
    assert (rows["total"], rows["result"][0]["ERROR"]) == (1, "1")
    (last,) = second["events"]
    assert (
        app.api.result("event.offline.clear", {"process_id": second["process_id"], "id": [last["ID"]]})
        is True
    )
    assert app.api.raw("event.offline.list").json()["total"] == 1


def test_clearing_a_process_reread_deletes_only_what_it_returned(app_portal: PortalClient) -> None:
    app = _offline_app(app_portal)
    deals = [app_portal.result("crm.deal.add", {"fields": {"TITLE": str(n)}}) for n in range(3)]
    pid = app.api.result("event.offline.get", {"clear": 0, "limit": 3})["process_id"]
    once = app.api.result("event.offline.get", {"process_id": pid, "limit": 1})
    assert [e["EVENT_DATA"]["FIELDS"]["ID"] for e in once["events"]] == deals[:1]
    # The two it did not return stay reserved to the process, not lost.
    rest = app.api.result("event.offline.get", {"process_id": pid})
    assert [e["EVENT_DATA"]["FIELDS"]["ID"] for e in rest["events"]] == deals[1:]
    assert app.api.raw("event.offline.list").json()["total"] == 0


def test_the_apps_own_changes_are_not_queued_back_to_it(app_portal: PortalClient) -> None:
    app = _offline_app(app_portal)
    app.api.result("event.bind", {"event": "ONCRMDEALADD", "event_type": "offline", "auth_connector": "sync"})
    app.api.result("crm.deal.add", {"fields": {"TITLE": "By the app itself"}})
    assert app.api.result("event.offline.get")["events"] == []
    assert app.api.result("event.offline.get", {"auth_connector": "sync"})["events"] != []
    # Made through connector "sync": queued for "" but not for "sync".
    app.api.result("crm.deal.add", {"fields": {"TITLE": "Synced"}, "auth_connector": "sync"})
    assert len(app.api.result("event.offline.get")["events"]) == 1
    assert app.api.result("event.offline.get", {"auth_connector": "sync"})["events"] == []


def test_onofflineevent_is_throttled_by_mintimeout(
    app_portal: PortalClient, receiver: EventReceiver, clock: ManualClock
) -> None:
    app = _offline_app(app_portal, receiver.url)
    app.api.result(
        "event.bind", {"event": "ONOFFLINEEVENT", "handler": receiver.url, "options": {"minTimeout": 30}}
    )
    deliver_due(app_portal.runtime, app_portal.hook.portal.id)
    receiver.calls.clear()
    for _ in range(3):
        app_portal.result("crm.deal.add", {"fields": {"TITLE": "x"}})
        clock.advance(10)
    app_portal.result("crm.deal.add", {"fields": {"TITLE": "x"}})  # 30 s after the first
    deliver_due(app_portal.runtime, app_portal.hook.portal.id)
    assert [c["form"]["event"] for c in receiver.calls] == ["ONOFFLINEEVENT", "ONOFFLINEEVENT"]
    assert all(c["form"]["auth[refresh_token]"] for c in receiver.calls)


def test_offline_errors(app_portal: PortalClient) -> None:
    app = _offline_app(app_portal)

    def argument(description: str, name: str | None = None) -> tuple[int, dict[str, str]]:
        body = {"error": "ERROR_ARGUMENT", "error_description": description}
        return 400, ({**body, "argument": name} if name else body)

    assert app.api.error("event.offline.get", {"limit": 0}) == argument(
        "Value must be positive integer", "LIMIT"
    )
    assert app.api.error("event.offline.get", {"filter": {"BODY": 1}}) == argument(
        "Filter field not allowed: BODY"
    )
    assert app.api.error("event.offline.get", {"filter": {"!ID": 1}}) == argument(
        "Filter operation not allowed: !"
    )
    assert app.api.error("event.offline.get", {"order": {"ID": "UP"}}) == argument(
        "Order direction should be one of {ASC|DESC}"
    )
    assert app.api.error("event.offline.clear", {}) == argument(
        "Argument 'PROCESS_ID' is null or empty", "PROCESS_ID"
    )
    assert app.api.error("event.offline.clear", {"process_id": "p", "message_id": ["short"]}) == argument(
        "Value must be array of MESSAGE_ID values", "messsage_id"
    )
    assert app.api.error("event.offline.clear", {"process_id": "p", "id": ["x"]}) == argument(
        "Value must be array of integers", "id"
    )
    assert app.api.error("event.offline.error", {"process_id": "p", "message_id": "x"}) == argument(
        "Value must be array of MESSAGE_ID values", "message_id"
    )
    user = app_portal.runtime.tenancy.create_user(app_portal.hook.portal.id, name="Plain")
    plain = install(app_portal, "http://app.test/other", user_id=user.id)
    assert plain.api.error("event.offline.get") == (
        403,
        {"error": "ACCESS_DENIED", "error_description": "Access denied!"},
    )
    assert app_portal.error("event.offline.list")[0] == 403
