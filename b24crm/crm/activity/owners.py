"""The CRM items an activity belongs to: its bindings, the owner they make, and the checks an item must
pass to be bound (``CCrmActivity::Add``/``Update``, ``appendOwnerFromBindings``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm import entity_types as et
from b24crm.crm.activity import access
from b24crm.crm.fields import catalogue
from b24crm.crm.permissions import Grants
from b24crm.store import crm_activities, crm_items
from b24crm.store.crm_activities import Binding

CONTACT_OR_COMPANY = (et.CONTACT, et.COMPANY)
OWNER_TYPE_UNSUPPORTED = errors.ErrorSpec("", "Entity type '{name}' is not supported in current context")
OWNER_MISSING = errors.ErrorSpec("", "Could not find '{name}' with ID: {owner_id}")


def type_name(entity_type_id: int) -> str:
    """``CCrmOwnerType::ResolveName``: ``DEAL``, ``DYNAMIC_128``, or ``[id]`` for a type it does not know."""
    for t in et.FIXED_OWNER_TYPES:
        if t.id == entity_type_id:
            return t.symbol
    if et.is_dynamic_range(entity_type_id):
        return f"DYNAMIC_{entity_type_id}"
    return f"[{entity_type_id}]"


class Items:
    """The CRM items one operation looks at, each read once."""

    def __init__(self, conn: Connection, portal_id: int) -> None:
        self.conn = conn
        self.portal_id = portal_id
        self._rows: dict[Binding, dict[str, Any] | None] = {}

    def get(self, binding: Binding) -> dict[str, Any] | None:
        if binding not in self._rows:
            self._rows[binding] = crm_items.get_item(self.conn, self.portal_id, *binding)
        return self._rows[binding]


def check_bindings(
    conn: Connection, ctx: Caller, grants: Grants, bindings: list[Binding], found: Items
) -> None:
    """Every item to bind is of a known type, exists and is the caller's to edit."""
    portal_id = ctx.portal.id
    for owner_type_id, owner_id in bindings:
        name = type_name(owner_type_id)
        if not access.owner_type_known(conn, portal_id, owner_type_id):
            raise OWNER_TYPE_UNSUPPORTED.format(name=name)
        if found.get((owner_type_id, owner_id)) is None:
            raise OWNER_MISSING.format(name=name, owner_id=owner_id)
        if not access.may_item(conn, portal_id, grants, (owner_type_id, owner_id), "edit"):
            raise access.ACCESS_DENIED()


def owner_from(bindings: list[Binding]) -> Binding:
    """``appendOwnerFromBindings``: the last binding that is not a contact or company, else the first."""
    for binding in reversed(bindings):
        if binding[0] not in CONTACT_OR_COMPANY:
            return binding
    return bindings[0] if bindings else (0, 0)


def set_bindings(conn: Connection, portal_id: int, activity_id: int, bindings: list[Binding]) -> None:
    """Store new bindings and recompute the owner as the vendor's Update does."""
    crm_activities.replace_bindings(conn, portal_id, activity_id, bindings)
    owner = bindings[0] if len(bindings) == 1 else owner_from(bindings)
    crm_activities.update_activity(
        conn, portal_id, activity_id, {"owner_type_id": owner[0], "owner_id": owner[1]}
    )


def mark_last_activity(conn: Connection, ctx: Caller, bindings: list[Binding], now: float) -> None:
    """A new activity is the last activity of every item it is bound to (``LAST_ACTIVITY_TIME`` /
    ``LAST_ACTIVITY_BY``, crm.item ``lastActivityTime`` / ``lastActivityBy``), its author the caller: the
    vendor's timeline monitor moves them on each activity added; a change to an activity does not."""
    for entity_type_id, item_id in dict.fromkeys(bindings):
        if "lastActivityTime" in catalogue(entity_type_id):
            crm_items.stamp_last_activity(conn, ctx.portal.id, entity_type_id, item_id, now, ctx.user.id)
