"""Handlers kept apart: a handler that hangs delays only its own deliveries, through the server's own worker
and real handlers on loopback; a delivery that never left this server keeps its attempt; the connect and
read timeouts are the configured ones, and running out of either is an attempt the handler used."""

from __future__ import annotations

import asyncio
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from b24crm.app import create_app
from b24crm.clock import ManualClock
from b24crm.devtools import EventReceiver
from b24crm.events import delivery, outbox
from b24crm.events.delivery import DeliveryWorker, deliver_due
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store import deliveries
from b24crm.store.engine import Database
from tests.client import PortalClient
from tests.support_events import event_portal, outgoing_hook, until


class HangingHandler:
    """A handler on a loopback port that reads what it is sent and never answers, until closed; it counts
    the connections it holds open at once."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.open = 0
        self.most = 0
        owner = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with owner.lock:
                    owner.open += 1
                    owner.most = max(owner.most, owner.open)
                self.request.settimeout(0.05)
                try:
                    while not owner.release.is_set():
                        try:
                            if not self.request.recv(65536):
                                return  # the sender gave up
                        except TimeoutError:
                            pass
                finally:
                    with owner.lock:
                        owner.open -= 1

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            request_queue_size = 128

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/handler"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hanging() -> Iterator[HangingHandler]:
    made = HangingHandler()
    yield made
    made.close()


@pytest.fixture
def receiver() -> Iterator[EventReceiver]:
    made = EventReceiver()
    yield made
    made.close()


def _log(portal: PortalClient) -> list[dict[str, Any]]:
    with portal.runtime.db.read() as conn:
        return deliveries.deliveries_of_portal(conn, portal.hook.portal.id)


def test_a_hanging_handler_delays_only_its_own_deliveries(
    settings: Settings, database: Database, hanging: HangingHandler, receiver: EventReceiver
) -> None:
    read_timeout = 10.0  # none of the hanging handler's sends ends during the test
    configured = settings.with_(
        event_delivery=True, event_read_timeout=read_timeout, event_connect_timeout=0.5
    )
    runtime = Runtime(configured, db=database)
    with TestClient(create_app(runtime), base_url="http://testserver") as http:
        portal = PortalClient.create(runtime, http, scopes=("crm",))
        outgoing_hook(portal, "ONCRMACTIVITYADD", hanging.url)
        # A backlog for it beyond a claim's batch (50): older than anything else, it must not hide the rest.
        with runtime.db.write() as conn:
            for n in range(60):
                outbox.emit_entity(conn, portal.hook.portal.id, "ONCRMACTIVITYADD", n + 1000, time.time())
        until(lambda: hanging.open >= delivery.PER_ORIGIN, 3)  # its slots are full (checked below)
        outgoing_hook(portal, "ONCRMACTIVITYADD", receiver.url)
        healthy = portal.add_call()
        # Long before the hanging handler's sends can end: nothing waited for them.
        assert until(lambda: bool(receiver.calls), 1.0), "the healthy handler waited for the hanging one"
        assert [c["form"]["data[FIELDS][ID]"] for c in receiver.calls] == [str(healthy)]
        assert until(
            lambda: [d["status"] for d in _log(portal) if d["url"] == receiver.url] == ["delivered"], 2
        )
        assert hanging.most == hanging.open == delivery.PER_ORIGIN  # never more in flight to one handler
    log = _log(portal)
    # The hanging handler's deliveries all wait their turn (8 in flight, 53 behind): none failed.
    waiting = [d for d in log if d["url"] == hanging.url]
    assert len(waiting) == 61 and {(d["status"], d["attempts"]) for d in waiting} == {("pending", 0)}


def _run_once(portal: PortalClient, client: httpx.AsyncClient) -> int:
    worker = DeliveryWorker(portal.runtime)

    async def once() -> int:
        async with client:
            return await worker.run_once(client, portal.hook.portal.id)

    return asyncio.run(once())


def test_a_delivery_that_found_no_free_connection_keeps_its_attempt(
    settings: Settings,
    database: Database,
    clock: ManualClock,
    hanging: HangingHandler,
    receiver: EventReceiver,
) -> None:
    configured = settings.with_(event_connect_timeout=0.3, event_read_timeout=0.5)  # one attempt each
    with event_portal(configured, database, clock) as portal:
        outgoing_hook(portal, "ONCRMACTIVITYADD", hanging.url)
        outgoing_hook(portal, "ONCRMACTIVITYADD", receiver.url)
        portal.add_call()
        # One connection for both: the hanging handler holds it, the other delivery waits for it in vain.
        single = httpx.AsyncClient(limits=httpx.Limits(max_connections=1))
        assert _run_once(portal, single) == 2
        held, waited = _log(portal)
        assert (held["status"], held["attempts"]) == ("failed", 1)
        assert "ReadTimeout" in held["attempts_log"][0]["error"]
        assert (waited["status"], waited["attempts"], waited["attempts_log"]) == ("pending", 0, [])
        assert waited["next_attempt"] == clock.now() + delivery.RESEND and receiver.calls == []
        clock.advance(delivery.RESEND)
        assert deliver_due(portal.runtime, portal.hook.portal.id) == 1
        assert len(receiver.calls) == 1
        (_, sent) = _log(portal)
        # Its only attempt, though the vendor's single attempt was the whole budget.
        assert (sent["status"], sent["attempts"], len(sent["attempts_log"])) == ("delivered", 1, 1)


def test_a_connection_this_machine_cannot_make_keeps_its_attempt(
    settings: Settings, database: Database, clock: ManualClock, receiver: EventReceiver
) -> None:
    with event_portal(settings, database, clock) as portal:
        outgoing_hook(portal, "ONCRMACTIVITYADD", receiver.url)
        portal.add_call()
        # A source address this machine does not have: binding the socket fails here (EADDRNOTAVAIL).
        foreign = httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(local_address="192.0.2.1"))
        assert _run_once(portal, foreign) == 1
        (kept,) = _log(portal)
        assert (kept["status"], kept["attempts"], kept["attempts_log"]) == ("pending", 0, [])
        clock.advance(delivery.RESEND)
        assert deliver_due(portal.runtime, portal.hook.portal.id) == 1
        ((sent,), calls) = _log(portal), receiver.calls
        assert (sent["status"], sent["attempts"], len(calls)) == ("delivered", 1, 1)


def test_a_local_failure_that_lasts_counts_as_an_attempt_in_the_end(
    settings: Settings, database: Database, clock: ManualClock, receiver: EventReceiver
) -> None:
    with event_portal(settings, database, clock) as portal:
        outgoing_hook(portal, "ONCRMACTIVITYADD", receiver.url)
        portal.add_call()
        clock.advance(delivery.LOCAL_GIVE_UP)  # the machine has been out of sockets since it was written
        foreign = httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(local_address="192.0.2.1"))
        assert _run_once(portal, foreign) == 1
        (given_up,) = _log(portal)
        assert (given_up["status"], given_up["attempts"], len(given_up["attempts_log"])) == ("failed", 1, 1)


@pytest.fixture
def unanswered_url() -> Iterator[str]:
    """A port whose listen backlog is full: a new connection is never accepted (its SYN is dropped)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/handler"
    for sock in (*fillers, listener):
        sock.close()


def test_the_connect_timeout_is_its_own_setting_and_uses_an_attempt(
    settings: Settings, database: Database, clock: ManualClock, unanswered_url: str
) -> None:
    configured = settings.with_(event_connect_timeout=0.3, event_read_timeout=30.0)
    with event_portal(configured, database, clock) as portal:
        outgoing_hook(portal, "ONCRMACTIVITYADD", unanswered_url)
        portal.add_call()
        began = time.monotonic()
        assert deliver_due(portal.runtime, portal.hook.portal.id) == 1
        assert time.monotonic() - began < 3  # the read timeout played no part
        (d,) = _log(portal)
        assert (d["status"], d["attempts"]) == ("failed", 1)
        assert "ConnectTimeout" in d["attempts_log"][0]["error"]
