"""An answer leaves the server in one system call: uvicorn writes a response's head and its body apart, and
the server's transport sends a write together with the next one, or alone when the loop turns."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from b24crm.http.server import _PairedWrites


def _on_a_socket(
    scenario: Callable[[_PairedWrites, list[bytes]], Awaitable[None]],
) -> tuple[list[bytes], bytes]:
    """Runs ``scenario`` on a paired transport over a real socket: the system writes it made, and what
    the other end received."""

    async def run() -> tuple[list[bytes], bytes]:
        ours, theirs = socket.socketpair()
        loop = asyncio.get_running_loop()
        transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, ours)
        writes: list[bytes] = []
        real_write = transport.write

        def recorded(data: Any) -> None:
            writes.append(bytes(data))
            real_write(data)

        transport.write = recorded  # type: ignore[method-assign]
        paired = _PairedWrites(transport, loop)  # type: ignore[arg-type]
        await scenario(paired, writes)
        await asyncio.sleep(0.01)
        theirs.setblocking(False)
        received = b""
        try:
            while chunk := theirs.recv(65536):
                received += chunk
        except BlockingIOError:
            pass
        transport.abort()
        theirs.close()
        return writes, received

    return asyncio.run(run())


def test_a_head_and_its_body_go_out_in_one_write() -> None:
    async def answer(paired: _PairedWrites, writes: list[bytes]) -> None:
        paired.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        assert writes == []  # held for the body
        paired.write(b"{}")

    writes, received = _on_a_socket(answer)
    assert writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]
    assert received == writes[0]


def test_a_lone_write_goes_out_when_the_loop_turns() -> None:
    async def lone(paired: _PairedWrites, writes: list[bytes]) -> None:
        paired.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await asyncio.sleep(0)
        assert writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
        paired.write(b"a")
        paired.write(b"b")
        paired.write(b"c")

    writes, received = _on_a_socket(lone)
    assert writes == [b"HTTP/1.1 100 Continue\r\n\r\n", b"ab", b"c"]
    assert received == b"HTTP/1.1 100 Continue\r\n\r\nabc"


def test_closing_sends_what_is_held_and_aborting_drops_it() -> None:
    async def closing(paired: _PairedWrites, writes: list[bytes]) -> None:
        paired.write(b"last words")
        assert paired.get_write_buffer_size() == len(b"last words")
        paired.close()

    assert _on_a_socket(closing) == ([b"last words"], b"last words")

    async def aborting(paired: _PairedWrites, writes: list[bytes]) -> None:
        paired.write(b"never sent")
        paired.abort()

    assert _on_a_socket(aborting) == ([], b"")
