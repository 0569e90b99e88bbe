"""crm.activity.list (and the row of crm.activity.get): ``CCrmRestProxyBase::getList`` over
``CCrmActivity::GetList`` (reference: core.md §2).

Unknown filter and order keys are dropped silently; the filter follows the vendor's older SQL grammar
(``store/legacy_filters``); ``BINDINGS`` joins the bindings, so an activity bound to two listed items comes
twice, as the vendor's INNER JOIN does. Pages of 50: ``start`` floored, a start past the end answers the
first page, ``start=-1`` skips the count and answers ``total: 0``.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm.activity import access, answers, render
from b24crm.crm.activity.access import crm_grants, visible
from b24crm.crm.activity.fields import BY_NAME
from b24crm.crm.activity.input import activity_id_param, array_param
from b24crm.crm.values import InvalidValue, parse_datetime
from b24crm.php.values import php_int
from b24crm.results import PAGE_SIZE, Encoded, Page, legacy_page, legacy_window
from b24crm.store import activity_lists, legacy_filters
from b24crm.store import crm_activities as repo
from b24crm.store.tables import crm_activities, crm_activity_bindings

FILTER_NOT_ARRAY = errors.Legacy.not_array("filter")
ORDER_NOT_ARRAY = errors.Legacy.not_array("order")
FILE_SELECTORS = frozenset({"FILES", "WEBDAV_ELEMENTS", "STORAGE_ELEMENT_IDS"})
FILTERABLE = frozenset(f.name for f in BY_NAME.values() if f.kind not in ("object", "virtual"))


def _to_moment(ctx: Caller) -> Any:
    tz = ctx.portal.tz

    def convert(value: Any) -> float | None:
        if isinstance(value, str) and value.strip().upper() == "NOW":
            return ctx.clock.now()
        if value in (None, "", False):
            return None
        try:
            return parse_datetime(value, tz)
        except (InvalidValue, ValueError, OverflowError):
            return None  # the vendor compiles an unreadable date to IS NULL

    return convert


def _binding_pairs(value: Any) -> list[tuple[int, int]]:
    """``BINDINGS``: a list of ``{OWNER_TYPE_ID[, OWNER_ID]}``; a bare object yields nothing (its values
    are scalars), entries without a positive type are skipped."""
    entries = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    pairs = []
    for entry in entries:
        if isinstance(entry, dict):
            owner_type_id = php_int(entry.get("OWNER_TYPE_ID", 0))
            if owner_type_id > 0:
                pairs.append((owner_type_id, php_int(entry.get("OWNER_ID", 0))))
    return pairs


def _where(ctx: Caller, filter_: dict[str, Any]) -> tuple[list[Any], list[tuple[int, int]]]:
    to_moment = _to_moment(ctx)
    clauses: list[Any] = []
    pairs: list[tuple[int, int]] = []
    for raw_key, value in filter_.items():
        key = legacy_filters.parse_key(str(raw_key))
        if key.name == "BINDINGS":
            pairs.extend(_binding_pairs(value))
            continue
        if key.name not in FILTERABLE:
            continue
        f = BY_NAME[key.name]
        kind: Any = f.kind  # FILTERABLE holds no object or virtual fields
        clause = legacy_filters.where(kind, crm_activities.c[f.column], key, value, to_moment=to_moment)
        if clause is not None:
            clauses.append(clause)
    return clauses, pairs


def _order(order: dict[str, Any]) -> list[Any]:
    ordering = []
    seen_id = False
    for raw_key, direction in order.items():
        name = str(raw_key).upper()
        if name not in FILTERABLE:
            continue
        column = crm_activities.c[name.lower()]
        seen_id = seen_id or name == "ID"
        ordering.append(column.asc() if legacy_filters.order_direction(direction) == "ASC" else column.desc())
    if not ordering:
        ordering.append(crm_activities.c.start_time.asc())
    if not seen_id:
        ordering.append(crm_activities.c.id.asc())  # the vendor leaves ties unordered; a stable page
    return ordering


def _selection(select: Any) -> tuple[frozenset[str], bool, bool]:
    """(fields shown, with communications, with files) for a ``select``."""
    raw = list(select.values()) if isinstance(select, dict) else select if isinstance(select, list) else []
    names = {str(n).upper() for n in raw if isinstance(n, (str, int))}
    communications = "COMMUNICATIONS" in names
    files = bool(names & FILE_SELECTORS)
    if not names or "*" in names:
        shown = set(render.DEFAULT_NAMES) | (names & {"IS_INCOMING_CHANNEL"})
    else:
        shown = (names & (set(render.DEFAULT_NAMES) | {"IS_INCOMING_CHANNEL"})) | {"ID"}
        if "DESCRIPTION" in names and not {"PROVIDER_ID", "PROVIDER_TYPE_ID"} <= names:
            shown |= {"PROVIDER_ID", "PROVIDER_TYPE_ID"}
    return frozenset(shown), communications, files


def _filter_key(filter_: Any) -> str:
    return json.dumps(filter_, sort_keys=True, default=str)


def _plan_key(ctx: Caller, filter_: Any, order: Any, shape: render.Shape) -> activity_lists.PlanKey | None:
    """What a list plan is remembered by: only an administrator's plan is the same for the same request
    (anyone else's depends on their roles), and none that reads the clock (``NOW``)."""
    if not ctx.user.is_admin:
        return None
    filter_key = _filter_key(filter_)
    if "NOW" in filter_key.upper():
        return None
    return activity_lists.PlanKey(
        ctx.portal.member_id, filter_key, json.dumps(order, default=str), shape.names
    )


def plan(
    conn: Connection, ctx: Caller, *, filter_: Any, order: Any, columns: tuple[Any, ...]
) -> activity_lists.Plan:
    """The page query (without offset and limit), its count query, and whether the count may be
    remembered (it depends on the stored activities alone: no per-user visibility, no clock)."""
    grants = crm_grants(conn, ctx)  # before the parameters, as the vendor's dispatcher
    ordering = _order(array_param(order, ORDER_NOT_ARRAY))
    conditions, pairs = _where(ctx, array_param(filter_, FILTER_NOT_ARRAY))
    readable = access.readable_condition(conn, ctx.portal.id, grants)
    where = [crm_activities.c.portal_id == ctx.portal.id, *conditions]
    if readable is not None:
        where.append(readable)
    source: Any = crm_activities
    if pairs:
        b = crm_activity_bindings
        matches = [
            sa.and_(b.c.owner_type_id == t, b.c.owner_id == i) if i > 0 else b.c.owner_type_id == t
            for t, i in pairs
        ]
        source = crm_activities.join(
            b,
            sa.and_(
                b.c.portal_id == crm_activities.c.portal_id,
                b.c.activity_id == crm_activities.c.id,
                sa.or_(*matches),
            ),
        )
    page = sa.select(*columns).select_from(source).where(*where).order_by(*ordering)
    count = sa.select(sa.func.count()).select_from(source).where(*where)
    cacheable = readable is None and "NOW" not in _filter_key(filter_).upper()
    return activity_lists.Plan(page, count, cacheable)


def list_activities(ctx: Caller, *, select: Any, filter_: Any, order: Any, start: Any) -> Page:
    shown, with_communications, with_files = _selection(select)
    shape = render.shape_for(shown | {"ID"})
    offset, counted = legacy_window(start)
    # The count is remembered under the generation read before it, so it needs no snapshot in common
    # with it (activity_lists.total); nor does the page, nor its communications and files.
    with ctx.db.read_each() as conn:
        request_key = _plan_key(ctx, filter_, order, shape)
        planned = activity_lists.plan(
            ctx.db,
            request_key,
            lambda: plan(conn, ctx, filter_=filter_, order=order, columns=shape.columns),
        )
        total = None
        if counted:
            total = activity_lists.total(
                conn,
                ctx.db,
                planned,
                portal_id=ctx.portal.id,
                scope=ctx.portal.member_id,
                filter_key=_filter_key(filter_),
            )
        past_end = total is not None and offset >= total
        if past_end:
            offset = 0  # CDBResult::NavQuery: a page past the end is the first page, without next
        rows = activity_lists.rows(conn, ctx.db, planned, request_key, offset, PAGE_SIZE)
        items = render.render_rows(rows, shape, ctx.portal.tz)
        if "ID" not in shown:
            for item in items:
                del item["ID"]
        ids = [int(r[0]) for r in rows]  # ID leads every selection
        if with_communications:
            found = repo.communications_of(conn, ctx.portal.id, ids)
            for item, activity_id in zip(items, ids, strict=True):
                item["COMMUNICATIONS"] = [render.communication_out(c) for c in found[activity_id]]
        if with_files:
            _attach_files(conn, ctx, items, ids)
    if past_end:
        return Page(items, total=total)
    return legacy_page(items, offset, total, len(items))


def _attach_files(conn: Connection, ctx: Caller, items: list[dict[str, Any]], ids: list[int]) -> None:
    if not ids:
        return
    store = ctx.files
    base = ctx.base_url
    found = repo.files_of(conn, ctx.portal.id, ids)
    for item, activity_id in zip(items, ids, strict=True):
        if found[activity_id]:  # the key is left out when there are none
            item["FILES"] = [
                {"id": f["id"], "url": store.url(base, ctx.portal.id, ctx.user.id, ctx.portal.member_id, f)}
                for f in found[activity_id]
            ]


async def get_stored(ctx: Caller, activity_id_raw: Any) -> Encoded | dict[str, Any] | None:
    """crm.activity.get's first try, on the event loop: administrators read everything, so theirs is the
    stored answer or one bare read, unless files or the provider need more (then None: ``get``)."""
    if not ctx.user.is_admin:
        return None
    return await answers.read(ctx, activity_id_param(activity_id_raw))


def get(ctx: Caller, activity_id_raw: Any) -> dict[str, Any]:
    """crm.activity.get: the whole activity, every value a string (no COMMUNICATIONS)."""
    with ctx.db.read() as conn:
        grants = crm_grants(conn, ctx)  # the vendor checks CRM access before the parameters
        row = visible(conn, ctx, grants, activity_id_param(activity_id_raw))
        if row["provider_id"].upper() == "CONFIGURABLE_REST_APP":
            raise errors.Legacy.USE_CONFIGURABLE.format(action="get")
        return render_one(conn, ctx, row)


def render_one(conn: Connection, ctx: Caller, row: dict[str, Any]) -> dict[str, Any]:
    shape = render.shape_for(render.DEFAULT_NAMES)
    values = tuple(
        render.integer(row[name.lower()], ctx.portal.tz) if convert is render.integer else row[name.lower()]
        for name, convert in render.STEPS
        if name in shape.names
    )
    item = render.render_rows([values], shape, ctx.portal.tz)[0]
    if row["file_count"]:
        _attach_files(conn, ctx, [item], [row["id"]])
    return item
