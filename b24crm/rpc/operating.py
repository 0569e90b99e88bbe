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


class OperatingMeter:
    def __init__(self) -> None:
        # key -> deque of [minute, opened_at, seconds], oldest first
        self._buckets: dict[tuple[str, str], deque[list[float]]] = {}
        self._lock = threading.Lock()

    def record(self, credential: str, method: str, at: float, seconds: float) -> None:
        minute = at // BUCKET
        with self._lock:
            buckets = self._buckets.setdefault((credential, method), deque())
            self._expire(buckets, at)
            if buckets and buckets[-1][0] == minute:
                buckets[-1][2] += seconds
            else:
                buckets.append([minute, at, seconds])

    def read(self, credential: str, method: str, now: float) -> tuple[float, int]:
        """(operating seconds, operating_reset_at) for the pair at ``now``."""
        with self._lock:
            buckets = self._buckets.get((credential, method))
            if buckets:
                self._expire(buckets, now)
            if not buckets:
                return 0.0, int(now + WINDOW)
            return sum(b[2] for b in buckets), int(buckets[0][1] + WINDOW)

    @staticmethod
    def _expire(buckets: deque[list[float]], now: float) -> None:
        while buckets and buckets[0][1] + WINDOW <= now:
            buckets.popleft()
