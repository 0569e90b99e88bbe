"""An activity's communications (the phone numbers and addresses it was made with): read from input as
``internalizeCommunications`` does, each stored with what it remembers of its CRM entity."""

from __future__ import annotations

from typing import Any

from b24crm.crm import entity_types as et
from b24crm.crm.activity.input import clip
from b24crm.crm.activity.kinds import CALL, EMAIL, MEETING, TASK
from b24crm.crm.activity.owners import Items
from b24crm.php.values import php_int, php_str
from b24crm.store import crm_activities
from b24crm.store.crm_activities import Binding
from b24crm.store.tables import crm_activity_communications


def parse(raw: Any, type_id: int, owner: Binding | None) -> list[dict[str, Any]]:
    """``internalizeCommunications``: entries without an entity take the owner's; empty values only for
    meetings; a call keeps only PHONE entries and an e-mail only EMAIL ones, the TYPE defaulting to them."""
    entries = raw.values() if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    accepted = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        value = php_str(entry.get("VALUE", "")).strip()
        entity_type_id = php_int(entry.get("ENTITY_TYPE_ID", 0))
        entity_id = php_int(entry.get("ENTITY_ID", 0))
        if value and (entity_type_id <= 0 or entity_id <= 0) and owner is not None:
            entity_type_id, entity_id = owner
        if entity_type_id <= 0 or entity_id <= 0:
            continue
        if not value and type_id not in (MEETING, TASK):
            continue
        kind = php_str(entry.get("TYPE", "")).strip()
        expected = {CALL: "PHONE", EMAIL: "EMAIL"}.get(type_id)
        if not kind:
            kind = expected or ""
        elif expected is not None and kind != expected:  # compared exactly, as the vendor does
            continue
        accepted.append(
            {
                "type": clip("type", kind, crm_activity_communications),
                "value": clip("value", value, crm_activity_communications),
                "entity_type_id": entity_type_id,
                "entity_id": entity_id,
            }
        )
    return accepted


def with_bindings(bindings: list[Binding], communications: list[dict[str, Any]]) -> list[Binding]:
    """``bindings`` followed by the entities of the communications not among them yet."""
    merged = list(bindings)
    for c in communications:
        binding = (c["entity_type_id"], c["entity_id"])
        if binding not in merged:
            merged.append(binding)
    return merged


def _entity_settings(found: Items, entity_type_id: int, entity_id: int) -> Any:
    """What a communication remembers of its entity (``PrepareCommunicationSettings``)."""
    if entity_type_id not in (et.LEAD, et.CONTACT, et.COMPANY):
        return []
    row = found.get((entity_type_id, entity_id))
    if row is None:
        return []
    data = row["data"] or {}
    if entity_type_id == et.COMPANY:
        return {"COMPANY_TITLE": row["title"] or ""}
    person = {
        "HONORIFIC": data.get("honorific") or "",
        "NAME": data.get("name") or "",
        "SECOND_NAME": data.get("secondName") or "",
        "LAST_NAME": data.get("lastName") or "",
    }
    if entity_type_id == et.LEAD:
        person["LEAD_TITLE"] = row["title"] or ""
    elif row["company_id"]:
        company = found.get((et.COMPANY, row["company_id"]))
        if company is not None:
            person.update(COMPANY_TITLE=company["title"] or "", COMPANY_ID=str(company["id"]))
    return person


def save(found: Items, activity_id: int, communications: list[dict[str, Any]], *, new: bool = False) -> None:
    """The activity's communications become ``communications`` (``new``: it has none yet)."""
    crm_activities.replace_communications(
        found.conn,
        found.portal_id,
        activity_id,
        [
            {**c, "entity_settings": _entity_settings(found, c["entity_type_id"], c["entity_id"])}
            for c in communications
        ],
        new=new,
    )
