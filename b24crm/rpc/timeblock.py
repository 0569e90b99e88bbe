"""The ``time`` block of every successful answer, dates in the portal's time zone."""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any


def iso(ts: float, tz: tzinfo) -> str:
    """``date('c')``: seconds precision with the offset, e.g. ``2026-01-01T03:00:00+03:00``."""
    return _iso_second(int(ts // 1), tz)


@lru_cache(maxsize=256)
def _iso_second(second: int, tz: tzinfo) -> str:
    # Every answer renders the same second two or three times; formatting it once is measurable.
    return datetime.fromtimestamp(second, tz).isoformat(timespec="seconds")


def time_block(start: float, finish: float, processing: float, tz: tzinfo) -> dict[str, Any]:
    return {
        "start": start,
        "finish": finish,
        "duration": finish - start,
        "processing": processing,
        "date_start": iso(start, tz),
        "date_finish": iso(finish, tz),
    }
