"""Universal activities (crm.activity.todo.*): activities of the ``CRM_TODO`` provider, made and changed
through the vendor's D7 controller (``Crm\\Controller\\Activity\\ToDo``; reference: core.md §3).

A todo is stored like every activity: TYPE_ID 6, SUBJECT from the title, DESCRIPTION in BBCode,
START_TIME = END_TIME = DEADLINE = the deadline, the colour in ``SETTINGS.COLOR``, the ping offsets kept,
so crm.activity.get and list show it exactly so.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm.activity import access, answers, pings
from b24crm.crm.activity.access import check_app_owned, visible
from b24crm.crm.activity.input import clip
from b24crm.crm.activity.kinds import PROVIDER
from b24crm.crm.activity.owners import mark_last_activity, set_bindings
from b24crm.crm.permissions import Grants, grants_for
from b24crm.crm.values import InvalidValue, parse_datetime
from b24crm.events import catalogue as event_names
from b24crm.events import outbox
from b24crm.php.values import php_int
from b24crm.store import crm_activities, crm_items
from b24crm.store.crm_activities import Binding

PROVIDER_ID, PROVIDER_TYPE_ID = "CRM_TODO", "TODO"
BBCODE = 2
COLORS = ("default", "1", "2", "3", "4", "5", "6", "7")
MAX_PING_MINUTES = 10 * 366 * 24 * 60

NOT_FOUND = errors.ErrorSpec("NOT_FOUND", "Item was not found.")
OWNER_NOT_FOUND = errors.D7.OWNER_NOT_FOUND
ACCESS_DENIED = errors.D7.ACCESS_DENIED
WRONG_DATETIME_FORMAT = errors.ErrorSpec("WRONG_DATETIME_FORMAT", "Incorrect date format.")
COMPLETED = errors.ErrorSpec("CAN_NOT_UPDATE_COMPLETED_TODO", "Cannot edit completed activity.")
COLOR_COMPLETED = errors.ErrorSpec(
    "CAN_NOT_UPDATE_COLOR_COMPLETED_TODO", "Cannot change the color because the activity is completed."
)
WRONG_COLOR = errors.ErrorSpec("CAN_NOT_UPDATE_WRONG_COLOR_TODO", "Invalid color value")
RESPONSIBLE_COMPLETED = errors.ErrorSpec(
    "CAN_NOT_UPDATE_RESPONSIBLE_USER_COMPLETED_TODO",
    "Cannot change responsible person because the activity is completed.",
)
RESPONSIBLE_INVALID = errors.ErrorSpec(
    "INVALID_ARG_VALUE", 'Parameter "responsibleId" must be greater than 0'
)
PARENT_COMPLETED = errors.ErrorSpec(
    "ERROR_PARENT_ACTIVITY_RESTRICT", "Cannot plan a child activity for a completed activity."
)


def require_readable(
    conn: Connection, ctx: Caller, grants: Grants, row: dict[str, Any], bindings: list[Binding]
) -> None:
    """An activity the caller cannot see answers as one that does not exist (crm.activity.get's rule, in
    the D7 controllers' words), so that no later check tells them it is there."""
    if not access.may_read(conn, ctx.portal.id, grants, row, bindings):
        raise NOT_FOUND()


def require_changeable(
    conn: Connection, ctx: Caller, grants: Grants, row: dict[str, Any], bindings: list[Binding]
) -> None:
    """What crm.activity.update asks before it changes an activity, asked by every other door that changes
    one: the caller sees it, may edit its owner, and, for a REST_APP activity, calls as its application
    (update's own errors). The vendor's D7 controllers check only the items named in the call, which lets
    a user with rights on one item take over any activity by binding it there."""
    require_readable(conn, ctx, grants, row, bindings)
    if not access.may_edit(conn, ctx.portal.id, grants, row):
        raise ACCESS_DENIED()
    check_app_owned(ctx, row)


def parse_deadline(value: str, tz: Any) -> float:
    """``Controller\\Base::prepareDatetime``: ISO 8601 with or without an offset (none: the portal's zone)."""
    try:
        return parse_datetime(value, tz)
    except (InvalidValue, ValueError, OverflowError):
        raise WRONG_DATETIME_FORMAT() from None


def check_new_owner(conn: Connection, ctx: Caller, grants: Grants, owner: Binding) -> None:
    owner_type_id, owner_id = owner
    if owner_id <= 0 or not access.owner_type_known(conn, ctx.portal.id, owner_type_id):
        raise NOT_FOUND()  # ItemIdentifier::createFromArray refuses it
    if crm_items.get_item(conn, ctx.portal.id, owner_type_id, owner_id) is None:
        raise OWNER_NOT_FOUND()
    if not access.may_item(conn, ctx.portal.id, grants, owner, "edit"):
        raise ACCESS_DENIED()


def ping_offsets(value: Any) -> list[int]:
    """``PingSettingsProvider::filterOffsets``: numbers >= 0, unique, in order."""
    entries = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    kept: list[int] = []
    for entry in entries:
        if isinstance(entry, bool) or not isinstance(entry, (int, float, str)):
            continue
        try:
            number = float(entry)
        except ValueError:
            continue
        # At most ten years before the deadline: a reminder further out is no reminder (and no int4).
        if 0 <= number <= MAX_PING_MINUTES and int(number) not in kept:
            kept.append(int(number))
    return kept


def _settings_with_color(settings: Any, color: str | None) -> Any:
    current = dict(settings) if isinstance(settings, dict) else {}
    if color is not None and str(color) in COLORS:
        current["COLOR"] = str(color)
    return current or None


def _parent(conn: Connection, ctx: Caller, grants: Grants, parent_id: int | None) -> dict[str, Any] | None:
    """The parent todo, or None when there is none or the caller may not read it: the vendor reads it
    with ``CCrmActivity::GetByID``'s permission check and ignores what that does not find."""
    if not parent_id or parent_id <= 0:
        return None
    try:
        return visible(conn, ctx, grants, parent_id)
    except errors.ApiError:
        return None


def _completable(conn: Connection, ctx: Caller, grants: Grants, parent: dict[str, Any]) -> list[Binding]:
    """The parent's bindings, once it is sure the caller may complete it: planning a child completes the
    parent, a change like any other (the vendor completes it without asking)."""
    bindings = crm_activities.bindings_of(conn, ctx.portal.id, [parent["id"]])[parent["id"]]
    require_changeable(conn, ctx, grants, parent, bindings)
    return bindings


def _complete(conn: Connection, ctx: Caller, row: dict[str, Any], now: float) -> None:
    if row["completed"] != "Y":
        crm_activities.update_activity(
            conn,
            ctx.portal.id,
            row["id"],
            {"completed": "Y", "status": 2, "last_updated": now, "editor_id": ctx.user.id},
        )
        pings.cancel(conn, ctx.portal.id, row["id"])
        outbox.emit_entity(conn, ctx.portal.id, event_names.ACTIVITY_UPDATE, row["id"], now, ctx.origin)
        answers.keep(conn, ctx.portal, row["id"])


def add(ctx: Caller, args: dict[str, Any]) -> dict[str, int]:
    tz = ctx.portal.tz
    now = ctx.clock.now()
    owner = (args["ownerTypeId"], args["ownerId"])
    with ctx.db.write() as conn:
        grants = grants_for(conn, ctx.portal.id, ctx.user)
        # Prepared before the rights are checked, as the vendor's.
        deadline = parse_deadline(args["deadline"], tz)
        check_new_owner(conn, ctx, grants, owner)
        parent = _parent(conn, ctx, grants, args["parentActivityId"])
        if parent is not None and parent["completed"] == "Y":
            raise PARENT_COMPLETED()
        bindings: list[Binding] = [owner]
        associated = 0
        if parent is not None:
            parent_bindings = _completable(conn, ctx, grants, parent)
            # The child lands on every item the parent is bound to: each must be the caller's to edit, as
            # crm.activity.add and crm.activity.binding.add require of every item they bind.
            for binding in parent_bindings:
                if not access.may_item(conn, ctx.portal.id, grants, binding, "edit"):
                    raise ACCESS_DENIED()
            bindings = parent_bindings or bindings
            associated = parent["id"] if owner in parent_bindings else 0
        responsible = args["responsibleId"] or ctx.user.id
        offsets = ping_offsets(args["pingOffsets"])
        record = {
            "owner_type_id": owner[0],
            "owner_id": owner[1],
            "type_id": PROVIDER,
            "provider_id": PROVIDER_ID,
            "provider_type_id": PROVIDER_TYPE_ID,
            "associated_entity_id": associated,
            "subject": clip("subject", args["title"]),
            "description": args["description"],
            "description_type": BBCODE,
            "start_time": deadline,
            "end_time": deadline,
            "deadline": deadline,
            "completed": "N",
            "status": 1,
            "responsible_id": responsible,
            "priority": 1,
            "direction": 0,
            "settings": _settings_with_color(None, args["colorId"]),
            "author_id": ctx.user.id,
            "editor_id": ctx.user.id,
            "created": now,
            "last_updated": now,
            "parent_id": parent["id"] if parent is not None else 0,
            "ping_offsets": offsets,
        }
        activity_id = crm_activities.insert_activity(conn, ctx.portal.id, record)
        set_bindings(conn, ctx.portal.id, activity_id, bindings)
        mark_last_activity(conn, ctx, bindings, now)
        pings.schedule(conn, ctx.portal.id, activity_id, responsible, deadline, offsets)
        outbox.emit_entity(conn, ctx.portal.id, event_names.ACTIVITY_ADD, activity_id, now, ctx.origin)
        answers.keep(conn, ctx.portal, activity_id)
        if parent is not None:
            _complete(conn, ctx, parent, now)
    return {"id": activity_id}


def load(conn: Connection, ctx: Caller, owner_type_id: int, owner_id: int, todo_id: Any) -> dict[str, Any]:
    """``loadEntity``: the todo with that id bound to that owner, or the vendor's errors."""
    if not access.owner_type_known(conn, ctx.portal.id, owner_type_id):
        raise errors.D7.OWNER_TYPE_INVALID()
    if owner_id <= 0:
        raise errors.D7.OWNER_ID_INVALID()
    todo_id = php_int(todo_id)
    row = crm_activities.get_activity(conn, ctx.portal.id, todo_id) if todo_id > 0 else None
    if row is None or row["provider_id"] != PROVIDER_ID:
        raise NOT_FOUND()
    if (owner_type_id, owner_id) not in crm_activities.bindings_of(conn, ctx.portal.id, [todo_id])[todo_id]:
        raise NOT_FOUND()
    return row


def _editable(conn: Connection, ctx: Caller, row: dict[str, Any], owner: Binding) -> Grants:
    """The caller's grants, when the todo is theirs to change and they may edit the item named in the call.
    The vendor asks only the latter, so rights on any item the todo is bound to would do."""
    grants = grants_for(conn, ctx.portal.id, ctx.user)
    require_changeable(
        conn, ctx, grants, row, crm_activities.bindings_of(conn, ctx.portal.id, [row["id"]])[row["id"]]
    )
    if not access.may_item(conn, ctx.portal.id, grants, owner, "edit"):
        raise ACCESS_DENIED()
    return grants


def save_change(
    conn: Connection, ctx: Caller, row: dict[str, Any], changes: dict[str, Any], now: float
) -> dict[str, int]:
    changes.update(last_updated=now, editor_id=ctx.user.id)
    crm_activities.update_activity(conn, ctx.portal.id, row["id"], changes)
    merged = {**row, **changes}
    if {"deadline", "ping_offsets", "responsible_id"} & set(changes):
        pings.schedule(
            conn,
            ctx.portal.id,
            row["id"],
            merged["responsible_id"],
            merged["deadline"],
            merged["ping_offsets"] or [],
        )
    outbox.emit_entity(conn, ctx.portal.id, event_names.ACTIVITY_UPDATE, row["id"], now, ctx.origin)
    answers.keep(conn, ctx.portal, row["id"])
    return {"id": row["id"]}


def update(ctx: Caller, args: dict[str, Any]) -> dict[str, int]:
    tz = ctx.portal.tz
    now = ctx.clock.now()
    owner = (args["ownerTypeId"], args["ownerId"])
    with ctx.db.write() as conn:
        row = load(conn, ctx, *owner, args["id"])
        grants = _editable(conn, ctx, row, owner)
        if row["completed"] == "Y":
            raise COMPLETED()
        deadline = parse_deadline(args["deadline"], tz)
        parent = _parent(conn, ctx, grants, args["parentActivityId"])
        if parent is not None and parent["completed"] == "Y" and parent["id"] != row["parent_id"]:
            raise PARENT_COMPLETED()
        if parent is not None and parent["id"] != row["id"] and parent["completed"] != "Y":
            _completable(conn, ctx, grants, parent)
        changes: dict[str, Any] = {
            "subject": clip("subject", args["title"]),
            "description": args["description"],
            "start_time": deadline,
            "end_time": deadline,
            "deadline": deadline,
            "ping_offsets": ping_offsets(args["pingOffsets"]),
            "settings": _settings_with_color(row["settings"], args["colorId"]),
        }
        if args["responsibleId"]:
            changes["responsible_id"] = args["responsibleId"]
        if parent is not None and parent["id"] != row["id"]:
            changes["parent_id"] = parent["id"]
        result = save_change(conn, ctx, row, changes, now)
        if parent is not None and parent["id"] != row["id"]:
            _complete(conn, ctx, parent, now)
        return result


def _update_one(ctx: Caller, args: dict[str, Any], change: Any) -> dict[str, int]:
    now = ctx.clock.now()
    owner = (args["ownerTypeId"], args["ownerId"])
    with ctx.db.write() as conn:
        row = load(conn, ctx, *owner, args["id"])
        _editable(conn, ctx, row, owner)
        return save_change(conn, ctx, row, change(row), now)


def update_deadline(ctx: Caller, args: dict[str, Any]) -> dict[str, int]:
    def change(row: dict[str, Any]) -> dict[str, Any]:
        deadline = parse_deadline(args["value"], ctx.portal.tz)
        if row["completed"] == "Y":  # BaseActivity::save refuses a completed todo
            raise COMPLETED()
        return {"start_time": deadline, "end_time": deadline, "deadline": deadline}

    return _update_one(ctx, args, change)


def update_description(ctx: Caller, args: dict[str, Any]) -> dict[str, int]:
    def change(row: dict[str, Any]) -> dict[str, Any]:
        if row["completed"] == "Y":
            raise COMPLETED()
        return {"description": args["value"]}

    return _update_one(ctx, args, change)


def update_color(ctx: Caller, args: dict[str, Any]) -> dict[str, int]:
    def change(row: dict[str, Any]) -> dict[str, Any]:
        if row["completed"] == "Y":
            raise COLOR_COMPLETED()
        if str(args["colorId"]) not in COLORS:
            raise WRONG_COLOR()
        return {"settings": _settings_with_color(row["settings"], args["colorId"])}

    return _update_one(ctx, args, change)


def update_responsible(ctx: Caller, args: dict[str, Any]) -> dict[str, int]:
    def change(row: dict[str, Any]) -> dict[str, Any]:
        if row["completed"] == "Y":
            raise RESPONSIBLE_COMPLETED()
        if args["responsibleId"] <= 0:
            raise RESPONSIBLE_INVALID()
        return {"responsible_id": args["responsibleId"]}

    return _update_one(ctx, args, change)
