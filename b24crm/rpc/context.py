"""The CallContext a handler runs with: who calls, on which portal, and the server's services."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from b24crm.auth.models import Credential, Portal, User
from b24crm.events.outbox import Origin

if TYPE_CHECKING:
    from b24crm.clock import Clock
    from b24crm.runtime import Runtime
    from b24crm.store.engine import Database


# Not frozen: a frozen dataclass's __init__ costs two microseconds, and every call makes one.
@dataclass(eq=False)
class CallContext:
    runtime: Runtime
    credential: Credential
    method: str
    https: bool = False
    in_batch: bool = False
    # The call's ``auth_connector``: offline handlers with the same connector do not queue its changes.
    connector: str = ""

    @property
    def portal(self) -> Portal:
        return self.credential.portal

    @property
    def user(self) -> User:
        return self.credential.user

    @cached_property
    def origin(self) -> Origin:
        """Who the events of this call's changes come from."""
        app = self.credential.app
        return Origin(self.credential.user.id, self.connector, None if app is None else app.id)

    @property
    def db(self) -> Database:
        return self.runtime.db

    @property
    def clock(self) -> Clock:
        return self.runtime.clock
