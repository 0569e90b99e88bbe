"""A portal holding one of each object the docs' examples name, and the examples' ids mapped onto it.

The docs' examples name ids of the vendor's demo portals (deal 394, contact 84, type 1032). Each replay
runs on a fresh portal seeded here, where every id of the examples becomes the seeded object's id
(ids are counted per portal, so they are small and known) and every user id the calling user's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.client import Calls, PortalClient, call_fields

# Keys whose value is not an object id, though their names end in "id".
NOT_IDS = {
    "stage_id",
    "status_id",
    "currency_id",
    "source_id",
    "type_id",
    "category_id",
    "originator_id",
    "origin_id",
    "location_id",
    "colorid",
    "color_id",
    "provider_id",
    "provider_type_id",
    "stageid",
    "statusid",
    "currencyid",
    "sourceid",
    "typeid",
    "categoryid",
    "originatorid",
    "originid",
    "locationid",
    "badge_code",
    "honorific",
    "communication_type_id",
    "parententitytypeid",
    "contenttype",
    "mycompanyid",
    "clientid",
    "placement_id",
    "event_id",
    "user_type_id",
    "direction",
}
TYPE_KEYS = {"entitytypeid", "ownertypeid", "owner_type_id", "entity_type_id", "entitytype"}
USER_KEYS = {
    "responsibleid",
    "responsible_id",
    "assignedbyid",
    "assigned_by_id",
    "authorid",
    "author_id",
    "created_by_id",
    "createdby",
    "updatedby",
    "modify_by_id",
    "editor_id",
    "editorid",
    "userid",
    "user_id",
    "observers",
    "observer_ids",
    "created_by",
    "settings_user",
}
FIRST_SMART_TYPE = 128
# The docs' stand-ins for a value: **put_..._here**, formatDate(monthAgo).
PLACEHOLDER = re.compile(r"\*\*put_\w+_here\*\*|formatDate\(\w*\)")
DATE = "2025-01-15T10:00:00+00:00"


PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
# Per page: the calls that make the example's objects exist beyond the common world, and the
# parameters set over the mapped example (the example's second deal, a todo rather than a call).
# In a page's preparation: the (mapped) parameters of that method's own first docs example.
EXAMPLE: dict[str, Any] = {}
Override = dict[str, Any] | Callable[[list[Any]], dict[str, Any]]
SETUP: dict[str, tuple[list[tuple[str, dict[str, Any]]], Override]] = {
    "crm.activity.badge.get": (
        [
            (
                "crm.activity.badge.add",
                {"code": "missedCall", "title": "Call", "value": "Missed", "type": "failure"},
            )
        ],
        {},
    ),
    "crm.activity.binding.add": ([], {"entityId": 2}),
    "crm.activity.binding.delete": (
        [("crm.activity.binding.add", {"activityId": 1, "entityTypeId": 2, "entityId": 2})],
        {"entityId": 2},
    ),
    "crm.activity.binding.move": ([], {"targetEntityId": 2}),
    "crm.category.get": (
        [("crm.category.add", {"entityTypeId": 2, "fields": {"name": "Second"}})],
        lambda made: {"id": made[0]["category"]["id"]},
    ),
    "crm.status.add": (
        [("crm.category.add", {"entityTypeId": 2, "fields": {"name": "Second"}})],
        lambda made: {"fields": {"ENTITY_ID": f"DEAL_STAGE_{made[0]['category']['id']}"}},
    ),
    "crm.status.get": (
        [("crm.status.add", {"fields": {"ENTITY_ID": "SOURCE", "STATUS_ID": "DOCS", "NAME": "Docs"}})],
        lambda made: {"id": made[0]},
    ),
    "crm.timeline.bindings.bind": ([], {"fields": {"ENTITY_ID": 2}}),
    "crm.timeline.bindings.unbind": (
        [("crm.timeline.bindings.bind", {"fields": {"OWNER_ID": 1, "ENTITY_TYPE": "deal", "ENTITY_ID": 2}})],
        {"fields": {"ENTITY_ID": 2}},
    ),
    "crm.timeline.logmessage.get": (
        [
            (
                "crm.timeline.logmessage.add",
                {
                    "fields": {
                        "entityTypeId": 2,
                        "entityId": 1,
                        "title": "Log",
                        "text": "Text",
                        "iconCode": "info",
                    }
                },
            )
        ],
        {"id": 2},
    ),
    "crm.timeline.note.save": ([], {"ownerTypeId": 2, "itemId": 1}),
    "crm.timeline.note.get": (
        [
            (
                "crm.timeline.note.save",
                {"ownerTypeId": 2, "ownerId": 1, "itemType": 1, "itemId": 1, "text": "Note"},
            )
        ],
        {"ownerTypeId": 2, "itemId": 1},
    ),
    "crm.type.delete": ([("crm.item.delete", {"entityTypeId": 1036, "id": 1})], {}),
    "crm.activity.configurable.add": (
        [("crm.activity.badge.add", {"code": "CUSTOM", "title": "Custom", "value": "V", "type": "primary"})],
        {},
    ),
    "crm.activity.type.delete": ([("crm.activity.type.add", EXAMPLE)], {}),
    "crm.activity.layout.blocks.delete": ([("crm.activity.layout.blocks.set", EXAMPLE)], {}),
    "crm.timeline.layout.blocks.delete": ([("crm.timeline.layout.blocks.set", EXAMPLE)], {}),
    "placement.bind": ([], {"PLACEMENT": "CRM_DEAL_DETAIL_TAB"}),
}
_CONFIGURABLE = SETUP["crm.activity.configurable.add"][0] + [("crm.activity.configurable.add", EXAMPLE)]
SETUP["crm.activity.configurable.get"] = (_CONFIGURABLE, lambda made: {"id": made[-1]["activity"]["id"]})
SETUP["crm.activity.configurable.update"] = SETUP["crm.activity.configurable.get"]
SETUP["crm.activity.badge.delete"] = SETUP["crm.activity.badge.get"]
SETUP["crm.category.delete"] = SETUP["crm.category.get"]
SETUP["crm.status.delete"] = SETUP["crm.status.get"]
SETUP["crm.timeline.logmessage.delete"] = SETUP["crm.timeline.logmessage.get"]
SETUP["crm.timeline.note.delete"] = SETUP["crm.timeline.note.get"]
for _todo in ("", "Color", "Deadline", "Description", "ResponsibleUser"):
    SETUP[f"crm.activity.todo.update{_todo}"] = ([], {"id": 2})
# The pages whose methods an application calls (their examples run as an installed application).
APP_METHODS = (
    "crm.activity.configurable.",
    "crm.activity.layout.blocks.",
    "crm.timeline.layout.blocks.",
    "crm.activity.type.",
    "event.",
    "placement.",
)
# Examples whose ids are the ones to create, not existing objects.
UNMAPPED = {"crm.type.add"}


class World:
    """The seeded portal: the calling user, and the smart process type examples map onto."""

    def __init__(self, portal: PortalClient) -> None:
        self.portal = portal
        self.caller: Calls = portal  # who makes the page's calls: the webhook, or an application
        self.user = portal.hook.user.id
        phone = [{"VALUE": "+15550100", "VALUE_TYPE": "WORK"}]
        email = [{"VALUE": "docs@example.com", "VALUE_TYPE": "WORK"}]
        company = portal.result("crm.company.add", {"fields": {"TITLE": "Company"}})
        contacts = [
            portal.result(
                "crm.contact.add",
                {"fields": {"NAME": name, "LAST_NAME": "Doe", "PHONE": phone, "EMAIL": email}},
            )
            for name in ("John", "Jane")
        ]
        im = [{"VALUE": "docs", "VALUE_TYPE": "TELEGRAM"}]
        portal.result(
            "crm.lead.add",
            {"fields": {"TITLE": "Lead", "NAME": "Lead", "PHONE": phone, "IM": im}},
        )
        deal = portal.result(
            "crm.deal.add", {"fields": {"TITLE": "Deal", "COMPANY_ID": company, "CONTACT_IDS": contacts}}
        )
        portal.result("crm.deal.add", {"fields": {"TITLE": "Second deal"}})
        portal.result("crm.activity.add", {"fields": call_fields(deal)})
        portal.result(
            "crm.activity.todo.add",
            {"ownerTypeId": 2, "ownerId": deal, "deadline": "2025-01-20T10:00:00+00:00", "title": "Todo"},
        )
        smart = portal.result("crm.type.add", {"fields": {"title": "Docs process", "entityTypeId": 1036}})
        self.smart_type = int(smart["type"]["entityTypeId"])
        portal.result("crm.item.add", {"entityTypeId": self.smart_type, "fields": {"title": "Item"}})
        portal.result(
            "crm.timeline.comment.add",
            {
                "fields": {
                    "ENTITY_TYPE": "deal",
                    "ENTITY_ID": deal,
                    "COMMENT": "Comment",
                    "FILES": [["1.png", PNG]],
                }
            },
        )

    def request(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        """The example's parameters for this portal, after the page's own preparation."""
        prepare, override = SETUP.get(name, ([], {}))
        made = [
            self.caller.result(method, self._example(method) if call is EXAMPLE else call)
            for method, call in prepare
        ]
        mapped = params if name in UNMAPPED else self.params(params)
        return _merged(mapped, override(made) if callable(override) else override)

    def _example(self, method: str) -> dict[str, Any]:
        facts = json.loads((Path(__file__).with_name("examples.json")).read_text())["methods"]
        _prepare, override = SETUP.get(method, ([], {}))
        params = self.params(facts[method]["requests"][0]["params"])
        return _merged(params, override if isinstance(override, dict) else {})

    def params(self, value: Any, key: str = "") -> Any:
        """The example's parameters with its ids replaced by this portal's."""
        name = key.lower()
        if isinstance(value, dict):
            return {k: self.params(v, k) for k, v in value.items()}
        if isinstance(value, list):
            if name.endswith("ids") and name not in NOT_IDS:
                return [self._id(name, v, i) for i, v in enumerate(value)]
            return [self.params(v, key) for v in value]
        if isinstance(value, str) and PLACEHOLDER.fullmatch(value):
            return PNG if name == "filedata" else DATE if "date" in value.lower() else value
        if name in NOT_IDS or not _is_number(value):
            return value
        if name in TYPE_KEYS or name.replace("_", "").endswith("entitytypeid"):
            return self.smart_type if int(value) >= FIRST_SMART_TYPE else value
        if name in USER_KEYS:
            return self.user
        if name == "id" or name.endswith("id"):
            return self._id(name, value, 0)
        return value

    def _id(self, name: str, value: Any, index: int) -> Any:
        if not _is_number(value) or int(value) <= 0:
            return value
        if name in USER_KEYS or name.rstrip("s") in USER_KEYS:
            return self.user
        mapped = index + 1
        return str(mapped) if isinstance(value, str) else mapped


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.isdigit())
