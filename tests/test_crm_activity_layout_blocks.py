"""crm.activity.layout.blocks.set / get / delete through HTTP, on SQLite and PostgreSQL (docs:
api-reference/crm/timeline/activities/layout-blocks/*.md; reference: crm.md §8)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from b24crm.store import crm_activities
from b24crm.store.tables import crm_layout_blocks
from tests.apps_support import install
from tests.client import PortalClient, call_fields

# crm-activity-layout-blocks-set.md, the example as written (text, large text, link, block with a title).
DOCS_LAYOUT: dict[str, Any] = {
    "blocks": {
        "block_1": {
            "type": "text",
            "properties": {
                "value": "Hello!\nWe are starting.",
                "multiline": True,
                "bold": True,
                "color": "base_90",
            },
        },
        "block_2": {
            "type": "largeText",
            "properties": {
                "value": "Hello!\nWe are starting.\nWe are continuing.\nWe are still working on this.\n"
                "We are continuing.\nWe are close to the result.\nGoodbye."
            },
        },
        "block_3": {
            "type": "link",
            "properties": {
                "text": "Open deal",
                "bold": True,
                "action": {"type": "redirect", "uri": "/crm/deal/details/123/"},
            },
        },
        "block_4": {
            "type": "withTitle",
            "properties": {
                "title": "Title",
                "block": {"type": "text", "properties": {"value": "Some value"}},
            },
        },
    }
}
OTHER_LAYOUT = {"blocks": {"only": {"type": "text", "properties": {"value": "Second app"}}}}


def _deal_with_call(portal: PortalClient) -> tuple[int, int]:
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}})
    activity = int(portal.result("crm.activity.add", {"fields": call_fields(deal)}))
    return int(deal), activity


def _target(deal: int, activity: int, **more: Any) -> dict[str, Any]:
    return {"entityTypeId": 2, "entityId": deal, "activityId": activity, **more}


def _rows(portal: PortalClient) -> int:
    with portal.runtime.db.read() as conn:
        count = sa.select(sa.func.count()).where(crm_layout_blocks.c.portal_id == portal.hook.portal.id)
        return int(conn.execute(count).scalar() or 0)


def test_the_docs_example_is_set_read_back_and_deleted(app_portal: PortalClient) -> None:
    deal, activity = _deal_with_call(app_portal)
    app = install(app_portal, "http://app.test/install")
    # Wrapped in result, as the timeline page shows it (crm.md §12.4).
    assert app.api.call("crm.activity.layout.blocks.set", _target(deal, activity, layout=DOCS_LAYOUT))[
        "result"
    ] == {"success": True}
    layout = app.api.result("crm.activity.layout.blocks.get", _target(deal, activity))["layout"]
    assert list(layout["blocks"]) == ["block_1", "block_2", "block_3", "block_4"]
    assert layout["blocks"]["block_1"]["properties"]["value"] == "Hello!\nWe are starting."
    assert layout["blocks"]["block_3"]["properties"]["action"] == {
        "type": "redirect",
        "uri": "/crm/deal/details/123/",
    }
    assert app.api.result("crm.activity.layout.blocks.delete", _target(deal, activity)) == {"success": True}
    # Nothing set: the repository finds no DTO and the action answers it as null.
    assert app.api.result("crm.activity.layout.blocks.get", _target(deal, activity)) == {"layout": None}
    status, body = app.api.error("crm.activity.layout.blocks.delete", _target(deal, activity))
    assert (status, body["error"]) == (400, "NOT_FOUND")


def test_set_replaces_the_whole_set_and_two_apps_are_kept_apart(app_portal: PortalClient) -> None:
    deal, activity = _deal_with_call(app_portal)
    first = install(app_portal, "http://first.test/install")
    second = install(app_portal, "http://second.test/install")
    first.api.result("crm.activity.layout.blocks.set", _target(deal, activity, layout=DOCS_LAYOUT))
    second.api.result("crm.activity.layout.blocks.set", _target(deal, activity, layout=OTHER_LAYOUT))
    assert list(
        first.api.result("crm.activity.layout.blocks.get", _target(deal, activity))["layout"]["blocks"]
    ) == [
        "block_1",
        "block_2",
        "block_3",
        "block_4",
    ]
    assert (
        second.api.result("crm.activity.layout.blocks.get", _target(deal, activity))["layout"] == OTHER_LAYOUT
    )
    # No merge: the first app's new set is all it has.
    first.api.result("crm.activity.layout.blocks.set", _target(deal, activity, layout=OTHER_LAYOUT))
    assert (
        first.api.result("crm.activity.layout.blocks.get", _target(deal, activity))["layout"] == OTHER_LAYOUT
    )
    second.api.result("crm.activity.layout.blocks.delete", _target(deal, activity))
    assert second.api.result("crm.activity.layout.blocks.get", _target(deal, activity)) == {"layout": None}
    assert (
        first.api.result("crm.activity.layout.blocks.get", _target(deal, activity))["layout"] == OTHER_LAYOUT
    )
    assert _rows(app_portal) == 1


def test_an_empty_blocks_object_is_a_set_and_a_missing_one_is_refused(app_portal: PortalClient) -> None:
    deal, activity = _deal_with_call(app_portal)
    app = install(app_portal, "http://app.test/install")
    assert app.api.result(
        "crm.activity.layout.blocks.set", _target(deal, activity, layout={"blocks": {}})
    ) == {"success": True}
    assert app.api.result("crm.activity.layout.blocks.get", _target(deal, activity))["layout"] == {
        "blocks": []
    }
    for layout in ({}, {"other": 1}):
        status, body = app.api.error("crm.activity.layout.blocks.set", _target(deal, activity, layout=layout))
        assert (status, body["error"]) == (400, "FIELD_IS_REQUIRED"), layout
    # Without layout the argument's default (an empty array) is validated.
    status, body = app.api.error("crm.activity.layout.blocks.set", _target(deal, activity))
    assert (status, body["error"]) == (400, "FIELD_IS_REQUIRED")
    status, body = app.api.error("crm.activity.layout.blocks.set", _target(deal, activity, layout="text"))
    assert (status, body["error"]) == (400, "100")
    too_many = {"blocks": {f"b{i}": {"type": "text", "properties": {"value": "x"}} for i in range(21)}}
    status, body = app.api.error("crm.activity.layout.blocks.set", _target(deal, activity, layout=too_many))
    assert (status, body["error"]) == (400, "TOO_MANY_ITEMS")
    bad_key = {"blocks": {"bad key": {"type": "text", "properties": {"value": "x"}}}}
    status, body = app.api.error("crm.activity.layout.blocks.set", _target(deal, activity, layout=bad_key))
    assert (status, body["error"]) == (400, "KEY_CONTAIN_WRONG_SYMBOLS")
    # A refused set leaves the stored one as it was.
    assert app.api.result("crm.activity.layout.blocks.get", _target(deal, activity))["layout"] == {
        "blocks": []
    }


def test_a_webhook_gets_wrong_context(app_portal: PortalClient) -> None:
    deal, activity = _deal_with_call(app_portal)
    for method in ("set", "get", "delete"):
        params = _target(deal, activity, layout=DOCS_LAYOUT)
        status, body = app_portal.error(f"crm.activity.layout.blocks.{method}", params)
        assert (status, body) == (
            400,
            {
                "error": "ERROR_WRONG_CONTEXT",
                "error_description": "This method can only be called in the context of a REST application.",
            },
        ), method


def test_missing_arguments_are_error_100(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    status, body = app.api.error("crm.activity.layout.blocks.get", {"entityTypeId": 2, "entityId": 1})
    assert (status, body) == (
        400,
        {"error": "100", "error_description": "Could not find value for parameter {activityId}"},
    )


def test_unknown_activity_unbound_item_and_bad_owner(app_portal: PortalClient) -> None:
    deal, activity = _deal_with_call(app_portal)
    other_deal = app_portal.result("crm.deal.add", {"fields": {"TITLE": "Other"}})
    app = install(app_portal, "http://app.test/install")
    for method in ("set", "get", "delete"):
        name = f"crm.activity.layout.blocks.{method}"
        status, body = app.api.error(name, _target(deal, 99999, layout=DOCS_LAYOUT))
        assert (status, body["error"]) == (400, "NOT_FOUND"), method
        status, body = app.api.error(name, _target(other_deal, activity, layout=DOCS_LAYOUT))
        assert (status, body) == (
            400,
            {"error": "OWNER_NOT_FOUND", "error_description": "Owner was not found"},
        ), method
        for owner in ({"entityId": 0}, {"entityTypeId": 999}):
            status, body = app.api.error(name, {**_target(deal, 99999, layout=DOCS_LAYOUT), **owner})
            assert (status, body["error"]) == (400, "OWNER_NOT_FOUND"), (method, owner)


def test_configurable_and_deprecated_types_are_unsuitable(app_portal: PortalClient) -> None:
    deal = app_portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}})
    meeting = app_portal.result("crm.activity.add", {"fields": {**call_fields(deal), "TYPE_ID": 1}})
    configurable = app_portal.result("crm.activity.add", {"fields": call_fields(deal)})
    with app_portal.runtime.db.write() as conn:
        crm_activities.update_activity(
            conn,
            app_portal.hook.portal.id,
            int(configurable),
            {"type_id": 6, "provider_id": "CONFIGURABLE_REST_APP", "provider_type_id": "T"},
        )
    app = install(app_portal, "http://app.test/install")
    for activity in (meeting, configurable):
        status, body = app.api.error(
            "crm.activity.layout.blocks.set", _target(deal, int(activity), layout=DOCS_LAYOUT)
        )
        assert (status, body) == (
            400,
            {
                "error": "UNSUITABLE_ACTIVITY_TYPE_ERROR",
                "error_description": "This activity type is not supported for adding layout blocks",
            },
        )
        # Reading is not refused: there is simply nothing.
        assert app.api.result("crm.activity.layout.blocks.get", _target(deal, int(activity))) == {
            "layout": None
        }
    # A universal activity (todo) takes blocks.
    todo = app_portal.result(
        "crm.activity.todo.add",
        {"ownerTypeId": 2, "ownerId": deal, "deadline": "2030-01-01T10:00:00", "title": "Todo"},
    )["id"]
    assert app.api.result("crm.activity.layout.blocks.set", _target(deal, todo, layout=OTHER_LAYOUT)) == {
        "success": True
    }


def test_read_rights_for_get_and_update_rights_for_set_and_delete(app_portal: PortalClient) -> None:
    deal, activity = _deal_with_call(app_portal)
    admin_app = install(app_portal, "http://app.test/install")
    admin_app.api.result("crm.activity.layout.blocks.set", _target(deal, activity, layout=DOCS_LAYOUT))
    reader = app_portal.restricted("2:read=all")
    reader_app = install(app_portal, "http://app.test/install", user_id=reader.hook.user.id)
    assert reader_app.api.result("crm.activity.layout.blocks.get", _target(deal, activity)) == {
        "layout": None
    }
    for method in ("set", "delete"):
        status, body = reader_app.api.error(
            f"crm.activity.layout.blocks.{method}", _target(deal, activity, layout=DOCS_LAYOUT)
        )
        assert (status, body) == (400, {"error": "ACCESS_DENIED", "error_description": "Access denied"}), (
            method
        )
    # Someone who cannot see the activity is told it does not exist, before any other check.
    stranger = app_portal.restricted("3:read=all")
    stranger_app = install(app_portal, "http://app.test/install", user_id=stranger.hook.user.id)
    for method in ("set", "get", "delete"):
        status, body = stranger_app.api.error(
            f"crm.activity.layout.blocks.{method}", _target(deal, activity, layout=DOCS_LAYOUT)
        )
        assert (status, body["error"]) == (400, "NOT_FOUND"), method
    assert (
        admin_app.api.result("crm.activity.layout.blocks.get", _target(deal, activity))["layout"] is not None
    )


def test_uninstalling_the_app_removes_its_sets_only(app_portal: PortalClient) -> None:
    deal, activity = _deal_with_call(app_portal)
    first = install(app_portal, "http://first.test/install")
    second = install(app_portal, "http://second.test/install")
    first.api.result("crm.activity.layout.blocks.set", _target(deal, activity, layout=DOCS_LAYOUT))
    second.api.result("crm.activity.layout.blocks.set", _target(deal, activity, layout=OTHER_LAYOUT))
    app_portal.runtime.apps.uninstall(app_portal.hook.portal.id, first.id)
    assert _rows(app_portal) == 1
    assert (
        second.api.result("crm.activity.layout.blocks.get", _target(deal, activity))["layout"] == OTHER_LAYOUT
    )


def test_deleting_the_item_with_its_only_activity_removes_the_sets(app_portal: PortalClient) -> None:
    deal, activity = _deal_with_call(app_portal)
    kept_deal, kept = _deal_with_call(app_portal)
    app = install(app_portal, "http://app.test/install")
    app.api.result("crm.activity.layout.blocks.set", _target(deal, activity, layout=DOCS_LAYOUT))
    app.api.result("crm.activity.layout.blocks.set", _target(kept_deal, kept, layout=OTHER_LAYOUT))
    app_portal.result("crm.deal.delete", {"id": deal})
    assert _rows(app_portal) == 1
    assert (
        app.api.result("crm.activity.layout.blocks.get", _target(kept_deal, kept))["layout"] == OTHER_LAYOUT
    )


def test_deleting_the_activity_removes_its_sets(app_portal: PortalClient) -> None:
    deal, activity = _deal_with_call(app_portal)
    kept_deal, kept = _deal_with_call(app_portal)
    app = install(app_portal, "http://app.test/install")
    app.api.result("crm.activity.layout.blocks.set", _target(deal, activity, layout=DOCS_LAYOUT))
    app.api.result("crm.activity.layout.blocks.set", _target(kept_deal, kept, layout=OTHER_LAYOUT))
    assert app_portal.result("crm.activity.delete", {"id": activity}) is True
    assert _rows(app_portal) == 1
