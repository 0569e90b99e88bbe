"""crm.timeline.comment.add / update / delete: the crm module's ``Controller\\Timeline\\Comment`` (a D7
controller: ``fields`` bound by name, errors with codes), in its order of checks.

- add: the owner (``ENTITY_TYPE`` name or ``ENTITY_TYPE_ID``, ``ENTITY_ID``) is valid (OWNER_NOT_FOUND)
  and the caller's to edit (ACCESS_DENIED); the trimmed ``COMMENT`` is not empty (INVALID_ARG_VALUE).
- update / delete: the comment exists and has a binding (NOT_FOUND); without ``ownerTypeId`` and
  ``ownerId`` the owner is the first binding the caller may edit (update), or the only one (delete:
  MULTIPLE_BINDINGS when there are several); that owner is checked as on add and must be one of the
  comment's bindings (NOT_FOUND). A comment bound to several items is changed for the given one only:
  update copies it to a new comment bound there alone (answering the new ID), delete unbinds it there.
- update replaces the text and the files: files not sent again are removed, as the vendor's update does.

Every change emits ONCRMTIMELINECOMMENTADD / UPDATE / DELETE (``data[FIELDS][ID]``) in its transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm.permissions import Grants, grants_for
from b24crm.crm.timeline import files
from b24crm.crm.timeline.owners import (
    ACCESS_DENIED,
    NOT_FOUND,
    Binding,
    existing_owner,
    first_allowed,
    may,
    resolve_type,
)
from b24crm.events import catalogue as event_names
from b24crm.events import outbox
from b24crm.php.values import php_int, php_str
from b24crm.store import timeline as store
from b24crm.store.files import Upload

EMPTY_COMMENT = errors.ErrorSpec("INVALID_ARG_VALUE", "Empty comment message")
MULTIPLE_BINDINGS = errors.ErrorSpec("MULTIPLE_BINDINGS", "Entity has multiple bindings")


def _owner(conn: Connection, ctx: Caller, grants: Grants, owner: Binding) -> Binding:
    """``assertValidOwner`` with the update right."""
    existing_owner(conn, ctx, owner)
    if not may(conn, ctx, grants, owner, "edit"):
        raise ACCESS_DENIED()
    return owner


def _int(value: Any) -> int:
    """PHP's ``(int)`` of a field: 0 for what is absent or not a scalar."""
    return 0 if value is None or isinstance(value, (dict, list)) else php_int(value)


def _text(fields: dict[str, Any]) -> str:
    """PHP's ``trim((string)$fields['COMMENT'])``."""
    return php_str(fields.get("COMMENT", "")).strip(" \t\n\r\0\x0b")


def _uploads(fields: Any) -> list[Upload]:
    return files.parse_uploads(fields.get("FILES")) if isinstance(fields, dict) else []


def after_commit(conn: Connection, ctx: Caller, paths: list[Path]) -> None:
    if paths:
        store_ = ctx.files
        sa.event.listen(conn, "commit", lambda _conn: store_.discard(paths), once=True)


def _emit(conn: Connection, ctx: Caller, event: str, record_id: int, now: float) -> None:
    outbox.emit_entity(conn, ctx.portal.id, event, record_id, now, ctx.origin)


def add(ctx: Caller, fields: Any) -> int:
    given = fields if isinstance(fields, dict) else {}
    owner_type_id = _int(given.get("ENTITY_TYPE_ID"))
    if owner_type_id == 0 and given.get("ENTITY_TYPE"):
        owner_type_id = resolve_type(given.get("ENTITY_TYPE"))
    owner_id = _int(given.get("ENTITY_ID"))
    author_id = _int(given.get("AUTHOR_ID"))
    now = ctx.clock.now()
    uploads = _uploads(given)
    written: list[Path] = []
    try:
        with ctx.db.write() as conn:
            grants = grants_for(conn, ctx.portal.id, ctx.user)
            owner = _owner(conn, ctx, grants, (owner_type_id, owner_id))
            text = _text(given)
            if text == "":
                raise EMPTY_COMMENT()
            record_id = _insert(conn, ctx, owner, text, author_id if author_id > 0 else ctx.user.id, now)
            written = files.save(conn, ctx, record_id, uploads, now)
            if written:
                store.update_record(conn, ctx.portal.id, record_id, {"file_count": len(written)})
            _emit(conn, ctx, event_names.TIMELINE_COMMENT_ADD, record_id, now)
    except BaseException:
        ctx.files.discard(written)
        raise
    return record_id


def _insert(conn: Connection, ctx: Caller, owner: Binding, text: str, author_id: int, now: float) -> int:
    values = {
        "type_id": store.COMMENT,
        "author_id": author_id,
        "app_id": None,
        "created": now,
        "updated": now,
        "comment": text,
        "settings": {"HAS_FILES": "N"},
        "file_count": 0,
    }
    return store.insert_record(conn, ctx.portal.id, values, [owner])


def _comment(conn: Connection, ctx: Caller, raw_id: Any) -> tuple[int, list[Binding]]:
    """``assertValidCommentRecord``: a numeric ID of a comment with at least one binding."""
    if isinstance(raw_id, (dict, list, bool)) or raw_id is None:
        raise NOT_FOUND()
    text = str(raw_id).strip()
    try:
        record_id = int(float(text)) if text else 0
    except (ValueError, OverflowError):
        raise NOT_FOUND() from None
    row = store.get_record(conn, ctx.portal.id, record_id) if 0 < record_id < 2**31 else None
    if row is None or row["type_id"] != store.COMMENT:
        raise NOT_FOUND()
    bindings = store.bindings_of(conn, ctx.portal.id, record_id)
    if not bindings:
        raise NOT_FOUND()
    return record_id, bindings


def update(ctx: Caller, raw_id: Any, fields: Any, owner_type_id: int | None, owner_id: int | None) -> int:
    given = fields if isinstance(fields, dict) else {}
    now = ctx.clock.now()
    uploads = _uploads(given)
    written: list[Path] = []
    try:
        with ctx.db.write() as conn:
            grants = grants_for(conn, ctx.portal.id, ctx.user)
            record_id, bindings = _comment(conn, ctx, raw_id)
            if owner_type_id is None or owner_id is None:
                # The first binding the caller may change, else the last one (which then fails below).
                owner = first_allowed(conn, ctx, grants, bindings, "edit") or bindings[-1]
            else:
                owner = (owner_type_id, owner_id)
            _owner(conn, ctx, grants, owner)
            text = _text(given)
            if text == "":
                raise EMPTY_COMMENT()
            if owner not in bindings:
                raise NOT_FOUND()
            if len(bindings) > 1:
                # Changed for this item only: a copy bound here alone takes the change (the vendor's
                # copy fires no add or delete event, only the update below, with the copy's ID).
                original = store.get_record(conn, ctx.portal.id, record_id) or {}
                store.remove_binding(conn, ctx.portal.id, record_id, owner)
                record_id = _insert(conn, ctx, owner, text, original.get("author_id", ctx.user.id), now)
                store.update_record(conn, ctx.portal.id, record_id, {"created": original.get("created", now)})
            old = store.delete_files(conn, ctx.portal.id, record_id)
            written = files.save(conn, ctx, record_id, uploads, now)
            store.update_record(
                conn,
                ctx.portal.id,
                record_id,
                {
                    "comment": text,
                    "updated": now,
                    "file_count": len(written),
                    "settings": {"HAS_FILES": "Y" if written else "N"},
                },
            )
            _emit(conn, ctx, event_names.TIMELINE_COMMENT_UPDATE, record_id, now)
            after_commit(conn, ctx, [ctx.files.path_of(r) for r in old])
    except BaseException:
        ctx.files.discard(written)
        raise
    return record_id


def delete(ctx: Caller, raw_id: Any, owner_type_id: int | None, owner_id: int | None) -> None:
    now = ctx.clock.now()
    with ctx.db.write() as conn:
        grants = grants_for(conn, ctx.portal.id, ctx.user)
        record_id, bindings = _comment(conn, ctx, raw_id)
        if owner_type_id is None or owner_id is None:
            if len(bindings) > 1:
                raise MULTIPLE_BINDINGS()
            owner = bindings[0]
        else:
            owner = (owner_type_id, owner_id)
        _owner(conn, ctx, grants, owner)
        if owner not in bindings:
            raise NOT_FOUND()
        if len(bindings) > 1:
            store.remove_binding(conn, ctx.portal.id, record_id, owner)
        else:
            gone = store.delete_record(conn, ctx.portal.id, record_id)
            after_commit(conn, ctx, [ctx.files.path_of(r) for r in gone])
        _emit(conn, ctx, event_names.TIMELINE_COMMENT_DELETE, record_id, now)


def on_owner_deleted(conn: Connection, ctx: Caller, owner: Binding) -> None:
    """The item is being deleted: its comments and log messages leave it, and those bound nowhere else go
    with it (the vendor's ``TimelineEntry::deleteByOwner``), comments with their delete event."""
    now = ctx.clock.now()
    paths: list[Path] = []
    for record_id in store.records_bound_to(conn, ctx.portal.id, owner):
        bindings = store.bindings_of(conn, ctx.portal.id, record_id)
        if len(bindings) > 1:
            store.remove_binding(conn, ctx.portal.id, record_id, owner)
            continue
        row = store.get_record(conn, ctx.portal.id, record_id)
        gone = store.delete_record(conn, ctx.portal.id, record_id)
        paths.extend(ctx.files.path_of(r) for r in gone)
        if row is not None and row["type_id"] == store.COMMENT:
            _emit(conn, ctx, event_names.TIMELINE_COMMENT_DELETE, record_id, now)
    after_commit(conn, ctx, paths)
