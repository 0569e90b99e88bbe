"""Which reference lists a portal has (crm.status.entity.types) and what a value added to one of them
looks like (its code prefix, pipeline and code rules), after ``CCrmStatus::GetEntityTypes``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from b24crm.crm import entity_types as et
from b24crm.crm import statuses_stages as stages
from b24crm.crm.statuses_defaults import LIST_NAMES
from b24crm.store import crm_statuses, crm_types

SIMPLE = ("SOURCE", "CONTACT_TYPE", "COMPANY_TYPE", "EMPLOYEES", "INDUSTRY", "DEAL_TYPE")


def _semantic_info(start: str, success: str, failure: str) -> dict[str, Any]:
    return {
        "START_FIELD": start,
        "FINAL_SUCCESS_FIELD": success,
        "FINAL_UNSUCCESS_FIELD": failure,
        "FINAL_SORT": 0,
    }


def _deal_lists(conn: Connection, portal_id: int) -> list[dict[str, Any]]:
    categories = crm_statuses.categories_of(conn, portal_id, et.DEAL)
    out = []
    for c in sorted(categories, key=lambda c: (c["id"] == 0, c["sort"], c["id"])):
        prefix = stages.stage_prefix(et.DEAL, c["id"])
        head = f"{prefix}:" if prefix else ""
        entry: dict[str, Any] = {
            "ID": stages.stage_list(et.DEAL, c["id"]),
            "NAME": f"{c['name']} deal stages" if len(categories) > 1 else LIST_NAMES["DEAL_STAGE"],
        }
        if c["id"]:
            entry["PARENT_ID"] = "DEAL_STAGE"
        entry["SEMANTIC_INFO"] = _semantic_info(f"{head}NEW", f"{head}WON", f"{head}LOSE")
        if prefix:
            entry["PREFIX"] = prefix
        entry["FIELD_ATTRIBUTE_SCOPE"] = f"category_{c['id']}" if c["id"] else ""
        entry["ENTITY_TYPE_ID"] = et.DEAL
        # The vendor answers the other pipelines' IDs as strings and the default's as a number.
        entry["CATEGORY_ID"] = str(c["id"]) if c["id"] else 0
        out.append(entry)
    return out


def _dynamic_lists(conn: Connection, portal_id: int) -> list[dict[str, Any]]:
    out = []
    for t in crm_types.list_types(conn, portal_id):
        etid = t["entity_type_id"]
        for c in crm_statuses.categories_of(conn, portal_id, etid):
            out.append(
                {
                    "ID": stages.stage_list(etid, c["id"]),
                    "NAME": f"{t['title']} ({c['name']})",
                    "SEMANTIC_INFO": [],
                    "PREFIX": stages.stage_prefix(etid, c["id"]),
                    "FIELD_ATTRIBUTE_SCOPE": f"category_{c['id']}",
                    "ENTITY_TYPE_ID": etid,
                    "IS_ENABLED": bool((t["settings"] or {}).get("isStagesEnabled", False)),
                    "CATEGORY_ID": c["id"],
                    "CATEGORY_NAME": c["name"],
                    "CATEGORY_SORT": c["sort"],
                    "IS_DEFAULT_CATEGORY": bool(c["is_default"]),
                }
            )
    return out


def entity_types(conn: Connection, portal_id: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {
            "ID": "STATUS",
            "NAME": LIST_NAMES["STATUS"],
            "SEMANTIC_INFO": _semantic_info("NEW", "CONVERTED", "JUNK"),
            "ENTITY_TYPE_ID": et.LEAD,
        }
    ]
    out += [{"ID": name, "NAME": LIST_NAMES[name]} for name in SIMPLE]
    out += _deal_lists(conn, portal_id)
    out.append(
        {
            "ID": "QUOTE_STATUS",
            "NAME": LIST_NAMES["QUOTE_STATUS"],
            "SEMANTIC_INFO": _semantic_info("DRAFT", "APPROVED", "DECLAINED"),
            "ENTITY_TYPE_ID": et.QUOTE,
        }
    )
    out += [{"ID": name, "NAME": LIST_NAMES[name]} for name in ("HONORIFIC", "CALL_LIST")]
    return out + _dynamic_lists(conn, portal_id)


def list_info(conn: Connection, portal_id: int, entity_id: str) -> tuple[str, int | None, bool] | None:
    """(code prefix, pipeline, strict code rules) of a list a value may be added to, None for no list."""
    known = {e["ID"]: e for e in entity_types(conn, portal_id)}
    entry = known.get(entity_id)
    if entry is None:
        return None
    target = stages.list_target(entity_id)
    category = None
    if target is not None and target[0] != et.LEAD:
        category = target[1] or None
    strict = entity_id in ("STATUS", "QUOTE_STATUS") or (target is not None and target[0] == et.DEAL)
    return str(entry.get("PREFIX") or ""), category, strict
