"""Sending events to their handlers: the documented form-encoded POST (docs: api-reference/events/index.md)
with ``event``, ``event_handler_id``, ``data[FIELDS][ID]``, ``ts`` and the ``auth`` block.

Deliveries are rows written with the event, so a server stopped between the commit and the send delivers
after it starts again. The vendor makes one attempt and keeps no log; b24crm logs every attempt (status,
latency, the start of the answer) and retries with doubling delays up to ``event_retries`` times (default
0, the vendor's single attempt). A delivery is claimed for ``LEASE`` seconds before it is sent, so two
server processes never send it twice at once, and one that died mid-send is retried after the lease: a
delivery is sent at least once, and twice when a server is killed between the handler's answer and its
record.

Handlers are kept apart: at most ``PER_ORIGIN`` deliveries are in flight to one origin (scheme, host and
port), deliveries to an origin that has them all are not even claimed, and the running worker starts each
delivery as soon as it is claimed and records each as soon as it ends, so a slow or dead handler delays
only its own deliveries; origins that fail get fewer slots, so that many dead handlers never hold them all
(events/fairness.py). A delivery that never left this server (no connection to be had in time, or the
machine out of sockets) has not used an attempt: it is tried again ``RESEND`` seconds later.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit

import httpx
import qs_codec

from b24crm.apps.models import LOCAL, App
from b24crm.apps.oauth import TokenPair
from b24crm.events import faults
from b24crm.events.catalogue import APP_INSTALL, APP_TEST, APP_UNINSTALL, OFFLINE_EVENT
from b24crm.events.fairness import OriginHealth
from b24crm.store import apps, deliveries, tenancy

log = logging.getLogger("b24crm.events")

LEASE = 60.0  # seconds a claimed delivery stays with its worker, at least (longer with longer timeouts)
BATCH = 50
# A commit that writes deliveries wakes the worker at once; without one it looks every IDLE seconds, for
# retries come due and for deliveries written by another process (the CLI, a second server).
IDLE = 0.5
# Handlers are often small servers with short backlogs: at most PER_ORIGIN deliveries in flight to one.
# IN_FLIGHT bounds them all and is the connection pool's size, so a send never waits for a connection.
PER_ORIGIN = 8
IN_FLIGHT = 256
RESEND = 1.0  # seconds before a delivery that never left this server is tried again
ANSWER_KEPT = 512  # bytes of a handler's answer read and kept in the attempt log
LOCAL_GIVE_UP = 600.0  # seconds after its creation from which such a failure counts as an attempt
# Connection failures that say nothing about the handler: this machine is out of descriptors, buffers,
# memory or local addresses. The request never left it.
_LOCAL_ERRNOS = frozenset(
    {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM, errno.EADDRNOTAVAIL, errno.EADDRINUSE}
)


# Events that need long-term access carry the refresh token too (docs: api-reference/events/index.md;
# the vendor's ``sendRefreshToken`` events). CRM events do not.
WITH_REFRESH = frozenset({APP_INSTALL, "ONAPPUPDATE", APP_TEST, OFFLINE_EVENT, "ONSUBSCRIPTIONRENEW"})


def auth_block(portal: dict[str, Any], base_url: str, application_token: str) -> dict[str, Any]:
    """The ``auth`` of an outgoing webhook's call: no access token, as Bitrix24 sends it without an app
    (and as it sends ONAPPUNINSTALL, whose tokens are already revoked)."""
    return {
        "domain": portal["domain"],
        "client_endpoint": f"{base_url}/rest/",
        "server_endpoint": f"{base_url}/rest/",
        "member_id": portal["member_id"],
        "application_token": application_token,
    }


def app_auth_block(
    portal: dict[str, Any], base_url: str, app: App, pair: TokenPair, *, with_refresh: bool
) -> dict[str, Any]:
    """The ``auth`` of an app's event: the acting user's token and the app's (docs: events/index.md)."""
    block: dict[str, Any] = {
        "access_token": pair.access_token,
        "expires": pair.expires,
        "expires_in": 3600,
        "scope": app.scope_text,
        "domain": portal["domain"],
        "server_endpoint": f"{base_url}/rest/",
        "status": LOCAL,
        "client_endpoint": f"{base_url}/rest/",
        "member_id": portal["member_id"],
        "user_id": pair.user_id,
    }
    if with_refresh:
        block["refresh_token"] = pair.refresh_token
    block["application_token"] = app.application_token
    return block


def payload(
    delivery: dict[str, Any],
    portal: dict[str, Any],
    base_url: str,
    now: float,
    auth: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "event": delivery["event"],
        "event_handler_id": delivery["handler_id"],
        "data": delivery["data"],
        "ts": int(now),
        "auth": auth if auth is not None else auth_block(portal, base_url, delivery["application_token"]),
    }


def encode(body: dict[str, Any]) -> str:
    """PHP's ``http_build_query``: ``data[FIELDS][ID]=7&auth[domain]=...``, true as 1 and false as 0."""
    return qs_codec.encode(_php_scalars(body), qs_codec.EncodeOptions(encode_values_only=False))


def _php_scalars(value: Any) -> Any:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dict):
        return {k: _php_scalars(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_php_scalars(v) for v in value]
    return value


def origin_of(url: str) -> str:
    """``scheme://host:port`` as the URL spells it: what a handler's deliveries in flight are counted by."""
    try:
        parts = urlsplit(url)
    except ValueError:  # unsendable; its attempt fails and is recorded
        return url
    return url[: len(parts.scheme) + 3 + len(parts.netloc)] if parts.netloc else url


def never_left(exc: BaseException) -> bool:
    """Whether a failed send ended before anything reached the handler, for a reason of this server's:
    no pooled connection in time, or a local socket error. A refused or timed-out connection is the
    handler's (it is down) and uses an attempt."""
    if isinstance(exc, httpx.PoolTimeout):
        return True
    if not isinstance(exc, httpx.ConnectError):
        return False
    cause: BaseException | None = exc
    for _ in range(8):  # httpx -> httpcore -> anyio's summary -> the socket's OSError
        if cause is None:
            break
        if isinstance(cause, OSError) and cause.errno in _LOCAL_ERRNOS:
            return True
        cause = cause.__cause__ or cause.__context__
    return False


Claimed = tuple[dict[str, Any], dict[str, Any], Any]  # a delivery, its portal, its ``auth``


class DeliveryWorker:
    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        connect = float(runtime.settings.event_connect_timeout)
        read = float(runtime.settings.event_read_timeout)
        # ``pool`` is this server's own wait for a connection: nothing has been sent when it runs out.
        self.timeout = httpx.Timeout(connect=connect, read=read, write=read, pool=connect)
        # httpx times each read, so a handler trickling its answer is cut off here; the claim outlives it,
        # so no other worker takes a delivery still being sent.
        self.deadline = connect + 2 * read
        self.lease = max(LEASE, 2 * self.deadline)
        self.in_flight: dict[str, int] = {}  # deliveries being sent, by origin
        self.health = OriginHealth(PER_ORIGIN, IN_FLIGHT)

    def client(self) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=64)
        return httpx.AsyncClient(limits=limits, timeout=self.timeout)

    def _auth_for(
        self,
        conn: Any,
        delivery: dict[str, Any],
        portal: dict[str, Any],
        now: float,
        seen: dict[tuple[int, int], dict[str, Any] | None],
    ) -> Any:
        """The delivery's ``auth``: None for an outgoing webhook (the reduced block is built later).
        ``seen`` keeps the apps already read in this round."""
        app_id = delivery.get("app_id")
        if app_id is None:
            return None
        key = (delivery["portal_id"], app_id)
        if key not in seen:
            seen[key] = apps.app_by_id(conn, *key)
        row = seen[key]
        base_url = self.runtime.settings.base_url
        user_id = delivery.get("user_id")
        if row is None or not row["active"] or delivery["event"] == APP_UNINSTALL or not user_id:
            # No tokens: the app is gone, or nobody acted (a robot, an agent).
            return auth_block(portal, base_url, delivery["application_token"])
        app = App.from_row(row)
        with_refresh = delivery["event"] in WITH_REFRESH
        # Each delivery carries a token of its own, minted as it is sent (``expires`` = ``ts`` + 3600).
        pair = self.runtime.oauth.issue(conn, app, int(user_id), now, with_refresh=with_refresh)
        return app_auth_block(portal, base_url, app, pair, with_refresh=with_refresh)

    def _retry_delay(self, attempts: int) -> float:
        return float(self.runtime.settings.event_retry_delay) * (2 ** max(attempts - 1, 0))

    async def run_once(self, client: httpx.AsyncClient, portal_id: int | None = None) -> int:
        """Send the due deliveries once (up to ``BATCH``, and ``PER_ORIGIN`` to one origin, concurrently),
        of every portal or of one, and record them; answers how many were claimed. For tests and the CLI:
        the server's worker (``run_forever``) never waits for one delivery before starting another."""
        now = self.runtime.clock.now()
        claimed = await asyncio.to_thread(self._claim, now, portal_id, BATCH, dict(self.in_flight))
        outcomes = await asyncio.gather(*(self._post(client, *c) for c in claimed))
        for c, o in zip(claimed, outcomes, strict=True):
            self.health.record(origin_of(c[0]["url"]), o)
        await asyncio.to_thread(self._record_all, [(c[0], o) for c, o in zip(claimed, outcomes, strict=True)])
        return len(claimed)

    def _claim(self, now: float, portal_id: int | None, room: int, busy: dict[str, int]) -> list[Claimed]:
        """Claim up to ``room`` due deliveries in one transaction, within each origin's free slots, with
        their portals and ``auth`` blocks; ``busy`` is a copy of the deliveries in flight by origin, and
        is changed here. The database work runs in a thread: a write waiting for SQLite's one writer must
        not hold the event loop, and with it every request."""
        db = self.runtime.db
        full = self.health.blocked(busy)
        if db.claims_skip_locked:  # several workers: each locks its batch, the next one takes the next
            with db.write() as conn:
                batch = deliveries.due(conn, now, min(room, BATCH), portal_id, full, skip_locked=True)
                return self._take(conn, batch, now, busy)
        with db.read() as conn:
            batch = deliveries.due(conn, now, min(room, BATCH), portal_id, full)
        with db.write() as conn:
            return self._take(conn, batch, now, busy)

    def _take(
        self, conn: Any, batch: list[dict[str, Any]], now: float, busy: dict[str, int]
    ) -> list[Claimed]:
        """Claim the deliveries of ``batch`` within each origin's free slots, in ``conn``'s transaction."""
        taking: list[dict[str, Any]] = []
        for delivery in batch:
            origin = origin_of(delivery["url"])
            if self.health.admit(origin, busy):
                busy[origin] = busy.get(origin, 0) + 1
                taking.append(delivery)
        claimed: list[Claimed] = []
        if not taking:
            return claimed
        portals: dict[int, dict[str, Any] | None] = {}
        apps_seen: dict[tuple[int, int], dict[str, Any] | None] = {}
        rules: faults.Seen = {}
        for delivery in taking:
            if deliveries.claim(conn, delivery, now + self.lease):
                delivery["fault"] = faults.decide(conn, delivery, rules)
                if delivery["portal_id"] not in portals:
                    portals[delivery["portal_id"]] = tenancy.portal_by_id(conn, delivery["portal_id"])
                portal = portals[delivery["portal_id"]]
                if portal is not None:
                    auth = self._auth_for(conn, delivery, portal, now, apps_seen)
                    claimed.append((delivery, portal, auth))
        return claimed

    def _record_all(self, done: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
        if not done:
            return
        with self.runtime.db.write() as conn:  # one transaction records what happened
            for delivery, outcome in done:
                self._record(conn, delivery, outcome)

    async def _post(
        self, client: httpx.AsyncClient, delivery: dict[str, Any], portal: dict[str, Any], auth: Any
    ) -> dict[str, Any]:
        started = self.runtime.clock.now()
        outcome: dict[str, Any] = {"started": started, "status_code": None, "error": None, "response": None}
        if delivery.get("fault") and await faults.dropped(delivery["fault"], outcome, self.runtime.clock):
            return outcome  # events/faults.py: delayed (then sent), or dropped (recorded as failed)
        body = encode(payload(delivery, portal, self.runtime.settings.base_url, outcome["started"], auth))
        began = time.perf_counter()
        left = True
        try:
            async with (
                asyncio.timeout(self.deadline),
                client.stream(
                    "POST",
                    delivery["url"],
                    content=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                    timeout=self.timeout,
                ) as response,
            ):
                # Only the start of the answer is kept: read no more of it (a handler may send anything).
                head = b""
                async for chunk in response.aiter_bytes():
                    head += chunk
                    if len(head) >= ANSWER_KEPT:
                        break
            answer = head[:ANSWER_KEPT].decode(response.encoding or "utf-8", "replace")
            outcome.update(status_code=response.status_code, response=answer)
        except Exception as exc:  # any failure is this attempt's outcome, never the round's
            outcome["error"] = f"{exc.__class__.__name__}: {exc}"[:1000]
            left = not never_left(exc)
        outcome["latency_ms"] = (time.perf_counter() - began) * 1000
        outcome["left"] = left
        return outcome

    def _record(self, conn: Any, delivery: dict[str, Any], outcome: dict[str, Any]) -> None:
        finished = self.runtime.clock.now()
        if not outcome["left"] and finished - float(delivery["created"]) < LOCAL_GIVE_UP:
            # Nothing reached the handler: no attempt is used or logged, and it goes again soon (until
            # LOCAL_GIVE_UP: a machine that stays out of sockets must not resend and log for ever).
            log.warning("event delivery %s not sent, trying again: %s", delivery["id"], outcome["error"])
            deliveries.finish(
                conn, delivery["portal_id"], delivery["id"], {"next_attempt": finished + RESEND}
            )
            return
        attempts = delivery["attempts"] + 1
        code = outcome["status_code"]
        if code is not None and 200 <= code < 300:
            result: dict[str, Any] = {"status": deliveries.DELIVERED, "finished": finished}
        elif attempts <= int(self.runtime.settings.event_retries):
            result = {"next_attempt": finished + self._retry_delay(attempts)}
        else:
            result = {"status": deliveries.FAILED, "finished": finished}
        attempt = {k: v for k, v in outcome.items() if k != "left"}
        deliveries.record_attempt(
            conn, delivery["portal_id"], {"delivery_id": delivery["id"], "attempt": attempts, **attempt}
        )
        deliveries.finish(conn, delivery["portal_id"], delivery["id"], {"attempts": attempts, **result})

    async def run_forever(self) -> None:
        """Claim what is due while there are free slots, send each claimed delivery as a task of its own,
        and record the ended ones, in one loop that never waits for a send."""
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()
        sending: set[asyncio.Task[None]] = set()
        ended: list[tuple[dict[str, Any], dict[str, Any]]] = []

        def woken() -> None:  # called in the committing thread
            with suppress(RuntimeError):  # the loop closed under a late commit
                loop.call_soon_threadsafe(wake.set)

        async def send(client: httpx.AsyncClient, claimed: Claimed) -> None:
            origin = origin_of(claimed[0]["url"])
            try:
                ended.append((claimed[0], await self._post(client, *claimed)))
                self.health.record(origin, ended[-1][1])
            finally:
                self.in_flight[origin] -= 1
                if not self.in_flight[origin]:
                    del self.in_flight[origin]
                wake.set()

        # Polling instead cost every request on the loop: 40 looks a second were ~10 % of crm.activity.get.
        forget = self.runtime.db.listen(deliveries.NEW_DELIVERY, woken)
        try:
            async with self.client() as client:
                while True:
                    wake.clear()  # before the look: a commit or an ended send during it wakes the next wait
                    started = 0
                    try:
                        done, ended[:] = ended[:], []
                        # Lost when this fails: those deliveries go again after their lease.
                        await asyncio.to_thread(self._record_all, done)
                        room = IN_FLIGHT - len(sending)
                        if room > 0:
                            now = self.runtime.clock.now()
                            busy = dict(self.in_flight)
                            for claimed in await asyncio.to_thread(self._claim, now, None, room, busy):
                                origin = origin_of(claimed[0]["url"])
                                self.in_flight[origin] = self.in_flight.get(origin, 0) + 1
                                task = asyncio.create_task(send(client, claimed))
                                sending.add(task)
                                task.add_done_callback(sending.discard)
                                started += 1
                    except Exception:  # a busy or restarting database: the next round tries again
                        log.exception("event delivery round failed")
                    if not started:
                        with suppress(TimeoutError):
                            await asyncio.wait_for(wake.wait(), IDLE)
        finally:
            forget()
            for task in sending:  # unrecorded: sent again after their lease
                task.cancel()


def deliver_due(runtime: Any, portal_id: int | None = None) -> int:
    """One delivery round from synchronous code (tests, the CLI), of every portal or of one."""
    worker = DeliveryWorker(runtime)

    async def once() -> int:
        async with worker.client() as client:
            return await worker.run_once(client, portal_id)

    return asyncio.run(once())
