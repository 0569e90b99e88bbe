"""Every text that applications and users give is escaped on the pages: item fields, activity subjects,
descriptions, communications, file names, layout titles, tags, blocks and links, application names, user
names, the search box and the notice. One hostile string goes everywhere; it must never come back raw."""

from __future__ import annotations

import base64
import copy
import html

from b24crm.store import apps as apps_store
from tests.apps_support import install
from tests.client import PortalClient
from tests.test_web_support import HOSTILE, base_of, full_layout, records_on, sign_in

ESCAPED = html.escape(HOSTILE, quote=False)


def _hostile_layout() -> dict:  # type: ignore[type-arg]
    layout = full_layout(HOSTILE)
    layout["header"]["tags"]["evil"] = {"type": "failure", "title": HOSTILE}
    blocks = layout["body"]["blocks"]
    blocks["t"] = {"type": "text", "properties": {"value": HOSTILE, "title": HOSTILE}}
    blocks["l"] = {"type": "largeText", "properties": {"value": HOSTILE}}
    blocks["js"] = {
        "type": "link",
        "properties": {"text": HOSTILE, "action": {"type": "redirect", "uri": "javascript:alert(1)"}},
    }
    blocks["w"] = {
        "type": "withTitle",
        "properties": {"title": HOSTILE, "block": {"type": "text", "properties": {"value": HOSTILE}}},
    }
    layout["footer"]["buttons"]["ping"]["title"] = HOSTILE
    layout["footer"]["menu"]["items"]["confirm"]["title"] = HOSTILE
    return layout


def test_hostile_texts_come_back_escaped(app_portal: PortalClient) -> None:
    http = app_portal.http
    sign_in(http)
    app = install(app_portal, "http://app.test/install")
    with app_portal.runtime.db.write() as conn:
        apps_store.update_app(conn, app_portal.hook.portal.id, app.made.app.id, {"title": HOSTILE})
    app_portal.runtime.tenancy.create_user(app_portal.hook.portal.id, name=HOSTILE)
    deal = int(app_portal.result("crm.deal.add", {"fields": {"TITLE": HOSTILE}}))
    call = int(
        app_portal.result(
            "crm.activity.add",
            {
                "fields": {
                    "OWNER_TYPE_ID": 2, "OWNER_ID": deal, "TYPE_ID": 2, "SUBJECT": HOSTILE,
                    "DESCRIPTION": HOSTILE, "COMMUNICATIONS": [{"VALUE": HOSTILE, "TYPE": "PHONE"}],
                    "FILES": [{"fileData": [HOSTILE + ".txt", base64.b64encode(b"x").decode()]}],
                }
            },
        )
    )  # fmt: skip
    app_portal.result(
        "crm.activity.todo.add",
        {"ownerTypeId": 2, "ownerId": deal, "deadline": "2030-01-01T10:00:00", "title": HOSTILE,
         "description": HOSTILE},
    )  # fmt: skip
    app.api.result(
        "crm.activity.configurable.add",
        {"ownerTypeId": 2, "ownerId": deal, "fields": {}, "layout": _hostile_layout()},
    )
    blocks = {"blocks": copy.deepcopy(_hostile_layout()["body"]["blocks"])}
    for key in ("due",):
        blocks["blocks"].pop(key)
    app.api.result(
        "crm.activity.layout.blocks.set",
        {"entityTypeId": 2, "entityId": deal, "activityId": call, "layout": blocks},
    )
    records_on(app_portal, app, deal, call, HOSTILE)  # comment, log message, notes, the comment's blocks
    base = base_of(app_portal)
    pages = {
        "portals": http.get("/ui/"),
        "list": http.get(f"{base}/items/2"),
        "search": http.get(f"{base}/items/2", params={"q": HOSTILE}),
        "item": http.get(f"{base}/items/2/{deal}", params={"done": HOSTILE}),
    }
    for name, page in pages.items():
        assert page.status_code == 200, (name, page.text)
        assert HOSTILE not in page.text, name
        assert "<script>alert" not in page.text, name
        assert ESCAPED.replace('"', "&#34;") in page.text or html.escape(HOSTILE) in page.text, name
    assert "script-src 'self'" in pages["item"].headers["content-security-policy"]
    item = pages["item"].text
    assert "javascript:" not in item
    assert item.count("&lt;script&gt;") >= 20  # title, tags, blocks, buttons, menu, app name, file, records
    assert 'data-record="' in item and 'class="note"' in item


def test_a_foreign_class_name_or_link_is_dropped(app_portal: PortalClient) -> None:
    from b24crm.web.context import templates

    cssname, safe_uri = templates.filters["cssname"], templates.filters["safe_uri"]
    assert cssname('x" onmouseover="y') == "x" and cssname("base_70") == "base_70"
    for bad in ("javascript:alert(1)", " JavaScript:x", "data:text/html,x", "//evil.example", "/\\evil"):
        assert safe_uri(bad) == "", bad
    for good in ("https://example.com/a?b=1", "/crm/deal/details/1/"):
        assert safe_uri(good) == good
