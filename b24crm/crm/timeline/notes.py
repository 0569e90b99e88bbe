"""crm.timeline.note.save / get / delete: the crm module's ``Controller\\Timeline\\Note``.

Checks, in the vendor's order: the caller may change the owner item (ACCESS_DENIED, for reading the
note too); the entry is bound to that owner (NOT_FOUND): a timeline record (itemType 1) or an activity
(itemType 2); get and delete need a note (NOT_FOUND). One note per entry; save creates it or replaces its
text. Unlike the vendor, which keeps a note for any itemType, only those two types are accepted (any other
answers NOT_FOUND: there is no entry it could belong to).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from b24crm.auth.caller import Caller
from b24crm.crm.activity import access
from b24crm.crm.activity.todo import require_changeable, require_readable
from b24crm.crm.permissions import grants_for
from b24crm.crm.timeline.owners import ACCESS_DENIED, NOT_FOUND
from b24crm.php.dates import iso
from b24crm.store import crm_activities
from b24crm.store import timeline as records
from b24crm.store import timeline_notes as store


def _check(
    conn: Connection, ctx: Caller, item_id: int, item_type: int, owner: tuple[int, int], *, changing: bool
) -> None:
    grants = grants_for(conn, ctx.portal.id, ctx.user)
    if not access.may_item(conn, ctx.portal.id, grants, owner, "edit"):
        raise ACCESS_DENIED()
    activity = None
    if item_type == store.HISTORY:
        bound = records.bindings_of(conn, ctx.portal.id, item_id) if 0 < item_id < 2**31 else []
    elif item_type == store.ACTIVITY:
        found = crm_activities.bindings_of(conn, ctx.portal.id, [item_id]) if 0 < item_id < 2**31 else {}
        bound = found.get(item_id, [])
        activity = crm_activities.get_activity(conn, ctx.portal.id, item_id) if bound else None
    else:
        bound = []
    if owner not in bound:
        raise NOT_FOUND()
    if activity is not None:
        # The activity's own rights too, not only its owner's (DEVELOPERS.md: every entry point).
        (require_changeable if changing else require_readable)(conn, ctx, grants, activity, bound)


def save(ctx: Caller, item_id: int, item_type: int, owner: tuple[int, int], text: str) -> bool:
    with ctx.db.write() as conn:
        _check(conn, ctx, item_id, item_type, owner, changing=True)
        store.save(conn, ctx.portal.id, item_type, item_id, text, ctx.user.id, ctx.clock.now())
    return True


def get(ctx: Caller, item_id: int, item_type: int, owner: tuple[int, int]) -> dict[str, Any]:
    with ctx.db.read() as conn:
        _check(conn, ctx, item_id, item_type, owner, changing=False)
        note = store.find(conn, ctx.portal.id, item_type, item_id)
    if note is None:
        raise NOT_FOUND()
    return {
        "text": note["text"],
        "createdById": note["created_by"],
        "createdTime": iso(note["created"], ctx.portal.tz),
        "updatedById": note["updated_by"],
        "updatedTime": iso(note["updated"], ctx.portal.tz),
    }


def delete(ctx: Caller, item_id: int, item_type: int, owner: tuple[int, int]) -> bool:
    with ctx.db.write() as conn:
        _check(conn, ctx, item_id, item_type, owner, changing=True)
        if not store.delete(conn, ctx.portal.id, item_type, item_id):
            raise NOT_FOUND()
    return True
