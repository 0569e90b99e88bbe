"""The request log: one console line per REST call, and the last calls of each portal kept in memory.

The REST endpoint opens a ``CallRecord`` when the log is on and fills it as the call goes (the route, the
parameters, the credential, the vendor error); the answer's status and bytes are taken from what it sends.
Everything costly (masking secrets, decoding the answer, formatting times for the admin API) happens when
someone reads the log, off the event loop, never per call. With the log off the endpoint never gets here.

Bounded as every log is: a number of calls per portal, and a byte budget for all of them together (the
oldest call of the whole server goes first). A call's parameters are kept only when its input was small,
and its answer only up to ``KEEP_ANSWER`` bytes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

log = logging.getLogger("b24crm.requests")

KEEP_PARAMS = 64 * 1024  # an input larger than this is not kept, only its size
KEEP_ANSWER = 64 * 1024
LONG_TEXT = 1024  # a longer string in a kept call is shown cut, with its length
# Keys whose values are credentials, wherever they occur (lower case): shown masked.
SECRET_KEYS = frozenset(
    {
        "auth",
        "access_token",
        "refresh_token",
        "client_secret",
        "application_token",
        "auth_id",
        "refresh_id",
        "password",
    }
)
FILE_KEYS = frozenset({"filedata", "file", "icon_file", "content"})
MASK = "***"
CONSOLE_EVERY = 0.05  # seconds: prompt for a reader, and many lines a write under load
SERVER = 0  # where calls that reached no portal are kept (an unknown webhook code, a missing token)

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class CallRecord:
    __slots__ = (
        "answer",
        "answer_size",
        "at",
        "began",
        "client",
        "credential",
        "downstream",
        "error",
        "fmt",
        "id",
        "ms",
        "params",
        "route",
        "size",
        "status",
        "weight",
    )

    def __init__(self, at: float, client: str, send: Send) -> None:
        self.id = 0
        self.at = at
        self.began = time.perf_counter()
        self.ms = 0.0
        self.route: Any = None
        self.client = client
        self.params: dict[str, Any] | None = None
        self.size = 0
        self.credential: Any = None
        self.error = ""
        self.status = 0
        self.answer = b""
        self.answer_size = 0
        self.fmt = "json"
        self.weight = 0
        self.downstream = send

    async def send(self, message: MutableMapping[str, Any]) -> None:
        """The endpoint's ``send``: the answer's status and first bytes are noted on the way."""
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            self.answer_size += len(body)
            kept = len(self.answer)
            if not kept:  # the one body of a REST answer: kept as it is when it is short
                self.answer = body if len(body) <= KEEP_ANSWER else body[:KEEP_ANSWER]
            elif kept < KEEP_ANSWER:
                self.answer += body[: KEEP_ANSWER - kept]
        await self.downstream(message)

    @property
    def portal_id(self) -> int:
        return self.credential.portal.id if self.credential is not None else SERVER


def describe_credential(credential: Any) -> str:
    if credential is None:
        return "-"
    if credential.app is not None:
        return f"app {credential.app.id} (user {credential.user.id})"
    return f"webhook {credential.id} (user {credential.user.id})"


def hint(call: CallRecord) -> str:
    """What to do about a call that failed for a reason integrators meet on their first day."""
    route = call.route
    if call.error in ("NO_AUTH_FOUND", "INVALID_CREDENTIALS") and route is not None and route.webhook:
        return (
            f"the webhook code for user {route.webhook[0]} is unknown or revoked: use the URL printed as "
            "'Webhook:' at start, or make one with `b24crm webhook create --portal P --user U --scope crm`"
        )
    if call.error == "INVALID_REQUEST" and route is not None and route.webhook:
        return "webhooks need HTTPS here (require_https): call the https:// URL (`b24crm serve --tls`)"
    return ""


class Journal:
    def __init__(self, *, console: bool, keep: int, budget: int, clock: Callable[[], float]) -> None:
        self.console = console
        self.keep = keep
        self.budget = budget
        self.clock = clock
        self._lock = threading.Lock()
        self._portals: dict[int, deque[CallRecord]] = {}
        self._order: OrderedDict[int, CallRecord] = OrderedDict()  # every kept call, oldest first
        self._bytes = 0
        self._next = 0
        self._lines: list[str] = []  # console lines waiting for the next write
        self._writer: ConsoleWriter | None = None

    def begin(self, scope: MutableMapping[str, Any], send: Send) -> CallRecord:
        client = scope.get("client")
        return CallRecord(self.clock(), client[0] if client else "", send)

    def finish(self, call: CallRecord) -> None:
        call.ms = (time.perf_counter() - call.began) * 1000
        call.downstream = None  # type: ignore[assignment]  # the log does not keep the connection alive
        if self.console and log.isEnabledFor(logging.INFO):  # `serve` enables it; a test or script may
            self._print(console_line(call))
        if self.keep > 0:
            self._keep(call)

    def _print(self, line: str) -> None:
        """Console lines leave together every ``CONSOLE_EVERY`` seconds: one log record and one write for
        all the calls that ended meanwhile, rather than one per call (which cost a fifth of a server.time)."""
        lines = self._lines
        lines.append(line)
        if len(lines) == 1:
            try:
                asyncio.get_running_loop().call_later(CONSOLE_EVERY, self._flush)
            except RuntimeError:  # no loop (a call made outside a server): at once
                self._flush()

    def _flush(self) -> None:
        lines, self._lines = self._lines, []
        if lines:
            if self._writer is None:
                self._writer = ConsoleWriter()
            self._writer.write(lines)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()

    def _keep(self, call: CallRecord) -> None:
        if call.size > KEEP_PARAMS:
            call.params = None
        with self._lock:
            self._next += 1
            call.id = self._next
            call.weight = 256 + len(call.answer) + (call.size if call.params is not None else 0)
            calls = self._portals.get(call.portal_id)
            if calls is None:
                calls = self._portals[call.portal_id] = deque()
            if len(calls) >= self.keep:
                self._drop(calls.popleft())
            calls.append(call)
            self._order[call.id] = call
            self._bytes += call.weight
            while self._bytes > self.budget and self._order:
                _, oldest = self._order.popitem(last=False)
                self._bytes -= oldest.weight
                others = self._portals[oldest.portal_id]
                others.popleft()  # the oldest of the server is the oldest of its portal
                if not others:
                    del self._portals[oldest.portal_id]

    def _drop(self, call: CallRecord) -> None:
        del self._order[call.id]
        self._bytes -= call.weight

    def calls(
        self, portal_id: int, *, after: int = 0, limit: int = 1000, newest: bool = False
    ) -> list[dict[str, Any]]:
        """The portal's kept calls with an id above ``after``, oldest first, secrets masked: the first
        ``limit`` of them, or with ``newest`` the last ``limit`` (chosen before any is decoded)."""
        with self._lock:
            kept = [c for c in self._portals.get(portal_id, ()) if c.id > after]
        chosen = kept[-limit:] if newest else kept[:limit]
        return [view(c) for c in chosen]

    @property
    def kept_bytes(self) -> int:
        return self._bytes


class ConsoleWriter:
    """Writes the console lines from a thread of its own: a terminal or a file that is slow to take them
    (a full pipe, a busy disk) holds that thread, never the event loop. At most ``BACKLOG`` batches
    wait; past that a batch is dropped and the next line written says how many lines went."""

    BACKLOG = 64

    def __init__(self) -> None:
        self._queue: queue.Queue[list[str] | None] = queue.Queue(self.BACKLOG)
        self._dropped = 0
        self._dropped_lock = threading.Lock()  # the loop adds, the writer takes: neither loses a count
        self._thread = threading.Thread(target=self._run, name="b24crm-request-log", daemon=True)
        self._thread.start()

    def write(self, lines: list[str]) -> None:
        try:
            self._queue.put_nowait(lines)
        except queue.Full:
            with self._dropped_lock:
                self._dropped += len(lines)

    def _run(self) -> None:
        while (lines := self._queue.get()) is not None:
            with self._dropped_lock:
                dropped, self._dropped = self._dropped, 0
            if dropped:
                lines.insert(0, f"({dropped} request lines dropped: the console did not keep up)")
            log.info("\n".join(lines))

    def close(self) -> None:
        try:
            self._queue.put(None, timeout=1)
        except queue.Full:
            return
        self._thread.join(1)


def console_line(call: CallRecord) -> str:
    at = f"{_this_second(call.at)}.{int(call.at % 1 * 1000):03d}"
    method = call.route.method if call.route is not None else "?"
    portal = f"portal {call.portal_id}" if call.credential is not None else "portal ?"
    line = f"{at} {portal} {describe_credential(call.credential)} {method} {call.status}"
    if call.error:
        line += f" {call.error}"
    line += f" {call.ms:.1f} ms"
    advice = hint(call)
    return f"{line}: {advice}" if advice else line


_second: tuple[int, str] = (-1, "")


def _this_second(at: float) -> str:
    """HH:MM:SS of ``at``, formatted once a second: the calls of a busy second share it."""
    global _second
    second = int(at)
    if _second[0] != second:
        _second = (second, time.strftime("%H:%M:%S", time.localtime(second)))
    return _second[1]


def view(call: CallRecord) -> dict[str, Any]:
    return {
        "id": call.id,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(call.at)) + f".{int(call.at % 1 * 1000):03d}Z",
        "portal": call.portal_id if call.credential is not None else None,
        "credential": describe_credential(call.credential),
        "client": call.client,
        "method": call.route.method if call.route is not None else "",
        "status": call.status,
        "error": call.error,
        "ms": round(call.ms, 3),
        "params": mask(call.params) if call.params is not None else f"({call.size} bytes, not kept)",
        "answer": _answer(call),
        "hint": hint(call),
    }


def _answer(call: CallRecord) -> Any:
    if call.answer_size > len(call.answer) or call.fmt != "json":
        text = call.answer.decode("utf-8", "replace")
        return f"{text[:LONG_TEXT]}... ({call.answer_size} bytes)" if call.answer_size > LONG_TEXT else text
    try:
        return mask(json.loads(call.answer))
    except ValueError:
        return call.answer.decode("utf-8", "replace")


def mask(value: Any, key: str = "") -> Any:
    """A copy of ``value`` with credentials and file contents replaced, long strings cut."""
    lower = key.lower()
    if lower in SECRET_KEYS and value not in (None, ""):
        return MASK
    if isinstance(value, dict):
        return {k: mask(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        if lower in FILE_KEYS:
            return [_file_content(v) if i else mask(v) for i, v in enumerate(value)]
        return [mask(v, key) for v in value]
    if isinstance(value, str):
        if lower in FILE_KEYS and len(value) > 64:
            return _file_content(value)
        if len(value) > LONG_TEXT:
            return f"{value[:64]}... ({len(value)} characters)"
    return value


def _file_content(value: Any) -> Any:
    return f"(file content, {len(value)} characters)" if isinstance(value, str) else mask(value)
