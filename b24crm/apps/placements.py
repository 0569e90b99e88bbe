"""placement.bind / unbind / get / list (docs: api-reference/widgets/*.md), checked in the vendor's
order, and the call a portal page makes to open a placement's handler.

Opening a placement is the user's browser posting a form into an iframe: the handler URL with ``DOMAIN``,
``PROTOCOL``, ``LANG`` and ``APP_SID`` in the query, and the user's tokens, the app's token and scope,
``PLACEMENT`` and ``PLACEMENT_OPTIONS`` (a JSON string, left out when empty) in the body
(docs: widgets/_includes/widget_data.md). ``handler_call`` builds exactly that, so a UI, a test or
``b24crm`` can open an app from an activity.
"""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError

from b24crm import errors
from b24crm.apps.callbacks import check_callback, with_query
from b24crm.apps.models import LOCAL, App
from b24crm.apps.placement_codes import GLOBAL, PlacementCode, all_codes
from b24crm.auth.caller import Caller
from b24crm.php.values import php_bool, php_int, php_str
from b24crm.store import apps as store
from b24crm.store import crm_activities, tenancy
from b24crm.store.sql import fit
from b24crm.store.tables import placements as placements_table

LANGUAGE = "en"
NOT_STRING = errors.ErrorSpec("ERROR_ARGUMENT", "The value of an argument 'PLACEMENT' must be of type string")
PLACEMENT_EMPTY = errors.ErrorSpec("ERROR_ARGUMENT", "Argument 'PLACEMENT' is null or empty")
PLACEMENT_DEFAULT = errors.ErrorSpec(
    "ERROR_ARGUMENT", "Argument 'The placement code has an incorrect value' is null or empty"
)
HANDLER_EMPTY = errors.ErrorSpec(
    "ERROR_ARGUMENT", "Argument 'The URL of the placement handler is not specified' is null or empty"
)
PLACEMENT_NOT_FOUND = errors.ErrorSpec("ERROR_PLACEMENT_NOT_FOUND", "Placement not found")
USER_MODE = errors.ErrorSpec("ERROR_PLACEMENT_USER_MODE", "User mode is not available.")
MAX_COUNT = errors.ErrorSpec("ERROR_PLACEMENT_MAX_COUNT", "Placement max count: 1")
ALREADY_BOUND = errors.ErrorSpec("ERROR_CORE", "Unable to set placement handler: Handler already binded")


def _app(ctx: Caller) -> App:
    """The calling application; placement.* give the reason with WRONG_AUTH_TYPE (event.* do not)."""
    app = ctx.app
    if app is None:
        raise errors.WRONG_AUTH_TYPE()
    return app  # type: ignore[no-any-return]


def _admin_app(ctx: Caller) -> App:
    app = _app(ctx)
    if not ctx.user.is_admin:
        raise errors.ACCESS_DENIED()
    return app


def _code(raw: Any) -> str:
    if not isinstance(raw, str):
        raise NOT_STRING(argument="PLACEMENT")
    return raw.strip().upper()


def _options(code: PlacementCode, raw: Any) -> dict[str, Any]:
    """Declared options only, each the passed value or "" / 0, cast to its type; the rest is dropped."""
    given = raw if isinstance(raw, dict) else {}
    kept: dict[str, Any] = {}
    for name, kind in code.options.items():
        value = given.get(name)
        kept[name] = php_int(value) if kind == "int" else php_str(value) if value is not None else ""
    return kept


def _texts(params: dict[str, Any], app: App) -> dict[str, dict[str, str]]:
    lang_all = params.get("LANG_ALL")
    if isinstance(lang_all, dict) and lang_all:
        return {
            str(lang): {
                k: php_str(texts.get(k, "")).strip() if isinstance(texts, dict) else "" for k in _TEXT_KEYS
            }
            for lang, texts in lang_all.items()
        }
    texts = {k: php_str(params.get(k, "")).strip() for k in _TEXT_KEYS}
    if any(texts.values()):
        return {LANGUAGE: texts}
    return {LANGUAGE: {"TITLE": app.title, "DESCRIPTION": "", "GROUP_NAME": ""}}


_TEXT_KEYS = ("TITLE", "DESCRIPTION", "GROUP_NAME")


def bind(ctx: Caller, params: dict[str, Any]) -> Any:
    try:
        return _bind(ctx, params)
    except IntegrityError:  # the same handler is bound to the code: the unique index decides, also in a race
        raise ALREADY_BOUND() from None


def _bind(ctx: Caller, params: dict[str, Any]) -> Any:
    app = _admin_app(ctx)
    code_name = _code(params.get("PLACEMENT"))
    if not code_name:
        raise PLACEMENT_EMPTY(argument="PLACEMENT")
    if code_name == "DEFAULT":
        raise PLACEMENT_DEFAULT(argument="The placement code has an incorrect value")
    handler = php_str(params.get("HANDLER")).strip()
    if not handler:
        raise HANDLER_EMPTY(argument="The URL of the placement handler is not specified")
    check_callback(handler)
    with ctx.db.write() as conn:
        codes = all_codes(conn, ctx.portal.id)
        granted = {GLOBAL, *app.scopes}
        code = codes.get(code_name)
        if code is None or code.scope not in granted:
            raise PLACEMENT_NOT_FOUND()
        options = _options(code, params.get("OPTIONS"))
        user_id = max(php_int(params.get("USER_ID")), 0)
        if user_id and not code.user_mode:
            raise USER_MODE()
        texts = _texts(params, app)
        store.lock_app(conn, ctx.portal.id, app.id)  # the count below holds until the insert commits
        existing = store.placements_of_app(conn, ctx.portal.id, app.id, code.code)
        if code.max_count and len([p for p in existing if p["user_id"] in (0, user_id)]) >= code.max_count:
            raise MAX_COUNT()
        if code.code == "PAGE_BACKGROUND_WORKER" and not options.get("errorHandlerUrl"):
            # The placement's own registration callback refuses, and its answer is the result (HTTP 200).
            return {
                "error": "EMPTY_ERROR_HANDLER_URL",
                "error_description": "Field errorHandlerUrl is empty.",
            }
        chosen = texts.get(LANGUAGE) or next(iter(texts.values()))
        store.insert_placement(
            conn,
            ctx.portal.id,
            {
                "app_id": app.id,
                "placement": code.code,
                "handler": handler,
                "user_id": user_id,
                "title": fit(placements_table, "title", chosen["TITLE"]),
                "description": fit(placements_table, "description", chosen["DESCRIPTION"]),
                "group_name": fit(placements_table, "group_name", chosen["GROUP_NAME"]),
                "lang_all": texts,
                "options": options,
                "created": ctx.clock.now(),
            },
        )
    return True


def unbind(ctx: Caller, params: dict[str, Any]) -> dict[str, int]:
    app = _admin_app(ctx)
    code_name = _code(params.get("PLACEMENT"))
    if not code_name:
        raise PLACEMENT_EMPTY(argument="PLACEMENT")
    handler = php_str(params.get("HANDLER")).strip()
    with ctx.db.write() as conn:
        rows = store.placements_of_app(conn, ctx.portal.id, app.id, code_name)
        if "USER_ID" in params:
            rows = [r for r in rows if r["user_id"] == php_int(params.get("USER_ID"))]
        if handler:
            rows = [r for r in rows if r["handler"] == handler]
        return {"count": store.delete_placements(conn, ctx.portal.id, [r["id"] for r in rows])}


def _render(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "placement": row["placement"],
        "userId": row["user_id"],
        "handler": row["handler"],
        "options": row["options"] or [],
        "title": row["title"],
        "description": row["description"],
        "langAll": row["lang_all"] or [],
    }


def registered(ctx: Caller) -> list[dict[str, Any]]:
    app = _admin_app(ctx)
    with ctx.db.read() as conn:
        known = all_codes(conn, ctx.portal.id)
        rows = store.placements_of_app(conn, ctx.portal.id, app.id)
    return [_render(r) for r in rows if r["placement"] in known]


def codes(ctx: Caller, params: dict[str, Any]) -> list[str]:
    """``placement.list``: any user of the app; a SCOPE (empty: the global codes), FULL, or the app's."""
    app = _app(ctx)
    with ctx.db.read() as conn:
        known = all_codes(conn, ctx.portal.id)
    if "SCOPE" in params:
        wanted = php_str(params["SCOPE"]).strip() or GLOBAL
        return [c.code for c in known.values() if c.scope == wanted]
    if php_bool(params.get("FULL")):  # PHP's loose "== true": "false" counts too
        return list(known)
    order = [s for s in app.scopes if s != GLOBAL] + [GLOBAL]
    return [c.code for scope in order for c in known.values() if c.scope == scope]


# --- opening a placement ---------------------------------------------------------------------------------


def activity_options(conn: Any, portal_id: int, code: str, activity_id: int) -> dict[str, str]:
    """What the timeline and the activity list pass about an activity (docs: widgets/crm/*.md)."""
    row = crm_activities.get_activity(conn, portal_id, activity_id)
    if row is None:
        raise LookupError(f"no activity {activity_id}")
    if code == "CRM_ACTIVITY_LIST_MENU":
        return {"ID": str(activity_id)}
    return {
        "ENTITY_ID": str(row["owner_id"]),
        "ASSOCIATED_ENTITY_ID": str(activity_id),
        "ASSOCIATED_ENTITY_TYPE_ID": "6",
    }


def handler_call(
    runtime: Any,
    portal_id: int,
    placement_id: int,
    *,
    user_id: int | None = None,
    options: Any = None,
    activity_id: int | None = None,
) -> dict[str, Any]:
    """The browser's POST that opens a placement, for ``user_id`` (the installing user by default):
    ``{"method", "url", "form"}``. LookupError when the placement, its app or the user is not there."""
    with runtime.db.write() as conn:
        row = store.placement_by_id(conn, portal_id, placement_id)
        if row is None:
            raise LookupError(f"no placement {placement_id} on portal {portal_id}")
        app = _installed_app(conn, portal_id, row["app_id"])
        if activity_id is not None:
            options = activity_options(conn, portal_id, row["placement"], activity_id)
        return _frame_call(conn, runtime, app, row["handler"], row["placement"], options, user_id)


def app_call(runtime: Any, portal_id: int, activity_id: int, *, user_id: int | None = None) -> dict[str, Any]:
    """The POST that opens the app behind a ``REST_APP`` activity when it is clicked in the timeline: the
    app's own page with ``PLACEMENT`` DEFAULT and ``{"activity_id"}`` in PLACEMENT_OPTIONS (docs:
    crm/timeline/activities/app-embedding/activity-app.md)."""
    with runtime.db.write() as conn:
        row = crm_activities.get_activity(conn, portal_id, activity_id)
        if row is None or row["provider_id"].upper() != "REST_APP":
            raise LookupError(f"no application activity {activity_id} on portal {portal_id}")
        app = _installed_app(conn, portal_id, row["associated_entity_id"])
        options = {"activity_id": str(activity_id)}
        return _frame_call(conn, runtime, app, app.handler_url, "DEFAULT", options, user_id)


def main_call(
    runtime: Any, portal_id: int, app_id: int, *, user_id: int, options: Any = None
) -> dict[str, Any]:
    """The POST that opens the application's own page (``PLACEMENT`` DEFAULT): from the application list,
    in a slider ``BX24.openApplication`` opens, and, before the install is finished, as its installer."""
    with runtime.db.write() as conn:
        row = store.app_by_id(conn, portal_id, app_id)
        if row is None or not row["active"]:
            raise LookupError("the application is not installed")
        app = App.from_row(row)
        return _frame_call(conn, runtime, app, app.handler_url, "DEFAULT", options, user_id)


def _installed_app(conn: Any, portal_id: int, app_id: int) -> App:
    row = store.app_by_id(conn, portal_id, app_id)
    if row is None or not row["active"] or not row["installed"]:
        raise LookupError("the application is not installed")  # its placements are hidden until then
    return App.from_row(row)


def _frame_call(
    conn: Any, runtime: Any, app: App, handler: str, placement: str, options: Any, user_id: int | None
) -> dict[str, Any]:
    """The form a portal page posts into the app's frame (docs: widgets/_includes/widget_data.md)."""
    acting = user_id or app.installed_by
    user = tenancy.user_by_id(conn, app.portal_id, acting)
    if user is None or not user["active"]:
        raise LookupError(f"no active user {acting} on portal {app.portal_id}")
    pair = runtime.oauth.issue(conn, app, acting, runtime.clock.now())
    portal = tenancy.portal_by_id(conn, app.portal_id)
    assert portal is not None
    base_url = runtime.settings.base_url
    query = {
        "DOMAIN": urlsplit(base_url).netloc,
        "PROTOCOL": "1" if base_url.startswith("https:") else "0",
        "LANG": LANGUAGE,
        "APP_SID": secrets.token_hex(16),
    }
    form = {
        "AUTH_ID": pair.access_token,
        "AUTH_EXPIRES": "3600",
        "REFRESH_ID": pair.refresh_token,
        "SERVER_ENDPOINT": f"{base_url}/rest/",
        "APPLICATION_TOKEN": app.application_token,
        "APPLICATION_SCOPE": app.scope_text,
        "member_id": portal["member_id"],
        "status": LOCAL,
        "PLACEMENT": placement,
    }
    if options:
        form["PLACEMENT_OPTIONS"] = json.dumps(options, ensure_ascii=False, separators=(",", ":"))
    return {"method": "POST", "url": with_query(handler, query), "form": form}
