"""crm.activity.get's stored answer is read on the event loop (``Database.read_on_loop``): no thread,
connections bounded per loop, closed with the app, and a lost one replaced."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
import uvloop
from starlette.testclient import TestClient

import b24crm.rpc.dispatch
from b24crm.app import create_app
from b24crm.crm.activity import listing
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store.crm_activities import raw_get_query
from b24crm.store.engine import Database
from b24crm.store.prepared_reader import PreparedReader
from b24crm.store.tables import crm_activities
from tests.client import PortalClient


def _no_threads(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("the call went to the thread pool")


def test_an_administrators_get_takes_no_thread(portal: PortalClient, monkeypatch: pytest.MonkeyPatch) -> None:
    activity = portal.add_call()
    expected = portal.result("crm.activity.get", {"id": activity})
    bad_id = portal.error("crm.activity.get", {"id": "x"})
    monkeypatch.setattr(b24crm.rpc.dispatch, "run_in_threadpool", _no_threads)
    monkeypatch.setattr(b24crm.rpc.dispatch, "in_bounded_thread", _no_threads)
    assert portal.result("crm.activity.get", {"id": activity}) == expected
    assert portal.result("crm.activity.get", {"id": str(activity)}) == expected
    assert portal.error("crm.activity.get", {"id": "x"}) == bad_id  # refused before any read, as before


def _loop_connections(database: Database) -> int:
    with database.read() as conn:
        return int(
            conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND query LIKE 'SELECT crm_activit%'"
                )
            ).scalar_one()
        )


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_loop_connections_are_bounded_and_closed_with_the_app(database: Database, settings: Settings) -> None:
    own = Database(database.url.render_as_string(hide_password=False), reader_pool_size=3)
    try:
        runtime = Runtime(settings, db=own)
        with TestClient(create_app(runtime), base_url="http://testserver") as http:
            portal = PortalClient.create(runtime, http, scopes=("crm",))
            activity = portal.add_call()
            query = raw_get_query((crm_activities.c.id,))

            async def many() -> list[list[tuple[Any, ...]]]:
                params = {"portal_id": portal.hook.portal.id, "id": activity}
                return await asyncio.gather(*(own.read_on_loop(query, params) for _ in range(40)))

            assert http.portal.call(many) == [[(activity,)]] * 40  # type: ignore[attr-defined]
            portal.result("crm.activity.get", {"id": activity})
            assert 1 <= _loop_connections(own) <= 3  # 40 reads at once, at most 3 connections
        assert _loop_connections(own) == 0  # the app stopped: its loop's connections are closed
    finally:
        own.dispose()


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_a_lost_loop_connection_is_replaced(portal: PortalClient, database: Database) -> None:
    activity = portal.add_call()
    expected = portal.result("crm.activity.get", {"id": activity})
    with database.read() as conn:  # as a database restart would: every connection reading on the loop
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND query LIKE 'SELECT crm_activity_answers.form%'"
            )
        )
    assert portal.result("crm.activity.get", {"id": activity}) == expected


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_bounded_work_takes_at_most_six_threads_at_once(
    portal: PortalClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twenty list pages at once on PostgreSQL: their storage work runs in threads, six at a time (more
    would only take turns at the interpreter), and every page is answered."""
    portal.add_call()
    running, most = 0, 0
    lock = threading.Lock()
    real = listing.list_activities

    def watched(*args: Any, **kwargs: Any) -> Any:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.05)
            return real(*args, **kwargs)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(listing, "list_activities", watched)
    with ThreadPoolExecutor(20) as pool:
        pages = list(pool.map(lambda _: portal.result("crm.activity.list", {}), range(20)))
    assert all(len(page) == 1 for page in pages)
    assert 2 <= most <= 6


def _conninfo(database: Database) -> str:
    return database.url.set(drivername="postgresql").render_as_string(hide_password=False)


_LOOPS = pytest.mark.parametrize("run", [asyncio.run, uvloop.run], ids=["asyncio", "uvloop"])


@_LOOPS
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_a_prepared_reader_loads_typed_values_and_prepares_once(database: Database, run: Any) -> None:
    sql = "SELECT $1::int + 1, $2::text, decode('ff00', 'hex'), NULL::int"

    async def reads() -> tuple[list[Any], list[Any], int]:
        reader = await PreparedReader.connect(_conninfo(database))
        try:
            first = await reader.rows(sql, [1, "ключ"])
            second = await reader.rows(sql, [41, "b"])
            prepared = await reader.rows("SELECT count(*) FROM pg_prepared_statements", [])
            return first, second, prepared[0][0]
        finally:
            await reader.close()

    first, second, prepared = run(reads())
    assert first == [(2, "ключ", b"\xff\x00", None)]
    assert second == [(42, "b", b"\xff\x00", None)]
    assert prepared == 2  # each statement once, however often it is read


@_LOOPS
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_a_prepared_reader_raises_the_databases_error(database: Database, run: Any) -> None:
    async def failing() -> list[Any]:
        reader = await PreparedReader.connect(_conninfo(database))
        try:
            with pytest.raises(psycopg.errors.DivisionByZero):
                await reader.rows("SELECT 1 / $1::int", [0])
            return await reader.rows("SELECT 1 / $1::int", [1])  # the connection goes on
        finally:
            await reader.close()

    assert run(failing()) == [(1,)]


@_LOOPS
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_a_prepared_reader_stops_watching_a_closed_connection(database: Database, run: Any) -> None:
    """Between reads the loop watches the socket; when the server ends the connection the watch stops (a
    readable socket nobody reads would wake the loop at every turn), and the next read fails as a lost
    connection does."""

    async def closed_by_the_server() -> bool:
        reader = await PreparedReader.connect(_conninfo(database))
        try:
            (backend,) = (await reader.rows("SELECT pg_backend_pid()", []))[0]
            with psycopg.connect(_conninfo(database), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [backend])
            for _ in range(100):  # the end of the stream reaches the loop
                await asyncio.sleep(0.01)
                if not reader._watching():
                    break
            watched = reader._watching()
            with pytest.raises(psycopg.OperationalError):
                await reader.rows("SELECT 1", [])
            return watched
        finally:
            reader.finish()

    assert run(closed_by_the_server()) is False
