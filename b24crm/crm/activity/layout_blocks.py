"""crm.activity.layout.blocks.*: an application's additional content blocks on an activity (the vendor's
``Controller\\Activity\\Layout\\Blocks``; reference: crm.md §8, docs:
api-reference/crm/timeline/activities/layout-blocks/).

Application context only. The call names the item the activity is shown on; the vendor's checks, all run
and the first error answered: the item is a valid owner (OWNER_NOT_FOUND), the activity exists
(NOT_FOUND), it is bound to the item (OWNER_NOT_FOUND), the caller may read the item and, to set or delete,
update it (ACCESS_DENIED). Besides those, the activity itself must be the caller's to read, or to change
(``todo.require_readable`` / ``require_changeable``), as at every other door to an activity.

Each application has at most one set per activity, replaced whole by ``set``; ``get`` answers the
caller's own set, ``{"layout": null}`` when it has none (the vendor's repository returns no DTO). Blocks go
only on activities the vendor draws with its configurable timeline item (``TIMELINE_ITEM_PROVIDERS``),
never on configurable activities, whose whole layout is the application's already.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm.activity import access, kinds
from b24crm.crm.activity.todo import NOT_FOUND, require_changeable, require_readable
from b24crm.crm.layout import validate_app_blocks
from b24crm.crm.permissions import Grants, grants_for
from b24crm.store import crm_activities
from b24crm.store import layout_blocks as store

# The Blocks controller's CheckRestApplicationContext filter answers with Configurable's error.
WRONG_CONTEXT = errors.D7.WRONG_CONTEXT
UNSUITABLE = errors.ErrorSpec(
    "UNSUITABLE_ACTIVITY_TYPE_ERROR", "This activity type is not supported for adding layout blocks"
)

# The providers of TYPE_ID 6 (PROVIDER) whose activities the vendor's timeline draws as configurable
# items (``Timeline\\Item\\Factory\\ConfigurableActivity``); e-mails and calls are drawn so whatever their
# provider. Everything else (meetings, tasks, REST_APP, web forms, requests, ...) is drawn by the
# deprecated compatible item and takes no blocks.
TIMELINE_ITEM_PROVIDERS = frozenset(
    {
        "IMOPENLINES_SESSION",
        "CRM_DOCUMENT",
        "CRM_SIGN_DOCUMENT",
        "CRM_SIGN_B2E_DOCUMENT",
        "CRM_TODO",
        "STORE_DOCUMENT",
        "CRM_PAYMENT",
        "CRM_DELIVERY",
        "CRM_SMS",
        "CRM_WHATSAPP",
        "CRM_NOTIFICATION",
        "CRM_CALENDAR_SHARING",
        "TASKS_TASK",
        "TASKS_TASK_COMMENT",
        "CRM_VISIT",
        "CRM_BOOKING",
        "CRM_ZOOM",
        "ZOOM",
        "CRM_BIZPROC_WORKFLOW",
        "CRM_BIZPROC_COMMENT",
        "CRM_BIZPROC_TASK",
    }
)
CONFIGURABLE = "CONFIGURABLE_REST_APP"


def _app_id(ctx: Caller) -> int:
    # The controller's pre-filter: an OAuth application's token, nothing else.
    if ctx.app is None:
        raise WRONG_CONTEXT()
    return int(ctx.app.id)


def takes_blocks(row: dict[str, Any]) -> bool:
    """Whether the activity may carry applications' additional content blocks."""
    provider = str(row["provider_id"] or "").upper()
    if provider == CONFIGURABLE:
        return False
    if row["type_id"] in (kinds.EMAIL, kinds.CALL):
        return True
    return row["type_id"] == kinds.PROVIDER and provider in TIMELINE_ITEM_PROVIDERS


def _checked(
    conn: Connection, ctx: Caller, entity_type_id: int, entity_id: int, activity_id: int, *, changing: bool
) -> dict[str, Any]:
    """The activity's row once every check passed, in the vendor's order (the first failure answers)."""
    portal_id = ctx.portal.id
    if entity_id <= 0 or not access.owner_type_known(conn, portal_id, entity_type_id):
        raise errors.D7.OWNER_NOT_FOUND()
    row = crm_activities.get_activity(conn, portal_id, activity_id) if activity_id > 0 else None
    if row is None:
        raise NOT_FOUND()
    grants: Grants = grants_for(conn, portal_id, ctx.user)
    bindings = crm_activities.bindings_of(conn, portal_id, [activity_id])[activity_id]
    if changing:
        require_changeable(conn, ctx, grants, row, bindings)
    else:
        require_readable(conn, ctx, grants, row, bindings)
    item = (entity_type_id, entity_id)
    if item not in bindings:
        raise errors.D7.OWNER_NOT_FOUND()
    if not access.may_item(conn, portal_id, grants, item, "read"):
        raise errors.D7.ACCESS_DENIED()
    if changing and not access.may_item(conn, portal_id, grants, item, "edit"):
        raise errors.D7.ACCESS_DENIED()
    return row


def get(ctx: Caller, entity_type_id: int, entity_id: int, activity_id: int) -> dict[str, Any]:
    app_id = _app_id(ctx)
    with ctx.db.read() as conn:
        _checked(conn, ctx, entity_type_id, entity_id, activity_id, changing=False)
        return {"layout": store.find(conn, ctx.portal.id, store.ACTIVITY, activity_id, app_id)}


def set_(ctx: Caller, entity_type_id: int, entity_id: int, activity_id: int, layout: Any) -> dict[str, bool]:
    app_id = _app_id(ctx)
    with ctx.db.write() as conn:
        row = _checked(conn, ctx, entity_type_id, entity_id, activity_id, changing=True)
        if not takes_blocks(row):
            raise UNSUITABLE()
        checked = validate_app_blocks(layout)
        if not checked.ok:
            raise checked.api_error()
        store.put(conn, ctx.portal.id, store.ACTIVITY, activity_id, app_id, checked.value, ctx.clock.now())
    return {"success": True}


def delete(ctx: Caller, entity_type_id: int, entity_id: int, activity_id: int) -> dict[str, bool]:
    app_id = _app_id(ctx)
    with ctx.db.write() as conn:
        _checked(conn, ctx, entity_type_id, entity_id, activity_id, changing=True)
        if not store.delete(conn, ctx.portal.id, store.ACTIVITY, activity_id, app_id):
            raise NOT_FOUND()
    return {"success": True}
