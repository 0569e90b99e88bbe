"""The filter semantics of the vendor's older list methods (``CSqlUtil::GetFilterOperation`` and
``PrepareWhere``), which crm.activity.list uses.

They differ from the crm.item grammar in ``filters.py`` in ways clients rely on: a key is ``[!][+]<op>NAME``;
scalars are one-element arrays, an empty array drops the condition; array values are OR'ed (AND'ed when
negated); integer fields ignore LIKE; ``0`` with an ``=``-operator also matches NULL; negated LIKE is plain
LIKE; an empty string matches NULL or ''. Each caller maps names to columns and a kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from b24crm.php.values import php_int, php_str

Kind = Literal["int", "double", "char", "string", "datetime"]

# In the vendor's order of checks: ">=" before ">", "=%" before "=", ...
_OPERATORS = (">=", ">", "<=", "<", "@", "=%", "%=", "%", "?", "*=", "*%", "*", "=")
_LIKES = ("%", "=%", "%=")
NOT_EMPTY, EMPTY = "^%^", "^&^"


@dataclass(frozen=True)
class Key:
    name: str
    op: str
    negative: bool = False
    or_null: bool = False


def parse_key(raw: str) -> Key:
    key = raw
    negative = key.startswith("!")
    if negative:
        key = key[1:]
    or_null = key.startswith("+")
    if or_null:
        key = key[1:]
    for op in _OPERATORS:
        if key.startswith(op):
            return Key(key[len(op) :], op, negative, or_null)
    return Key(key, "=", negative, or_null)


def _values(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return value
    return [value]


def _escape_like(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _compare(column: Any, op: str, value: Any) -> sa.ColumnElement[bool]:
    if op == ">":
        return column > value  # type: ignore[no-any-return]
    if op == ">=":
        return column >= value  # type: ignore[no-any-return]
    if op == "<":
        return column < value  # type: ignore[no-any-return]
    if op == "<=":
        return column <= value  # type: ignore[no-any-return]
    return column == value  # type: ignore[no-any-return]


def _number(column: Any, key: Key, value: Any, cast: Callable[[Any], Any]) -> sa.ColumnElement[bool]:
    op = "=" if key.op in _LIKES or key.op in ("?", "*", "*=", "*%") else key.op
    number = cast(value)
    clause = _compare(column, op, number)
    if number == 0 and "=" in op:
        clause = sa.or_(column.is_(None), clause)
    if key.negative:
        return sa.or_(column.is_(None), sa.not_(clause))
    return clause


def _text(column: Any, key: Key, value: Any) -> sa.ColumnElement[bool]:
    text = php_str(value)
    if key.op in _LIKES:
        # Negation is never applied to LIKE in the vendor's code; MySQL compares case-insensitively.
        if text == "":
            return sa.or_(column.is_(None), column == "")
        pattern = f"%{_escape_like(text)}%" if key.op == "%" else text
        return column.ilike(pattern, escape="!") if key.op == "%" else column.ilike(pattern)
    op = "=" if key.op in ("?", "*", "*=", "*%") else key.op
    if op == "=" and text == "":
        empty = sa.or_(column.is_(None), column == "")
        return sa.not_(empty) if key.negative else empty
    clause = _compare(column, op, text)
    if key.negative:
        return sa.or_(column.is_(None), sa.not_(clause))
    return clause


def _moment(
    column: Any, key: Key, value: Any, to_moment: Callable[[Any], float | None]
) -> sa.ColumnElement[bool]:
    op = key.op if key.op in ("=", "<", ">", "<=", ">=") else "="
    moment = to_moment(value)
    if moment is None:
        return column.is_not(None) if key.negative else column.is_(None)
    clause = _compare(column, op, moment)
    return sa.or_(column.is_(None), sa.not_(clause)) if key.negative else clause


def where(
    kind: Kind, column: Any, key: Key, value: Any, *, to_moment: Callable[[Any], float | None]
) -> sa.ColumnElement[bool] | None:
    """The condition of one filter entry; None when the vendor drops it (an empty array)."""
    if value == NOT_EMPTY:
        return _not_empty(kind, column, negate=key.negative)
    if value == EMPTY:
        return _not_empty(kind, column, negate=not key.negative)
    values = _values(value)
    if not values:
        return None
    if key.op == "@":
        clause = _in(kind, column, values, to_moment)
        if clause is None:
            return None
        clause = sa.not_(clause) if key.negative else clause
    elif key.op == "=" and not key.negative and len(values) > 1 and kind != "datetime":
        # Many values for "=": the same as OR-ing one condition each, written as one IN (a thousand ORs
        # exceed SQLite's expression depth). 0 and "" also match NULL, as each single condition does.
        clause = _equal_any(kind, column, values)
    else:
        parts: list[sa.ColumnElement[bool]] = []
        for v in values:
            if kind in ("int", "double"):
                parts.append(_number(column, key, v, php_int if kind == "int" else _php_float))
            elif kind == "datetime":
                parts.append(_moment(column, key, v, to_moment))
            else:
                parts.append(_text(column, key, v))
        clause = parts[0] if len(parts) == 1 else (sa.and_ if key.negative else sa.or_)(*parts)
    return sa.or_(column.is_(None), clause) if key.or_null else clause


def _in(
    kind: Kind, column: Any, values: list[Any], to_moment: Callable[[Any], float | None]
) -> sa.ColumnElement[bool] | None:
    if kind == "int":
        cast: list[Any] = list(dict.fromkeys(php_int(v) for v in values))
    elif kind == "double":
        cast = list(dict.fromkeys(_php_float(v) for v in values))
    elif kind == "datetime":
        cast = [m for m in (to_moment(v) for v in values) if m is not None]
    else:
        cast = list(dict.fromkeys(php_str(v) for v in values))
    if not cast:
        return None
    return column.in_(cast)  # type: ignore[no-any-return]


def _equal_any(kind: Kind, column: Any, values: list[Any]) -> sa.ColumnElement[bool]:
    if kind in ("int", "double"):
        cast = list(dict.fromkeys((php_int if kind == "int" else _php_float)(v) for v in values))
        blank = 0 in cast
        found = column.in_(cast)
        return sa.or_(column.is_(None), found) if blank else found  # type: ignore[no-any-return]
    texts = list(dict.fromkeys(php_str(v) for v in values))
    filled = [t for t in texts if t != ""]
    parts = [column.in_(filled)] if filled else []
    if len(filled) < len(texts):
        parts += [column.is_(None), column == ""]
    return sa.or_(*parts)


def _not_empty(kind: Kind, column: Any, *, negate: bool) -> sa.ColumnElement[bool]:
    if kind in ("string", "char"):
        filled = sa.and_(column.is_not(None), column != "")
    elif kind in ("int", "double"):
        filled = sa.and_(column.is_not(None), column != 0)
    else:
        filled = column.is_not(None)
    return sa.not_(filled) if negate else filled


def _php_float(value: Any) -> float:
    try:
        number = float(php_str(value).strip().replace(",", "."))
    except ValueError:
        return float(php_int(value))
    return number if number == number and abs(number) != float("inf") else 0.0


def order_direction(value: Any) -> str:
    """``ASC`` in any case is ascending; anything else is descending (``CSqlUtil::PrepareSql``)."""
    return "ASC" if php_str(value).strip().upper() == "ASC" else "DESC"
