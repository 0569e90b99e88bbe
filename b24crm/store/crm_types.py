"""Repository for smart-process types."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.tables import crm_types


def list_types(conn: Connection, portal_id: int) -> list[dict[str, Any]]:
    stmt = sa.select(crm_types).where(crm_types.c.portal_id == portal_id).order_by(crm_types.c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def type_by_entity_type(conn: Connection, portal_id: int, entity_type_id: int) -> dict[str, Any] | None:
    stmt = sa.select(crm_types).where(
        crm_types.c.portal_id == portal_id, crm_types.c.entity_type_id == entity_type_id
    )
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None
