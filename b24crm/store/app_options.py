"""Repository for applications' settings: the application's own (``user_id`` 0) and each user's."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.sql import upsert
from b24crm.store.tables import app_options

APP_LEVEL = 0  # the user_id of an application's own options


def read(conn: Connection, portal_id: int, app_id: int, user_id: int) -> dict[str, Any]:
    """Every option of the owner, in the order they were first written (then by name)."""
    stmt = (
        sa.select(app_options.c.name, app_options.c.value)
        .where(
            app_options.c.portal_id == portal_id,
            app_options.c.app_id == app_id,
            app_options.c.user_id == user_id,
        )
        .order_by(app_options.c.name)
    )
    return {row.name: row.value for row in conn.execute(stmt)}


def names_count(conn: Connection, portal_id: int, app_id: int, user_id: int) -> int:
    stmt = sa.select(sa.func.count()).where(
        app_options.c.portal_id == portal_id,
        app_options.c.app_id == app_id,
        app_options.c.user_id == user_id,
    )
    return int(conn.execute(stmt).scalar_one())


def write(
    conn: Connection, portal_id: int, app_id: int, user_id: int, values: dict[str, Any], now: float
) -> None:
    """Insert or replace each named value; two writers of one name meet in the key, never in a 500."""
    stmt = upsert(
        conn.dialect.name, app_options, ("portal_id", "app_id", "user_id", "name"), ("value", "updated")
    )
    conn.execute(
        stmt,
        [
            {
                "portal_id": portal_id,
                "app_id": app_id,
                "user_id": user_id,
                "name": k,
                "value": v,
                "updated": now,
            }
            for k, v in values.items()
        ],
    )


def delete_app(conn: Connection, portal_id: int, app_id: int) -> None:
    """Every option of the application, its own and its users' (an uninstall that clears its data)."""
    conn.execute(
        app_options.delete().where(app_options.c.portal_id == portal_id, app_options.c.app_id == app_id)
    )
