"""The storage layer: migrations match the tables, per-portal IDs, the single SQLite writer."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from b24crm.auth.service import Tenancy
from b24crm.clock import SystemClock
from b24crm.store import migrate, sql
from b24crm.store.engine import Database
from b24crm.store.tables import crm_items, metadata


def test_migrations_create_exactly_the_declared_tables(database: Database) -> None:
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_every_table_carries_the_portal() -> None:
    for table in metadata.tables.values():
        column = "id" if table.name == "portals" else "portal_id"
        assert column in table.c, table.name


def test_ids_are_allocated_per_portal(database: Database) -> None:
    tenancy = Tenancy(database, SystemClock())
    first, second = tenancy.create_portal(), tenancy.create_portal()
    with database.write() as conn:
        assert [sql.next_id(conn, first.id, "thing") for _ in range(3)] == [1, 2, 3]
        assert sql.next_id(conn, second.id, "thing") == 1


def test_a_rolled_back_write_leaves_nothing(database: Database) -> None:
    tenancy = Tenancy(database, SystemClock())
    portal = tenancy.create_portal()
    with pytest.raises(RuntimeError, match=r"^abort$"), database.write() as conn:
        sql.next_id(conn, portal.id, "rollback")
        raise RuntimeError("abort")
    with database.write() as conn:
        assert sql.next_id(conn, portal.id, "rollback") == 1


def test_concurrent_writers_get_distinct_ids(database: Database) -> None:
    tenancy = Tenancy(database, SystemClock())
    portal = tenancy.create_portal()
    ids: list[int] = []
    lock = threading.Lock()

    def create() -> None:
        for _ in range(10):
            user = tenancy.create_user(portal.id, name="w")
            with lock:
                ids.append(user.id)

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(ids) == list(range(1, 61))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_deliveries_written_before_0005_are_sent_after_the_upgrade(backend: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A database at 0004 with a pending delivery (no target of its own) upgrades and still delivers it."""
    from contextlib import ExitStack

    import psycopg

    from b24crm.devtools import scratch_postgres
    from b24crm.store import deliveries, tenancy
    from tests.conftest import PG_URL, REQUIRE_PG

    with ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / 'old.db'}"
        else:
            try:
                url = stack.enter_context(scratch_postgres(PG_URL, "b24crm_upgrade"))
            except psycopg.OperationalError as exc:  # the server cannot be reached
                message = f"PostgreSQL tests skipped: cannot connect to {PG_URL} ({exc})"
                if REQUIRE_PG:
                    pytest.fail(message.replace("skipped", "required (B24CRM_REQUIRE_PG=1)"))
                pytest.skip(message)
        db = Database(url)
        stack.callback(db.dispose)
        migrate.upgrade(db, "0004")
        with db.write() as conn:
            portal_id = tenancy.insert_portal(
                conn, domain="old.test", member_id="m" * 32, title="", time_zone="UTC", now=1.0
            )
            conn.execute(
                sa.text(
                    "INSERT INTO event_handlers"
                    " (portal_id, id, event, url, application_token, user_id, created)"
                    " VALUES (:p, 1, 'ONCRMDEALADD', 'http://old.test/h', 'tok', 1, 1.0)"
                ),
                {"p": portal_id},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO event_outbox (portal_id, id, event, data, created)"
                    " VALUES (:p, 1, 'ONCRMDEALADD', '{\"FIELDS\": {\"ID\": 7}}', 1.0)"
                ),
                {"p": portal_id},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO event_deliveries (portal_id, id, event_id, handler_id, status, attempts,"
                    " next_attempt, created) VALUES (:p, 1, 1, 1, 'pending', 0, 1.0, 1.0)"
                ),
                {"p": portal_id},
            )
            # A contact with a phone and one without: the classic methods computed HAS_PHONE then.
            for item_id in (1, 2):
                conn.execute(
                    sa.text(
                        "INSERT INTO crm_items"
                        " (portal_id, entity_type_id, id, created_time, updated_time, data)"
                        ' VALUES (:p, 3, :i, 1.0, 1.0, \'{"name": "C"}\')'
                    ),
                    {"p": portal_id, "i": item_id},
                )
            conn.execute(
                sa.text(
                    "INSERT INTO crm_multifields"
                    " (portal_id, id, entity_type_id, item_id, type_id, value_type, value)"
                    " VALUES (:p, 1, 3, 1, 'PHONE', 'WORK', '+1555')"
                ),
                {"p": portal_id},
            )
        migrate.upgrade(db)
        with db.read() as conn:
            flags = {
                row[0]: row[1]
                for row in conn.execute(
                    sa.select(crm_items.c.id, crm_items.c.data).where(crm_items.c.portal_id == portal_id)
                )
            }
        assert flags[1] == {"name": "C", "hasPhone": True, "hasEmail": False, "hasImol": False}
        assert flags[2]["hasPhone"] is False
        with db.read() as conn:
            (due,) = deliveries.due(conn, 2.0, 10, portal_id)
        assert (due["url"], due["application_token"], due["event"]) == (
            "http://old.test/h",
            "tok",
            "ONCRMDEALADD",
        )
        assert due["data"] == {"FIELDS": {"ID": 7}}


def test_an_item_read_on_the_driver_is_the_engines_row(database: Database) -> None:
    # get_item reads through the driver for speed; its values (JSON decoded, floats, NULLs) must be the
    # ones the engine's own result would give.
    from b24crm.store import crm_items as repo

    portal = Tenancy(database, SystemClock()).create_portal()
    values = {
        "title": "Deal <&>",
        "assigned_by_id": 1,
        "created_by": 1,
        "updated_by": 1,
        "created_time": 1.5,
        "updated_time": 2.25,
        "opportunity": 1234.5,
        "currency_id": None,
        "data": {"comments": "ü", "nested": [1, {"a": None}]},
    }
    with database.write() as conn:
        item_id = repo.insert_item(conn, portal.id, 2, values)
    with database.read() as conn:
        where = (crm_items.c.portal_id == portal.id, crm_items.c.id == item_id)
        expected = conn.execute(sa.select(crm_items).where(*where)).mappings().one()
        found = repo.get_item(conn, portal.id, 2, item_id)
        assert repo.get_item(conn, portal.id, 2, item_id + 1) is None
    assert found == dict(expected)
    assert found["data"] == values["data"] and found["opportunity"] == 1234.5
