"""Who may see and change an activity: its responsible user, and whoever may read (or edit) the CRM items
it is bound to (``CCrmActivity::BuildPermSql``, ``CheckUpdatePermission``). Administrators may everything.
An application's own activities (``REST_APP``) are changed by that application only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm import entity_types as et
from b24crm.crm.permissions import ALL, OWN, Grants, grants_for
from b24crm.store import crm_activities as activities_repo
from b24crm.store import crm_items, crm_types
from b24crm.store.crm_activities import Binding
from b24crm.store.tables import crm_activities, crm_activity_bindings
from b24crm.store.tables import crm_items as items_table

# The legacy proxy's errors: empty code, HTTP 400 (docs: crm-activity-add.md "Possible error codes").
NOT_FOUND = errors.ErrorSpec("", "Activity is not found.")
ACCESS_DENIED = errors.Legacy.ACCESS_DENIED
# Changing or deleting an app's activity outside app context: the text docs:
# crm/timeline/activities/app-embedding/activity-app.md gives, an AccessException's code and status.
APP_CONTEXT_DENIED = errors.ErrorSpec("ACCESS_DENIED", "Access denied! Application context required", 403)


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
    # An alias: the list may join the bindings itself (a BINDINGS filter), and the subqueries must not
    # correlate to that join, only to the activity.
    b = crm_activity_bindings.alias("readable_binding")
    bound = sa.and_(b.c.portal_id == crm_activities.c.portal_id, b.c.activity_id == crm_activities.c.id)
    readable: list[sa.ColumnElement[bool]] = [crm_activities.c.responsible_id == grants.user_id]
    everything = [t for t, level in levels.items() if level == ALL]
    if everything:
        readable.append(sa.exists().where(bound, b.c.owner_type_id.in_(everything)).correlate(crm_activities))
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


def crm_grants(conn: Connection, ctx: Caller) -> Grants:
    """The caller's grants; the legacy proxy's ACCESS_DENIED when they can read nothing in the CRM."""
    grants = grants_for(conn, ctx.portal.id, ctx.user)
    if not reads_anything(conn, ctx.portal.id, grants):
        raise ACCESS_DENIED()
    return grants


def check_crm_access(ctx: Caller) -> None:
    with ctx.db.read() as conn:
        crm_grants(conn, ctx)


def visible(conn: Connection, ctx: Caller, grants: Grants, activity_id: int) -> dict[str, Any]:
    """The activity's row when the caller may read it; one they may not answers as a missing one."""
    row = activities_repo.get_activity(conn, ctx.portal.id, activity_id)
    if row is None:
        raise NOT_FOUND()
    if not grants.admin and row["responsible_id"] != ctx.user.id:
        bindings = activities_repo.bindings_of(conn, ctx.portal.id, [activity_id])[activity_id]
        if not may_read(conn, ctx.portal.id, grants, row, bindings):
            raise NOT_FOUND()
    return row


def app_id(ctx: Caller) -> int | None:
    """The calling application's ID; None outside application context."""
    app = ctx.app
    return None if app is None else int(getattr(app, "id", 0) or 0)


def check_app_owned(ctx: Caller, row: dict[str, Any]) -> None:
    """A ``REST_APP`` activity is changed only in the context of the application it belongs to."""
    if row["provider_id"].upper() == "REST_APP":
        calling = app_id(ctx)
        if calling is None:
            raise APP_CONTEXT_DENIED()
        if row["associated_entity_id"] != calling:
            raise ACCESS_DENIED()
