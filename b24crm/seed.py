"""``b24crm seed``: fill a portal with realistic CRM data, fast, for benchmarks and demos.

Rows go straight into the tables in large batches (the per-item service path would take hours for a
million rows); IDs continue the portal's counters, so the API sees them as if they had been added one by one.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from b24crm.auth.models import Portal
from b24crm.crm import entity_types as et
from b24crm.crm.activity import answers
from b24crm.store import crm_activities as activities_repo
from b24crm.store import sql, tenancy
from b24crm.store.engine import Database
from b24crm.store.tables import (
    crm_activities,
    crm_activity_bindings,
    crm_activity_communications,
    crm_items,
)

DEAL_STAGES = ("NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE", "WON", "LOSE")
BATCH = 5_000
TWO_YEARS = 2 * 365 * 24 * 3600


def ensure_users(db: Database, portal_id: int, count: int, now: float) -> list[int]:
    with db.write() as conn:
        existing = [u["id"] for u in tenancy.list_users(conn, portal_id)]
        for i in range(len(existing), count):
            existing.append(
                tenancy.insert_user(conn, portal_id, now, name=f"Seller{i + 1}", last_name="Seed")
            )
    return existing[:count]


def _deal_rows(
    portal_id: int, first_id: int, count: int, users: list[int], now: float, rnd: random.Random
) -> Iterator[dict[str, Any]]:
    for item_id in range(first_id, first_id + count):
        created = now - rnd.random() * TWO_YEARS
        stage = rnd.choice(DEAL_STAGES)
        yield {
            "portal_id": portal_id,
            "entity_type_id": et.DEAL,
            "id": item_id,
            "title": f"Deal #{item_id}",
            "assigned_by_id": rnd.choice(users),
            "created_by": users[0],
            "updated_by": users[0],
            "created_time": created,
            "updated_time": created + rnd.random() * 86400,
            "opened": True,
            "category_id": 0,
            "stage_id": stage,
            "company_id": None,
            "contact_id": None,
            "opportunity": round(rnd.random() * 100_000, 2),
            "currency_id": "USD",
            "data": {
                "typeId": "SALE",
                "stageSemanticId": "S" if stage == "WON" else "F" if stage == "LOSE" else "P",
                "closed": stage in ("WON", "LOSE"),
                "isManualOpportunity": False,
                "sourceId": rnd.choice(("WEB", "CALL", "EMAIL")),
                "comments": "",
                "contactIds": [],
            },
        }


def seed_deals(
    db: Database,
    portal_id: int,
    count: int,
    *,
    users: int = 20,
    now: float,
    seed: int = 1,
    progress: Callable[[int], None] = lambda n: None,
) -> tuple[int, int]:
    """Add ``count`` deals spread over ``users`` sellers; returns (first id, last id)."""
    rnd = random.Random(seed)
    sellers = ensure_users(db, portal_id, users, now)
    name = f"crm_item_{et.DEAL}"
    with db.write() as conn:
        first = sql.current_value(conn, portal_id, name) + 1
        sql.set_sequence(conn, portal_id, name, first + count - 1)
    rows = _deal_rows(portal_id, first, count, sellers, now, rnd)
    done = 0
    while done < count:
        chunk = [next(rows) for _ in range(min(BATCH, count - done))]
        with db.write() as conn:
            sql.insert_rows(conn, crm_items, chunk)
        done += len(chunk)
        progress(len(chunk))
    db.maintain("crm_items")
    return first, first + count - 1


# --- Activities ----------------------------------------------------------------------------------------

# (TYPE_ID, PROVIDER_ID, PROVIDER_TYPE_ID, subject prefix, weight): calls dominate, as in a sales CRM.
ACTIVITY_KINDS = (
    (2, "VOXIMPLANT_CALL", "CALL", "Call with client", 60),
    (4, "CRM_EMAIL", "EMAIL", "E-mail to client", 15),
    (1, "CRM_MEETING", "MEETING", "Meeting with client", 10),
    (6, "CRM_TODO", "TODO", "Follow up with client", 15),
)
OPEN_SHARE = 0.3
ACTIVITY_TABLES = (crm_activities, crm_activity_bindings, crm_activity_communications)
# From this many activities a load builds the tables' secondary indexes at its end instead of row by row.
REBUILD_INDEXES_FROM = 1_000_000
DAY = 86400.0
ACTIVITY_SEQUENCE = "crm_activity"
COMMUNICATION_SEQUENCE = "crm_activity_communication"


def deal_ids(db: Database, portal_id: int) -> list[int]:
    with db.read() as conn:
        stmt = (
            sa.select(crm_items.c.id)
            .where(crm_items.c.portal_id == portal_id, crm_items.c.entity_type_id == et.DEAL)
            .order_by(crm_items.c.id)
        )
        return list(conn.execute(stmt).scalars())


def _activity_rows(
    portal_id: int,
    first_id: int,
    first_comm_id: int,
    kinds: list[tuple[int, str, str, str, int]],
    deals: list[int],
    users: list[int],
    now: float,
    rnd: random.Random,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """One batch: the activity rows, their owner bindings and the communications of calls, e-mails and
    meetings (to-dos have none)."""
    activities: list[dict[str, Any]] = []
    bindings: list[dict[str, Any]] = []
    comms: list[dict[str, Any]] = []
    comm_id = first_comm_id
    random_ = rnd.random
    for n, (type_id, provider, provider_type, prefix, _) in enumerate(kinds):
        activity_id = first_id + n
        deal = deals[int(random_() * len(deals))]
        user = users[int(random_() * len(users))]
        completed = random_() >= OPEN_SHARE
        # Done ones lie in the past two years; open ones run from two years back to a month ahead.
        start = now - random_() * TWO_YEARS + (0.0 if completed else 30 * DAY)
        if type_id == 2:
            end, direction = start + 30 + random_() * 1200, 1 + (random_() < 0.6)
        elif type_id == 4:
            end, direction = start, 1 + (random_() < 0.5)
        elif type_id == 1:
            end, direction = start + 1800 * (1 + int(random_() * 4)), 0
        else:
            end, direction = start, 0
        created = min(start, now) - random_() * 3 * DAY
        updated = min(end if completed else created + random_() * 600, now)
        activities.append(
            {
                "portal_id": portal_id,
                "id": activity_id,
                "owner_type_id": et.DEAL,
                "owner_id": deal,
                "type_id": type_id,
                "provider_id": provider,
                "provider_type_id": provider_type,
                "subject": f"{prefix} #{deal}",
                "created": created,
                "last_updated": updated,
                "start_time": start,
                "end_time": end,
                "deadline": start,
                "completed": "Y" if completed else "N",
                "status": 2 if completed else 1,
                "responsible_id": user,
                "priority": (1, 2, 2, 2, 3)[int(random_() * 5)],
                "description": "",
                "description_type": 1,
                "direction": direction,
                "author_id": user,
                "editor_id": user,
            }
        )
        bindings.append(
            {
                "portal_id": portal_id,
                "activity_id": activity_id,
                "owner_type_id": et.DEAL,
                "owner_id": deal,
                "position": 0,
            }
        )
        if type_id != 6:
            comms.append(
                {
                    "portal_id": portal_id,
                    "id": comm_id,
                    "activity_id": activity_id,
                    "type": "EMAIL" if type_id == 4 else "PHONE",
                    "value": f"client{deal}@example.com" if type_id == 4 else f"+1555{deal:07d}",
                    "entity_type_id": et.DEAL,
                    "entity_id": deal,
                }
            )
            comm_id += 1
    return activities, bindings, comms


def seed_activities(
    db: Database,
    portal_id: int,
    count: int,
    *,
    users: int = 20,
    now: float,
    seed: int = 1,
    progress: Callable[[int], None] = lambda n: None,
    keep_answers: bool = True,
) -> tuple[int, int]:
    """Add ``count`` activities, each owned by (and bound to) one of the portal's deals and spread over
    ``users`` sellers; seeds ``count // 10`` deals first when the portal has none. Returns (first id,
    last id). ``keep_answers``: store crm.activity.get's answers with the rows, as an add does (most of
    the time of a load; without them get renders each row, and ``b24crm db answers`` stores them later)."""
    rnd = random.Random(seed)
    sellers = ensure_users(db, portal_id, users, now)
    deals = deal_ids(db, portal_id)
    if not deals and count:
        first_deal, last_deal = seed_deals(
            db, portal_id, max(1, count // 10), users=users, now=now, seed=seed
        )
        deals = list(range(first_deal, last_deal + 1))
    kinds = rnd.choices(ACTIVITY_KINDS, weights=[k[4] for k in ACTIVITY_KINDS], k=count)
    # Both ID ranges are taken up front, as in seed_deals, so that API calls during the load cannot collide.
    comm_count = sum(kind[0] != 6 for kind in kinds)
    with db.write() as conn:
        first = sql.current_value(conn, portal_id, ACTIVITY_SEQUENCE) + 1
        sql.set_sequence(conn, portal_id, ACTIVITY_SEQUENCE, first + count - 1)
        next_comm = sql.current_value(conn, portal_id, COMMUNICATION_SEQUENCE) + 1
        sql.set_sequence(conn, portal_id, COMMUNICATION_SEQUENCE, next_comm + comm_count - 1)
        portal_row = tenancy.portal_by_id(conn, portal_id)
    assert portal_row is not None
    portal = Portal.from_row(portal_row)
    with _indexes_after(db, ACTIVITY_TABLES if count >= REBUILD_INDEXES_FROM else ()):
        _load_activities(
            db, portal, first, next_comm, kinds, deals, sellers, now, rnd, progress, keep_answers
        )
    db.maintain(*(table.name for table in ACTIVITY_TABLES))
    return first, first + count - 1


@contextmanager
def _indexes_after(db: Database, tables: tuple[sa.Table, ...]) -> Iterator[None]:
    """Load ``tables`` without their secondary indexes, then build them again, whatever happened: a load
    of millions of rows keeps every index's pages in memory (random keys) unless each is built once,
    sorted, at the end. Lists of the database's other portals scan meanwhile."""
    dropped = [index for table in tables for index in table.indexes]
    with db.write() as conn:
        for index in dropped:
            index.drop(conn, checkfirst=True)
    try:
        yield
    finally:
        with db.write() as conn:
            for index in dropped:
                index.create(conn, checkfirst=True)


def _load_activities(
    db: Database,
    portal: Portal,
    first: int,
    next_comm: int,
    kinds: list[tuple[int, str, str, str, int]],
    deals: list[int],
    sellers: list[int],
    now: float,
    rnd: random.Random,
    progress: Callable[[int], None],
    keep_answers: bool,
) -> None:
    portal_id, count, done = portal.id, len(kinds), 0
    while done < count:
        size = min(BATCH, count - done)
        activities, bindings, comms = _activity_rows(
            portal_id, first + done, next_comm, kinds[done : done + size], deals, sellers, now, rnd
        )
        with db.write() as conn:
            sql.insert_rows(conn, crm_activities, activities)
            sql.insert_rows(conn, crm_activity_bindings, bindings)
            sql.insert_rows(conn, crm_activity_communications, comms)
            activities_repo.touch(conn, portal_id)  # remembered list counts must not outlive the load
            if keep_answers:  # as crm.activity.add would
                answers.keep(conn, portal, first + done, first + done + size - 1)
        next_comm += len(comms)
        done += size
        progress(size)
