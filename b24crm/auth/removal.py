"""Deleting a portal's users, roles, applications and outgoing webhooks, each with what hangs off it
(store/removal.py), for the command line and the admin API. Each answers False when there was no such
object. The callers drop their own process's credential caches; the other processes learn of the change by
the credential generation the deletion bumps."""

from __future__ import annotations

from typing import Any

from b24crm.store import removal
from b24crm.store.engine import Database


def delete_user(db: Database, portal_id: int, user_id: int) -> bool:
    with db.write() as conn:
        return removal.delete_user(conn, portal_id, user_id)


def delete_role(db: Database, portal_id: int, role_id: int) -> bool:
    with db.write() as conn:
        return removal.delete_role(conn, portal_id, role_id)


def delete_outgoing_hook(db: Database, portal_id: int, handler_id: int) -> bool:
    with db.write() as conn:
        return removal.delete_outgoing_hook(conn, portal_id, handler_id)


def delete_app(db: Database, apps: Any, portal_id: int, app_id: int) -> bool:
    """An installed application is uninstalled first (``apps``: the Apps service), so its handlers get
    ONAPPUNINSTALL as the vendor sends it; then it goes with everything it registered."""
    try:
        if apps.get(portal_id, app_id).active:
            apps.uninstall(portal_id, app_id, clean=True)
    except LookupError:
        return False
    with db.write() as conn:
        return removal.delete_app(conn, portal_id, app_id)
