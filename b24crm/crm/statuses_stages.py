"""Pipelines and their stages as the items see them: which list holds a type's stages, a portal's default
lists (written the first time a portal needs them), a smart process's default pipeline, and the stage
rules of an item (its default stage, stage group, ``closed``, ``isNew``; an unknown stage replaced).

Portals get their defaults lazily, not in the migration: portals are created after it as well, and the
defaults live in one place (``statuses_defaults.py``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from b24crm.auth.caller import Caller
from b24crm.crm import entity_types as et
from b24crm.crm.statuses_defaults import (
    DEAL_DEFAULT_CATEGORY_NAME,
    DEAL_STAGES,
    DEFAULT_CATEGORY_SORT,
    DYNAMIC_DEFAULT_CATEGORY_NAME,
    DYNAMIC_STAGES,
    PORTAL_LISTS,
    Default,
)
from b24crm.store import crm_statuses

# The types whose items live in pipelines (crm.category.*) and whose stages b24crm keeps.
PIPELINE_TYPES = (et.DEAL,)


def has_pipelines(entity_type_id: int) -> bool:
    return entity_type_id in PIPELINE_TYPES or et.is_dynamic_range(entity_type_id)


def stage_list(entity_type_id: int, category_id: int) -> str | None:
    """The ENTITY_ID of the list holding the stages of a type's pipeline, None for types without stages."""
    if entity_type_id == et.LEAD:
        return "STATUS"
    if entity_type_id == et.DEAL:
        return "DEAL_STAGE" if not category_id else f"DEAL_STAGE_{category_id}"
    if et.is_dynamic_range(entity_type_id):
        return f"DYNAMIC_{entity_type_id}_STAGE_{category_id}"
    return None


def stage_prefix(entity_type_id: int, category_id: int) -> str:
    """What the codes of a pipeline's stages begin with (``C1``, ``DT1030_5``), empty for the plain lists."""
    if entity_type_id == et.DEAL:
        return f"C{category_id}" if category_id else ""
    if et.is_dynamic_range(entity_type_id):
        return f"DT{entity_type_id}_{category_id}"
    return ""


def list_target(entity_id: str) -> tuple[int, int] | None:
    """(entity type, pipeline) of a stage list's ENTITY_ID, None for the lists that are not stages."""
    if entity_id == "DEAL_STAGE":
        return et.DEAL, 0
    head, _, tail = entity_id.rpartition("_")
    if head == "DEAL_STAGE" and tail.isdigit():
        return et.DEAL, int(tail)
    if head.startswith("DYNAMIC_") and head.endswith("_STAGE") and tail.isdigit():
        middle = head[len("DYNAMIC_") : -len("_STAGE")]
        if middle.isdigit():
            return int(middle), int(tail)
    if entity_id == "STATUS":
        return et.LEAD, 0
    return None


def write_stages(
    conn: Connection,
    portal_id: int,
    entity_id: str,
    rows: tuple[Default, ...],
    prefix: str,
    category: int | None,
) -> None:
    for d in rows:
        crm_statuses.insert_status(
            conn,
            portal_id,
            {
                "entity_id": entity_id,
                "status_id": f"{prefix}:{d.status_id}" if prefix else d.status_id,
                "name": d.name,
                "name_init": d.name if d.system else "",
                "sort": d.sort,
                "system": d.system,
                "category_id": category,
                "color": d.color,
                "semantics": d.semantics,
            },
        )


def add_pipeline(conn: Connection, portal_id: int, entity_type_id: int, values: dict[str, Any]) -> int:
    """A new pipeline of a type with the vendor's default stages for it."""
    category_id = crm_statuses.insert_category(conn, portal_id, {"entity_type_id": entity_type_id, **values})
    stages = DEAL_STAGES if entity_type_id == et.DEAL else DYNAMIC_STAGES
    entity_id = stage_list(entity_type_id, category_id)
    assert entity_id is not None
    write_stages(conn, portal_id, entity_id, stages, stage_prefix(entity_type_id, category_id), category_id)
    return category_id


def remove_type_lists(conn: Connection, portal_id: int, entity_type_id: int) -> None:
    """A smart process's pipelines and their stages (crm.type.delete)."""
    for old in crm_statuses.categories_of(conn, portal_id, entity_type_id):
        crm_statuses.delete_list(conn, portal_id, f"DYNAMIC_{entity_type_id}_STAGE_{old['id']}")
        crm_statuses.delete_category(conn, portal_id, old["id"])


def add_type_default(conn: Connection, portal_id: int, entity_type_id: int) -> int:
    """A smart process's default pipeline ("General") with its five stages (crm.type.add). Pipelines a type
    of the same number left before they were deleted with it go first."""
    remove_type_lists(conn, portal_id, entity_type_id)
    return add_pipeline(
        conn,
        portal_id,
        entity_type_id,
        {"name": DYNAMIC_DEFAULT_CATEGORY_NAME, "sort": DEFAULT_CATEGORY_SORT, "is_default": True},
    )


def _seed(conn: Connection, portal_id: int) -> None:
    if crm_statuses.category(conn, portal_id, et.DEAL, 0) is None:
        crm_statuses.insert_category(
            conn,
            portal_id,
            {"entity_type_id": et.DEAL, "name": DEAL_DEFAULT_CATEGORY_NAME, "sort": 0, "is_default": True},
            category_id=0,
        )
        for entity_id, rows in PORTAL_LISTS.items():
            write_stages(conn, portal_id, entity_id, rows, "", None)
    for row in crm_statuses.types_without_category(conn, portal_id):
        add_type_default(conn, portal_id, row["entity_type_id"])


def _needs_seed(conn: Connection, portal_id: int) -> bool:
    return crm_statuses.category(conn, portal_id, et.DEAL, 0) is None or bool(
        crm_statuses.types_without_category(conn, portal_id)
    )


# Portals known to have their lists, by (id, member id): a deleted portal's id may come back with a new
# member id. Once written the lists stay (crm.type.add gives a new type its pipeline in its own
# transaction), so the check is made once per portal and process, not once per item write. Bounded: past
# the cap the set starts again, which costs one read per portal.
_READY: set[tuple[int, str]] = set()
_READY_CAP = 100_000


def ready(ctx: Caller) -> None:
    """Make sure the portal has its default lists and every smart process a pipeline (once per portal)."""
    key = (ctx.portal.id, ctx.portal.member_id)
    if key in _READY:
        return
    with ctx.db.read() as conn:
        needed = _needs_seed(conn, ctx.portal.id)
    if needed:
        try:
            with ctx.db.write() as conn:
                _seed(conn, ctx.portal.id)
        except IntegrityError:
            pass  # another request wrote them first
    if len(_READY) >= _READY_CAP:
        _READY.clear()
    _READY.add(key)


# --- an item's stage ------------------------------------------------------------------------------------


def _default_category(conn: Connection, portal_id: int, entity_type_id: int) -> int:
    for row in crm_statuses.categories_of(conn, portal_id, entity_type_id):
        if row["is_default"]:
            return int(row["id"])
    return 0


def _semantic(stage: dict[str, Any]) -> str:
    return stage["semantics"] if stage["semantics"] in ("S", "F") else "P"


def apply(
    conn: Connection,
    portal_id: int,
    entity_type_id: int,
    fields: dict[str, Any],
    stored: dict[str, Any],
    previous: dict[str, Any] | None = None,
) -> None:
    """Settle an item's pipeline and stage and what follows from the stage, as the vendor does: an unknown
    pipeline is the default one, an unknown stage becomes the pipeline's first (on add) or stays what it was
    (on update)."""
    if "stageId" not in fields or stage_list(entity_type_id, 0) is None:
        return
    category = 0
    if "categoryId" in fields:
        wanted = stored.get("categoryId") if previous is None else previous.get("categoryId")
        category = wanted if isinstance(wanted, int) else 0
        if previous is None and crm_statuses.category(conn, portal_id, entity_type_id, category) is None:
            category = _default_category(conn, portal_id, entity_type_id)
        stored["categoryId"] = category
    entity_id = stage_list(entity_type_id, category)
    assert entity_id is not None
    stages = crm_statuses.stages_of(conn, portal_id, entity_id)
    if not stages:
        return  # a list emptied by hand: keep what the item says
    by_code = {s["status_id"]: s for s in stages}
    stage = by_code.get(str(stored.get("stageId") or ""))
    if stage is None:
        kept = by_code.get(str((previous or {}).get("stageId") or ""))
        stage = kept if kept is not None else stages[0]
    stored["stageId"] = stage["status_id"]
    semantic = _semantic(stage)
    if "stageSemanticId" in fields:
        stored["stageSemanticId"] = semantic
    if "closed" in fields:
        stored["closed"] = semantic in ("S", "F")
    if "isNew" in fields:
        stored["isNew"] = stage["status_id"] == stages[0]["status_id"]
