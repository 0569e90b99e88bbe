"""Deleting what the command line and the admin API create, with everything that hangs off it: a user with
its webhooks, tokens and role assignments; a role with its assignments; an application with what it
registered; an outgoing webhook. A portal is ``tenancy.delete_portal`` (every table's rows of it).

The deletions of users, webhooks, apps and tokens fire the credential-generation triggers (migration 0007)
in the same transaction, so every server process refuses the deleted credentials at once."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.app_options import APP_LEVEL
from b24crm.store.tables import (
    app_options,
    apps,
    crm_activity_types,
    crm_layout_blocks,
    crm_roles,
    crm_user_roles,
    event_handlers,
    oauth_codes,
    oauth_tokens,
    offline_events,
    placements,
    users,
    webhooks,
)

# What an application registered on its portal, which goes with it. Its activities, timeline entries and
# the deliveries already written stay: they are the portal's history, as the vendor keeps them.
_APP_ROWS = (
    event_handlers,
    offline_events,
    placements,
    crm_layout_blocks,
    crm_activity_types,
    app_options,
    oauth_codes,
    oauth_tokens,
)


def _deleted(conn: Connection, stmt: sa.Delete) -> int:
    return int(conn.execute(stmt).rowcount or 0)


def delete_user(conn: Connection, portal_id: int, user_id: int) -> bool:
    """The user, its incoming and outgoing webhooks, its applications' tokens and codes, its roles, and
    the options applications keep for it (``user.option.*``)."""
    for table in (oauth_codes, oauth_tokens, webhooks, crm_user_roles):
        conn.execute(table.delete().where(table.c.portal_id == portal_id, table.c.user_id == user_id))
    # user_id 0 holds an application's own options (app.option.*): no user's, so never a user's to take.
    o = app_options
    if user_id != APP_LEVEL:
        conn.execute(o.delete().where(o.c.portal_id == portal_id, o.c.user_id == user_id))
    h = event_handlers
    conn.execute(h.delete().where(h.c.portal_id == portal_id, h.c.user_id == user_id, h.c.app_id.is_(None)))
    return _deleted(conn, users.delete().where(users.c.portal_id == portal_id, users.c.id == user_id)) > 0


def delete_role(conn: Connection, portal_id: int, role_id: int) -> bool:
    """The role and its assignments: its users fall back to the portal's default role."""
    a = crm_user_roles
    conn.execute(a.delete().where(a.c.portal_id == portal_id, a.c.role_id == role_id))
    return (
        _deleted(
            conn, crm_roles.delete().where(crm_roles.c.portal_id == portal_id, crm_roles.c.id == role_id)
        )
        > 0
    )


def delete_app(conn: Connection, portal_id: int, app_id: int) -> bool:
    for table in _APP_ROWS:
        conn.execute(table.delete().where(table.c.portal_id == portal_id, table.c.app_id == app_id))
    return _deleted(conn, apps.delete().where(apps.c.portal_id == portal_id, apps.c.id == app_id)) > 0


def delete_outgoing_hook(conn: Connection, portal_id: int, handler_id: int) -> bool:
    """An outgoing webhook (a handler without an application; an application's are ``event.unbind``'s)."""
    h = event_handlers
    stmt = h.delete().where(h.c.portal_id == portal_id, h.c.id == handler_id, h.c.app_id.is_(None))
    return _deleted(conn, stmt) > 0
