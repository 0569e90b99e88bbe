"""The server's clock, as an integrator moves it: frozen, set, advanced, or back to the real time; kept in
the database (``store/clock_control.py``), so every server process on it answers by the same time at once.

Everything reads this clock: tokens expire, todo reminders fire, offline events' processing times out,
``server.time``, the time block of every answer and every date written follow it."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from b24crm.crm.activity import pings
from b24crm.php.dates import iso
from b24crm.runtime import Runtime
from b24crm.store import clock_control
from b24crm.store.clock_control import Control

# The instants a clock may be set to: from the epoch to the year 9999, as the dates written must parse.
EARLIEST, LATEST = 0.0, 253_402_300_799.0


def _float(value: int | float | str) -> float:
    """The value as a float; an integer past a float's range (JSON allows any) is infinite, not an error."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def parse_instant(value: Any) -> float:
    """Unix seconds, or an ISO 8601 date and time (without an offset: UTC)."""
    if isinstance(value, bool):
        raise ValueError("set must be Unix seconds or an ISO 8601 date and time")
    if isinstance(value, int | float):
        when = _float(value)
    elif isinstance(value, str):
        try:
            when = float(value)
        except ValueError:
            try:
                parsed = datetime.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"set: not a date and time: {value[:64]!r}") from None
            when = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
    else:
        raise ValueError("set must be Unix seconds or an ISO 8601 date and time")
    if not math.isfinite(when) or not EARLIEST <= when <= LATEST:
        raise ValueError("set must lie between 1970 and 9999")
    return when


def parse_seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("advance must be a number of seconds")
    try:
        seconds = _float(value)
    except ValueError:
        raise ValueError("advance must be a number of seconds") from None
    if not math.isfinite(seconds) or abs(seconds) > LATEST:
        raise ValueError("advance is out of range")
    return seconds


def view(runtime: Runtime) -> dict[str, Any]:
    with runtime.db.read() as conn:
        control = clock_control.read(conn)
    now = runtime.clock.now()
    return {
        "now": now,
        "iso": iso(now, UTC),
        "frozen": control is not None and control.frozen is not None,
        "offset": 0.0 if control is None or control.frozen is not None else control.offset,
        "controlled": control is not None,
    }


def change(
    runtime: Runtime,
    *,
    freeze: bool | None = None,
    set_to: float | None = None,
    advance: float | None = None,
    real: bool = False,
) -> dict[str, Any]:
    """Freeze (or let run) the clock, set it to an instant, advance it by seconds, in that order of meaning:
    the time is set, then advanced, and keeps running unless frozen (a frozen clock stays frozen unless
    ``freeze`` is False). ``real`` goes back to the real time. Reminders whose time has come fire at once."""
    with runtime.db.write() as conn:
        current = clock_control.read(conn)
        base = runtime.clock.base.now()
        if real:
            new: Control | None = None
        else:
            frozen_at = None if current is None else current.frozen
            offset = 0.0 if current is None else current.offset
            now = frozen_at if frozen_at is not None else base + offset
            target = now if set_to is None else set_to
            target += advance or 0.0
            if not EARLIEST <= target <= LATEST:
                raise ValueError("the clock would leave the years 1970 to 9999")
            keep_frozen = frozen_at is not None if freeze is None else freeze
            new = Control(target, 0.0) if keep_frozen else Control(None, target - base)
        clock_control.write(conn, new)
    runtime.clock_control.changed(new)
    pings.fire_due(runtime.db, runtime.clock.now())
    return view(runtime)


# --- the admin endpoints (routed by routes.py) ---------------------------------------------------------

_KEYS = {"freeze", "set", "advance"}


def get_clock(runtime: Runtime, _path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    """The server's time and whether it is frozen or moved."""
    return 200, view(runtime)


def put_clock(runtime: Runtime, _path: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
    """``{"freeze": true|false, "set": <Unix seconds or ISO 8601>, "advance": <seconds>}``, any of them."""
    unknown = sorted(set(body) - _KEYS)
    if unknown or not body:
        raise ValueError(f"the body takes freeze, set and advance (got {', '.join(unknown) or 'nothing'})")
    freeze = body.get("freeze")
    if freeze is not None and not isinstance(freeze, bool):
        raise ValueError("freeze must be true or false")
    set_to = parse_instant(body["set"]) if body.get("set") is not None else None
    advance = parse_seconds(body["advance"]) if body.get("advance") is not None else None
    return 200, change(runtime, freeze=freeze, set_to=set_to, advance=advance)


def delete_clock(runtime: Runtime, _path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    """Back to the real time."""
    return 200, change(runtime, real=True)
