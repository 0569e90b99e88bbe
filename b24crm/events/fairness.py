"""Which origins may take more of the event worker's in-flight slots, from what their last sends did.

Without it, dead handlers on many origins (each sending slow failures: a connect or read timeout, within
its own ``PER_ORIGIN``) could hold every slot, and a delivery to a healthy handler would wait for their
timeouts. So an origin's limit halves with each consecutive failure (8, 4, 2, then 1: it is still tried,
and one answer gives it back its full share), and origins whose last send failed share at most
``FAILING_SHARE`` of all the slots together: the rest is kept for the origins that answer, or are new.
An answer of any status counts as answering (the handler is there); a send that never left this server
counts as nothing. Kept per worker, bounded to the ``KNOWN`` origins that failed most recently.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

FAILING_SHARE = 0.75
KNOWN = 1024  # failing origins remembered; the oldest is forgotten first (it gets its full share back)
MOST_HALVINGS = 3


class OriginHealth:
    def __init__(self, per_origin: int, in_flight: int) -> None:
        self.per_origin = per_origin
        self.failing_room = max(1, int(in_flight * FAILING_SHARE))
        self._failures: OrderedDict[str, int] = OrderedDict()  # consecutive failures, by origin
        # The claim reads this in a thread while the loop records outcomes.
        self._lock = threading.Lock()

    def limit(self, origin: str) -> int:
        with self._lock:
            failures = self._failures.get(origin, 0)
        return max(1, self.per_origin >> min(failures, MOST_HALVINGS))

    def _failing_busy(self, busy: Mapping[str, int]) -> int:
        with self._lock:
            return sum(n for origin, n in busy.items() if origin in self._failures)

    def admit(self, origin: str, busy: Mapping[str, int]) -> bool:
        """Whether one more delivery to ``origin`` may start, with ``busy`` in flight by origin."""
        if busy.get(origin, 0) >= self.limit(origin):
            return False
        with self._lock:
            failing = origin in self._failures
        return not failing or self._failing_busy(busy) < self.failing_room

    def blocked(self, busy: Mapping[str, int]) -> list[str]:
        """The origins a claim should leave out: those at their limit, and every failing one while the
        failing share is used up (so that their backlog does not fill the batch)."""
        out = {origin for origin, n in busy.items() if n >= self.limit(origin)}
        if self._failing_busy(busy) >= self.failing_room:
            with self._lock:
                out.update(self._failures)
        return sorted(out)

    def record(self, origin: str, outcome: Mapping[str, Any]) -> None:
        """Learn from a send's outcome (``delivery._post``'s)."""
        with self._lock:
            if outcome.get("status_code") is not None:
                self._failures.pop(origin, None)
            elif outcome.get("left", True):
                self._failures[origin] = self._failures.pop(origin, 0) + 1
                while len(self._failures) > KNOWN:
                    self._failures.popitem(last=False)
