"""What one request may cost the others: body size, parsing off the event loop, storage work that moves to a
thread when it runs long or must wait, and clients that never finish sending."""

from __future__ import annotations

import asyncio
import base64
import binascii
import gc
import socket
import sqlite3
import threading
import time
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import anyio
import psycopg
import pytest
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st
from starlette.testclient import TestClient

from b24crm.app import create_app
from b24crm.crm.activity import files as activity_files
from b24crm.devtools import serve_process
from b24crm.http.server import MAX_HEAD_BYTES
from b24crm.rpc import dispatch, offload
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store.engine import Database, OverBudget
from b24crm.store.memo import Memo
from tests.client import PortalClient, call_fields

SMALL_LIMIT = 64 * 1024


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        db="sqlite:///unused.db",
        data_dir=str(tmp_path / "data"),
        admin_token="admin-secret",
        event_delivery=False,
        max_body=SMALL_LIMIT,
    )


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_appends_in_an_unauthenticated_body_are_answered_promptly(http: TestClient) -> None:
    # 30 KB of ``a[]`` pairs to a wrong webhook took 6.7 s and held every other request.
    body = "&".join(["a[]=1"] * 5000)
    response = http.post("/rest/1/wrongcode/server.time", content=body, headers=FORM)
    assert response.status_code == 401
    assert response.json()["error"] == "INVALID_CREDENTIALS"


def test_a_huge_bracket_index_is_a_plain_key(portal: PortalClient) -> None:
    response = portal.http.get(f"{portal.base}/server.time?a[{'9' * 3000}]=1&a[]=2")
    assert response.status_code == 200, response.text


def test_a_declared_body_over_the_limit_is_refused_before_reading(portal: PortalClient) -> None:
    response = portal.http.post(
        f"{portal.base}/server.time", content=b"x=" + b"1" * SMALL_LIMIT, headers=FORM
    )
    assert response.status_code == 413
    assert "413" in response.text
    # A wrong webhook gets the same answer: the size is checked before the credentials.
    response = portal.http.post("/rest/1/wrong/server.time", content=b"x=" + b"1" * SMALL_LIMIT, headers=FORM)
    assert response.status_code == 413


def test_a_chunked_body_is_counted_while_it_is_read(portal: PortalClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"x="
        for _ in range(80):
            yield b"1" * 1024

    response = portal.http.post(f"{portal.base}/server.time", content=chunks(), headers=FORM)
    assert response.status_code == 413
    small = portal.http.post(f"{portal.base}/server.time", content=iter([b"x=1", b"&y=2"]), headers=FORM)
    assert small.status_code == 200


def test_multipart_and_admin_bodies_are_bounded_too(portal: PortalClient) -> None:
    response = portal.http.post(f"{portal.base}/server.time", files=[("x", (None, "1" * SMALL_LIMIT))])
    assert response.status_code == 413
    response = portal.http.post(
        "/_b24crm/portals",
        content=b'{"scopes": "' + b"c" * SMALL_LIMIT + b'"}',
        headers={"Authorization": "Bearer admin-secret", "Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_a_file_part_is_an_upload_not_a_parameter(
    portal: PortalClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PHP puts a multipart part with a file name in $_FILES: the method never sees it among its
    parameters (it was stored as the upload's repr), and its spooled file is closed with the request."""
    from starlette.datastructures import UploadFile

    closed: list[str] = []
    close = UploadFile.close

    async def recording_close(self: UploadFile) -> None:
        closed.append(self.filename or "")
        await close(self)

    monkeypatch.setattr(UploadFile, "close", recording_close)
    response = portal.http.post(
        f"{portal.base}/crm.deal.add",
        data={"fields[TITLE]": "Upload beside"},
        files={"fields[COMMENTS]": ("notes.txt", b"x" * 2048, "text/plain")},
    )
    assert response.status_code == 200, response.text
    deal = portal.result("crm.deal.get", {"id": response.json()["result"]})
    assert deal["TITLE"] == "Upload beside"
    assert deal["COMMENTS"] is None
    assert closed == ["notes.txt"]


def test_large_bodies_are_parsed_in_another_thread() -> None:
    async def threads() -> tuple[int, int, int]:
        small = await offload.parse_off_loop(offload.INLINE_PARSE_BYTES, threading.get_ident)
        large = await offload.parse_off_loop(offload.INLINE_PARSE_BYTES + 1, threading.get_ident)
        return threading.get_ident(), small, large

    loop_thread, small, large = anyio.run(threads)
    assert small == loop_thread
    assert large != loop_thread


def test_inline_work_over_its_budget_is_stopped_and_rolled_back(database: Database) -> None:
    if not database.can_inline:
        with pytest.raises(OverBudget), database.inline(1.0):
            pass  # PostgreSQL cannot bound a statement: the work goes to a thread from the start
        return
    scan = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000) "
        "SELECT count(*) FROM n"
    )
    began = time.perf_counter()
    with pytest.raises(OverBudget), database.inline(0.005), database.read() as conn:
        conn.exec_driver_sql(scan)
    assert time.perf_counter() - began < 1.0  # stopped, not run to its end (several seconds)
    with database.read() as conn:  # outside the budget the same statement runs to its end
        assert conn.exec_driver_sql(scan.replace("10000000", "100000")).scalar() == 100000


def test_inline_writes_do_not_wait_for_the_writer(sqlite_database: Database) -> None:
    database = sqlite_database  # PostgreSQL runs storage work in threads: nothing waits on the event loop
    held = threading.Event()
    release = threading.Event()

    def hold_writer() -> None:
        with database.write():
            held.set()
            release.wait(10)

    with ThreadPoolExecutor(1) as pool:
        holder = pool.submit(hold_writer)
        held.wait(5)
        began = time.perf_counter()
        with pytest.raises(OverBudget), database.inline(1.0), database.write():
            pass
        assert time.perf_counter() - began < 0.5
        release.set()
        holder.result(5)


@contextmanager
def _write_lock_held_elsewhere(database: Database) -> Iterator[None]:
    """Another process's transaction holding what an activity add needs: SQLite's write lock, or on
    PostgreSQL an exclusive lock on the activities table."""
    if database.dialect == "sqlite":
        sqlite_outsider = sqlite3.connect(str(database.url.database), isolation_level=None)
        sqlite_outsider.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            sqlite_outsider.rollback()
            sqlite_outsider.close()
        return
    url = database.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as pg_outsider:
        pg_outsider.execute("LOCK TABLE crm_activities IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            pg_outsider.rollback()


def test_a_write_waiting_for_a_lock_holds_no_other_request(portal: PortalClient, database: Database) -> None:
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}})
    fields = call_fields(deal, "Waits")
    with ThreadPoolExecutor(1) as pool:
        with _write_lock_held_elsewhere(database):
            adding = pool.submit(portal.result, "crm.activity.add", {"fields": fields})
            time.sleep(0.3)  # the add has begun and waits for the lock
            assert not adding.done()
            began = time.perf_counter()
            assert portal.result("server.time")
            assert time.perf_counter() - began < 2.0  # not held until the lock is released
        activity = int(adding.result(30))
    assert portal.result("crm.activity.get", {"id": activity})["SUBJECT"] == "Waits"


def test_bounded_methods_answer_the_same_when_they_move_to_a_thread(
    portal: PortalClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = portal.add_call("Before")
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "Many"}})
    for n in range(100):  # enough rows for the LIKE scan to take more than one look at the budget
        portal.result("crm.activity.add", {"fields": call_fields(deal, f"Before {n}")})
    # Every row is tried against twenty patterns, the matching one last: more than a look's worth of steps.
    query = {"filter": {"%SUBJECT": [f"zz{n}" for n in range(19)] + ["Bef"]}, "select": ["ID", "SUBJECT"]}
    listed = portal.call("crm.activity.list", query)
    got = portal.result("crm.activity.get", {"id": first})
    # No budget at all: every bounded call that looks at it runs over and is run again in a thread.
    monkeypatch.setattr(dispatch, "INLINE_BUDGET", 0.0)
    overruns = portal.runtime.db.inline_overruns
    assert portal.call("crm.activity.list", query)["result"] == listed["result"]
    assert portal.result("crm.activity.get", {"id": first}) == got
    second = portal.add_call("After")
    assert portal.result("crm.activity.get", {"id": second})["SUBJECT"] == "After"
    if portal.runtime.db.can_inline:
        assert portal.runtime.db.inline_overruns > overruns  # the list's count ran over, at least


# --- a real server: clients that never finish sending -------------------------------------------------


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    monkeypatch.setenv("B24CRM_REQUEST_TIMEOUT", "1")
    monkeypatch.setenv("B24CRM_EVENT_DELIVERY", "0")
    with serve_process(f"sqlite:///{tmp_path / 'slow.db'}", tmp_path / "data") as lines:
        yield lines


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
        return True
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_clients_that_never_finish_a_request_are_dropped(server: dict[str, str]) -> None:
    port = int(server["port"])
    silent = socket.create_connection(("127.0.0.1", port))
    partial_head = socket.create_connection(("127.0.0.1", port))
    partial_head.sendall(b"GET /rest/server.time HTTP/1.1\r\nHost: x\r\n")
    partial_body = socket.create_connection(("127.0.0.1", port))
    partial_body.sendall(b"POST /rest/server.time HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nx=1")
    try:
        for sock in (silent, partial_head, partial_body):
            assert _closed_within(sock, 5.0)
    finally:
        for sock in (silent, partial_head, partial_body):
            sock.close()
    # A slow but complete request on a kept-alive connection is still served.
    with socket.create_connection(("127.0.0.1", port)) as ok:
        ok.sendall(b"GET /rest/server.time HTTP/1.1\r\nHost: x\r\n\r\n")
        assert ok.recv(4096).startswith(b"HTTP/1.1 401")


def test_an_endless_head_is_refused(server: dict[str, str]) -> None:
    with socket.create_connection(("127.0.0.1", int(server["port"]))) as sock:
        sock.sendall(b"GET /rest/server.time HTTP/1.1\r\nHost: x\r\n")
        filler = b"X-Filler: " + b"a" * 1000 + b"\r\n"
        try:
            for _ in range(MAX_HEAD_BYTES // len(filler) + 10):
                sock.sendall(filler)
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(5)
        try:
            answer = sock.recv(4096)
        except ConnectionResetError:
            answer = b""
        assert answer == b"" or answer.startswith(b"HTTP/1.1 431")


# --- remembered list plans ---------------------------------------------------------------------------


def test_the_memo_keeps_at_most_its_bytes() -> None:
    memo = Memo(max_bytes=1000)
    for n in range(15):
        assert memo.get_or_make(n, lambda n=n: n * 2, 100) == n * 2
    assert memo.size_in_bytes == 1000
    assert memo.get_or_make(5, lambda: -1, 100) == 10  # the ten most recent are kept
    assert memo.get_or_make(4, lambda: -1, 100) == -1  # the first five went
    assert memo.get_or_make("heavy", lambda: "made", 200) == "made"
    assert memo.get_or_make("heavy", lambda: "made again", 200) == "made again"  # over an eighth: not kept


def test_callers_missing_a_key_another_thread_makes_wait_for_it() -> None:
    """Twelve threads asking at once for an entry one of them is making (a count after a write): it is
    made once; when its maker fails, the others make it; on an event loop nothing waits."""
    memo = Memo(max_bytes=1000)
    made: list[int] = []
    release = threading.Event()

    def slow() -> str:
        made.append(1)
        release.wait(10)
        return "counted"

    with ThreadPoolExecutor(12) as pool:
        answers = [pool.submit(memo.get_or_make, "count", slow, 10) for _ in range(12)]
        time.sleep(0.2)  # all twelve asked; one is making
        release.set()
        assert [a.result(10) for a in answers] == ["counted"] * 12
    assert len(made) == 1

    def failing() -> str:
        time.sleep(0.2)
        raise RuntimeError("the database went away")

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(memo.get_or_make, "other", failing, 10)
        time.sleep(0.05)
        second = pool.submit(memo.get_or_make, "other", lambda: "made by the second", 10)
        with pytest.raises(RuntimeError):
            first.result(10)
        assert second.result(10) == "made by the second"

    blocker = threading.Event()
    making = threading.Thread(
        target=memo.get_or_make, args=("third", lambda: blocker.wait(10) and "late", 10)
    )
    making.start()
    time.sleep(0.05)

    async def on_the_loop() -> str:
        return memo.get_or_make("third", lambda: "made on the loop", 10)

    started = time.monotonic()
    assert asyncio.run(on_the_loop()) == "made on the loop"
    assert time.monotonic() - started < 1  # did not wait for the thread
    blocker.set()
    making.join(10)


def test_distinct_large_filters_do_not_grow_the_process(
    settings: Settings, sqlite_database: Database
) -> None:
    # Plans are remembered alike on both stores: measured once, since tracing allocations is slow.
    runtime = Runtime(settings, db=sqlite_database)
    budget = 256 * 1024
    runtime.db.plans = Memo(max_bytes=budget)
    runtime.db.counts = Memo(max_bytes=budget)
    with TestClient(create_app(runtime)) as http:
        portal = PortalClient.create(runtime, http, scopes=("crm",))
        portal.add_call("Listed")
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for n in range(8):  # each plan for 2,000 values held about 0.35 MB when the memo counted entries
                found = portal.result("crm.activity.list", {"filter": {"@ID": [1, *range(n + 2, n + 2000)]}})
                assert [a["ID"] for a in found] == ["1"]
            gc.collect()
            grown = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
    assert runtime.db.plans.size_in_bytes <= budget
    assert grown < 4 * budget, grown


# --- uploads decoded in slices ------------------------------------------------------------------------


@examples(max_examples=300, deadline=None)
@given(
    raw=st.binary(max_size=200),
    junk=st.lists(
        st.tuples(st.integers(0, 400), st.sampled_from([" ", "\n", "=", "==", "*", "é", "A"])), max_size=3
    ),
)
def test_sliced_base64_decodes_as_one_call(raw: bytes, junk: list[tuple[int, str]]) -> None:
    encoded = base64.b64encode(raw).decode()
    for position, text in junk:
        encoded = encoded[:position] + text + encoded[position:]
    try:
        expected: bytes | None = base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError):
        expected = None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(activity_files, "_DECODE_SLICE", 8)  # many slices out of a short text
        try:
            got: bytes | None = activity_files.decode_base64(encoded)
        except (binascii.Error, ValueError):
            got = None
    assert got == expected
