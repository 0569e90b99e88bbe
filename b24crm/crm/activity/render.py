"""An activity row as crm.activity.get and list write it (``CCrmActivityDbResult`` + ``externalizeFields``).

Raw values are strings, SQL NULL is ``null``, datetimes are ISO 8601 in the portal's time zone and ``""``
when empty, ``SETTINGS``/``PROVIDER_PARAMS`` are ``[]`` when empty and objects otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from functools import cache
from typing import Any

from b24crm.crm.activity.fields import BY_NAME, OUTPUT_ORDER
from b24crm.rpc.timeblock import iso
from b24crm.store.tables import crm_activities

Converter = Callable[[Any, tzinfo], Any]


def _integer(v: Any, tz: tzinfo) -> Any:
    return None if v is None else str(v)


def _moment(v: Any, tz: tzinfo) -> Any:
    return "" if v is None else iso(v, tz)


def _number(v: Any, tz: tzinfo) -> Any:
    if v is None:
        return None
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _object(v: Any, tz: tzinfo) -> Any:
    return v if v else []


def _text(v: Any, tz: tzinfo) -> Any:
    return v


_BY_KIND: dict[str, Converter] = {
    "int": _integer,
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


@cache
def columns_for(names: frozenset[str]) -> tuple[tuple[tuple[str, Converter], ...], tuple[Any, ...]]:
    """The render steps and the table columns (same order) that show ``names``."""
    steps = tuple(step for step in STEPS if step[0] in names)
    return steps, tuple(crm_activities.c[name.lower()] for name, _ in steps)


def render_rows(
    rows: list[tuple[Any, ...]], steps: tuple[tuple[str, Converter], ...], tz: tzinfo
) -> list[dict[str, Any]]:
    """Rows fetched in the order of ``steps`` -> answer objects (the hot loop of every list page)."""
    names = [name for name, _ in steps]
    converters = [convert for _, convert in steps]
    return [
        dict(zip(names, [convert(v, tz) for convert, v in zip(converters, row, strict=True)], strict=True))
        for row in rows
    ]


def communication_out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "ID": str(row["id"]),
        "TYPE": row["type"],
        "VALUE": row["value"],
        "ENTITY_ID": str(row["entity_id"]),
        "ENTITY_TYPE_ID": str(row["entity_type_id"]),
        "ENTITY_SETTINGS": row["entity_settings"] or [],
    }
