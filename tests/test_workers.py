"""Several server processes on one PostgreSQL database: ``serve --workers N``, and two ``serve`` processes on
ports of their own standing for two machines behind a proxy. Calls spread over both must see one state:
each event delivered once (none lost, none twice), a revoked webhook refused by the other at once, one
leaky bucket per portal. On SQLite, ``--workers`` is refused.

These run real ``b24crm serve`` subprocesses on a scratch database of their own (the suite's shared one
holds other tests' pending deliveries, which the servers' event workers would send); without PostgreSQL
they are skipped, unless ``B24CRM_REQUIRE_PG=1`` (CI).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from b24crm.devtools import EventReceiver, free_port, serve_process, wait_for_port
from b24crm.events import hooks
from b24crm.store.engine import Database
from b24crm.store.tables import event_deliveries
from tests.conftest import pg_scratch

ADMIN_TOKEN = "workers-admin-secret"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with pg_scratch("b24crm_workers") as url:
        yield url


class Server:
    def __init__(self, lines: dict[str, str]) -> None:
        self.base = f"http://127.0.0.1:{lines['port']}"

    def admin(self, verb: str, path: str, **kwargs: object) -> httpx.Response:
        return httpx.request(verb, f"{self.base}/_b24crm{path}", headers=ADMIN, timeout=30, **kwargs)  # type: ignore[arg-type]

    def call(self, hook: str, method: str, body: dict[str, object] | None = None) -> httpx.Response:
        """``hook`` is a webhook URL of either server: the call goes to this one."""
        path = hook.split("/rest/", 1)[1]
        return httpx.post(f"{self.base}/rest/{path}{method}", json=body or {}, timeout=30)


@pytest.fixture(scope="module")
def two(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    """Two servers on the one database, each on its own port and with its own data directory, as on two
    machines; started one after the other (the first migrates)."""
    with ExitStack() as stack:
        servers = []
        for name in ("a", "b"):
            data = tmp_path_factory.mktemp(f"server-{name}")
            lines = stack.enter_context(serve_process(pg_url, data, "--admin-token", ADMIN_TOKEN))
            servers.append(Server(lines))
        yield servers[0], servers[1]


def _new_portal(server: Server) -> tuple[int, str]:
    made = server.admin("POST", "/portals", json={"scopes": "crm,user"}).json()["result"]
    return made["portal"]["id"], made["webhook"]


def test_events_of_calls_spread_over_two_servers_are_each_delivered_once(
    two: tuple[Server, Server], pg_url: str
) -> None:
    a, b = two
    portal_id, hook = _new_portal(a)
    receiver = EventReceiver()
    db = Database(pg_url)
    try:
        handler = hooks.create(
            db, portal_id, event="ONCRMDEALADD", url=receiver.url, user_id=1, now=time.time()
        )
        added = []
        for n in range(40):
            answer = (a if n % 2 else b).call(hook, "crm.deal.add", {"fields": {"TITLE": f"Deal {n}"}})
            added.append(answer.json()["result"])
        deadline = time.monotonic() + 30
        while len(receiver.calls) < len(added) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # a delivery sent twice would arrive by now
        ids = sorted(int(c["form"]["data[FIELDS][ID]"]) for c in receiver.calls)
        assert ids == sorted(added)  # every one, and none twice
        assert {c["form"]["event_handler_id"] for c in receiver.calls} == {str(handler.id)}
        d = event_deliveries.c
        with db.read() as conn:
            states = conn.execute(
                sa.select(d.status, d.attempts, sa.func.count())
                .where(d.portal_id == portal_id)
                .group_by(d.status, d.attempts)
            ).all()
        assert states == [("delivered", 1, 40)]
    finally:
        receiver.close()
        db.dispose()


def test_a_webhook_revoked_on_one_server_is_refused_by_the_other_at_once(two: tuple[Server, Server]) -> None:
    a, b = two
    for _ in range(5):
        portal_id, hook = _new_portal(a)
        assert b.call(hook, "user.current").status_code == 200  # b resolved and keeps the credential
        (webhook,) = a.admin("GET", f"/portals/{portal_id}/webhooks").json()["result"]
        assert a.admin("DELETE", f"/portals/{portal_id}/webhooks/{webhook['id']}").status_code == 200
        refused = b.call(hook, "user.current")
        assert refused.status_code == 401, refused.text
        assert refused.json()["error"] == "INVALID_CREDENTIALS"


def test_one_leaky_bucket_for_a_portal_whatever_server_is_called(two: tuple[Server, Server]) -> None:
    a, b = two
    portal_id, hook = _new_portal(a)
    plan = {"plan": "standard", "drain": 0.001, "burst": 6}
    assert b.admin("PUT", f"/portals/{portal_id}/limits", json=plan).status_code == 200
    codes = [(a if n % 2 else b).call(hook, "server.time").status_code for n in range(10)]
    assert codes == [200] * 6 + [503] * 4


def _children(pid: int) -> set[int]:
    """The worker processes of the supervisor ``pid`` (not multiprocessing's resource tracker)."""
    found = set()
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.add(int(child))
        except FileNotFoundError:  # ended meanwhile
            pass
    return found


def test_serve_workers_runs_that_many_processes_and_replaces_one_that_dies(
    pg_url: str, tmp_path: Path
) -> None:
    port = free_port()
    command = [sys.executable, "-m", "b24crm", "serve", "--db", pg_url, "--port", str(port)]
    command += ["--data-dir", str(tmp_path), "--admin-token", ADMIN_TOKEN, "--workers", "2"]
    with open(tmp_path / "log", "w+") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=log, text=True)
        try:
            wait_for_port(port, proc)
            server = Server({"port": str(port)})
            _portal_id, hook = _new_portal(server)
            deadline = time.monotonic() + 30
            while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            workers = _children(proc.pid)
            assert len(workers) == 2, workers
            assert all(server.call(hook, "server.time").status_code == 200 for _ in range(20))
            gone = min(workers)
            os.kill(gone, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while (
                gone in _children(proc.pid) or len(_children(proc.pid)) < 2
            ) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert len(_children(proc.pid) - {gone}) == 2
            assert all(server.call(hook, "server.time").status_code == 200 for _ in range(20))
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(40) == 0
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_serve_workers_is_refused_on_sqlite(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "b24crm", "serve", "--db", f"sqlite:///{tmp_path / 'one.db'}"]
    done = subprocess.run(
        [*command, "--port", str(free_port()), "--data-dir", str(tmp_path), "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--workers needs PostgreSQL" in done.stderr
    assert not done.stdout  # refused before printing, binding or migrating anything
    assert not (tmp_path / "one.db").exists()
