"""ISO 8601 dates by arithmetic agree with datetime's own formatting, in every kind of zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from b24crm.php.dates import iso

# Offsets with minutes and seconds, half-hour DST, southern DST, historical local mean time.
ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "America/St_Johns",
    "Pacific/Chatham",
    "Africa/Monrovia",
    "Europe/Moscow",
)


@settings(max_examples=3000, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    moment=st.floats(min_value=-2_500_000_000, max_value=253_402_214_400, allow_nan=False),
)
def test_iso_matches_datetime(zone: str, moment: float) -> None:
    tz = ZoneInfo(zone)
    assert iso(moment, tz) == datetime.fromtimestamp(int(moment // 1), tz).isoformat(timespec="seconds")


def test_around_a_dst_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    change = 1_774_746_000  # 2026-03-29T01:00:00Z: clocks go from 02:00 to 03:00
    assert iso(change - 1, berlin) == "2026-03-29T01:59:59+01:00"
    assert iso(change, berlin) == "2026-03-29T03:00:00+02:00"
