"""Fault rules: a portal's rules for REST calls (rpc/faults.py) and for event deliveries (events/faults.py),
and the counters of the calls or deliveries they matched and failed. One id sequence serves both tables."""

from __future__ import annotations

import random
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.sql import RawStatement, next_id
from b24crm.store.tables import event_fault_rules, fault_rules

REST, EVENT = "rest", "event"
TABLES = {REST: fault_rules, EVENT: event_fault_rules}


def _counters(table: sa.Table) -> tuple[RawStatement, RawStatement]:
    c = table.c
    key = (c.portal_id == sa.bindparam("portal_id"), c.id == sa.bindparam("id"))
    # One more match, while the rule has matches left to fail: answers the count, or no row.
    seen = RawStatement(
        table.update()
        .where(*key, sa.or_(c.times.is_(None), c.fired < c.times))
        .values(seen=c.seen + 1)
        .returning(c.seen)
    )
    return seen, RawStatement(table.update().where(*key).values(fired=c.fired + 1))


_COUNTERS = {target: _counters(table) for target, table in TABLES.items()}


def firing_values(body: dict[str, Any], wait: str, wait_max: int) -> dict[str, Any]:
    """The columns every rule shares, from the admin API's or the CLI's input: its wait (``wait``, in ms,
    up to ``wait_max``) and when it fires (``times``, ``probability`` drawn from ``seed``); ValueError
    names what is wrong."""
    values: dict[str, Any] = {}
    for name, low, high, default in (
        (wait, 0, wait_max, 0),
        ("times", 1, 2**31 - 1, None),
        ("seed", -(2**31), 2**31 - 1, 0),
    ):
        value = body.get(name, default)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high
        ):
            raise ValueError(f"{name} must be an integer from {low} to {high}")
        values[name] = value
    probability = body.get("probability", 1.0)
    if isinstance(probability, bool) or not isinstance(probability, int | float) or not 0 < probability <= 1:
        raise ValueError("probability must be a number above 0 and at most 1")
    values["probability"] = float(probability)
    return values


def list_rules(conn: Connection, portal_id: int, target: str = REST) -> list[dict[str, Any]]:
    table = TABLES[target]
    stmt = sa.select(table).where(table.c.portal_id == portal_id).order_by(table.c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def add_rule(conn: Connection, portal_id: int, values: dict[str, Any], target: str = REST) -> int:
    rule_id = next_id(conn, portal_id, "fault_rule")
    conn.execute(TABLES[target].insert().values(portal_id=portal_id, id=rule_id, **values))
    return rule_id


def delete_rules(
    conn: Connection, portal_id: int, rule_id: int | None = None, target: str | None = None
) -> int:
    """Remove one rule or all, of one kind (``target``) or of both; answers how many went."""
    removed = 0
    for kind, table in TABLES.items():
        if target is not None and kind != target:
            continue
        stmt = table.delete().where(table.c.portal_id == portal_id)
        if rule_id is not None:
            stmt = stmt.where(table.c.id == rule_id)
        removed += int(conn.execute(stmt).rowcount)
    return removed


def fires(conn: Connection, portal_id: int, rule: dict[str, Any], target: str = REST) -> bool:
    """Count a match of ``rule`` and answer whether it fails this one: never once its ``times`` are
    spent; drawn from its seed and the match's number when it has a probability, so that the same seed
    fails the same matches whichever process counts them."""
    seen_stmt, fired_stmt = _COUNTERS[target]
    key = {"portal_id": portal_id, "id": rule["id"]}
    cursor = seen_stmt.run(conn, key)
    try:
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        return False
    if rule["probability"] < 1 and random.Random(f"{rule['seed']}:{row[0]}").random() >= rule["probability"]:
        return False
    fired_stmt.run(conn, key).close()
    return True
