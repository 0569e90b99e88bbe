"""What crm.type.list filters and orders by, and crm.type.fields: the fields of a smart-process type.

Docs: api-reference/crm/universal/user-defined-object-types/crm-type-fields.md, crm-type-list.md. The
vendor hands the filter and order to its ORM after upper-casing the keys (``entityTypeId`` and
``ENTITY_TYPE_ID`` name the same field); a key that names no field is refused with crm.item.list's texts
(b24pysdk's error test sends one to crm.type.list and expects INVALID_ARG_VALUE).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

from b24crm import errors
from b24crm.crm.fields import description, upper_name
from b24crm.crm.item_filters import (
    INVALID_FILTER_FIELD,
    INVALID_FILTER_VALUE,
    INVALID_ORDER_DIRECTION,
    INVALID_ORDER_FIELD,
    as_php_array,
)
from b24crm.crm.values import InvalidValue, parse_datetime, to_bool
from b24crm.store.filters import split_key, to_int

# (name, type, required, read-only, immutable, title): the documented answer of crm.type.fields, in order.
_SWITCH = ("boolean", False, False, False)
_CATALOGUE: tuple[tuple[Any, ...], ...] = (
    ("id", "integer", False, True, False, "ID"),
    ("title", "string", True, False, False, "Title"),
    ("code", "string", False, False, False, "Symbolic Code"),
    ("createdBy", "user", False, True, False, "Created By"),
    ("entityTypeId", "integer", True, False, True, "Type Identifier"),
    ("customSectionId", "integer", False, False, True, "Digital Workspace"),
    ("isCategoriesEnabled", *_SWITCH, "Use custom funnels and sales tunnels in the smart process"),
    ("isStagesEnabled", *_SWITCH, "Use custom stages and Kanban in the smart process"),
    ("isBeginCloseDatesEnabled", *_SWITCH, "Fields 'Start Date' and 'End Date'"),
    ("isClientEnabled", *_SWITCH, "Field 'Client'"),
    ("isUseInUserfieldEnabled", *_SWITCH, "Use in user field"),
    ("isLinkWithProductsEnabled", *_SWITCH, "Link with catalog products"),
    ("isMycompanyEnabled", *_SWITCH, "Field 'Your Company Details'"),
    ("isDocumentsEnabled", *_SWITCH, "Document Printing"),
    ("isSourceEnabled", *_SWITCH, "Fields 'Source' and 'Additional Information about Source'"),
    ("isObserversEnabled", *_SWITCH, "Field 'Observers'"),
    ("isRecyclebinEnabled", *_SWITCH, "Use Recycle Bin"),
    ("isAutomationEnabled", *_SWITCH, "Use Automation rules and triggers in the smart process"),
    ("isBizProcEnabled", *_SWITCH, "Use business process designer in the smart process"),
    ("isSetOpenPermissions", *_SWITCH, "Make new funnels available to everyone"),
    ("createdTime", "datetime", False, False, False, "Creation Date"),
    ("updatedTime", "datetime", False, False, False, "Modification Date"),
    ("updatedBy", "user", False, True, False, "Modified By"),
)

FIELDS: dict[str, dict[str, Any]] = {
    name: {
        **description(type_, required=required, read_only=read_only, immutable=immutable),
        "title": title,
        "upperName": upper_name(name),
    }
    for name, type_, required, read_only, immutable, title in _CATALOGUE
}
# Both spellings of a key, as the vendor's upper-casing makes them one.
_BY_UPPER = {upper_name(name): (name, type_) for name, type_, *_ in _CATALOGUE}
# Switches of the newer code that the answers carry but the documented field list does not.
_BY_UPPER.update({upper_name(n): (n, "boolean") for n in ("isPaymentsEnabled", "isCountersEnabled")})


@dataclass(frozen=True)
class Criterion:
    name: str
    type: str
    op: str
    values: tuple[Any, ...]  # cast to the field's type; None for an empty value


def _field(key: str, text: str) -> tuple[str, str]:
    found = _BY_UPPER.get(upper_name(key))
    if found is None:
        raise errors.INVALID_ARG_VALUE(text.format(upper_name(key)))
    return found


def _cast(type_: str, value: Any, tz: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, (dict, list)):
        raise InvalidValue(value)
    if type_ in ("integer", "user"):
        return to_int(value)
    if type_ == "boolean":
        if str(value).strip().upper() not in ("Y", "N", "1", "0", "TRUE", "FALSE"):
            raise InvalidValue(value)
        return to_bool(value)
    if type_ == "datetime":
        return parse_datetime(value, tz)
    return str(value)


def criteria(filter_: Any, tz: Any) -> list[Criterion]:
    """The checked conditions of a filter (all must hold); the vendor's error for an unknown field or a
    value the field cannot take."""
    out = []
    for key, value in as_php_array(filter_).items():
        op, name = split_key(str(key))
        field, type_ = _field(name, INVALID_FILTER_FIELD)
        raw = value if isinstance(value, list) else [value]
        try:
            values = tuple(_cast(type_, v, tz) for v in raw)
        except (InvalidValue, ValueError):
            raise errors.INVALID_ARG_VALUE(INVALID_FILTER_VALUE.format(upper_name(field))) from None
        out.append(Criterion(field, type_, op, values))
    return out


def _stored(view: dict[str, Any], name: str, type_: str, tz: Any) -> Any:
    value = view.get(name)
    if type_ == "boolean":
        return value == "Y"
    if type_ == "datetime" and isinstance(value, str):
        return parse_datetime(value, tz)
    return value


_COMPARE = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def _holds(stored: Any, op: str, wanted: Any) -> bool:
    bare = op.lstrip("!")
    if "%" in op:
        hit = wanted is not None and str(wanted).lower() in str(stored or "").lower()
    elif wanted is None or stored is None:
        hit = (stored in (None, "")) == (wanted is None) and bare in ("", "=", "@")
    elif bare in (">", ">=", "<", "<="):
        try:
            hit = {
                ">": stored > wanted,
                ">=": stored >= wanted,
                "<": stored < wanted,
                "<=": stored <= wanted,
            }[bare]
        except TypeError:
            hit = False
    else:
        hit = stored == wanted
    return not hit if op.startswith("!") else hit


def matches(view: dict[str, Any], conditions: list[Criterion], tz: Any) -> bool:
    """Whether a type's answer meets every condition; a list of values is any of them (none with ``!``)."""
    for c in conditions:
        stored = _stored(view, c.name, c.type, tz)
        if c.op.startswith("!"):
            if not all(_holds(stored, c.op, w) for w in c.values):
                return False
        elif not any(_holds(stored, c.op, w) for w in c.values):
            return False
    return True


def _sort_key(value: Any, type_: str) -> tuple[bool, Any]:
    if value is None:
        return False, "" if type_ == "string" else 0
    return True, value


def ordered(views: list[dict[str, Any]], order: Any, tz: Any) -> list[dict[str, Any]]:
    """``{field: ASC|DESC}``, the first key first; none given: by id, as the rows are stored."""
    keys = []
    for key, direction in order.items() if isinstance(order, dict) else ():
        field, type_ = _field(str(key), INVALID_ORDER_FIELD)
        text = str(direction).upper()
        if text not in ("ASC", "DESC"):
            raise errors.INVALID_ARG_VALUE(INVALID_ORDER_DIRECTION.format(direction, upper_name(field)))
        keys.append((field, type_, text == "DESC"))
    result = list(views)
    # Stable sorts from the last key to the first give the first key precedence; empty values sort first.
    for field, type_, descending in reversed(keys):
        result.sort(key=lambda v: _sort_key(_stored(v, field, type_, tz), type_), reverse=descending)
    return result
