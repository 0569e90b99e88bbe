"""The parameters of crm.activity.add/update/get/delete/list as the vendor's legacy proxy reads them
(``CCrmActivityRestProxy``): arrays where it wants arrays, a positive ID, and input fields turned into column
values (``internalizeFields``).

Errors are the legacy proxy's: an empty code with HTTP 400 (docs: crm-activity-add.md "Possible error codes").
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from b24crm import errors
from b24crm.crm.activity.fields import FIELDS
from b24crm.crm.values import InvalidValue, parse_datetime
from b24crm.php.values import php_int, php_str
from b24crm.store.sql import fit
from b24crm.store.tables import crm_activities as crm_activities_table

FIELDS_NOT_ARRAY = errors.Legacy.not_array("fields")
PARAMS_NOT_ARRAY = errors.Legacy.not_array("params")
ID_INVALID = errors.Legacy.ID_INVALID


def array_param(value: Any, error: errors.ErrorSpec) -> dict[str, Any]:
    """A parameter the vendor's proxy requires to be an array (missing: an empty one)."""
    if value in (None, ""):
        return {}
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    if not isinstance(value, dict):
        raise error()
    return value


def fields_param(value: Any) -> dict[str, Any]:
    return array_param(value, FIELDS_NOT_ARRAY)


def activity_id_param(value: Any) -> int:
    if isinstance(value, (dict, list)) or value is None:
        raise ID_INVALID()
    number = php_int(value)
    if number <= 0:
        raise ID_INVALID()
    return number


def _moment(value: Any, tz: Any) -> float | InvalidValue | None:
    """A datetime input: the stored moment, None for '' (kept empty), or InvalidValue (dropped)."""
    if value == "":
        return None
    try:
        return parse_datetime(value, tz)
    except (InvalidValue, ValueError, OverflowError) as exc:
        return InvalidValue(str(exc))


def clip(column: str, text: str, table: sa.Table = crm_activities_table) -> str:
    """An activity text cut to its column (``store.sql.fit``)."""
    return fit(table, column, text)


def internalize(fields_in: dict[str, Any], tz: Any, *, updating: bool) -> dict[str, Any]:
    """Input fields -> column values (``internalizeFields``): unknown, read-only and (on update) immutable
    fields are dropped, unreadable dates too; PHP casts for numbers and strings."""
    record: dict[str, Any] = {}
    for f in FIELDS:
        value = fields_in.get(f.name)
        if value is None or f.read_only or f.kind == "virtual" or (updating and f.immutable):
            continue
        if f.kind == "int":
            record[f.column] = php_int(value)
        elif f.kind == "double":
            text = php_str(value).strip().replace(",", ".")
            try:
                number = float(text) if text else None
            except ValueError:
                number = float(php_int(value))
            record[f.column] = number if number is None or abs(number) != float("inf") else None
        elif f.kind == "datetime":
            moment = _moment(value, tz)
            if not isinstance(moment, InvalidValue):
                record[f.column] = moment
        elif f.kind == "object":
            if isinstance(value, (dict, list)):
                record[f.column] = value
        else:
            record[f.column] = clip(f.column, php_str(value))
    if "completed" in record:
        flag = record["completed"]
        record["completed"] = flag if flag in ("Y", "N") else ("Y" if php_int(flag) > 0 else "N")
    return record
