"""The integrator's workbench of one runtime: its request log, limits and faults, made from the settings
when the runtime is built and closed with it (the log's console writer is a thread).

``journal`` is ``None`` when the log is off, which is the one test the REST endpoint makes then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from b24crm.rpc.faults import Faults
from b24crm.rpc.journal import Journal
from b24crm.rpc.limits import Limits

if TYPE_CHECKING:
    from b24crm.clock import Clock
    from b24crm.settings import Settings
    from b24crm.store.engine import Database


class Workbench:
    def __init__(self, settings: Settings, db: Database, clock: Clock) -> None:
        on = settings.request_log or settings.request_log_keep > 0
        self.journal: Journal | None = (
            Journal(
                console=settings.request_log,
                keep=settings.request_log_keep,
                budget=settings.request_log_bytes,
                clock=clock.now,
            )
            if on
            else None
        )
        self.limits = Limits(db, clock, settings)
        self.faults = Faults(db)

    def close(self) -> None:
        if self.journal is not None:
            self.journal.close()
