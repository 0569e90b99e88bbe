"""crm.timeline.note.*: one note per timeline record or activity, the docs' examples, every documented
error (each test names its page) and what takes notes with it."""

from __future__ import annotations

import pytest

from b24crm.store import timeline_notes
from tests.client import PortalClient, call_fields

DOCS = "api-reference/crm/timeline/note/"
NOT_FOUND = {"error": "NOT_FOUND", "error_description": "Item was not found."}
DENIED = {"error": "ACCESS_DENIED", "error_description": "Access denied"}


def _deal(portal: PortalClient) -> int:
    return int(portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}}))


def _comment(portal: PortalClient, deal: int) -> int:
    fields = {"ENTITY_ID": deal, "ENTITY_TYPE": "deal", "COMMENT": "c"}
    return int(portal.result("crm.timeline.comment.add", {"fields": fields}))


@pytest.mark.parametrize("form", ["json", "form"])
def test_save_get_delete_on_a_comment_and_an_activity(portal: PortalClient, form: str) -> None:
    """crm-timeline-note-save.md, -get.md, -delete.md: the examples' answers."""
    deal = _deal(portal)
    comment = _comment(portal, deal)
    activity = int(portal.result("crm.activity.add", {"fields": call_fields(deal)}))
    for item_type, item_id in ((1, comment), (2, activity)):
        key = {"ownerTypeId": 2, "ownerId": deal, "itemType": item_type, "itemId": item_id}
        assert portal.result("crm.timeline.note.save", {**key, "text": "Test note"}, form=form) is True
        got = portal.result("crm.timeline.note.get", key, form=form)
        assert list(got) == ["text", "createdById", "createdTime", "updatedById", "updatedTime"]
        assert got["text"] == "Test note" and got["createdById"] == portal.hook.user.id
        assert got["createdTime"].endswith("+00:00")
        assert portal.result("crm.timeline.note.save", {**key, "text": "Changed"}) is True
        assert portal.result("crm.timeline.note.get", key)["text"] == "Changed"
        assert portal.result("crm.timeline.note.delete", key, form=form) is True
        assert portal.error("crm.timeline.note.get", key) == (400, NOT_FOUND)


def test_the_official_clients_owner_names(portal: PortalClient) -> None:
    """b24pysdk's Note sends entityTypeId / entityId for the owner: taken when ownerTypeId is absent."""
    deal = _deal(portal)
    comment = _comment(portal, deal)
    key = {"entityTypeId": 2, "entityId": deal, "itemType": 1, "itemId": comment}
    assert portal.result("crm.timeline.note.save", {**key, "text": "sdk"}) is True
    assert portal.result("crm.timeline.note.get", key)["text"] == "sdk"


def test_errors(portal: PortalClient) -> None:
    """crm-timeline-note-save.md: ACCESS_DENIED, NOT_FOUND, 100."""
    deal, other = _deal(portal), _deal(portal)
    comment = _comment(portal, deal)
    key = {"ownerTypeId": 2, "ownerId": deal, "itemType": 1, "itemId": comment}
    assert portal.error("crm.timeline.note.save", key) == (
        400,
        {"error": "100", "error_description": "Could not find value for parameter {text}"},
    )
    assert portal.error("crm.timeline.note.get", {"itemId": comment})[1] == {
        "error": "100",
        "error_description": "Could not find value for parameter {itemType}",
    }
    assert portal.error("crm.timeline.note.save", {**key, "ownerId": other, "text": "x"}) == (400, NOT_FOUND)
    assert portal.error("crm.timeline.note.save", {**key, "itemType": 2, "text": "x"}) == (400, NOT_FOUND)
    assert portal.error("crm.timeline.note.save", {**key, "itemType": 3, "text": "x"}) == (400, NOT_FOUND)
    assert portal.error("crm.timeline.note.delete", key) == (400, NOT_FOUND)
    reader = portal.restricted("2:read=all")
    assert reader.error("crm.timeline.note.get", key) == (400, DENIED)
    assert reader.error("crm.timeline.note.save", {**key, "text": "x"}) == (400, DENIED)


def test_notes_go_with_their_entry_and_owner(portal: PortalClient) -> None:
    """A deleted comment takes its note; a deleted item takes its comments' and activities' notes."""
    deal = _deal(portal)
    comment = _comment(portal, deal)
    activity = int(portal.result("crm.activity.add", {"fields": call_fields(deal)}))
    for item_type, item_id in ((1, comment), (2, activity)):
        key = {"ownerTypeId": 2, "ownerId": deal, "itemType": item_type, "itemId": item_id}
        portal.result("crm.timeline.note.save", {**key, "text": "n"})
    portal.result("crm.timeline.comment.delete", {"id": comment})
    portal_id = portal.hook.portal.id
    with portal.runtime.db.read() as conn:
        assert timeline_notes.find(conn, portal_id, 1, comment) is None
        assert timeline_notes.find(conn, portal_id, 2, activity) is not None
    second = _comment(portal, deal)
    portal.result(
        "crm.timeline.note.save",
        {"ownerTypeId": 2, "ownerId": deal, "itemType": 1, "itemId": second, "text": "n"},
    )
    portal.result("crm.deal.delete", {"id": deal})
    with portal.runtime.db.read() as conn:
        assert timeline_notes.find(conn, portal_id, 2, activity) is None
        assert timeline_notes.find(conn, portal_id, 1, second) is None


def test_a_deleted_activity_takes_its_note(portal: PortalClient) -> None:
    deal = _deal(portal)
    activity = int(portal.result("crm.activity.add", {"fields": call_fields(deal)}))
    kept = int(portal.result("crm.activity.add", {"fields": call_fields(deal)}))
    for item_id in (activity, kept):
        key = {"ownerTypeId": 2, "ownerId": deal, "itemType": 2, "itemId": item_id}
        portal.result("crm.timeline.note.save", {**key, "text": "n"})
    assert portal.result("crm.activity.delete", {"id": activity}) is True
    portal_id = portal.hook.portal.id
    with portal.runtime.db.read() as conn:
        assert timeline_notes.find(conn, portal_id, 2, activity) is None
        assert timeline_notes.find(conn, portal_id, 2, kept) is not None


def test_an_activitys_note_needs_the_activitys_own_rights(portal: PortalClient) -> None:
    """Editing the item named in the call is not enough: the activity itself must be changeable (its
    owner editable), as every other door to an activity asks."""
    seller = portal.restricted("2:*=own")
    mine = int(seller.result("crm.deal.add", {"fields": {"TITLE": "Mine"}}))
    activity = int(portal.result("crm.activity.add", {"fields": call_fields(mine)}))
    others = _deal(portal)
    portal.result("crm.activity.binding.add", {"activityId": activity, "entityTypeId": 2, "entityId": others})
    owner = portal.result("crm.activity.get", {"id": activity})
    assert (owner["OWNER_TYPE_ID"], owner["OWNER_ID"]) == ("2", str(others))  # now the other deal's
    key = {"ownerTypeId": 2, "ownerId": mine, "itemType": 2, "itemId": activity}
    status, _body = seller.error("crm.timeline.note.save", {**key, "text": "mine now"})
    assert status == 400
    with portal.runtime.db.read() as conn:
        assert timeline_notes.find(conn, portal.hook.portal.id, 2, activity) is None
    portal.result("crm.timeline.note.save", {**key, "text": "the owner's"})
    assert seller.result("crm.timeline.note.get", key)["text"] == "the owner's"  # readable through mine
    assert seller.error("crm.timeline.note.delete", key)[0] == 400
