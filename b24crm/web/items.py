"""The items of one type as a list page: the rows crm.item.list answers the user (search, sort, pages of
50), with each item's count of open activities as the kanban card shows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from b24crm.auth.caller import Caller
from b24crm.crm import entity_types, items, types_service
from b24crm.web.timeline import open_badges, open_counts

# What the list may be sorted by, when the type has the field.
SORTABLE = ("id", "title", "lastName", "createdTime", "opportunity")
# The menu's names of the fixed types (crm.enum.ownertype names them in the singular).
PLURALS = {"Lead": "Leads", "Deal": "Deals", "Contact": "Contacts", "Company": "Companies",
           "Estimate": "Estimates", "Invoice": "Invoices"}  # fmt: skip


@dataclass(frozen=True)
class ItemKind:
    entity_type_id: int
    name: str


def kinds(ctx: Caller) -> list[ItemKind]:
    """The portal's item types: the fixed ones, then its smart processes."""
    fixed = [t for t in entity_types.FIXED_OWNER_TYPES if t.id in entity_types.ITEM_TYPES]
    found = [ItemKind(t.id, PLURALS.get(t.name, t.name)) for t in fixed]
    found += [ItemKind(t.id, t.name) for t in types_service.dynamic_owner_types(ctx)]
    return found


def _search(entity_type_id: int, query: str) -> dict[str, Any]:
    if not query:
        return {}
    if entity_type_id == entity_types.CONTACT:
        return {"0": {"logic": "OR", "%name": query, "%lastName": query}}
    return {"%title": query}


def caption(entity_type_id: int, item: dict[str, Any]) -> str:
    if entity_type_id == entity_types.CONTACT:
        name = " ".join(str(item.get(k) or "") for k in ("name", "lastName")).strip()
        return name or f"Contact #{item.get('id')}"
    return str(item.get("title") or "") or f"#{item.get('id')}"


def page(
    ctx: Caller, entity_type_id: int, *, query: str, sort: str, descending: bool, start: int
) -> dict[str, Any]:
    """One page of the list; the domain's errors (no read right, unknown type) propagate."""
    fields = items.describe_fields(ctx, entity_type_id)
    sort = sort if sort in SORTABLE and sort in fields else "id"
    answer = items.list_items(
        ctx,
        entity_type_id,
        select=None,
        filter_=_search(entity_type_id, query),
        order={sort: "DESC" if descending else "ASC"},
        start=max(start, 0),
    )
    rows: list[dict[str, Any]] = answer.items["items"]
    ids = [int(r["id"]) for r in rows]
    counts = open_counts(ctx, entity_type_id, ids)
    found_badges = open_badges(ctx, entity_type_id, ids)
    return {
        "rows": [
            {
                "id": int(r["id"]),
                "caption": caption(entity_type_id, r),
                "stage": r.get("stageId") or r.get("statusId") or "",
                "assigned": r.get("assignedById"),
                "amount": r.get("opportunity"),
                "currency": r.get("currencyId") or "",
                "created": r.get("createdTime") or "",
                "open": counts.get(int(r["id"]), 0),
                "badges": found_badges.get(int(r["id"]), []),
            }
            for r in rows
        ],
        "total": answer.total or 0,
        "next": answer.next,
        "previous": max(start - 50, 0) if start > 0 else None,
        "sortable": [s for s in SORTABLE if s in fields],
        "sort": sort,
        "descending": descending,
        "has_amount": "opportunity" in fields,
    }
