"""The browser pages through the in-process client (no browser): sign-in, CSRF, lists, an item's timeline
with one entry of every kind, actions and their events, rights, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from b24crm.app import create_app
from b24crm.clock import ManualClock
from b24crm.devtools import EventReceiver
from b24crm.events.delivery import deliver_due
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store import outbox
from b24crm.web import session
from tests.apps_support import install
from tests.client import PortalClient
from tests.test_web_support import base_of, csrf_of, every_kind, full_layout, records_on, sign_in


def _events(portal: PortalClient) -> list[str]:
    with portal.runtime.db.read() as conn:
        return [e["event"] for e in outbox.list_events(conn, portal.hook.portal.id)]


def test_root_leads_to_sign_in_and_the_token_opens_the_pages(portal: PortalClient) -> None:
    http = portal.http
    assert http.get("/", follow_redirects=False).headers["location"] == "/ui/"
    page = http.get("/ui/")
    assert page.url.path == "/ui/signin" and 'for="token"' in page.text
    assert sign_in(http, "wrong").status_code == 403
    assert session.COOKIE not in http.cookies
    answer = sign_in(http)
    assert answer.status_code == 200 and answer.url.path == "/ui/"
    assert "Test Admin" in answer.text
    # Signing out needs the page's token too.
    assert http.post("/ui/signout", data={"csrf": "nope"}).status_code == 403
    http.post("/ui/signout", data={"csrf": csrf_of(answer.text)})
    assert http.get("/ui/").url.path == "/ui/signin"


def test_sign_in_refuses_a_form_from_elsewhere_and_foreign_next(portal: PortalClient) -> None:
    http = portal.http
    # No pre-session token: a form posted from another site.
    assert http.post("/ui/signin", data={"token": "admin-secret"}).status_code == 403
    form = http.get("/ui/signin?next=https://evil.example/")
    assert 'value="/ui/"' in form.text and "evil" not in form.text
    pre = re.search(r'name="pre" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    answer = http.post(
        "/ui/signin",
        data={"pre": pre, "token": "admin-secret", "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/ui/"


def test_a_forged_or_stale_cookie_is_not_a_session() -> None:
    cookie = session.issue("token-a", now=1000.0)
    assert session.session_id("token-a", cookie, now=1001.0)
    assert session.session_id("token-b", cookie, now=1001.0) is None
    assert session.session_id("token-a", cookie, now=1000.0 + session.MAX_AGE + 1) is None
    issued, sid, mac = cookie.split(".")
    assert session.session_id("token-a", f"{int(issued) + 1}.{sid}.{mac}", now=1001.0) is None
    assert session.session_id("token-a", "garbage", now=1001.0) is None


def test_the_setting_turns_the_pages_off(settings: Settings, runtime: Runtime) -> None:
    off = Runtime(settings.with_(web=False), db=runtime.db)
    with TestClient(create_app(off)) as http:
        assert http.get("/ui/signin").status_code == 404
        assert http.get("/").status_code == 404
    assert Settings.from_env({"B24CRM_WEB": "0"}).web is False


def test_lists_search_sort_page_and_count_open_activities(portal: PortalClient) -> None:
    http = portal.http
    sign_in(http)
    deals = [int(portal.result("crm.deal.add", {"fields": {"TITLE": f"Deal {n:02}"}})) for n in range(52)]
    portal.result("crm.activity.add", {"fields": {"OWNER_TYPE_ID": 2, "OWNER_ID": deals[-1], "TYPE_ID": 2,
                  "SUBJECT": "c", "COMMUNICATIONS": [{"VALUE": "1"}]}})  # fmt: skip
    base = base_of(portal)
    first = http.get(f"{base}/items/2")
    assert first.status_code == 200 and "Deal 51" in first.text and "Deal 00" not in first.text
    assert re.search(r'class="counter" title="Open activities">1<', first.text)
    assert "start=50" in first.text
    second = http.get(f"{base}/items/2?start=50")
    assert "Deal 00" in second.text and "Deal 51" not in second.text
    found = http.get(f"{base}/items/2", params={"q": "Deal 07"})
    assert "Deal 07" in found.text and "Deal 08" not in found.text
    ascending = http.get(f"{base}/items/2?sort=title&dir=asc")
    assert ascending.text.index("Deal 00") < ascending.text.index("Deal 01")
    for entity_type_id in (1, 3, 4, 7, 31):
        assert http.get(f"{base}/items/{entity_type_id}").status_code == 200
    portal.result("crm.contact.add", {"fields": {"NAME": "Ann", "LAST_NAME": "Smith"}})
    assert "Ann Smith" in http.get(f"{base}/items/3", params={"q": "Smi"}).text
    assert http.get(f"{base}/items/999").status_code == 400  # crm.item.list's own error for the type


def test_the_item_page_draws_every_kind(app_portal: PortalClient) -> None:
    http = app_portal.http
    sign_in(http)
    made = every_kind(app_portal)
    page = http.get(f"{base_of(app_portal)}/items/2/{made['deal']}")
    assert page.status_code == 200, page.text
    text = page.text
    planned, history = text.split('id="history-h"')
    # Planned: the todo (colour, reminders, responsible), the open call and e-mail, the configurable one.
    for marker in ("todo color-2", "Call back", "at the deadline, 15 min before", "Responsible: Test Admin",
                   "Call · incoming", "+1 555 0100", "E-mail · outgoing", "client@example.com",
                   "entry configurable", "icon-call-completed", "tag tag-warning", "not transcribed",
                   "logo-call-incoming", "b-withtitle inline", "b-line", "b-large-text multiline collapsed",
                   "b-text size-sm color-base_70 bold multiline", 'href="/crm/lead/details/789/"',
                   "btn-primary", "Confirm Request", "About Client"):  # fmt: skip
        assert marker in planned, marker
    assert "Kick-off" in history and "Kick-off" not in planned
    assert "notes &lt;1&gt;.txt" in planned
    # The application's blocks under the call, with its name.
    assert 'class="app-blocks"' in planned and "Open deal" in planned
    # The configurable activity's deadline block is editable; the call's too (an open activity).
    assert f"activities/{made['configurable']}/deadline" in planned


def test_completing_a_todo_emits_the_activity_update(app_portal: PortalClient) -> None:
    http = app_portal.http
    sign_in(http)
    made = every_kind(app_portal)
    url = f"{base_of(app_portal)}/items/2/{made['deal']}"
    csrf = csrf_of(http.get(url).text)
    before = len(_events(app_portal))
    refused = http.post(f"{url}/activities/{made['todo']}/complete", data={"csrf": "forged"})
    assert refused.status_code == 403 and len(_events(app_portal)) == before
    done = http.post(f"{url}/activities/{made['todo']}/complete", data={"csrf": csrf})
    assert done.status_code == 200 and "Completed" in done.text
    assert _events(app_portal)[before:] == ["ONCRMACTIVITYUPDATE"]
    got = app_portal.result("crm.activity.get", {"id": made["todo"]})
    assert got["COMPLETED"] == "Y"
    planned, history = done.text.split('id="history-h"')
    assert "Call back" in history and "Call back" not in planned


def test_changing_deadlines(app_portal: PortalClient) -> None:
    http = app_portal.http
    sign_in(http)
    made = every_kind(app_portal)
    url = f"{base_of(app_portal)}/items/2/{made['deal']}"
    csrf = csrf_of(http.get(url).text)
    for key in ("todo", "call", "configurable"):
        answer = http.post(
            f"{url}/activities/{made[key]}/deadline", data={"csrf": csrf, "deadline": "2032-02-03T04:05"}
        )
        assert answer.status_code == 200 and "Deadline changed" in answer.text, (key, answer.text)
    assert app_portal.result("crm.activity.get", {"id": made["todo"]})["DEADLINE"].startswith(
        "2032-02-03T04:05"
    )
    assert app_portal.result("crm.activity.get", {"id": made["call"]})["DEADLINE"].startswith(
        "2032-02-03T04:05"
    )
    # A configurable activity whose layout shows no editable deadline keeps its deadline.
    app = install(app_portal, "http://app.test/second")
    layout = full_layout()
    layout["body"]["blocks"]["due"]["properties"]["readonly"] = True
    fixed = app.api.result(
        "crm.activity.configurable.add",
        {
            "ownerTypeId": 2,
            "ownerId": made["deal"],
            "fields": {"deadline": "2031-05-01T09:00:00"},
            "layout": layout,
        },
    )["activity"]["id"]
    page = http.get(url).text
    assert f"activities/{fixed}/deadline" not in page
    refused = http.post(
        f"{url}/activities/{fixed}/deadline", data={"csrf": csrf, "deadline": "2032-02-03T04:05"}
    )
    assert refused.status_code == 403
    got = app.api.result("crm.activity.configurable.get", {"id": fixed})
    assert got["activity"]["fields"]["deadline"].startswith("2031")
    wrong = http.post(f"{url}/activities/{made['todo']}/deadline", data={"csrf": csrf, "deadline": "soon"})
    assert wrong.status_code == 400 and "Incorrect date format." in wrong.text


def test_a_rest_event_button_locks_the_entry_and_open_rest_app_opens_the_slider(
    app_portal: PortalClient,
) -> None:
    http = app_portal.http
    sign_in(http)
    made = every_kind(app_portal)
    url = f"{base_of(app_portal)}/items/2/{made['deal']}"
    csrf = csrf_of(http.get(url).text)
    before = len(_events(app_portal))
    answer = http.post(f"{url}/activities/{made['configurable']}/actions", data={"csrf": csrf, "key": "ping"})
    assert answer.status_code == 200 and "Sent to the application" in answer.text
    assert _events(app_portal)[before:] == ["ONCRMTIMELINEITEMACTION"]
    assert "entry configurable locked" in answer.text and "Waiting for the application" in answer.text
    again = http.post(
        f"{url}/activities/{made['configurable']}/actions", data={"csrf": csrf, "key": "confirm"}
    )
    assert again.status_code == 409
    opened = http.post(
        f"{url}/activities/{made['configurable']}/actions", data={"csrf": csrf, "key": "startCall"}
    )
    assert opened.status_code == 409  # locked too, until the application updates the activity


def test_open_rest_app_posts_the_portal_form_into_the_slider(app_portal: PortalClient) -> None:
    http = app_portal.http
    sign_in(http)
    made = every_kind(app_portal)
    url = f"{base_of(app_portal)}/items/2/{made['deal']}"
    csrf = csrf_of(http.get(url).text)
    opened = http.post(
        f"{url}/activities/{made['configurable']}/actions", data={"csrf": csrf, "key": "startCall"}
    )
    assert opened.status_code == 200
    assert 'class="app-form"' in opened.text and 'action="http://app.test/install' in opened.text
    assert 'name="AUTH_ID"' in opened.text and 'name="PLACEMENT" value="DEFAULT"' in opened.text
    missing = http.post(
        f"{url}/activities/{made['configurable']}/actions", data={"csrf": csrf, "key": "nothing"}
    )
    assert missing.status_code == 404


def test_a_user_with_role_own_sees_what_the_api_lets_them_read(app_portal: PortalClient) -> None:
    http = app_portal.http
    sign_in(http)
    made = every_kind(app_portal)
    seller = app_portal.restricted("2:read=own,edit=own,add=own")
    own = seller.result("crm.deal.add", {"fields": {"TITLE": "My own deal"}})
    base = base_of(app_portal, seller.hook.user.id)
    listed = http.get(f"{base}/items/2")
    assert "My own deal" in listed.text and "Big deal" not in listed.text
    hidden = http.get(f"{base}/items/2/{made['deal']}")
    assert hidden.status_code == 400 and "ACCESS_DENIED" in hidden.text  # crm.item.get's answer
    assert http.get(f"{base}/items/2/{own}").status_code == 200
    csrf = csrf_of(listed.text)
    # Acting on an activity of a deal they cannot read is refused, and changes nothing.
    refused = http.post(
        f"{base}/items/2/{made['deal']}/activities/{made['todo']}/complete", data={"csrf": csrf}
    )
    assert refused.status_code == 400 and "Item was not found." in refused.text
    assert app_portal.result("crm.activity.get", {"id": made["todo"]})["COMPLETED"] == "N"
    # Through their own deal's URL: the activity is not on it.
    other = http.post(f"{base}/items/2/{own}/activities/{made['todo']}/complete", data={"csrf": csrf})
    assert other.status_code == 404
    assert http.get(f"{base}/items/1").status_code == 400  # no right on leads at all: ACCESS_DENIED


def test_unknown_portal_user_or_item(portal: PortalClient) -> None:
    http = portal.http
    sign_in(http)
    assert http.get("/ui/portals/999999/users/1/items/2").status_code == 404
    assert http.get(f"{base_of(portal, 999999)}/items/2").status_code == 404
    assert http.get(f"{base_of(portal)}/items/2/999999").status_code in (400, 404)
    # Numbers past the store's width are missing things, not errors of the server.
    assert http.get("/ui/portals/99999999999999999999/users/1/").status_code == 404
    assert http.get(f"{base_of(portal, 2**40)}/items/2").status_code == 404
    assert http.get(f"{base_of(portal)}/items/2?start=99999999999999999999").status_code == 200
    page = http.get(f"{base_of(portal)}/items/2")
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "D"}})
    huge = f"{base_of(portal)}/items/2/{deal}/activities/{2**40}/complete"
    assert http.post(huge, data={"csrf": csrf_of(page.text)}).status_code == 404
    for query in ("planned=99999999999999999999&history=-1", "comments=1e99&logs=abc", "logs=2147483648"):
        assert http.get(f"{base_of(portal)}/items/2/{deal}?{query}").status_code == 200, query


def test_comments_log_messages_and_notes_in_the_history(app_portal: PortalClient) -> None:
    http = app_portal.http
    sign_in(http)
    app = install(app_portal, "http://app.test/install")
    made = every_kind(app_portal, app)
    found = records_on(app_portal, app, made["deal"], made["call"])
    url = f"{base_of(app_portal)}/items/2/{made['deal']}"
    page = http.get(url)
    assert page.status_code == 200, page.text
    history = page.text.split('id="history-h"')[1]
    assert f'data-record="{found["comment"]}"' in history and "Client called back" in history
    assert f'data-record="{found["log"]}"' in history and "Synced" in history and "3 orders" in history
    assert "Order #7" in history  # the application's blocks on the comment
    assert f"Note on {made['call']}" in page.text and f"Note on {found['comment']}" in history
    # A comment from the page: crm.timeline.comment.add's rules and event.
    before = len(_events(app_portal))
    added = http.post(f"{url}/comments", data={"csrf": csrf_of(page.text), "comment": "Sent from the page"})
    assert added.status_code == 200 and "Comment added" in added.text and "Sent from the page" in added.text
    assert _events(app_portal)[before:] == ["ONCRMTIMELINECOMMENTADD"]
    empty = http.post(f"{url}/comments", data={"csrf": csrf_of(page.text), "comment": "  "})
    assert empty.status_code == 400
    # A seller who may read the deal but not change it sees the records, not the notes (note.get's rule).
    reader = app_portal.restricted("2:read=all")
    shown = http.get(f"{base_of(app_portal, reader.hook.user.id)}/items/2/{made['deal']}")
    assert "Client called back" in shown.text and "Note on" not in shown.text
    # Their list counts the deal's open activities too (crm.activity.list with BINDINGS answers them 500).
    listed = http.get(f"{base_of(app_portal, reader.hook.user.id)}/items/2")
    assert re.search(r'class="counter" title="Open activities">4<', listed.text), listed.text


def test_history_merges_records_and_activities_newest_first_in_pages(
    app_portal: PortalClient, clock: ManualClock
) -> None:
    http = app_portal.http
    sign_in(http)
    deal = int(app_portal.result("crm.deal.add", {"fields": {"TITLE": "Chatty"}}))

    def comment(text: str) -> None:
        fields = {"ENTITY_ID": deal, "ENTITY_TYPE": "deal", "COMMENT": text}
        app_portal.result("crm.timeline.comment.add", {"fields": fields})
        clock.advance(60)

    for n in range(30):
        comment(f"C{n:02}")
    fields = {"OWNER_TYPE_ID": 2, "OWNER_ID": deal, "TYPE_ID": 2, "SUBJECT": "Finished call",
              "COMMUNICATIONS": [{"VALUE": "1"}]}  # fmt: skip
    call = app_portal.result("crm.activity.add", {"fields": fields})
    clock.advance(60)
    comment("C30")
    app_portal.result("crm.activity.update", {"id": call, "fields": {"COMPLETED": "Y"}})
    clock.advance(60)
    for n in range(31, 53):
        comment(f"C{n}")
    url = f"{base_of(app_portal)}/items/2/{deal}"
    first = http.get(url).text.split('id="history-h"')[1]
    assert ">C52<" in first and ">C33<" in first and ">C32<" not in first and "history=20" in first
    assert "History <small>54</small>" in http.get(url).text
    second = http.get(url, params={"history": 20}).text.split('id="history-h"')[1]
    # The call completed after C30 and before C31: between them, newest first.
    assert second.index(">C31<") < second.index("Finished call") < second.index(">C30<")
    assert ">C52<" not in second and "Newer history" in second
    last = http.get(url, params={"history": 40}).text.split('id="history-h"')[1]
    assert ">C00<" in last and "Older history" not in last


def test_placements_and_application_activities_open_in_the_slider(app_portal: PortalClient) -> None:
    http = app_portal.http
    sign_in(http)
    app = install(app_portal, "http://app.test/install")
    app.api.result("placement.bind", {"PLACEMENT": "CRM_DEAL_DETAIL_TAB", "HANDLER": "http://app.test/tab",
                                      "TITLE": "Orders <tab>"})  # fmt: skip
    app.api.result("placement.bind", {"PLACEMENT": "CRM_LEAD_DETAIL_TAB", "HANDLER": "http://app.test/lead"})
    deal = int(app_portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}}))
    fields = {"OWNER_TYPE_ID": 2, "OWNER_ID": deal, "TYPE_ID": 6, "PROVIDER_ID": "REST_APP", "SUBJECT": "App"}
    activity = int(app.api.result("crm.activity.add", {"fields": fields}))
    url = f"{base_of(app_portal)}/items/2/{deal}"
    page = http.get(url).text
    assert "Orders &lt;tab&gt;" in page and "http://app.test/lead" not in page
    placement_id = int(re.search(r'/placements/(\d+)"', page).group(1))  # type: ignore[union-attr]
    csrf = csrf_of(page)
    opened = http.post(f"{url}/placements/{placement_id}", data={"csrf": csrf})
    assert opened.status_code == 200
    assert (
        'action="http://app.test/tab' in opened.text
        and 'name="PLACEMENT" value="CRM_DEAL_DETAIL_TAB"' in opened.text
    )
    assert "{&#34;ID&#34;:&#34;" + str(deal) + "&#34;}" in opened.text  # PLACEMENT_OPTIONS, escaped
    assert http.post(f"{url}/placements/{placement_id}", data={"csrf": "x"}).status_code == 403
    lead = int(app_portal.result("crm.lead.add", {"fields": {"TITLE": "Lead"}}))
    wrong = http.post(f"{url}/placements/{placement_id + 1}", data={"csrf": csrf})
    assert wrong.status_code == 404  # the lead's tab is not on a deal
    assert (
        http.post(
            f"{base_of(app_portal)}/items/1/{lead}/placements/{placement_id}", data={"csrf": csrf}
        ).status_code
        == 404
    )
    # The application behind a REST_APP activity opens with the activity's id; users cannot complete it.
    assert f"activities/{activity}/app" in page and f"activities/{activity}/complete" not in page
    app_page = http.post(f"{url}/activities/{activity}/app", data={"csrf": csrf})
    assert app_page.status_code == 200 and 'name="PLACEMENT" value="DEFAULT"' in app_page.text
    assert "activity_id&#34;:&#34;" + str(activity) in app_page.text
    # A user who cannot read the deal opens neither.
    stranger = app_portal.restricted("1:read=all")
    other = base_of(app_portal, stranger.hook.user.id)
    assert (
        http.post(f"{other}/items/2/{deal}/placements/{placement_id}", data={"csrf": csrf}).status_code == 400
    )
    assert http.post(
        f"{other}/items/2/{deal}/activities/{activity}/app", data={"csrf": csrf}
    ).status_code in (400, 404)


def test_inspector_pages(app_portal: PortalClient, receiver: EventReceiver) -> None:
    http = app_portal.http
    sign_in(http)
    app = install(app_portal, receiver.url)
    app.api.result("event.bind", {"event": "onCrmDealAdd", "handler": receiver.url})
    deal = app_portal.result("crm.deal.add", {"fields": {"TITLE": "<b>x</b>"}})
    deliver_due(app_portal.runtime, app_portal.hook.portal.id)
    todo = {
        "ownerTypeId": 2,
        "ownerId": deal,
        "deadline": "2030-01-01T10:00:00",
        "title": "T",
        "pingOffsets": [15],
    }
    app_portal.result("crm.activity.todo.add", todo)
    base = f"/ui/portals/{app_portal.hook.portal.id}/inspect"
    listed = http.get("/ui/")
    assert f'href="{base}/deliveries"' in listed.text
    deliveries = http.get(f"{base}/deliveries")
    assert deliveries.status_code == 200
    assert "delivered" in deliveries.text and "<td>200</td>" in deliveries.text
    events = http.get(f"{base}/events").text
    assert "ONCRMDEALADD" in events and "application_token" not in events and "access_token" not in events
    assert "Activity" in http.get(f"{base}/reminders").text
    for kind in ("mail", "requests", "events", "deliveries"):
        shown = http.get(f"{base}/{kind}")
        assert shown.status_code == 200 and "<b>x</b>" not in shown.text, kind
    assert http.get(f"{base}/nothing").status_code == 404
    assert http.get("/ui/portals/999999/inspect/events").status_code == 404
    http.cookies.clear()
    assert http.get(f"{base}/events").url.path == "/ui/signin"


def test_the_list_shows_the_kanban_badges_of_open_configurable_activities(app_portal: PortalClient) -> None:
    http = app_portal.http
    sign_in(http)
    app = install(app_portal, "http://app.test/install")
    badge = {"code": "missed", "title": "Missed <call>", "value": "Call back", "type": "failure"}
    app_portal.result("crm.activity.badge.add", badge)
    deal = int(app_portal.result("crm.deal.add", {"fields": {"TITLE": "With badge"}}))
    plain = int(app_portal.result("crm.deal.add", {"fields": {"TITLE": "Without"}}))
    for _ in range(2):  # the same badge twice shows once
        app.api.result(
            "crm.activity.configurable.add",
            {"ownerTypeId": 2, "ownerId": deal, "fields": {"badgeCode": "missed"}, "layout": full_layout()},
        )
    done = app.api.result(
        "crm.activity.configurable.add",
        {"ownerTypeId": 2, "ownerId": plain, "fields": {"badgeCode": "missed", "completed": True},
         "layout": full_layout()},
    )  # fmt: skip
    assert done
    text = http.get(f"{base_of(app_portal)}/items/2").text
    row_of = {
        m.group(1): m.group(0) for m in re.finditer(r"<tr>.*?>(With badge|Without)<.*?</tr>", text, re.S)
    }
    assert row_of["With badge"].count("tag tag-failure badge") == 1
    assert "Missed &lt;call&gt;: Call back" in row_of["With badge"]
    assert "badge" not in row_of["Without"].replace("With badge", "")


def test_smart_processes_are_listed_and_open(portal: PortalClient) -> None:
    http = portal.http
    sign_in(http)
    portal.result("crm.type.add", {"fields": {"title": "Orders <smart>", "entityTypeId": 1032}})
    made = portal.result("crm.item.add", {"entityTypeId": 1032, "fields": {"title": "Order 7"}})["item"]
    base = base_of(portal)
    listed = http.get(f"{base}/items/1032")
    assert listed.status_code == 200 and "Order 7" in listed.text
    assert f'href="{base}/items/1032"' in listed.text and "Orders &lt;smart&gt;" in listed.text
    fields = {"OWNER_TYPE_ID": 1032, "OWNER_ID": made["id"], "TYPE_ID": 2, "SUBJECT": "Smart call",
              "COMMUNICATIONS": [{"VALUE": "1"}]}  # fmt: skip
    portal.result("crm.activity.add", {"fields": fields})
    page = http.get(f"{base}/items/1032/{made['id']}")
    assert page.status_code == 200 and "Smart call" in page.text
