"""The integrator's workbench of one runtime: its request log, limits and faults, made from the settings on
first use.

Kept on the runtime it serves (made once, by the first caller: the REST endpoint, the admin API), so that
the log and the REST calls of one server share it; ``None`` when the log is off, which is the one test the
REST endpoint makes then.
"""

from __future__ import annotations

from typing import Any

from b24crm.rpc.faults import Faults
from b24crm.rpc.journal import Journal
from b24crm.rpc.limits import Limits

_ATTRIBUTE = "b24crm_workbench"


class Workbench:
    def __init__(self, runtime: Any) -> None:
        settings = runtime.settings
        on = settings.request_log or settings.request_log_keep > 0
        self.journal: Journal | None = (
            Journal(
                console=settings.request_log,
                keep=settings.request_log_keep,
                budget=settings.request_log_bytes,
                clock=runtime.clock.now,
            )
            if on
            else None
        )
        self.limits = Limits(runtime.db, runtime.clock, settings)
        self.faults = Faults(runtime.db)


def workbench(runtime: Any) -> Workbench:
    made: Workbench | None = runtime.__dict__.get(_ATTRIBUTE)
    if made is None:
        made = runtime.__dict__.setdefault(_ATTRIBUTE, Workbench(runtime))
    return made
