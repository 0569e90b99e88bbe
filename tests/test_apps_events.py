"""Applications and events end to end, over real HTTP on loopback: an installed app binds
ONCRMACTIVITYADD, an activity is added through the API, and the handler receives the documented form
payload with the app's application_token and a working token of the user who made the change; the
event.* methods with their rights and errors; events before installFinish; uninstall."""

from __future__ import annotations

import pytest

from b24crm.clock import ManualClock
from b24crm.devtools import EventReceiver
from b24crm.events.delivery import deliver_due
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store.engine import Database
from tests.apps_support import install
from tests.client import AppClient, PortalClient

AUTH_TYPE_DENIED = "Access denied! Event binding with AUTH_TYPE requires administrator access rights"
OFFLINE_DENIED = "Access denied! Offline events {} requires administrator access rights"
WRONG_AUTH_TYPE = {
    "error": "WRONG_AUTH_TYPE",
    "error_description": "Current authorization type is denied for this method",
}


def _deliver(app_portal: PortalClient) -> int:
    return deliver_due(app_portal.runtime, app_portal.hook.portal.id)


def test_an_app_receives_its_install_and_the_activity_event(
    app_portal: PortalClient, receiver: EventReceiver, clock: ManualClock
) -> None:
    app = install(app_portal, receiver.url)
    assert _deliver(app_portal) == 1
    (installed,) = receiver.calls
    assert installed["form"]["event"] == "ONAPPINSTALL"
    assert int(installed["form"]["event_handler_id"]) > 0
    assert installed["form"]["auth[refresh_token]"]
    receiver.calls.clear()

    assert app.api.result("event.bind", {"event": "onCrmActivityAdd", "handler": receiver.url}) is True
    activity = app_portal.add_call()
    assert _deliver(app_portal) == 1
    (call,) = receiver.calls
    form = call["form"]
    assert call["type"] == "application/x-www-form-urlencoded"
    ts = int(clock.now())
    assert {k: v for k, v in form.items() if k not in ("auth[access_token]", "event_handler_id")} == {
        "event": "ONCRMACTIVITYADD",
        "data[FIELDS][ID]": str(activity),
        "ts": str(ts),
        "auth[expires]": str(ts + 3600),
        "auth[expires_in]": "3600",
        "auth[scope]": "crm,placement",
        "auth[domain]": app_portal.hook.portal.domain,
        "auth[server_endpoint]": "http://127.0.0.1:8024/rest/",
        "auth[status]": "L",
        "auth[client_endpoint]": "http://127.0.0.1:8024/rest/",
        "auth[member_id]": app_portal.hook.portal.member_id,
        "auth[user_id]": str(app_portal.hook.user.id),
        "auth[application_token]": app.made.app.application_token,
    }
    # The token acts for the user who added the activity, in the app's context.
    acting = AppClient(app_portal.runtime, app_portal.http, form["auth[access_token]"])
    assert acting.result("crm.activity.get", {"id": activity})["ID"] == str(activity)
    assert acting.result("app.info")["ID"] == app.id
    # The order of the payload's keys is the vendor's.
    assert list(form)[:4] == ["event", "event_handler_id", "data[FIELDS][ID]", "ts"]


def test_an_apps_event_committed_before_a_restart_is_delivered_after_it(
    settings: Settings,
    database: Database,
    clock: ManualClock,
    app_portal: PortalClient,
    receiver: EventReceiver,
) -> None:
    app = install(app_portal, receiver.url)
    app.api.result("event.bind", {"event": "ONCRMACTIVITYADD", "handler": receiver.url})
    activity = app_portal.add_call()
    # This server stops before sending; a new one on the same database sends the install and the event.
    restarted = Runtime(settings, db=database, clock=clock)
    assert deliver_due(restarted, app_portal.hook.portal.id) == 2
    (event,) = [c["form"] for c in receiver.calls if c["form"]["event"] == "ONCRMACTIVITYADD"]
    assert event["data[FIELDS][ID]"] == str(activity)
    assert event["auth[application_token]"] == app.made.app.application_token
    assert (
        AppClient(restarted, app_portal.http, event["auth[access_token]"]).result("app.info")["ID"] == app.id
    )


def test_handlers_of_an_app_that_has_not_finished_installing_get_nothing(
    app_portal: PortalClient, receiver: EventReceiver
) -> None:
    app = install(app_portal, receiver.url, has_ui=True)
    assert app.api.result("app.info")["INSTALLED"] is False
    app.api.result("event.bind", {"event": "ONAPPINSTALL", "handler": receiver.url})
    app.api.result("event.bind", {"event": "ONCRMDEALADD", "handler": receiver.url})
    app_portal.result("crm.deal.add", {"fields": {"TITLE": "Too early"}})
    assert _deliver(app_portal) == 0
    app_portal.runtime.apps.finish_install(app_portal.hook.portal.id, app.id)
    deal = app_portal.result("crm.deal.add", {"fields": {"TITLE": "In time"}})
    assert _deliver(app_portal) == 2
    # Both are sent at once, so they may arrive in either order.
    assert sorted((c["form"]["event"], c["form"].get("data[FIELDS][ID]", "")) for c in receiver.calls) == [
        ("ONAPPINSTALL", ""),
        ("ONCRMDEALADD", str(deal)),
    ]


def test_item_events_of_classic_and_dynamic_types(app_portal: PortalClient, receiver: EventReceiver) -> None:
    app = install(app_portal, receiver.url)
    entity_type_id = app_portal.result("crm.type.add", {"fields": {"title": "Cars"}})["type"]["entityTypeId"]
    events = app.api.result("events")
    assert f"ONCRMDYNAMICITEMADD_{entity_type_id}" in events
    for name in ("ONCRMDEALUPDATE", "ONCRMDEALDELETE", f"ONCRMDYNAMICITEMADD_{entity_type_id}"):
        app.api.result("event.bind", {"event": name, "handler": receiver.url})
    _deliver(app_portal)
    receiver.calls.clear()
    deal = app_portal.result("crm.deal.add", {"fields": {"TITLE": "x"}})
    app_portal.result("crm.deal.update", {"id": deal, "fields": {"TITLE": "y"}})
    app_portal.result("crm.deal.delete", {"id": deal})
    item = app_portal.result("crm.item.add", {"entityTypeId": entity_type_id, "fields": {"title": "Car"}})[
        "item"
    ]["id"]
    assert _deliver(app_portal) == 3
    got = sorted((c["form"]["event"], c["form"]["data[FIELDS][ID]"]) for c in receiver.calls)
    assert got == sorted(
        [
            ("ONCRMDEALUPDATE", str(deal)),
            ("ONCRMDEALDELETE", str(deal)),
            (f"ONCRMDYNAMICITEMADD_{entity_type_id}", str(item)),
        ]
    )
    dynamic = next(c for c in receiver.calls if c["form"]["event"].startswith("ONCRMDYNAMIC"))
    assert dynamic["form"]["data[FIELDS][ENTITY_TYPE_ID]"] == str(entity_type_id)


@pytest.mark.parametrize(
    ("params", "status", "body"),
    [
        (
            {"handler": "http://app.test/h"},
            400,
            {
                "error": "ERROR_ARGUMENT",
                "error_description": "Argument 'EVENT' is null or empty",
                "argument": "EVENT",
            },
        ),
        (
            {"event": "ONCRMDEALADD", "handler": "http://app.test/h", "event_type": "sometimes"},
            400,
            {
                "error": "ERROR_ARGUMENT",
                "error_description": "Value must be one of {online|offline}",
                "argument": "EVENT_TYPE",
            },
        ),
        (
            {"event": "ONCRMDEALADD"},
            400,
            {
                "error": "ERROR_ARGUMENT",
                "error_description": "Argument 'HANDLER' is null or empty",
                "argument": "HANDLER",
            },
        ),
        (
            {"event": "ONCRMDEALADD", "handler": "http://localhost/h"},
            400,
            {"error": "ERROR_WRONG_HANDLER_URL", "error_description": "Wrong handler URL"},
        ),
        (
            {"event": "ONCRMDEALADD", "handler": "ftp://app.test/h"},
            400,
            {"error": "ERROR_UNSUPPORTED_PROTOCOL", "error_description": "Unsupported handler protocol"},
        ),
        # A bad URL is reported before an unknown event, as the vendor checks them.
        (
            {"event": "ONNOTHING", "handler": "http://localhost/h"},
            400,
            {"error": "ERROR_WRONG_HANDLER_URL", "error_description": "Wrong handler URL"},
        ),
        (
            {"event": "ONNOTHING", "handler": "http://app.test/h"},
            400,
            {"error": "ERROR_EVENT_NOT_FOUND", "error_description": "Event not found"},
        ),
        (
            {"event": "ONTASKADD", "handler": "http://app.test/h"},
            400,
            {"error": "ERROR_EVENT_NOT_FOUND", "error_description": "Event not found"},
        ),
        (
            {"event": "ONOFFLINEEVENT", "event_type": "offline"},
            400,
            {
                "error": "ERROR_ARGUMENT",
                "error_description": "Offline event cannot be registered for this event.",
            },
        ),
    ],
)
def test_event_bind_errors(
    app_portal: PortalClient, params: dict[str, str], status: int, body: dict[str, str]
) -> None:
    app = install(app_portal, "http://app.test/install")
    assert app.api.error("event.bind", params) == (status, body)


def test_event_bind_rights_and_duplicates(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install", scopes="placement")
    # Events of scopes the app lacks cannot be bound.
    assert (
        app.api.error("event.bind", {"event": "ONCRMDEALADD", "handler": "http://app.test/h"})[1]["error"]
        == "ERROR_EVENT_NOT_FOUND"
    )
    assert app.api.result("event.bind", {"event": "ONAPPTEST", "handler": "http://app.test/h"}) is True
    assert app.api.error("event.bind", {"event": "onAppTest", "handler": "http://app.test/h"}) == (
        400,
        {"error": "ERROR_CORE", "error_description": "Unable to set event handler: Handler already binded"},
    )
    assert app_portal.error("event.bind", {"event": "ONAPPTEST", "handler": "http://app.test/h"}) == (
        403,
        WRONG_AUTH_TYPE,
    )
    user = app_portal.runtime.tenancy.create_user(app_portal.hook.portal.id, name="Plain")
    plain = install(app_portal, "http://app.test/other", scopes="crm", user_id=user.id)
    assert plain.api.error(
        "event.bind",
        {"event": "ONCRMDEALADD", "handler": "http://app.test/h", "auth_type": app_portal.hook.user.id},
    ) == (
        403,
        {
            "error": "ACCESS_DENIED",
            "error_description": AUTH_TYPE_DENIED,
        },
    )
    assert plain.api.error("event.bind", {"event": "ONCRMDEALADD", "event_type": "offline"}) == (
        403,
        {
            "error": "ACCESS_DENIED",
            "error_description": OFFLINE_DENIED.format("binding"),
        },
    )
    assert plain.api.error("event.unbind", {"event": "ONCRMDEALADD", "event_type": "offline"}) == (
        403,
        {
            "error": "ACCESS_DENIED",
            "error_description": OFFLINE_DENIED.format("unbinding"),
        },
    )
    # A user's own handler acts as that user, and they see only their own.
    assert (
        plain.api.result("event.bind", {"event": "ONCRMDEALADD", "handler": "http://app.test/mine"}) is True
    )
    assert plain.api.result("event.get") == [
        {"event": "ONCRMDEALADD", "handler": "http://app.test/mine", "auth_type": str(user.id), "offline": 0}
    ]


def test_event_get_unbind_and_events(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    app.api.result("event.bind", {"EVENT": "ONCRMDEALADD", "HANDLER": "http://app.test/a"})
    app.api.result(
        "event.bind",
        {"event": "ONCRMDEALADD", "handler": "http://app.test/a", "auth_type": app_portal.hook.user.id},
    )
    app.api.result(
        "event.bind", {"event": "ONCRMLEADADD", "event_type": "offline", "auth_connector": "sync1"}
    )
    assert app.api.result("event.get") == [
        {"event": "ONAPPINSTALL", "handler": "http://app.test/install", "auth_type": "0", "offline": 0},
        {"event": "ONCRMDEALADD", "handler": "http://app.test/a", "auth_type": "0", "offline": 0},
        {
            "event": "ONCRMDEALADD",
            "handler": "http://app.test/a",
            "auth_type": str(app_portal.hook.user.id),
            "offline": 0,
        },
        {"event": "ONCRMLEADADD", "connector_id": "sync1", "offline": 1},
    ]
    # An administrator without AUTH_TYPE removes the handlers of every user with that URL.
    assert app.api.result("event.unbind", {"event": "onCrmDealAdd", "handler": "http://app.test/a"}) == {
        "count": 2
    }
    assert app.api.result("event.unbind", {"event": "ONCRMDEALADD", "handler": "http://app.test/a"}) == {
        "count": 0
    }
    assert app.api.result("event.unbind", {"event": "ONCRMLEADADD", "event_type": "offline"}) == {"count": 0}
    assert app.api.result(
        "event.unbind", {"event": "ONCRMLEADADD", "event_type": "offline", "auth_connector": "sync1"}
    ) == {"count": 1}
    everything = app.api.result("events", {"full": True})
    assert everything[:3] == ["ONAPPINSTALL", "ONAPPUNINSTALL", "ONAPPUPDATE"]
    assert {
        "ONCRMACTIVITYADD",
        "ONCRMACTIVITYUPDATE",
        "ONCRMACTIVITYDELETE",
        "ONCRMDEALADD",
        "ONCRMDYNAMICITEMADD_31",
    } <= set(everything)
    assert app.api.result("events", {"scope": "crm"}) == [e for e in everything if e.startswith("ONCRM")]
    assert app.api.result("events", {"scope": ""}) == [e for e in everything if not e.startswith("ONCRM")]
    assert app_portal.error("events") == (403, WRONG_AUTH_TYPE)
    assert app_portal.error("event.get") == (403, WRONG_AUTH_TYPE)


def test_event_test_sends_onapptest_to_the_calling_app_only(
    app_portal: PortalClient, receiver: EventReceiver
) -> None:
    app = install(app_portal, receiver.url)
    other = install(app_portal, receiver.url + "/other")
    app.api.result("event.bind", {"event": "ONAPPTEST", "handler": receiver.url})
    other.api.result("event.bind", {"event": "ONAPPTEST", "handler": receiver.url + "/other"})
    _deliver(app_portal)
    receiver.calls.clear()
    assert app.api.result("event.test", {"any": "data", "n": 5}) == 1
    assert _deliver(app_portal) == 1
    (call,) = receiver.calls
    assert call["path"] == "/handler"
    assert call["form"]["event"] == "ONAPPTEST"
    assert call["form"]["data[QUERY][any]"] == "data"
    assert call["form"]["data[QUERY][n]"] == "5"
    assert call["form"]["data[LANGUAGE_ID]"] == "en"
    assert call["form"]["auth[refresh_token]"]  # ONAPPTEST carries one, CRM events do not
    assert app_portal.error("event.test") == (403, WRONG_AUTH_TYPE)


def test_uninstall_sends_onappuninstall_without_tokens_and_removes_the_handlers(
    app_portal: PortalClient, receiver: EventReceiver
) -> None:
    app = install(app_portal, receiver.url)
    app.api.result("event.bind", {"event": "ONAPPUNINSTALL", "handler": receiver.url})
    app.api.result("event.bind", {"event": "ONCRMDEALADD", "handler": receiver.url})
    _deliver(app_portal)
    receiver.calls.clear()
    app_portal.runtime.apps.uninstall(app_portal.hook.portal.id, app.id)
    app_portal.result("crm.deal.add", {"fields": {"TITLE": "After"}})
    assert _deliver(app_portal) == 1
    (call,) = receiver.calls
    assert {k: v for k, v in call["form"].items() if k != "event_handler_id"} == {
        "event": "ONAPPUNINSTALL",
        "data[CLEAN]": "1",
        "data[LANGUAGE_ID]": "en",
        "ts": call["form"]["ts"],
        "auth[domain]": app_portal.hook.portal.domain,
        "auth[client_endpoint]": "http://127.0.0.1:8024/rest/",
        "auth[server_endpoint]": "http://127.0.0.1:8024/rest/",
        "auth[member_id]": app_portal.hook.portal.member_id,
        "auth[application_token]": app.made.app.application_token,
    }
    with app_portal.runtime.db.read() as conn:
        from b24crm.store import deliveries

        assert deliveries.handlers_of_app(conn, app_portal.hook.portal.id, app.id) == []


def test_a_down_handler_of_an_app_gets_the_configured_retries(
    settings: Settings, app_portal: PortalClient, clock: ManualClock
) -> None:
    app_portal.runtime.settings = settings.with_(event_retries=2, event_retry_delay=1.0)
    down = EventReceiver(status=503)
    try:
        app = install(app_portal, down.url)
        app.api.result("event.bind", {"event": "ONCRMDEALADD", "handler": down.url})
        _deliver(app_portal)  # the install, refused once
        app_portal.result("crm.deal.add", {"fields": {"TITLE": "Retried"}})
        for _ in range(3):
            _deliver(app_portal)
            clock.advance(10)
        response = app_portal.http.get(
            f"/_b24crm/portals/{app_portal.hook.portal.id}/deliveries",
            headers={"Authorization": "Bearer admin-secret"},
        )
        deal_delivery = [d for d in response.json()["result"] if d["app_id"] == app.id][-1]
        assert deal_delivery["status"] == "failed"
        assert [a["status_code"] for a in deal_delivery["attempts_log"]] == [503, 503, 503]
        assert all(a["response"] == "ok" for a in deal_delivery["attempts_log"])
    finally:
        down.close()


def test_rest_app_activities_belong_to_their_app(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    other = install(app_portal, "http://app.test/other")
    deal = app_portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}})
    fields = {"OWNER_TYPE_ID": 2, "OWNER_ID": deal, "TYPE_ID": 6, "PROVIDER_ID": "REST_APP", "SUBJECT": "App"}
    assert app_portal.error("crm.activity.add", {"fields": fields}) == (
        400,
        {"error": "", "error_description": "Application context required."},
    )
    context = (
        403,
        {"error": "ACCESS_DENIED", "error_description": "Access denied! Application context required"},
    )
    activity = int(app.api.result("crm.activity.add", {"fields": fields}))
    got = app.api.result("crm.activity.get", {"id": activity})
    assert (got["PROVIDER_ID"], got["ASSOCIATED_ENTITY_ID"]) == ("REST_APP", str(app.id))
    assert app_portal.error("crm.activity.update", {"id": activity, "fields": {"SUBJECT": "x"}}) == context
    assert app_portal.error("crm.activity.delete", {"id": activity}) == context
    denied = (400, {"error": "", "error_description": "Access denied."})
    assert other.api.error("crm.activity.update", {"id": activity, "fields": {"SUBJECT": "x"}}) == denied
    assert app.api.result("crm.activity.update", {"id": activity, "fields": {"SUBJECT": "Mine"}}) is True
    assert other.api.error("crm.activity.delete", {"id": activity}) == denied
    assert app.api.result("crm.activity.delete", {"id": activity}) is True
