"""The pages and the endpoint behind applications' frames: the application list, the page hosting an
application's own page (or its installer), and the JSON endpoint the parent script (``static/frames.js``)
calls for what a frame asks that needs the server: a fresh token, the install's end, options, a slider's
frame, the selectors' lists.

The endpoint is the signed-in user's: the session cookie and the CSRF token in the ``X-CSRF-Token``
header, the application one of the user's portal. A frame never reaches it: only the parent page does,
after checking that the message came from the frame it opened, at that frame's origin.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from b24crm import errors
from b24crm.apps import options
from b24crm.apps.oauth import ACCESS_LIFETIME
from b24crm.auth.caller import Caller
from b24crm.runtime import Runtime
from b24crm.store import app_options
from b24crm.web import actions, frames, session
from b24crm.web.context import PREFIX, caller_for, error_page, page, runtime_of, signed_in, to_sign_in
from b24crm.web.pages import frame_values

# A frame's message is at most 256 KiB (static/frames.js): room for an option value of 64 KiB escaped.
MAX_BODY = 262_144
TOO_LARGE = errors.ErrorSpec("ERROR_ARGUMENT", "The body is larger than 256 KiB", 413)
UNKNOWN = errors.ErrorSpec("ERROR_METHOD_NOT_FOUND", "Unknown frame command", 404)
ADMIN_ONLY = errors.ErrorSpec("ACCESS_DENIED", "Access denied! Administrator authorization required", 403)


def _base(request: Request) -> str:
    p = request.path_params
    return f"{PREFIX}/portals/{p['portal_id']}/users/{p['user_id']}"


async def app_list(request: Request) -> Response:
    if signed_in(request) is None:
        return to_sign_in(request)
    p = request.path_params

    def work() -> dict[str, Any]:
        ctx = caller_for(runtime_of(request), p["portal_id"], p["user_id"])
        return {**frame_values(ctx), "apps": frames.app_list(ctx)}

    try:
        values = await run_in_threadpool(work)
    except errors.ApiError as exc:
        return error_page(request, exc, PREFIX + "/")
    return page(request, "apps.html", **values)


async def open_app(request: Request) -> Response:
    """The application's own page in the page's frame (its installer until the install is finished)."""
    sid = signed_in(request)
    if sid is None:
        return to_sign_in(request)
    runtime = runtime_of(request)
    form = await request.form()
    if not session.csrf_ok(runtime.admin_token, sid, form.get("csrf")):
        return error_page(request, actions.FORBIDDEN(), f"{_base(request)}/apps")
    p = request.path_params

    def work() -> dict[str, Any]:
        ctx = caller_for(runtime, p["portal_id"], p["user_id"])
        described = frames.main_page(runtime, ctx, p["app_id"])
        return {**frame_values(ctx), "frame": described, "close": f"{_base(request)}/apps"}

    try:
        values = await run_in_threadpool(work)
    except errors.ApiError as exc:
        return error_page(request, exc, f"{_base(request)}/apps")
    return page(request, "app.html", **values)


# --- what the parent script asks for a frame ------------------------------------------------------------


def _refresh(runtime: Runtime, ctx: Caller, app_id: int, _params: dict[str, Any]) -> Any:
    """A new token pair from the OAuth server for this user and application, as the portal's page gets
    one for a frame's ``refreshAuth``."""
    app = frames.require_app(ctx, app_id)
    with runtime.db.write() as conn:
        pair = runtime.oauth.issue(conn, app, ctx.user.id, runtime.clock.now())
    return {
        "AUTH_ID": pair.access_token,
        "REFRESH_ID": pair.refresh_token,
        "AUTH_EXPIRES": str(ACCESS_LIFETIME),
        "MEMBER_ID": ctx.portal.member_id,
    }


def _install_finish(runtime: Runtime, ctx: Caller, app_id: int, _params: dict[str, Any]) -> Any:
    """``installFinish``: the application is installed, ONAPPINSTALL goes to its handlers."""
    if not ctx.user.is_admin:
        raise ADMIN_ONLY()
    frames.require_app(ctx, app_id)
    try:
        runtime.apps.finish_install(ctx.portal.id, app_id, ctx.user.id)
    except (LookupError, ValueError):
        raise frames.NOT_INSTALLED() from None
    return {"installed": True}


def _option(level: str) -> Callable[[Runtime, Caller, int, dict[str, Any]], Any]:
    def save(runtime: Runtime, ctx: Caller, app_id: int, params: dict[str, Any]) -> Any:
        app = frames.require_app(ctx, app_id)
        if level == "app" and not ctx.user.is_admin:
            raise ADMIN_ONLY()
        owner = app_options.APP_LEVEL if level == "app" else ctx.user.id
        name = params.get("name")
        if not isinstance(name, str) or not name:
            raise options.EMPTY(argument="options")
        options.save(
            runtime.db, runtime.clock.now(), ctx.portal.id, app.id, owner, {name: params.get("value")}
        )
        return options.read(runtime.db, ctx.portal.id, app.id, owner) or []

    return save


def _open(runtime: Runtime, ctx: Caller, app_id: int, params: dict[str, Any]) -> Any:
    """A new frame of the application's own page: a slider ``openApplication`` opens (its parameters as
    PLACEMENT_OPTIONS), or the page again once its install is finished."""
    return frames.main_page(runtime, ctx, app_id, params.get("options"))


def _users(runtime: Runtime, ctx: Caller, app_id: int, params: dict[str, Any]) -> Any:
    frames.require_app(ctx, app_id)
    return frames.users_for_selector(ctx)


def _crm(runtime: Runtime, ctx: Caller, app_id: int, params: dict[str, Any]) -> Any:
    frames.require_app(ctx, app_id)
    return frames.crm_for_selector(ctx, params.get("entityType"))


COMMANDS: dict[str, Callable[[Runtime, Caller, int, dict[str, Any]], Any]] = {
    "refreshAuth": _refresh,
    "setInstallFinish": _install_finish,
    "setAppOption": _option("app"),
    "setUserOption": _option("user"),
    "open": _open,
    "users": _users,
    "crm": _crm,
}


def _error(exc: errors.ApiError) -> JSONResponse:
    status = exc.status if 400 <= exc.status < 600 else 400
    return JSONResponse({"error": exc.code, "error_description": exc.description}, status_code=status)


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _strict_json(body: bytes) -> Any:
    """The body as JSON proper: no NaN or Infinity (neither a JSON answer nor PostgreSQL's json column takes
    them) and no lone surrogate (no UTF-8 for it), which Python's parser would let through."""
    given = json.loads(body, parse_constant=_not_json)
    json.dumps(given, ensure_ascii=False).encode()
    return given


async def command(request: Request) -> Response:
    sid = signed_in(request)
    runtime = runtime_of(request)
    if sid is None or not session.csrf_ok(runtime.admin_token, sid, request.headers.get("x-csrf-token")):
        return _error(actions.FORBIDDEN())
    body = b""
    async for chunk in request.stream():  # read no further than the bound
        body += chunk
        if len(body) > MAX_BODY:
            return _error(TOO_LARGE())
    try:
        given = _strict_json(body)
    except (ValueError, RecursionError):  # UnicodeError is a ValueError; nesting beyond the parser's depth
        given = None
    if not isinstance(given, dict) or not isinstance(given.get("params", {}), dict):
        return _error(errors.ErrorSpec("ERROR_ARGUMENT", "The body is a JSON object: command, params")())
    work = COMMANDS.get(str(given.get("command")))
    if work is None:
        return _error(UNKNOWN())
    p = request.path_params

    def run() -> Any:
        ctx = caller_for(runtime, p["portal_id"], p["user_id"])
        return work(runtime, ctx, p["app_id"], given.get("params") or {})

    try:
        result = await run_in_threadpool(run)
    except errors.ApiError as exc:
        return _error(exc)
    response = JSONResponse({"result": result})
    response.headers["cache-control"] = "no-store"
    return response
