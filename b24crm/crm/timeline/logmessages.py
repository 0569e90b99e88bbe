"""crm.timeline.logmessage.add / get / list / delete: an application's log entries on an item's timeline
(the crm module's ``Controller\\Timeline\\LogMessage``, a D7 controller).

- add: ``fields`` with entityTypeId, entityId, title, text, iconCode, each required (code ``0`` "Missing
  a required field: <name>", in that order); the item must exist (OWNER_NOT_FOUND) and be the caller's to
  edit (ACCESS_DENIED), as the docs say (the vendor's code asks for a CRM administrator); the icon code is
  one a timeline layout may name: a system icon or one of the portal's own (crm.timeline.icon.*).
- get / list: the entries written by this method; read rights on an item the entry is bound to (an entry
  the caller cannot read answers as a missing one). list: 10 a page, newest first unless ``order`` names
  ``id`` or ``created`` with ``asc``/``desc``, under ``logMessages`` as the controller's page is named.
- delete: the caller must be able to edit an item the entry is bound to, and be the application that
  wrote it (REMOVING_DISABLED; a webhook never is).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm import timeline_icons
from b24crm.crm.layout.codes import SYSTEM_ICONS
from b24crm.crm.permissions import Grants, grants_for
from b24crm.crm.timeline.comments import after_commit
from b24crm.crm.timeline.owners import ACCESS_DENIED, existing_owner, first_allowed, may
from b24crm.php.dates import iso
from b24crm.php.values import php_int, php_str
from b24crm.results import Page
from b24crm.store import timeline as store

PAGE_SIZE = 10  # the controller's fixed page
REQUIRED = ("entityTypeId", "entityId", "title", "text", "iconCode")
MISSING = errors.ErrorSpec("0", "Missing a required field: {name}")
GET_NOT_FOUND = errors.ErrorSpec("NOT_FOUND", "Timeline logmessage not found for id `{id}`")
DELETE_NOT_FOUND = errors.ErrorSpec("NOT_FOUND", "Log message not found for id `{id}`")
REMOVING_DISABLED = errors.ErrorSpec(
    "REMOVING_DISABLED",
    "This log message can only be deleted by the application through which it was created",
)
UNKNOWN_ICON = errors.ErrorSpec("INVALID_ARG_VALUE", "Icon not found for code `{code}`")
_ORDER = {"id": "ID", "created": "CREATED"}


def render(row: dict[str, Any], tz: Any) -> dict[str, Any]:
    settings = row["settings"] if isinstance(row["settings"], dict) else {}
    return {
        "id": row["id"],
        "created": iso(row["created"], tz),
        "authorId": row["author_id"],
        "title": settings.get("TITLE", ""),
        "text": settings.get("TEXT", ""),
        "iconCode": settings.get("ICON_CODE", ""),
    }


def add(ctx: Caller, fields: Any) -> dict[str, Any]:
    given = fields if isinstance(fields, dict) else {}
    for name in REQUIRED:
        if given.get(name) is None:
            raise MISSING.format(name=name)
    owner = (_int(given["entityTypeId"]), _int(given["entityId"]))
    icon = php_str(given["iconCode"])
    icons, _logos = timeline_icons.custom_codes(ctx)
    now = ctx.clock.now()
    with ctx.db.write() as conn:
        grants = grants_for(conn, ctx.portal.id, ctx.user)
        existing_owner(conn, ctx, owner)
        if not may(conn, ctx, grants, owner, "edit"):
            raise ACCESS_DENIED()
        if icon not in SYSTEM_ICONS and icon not in icons:
            raise UNKNOWN_ICON.format(code=icon)
        app = ctx.app
        settings = {
            "TITLE": php_str(given["title"]),
            "TEXT": php_str(given["text"]),
            "ICON_CODE": icon,
            "CLIENT_ID": None if app is None else app.client_id,
        }
        values = {
            "type_id": store.LOG_MESSAGE,
            "author_id": ctx.user.id,
            "app_id": None if app is None else app.id,
            "created": now,
            "updated": now,
            "comment": "",
            "settings": settings,
            "file_count": 0,
        }
        record_id = store.insert_record(conn, ctx.portal.id, values, [owner])
        row = store.get_record(conn, ctx.portal.id, record_id)
    assert row is not None
    return {"logMessage": render(row, ctx.portal.tz)}


def _int(value: Any) -> int:
    return 0 if isinstance(value, (dict, list)) else php_int(value)


def _entry(
    conn: Connection, ctx: Caller, grants: Grants, record_id: int, action: str
) -> dict[str, Any] | None:
    """The log message when it exists and the caller may ``action`` an item it is bound to."""
    row = store.get_record(conn, ctx.portal.id, record_id) if 0 < record_id < 2**31 else None
    if row is None or row["type_id"] != store.LOG_MESSAGE:
        return None
    if first_allowed(conn, ctx, grants, store.bindings_of(conn, ctx.portal.id, record_id), action) is None:
        return {}
    return row


def get(ctx: Caller, record_id: int) -> dict[str, Any]:
    with ctx.db.read() as conn:
        grants = grants_for(conn, ctx.portal.id, ctx.user)
        row = _entry(conn, ctx, grants, record_id, "read")
    if not row:
        raise GET_NOT_FOUND.format(id=record_id)
    return {"logMessage": render(row, ctx.portal.tz)}


def _order(order: Any) -> list[tuple[str, bool]]:
    chosen = [
        (_ORDER[k], v == "desc")
        for k, v in (order.items() if isinstance(order, dict) else [])
        if k in _ORDER and v in ("asc", "desc")
    ]
    return chosen or [("ID", True)]


def list_(ctx: Caller, owner: tuple[int, int], order: Any, offset: Any) -> Page:
    start = max(_int(offset), 0) if offset is not None else 0
    with ctx.db.read() as conn:
        grants = grants_for(conn, ctx.portal.id, ctx.user)
        if not may(conn, ctx, grants, owner, "read"):
            raise ACCESS_DENIED()
        rows = store.list_bound(
            conn, ctx.portal.id, store.LOG_MESSAGE, owner, _order(order), start, PAGE_SIZE
        )
        total = store.count_bound(conn, ctx.portal.id, store.LOG_MESSAGE, owner)
    following = start + len(rows)
    items = {"logMessages": [render(r, ctx.portal.tz) for r in rows]}
    return Page(items, total=total, next=following if following < total else None)


def delete(ctx: Caller, record_id: int) -> bool:
    with ctx.db.write() as conn:
        grants = grants_for(conn, ctx.portal.id, ctx.user)
        row = _entry(conn, ctx, grants, record_id, "edit")
        if row is None:
            raise DELETE_NOT_FOUND.format(id=record_id)
        if not row:
            raise ACCESS_DENIED()
        app = ctx.app
        settings = row["settings"] if isinstance(row["settings"], dict) else {}
        if app is None or not app.client_id or settings.get("CLIENT_ID") != app.client_id:
            raise REMOVING_DISABLED()
        gone = store.delete_record(conn, ctx.portal.id, record_id)
        after_commit(conn, ctx, [ctx.files.path_of(r) for r in gone])
    return True
