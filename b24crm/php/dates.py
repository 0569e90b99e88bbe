"""PHP's ``date('c')`` in a portal's time zone: how every date of an answer is written."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from functools import lru_cache


def iso(ts: float, tz: tzinfo) -> str:
    """``date('c')``: seconds precision with the offset, e.g. ``2026-01-01T03:00:00+03:00``."""
    second = int(ts // 1)
    offset = _bucket_offset(second // _BUCKET, tz)
    if offset is None:  # an offset change inside the quarter hour: the exact way
        return datetime.fromtimestamp(second, tz).isoformat(timespec="seconds")
    shift, suffix = offset
    day, rest = divmod(second + shift, 86400)
    return f"{_day(day)}T{_CLOCK[rest // 60]}:{_SECONDS[rest % 60]}{suffix}"


_CLOCK = [f"{h:02d}:{m:02d}" for h in range(24) for m in range(60)]
_SECONDS = [f"{s:02d}" for s in range(60)]
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=65536)
def _day(day: int) -> str:
    return date.fromordinal(_EPOCH_ORDINAL + day).isoformat()


# Formatting through datetime costs ~3 µs a value, and a list page writes 250 of them. A zone's offset
# changes at most once in an hour, so it is looked up once per hour (two years of dates fit the cache)
# and the rest is arithmetic; an hour whose two ends disagree (a change inside it) goes the exact way.
_BUCKET = 3600


@lru_cache(maxsize=65536)
def _bucket_offset(bucket: int, tz: tzinfo) -> tuple[int, str] | None:
    start = datetime.fromtimestamp(bucket * _BUCKET, tz)
    end = datetime.fromtimestamp(bucket * _BUCKET + _BUCKET - 1, tz)
    if start.utcoffset() != end.utcoffset():
        return None
    delta = start.utcoffset()
    shift = int(delta.total_seconds()) if delta is not None else 0
    sign = "-" if shift < 0 else "+"
    hours, rest = divmod(abs(shift), 3600)
    minutes, seconds = divmod(rest, 60)
    suffix = f"{sign}{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")
    return shift, suffix
