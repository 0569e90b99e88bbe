"""The rules of an item list's filter, order and selection (crm.item.list, and the classic lists through
their camelCase translation): which fields may be used, how a value is read, the vendor's error texts.

Docs: api-reference/crm/universal/crm-item-list.md. The result is a checked tree that the store
(``store/item_lists.py``) turns into SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from b24crm import errors
from b24crm.crm.fields import ID_TYPES, ItemField, upper_name
from b24crm.crm.item_rows import ItemType, stored_as
from b24crm.crm.values import InvalidValue, parse_datetime, to_bool
from b24crm.store.filters import split_key, to_finite, to_int
from b24crm.store.item_lists import Group, MultiTerm, Stored, Term

# How a classic list's filter on PHONE, EMAIL, WEB, IM or LINK reaches the item grammar: ``fm.PHONE``.
MULTI_PREFIX = "fm."
INVALID_FILTER_FIELD = "Invalid filter: field '{}' is not allowed in filter"
INVALID_FILTER_VALUE = "Invalid filter: field '{}' has invalid value"
INVALID_ORDER_FIELD = "Invalid order: field '{}' is not allowed in order"
INVALID_ORDER_DIRECTION = "Invalid order: allowed sort directions are ASC, DESC. But got '{}' for field '{}'"


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


def as_php_array(value: Any) -> dict[str, Any]:
    """A filter arrives as a dict, or as a list when its keys were 0..n-1 (nested groups only)."""
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return value if isinstance(value, dict) else {}


def _listable(f: ItemField, classic: bool) -> bool:
    """A field a list may filter or order by: known to this API, single, not a file or multifield."""
    return not ((f.classic_only and not classic) or f.multiple or f.type in ("file", "crm_multifield"))


def filter_group(item_type: ItemType, filter_: dict[str, Any], tz: Any, classic: bool = False) -> Group:
    """A filter with the vendor's prefixes and nested ``logic`` groups; unknown fields are an error."""
    logic = str(filter_.get("logic", "AND")).upper()
    parts: list[Term | MultiTerm | Group] = []
    for raw_key, value in filter_.items():
        key = str(raw_key)
        if key.lower() == "logic":
            continue
        if key.isdigit() and isinstance(value, (dict, list)):
            parts.append(filter_group(item_type, as_php_array(value), tz, classic))
            continue
        op, name = split_key(key)
        if classic and name.startswith(MULTI_PREFIX) and "fm" in item_type.fields:
            parts.append(MultiTerm(name.removeprefix(MULTI_PREFIX), op, value))
            continue
        f = item_type.fields.get(name)
        if f is None or not _listable(f, classic):
            raise errors.INVALID_ARG_VALUE(INVALID_FILTER_FIELD.format(upper_name(str(name))))
        cast = _cast_for(f, tz)
        values = value if isinstance(value, list) else [value]
        try:
            for v in values:
                if v is not None and not isinstance(v, (dict, list)):
                    cast(v)
        except (InvalidValue, ValueError):
            raise errors.INVALID_ARG_VALUE(INVALID_FILTER_VALUE.format(upper_name(str(name)))) from None
        if any(isinstance(v, (dict, list)) for v in values) or (value is None and op not in ("=", "!", "!=")):
            raise errors.INVALID_ARG_VALUE(INVALID_FILTER_VALUE.format(upper_name(str(name))))
        text = f.type in ("string", "text", "crm_status")
        parts.append(Term(stored_as(f), op, value, cast, text))
    return Group("OR" if logic == "OR" else "AND", tuple(parts))


def order_by(item_type: ItemType, order: Any, classic: bool = False) -> list[tuple[Stored, bool]]:
    """``{field: "ASC" | "DESC"}`` -> ``(place, descending)`` pairs; none for an empty or absent order."""
    if not isinstance(order, dict) or not order:
        return []
    ordering = []
    for name, direction in order.items():
        f = item_type.fields.get(str(name))
        if f is None or not _listable(f, classic):
            raise errors.INVALID_ARG_VALUE(INVALID_ORDER_FIELD.format(upper_name(str(name))))
        text = str(direction).upper()
        if text not in ("ASC", "DESC"):
            raise errors.INVALID_ARG_VALUE(INVALID_ORDER_DIRECTION.format(direction, upper_name(str(name))))
        ordering.append((stored_as(f), text == "DESC"))
    return ordering


def selection(item_type: ItemType, select: Any) -> set[str] | None:
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
