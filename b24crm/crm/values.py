"""Field values between the wire and storage.

Stored: IDs as int, booleans as bool, dates and datetimes as Unix seconds, money as float, text as str,
multiple fields as lists. On the wire (crm.item.*): IDs and numbers native, booleans ``"Y"``/``"N"``, dates
ISO 8601 in the portal's time zone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, tzinfo
from typing import Any

from b24crm import errors
from b24crm.crm.fields import ID_TYPES, ItemField
from b24crm.php.dates import iso
from b24crm.store.filters import to_finite, to_int

_TRUE = {"Y", "1", "TRUE", "ON", "YES"}
# The moments a date can be shown as in any zone: 0001-01-02 to 9999-12-31 (UTC midnights).
_FIRST_MOMENT, _LAST_MOMENT = -62135510400.0, 253402214400.0


class InvalidValue(ValueError):
    pass


def parse_datetime(value: Any, tz: tzinfo) -> float:
    """ISO 8601 with or without an offset (none = the portal's zone); ``2026-08-19 15:00:00`` too."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not _FIRST_MOMENT <= value <= _LAST_MOMENT:  # a date must be writable back as one
            raise InvalidValue(value)
        return float(value)
    text = str(value).strip()
    if not text:
        raise InvalidValue(text)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text[:10]), time())
        except ValueError as exc:
            for pattern in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y"):
                try:
                    parsed = datetime.strptime(text, pattern)
                    break
                except ValueError:
                    continue
            else:
                raise InvalidValue(text) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    moment = parsed.timestamp()
    if not _FIRST_MOMENT <= moment <= _LAST_MOMENT:  # 0001-01-01 shifted past year 1 by its offset
        raise InvalidValue(text)
    return moment


def _to_int(value: Any) -> int | None:
    if value is None or value == "" or value is False:
        return None
    if value is True:
        return 1
    try:
        return to_int(int(to_finite(value)))
    except (ValueError, OverflowError) as exc:
        raise InvalidValue(value) from exc


def _to_float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return to_finite(value)
    except ValueError as exc:
        raise InvalidValue(value) from exc


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().upper() in _TRUE


_CURRENCY = re.compile(r"[A-Za-z]{3}")


def _scalar_in(f: ItemField, value: Any, tz: tzinfo) -> Any:
    if f.type in ID_TYPES:
        return _to_int(value)
    if f.type == "double":
        return _to_float(value)
    if f.type == "boolean":
        return to_bool(value)
    if f.type in ("date", "datetime"):
        return None if value in (None, "") else parse_datetime(value, tz)
    if isinstance(value, (dict, list)):
        raise InvalidValue(value)
    if f.type == "crm_currency" and value not in (None, "") and not _CURRENCY.fullmatch(str(value)):
        # No currency list is kept here, but every currency code the vendor's currency module holds is
        # three letters: anything else names none of the portal's currencies.
        raise InvalidValue(value)
    return None if value is None else str(value)


def value_in(f: ItemField, value: Any, tz: tzinfo) -> Any:
    """A wire value of ``f`` as stored; raises the vendor's field errors."""
    try:
        if f.multiple:
            if value in (None, "", False):
                return []
            if isinstance(value, dict):
                value = list(value.values())
            if not isinstance(value, list):
                raise errors.D7.NOT_ITERABLE.format(shown=_php_type(value))
            return [v for v in (_scalar_in(f, item, tz) for item in value) if v is not None]
        return _scalar_in(f, value, tz)
    except InvalidValue as exc:
        raise errors.D7.FIELD_INVALID.format(title=f.title) from exc


def _php_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "double"
    return "string"


def out_converter(f: ItemField) -> Callable[[Any, tzinfo], Any]:
    """The stored-to-wire conversion of ``f``, chosen once per field instead of once per value."""

    def boolean(v: Any, tz: tzinfo) -> Any:
        return None if v is None else ("Y" if v else "N")

    def moment(v: Any, tz: tzinfo) -> Any:
        return None if v is None else iso(float(v), tz)

    def integer(v: Any, tz: tzinfo) -> Any:
        return None if v is None else int(v)

    def number(v: Any, tz: tzinfo) -> Any:
        return None if v is None else float(v)

    def plain(v: Any, tz: tzinfo) -> Any:
        return v

    if f.type == "boolean":
        scalar = boolean
    elif f.type in ("date", "datetime"):
        scalar = moment
    elif f.type in ID_TYPES:
        scalar = integer
    elif f.type == "double":
        scalar = number
    else:
        scalar = plain
    if f.multiple:
        return lambda v, tz: [scalar(x, tz) for x in (v or [])]
    return scalar
