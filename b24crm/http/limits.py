"""What one request may cost before any of it is believed: its body's size, and the time its parsing holds
the event loop.

The size is checked against ``Content-Length`` before a byte is read and counted while reading (a chunked
body has no length), before parsing and before the credentials, so an anonymous 300 MB body is refused
without being held. Bodies past ``INLINE_PARSE_BYTES`` are parsed in a worker thread: parsing is linear, but
a 12 MB body of a million keys still takes seconds, and on the event loop every other connection would
wait for it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from typing import TypeVar

import anyio
from starlette.types import Message, Receive, Scope, Send

T = TypeVar("T")

# Parsing up to this much takes at most a few milliseconds (about 2 ms for 16 KB of ``a[]=1`` pairs, the
# worst shape); past it the hop to a thread (about 0.1 ms) is the smaller cost.
INLINE_PARSE_BYTES = 16 * 1024

# Few threads parse at once: large bodies then queue behind each other instead of taking the thread pool
# that storage work runs in.
_PARSERS = anyio.CapacityLimiter(2)

TOO_LARGE_HTML = (
    b"<html><head><title>413 Request Entity Too Large</title></head>"
    b"<body><h1>413 Request Entity Too Large</h1></body></html>"
)


class BodyTooLarge(Exception):
    """The request's body is over the ``max_body`` setting."""


class ClientGone(Exception):
    """The client went away (or was dropped for sending too slowly) before its request was complete."""


def declared_length(scope: Scope) -> int | None:
    for key, value in scope["headers"]:
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes | bytearray:
    """The whole body, refused as soon as it is known to be over ``limit`` bytes."""
    declared = declared_length(scope)
    if declared is not None and declared > limit:
        raise BodyTooLarge()
    message = await receive()
    if message["type"] == "http.disconnect":
        raise ClientGone()
    first = message.get("body", b"")
    if not message.get("more_body", False):  # the usual case: one message holds the body
        if len(first) > limit:
            raise BodyTooLarge()
        return first
    # Filled in place: joining chunks at the end would hold the body twice, and growing a buffer copies it
    # again and again (with the interpreter held); with a declared length it is made once at its size.
    body = bytearray(declared if declared is not None and declared > len(first) else len(first))
    body[: len(first)] = first
    filled = len(first)
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone()
        chunk = message.get("body", b"")
        end = filled + len(chunk)
        if end > limit:
            raise BodyTooLarge()
        if end <= len(body):
            body[filled:end] = chunk  # same length: copied into place, no new buffer
        else:
            del body[filled:]
            body += chunk
        filled = end
        if not message.get("more_body", False):
            if filled < len(body):
                del body[filled:]
            return body


def counting_receive(receive: Receive, limit: int) -> Receive:
    """``receive`` that refuses a body once more than ``limit`` bytes of it have come (for readers that
    stream it themselves: multipart forms, the admin namespace)."""
    seen = 0

    async def guarded() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise BodyTooLarge()
        return message

    return guarded


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


async def send_too_large(send: Send) -> None:
    """What a front server answers to an oversized body: 413 with a small HTML page; the connection is
    closed, since the rest of the body is never read."""
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(TOO_LARGE_HTML)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": TOO_LARGE_HTML})
