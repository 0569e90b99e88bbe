"""Remembered list counts: counting a filter over a million rows costs more than the page itself.

An entry is keyed by the portal's change generation for the table group (a counter every write bumps in its
own transaction, see ``crm_activities.touch``), so a count read in the same transaction as that generation
is exactly what COUNT(*) would answer, across processes too. Only counts that depend on nothing else may be
kept (no per-user visibility, no clock).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class CountCache:
    def __init__(self, size: int = 4096) -> None:
        self._entries: OrderedDict[Hashable, int] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get_or_count(self, key: Hashable, count: Callable[[], int]) -> int:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = count()
        with self._lock:
            self._entries[key] = value
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value
