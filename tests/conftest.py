"""Shared fixtures: a store per backend (SQLite always, PostgreSQL when reachable), a runtime, an
in-process HTTP client, and a fresh portal per test (tenancy keeps tests apart without any cleanup).

PostgreSQL: ``B24CRM_TEST_PG`` names the server (default ``postgresql://postgres@127.0.0.1:5432/postgres``);
the suite creates its own database there and drops it afterwards. When the server cannot be reached the
PostgreSQL variants are skipped with the reason, unless ``B24CRM_REQUIRE_PG=1`` (CI), where that is an error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from starlette.testclient import TestClient

from b24crm.app import create_app
from b24crm.clock import ManualClock
from b24crm.devtools import scratch_postgres
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store import migrate
from b24crm.store.engine import Database
from tests.client import PortalClient

pytest_plugins = ["tests.apps_support"]

PG_URL = os.environ.get("B24CRM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("B24CRM_REQUIRE_PG") == "1"


@contextmanager
def pg_scratch(name: str) -> Iterator[str]:
    """The URL of a scratch PostgreSQL database, dropped afterwards. Without a server the test is skipped
    with the reason, or fails where PostgreSQL is required (CI)."""
    try:
        scratch = scratch_postgres(PG_URL, name)
        url = scratch.__enter__()
    except Exception as exc:  # the server is not there
        message = f"PostgreSQL tests skipped: cannot connect to {PG_URL} ({exc.__class__.__name__}: {exc})"
        if REQUIRE_PG:
            pytest.fail(message.replace("skipped", "required (B24CRM_REQUIRE_PG=1)"))
        pytest.skip(message)
    try:
        yield url
    finally:
        scratch.__exit__(None, None, None)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[Database]:
    with pg_scratch("b24crm_test") as url:
        db = Database(url)
        migrate.upgrade(db)
        try:
            yield db
        finally:
            db.dispose()


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("sqlite") / "b24crm.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> Database:
    """The store under test; every storage-touching test runs once per backend."""
    return request.getfixturevalue(f"{'pg' if request.param == 'postgres' else 'sqlite'}_database")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    # Events are delivered by the tests that look at delivery, when they say so.
    return Settings(
        db="sqlite:///unused.db",
        data_dir=str(tmp_path / "data"),
        admin_token="admin-secret",
        event_delivery=False,
    )


@pytest.fixture
def runtime(settings: Settings, database: Database) -> Iterator[Runtime]:
    rt = Runtime(settings, db=database)
    yield rt


@pytest.fixture
def http(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def portal(runtime: Runtime, http: TestClient) -> PortalClient:
    """A fresh portal with an admin user and a webhook holding the crm and user scopes."""
    return PortalClient.create(runtime, http, scopes=("crm", "user"))
