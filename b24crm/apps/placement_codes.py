"""The placement codes an app may bind, by scope (the vendor's ``_placements`` of each scope's service
description: rest, intranet and im for the global ones, crm's ``AppPlacement`` and binding map for CRM).

CRM codes exist per entity; smart invoices and every smart process get the binding-map codes
(``CRM_DYNAMIC_<id>_...``). Options a placement declares are kept, with their defaults; a placement that
declares none stores ``[]`` whatever was passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from b24crm.store import crm_types

GLOBAL = "_global"  # codes that need the placement scope only


@dataclass(frozen=True)
class PlacementCode:
    code: str
    scope: str
    max_count: int = 0
    user_mode: bool = False
    options: dict[str, str] = field(default_factory=dict)  # name -> "string" | "int"


def _codes(scope: str, names: list[str], **kw: object) -> list[PlacementCode]:
    return [PlacementCode(name, scope, **kw) for name in names]  # type: ignore[arg-type]


_GLOBAL = [
    PlacementCode("REST_APP_URI", GLOBAL, max_count=1),
    PlacementCode(
        "PAGE_BACKGROUND_WORKER", GLOBAL, max_count=1, user_mode=True, options={"errorHandlerUrl": "string"}
    ),
    *_codes(GLOBAL, ["LEFT_MENU", "BI_ANALYTICS_MENU"]),
    *_codes(GLOBAL, ["IM_CONTEXT_MENU", "IM_NAVIGATION", "IM_TEXTAREA", "IM_SIDEBAR", "IM_SMILES_SELECTOR"]),
]
_DETAIL_ACTIVITY_OPTIONS = {
    "useBuiltInInterface": "string",
    "newUserNotificationText": "string",
    "newUserNotificationTitle": "string",
}


def _crm_static() -> list[PlacementCode]:
    made: list[PlacementCode] = []
    for entity in ("LEAD", "DEAL", "INVOICE", "QUOTE", "CONTACT", "COMPANY", "ACTIVITY", "SMART_INVOICE"):
        made.append(PlacementCode(f"CRM_{entity}_LIST_MENU", "crm"))
    for entity in ("LEAD", "DEAL", "QUOTE", "CONTACT", "COMPANY", "ORDER", "SMART_INVOICE"):
        made.append(PlacementCode(f"CRM_{entity}_DETAIL_TAB", "crm"))
        made.append(PlacementCode(f"CRM_{entity}_DETAIL_ACTIVITY", "crm", options=_DETAIL_ACTIVITY_OPTIONS))
    made += _codes("crm", ["CRM_ANALYTICS_MENU", "CRM_REQUISITE_EDIT_FORM", "1C_PAGE", "CRM_DETAIL_SEARCH"])
    made += [
        PlacementCode("CRM_REQUISITE_AUTOCOMPLETE", "crm", options={"countries": "string"}),
        PlacementCode("CRM_BANK_DETAIL_AUTOCOMPLETE", "crm", options={"countries": "string"}),
    ]
    for entity in ("DEAL", "LEAD", "CONTACT", "COMPANY", "INVOICE", "QUOTE", "ORDER"):
        made.append(PlacementCode(f"CRM_{entity}_LIST_TOOLBAR", "crm"))
    for entity in ("DEAL", "LEAD", "CONTACT", "COMPANY", "INVOICE", "QUOTE"):
        made.append(PlacementCode(f"CRM_{entity}_DETAIL_TOOLBAR", "crm"))
    for entity in ("DEAL", "LEAD", "QUOTE"):
        made.append(PlacementCode(f"CRM_{entity}_ACTIVITY_TIMELINE_MENU", "crm"))
    for entity in ("DEAL", "LEAD", "CONTACT", "COMPANY", "INVOICE", "QUOTE"):
        made.append(PlacementCode(f"CRM_{entity}_DOCUMENTGENERATOR_BUTTON", "crm"))
    made += _codes(
        "crm",
        [
            "CRM_ANALYTICS_TOOLBAR",
            "CRM_FUNNELS_TOOLBAR",
            "CRM_LEAD_ROBOT_DESIGNER_TOOLBAR",
            "CRM_DEAL_ROBOT_DESIGNER_TOOLBAR",
        ],
    )
    made += _binding_map("SMART_INVOICE")
    return made


def _binding_map(entity: str) -> list[PlacementCode]:
    suffixes = (
        "LIST_TOOLBAR",
        "LIST_MENU",
        "DETAIL_TOOLBAR",
        "ACTIVITY_TIMELINE_MENU",
        "DOCUMENTGENERATOR_BUTTON",
        "FUNNELS_TOOLBAR",
        "ROBOT_DESIGNER_TOOLBAR",
    )
    return [PlacementCode(f"CRM_{entity}_{suffix}", "crm") for suffix in suffixes]


def _dynamic(entity_type_id: int) -> list[PlacementCode]:
    entity = f"DYNAMIC_{entity_type_id}"
    return [
        *_binding_map(entity),
        PlacementCode(f"CRM_{entity}_DETAIL_TAB", "crm"),
        PlacementCode(f"CRM_{entity}_DETAIL_ACTIVITY", "crm", options=_DETAIL_ACTIVITY_OPTIONS),
    ]


_STATIC: dict[str, PlacementCode] = {}
for _code in [*_crm_static(), *_GLOBAL]:
    _STATIC.setdefault(_code.code, _code)


def all_codes(conn: Connection, portal_id: int) -> dict[str, PlacementCode]:
    """Every placement code of the portal, CRM first (with its smart processes), then the global ones."""
    codes = {c.code: c for c in _STATIC.values() if c.scope != GLOBAL}
    for row in crm_types.list_types(conn, portal_id):
        for code in _dynamic(row["entity_type_id"]):
            codes.setdefault(code.code, code)
    codes.update({c.code: c for c in _STATIC.values() if c.scope == GLOBAL})
    return codes
