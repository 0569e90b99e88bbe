"""The rules of an item's values on the way in: what input is accepted, the defaults a new item gets,
the multifields and the flags kept with them, the required fields (crm.item.* and the classic methods).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from b24crm import errors
from b24crm.auth.caller import Caller
from b24crm.crm import entity_types as et
from b24crm.crm import item_files
from b24crm.crm.fields import CONTACT_FLAGS, ItemField
from b24crm.crm.item_rows import ItemType
from b24crm.crm.values import value_in

MULTIFIELD_TYPES = ("PHONE", "EMAIL", "WEB", "IM", "LINK")


def defaults(item_type: ItemType, stored: dict[str, Any], ctx: Caller, now: float) -> None:
    user_id = ctx.user.id
    stored.setdefault("assignedById", user_id)
    if stored.get("assignedById") is None:
        stored["assignedById"] = user_id
    stored.update(createdBy=user_id, updatedBy=user_id, createdTime=now, updatedTime=now)
    if "lastActivityTime" in item_type.fields:
        # A new item's last activity is its creation (the vendor's factories set both on add).
        stored.update(lastActivityTime=now, lastActivityBy=user_id)
    if stored.get("opened") is None:
        # The vendor's factories open the five classic types to everyone, not invoices or smart processes.
        stored["opened"] = not (item_type.dynamic or item_type.entity_type_id == et.SMART_INVOICE)
    fields = item_type.fields
    if "stageId" in fields:
        category = stored.get("categoryId") or 0
        if "categoryId" in fields:
            stored["categoryId"] = category
        if not stored.get("stageId"):
            stored["stageId"] = _first_stage(item_type, category)
        if "stageSemanticId" in fields:
            stored["stageSemanticId"] = "P"
        if "movedBy" in fields:
            stored.update(movedBy=user_id, movedTime=now)
    if "currencyId" in fields and not stored.get("currencyId"):
        stored["currencyId"] = "USD"
    if "opportunity" in fields and stored.get("opportunity") is None:
        stored["opportunity"] = 0.0
    for flag in ("isManualOpportunity", "closed", "isRecurring", "isReturnCustomer", "isRepeatedApproach"):
        if flag in fields and stored.get(flag) is None:
            stored[flag] = False
    if "isNew" in fields:
        stored["isNew"] = True
    if item_type.entity_type_id == et.DEAL:
        # The vendor's deal defaults: first deal type, begin today, close in a week, no tax.
        if not stored.get("typeId"):
            stored["typeId"] = "SALE"
        today = _start_of_day(now, ctx.portal.tz)
        if stored.get("begindate") is None:
            stored["begindate"] = today
        if stored.get("closedate") is None:
            stored["closedate"] = today + 7 * 86400
        if stored.get("taxValue") is None:
            stored["taxValue"] = 0.0


def _start_of_day(now: float, tz: Any) -> float:
    moment = datetime.fromtimestamp(now, tz)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def _first_stage(item_type: ItemType, category: int) -> str:
    if item_type.entity_type_id == et.DEAL:
        return "NEW" if not category else f"C{category}:NEW"
    if item_type.entity_type_id == et.LEAD:
        return "NEW"
    if item_type.entity_type_id == et.QUOTE:
        return "DRAFT"
    if item_type.entity_type_id == et.SMART_INVOICE:
        return "DT31_1:N"
    return f"DT{item_type.entity_type_id}_{category or 1}:NEW"


def accept(
    item_type: ItemType, fields_in: Any, ctx: Caller, *, creating: bool, classic: bool = False
) -> dict[str, Any]:
    """Input fields -> stored values: unknown and read-only fields are ignored, as the vendor does."""
    if not isinstance(fields_in, dict):
        fields_in = {}
    stored: dict[str, Any] = {}
    tz = ctx.portal.tz
    catalogue_ = item_type.fields
    for name, value in fields_in.items():
        f = catalogue_.get(name)
        if f is None or f.read_only or f.name in ("id", "fm") or (f.classic_only and not classic):
            continue  # unknown to this API, read-only, or a field only the classic methods know
        if f.immutable and not creating:
            continue
        stored[name] = _file_in(f, value) if f.type == "file" and not f.multiple else value_in(f, value, tz)
    _derive(item_type, stored, creating)
    return stored


def _file_in(f: ItemField, value: Any) -> Any:
    """A photo or logo as uploaded (stored by ``item_files.settle`` once the row is written)."""
    try:
        return item_files.file_in(value)
    except item_files.InvalidFile:
        raise errors.D7.FIELD_INVALID.format(title=f.title) from None


def _derive(item_type: ItemType, stored: dict[str, Any], creating: bool) -> None:
    """The values the vendor derives from others rather than takes as given."""
    fields = item_type.fields
    if "contactIds" in stored and "contactId" in fields:
        # The first bound contact is the primary one: CONTACT_ID follows CONTACT_IDS.
        stored["contactId"] = stored["contactIds"][0] if stored["contactIds"] else None
    elif creating and stored.get("contactId") and "contactIds" in fields:
        stored["contactIds"] = [stored["contactId"]]
    if "taxValue" in stored:
        # The tax is the sum of the product rows' taxes, and there are no product rows here.
        stored["taxValue"] = 0.0


def multifields_in(fields_in: Any, current_ids: frozenset[int] = frozenset()) -> list[dict[str, Any]] | None:
    """The item's new multifields from ``fm``; an entry keeps its ``id`` only if the item already has it."""
    if not isinstance(fields_in, dict) or "fm" not in fields_in:
        return None
    raw = fields_in["fm"]
    rows = raw.values() if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    accepted = []
    for entry in rows:
        if not isinstance(entry, dict):
            continue
        type_id = str(entry.get("typeId", "")).upper()
        value = str(entry.get("value", "")).strip()
        if type_id in MULTIFIELD_TYPES and value:
            row: dict[str, Any] = {
                "typeId": type_id,
                "valueType": str(entry.get("valueType") or "WORK").upper(),
                "value": value,
            }
            kept = entry.get("id")
            if isinstance(kept, int) and not isinstance(kept, bool) and kept in current_ids:
                row["id"] = kept
            accepted.append(row)
    return accepted


def title_default(item_type: ItemType, item_id: int) -> str | None:
    if item_type.entity_type_id == et.DEAL:
        return f"Deal #{item_id}"
    if item_type.entity_type_id == et.LEAD:
        return f"Lead #{item_id}"
    if item_type.entity_type_id in (et.QUOTE, et.SMART_INVOICE) or item_type.dynamic:
        return f"{item_type.title} #{item_id}"
    return None


def contact_flags(item_type: ItemType, fm: list[dict[str, Any]]) -> dict[str, bool]:
    """hasPhone / hasEmail / hasImol of the multifields an item will have, for the types that keep them."""
    kinds = {row["typeId"] for row in fm}
    return {name: kind in kinds for name, kind in CONTACT_FLAGS.items() if name in item_type.fields}


def check_required(item_type: ItemType, stored: dict[str, Any]) -> None:
    for f in item_type.fields.values():
        if f.required and stored.get(f.name) in (None, "", []):
            raise errors.D7.FIELD_REQUIRED.format(title=f.title)
