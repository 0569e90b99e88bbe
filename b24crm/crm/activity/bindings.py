"""crm.activity.binding.*: the CRM items an activity belongs to (``Crm\\Controller\\Activity\\Binding``;
reference: core.md §4), in the vendor's order of checks, with one check before them that the vendor does
not make: the activity itself must be the caller's to read (list) or to change (add, delete, move), as
crm.activity.get and crm.activity.update require (``todo.require_readable`` / ``require_changeable``).

Every change stores the whole binding list again and recomputes the owner as the vendor's Update does (one
binding: that one; several: the last that is not a contact or company, else the first), and emits
onCrmActivityUpdate. More than 100 bindings are trimmed silently, keeping the highest owner IDs, as the
vendor's ``DoSaveBindings`` does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm.activity import access, answers
from b24crm.crm.activity.owners import set_bindings
from b24crm.crm.activity.todo import (
    ACCESS_DENIED,
    NOT_FOUND,
    OWNER_NOT_FOUND,
    require_changeable,
    require_readable,
)
from b24crm.crm.permissions import Grants, grants_for
from b24crm.events import catalogue as event_names
from b24crm.events import outbox
from b24crm.store import crm_activities, crm_items
from b24crm.store.crm_activities import Binding

MAX_BINDINGS = 100  # the vendor's crm.max_bindings_count default

ALREADY_BOUND = errors.ErrorSpec("ACTIVITY_IS_ALREADY_BOUND", "Activity is already linked to this entity")
BINDING_NOT_FOUND = errors.ErrorSpec("BINDING_NOT_FOUND", "Activity is not linked to this entity")
LAST_BINDING = errors.ErrorSpec(
    "LAST_BINDING_CANNOT_BE_DELETED", "Cannot delete the only one activity-to-entity link."
)
SAME_ID = errors.ErrorSpec(
    "SOURCE_AND_TARGET_ENTITY_ID_ARE_EQUAL_ERROR", "Source and target entity ID cannot be equal"
)
TYPES_DIFFER = errors.ErrorSpec(
    "SOURCE_AND_TARGET_ENTITY_TYPES_ARE_NOT_EQUAL_ERROR", "Source and target entity types are not equal"
)


def _activity(
    conn: Connection, ctx: Caller, grants: Grants, activity_id: int, *, changing: bool
) -> list[Binding]:
    """The activity's bindings. It must exist and, unlike the vendor's controller (which finds it without
    permission checks), be the caller's to read, and to change when ``changing``: a binding decides who
    sees the activity, so adding one is changing it."""
    row = crm_activities.get_activity(conn, ctx.portal.id, activity_id) if activity_id > 0 else None
    if row is None:
        raise NOT_FOUND()
    bindings = crm_activities.bindings_of(conn, ctx.portal.id, [activity_id])[activity_id]
    if changing:
        require_changeable(conn, ctx, grants, row, bindings)
    else:
        require_readable(conn, ctx, grants, row, bindings)
    return bindings


def _updatable(conn: Connection, ctx: Caller, grants: Grants, entity: Binding) -> None:
    entity_type_id, entity_id = entity
    if (
        entity_id <= 0
        or not access.owner_type_known(conn, ctx.portal.id, entity_type_id)
        or crm_items.get_item(conn, ctx.portal.id, entity_type_id, entity_id) is None
    ):
        raise OWNER_NOT_FOUND()
    if not access.may_item(conn, ctx.portal.id, grants, entity, "edit"):
        raise ACCESS_DENIED()


def _store(conn: Connection, ctx: Caller, activity_id: int, bindings: list[Binding]) -> bool:
    if len(bindings) > MAX_BINDINGS:
        keep = set(sorted(bindings, key=lambda b: b[1], reverse=True)[:MAX_BINDINGS])
        bindings = [b for b in bindings if b in keep]
    now = ctx.clock.now()
    set_bindings(conn, ctx.portal.id, activity_id, bindings)
    crm_activities.update_activity(
        conn, ctx.portal.id, activity_id, {"last_updated": now, "editor_id": ctx.user.id}
    )
    outbox.emit_entity(conn, ctx.portal.id, event_names.ACTIVITY_UPDATE, activity_id, now, ctx.origin)
    answers.keep(conn, ctx.portal, activity_id)
    return True


def add(ctx: Caller, activity_id: int, entity: Binding) -> bool:
    with ctx.db.write() as conn:
        grants = grants_for(conn, ctx.portal.id, ctx.user)
        bindings = _activity(conn, ctx, grants, activity_id, changing=True)
        _updatable(conn, ctx, grants, entity)
        if entity in bindings:
            raise ALREADY_BOUND()
        return _store(conn, ctx, activity_id, [*bindings, entity])


def delete(ctx: Caller, activity_id: int, entity: Binding) -> bool:
    with ctx.db.write() as conn:
        grants = grants_for(conn, ctx.portal.id, ctx.user)
        bindings = _activity(conn, ctx, grants, activity_id, changing=True)
        _updatable(conn, ctx, grants, entity)
        if entity not in bindings:
            raise BINDING_NOT_FOUND()
        if len(bindings) == 1:
            raise LAST_BINDING()
        return _store(conn, ctx, activity_id, [b for b in bindings if b != entity])


def move(ctx: Caller, activity_id: int, source: Binding, target: Binding) -> bool:
    with ctx.db.write() as conn:
        grants = grants_for(conn, ctx.portal.id, ctx.user)
        bindings = _activity(conn, ctx, grants, activity_id, changing=True)
        _updatable(conn, ctx, grants, source)
        _updatable(conn, ctx, grants, target)
        # The vendor compares the IDs first, even when the types differ.
        if source[1] == target[1]:
            raise SAME_ID()
        if source[0] != target[0]:
            raise TYPES_DIFFER()
        if target in bindings:
            raise ALREADY_BOUND()
        if source not in bindings:
            raise BINDING_NOT_FOUND()
        return _store(conn, ctx, activity_id, [target if b == source else b for b in bindings])


def list_(ctx: Caller, activity_id: int) -> list[dict[str, Any]]:
    with ctx.db.read() as conn:
        grants = grants_for(conn, ctx.portal.id, ctx.user)
        bindings = _activity(conn, ctx, grants, activity_id, changing=False)
        return [
            {"entityTypeId": t, "entityId": i}
            for t, i in bindings
            if access.may_item(conn, ctx.portal.id, grants, (t, i), "read")
        ]
