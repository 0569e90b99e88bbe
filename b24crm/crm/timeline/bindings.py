"""crm.timeline.bindings.bind / unbind / list / fields: the CRM items a timeline record (a comment or a
log message) is bound to, through the older proxy (``CCrmTimelineBindingRestProxy``: empty-code errors).

The proxy's own checks come first, in its order: ``OWNER_ID`` (the record), ``ENTITY_ID``, ``ENTITY_TYPE``
("… is not defined or invalid."), then the update right on the item ("Access denied."), and for unbind the
binding itself ("Not found."). The proxy never looks at the record: here the record must exist ("Not
found.") and be the caller's to read through one of its other bindings, since a binding decides who sees
it; an item that does not exist cannot be bound ("Not found."). A record unbound from its last item is
deleted (the vendor leaves it behind, unreachable). Binding twice answers ``true``.
list answers the record's bindings (``OWNER_ID`` required), for a record the caller may read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm.activity import access
from b24crm.crm.activity.access import crm_grants
from b24crm.crm.fields import description
from b24crm.crm.permissions import Grants
from b24crm.crm.timeline.comments import after_commit
from b24crm.crm.timeline.owners import answer_type, first_allowed, resolve_type
from b24crm.php.values import php_int
from b24crm.results import Page
from b24crm.store import crm_items
from b24crm.store import timeline as store

RECORD_INVALID = errors.ErrorSpec("", "OWNER_ID is not defined or invalid.")
ENTITY_INVALID = errors.ErrorSpec("", "ENTITY_ID is not defined or invalid.")
TYPE_INVALID = errors.ErrorSpec("", "ENTITY_TYPE is not defined or invalid.")
NOT_FOUND = errors.ErrorSpec("", "Not found.")
ACCESS_DENIED = errors.Legacy.ACCESS_DENIED

FIELDS = (
    ("OWNER_ID", "integer", "Timeline record ID"),
    ("ENTITY_ID", "integer", "Element ID"),
    ("ENTITY_TYPE", "string", "Element type"),
)


def fields(ctx: Caller) -> dict[str, Any]:
    with ctx.db.read() as conn:
        crm_grants(conn, ctx)
    return {
        name: {**description(kind, required=True, immutable=True), "title": title}
        for name, kind, title in FIELDS
    }


def _positive(value: Any, error: errors.ErrorSpec) -> int:
    number = 0 if value is None or isinstance(value, (dict, list)) else php_int(value)
    if not 0 < number < 2**31:
        raise error()
    return number


def _arguments(given: Any) -> tuple[int, tuple[int, int]]:
    values = given if isinstance(given, dict) else {}
    record_id = _positive(values.get("OWNER_ID"), RECORD_INVALID)
    entity_id = _positive(values.get("ENTITY_ID"), ENTITY_INVALID)
    entity_type_id = resolve_type(values.get("ENTITY_TYPE")) if values.get("ENTITY_TYPE") is not None else 0
    if entity_type_id == 0:
        raise TYPE_INVALID()
    return record_id, (entity_type_id, entity_id)


def _readable_record(conn: Connection, ctx: Caller, grants: Grants, record_id: int) -> list[tuple[int, int]]:
    row = store.get_record(conn, ctx.portal.id, record_id)
    bindings = store.bindings_of(conn, ctx.portal.id, record_id) if row is not None else []
    if not bindings or first_allowed(conn, ctx, grants, bindings, "read") is None:
        raise NOT_FOUND()
    return bindings


def _editable_item(conn: Connection, ctx: Caller, grants: Grants, owner: tuple[int, int]) -> None:
    if not access.may_item(conn, ctx.portal.id, grants, owner, "edit"):
        raise ACCESS_DENIED()


def bind(ctx: Caller, given: Any) -> bool:
    record_id, owner = _arguments(given)
    with ctx.db.write() as conn:
        grants = crm_grants(conn, ctx)
        if not access.owner_type_known(conn, ctx.portal.id, owner[0]):
            raise TYPE_INVALID()
        _editable_item(conn, ctx, grants, owner)
        _readable_record(conn, ctx, grants, record_id)
        if crm_items.get_item(conn, ctx.portal.id, *owner) is None:
            raise NOT_FOUND()
        store.add_binding(conn, ctx.portal.id, record_id, owner)
    return True


def unbind(ctx: Caller, given: Any) -> bool:
    record_id, owner = _arguments(given)
    with ctx.db.write() as conn:
        grants = crm_grants(conn, ctx)
        _editable_item(conn, ctx, grants, owner)
        bindings = _readable_record(conn, ctx, grants, record_id)
        if owner not in bindings:
            raise NOT_FOUND()
        if len(bindings) == 1:
            # Unbound from everything, the record could never be reached again: it goes (no event, as the
            # vendor's unbind fires none).
            gone = store.delete_record(conn, ctx.portal.id, record_id)
            after_commit(conn, ctx, [ctx.files.path_of(r) for r in gone])
        else:
            store.remove_binding(conn, ctx.portal.id, record_id, owner)
    return True


def list_(ctx: Caller, filter_: Any) -> Page:
    values = filter_ if isinstance(filter_, dict) else {}
    record_id = _positive(values.get("OWNER_ID"), RECORD_INVALID)
    with ctx.db.read() as conn:
        grants = crm_grants(conn, ctx)
        bindings = _readable_record(conn, ctx, grants, record_id)
    items = [
        {"OWNER_ID": str(record_id), "ENTITY_ID": str(entity_id), "ENTITY_TYPE": answer_type(entity_type_id)}
        for entity_type_id, entity_id in bindings
    ]
    return Page(items, total=len(items))
