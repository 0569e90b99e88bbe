"""Many dead handlers on different origins, each within its per-origin limit, do not hold every in-flight
slot of the worker: a delivery to a healthy handler goes out at once, through the server's own worker and
real sockets on loopback (dead handlers accept the connection and never answer)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from b24crm.app import create_app
from b24crm.devtools import EventReceiver
from b24crm.events import delivery
from b24crm.events.fairness import OriginHealth
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store import deliveries
from b24crm.store.engine import Database
from tests.client import PortalClient
from tests.support_events import outgoing_hook, until

DEAD_ORIGINS = 40  # 8 slots each would be 320: more than the worker's 256


@pytest.fixture
def dead() -> Iterator[list[str]]:
    """Listening sockets that never accept: the kernel completes each connection, and nothing answers."""
    sockets = []
    for _ in range(DEAD_ORIGINS):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        sockets.append(s)
    yield [f"http://127.0.0.1:{s.getsockname()[1]}/handler" for s in sockets]
    for s in sockets:
        s.close()


def test_origins_that_fail_get_fewer_slots_and_an_answer_restores_them() -> None:
    health = OriginHealth(per_origin=8, in_flight=16)
    timeout = {"status_code": None, "left": True}
    assert health.limit("http://a") == 8
    for expected in (4, 2, 1, 1):
        health.record("http://a", timeout)
        assert health.limit("http://a") == expected
    health.record("http://b", {"status_code": None, "left": False})  # never left: says nothing
    assert health.limit("http://b") == 8
    # Failing origins share at most 12 of the 16 slots; the rest stay for the others.
    for n in range(12):
        health.record(f"http://dead{n}", timeout)
    busy = {f"http://dead{n}": 1 for n in range(12)}
    assert not health.admit("http://a", busy)  # failing too, with a slot free of its own
    assert health.admit("http://fresh", busy) and "http://a" in health.blocked(busy)
    health.record("http://a", {"status_code": 500, "left": True})  # it answered: it is there
    assert health.limit("http://a") == 8


def test_dead_origins_leave_slots_for_a_healthy_handler(
    settings: Settings, database: Database, dead: list[str]
) -> None:
    read_timeout = 3.0
    configured = settings.with_(
        event_delivery=True,
        event_read_timeout=read_timeout,
        event_connect_timeout=0.5,
        event_retries=5,
        event_retry_delay=0.0,
    )
    runtime = Runtime(configured, db=database)
    receiver = EventReceiver()
    try:
        with TestClient(create_app(runtime), base_url="http://testserver") as http:
            portal = PortalClient.create(runtime, http, scopes=("crm",))
            for url in dead:
                outgoing_hook(portal, "ONCRMACTIVITYADD", url)
            for _ in range(delivery.PER_ORIGIN):
                portal.add_call()

            def failed_attempts() -> int:
                with runtime.db.read() as conn:
                    rows = deliveries.deliveries_of_portal(conn, portal.hook.portal.id)
                return sum(1 for d in rows if d["attempts"] > 0)

            # Every slot held by the dead origins until their first read timeout, and their retries due
            # at once after it.
            assert until(lambda: failed_attempts() >= delivery.IN_FLIGHT // 2, read_timeout + 5)
            outgoing_hook(portal, "ONCRMACTIVITYADD", receiver.url)
            healthy = portal.add_call()
            assert until(lambda: bool(receiver.calls), read_timeout / 3), "it waited behind the dead ones"
            assert [c["form"]["data[FIELDS][ID]"] for c in receiver.calls] == [str(healthy)]
    finally:
        receiver.close()
