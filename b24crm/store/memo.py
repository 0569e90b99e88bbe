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
    def __init__(self, size: int = 4096) -> None:
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]  # type: ignore[no-any-return]
        value = make()
        with self._lock:
            self._entries[key] = value
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value
