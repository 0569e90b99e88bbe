"""The pages a browser reads: sign-in, the portals and their users, item lists and an item's timeline."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm import items as items_domain
from b24crm.php.values import php_int
from b24crm.store import tenancy
from b24crm.web import app_links, inspect, records, session, timeline
from b24crm.web import items as item_lists
from b24crm.web.context import (
    PREFIX,
    caller_for,
    error_page,
    page,
    runtime_of,
    signed_in,
    to_sign_in,
    user_name,
)

PRE_COOKIE = "b24crm_ui_pre"  # the sign-in form's own CSRF token, before there is a session
USERS_SHOWN = 200
# The main fields an item's page shows first, as the card's "About" block does.
MAIN_FIELDS = (
    "id", "title", "name", "lastName", "stageId", "statusId", "opportunity", "currencyId", "assignedById",
    "createdTime", "updatedTime", "comments",
)  # fmt: skip


def _safe_next(value: Any) -> str:
    """Where to go after signing in: a path of these pages only, never another site."""
    text = str(value or "")
    if text.startswith(PREFIX + "/") and not text.startswith("//") and "\\" not in text:
        return text
    return PREFIX + "/"


def _int(request: Request, name: str, default: int = 0) -> int:
    return php_int(request.query_params.get(name, default))


async def root(request: Request) -> Response:
    return RedirectResponse(PREFIX + "/", status_code=307)


async def sign_in_form(request: Request) -> Response:
    pre = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(18)
    response = page(
        request, "signin.html", pre=pre, next=_safe_next(request.query_params.get("next")), failed=False
    )
    response.set_cookie(PRE_COOKIE, pre, httponly=True, samesite="strict", path=PREFIX)
    return response


async def sign_in(request: Request) -> Response:
    form = await request.form()
    runtime = runtime_of(request)
    pre = request.cookies.get(PRE_COOKIE, "")
    given_pre = str(form.get("pre", ""))
    next_url = _safe_next(form.get("next"))
    if not pre or not hmac.compare_digest(pre.encode(), given_pre.encode()):
        return page(request, "signin.html", status=403, pre=pre, next=next_url, failed=True)
    if not session.token_matches(runtime.admin_token, str(form.get("token", ""))):
        return page(request, "signin.html", status=403, pre=pre, next=next_url, failed=True)
    response = RedirectResponse(next_url, status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(
        session.COOKIE,
        session.issue(runtime.admin_token),
        max_age=session.MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=secure,
        path=PREFIX,
    )
    response.delete_cookie(PRE_COOKIE, path=PREFIX)
    return response


def _portals(runtime: Any) -> list[dict[str, Any]]:
    with runtime.db.read() as conn:
        found = []
        for portal in tenancy.list_portals(conn):
            users = tenancy.list_users(conn, portal["id"], limit=USERS_SHOWN)
            found.append({**portal, "users": users})
        return found


async def portals(request: Request) -> Response:
    if signed_in(request) is None:
        return to_sign_in(request)
    found = await run_in_threadpool(_portals, runtime_of(request))
    return page(request, "portals.html", portals=found, inspector=inspect.KINDS)


def _base(ctx: Caller) -> str:
    return f"{PREFIX}/portals/{ctx.portal.id}/users/{ctx.user.id}"


def frame_values(ctx: Caller) -> dict[str, Any]:
    """What the header of every page of a portal shows (the application pages' too)."""
    return {
        "base": _base(ctx),
        "portal": ctx.portal,
        "user": ctx.user,
        "user_name": user_name(ctx.user),
        "kinds": item_lists.kinds(ctx),
    }


async def home(request: Request) -> Response:
    if signed_in(request) is None:
        return to_sign_in(request)
    p = request.path_params
    try:
        ctx = await run_in_threadpool(caller_for, runtime_of(request), p["portal_id"], p["user_id"])
    except errors.ApiError as exc:
        return error_page(request, exc, PREFIX + "/")
    return RedirectResponse(f"{_base(ctx)}/items/2", status_code=303)


def _list(ctx: Caller, entity_type_id: int, request: Request) -> dict[str, Any]:
    q = request.query_params
    found = item_lists.page(
        ctx,
        entity_type_id,
        query=q.get("q", "")[:200],
        sort=q.get("sort", "id"),
        descending=q.get("dir", "desc").lower() != "asc",
        start=_int(request, "start"),
    )
    kind = next((k for k in item_lists.kinds(ctx) if k.entity_type_id == entity_type_id), None)
    return {
        **frame_values(ctx),
        **found,
        "entity_type_id": entity_type_id,
        "kind": kind,
        "q": q.get("q", "")[:200],
    }


async def item_list(request: Request) -> Response:
    if signed_in(request) is None:
        return to_sign_in(request)
    p = request.path_params

    def work() -> dict[str, Any]:
        ctx = caller_for(runtime_of(request), p["portal_id"], p["user_id"])
        return _list(ctx, p["entity_type_id"], request)

    try:
        values = await run_in_threadpool(work)
    except errors.ApiError as exc:
        return error_page(request, exc, PREFIX + "/")
    return page(request, "items.html", **values)


def item_values(ctx: Caller, entity_type_id: int, item_id: int, paging: dict[str, int]) -> dict[str, Any]:
    """Everything the item's page shows; the domain's errors (not found, no read right) propagate."""
    item = items_domain.get(ctx, entity_type_id, item_id)
    owner = (entity_type_id, item_id)
    shown = timeline.load(ctx, entity_type_id, item_id, paging["planned"], paging["history"])
    entries = shown.planned.entries + shown.history.entries
    activity_ids = [e["id"] for e in entries if e["kind"] not in ("comment", "log")]
    record_ids = [e["id"] for e in entries if e["kind"] in ("comment", "log")]
    fields = [(name, item[name]) for name in MAIN_FIELDS if name in item and item[name] not in (None, "")]
    kind = next((k for k in item_lists.kinds(ctx) if k.entity_type_id == entity_type_id), None)
    placements, menu_placements = app_links.card_and_menu(ctx, entity_type_id)
    return {
        **frame_values(ctx),
        "entity_type_id": entity_type_id,
        "kind": kind,
        "item_id": item_id,
        "caption": item_lists.caption(entity_type_id, item),
        "fields": fields,
        "timeline": shown,
        "notes": records.notes(ctx, owner, activity_ids, record_ids),
        "paging": paging,
        "placements": placements,
        "menu_placements": menu_placements,
        "here": f"{_base(ctx)}/items/{entity_type_id}/{item_id}",
    }


PAGING = ("planned", "history")


def paging_of(request: Request) -> dict[str, int]:
    """Where each section's page starts (query parameters of the item's page)."""
    return {name: max(_int(request, name), 0) for name in PAGING}


async def item_page(request: Request) -> Response:
    if signed_in(request) is None:
        return to_sign_in(request)
    p = request.path_params

    def work() -> dict[str, Any]:
        ctx = caller_for(runtime_of(request), p["portal_id"], p["user_id"])
        return item_values(ctx, p["entity_type_id"], p["item_id"], paging_of(request))

    try:
        values = await run_in_threadpool(work)
    except errors.ApiError as exc:
        back = f"{PREFIX}/portals/{p['portal_id']}/users/{p['user_id']}/items/{p['entity_type_id']}"
        return error_page(request, exc, back)
    notice = request.query_params.get("done", "")[:200]
    return page(request, "item.html", notice=notice, **values)
