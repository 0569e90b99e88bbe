"""What a user does on an item's page, through the rules the REST methods run (same checks, same events).

Every form is a POST carrying the session's CSRF token; a refused one changes nothing. After a change the
browser is sent back to the item's page (303), so reloading it repeats nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm.activity import configurable_actions, kinds, service, todo
from b24crm.crm.activity.configurable import stored_layout
from b24crm.crm.permissions import grants_for
from b24crm.crm.timeline import comments
from b24crm.php.values import php_int
from b24crm.store import crm_activities
from b24crm.web import session
from b24crm.web.context import PREFIX, caller_for, error_page, page, runtime_of, signed_in, to_sign_in
from b24crm.web.pages import item_values, paging_of

FORBIDDEN = errors.ErrorSpec(
    "FORBIDDEN", "The form has expired or did not come from this page: reload it", 403
)
WRONG_ITEM = errors.ErrorSpec("NOT_FOUND", "Activity is not found.", 404)
READONLY = errors.ErrorSpec("ACCESS_DENIED", "The activity's layout has no deadline the user may change", 403)


def item_url(request: Request) -> str:
    p = request.path_params
    return (
        f"{PREFIX}/portals/{p['portal_id']}/users/{p['user_id']}/items/{p['entity_type_id']}/{p['item_id']}"
    )


def bound_row(ctx: Caller, owner: tuple[int, int], activity_id: int) -> dict[str, Any]:
    """The activity, when it is on this item and the user may read it (else as a missing one)."""
    if not 0 < activity_id < 2**31:
        raise WRONG_ITEM()
    with ctx.db.read() as conn:
        row = crm_activities.get_activity(conn, ctx.portal.id, activity_id)
        bindings = crm_activities.bindings_of(conn, ctx.portal.id, [activity_id])[activity_id]
        if row is None or owner not in bindings:
            raise WRONG_ITEM()
        todo.require_readable(conn, ctx, grants_for(conn, ctx.portal.id, ctx.user), row, bindings)
        return row


def _complete(ctx: Caller, owner: tuple[int, int], activity_id: int, _form: FormData) -> str:
    bound_row(ctx, owner, activity_id)
    # crm.activity.update's rules: the edit right, ACTIVITY_UPDATE, reminders of a todo cancelled.
    service.update(ctx, activity_id, {"COMPLETED": "Y"})
    return "Completed"


def _deadline(ctx: Caller, owner: tuple[int, int], activity_id: int, form: FormData) -> str:
    row = bound_row(ctx, owner, activity_id)
    value = str(form.get("deadline", ""))
    provider = (row["provider_id"] or "").upper()
    if provider == todo.PROVIDER_ID:
        todo.update_deadline(
            ctx, {"ownerTypeId": owner[0], "ownerId": owner[1], "id": activity_id, "value": value}
        )
    elif provider == "CONFIGURABLE_REST_APP":
        _configurable_deadline(ctx, activity_id, value)
    else:
        # crm.activity.update derives the deadline: from the end of an e-mail, the start of the rest.
        source = "END_TIME" if row["type_id"] == kinds.EMAIL else "START_TIME"
        service.update(ctx, activity_id, {source: value})
    return "Deadline changed"


def _configurable_deadline(ctx: Caller, activity_id: int, value: str) -> None:
    """The deadline block a user edits (unless the layout marks it read-only): the checks every door that
    changes an activity asks, then the change the application's own update would make."""
    with ctx.db.write() as conn:
        row = crm_activities.get_activity(conn, ctx.portal.id, activity_id)
        if row is None:
            raise WRONG_ITEM()
        bindings = crm_activities.bindings_of(conn, ctx.portal.id, [activity_id])[activity_id]
        todo.require_changeable(conn, ctx, grants_for(conn, ctx.portal.id, ctx.user), row, bindings)
        if row["completed"] == "Y":
            raise todo.COMPLETED()
        if not _editable_deadline(stored_layout(row)):
            raise READONLY()
        deadline = todo.parse_deadline(value, ctx.portal.tz)
        changes = {"start_time": deadline, "end_time": deadline, "deadline": deadline}
        todo.save_change(conn, ctx, row, changes, ctx.clock.now())


def _editable_deadline(layout: Any) -> bool:
    """Whether the layout shows a deadline block the user may change (one not marked read-only), the only
    place a configurable activity's deadline is changed by a user."""
    body = layout.get("body") if isinstance(layout, dict) else None
    pending = (
        list(body.get("blocks", {}).values())
        if isinstance(body, dict) and isinstance(body.get("blocks"), dict)
        else []
    )
    while pending:
        block = pending.pop()
        if not isinstance(block, dict):
            continue
        given = block.get("properties")
        props: dict[str, Any] = given if isinstance(given, dict) else {}
        if block.get("type") == "deadline" and not props.get("readonly"):
            return True
        if isinstance(props.get("block"), dict):
            pending.append(props["block"])
        if isinstance(props.get("blocks"), dict):
            pending.extend(props["blocks"].values())
    return False


def _comment(ctx: Caller, owner: tuple[int, int], _activity_id: int, form: FormData) -> str:
    # crm.timeline.comment.add's rules: the edit right on the item, ONCRMTIMELINECOMMENTADD.
    text = str(form.get("comment", ""))
    comments.add(ctx, {"ENTITY_TYPE_ID": owner[0], "ENTITY_ID": owner[1], "COMMENT": text})
    return "Comment added"


def _click(ctx: Caller, owner: tuple[int, int], activity_id: int, form: FormData, runtime: Any) -> Any:
    bound_row(ctx, owner, activity_id)
    key = str(form.get("key", ""))
    return configurable_actions.click(runtime, ctx.portal.id, activity_id, key, ctx.user.id)


async def checked_form(request: Request) -> FormData | Response:
    sid = signed_in(request)
    if sid is None:
        return to_sign_in(request)
    form = await request.form()
    if not session.csrf_ok(runtime_of(request).admin_token, sid, form.get("csrf")):
        return error_page(request, FORBIDDEN(), item_url(request))
    return form


def _action(work: Callable[[Caller, tuple[int, int], int, FormData], str]) -> Any:
    async def endpoint(request: Request) -> Response:
        form = await checked_form(request)
        if isinstance(form, Response):
            return form
        p = request.path_params
        owner = (p["entity_type_id"], p["item_id"])

        def run() -> str:
            ctx = caller_for(runtime_of(request), p["portal_id"], p["user_id"])
            return work(ctx, owner, php_int(p.get("activity_id", 0)), form)

        try:
            done = await run_in_threadpool(run)
        except errors.ApiError as exc:
            return error_page(request, exc, item_url(request))
        return RedirectResponse(f"{item_url(request)}?done={quote(done)}", status_code=303)

    return endpoint


complete = _action(_complete)
deadline = _action(_deadline)
comment = _action(_comment)


async def click(request: Request) -> Response:
    """A footer button or menu item: restEvent goes to the application (the lock shows on the page that
    follows), openRestApp opens the application's page in a slider with the POST the portal sends."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    p = request.path_params
    runtime = runtime_of(request)
    owner = (p["entity_type_id"], p["item_id"])

    def run() -> tuple[Any, dict[str, Any]]:
        ctx = caller_for(runtime, p["portal_id"], p["user_id"])
        answer = _click(ctx, owner, p["activity_id"], form, runtime)
        if answer["type"] != "openRestApp":
            return answer, {}
        from b24crm.web import frames  # the frame the slider hosts (frames imports no page module)

        answer = {**answer, "frame": frames.describe(ctx, answer["call"])}
        return answer, item_values(ctx, owner[0], owner[1], paging_of(request))

    try:
        answer, values = await run_in_threadpool(run)
    except errors.ApiError as exc:
        return error_page(request, exc, item_url(request))
    if answer["type"] == "openRestApp":
        return page(request, "item.html", notice="", slider=answer, **values)
    if answer["type"] == "redirect":
        return page(request, "redirect.html", uri=str(answer.get("uri") or ""), back=item_url(request))
    return RedirectResponse(f"{item_url(request)}?done={quote('Sent to the application')}", status_code=303)


async def sign_out(request: Request) -> Response:
    sid = signed_in(request)
    form = await request.form()
    if sid is not None and not session.csrf_ok(runtime_of(request).admin_token, sid, form.get("csrf")):
        return error_page(request, FORBIDDEN(), PREFIX + "/")
    response = RedirectResponse(PREFIX + "/signin", status_code=303)
    response.delete_cookie(session.COOKIE, path=PREFIX)
    return response
