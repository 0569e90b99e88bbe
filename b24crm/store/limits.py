"""The request limits' state: portals' own plans, leaky buckets, operating-time buckets.

Every statement is one round trip and takes its decision in the database, so that server processes
sharing it agree: the bucket is drained, tested and filled by one upsert, whatever other processes do
at the same moment.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.sql import RawStatement, upsert
from b24crm.store.tables import limit_buckets, limit_plans, operating_buckets

# Drained level at :now; one more request fits while it stays within :burst. The SET expressions read the row
# as it was, in PostgreSQL and SQLite alike. A refused request is not added: a client waiting it out drains.
_LEFT = "limit_buckets.level - (:now - limit_buckets.at) * :drain"
_DRAINED = f"CASE WHEN {_LEFT} < 0 THEN 0 ELSE {_LEFT} END"
_TAKE = RawStatement(
    sa.text(
        "INSERT INTO limit_buckets (portal_id, source, level, at, refused) "
        "VALUES (:portal_id, :source, 1, :now, 0) "
        "ON CONFLICT (portal_id, source) DO UPDATE SET "
        f"level = CASE WHEN {_DRAINED} + 1 > :burst THEN {_DRAINED} ELSE {_DRAINED} + 1 END, "
        f"refused = CASE WHEN {_DRAINED} + 1 > :burst THEN 1 ELSE 0 END, "
        "at = :now "
        "RETURNING refused, level"
    )
)
# Every call of a request with limits runs these: compiled once, run on the driver (SQLAlchemy's own work
# per statement was most of a call's cost; bench/README.md).
_ADD = RawStatement(
    sa.text(
        "INSERT INTO operating_buckets (portal_id, credential, method, minute, opened, seconds) "
        "VALUES (:portal_id, :credential, :method, :minute, :at, :seconds) "
        "ON CONFLICT (portal_id, credential, method, minute) DO UPDATE SET "
        "seconds = operating_buckets.seconds + :seconds"
    )
)
_o = operating_buckets.c
_PAIR = (
    _o.portal_id == sa.bindparam("portal_id"),
    _o.credential == sa.bindparam("credential"),
    _o.method == sa.bindparam("method"),
)
_USED = RawStatement(
    sa.select(sa.func.sum(_o.seconds), sa.func.min(_o.opened)).where(
        *_PAIR, _o.opened > sa.bindparam("since")
    )
)
_EXPIRE = RawStatement(operating_buckets.delete().where(*_PAIR, _o.opened <= sa.bindparam("before")))


def plan_of(conn: Connection, portal_id: int) -> dict[str, Any] | None:
    row = conn.execute(sa.select(limit_plans).where(limit_plans.c.portal_id == portal_id)).mappings().first()
    return dict(row) if row is not None else None


_PLAN_VALUES = ("plan", "drain", "burst", "operating_limit")


def set_plan(conn: Connection, portal_id: int, values: dict[str, Any]) -> None:
    """The portal's plan, replacing any other: one upsert, so that two processes setting a plan at once
    both succeed (a delete then an insert made the later one fail on the key). A figure not given is the
    plan's own (NULL), as on a new row."""
    row = {name: values.get(name) for name in _PLAN_VALUES}
    conn.execute(
        upsert(conn.dialect.name, limit_plans, ("portal_id",), _PLAN_VALUES), {"portal_id": portal_id, **row}
    )


def sweep(conn: Connection, portal_id: int, now: float, drain: float, window: float) -> None:
    """Forget the portal's buckets that hold nothing any more: leaky buckets drained to empty (of sources
    that stopped calling) and operating-time buckets past the window (of pairs never called again, which
    ``operating_add`` never sees). A bucket forgotten while another process fills it is written anew at
    the level a drained one would have."""
    conn.execute(
        limit_buckets.delete().where(
            limit_buckets.c.portal_id == portal_id,
            limit_buckets.c.level - (now - limit_buckets.c.at) * drain <= 0,
        )
    )
    conn.execute(
        operating_buckets.delete().where(
            operating_buckets.c.portal_id == portal_id, operating_buckets.c.opened <= now - window
        )
    )


def clear_plan(conn: Connection, portal_id: int) -> bool:
    return bool(conn.execute(limit_plans.delete().where(limit_plans.c.portal_id == portal_id)).rowcount)


def take(
    conn: Connection, portal_id: int, source: str, now: float, drain: float, burst: int
) -> tuple[bool, float]:
    """One request into the bucket: (admitted, the level after it)."""
    cursor = _TAKE.run(
        conn, {"portal_id": portal_id, "source": source[:64], "now": now, "drain": drain, "burst": burst}
    )
    try:
        refused, level = cursor.fetchone()
    finally:
        cursor.close()
    return not refused, float(level)


def buckets(conn: Connection, portal_id: int) -> list[dict[str, Any]]:
    stmt = (
        sa.select(limit_buckets)
        .where(limit_buckets.c.portal_id == portal_id)
        .order_by(limit_buckets.c.source)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def operating_used(
    conn: Connection, portal_id: int, credential: str, method: str, since: float
) -> tuple[float, float | None]:
    """(seconds, the oldest bucket's opening time) of the pair's buckets opened after ``since``."""
    cursor = _USED.run(
        conn, {"portal_id": portal_id, "credential": credential, "method": method, "since": since}
    )
    try:
        total, oldest = cursor.fetchone()
    finally:
        cursor.close()
    return float(total or 0.0), oldest


def operating_add(
    conn: Connection,
    portal_id: int,
    credential: str,
    method: str,
    minute: int,
    at: float,
    seconds: float,
    expired_before: float,
) -> None:
    """Add a call's seconds to its minute's bucket; the pair's expired buckets go (at most ten a pair)."""
    pair = {"portal_id": portal_id, "credential": credential, "method": method}
    _EXPIRE.run(conn, {**pair, "before": expired_before}).close()
    _ADD.run(conn, {**pair, "minute": minute, "at": at, "seconds": seconds}).close()


def operating_of_portal(conn: Connection, portal_id: int, since: float) -> list[dict[str, Any]]:
    o = operating_buckets.c
    stmt = (
        sa.select(
            o.credential,
            o.method,
            sa.func.sum(o.seconds).label("seconds"),
            sa.func.min(o.opened).label("oldest"),
        )
        .where(o.portal_id == portal_id, o.opened > since)
        .group_by(o.credential, o.method)
        .order_by(o.credential, o.method)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]
