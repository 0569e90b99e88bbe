"""Reading loosely typed vendor parameters the way the vendor's PHP does."""

from __future__ import annotations

from typing import Any

_TRUE = {"y", "1", "true", "yes", "on"}


def flag(value: Any) -> bool:
    """A boolean parameter: ``Y``, ``1``, ``true`` (any case) and JSON ``true``/``1`` are true."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return False
