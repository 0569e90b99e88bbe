"""The ``time`` block of every successful answer, dates in the portal's time zone."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from b24crm.php.dates import iso


def time_block(start: float, finish: float, processing: float, tz: tzinfo) -> dict[str, Any]:
    return {
        "start": start,
        "finish": finish,
        "duration": finish - start,
        "processing": processing,
        "date_start": _this_second(start, tz),
        "date_finish": _this_second(finish, tz),
    }


# Every answer writes the current second twice, and thousands of answers share a second.
_last: tuple[int, tzinfo, str] = (-1, None, "")  # type: ignore[assignment]


def _this_second(ts: float, tz: tzinfo) -> str:
    global _last
    second = int(ts // 1)
    seen, zone, text = _last
    if second == seen and zone is tz:
        return text
    text = iso(second, tz)
    _last = (second, tz, text)
    return text
