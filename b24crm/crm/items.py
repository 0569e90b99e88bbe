"""CRM items: the rules behind crm.item.* (and, through UPPER_CASE names, the classic crm.deal.* family).

Docs: api-reference/crm/universal/crm-item-*.md. Every operation resolves the type (a fixed type or one of
the portal's smart processes), checks the caller's CRM permissions, and works through the field catalogue.
What other CRM parts do when an item goes (activities re-own or go with it) is in ``reactions.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm import entity_types as et
from b24crm.crm import reactions
from b24crm.crm.fields import CONTACT_FLAGS, ID_TYPES, ItemField, catalogue, upper_name
from b24crm.crm.permissions import Grants, grants_for
from b24crm.crm.values import InvalidValue, out_converter, parse_datetime, to_bool, value_in
from b24crm.events import catalogue as event_names
from b24crm.events import outbox
from b24crm.results import Page, make_page, page_window
from b24crm.store import crm_items, crm_types
from b24crm.store.filters import Field, condition, split_key, to_finite, to_int
from b24crm.store.tables import crm_items as items_table

NOT_FOUND_TYPE = errors.ErrorSpec("NOT_FOUND", "SPA not found")
NOT_FOUND_ITEM = errors.ErrorSpec("NOT_FOUND", "Item not found")
ACCESS_DENIED = errors.D7.ACCESS_DENIED
ACCESS_DENIED_READ = errors.ErrorSpec("ACCESS_DENIED", "You do not have permission to view this item")
INVALID_FILTER_FIELD = "Invalid filter: field '{}' is not allowed in filter"
INVALID_FILTER_VALUE = "Invalid filter: field '{}' has invalid value"
INVALID_ORDER_FIELD = "Invalid order: field '{}' is not allowed in order"
INVALID_ORDER_DIRECTION = "Invalid order: allowed sort directions are ASC, DESC. But got '{}' for field '{}'"

# Called inside the deleting transaction with (connection, ctx, entity_type_id, item_id).

MULTIFIELD_TYPES = ("PHONE", "EMAIL", "WEB", "IM", "LINK")


@dataclass(frozen=True)
class ItemType:
    entity_type_id: int
    title: str
    dynamic: bool

    @property
    def fields(self) -> dict[str, ItemField]:
        return catalogue(self.entity_type_id)


FIXED_TITLES = {t.id: t.name for t in et.FIXED_OWNER_TYPES}


def resolve_type(conn: Connection, portal_id: int, entity_type_id: Any) -> ItemType:
    try:
        type_id = to_int(entity_type_id)
    except ValueError:
        raise NOT_FOUND_TYPE() from None
    if type_id in et.ITEM_TYPES:
        return ItemType(type_id, FIXED_TITLES[type_id], False)
    row = crm_types.type_by_entity_type(conn, portal_id, type_id) if et.is_dynamic_range(type_id) else None
    if row is None:
        raise NOT_FOUND_TYPE()
    return ItemType(type_id, row["title"], True)


# --- storage mapping ------------------------------------------------------------------------------------


def column_expression(f: ItemField) -> Any:
    """The SQL expression of a field: its column, or its key in ``data`` read as the field's type."""
    if f.column:
        return items_table.c[f.column]
    element = items_table.c.data[f.name]
    if f.type in ID_TYPES:
        return element.as_integer()
    if f.type in ("double", "date", "datetime"):
        return element.as_float()
    if f.type == "boolean":
        return element.as_boolean()
    return element.as_string()


def _split(item_type: ItemType, stored: dict[str, Any]) -> dict[str, Any]:
    """Stored values -> the ``crm_items`` row values (columns, and ``data`` for the rest)."""
    row: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for name, value in stored.items():
        f = item_type.fields.get(name)
        if f is None or name in ("id", "fm"):
            continue
        if f.column:
            row[f.column] = value
        else:
            data[name] = value
    row["data"] = data
    return row


def _stored(item_type: ItemType, row: dict[str, Any]) -> dict[str, Any]:
    """A ``crm_items`` row -> stored values by field name."""
    data = row["data"] or {}
    stored: dict[str, Any] = {}
    for f in item_type.fields.values():
        stored[f.name] = row[f.column] if f.column else data.get(f.name)
    return stored


# One step of rendering a row: (name on the wire, column or None for ``data``, field name in ``data``,
# converter, value when empty). Both the item API and the classic API render through these.
RenderStep = tuple[str, str | None, str, Callable[[Any, Any], Any], Any]


def render_fields(
    steps: tuple[RenderStep, ...], row: dict[str, Any], tz: Any, select: set[str] | None, always: str
) -> dict[str, Any]:
    """A ``crm_items`` row through ``steps`` (the hot loop of every list: one pass, no lookups)."""
    data = row["data"] or {}
    out: dict[str, Any] = {}
    for name, column, key, convert, empty in steps:
        if select is not None and name not in select and name != always:
            continue
        value = row[column] if column else data.get(key)
        out[name] = empty if value is None else convert(value, tz)
    return out


@cache
def _steps(entity_type_id: int) -> tuple[RenderStep, ...]:
    return tuple(
        (f.name, f.column, f.name, out_converter(f), [] if f.multiple else None)
        for f in catalogue(entity_type_id).values()
        if f.name != "fm" and not f.classic_only
    )


def render_row(
    item_type: ItemType,
    row: dict[str, Any],
    ctx: Caller,
    fm: list[dict[str, Any]] | None,
    select: set[str] | None = None,
) -> dict[str, Any]:
    """A ``crm_items`` row as crm.item.* shows it."""
    # With a select, only the selected keys come back (the vendor adds not even id).
    out = render_fields(_steps(item_type.entity_type_id), row, ctx.portal.tz, select, "")
    if "fm" in item_type.fields and (select is None or "fm" in select):
        out["fm"] = fm or []
    return out


# --- rules ----------------------------------------------------------------------------------------------


def _defaults(item_type: ItemType, stored: dict[str, Any], ctx: Caller, now: float) -> None:
    user_id = ctx.user.id
    stored.setdefault("assignedById", user_id)
    if stored.get("assignedById") is None:
        stored["assignedById"] = user_id
    stored.update(createdBy=user_id, updatedBy=user_id, createdTime=now, updatedTime=now)
    if stored.get("opened") is None:
        # The vendor's factories open the five classic types to everyone, not invoices or smart processes.
        stored["opened"] = not (item_type.dynamic or item_type.entity_type_id == et.SMART_INVOICE)
    fields = item_type.fields
    if "stageId" in fields:
        category = stored.get("categoryId") or 0
        if "categoryId" in fields:
            stored["categoryId"] = category
        if not stored.get("stageId"):
            stored["stageId"] = _first_stage(item_type, category)
        if "stageSemanticId" in fields:
            stored["stageSemanticId"] = "P"
        if "movedBy" in fields:
            stored.update(movedBy=user_id, movedTime=now)
    if "currencyId" in fields and not stored.get("currencyId"):
        stored["currencyId"] = "USD"
    if "opportunity" in fields and stored.get("opportunity") is None:
        stored["opportunity"] = 0.0
    for flag in ("isManualOpportunity", "closed", "isRecurring", "isReturnCustomer", "isRepeatedApproach"):
        if flag in fields and stored.get(flag) is None:
            stored[flag] = False
    if "isNew" in fields:
        stored["isNew"] = True
    if item_type.entity_type_id == et.DEAL:
        # The vendor's deal defaults: first deal type, begin today, close in a week, no tax.
        if not stored.get("typeId"):
            stored["typeId"] = "SALE"
        today = _start_of_day(now, ctx.portal.tz)
        if stored.get("begindate") is None:
            stored["begindate"] = today
        if stored.get("closedate") is None:
            stored["closedate"] = today + 7 * 86400
        if stored.get("taxValue") is None:
            stored["taxValue"] = 0.0


def _start_of_day(now: float, tz: Any) -> float:
    moment = datetime.fromtimestamp(now, tz)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def _first_stage(item_type: ItemType, category: int) -> str:
    if item_type.entity_type_id == et.DEAL:
        return "NEW" if not category else f"C{category}:NEW"
    if item_type.entity_type_id == et.LEAD:
        return "NEW"
    if item_type.entity_type_id == et.QUOTE:
        return "DRAFT"
    if item_type.entity_type_id == et.SMART_INVOICE:
        return "DT31_1:N"
    return f"DT{item_type.entity_type_id}_{category or 1}:NEW"


def _accept(
    item_type: ItemType, fields_in: Any, ctx: Caller, *, creating: bool, classic: bool = False
) -> dict[str, Any]:
    """Input fields -> stored values: unknown and read-only fields are ignored, as the vendor does."""
    if not isinstance(fields_in, dict):
        fields_in = {}
    stored: dict[str, Any] = {}
    tz = ctx.portal.tz
    catalogue_ = item_type.fields
    for name, value in fields_in.items():
        f = catalogue_.get(name)
        if f is None or f.read_only or f.name in ("id", "fm") or (f.classic_only and not classic):
            continue  # unknown to this API, read-only, or a field only the classic methods know
        if f.immutable and not creating:
            continue
        stored[name] = value_in(f, value, tz)
    return stored


def _multifields_in(fields_in: Any, current_ids: frozenset[int] = frozenset()) -> list[dict[str, Any]] | None:
    """The item's new multifields from ``fm``; an entry keeps its ``id`` only if the item already has it."""
    if not isinstance(fields_in, dict) or "fm" not in fields_in:
        return None
    raw = fields_in["fm"]
    rows = raw.values() if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    accepted = []
    for entry in rows:
        if not isinstance(entry, dict):
            continue
        type_id = str(entry.get("typeId", "")).upper()
        value = str(entry.get("value", "")).strip()
        if type_id in MULTIFIELD_TYPES and value:
            row: dict[str, Any] = {
                "typeId": type_id,
                "valueType": str(entry.get("valueType") or "WORK").upper(),
                "value": value,
            }
            kept = entry.get("id")
            if isinstance(kept, int) and not isinstance(kept, bool) and kept in current_ids:
                row["id"] = kept
            accepted.append(row)
    return accepted


def _grants(conn: Connection, ctx: Caller) -> Grants:
    return grants_for(conn, ctx.portal.id, ctx.user)


def _title_default(item_type: ItemType, item_id: int) -> str | None:
    if item_type.entity_type_id == et.DEAL:
        return f"Deal #{item_id}"
    if item_type.entity_type_id == et.LEAD:
        return f"Lead #{item_id}"
    if item_type.entity_type_id in (et.QUOTE, et.SMART_INVOICE) or item_type.dynamic:
        return f"{item_type.title} #{item_id}"
    return None


def add(ctx: Caller, entity_type_id: Any, fields_in: Any, *, classic: bool = False) -> dict[str, Any]:
    now = ctx.clock.now()
    with ctx.db.write() as conn:
        item_type = resolve_type(conn, ctx.portal.id, entity_type_id)
        grants = _grants(conn, ctx)
        stored = _accept(item_type, fields_in, ctx, creating=True, classic=classic)
        _defaults(item_type, stored, ctx, now)
        if not grants.allows(item_type.entity_type_id, "add", stored.get("assignedById")):
            raise ACCESS_DENIED()
        _check_required(item_type, stored)
        fm = _multifields_in(fields_in)
        stored.update(_contact_flags(item_type, fm or []))
        item_id = crm_items.insert_item(
            conn, ctx.portal.id, item_type.entity_type_id, _split(item_type, stored)
        )
        title_field = item_type.fields.get("title")
        if title_field is not None and not stored.get("title"):
            default_title = _title_default(item_type, item_id)
            if default_title:
                stored["title"] = default_title
                crm_items.update_item(
                    conn, ctx.portal.id, item_type.entity_type_id, item_id, {"title": default_title}
                )
        if fm is not None and "fm" in item_type.fields:
            crm_items.replace_multifields(conn, ctx.portal.id, item_type.entity_type_id, item_id, fm)
        _emit(conn, ctx, item_type, "ADD", item_id, now)
        return _load(conn, ctx, item_type, item_id)


def _emit(conn: Connection, ctx: Caller, item_type: ItemType, action: str, item_id: int, now: float) -> None:
    entity_type_id = item_type.entity_type_id
    data = event_names.item_event_data(entity_type_id, item_id)
    outbox.emit(conn, ctx.portal.id, event_names.item_event(entity_type_id, action), data, now, ctx.origin)


def _contact_flags(item_type: ItemType, fm: list[dict[str, Any]]) -> dict[str, bool]:
    """hasPhone / hasEmail / hasImol of the multifields an item will have, for the types that keep them."""
    kinds = {row["typeId"] for row in fm}
    return {name: kind in kinds for name, kind in CONTACT_FLAGS.items() if name in item_type.fields}


def _check_required(item_type: ItemType, stored: dict[str, Any]) -> None:
    for f in item_type.fields.values():
        if f.required and stored.get(f.name) in (None, "", []):
            raise errors.ApiError("CRM_FIELD_ERROR_REQUIRED", f'Field "{f.title}" is required')


def _load(conn: Connection, ctx: Caller, item_type: ItemType, item_id: int) -> dict[str, Any]:
    row = crm_items.get_item(conn, ctx.portal.id, item_type.entity_type_id, item_id)
    if row is None:
        raise NOT_FOUND_ITEM()
    fm = None
    if "fm" in item_type.fields:
        fm = crm_items.multifields_of(conn, ctx.portal.id, item_type.entity_type_id, [item_id])[item_id]
    return render_row(item_type, row, ctx, fm)


def _existing(conn: Connection, ctx: Caller, item_type: ItemType, item_id: Any) -> dict[str, Any]:
    try:
        wanted = to_int(item_id)
    except ValueError:
        raise NOT_FOUND_ITEM() from None
    row = crm_items.get_item(conn, ctx.portal.id, item_type.entity_type_id, wanted)
    if row is None:
        raise NOT_FOUND_ITEM()
    return row


def get(ctx: Caller, entity_type_id: Any, item_id: Any) -> dict[str, Any]:
    with ctx.db.read() as conn:
        item_type = resolve_type(conn, ctx.portal.id, entity_type_id)
        row = _existing(conn, ctx, item_type, item_id)
        if not _grants(conn, ctx).allows(item_type.entity_type_id, "read", row["assigned_by_id"]):
            raise ACCESS_DENIED_READ()
        return _load(conn, ctx, item_type, row["id"])


def update(
    ctx: Caller, entity_type_id: Any, item_id: Any, fields_in: Any, *, classic: bool = False
) -> dict[str, Any]:
    now = ctx.clock.now()
    with ctx.db.write() as conn:
        item_type = resolve_type(conn, ctx.portal.id, entity_type_id)
        row = _existing(conn, ctx, item_type, item_id)
        grants = _grants(conn, ctx)
        if not grants.allows(item_type.entity_type_id, "edit", row["assigned_by_id"]):
            raise ACCESS_DENIED()
        stored = _stored(item_type, row)
        changes = _accept(item_type, fields_in, ctx, creating=False, classic=classic)
        current = crm_items.multifields_of(conn, ctx.portal.id, item_type.entity_type_id, [row["id"]])[
            row["id"]
        ]
        fm = _multifields_in(fields_in, frozenset(m["id"] for m in current))
        changed = {k: v for k, v in changes.items() if stored.get(k) != v}
        if fm is not None:
            flags = _contact_flags(item_type, fm)
            changed.update({k: v for k, v in flags.items() if stored.get(k) != v})
        if changed or fm is not None:
            if "stageId" in changed and "movedBy" in item_type.fields:
                changed.update(movedBy=ctx.user.id, movedTime=now)
                if "previousStageId" in item_type.fields:
                    changed["previousStageId"] = stored.get("stageId")
            stored.update(changed, updatedBy=ctx.user.id, updatedTime=now)
            _check_required(item_type, stored)
            crm_items.update_item(
                conn, ctx.portal.id, item_type.entity_type_id, row["id"], _split(item_type, stored)
            )
            if fm is not None and "fm" in item_type.fields:
                crm_items.replace_multifields(conn, ctx.portal.id, item_type.entity_type_id, row["id"], fm)
        # crm.item skips the save, and so the event, when nothing changed; the classic Update always fires.
        if changed or fm is not None or classic:
            _emit(conn, ctx, item_type, "UPDATE", row["id"], now)
        return _load(conn, ctx, item_type, row["id"])


def delete(ctx: Caller, entity_type_id: Any, item_id: Any) -> None:
    now = ctx.clock.now()
    with ctx.db.write() as conn:
        item_type = resolve_type(conn, ctx.portal.id, entity_type_id)
        row = _existing(conn, ctx, item_type, item_id)
        if not _grants(conn, ctx).allows(item_type.entity_type_id, "delete", row["assigned_by_id"]):
            raise ACCESS_DENIED()
        reactions.item_deleted(conn, ctx, item_type.entity_type_id, row["id"])
        crm_items.delete_item(conn, ctx.portal.id, item_type.entity_type_id, row["id"])
        _emit(conn, ctx, item_type, "DELETE", row["id"], now)


def describe_fields(ctx: Caller, entity_type_id: Any) -> dict[str, Any]:
    with ctx.db.read() as conn:
        item_type = resolve_type(conn, ctx.portal.id, entity_type_id)
        if not _grants(conn, ctx).may_at_all(item_type.entity_type_id, "read"):
            raise ACCESS_DENIED_READ()
    return {name: f.describe() for name, f in item_type.fields.items() if not f.classic_only}


# --- lists ----------------------------------------------------------------------------------------------


def _cast_for(f: ItemField, tz: Any) -> Callable[[Any], Any]:
    if f.type in ID_TYPES:
        return to_int
    if f.type == "double":
        return to_finite
    if f.type == "boolean":
        return lambda v: (
            to_bool(v) if str(v).strip().upper() in ("Y", "N", "1", "0", "TRUE", "FALSE") else _bad(v)
        )
    if f.type in ("date", "datetime"):
        return lambda v: parse_datetime(v, tz)
    return str


def _bad(value: Any) -> Any:
    raise InvalidValue(value)


def _as_php_array(value: Any) -> dict[str, Any]:
    """A filter arrives as a dict, or as a list when its keys were 0..n-1 (nested groups only)."""
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return value if isinstance(value, dict) else {}


def _filter_clause(
    item_type: ItemType, filter_: dict[str, Any], tz: Any, classic: bool = False
) -> sa.ColumnElement[bool]:
    """A filter with the vendor's prefixes and nested ``logic`` groups; unknown fields are an error."""
    logic = str(filter_.get("logic", "AND")).upper()
    clauses: list[sa.ColumnElement[bool]] = []
    for raw_key, value in filter_.items():
        key = str(raw_key)
        if key.lower() == "logic":
            continue
        if key.isdigit() and isinstance(value, (dict, list)):
            clauses.append(_filter_clause(item_type, _as_php_array(value), tz, classic))
            continue
        op, name = split_key(key)
        f = item_type.fields.get(name)
        if (
            f is None
            or (f.classic_only and not classic)
            or f.multiple
            or f.type in ("file", "crm_multifield")
        ):
            raise errors.INVALID_ARG_VALUE(INVALID_FILTER_FIELD.format(upper_name(str(name))))
        spec = Field(column_expression(f), _cast_for(f, tz), text=f.type in ("string", "text", "crm_status"))
        values = value if isinstance(value, list) else [value]
        try:
            for v in values:
                if v is not None and not isinstance(v, (dict, list)):
                    spec.cast(v)
        except (InvalidValue, ValueError):
            raise errors.INVALID_ARG_VALUE(INVALID_FILTER_VALUE.format(upper_name(str(name)))) from None
        if any(isinstance(v, (dict, list)) for v in values) or (value is None and op not in ("=", "!", "!=")):
            raise errors.INVALID_ARG_VALUE(INVALID_FILTER_VALUE.format(upper_name(str(name))))
        if value is None:
            column = spec.column
            clauses.append(column.is_(None) if op == "=" else column.is_not(None))
            continue
        clause = condition(spec, op, value)
        if clause is not None:
            clauses.append(clause)
    if not clauses:
        return sa.true()
    return sa.or_(*clauses) if logic == "OR" else sa.and_(*clauses)


def _order(item_type: ItemType, order: Any, classic: bool = False) -> list[Any]:
    if not isinstance(order, dict) or not order:
        return [items_table.c.id.asc()]
    ordering = []
    for name, direction in order.items():
        f = item_type.fields.get(str(name))
        if (
            f is None
            or (f.classic_only and not classic)
            or f.multiple
            or f.type in ("file", "crm_multifield")
        ):
            raise errors.INVALID_ARG_VALUE(INVALID_ORDER_FIELD.format(upper_name(str(name))))
        text = str(direction).upper()
        if text not in ("ASC", "DESC"):
            raise errors.INVALID_ARG_VALUE(INVALID_ORDER_DIRECTION.format(direction, upper_name(str(name))))
        column = column_expression(f)
        ordering.append(column.asc() if text == "ASC" else column.desc())
    if not any(str(n) == "id" for n in order):
        ordering.append(items_table.c.id.asc())  # a stable page order
    return ordering


def _selection(item_type: ItemType, select: Any) -> set[str] | None:
    if select in (None, "", [], {}):
        return None
    names = (
        list(select.values())
        if isinstance(select, dict)
        else select
        if isinstance(select, list)
        else [select]
    )
    names = [str(n) for n in names]
    if "*" in names:
        return None
    return {n for n in names if n in item_type.fields and n != "fm" and not item_type.fields[n].classic_only}


@dataclass(frozen=True)
class ListPlan:
    item_type: ItemType
    where: list[sa.ColumnElement[bool]]
    statement: sa.Select[Any]
    offset: int
    count: bool


def plan_list(
    conn: Connection,
    ctx: Caller,
    entity_type_id: Any,
    *,
    filter_: Any,
    order: Any,
    start: Any,
    classic: bool = False,
) -> ListPlan:
    """The query behind a crm.item.list page (also what the index tests explain)."""
    item_type = resolve_type(conn, ctx.portal.id, entity_type_id)
    grants = _grants(conn, ctx)
    if not grants.may_at_all(item_type.entity_type_id, "read"):
        raise ACCESS_DENIED_READ()
    conditions = _as_php_array(filter_)
    where = [_filter_clause(item_type, conditions, ctx.portal.tz, classic)] if conditions else []
    readable = grants.read_condition(item_type.entity_type_id, items_table.c.assigned_by_id)
    if readable is not None:
        where.append(readable)
    offset, count = page_window(start)
    statement = crm_items.list_statement(
        ctx.portal.id,
        item_type.entity_type_id,
        where=where,
        order=_order(item_type, order, classic),
        offset=offset,
        limit=50,
    )
    return ListPlan(item_type, where, statement, offset, count)


def list_items(
    ctx: Caller, entity_type_id: Any, *, select: Any, filter_: Any, order: Any, start: Any
) -> Page:
    with ctx.db.read() as conn:
        plan = plan_list(conn, ctx, entity_type_id, filter_=filter_, order=order, start=start)
        item_type = plan.item_type
        selection = _selection(item_type, select)
        rows = crm_items.list_items(conn, plan.statement)
        total = (
            crm_items.count_items(conn, ctx.portal.id, item_type.entity_type_id, where=plan.where)
            if plan.count
            else None
        )
        fms: dict[int, list[dict[str, Any]]] = {}
        if "fm" in item_type.fields and selection is None:
            fms = crm_items.multifields_of(
                conn, ctx.portal.id, item_type.entity_type_id, [r["id"] for r in rows]
            )
    items = [render_row(item_type, r, ctx, fms.get(r["id"]), selection) for r in rows]
    return make_page({"items": items}, plan.offset, total, len(items))
