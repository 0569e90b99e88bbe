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

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

# How long a caller waits for another thread making the same entry before making it itself.
_WAIT_FOR_MAKER = 30.0


class _Making:
    """An entry being made: set done when its maker finished, with the value if it made one."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.made = False
        self.value: Any = None


def _on_event_loop() -> bool:
    """Whether this thread runs an event loop (inline storage work): it must never wait for a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


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
        self._making: dict[Hashable, _Making] = {}  # keys a thread is making now

    def get_or_make(self, key: Hashable, make: Callable[[], T], weight: int) -> T:
        """The entry of ``key``, made by ``make`` when there is none. Callers missing a key another thread
        is making wait for it, in their threads: after a write changes the generation, every list page in
        flight asks for the same count, and each counted. On the event loop nothing waits: the loop makes
        its own."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found[0]  # type: ignore[no-any-return]
            making = self._making.get(key)
            if making is None:
                making = self._making[key] = _Making()
                mine = True
            else:
                mine = False
        if not mine:
            if not _on_event_loop() and making.done.wait(_WAIT_FOR_MAKER) and making.made:
                return making.value  # type: ignore[no-any-return]
            return make()  # the maker failed or is slow, or this is the loop: made here, not kept
        try:
            value = make()
            making.value, making.made = value, True
        finally:
            with self._lock:
                self._making.pop(key, None)
            making.done.set()
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
