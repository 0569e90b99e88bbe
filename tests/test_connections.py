"""Connections are bounded and released: bare driver connections, and those of CLI commands."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from b24crm.cli import cli
from b24crm.store.engine import Database


@pytest.fixture
def db_url(database: Database) -> str:
    return database.url.render_as_string(hide_password=False)


def _open_connections(database: Database) -> int:
    """Connections held open to this database: the PostgreSQL server's count, or this process's open
    files of the SQLite database."""
    if database.dialect == "sqlite":
        target = os.path.realpath(str(database.url.database))
        fds = Path("/proc/self/fd")
        return sum(1 for fd in fds.iterdir() if os.path.realpath(fd) == target)
    with database.read() as conn:
        return int(
            conn.execute(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            ).scalar_one()
        )


def _read_in_threads(database: Database, threads: int) -> None:
    def read() -> None:
        with database.read_raw() as driver:
            driver.execute("SELECT 1").fetchall()
        assert database.read_key("SELECT 1", ()) == [(1,)]

    started = [threading.Thread(target=read) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()


def test_bare_connections_outlive_no_thread(database: Database, db_url: str) -> None:
    # Each thread kept a bare connection of its own, never closed when the thread ended: a test run held
    # 68 PostgreSQL connections and the server refused others.
    own = Database(db_url, reader_pool_size=4)
    try:
        for _ in range(3):
            _read_in_threads(own, 30)
        assert len(own._raw_idle) <= 4
        assert len(own._key_cursors) <= 4
        # This handle's: at most the idle bare ones and the pool's few, not one per thread ever run.
        assert _open_connections(own) < 30
    finally:
        own.dispose()
    assert own._raw_idle == []
    assert own._key_cursors == []


def test_cli_commands_release_their_connections(database: Database, db_url: str) -> None:
    before = _open_connections(database)
    runner = CliRunner()
    for _ in range(6):  # a connection kept per command would pass the bound by the fourth
        result = runner.invoke(cli, ["portal", "create", "--db", db_url])
        assert result.exit_code == 0, result.output
    assert _open_connections(database) <= before + 2
