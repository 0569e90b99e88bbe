"""What the page tests share: signing in, the CSRF token of a page, and a deal with one timeline entry of
every kind (the browser tests use it too). It holds no tests of its own."""

from __future__ import annotations

import base64
import copy
import re
from typing import Any

from starlette.testclient import TestClient

from tests.apps_support import InstalledApp, install
from tests.client import PortalClient
from tests.test_crm_activity_configurable import DOCS_LAYOUT
from tests.test_crm_activity_layout_blocks import DOCS_LAYOUT as BLOCKS_LAYOUT

TOKEN = "admin-secret"  # the admin token of the suite's settings
HOSTILE = '<script>alert("x")</script>'


def sign_in(http: TestClient, token: str = TOKEN) -> Any:
    form = http.get("/ui/signin")
    pre = re.search(r'name="pre" value="([^"]+)"', form.text)
    assert pre is not None, form.text
    return http.post("/ui/signin", data={"pre": pre.group(1), "token": token, "next": "/ui/"})


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def base_of(portal: PortalClient, user_id: int | None = None) -> str:
    return f"/ui/portals/{portal.hook.portal.id}/users/{user_id or portal.hook.user.id}"


def full_layout(title: str = "Incoming Call") -> dict[str, Any]:
    """The documentation's layout with every block type, a restEvent button that locks the entry, and a
    deadline the user may change."""
    layout = copy.deepcopy(DOCS_LAYOUT)
    layout["header"]["title"] = title
    blocks = layout["body"]["blocks"]
    blocks["note"] = {
        "type": "text",
        "properties": {"value": "Line one\nLine two", "multiline": True, "bold": True, "size": "sm",
                       "color": "base_70"},
    }  # fmt: skip
    blocks["long"] = {"type": "largeText", "properties": {"value": "Long text. " * 40}}
    blocks["due"] = {"type": "deadline", "properties": {}}
    blocks["stacked"] = {
        "type": "withTitle",
        "properties": {"title": "Stacked", "block": {"type": "text", "properties": {"value": "Below"}}},
    }
    layout["footer"]["buttons"]["ping"] = {
        "title": "Ping",
        "type": "secondary",
        "action": {"type": "restEvent", "id": "ping", "animationType": "loader"},
    }
    return layout


def every_kind(portal: PortalClient, app: InstalledApp | None = None) -> dict[str, int]:
    """A deal with a call (communications, a file, an app's blocks), an outgoing e-mail, a completed
    meeting, a todo and a configurable activity; answers their ids."""
    app = app or install(portal, "http://app.test/install")
    deal = int(portal.result("crm.deal.add", {"fields": {"TITLE": "Big deal"}}))
    file_data = ["notes <1>.txt", base64.b64encode(b"hello").decode()]
    call = int(
        portal.result(
            "crm.activity.add",
            {
                "fields": {
                    "OWNER_TYPE_ID": 2, "OWNER_ID": deal, "TYPE_ID": 2, "SUBJECT": "Incoming call",
                    "DIRECTION": 1, "COMMUNICATIONS": [{"VALUE": "+1 555 0100", "TYPE": "PHONE"}],
                    "FILES": [{"fileData": file_data}],
                }
            },
        )
    )  # fmt: skip
    email = int(
        portal.result(
            "crm.activity.add",
            {
                "fields": {
                    "OWNER_TYPE_ID": 2, "OWNER_ID": deal, "TYPE_ID": 4, "SUBJECT": "Offer sent",
                    "DIRECTION": 2,
                    "COMMUNICATIONS": [{"VALUE": "client@example.com", "TYPE": "EMAIL"}],
                }
            },
        )
    )  # fmt: skip
    meeting = int(
        portal.result(
            "crm.activity.add",
            {
                "fields": {
                    "OWNER_TYPE_ID": 2, "OWNER_ID": deal, "TYPE_ID": 1, "SUBJECT": "Kick-off",
                    "COMPLETED": "Y", "COMMUNICATIONS": [{"VALUE": "1"}],
                }
            },
        )
    )  # fmt: skip
    todo = portal.result(
        "crm.activity.todo.add",
        {
            "ownerTypeId": 2, "ownerId": deal, "deadline": "2030-01-01T10:00:00", "title": "Call back",
            "description": "Ask about the budget", "pingOffsets": [0, 15], "colorId": "2",
        },
    )["id"]  # fmt: skip
    configurable = app.api.result(
        "crm.activity.configurable.add",
        {
            "ownerTypeId": 2,
            "ownerId": deal,
            "fields": {"deadline": "2031-05-01T09:00:00"},
            "layout": full_layout(),
        },
    )["activity"]["id"]
    target = {"entityTypeId": 2, "entityId": deal, "activityId": call, "layout": BLOCKS_LAYOUT}
    app.api.result("crm.activity.layout.blocks.set", target)
    return {
        "deal": deal, "call": call, "email": email, "meeting": meeting, "todo": int(todo),
        "configurable": int(configurable),
    }  # fmt: skip


def records_on(
    portal: PortalClient, app: InstalledApp, deal: int, activity: int, text: str = ""
) -> dict[str, int]:
    """On the deal: a comment (with the application's blocks on it), an application's log message, and
    notes on the activity and the comment."""
    comment = int(
        portal.result(
            "crm.timeline.comment.add",
            {"fields": {"ENTITY_ID": deal, "ENTITY_TYPE": "deal", "COMMENT": text or "Client called back"}},
        )
    )
    log = app.api.result(
        "crm.timeline.logmessage.add",
        {"fields": {"entityTypeId": 2, "entityId": deal, "title": text or "Synced",
                    "text": text or "3 orders", "iconCode": "info"}},
    )["logMessage"]["id"]  # fmt: skip
    app.api.result(
        "crm.timeline.layout.blocks.set",
        {"timelineId": comment, "entityTypeId": 2, "entityId": deal,
         "layout": {"blocks": {"b": {"type": "text", "properties": {"value": text or "Order #7"}}}}},
    )  # fmt: skip
    for item_id, item_type in ((activity, 2), (comment, 1)):
        portal.result(
            "crm.timeline.note.save",
            {"itemId": item_id, "itemType": item_type, "ownerTypeId": 2, "ownerId": deal,
             "text": text or f"Note on {item_id}"},
        )  # fmt: skip
    return {"comment": comment, "log": int(log)}
