"""The CRM items a timeline record is bound to: their type names as the timeline methods write them
(``CCrmOwnerType::ResolveID`` / ``ResolveName``, lower-cased in answers) and the caller's rights on them
(a record is as readable and as changeable as the items it is bound to)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm import entity_types as et
from b24crm.crm.activity import access
from b24crm.crm.activity.owners import type_name
from b24crm.crm.permissions import Grants
from b24crm.store import crm_items

Binding = tuple[int, int]

OWNER_NOT_FOUND = errors.D7.OWNER_NOT_FOUND
ACCESS_DENIED = errors.D7.ACCESS_DENIED
# ``ErrorCode::getNotFoundError`` (the crm module's CRM_TYPE_ITEM_NOT_FOUND text).
NOT_FOUND = errors.ErrorSpec("NOT_FOUND", "Item was not found.")
# Types ResolveID knows besides the CRM item types (no items of them exist here).
_OTHER_TYPES = {"ORDER": 14}


def resolve_type(name: Any) -> int:
    """``CCrmOwnerType::ResolveID``: a type's name (any case: ``deal``, ``DYNAMIC_1046``) or its number;
    0 when it names none."""
    if isinstance(name, bool) or name is None or isinstance(name, (dict, list)):
        return 0
    text = str(name).strip().upper()
    if text.isascii() and text.isdigit():  # isdigit alone takes "²", which int() refuses
        return int(text) if len(text) < 10 else 0
    for t in et.FIXED_OWNER_TYPES:
        if t.symbol == text:
            return t.id
    if text.startswith("DYNAMIC_") and text[8:].isascii() and text[8:].isdigit() and len(text) < 20:
        number = int(text[8:])
        return number if et.is_dynamic_range(number) else 0
    return _OTHER_TYPES.get(text, 0)


def answer_type(entity_type_id: int) -> str:
    """The ``ENTITY_TYPE`` of an answer: ``deal``, ``dynamic_1046``."""
    return type_name(entity_type_id).lower()


def existing_owner(conn: Connection, ctx: Caller, owner: Binding) -> Binding:
    """``assertValidOwner``'s first half: a positive ID of a type the portal has; unlike the vendor (which
    lets an administrator comment on an item that does not exist), the item must exist too."""
    entity_type_id, entity_id = owner
    if (
        entity_id <= 0
        or not access.owner_type_known(conn, ctx.portal.id, entity_type_id)
        or crm_items.get_item(conn, ctx.portal.id, entity_type_id, entity_id) is None
    ):
        raise OWNER_NOT_FOUND()
    return owner


def may_on_portal(conn: Connection, portal_id: int, grants: Grants, owner: Binding, action: str) -> bool:
    """The grants allow ``read`` or ``edit`` on the item (an item that is gone: neither)."""
    if crm_items.get_item(conn, portal_id, *owner) is None:
        return False
    return access.may_item(conn, portal_id, grants, owner, action)


def may(conn: Connection, ctx: Caller, grants: Grants, owner: Binding, action: str) -> bool:
    return may_on_portal(conn, ctx.portal.id, grants, owner, action)


def first_allowed(
    conn: Connection, ctx: Caller, grants: Grants, bindings: Sequence[Binding], action: str
) -> Binding | None:
    """The first binding the caller may ``action``; None when there is none."""
    for owner in bindings:
        if may(conn, ctx, grants, owner, action):
            return owner
    return None
