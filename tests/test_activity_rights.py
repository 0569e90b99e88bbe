"""An activity's own rights at every door that reads or changes it, not only crm.activity.get/update/delete:
the binding methods and the todo methods must not let a user reach an activity through an item of theirs.
"""

from __future__ import annotations

import base64
from typing import Any

from tests.apps_support import install
from tests.client import PortalClient, call_fields

NOT_FOUND = (400, {"error": "NOT_FOUND", "error_description": "Item was not found."})
DENIED = (400, {"error": "ACCESS_DENIED", "error_description": "Access denied"})
LEGACY_NOT_FOUND = (400, {"error": "", "error_description": "Activity is not found."})


def _item(portal: PortalClient, entity: str, **fields: Any) -> int:
    return int(portal.result(f"crm.{entity}.add", {"fields": {"TITLE": entity, "NAME": entity, **fields}}))


def _todo(portal: PortalClient, owner: tuple[int, int], **extra: Any) -> int:
    params = {"ownerTypeId": owner[0], "ownerId": owner[1], "deadline": "2026-03-01T15:00:00", **extra}
    return int(portal.result("crm.activity.todo.add", params)["id"])


def _bindings(portal: PortalClient, activity_id: int) -> list[tuple[int, int]]:
    rows = portal.result("crm.activity.binding.list", {"activityId": activity_id})
    return [(r["entityTypeId"], r["entityId"]) for r in rows]


def test_an_own_role_cannot_take_over_an_activity_by_binding_it(portal: PortalClient) -> None:
    """The reported case: binding another user's activity to one's own deal made it readable (subject,
    communications, file link), editable and deletable."""
    seller = portal.restricted("2:*=own", "3:*=own")
    mine = _item(seller, "deal")
    others = _item(portal, "deal")
    files = [{"fileData": ["notes.txt", base64.b64encode(b"secret").decode()]}]
    fields = call_fields(others, "Private call", COMMUNICATIONS=[{"VALUE": "+15550100"}], FILES=files)
    activity = int(portal.result("crm.activity.add", {"fields": fields}))
    assert seller.error("crm.activity.get", {"id": activity}) == LEGACY_NOT_FOUND

    assert (
        seller.error(
            "crm.activity.binding.add", {"activityId": activity, "entityTypeId": 2, "entityId": mine}
        )
        == NOT_FOUND
    )
    # Nothing changed: still bound to the other deal alone, and still out of the seller's reach.
    assert _bindings(portal, activity) == [(2, others)]
    assert seller.error("crm.activity.get", {"id": activity}) == LEGACY_NOT_FOUND
    assert seller.result("crm.activity.list", {"select": ["ID", "SUBJECT", "COMMUNICATIONS", "FILES"]}) == []
    assert (
        seller.error("crm.activity.update", {"id": activity, "fields": {"SUBJECT": "x"}}) == LEGACY_NOT_FOUND
    )
    assert seller.error("crm.activity.delete", {"id": activity}) == LEGACY_NOT_FOUND
    assert portal.result("crm.activity.get", {"id": activity})["SUBJECT"] == "Private call"


def test_todo_changes_need_the_todos_own_rights(portal: PortalClient) -> None:
    """A todo the seller sees through their contact, owned by someone else's deal: crm.activity.update
    refuses it, and so does every todo method named with that contact."""
    seller = portal.restricted("2:*=own", "3:*=own")
    contact = _item(seller, "contact")
    others = _item(portal, "deal")
    todo = _todo(portal, (2, others), title="Theirs", description="Keep")
    portal.result("crm.activity.binding.add", {"activityId": todo, "entityTypeId": 3, "entityId": contact})
    assert portal.result("crm.activity.get", {"id": todo})["OWNER_TYPE_ID"] == "2"
    assert seller.result("crm.activity.get", {"id": todo})["SUBJECT"] == "Theirs"
    assert seller.error("crm.activity.update", {"id": todo, "fields": {"SUBJECT": "x"}}) == (
        400,
        {"error": "", "error_description": "Access denied."},
    )

    key = {"ownerTypeId": 3, "ownerId": contact, "id": todo}
    calls: tuple[tuple[str, dict[str, Any]], ...] = (
        ("update", {**key, "deadline": "2026-04-01T10:00:00", "title": "Mine", "description": "x"}),
        ("updateDeadline", {**key, "value": "2026-04-01T10:00:00"}),
        ("updateDescription", {**key, "value": "x"}),
        ("updateColor", {**key, "colorId": "2"}),
        ("updateResponsibleUser", {**key, "responsibleId": seller.hook.user.id}),
    )
    for name, params in calls:
        assert seller.error(f"crm.activity.todo.{name}", params) == DENIED, name
    got = portal.result("crm.activity.get", {"id": todo})
    assert (got["SUBJECT"], got["DESCRIPTION"], got["RESPONSIBLE_ID"]) == (
        "Theirs",
        "Keep",
        str(portal.hook.user.id),
    )
    # The same calls on a todo of the seller's own go through.
    own = _todo(seller, (3, contact), title="Mine")
    for name, params in calls:
        assert seller.result(f"crm.activity.todo.{name}", {**params, "id": own}) == {"id": own}, name


def test_planning_a_child_needs_rights_to_complete_the_parent(portal: PortalClient) -> None:
    """A child todo completes its parent and lands on the parent's items: both are changes the seller must
    be allowed to make."""
    seller = portal.restricted("2:read=all,add=own,edit=own", "3:read=all")
    mine = _item(seller, "deal")
    others = _item(portal, "deal")
    parent = _todo(portal, (2, others), title="Their parent")
    assert seller.result("crm.activity.get", {"id": parent})["COMPLETED"] == "N"  # readable, not editable

    assert (
        seller.error(
            "crm.activity.todo.add",
            {"ownerTypeId": 2, "ownerId": mine, "deadline": "2026-03-01", "parentActivityId": parent},
        )
        == DENIED
    )
    own = _todo(seller, (2, mine))
    update = {
        "ownerTypeId": 2,
        "ownerId": mine,
        "id": own,
        "deadline": "2026-03-02",
        "parentActivityId": parent,
    }
    assert seller.error("crm.activity.todo.update", update) == DENIED
    assert portal.result("crm.activity.get", {"id": parent})["COMPLETED"] == "N"
    # No child was made: the seller's deal holds only the todo they planned themselves.
    listed = seller.result(
        "crm.activity.list", {"filter": {"OWNER_TYPE_ID": 2, "OWNER_ID": mine}, "select": ["ID"]}
    )
    assert listed == [{"ID": str(own)}]

    # A parent of the seller's deal also bound to a contact they may only read: the child would land there.
    contact = _item(portal, "contact")
    shared = _todo(portal, (2, mine), title="Shared parent")
    portal.result("crm.activity.binding.add", {"activityId": shared, "entityTypeId": 3, "entityId": contact})
    assert (
        seller.error(
            "crm.activity.todo.add",
            {"ownerTypeId": 2, "ownerId": mine, "deadline": "2026-03-01", "parentActivityId": shared},
        )
        == DENIED
    )
    assert portal.result("crm.activity.get", {"id": shared})["COMPLETED"] == "N"
    # Without the contact the parent is the seller's to complete.
    portal.result(
        "crm.activity.binding.delete", {"activityId": shared, "entityTypeId": 3, "entityId": contact}
    )
    child = _todo(seller, (2, mine), parentActivityId=shared)
    assert portal.result("crm.activity.get", {"id": shared})["COMPLETED"] == "Y"
    assert _bindings(portal, child) == [(2, mine)]


def test_an_apps_activity_is_completed_by_that_app_alone(app_portal: PortalClient) -> None:
    """Planning a follow-up to a REST_APP activity completes it: a change only its application may make
    (README), refused as crm.activity.update refuses it."""
    app = install(app_portal, "http://app.test/install")
    other = install(app_portal, "http://app.test/other")
    deal = _item(app_portal, "deal")
    fields = {"OWNER_TYPE_ID": 2, "OWNER_ID": deal, "TYPE_ID": 6, "PROVIDER_ID": "REST_APP", "SUBJECT": "App"}
    parent = int(app.api.result("crm.activity.add", {"fields": fields}))
    child = {"ownerTypeId": 2, "ownerId": deal, "deadline": "2026-03-01", "parentActivityId": parent}
    assert app_portal.error("crm.activity.todo.add", child) == (
        403,
        {"error": "ACCESS_DENIED", "error_description": "Access denied! Application context required"},
    )
    assert other.api.error("crm.activity.todo.add", child) == (
        400,
        {"error": "", "error_description": "Access denied."},
    )
    assert app_portal.result("crm.activity.get", {"id": parent})["COMPLETED"] == "N"
    made = app.api.result("crm.activity.todo.add", child)["id"]
    assert app_portal.result("crm.activity.get", {"id": parent})["COMPLETED"] == "Y"
    assert app_portal.result("crm.activity.get", {"id": made})["ASSOCIATED_ENTITY_ID"] == str(parent)


def test_a_bindings_filter_by_a_user_who_reads_one_type_at_all(portal: PortalClient) -> None:
    """The readable condition's subqueries correlate to the activity only, not to the list's own join of
    the bindings (it gave an SQL error, a 500)."""
    activity = portal.add_call("Visible")
    deal = portal.result("crm.activity.get", {"id": activity})["OWNER_ID"]
    reader = portal.restricted("2:read=all", "3:read=own")
    found = reader.result(
        "crm.activity.list", {"filter": {"BINDINGS": [{"OWNER_TYPE_ID": 2, "OWNER_ID": deal}]}}
    )
    assert [a["ID"] for a in found] == [str(activity)]
