"""An item's timeline as the pages draw it: "planned" (open activities by deadline) and "history"
(completed ones, newest first), each a page of entries.

Which activities a user sees is decided by the query crm.activity.list runs (``listing.plan``: the
caller's read rights, the item's bindings), so the page shows exactly what the REST API lets the user
read; this module only reads the rows of that query and what goes with them (communications, files,
applications' layout blocks) to draw them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.auth.caller import Caller
from b24crm.crm import badges
from b24crm.crm.activity import kinds, listing
from b24crm.crm.activity.configurable import PROVIDER_ID as CONFIGURABLE
from b24crm.crm.activity.configurable import provider_params, stored_layout
from b24crm.crm.timeline import history
from b24crm.store import apps as apps_store
from b24crm.store import crm_activities as repo
from b24crm.store import layout_blocks
from b24crm.store import tenancy as users_store
from b24crm.store.tables import crm_activities, crm_activity_bindings, crm_layout_blocks
from b24crm.web import icons, records

PAGE = 20  # entries a section shows at once
TODO = "CRM_TODO"
# Direction 1 is incoming, 2 outgoing (CCrmActivityDirection).
DIRECTIONS = {1: "incoming", 2: "outgoing"}
# The icon drawn for a system activity, by type and direction (the timeline's own icon names).
SYSTEM_ICONS = {
    (kinds.CALL, 1): "call-incoming",
    (kinds.CALL, 2): "call-outcoming",
    (kinds.EMAIL, 1): "mail-income",
    (kinds.EMAIL, 2): "mail-outcome",
    (kinds.MEETING, 0): "calendar",
    (kinds.TASK, 0): "task",
}


@dataclass
class Section:
    entries: list[dict[str, Any]]
    total: int
    start: int
    depth: int | None = None  # the deepest start this section may be paged to

    @property
    def next_start(self) -> int | None:
        following = self.start + PAGE
        if self.depth is not None and following > self.depth:
            return None
        return following if following < self.total else None

    @property
    def previous_start(self) -> int | None:
        return max(self.start - PAGE, 0) if self.start > 0 else None


@dataclass
class Timeline:
    planned: Section
    history: Section
    users: dict[int, str] = field(default_factory=dict)


# The vendor's "no deadline" is the last day of year 9999 (CCrmDateTimeHelper::GetMaxDatabaseDate).
NO_DEADLINE = datetime(9999, 1, 1).timestamp()


def _moment(value: float | None, tz: Any) -> datetime | None:
    return None if value is None or value >= NO_DEADLINE else datetime.fromtimestamp(value, tz)


def _bound_to(owner_type_id: int, owner_ids: list[int]) -> tuple[Any, sa.ColumnElement[bool]]:
    """The activities bound to the items, as crm.activity.list's BINDINGS filter selects them, through an
    alias of the bindings table: the read condition's own EXISTS over the bindings would otherwise be
    correlated to the filter's join and lose its FROM (crm.activity.list has that fault; see
    access.readable_condition)."""
    b = crm_activity_bindings.alias("bound")
    return b, sa.and_(
        b.c.portal_id == crm_activities.c.portal_id,
        b.c.activity_id == crm_activities.c.id,
        b.c.owner_type_id == owner_type_id,
        b.c.owner_id.in_(owner_ids),
    )


def _on_item(ctx: Caller, owner: tuple[int, int]) -> sa.ColumnElement[bool]:
    b = crm_activity_bindings.alias("bound")
    return crm_activities.c.id.in_(
        sa.select(b.c.activity_id).where(
            b.c.portal_id == ctx.portal.id, b.c.owner_type_id == owner[0], b.c.owner_id == owner[1]
        )
    )


def _section(
    conn: Connection, ctx: Caller, owner: tuple[int, int], completed: bool, start: int, limit: int = PAGE
) -> tuple[list[dict[str, Any]], int]:
    filter_ = {"COMPLETED": "Y" if completed else "N"}
    # History: the latest change first (completing is the last change); planned: the nearest deadline.
    order = {"LAST_UPDATED": "DESC", "ID": "DESC"} if completed else {"DEADLINE": "ASC", "ID": "ASC"}
    plan = listing.plan(conn, ctx, filter_=filter_, order=order, columns=tuple(crm_activities.c))
    on_item = _on_item(ctx, owner)
    total = int(conn.execute(plan.count_query.where(on_item)).scalar_one())
    page = plan.page_query.where(on_item).offset(start).limit(limit)
    rows = [dict(r) for r in conn.execute(page).mappings()]
    return rows, total


def _ping_text(minutes: int) -> str:
    if minutes == 0:
        return "at the deadline"
    if minutes % 1440 == 0:
        return f"{minutes // 1440} d before"
    if minutes % 60 == 0:
        return f"{minutes // 60} h before"
    return f"{minutes} min before"


def _kind(row: dict[str, Any]) -> str:
    provider = (row["provider_id"] or "").upper()
    if provider == CONFIGURABLE:
        return "configurable"
    if provider == TODO:
        return "todo"
    return "activity"


def _entry(row: dict[str, Any], ctx: Caller, tz: Any) -> dict[str, Any]:
    kind = _kind(row)
    settings = row["settings"] if isinstance(row["settings"], dict) else {}
    direction = int(row["direction"] or 0)
    type_id = int(row["type_id"])
    icon = SYSTEM_ICONS.get((type_id, direction if type_id in (kinds.CALL, kinds.EMAIL) else 0), "info")
    if kind == "todo":
        icon = "task-activity"
    entry: dict[str, Any] = {
        "id": row["id"],
        "kind": kind,
        "subject": row["subject"],
        "description": row["description"],
        "type_name": kinds.TYPE_NAMES.get(type_id, row["provider_id"] or "Activity"),
        "provider": row["provider_id"],
        "direction": DIRECTIONS.get(direction, ""),
        "icon": icon,
        "deadline": _moment(row["deadline"], tz),
        "created": _moment(row["created"], tz),
        "updated": _moment(row["last_updated"], tz),
        "completed": row["completed"] == "Y",
        "responsible_id": row["responsible_id"],
        "color": str(settings.get("COLOR") or "default") if kind == "todo" else None,
        "pings": [_ping_text(int(m)) for m in (row["ping_offsets"] or []) if isinstance(m, int)],
        "owner": (row["owner_type_id"], row["owner_id"]),
        "communications": [],
        "files": [],
        "blocks": [],
        "layout": None,
        "lock": row["ui_lock"] if isinstance(row["ui_lock"], dict) else {},
        # An application's own activity: its type (crm.activity.type.add), whose icon it is drawn with.
        "type_key": (int(row["associated_entity_id"] or 0), row["provider_type_id"])
        if (row["provider_id"] or "").upper() == "REST_APP"
        else None,
    }
    if kind == "configurable":
        layout = stored_layout(row)
        entry["layout"] = layout if isinstance(layout, dict) else None
        entry["client_id"] = str(provider_params(row).get("clientId") or "")
    return entry


def _attach(conn: Connection, ctx: Caller, entries: list[dict[str, Any]]) -> None:
    """Communications, files and applications' layout blocks of a page's entries: one query each."""
    ids = [e["id"] for e in entries]
    if not ids:
        return
    portal_id = ctx.portal.id
    communications = repo.communications_of(conn, portal_id, ids)
    files = repo.files_of(conn, portal_id, ids)
    blocks = _blocks_of(conn, portal_id, ids)
    app_titles = apps_store.titles_by_ids(conn, portal_id, (a for found in blocks.values() for a, _ in found))
    for entry in entries:
        activity_id = entry["id"]
        entry["communications"] = [
            {"type": c["type"], "value": c["value"]} for c in communications[activity_id]
        ]
        entry["files"] = [
            {
                "name": f["name"],
                "size": f["size"],
                "url": ctx.files.url(ctx.base_url, portal_id, ctx.user.id, ctx.portal.member_id, f),
            }
            for f in files[activity_id]
        ]
        for app_id, layout in blocks.get(activity_id, []):
            title = app_titles.get(app_id) or f"Application {app_id}"
            entry["blocks"].append({"app": title, "layout": layout})


def _blocks_of(conn: Connection, portal_id: int, ids: list[int]) -> dict[int, list[tuple[int, Any]]]:
    """Every application's layout blocks on the page's activities, in the order each was first set (one
    query for the page: ``layout_blocks.of_item`` reads one activity's)."""
    c = crm_layout_blocks.c
    query = (
        sa.select(c.item_id, c.app_id, c.layout)
        .where(c.portal_id == portal_id, c.item_kind == layout_blocks.ACTIVITY, c.item_id.in_(ids))
        .order_by(c.id)
    )
    found: dict[int, list[tuple[int, Any]]] = {}
    for item_id, app_id, layout in conn.execute(query):
        found.setdefault(int(item_id), []).append((int(app_id), json.loads(layout)))
    return found


def _users(conn: Connection, portal_id: int, ids: set[int]) -> dict[int, str]:
    return {
        user_id: " ".join(p for p in (row["name"], row["last_name"]) if p) or f"User {user_id}"
        for user_id, row in users_store.users_by_ids(conn, portal_id, ids).items()
    }


def _history(
    conn: Connection, ctx: Caller, owner: tuple[int, int], start: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of the history and its size. The completed activities (at their last change: completing
    is the last) and the records (at their creation) are merged newest first in one statement that
    answers only the page's keys (records before activities of the same moment, as the later writes they
    usually are); the page's rows are then read by ID."""
    history.check(conn, ctx, owner)
    plan = listing.plan(conn, ctx, filter_={"COMPLETED": "Y"}, order={}, columns=tuple(crm_activities.c))
    on_item = _on_item(ctx, owner)
    a = crm_activities.c
    done = plan.page_query.where(on_item).order_by(None)
    merged = sa.union_all(
        done.with_only_columns(sa.literal(0).label("record"), a.id.label("id"), a.last_updated.label("at")),
        history.keys(ctx, owner),
    ).subquery()
    m = merged.c
    keys = conn.execute(
        sa.select(m.record, m.id)
        .order_by(m.at.desc(), m.record.desc(), m.id.desc())
        .offset(start)
        .limit(PAGE)
    ).all()
    activity_ids = [int(i) for record, i in keys if not record]
    rows = {r["id"]: dict(r) for r in conn.execute(done.where(a.id.in_(activity_ids))).mappings()}
    found = {(True, e["id"]): e for e in records.page(conn, ctx, owner, [int(i) for r, i in keys if r])}
    for row in rows.values():
        entry = _entry(row, ctx, ctx.portal.tz)
        entry["time"] = entry["updated"]
        found[(False, entry["id"])] = entry
    total = int(conn.execute(plan.count_query.where(on_item)).scalar_one()) + history.count(conn, ctx, owner)
    return [found[(bool(r), int(i))] for r, i in keys if (bool(r), int(i)) in found], total


def load(ctx: Caller, entity_type_id: int, item_id: int, planned_start: int, history_start: int) -> Timeline:
    """The item's two sections; the caller has already been checked for reading the item. History merges
    the completed activities with the comments and log messages, newest first."""
    tz = ctx.portal.tz
    owner = (entity_type_id, item_id)
    planned_start = max(planned_start, 0)
    history_start = min(max(history_start, 0), records.MAX_DEPTH)
    with ctx.db.read() as conn:
        planned_rows, planned_total = _section(conn, ctx, owner, False, planned_start)
        planned = [_entry(r, ctx, tz) for r in planned_rows]
        merged, history_total = _history(conn, ctx, owner, history_start)
        shown = [e for e in merged if e["kind"] not in ("comment", "log")]
        _attach(conn, ctx, planned + shown)
        users = _users(conn, ctx.portal.id, {e["responsible_id"] for e in planned + shown})
        icons.attach(conn, ctx, planned + merged)
    return Timeline(
        Section(planned, planned_total, planned_start),
        Section(merged, history_total, history_start, records.MAX_DEPTH),
        users,
    )


def open_counts(ctx: Caller, entity_type_id: int, item_ids: list[int]) -> dict[int, int]:
    """The open activities the user may read on each item, as the kanban card's counter shows them."""
    if not item_ids:
        return {}
    with ctx.db.read() as conn:
        plan = listing.plan(conn, ctx, filter_={"COMPLETED": "N"}, order={}, columns=(crm_activities.c.id,))
        b, bound = _bound_to(entity_type_id, item_ids)
        query = plan.page_query.order_by(None).join(b, bound).with_only_columns(b.c.owner_id, sa.func.count())
        query = query.group_by(b.c.owner_id)
        return {int(owner_id): int(n) for owner_id, n in conn.execute(query)}


def open_badges(ctx: Caller, entity_type_id: int, item_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The kanban badges of each item: the portal's badges (crm.activity.badge.*) that its open
    configurable activities the user may read name by ``badgeCode``, each once."""
    if not item_ids:
        return {}
    known = {b["code"]: b for b in badges.list_badges(ctx)}
    if not known:
        return {}
    with ctx.db.read() as conn:
        plan = listing.plan(
            conn,
            ctx,
            filter_={"COMPLETED": "N", "PROVIDER_ID": CONFIGURABLE},
            order={},
            columns=(crm_activities.c.id,),
        )
        b, bound = _bound_to(entity_type_id, item_ids)
        query = (
            plan.page_query.order_by(b.c.owner_id, crm_activities.c.id)
            .join(b, bound)
            .with_only_columns(b.c.owner_id, crm_activities.c.provider_params)
        )
        found: dict[int, list[dict[str, Any]]] = {}
        for owner_id, params in conn.execute(query):
            code = params.get("badgeCode") if isinstance(params, dict) else None
            badge = known.get(code) if isinstance(code, str) else None
            shown = found.setdefault(int(owner_id), [])
            if badge is not None and badge not in shown:
                shown.append(badge)
        return found
