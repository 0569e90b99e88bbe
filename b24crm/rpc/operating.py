"""Operating-time accounting: the processing time of each method for each credential over ten minutes.

The vendor keeps ten one-minute buckets per (credential, method); a bucket lives ten minutes from the first
call that opened it, which is what ``operating_reset_at`` reports. Enforcement comes with the limits;
the figures are reported in every ``time`` block from the start.
"""

from __future__ import annotations

import threading
from collections import deque

WINDOW = 600.0
BUCKET = 60.0


class _Account:
    __slots__ = ("buckets", "total")

    def __init__(self) -> None:
        self.buckets: deque[list[float]] = deque()  # [minute, opened_at, seconds], oldest first
        self.total = 0.0

    def expire(self, now: float) -> None:
        buckets = self.buckets
        while buckets and buckets[0][1] + WINDOW <= now:
            self.total -= buckets.popleft()[2]
        if not buckets:
            self.total = 0.0  # no float drift left behind


class OperatingMeter:
    def __init__(self) -> None:
        self._accounts: dict[tuple[str, str], _Account] = {}
        self._lock = threading.Lock()

    def record(self, credential: str, method: str, at: float, seconds: float) -> None:
        minute = at // BUCKET
        with self._lock:
            account = self._accounts.get((credential, method))
            if account is None:
                account = self._accounts[(credential, method)] = _Account()
            account.expire(at)
            buckets = account.buckets
            if buckets and buckets[-1][0] == minute:
                buckets[-1][2] += seconds
            else:
                buckets.append([minute, at, seconds])
            account.total += seconds

    def read(self, credential: str, method: str, now: float) -> tuple[float, int]:
        """(operating seconds, operating_reset_at) for the pair at ``now``."""
        with self._lock:
            account = self._accounts.get((credential, method))
            if account is not None:
                account.expire(now)
            if account is None or not account.buckets:
                return 0.0, int(now + WINDOW)
            return account.total, int(account.buckets[0][1] + WINDOW)
