"""The HTTP connection handling uvicorn lacks: a deadline for receiving a request, and a cap on its head.

uvicorn closes idle keep-alive connections, but a client that opens a connection and sends its request a
byte at a time (or never finishes it) is kept forever, and llhttp accepts a head of any size: 500 such
connections stayed open indefinitely. Each request must now arrive whole, head and body, within
``request_timeout`` seconds of its first byte (or of the connection's opening), and its head within
``MAX_HEAD_BYTES``; otherwise the connection is dropped. The handler then sees ``http.disconnect``.

An answer goes out in one system call where uvicorn makes two (its head, then its body): a write is held
until the next one or the loop's next turn (``_PairedWrites``). On a loaded server a system call costs
more than the Python around it (bench/README.md, "Runs O").

A request may also end its own connection without an answer (``drop_connection``: the fault rules' ``drop``,
a connection reset as integrations meet them behind proxies); uvicorn offers no way to, and answers 500 to
an application that fails before answering.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DROP = "b24crm.drop_connection"  # the scope's extension that ends the request's connection unanswered

# Far above what any client sends (URLs of REST calls, a bearer token, cookies), far below harm.
MAX_HEAD_BYTES = 64 * 1024

_HEAD_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
)


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the request deadline and the head cap."""

    request_timeout = 60.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._head_bytes: int | None = None  # counted while a head is being received

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.transport = _PairedWrites(transport, self.loop)  # type: ignore[assignment]
        self._arm()  # a connection that never sends a whole request is dropped too

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._head_bytes is not None:
            self._head_bytes += len(data)
        super().data_received(data)
        # Judged after parsing: the chunk that ends a head may carry a large body behind it.
        if (
            self._head_bytes is not None
            and self._head_bytes > MAX_HEAD_BYTES
            and not self.transport.is_closing()
        ):
            self._disarm()
            self.transport.write(_HEAD_TOO_LARGE)
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._arm()

    def on_headers_complete(self) -> None:
        self._head_bytes = None
        super().on_headers_complete()
        cycle = self.cycle  # the new request's, made above; its task has not run yet
        if cycle is not None and cycle.scope is self.scope:

            def drop() -> None:
                self._disarm()
                cycle.disconnected = True  # so uvicorn sends nothing for it: no 500 page, no log
                self.transport.abort()

            extensions: dict[str, Any] = self.scope.setdefault("extensions", {})  # type: ignore[assignment]
            extensions[DROP] = drop

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


class _PairedWrites:
    """A transport whose writes go out two at a time: a write is held until the next one, which goes out
    with it, or until the loop turns. Closing sends what is held first; aborting drops it."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._held is None:
            self._held = bytes(data)
            self._loop.call_soon(self._flush)
        else:
            held, self._held = self._held, None
            self._transport.write(held + data)

    def _flush(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            if not self._transport.is_closing():
                self._transport.write(held)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + len(self._held or b"")

    def __getattr__(self, name: str) -> Any:  # everything else is the transport's own
        return getattr(self._transport, name)


class ConnectionDropped(Exception):
    """Raised for a drop where the server is not b24crm's (an in-process client, another ASGI server)."""


def drop_connection(scope: Any) -> None:
    """End the request's connection at once, without an HTTP answer: the client sees it closed."""
    drop = (scope.get("extensions") or {}).get(DROP)
    if drop is None:
        raise ConnectionDropped("the connection was dropped on purpose (a fault rule)")
    drop()


def guarded_protocol(request_timeout: float) -> type[GuardedProtocol]:
    """The protocol class to give uvicorn (``http=``), with this server's request deadline."""
    return type("GuardedProtocol", (GuardedProtocol,), {"request_timeout": request_timeout})
