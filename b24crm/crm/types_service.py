"""Smart processes as other CRM services see them."""

from __future__ import annotations

from b24crm.crm.entity_types import OwnerType, dynamic_owner_type
from b24crm.rpc.context import CallContext
from b24crm.store import crm_types


def dynamic_owner_types(ctx: CallContext) -> list[OwnerType]:
    with ctx.db.read() as conn:
        rows = crm_types.list_types(conn, ctx.portal.id)
    return [dynamic_owner_type(r["entity_type_id"], r["title"]) for r in rows]
