"""A small thread-safe LRU memo, for what is costly to make and safe to keep:

- list counts (counting a filter over a million rows costs more than the page itself), keyed by the
  portal's change generation for the table group (a counter every write bumps in its own transaction, see
  ``crm_activities.touch``): a count read in the same transaction as that generation is exactly what
  COUNT(*) would answer, across processes too. Only counts that depend on nothing else may be kept (no
  per-user visibility, no clock);
- list query plans, keyed by the request that built them (building and keying a 40-column SELECT is a
  tenth of a list call).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class Memo:
    """At most ``max_bytes`` of entries, by the weight each caller gives its entry (an estimate of what the
    key and value hold), the least recently used going first. A key can hold a whole filter: 150 distinct
    30,000-value filters once grew the process by 1.1 GB when the memo counted entries, not bytes. An entry
    heavier than an eighth of the budget is made and not kept."""

    def __init__(self, max_bytes: int) -> None:
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._max_bytes = max_bytes
        self._bytes = 0
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], T], weight: int) -> T:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found[0]  # type: ignore[no-any-return]
        value = make()
        if weight > self._max_bytes // 8:
            return value
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= previous[1]
            self._entries[key] = (value, weight)
            self._bytes += weight
            while self._bytes > self._max_bytes:
                _key, (_value, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped
        return value

    @property
    def size_in_bytes(self) -> int:
        """The weight of what is kept now."""
        return self._bytes
