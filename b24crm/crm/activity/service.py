"""The rules behind crm.activity.add/update/get/delete, in the vendor's order of checks
(``CCrmActivityRestProxy::innerAdd`` & co., ``CCrmActivity::Add``/``Update``; reference: core.md §1).

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
from b24crm.crm import entity_types as et
from b24crm.crm.activity import access, answers, mail, pings
from b24crm.crm.activity.fields import FIELDS
from b24crm.crm.activity.files import FileStore, parse_uploads
from b24crm.crm.permissions import Grants, grants_for
from b24crm.crm.values import InvalidValue, parse_datetime
from b24crm.events import outbox
from b24crm.php.values import php_int, php_str
from b24crm.store import crm_activities, crm_items
from b24crm.store.crm_activities import Binding
from b24crm.store.sql import fit
from b24crm.store.tables import crm_activities as crm_activities_table
from b24crm.store.tables import crm_activity_communications

# The legacy proxy's errors: empty code, HTTP 400 (docs: crm-activity-add.md "Possible error codes").
FIELDS_NOT_ARRAY = errors.Legacy.not_array("fields")
ID_INVALID = errors.Legacy.ID_INVALID
NOT_FOUND = errors.ErrorSpec("", "Activity is not found.")
ACCESS_DENIED = errors.Legacy.ACCESS_DENIED
SUBJECT_EMPTY = errors.ErrorSpec("", "The field SUBJECT is not defined or empty.")
TYPE_INVALID = errors.ErrorSpec("", "The field TYPE_ID is not defined or invalid.")
NO_PROVIDER = errors.ErrorSpec(
    "", "The custom activity without provider is not supported in current context."
)
APP_CONTEXT = errors.ErrorSpec("", "Application context required.")
# Changing or deleting an app's activity outside app context: the text docs:
# crm/timeline/activities/app-embedding/activity-app.md gives, an AccessException's code and status.
APP_CONTEXT_DENIED = errors.ErrorSpec("ACCESS_DENIED", "Access denied! Application context required", 403)
COMMUNICATIONS_INVALID = errors.ErrorSpec("", "The field COMMUNICATIONS is not defined or invalid.")
ONE_COMMUNICATION = errors.ErrorSpec(
    "", "The only one communication is allowed for activity of specified type."
)
NO_BINDING = errors.ErrorSpec(
    "", "Could not build binding. Please ensure that owner info and communications are defined correctly."
)


def core_error(message: str) -> errors.ApiError:
    """An error the vendor's core registered: CRestServer answers it as ERROR_CORE with a ``<br>``."""
    return errors.ApiError("ERROR_CORE", f"{message}<br>")


MEETING, CALL, TASK, EMAIL, ACTION, PROVIDER = 1, 2, 3, 4, 5, 6
TYPE_NAMES = {MEETING: "Meeting", CALL: "Call", TASK: "Task", EMAIL: "E-mail", ACTION: "Activity"}
DEFAULT_PROVIDERS = {
    MEETING: ("CRM_MEETING", "MEETING"),
    CALL: ("VOXIMPLANT_CALL", "CALL"),
    EMAIL: ("CRM_EMAIL", "EMAIL"),
}
# Providers of "user action" (TYPE_ID 6) activities this server knows.
PROVIDERS = frozenset(
    {
        "CRM_TODO",
        "REST_APP",
        "CONFIGURABLE_REST_APP",
        "CRM_CALL_TRACKER",
        "CRM_SMS",
        "CRM_NOTIFICATION",
        "CRM_WEBFORM",
        "CRM_REQUEST",
        "CRM_EXTERNAL_CHANNEL",
        "IMOPENLINES_SESSION",
        "CRM_DELIVERY",
        "CRM_VISIT",
        "CRM_CALENDAR_SHARING",
        "CRM_ZOOM",
        "CRM_WHATSAPP",
    }
)
CONTACT_OR_COMPANY = (et.CONTACT, et.COMPANY)


# --- input ----------------------------------------------------------------------------------------------


def array_param(value: Any, error: errors.ErrorSpec) -> dict[str, Any]:
    """A parameter the vendor's proxy requires to be an array (missing: an empty one)."""
    if value in (None, ""):
        return {}
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    if not isinstance(value, dict):
        raise error()
    return value


def fields_param(value: Any) -> dict[str, Any]:
    return array_param(value, FIELDS_NOT_ARRAY)


PARAMS_NOT_ARRAY = errors.Legacy.not_array("params")


def activity_id_param(value: Any) -> int:
    if isinstance(value, (dict, list)) or value is None:
        raise ID_INVALID()
    number = php_int(value)
    if number <= 0:
        raise ID_INVALID()
    return number


def _moment(value: Any, tz: Any) -> float | InvalidValue | None:
    """A datetime input: the stored moment, None for '' (kept empty), or InvalidValue (dropped)."""
    if value == "":
        return None
    try:
        return parse_datetime(value, tz)
    except (InvalidValue, ValueError, OverflowError) as exc:
        return InvalidValue(str(exc))


def clip(column: str, text: str, table: sa.Table = crm_activities_table) -> str:
    """An activity text cut to its column (``store.sql.fit``)."""
    return fit(table, column, text)


def internalize(fields_in: dict[str, Any], tz: Any, *, updating: bool) -> dict[str, Any]:
    """Input fields -> column values (``internalizeFields``): unknown, read-only and (on update) immutable
    fields are dropped, unreadable dates too; PHP casts for numbers and strings."""
    record: dict[str, Any] = {}
    for f in FIELDS:
        value = fields_in.get(f.name)
        if value is None or f.read_only or f.kind == "virtual" or (updating and f.immutable):
            continue
        if f.kind == "int":
            record[f.column] = php_int(value)
        elif f.kind == "double":
            text = php_str(value).strip().replace(",", ".")
            try:
                number = float(text) if text else None
            except ValueError:
                number = float(php_int(value))
            record[f.column] = number if number is None or abs(number) != float("inf") else None
        elif f.kind == "datetime":
            moment = _moment(value, tz)
            if not isinstance(moment, InvalidValue):
                record[f.column] = moment
        elif f.kind == "object":
            if isinstance(value, (dict, list)):
                record[f.column] = value
        else:
            record[f.column] = clip(f.column, php_str(value))
    if "completed" in record:
        flag = record["completed"]
        record["completed"] = flag if flag in ("Y", "N") else ("Y" if php_int(flag) > 0 else "N")
    return record


def _communications_in(raw: Any, type_id: int, owner: Binding | None) -> list[dict[str, Any]]:
    """``internalizeCommunications``: entries without an entity take the owner's; empty values only for
    meetings; a call keeps only PHONE entries and an e-mail only EMAIL ones, the TYPE defaulting to them."""
    entries = raw.values() if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    accepted = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        value = php_str(entry.get("VALUE", "")).strip()
        entity_type_id = php_int(entry.get("ENTITY_TYPE_ID", 0))
        entity_id = php_int(entry.get("ENTITY_ID", 0))
        if value and (entity_type_id <= 0 or entity_id <= 0) and owner is not None:
            entity_type_id, entity_id = owner
        if entity_type_id <= 0 or entity_id <= 0:
            continue
        if not value and type_id not in (MEETING, TASK):
            continue
        kind = php_str(entry.get("TYPE", "")).strip()
        expected = {CALL: "PHONE", EMAIL: "EMAIL"}.get(type_id)
        if not kind:
            kind = expected or ""
        elif expected is not None and kind != expected:  # compared exactly, as the vendor does
            continue
        accepted.append(
            {
                "type": clip("type", kind, crm_activity_communications),
                "value": clip("value", value, crm_activity_communications),
                "entity_type_id": entity_type_id,
                "entity_id": entity_id,
            }
        )
    return accepted


def _with_communication_bindings(
    bindings: list[Binding], communications: list[dict[str, Any]]
) -> list[Binding]:
    merged = list(bindings)
    for c in communications:
        binding = (c["entity_type_id"], c["entity_id"])
        if binding not in merged:
            merged.append(binding)
    return merged


def owner_from(bindings: list[Binding]) -> Binding:
    """``appendOwnerFromBindings``: the last binding that is not a contact or company, else the first."""
    for binding in reversed(bindings):
        if binding[0] not in CONTACT_OR_COMPANY:
            return binding
    return bindings[0] if bindings else (0, 0)


# --- owners ---------------------------------------------------------------------------------------------


def type_name(entity_type_id: int) -> str:
    """``CCrmOwnerType::ResolveName``: ``DEAL``, ``DYNAMIC_128``, or ``[id]`` for a type it does not know."""
    for t in et.FIXED_OWNER_TYPES:
        if t.id == entity_type_id:
            return t.symbol
    if et.is_dynamic_range(entity_type_id):
        return f"DYNAMIC_{entity_type_id}"
    return f"[{entity_type_id}]"


class Items:
    """The CRM items one operation looks at, each read once."""

    def __init__(self, conn: Connection, portal_id: int) -> None:
        self.conn = conn
        self.portal_id = portal_id
        self._rows: dict[Binding, dict[str, Any] | None] = {}

    def get(self, binding: Binding) -> dict[str, Any] | None:
        if binding not in self._rows:
            self._rows[binding] = crm_items.get_item(self.conn, self.portal_id, *binding)
        return self._rows[binding]


def _check_bindings(
    conn: Connection, ctx: Caller, grants: Grants, bindings: list[Binding], found: Items
) -> None:
    portal_id = ctx.portal.id
    for owner_type_id, owner_id in bindings:
        name = type_name(owner_type_id)
        if not access.owner_type_known(conn, portal_id, owner_type_id):
            raise errors.ApiError("", f"Entity type '{name}' is not supported in current context")
        if found.get((owner_type_id, owner_id)) is None:
            raise errors.ApiError("", f"Could not find '{name}' with ID: {owner_id}")
        if not access.may_item(conn, portal_id, grants, (owner_type_id, owner_id), "edit"):
            raise ACCESS_DENIED()


def _entity_settings(found: Items, entity_type_id: int, entity_id: int) -> Any:
    """What a communication remembers of its entity (``PrepareCommunicationSettings``)."""
    if entity_type_id not in (et.LEAD, et.CONTACT, et.COMPANY):
        return []
    row = found.get((entity_type_id, entity_id))
    if row is None:
        return []
    data = row["data"] or {}
    if entity_type_id == et.COMPANY:
        return {"COMPANY_TITLE": row["title"] or ""}
    person = {
        "HONORIFIC": data.get("honorific") or "",
        "NAME": data.get("name") or "",
        "SECOND_NAME": data.get("secondName") or "",
        "LAST_NAME": data.get("lastName") or "",
    }
    if entity_type_id == et.LEAD:
        person["LEAD_TITLE"] = row["title"] or ""
    elif row["company_id"]:
        company = found.get((et.COMPANY, row["company_id"]))
        if company is not None:
            person.update(COMPANY_TITLE=company["title"] or "", COMPANY_ID=str(company["id"]))
    return person


def _save_communications(
    found: Items, activity_id: int, communications: list[dict[str, Any]], *, new: bool = False
) -> None:
    crm_activities.replace_communications(
        found.conn,
        found.portal_id,
        activity_id,
        [
            {**c, "entity_settings": _entity_settings(found, c["entity_type_id"], c["entity_id"])}
            for c in communications
        ],
        new=new,
    )


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


def file_store(ctx: Caller) -> FileStore:
    return ctx.files


def crm_grants(conn: Connection, ctx: Caller) -> Grants:
    grants = grants_for(conn, ctx.portal.id, ctx.user)
    if not access.reads_anything(conn, ctx.portal.id, grants):
        raise ACCESS_DENIED()
    return grants


def check_crm_access(ctx: Caller) -> None:
    with ctx.db.read() as conn:
        crm_grants(conn, ctx)


def _app_id(ctx: Caller) -> int | None:
    app = ctx.app
    return None if app is None else int(getattr(app, "id", 0) or 0)


# --- operations -----------------------------------------------------------------------------------------


def add(ctx: Caller, fields_raw: Any, params_raw: Any = None) -> int:
    tz = ctx.portal.tz
    now = ctx.clock.now()
    store = file_store(ctx)
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
                raise errors.ApiError(
                    "", f'The activity type "{TYPE_NAMES[type_id]} is not supported in current context".'
                )
            if provider_id.upper() == "CONFIGURABLE_REST_APP":
                raise errors.ApiError("", "Use crm.activity.configurable.add for this activity provider")
            if provider_id.upper() == "REST_APP":
                app_id = _app_id(ctx)
                if app_id is None:
                    raise APP_CONTEXT()
                record["associated_entity_id"] = app_id
            communications = _communications_in(fields_in.get("COMMUNICATIONS"), type_id, owner)
            if not communications and type_id != PROVIDER:
                raise COMMUNICATIONS_INVALID()
            if type_id in (CALL, MEETING) and len(communications) > 1:
                raise ONE_COMMUNICATION()
            bindings = _with_communication_bindings(bindings, communications)
            if not bindings:
                raise NO_BINDING()
            _check_bindings(conn, ctx, grants, bindings, found)
            _apply_add_defaults(record, ctx, bindings, now)
            _core_checks(record)
            activity_id, inserted = crm_activities.insert_activity_returning(
                conn, ctx.portal.id, record, answers.INSERT
            )
            # Files change the row below, which drops the answer again: get links them for each caller.
            answers.keep_row(conn, ctx.portal, inserted)
            crm_activities.replace_bindings(conn, ctx.portal.id, activity_id, bindings, new=True)
            _save_communications(found, activity_id, communications, new=True)
            if uploads:
                written = store.save(conn, ctx.portal.id, activity_id, uploads, now)
                crm_activities.update_activity(conn, ctx.portal.id, activity_id, {"file_count": len(uploads)})
            outbox.emit_entity(conn, ctx.portal.id, outbox.ACTIVITY_ADD, activity_id, now, ctx.origin)
            if mail.is_outgoing(record):
                mail_problems = mail.send(conn, ctx.portal.id, activity_id, record, communications, now)
                # The vendor stamps the message (an update) before its checks: the event fires either way.
                outbox.emit_entity(conn, ctx.portal.id, outbox.ACTIVITY_UPDATE, activity_id, now, ctx.origin)
    except BaseException:
        store.discard(written)
        raise
    if mail_problems:
        # The activity stays; the answer is the send error (CCrmActivityRestProxy::innerAdd).
        raise errors.ApiError("", "\n".join(mail_problems))
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


def visible(conn: Connection, ctx: Caller, grants: Grants, activity_id: int) -> dict[str, Any]:
    row = crm_activities.get_activity(conn, ctx.portal.id, activity_id)
    if row is None:
        raise NOT_FOUND()
    if not grants.admin and row["responsible_id"] != ctx.user.id:
        bindings = crm_activities.bindings_of(conn, ctx.portal.id, [activity_id])[activity_id]
        if not access.may_read(conn, ctx.portal.id, grants, row, bindings):
            raise NOT_FOUND()
    return row


def _check_app_owned(ctx: Caller, row: dict[str, Any]) -> None:
    if row["provider_id"].upper() == "REST_APP":
        app_id = _app_id(ctx)
        if app_id is None:
            raise APP_CONTEXT_DENIED()
        if row["associated_entity_id"] != app_id:
            raise ACCESS_DENIED()


def update(ctx: Caller, activity_id_raw: Any, fields_raw: Any, params_raw: Any = None) -> bool:
    tz = ctx.portal.tz
    now = ctx.clock.now()
    store = file_store(ctx)
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
            _check_app_owned(ctx, row)
            if row["provider_id"].upper() == "CONFIGURABLE_REST_APP":
                raise errors.ApiError("", "Use crm.activity.configurable.update for this activity provider")
            changes = internalize(fields_in, tz, updating=True)
            changes.pop("provider_id", None)  # the core never changes the provider
            changes.pop("deadline", None)
            communications = None
            bindings = None
            if isinstance(fields_in.get("COMMUNICATIONS"), (list, dict)):
                owner = (row["owner_type_id"], row["owner_id"])
                communications = _communications_in(fields_in["COMMUNICATIONS"], row["type_id"], owner)
                bindings = _with_communication_bindings([owner] if owner[0] > 0 else [], communications)
                if not communications:
                    raise COMMUNICATIONS_INVALID()
                _check_bindings(conn, ctx, grants, bindings, found)
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
                _save_communications(found, activity_id, communications)
            if row["provider_id"] == "CRM_TODO":
                _reschedule_todo(conn, ctx.portal.id, {**row, **changes})
            outbox.emit_entity(conn, ctx.portal.id, outbox.ACTIVITY_UPDATE, activity_id, now, ctx.origin)
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


def set_bindings(conn: Connection, portal_id: int, activity_id: int, bindings: list[Binding]) -> None:
    """Store new bindings and recompute the owner as the vendor's Update does."""
    crm_activities.replace_bindings(conn, portal_id, activity_id, bindings)
    owner = bindings[0] if len(bindings) == 1 else owner_from(bindings)
    crm_activities.update_activity(
        conn, portal_id, activity_id, {"owner_type_id": owner[0], "owner_id": owner[1]}
    )


def delete(ctx: Caller, activity_id_raw: Any) -> bool:
    now = ctx.clock.now()
    with ctx.db.write() as conn:
        grants = crm_grants(conn, ctx)
        activity_id = activity_id_param(activity_id_raw)
        row = visible(conn, ctx, grants, activity_id)
        if not access.may_edit(conn, ctx.portal.id, grants, row):
            raise ACCESS_DENIED()
        _check_app_owned(ctx, row)
        paths = remove(conn, ctx, activity_id, now)
    file_store(ctx).discard(paths)
    return True


def remove(conn: Connection, ctx: Caller, activity_id: int, now: float) -> list[Path]:
    """Delete an activity and everything hanging off it; answers the file paths to unlink after commit."""
    store = file_store(ctx)
    files = crm_activities.files_of(conn, ctx.portal.id, [activity_id])[activity_id]
    crm_activities.delete_activity(conn, ctx.portal.id, activity_id)
    outbox.emit_entity(conn, ctx.portal.id, outbox.ACTIVITY_DELETE, activity_id, now, ctx.origin)
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
        store = file_store(ctx)
        sa.event.listen(conn, "commit", lambda _conn: store.discard(paths), once=True)
