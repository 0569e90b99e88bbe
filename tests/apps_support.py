"""Fixtures (registered for every test module by conftest) and helpers for application tests: a runtime
on the manual clock, a portal, and installing an app through the real OAuth endpoints (authorize, then the
code grant)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from b24crm.app import create_app
from b24crm.apps.service import NewApp
from b24crm.clock import ManualClock
from b24crm.devtools import EventReceiver
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store.engine import Database
from tests.client import AppClient, PortalClient


@pytest.fixture
def receiver() -> Iterator[EventReceiver]:
    made = EventReceiver()
    yield made
    made.close()


@pytest.fixture
def clocked_runtime(settings: Settings, database: Database, clock: ManualClock) -> Runtime:
    return Runtime(settings, db=database, clock=clock)


@pytest.fixture
def clocked_http(clocked_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(clocked_runtime), base_url="http://testserver") as made:
        yield made


@pytest.fixture
def app_portal(clocked_runtime: Runtime, clocked_http: TestClient) -> PortalClient:
    """A portal with an administrator and a crm webhook, on the manual clock."""
    return PortalClient.create(clocked_runtime, clocked_http, scopes=("crm",))


def code_for(client: TestClient, made: NewApp, **extra: str) -> dict[str, list[str]]:
    """The query of the redirect /oauth/authorize/ answers with."""
    response = client.get(
        "/oauth/authorize/",
        params={"client_id": made.app.client_id, "state": "xyz", **extra},
        follow_redirects=False,
    )
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["location"]).query)


def code_grant(made: NewApp, code: str) -> dict[str, str]:
    """The query of the authorization_code grant."""
    return {
        "grant_type": "authorization_code",
        "client_id": made.app.client_id,
        "client_secret": made.client_secret,
        "code": code,
    }


def grant(client: TestClient, made: NewApp, code: str) -> dict[str, Any]:
    response = client.get("/oauth/token/", params=code_grant(made, code))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


@dataclass
class InstalledApp:
    made: NewApp
    tokens: dict[str, Any]
    api: AppClient

    @property
    def id(self) -> int:
        return self.made.app.id


def install(
    portal: PortalClient, url: str, scopes: str = "crm,placement", *, user_id: int | None = None, **kw: Any
) -> InstalledApp:
    """A new app on the portal, with a token for ``user_id`` (the installer by default)."""
    made = portal.runtime.apps.create(portal.hook.portal.id, handler_url=url, scopes=scopes, **kw)
    extra = {"user_id": str(user_id)} if user_id is not None else {}
    tokens = grant(portal.http, made, code_for(portal.http, made, **extra)["code"][0])
    return InstalledApp(made, tokens, AppClient(portal.runtime, portal.http, tokens["access_token"]))
