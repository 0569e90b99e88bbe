"""The classic crm.lead/deal/contact/company.* methods, as a translation over the items service.

The same stored items, seen through the older API: UPPER_CASE field names (a few of them historical:
``DATE_CREATE``, ``MODIFY_BY_ID``, a lead's ``STATUS_ID``, a company's ``COMPANY_TYPE``), every scalar a
string, multifields as ``PHONE``/``EMAIL``/``WEB``/``IM``/``LINK`` lists, and errors with an empty code
(docs: api-reference/crm/{leads,deals,contacts,companies}/crm-<entity>-*.md). The fields are declared in
``classic_fields.py``, their classic form in ``classic_forms.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm import entity_types as et
from b24crm.crm import item_rows, items
from b24crm.crm.classic_fields import MULTIFIELD_NAMES, field_names, legacy_fields
from b24crm.crm.classic_forms import multifield_changes, render, to_camel
from b24crm.crm.fields import catalogue
from b24crm.crm.item_filters import MULTI_PREFIX
from b24crm.results import Page, legacy_page
from b24crm.store import crm_items, item_lists
from b24crm.store.filters import split_key, to_int

ENTITIES = {"lead": et.LEAD, "deal": et.DEAL, "contact": et.CONTACT, "company": et.COMPANY}

# Legacy errors: an empty code, HTTP 400.
ID_INVALID = errors.Legacy.ID_INVALID
NOT_FOUND = errors.ErrorSpec("", "Not found")
ACCESS_DENIED = errors.Legacy.ACCESS_DENIED
FIELDS_NOT_ARRAY = errors.Legacy.not_array("fields")
PARAMS_NOT_ARRAY = errors.Legacy.not_array("params")
# The classic methods word a currency that is none of the portal's so (crm-deal-add.md, crm-deal-update.md).
CURRENCY_INVALID = errors.ErrorSpec("", 'Invalid value for the "Currency" field')
CURRENCY_INVALID_ITEM = errors.ErrorSpec(
    errors.D7.FIELD_INVALID.code, errors.D7.FIELD_INVALID.description.format(title="Currency")
)


def _raised(exc: errors.ApiError, specs: Iterable[errors.ErrorSpec]) -> bool:
    """Whether ``exc`` is one of ``specs`` as raised (each of them is raised with its own text)."""
    return any((exc.code, exc.description, exc.status) == (s.code, s.description, s.status) for s in specs)


def _legacy_errors(call: Callable[[], Any]) -> Any:
    """Run an items operation, answering its errors in the classic form."""
    try:
        return call()
    except errors.ApiError as exc:
        if _raised(exc, item_rows.DENIED):
            raise ACCESS_DENIED() from exc
        if _raised(exc, item_rows.MISSING):
            raise NOT_FOUND() from exc
        if _raised(exc, [CURRENCY_INVALID_ITEM]):
            raise CURRENCY_INVALID() from exc
        raise errors.Legacy.MESSAGE(exc.description) from exc


def _id(value: Any) -> int:
    try:
        item_id = to_int(value)
    except ValueError:
        raise ID_INVALID() from None
    if item_id <= 0:
        raise ID_INVALID()
    return item_id


def _fields(value: Any) -> dict[str, Any]:
    if isinstance(value, list) and not value:
        return {}
    if not isinstance(value, dict):
        raise FIELDS_NOT_ARRAY()
    return value


def _params(value: Any) -> None:
    """``params`` (REGISTER_SONET_EVENT and the like) must be an array when given, as ``fields``."""
    if value not in (None, "") and not isinstance(value, (dict, list)):
        raise PARAMS_NOT_ARRAY()


def add(ctx: Caller, entity_type_id: int, fields: Any, params: Any = None) -> int:
    fields = _fields(fields)
    _params(params)
    camel = to_camel(entity_type_id, fields)
    fm = multifield_changes(fields, [])
    if fm is not None:
        camel["fm"] = fm
    item = _legacy_errors(lambda: items.add(ctx, entity_type_id, camel, classic=True))
    return int(item["id"])


def get(ctx: Caller, entity_type_id: int, item_id: Any) -> dict[str, Any]:
    wanted = _id(item_id)
    item = _legacy_errors(lambda: items.get(ctx, entity_type_id, wanted))
    return _reload(ctx, entity_type_id, int(item["id"]))


def _reload(ctx: Caller, entity_type_id: int, item_id: int) -> dict[str, Any]:
    with ctx.db.read() as conn:
        row = crm_items.get_item(conn, ctx.portal.id, entity_type_id, item_id)
        if row is None:
            raise NOT_FOUND()
        fm = None
        if "fm" in catalogue(entity_type_id):
            fm = crm_items.multifields_of(conn, ctx.portal.id, entity_type_id, [item_id])[item_id]
    return render(entity_type_id, row, ctx, fm)


def update(ctx: Caller, entity_type_id: int, item_id: Any, fields: Any, params: Any = None) -> bool:
    wanted = _id(item_id)
    fields = _fields(fields)
    _params(params)
    camel = to_camel(entity_type_id, fields)
    if any(name in fields for name in MULTIFIELD_NAMES) and "fm" in catalogue(entity_type_id):
        with ctx.db.read() as conn:
            current = crm_items.multifields_of(conn, ctx.portal.id, entity_type_id, [wanted])[wanted]
        camel["fm"] = multifield_changes(fields, current)
    _legacy_errors(lambda: items.update(ctx, entity_type_id, wanted, camel, classic=True))
    return True


def delete(ctx: Caller, entity_type_id: int, item_id: Any) -> bool:
    wanted = _id(item_id)
    _legacy_errors(lambda: items.delete(ctx, entity_type_id, wanted))
    return True


def _camel_filter(entity_type_id: int, filter_: Any) -> dict[str, Any]:
    """Classic filter -> item filter; unknown fields are dropped, as the classic methods do."""
    by_name = legacy_fields(entity_type_id)
    camel: dict[str, Any] = {}
    for key, value in filter_.items() if isinstance(filter_, dict) else ():
        op, name = split_key(str(key))
        f = by_name.get(name.upper())
        if name.upper() in MULTIFIELD_NAMES and "fm" in catalogue(entity_type_id):
            # The vendor filters by the item's multifields of that type (any value matching).
            bare = op == "=" and not str(key).startswith("=")
            camel[f"{'' if bare else op}{MULTI_PREFIX}{name.upper()}"] = value
        elif f is not None and not f.multiple and f.type != "file":
            camel[f"{'' if op == '=' and not str(key).startswith('=') else op}{f.name}"] = value
    return camel


def _camel_order(entity_type_id: int, order: Any) -> dict[str, str]:
    by_name = legacy_fields(entity_type_id)
    camel: dict[str, str] = {}
    for key, direction in order.items() if isinstance(order, dict) else ():
        f = by_name.get(str(key).upper())
        text = str(direction).upper()
        if f is not None and not f.multiple and f.type != "file" and text in ("ASC", "DESC"):
            camel[f.name] = text
    return camel


def _selection(entity_type_id: int, select: Any) -> set[str] | None:
    names = list(select.values()) if isinstance(select, dict) else select if isinstance(select, list) else []
    wanted = {str(n).upper() for n in names}
    if not wanted or "*" in wanted:
        return None if not wanted or wanted <= {"*", "UF_*"} else wanted | field_names(entity_type_id)
    return wanted


def list_items(
    ctx: Caller, entity_type_id: int, *, select: Any, filter_: Any, order: Any, start: Any
) -> Page:
    camel_filter = _camel_filter(entity_type_id, filter_)
    camel_order = _camel_order(entity_type_id, order)
    selection = _selection(entity_type_id, select)

    def run() -> tuple[list[dict[str, Any]], int | None, int, dict[int, list[dict[str, Any]]]]:
        with ctx.db.read_each() as conn:  # the page, its count and its multifields: no snapshot in common
            plan = items.plan_list(
                conn, ctx, entity_type_id, filter_=camel_filter, order=camel_order, start=start, classic=True
            )
            rows = item_lists.rows(conn, plan.query)
            total = item_lists.total(conn, plan.query) if plan.count else None
            fms: dict[int, list[dict[str, Any]]] = {}
            wants_fm = selection is None or bool(selection & set(MULTIFIELD_NAMES))
            if "fm" in catalogue(entity_type_id) and wants_fm:
                fms = crm_items.multifields_of(conn, ctx.portal.id, entity_type_id, [r["id"] for r in rows])
            return rows, total, plan.offset, fms

    rows, total, offset, fms = _legacy_errors(run)
    # The classic lists leave multifields out unless asked for by name.
    result = [
        render(entity_type_id, r, ctx, fms.get(r["id"]), selection, multifields=selection is not None)
        for r in rows
    ]
    return legacy_page(result, offset, total, len(result))
