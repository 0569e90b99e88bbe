"""CRM items: the rules behind crm.item.* (and, through UPPER_CASE names, the classic crm.deal.* family).

Docs: api-reference/crm/universal/crm-item-*.md. Every operation resolves the type (a fixed type or one of
the portal's smart processes), checks the caller's CRM permissions, and works through the field catalogue.
The type and its rows are in ``item_rows.py``, what input is accepted and defaulted in ``item_rules.py``,
what a list may filter and order by in ``item_filters.py`` (the SQL of a list is the store's:
``store/item_lists.py``). What other CRM parts do when an item goes (activities re-own or go with it) is
in ``reactions.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from b24crm.auth.caller import Caller
from b24crm.crm import item_files, item_filters, reactions, statuses_stages
from b24crm.crm.item_rows import (
    ACCESS_DENIED,
    ACCESS_DENIED_READ,
    NOT_FOUND_ITEM,
    ItemType,
    render_row,
    resolve_type,
    split,
    stored_values,
)
from b24crm.crm.item_rules import (
    accept,
    check_required,
    contact_flags,
    defaults,
    multifields_in,
    title_default,
)
from b24crm.crm.permissions import Grants, grants_for
from b24crm.events import catalogue as event_names
from b24crm.events import outbox
from b24crm.results import Page, make_page, page_window
from b24crm.store import crm_items, item_lists
from b24crm.store.filters import to_int


def _grants(conn: Connection, ctx: Caller) -> Grants:
    return grants_for(conn, ctx.portal.id, ctx.user)


def add(ctx: Caller, entity_type_id: Any, fields_in: Any, *, classic: bool = False) -> dict[str, Any]:
    now = ctx.clock.now()
    statuses_stages.ready(ctx)
    written: list[Path] = []
    try:
        with ctx.db.write() as conn:
            return _add(conn, ctx, entity_type_id, fields_in, classic, now, written)
    except BaseException:
        ctx.files.discard(written)
        raise


def _add(
    conn: Connection,
    ctx: Caller,
    entity_type_id: Any,
    fields_in: Any,
    classic: bool,
    now: float,
    written: list[Path],
) -> dict[str, Any]:
    item_type = resolve_type(conn, ctx.portal.id, entity_type_id)
    grants = _grants(conn, ctx)
    stored = accept(item_type, fields_in, ctx, creating=True, classic=classic)
    defaults(item_type, stored, ctx, now)
    statuses_stages.apply(conn, ctx.portal.id, item_type.entity_type_id, item_type.fields, stored)
    if not grants.allows(item_type.entity_type_id, "add", stored.get("assignedById")):
        raise ACCESS_DENIED()
    check_required(item_type, stored)
    written += item_files.settle(conn, ctx, item_type.entity_type_id, stored, None)[0]
    fm = multifields_in(fields_in)
    stored.update(contact_flags(item_type, fm or []))
    item_id = crm_items.insert_item(conn, ctx.portal.id, item_type.entity_type_id, split(item_type, stored))
    title_field = item_type.fields.get("title")
    if title_field is not None and not stored.get("title"):
        default_title = title_default(item_type, item_id)
        if default_title:
            stored["title"] = default_title
            crm_items.update_item(
                conn, ctx.portal.id, item_type.entity_type_id, item_id, {"title": default_title}
            )
    if fm is not None and "fm" in item_type.fields:
        crm_items.replace_multifields(conn, ctx.portal.id, item_type.entity_type_id, item_id, fm)
    _emit(conn, ctx, item_type, "ADD", item_id, now)
    return _load(conn, ctx, item_type, item_id)


def _emit(conn: Connection, ctx: Caller, item_type: ItemType, action: str, item_id: int, now: float) -> None:
    entity_type_id = item_type.entity_type_id
    data = event_names.item_event_data(entity_type_id, item_id)
    outbox.emit(conn, ctx.portal.id, event_names.item_event(entity_type_id, action), data, now, ctx.origin)


def _load(conn: Connection, ctx: Caller, item_type: ItemType, item_id: int) -> dict[str, Any]:
    row = crm_items.get_item(conn, ctx.portal.id, item_type.entity_type_id, item_id)
    if row is None:
        raise NOT_FOUND_ITEM()
    fm = None
    if "fm" in item_type.fields:
        fm = crm_items.multifields_of(conn, ctx.portal.id, item_type.entity_type_id, [item_id])[item_id]
    return render_row(item_type, row, ctx, fm)


def _existing(
    conn: Connection, ctx: Caller, item_type: ItemType, item_id: Any, *, lock: bool = False
) -> dict[str, Any]:
    try:
        wanted = to_int(item_id)
    except ValueError:
        raise NOT_FOUND_ITEM() from None
    if lock:  # the row is rewritten whole from this read
        crm_items.lock_item(conn, ctx.portal.id, item_type.entity_type_id, wanted)
    row = crm_items.get_item(conn, ctx.portal.id, item_type.entity_type_id, wanted)
    if row is None:
        raise NOT_FOUND_ITEM()
    return row


def get(ctx: Caller, entity_type_id: Any, item_id: Any) -> dict[str, Any]:
    with ctx.db.read() as conn:
        item_type = resolve_type(conn, ctx.portal.id, entity_type_id)
        row = _existing(conn, ctx, item_type, item_id)
        if not _grants(conn, ctx).allows(item_type.entity_type_id, "read", row["assigned_by_id"]):
            raise ACCESS_DENIED_READ()
        return _load(conn, ctx, item_type, row["id"])


def update(
    ctx: Caller, entity_type_id: Any, item_id: Any, fields_in: Any, *, classic: bool = False
) -> dict[str, Any]:
    now = ctx.clock.now()
    statuses_stages.ready(ctx)
    written: list[Path] = []
    replaced: list[Path] = []
    try:
        with ctx.db.write() as conn:
            answer = _update(
                conn, ctx, (entity_type_id, item_id), fields_in, classic, now, (written, replaced)
            )
    except BaseException:
        ctx.files.discard(written)
        raise
    ctx.files.discard(replaced)  # the bytes of a photo or logo replaced or removed, once that committed
    return answer


def _update(
    conn: Connection,
    ctx: Caller,
    key: tuple[Any, Any],
    fields_in: Any,
    classic: bool,
    now: float,
    files: tuple[list[Path], list[Path]],
) -> dict[str, Any]:
    entity_type_id, item_id = key
    item_type = resolve_type(conn, ctx.portal.id, entity_type_id)
    row = _existing(conn, ctx, item_type, item_id, lock=True)
    grants = _grants(conn, ctx)
    if not grants.allows(item_type.entity_type_id, "edit", row["assigned_by_id"]):
        raise ACCESS_DENIED()
    stored = stored_values(item_type, row)
    changes = accept(item_type, fields_in, ctx, creating=False, classic=classic)
    new_files, old_files = item_files.settle(conn, ctx, item_type.entity_type_id, changes, stored)
    files[0].extend(new_files)
    files[1].extend(old_files)
    if "stageId" in changes:
        _settle_stage(conn, ctx, item_type, stored, changes)
    current = crm_items.multifields_of(conn, ctx.portal.id, item_type.entity_type_id, [row["id"]])[row["id"]]
    fm = multifields_in(fields_in, frozenset(m["id"] for m in current))
    changed = {k: v for k, v in changes.items() if stored.get(k) != v}
    if fm is not None:
        flags = contact_flags(item_type, fm)
        changed.update({k: v for k, v in flags.items() if stored.get(k) != v})
    if changed or fm is not None:
        if "stageId" in changed and "movedBy" in item_type.fields:
            changed.update(movedBy=ctx.user.id, movedTime=now)
            if "previousStageId" in item_type.fields:
                changed["previousStageId"] = stored.get("stageId")
        stored.update(changed, updatedBy=ctx.user.id, updatedTime=now)
        check_required(item_type, stored)
        crm_items.update_item(
            conn, ctx.portal.id, item_type.entity_type_id, row["id"], split(item_type, stored)
        )
        if fm is not None and "fm" in item_type.fields:
            crm_items.replace_multifields(conn, ctx.portal.id, item_type.entity_type_id, row["id"], fm)
    # crm.item skips the save, and so the event, when nothing changed; the classic Update always fires.
    if changed or fm is not None or classic:
        _emit(conn, ctx, item_type, "UPDATE", row["id"], now)
    return _load(conn, ctx, item_type, row["id"])


_STAGE_FIELDS = ("stageId", "stageSemanticId", "closed", "isNew")


def _settle_stage(
    conn: Connection, ctx: Caller, item_type: ItemType, stored: dict[str, Any], changes: dict[str, Any]
) -> None:
    """A new stage on update: checked against the item's pipeline (an unknown one keeps the old stage) and
    the fields that follow from it."""
    merged = {**stored, **changes}
    statuses_stages.apply(conn, ctx.portal.id, item_type.entity_type_id, item_type.fields, merged, stored)
    changes.update({k: merged[k] for k in _STAGE_FIELDS if k in merged and k in item_type.fields})


def delete(ctx: Caller, entity_type_id: Any, item_id: Any) -> None:
    now = ctx.clock.now()
    with ctx.db.write() as conn:
        item_type = resolve_type(conn, ctx.portal.id, entity_type_id)
        row = _existing(conn, ctx, item_type, item_id)
        if not _grants(conn, ctx).allows(item_type.entity_type_id, "delete", row["assigned_by_id"]):
            raise ACCESS_DENIED()
        reactions.item_deleted(conn, ctx, item_type.entity_type_id, row["id"])
        crm_items.delete_item(conn, ctx.portal.id, item_type.entity_type_id, row["id"])
        _emit(conn, ctx, item_type, "DELETE", row["id"], now)
    ctx.files.discard(item_files.stored_paths(ctx.files, item_type.entity_type_id, row["data"] or {}))


def describe_fields(ctx: Caller, entity_type_id: Any) -> dict[str, Any]:
    with ctx.db.read() as conn:
        item_type = resolve_type(conn, ctx.portal.id, entity_type_id)
        if not _grants(conn, ctx).may_at_all(item_type.entity_type_id, "read"):
            raise ACCESS_DENIED_READ()
    return {name: f.describe() for name, f in item_type.fields.items() if not f.classic_only}


# --- lists ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListPlan:
    """A list page: its type, the store's query of the page, where the page starts, whether to count."""

    item_type: ItemType
    query: item_lists.ItemQuery
    offset: int
    count: bool


def plan_list(
    conn: Connection,
    ctx: Caller,
    entity_type_id: Any,
    *,
    filter_: Any,
    order: Any,
    start: Any,
    classic: bool = False,
) -> ListPlan:
    """The query behind a crm.item.list page (also what the index tests explain)."""
    item_type = resolve_type(conn, ctx.portal.id, entity_type_id)
    grants = _grants(conn, ctx)
    if not grants.may_at_all(item_type.entity_type_id, "read"):
        raise ACCESS_DENIED_READ()
    conditions = item_filters.as_php_array(filter_)
    group = item_filters.filter_group(item_type, conditions, ctx.portal.tz, classic) if conditions else None
    ordering = item_filters.order_by(item_type, order, classic)
    offset, count = page_window(start)
    query = item_lists.plan(
        ctx.portal.id,
        item_type.entity_type_id,
        filter_=group,
        readable=lambda column: grants.read_condition(item_type.entity_type_id, column),
        order=ordering,
        offset=offset,
        limit=50,
    )
    return ListPlan(item_type, query, offset, count)


def list_items(
    ctx: Caller, entity_type_id: Any, *, select: Any, filter_: Any, order: Any, start: Any
) -> Page:
    with ctx.db.read_each() as conn:  # the page, its count and its multifields: no snapshot in common
        plan = plan_list(conn, ctx, entity_type_id, filter_=filter_, order=order, start=start)
        item_type = plan.item_type
        selection = item_filters.selection(item_type, select)
        rows = item_lists.rows(conn, plan.query)
        total = item_lists.total(conn, plan.query) if plan.count else None
        fms: dict[int, list[dict[str, Any]]] = {}
        if "fm" in item_type.fields and selection is None:
            fms = crm_items.multifields_of(
                conn, ctx.portal.id, item_type.entity_type_id, [r["id"] for r in rows]
            )
    items = [render_row(item_type, r, ctx, fms.get(r["id"]), selection) for r in rows]
    return make_page({"items": items}, plan.offset, total, len(items))
