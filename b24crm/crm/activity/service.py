"""The rules behind crm.activity.add/update/delete, in the vendor's order of checks
(``CCrmActivityRestProxy::innerAdd`` & co., ``CCrmActivity::Add``/``Update``; reference: core.md §1).
The parameters are read in ``input``, communications in ``communications``, bindings and owners in
``owners``, the caller's rights in ``access``; get and list are in ``listing``.

Errors are the legacy proxy's: an empty code with HTTP 400, or ``ERROR_CORE`` with a trailing ``<br>`` where
the vendor's core raised them. Each change writes its event into the outbox in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm.activity import access, answers, mail, pings
from b24crm.crm.activity import communications as comms
from b24crm.crm.activity.access import ACCESS_DENIED, check_app_owned, crm_grants, visible
from b24crm.crm.activity.files import parse_uploads
from b24crm.crm.activity.input import (
    PARAMS_NOT_ARRAY,
    activity_id_param,
    array_param,
    fields_param,
    internalize,
)
from b24crm.crm.activity.kinds import (
    ACTION,
    CALL,
    DEFAULT_PROVIDERS,
    EMAIL,
    MEETING,
    PROVIDER,
    PROVIDERS,
    TASK,
    TYPE_NAMES,
)
from b24crm.crm.activity.owners import Items, check_bindings, mark_last_activity, owner_from, set_bindings
from b24crm.events import catalogue as event_names
from b24crm.events import outbox
from b24crm.store import crm_activities
from b24crm.store.crm_activities import Binding
from b24crm.store.transactions import reserve_hot_ids

SUBJECT_EMPTY = errors.ErrorSpec("", "The field SUBJECT is not defined or empty.")
TYPE_INVALID = errors.ErrorSpec("", "The field TYPE_ID is not defined or invalid.")
NO_PROVIDER = errors.ErrorSpec(
    "", "The custom activity without provider is not supported in current context."
)
APP_CONTEXT = errors.ErrorSpec("", "Application context required.")
COMMUNICATIONS_INVALID = errors.ErrorSpec("", "The field COMMUNICATIONS is not defined or invalid.")
ONE_COMMUNICATION = errors.ErrorSpec(
    "", "The only one communication is allowed for activity of specified type."
)
# The vendor's text, its closing quote misplaced as it is.
TYPE_UNSUPPORTED = errors.ErrorSpec("", 'The activity type "{name} is not supported in current context".')
NO_BINDING = errors.ErrorSpec(
    "", "Could not build binding. Please ensure that owner info and communications are defined correctly."
)


def core_error(message: str) -> errors.ApiError:
    """An error the vendor's core registered: CRestServer answers it as ERROR_CORE with a ``<br>``."""
    return errors.Legacy.CORE.format(message=message)


# --- core defaults --------------------------------------------------------------------------------------


def _max_date(tz: Any) -> float:
    # CCrmDateTimeHelper::GetMaxDatabaseDate: the deadline of an activity that has no time.
    return datetime(9999, 12, 31, tzinfo=tz).timestamp()


def _derive_deadline(record: dict[str, Any], tz: Any) -> None:
    """DEADLINE is never input: the start (calls, meetings and the rest) or the end (e-mails)."""
    source = record.get("end_time") if record["type_id"] == EMAIL else record.get("start_time")
    record["deadline"] = source if source is not None else _max_date(tz)


def _core_checks(record: dict[str, Any]) -> None:
    # CCrmActivity::Add checks isset(NOTIFY_VALUE) when a notification is asked for; 0 is a value.
    if record.get("notify_type", 0) != 0 and record.get("notify_value") is None:
        raise core_error("NOTIFY_VALUE is not assigned.")


# --- operations -----------------------------------------------------------------------------------------


def add(ctx: Caller, fields_raw: Any, params_raw: Any = None) -> int:
    tz = ctx.portal.tz
    now = ctx.clock.now()
    store = ctx.files
    written: list[Path] = []
    mail_problems: list[str] = []
    try:
        with ctx.db.write() as conn:
            grants = crm_grants(conn, ctx)  # before the parameters, as the vendor's dispatcher
            found = Items(conn, ctx.portal.id)
            fields_in = fields_param(fields_raw)
            array_param(params_raw, PARAMS_NOT_ARRAY)
            record = internalize(fields_in, tz, updating=False)
            owner: Binding | None = None
            bindings: list[Binding] = []
            if record.get("owner_type_id", 0) > 0 and record.get("owner_id", 0) > 0:
                owner = (record["owner_type_id"], record["owner_id"])
                bindings.append(owner)
            if not str(record.get("subject", "")).strip():
                raise SUBJECT_EMPTY()
            uploads = parse_uploads(fields_in.get("FILES") or fields_in.get("WEBDAV_ELEMENTS"))
            if record.get("responsible_id", 0) <= 0 and owner is not None:
                item = found.get(owner)
                record["responsible_id"] = (item or {}).get("assigned_by_id") or 0
            if record.get("responsible_id", 0) <= 0:
                record["responsible_id"] = ctx.user.id
            provider_id = record.get("provider_id", "")
            if provider_id and not record.get("type_id"):
                record["type_id"] = PROVIDER
            type_id = record.get("type_id", 0)
            if type_id not in TYPE_NAMES and type_id != PROVIDER:
                raise TYPE_INVALID()
            if type_id == PROVIDER and provider_id.upper() not in PROVIDERS:
                raise NO_PROVIDER()
            if type_id in (TASK, ACTION):
                raise TYPE_UNSUPPORTED.format(name=TYPE_NAMES[type_id])
            if provider_id.upper() == "CONFIGURABLE_REST_APP":
                raise errors.Legacy.USE_CONFIGURABLE.format(action="add")
            if provider_id.upper() == "REST_APP":
                app_id = access.app_id(ctx)
                if app_id is None:
                    raise APP_CONTEXT()
                record["associated_entity_id"] = app_id
            communications = comms.parse(fields_in.get("COMMUNICATIONS"), type_id, owner)
            if not communications and type_id != PROVIDER:
                raise COMMUNICATIONS_INVALID()
            if type_id in (CALL, MEETING) and len(communications) > 1:
                raise ONE_COMMUNICATION()
            bindings = comms.with_bindings(bindings, communications)
            if not bindings:
                raise NO_BINDING()
            check_bindings(conn, ctx, grants, bindings, found)
            _apply_add_defaults(record, ctx, bindings, now)
            _core_checks(record)
            # The IDs of what is written below, in one statement where they are taken outside the transaction.
            reserve_hot_ids(
                conn,
                ctx.portal.id,
                {"crm_activity": 1, "crm_activity_communication": len(communications), "event": 1},
            )
            # Files change the row below, which drops its stored answer again: get links them for each caller.
            activity_id = answers.insert(conn, ctx.portal, record)
            crm_activities.replace_bindings(conn, ctx.portal.id, activity_id, bindings, new=True)
            mark_last_activity(conn, ctx, bindings, now)
            comms.save(found, activity_id, communications, new=True)
            if uploads:
                written = store.save(conn, ctx.portal.id, activity_id, uploads, now)
                crm_activities.update_activity(conn, ctx.portal.id, activity_id, {"file_count": len(uploads)})
            outbox.emit_entity(conn, ctx.portal.id, event_names.ACTIVITY_ADD, activity_id, now, ctx.origin)
            if mail.is_outgoing(record):
                mail_problems = mail.send(conn, ctx.portal.id, activity_id, record, communications, now)
                # The vendor stamps the message (an update) before its checks: the event fires either way.
                outbox.emit_entity(
                    conn, ctx.portal.id, event_names.ACTIVITY_UPDATE, activity_id, now, ctx.origin
                )
    except BaseException:
        store.discard(written)
        raise
    if mail_problems:
        # The activity stays; the answer is the send error (CCrmActivityRestProxy::innerAdd).
        raise errors.Legacy.LINES.format(lines="\n".join(mail_problems))
    return activity_id


def _apply_add_defaults(record: dict[str, Any], ctx: Caller, bindings: list[Binding], now: float) -> None:
    tz = ctx.portal.tz
    if not record.get("owner_type_id") or not record.get("owner_id"):
        record["owner_type_id"], record["owner_id"] = owner_from(bindings)
    default_provider = DEFAULT_PROVIDERS.get(record["type_id"])
    if default_provider and not record.get("provider_id"):
        record["provider_id"], record["provider_type_id"] = default_provider
    record.setdefault("provider_type_id", "")
    record["completed"] = record.get("completed", "N")
    record["status"] = 2 if record["completed"] == "Y" else 1
    record.setdefault("priority", 1)
    record.setdefault("direction", 0)
    record.setdefault("description_type", 1)
    record.setdefault("notify_type", 0)
    if record["notify_type"] == 0:
        record["notify_value"] = 0
    record.setdefault("associated_entity_id", 0)
    record["author_id"] = record["editor_id"] = ctx.user.id
    record["created"] = record["last_updated"] = now
    if record.get("end_time") is None and record.get("start_time") is not None:
        record["end_time"] = record["start_time"]
    if record.get("start_time") is None and record.get("end_time") is not None:
        record["start_time"] = record["end_time"]
    record["deadline"] = None
    _derive_deadline(record, tz)


def update(ctx: Caller, activity_id_raw: Any, fields_raw: Any, params_raw: Any = None) -> bool:
    tz = ctx.portal.tz
    now = ctx.clock.now()
    store = ctx.files
    written: list[Path] = []
    replaced: list[Path] = []
    try:
        with ctx.db.write() as conn:
            grants = crm_grants(conn, ctx)
            found = Items(conn, ctx.portal.id)
            fields_in = fields_param(fields_raw)
            array_param(params_raw, PARAMS_NOT_ARRAY)
            activity_id = activity_id_param(activity_id_raw)
            row = visible(conn, ctx, grants, activity_id)
            if not access.may_edit(conn, ctx.portal.id, grants, row):
                raise ACCESS_DENIED()
            check_app_owned(ctx, row)
            if row["provider_id"].upper() == "CONFIGURABLE_REST_APP":
                raise errors.Legacy.USE_CONFIGURABLE.format(action="update")
            changes = internalize(fields_in, tz, updating=True)
            changes.pop("provider_id", None)  # the core never changes the provider
            changes.pop("deadline", None)
            communications = None
            bindings = None
            if isinstance(fields_in.get("COMMUNICATIONS"), (list, dict)):
                owner = (row["owner_type_id"], row["owner_id"])
                communications = comms.parse(fields_in["COMMUNICATIONS"], row["type_id"], owner)
                bindings = comms.with_bindings([owner] if owner[0] > 0 else [], communications)
                if not communications:
                    raise COMMUNICATIONS_INVALID()
                check_bindings(conn, ctx, grants, bindings, found)
            uploads = parse_uploads(fields_in.get("FILES") or fields_in.get("WEBDAV_ELEMENTS"))
            if not changes and communications is None and not uploads:
                raise core_error("Fields is not specified.")
            if "completed" in changes:
                if changes["completed"] == "N":
                    changes["status"] = 1
                else:
                    changes["status"] = 3 if row["status"] == 3 else 2
            merged = {**row, **changes}
            if "start_time" in changes or "end_time" in changes:
                _derive_deadline(merged, tz)
                changes["deadline"] = merged["deadline"]
            changes.update(last_updated=now, editor_id=ctx.user.id)
            if uploads:
                old = crm_activities.files_of(conn, ctx.portal.id, [activity_id])[activity_id]
                crm_activities.delete_files(conn, ctx.portal.id, [f["id"] for f in old])
                replaced = [store.path_of(f) for f in old]
                written = store.save(conn, ctx.portal.id, activity_id, uploads, now)
                changes["file_count"] = len(uploads)
            crm_activities.update_activity(conn, ctx.portal.id, activity_id, changes)
            if bindings is not None and communications is not None:
                set_bindings(conn, ctx.portal.id, activity_id, bindings)
                comms.save(found, activity_id, communications)
            if row["provider_id"] == "CRM_TODO":
                _reschedule_todo(conn, ctx.portal.id, {**row, **changes})
            outbox.emit_entity(conn, ctx.portal.id, event_names.ACTIVITY_UPDATE, activity_id, now, ctx.origin)
            answers.keep(conn, ctx.portal, activity_id)
    except BaseException:
        store.discard(written)
        raise
    store.discard(replaced)
    return True


def _reschedule_todo(conn: Connection, portal_id: int, todo: dict[str, Any]) -> None:
    """A todo changed through crm.activity.update: completed, it reminds nobody; otherwise its reminders
    follow its deadline and responsible user."""
    if todo["completed"] == "Y":
        pings.cancel(conn, portal_id, todo["id"])
    else:
        pings.schedule(
            conn, portal_id, todo["id"], todo["responsible_id"], todo["deadline"], todo["ping_offsets"] or []
        )


def delete(ctx: Caller, activity_id_raw: Any) -> bool:
    now = ctx.clock.now()
    with ctx.db.write() as conn:
        grants = crm_grants(conn, ctx)
        activity_id = activity_id_param(activity_id_raw)
        row = visible(conn, ctx, grants, activity_id)
        if not access.may_edit(conn, ctx.portal.id, grants, row):
            raise ACCESS_DENIED()
        check_app_owned(ctx, row)
        paths = remove(conn, ctx, activity_id, now)
    ctx.files.discard(paths)
    return True


def remove(conn: Connection, ctx: Caller, activity_id: int, now: float) -> list[Path]:
    """Delete an activity and everything hanging off it; answers the file paths to unlink after commit."""
    store = ctx.files
    files = crm_activities.files_of(conn, ctx.portal.id, [activity_id])[activity_id]
    crm_activities.delete_activity(conn, ctx.portal.id, activity_id)
    outbox.emit_entity(conn, ctx.portal.id, event_names.ACTIVITY_DELETE, activity_id, now, ctx.origin)
    return [store.path_of(f) for f in files]


def on_owner_deleted(conn: Connection, ctx: Caller, entity_type_id: int, item_id: int) -> None:
    """``CCrmActivity::DeleteByOwner``: the item leaves every binding; an activity left without any is
    deleted (with its event), one still bound elsewhere takes the oldest remaining binding as owner if the
    item owned it (no update event, as the vendor's direct SQL)."""
    portal_id = ctx.portal.id
    now = ctx.clock.now()
    gone = (entity_type_id, item_id)
    paths: list[Path] = []
    for activity_id in crm_activities.activities_bound_to(conn, portal_id, entity_type_id, item_id):
        remaining = [
            b for b in crm_activities.bindings_of(conn, portal_id, [activity_id])[activity_id] if b != gone
        ]
        if not remaining:
            paths.extend(remove(conn, ctx, activity_id, now))
            continue
        crm_activities.replace_bindings(conn, portal_id, activity_id, remaining)
        row = crm_activities.get_activity(conn, portal_id, activity_id)
        if row is not None and (row["owner_type_id"], row["owner_id"]) == gone:
            crm_activities.update_activity(
                conn, portal_id, activity_id, {"owner_type_id": remaining[0][0], "owner_id": remaining[0][1]}
            )
            answers.keep(conn, ctx.portal, activity_id)
    if paths:
        # The bytes go once the item's deletion has committed; after a rollback they are still referenced.
        store = ctx.files
        sa.event.listen(conn, "commit", lambda _conn: store.discard(paths), once=True)
