"""Configurable activities (crm.activity.configurable.add / update / get): an application's own timeline
entries, drawn from the layout it gives (the vendor's ``Controller\\Activity\\Configurable`` and
``Activity\\Entity\\ConfigurableRestApp``; reference: crm.md §4).

Stored as every activity is, where the vendor keeps each part: PROVIDER_ID ``CONFIGURABLE_REST_APP``,
PROVIDER_TYPE_ID the ``typeId``, SUBJECT the header's title, the normalized layout as JSON in PROVIDER_DATA,
the creating application's client id and the badge code in PROVIDER_PARAMS (``clientId``, ``badgeCode``).
The UI lock a clicked action sets (``configurable_actions.py``) is kept in ``ui_lock`` and released by
every update. Writes go through the activity layer: the ONCRMACTIVITYADD / UPDATE events, the stored
answer and the ping reminders in the changing transaction, as for todos.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.engine import Connection

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm import timeline_icons
from b24crm.crm.activity import access, answers, configurable_fields, pings
from b24crm.crm.activity.configurable_fields import DEFAULT_TYPE, given, literal
from b24crm.crm.activity.input import clip
from b24crm.crm.activity.kinds import PROVIDER
from b24crm.crm.activity.owners import mark_last_activity, set_bindings
from b24crm.crm.activity.todo import (
    MAX_PING_MINUTES,
    NOT_FOUND,
    check_new_owner,
    parse_deadline,
    require_readable,
    save_change,
)
from b24crm.crm.layout import validate_layout
from b24crm.crm.permissions import grants_for
from b24crm.events import catalogue as event_names
from b24crm.events import outbox
from b24crm.php.dates import iso
from b24crm.php.values import php_int, php_str
from b24crm.store import crm_activities
from b24crm.store.sql import fit
from b24crm.store.tables import crm_activities as activities_table

PROVIDER_ID = "CONFIGURABLE_REST_APP"
PLAIN_TEXT = 1

# crm/lang/en/lib/controller/activity/configurable.php
WRONG_CONTEXT = errors.D7.WRONG_CONTEXT
WRONG_APPLICATION = errors.ErrorSpec(
    "ERROR_WRONG_APPLICATION", "Activity can only be updated by the app that created it."
)
# The vendor's text (CRM_ACT_ENT_CONF_CANT_CHANGE_PROVIDER_TYPE_ID) is not published; this one is ours.
CANT_CHANGE_TYPE = errors.ErrorSpec("CANT_CHANGE_PROVIDER_TYPE_ID", "The activity type cannot be changed.")


def _fields_of(value: Any) -> dict[str, Any]:
    # A JSON list is an array to PHP, but ``$fields['completed']`` finds nothing in it.
    return value if isinstance(value, dict) else {}


def load(conn: Connection, ctx: Caller, activity_id: int) -> dict[str, Any]:
    """``ConfigurableRestApp::load``: the caller's readable configurable activity, else NOT_FOUND."""
    row = crm_activities.get_activity(conn, ctx.portal.id, activity_id) if activity_id > 0 else None
    if row is None or row["provider_id"] != PROVIDER_ID:
        raise NOT_FOUND()
    bindings = crm_activities.bindings_of(conn, ctx.portal.id, [activity_id])[activity_id]
    require_readable(conn, ctx, grants_for(conn, ctx.portal.id, ctx.user), row, bindings)
    return row


def provider_params(row: dict[str, Any]) -> dict[str, Any]:
    params = row.get("provider_params")
    return params if isinstance(params, dict) else {}


def stored_layout(row: dict[str, Any]) -> Any:
    try:
        return json.loads(row["provider_data"] or "{}")
    except ValueError:
        return {}


def _check(
    ctx: Caller, fields: dict[str, Any], layout: Any, row: dict[str, Any] | None
) -> tuple[Any, float | None]:
    """``saveActivity``'s checks, every problem collected and the first one raised: the context, the
    creating application, the fields, the layout, then the deadline's format. Returns the normalized layout
    (None: keep the stored one) and the deadline (None: none given)."""
    found: list[errors.ApiError] = []
    if ctx.app is None:
        found.append(WRONG_CONTEXT())
    elif row is not None and provider_params(row).get("clientId") != ctx.app.client_id:
        found.append(WRONG_APPLICATION())
    found += configurable_fields.problems(ctx, fields, creating=row is None)
    icons, logos = timeline_icons.custom_codes(ctx)
    checked = validate_layout(layout, icons=icons, logos=logos, creating=row is None)
    if not checked.ok:
        found.append(checked.api_error())
    if found:
        raise found[0]
    deadline = None
    if given(fields, "deadline") and php_str(fields["deadline"]) != "":
        deadline = parse_deadline(php_str(fields["deadline"]), ctx.portal.tz)
    return checked.value, deadline


def _layout_text(layout: Any) -> str:
    return json.dumps(layout, ensure_ascii=False, separators=(",", ":"))


def _title(layout: Any) -> str:
    header = layout.get("header") if isinstance(layout, dict) else None
    title = header.get("title") if isinstance(header, dict) else None
    return clip("subject", title if isinstance(title, str) else "")


def _changes(fields: dict[str, Any], row: dict[str, Any] | None) -> dict[str, Any]:
    """The columns the given fields set (the setters of ``saveActivity``: a field not given is kept)."""
    changes: dict[str, Any] = {}
    if given(fields, "completed"):
        done = literal(fields["completed"]) is True
        changes.update(completed="Y" if done else "N", status=2 if done else 1)
    if given(fields, "isIncomingChannel"):
        changes["is_incoming_channel"] = "Y" if literal(fields["isIncomingChannel"]) is True else "N"
    if given(fields, "responsibleId"):
        changes["responsible_id"] = php_int(fields["responsibleId"])
    if given(fields, "pingOffsets"):
        changes["ping_offsets"] = configurable_fields.ping_offsets(fields["pingOffsets"])
    for name, column in (("originatorId", "originator_id"), ("originId", "origin_id")):
        if given(fields, name):
            changes[column] = fit(activities_table, column, php_str(fields[name]))
    params = dict(provider_params(row)) if row is not None else {}
    if given(fields, "badgeCode"):
        params["badgeCode"] = php_str(fields["badgeCode"])
    if row is None or given(fields, "badgeCode"):
        changes["provider_params"] = {
            "clientId": params.get("clientId"),
            "badgeCode": params.get("badgeCode"),
        }
    return changes


def _schedule(conn: Connection, ctx: Caller, activity_id: int, merged: dict[str, Any]) -> None:
    """The reminders of the activity's deadline and offsets; none once it is completed. Offsets past ten
    years before the deadline remind nobody (as for todos)."""
    offsets = [o for o in merged.get("ping_offsets") or [] if o <= MAX_PING_MINUTES]
    if merged.get("completed") == "Y":
        offsets = []
    pings.schedule(conn, ctx.portal.id, activity_id, merged["responsible_id"], merged["deadline"], offsets)


def add(ctx: Caller, owner_type_id: int, owner_id: int, fields_raw: Any, layout_raw: Any) -> dict[str, Any]:
    now = ctx.clock.now()
    with ctx.db.read() as conn:
        # ``new ItemIdentifier(...)`` throws before anything else is looked at.
        if not access.owner_type_known(conn, ctx.portal.id, owner_type_id):
            raise errors.D7.OWNER_TYPE_INVALID()
    if owner_id <= 0:
        raise errors.D7.OWNER_ID_INVALID()
    fields = _fields_of(fields_raw)
    layout, deadline = _check(ctx, fields, layout_raw, None)
    assert ctx.app is not None  # _check refuses a call outside an application
    type_id = fields["typeId"] if given(fields, "typeId") else DEFAULT_TYPE
    owner = (owner_type_id, owner_id)
    record: dict[str, Any] = {
        "owner_type_id": owner_type_id,
        "owner_id": owner_id,
        "type_id": PROVIDER,
        "provider_id": PROVIDER_ID,
        "provider_type_id": type_id,
        "subject": _title(layout),
        "description": "",
        "description_type": PLAIN_TEXT,
        "start_time": deadline,
        "end_time": deadline,
        "deadline": deadline,
        "completed": "N",
        "status": 1,
        "is_incoming_channel": "N",
        "responsible_id": ctx.user.id,
        "priority": 1,
        "direction": 0,
        "author_id": ctx.user.id,
        "editor_id": ctx.user.id,
        "created": now,
        "last_updated": now,
        "ping_offsets": [],
        "originator_id": None,
        "origin_id": None,
        "provider_data": _layout_text(layout),
        "ui_lock": None,
    }
    record.update(_changes(fields, None))
    record["provider_params"] = {
        "clientId": ctx.app.client_id,
        "badgeCode": record["provider_params"]["badgeCode"],
    }
    with ctx.db.write() as conn:
        check_new_owner(conn, ctx, grants_for(conn, ctx.portal.id, ctx.user), owner)
        activity_id = crm_activities.insert_activity(conn, ctx.portal.id, record)
        set_bindings(conn, ctx.portal.id, activity_id, [owner])
        mark_last_activity(conn, ctx, [owner], now)
        _schedule(conn, ctx, activity_id, record)
        outbox.emit_entity(conn, ctx.portal.id, event_names.ACTIVITY_ADD, activity_id, now, ctx.origin)
        answers.keep(conn, ctx.portal, activity_id)
    return {"activity": {"id": activity_id}}


def update(ctx: Caller, activity_id: int, fields_raw: Any, layout_raw: Any) -> dict[str, Any]:
    now = ctx.clock.now()
    with ctx.db.read() as conn:
        row = load(conn, ctx, activity_id)
    fields = _fields_of(fields_raw)
    layout, deadline = _check(ctx, fields, layout_raw, row)
    with ctx.db.write() as conn:
        row = load(conn, ctx, activity_id)  # as it stands now, in the changing transaction
        grants = grants_for(conn, ctx.portal.id, ctx.user)
        if not access.may_edit(conn, ctx.portal.id, grants, row):
            raise errors.D7.ACCESS_DENIED()
        if given(fields, "typeId") and fields["typeId"] != row["provider_type_id"]:
            raise CANT_CHANGE_TYPE()
        changes = _changes(fields, row)
        if layout is not None:
            changes.update(provider_data=_layout_text(layout), subject=_title(layout))
        if deadline is not None:
            changes.update(start_time=deadline, end_time=deadline, deadline=deadline)
        changes["ui_lock"] = None  # the application answered the click: the entry is live again
        save_change(conn, ctx, row, changes, now)
        if {"completed", "deadline", "ping_offsets", "responsible_id"} & set(changes):
            # after the todo rules' own scheduling: a completed activity reminds nobody
            _schedule(conn, ctx, activity_id, {**row, **changes})
    return {"activity": {"id": activity_id}}


def get(ctx: Caller, activity_id: int) -> dict[str, Any]:
    """The activity as the docs' example shows it (``typeId`` included, which older vendor code left
    out); the layout as stored, normalized."""
    with ctx.db.read() as conn:
        row = load(conn, ctx, activity_id)
    params = provider_params(row)
    return {
        "activity": {
            "id": row["id"],
            "ownerTypeId": row["owner_type_id"],
            "ownerId": row["owner_id"],
            "fields": {
                "typeId": row["provider_type_id"],
                "completed": row["completed"] == "Y",
                "deadline": None if row["deadline"] is None else iso(row["deadline"], ctx.portal.tz),
                "pingOffsets": list(row["ping_offsets"] or []),
                "isIncomingChannel": row["is_incoming_channel"] == "Y",
                "responsibleId": row["responsible_id"],
                "badgeCode": params.get("badgeCode"),
                "originatorId": row["originator_id"],
                "originId": row["origin_id"],
            },
            "layout": stored_layout(row),
        }
    }
