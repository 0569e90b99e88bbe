"""An activity's own rights at every door that reads or changes it, not only crm.activity.get/update/delete:
the binding methods and the todo methods must not let a user reach an activity through an item of theirs.
"""

from __future__ import annotations

import base64
from typing import Any

from b24crm.crm.permissions import create_role, parse_grant
from b24crm.store import crm_roles
from tests.client import PortalClient

NOT_FOUND = (400, {"error": "NOT_FOUND", "error_description": "Item was not found."})
DENIED = (400, {"error": "ACCESS_DENIED", "error_description": "Access denied"})
LEGACY_NOT_FOUND = (400, {"error": "", "error_description": "Activity is not found."})


def _restricted(portal: PortalClient, *grants: str) -> PortalClient:
    """A webhook of a new non-admin user holding one role made of ``grants``."""
    portal_id = portal.hook.portal.id
    user = portal.runtime.tenancy.create_user(portal_id, name="Seller")
    with portal.runtime.db.write() as conn:
        role = create_role(conn, portal_id, name="Seller", permissions=dict(parse_grant(g) for g in grants))
        crm_roles.assign(conn, portal_id, user.id, role)
    return portal.with_webhook(user.id, ("crm",))


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
    seller = _restricted(portal, "2:*=own", "3:*=own")
    mine = _item(seller, "deal")
    others = _item(portal, "deal")
    files = [{"fileData": ["notes.txt", base64.b64encode(b"secret").decode()]}]
    fields = {
        "OWNER_TYPE_ID": 2,
        "OWNER_ID": others,
        "TYPE_ID": 2,
        "SUBJECT": "Private call",
        "COMMUNICATIONS": [{"VALUE": "+15550100"}],
        "FILES": files,
    }
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
