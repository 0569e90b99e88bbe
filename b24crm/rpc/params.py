"""Reading loosely typed vendor parameters the way the vendor's PHP does."""

from __future__ import annotations

from typing import Any


def php_bool(value: Any) -> bool:
    """PHP's ``(bool)`` cast, also what the vendor's ``== true`` means: ``"0"``, ``""``, 0, null and empty
    arrays are false; every other string (``"false"`` and ``"N"`` included) is true."""
    if isinstance(value, str):
        return value not in ("", "0")
    return bool(value)
