"""``/_b24crm/`` JSON endpoints, guarded by the admin token printed at start.

Read endpoints have no side effects; the write ones exist for what a test suite needs (a fresh portal with a
webhook, a reset) and for ending credentials. The token is taken from headers only: in a query string it
would be kept by access logs, proxies and browser histories. The answers carry no CORS headers (the REST
answers carry the vendor's ``Access-Control-Allow-Origin: *``), so that no web page can read them with
a token it got hold of.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from b24crm import __version__, errors
from b24crm.admin import objects, state, workbench
from b24crm.apps import placements
from b24crm.apps.models import App
from b24crm.auth.service import parse_scopes
from b24crm.crm.activity import configurable_actions, pings
from b24crm.http.render import render, render_error
from b24crm.runtime import Runtime
from b24crm.store import apps as apps_store
from b24crm.store import deliveries, outbox, tenancy
from b24crm.store.filters import to_int

ADMIN_HEADER = "x-b24crm-admin-token"

# The admin namespace's own errors, in the envelope REST errors use.
NOT_FOUND = errors.ErrorSpec("NOT_FOUND", "{what} not found", 404)
BAD_INPUT = errors.ErrorSpec("INVALID_REQUEST", "", 400)


def _authorised(request: Request, runtime: Runtime) -> bool:
    header = request.headers.get("authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else request.headers.get(ADMIN_HEADER, "")
    return bool(token) and hmac.compare_digest(token.encode(), runtime.admin_token.encode())


def _admin_answer(response: Response) -> Response:
    """The answer without the CORS headers ``render`` gives every REST answer."""
    for name in [n for n in response.headers if n.startswith("access-control-")]:
        del response.headers[name]
    return response


def _user_view(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "name", "last_name", "email", "active", "is_admin", "time_zone")}


def _webhook_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "title": row["title"],
        "active": row["active"],
        "scopes": [s for s in row["scopes"].split(",") if s],
    }


def admin_endpoint(handler, *, raw: bool = False):  # type: ignore[no-untyped-def]
    async def endpoint(request: Request) -> Response:
        return _admin_answer(await answer(request))

    async def answer(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        if not _authorised(request, runtime):
            return render_error(errors.NO_AUTH_FOUND())
        if raw:  # the handler answers on its own: a file, a streamed upload
            return await handler(request, runtime)  # type: ignore[no-any-return]
        try:
            try:
                body = (
                    await request.json() if request.method in ("POST", "PUT") and await request.body() else {}
                )
            except RecursionError:  # nested past the parser's depth
                raise ValueError("the body is not JSON") from None
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            status, result = await run_in_threadpool(
                handler, runtime, {**request.query_params, **request.path_params}, body
            )
        except errors.ApiError as exc:
            return render_error(exc)
        except (ValueError, TypeError, LookupError) as exc:
            return render_error(BAD_INPUT(errors.reason(exc)))
        return render({"result": result}, status)

    return endpoint


def _index(runtime: Runtime, _path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    return 200, {"version": __version__, "methods": len(runtime.registry), "database": runtime.db.dialect}


def _portals(runtime: Runtime, _path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    with runtime.db.read() as conn:
        return 200, tenancy.list_portals(conn)


def _text(body: dict[str, Any], key: str, default: str) -> str:
    value = body.get(key, default)
    if not isinstance(value, str) or "\x00" in value:  # PostgreSQL refuses NUL in text
        raise ValueError(f"{key} must be a string without NUL")
    return value


def _portal_id(path: dict[str, Any]) -> int:
    try:
        return to_int(path["portal_id"])
    except ValueError:
        raise NOT_FOUND.format(what="Portal") from None


def _create_portal(runtime: Runtime, _path: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
    """A portal with an admin user and a webhook, ready to call: what a test suite needs first."""
    scopes = parse_scopes(body.get("scopes", "crm,user"))
    service = runtime.tenancy
    portal = service.create_portal(
        domain=body.get("domain"), title=_text(body, "title", ""), time_zone=_text(body, "time_zone", "UTC")
    )
    admin = service.create_user(portal.id, name=_text(body, "admin_name", "Admin"), admin=True)
    hook = service.create_webhook(portal.id, admin.id, scopes, title="admin api")
    return 201, {
        "portal": {"id": portal.id, "domain": portal.domain, "member_id": portal.member_id},
        "user_id": admin.id,
        "webhook": hook.url(runtime.settings.base_url),
    }


def _portal(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    portal_id = _portal_id(path)
    with runtime.db.read() as conn:
        row = tenancy.portal_by_id(conn, portal_id)
        if row is None:
            raise NOT_FOUND.format(what="Portal")
        return 200, {
            **row,
            "users": [_user_view(u) for u in tenancy.list_users(conn, portal_id)],
            "webhooks": [_webhook_view(w) for w in tenancy.list_webhooks(conn, portal_id)],
        }


def _delete_portal(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    portal_id = _portal_id(path)
    if not runtime.tenancy.delete_portal(portal_id):
        raise NOT_FOUND.format(what="Portal")
    runtime.files.discard_portal(portal_id)  # after the commit: the rows that name them are gone
    return 200, True


def _users(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    with runtime.db.read() as conn:
        return 200, [_user_view(u) for u in tenancy.list_users(conn, _portal_id(path))]


def _webhooks(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    with runtime.db.read() as conn:
        return 200, [_webhook_view(w) for w in tenancy.list_webhooks(conn, _portal_id(path))]


def _revoke_webhook(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    """Revoke a webhook: every process refuses its code at once, as an unknown code."""
    try:
        deleted = runtime.tenancy.delete_webhook(_portal_id(path), to_int(path["webhook_id"]))
    except ValueError:  # past the column's range: no such webhook either
        deleted = False
    if not deleted:
        raise NOT_FOUND.format(what="Webhook")
    return 200, True


def _after(path: dict[str, Any]) -> int:
    try:
        return to_int(path.get("after") or 0)
    except ValueError:
        raise ValueError("after must be an integer") from None


def _events(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    """The portal's event outbox, oldest first: what handlers are (or will be) sent."""
    with runtime.db.read() as conn:
        return 200, outbox.list_events(conn, _portal_id(path), after=_after(path))


def _mail(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    """The portal's outgoing e-mail: recorded by e-mail activities, never sent."""
    with runtime.db.read() as conn:
        return 200, outbox.list_mail(conn, _portal_id(path), after=_after(path))


def _reminders(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    """The portal's todo reminders; those whose time has come (by the server's clock) carry ``fired``."""
    return 200, pings.reminders(runtime.db, _portal_id(path), runtime.clock.now())


def _deliveries(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    """The portal's event deliveries (a thousand after ``after``) with each attempt: status, latency, the
    handler's answer."""
    with runtime.db.read() as conn:
        return 200, deliveries.deliveries_of_portal(conn, _portal_id(path), after=_after(path))


def _handlers(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    with runtime.db.read() as conn:
        rows = deliveries.list_handlers(conn, _portal_id(path))
    return 200, [{k: v for k, v in r.items() if k != "application_token"} for r in rows]


def _app_view(app: App) -> dict[str, Any]:
    return {
        "id": app.id,
        "client_id": app.client_id,
        "title": app.title,
        "handler_url": app.handler_url,
        "redirect_uri": app.redirect_uri,
        "scopes": list(app.scopes),
        "has_ui": app.has_ui,
        "installed": app.installed,
        "active": app.active,
        "application_token": app.application_token,
        "installed_by": app.installed_by,
    }


def _app_id(path: dict[str, Any]) -> int:
    return to_int(path["app_id"])


def _apps(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    return 200, [_app_view(a) for a in runtime.apps.list(_portal_id(path))]


def _create_app(runtime: Runtime, path: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
    """A local application, installed at once (its handler receives ONAPPINSTALL); the client secret is
    shown only here."""
    user_id = body.get("user_id")
    made = runtime.apps.create(
        _portal_id(path),
        handler_url=_text(body, "handler", ""),
        scopes=body.get("scope", "crm"),
        title=_text(body, "title", ""),
        user_id=None if user_id is None else to_int(user_id),
        has_ui=body.get("ui", False) in (True, 1, "1", "true", "Y"),
        redirect_uri=body.get("redirect_uri"),
    )
    return 201, {**_app_view(made.app), "client_secret": made.client_secret}


def _finish_install(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    """What the installer page's ``BX24.installFinish()`` does."""
    return 200, _app_view(runtime.apps.finish_install(_portal_id(path), _app_id(path)))


def _expire_tokens(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    """End the app's access tokens now, to try a client's refresh path."""
    return 200, {"expired": runtime.apps.expire_tokens(_portal_id(path), _app_id(path))}


def _revoke_tokens(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    """End every access and refresh token of the app at once; the app stays installed."""
    try:
        return 200, {"revoked": runtime.apps.revoke_tokens(_portal_id(path), _app_id(path))}
    except (LookupError, ValueError):  # ValueError: an ID past the column's range
        raise NOT_FOUND.format(what="Application") from None


def _placements(runtime: Runtime, path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    with runtime.db.read() as conn:
        return 200, apps_store.placements_of_portal(conn, _portal_id(path))


def _placement_call(runtime: Runtime, path: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
    """The browser POST that opens a placement's handler: ``{method, url, form}``. ``activity_id``
    fills PLACEMENT_OPTIONS as the timeline or the activity list would; ``options`` sets them."""
    user_id, activity_id = body.get("user_id"), body.get("activity_id")
    call = placements.handler_call(
        runtime,
        _portal_id(path),
        to_int(path["placement_id"]),
        user_id=None if user_id is None else to_int(user_id),
        options=body.get("options"),
        activity_id=None if activity_id is None else to_int(activity_id),
    )
    return 200, call


def _activity_app_call(runtime: Runtime, path: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
    """The POST that opens the app behind a REST_APP activity, as clicking it in the timeline does."""
    user_id = body.get("user_id")
    call = placements.app_call(
        runtime,
        _portal_id(path),
        to_int(path["activity_id"]),
        user_id=None if user_id is None else to_int(user_id),
    )
    return 200, call


def _activity_action(runtime: Runtime, path: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
    """A click on a configurable activity's button or menu item (``key``) by ``user_id``: the restEvent
    it emits, or the POST that opens the application for openRestApp."""
    key, user_id = body.get("key"), body.get("user_id")
    if not isinstance(key, str) or not key or user_id is None:
        raise BAD_INPUT("key (a button or menu item key) and user_id are required")
    return 200, configurable_actions.click(
        runtime, _portal_id(path), to_int(path["activity_id"]), key, to_int(user_id)
    )


def _methods(runtime: Runtime, _path: dict[str, Any], _body: dict[str, Any]) -> tuple[int, Any]:
    return 200, [{"name": s.name, "scope": list(s.scopes), "summary": s.summary} for s in runtime.registry]


routes = [
    Route("/_b24crm/", admin_endpoint(_index), methods=["GET"]),
    Route("/_b24crm/methods", admin_endpoint(_methods), methods=["GET"]),
    Route("/_b24crm/portals", admin_endpoint(_portals), methods=["GET"]),
    Route("/_b24crm/portals", admin_endpoint(_create_portal), methods=["POST"]),
    Route("/_b24crm/portals/{portal_id:int}", admin_endpoint(_portal), methods=["GET"]),
    Route("/_b24crm/portals/{portal_id:int}", admin_endpoint(_delete_portal), methods=["DELETE"]),
    Route("/_b24crm/portals/{portal_id:int}/users", admin_endpoint(_users), methods=["GET"]),
    *objects.routes(admin_endpoint),  # roles; deleting users, roles, apps, outgoing webhooks
    Route("/_b24crm/portals/{portal_id:int}/webhooks", admin_endpoint(_webhooks), methods=["GET"]),
    Route(
        "/_b24crm/portals/{portal_id:int}/webhooks/{webhook_id:int}",
        admin_endpoint(_revoke_webhook),
        methods=["DELETE"],
    ),
    Route("/_b24crm/portals/{portal_id:int}/events", admin_endpoint(_events), methods=["GET"]),
    Route("/_b24crm/portals/{portal_id:int}/mail", admin_endpoint(_mail), methods=["GET"]),
    Route("/_b24crm/portals/{portal_id:int}/requests", admin_endpoint(workbench.requests), methods=["GET"]),
    Route("/_b24crm/requests", admin_endpoint(workbench.requests), methods=["GET"]),
    Route("/_b24crm/health", workbench.health, methods=["GET"]),
    *state.routes(admin_endpoint),  # the clock, resets and snapshots
    Route("/_b24crm/portals/{portal_id:int}/faults", admin_endpoint(workbench.faults), methods=["GET"]),
    Route("/_b24crm/portals/{portal_id:int}/faults", admin_endpoint(workbench.add_fault), methods=["POST"]),
    Route(
        "/_b24crm/portals/{portal_id:int}/faults", admin_endpoint(workbench.delete_faults), methods=["DELETE"]
    ),
    Route(
        "/_b24crm/portals/{portal_id:int}/faults/{fault_id:int}",
        admin_endpoint(workbench.delete_faults),
        methods=["DELETE"],
    ),
    Route("/_b24crm/portals/{portal_id:int}/limits", admin_endpoint(workbench.limits), methods=["GET"]),
    Route("/_b24crm/portals/{portal_id:int}/limits", admin_endpoint(workbench.set_limits), methods=["PUT"]),
    Route(
        "/_b24crm/portals/{portal_id:int}/limits", admin_endpoint(workbench.clear_limits), methods=["DELETE"]
    ),
    Route("/_b24crm/portals/{portal_id:int}/reminders", admin_endpoint(_reminders), methods=["GET"]),
    Route("/_b24crm/portals/{portal_id:int}/deliveries", admin_endpoint(_deliveries), methods=["GET"]),
    Route("/_b24crm/portals/{portal_id:int}/handlers", admin_endpoint(_handlers), methods=["GET"]),
    Route("/_b24crm/portals/{portal_id:int}/apps", admin_endpoint(_apps), methods=["GET"]),
    Route("/_b24crm/portals/{portal_id:int}/apps", admin_endpoint(_create_app), methods=["POST"]),
    Route(
        "/_b24crm/portals/{portal_id:int}/apps/{app_id:int}/install-finish",
        admin_endpoint(_finish_install),
        methods=["POST"],
    ),
    Route(
        "/_b24crm/portals/{portal_id:int}/apps/{app_id:int}/expire-tokens",
        admin_endpoint(_expire_tokens),
        methods=["POST"],
    ),
    Route(
        "/_b24crm/portals/{portal_id:int}/apps/{app_id:int}/revoke-tokens",
        admin_endpoint(_revoke_tokens),
        methods=["POST"],
    ),
    Route("/_b24crm/portals/{portal_id:int}/placements", admin_endpoint(_placements), methods=["GET"]),
    Route(
        "/_b24crm/portals/{portal_id:int}/activities/{activity_id:int}/app-call",
        admin_endpoint(_activity_app_call),
        methods=["POST"],
    ),
    Route(
        "/_b24crm/portals/{portal_id:int}/activities/{activity_id:int}/actions",
        admin_endpoint(_activity_action),
        methods=["POST"],
    ),
    Route(
        "/_b24crm/portals/{portal_id:int}/placements/{placement_id:int}/call",
        admin_endpoint(_placement_call),
        methods=["POST"],
    ),
]
