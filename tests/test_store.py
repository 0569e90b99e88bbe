"""The storage layer: migrations match the tables, per-portal IDs, the single SQLite writer."""

from __future__ import annotations

import threading

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from b24crm.auth.service import Tenancy
from b24crm.clock import SystemClock
from b24crm.store import sql
from b24crm.store.engine import Database
from b24crm.store.tables import metadata


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
    try:
        with database.write() as conn:
            sql.next_id(conn, portal.id, "rollback")
            raise RuntimeError("abort")
    except RuntimeError:
        pass
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
