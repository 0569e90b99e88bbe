"""``b24crm seed``: fill a portal with realistic CRM data, fast, for benchmarks and demos.

Rows go straight into the tables in large batches (the per-item service path would take hours for a
million rows); IDs continue the portal's counters, so the API sees them as if they had been added one by one.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

from b24crm.crm import entity_types as et
from b24crm.store import sql, tenancy
from b24crm.store.engine import Database
from b24crm.store.tables import crm_items

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
            conn.execute(crm_items.insert(), chunk)
        done += len(chunk)
        progress(len(chunk))
    db.maintain("crm_items")
    return first, first + count - 1
