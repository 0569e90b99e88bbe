"""crm.activity.configurable.add / update / get through HTTP with an installed application, on SQLite and
PostgreSQL (docs: api-reference/crm/timeline/activities/configurable/*.md; reference: crm.md §4, §5.4), and
the clicks on their actions (the admin endpoint the timeline page will use)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from b24crm.clock import ManualClock
from b24crm.devtools import EventReceiver
from b24crm.events.delivery import deliver_due
from tests.apps_support import InstalledApp, install
from tests.client import PortalClient

ADMIN = {"Authorization": "Bearer admin-secret"}
WRONG_CONTEXT = {
    "error": "ERROR_WRONG_CONTEXT",
    "error_description": "This method can only be called in the context of a REST application.",
}

# crm-activity-configurable-add.md, the request example (and crm.md §5.5).
DOCS_LAYOUT: dict[str, Any] = {
    "icon": {"code": "call-completed"},
    "header": {"title": "Incoming Call", "tags": {"status2": {"type": "warning", "title": "not transcribed"}}},
    "body": {
        "logo": {"code": "call-incoming", "action": {"type": "redirect", "uri": "/crm/deal/details/123/"}},
        "blocks": {
            "client": {
                "type": "withTitle",
                "properties": {
                    "title": "Client",
                    "inline": True,
                    "block": {"type": "text", "properties": {"value": "Ltd. Hoofs and Horns"}},
                },
            },
            "responsible": {
                "type": "lineOfBlocks",
                "properties": {
                    "blocks": {
                        "client": {
                            "type": "link",
                            "properties": {
                                "text": "Sergey Vostrikov",
                                "bold": True,
                                "action": {"type": "redirect", "uri": "/crm/lead/details/789/"},
                            },
                        },
                        "phone": {"type": "text", "properties": {"value": "+1 999 888 7777"}},
                    }
                },
            },
        },
    },
    "footer": {
        "buttons": {
            "startCall": {
                "title": "About Client",
                "type": "primary",
                "action": {"type": "openRestApp", "actionParams": {"clientId": 456}},
            }
        },
        "menu": {
            "showPostponeItem": False,
            "items": {
                "confirm": {
                    "title": "Confirm Request",
                    "action": {"type": "restEvent", "id": "confirm", "animationType": "loader"},
                },
                "decline": {
                    "title": "Decline Request",
                    "action": {"type": "restEvent", "id": "decline", "animationType": "loader"},
                },
            },
        },
    },
}


def _lead(portal: PortalClient) -> int:
    return int(portal.result("crm.lead.add", {"fields": {"TITLE": "Lead"}}))


def _add(app: InstalledApp, owner: int, fields: dict[str, Any] | None = None, **extra: Any) -> int:
    params = {"ownerTypeId": 1, "ownerId": owner, "fields": fields or {}, "layout": DOCS_LAYOUT, **extra}
    answer = app.api.result("crm.activity.configurable.add", params)
    assert list(answer) == ["activity"] and list(answer["activity"]) == ["id"]
    return int(answer["activity"]["id"])


def test_add_then_get_as_the_docs_example(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install")
    lead = _lead(app_portal)
    activity = _add(app, lead, {"deadline": "2025-02-01T01:00:00+03:00"})
    got = app.api.result("crm.activity.configurable.get", {"id": activity})
    expected_layout = copy.deepcopy(DOCS_LAYOUT)
    expected_layout["footer"]["buttons"]["startCall"]["action"]["actionParams"]["clientId"] = "456"
    assert got == {
        "activity": {
            "id": activity,
            "ownerTypeId": 1,
            "ownerId": lead,
            "fields": {
                "typeId": "CONFIGURABLE",
                "completed": False,
                "deadline": "2025-01-31T22:00:00+00:00",
                "pingOffsets": [],
                "isIncomingChannel": False,
                "responsibleId": app_portal.hook.user.id,
                "badgeCode": None,
                "originatorId": None,
                "originId": None,
            },
            "layout": expected_layout,
        }
    }
