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
from b24crm.crm.timeline import comment_read, logmessages
from b24crm.crm.timeline.owners import answer_type
from b24crm.store import apps as apps_store
from b24crm.store import layout_blocks, timeline_notes
from b24crm.store import tenancy as users_store
from b24crm.store.tables import crm_layout_blocks, crm_notes

# How deep the merged history may be paged: every source's newest rows down to the page are read through
# their list rules (comments 50 and log messages 10 a call), so a deeper page costs more calls.
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


def newest(ctx: Caller, owner: tuple[int, int], wanted: int) -> tuple[list[dict[str, Any]], int]:
    """At least the ``wanted`` newest comments and log messages of the item (fewer when it has fewer),
    read through crm.timeline.comment.list's and crm.timeline.logmessage.list's rules (the user's read
    right on the item), and how many it has."""
    entries: list[dict[str, Any]] = []
    total = 0
    comment_filter = {"ENTITY_ID": owner[1], "ENTITY_TYPE": answer_type(owner[0])}
    start: int | None = 0
    while start is not None:
        page = comment_read.list_(ctx, comment_filter, {"CREATED": "DESC", "ID": "DESC"}, None, start)
        entries += [_comment(c) for c in page.items]
        total_comments, start = page.total or 0, page.next
        if len(entries) >= wanted:
            break
    taken = len(entries)
    start = 0
    while start is not None:
        logs = logmessages.list_(ctx, owner, {"created": "desc", "id": "desc"}, start)
        found = logs.items["logMessages"]
        entries += [_log(m) for m in found]
        total_logs, start = logs.total or 0, logs.next
        if len(entries) - taken >= wanted:
            break
    return entries, total + total_comments + total_logs


def attach(conn: Connection, ctx: Caller, entries: list[dict[str, Any]]) -> None:
    """Authors' names and applications' blocks on the page's records."""
    _attach(conn, ctx, entries)


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
    titles: dict[int, str] = {}
    by_id = {e["id"]: e for e in entries}
    for item_id, app_id, layout in conn.execute(query):
        if app_id not in titles:
            found = apps_store.app_by_id(conn, ctx.portal.id, app_id)
            titles[app_id] = (found["title"] if found else "") or f"Application {app_id}"
        by_id[int(item_id)]["blocks"].append({"app": titles[app_id], "layout": json.loads(layout)})
    names: dict[int, str] = {}
    for entry in entries:
        author = entry["author_id"]
        if author not in names:
            row = users_store.user_by_id(conn, ctx.portal.id, author)
            names[author] = " ".join(p for p in (row["name"], row["last_name"]) if p) if row else ""
        entry["author"] = names[author] or f"User {author}"


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
