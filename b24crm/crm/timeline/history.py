"""The timeline's own records (comments, applications' log messages) on a page of an item's history,
which merges them with its activities: the keys to merge by, and a page's records as
crm.timeline.comment.list and crm.timeline.logmessage.list answer them, read by ID in one statement
(however deep the page lies), under their rule: the user's read right on the item."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.auth.caller import Caller
from b24crm.crm.activity.access import crm_grants
from b24crm.crm.timeline import comment_read, logmessages
from b24crm.crm.timeline.owners import Binding, may
from b24crm.store import timeline as store

KINDS = (store.COMMENT, store.LOG_MESSAGE)


def check(conn: Connection, ctx: Caller, owner: Binding) -> None:
    """ACCESS_DENIED unless the user may read the item, as the lists answer."""
    if not may(conn, ctx, crm_grants(conn, ctx), owner, "read"):
        raise comment_read.ACCESS_DENIED()


def keys(ctx: Caller, owner: Binding) -> sa.Select[Any]:
    """(1, ID, created) of each record on the item: the records' side of the history's merge."""
    return store.bound_keys(ctx.portal.id, KINDS, owner, sa.literal(1))


def count(conn: Connection, ctx: Caller, owner: Binding) -> int:
    return store.count_bound(conn, ctx.portal.id, KINDS, owner)


def page(conn: Connection, ctx: Caller, owner: Binding, ids: list[int]) -> list[tuple[str, dict[str, Any]]]:
    """The records of ``ids`` bound to the item, each as ("comment", comment.list's record) or ("log",
    logmessage.list's), in the order of ``ids``."""
    rows = store.records_by_ids(conn, ctx.portal.id, KINDS, owner, ids)
    comments = comment_read.render_page(
        conn, ctx, [r for r in rows if r["type_id"] == store.COMMENT], owner, None
    )
    found: dict[int, tuple[str, dict[str, Any]]] = {int(c["ID"]): ("comment", c) for c in comments}
    for row in rows:
        if row["type_id"] == store.LOG_MESSAGE:
            found[row["id"]] = ("log", logmessages.render(row, ctx.portal.tz))
    return [found[i] for i in ids if i in found]
