"""Applications opened from an item's page, as Bitrix24 opens them in a slider: the item card's
placements (``CRM_<TYPE>_DETAIL_TAB`` and ``_DETAIL_TOOLBAR``) with the item's ID in PLACEMENT_OPTIONS,
and the application behind a ``REST_APP`` activity. The form posted into the slider's frame is the one
``apps/placements.py`` builds for the admin endpoints (fresh tokens for the acting user)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from b24crm import errors
from b24crm.apps import placements
from b24crm.auth.caller import Caller
from b24crm.store import apps as apps_store
from b24crm.web import actions, frames
from b24crm.web.app_links import codes, timeline_menu_code
from b24crm.web.context import caller_for, error_page, page, runtime_of
from b24crm.web.pages import item_values, paging_of

NO_PLACEMENT = errors.ErrorSpec("NOT_FOUND", "The application cannot be opened here", 404)


def _slider(request: Request, work: Any) -> Any:
    async def run() -> Response:
        p = request.path_params
        runtime = runtime_of(request)

        def build() -> tuple[dict[str, Any], dict[str, Any]]:
            ctx = caller_for(runtime, p["portal_id"], p["user_id"])
            call = work(ctx, runtime, p)
            values = item_values(ctx, p["entity_type_id"], p["item_id"], paging_of(request))
            frame = frames.describe(ctx, call)
            return {"type": "openRestApp", "call": call, "sliderParams": None, "frame": frame}, values

        try:
            slider, values = await run_in_threadpool(build)
        except errors.ApiError as exc:
            return error_page(request, exc, actions.item_url(request))
        return page(request, "item.html", notice="", slider=slider, **values)

    return run


def _own_placement(ctx: Caller, placement_id: int, allowed: Any) -> dict[str, Any]:
    """The portal's placement row of that id, when it is one of the ``allowed`` codes and bound for every
    user or for this one; NO_PLACEMENT otherwise."""
    with ctx.db.read() as conn:
        row = apps_store.placement_by_id(conn, ctx.portal.id, placement_id) if placement_id < 2**31 else None
    if row is None or row["placement"] not in allowed or row["user_id"] not in (0, ctx.user.id):
        raise NO_PLACEMENT()
    return row


def _placement_call(ctx: Caller, runtime: Any, p: dict[str, Any]) -> dict[str, Any]:
    from b24crm.crm import items

    items.get(ctx, p["entity_type_id"], p["item_id"])  # the user reads the item, or the item's error
    row = _own_placement(ctx, p["placement_id"], codes(p["entity_type_id"]))
    try:
        return placements.handler_call(
            runtime, ctx.portal.id, row["id"], user_id=ctx.user.id, options={"ID": str(p["item_id"])}
        )
    except LookupError:
        raise NO_PLACEMENT() from None


def _menu_placement_call(ctx: Caller, runtime: Any, p: dict[str, Any]) -> dict[str, Any]:
    """An application's item of an activity's menu in the timeline: the placement's handler with the
    activity in PLACEMENT_OPTIONS (ENTITY_ID, ASSOCIATED_ENTITY_TYPE_ID, ASSOCIATED_ENTITY_ID)."""
    actions.bound_row(ctx, (p["entity_type_id"], p["item_id"]), p["activity_id"])
    row = _own_placement(ctx, p["placement_id"], (timeline_menu_code(p["entity_type_id"]),))
    try:
        return placements.handler_call(
            runtime, ctx.portal.id, row["id"], user_id=ctx.user.id, activity_id=p["activity_id"]
        )
    except LookupError:
        raise NO_PLACEMENT() from None


def _activity_app_call(ctx: Caller, runtime: Any, p: dict[str, Any]) -> dict[str, Any]:
    actions.bound_row(ctx, (p["entity_type_id"], p["item_id"]), p["activity_id"])
    try:
        return placements.app_call(runtime, ctx.portal.id, p["activity_id"], user_id=ctx.user.id)
    except LookupError:
        raise NO_PLACEMENT() from None


async def open_placement(request: Request) -> Response:
    form = await actions.checked_form(request)
    if isinstance(form, Response):
        return form
    return await _slider(request, _placement_call)()


async def open_activity_app(request: Request) -> Response:
    form = await actions.checked_form(request)
    if isinstance(form, Response):
        return form
    return await _slider(request, _activity_app_call)()


async def open_menu_placement(request: Request) -> Response:
    form = await actions.checked_form(request)
    if isinstance(form, Response):
        return form
    return await _slider(request, _menu_placement_call)()
