"""crm.timeline.layout.blocks.*: the docs' example set, read back and deleted on a comment; every
documented error (each test names its page: api-reference/crm/timeline/layout-blocks/); sets go with
their record."""

from __future__ import annotations

from typing import Any

from tests.apps_support import install
from tests.client import PortalClient
from tests.test_crm_activity_layout_blocks import DOCS_LAYOUT

DOCS = "api-reference/crm/timeline/layout-blocks/"


def _comment(portal: PortalClient) -> tuple[int, int]:
    deal = int(portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}}))
    fields = {"ENTITY_ID": deal, "ENTITY_TYPE": "deal", "COMMENT": "c"}
    return deal, int(portal.result("crm.timeline.comment.add", {"fields": fields}))


def _target(deal: int, record: int, **more: Any) -> dict[str, Any]:
    return {"entityTypeId": 2, "entityId": deal, "timelineId": record, **more}


def test_set_get_delete_the_docs_example(app_portal: PortalClient) -> None:
    """crm-timeline-layout-blocks-set.md, -get.md, -delete.md."""
    deal, comment = _comment(app_portal)
    app = install(app_portal, "http://app.test/install")
    set_call = app.api.call("crm.timeline.layout.blocks.set", _target(deal, comment, layout=DOCS_LAYOUT))
    assert set_call["result"] == {"success": True}
    layout = app.api.result("crm.timeline.layout.blocks.get", _target(deal, comment))["layout"]
    assert list(layout["blocks"]) == ["block_1", "block_2", "block_3", "block_4"]
    other = install(app_portal, "http://other.test/install")
    assert other.api.result("crm.timeline.layout.blocks.get", _target(deal, comment)) == {"layout": None}
    assert app.api.result("crm.timeline.layout.blocks.delete", _target(deal, comment)) == {"success": True}
    assert app.api.result("crm.timeline.layout.blocks.get", _target(deal, comment)) == {"layout": None}
    assert (
        app.api.error("crm.timeline.layout.blocks.delete", _target(deal, comment))[1]["error"] == "NOT_FOUND"
    )


def test_errors(app_portal: PortalClient) -> None:
    """crm-timeline-layout-blocks-set.md: ERROR_WRONG_CONTEXT, OWNER_NOT_FOUND, NOT_FOUND,
    UNAVAILABLE_TIMELINE_ITEM, ACCESS_DENIED, FIELD_IS_REQUIRED, 100."""
    deal, comment = _comment(app_portal)
    assert app_portal.error("crm.timeline.layout.blocks.get", _target(deal, comment))[1]["error"] == (
        "ERROR_WRONG_CONTEXT"
    )
    app = install(app_portal, "http://app.test/install").api
    assert app.error("crm.timeline.layout.blocks.get", {"entityTypeId": 2, "entityId": deal})[1] == {
        "error": "100",
        "error_description": "Could not find value for parameter {timelineId}",
    }
    assert app.error("crm.timeline.layout.blocks.set", _target(0, comment, layout=DOCS_LAYOUT))[1] == {
        "error": "OWNER_NOT_FOUND",
        "error_description": "Owner was not found",
    }
    assert app.error("crm.timeline.layout.blocks.set", _target(deal, comment + 50, layout=DOCS_LAYOUT))[
        1
    ] == {
        "error": "NOT_FOUND",
        "error_description": "Item was not found.",
    }
    assert app.error("crm.timeline.layout.blocks.set", _target(deal, comment, layout={}))[1]["error"] == (
        "FIELD_IS_REQUIRED"
    )
    entry = app.result(
        "crm.timeline.logmessage.add",
        {"fields": {"entityTypeId": 2, "entityId": deal, "title": "t", "text": "x", "iconCode": "info"}},
    )["logMessage"]["id"]
    assert app.error("crm.timeline.layout.blocks.set", _target(deal, entry, layout=DOCS_LAYOUT))[1] == {
        "error": "UNAVAILABLE_TIMELINE_ITEM",
        "error_description": "Timeline item does not suitable for add content blocks",
    }
    reader = app_portal.restricted("2:read=all")
    limited = install(app_portal, "http://app.test/reader", user_id=reader.hook.user.id).api
    assert limited.result("crm.timeline.layout.blocks.get", _target(deal, comment)) == {"layout": None}
    denied = limited.error("crm.timeline.layout.blocks.set", _target(deal, comment, layout=DOCS_LAYOUT))
    assert denied[1] == {"error": "ACCESS_DENIED", "error_description": "Access denied"}
    outsider = app_portal.restricted("3:read=all")
    other = install(app_portal, "http://app.test/outsider", user_id=outsider.hook.user.id).api
    assert (
        other.error("crm.timeline.layout.blocks.get", _target(deal, comment))[1]["error"] == "ACCESS_DENIED"
    )


def test_sets_go_with_their_record(app_portal: PortalClient) -> None:
    """crm-timeline-layout-blocks-set.md: deleting the record purges its sets."""
    deal, comment = _comment(app_portal)
    app = install(app_portal, "http://app.test/install").api
    app.result("crm.timeline.layout.blocks.set", _target(deal, comment, layout=DOCS_LAYOUT))
    app_portal.result("crm.timeline.comment.delete", {"id": comment})
    assert app.error("crm.timeline.layout.blocks.get", _target(deal, comment))[1]["error"] == "NOT_FOUND"
