"""Reading loosely typed vendor parameters the way the vendor's PHP does."""

from __future__ import annotations

import re
from typing import Any


def php_bool(value: Any) -> bool:
    """PHP's ``(bool)`` cast, also what the vendor's ``== true`` means: ``"0"``, ``""``, 0, null and empty
    arrays are false; every other string (``"false"`` and ``"N"`` included) is true."""
    if isinstance(value, str):
        return value not in ("", "0")
    return bool(value)


_LEADING_NUMBER = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def php_int(value: Any) -> int:
    """PHP's ``(int)``: the leading number of a string (``"12abc"`` is 12, ``"abc"`` 0), floats truncated,
    arrays 1 when non-empty; clamped to the 32-bit range of the columns it is written to."""
    if isinstance(value, bool):
        number = int(value)
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float):
        number = int(value) if value == value and abs(value) != float("inf") else 0
    elif isinstance(value, str):
        if value.isascii() and value.isdigit() and len(value) < 10:  # the common case: a plain id
            return int(value)
        match = _LEADING_NUMBER.match(value)
        if match is None:
            number = 0
        else:
            text = match.group(0)
            try:
                number = int(text)
            except ValueError:  # "1.9", "1e3": PHP reads the float, then truncates
                parsed = float(text)
                number = int(parsed) if abs(parsed) < 2**63 else 0
    elif isinstance(value, (list, dict)):
        number = 1 if value else 0
    else:
        number = 0
    return max(-(2**31), min(2**31 - 1, number))


def php_str(value: Any) -> str:
    """PHP's ``(string)``: booleans as "1"/"", null as "", arrays as "Array"."""
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, (list, dict)):
        return "Array"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
