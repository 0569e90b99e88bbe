"""An activity row as crm.activity.get and list write it (``CCrmActivityDbResult`` + ``externalizeFields``).

Raw values are strings, SQL NULL is ``null``, datetimes are ISO 8601 in the portal's time zone and ``""``
when empty, ``SETTINGS``/``PROVIDER_PARAMS`` are ``[]`` when empty and objects otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from functools import cache
from typing import Any

import sqlalchemy as sa

from b24crm.crm.activity.fields import BY_NAME, OUTPUT_ORDER
from b24crm.php.dates import iso
from b24crm.store.tables import crm_activities

Converter = Callable[[Any, tzinfo], Any]


def integer(v: Any, tz: tzinfo) -> Any:
    return None if v is None else str(v)


def _moment(v: Any, tz: tzinfo) -> Any:
    return "" if v is None else iso(v, tz)


def _number(v: Any, tz: tzinfo) -> Any:
    if v is None:
        return None
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _object(v: Any, tz: tzinfo) -> Any:
    if isinstance(v, str):  # read on a bare SQLite connection: the JSON text itself
        v = json.loads(v) if v else None
    return v if v else []


def _text(v: Any, tz: tzinfo) -> Any:
    return v


_BY_KIND: dict[str, Converter] = {
    "int": integer,
    "datetime": _moment,
    "double": _number,
    "object": _object,
    "char": _text,
    "string": _text,
}

# Every output field with its converter, in output order (IS_INCOMING_CHANNEL only when named).
STEPS: tuple[tuple[str, Converter], ...] = tuple(
    (name, _BY_KIND[BY_NAME[name].kind]) for name in (*OUTPUT_ORDER, "IS_INCOMING_CHANNEL")
)
DEFAULT_NAMES: frozenset[str] = frozenset(OUTPUT_ORDER)


@dataclass(frozen=True)
class Shape:
    """How to read and write one selection: the columns to select (integers cast to text by the database,
    so that most values need no Python work), the names in order, and the few positions to convert."""

    names: tuple[str, ...]
    columns: tuple[Any, ...]
    conversions: tuple[tuple[int, str, Converter], ...]


@cache
def shape_for(names: frozenset[str]) -> Shape:
    steps = [step for step in STEPS if step[0] in names]
    columns: list[Any] = []
    conversions: list[tuple[int, str, Converter]] = []
    for position, (name, convert) in enumerate(steps):
        column = crm_activities.c[name.lower()]
        if convert is integer:
            columns.append(sa.cast(column, sa.Text).label(column.name))
        else:
            columns.append(column)
            if convert is not _text:
                conversions.append((position, name, convert))
    return Shape(tuple(n for n, _ in steps), tuple(columns), tuple(conversions))


def render_rows(rows: Sequence[Any], shape: Shape, tz: tzinfo) -> list[dict[str, Any]]:
    """Rows selected with ``shape.columns`` -> answer objects (the hot loop of every list page)."""
    names = shape.names
    conversions = shape.conversions
    out = []
    for row in rows:
        item = dict(zip(names, row, strict=True))
        for position, name, convert in conversions:
            item[name] = convert(row[position], tz)
        out.append(item)
    return out


def communication_out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "ID": str(row["id"]),
        "TYPE": row["type"],
        "VALUE": row["value"],
        "ENTITY_ID": str(row["entity_id"]),
        "ENTITY_TYPE_ID": str(row["entity_type_id"]),
        "ENTITY_SETTINGS": row["entity_settings"] or [],
    }
