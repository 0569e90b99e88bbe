"""What one request's body may cost before any of it is believed: its size is checked against
``Content-Length`` before a byte is read and counted while reading (a chunked body has no length), before
parsing and before the credentials, so an anonymous 300 MB body is refused without being held. Large
bodies are then parsed off the event loop (``rpc/offload.py``).
"""

from __future__ import annotations

from starlette.types import Message, Receive, Scope, Send

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
    # Grown in place (joining chunks at the end would hold the body twice). Never made at the declared
    # size up front: a client declaring 64 MB and sending nothing would hold 64 MB a connection.
    body = bytearray(first)
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone()
        body += message.get("body", b"")
        if len(body) > limit:
            raise BodyTooLarge()
        if not message.get("more_body", False):
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
