"""The timeline's own records on an item's page: comments and applications' log messages, read through
crm.timeline.comment.list's and crm.timeline.logmessage.list's rules (the user's read right on the item),
and the notes on the page's entries, with applications' layout blocks on records."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.auth.caller import Caller
from b24crm.crm.activity import access
from b24crm.crm.permissions import grants_for
from b24crm.crm.timeline import history
from b24crm.store import apps as apps_store
from b24crm.store import layout_blocks, timeline_notes
from b24crm.store import tenancy as users_store
from b24crm.store.tables import crm_layout_blocks, crm_notes

# How deep the merged history may be paged: the database skips the rows above the page, which costs more
# the deeper it lies.
MAX_DEPTH = 1000


def _moment(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def _comment(c: dict[str, Any]) -> dict[str, Any]:
    files = c.get("FILES") or {}
    return {
        "kind": "comment",
        "id": int(c["ID"]),
        "time": _moment(c["CREATED"]),
        "author_id": int(c["AUTHOR_ID"]),
        "text": c["COMMENT"],
        "files": [{"name": f["name"], "url": f["urlDownload"]} for f in files.values()],
        "blocks": [],
    }


def _log(m: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "log",
        "id": int(m["id"]),
        "time": _moment(m["created"]),
        "author_id": int(m["authorId"]),
        "title": m["title"],
        "text": m["text"],
        "icon": m["iconCode"] or "info",
        "blocks": [],
    }


def page(conn: Connection, ctx: Caller, owner: tuple[int, int], ids: list[int]) -> list[dict[str, Any]]:
    """The history page's records of ``ids``, as the lists answer them, with their authors' names and the
    applications' blocks on them: a few statements whatever their number."""
    entries = [
        _comment(r) if kind == "comment" else _log(r) for kind, r in history.page(conn, ctx, owner, ids)
    ]
    _attach(conn, ctx, entries)
    return entries


def _attach(conn: Connection, ctx: Caller, entries: list[dict[str, Any]]) -> None:
    """Authors' names and applications' blocks on the records (one query each)."""
    ids = [e["id"] for e in entries]
    if not ids:
        return
    c = crm_layout_blocks.c
    query = (
        sa.select(c.item_id, c.app_id, c.layout)
        .where(c.portal_id == ctx.portal.id, c.item_kind == layout_blocks.TIMELINE_RECORD, c.item_id.in_(ids))
        .order_by(c.id)
    )
    blocks = [(int(item_id), int(app_id), layout) for item_id, app_id, layout in conn.execute(query)]
    titles = apps_store.titles_by_ids(conn, ctx.portal.id, (app_id for _, app_id, _ in blocks))
    by_id = {e["id"]: e for e in entries}
    for item_id, app_id, layout in blocks:
        title = titles.get(app_id) or f"Application {app_id}"
        by_id[item_id]["blocks"].append({"app": title, "layout": json.loads(layout)})
    authors = users_store.users_by_ids(conn, ctx.portal.id, (e["author_id"] for e in entries))
    for entry in entries:
        row = authors.get(entry["author_id"])
        name = " ".join(p for p in (row["name"], row["last_name"]) if p) if row else ""
        entry["author"] = name or f"User {entry['author_id']}"


def notes(
    ctx: Caller, owner: tuple[int, int], activity_ids: list[int], record_ids: list[int]
) -> dict[str, str]:
    """The notes on the page's entries (``a<id>`` for an activity, ``r<id>`` for a record), by
    crm.timeline.note.get's rule: the user may change the item (the entries are bound to it); none
    otherwise."""
    with ctx.db.read() as conn:
        if not access.may_item(conn, ctx.portal.id, grants_for(conn, ctx.portal.id, ctx.user), owner, "edit"):
            return {}
        n = crm_notes.c
        wanted = []
        if activity_ids:
            wanted.append(sa.and_(n.item_type == timeline_notes.ACTIVITY, n.item_id.in_(activity_ids)))
        if record_ids:
            wanted.append(sa.and_(n.item_type == timeline_notes.HISTORY, n.item_id.in_(record_ids)))
        if not wanted:
            return {}
        query = sa.select(n.item_type, n.item_id, n.text).where(n.portal_id == ctx.portal.id, sa.or_(*wanted))
        prefix = {timeline_notes.ACTIVITY: "a", timeline_notes.HISTORY: "r"}
        return {f"{prefix[int(t)]}{int(i)}": text for t, i, text in conn.execute(query)}
