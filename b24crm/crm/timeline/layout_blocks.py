"""crm.timeline.layout.blocks.*: an application's additional content blocks on a timeline record (the
vendor's ``Controller\\Timeline\\Layout\\Blocks``; reference: crm.md §8, docs:
api-reference/crm/timeline/layout-blocks/). The activity variant is ``crm/activity/layout_blocks.py``; both
keep their sets in ``store/layout_blocks.py`` and check them with the same RestAppLayoutDto validator.

Application context only (ERROR_WRONG_CONTEXT). Checks, in the vendor's order, the first failure
answering: the item is a valid owner (OWNER_NOT_FOUND); the record is bound to it (NOT_FOUND); for set,
the record is one the timeline draws as a configurable item other than an activity or a log message
(UNAVAILABLE_TIMELINE_ITEM: of the records kept here, comments only); the caller may read the item (get)
or update it (set, delete) (ACCESS_DENIED). delete answers NOT_FOUND when the application has no set there.
A record's sets go with it (``store/timeline.py`` ``delete_record``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm.activity import access
from b24crm.crm.layout import validate_app_blocks
from b24crm.crm.permissions import grants_for
from b24crm.crm.timeline.owners import ACCESS_DENIED, NOT_FOUND, OWNER_NOT_FOUND
from b24crm.store import layout_blocks as store
from b24crm.store import timeline as records

UNAVAILABLE = errors.ErrorSpec(
    "UNAVAILABLE_TIMELINE_ITEM", "Timeline item does not suitable for add content blocks"
)


def _app_id(ctx: Caller) -> int:
    if ctx.app is None:
        raise errors.D7.WRONG_CONTEXT()
    return int(ctx.app.id)


def _checked(
    conn: Connection,
    ctx: Caller,
    owner: tuple[int, int],
    record_id: int,
    action: str,
    *,
    setting: bool = False,
) -> None:
    portal_id = ctx.portal.id
    if owner[1] <= 0 or not access.owner_type_known(conn, portal_id, owner[0]):
        raise OWNER_NOT_FOUND()
    bound = records.bindings_of(conn, portal_id, record_id) if 0 < record_id < 2**31 else []
    if owner not in bound:
        raise NOT_FOUND()
    if setting:
        row = records.get_record(conn, portal_id, record_id)
        if row is None or row["type_id"] != records.COMMENT:
            raise UNAVAILABLE()
    if not access.may_item(conn, portal_id, grants_for(conn, portal_id, ctx.user), owner, action):
        raise ACCESS_DENIED()


def get(ctx: Caller, owner: tuple[int, int], record_id: int) -> dict[str, Any]:
    app_id = _app_id(ctx)
    with ctx.db.read() as conn:
        _checked(conn, ctx, owner, record_id, "read")
        return {"layout": store.find(conn, ctx.portal.id, store.TIMELINE_RECORD, record_id, app_id)}


def set_(ctx: Caller, owner: tuple[int, int], record_id: int, layout: Any) -> dict[str, bool]:
    app_id = _app_id(ctx)
    with ctx.db.write() as conn:
        _checked(conn, ctx, owner, record_id, "edit", setting=True)
        checked = validate_app_blocks(layout)
        if not checked.ok:
            raise checked.api_error()
        store.put(
            conn, ctx.portal.id, store.TIMELINE_RECORD, record_id, app_id, checked.value, ctx.clock.now()
        )
    return {"success": True}


def delete(ctx: Caller, owner: tuple[int, int], record_id: int) -> dict[str, bool]:
    app_id = _app_id(ctx)
    with ctx.db.write() as conn:
        _checked(conn, ctx, owner, record_id, "edit")
        if not store.delete(conn, ctx.portal.id, store.TIMELINE_RECORD, record_id, app_id):
            raise NOT_FOUND()
    return {"success": True}
