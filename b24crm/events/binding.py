"""event.bind / event.unbind / event.get / events / event.test (docs: api-reference/events/*.md).

Only an application binds events: a webhook's events are its outgoing webhooks (``b24crm hook-out``).
A handler is bound for the app, with the binding user as its owner; ``AUTH_TYPE`` names the user whose
token the handler receives (0: whoever made the change). Offline handlers have no URL: their events go to
the app's offline queue (``offline.py``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from b24crm import errors
from b24crm.apps.callbacks import check_callback
from b24crm.apps.models import App
from b24crm.auth.caller import Caller
from b24crm.events import catalogue, outbox
from b24crm.php.values import php_bool, php_int, php_str
from b24crm.store import deliveries

EVENT_NOT_FOUND = errors.ErrorSpec("ERROR_EVENT_NOT_FOUND", "Event not found", 400)
ALREADY_BOUND = errors.ErrorSpec("ERROR_CORE", "Unable to set event handler: Handler already binded", 400)
BAD_EVENT_TYPE = errors.ErrorSpec("ERROR_ARGUMENT", "Value must be one of {online|offline}", 400)
NOT_OFFLINE = errors.ErrorSpec("ERROR_ARGUMENT", "Offline event cannot be registered for this event.", 400)
OFFLINE_BIND_ADMIN = errors.ErrorSpec(
    "ACCESS_DENIED", "Access denied! Offline events binding requires administrator access rights", 403
)
AUTH_TYPE_BIND_ADMIN = errors.ErrorSpec(
    "ACCESS_DENIED", "Access denied! Event binding with AUTH_TYPE requires administrator access rights", 403
)
OFFLINE_UNBIND_ADMIN = errors.ErrorSpec(
    "ACCESS_DENIED", "Access denied! Offline events unbinding requires administrator access rights", 403
)
AUTH_TYPE_UNBIND_ADMIN = errors.ErrorSpec(
    "ACCESS_DENIED", "Access denied! Event unbinding with AUTH_TYPE requires administrator access rights", 403
)
ONLINE, OFFLINE = "online", "offline"
# Events that take options, and which (docs: on-offline-event.md; the vendor's ``allowOptions``).
EVENT_OPTIONS = {catalogue.OFFLINE_EVENT: {"minTimeout": "int"}}


def require_app(ctx: Caller) -> App:
    """The calling application; any other caller gets WRONG_AUTH_TYPE, without a reason, as event.* give
    it (placement.* add one)."""
    app = ctx.app
    if app is None:
        raise errors.WRONG_AUTH_TYPE_BARE()
    return app  # type: ignore[no-any-return]


def _event_name(value: Any) -> str:
    name = php_str(value).strip().upper()
    if not name:
        raise errors.ERROR_ARGUMENT("Argument 'EVENT' is null or empty", argument="EVENT")
    return name


def _event_type(value: Any) -> str:
    text = php_str(value).strip().lower() or ONLINE
    if text not in (ONLINE, OFFLINE):
        raise BAD_EVENT_TYPE(argument="EVENT_TYPE")
    return text


def _handler(value: Any) -> str:
    url = php_str(value).strip()
    if not url:
        raise errors.ERROR_ARGUMENT("Argument 'HANDLER' is null or empty", argument="HANDLER")
    return url


def _options(event: str, raw: Any) -> dict[str, Any] | None:
    allowed = EVENT_OPTIONS.get(event)
    if not allowed or not isinstance(raw, dict):
        return None
    return {k: php_int(raw[k]) for k in allowed if k in raw}


def bind(ctx: Caller, event: Any, handler: Any, auth_type: Any, event_type: Any, options: Any) -> bool:
    """In the vendor's order: app context, AUTH_TYPE rights, EVENT, EVENT_TYPE, offline rights, HANDLER,
    the URL, the event, then uniqueness (app, event, handler, user, connector)."""
    app = require_app(ctx)
    user = ctx.user
    acting_as = php_int(auth_type)
    if acting_as > 0 and acting_as != user.id and not user.is_admin:
        raise AUTH_TYPE_BIND_ADMIN()
    if not user.is_admin and acting_as <= 0:
        acting_as = user.id  # a user's own handlers act as that user
    name = _event_name(event)
    kind = _event_type(event_type)
    if kind == OFFLINE:
        if not user.is_admin:
            raise OFFLINE_BIND_ADMIN()
        url, acting_as = "", 0
    else:
        url = check_callback(_handler(handler))
    connector = ctx.connector if kind == OFFLINE else ""
    try:
        with ctx.db.write() as conn:
            _insert_binding(conn, ctx, app, name, kind, url, acting_as, connector, options)
    except IntegrityError:  # the same binding exists: the unique index decides, also between racing binds
        raise ALREADY_BOUND() from None
    return True


def _insert_binding(
    conn: Connection,
    ctx: Caller,
    app: App,
    name: str,
    kind: str,
    url: str,
    acting_as: int,
    connector: str,
    options: Any,
) -> None:
    if name not in _bindable(ctx, app, conn):
        raise EVENT_NOT_FOUND()
    if kind == OFFLINE and name == catalogue.OFFLINE_EVENT:
        raise NOT_OFFLINE()
    deliveries.insert_handler(
        conn,
        ctx.portal.id,
        {
            "event": name,
            "url": url,
            "application_token": app.application_token,
            "user_id": ctx.user.id,
            "app_id": app.id,
            "created": ctx.clock.now(),
            "auth_type": acting_as,
            "offline": kind == OFFLINE,
            "connector": connector,
            "options": _options(name, options),
        },
    )


def _bindable(ctx: Caller, app: App, conn: Any) -> dict[str, str]:
    """The events of the app's scopes and the global ones."""
    granted = {"basic", *app.scopes}
    return {n: s for n, s in catalogue.known_events(conn, ctx.portal.id).items() if s in granted}


def unbind(ctx: Caller, event: Any, handler: Any, auth_type: Any, event_type: Any) -> dict[str, int]:
    app = require_app(ctx)
    user = ctx.user
    name = _event_name(event)
    kind = _event_type(event_type)
    if kind == OFFLINE:
        if not user.is_admin:
            raise OFFLINE_UNBIND_ADMIN()
        url = ""
    else:
        url = _handler(handler)
    acting_as: int | None = None
    if kind == ONLINE and auth_type not in (None, ""):
        acting_as = php_int(auth_type)
        if acting_as != user.id and not user.is_admin:
            raise AUTH_TYPE_UNBIND_ADMIN()
    elif kind == ONLINE and not user.is_admin:
        acting_as = user.id  # a user removes their own handlers only

    def matches(row: dict[str, Any]) -> bool:
        if row["event"] != name or row["url"] != url or bool(row["offline"]) != (kind == OFFLINE):
            return False
        if kind == OFFLINE:
            return bool(row["connector"] == ctx.connector)
        return acting_as is None or row["auth_type"] == acting_as

    with ctx.db.write() as conn:
        doomed = [
            row["id"] for row in deliveries.handlers_of_app(conn, ctx.portal.id, app.id) if matches(row)
        ]
        return {"count": deliveries.delete_handlers(conn, ctx.portal.id, doomed)}


def handlers(ctx: Caller) -> list[dict[str, Any]]:
    """The app's handlers; an administrator sees them all, another user those acting as them."""
    app = require_app(ctx)
    with ctx.db.read() as conn:
        rows = deliveries.handlers_of_app(conn, ctx.portal.id, app.id)
    listed: list[dict[str, Any]] = []
    for row in rows:
        if not ctx.user.is_admin and row["auth_type"] != ctx.user.id:
            continue
        if row["offline"]:
            listed.append({"event": row["event"], "connector_id": row["connector"], "offline": 1})
        else:
            listed.append(
                {
                    "event": row["event"],
                    "handler": row["url"],
                    "auth_type": str(row["auth_type"]),
                    "offline": 0,
                }
            )
    return listed


def names(ctx: Caller, params: dict[str, Any]) -> list[str]:
    """``events``: of one scope (an empty one: the global events), all (FULL), or the app's."""
    app = require_app(ctx)
    with ctx.db.read() as conn:
        known = catalogue.known_events(conn, ctx.portal.id)
    if "SCOPE" in params:
        wanted = php_str(params["SCOPE"]).strip().lower() or "basic"
        return [n for n, s in known.items() if s == wanted]
    if php_bool(params.get("FULL")):
        return list(known)
    granted = {"basic", *app.scopes}
    return [n for n, s in known.items() if s in granted]


def test(ctx: Caller, query: dict[str, Any]) -> int:
    """Send ONAPPTEST with the call's parameters in ``data[QUERY]`` to the app's own handlers of it."""
    app = require_app(ctx)
    data = {"QUERY": query, "LANGUAGE_ID": "en"}
    with ctx.db.write() as conn:
        outbox.emit(conn, ctx.portal.id, catalogue.APP_TEST, data, ctx.clock.now(), ctx.origin, app_id=app.id)
    return 1
