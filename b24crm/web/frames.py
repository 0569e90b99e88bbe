"""Applications' own pages hosted in a frame, as a Bitrix24 page hosts them: the frame's description the
parent script (``static/frames.js``) loads and answers, built from the POST ``apps/placements.py`` makes.

A frame is opened with the vendor's form (AUTH_ID, REFRESH_ID, member_id, PLACEMENT, PLACEMENT_OPTIONS, ...)
and query (DOMAIN, PROTOCOL, LANG, APP_SID); its window name is ``DOMAIN|PROTOCOL|APP_SID``, which
b24jssdk's ``initializeB24Frame`` reads. The description also carries the init data the frame asks for
with ``getInitData`` and the origin its messages must come from (the handler's), so the parent script
answers only that frame, and only at that origin.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from b24crm import errors
from b24crm.apps import placements
from b24crm.apps.models import App
from b24crm.auth.caller import Caller
from b24crm.runtime import Runtime
from b24crm.store import app_options, tenancy
from b24crm.store import apps as apps_store
from b24crm.web.context import PREFIX

NOT_INSTALLED = errors.ErrorSpec("NOT_FOUND", "The application is not installed", 404)
INSTALLER_ONLY = errors.ErrorSpec(
    "ACCESS_DENIED", "The application's installation is not finished: an administrator finishes it", 403
)
OPTIONS_BYTES = 16_384  # what an openApplication may pass on to the slider's PLACEMENT_OPTIONS
TOO_BIG = errors.ErrorSpec("ERROR_ARGUMENT", "The slider's parameters are larger than 16 KiB")
DEFAULT_PORTS = {"http": 80, "https": 443}
REST_PATH = "/rest"  # the vendor's rest "server_path" option, by default


def origin_of(url: str) -> str:
    """The origin a browser gives a page at ``url`` (lower-case scheme and host, no default port)."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    with contextlib.suppress(UnicodeError):  # a browser names an international host by its ASCII form
        host = host.encode("idna").decode("ascii")
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    return f"{scheme}://{host}" if port in (None, DEFAULT_PORTS.get(scheme)) else f"{scheme}://{host}:{port}"


def _shown(values: dict[str, Any]) -> Any:
    """Options as the vendor's page gives them: a PHP array, so none is ``[]``."""
    return values or []


def app_of_call(ctx: Caller, call: dict[str, Any]) -> App:
    """The application a frame's form belongs to (by its application token, within the portal)."""
    token = call["form"].get("APPLICATION_TOKEN", "")
    with ctx.db.read() as conn:
        for row in apps_store.list_apps(conn, ctx.portal.id):
            if row["application_token"] == token and row["active"]:
                return App.from_row(row)
    raise NOT_INSTALLED()


def describe(ctx: Caller, call: dict[str, Any], *, title: str = "") -> dict[str, Any]:
    """What the parent script needs to open and answer one frame."""
    app = app_of_call(ctx, call)
    form: dict[str, str] = call["form"]
    query = dict(parse_qsl(urlsplit(call["url"]).query))
    given = form.get("PLACEMENT_OPTIONS")
    placement_options = json.loads(given) if given else []
    with ctx.db.read() as conn:
        app_values = app_options.read(conn, ctx.portal.id, app.id, app_options.APP_LEVEL)
        user_values = app_options.read(conn, ctx.portal.id, app.id, ctx.user.id)
    base = f"{PREFIX}/portals/{ctx.portal.id}/users/{ctx.user.id}"
    init = {
        "DOMAIN": query["DOMAIN"],
        # As the vendor's app.layout gives them: the protocol a number (1: https), the REST path (BX24.js
        # posts its calls to DOMAIN + PATH + "/" + method).
        "PROTOCOL": 1 if query["PROTOCOL"] == "1" else 0,
        "LANG": query["LANG"],
        "PATH": REST_PATH,
        "AUTH_ID": form["AUTH_ID"],
        "AUTH_EXPIRES": form["AUTH_EXPIRES"],
        "REFRESH_ID": form["REFRESH_ID"],
        "MEMBER_ID": form["member_id"],
        "IS_ADMIN": ctx.user.is_admin,
        "APP_OPTIONS": _shown(app_values),
        "USER_OPTIONS": _shown(user_values),
        "PLACEMENT": form["PLACEMENT"],
        "PLACEMENT_OPTIONS": placement_options,
        # A local application with an interface runs its installer until installFinish: its first run.
        "INSTALL": not app.installed,
        "FIRST_RUN": not app.installed,
    }
    return {
        "app_id": app.id,
        "title": title or app.title or f"Application {app.id}",
        "url": call["url"],
        "form": form,
        "name": f"{query['DOMAIN']}|{query['PROTOCOL']}|{query['APP_SID']}",
        "sid": query["APP_SID"],
        "origin": origin_of(call["url"]),
        "init": init,
        "endpoint": f"{base}/apps/{app.id}/frame",
    }


def main_page(runtime: Runtime, ctx: Caller, app_id: int, slider_options: Any = None) -> dict[str, Any]:
    """The application's own page for this user: its installer (an administrator only) until the install
    is finished, then its main page; ``slider_options`` are what ``openApplication`` passes."""
    if slider_options is not None:
        if not isinstance(slider_options, dict):
            slider_options = {}
        if len(json.dumps(slider_options)) > OPTIONS_BYTES:
            raise TOO_BIG()
    require_app(ctx, app_id)
    try:
        call = placements.main_call(
            runtime, ctx.portal.id, app_id, user_id=ctx.user.id, options=slider_options or None
        )
    except LookupError:
        raise NOT_INSTALLED() from None
    return describe(ctx, call)


def app_list(ctx: Caller) -> list[dict[str, Any]]:
    """The portal's applications this user may open: installed ones, and for an administrator those whose
    installation is not finished (their installer)."""
    with ctx.db.read() as conn:
        rows = apps_store.list_apps(conn, ctx.portal.id)
    return [
        {"id": r["id"], "title": r["title"] or f"Application {r['id']}", "installed": bool(r["installed"])}
        for r in rows
        if r["active"] and r["has_ui"] and (r["installed"] or ctx.user.is_admin)
    ]


def require_app(ctx: Caller, app_id: int) -> App:
    """The portal's application the page's user may run: an installed one, or, until its installation is
    finished, an administrator's (its installer); anyone else gets no token, option or list of it."""
    with ctx.db.read() as conn:
        row = apps_store.app_by_id(conn, ctx.portal.id, app_id) if 0 < app_id < 2**31 else None
    if row is None or not row["active"]:
        raise NOT_INSTALLED()
    if not row["installed"] and not ctx.user.is_admin:
        raise INSTALLER_ONLY()
    return App.from_row(row)


def users_for_selector(ctx: Caller, limit: int = 200) -> list[dict[str, Any]]:
    """The portal's active users as ``BX24.selectUser`` answers them (docs:
    sdk/bx24-js-sdk/system-dialogues/bx24-select-user.md)."""
    with ctx.db.read() as conn:
        rows = tenancy.list_users(conn, ctx.portal.id, limit=limit)
    found = []
    for r in rows:
        if not r["active"]:
            continue
        name = " ".join(p for p in (r["name"], r["last_name"]) if p) or f"User {r['id']}"
        found.append({"id": str(r["id"]), "name": name})
    return found


# BX24.selectCRM's types: the entity type, the prefix of an id (docs: bx24-select-crm.md).
CRM_TYPES = {"lead": (1, "L"), "deal": (2, "D"), "contact": (3, "C"), "company": (4, "CO"), "quote": (7, "Q")}
CRM_SHOWN = 50


def crm_for_selector(ctx: Caller, wanted: Any) -> dict[str, list[dict[str, Any]]]:
    """The newest items of each asked type the user may read, in the selector's shape."""
    from b24crm.crm import items
    from b24crm.web.items import caption

    names = [w for w in wanted if isinstance(w, str)] if isinstance(wanted, list) else []
    base = f"{PREFIX}/portals/{ctx.portal.id}/users/{ctx.user.id}/items"
    found: dict[str, list[dict[str, Any]]] = {}
    for name in [n for n in CRM_TYPES if n in names] or list(CRM_TYPES):
        entity_type_id, prefix = CRM_TYPES[name]
        try:
            answer = items.list_items(
                ctx, entity_type_id, select=None, filter_={}, order={"id": "DESC"}, start=0
            )
        except errors.ApiError:  # no read right on the type: nothing of it to choose
            found[name] = []
            continue
        found[name] = [
            {
                "id": f"{prefix}_{row['id']}",
                "type": name,
                "place": name,
                "title": caption(entity_type_id, row),
                "desc": "",
                "url": f"{base}/{entity_type_id}/{row['id']}",
            }
            for row in answer.items["items"][:CRM_SHOWN]
        ]
    return found
