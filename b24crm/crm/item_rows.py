"""A CRM item type and its rows: the stored form of an item's values and the form both APIs render.

Shared by crm.item.* (``items.py``), its lists (``item_filters.py``) and the classic crm.deal.* & co.
(``classic.py``); the errors every item operation answers are declared here once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy.engine import Connection

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm import entity_types as et
from b24crm.crm import item_files
from b24crm.crm.fields import ID_TYPES, ItemField, catalogue
from b24crm.crm.values import out_converter
from b24crm.store import crm_types
from b24crm.store.filters import to_int
from b24crm.store.item_lists import Stored

NOT_FOUND_TYPE = errors.ErrorSpec("NOT_FOUND", "SPA not found")
NOT_FOUND_ITEM = errors.ErrorSpec("NOT_FOUND", "Item not found")
ACCESS_DENIED = errors.D7.ACCESS_DENIED
ACCESS_DENIED_READ = errors.ErrorSpec("ACCESS_DENIED", "You do not have permission to view this item")
# What the classic methods answer as their own "Access denied." and "Not found".
DENIED = (ACCESS_DENIED, ACCESS_DENIED_READ)

# Fields the vendor's item classes disable (Item::$disabledFieldNames): kept in every answer, always
# null, never written (the docs' object-fields page marks them "Field is disabled").
_SHORT = ("dateCreateShort", "dateModifyShort")
DISABLED: dict[int, tuple[str, ...]] = {
    et.LEAD: (*_SHORT, "isConvert", "productId", "shortName", "address", "login"),
    et.DEAL: (
        *_SHORT,
        "productId",
        "begindateShort",
        "closedateShort",
        "eventDateShort",
        "isWork",
        "isWon",
        "isLose",
        "receivedAmount",
        "lostAmount",
        "hasProducts",
    ),
    et.CONTACT: ("shortName", "address", "login"),
    et.COMPANY: ("address",),
    et.QUOTE: (*_SHORT, "begindateShort", "closedateShort", "hasProducts"),
}
MISSING = (NOT_FOUND_TYPE, NOT_FOUND_ITEM)


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


def stored_as(f: ItemField) -> Stored:
    """Where a field is kept: its column, or its key in ``data`` read as the field's type."""
    if f.column:
        return Stored(f.column, f.name)
    if f.type in ID_TYPES:
        return Stored(None, f.name, "int")
    if f.type in ("double", "date", "datetime"):
        return Stored(None, f.name, "float")
    if f.type == "boolean":
        return Stored(None, f.name, "bool")
    return Stored(None, f.name, "text")


def split(item_type: ItemType, stored: dict[str, Any]) -> dict[str, Any]:
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


def stored_values(item_type: ItemType, row: dict[str, Any]) -> dict[str, Any]:
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
    for name in item_files.file_fields(item_type.entity_type_id):
        item_files.show(ctx, item_type.entity_type_id, row["id"], out, name, classic=False)
    if "fm" in item_type.fields and (select is None or "fm" in select):
        out["fm"] = fm or []
    for name in DISABLED.get(item_type.entity_type_id, ()):
        if select is None or name in select:
            out[name] = None
    # The vendor's item converter appends the type to every answer (Converter\Item::toJson).
    if select is None:  # a select answers what it names only (crm-item-list.md's example)
        out["entityTypeId"] = item_type.entity_type_id
    return out
