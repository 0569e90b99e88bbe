"""Repository for the tenancy tables: portals, users, webhooks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.sql import fit, fit_row, next_id
from b24crm.store.tables import metadata, portals, users, webhooks


def insert_portal(
    conn: Connection, *, domain: str, member_id: str, title: str, time_zone: str, now: float
) -> int:
    result = conn.execute(
        portals.insert().values(
            domain=domain,
            member_id=member_id,
            title=fit(portals, "title", title),
            time_zone=time_zone,
            created_at=now,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def portal_by_id(conn: Connection, portal_id: int) -> dict[str, Any] | None:
    row = conn.execute(sa.select(portals).where(portals.c.id == portal_id)).mappings().first()
    return dict(row) if row else None


def portal_by_domain(conn: Connection, domain: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(portals).where(portals.c.domain == domain)).mappings().first()
    return dict(row) if row else None


def list_portals(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(sa.select(portals).order_by(portals.c.id)).mappings()]


def count_portals(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(portals)).scalar_one())


def delete_portal(conn: Connection, portal_id: int) -> bool:
    """Delete a portal and every row any table keeps for it (children first, whatever the dialect)."""
    for table in reversed(metadata.sorted_tables):
        if "portal_id" in table.c:
            conn.execute(table.delete().where(table.c.portal_id == portal_id))
    return conn.execute(portals.delete().where(portals.c.id == portal_id)).rowcount > 0


def insert_user(conn: Connection, portal_id: int, now: float, **values: Any) -> int:
    user_id = next_id(conn, portal_id, "user")
    conn.execute(
        users.insert().values(portal_id=portal_id, id=user_id, created_at=now, **fit_row(users, values))
    )
    return user_id


def user_by_id(conn: Connection, portal_id: int, user_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(sa.select(users).where(users.c.portal_id == portal_id, users.c.id == user_id))
        .mappings()
        .first()
    )
    return dict(row) if row else None


def users_by_ids(conn: Connection, portal_id: int, user_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The portal's users among ``user_ids``, by ID, in one statement (a page's authors)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    stmt = sa.select(users).where(users.c.portal_id == portal_id, users.c.id.in_(wanted))
    return {int(r["id"]): dict(r) for r in conn.execute(stmt).mappings()}


def list_users(
    conn: Connection,
    portal_id: int,
    *,
    where: Iterable[Any] = (),
    order: Iterable[Any] = (),
    offset: int = 0,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    stmt = sa.select(users).where(users.c.portal_id == portal_id, *where).order_by(*order, users.c.id)
    stmt = stmt.offset(offset).limit(limit)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def count_users(conn: Connection, portal_id: int, *, where: Iterable[Any] = ()) -> int:
    stmt = sa.select(sa.func.count()).select_from(users).where(users.c.portal_id == portal_id, *where)
    return int(conn.execute(stmt).scalar_one())


def insert_webhook(
    conn: Connection, portal_id: int, *, user_id: int, code_digest: str, scopes: str, title: str, now: float
) -> int:
    webhook_id = next_id(conn, portal_id, "webhook")
    conn.execute(
        webhooks.insert().values(
            portal_id=portal_id,
            id=webhook_id,
            user_id=user_id,
            code_digest=code_digest,
            scopes=scopes,
            title=title,
            created_at=now,
        )
    )
    return webhook_id


def webhook_by_digest(conn: Connection, code_digest: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(webhooks).where(webhooks.c.code_digest == code_digest)).mappings().first()
    return dict(row) if row else None


def list_webhooks(conn: Connection, portal_id: int) -> list[dict[str, Any]]:
    stmt = sa.select(webhooks).where(webhooks.c.portal_id == portal_id).order_by(webhooks.c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def delete_webhook(conn: Connection, portal_id: int, webhook_id: int) -> bool:
    stmt = webhooks.delete().where(webhooks.c.portal_id == portal_id, webhooks.c.id == webhook_id)
    return conn.execute(stmt).rowcount > 0
