"""An item's page reads a fixed number of statements whatever it shows: the users and applications of a
page's entries are read once for the page, and a deep page of the history is read directly, not through
the lists down to it."""

from __future__ import annotations

from b24crm.clock import ManualClock
from tests.apps_support import install
from tests.client import PortalClient
from tests.statements import statements_on
from tests.test_web_support import base_of, sign_in


def _block(app_api: object, record: int, deal: int, text: str) -> None:
    app_api.result(  # type: ignore[attr-defined]
        "crm.timeline.layout.blocks.set",
        {"timelineId": record, "entityTypeId": 2, "entityId": deal,
         "layout": {"blocks": {"b": {"type": "text", "properties": {"value": text}}}}},
    )  # fmt: skip


def test_the_page_reads_users_and_applications_once(app_portal: PortalClient) -> None:
    http = app_portal.http
    sign_in(http)
    portal_id = app_portal.hook.portal.id
    people = [
        app_portal.runtime.tenancy.create_user(portal_id, name=f"P{n}", last_name="Doe") for n in range(6)
    ]
    apps = [
        install(app_portal, f"http://app{n}.test/install", title=t)
        for n, t in enumerate(("Alpha", "Beta", "Gamma"))
    ]

    def deal_with(count: int) -> int:
        deal = int(app_portal.result("crm.deal.add", {"fields": {"TITLE": f"{count} entries"}}))
        for n in range(count):
            person = people[n % len(people)]
            fields = {
                "ENTITY_ID": deal,
                "ENTITY_TYPE": "deal",
                "COMMENT": f"Said {n}",
                "AUTHOR_ID": person.id,
            }
            comment = int(app_portal.result("crm.timeline.comment.add", {"fields": fields}))
            _block(apps[n % len(apps)].api, comment, deal, f"Block {n}")
            app_portal.result(
                "crm.activity.add",
                {"fields": {"OWNER_TYPE_ID": 2, "OWNER_ID": deal, "TYPE_ID": 2, "SUBJECT": f"Call {n}",
                            "RESPONSIBLE_ID": person.id, "COMMUNICATIONS": [{"VALUE": "1"}]}},
            )  # fmt: skip
        return deal

    few, many = deal_with(1), deal_with(6)

    def shown(deal: int) -> tuple[str, int]:
        with statements_on("users", "apps") as seen:
            page = http.get(f"{base_of(app_portal)}/items/2/{deal}")
        assert page.status_code == 200, page.text
        return page.text, len(seen)

    shown(few)
    _, on_few = shown(few)
    text, on_many = shown(many)
    assert on_many == on_few
    for n in range(6):
        assert f"P{n} Doe" in text and f"Block {n}" in text
    assert "Alpha" in text and "Beta" in text and "Gamma" in text


def test_a_deep_history_page_costs_what_the_first_does(app_portal: PortalClient, clock: ManualClock) -> None:
    http = app_portal.http
    sign_in(http)
    deal = int(app_portal.result("crm.deal.add", {"fields": {"TITLE": "Chatty"}}))
    app = install(app_portal, "http://app.test/install")
    for n in range(70):
        fields = {"ENTITY_ID": deal, "ENTITY_TYPE": "deal", "COMMENT": f"C{n:02}"}
        app_portal.result("crm.timeline.comment.add", {"fields": fields})
        clock.advance(30)
        if n % 5 == 0:
            app.api.result(
                "crm.timeline.logmessage.add",
                {"fields": {"entityTypeId": 2, "entityId": deal, "title": f"L{n:02}", "text": "t",
                            "iconCode": "info"}},
            )  # fmt: skip
            clock.advance(30)
    url = f"{base_of(app_portal)}/items/2/{deal}"

    def history(start: int) -> tuple[str, int]:
        with statements_on("crm_timeline", "crm_timeline_bindings") as seen:
            page = http.get(url, params={"history": start})
        assert page.status_code == 200, page.text
        return page.text.split('id="history-h"')[1], len(seen)

    history(0)
    first, on_first = history(0)
    deep, on_deep = history(80)
    assert on_deep == on_first
    assert ">C69<" in first and ">C53<" in first and ">C52<" not in first and "L55" in first
    # 84 entries, newest first: the last page holds the four oldest.
    assert ">C00<" in deep and ">C02<" in deep and ">C03<" not in deep and "L00" in deep
    assert "Older history" not in deep


def test_the_cards_placements_read_their_applications_once(app_portal: PortalClient) -> None:
    http = app_portal.http
    sign_in(http)
    deal = int(app_portal.result("crm.deal.add", {"fields": {"TITLE": "Placed"}}))
    url = f"{base_of(app_portal)}/items/2/{deal}"

    def shown() -> tuple[str, int]:
        with statements_on("apps") as seen:
            page = http.get(url)
        assert page.status_code == 200, page.text
        return page.text, len(seen)

    for n in range(4):
        app = install(app_portal, f"http://app{n}.test/install", title=f"App {n}")
        app.api.result(
            "placement.bind",
            {"PLACEMENT": "CRM_DEAL_DETAIL_TAB", "HANDLER": f"http://app{n}.test/tab", "TITLE": f"Tab {n}"},
        )
        shown()
        text, reads = shown()
        if n == 0:
            with_one = reads
        assert reads == with_one and f"Tab {n}" in text
