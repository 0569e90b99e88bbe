"""event.offline.get / clear / error / list (docs: api-reference/events/offline-events.md and the
method pages).

The queue keeps the latest state of each object per event. ``get`` with ``clear=0`` reserves what it
returns under a new ``process_id``, so parallel readers get disjoint sets; the reader then clears what it
handled (``event.offline.clear``) or marks it failed (``event.offline.error``), and ``get`` with that
``process_id`` returns the reserved rows again. Reservations older than 30 days are deleted.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

import sqlalchemy as sa

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm.values import InvalidValue, parse_datetime
from b24crm.events.binding import require_app
from b24crm.php.dates import iso
from b24crm.php.values import php_int, php_str
from b24crm.results import PAGE_SIZE, Page, legacy_page, legacy_window
from b24crm.store import legacy_filters, offline
from b24crm.store.tables import offline_events as q

RESERVATION_LIFETIME = 30 * 86400
_FIELDS: dict[str, tuple[legacy_filters.Kind, Any]] = {
    "ID": ("int", q.c.id),
    "TIMESTAMP_X": ("datetime", q.c.created),
    "EVENT_NAME": ("string", q.c.event),
    "MESSAGE_ID": ("string", q.c.message_id),
}
_LIST_FIELDS = {**_FIELDS, "PROCESS_ID": ("string", q.c.process_id), "ERROR": ("int", q.c.error)}
_OPERATIONS = ("", "=", ">", "<", ">=", "<=", "@", "%")
_OPERATION = re.compile(r"^([^A-Z0-9_]*)(.*)$", re.S)


def _bad(message: str, argument: str | None = None) -> errors.ApiError:
    return (
        errors.ERROR_ARGUMENT(message)
        if argument is None
        else errors.ERROR_ARGUMENT(message, argument=argument)
    )


def _admin_app(ctx: Caller) -> int:
    app = require_app(ctx)
    if not ctx.user.is_admin:
        raise errors.ACCESS_DENIED()
    return app.id


def _to_moment(ctx: Caller) -> Any:
    def to_moment(value: Any) -> float | None:
        try:
            return parse_datetime(php_str(value), ctx.portal.tz)
        except (InvalidValue, ValueError):
            return None

    return to_moment


def _where(ctx: Caller, raw: Any, fields: dict[str, tuple[legacy_filters.Kind, Any]]) -> list[Any]:
    """The vendor's filter of the offline queue: a few fields, a few operations, each checked."""
    if raw in (None, "", []):
        return []
    if not isinstance(raw, dict):
        raise _bad("The filter is not an array.")
    clauses: list[Any] = []
    for key, value in raw.items():
        operation, name = _OPERATION.match(str(key).upper()).groups()  # type: ignore[union-attr]
        if operation not in _OPERATIONS:
            raise _bad(f"Filter operation not allowed: {operation}")
        field = fields.get(name)
        if field is None:
            raise _bad(f"Filter field not allowed: {name}")
        kind, column = field
        if name == "ERROR":
            flags = [php_int(v) != 0 for v in (value if isinstance(value, list) else [value])]
            clauses.append(column.in_(flags))
            continue
        parsed = legacy_filters.parse_key(operation + name)
        clause = legacy_filters.where(kind, column, parsed, value, to_moment=_to_moment(ctx))
        if clause is not None:
            clauses.append(clause)
    return clauses


def _order(
    raw: Any, fields: dict[str, tuple[legacy_filters.Kind, Any]], default: tuple[str, str]
) -> list[Any]:
    if raw in (None, "", []):
        raw = {default[0]: default[1]}
    if not isinstance(raw, dict):
        raise _bad("The order is not an array.")
    order = []
    for key, direction in raw.items():
        field = fields.get(str(key).upper())
        if field is None:
            raise _bad(f"Order field not allowed: {str(key).upper()}")
        way = php_str(direction).strip().upper()
        if way not in ("ASC", "DESC"):
            raise _bad("Order direction should be one of {ASC|DESC}")
        order.append(field[1].asc() if way == "ASC" else field[1].desc())
    return order


def _render(ctx: Caller, row: dict[str, Any], *, listing: bool = False) -> dict[str, Any]:
    additional = row["additional"] or {}
    entry: dict[str, Any] = {
        "ID": str(row["id"]),
        "TIMESTAMP_X": iso(row["created"], ctx.portal.tz),
        "EVENT_NAME": row["event"],
        "EVENT_DATA": row["data"] or None,
        "EVENT_ADDITIONAL": {"user_id": str(additional.get("user_id", 0))},
        "MESSAGE_ID": row["message_id"],
    }
    if listing:
        entry["PROCESS_ID"] = row["process_id"] or ""
        entry["ERROR"] = "1" if row["error"] else "0"
    return entry


def _new_process_id() -> str:
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    return "".join(secrets.choice(alphabet) for _ in range(32))


def get(
    ctx: Caller, filter_: Any, order: Any, limit: Any, clear: Any, process_id: Any, error: Any
) -> dict[str, Any]:
    """Reserve up to ``limit`` waiting events under a new process id (or re-read a process's), then
    delete them (``clear=1``, the default) or hand the process id back (``clear=0``)."""
    app_id = _admin_app(ctx)
    count = PAGE_SIZE if limit in (None, "") else php_int(limit)
    if count <= 0:
        raise _bad("Value must be positive integer", "LIMIT")
    keep = clear not in (None, "") and php_int(clear) == 0
    given = php_str(process_id).strip()
    connector_id = ctx.connector
    now = ctx.clock.now()
    where = _where(ctx, filter_, _FIELDS)
    ordering = _order(order, _FIELDS, ("TIMESTAMP_X", "ASC"))
    with ctx.db.write() as conn:
        offline.drop_stale(conn, ctx.portal.id, app_id, now - RESERVATION_LIFETIME)
        if given:
            pid = given
            where.append(q.c.process_id == pid)
        else:
            pid = _new_process_id()
            where += [q.c.process_id.is_(None), q.c.error == (php_int(error) != 0)]
        rows = offline.select(
            conn, ctx.portal.id, app_id, connector_id, where=where, order=ordering, limit=count
        )
        if not given:
            taken = offline.reserve(conn, ctx.portal.id, [r["id"] for r in rows], pid, now)
            rows = [r for r in rows if r["id"] in taken]
        if not keep and rows:
            # The selected records, as documented; a re-read with a smaller limit leaves the others reserved.
            offline.delete(conn, ctx.portal.id, app_id, [q.c.id.in_([r["id"] for r in rows])])
    return {"process_id": pid if keep else None, "events": [_render(ctx, r) for r in rows]}


def _required_process(process_id: Any) -> str:
    if process_id is None:
        raise _bad("Argument 'PROCESS_ID' is null or empty", "PROCESS_ID")
    return php_str(process_id).strip()


def _message_ids(value: Any, *, exact: bool) -> list[str]:
    if not isinstance(value, (list, dict)):
        raise _bad("Value must be array of MESSAGE_ID values", "message_id")
    ids = [php_str(v).strip() for v in (value.values() if isinstance(value, dict) else value)]
    if exact and any(len(i) != 32 for i in ids):
        raise _bad("Value must be array of MESSAGE_ID values", "messsage_id")  # sic: the vendor's spelling
    return ids


def _positive_ids(value: Any) -> list[int]:
    items = list(value.values()) if isinstance(value, dict) else value if isinstance(value, list) else None
    numbers = [php_int(i) for i in items] if items else []
    if not numbers or any(n <= 0 for n in numbers):
        raise _bad("Value must be array of integers", "id")
    return numbers


def _process_rows(pid: str, connector: str) -> list[Any]:
    return [q.c.process_id == pid if pid else q.c.process_id.is_(None), q.c.connector == connector]


def clear(ctx: Caller, process_id: Any, ids: Any, message_ids: Any) -> bool:
    app_id = _admin_app(ctx)
    pid = _required_process(process_id)
    where = _process_rows(pid, ctx.connector)
    if message_ids is not None:
        where.append(q.c.message_id.in_(_message_ids(message_ids, exact=True)))
    elif ids is not None:
        where.append(q.c.id.in_(_positive_ids(ids)))
    with ctx.db.write() as conn:
        offline.delete(conn, ctx.portal.id, app_id, where)
    return True


def error(ctx: Caller, process_id: Any, message_ids: Any) -> bool:
    """Mark a process's events failed: they leave the process and wait as errors (``get`` with
    ``error=1``); newer waiting copies of the same messages are dropped."""
    app_id = _admin_app(ctx)
    pid = _required_process(process_id)
    messages = _message_ids(message_ids, exact=False)
    connector_id = ctx.connector
    if not messages:
        return True
    with ctx.db.write() as conn:
        same = [q.c.connector == connector_id, q.c.message_id.in_(messages)]
        others = sa.or_(q.c.process_id.is_(None), q.c.process_id != pid)
        offline.delete(conn, ctx.portal.id, app_id, [*same, others, q.c.error == sa.false()])
        offline.mark_error(conn, ctx.portal.id, app_id, [*same, *_process_rows(pid, connector_id)])
    return True


def listing(ctx: Caller, filter_: Any, order: Any, start: Any) -> Page:
    app_id = _admin_app(ctx)
    offset, counted = legacy_window(start)
    connector_id = ctx.connector
    where = _where(ctx, filter_, _LIST_FIELDS)
    ordering = _order(order, _LIST_FIELDS, ("ID", "ASC"))
    with ctx.db.read() as conn:
        rows = offline.select(
            conn,
            ctx.portal.id,
            app_id,
            connector_id,
            where=where,
            order=ordering,
            offset=offset,
            limit=PAGE_SIZE,
        )
        total = offline.count(conn, ctx.portal.id, app_id, connector_id, where=where) if counted else None
    return legacy_page([_render(ctx, r, listing=True) for r in rows], offset, total, len(rows))
