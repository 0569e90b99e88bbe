"""Pipelines (crm.category.*): the categories of deals and smart processes.

Docs: api-reference/crm/universal/category/crm-category-*.md; the vendor's controller
(crm/lib/controller/category.php): the type is checked first (unknown: NOT_FOUND, without pipelines:
ENTITY_TYPE_NOT_SUPPORTED), then the pipeline, then the caller's rights. A deal's default pipeline is ID 0
and stays the default; a smart process's default may move to another pipeline. A new pipeline gets the
vendor's default stages (``statuses_stages.add_pipeline``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm import entity_types as et
from b24crm.crm import statuses_stages as stages
from b24crm.crm.item_rows import NOT_FOUND_TYPE
from b24crm.crm.permissions import grants_for
from b24crm.crm.statuses_defaults import DEFAULT_CATEGORY_SORT
from b24crm.results import Page, make_page
from b24crm.store import crm_statuses, crm_types

NOT_SUPPORTED = errors.ErrorSpec("ENTITY_TYPE_NOT_SUPPORTED", "Entity type {name} is not supported")
NOT_FOUND = errors.ErrorSpec("NOT_FOUND", "Element not found")
ACCESS_DENIED = errors.D7.ACCESS_DENIED
ADDING_DISABLED = errors.ErrorSpec("ADDING_DISABLED", "Adding a system category is prohibited")
NAME_REQUIRED = errors.ErrorSpec("0", "Field 'NAME' is required")
# The texts of the two refusals of delete are not in any source read; the codes are the ORM's (none).
DELETE_DEFAULT = errors.ErrorSpec("0", "The default pipeline cannot be deleted")
DELETE_NOT_EMPTY = errors.ErrorSpec("0", "The pipeline has items and cannot be deleted")

# The vendor's names of the fixed types (CCrmOwnerType::ResolveName), for ENTITY_TYPE_NOT_SUPPORTED.
FIXED_NAMES = {t.id: t.symbol for t in et.FIXED_OWNER_TYPES}


def _field(type_: str, upper: str, *, required: bool = False, read_only: bool = False) -> dict[str, Any]:
    return {
        "type": type_,
        "isRequired": required,
        "isReadOnly": read_only,
        "isImmutable": False,
        "isMultiple": False,
        "isDynamic": False,
        "title": upper,
        "upperName": upper,
    }


def describe(entity_type_id: int) -> dict[str, Any]:
    fields = {
        "id": _field("integer", "ID", read_only=True),
        "name": _field("string", "NAME"),
        "sort": _field("integer", "SORT"),
        "entityTypeId": _field("integer", "ENTITY_TYPE_ID", required=True, read_only=True),
        # A deal's default pipeline is fixed; a smart process's may be moved (so it is writable there).
        "isDefault": _field("boolean", "IS_DEFAULT", read_only=entity_type_id == et.DEAL),
    }
    if entity_type_id == et.DEAL:
        fields["originId"] = _field("string", "ORIGIN_ID")
        fields["originatorId"] = _field("string", "ORIGINATOR_ID")
    return fields


def view(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row["id"],
        "name": row["name"],
        "sort": row["sort"],
        "entityTypeId": row["entity_type_id"],
        "isDefault": "Y" if row["is_default"] else "N",
    }
    # Deals' own pipelines carry their data source; the default one (kept apart by the vendor) does not.
    if row["entity_type_id"] == et.DEAL and row["id"] != 0:
        out.update(originId=row["origin_id"], originatorId=row["originator_id"])
    return out


def _type(conn: Connection, ctx: Caller, entity_type_id: int) -> int:
    if stages.has_pipelines(entity_type_id):
        if entity_type_id == et.DEAL or crm_types.type_by_entity_type(conn, ctx.portal.id, entity_type_id):
            return entity_type_id
        raise NOT_FOUND_TYPE()
    if entity_type_id in et.ITEM_TYPES:
        raise NOT_SUPPORTED.format(name=FIXED_NAMES[entity_type_id])
    raise NOT_FOUND_TYPE()


def _found(conn: Connection, ctx: Caller, entity_type_id: int, category_id: int) -> dict[str, Any]:
    row = crm_statuses.category(conn, ctx.portal.id, entity_type_id, category_id)
    if row is None:
        raise NOT_FOUND()
    return row


def _may_read(conn: Connection, ctx: Caller, entity_type_id: int) -> bool:
    return grants_for(conn, ctx.portal.id, ctx.user).may_at_all(entity_type_id, "read")


def _require_admin(ctx: Caller) -> None:
    # "Administrative access to the CRM section": here, the portal's administrators (as crm.type.*).
    if not ctx.user.is_admin:
        raise ACCESS_DENIED()


def fields(ctx: Caller, entity_type_id: int) -> dict[str, Any]:
    with ctx.db.read() as conn:
        _type(conn, ctx, entity_type_id)
    return {"fields": describe(entity_type_id)}


def get(ctx: Caller, entity_type_id: int, category_id: int) -> dict[str, Any]:
    stages.ready(ctx)
    with ctx.db.read() as conn:
        _type(conn, ctx, entity_type_id)
        row = _found(conn, ctx, entity_type_id, category_id)
        if not _may_read(conn, ctx, entity_type_id):
            raise ACCESS_DENIED()
    return {"category": view(row)}


def list_(ctx: Caller, entity_type_id: int, filter_: Any) -> Page:
    stages.ready(ctx)
    with ctx.db.read() as conn:
        _type(conn, ctx, entity_type_id)
        rows = crm_statuses.categories_of(conn, ctx.portal.id, entity_type_id)
        if not _may_read(conn, ctx, entity_type_id):
            rows = []  # the list leaves out what the caller may not read
    if isinstance(filter_, dict) and "code" in filter_:
        rows = [r for r in rows if r["code"] == filter_["code"]]
    return make_page({"categories": [view(r) for r in rows]}, 0, len(rows), len(rows))


def _apply(conn: Connection, ctx: Caller, entity_type_id: int, row: dict[str, Any], given: Any) -> None:
    """The vendor's processFields: a name if given, a sort if not negative, and (smart processes only) the
    default flag, which moves the default from the pipeline that had it."""
    given = given if isinstance(given, dict) else {}
    if given.get("name") is not None:
        row["name"] = given["name"] if isinstance(given["name"], str) else str(given["name"])
    sort = given.get("sort")
    if sort is not None:
        try:
            value = int(str(sort).strip() or 0)
        except ValueError:
            value = 0
        if value >= 0:
            row["sort"] = min(value, 2**31 - 1)
    if entity_type_id != et.DEAL:
        flag = given.get("isDefault")
        if flag in ("N", False) and not row.get("was_default"):
            row["is_default"] = False
        elif flag in ("Y", True):
            crm_statuses.clear_default(conn, ctx.portal.id, entity_type_id)
            row["is_default"] = True
    if not str(row.get("name") or "").strip():
        raise NAME_REQUIRED()


_SAVED = ("name", "sort", "is_default")


def add(ctx: Caller, entity_type_id: int, given: Any) -> dict[str, Any]:
    stages.ready(ctx)
    with ctx.db.write() as conn:
        _type(conn, ctx, entity_type_id)
        if isinstance(given, dict) and given.get("isSystem") == "Y":
            raise ADDING_DISABLED()
        _require_admin(ctx)
        row: dict[str, Any] = {"name": "", "sort": DEFAULT_CATEGORY_SORT, "is_default": False}
        _apply(conn, ctx, entity_type_id, row, given)
        category_id = stages.add_pipeline(conn, ctx.portal.id, entity_type_id, {k: row[k] for k in _SAVED})
        return {"category": view(_found(conn, ctx, entity_type_id, category_id))}


def update(ctx: Caller, entity_type_id: int, category_id: int, given: Any) -> dict[str, Any]:
    stages.ready(ctx)
    with ctx.db.write() as conn:
        _type(conn, ctx, entity_type_id)
        row = _found(conn, ctx, entity_type_id, category_id)
        _require_admin(ctx)
        # The default pipeline stays the default until another one takes it.
        row["was_default"] = row["is_default"]
        _apply(conn, ctx, entity_type_id, row, given)
        crm_statuses.update_category(conn, ctx.portal.id, category_id, {k: row[k] for k in _SAVED})
        return {"category": view(_found(conn, ctx, entity_type_id, category_id))}


def delete(ctx: Caller, entity_type_id: int, category_id: int) -> None:
    stages.ready(ctx)
    with ctx.db.write() as conn:
        _type(conn, ctx, entity_type_id)
        row = _found(conn, ctx, entity_type_id, category_id)
        _require_admin(ctx)
        if row["is_default"]:
            raise DELETE_DEFAULT()
        if crm_statuses.count_in_category(conn, ctx.portal.id, entity_type_id, category_id):
            raise DELETE_NOT_EMPTY()
        entity_id = stages.stage_list(entity_type_id, category_id)
        if entity_id:
            crm_statuses.delete_list(conn, ctx.portal.id, entity_id)
        crm_statuses.delete_category(conn, ctx.portal.id, category_id)
