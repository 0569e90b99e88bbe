"""Helpers shared by the event tests: a portal whose runtime delivers on the test's clock, and an outgoing
webhook on it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from starlette.testclient import TestClient

from b24crm.app import create_app
from b24crm.clock import ManualClock
from b24crm.events import hooks
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store.engine import Database
from tests.client import PortalClient


@contextmanager
def event_portal(settings: Settings, database: Database, clock: ManualClock) -> Iterator[PortalClient]:
    """A new portal (crm scope) on its own runtime built from ``settings``, served in-process."""
    runtime = Runtime(settings, db=database, clock=clock)
    with TestClient(create_app(runtime), base_url="http://testserver") as http:
        yield PortalClient.create(runtime, http, scopes=("crm",))


def outgoing_hook(portal: PortalClient, event: str, url: str) -> hooks.OutgoingWebhook:
    """An outgoing webhook of the portal's user: ``event`` is sent to ``url``."""
    runtime = portal.runtime
    return hooks.create(
        runtime.db,
        portal.hook.portal.id,
        event=event,
        url=url,
        user_id=portal.hook.user.id,
        now=runtime.clock.now(),
    )


def until(condition: Callable[[], bool], seconds: float) -> bool:
    """Whether ``condition`` came true within ``seconds`` (looked at every 20 ms)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
