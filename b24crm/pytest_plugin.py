"""The pytest plugin (entry point ``pytest11``): b24crm as fixtures for an integrator's test suite.

- ``b24crm_server`` (session): ``b24crm serve`` in a subprocess on a free port, on a temporary SQLite file
  (``--b24crm-db URL`` or ``B24CRM_PYTEST_DB`` for another database, PostgreSQL included; ``--b24crm-tls``
  serves HTTPS, its CA at ``b24crm_server.ca``);
- ``b24crm_portal``: a fresh portal per test with an administrator and a ``crm,user`` webhook
  (``.webhook``), deleted after the test;
- ``b24crm_admin``: an httpx client on ``/_b24crm/`` holding the admin token;
- ``b24crm_receiver``: an event handler on loopback that keeps what it is sent (``.wait_for(event)``);
- ``b24crm_app``: an application installed on the test's portal, its handler the receiver, with the
  administrator's access and refresh tokens (``.call``, ``.bind(event)``).

Every pytest run in an environment where b24crm is installed loads this module, so it imports nothing but
pytest here: the server and its client code load when a test first asks for a fixture.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import httpx

    from b24crm.testkit import App, Portal, Receiver, Server


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("b24crm", "b24crm fixtures")
    group.addoption(
        "--b24crm-db",
        default=os.environ.get("B24CRM_PYTEST_DB"),
        help="database URL for the b24crm_server fixture (default: a temporary SQLite file; "
        "env B24CRM_PYTEST_DB)",
    )
    group.addoption(
        "--b24crm-tls", action="store_true", default=False, help="b24crm_server serves HTTPS (a local CA)"
    )


@pytest.fixture(scope="session")
def b24crm_server(pytestconfig: pytest.Config) -> Iterator[Server]:
    from b24crm.testkit import serve

    with serve(pytestconfig.getoption("b24crm_db"), tls=pytestconfig.getoption("b24crm_tls")) as server:
        yield server


@pytest.fixture(scope="session")
def b24crm_admin(b24crm_server: Server) -> httpx.Client:
    """An ``httpx.Client`` whose base URL is the admin namespace: ``b24crm_admin.get("portals")``."""
    return b24crm_server.admin


@pytest.fixture
def b24crm_portal(b24crm_server: Server) -> Iterator[Portal]:
    portal = b24crm_server.new_portal()
    yield portal
    portal.delete()


@pytest.fixture
def b24crm_receiver() -> Iterator[Receiver]:
    from b24crm.testkit import Receiver

    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def b24crm_app(b24crm_portal: Portal, b24crm_receiver: Receiver) -> App:
    return b24crm_portal.install_app(b24crm_receiver.url)
