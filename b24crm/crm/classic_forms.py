"""The classic form of an item's values: stored rows rendered the older API's way (every scalar a
string, dates ISO, multifields as PHONE/EMAIL/... lists), and classic input turned into item input.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from b24crm.auth.caller import Caller
from b24crm.crm import item_files, item_rows
from b24crm.crm.classic_fields import MULTIFIELD, MULTIFIELD_NAMES, Legacy, legacy_table
from b24crm.crm.fields import ID_TYPES, ItemField, catalogue
from b24crm.php.dates import iso
from b24crm.store.filters import to_int


def _string_out(f: ItemField) -> Callable[[Any, Any], Any]:
    """Stored value -> the classic form: every scalar a string (money with two decimals), dates ISO."""

    def scalar(v: Any, tz: Any) -> Any:
        if v is None:
            return None
        if f.type == "boolean":
            return "Y" if v else "N"
        if f.type in ("date", "datetime"):
            return iso(float(v), tz)
        if f.type in ID_TYPES:
            return str(int(v))
        if f.type == "double":
            return f"{float(v):.2f}"
        if f.type == "file" and isinstance(v, dict):
            return v  # a stored photo or logo: item_files shows it
        return str(v)

    if f.multiple:
        return lambda v, tz: [scalar(x, tz) for x in (v or [])]
    return scalar


def _empty(entry: Legacy) -> Any:
    # The classic answers write an empty date as "" (a recorded real lead shows "BIRTHDATE": ""), other
    # empty values as null.
    if entry.multiple:
        return []
    return "" if entry.type in ("date", "datetime") else None


@cache
def _steps(entity_type_id: int) -> tuple[item_rows.RenderStep, ...]:
    """The render steps of the listed stored fields, in the classic order."""
    fields = catalogue(entity_type_id)
    steps: list[item_rows.RenderStep] = []
    for entry in legacy_table(entity_type_id):
        if not entry.listed or entry.field == MULTIFIELD:
            continue
        f = fields[entry.field]
        steps.append((entry.name, f.column, f.name, _string_out(f), _empty(entry)))
    return tuple(steps)


def _multifields_out(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        grouped.setdefault(row["typeId"], []).append(
            {
                "ID": str(row["id"]),
                "VALUE_TYPE": row["valueType"],
                "VALUE": row["value"],
                "TYPE_ID": row["typeId"],
            }
        )
    return grouped


def render(
    entity_type_id: int,
    row: dict[str, Any],
    ctx: Caller,
    fm: list[dict[str, Any]] | None,
    select: set[str] | None = None,
    *,
    multifields: bool = True,
) -> dict[str, Any]:
    """A stored row in the classic form; with ``fm`` and ``multifields``, the PHONE/EMAIL/... lists of the
    types the item has."""
    out = item_rows.render_fields(_steps(entity_type_id), row, ctx.portal.tz, select, "ID")
    for name in item_files.file_fields(entity_type_id):
        item_files.show(ctx, entity_type_id, row["id"], out, name.upper(), classic=True)
    if fm is not None:
        grouped = _multifields_out(fm)
        if multifields:
            for name in MULTIFIELD_NAMES:
                if grouped.get(name) and (select is None or name in select):
                    out[name] = grouped[name]
    return out


def to_camel(entity_type_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    """Classic input -> item input; read-only classic fields are ignored, as the classic methods do."""
    writable = {
        entry.name: entry.field
        for entry in legacy_table(entity_type_id)
        if entry.stored and not entry.read_only
    }
    return {writable[str(k).upper()]: v for k, v in fields.items() if str(k).upper() in writable}


def multifield_changes(fields: dict[str, Any], current: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """PHONE/EMAIL/... entries: with ``ID`` they change (or with ``DELETE: Y`` remove) that value, without it
    they add one; the other values stay."""
    given = {name: fields[name] for name in MULTIFIELD_NAMES if name in fields}
    if not given:
        return None
    rows = {row["id"]: dict(row) for row in current}
    added = []
    for type_id, entries in given.items():
        for entry in (
            entries.values() if isinstance(entries, dict) else entries if isinstance(entries, list) else []
        ):
            if not isinstance(entry, dict):
                continue
            entry = {str(k).upper(): v for k, v in entry.items()}
            try:
                existing = to_int(entry["ID"]) if entry.get("ID") not in (None, "") else None
            except ValueError:
                existing = None
            value = str(entry.get("VALUE", "")).strip()
            value_type = str(entry.get("VALUE_TYPE") or "WORK").upper()
            if existing in rows:
                if str(entry.get("DELETE", "")).upper() == "Y" or not value:
                    del rows[existing]
                else:
                    rows[existing].update(value=value, valueType=value_type)
            elif value:
                added.append({"typeId": type_id, "valueType": value_type, "value": value})
    return [*rows.values(), *added]
