"""Parsing off the event loop: what a request parses (its body, a batch command's query) runs on the loop
while it is small and in a few parsing threads when it is not. Parsing is linear, but a 12 MB body of a
million keys still takes seconds, and on the event loop every other connection would wait for it."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from typing import TypeVar

import anyio

T = TypeVar("T")

# Parsing up to this much takes at most a few milliseconds (about 2 ms for 16 KB of ``a[]=1`` pairs, the
# worst shape); past it the hop to a thread (about 0.1 ms) is the smaller cost.
INLINE_PARSE_BYTES = 16 * 1024

# Few threads parse at once: large bodies then queue behind each other instead of taking the thread pool
# that storage work runs in.
_PARSERS = anyio.CapacityLimiter(2)


async def parse_off_loop(size: int, parse: Callable[[], T]) -> T:
    """Run ``parse`` here when the input is small, in a parsing thread when it is not."""
    if size <= INLINE_PARSE_BYTES:
        return parse()
    return await anyio.to_thread.run_sync(_without_collections, parse, limiter=_PARSERS)


_collection_pauses = 0
_pause_lock = threading.Lock()


def _without_collections(parse: Callable[[], T]) -> T:
    """``parse()`` with the cyclic garbage collector paused: a body of a million keys makes millions of
    objects, which set off full collections that walk the whole heap with the interpreter held (a
    ``server.time`` beside it waited 110-180 ms). Parsing makes no cycles, so nothing is left for later."""
    global _collection_pauses
    with _pause_lock:
        _collection_pauses += 1
        gc.disable()
    try:
        return parse()
    finally:
        with _pause_lock:
            _collection_pauses -= 1
            if _collection_pauses == 0:
                gc.enable()
