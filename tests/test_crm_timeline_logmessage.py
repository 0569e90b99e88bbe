"""crm.timeline.logmessage.* and crm.timeline.bindings.*: the docs' examples, every documented error (each
test names its page), icon codes from the layout lists, the writing application's own delete."""

from __future__ import annotations

from typing import Any

from tests.apps_support import install
from tests.client import PortalClient

DOCS = "api-reference/crm/timeline/"
DENIED = {"error": "ACCESS_DENIED", "error_description": "Access denied"}


def _deal(portal: Any, title: str = "Deal") -> int:
    return int(portal.result("crm.deal.add", {"fields": {"TITLE": title}}))


def _fields(deal: int, **extra: Any) -> dict[str, Any]:
    return {
        "entityTypeId": 2,
        "entityId": deal,
        "title": "Test title",
        "text": "Test note",
        "iconCode": "info",
        **extra,
    }


def test_add_get_list_examples(portal: PortalClient) -> None:
    """logmessage/crm-timeline-logmessage-add.md, -get.md, -list.md: the examples' shapes."""
    deal = _deal(portal)
    added = portal.result("crm.timeline.logmessage.add", {"fields": _fields(deal)})["logMessage"]
    assert list(added) == ["id", "created", "authorId", "title", "text", "iconCode"]
    assert added["authorId"] == portal.hook.user.id and added["title"] == "Test title"
    assert added["iconCode"] == "info" and added["created"].endswith("+00:00")
    assert portal.result("crm.timeline.logmessage.get", {"id": added["id"]}) == {"logMessage": added}
    ids = [added["id"]]
    for i in range(11):
        made = portal.result("crm.timeline.logmessage.add", {"fields": _fields(deal, title=f"t{i}")})
        ids.append(made["logMessage"]["id"])
    page = portal.raw("crm.timeline.logmessage.list", {"entityTypeId": 2, "entityId": deal}).json()
    assert page["total"] == 12 and page["next"] == 10
    assert [m["id"] for m in page["result"]["logMessages"]] == ids[::-1][:10]
    second = portal.raw(
        "crm.timeline.logmessage.list",
        {"entityTypeId": 2, "entityId": deal, "order": {"id": "asc"}, "start": 10},
    ).json()
    assert [m["id"] for m in second["result"]["logMessages"]] == ids[10:]


def test_add_errors_and_icons(portal: PortalClient) -> None:
    """logmessage/crm-timeline-logmessage-add.md: ACCESS_DENIED, OWNER_NOT_FOUND, 100, 0; icon codes."""
    deal = _deal(portal)
    call = "crm.timeline.logmessage.add"
    assert portal.error(call, {}) == (
        400,
        {"error": "100", "error_description": "Could not find value for parameter {fields}"},
    )
    fields = _fields(deal)
    del fields["title"]
    assert portal.error(call, {"fields": fields}) == (
        400,
        {"error": "0", "error_description": "Missing a required field: title"},
    )
    assert portal.error(call, {"fields": _fields(deal + 100)}) == (
        400,
        {"error": "OWNER_NOT_FOUND", "error_description": "Owner was not found"},
    )
    assert portal.restricted("2:read=all").error(call, {"fields": _fields(deal)}) == (400, DENIED)
    assert portal.error(call, {"fields": _fields(deal, iconCode="nothing")}) == (
        400,
        {"error": "INVALID_ARG_VALUE", "error_description": "Icon not found for code `nothing`"},
    )
    # The portal's own icons are accepted too.
    png = (
        "iVBORw0KGgoAAAANSUhEUgAAABgAAAAYCAIAAABvFaqvAAAAFElEQVR4nGNgGAWjYBSMglEwCgYAAAM4AAEx0EGh"
        "AAAAAElFTkSuQmCC"
    )
    portal.result("crm.timeline.icon.add", {"code": "own-icon", "fileContent": png})
    assert (
        portal.result(call, {"fields": _fields(deal, iconCode="own-icon")})["logMessage"]["iconCode"]
        == "own-icon"
    )


def test_get_list_delete_errors(portal: PortalClient) -> None:
    """logmessage/crm-timeline-logmessage-get.md, -list.md, -delete.md: NOT_FOUND, ACCESS_DENIED,
    REMOVING_DISABLED, 100."""
    deal = _deal(portal)
    entry = portal.result("crm.timeline.logmessage.add", {"fields": _fields(deal)})["logMessage"]["id"]
    assert portal.error("crm.timeline.logmessage.get", {"id": entry + 9}) == (
        400,
        {"error": "NOT_FOUND", "error_description": f"Timeline logmessage not found for id `{entry + 9}`"},
    )
    assert portal.error("crm.timeline.logmessage.list", {"entityId": deal}) == (
        400,
        {"error": "100", "error_description": "Could not find value for parameter {entityTypeId}"},
    )
    outsider = portal.restricted("3:read=all")
    assert outsider.error("crm.timeline.logmessage.get", {"id": entry})[1]["error"] == "NOT_FOUND"
    assert outsider.error("crm.timeline.logmessage.list", {"entityTypeId": 2, "entityId": deal}) == (
        400,
        DENIED,
    )
    assert portal.error("crm.timeline.logmessage.delete", {"id": entry + 9}) == (
        400,
        {"error": "NOT_FOUND", "error_description": f"Log message not found for id `{entry + 9}`"},
    )
    assert portal.error("crm.timeline.logmessage.delete", {"id": entry}) == (
        400,
        {
            "error": "REMOVING_DISABLED",
            "error_description": (
                "This log message can only be deleted by the application through which it was created"
            ),
        },
    )
    assert portal.restricted("2:read=all").error("crm.timeline.logmessage.delete", {"id": entry}) == (
        400,
        DENIED,
    )


def test_only_the_writing_application_deletes(app_portal: PortalClient) -> None:
    """logmessage/crm-timeline-logmessage-delete.md: "only the application that added the entry"."""
    mine = install(app_portal, "http://first.test/install").api
    other = install(app_portal, "http://second.test/install")
    deal = _deal(app_portal)
    entry = mine.result("crm.timeline.logmessage.add", {"fields": _fields(deal)})["logMessage"]["id"]
    assert other.api.error("crm.timeline.logmessage.delete", {"id": entry})[1]["error"] == "REMOVING_DISABLED"
    assert mine.result("crm.timeline.logmessage.delete", {"id": entry}) is True
    assert mine.error("crm.timeline.logmessage.get", {"id": entry})[1]["error"] == "NOT_FOUND"


def test_bindings_examples_and_errors(portal: PortalClient) -> None:
    """bindings/crm-timeline-bindings-bind.md, -unbind.md, -list.md, -fields.md."""
    deal, company = _deal(portal), int(portal.result("crm.company.add", {"fields": {"TITLE": "Co"}}))
    comment = portal.result(
        "crm.timeline.comment.add", {"fields": {"ENTITY_ID": deal, "ENTITY_TYPE": "deal", "COMMENT": "c"}}
    )
    bind = {"OWNER_ID": comment, "ENTITY_ID": company, "ENTITY_TYPE": "company"}
    assert portal.result("crm.timeline.bindings.bind", {"fields": bind}) is True
    listed = portal.raw("crm.timeline.bindings.list", {"filter": {"OWNER_ID": comment}}).json()
    assert listed["result"] == [
        {"OWNER_ID": str(comment), "ENTITY_ID": str(deal), "ENTITY_TYPE": "deal"},
        {"OWNER_ID": str(comment), "ENTITY_ID": str(company), "ENTITY_TYPE": "company"},
    ]
    assert listed["total"] == 2
    rows = portal.result(
        "crm.timeline.comment.list", {"filter": {"ENTITY_ID": company, "ENTITY_TYPE": "company"}}
    )
    assert [r["ID"] for r in rows] == [str(comment)]
    assert portal.result("crm.timeline.bindings.unbind", {"fields": bind}) is True
    assert portal.error("crm.timeline.bindings.unbind", {"fields": bind}) == (
        400,
        {"error": "", "error_description": "Not found."},
    )
    for given, text in (
        ({"ENTITY_ID": deal, "ENTITY_TYPE": "deal"}, "OWNER_ID is not defined or invalid."),
        ({"OWNER_ID": comment, "ENTITY_TYPE": "deal"}, "ENTITY_ID is not defined or invalid."),
        (
            {"OWNER_ID": comment, "ENTITY_ID": deal, "ENTITY_TYPE": "nope"},
            "ENTITY_TYPE is not defined or invalid.",
        ),
    ):
        assert portal.error("crm.timeline.bindings.bind", {"fields": given}) == (
            400,
            {"error": "", "error_description": text},
        )
    assert portal.error("crm.timeline.bindings.list", {"filter": {}})[1]["error_description"] == (
        "OWNER_ID is not defined or invalid."
    )
    reader = portal.restricted("2:read=all", "4:read=all")
    assert reader.error("crm.timeline.bindings.bind", {"fields": bind}) == (
        400,
        {"error": "", "error_description": "Access denied."},
    )
    got = portal.result("crm.timeline.bindings.fields")
    assert got["OWNER_ID"]["title"] == "Timeline record ID" and got["OWNER_ID"]["isImmutable"] is True
    # Unbinding the last item deletes the record.
    assert portal.result(
        "crm.timeline.bindings.unbind",
        {"fields": {"OWNER_ID": comment, "ENTITY_ID": deal, "ENTITY_TYPE": "deal"}},
    )
    assert portal.error("crm.timeline.comment.get", {"id": comment})[1]["error_description"] == "Not found."


def test_a_record_the_caller_cannot_read_is_not_bound(portal: PortalClient) -> None:
    """bindings/crm-timeline-bindings-bind.md: binding a foreign record to one's own item would expose it."""
    deal = _deal(portal)
    comment = portal.result(
        "crm.timeline.comment.add",
        {"fields": {"ENTITY_ID": deal, "ENTITY_TYPE": "deal", "COMMENT": "secret"}},
    )
    seller = portal.restricted("3:*=all")
    contact = int(seller.result("crm.contact.add", {"fields": {"NAME": "Mine"}}))
    bind = {"OWNER_ID": comment, "ENTITY_ID": contact, "ENTITY_TYPE": "contact"}
    assert (
        seller.error("crm.timeline.bindings.bind", {"fields": bind})[1]["error_description"] == "Not found."
    )
    assert seller.error("crm.timeline.bindings.list", {"filter": {"OWNER_ID": comment}})[1][
        "error_description"
    ] == ("Not found.")
