"""Reference lists (crm.status.*): lead statuses, deal and smart-process stages per pipeline, sources and
the other lists the classic entities name in their ``crm_status`` fields.

Docs: api-reference/crm/status/crm-status-*.md; the vendor's older REST proxy (``CCrmStatusRestProxy``) over
``CCrmStatus``: errors with an empty code and HTTP 400, every value a string. Reading needs CRM access only;
changing needs CRM administration (here: the portal's administrators).
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm import statuses_stages as stages
from b24crm.crm.statuses_lists import entity_types, list_info
from b24crm.php.values import php_str
from b24crm.results import Page, legacy_page, legacy_window
from b24crm.store import crm_statuses
from b24crm.store.tables import crm_statuses as table

ACCESS_DENIED = errors.Legacy.ACCESS_DENIED
ID_INVALID = errors.Legacy.ID_INVALID
FIELDS_NOT_ARRAY = errors.Legacy.not_array("fields")
NOT_FOUND = errors.ErrorSpec("", "CRM Status is not found.")
LINES = errors.Legacy.LINES
UNSUPPORTED = errors.ErrorSpec("", "Specified entity type is not supported.")
NAME_REQUIRED = errors.ErrorSpec("", "The field Title is required.")
AFTER_FINAL = errors.ErrorSpec(
    "",
    "Cannot create more stages after the final stage because the final successful stage already exists. "
    "Try using sort order values less than that of the final stage.",
)
DUPLICATE = "The specified status ID already exists."
SYSTEM_FORCED = errors.ErrorSpec(
    "", 'CRM System Status can be deleted only if parameter FORCED is specified and equal to "Y".'
)
IN_USE = errors.ErrorSpec("", "There are active items in this status.")
ENTITY_INVALID = errors.ErrorSpec("", "The parameter entityId is not defined or invalid.")
# CCrmStatus::validateStatusId: the English texts of its two checks are not in any source read.
TOO_LONG = "The status ID is too long: at most {n} characters."
BAD_SYMBOLS = "The status ID may contain only Latin letters, digits, hyphens and underscores."
_CODE = re.compile(r"^[0-9A-Za-z_-]+$")


def _field(type_: str, title: str, *flags: str) -> dict[str, Any]:
    return {
        "type": type_,
        "isRequired": "required" in flags,
        "isReadOnly": "read_only" in flags,
        "isImmutable": "immutable" in flags,
        "isMultiple": False,
        "isDynamic": False,
        "title": title,
    }


FIELDS = {
    "ID": _field("integer", "ID", "read_only"),
    "ENTITY_ID": _field("string", "Entity ID", "required", "immutable"),
    "STATUS_ID": _field("string", "Status", "required", "immutable"),
    "SORT": _field("integer", "Sorting"),
    "NAME": _field("string", "Name", "required"),
    "NAME_INIT": _field("string", "Default Name", "read_only"),
    "SYSTEM": _field("char", "System", "read_only"),
    "CATEGORY_ID": _field("integer", "CATEGORY_ID", "immutable"),
    "COLOR": _field("string", "COLOR"),
    "SEMANTICS": _field("char", "SEMANTICS", "immutable"),
    "EXTRA": _field("crm_status_extra", "Additional Fields"),
}


def _extra(row: dict[str, Any], first_failure: str | None) -> dict[str, Any]:
    semantics = row["semantics"]
    word = {"S": "success", "F": "failure"}.get(semantics or "", "process")
    if semantics == "F" and row["status_id"] != first_failure:
        word = "apology"  # the failure stages after the first are "analysis" stages
    return {"SEMANTICS": word, "COLOR": row["color"]}


def view(row: dict[str, Any], first_failure: str | None = None, stage_list: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ID": str(row["id"]),
        "ENTITY_ID": row["entity_id"],
        "STATUS_ID": row["status_id"],
        "NAME": row["name"],
        "NAME_INIT": row["name_init"],
        "SORT": str(row["sort"]),
        "SYSTEM": "Y" if row["system"] else "N",
        "CATEGORY_ID": None if row["category_id"] is None else str(row["category_id"]),
        "COLOR": row["color"],
        "SEMANTICS": row["semantics"],
    }
    if stage_list:
        out["EXTRA"] = _extra(row, first_failure)
    return out


def _views(conn: Any, portal_id: int, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    first_failures: dict[str, str | None] = {}
    out = []
    for row in rows:
        entity_id = row["entity_id"]
        is_stages = stages.list_target(entity_id) is not None or entity_id == "QUOTE_STATUS"
        if is_stages and entity_id not in first_failures:
            failures = [
                s for s in crm_statuses.stages_of(conn, portal_id, entity_id) if s["semantics"] == "F"
            ]
            first_failures[entity_id] = failures[0]["status_id"] if failures else None
        out.append(view(row, first_failures.get(entity_id), is_stages))
    return out


def _id(value: Any) -> int:
    text = php_str(value).strip() if not isinstance(value, (dict, list)) else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 18 or int(text) <= 0:
        raise ID_INVALID()
    return int(text)


def _require_admin(ctx: Caller) -> None:
    if not ctx.user.is_admin:
        raise ACCESS_DENIED()


def fields() -> dict[str, Any]:
    return FIELDS


def get(ctx: Caller, status_id: Any) -> dict[str, Any]:
    wanted = _id(status_id)
    stages.ready(ctx)
    with ctx.db.read() as conn:
        row = crm_statuses.status_by_id(conn, ctx.portal.id, wanted)
        if row is None:
            raise NOT_FOUND()
        return _views(conn, ctx.portal.id, [row])[0]


_COLUMNS = {
    "ID": table.c.id,
    "ENTITY_ID": table.c.entity_id,
    "STATUS_ID": table.c.status_id,
    "NAME": table.c.name,
    "SORT": table.c.sort,
    "SYSTEM": table.c.system,
    "CATEGORY_ID": table.c.category_id,
    "SEMANTICS": table.c.semantics,
}


def _condition(name: str, value: Any) -> sa.ColumnElement[bool] | None:
    text = php_str(value) if not isinstance(value, (dict, list)) else ""
    if text == "" or text == "NOT_REF":
        return None  # the vendor skips empty filter values
    column = _COLUMNS[name]
    if name == "NAME":
        return sa.func.lower(column).contains(text.lower(), autoescape=True)
    if name == "SYSTEM":
        return column == (text == "Y")
    if name in ("ID", "SORT", "CATEGORY_ID"):
        return column == int(text) if re.fullmatch(r"-?\d{1,18}", text) else sa.false()
    return column == text


def list_(ctx: Caller, order: Any, filter_: Any, start: Any) -> Page:
    where = []
    for key, value in filter_.items() if isinstance(filter_, dict) else ():
        name = str(key).upper()
        if name in _COLUMNS:
            condition = _condition(name, value)
            if condition is not None:
                where.append(condition)
    ordering = []
    for key, direction in order.items() if isinstance(order, dict) else ():
        column = _COLUMNS.get(str(key).upper())
        if column is not None:
            ordering.append(column.asc() if str(direction).upper() == "ASC" else column.desc())
    if not ordering:
        ordering = [table.c.sort.asc()]  # the proxy's default order
    offset, count = legacy_window(start)
    stages.ready(ctx)
    with ctx.db.read() as conn:
        rows = crm_statuses.list_statuses(conn, ctx.portal.id, where, [*ordering, table.c.id.asc()])
        page = _views(conn, ctx.portal.id, rows[offset : offset + 50])
    return legacy_page(page, offset, len(rows) if count else None, len(page))


def entity_types_(ctx: Caller) -> list[dict[str, Any]]:
    stages.ready(ctx)
    with ctx.db.read() as conn:
        return entity_types(conn, ctx.portal.id)


def entity_items(ctx: Caller, entity_id: Any) -> list[dict[str, Any]]:
    text = php_str(entity_id) if entity_id is not None and not isinstance(entity_id, (dict, list)) else ""
    if text == "":
        raise ENTITY_INVALID()
    stages.ready(ctx)
    with ctx.db.read() as conn:
        rows = crm_statuses.stages_of(conn, ctx.portal.id, text.upper())
    return [{"NAME": r["name"], "SORT": r["sort"], "STATUS_ID": r["status_id"]} for r in rows]


def _sort(value: Any) -> int:
    text = php_str(value).strip() if value is not None and not isinstance(value, (dict, list)) else ""
    number = int(text) if re.fullmatch(r"-?\d{1,9}", text) else 0
    return number if number > 0 else 10  # CCrmStatus: a missing or non-positive sort is 10


def _color(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)) or php_str(value) == "":
        return None
    text = php_str(value)
    return text if text.startswith("#") else f"#{text}"


def add(ctx: Caller, fields_in: Any) -> int:
    if not isinstance(fields_in, dict):
        raise FIELDS_NOT_ARRAY()
    _require_admin(ctx)
    entity_id = (
        php_str(fields_in.get("ENTITY_ID") or "")
        if not isinstance(fields_in.get("ENTITY_ID"), (dict, list))
        else ""
    )
    code = (
        php_str(fields_in.get("STATUS_ID") or "")
        if not isinstance(fields_in.get("STATUS_ID"), (dict, list))
        else ""
    )
    missing = [
        f"The field {n} is required." for n, v in (("ENTITY_ID", entity_id), ("STATUS_ID", code)) if v == ""
    ]
    if missing:
        raise LINES.format(lines="\n".join(missing))
    stages.ready(ctx)
    with ctx.db.write() as conn:
        info = list_info(conn, ctx.portal.id, entity_id)
        if info is None:
            raise UNSUPPORTED()
        prefix, category, strict = info
        bare = code.split(":", 1)[1] if ":" in code else code
        full = f"{prefix}:{bare}" if prefix else bare
        limit = (30 - (len(full) - len(bare)) - len("STAGE_ID")) if strict else 50 - (len(full) - len(bare))
        if len(bare) > limit:
            raise errors.Legacy.CORE.format(message=TOO_LONG.format(n=limit))
        if strict and not _CODE.match(bare):
            raise errors.Legacy.CORE.format(message=BAD_SYMBOLS)
        if crm_statuses.value_exists(conn, ctx.portal.id, entity_id, full):
            raise errors.Legacy.CORE.format(message=DUPLICATE)
        name = (
            php_str(fields_in.get("NAME") or "").strip()
            if not isinstance(fields_in.get("NAME"), (dict, list))
            else ""
        )
        if not name:
            raise NAME_REQUIRED()
        sort = _sort(fields_in.get("SORT"))
        semantics = (
            php_str(fields_in.get("SEMANTICS") or "")
            if not isinstance(fields_in.get("SEMANTICS"), (dict, list))
            else ""
        )
        if strict and semantics in ("", "P"):
            success = [
                s for s in crm_statuses.stages_of(conn, ctx.portal.id, entity_id) if s["semantics"] == "S"
            ]
            if success and sort > success[0]["sort"]:
                raise AFTER_FINAL()
        given_category = fields_in.get("CATEGORY_ID")
        return crm_statuses.insert_status(
            conn,
            ctx.portal.id,
            {
                "entity_id": entity_id,
                "status_id": full,
                "name": name,
                "name_init": "",
                "sort": sort,
                "system": False,
                "category_id": category if given_category in (None, "") else _sort_or_none(given_category),
                "color": _color(fields_in.get("COLOR")),
                "semantics": (semantics or "P")[:1],
            },
        )


def _sort_or_none(value: Any) -> int | None:
    text = php_str(value).strip() if not isinstance(value, (dict, list)) else ""
    return int(text) if re.fullmatch(r"\d{1,9}", text) else None


def update(ctx: Caller, status_id: Any, fields_in: Any) -> bool:
    wanted = _id(status_id)
    if not isinstance(fields_in, dict):
        raise FIELDS_NOT_ARRAY()
    _require_admin(ctx)
    stages.ready(ctx)
    with ctx.db.write() as conn:
        if crm_statuses.status_by_id(conn, ctx.portal.id, wanted) is None:
            raise NOT_FOUND()
        # CCrmStatus::Update: the sort is always written (10 when not given), the rest only when given.
        values: dict[str, Any] = {"sort": _sort(fields_in.get("SORT"))}
        name = fields_in.get("NAME")
        if name is not None and not isinstance(name, (dict, list)) and php_str(name).strip():
            values["name"] = php_str(name).strip()
        color = _color(fields_in.get("COLOR"))
        if color is not None:
            values["color"] = color
        semantics = fields_in.get("SEMANTICS")
        if semantics is not None and not isinstance(semantics, (dict, list)):
            values["semantics"] = php_str(semantics)[:1] or None
        crm_statuses.update_status(conn, ctx.portal.id, wanted, values)
    return True


def delete(ctx: Caller, status_id: Any, params: Any) -> bool:
    wanted = _id(status_id)
    _require_admin(ctx)
    stages.ready(ctx)
    forced = isinstance(params, dict) and str(params.get("FORCED", "")).upper() == "Y"
    with ctx.db.write() as conn:
        row = crm_statuses.status_by_id(conn, ctx.portal.id, wanted)
        if row is None:
            raise NOT_FOUND()
        if row["system"] and not forced:
            raise SYSTEM_FORCED()
        target = stages.list_target(row["entity_id"])
        if target and crm_statuses.items_in_stage(conn, ctx.portal.id, target[0], row["status_id"]):
            raise IN_USE()
        crm_statuses.delete_status(conn, ctx.portal.id, wanted)
    return True
