"""Smart processes (crm.type.*): user-defined CRM item types.

Docs: api-reference/crm/universal/user-defined-object-types/crm-type-*.md. Only CRM administrators create,
change or delete them; a type with items cannot be deleted.
"""

from __future__ import annotations

from typing import Any

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm import entity_types as et
from b24crm.crm import statuses_stages, type_lists
from b24crm.crm.entity_types import OwnerType, dynamic_owner_type
from b24crm.crm.values import to_bool
from b24crm.php.dates import iso
from b24crm.results import make_page, page_window
from b24crm.store import crm_items, crm_types
from b24crm.store.filters import to_int
from b24crm.store.sql import next_id

NOT_FOUND = errors.ErrorSpec("NOT_FOUND", "Smart process not found")
ACCESS_DENIED = errors.D7.ACCESS_DENIED
OUT_OF_RANGE = errors.ErrorSpec("INVALID_ARG_VALUE", "entityTypeId is out of allowed range")
HAS_ITEMS = errors.ErrorSpec("BX_ERROR", "You cannot delete an entity type that has elements")
EXISTS = errors.ErrorSpec(
    "INVALID_ARG_VALUE", "Smart process with entityTypeId {entity_type_id} already exists"
)

# The type's switches, in the order the vendor answers them; isSetOpenPermissions defaults to on.
FLAGS = (
    "isCategoriesEnabled",
    "isStagesEnabled",
    "isBeginCloseDatesEnabled",
    "isClientEnabled",
    "isUseInUserfieldEnabled",
    "isLinkWithProductsEnabled",
    "isMycompanyEnabled",
    "isDocumentsEnabled",
    "isSourceEnabled",
    "isObserversEnabled",
    "isRecyclebinEnabled",
    "isAutomationEnabled",
    "isBizProcEnabled",
    "isSetOpenPermissions",
    "isPaymentsEnabled",
    "isCountersEnabled",
)
DEFAULT_ON = {"isSetOpenPermissions"}


def dynamic_owner_types(ctx: Caller) -> list[OwnerType]:
    with ctx.db.read() as conn:
        rows = crm_types.list_types(conn, ctx.portal.id)
    return [dynamic_owner_type(r["entity_type_id"], r["title"]) for r in rows]


def order_owner_types(ctx: Caller) -> list[dict[str, Any]]:
    """crm.enum.getorderownertypes: the types an order may be bound to, as the vendor's Enum controller
    lists them: deals, then each smart process with payments on (the types with an order relation)."""
    owners = [o for o in et.FIXED_OWNER_TYPES if o.id == et.DEAL]
    with ctx.db.read() as conn:
        rows = crm_types.list_types(conn, ctx.portal.id)
    owners += [
        dynamic_owner_type(r["entity_type_id"], r["title"])
        for r in rows
        if (r["settings"] or {}).get("isPaymentsEnabled")
    ]
    # Keys lower-cased by the REST layer; "DYN" is the view attribute the vendor gives every entry.
    return [{"attribute": "DYN", "code": o.symbol, "id": o.id, "name": o.name} for o in owners]


def view(row: dict[str, Any], ctx: Caller) -> dict[str, Any]:
    settings = row["settings"] or {}
    tz = ctx.portal.tz
    out: dict[str, Any] = {
        "id": row["id"],
        "title": row["title"],
        "code": row["code"],
        "createdBy": row["created_by"],
        "entityTypeId": row["entity_type_id"],
        "customSectionId": settings.get("customSectionId"),
    }
    for flag in FLAGS:
        out[flag] = "Y" if settings.get(flag, flag in DEFAULT_ON) else "N"
    out.update(
        createdTime=iso(row["created_time"], tz),
        updatedTime=iso(row["updated_time"], tz),
        updatedBy=row["updated_by"],
        relations=settings.get("relations", {"parent": [], "child": []}),
        linkedUserFields=settings.get("linkedUserFields", {}),
    )
    return out


def _require_admin(ctx: Caller) -> None:
    # "Any user with administrative access to the CRM section": here, the portal's administrators.
    if not ctx.user.is_admin:
        raise ACCESS_DENIED()


def _settings(fields: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    settings = dict(current or {})
    for flag in FLAGS:
        if flag in fields:
            settings[flag] = to_bool(fields[flag])
    for key in ("relations", "linkedUserFields"):
        if isinstance(fields.get(key), dict):
            settings[key] = fields[key]
    if "customSectionId" in fields:
        settings["customSectionId"] = fields["customSectionId"]
    return settings


def _free_entity_type_id(conn: Any, portal_id: int, used: set[int]) -> int:
    """The vendor draws new IDs from a +2 sequence of even numbers (1030, 1032, ...): never reused, and
    stepping over any a caller chose explicitly."""
    while True:
        candidate = 1028 + 2 * next_id(conn, portal_id, "crm_dynamic_entity_type")
        if candidate not in used:
            return candidate


def add(ctx: Caller, fields: Any) -> dict[str, Any]:
    fields = fields if isinstance(fields, dict) else {}
    now = ctx.clock.now()
    with ctx.db.write() as conn:
        _require_admin(ctx)
        used = crm_types.used_entity_type_ids(conn, ctx.portal.id)
        wanted = fields.get("entityTypeId")
        if wanted not in (None, "", 0, "0"):
            entity_type_id = _as_int(wanted) or 0
            if not et.is_dynamic_range(entity_type_id):
                raise OUT_OF_RANGE()
            if entity_type_id in used:
                raise EXISTS.format(entity_type_id=entity_type_id)
        else:
            entity_type_id = _free_entity_type_id(conn, ctx.portal.id, used)
        title = str(fields.get("title") or "").strip()
        if not title:
            raise errors.D7.FIELD_REQUIRED.format(title="Title")
        type_id = crm_types.insert_type(
            conn,
            ctx.portal.id,
            {
                "entity_type_id": entity_type_id,
                "title": title,
                "code": str(fields.get("code") or ""),
                "settings": _settings(fields),
                "created_by": ctx.user.id,
                "updated_by": ctx.user.id,
                "created_time": now,
                "updated_time": now,
            },
        )
        # Every new type starts with its default pipeline and the five stages the vendor gives it.
        statuses_stages.add_type_default(conn, ctx.portal.id, entity_type_id)
        row = crm_types.type_by_id(conn, ctx.portal.id, type_id)
    assert row is not None
    return view(row, ctx)


def _as_int(value: Any) -> int | None:
    try:
        return to_int(value)
    except ValueError:
        return None


def _found(row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        raise NOT_FOUND()
    return row


def _find(conn: Any, ctx: Caller, type_id: Any) -> dict[str, Any]:
    wanted = _as_int(type_id)
    return _found(None if wanted is None else crm_types.type_by_id(conn, ctx.portal.id, wanted))


def get(ctx: Caller, type_id: Any) -> dict[str, Any]:
    with ctx.db.read() as conn:
        return view(_find(conn, ctx, type_id), ctx)


def get_by_entity_type(ctx: Caller, entity_type_id: Any) -> dict[str, Any]:
    wanted = _as_int(entity_type_id)
    with ctx.db.read() as conn:
        row = None if wanted is None else crm_types.type_by_entity_type(conn, ctx.portal.id, wanted)
        return view(_found(row), ctx)


def update(ctx: Caller, type_id: Any, fields: Any) -> dict[str, Any]:
    fields = fields if isinstance(fields, dict) else {}
    with ctx.db.write() as conn:
        _require_admin(ctx)
        row = _find(conn, ctx, type_id)
        values: dict[str, Any] = {
            "settings": _settings(fields, row["settings"]),
            "updated_by": ctx.user.id,
            "updated_time": ctx.clock.now(),
        }
        if str(fields.get("title") or "").strip():
            values["title"] = str(fields["title"]).strip()
        crm_types.update_type(conn, ctx.portal.id, row["id"], values)
        updated = crm_types.type_by_id(conn, ctx.portal.id, row["id"])
    assert updated is not None
    return view(updated, ctx)


def delete(ctx: Caller, type_id: Any) -> None:
    with ctx.db.write() as conn:
        _require_admin(ctx)
        row = _find(conn, ctx, type_id)
        if crm_items.count_all(conn, ctx.portal.id, row["entity_type_id"]):
            raise HAS_ITEMS()
        crm_types.delete_type(conn, ctx.portal.id, row["id"])
        statuses_stages.remove_type_lists(conn, ctx.portal.id, row["entity_type_id"])


def list_types(ctx: Caller, order: Any, filter_: Any, start: Any) -> Any:
    """The portal's types, filtered and ordered by the fields of ``crm.type.fields`` (camelCase or
    UPPER_CASE, as the vendor upper-cases the keys for its ORM), an unknown one answering as crm.item.list's
    lists do. A portal has few types: they are read whole and filtered here."""
    offset, count = page_window(start)
    with ctx.db.read() as conn:
        rows = crm_types.list_types(conn, ctx.portal.id)
    tz = ctx.portal.tz
    conditions = type_lists.criteria(filter_, tz)
    views = [v for v in (view(r, ctx) for r in rows) if type_lists.matches(v, conditions, tz)]
    views = type_lists.ordered(views, order, tz)
    page = views[offset : offset + 50]
    return make_page({"types": page}, offset, len(views) if count else None, len(page))


def fields() -> dict[str, Any]:
    """``crm.type.fields``: the documented description of every field of a type."""
    return {"fields": type_lists.FIELDS}
