"""The images of the custom icons on a page's timeline entries: a log message's or a configurable
activity's own icon code (crm.timeline.icon.add) and an application activity's type icon
(crm.activity.type.add ICON_FILE), each at its served address; one statement each for the page."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from b24crm.auth.caller import Caller
from b24crm.crm.layout.codes import SYSTEM_ICONS
from b24crm.crm.timeline import icon_files
from b24crm.store import activity_types
from b24crm.store import timeline_icons as icons_store


def _code(entry: dict[str, Any]) -> str | None:
    if entry["kind"] == "log":
        code = entry.get("icon")
    elif entry["kind"] == "configurable":
        icon = (entry.get("layout") or {}).get("icon")
        code = icon.get("code") if isinstance(icon, dict) else None
    else:
        return None
    return code if isinstance(code, str) and code and code not in SYSTEM_ICONS else None


def attach(conn: Connection, ctx: Caller, entries: list[dict[str, Any]]) -> None:
    portal = ctx.portal
    codes = {code for code in map(_code, entries) if code}
    custom = icons_store.ids_by_codes(conn, portal.id, icons_store.ICON, codes)
    keys = {e["type_key"] for e in entries if e.get("type_key")}
    typed = activity_types.with_icons(conn, portal.id, keys)
    for entry in entries:
        code, key = _code(entry), entry.get("type_key")
        if code in custom:
            kind, row_id = icons_store.ICON, custom[code]
        elif key in typed:
            kind, row_id = icon_files.TYPE_ICON, typed[key]
        else:
            continue
        entry["icon_url"] = icon_files.uri(ctx.files, portal.id, portal.member_id, kind, row_id)
