"""event.bind / unbind / get / test, events, event.offline.get / clear / error / list.

Docs: api-reference/events/*.md. Parameter names arrive lower-cased (the vendor reads them in any case).
``auth_connector`` is not a method parameter but the call's (``ctx.connector``), as the vendor's OAuth layer
takes it off every call.
"""

from __future__ import annotations

from typing import Any

from b24crm.events import binding, offline
from b24crm.results import Page
from b24crm.rpc.context import CallContext
from b24crm.rpc.registry import BASIC, Params, method

DOCS = "api-reference/events/"


class BindParams(Params):
    event: Any = None
    handler: Any = None
    auth_type: Any = None
    event_type: Any = None
    options: Any = None


class OfflineGetParams(Params):
    filter: Any = None
    order: Any = None
    limit: Any = None
    clear: Any = None
    process_id: Any = None
    error: Any = None


class OfflineClearParams(Params):
    process_id: Any = None
    id: Any = None
    message_id: Any = None


class OfflineListParams(Params):
    filter: Any = None
    order: Any = None
    start: Any = None


@method("event.bind", scope=BASIC, params=BindParams, doc=f"{DOCS}event-bind.md")
def event_bind(ctx: CallContext, p: BindParams) -> bool:
    """Bind a handler (or the offline queue) to an event, for the calling application."""
    return binding.bind(ctx, p.event, p.handler, p.auth_type, p.event_type, p.options)


@method("event.unbind", scope=BASIC, params=BindParams, doc=f"{DOCS}event-unbind.md")
def event_unbind(ctx: CallContext, p: BindParams) -> dict[str, int]:
    """Unbind the application's handlers of an event; answers how many went."""
    return binding.unbind(ctx, p.event, p.handler, p.auth_type, p.event_type)


@method("event.get", scope=BASIC, doc=f"{DOCS}event-get.md")
def event_get(ctx: CallContext, p: Params) -> list[dict[str, Any]]:
    """The application's bound handlers."""
    return binding.handlers(ctx)


@method("events", scope=BASIC, params=Params, doc=f"{DOCS}events.md")
def events(ctx: CallContext, p: Params) -> list[str]:
    """Names of the events that may be bound: of a scope, all, or those of the application's scopes."""
    return binding.names(ctx, {k.upper(): v for k, v in (p.model_extra or {}).items()})


@method("event.test", scope=BASIC, params=Params, doc=f"{DOCS}test-handler.md")
def event_test(ctx: CallContext, p: Params) -> int:
    """Send ONAPPTEST with the call's parameters to the application's handlers of it."""
    query = {
        k: v
        for k, v in (p.model_extra or {}).items()
        if k not in ("auth", "access_token", "auth_connector", "start")
    }
    return binding.test(ctx, query)


@method("event.offline.get", scope=BASIC, params=OfflineGetParams, doc=f"{DOCS}event-offline-get.md")
def event_offline_get(ctx: CallContext, p: OfflineGetParams) -> dict[str, Any]:
    """Read (and clear, or reserve under a process id) the application's offline events."""
    return offline.get(ctx, p.filter, p.order, p.limit, p.clear, p.process_id, p.error)


@method("event.offline.clear", scope=BASIC, params=OfflineClearParams, doc=f"{DOCS}event-offline-clear.md")
def event_offline_clear(ctx: CallContext, p: OfflineClearParams) -> bool:
    """Remove offline events reserved by a process."""
    return offline.clear(ctx, p.process_id, p.id, p.message_id)


@method("event.offline.error", scope=BASIC, params=OfflineClearParams, doc=f"{DOCS}event-offline-error.md")
def event_offline_error(ctx: CallContext, p: OfflineClearParams) -> bool:
    """Mark offline events of a process as failed."""
    return offline.error(ctx, p.process_id, p.message_id)


@method("event.offline.list", scope=BASIC, params=OfflineListParams, doc=f"{DOCS}event-offline-list.md")
def event_offline_list(ctx: CallContext, p: OfflineListParams) -> Page:
    """Every offline event of the application, reserved or not, in pages of 50."""
    return offline.listing(ctx, p.filter, p.order, p.start)
