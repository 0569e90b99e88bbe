"""How write transactions keep concurrent writers of one portal apart: the activity generation is bumped
last (its row lock held from there to the COMMIT only) yet seen by the transaction's own counts; on
PostgreSQL the busy counters' IDs are taken outside the transaction, so that two adds on one portal do not
wait for each other's COMMIT; a pooled connection that died while idle is replaced, not failed."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.auth.service import Tenancy
from b24crm.clock import SystemClock
from b24crm.crm.activity import listing
from b24crm.store import crm_activities as repo
from b24crm.store import item_lists
from b24crm.store.engine import Database
from b24crm.store.tables import sequences
from b24crm.store.transactions import next_hot_id, reserve_hot_ids
from tests.client import PortalClient


def _portal(database: Database) -> int:
    return Tenancy(database, SystemClock()).create_portal().id


def _generation_rows(conn: Connection, portal_id: int) -> int:
    """The sum of the generation's counters as stored, without making a bump left for the COMMIT."""
    found = conn.execute(
        sa.select(sa.func.sum(sequences.c.value)).where(
            sequences.c.portal_id == portal_id, sequences.c.name.in_(repo.GENERATION_SHARDS)
        )
    ).scalar()
    return int(found or 0)


def _activity(n: int) -> dict[str, Any]:
    now = time.time()
    return {
        "owner_type_id": 2,
        "owner_id": 1,
        "type_id": 2,
        "subject": f"Call {n}",
        "created": now,
        "last_updated": now,
        "status": 1,
        "responsible_id": 1,
        "priority": 2,
        "description_type": 1,
        "direction": 2,
        "author_id": 1,
        "editor_id": 1,
    }


def test_the_generation_is_bumped_once_at_the_commit_and_seen_by_the_transaction(database: Database) -> None:
    portal_id = _portal(database)
    with database.read() as conn:
        before = repo.generation(conn, portal_id)
    with database.write() as conn:
        repo.insert_activity(conn, portal_id, _activity(1))
        repo.insert_activity(conn, portal_id, _activity(2))
        assert _generation_rows(conn, portal_id) == before  # left for the COMMIT
        assert repo.generation(conn, portal_id) == before + 1  # a count here must not take the old key
        # A write after that count bumps again: the count must not stand for rows written after it.
        repo.insert_activity(conn, portal_id, _activity(3))
        repo.insert_activity(conn, portal_id, _activity(4))
    with database.read() as conn:
        assert repo.generation(conn, portal_id) == before + 2
    with database.write() as conn:
        repo.insert_activity(conn, portal_id, _activity(5))
        repo.insert_activity(conn, portal_id, _activity(6))
    with database.read() as conn:
        assert repo.generation(conn, portal_id) == before + 3  # once for a transaction's writes
    with pytest.raises(RuntimeError), database.write() as conn:
        repo.insert_activity(conn, portal_id, _activity(7))
        raise RuntimeError("rolled back")
    with database.read() as conn:
        assert repo.generation(conn, portal_id) == before + 3


def test_two_adds_on_one_portal_do_not_wait_for_each_others_commit(database: Database) -> None:
    if not database.allocates_outside:
        pytest.skip("SQLite's write transactions are serial by design")
    portal_id = _portal(database)
    first_open = threading.Event()
    finish_first = threading.Event()
    ids: dict[str, int] = {}

    def first() -> None:
        with database.write() as conn:
            ids["first"] = repo.insert_activity(conn, portal_id, _activity(1))
            first_open.set()
            finish_first.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert first_open.wait(10)
        started = time.monotonic()
        with database.write() as conn:  # would wait for the first COMMIT on a counter row held till then
            ids["second"] = repo.insert_activity(conn, portal_id, _activity(2))
        assert time.monotonic() - started < 2.0
    finally:
        finish_first.set()
        thread.join(10)
    assert ids == {"first": 1, "second": 2}
    with database.write() as conn:
        assert repo.insert_activity(conn, portal_id, _activity(3)) == 3  # increasing, as allocated


def test_a_pooled_connection_that_died_while_idle_is_replaced(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("the ping of idle connections is the PostgreSQL pool's")
    own = Database(database.url.render_as_string(hide_password=False))
    try:
        with own.read() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with database.write() as conn:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        time.sleep(1.2)  # idle past PING_AFTER_IDLE: pinged, found dead, replaced
        with own.read() as conn:
            assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid
    finally:
        own.dispose()


def test_reminders_come_due_are_fired_once_by_processes_looking_at_once(database: Database) -> None:
    """Every server process looks for due reminders every few seconds: each is marked fired by one."""
    portal_id = _portal(database)
    with database.write() as conn:
        activity = repo.insert_activity(conn, portal_id, _activity(1))
        due = [{"user_id": 1, "offset_minutes": n, "due": 1000.0 + n} for n in range(200)]
        repo.replace_reminders(conn, portal_id, activity, due)
    handles = [Database(database.url.render_as_string(hide_password=False)) for _ in range(3)]
    fired: list[int] = []
    start = threading.Barrier(len(handles))

    def look(db: Database) -> None:
        start.wait(10)
        with db.write() as conn:
            fired.append(repo.fire_due_reminders(conn, 5000.0))

    threads = [threading.Thread(target=look, args=(db,)) for db in handles]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        for db in handles:
            db.dispose()
    with database.read() as conn:
        mine = [r for r in repo.reminders_of_portal(conn, portal_id) if r["activity_id"] == activity]
    assert len(mine) == 200 and all(r["fired"] == 5000.0 for r in mine)
    # Each marked by one look (the suite's other reminders are due at the clock's times, far later).
    assert sum(fired) == 200 and len(fired) == 3


def test_an_id_taken_outside_never_waits_for_the_pool(database: Database) -> None:
    """Every pooled connection held by a write transaction (a burst of adds), each taking an ID outside
    its transaction: the connection for that is not the pool's, so none waits for another's."""
    if not database.allocates_outside:
        pytest.skip("SQLite's counters are taken in the transaction")
    portal_id = _portal(database)
    own = Database(database.url.render_as_string(hide_password=False))
    try:
        with ExitStack() as held:
            transactions = [held.enter_context(own.write()) for _ in range(30)]  # the pool's 10 + 20
            started = time.monotonic()
            ids = [repo.insert_activity(conn, portal_id, _activity(n)) for n, conn in enumerate(transactions)]
            assert time.monotonic() - started < 10
        assert sorted(ids) == list(range(1, 31))
    finally:
        own.dispose()


def test_an_id_is_taken_again_afresh_when_its_kept_connection_was_lost(database: Database) -> None:
    if not database.allocates_outside:
        pytest.skip("SQLite's counters are taken in the transaction")
    portal_id = _portal(database)
    own = Database(database.url.render_as_string(hide_password=False))
    try:
        with own.write() as conn:
            first = repo.insert_activity(conn, portal_id, _activity(1))
        kept = own.read_key("SELECT pg_backend_pid()", ())[0][0]  # the kept connection, given back
        with database.write() as conn:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend({int(kept)})")
        with own.write() as conn:
            assert repo.insert_activity(conn, portal_id, _activity(2)) > first
    finally:
        own.dispose()


def test_ids_reserved_together_are_handed_out_in_order_and_unused_ones_are_gaps(database: Database) -> None:
    """crm.activity.add takes its activity's, communications' and event's IDs in one statement
    (``reserve_hot_ids``): handed out lowest first, a further one taken as usual, and those a transaction
    left unused never reach the next transaction on its connection."""
    portal_id = _portal(database)
    with database.write() as conn:
        before = {name: next_hot_id(conn, portal_id, name) for name in ("crm_activity", "event")}
    with database.write() as conn:
        reserve_hot_ids(conn, portal_id, {"crm_activity": 2, "event": 1, "crm_activity_communication": 0})
        taken = [next_hot_id(conn, portal_id, "crm_activity") for _ in range(3)]
        event = next_hot_id(conn, portal_id, "event")
        reserve_hot_ids(conn, portal_id, {"event": 3})
        next_hot_id(conn, portal_id, "event")  # one of three: two left unused
    activity = before["crm_activity"]
    assert taken == [activity + 1, activity + 2, activity + 3]
    assert event == before["event"] + 1
    with database.write() as conn:  # the pool may hand out the same connection: nothing reserved is left
        later = next_hot_id(conn, portal_id, "event")
    # Outside the transaction the three were taken at once, the unused two a gap; inside (SQLite) there is
    # nothing to save, and each is taken when asked for.
    assert later == before["event"] + (5 if database.allocates_outside else 3)


def test_concurrent_reservations_never_hand_out_an_id_twice(database: Database) -> None:
    if not database.allocates_outside:
        pytest.skip("SQLite's counters are taken in the transaction")
    portal_id = _portal(database)
    taken: list[int] = []
    lock = threading.Lock()

    def add() -> None:
        for _ in range(20):
            with database.write() as conn:
                reserve_hot_ids(conn, portal_id, {"event": 2, "crm_activity": 1})
                mine = [next_hot_id(conn, portal_id, "event") for _ in range(2)]
                mine.append(-next_hot_id(conn, portal_id, "crm_activity"))
            with lock:
                taken.extend(mine)

    threads = [threading.Thread(target=add) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    events = sorted(n for n in taken if n > 0)
    activities = sorted(-n for n in taken if n < 0)
    assert events == list(range(1, 241)) and activities == list(range(1, 121))


def test_writers_beyond_the_kept_id_connections_wait_their_turn_instead_of_opening_more(
    database: Database,
) -> None:
    """Thirty writers taking IDs at once: at most ``reader_pool_size`` connections are ever opened for
    them, none opened for one statement and closed again."""
    if not database.allocates_outside:
        pytest.skip("SQLite's counters are taken in the transaction")
    portal_id = _portal(database)
    own = Database(database.url.render_as_string(hide_password=False), reader_pool_size=4)
    opened = 0
    make = own._key_connection

    def counted() -> Any:
        nonlocal opened
        opened += 1
        return make()

    own._key_connection = counted  # type: ignore[method-assign]
    barrier = threading.Barrier(30)
    taken: list[int] = []

    def write() -> None:
        with own.write() as conn:
            barrier.wait(30)
            taken.extend(next_hot_id(conn, portal_id, "event") for _ in range(5))

    try:
        threads = [threading.Thread(target=write) for _ in range(30)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(taken) == list(range(1, 151))
        assert opened <= 4
    finally:
        own.dispose()


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_a_list_page_holds_no_transaction_open(
    portal: PortalClient, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list page's statements each commit on their own on PostgreSQL: no BEGIN and COMMIT around them
    (two round trips of four), and no connection left idle in a transaction while the page renders."""
    for _ in range(3):
        portal.add_call()
    seen: list[int] = []
    real = listing.render.render_rows

    def rendering(*args: Any, **kwargs: Any) -> Any:
        seen.append(_idle_in_transaction(database))
        return real(*args, **kwargs)

    monkeypatch.setattr(listing.render, "render_rows", rendering)
    page = portal.call("crm.activity.list", {"order": {"ID": "ASC"}})
    assert page["total"] == 3 and len(page["result"]) == 3
    assert seen == [0]


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
@pytest.mark.parametrize("method", ["crm.item.list", "crm.deal.list"])
def test_an_item_page_holds_no_transaction_open(
    portal: PortalClient, database: Database, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    """crm.item.list's and the classic lists' page, count and multifields are statements of their own
    too: no connection idle in a transaction between the page and its count."""
    for n in range(3):
        portal.result("crm.deal.add", {"fields": {"TITLE": f"Deal {n}"}})
    seen: list[int] = []
    real = item_lists.total

    def counting(*args: Any, **kwargs: Any) -> Any:
        seen.append(_idle_in_transaction(database))
        return real(*args, **kwargs)

    monkeypatch.setattr(item_lists, "total", counting)
    page = portal.call(method, {"entityTypeId": 2} if method == "crm.item.list" else {})
    assert page["total"] == 3
    assert seen == [0]


def _idle_in_transaction(database: Database) -> int:
    """How many of the database's connections sit idle inside a transaction."""
    with database.read_raw() as driver:
        return int(
            driver.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%'"
            ).fetchone()[0]
        )
