"""What one CRM family does when another changes, declared in one place: a reaction is called by name
where the change happens, in the changing transaction, never registered by an import's side effect (a
family that was not imported would silently not react)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from b24crm.crm.activity import service as activities
from b24crm.crm.timeline import comments


def item_deleted(conn: Connection, ctx: Any, entity_type_id: int, item_id: int) -> None:
    """A CRM item is being deleted (either API): its activities leave it, going with it when it was
    their only binding, and so do its timeline records (comments, log messages); the notes of what went
    go too. ``ctx`` is the deleting call's context, passed through as it is."""
    activities.on_owner_deleted(conn, ctx, entity_type_id, item_id)
    comments.on_owner_deleted(conn, ctx, (entity_type_id, item_id))
