"""The server's notion of now. Tests inject a manual clock instead of sleeping."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Unix time in seconds, fractional."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to; thread-safe because handlers run in a thread pool."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def set(self, when: float) -> None:
        with self._lock:
            self._now = when


class Control(Protocol):
    """What tells a ``ControlledClock`` the time it must keep: None (the base clock's time), or a frozen
    instant and an offset (``store/clock_control.py`` keeps it in the database for every process)."""

    @property
    def frozen(self) -> float | None: ...

    @property
    def offset(self) -> float: ...


class ControlSource(Protocol):
    def state(self) -> Control | None: ...


class ControlledClock:
    """The server's clock: the base clock (the real time, or a test's ManualClock), frozen or moved as the
    control in force says. Frozen, it answers the frozen instant; otherwise the base time plus the offset."""

    def __init__(self, base: Clock, control: ControlSource) -> None:
        self.base = base
        self.control = control

    def now(self) -> float:
        control = self.control.state()
        if control is None:
            return self.base.now()
        if control.frozen is not None:
            return control.frozen
        return self.base.now() + control.offset
