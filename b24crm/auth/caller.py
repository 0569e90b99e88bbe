"""Who calls, and what the rules run with: the value every domain rule takes.

The RPC layer's ``CallContext`` is a ``Caller`` with the call's transport details added (method name,
HTTPS, batch), so a handler passes its context straight down; the domain never sees more than this.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from b24crm.auth.models import Credential, Portal, User
from b24crm.events.outbox import Origin

if TYPE_CHECKING:
    from b24crm.apps.models import App
    from b24crm.clock import Clock
    from b24crm.store.engine import Database
    from b24crm.store.files import FileStore


@dataclass(frozen=True)
class Services:
    """The server's shared services the rules use, built once at start."""

    db: Database
    clock: Clock
    files: FileStore
    base_url: str  # where links in answers point (file URLs)


# Not frozen: a frozen dataclass's __init__ costs two microseconds, and every call makes one.
@dataclass(eq=False)
class Caller:
    services: Services
    credential: Credential
    # The call's ``auth_connector``: offline handlers with the same connector do not queue its changes.
    connector: str = ""

    @property
    def portal(self) -> Portal:
        return self.credential.portal

    @property
    def user(self) -> User:
        return self.credential.user

    @property
    def app(self) -> App | None:
        """The calling application; None for a webhook."""
        return self.credential.app

    @cached_property
    def origin(self) -> Origin:
        """Who the events of this call's changes come from."""
        app = self.credential.app
        return Origin(self.credential.user.id, self.connector, None if app is None else app.id)

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def files(self) -> FileStore:
        return self.services.files

    @property
    def base_url(self) -> str:
        return self.services.base_url
