"""crm.activity.get's stored answer is read on the event loop (``Database.read_on_loop``): no thread,
connections bounded per loop, closed with the app, and a lost one replaced."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

import b24crm.rpc.dispatch
from b24crm.app import create_app
from b24crm.crm.activity import listing
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store.crm_activities import raw_get_query
from b24crm.store.engine import Database
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
