"""crm.activity.configurable.add / update / get through HTTP with an installed application, on SQLite and
PostgreSQL (docs: api-reference/crm/timeline/activities/configurable/*.md; reference: crm.md §4, §5.4), and
the clicks on their actions (the admin endpoint the timeline page will use)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from b24crm.clock import ManualClock
from b24crm.devtools import EventReceiver
from b24crm.events.delivery import deliver_due
from tests.apps_support import InstalledApp, install
from tests.client import PortalClient
from tests.test_crm_timeline_icons import png

ADMIN = {"Authorization": "Bearer admin-secret"}
WRONG_CONTEXT = {
    "error": "ERROR_WRONG_CONTEXT",
    "error_description": "This method can only be called in the context of a REST application.",
}

# crm-activity-configurable-add.md, the request example (and crm.md §5.5).
DOCS_LAYOUT: dict[str, Any] = {
    "icon": {"code": "call-completed"},
    "header": {
        "title": "Incoming Call",
        "tags": {"status2": {"type": "warning", "title": "not transcribed"}},
    },
    "body": {
        "logo": {"code": "call-incoming", "action": {"type": "redirect", "uri": "/crm/deal/details/123/"}},
        "blocks": {
            "client": {
                "type": "withTitle",
                "properties": {
                    "title": "Client",
                    "inline": True,
                    "block": {"type": "text", "properties": {"value": "Ltd. Hoofs and Horns"}},
                },
            },
            "responsible": {
                "type": "lineOfBlocks",
                "properties": {
                    "blocks": {
                        "client": {
                            "type": "link",
                            "properties": {
                                "text": "Sergey Vostrikov",
                                "bold": True,
                                "action": {"type": "redirect", "uri": "/crm/lead/details/789/"},
                            },
                        },
                        "phone": {"type": "text", "properties": {"value": "+1 999 888 7777"}},
                    }
                },
            },
        },
    },
    "footer": {
        "buttons": {
            "startCall": {
                "title": "About Client",
                "type": "primary",
                "action": {"type": "openRestApp", "actionParams": {"clientId": 456}},
            }
        },
        "menu": {
            "showPostponeItem": False,
            "items": {
                "confirm": {
                    "title": "Confirm Request",
                    "action": {"type": "restEvent", "id": "confirm", "animationType": "loader"},
                },
                "decline": {
                    "title": "Decline Request",
                    "action": {"type": "restEvent", "id": "decline", "animationType": "loader"},
                },
            },
        },
    },
}


def _lead(portal: PortalClient) -> int:
    return int(portal.result("crm.lead.add", {"fields": {"TITLE": "Lead"}}))


def _add(app: InstalledApp, owner: int, fields: dict[str, Any] | None = None, **extra: Any) -> int:
    params = {"ownerTypeId": 1, "ownerId": owner, "fields": fields or {}, "layout": DOCS_LAYOUT, **extra}
    answer = app.api.result("crm.activity.configurable.add", params)
    assert list(answer) == ["activity"] and list(answer["activity"]) == ["id"]
    return int(answer["activity"]["id"])


def test_add_then_get_as_the_docs_example(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    lead = _lead(app_portal)
    activity = _add(app, lead, {"deadline": "2025-02-01T01:00:00+03:00"})
    got = app.api.result("crm.activity.configurable.get", {"id": activity})
    expected_layout = copy.deepcopy(DOCS_LAYOUT)
    expected_layout["footer"]["buttons"]["startCall"]["action"]["actionParams"]["clientId"] = "456"
    assert got == {
        "activity": {
            "id": activity,
            "ownerTypeId": 1,
            "ownerId": lead,
            "fields": {
                "typeId": "CONFIGURABLE",
                "completed": False,
                "deadline": "2025-01-31T22:00:00+00:00",
                "pingOffsets": [],
                "isIncomingChannel": False,
                "responsibleId": app_portal.hook.user.id,
                "badgeCode": None,
                "originatorId": None,
                "originId": None,
            },
            "layout": expected_layout,
        }
    }


def _error(app: Any, method: str, params: dict[str, Any]) -> tuple[int, str, str]:
    status, body = app.error(method, params)
    return status, body["error"], body["error_description"]


def _wrong(field: str) -> tuple[int, str, str]:
    return 400, "WRONG_FIELD_VALUE", f"The value of {field} is incorrect."


def _badge(portal: PortalClient, code: str) -> None:
    portal.result(
        "crm.activity.badge.add", {"code": code, "title": "Badge", "value": "Value", "type": "warning"}
    )


def _admin(portal: PortalClient, path: str) -> Any:
    response = portal.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/{path}", headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()["result"]


def _click(portal: PortalClient, activity: int, key: str, user_id: int | None = None) -> Any:
    response = portal.http.post(
        f"/_b24crm/portals/{portal.hook.portal.id}/activities/{activity}/actions",
        headers=ADMIN,
        json={"key": key, "user_id": user_id or portal.hook.user.id},
    )
    return response.status_code, response.json()


def test_the_official_clients_example_add_get_update(app_portal: PortalClient) -> None:
    """b24pysdk's integration test of these methods, its values as written."""
    app = install(app_portal, "http://app.test/install")
    _badge(app_portal, "b24pysdk_test_badge")
    lead = _lead(app_portal)
    second = app_portal.runtime.tenancy.create_user(app_portal.hook.portal.id, name="Second")
    layout = {
        "icon": {"code": "call-completed"},
        "header": {"title": "b24pysdk Activity"},
        "body": {"logo": {"code": "call-incoming"}, "blocks": {}},
        "footer": {
            "buttons": {
                "startCall": {
                    "title": "About Client",
                    "type": "primary",
                    "action": {"type": "openRestApp", "actionParams": {"clientId": "456"}},
                }
            }
        },
    }
    fields = {
        "typeId": "CONFIGURABLE",
        "completed": "N",
        "deadline": "2030-01-02T10:00:00+00:00",
        "pingOffsets": [60, 300],
        "isIncomingChannel": "N",
        "responsibleId": app_portal.hook.user.id,
        "badgeCode": "b24pysdk_test_badge",
        "originatorId": "b24pysdk_originator",
        "originId": "b24pysdk_origin",
    }
    activity = app.api.result(
        "crm.activity.configurable.add",
        {"ownerTypeId": 1, "ownerId": lead, "fields": fields, "layout": layout},
    )["activity"]["id"]
    got = app.api.result("crm.activity.configurable.get", {"id": activity})["activity"]
    assert got["fields"] == {
        **fields,
        "completed": False,
        "isIncomingChannel": False,
        "deadline": "2030-01-02T10:00:00+00:00",
    }
    assert got["layout"]["header"]["title"] == "b24pysdk Activity"
    # The reminders of the deadline and offsets, for the responsible user.
    due = sorted(r["offset_minutes"] for r in _admin(app_portal, "reminders") if r["activity_id"] == activity)
    assert due == [60, 300]
    update = {"completed": "Y", "pingOffsets": [300], "responsibleId": second.id}
    answer = app.api.result("crm.activity.configurable.update", {"id": activity, "fields": update})
    assert answer == {"activity": {"id": activity}}
    fields_now = app.api.result("crm.activity.configurable.get", {"id": activity})["activity"]["fields"]
    assert (fields_now["completed"], fields_now["pingOffsets"], fields_now["responsibleId"]) == (
        True,
        [300],
        second.id,
    )
    # A completed activity reminds nobody.
    assert [r for r in _admin(app_portal, "reminders") if r["activity_id"] == activity] == []


def test_a_webhook_is_the_wrong_context(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    lead = _lead(app_portal)
    params = {"ownerTypeId": 1, "ownerId": lead, "fields": {}, "layout": DOCS_LAYOUT}
    status, body = app_portal.error("crm.activity.configurable.add", params)
    assert (status, body) == (400, WRONG_CONTEXT)
    activity = _add(app, lead)
    status, body = app_portal.error("crm.activity.configurable.update", {"id": activity, "fields": {}})
    assert (status, body) == (400, WRONG_CONTEXT)
    # The vendor's get checks no context: a webhook with the rights reads it.
    assert app_portal.result("crm.activity.configurable.get", {"id": activity})["activity"]["id"] == activity


def test_missing_arguments_are_the_binders_error_100(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    full = {"ownerTypeId": 1, "ownerId": 1, "fields": {}, "layout": DOCS_LAYOUT}
    for name in full:
        params = {k: v for k, v in full.items() if k != name}
        status, code, text = _error(app.api, "crm.activity.configurable.add", params)
        assert (status, code, text) == (400, "100", f"Could not find value for parameter {{{name}}}")
    assert _error(app.api, "crm.activity.configurable.add", {**full, "layout": "text"})[:2] == (400, "100")
    assert _error(app.api, "crm.activity.configurable.get", {})[:2] == (400, "100")
    assert _error(app.api, "crm.activity.configurable.update", {})[:2] == (400, "100")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"completed": "yes"}, "completed"),
        ({"completed": 1.0}, "completed"),
        ({"completed": 2}, "completed"),
        ({"isIncomingChannel": "TRUE"}, "isIncomingChannel"),
        ({"pingOffsets": "15"}, "pingOffsets"),
        ({"pingOffsets": [15, -1]}, "pingOffsets[1]"),
        ({"pingOffsets": {"a": [1]}}, "pingOffsets[a]"),
        ({"responsibleId": 0}, "responsibleId"),
        ({"responsibleId": "-3"}, "responsibleId"),
        ({"badgeCode": "no_such_badge"}, "badgeCode"),
        ({"typeId": 5}, "typeId"),
        ({"typeId": ""}, "typeId"),
        ({"typeId": "NOT_DECLARED"}, "typeId"),
    ],
)
def test_wrong_field_values(app_portal: PortalClient, fields: dict[str, Any], field: str) -> None:
    app = install(app_portal, "http://app.test/install")
    lead = _lead(app_portal)
    params = {"ownerTypeId": 1, "ownerId": lead, "fields": fields, "layout": DOCS_LAYOUT}
    assert _error(app.api, "crm.activity.configurable.add", params) == _wrong(field)
    assert app_portal.result("crm.activity.list", {"filter": {"PROVIDER_ID": "CONFIGURABLE_REST_APP"}}) == []


def test_the_strict_literals_and_defaults(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    lead = _lead(app_portal)
    for true, false in (("Y", "N"), ("y", "n"), (True, False), (1, 0), ("1", "0"), ("true", "false")):
        activity = _add(app, lead, {"completed": true, "isIncomingChannel": false})
        got = app.api.result("crm.activity.configurable.get", {"id": activity})["activity"]["fields"]
        assert (got["completed"], got["isIncomingChannel"]) == (True, False), true
    # Duplicates dropped, numbers kept as the integers they start with.
    activity = _add(app, lead, {"pingOffsets": [15, "15", 30.7, "5min", 0]})
    got = app.api.result("crm.activity.configurable.get", {"id": activity})["activity"]["fields"]
    assert got["pingOffsets"] == [15, 30, 5, 0]
    assert (got["deadline"], got["responsibleId"], got["typeId"]) == (
        None,
        app_portal.hook.user.id,
        "CONFIGURABLE",
    )


def test_incoming_channel_cannot_have_a_deadline(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    lead = _lead(app_portal)
    params = {
        "ownerTypeId": 1,
        "ownerId": lead,
        "fields": {"isIncomingChannel": "Y", "deadline": "2030-01-01T00:00:00+00:00"},
        "layout": DOCS_LAYOUT,
    }
    assert _error(app.api, "crm.activity.configurable.add", params) == (
        400,
        "INCOMING_ACTIVITY_CAN_NOT_BE_WITH_DEADLINE",
        "Incoming activity cannot have a deadline",
    )
    activity = _add(app, lead, {"isIncomingChannel": "Y"})
    got = app.api.result("crm.activity.configurable.get", {"id": activity})["activity"]["fields"]
    assert got["isIncomingChannel"] is True
    status, code, _ = _error(
        app.api, "crm.activity.configurable.add", {**params, "fields": {"deadline": "soon"}}
    )
    assert (status, code) == (400, "WRONG_DATETIME_FORMAT")


def test_layout_rules(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    lead = _lead(app_portal)
    params = {"ownerTypeId": 1, "ownerId": lead, "fields": {}}
    assert _error(app.api, "crm.activity.configurable.add", {**params, "layout": {}}) == (
        400,
        "ERROR_EMPTY_LAYOUT",
        'The field "layout" is required.',
    )
    wrong_icon = {**DOCS_LAYOUT, "icon": {"code": "no-such-icon"}}
    status, code, _ = _error(app.api, "crm.activity.configurable.add", {**params, "layout": wrong_icon})
    assert (status, code) == (400, "ENUM_FIELD")
    # A custom icon of the portal is as good as a system one.
    app_portal.result("crm.timeline.icon.add", {"code": "no-such-icon", "fileContent": png(24, 24)})
    assert app.api.result("crm.activity.configurable.add", {**params, "layout": wrong_icon})["activity"]["id"]
    # The field problems come before the layout's.
    both = {**params, "fields": {"completed": "?"}, "layout": {**DOCS_LAYOUT, "icon": {"code": "?"}}}
    assert _error(app.api, "crm.activity.configurable.add", both) == _wrong("completed")
    activity = _add(app, lead)
    # On update an empty layout keeps the stored one; a given one replaces it whole.
    app.api.result("crm.activity.configurable.update", {"id": activity, "layout": {}})
    before = app.api.result("crm.activity.configurable.get", {"id": activity})["activity"]["layout"]
    assert before["header"]["title"] == "Incoming Call"
    small = {
        "icon": {"code": "call"},
        "header": {"title": "Second"},
        "body": {"logo": {"code": "call-default"}, "blocks": {}},
    }
    app.api.result("crm.activity.configurable.update", {"id": activity, "layout": small})
    after = app.api.result("crm.activity.configurable.get", {"id": activity})["activity"]["layout"]
    assert "footer" not in after and after["header"] == {"title": "Second"}
    row = app_portal.result("crm.activity.list", {"filter": {"ID": activity}, "select": ["SUBJECT"]})
    assert row[0]["SUBJECT"] == "Second"


def test_owner_checks(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    params = {"fields": {}, "layout": DOCS_LAYOUT}
    add = "crm.activity.configurable.add"
    assert _error(app.api, add, {**params, "ownerTypeId": 999, "ownerId": 1})[:2] == (400, "100")
    assert _error(app.api, add, {**params, "ownerTypeId": 1, "ownerId": 0})[:2] == (400, "100")
    assert _error(app.api, add, {**params, "ownerTypeId": 1, "ownerId": 99999})[:2] == (
        400,
        "OWNER_NOT_FOUND",
    )
    lead = _lead(app_portal)
    reader = app_portal.restricted("1:read=all")
    readers_app = install(app_portal, "http://app.test/install", user_id=reader.hook.user.id)
    denied = {**params, "ownerTypeId": 1, "ownerId": lead}
    assert _error(readers_app.api, add, denied) == (400, "ACCESS_DENIED", "Access denied")
    activity = _add(app, lead)
    assert (
        readers_app.api.result("crm.activity.configurable.get", {"id": activity})["activity"]["id"]
        == activity
    )
    status, code, _ = _error(
        readers_app.api, "crm.activity.configurable.update", {"id": activity, "fields": {}}
    )
    assert (status, code) == (400, "ERROR_WRONG_APPLICATION")  # another app's token first
    stranger = app_portal.restricted("2:read=all")
    strangers_app = install(app_portal, "http://app.test/install", user_id=stranger.hook.user.id)
    status, code, _ = _error(strangers_app.api, "crm.activity.configurable.get", {"id": activity})
    assert (status, code) == (400, "NOT_FOUND")  # what the caller cannot read does not exist for them


def test_update_rules(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    other = install(app_portal, "http://other.test/install")
    _badge(app_portal, "waiting")
    lead = _lead(app_portal)
    fields = {"badgeCode": "waiting", "originatorId": "sys", "originId": "42", "pingOffsets": [5]}
    activity = _add(app, lead, {**fields, "deadline": "2030-01-01T00:00:00+00:00"})
    update = "crm.activity.configurable.update"
    assert _error(app.api, update, {"id": 99999}) == (400, "NOT_FOUND", "Item was not found.")
    call = app_portal.add_call()
    assert _error(app.api, update, {"id": call, "fields": {}})[:2] == (400, "NOT_FOUND")
    assert _error(other.api, update, {"id": activity, "fields": {}}) == (
        400,
        "ERROR_WRONG_APPLICATION",
        "Activity can only be updated by the app that created it.",
    )
    # Clearing: "" for the texts, [] for the offsets; an empty deadline is ignored.
    cleared = {"badgeCode": "", "originatorId": "", "originId": "", "pingOffsets": [], "deadline": ""}
    app.api.result(update, {"id": activity, "fields": cleared})
    got = app.api.result("crm.activity.configurable.get", {"id": activity})["activity"]["fields"]
    assert (got["badgeCode"], got["originatorId"], got["originId"], got["pingOffsets"]) == ("", "", "", [])
    assert got["deadline"] == "2030-01-01T00:00:00+00:00"
    # Fields not given are kept.
    app.api.result(update, {"id": activity})
    assert app.api.result("crm.activity.configurable.get", {"id": activity})["activity"]["fields"] == got


def test_types_of_the_same_app_only_and_never_changed(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    other = install(app_portal, "http://other.test/install")
    for made, name in ((app, "MY_TYPE"), (other, "THEIR_TYPE"), (app, "PLAIN")):
        configurable = "N" if name == "PLAIN" else "Y"
        made.api.result(
            "crm.activity.type.add", {"fields": {"TYPE_ID": name, "IS_CONFIGURABLE_TYPE": configurable}}
        )
    lead = _lead(app_portal)
    params = {"ownerTypeId": 1, "ownerId": lead, "layout": DOCS_LAYOUT}
    for refused in ("THEIR_TYPE", "PLAIN"):
        assert _error(
            app.api, "crm.activity.configurable.add", {**params, "fields": {"typeId": refused}}
        ) == _wrong("typeId")
    activity = _add(app, lead, {"typeId": "MY_TYPE"})
    got = app.api.result("crm.activity.configurable.get", {"id": activity})["activity"]["fields"]
    assert got["typeId"] == "MY_TYPE"
    listed = app_portal.result(
        "crm.activity.list", {"filter": {"ID": activity}, "select": ["PROVIDER_TYPE_ID"]}
    )
    assert listed[0]["PROVIDER_TYPE_ID"] == "MY_TYPE"
    update = "crm.activity.configurable.update"
    assert _error(app.api, update, {"id": activity, "fields": {"typeId": "CONFIGURABLE"}})[:2] == (
        400,
        "CANT_CHANGE_PROVIDER_TYPE_ID",
    )
    # The vendor checks a custom typeId against the app only on add: on update it is a wrong value.
    assert _error(app.api, update, {"id": activity, "fields": {"typeId": "MY_TYPE"}}) == _wrong("typeId")


def test_the_activity_methods_see_them(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    lead = _lead(app_portal)
    activity = _add(app, lead)
    app_portal.add_call()
    listed = app_portal.result(
        "crm.activity.list",
        {
            "filter": {"PROVIDER_ID": "CONFIGURABLE_REST_APP"},
            "select": [
                "ID",
                "OWNER_TYPE_ID",
                "OWNER_ID",
                "TYPE_ID",
                "PROVIDER_ID",
                "PROVIDER_TYPE_ID",
                "SUBJECT",
            ],
        },
    )
    assert listed == [
        {
            "ID": str(activity),
            "OWNER_TYPE_ID": "1",
            "OWNER_ID": str(lead),
            "TYPE_ID": "6",
            "PROVIDER_ID": "CONFIGURABLE_REST_APP",
            "PROVIDER_TYPE_ID": "CONFIGURABLE",
            "SUBJECT": "Incoming Call",
        }
    ]
    status, body = app_portal.error("crm.activity.get", {"id": activity})
    assert (status, body["error_description"]) == (
        400,
        "Use crm.activity.configurable.get for this activity provider",
    )
    status, body = app_portal.error("crm.activity.update", {"id": activity, "fields": {"SUBJECT": "x"}})
    assert body["error_description"] == "Use crm.activity.configurable.update for this activity provider"
    assert app_portal.result("crm.activity.delete", {"id": activity}) is True
    assert _error(app.api, "crm.activity.configurable.get", {"id": activity})[:2] == (400, "NOT_FOUND")
    names = [e["event"] for e in _admin(app_portal, "events")]
    assert {"ONCRMACTIVITYADD", "ONCRMACTIVITYDELETE"} <= set(names)


def test_add_and_update_emit_the_activity_events(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    lead = _lead(app_portal)
    before = len(_admin(app_portal, "events"))
    activity = _add(app, lead)
    app.api.result("crm.activity.configurable.update", {"id": activity, "fields": {"completed": "Y"}})
    events = [(e["event"], e["data"]) for e in _admin(app_portal, "events")[before:]]
    assert events == [
        ("ONCRMACTIVITYADD", {"FIELDS": {"ID": activity}}),
        ("ONCRMACTIVITYUPDATE", {"FIELDS": {"ID": activity}}),
    ]
    # A refused call writes nothing.
    app.api.error("crm.activity.configurable.update", {"id": activity, "fields": {"completed": "?"}})
    assert len(_admin(app_portal, "events")) == before + 2


def test_rest_event_goes_to_the_owning_app_only_and_locks_until_update(
    app_portal: PortalClient, receiver: EventReceiver, clock: ManualClock
) -> None:
    app = install(app_portal, receiver.url)
    other = install(app_portal, receiver.url + "/other")
    for made, url in ((app, receiver.url), (other, receiver.url + "/other")):
        made.api.result("event.bind", {"event": "onCrmTimelineItemAction", "handler": url})
    deliver_due(app_portal.runtime, app_portal.hook.portal.id)
    receiver.calls.clear()
    lead = _lead(app_portal)
    layout = copy.deepcopy(DOCS_LAYOUT)
    layout["footer"]["buttons"]["ping"] = {
        "title": "Ping",
        "type": "secondary",
        "action": {"type": "restEvent", "id": "ping", "actionParams": {"n": 1}, "animationType": "disable"},
    }
    activity = app.api.result(
        "crm.activity.configurable.add", {"ownerTypeId": 1, "ownerId": lead, "fields": {}, "layout": layout}
    )["activity"]["id"]
    clicker = app_portal.runtime.tenancy.create_user(app_portal.hook.portal.id, name="Clicker", admin=True)
    status, answer = _click(app_portal, activity, "ping", clicker.id)
    assert status == 200
    data = {"n": "1", "entityTypeId": 1, "entityId": lead, "activityId": activity, "id": "ping"}
    assert answer["result"]["data"] == data
    assert deliver_due(app_portal.runtime, app_portal.hook.portal.id) == 1
    (call,) = receiver.calls
    form = call["form"]
    assert (call["path"], form["event"]) == ("/handler", "ONCRMTIMELINEITEMACTION")
    assert {k[5:-1]: v for k, v in form.items() if k.startswith("data[")} == {
        k: str(v) for k, v in data.items()
    }
    assert form["auth[user_id]"] == str(clicker.id)
    # disable: that button is locked, the rest of the entry is not.
    assert _click(app_portal, activity, "ping", clicker.id)[0] == 409
    assert _click(app_portal, activity, "confirm", clicker.id)[0] == 200
    # loader (confirm): the whole entry is locked until the app updates the activity.
    assert _click(app_portal, activity, "decline", clicker.id)[0] == 409
    app.api.result("crm.activity.configurable.update", {"id": activity, "fields": {}})
    assert _click(app_portal, activity, "decline", clicker.id)[0] == 200
    app.api.result("crm.activity.configurable.update", {"id": activity, "fields": {}})
    assert _click(app_portal, activity, "ping", clicker.id)[0] == 200
    # Only the owning app had the event: the other app's handler got none of the clicks.
    deliver_due(app_portal.runtime, app_portal.hook.portal.id)
    assert {c["path"] for c in receiver.calls} == {"/handler"}


def test_click_errors_and_open_rest_app(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    lead = _lead(app_portal)
    activity = _add(app, lead)
    assert _click(app_portal, activity, "nothing")[0] == 404
    assert _click(app_portal, 99999, "confirm")[0] == 404
    assert _click(app_portal, app_portal.add_call(), "confirm")[0] == 404
    assert _click(app_portal, activity, "confirm", 99999)[0] == 404
    stranger = app_portal.restricted("2:read=all")
    assert _click(app_portal, activity, "confirm", stranger.hook.user.id)[0] == 403
    status, answer = _click(app_portal, activity, "startCall")
    assert status == 200
    opened = answer["result"]
    assert opened["type"] == "openRestApp"
    form = opened["call"]["form"]
    assert form["PLACEMENT"] == "DEFAULT"
    assert opened["call"]["url"].startswith("http://app.test/install")
    assert json.loads(form["PLACEMENT_OPTIONS"]) == {
        "entityTypeId": "1",
        "entityId": str(lead),
        "activityId": str(activity),
        "clientId": "456",
    }
    response = app_portal.http.post(
        f"/_b24crm/portals/{app_portal.hook.portal.id}/activities/{activity}/actions", headers=ADMIN, json={}
    )
    assert response.status_code == 400
