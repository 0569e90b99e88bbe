"""The applications' places on an item's card: the placements bound to its type's detail tab and toolbar
(``CRM_<TYPE>_DETAIL_TAB``, ``CRM_<TYPE>_DETAIL_TOOLBAR``) that the user sees."""

from __future__ import annotations

from typing import Any

from b24crm.auth.caller import Caller
from b24crm.crm import entity_types
from b24crm.store import apps as apps_store

WHERE = ("DETAIL_TAB", "DETAIL_TOOLBAR")


def _entity(entity_type_id: int) -> str:
    for t in entity_types.FIXED_OWNER_TYPES:
        if t.id == entity_type_id:
            return t.symbol
    return f"DYNAMIC_{entity_type_id}"


def codes(entity_type_id: int) -> tuple[str, ...]:
    return tuple(f"CRM_{_entity(entity_type_id)}_{where}" for where in WHERE)


def timeline_menu_code(entity_type_id: int) -> str:
    return f"CRM_{_entity(entity_type_id)}_ACTIVITY_TIMELINE_MENU"


def card_and_menu(ctx: Caller, entity_type_id: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The card's placements and the applications' items of an activity's menu in this item type's
    timeline (``CRM_<TYPE>_ACTIVITY_TIMELINE_MENU``), from one read of the portal's placements."""
    menu = timeline_menu_code(entity_type_id)
    found = item_placements(ctx, entity_type_id, (*codes(entity_type_id), menu))
    return [f for f in found if f["code"] != menu], [f for f in found if f["code"] == menu]


def item_placements(
    ctx: Caller, entity_type_id: int, wanted: tuple[str, ...] | None = None
) -> list[dict[str, Any]]:
    """The installed applications' placements on this item type's card the user sees (bound for everyone,
    or for them)."""
    wanted = codes(entity_type_id) if wanted is None else wanted
    with ctx.db.read() as conn:
        rows = [
            row
            for row in apps_store.placements_of_portal(conn, ctx.portal.id)
            if row["placement"] in wanted and row["user_id"] in (0, ctx.user.id)
        ]
        # The placements' applications in one read (not one per application).
        found_apps = apps_store.apps_by_ids(conn, ctx.portal.id, (row["app_id"] for row in rows))
    found = []
    for row in rows:
        app = found_apps.get(row["app_id"])
        if app is not None and bool(app["active"]) and bool(app["installed"]):
            app_title = app["title"] or f"Application {row['app_id']}"
            found.append({"id": row["id"], "title": row["title"] or app_title, "code": row["placement"]})
    return found
