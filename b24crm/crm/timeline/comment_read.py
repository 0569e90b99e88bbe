"""crm.timeline.comment.get / list / fields: the older REST proxy (``CCrmTimelineCommentRestProxy``):
errors with an empty code and HTTP 400, every value of a record a string as the database gives it.

- get: ``ID is not defined or invalid.``; ``Not found.``; ``Access denied.`` when the caller may read none
  of the items the record is bound to; the answer names the first item the caller may read.
- list: ``filter`` names one item (``ENTITY_ID``, ``ENTITY_TYPE``), which the caller must be able to read
  (else ``Access denied.``); ``order`` by ID, CREATED or AUTHOR_ID (``DESC`` or else ascending, other
  fields ignored); ``select`` narrows the fields (``FILES`` always comes with a record that has files);
  pages of 50 with ``total`` and ``next``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm.activity.access import crm_grants
from b24crm.crm.activity.input import activity_id_param
from b24crm.crm.fields import description
from b24crm.crm.timeline import files
from b24crm.crm.timeline.owners import Binding, answer_type, first_allowed, may, resolve_type
from b24crm.php.dates import iso
from b24crm.php.values import php_int
from b24crm.results import PAGE_SIZE, Page, make_page, page_window
from b24crm.store import timeline as store

NOT_FOUND = errors.ErrorSpec("", "Not found.")
ACCESS_DENIED = errors.Legacy.ACCESS_DENIED

RESULT_FIELDS = ("ID", "ENTITY_ID", "ENTITY_TYPE", "CREATED", "COMMENT", "AUTHOR_ID")
ORDER_FIELDS = ("ID", "CREATED", "AUTHOR_ID")

# crm.timeline.comment.fields: (name, type, required, read only, immutable, multiple, title)
FIELDS = (
    ("ID", "integer", False, True, False, False, "ID"),
    ("CREATED", "datetime", False, True, False, False, "Date added"),
    ("ENTITY_ID", "integer", True, False, True, False, "ID of the element the comment is attached to"),
    ("ENTITY_TYPE", "string", True, False, True, False, "Type of the element the comment is attached to"),
    ("AUTHOR_ID", "integer", False, False, True, False, "Author"),
    ("COMMENT", "string", False, False, False, False, "Comment text"),
    ("FILES", "attached_diskfile", False, False, False, True, "File list"),
)


def fields(ctx: Caller) -> dict[str, Any]:
    with ctx.db.read() as conn:
        crm_grants(conn, ctx)
    return {
        name: {
            **description(kind, required=required, read_only=ro, immutable=imm, multiple=multi),
            "title": title,
        }
        for name, kind, required, ro, imm, multi, title in FIELDS
    }


def render_page(
    conn: Connection, ctx: Caller, rows: list[dict[str, Any]], owner: Binding, select: list[str] | None
) -> list[dict[str, Any]]:
    """Comments as the list answers them, their files read for the whole page at once."""
    with_files = [row["id"] for row in rows if row["file_count"]]
    found = files.records_of(conn, ctx, with_files) if with_files else {}
    return [_render(ctx, row, owner, select, found.get(row["id"], {})) for row in rows]


def _render(
    ctx: Caller,
    row: dict[str, Any],
    owner: Binding,
    select: list[str] | None,
    attached: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    values = {
        "ID": str(row["id"]),
        "ENTITY_ID": str(owner[1]),
        "ENTITY_TYPE": answer_type(owner[0]),
        "CREATED": iso(row["created"], ctx.portal.tz),
        "COMMENT": row["comment"],
        "AUTHOR_ID": str(row["author_id"]),
    }
    names = RESULT_FIELDS if not select else [n for n in RESULT_FIELDS if n in select]
    result = {name: values[name] for name in names}
    if row["file_count"]:
        result["FILES"] = attached
    return result


def get(ctx: Caller, raw_id: Any) -> dict[str, Any]:
    record_id = activity_id_param(raw_id)
    with ctx.db.read() as conn:
        grants = crm_grants(conn, ctx)
        row = store.get_record(conn, ctx.portal.id, record_id) if record_id < 2**31 else None
        if row is None or row["type_id"] != store.COMMENT:  # a log message is no comment
            raise NOT_FOUND()
        owner = first_allowed(conn, ctx, grants, store.bindings_of(conn, ctx.portal.id, record_id), "read")
        if owner is None:
            raise ACCESS_DENIED()
        return render_page(conn, ctx, [row], owner, None)[0]


def _order(order: Any) -> list[tuple[str, bool]]:
    if not isinstance(order, dict):
        return []
    return [(str(k), v == "DESC") for k, v in order.items() if k in ORDER_FIELDS]


def _select(select: Any) -> list[str] | None:
    values = select.values() if isinstance(select, dict) else select if isinstance(select, list) else []
    names = [v for v in values if isinstance(v, str)]
    return names or None


def list_(ctx: Caller, filter_: Any, order: Any, select: Any, start: Any) -> Page:
    given = filter_ if isinstance(filter_, dict) else {}
    raw_id = given.get("ENTITY_ID")
    owner_id = 0 if raw_id is None or isinstance(raw_id, (dict, list)) else php_int(raw_id)
    owner = (resolve_type(given.get("ENTITY_TYPE")), owner_id)
    offset, counted = page_window(start)
    with ctx.db.read() as conn:
        grants = crm_grants(conn, ctx)
        if owner_id <= 0 or owner[0] == 0 or not may(conn, ctx, grants, owner, "read"):
            raise ACCESS_DENIED()
        rows = store.list_bound(conn, ctx.portal.id, store.COMMENT, owner, _order(order), offset, PAGE_SIZE)
        chosen = _select(select)
        items = render_page(conn, ctx, rows, owner, chosen)
        total = store.count_bound(conn, ctx.portal.id, store.COMMENT, owner) if counted else None
    return make_page(items, offset, total, len(items))
