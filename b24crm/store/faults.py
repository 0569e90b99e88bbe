"""Fault rules (rpc/faults.py): a portal's rules, and the counters of the calls they matched and failed."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.sql import RawStatement, next_id
from b24crm.store.tables import fault_rules

_f = fault_rules.c
_KEY = (_f.portal_id == sa.bindparam("portal_id"), _f.id == sa.bindparam("id"))
# One more matching call, while the rule has calls left to fail: answers the count, or no row.
_SEEN = RawStatement(
    fault_rules.update()
    .where(*_KEY, sa.or_(_f.times.is_(None), _f.fired < _f.times))
    .values(seen=_f.seen + 1)
    .returning(_f.seen)
)
_FIRED = RawStatement(fault_rules.update().where(*_KEY).values(fired=_f.fired + 1))


def list_rules(conn: Connection, portal_id: int) -> list[dict[str, Any]]:
    stmt = sa.select(fault_rules).where(_f.portal_id == portal_id).order_by(_f.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def add_rule(conn: Connection, portal_id: int, values: dict[str, Any]) -> int:
    rule_id = next_id(conn, portal_id, "fault_rule")
    conn.execute(fault_rules.insert().values(portal_id=portal_id, id=rule_id, **values))
    return rule_id


def delete_rules(conn: Connection, portal_id: int, rule_id: int | None = None) -> int:
    stmt = fault_rules.delete().where(_f.portal_id == portal_id)
    if rule_id is not None:
        stmt = stmt.where(_f.id == rule_id)
    return int(conn.execute(stmt).rowcount)


def count_match(conn: Connection, portal_id: int, rule_id: int) -> int | None:
    """Count a matching call; its number among the rule's matches, or None when the rule is spent."""
    cursor = _SEEN.run(conn, {"portal_id": portal_id, "id": rule_id})
    try:
        row = cursor.fetchone()
    finally:
        cursor.close()
    return None if row is None else int(row[0])


def count_fired(conn: Connection, portal_id: int, rule_id: int) -> None:
    _FIRED.run(conn, {"portal_id": portal_id, "id": rule_id}).close()
