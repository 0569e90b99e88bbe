"""The operator's view of a portal's traffic, newest first: event deliveries with each attempt (status,
time, the handler's answer), the events themselves, the outgoing e-mail the server recorded (never sent),
todo reminders and when they fire, and the REST calls the server kept (its request log). Read-only; what
the admin namespace answers as JSON, without credentials: tokens are left out wherever they occur."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from b24crm import errors
from b24crm.crm.activity import pings
from b24crm.runtime import Runtime
from b24crm.store import deliveries, outbox, tenancy
from b24crm.store.tables import event_deliveries, event_outbox, mail_outbox
from b24crm.web.context import PREFIX, error_page, page, runtime_of, signed_in, to_sign_in

KINDS = {
    "deliveries": "Event deliveries",
    "events": "Events",
    "mail": "Outgoing e-mail",
    "reminders": "Reminders",
    "requests": "REST calls",
}
SHOWN = 200  # the newest rows of each kind
SECRET_KEYS = frozenset(
    {"application_token", "access_token", "refresh_token", "auth", "client_secret", "code"}
)
NO_PORTAL = errors.ErrorSpec("NOT_FOUND", "Portal not found", 404)


def _clean(value: Any) -> Any:
    """The value without credentials, at any depth."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if str(k).lower() not in SECRET_KEYS}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _when(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return "" if value is None else str(value)


def _newest(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [_clean(r) for r in reversed(rows[-SHOWN:])]


def _rows(runtime: Runtime, portal_id: int, kind: str) -> list[dict[str, Any]]:
    if kind == "requests":
        journal = runtime.workbench.journal
        return _newest([] if journal is None else journal.calls(portal_id, limit=SHOWN, newest=True))
    if kind == "reminders":
        return _newest(pings.reminders(runtime.db, portal_id, runtime.clock.now()))
    table = {"deliveries": event_deliveries, "events": event_outbox, "mail": mail_outbox}[kind]
    with runtime.db.read() as conn:
        # The store pages oldest first from an id; a portal's ids are consecutive, so the newest SHOWN
        # rows are those after the last id less SHOWN.
        last = conn.execute(sa.select(sa.func.max(table.c.id)).where(table.c.portal_id == portal_id)).scalar()
        after = max(int(last or 0) - SHOWN, 0)
        if kind == "deliveries":
            return _newest(deliveries.deliveries_of_portal(conn, portal_id, after=after, limit=SHOWN))
        if kind == "events":
            return _newest(outbox.list_events(conn, portal_id, after=after, limit=SHOWN))
        return _newest(outbox.list_mail(conn, portal_id, after=after, limit=SHOWN))


def _load(runtime: Runtime, portal_id: int, kind: str) -> dict[str, Any]:
    with runtime.db.read() as conn:
        portal = tenancy.portal_by_id(conn, portal_id) if 0 < portal_id < 2**31 else None
    if portal is None:
        raise NO_PORTAL()
    return {"portal_row": portal, "rows": _rows(runtime, portal_id, kind)}


async def inspect(request: Request) -> Response:
    if signed_in(request) is None:
        return to_sign_in(request)
    portal_id, kind = request.path_params["portal_id"], request.path_params["kind"]
    if kind not in KINDS:
        return error_page(request, errors.ErrorSpec("NOT_FOUND", "No such page", 404)(), PREFIX + "/")
    try:
        values = await run_in_threadpool(_load, runtime_of(request), portal_id, kind)
    except errors.ApiError as exc:
        return error_page(request, exc, PREFIX + "/")
    return page(
        request,
        "inspect.html",
        kind=kind,
        pages_of=KINDS,
        title=KINDS[kind],
        when=_when,
        portal_id=portal_id,
        **values,
    )
