"""Repository for CRM roles and their assignment to users."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.sql import next_id
from b24crm.store.tables import crm_roles, crm_user_roles


def insert_role(
    conn: Connection, portal_id: int, *, name: str, permissions: dict[str, Any], default: bool
) -> int:
    role_id = next_id(conn, portal_id, "crm_role")
    conn.execute(
        crm_roles.insert().values(
            portal_id=portal_id, id=role_id, name=name, permissions=permissions, is_default=default
        )
    )
    return role_id


def list_roles(conn: Connection, portal_id: int) -> list[dict[str, Any]]:
    stmt = sa.select(crm_roles).where(crm_roles.c.portal_id == portal_id).order_by(crm_roles.c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def roles_of_user(conn: Connection, portal_id: int, user_id: int) -> list[dict[str, Any]]:
    stmt = (
        sa.select(crm_roles)
        .join(
            crm_user_roles,
            sa.and_(
                crm_user_roles.c.portal_id == crm_roles.c.portal_id,
                crm_user_roles.c.role_id == crm_roles.c.id,
            ),
        )
        .where(crm_user_roles.c.portal_id == portal_id, crm_user_roles.c.user_id == user_id)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def assign(conn: Connection, portal_id: int, user_id: int, role_id: int) -> None:
    exists = conn.execute(
        sa.select(crm_user_roles.c.role_id).where(
            crm_user_roles.c.portal_id == portal_id,
            crm_user_roles.c.user_id == user_id,
            crm_user_roles.c.role_id == role_id,
        )
    ).first()
    if exists is None:
        conn.execute(crm_user_roles.insert().values(portal_id=portal_id, user_id=user_id, role_id=role_id))
