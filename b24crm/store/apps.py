"""Repository for applications, their OAuth codes and tokens, and their placements."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.sql import lock_row, next_id
from b24crm.store.tables import (
    apps,
    crm_layout_blocks,
    event_handlers,
    oauth_codes,
    oauth_tokens,
    offline_events,
    placements,
)


def _one(conn: Connection, stmt: Any) -> dict[str, Any] | None:
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


# --- apps -------------------------------------------------------------------------------------------


def insert_app(conn: Connection, portal_id: int, values: dict[str, Any]) -> int:
    app_id = next_id(conn, portal_id, "app")
    conn.execute(apps.insert().values(portal_id=portal_id, id=app_id, **values))
    return app_id


def app_by_id(conn: Connection, portal_id: int, app_id: int) -> dict[str, Any] | None:
    return _one(conn, sa.select(apps).where(apps.c.portal_id == portal_id, apps.c.id == app_id))


def apps_by_ids(conn: Connection, portal_id: int, app_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The portal's applications among ``app_ids``, by ID, in one statement."""
    wanted = sorted(set(app_ids))
    if not wanted:
        return {}
    stmt = sa.select(apps).where(apps.c.portal_id == portal_id, apps.c.id.in_(wanted))
    return {int(r["id"]): dict(r) for r in conn.execute(stmt).mappings()}


def titles_by_ids(conn: Connection, portal_id: int, app_ids: Iterable[int]) -> dict[int, str]:
    """The titles of the portal's applications among ``app_ids``, by ID, in one statement."""
    wanted = sorted(set(app_ids))
    if not wanted:
        return {}
    stmt = sa.select(apps.c.id, apps.c.title).where(apps.c.portal_id == portal_id, apps.c.id.in_(wanted))
    return {int(i): title or "" for i, title in conn.execute(stmt)}


def app_by_client_id(conn: Connection, client_id: str) -> dict[str, Any] | None:
    return _one(conn, sa.select(apps).where(apps.c.client_id == client_id))


def list_apps(conn: Connection, portal_id: int) -> list[dict[str, Any]]:
    stmt = sa.select(apps).where(apps.c.portal_id == portal_id).order_by(apps.c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def update_app(conn: Connection, portal_id: int, app_id: int, values: dict[str, Any]) -> None:
    conn.execute(apps.update().where(apps.c.portal_id == portal_id, apps.c.id == app_id).values(**values))


def lock_app(conn: Connection, portal_id: int, app_id: int) -> None:
    lock_row(conn, apps, apps.c.portal_id == portal_id, apps.c.id == app_id)


def remove_app_bindings(conn: Connection, portal_id: int, app_id: int) -> None:
    """What uninstalling takes away: the app's event handlers, offline queue, placements, tokens and its
    additional content blocks on timeline entries (the vendor purges them on uninstall too)."""
    for table in (event_handlers, offline_events, placements, crm_layout_blocks):
        conn.execute(table.delete().where(table.c.portal_id == portal_id, table.c.app_id == app_id))
    revoke_app_tokens(conn, portal_id, app_id)


def revoke_app_tokens(conn: Connection, portal_id: int, app_id: int) -> int:
    """Delete the app's token pairs (access and refresh tokens, event tokens included) and its unspent
    authorization codes, which would otherwise still buy a pair; answers how many pairs went. A deleted
    token is what an unknown one is: ``invalid_token`` on a call, ``invalid_grant`` on a refresh."""
    conn.execute(
        oauth_codes.delete().where(oauth_codes.c.portal_id == portal_id, oauth_codes.c.app_id == app_id)
    )
    t = oauth_tokens
    return conn.execute(t.delete().where(t.c.portal_id == portal_id, t.c.app_id == app_id)).rowcount or 0


# --- codes and tokens --------------------------------------------------------------------------------


def insert_code(conn: Connection, portal_id: int, values: dict[str, Any]) -> int:
    code_id = next_id(conn, portal_id, "oauth_code")
    conn.execute(oauth_codes.insert().values(portal_id=portal_id, id=code_id, used=False, **values))
    return code_id


def code_by_digest(conn: Connection, code_digest: str) -> dict[str, Any] | None:
    return _one(conn, sa.select(oauth_codes).where(oauth_codes.c.code_digest == code_digest))


def use_code(conn: Connection, code: dict[str, Any]) -> bool:
    """Mark a code used; False when another request used it first."""
    c = oauth_codes
    stmt = (
        c.update()
        .where(c.c.portal_id == code["portal_id"], c.c.id == code["id"], c.c.used == sa.false())
        .values(used=True)
    )
    return (conn.execute(stmt).rowcount or 0) == 1


def insert_token(conn: Connection, portal_id: int, values: dict[str, Any]) -> int:
    token_id = next_id(conn, portal_id, "oauth_token")
    conn.execute(oauth_tokens.insert().values(portal_id=portal_id, id=token_id, **values))
    return token_id


def token_by_access(conn: Connection, access_digest: str) -> dict[str, Any] | None:
    return _one(conn, sa.select(oauth_tokens).where(oauth_tokens.c.access_digest == access_digest))


def token_by_refresh(conn: Connection, refresh_digest: str) -> dict[str, Any] | None:
    return _one(conn, sa.select(oauth_tokens).where(oauth_tokens.c.refresh_digest == refresh_digest))


def consume_refresh(conn: Connection, token: dict[str, Any]) -> bool:
    """Spend a refresh token; False when another request spent it first."""
    t = oauth_tokens
    stmt = (
        t.update()
        .where(t.c.portal_id == token["portal_id"], t.c.id == token["id"], t.c.refresh_digest.is_not(None))
        .values(refresh_digest=None)
    )
    return (conn.execute(stmt).rowcount or 0) == 1


def expire_tokens(conn: Connection, portal_id: int, app_id: int, now: float) -> int:
    """End the app's access tokens now (a developer's tool: test the expired-token path)."""
    t = oauth_tokens
    stmt = (
        t.update()
        .where(t.c.portal_id == portal_id, t.c.app_id == app_id, t.c.access_expires > now)
        .values(access_expires=now)
    )
    return conn.execute(stmt).rowcount or 0


def purge_tokens(conn: Connection, now: float) -> int:
    """Drop the token rows nothing can use any more, and the expired codes; answers how many tokens."""
    t = oauth_tokens
    dead = sa.or_(
        sa.and_(t.c.refresh_digest.is_(None), t.c.access_expires < now),
        sa.and_(t.c.refresh_expires < now, t.c.access_expires < now),
    )
    conn.execute(oauth_codes.delete().where(oauth_codes.c.expires < now))
    return conn.execute(t.delete().where(dead)).rowcount or 0


# --- placements ----------------------------------------------------------------------------------------


def insert_placement(conn: Connection, portal_id: int, values: dict[str, Any]) -> int:
    placement_id = next_id(conn, portal_id, "placement")
    conn.execute(placements.insert().values(portal_id=portal_id, id=placement_id, **values))
    return placement_id


def placements_of_app(
    conn: Connection, portal_id: int, app_id: int, placement: str | None = None
) -> list[dict[str, Any]]:
    p = placements
    stmt = sa.select(p).where(p.c.portal_id == portal_id, p.c.app_id == app_id)
    if placement is not None:
        stmt = stmt.where(p.c.placement == placement)
    return [dict(r) for r in conn.execute(stmt.order_by(p.c.id)).mappings()]


def placements_of_portal(conn: Connection, portal_id: int) -> list[dict[str, Any]]:
    p = placements
    stmt = sa.select(p).where(p.c.portal_id == portal_id).order_by(p.c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def placement_by_id(conn: Connection, portal_id: int, placement_id: int) -> dict[str, Any] | None:
    p = placements
    return _one(conn, sa.select(p).where(p.c.portal_id == portal_id, p.c.id == placement_id))


def delete_placements(conn: Connection, portal_id: int, ids: list[int]) -> int:
    if not ids:
        return 0
    p = placements
    return conn.execute(p.delete().where(p.c.portal_id == portal_id, p.c.id.in_(ids))).rowcount or 0
