"""The vendor's list-filter grammar: a key is an optional operator prefix and a field name.

``{">=ID": 5, "!@TYPE_ID": [1, 2], "%SUBJECT": "call"}``. Values that are lists are OR'ed (``IN``); the
negated operators negate the whole set. Each list method maps field names to columns and value casters; the
grammar itself lives here once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

# Longest first, so that "!=%" wins over "!=" and "!".
PREFIXES = ("!=%", "!%=", ">=", "<=", "!@", "=%", "%=", "!%", "!=", ">", "<", "@", "%", "=", "!")


def split_key(key: str) -> tuple[str, str]:
    """``">=ID"`` -> ``(">=", "ID")``; no prefix means ``=``."""
    for prefix in PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return prefix, key[len(prefix) :]
    return "=", key


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class Field:
    column: sa.ColumnElement[Any]
    cast: Callable[[Any], Any] = str
    text: bool = False  # LIKE operators apply


def condition(field: Field, op: str, value: Any) -> sa.ColumnElement[bool] | None:
    """The SQL condition of one filter entry, or None when the value cannot match the field's type."""
    values = value if isinstance(value, list) else [value]
    cast: list[Any] = []
    for v in values:
        try:
            cast.append(field.cast(v))
        except (TypeError, ValueError):
            continue
    column = field.column
    if op in ("%", "!%", "=%", "%=", "!=%", "!%="):
        if not field.text:
            op = "!" if op.startswith("!") else "="
        else:
            texts = [str(v) for v in values]
            # "%" and "!%" look for a substring; with "=%"/"%=" the caller writes the wildcards.
            patterns = [f"%{_escape_like(t)}%" for t in texts] if op in ("%", "!%") else texts
            like = sa.or_(*[column.like(p, escape="\\") for p in patterns])
            return sa.not_(like) if op.startswith("!") else like
    if not cast:
        return sa.false() if op not in ("!", "!=", "!@") else None
    if op in ("=", "@"):
        return column.in_(cast) if len(cast) > 1 else column == cast[0]
    if op in ("!", "!=", "!@"):
        return column.not_in(cast) if len(cast) > 1 else column != cast[0]
    comparisons = {">": column.__gt__, ">=": column.__ge__, "<": column.__lt__, "<=": column.__le__}
    return sa.or_(*[comparisons[op](v) for v in cast])


def conditions(fields: dict[str, Field], filter_: dict[str, Any]) -> list[sa.ColumnElement[bool]]:
    """Conditions of a whole filter; unknown fields are dropped, as the vendor does."""
    where = []
    for raw_key, value in filter_.items():
        op, name = split_key(str(raw_key))
        field = fields.get(name.upper())
        if field is None:
            continue
        clause = condition(field, op, value)
        if clause is not None:
            where.append(clause)
    return where


# IDs and integer fields are 32-bit columns (PostgreSQL INTEGER); larger numbers can match nothing.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def to_int(value: Any) -> int:
    """An integer a column can hold; ValueError otherwise (text, bools, out-of-range numbers)."""
    if isinstance(value, bool):
        raise ValueError("bool")
    number = int(str(value).strip())
    if not INT_MIN <= number <= INT_MAX:
        raise ValueError("out of range")
    return number


def to_finite(value: Any) -> float:
    number = float(str(value).strip().replace(",", "."))
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("not finite")
    return number


def to_flag(value: Any) -> bool:
    return str(value).strip().upper() in ("Y", "1", "TRUE")
