"""How a crm.activity.list page is read fast: the plans of repeated requests and the counts of portals
whose activities have not changed are remembered, in the ``Database``'s byte-bounded memos
(``store/memo.py``), and a remembered page runs as SQL compiled once.

The domain (``crm/activity/listing.py``) builds the plan and says which requests and counts may be
remembered (only what is the same for everyone asking it, and nothing that reads the clock); this module
keeps them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store import crm_activities as repo
from b24crm.store.engine import Database
from b24crm.store.sql import RawStatement


class Plan(NamedTuple):
    page_query: sa.Select[Any]  # without offset and limit
    count_query: sa.Select[Any]
    countable: bool  # the count depends on the stored activities alone: it may be remembered


class PlanKey(NamedTuple):
    """What a plan is remembered by: everything its SQL depends on."""

    scope: str  # the portal's member_id, not its id: a portal made after one was deleted may get its id back
    filter: str  # the filter, as text
    order: str
    names: tuple[str, ...]  # the fields shown


# What a remembered plan weighs, for the memo's byte budget: measured with tracemalloc, a plan and its page
# window hold about 23 bytes for every byte of the filter's key (a 30,000-value ``@ID`` filter: 4.6 MB).
PLAN_BYTES_PER_KEY_BYTE = 24
PLAN_BASE_BYTES = 8 * 1024


def _plan_weight(key: PlanKey) -> int:
    return PLAN_BASE_BYTES + PLAN_BYTES_PER_KEY_BYTE * len(key.filter)


def plan(db: Database, key: PlanKey | None, build: Callable[[], Plan]) -> Plan:
    """The plan remembered by ``key``, built (and remembered) when there is none; built each time when
    ``key`` is None."""
    if key is None:
        return build()
    return db.plans.get_or_make(key, build, _plan_weight(key))


def _count(conn: Connection, statement: sa.Select[Any]) -> int:
    return int(conn.execute(statement).scalar_one())


def total(conn: Connection, db: Database, found: Plan, *, portal_id: int, scope: str, filter_key: str) -> int:
    """The plan's count. A countable one is remembered by the portal's activity generation, read in this
    transaction (every write bumps it, ``crm_activities.touch``): what is remembered is what COUNT(*) would
    answer now, across processes too."""
    if not found.countable:
        return _count(conn, found.count_query)
    return db.counts.get_or_make(
        (scope, repo.generation(conn, portal_id), filter_key),
        lambda: _count(conn, found.count_query),
        256 + len(filter_key),
    )


def rows(
    conn: Connection, db: Database, found: Plan, key: PlanKey | None, offset: int, limit: int
) -> Sequence[Any]:
    """The rows of one page; a remembered plan's page runs as compiled SQL on the transaction's driver
    connection."""
    if key is None:
        return conn.execute(found.page_query.offset(offset).limit(limit)).all()
    window = db.plans.get_or_make(
        (key, offset, limit),
        lambda: RawStatement(found.page_query.offset(offset).limit(limit)),
        _plan_weight(key),
    )
    cursor = window.run(conn, {})
    try:
        return list(cursor.fetchall())
    finally:
        cursor.close()
