"""Dialect-specific statements, kept in one place."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from b24crm.store.tables import sequences


def _insert(conn: Connection, table: sa.Table) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def next_id(conn: Connection, portal_id: int, name: str) -> int:
    """The portal's next ID for ``name`` (1, 2, ...), allocated inside the caller's transaction."""
    stmt = _insert(conn, sequences).values(portal_id=portal_id, name=name, value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[sequences.c.portal_id, sequences.c.name],
        set_={"value": sequences.c.value + 1},
    ).returning(sequences.c.value)
    return int(conn.execute(stmt).scalar_one())
