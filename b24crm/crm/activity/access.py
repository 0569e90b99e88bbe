"""Who may see and change an activity: its responsible user, and whoever may read (or edit) the CRM items
it is bound to (``CCrmActivity::BuildPermSql``, ``CheckUpdatePermission``). Administrators may everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.crm import entity_types as et
from b24crm.crm.permissions import ALL, OWN, Grants
from b24crm.store import crm_items, crm_types
from b24crm.store.crm_activities import Binding
from b24crm.store.tables import crm_activities, crm_activity_bindings
from b24crm.store.tables import crm_items as items_table


def owner_types(conn: Connection, portal_id: int) -> list[int]:
    """Every entity type an activity can be bound to on this portal."""
    return [*et.ITEM_TYPES, *(t["entity_type_id"] for t in crm_types.list_types(conn, portal_id))]


def owner_type_known(conn: Connection, portal_id: int, entity_type_id: int) -> bool:
    """A type an activity can belong to: a fixed CRM item type or one of the portal's smart processes."""
    if entity_type_id in et.ITEM_TYPES:
        return True
    return et.is_dynamic_range(entity_type_id) and (
        crm_types.type_by_entity_type(conn, portal_id, entity_type_id) is not None
    )


def reads_anything(conn: Connection, portal_id: int, grants: Grants) -> bool:
    """The vendor refuses every crm.* legacy call to a user who can read no CRM item at all."""
    if grants.admin:
        return True
    return any(grants.may_at_all(t, "read") for t in owner_types(conn, portal_id))


def may_item(conn: Connection, portal_id: int, grants: Grants, binding: Binding, action: str) -> bool:
    if grants.admin:
        return True
    owner_type_id, owner_id = binding
    level = grants.level(owner_type_id, action)
    if level == ALL:
        return True
    if level != OWN:
        return False
    item = crm_items.get_item(conn, portal_id, owner_type_id, owner_id)
    return item is not None and item["assigned_by_id"] == grants.user_id


def may_read(
    conn: Connection, portal_id: int, grants: Grants, row: dict[str, Any], bindings: Sequence[Binding]
) -> bool:
    if grants.admin or row["responsible_id"] == grants.user_id:
        return True
    return any(may_item(conn, portal_id, grants, b, "read") for b in bindings)


def may_edit(conn: Connection, portal_id: int, grants: Grants, row: dict[str, Any]) -> bool:
    """Editing (and deleting) an activity needs edit rights on its owner."""
    if grants.admin:
        return True
    return may_item(conn, portal_id, grants, (row["owner_type_id"], row["owner_id"]), "edit")


def readable_condition(conn: Connection, portal_id: int, grants: Grants) -> sa.ColumnElement[bool] | None:
    """The activities of a list the user may read; None for all of them."""
    if grants.admin:
        return None
    levels = {t: grants.level(t, "read") for t in owner_types(conn, portal_id)}
    if all(level == ALL for level in levels.values()):
        return None
    b = crm_activity_bindings
    bound = sa.and_(b.c.portal_id == crm_activities.c.portal_id, b.c.activity_id == crm_activities.c.id)
    readable: list[sa.ColumnElement[bool]] = [crm_activities.c.responsible_id == grants.user_id]
    everything = [t for t, level in levels.items() if level == ALL]
    if everything:
        readable.append(sa.exists().where(bound, b.c.owner_type_id.in_(everything)))
    own = [t for t, level in levels.items() if level == OWN]
    if own:
        mine = (
            sa.select(1)
            .select_from(
                b.join(
                    items_table,
                    sa.and_(
                        items_table.c.portal_id == b.c.portal_id,
                        items_table.c.entity_type_id == b.c.owner_type_id,
                        items_table.c.id == b.c.owner_id,
                    ),
                )
            )
            .where(bound, b.c.owner_type_id.in_(own), items_table.c.assigned_by_id == grants.user_id)
            .correlate(crm_activities)
        )
        readable.append(sa.exists(mine))
    return sa.or_(*readable)
