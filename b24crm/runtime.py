"""The server's services, built once from the settings and shared by every request."""

from __future__ import annotations

import secrets

from b24crm.apps.oauth import OAuthServer
from b24crm.apps.service import AppService
from b24crm.auth.caller import Services
from b24crm.auth.service import Tenancy
from b24crm.clock import Clock, ControlledClock, SystemClock
from b24crm.methods import load_methods
from b24crm.rpc.dispatch import Dispatcher
from b24crm.rpc.operating import OperatingMeter
from b24crm.rpc.registry import Registry
from b24crm.rpc.workbench import Workbench
from b24crm.settings import Settings
from b24crm.store import clock_control, migrate
from b24crm.store.engine import Database
from b24crm.store.files import FileStore


class Runtime:
    def __init__(self, settings: Settings, *, clock: Clock | None = None, db: Database | None = None) -> None:
        self.settings = settings
        self._own_db = db is None
        self.db = db or Database(settings.db)
        # The clock every service reads: the real (or a test's) time, frozen or moved through the admin API
        # for every process on the database at once (store/clock_control.py).
        self.clock_control = clock_control.control_of(self.db)
        self.clock = ControlledClock(clock or SystemClock(), self.clock_control)
        self.registry: Registry = load_methods()
        self.tenancy = Tenancy(self.db, self.clock)
        self.operating = OperatingMeter()
        self.files = FileStore(settings.files_path)
        self.services = Services(self.db, self.clock, self.files, settings.base_url)
        self.dispatcher = Dispatcher(self.registry, self.services, self.operating)
        self.oauth = OAuthServer(self.db, self.clock, settings.base_url)
        self.apps = AppService(self.db, self.clock, self.oauth)
        # A portal, user or webhook change drops the resolved tokens with the webhooks.
        self.tenancy.on_change.append(self.oauth.invalidate)
        self.admin_token = settings.admin_token or secrets.token_urlsafe(24)
        # The request log, limits and faults. They run on the real time, not the controlled clock: a frozen
        # clock would never drain a leaky bucket, and the log's times are those a developer watches.
        self.workbench = Workbench(settings, self.db, self.clock.base)

    def migrate(self) -> None:
        migrate.upgrade(self.db)

    def close(self) -> None:
        self.workbench.close()
        if self._own_db:  # a handle given by the caller is the caller's to close, with its control
            clock_control.close_control(self.db)
        self.db.dispose()
