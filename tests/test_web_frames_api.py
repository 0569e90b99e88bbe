"""The pages that host an application's own page, and the endpoint their parent script calls, over HTTP:
who may open what, the frame's description (the vendor's POST, the window name b24jssdk reads, the init
data), fresh tokens, the install's end, options shared with app.option.* / user.option.*, and an
application kept to its own data. The messages themselves run in a browser: tests/test_web_frames.py."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import sqlalchemy as sa
from markupsafe import escape

from b24crm.apps import options
from b24crm.store import app_options, outbox
from b24crm.store import apps as apps_store
from b24crm.store.tables import oauth_tokens
from b24crm.web import frames
from tests.apps_support import install
from tests.client import AppClient, PortalClient
from tests.test_web_support import HOSTILE, base_of, csrf_of, sign_in


def _frame(page: str) -> dict[str, Any]:
    found = re.search(r"data-frame='([^']+)'", page)
    assert found is not None, page
    return json.loads(html.unescape(found.group(1)))


def _open(portal: PortalClient, app_id: int, user_id: int | None = None) -> Any:
    base = base_of(portal, user_id)
    csrf = csrf_of(portal.http.get(f"{base}/apps").text)
    return portal.http.post(f"{base}/apps/{app_id}", data={"csrf": csrf})


def _command(portal: PortalClient, app_id: int, command: str, params: Any = None, **kw: Any) -> Any:
    base = base_of(portal, kw.get("user_id"))
    csrf = kw.get("csrf", csrf_of(portal.http.get(f"{base}/apps").text))
    return portal.http.post(
        f"{base}/apps/{app_id}/frame",
        content=json.dumps({"command": command, "params": params or {}}),
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
    )


def test_the_installer_then_the_main_page(portal: PortalClient) -> None:
    sign_in(portal.http)
    made = portal.runtime.apps.create(
        portal.hook.portal.id, handler_url="http://app.test/ui", scopes="crm", title=HOSTILE, has_ui=True
    )
    listed = portal.http.get(f"{base_of(portal)}/apps")
    assert "Installation not finished" in listed.text and HOSTILE not in listed.text
    opened = _open(portal, made.app.id)
    assert opened.status_code == 200 and HOSTILE not in opened.text
    frame = _frame(opened.text)
    domain, protocol, sid = frame["name"].split("|")
    assert frame["url"].startswith("http://app.test/ui?DOMAIN=") and f"APP_SID={sid}" in frame["url"]
    assert frame["origin"] == "http://app.test" and frame["sid"] == sid
    init = frame["init"]
    assert (init["DOMAIN"], init["PROTOCOL"], init["PATH"]) == (domain, int(protocol), "/rest")
    # BX24.js calls DOMAIN + PATH + "/" + method: that is the REST API.
    called = portal.http.post(f"{init['PATH']}/app.info.json", data={"auth": init["AUTH_ID"]})
    assert called.json()["result"]["INSTALLED"] is False
    assert init["INSTALL"] is True and init["FIRST_RUN"] is True and init["PLACEMENT"] == "DEFAULT"
    assert init["AUTH_ID"] == frame["form"]["AUTH_ID"] and init["MEMBER_ID"] == frame["form"]["member_id"]
    assert init["APP_OPTIONS"] == [] and init["USER_OPTIONS"] == [] and init["IS_ADMIN"] is True
    # The frame's token is a real one of the application.
    assert AppClient(portal.runtime, portal.http, init["AUTH_ID"]).result("app.info")["INSTALLED"] is False

    finished = _command(portal, made.app.id, "setInstallFinish")
    assert finished.json() == {"result": {"installed": True}}
    with portal.runtime.db.read() as conn:
        names = [e["event"] for e in outbox.list_events(conn, portal.hook.portal.id)]
    assert "ONAPPINSTALL" in names
    reopened = _command(portal, made.app.id, "open").json()["result"]
    assert reopened["init"]["INSTALL"] is False and reopened["sid"] != sid


def test_a_user_who_is_no_administrator(portal: PortalClient) -> None:
    sign_in(portal.http)
    seller = portal.runtime.tenancy.create_user(portal.hook.portal.id, name="Seller")
    made = portal.runtime.apps.create(
        portal.hook.portal.id, handler_url="http://app.test/ui", scopes="crm", has_ui=True
    )
    # Its installer is an administrator's: the seller's list leaves it out.
    assert f'/apps/{made.app.id}"' not in portal.http.get(f"{base_of(portal, seller.id)}/apps").text
    assert _open(portal, made.app.id, seller.id).status_code == 403
    portal.runtime.apps.finish_install(portal.hook.portal.id, made.app.id)
    assert _open(portal, made.app.id, seller.id).status_code == 200
    assert _command(portal, made.app.id, "setInstallFinish", user_id=seller.id).status_code == 403
    refused = _command(portal, made.app.id, "setAppOption", {"name": "a", "value": "b"}, user_id=seller.id)
    assert refused.status_code == 403
    kept = _command(portal, made.app.id, "setUserOption", {"name": "a", "value": "b"}, user_id=seller.id)
    assert kept.json() == {"result": {"a": "b"}}


def test_refresh_gives_a_new_working_token(portal: PortalClient) -> None:
    sign_in(portal.http)
    app = install(portal, "http://app.test/ui", scopes="crm")
    answer = _command(portal, app.id, "refreshAuth").json()["result"]
    assert set(answer) == {"AUTH_ID", "REFRESH_ID", "AUTH_EXPIRES", "MEMBER_ID"}
    assert answer["AUTH_EXPIRES"] == "3600" and answer["AUTH_ID"] != app.tokens["access_token"]
    fresh = AppClient(portal.runtime, portal.http, answer["AUTH_ID"])
    assert fresh.result("crm.activity.list", {"select": ["ID"]}) == []


def test_options_from_the_frame_are_the_rest_methods_values(portal: PortalClient) -> None:
    sign_in(portal.http)
    app = install(portal, "http://app.test/ui", scopes="crm")
    other = install(portal, "http://app.test/other", scopes="crm")
    assert _command(portal, app.id, "setAppOption", {"name": "colour", "value": "red"}).json() == {
        "result": {"colour": "red"}
    }
    _command(portal, app.id, "setUserOption", {"name": "size", "value": {"w": 2}})
    assert app.api.result("app.option.get") == {"colour": "red"}
    assert app.api.result("user.option.get", {"option": "size"}) == {"w": 2}
    assert other.api.result("app.option.get") == []
    app.api.result("app.option.set", {"options": {"from": "rest"}})
    frame = _command(portal, app.id, "open").json()["result"]
    assert frame["init"]["APP_OPTIONS"] == {"colour": "red", "from": "rest"}
    assert frame["init"]["USER_OPTIONS"] == {"size": {"w": 2}}
    assert _command(portal, other.id, "open").json()["result"]["init"]["APP_OPTIONS"] == []


def test_the_endpoint_wants_the_session_and_its_csrf_token(portal: PortalClient) -> None:
    sign_in(portal.http)
    app = install(portal, "http://app.test/ui", scopes="crm")
    forged = _command(portal, app.id, "refreshAuth", csrf="forged")
    assert forged.status_code == 403 and forged.json()["error"] == "FORBIDDEN"
    assert _command(portal, app.id, "nothing").status_code == 404
    assert _command(portal, 999_999, "refreshAuth").status_code == 404
    bad = portal.http.post(
        f"{base_of(portal)}/apps/{app.id}/frame",
        content=b"[1]",
        headers={"X-CSRF-Token": csrf_of(portal.http.get(f"{base_of(portal)}/apps").text)},
    )
    assert bad.status_code == 400
    # Application ids are a portal's own: another portal's second application is not this portal's.
    elsewhere = PortalClient.create(portal.runtime, portal.http, scopes=("crm",))
    install(elsewhere, "http://app.test/ui", scopes="crm")
    install(elsewhere, "http://app.test/ui2", scopes="crm")
    assert _command(portal, app.id + 1, "refreshAuth").status_code == 404


def test_selectors_answer_from_the_portal(portal: PortalClient) -> None:
    sign_in(portal.http)
    app = install(portal, "http://app.test/ui", scopes="crm")
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": HOSTILE}})
    users = _command(portal, app.id, "users").json()["result"]
    assert {"id": str(portal.hook.user.id), "name": "Test Admin"} in users
    found = _command(portal, app.id, "crm", {"entityType": ["deal"]}).json()["result"]
    assert list(found) == ["deal"] and found["deal"][0]["id"] == f"D_{deal}"
    assert found["deal"][0]["title"] == HOSTILE  # JSON; the dialog sets it as text


def test_a_browser_preflight_before_a_rest_call_from_another_origin(portal: PortalClient) -> None:
    """b24jssdk in an application's frame posts JSON to /rest/ from the application's origin: the browser
    asks first, and the answer allows it."""
    answer = portal.http.options(
        "/rest/crm.activity.list.json",
        headers={
            "Origin": "http://app.test",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "content-type" in answer.headers["access-control-allow-headers"]
    assert "POST" in answer.headers["access-control-allow-methods"]


def test_an_unfinished_installation_gives_others_nothing(portal: PortalClient) -> None:
    """Until an administrator finishes the install, the application's endpoint gives a user who is no
    administrator no token, no option write and no list, as its installer page is refused to them."""
    sign_in(portal.http)
    seller = portal.runtime.tenancy.create_user(portal.hook.portal.id, name="Seller")
    made = portal.runtime.apps.create(
        portal.hook.portal.id, handler_url="http://app.test/ui", scopes="crm", has_ui=True
    )
    for command, params in [
        ("refreshAuth", None),
        ("setUserOption", {"name": "a", "value": "b"}),
        ("users", None),
        ("crm", {"entityType": ["deal"]}),
        ("open", None),
    ]:
        refused = _command(portal, made.app.id, command, params, user_id=seller.id)
        assert (refused.status_code, refused.json()["error"]) == (403, "ACCESS_DENIED"), command
    with portal.runtime.db.read() as conn:
        assert app_options.read(conn, portal.hook.portal.id, made.app.id, seller.id) == {}
    # The administrator runs the installer: a token of the application, for the administrator.
    answer = _command(portal, made.app.id, "refreshAuth").json()["result"]
    assert AppClient(portal.runtime, portal.http, answer["AUTH_ID"]).result("app.info")["INSTALLED"] is False


def test_an_option_value_of_the_largest_size_passes_and_a_larger_body_is_refused(
    portal: PortalClient,
) -> None:
    sign_in(portal.http)
    app = install(portal, "http://app.test/ui", scopes="crm")
    largest = "v" * (options.VALUE_BYTES - 2)  # its JSON, quotes included, is 64 KiB
    kept = _command(portal, app.id, "setUserOption", {"name": "big", "value": largest})
    assert kept.status_code == 200, kept.text
    assert app.api.result("user.option.get", {"option": "big"}) == largest
    too_big = _command(portal, app.id, "setUserOption", {"name": "big", "value": largest + "v"})
    assert (too_big.status_code, too_big.json()["error_description"]) == (400, options.TOO_BIG.description)
    huge = _command(portal, app.id, "setUserOption", {"name": "big", "value": "v" * 300_000})
    assert huge.status_code == 413 and huge.json()["error"] == "ERROR_ARGUMENT"


def test_no_cross_origin_answers_but_the_rest_api(portal: PortalClient) -> None:
    """The REST preflight allows any origin without credentials (the REST API takes no cookie); the pages,
    their frame endpoint and the admin API answer another origin's preflight with no CORS header, so a
    browser sends them no cross-site request with a custom header or JSON, and reads none of their answers."""
    sign_in(portal.http)
    app = install(portal, "http://app.test/ui", scopes="crm")
    asked = {
        "Origin": "http://evil.test",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-csrf-token, authorization",
    }
    rest = portal.http.options("/rest/app.option.set", headers=asked)
    assert rest.status_code == 200 and "access-control-allow-credentials" not in rest.headers
    assert "authorization" not in rest.headers["access-control-allow-headers"].lower()
    for path in [
        f"{base_of(portal)}/apps/{app.id}/frame",
        f"{base_of(portal)}/apps/{app.id}",
        f"{base_of(portal)}/apps",
        "/ui/signin",
        f"/_b24crm/portals/{portal.hook.portal.id}/apps",
        "/_b24crm/portals",
    ]:
        answer = portal.http.options(path, headers=asked)
        assert answer.status_code >= 400, path
        assert not [h for h in answer.headers if h.startswith("access-control-")], path
        page = portal.http.get(path, headers={"Origin": "http://evil.test"})
        assert "access-control-allow-origin" not in page.headers, path


ATTRIBUTE_BREAKER = "'><img src=x onerror=alert(1)>\"</script>"


def test_application_text_in_the_pages_stays_text(portal: PortalClient) -> None:
    """Option values and slider parameters ride in the frame's description, a JSON attribute; placement titles
    and codes in the timeline menu: none of them becomes markup."""
    sign_in(portal.http)
    app = install(portal, "http://app.test/ui", scopes="crm,placement")
    app.api.result("app.option.set", {"options": {ATTRIBUTE_BREAKER: ATTRIBUTE_BREAKER}})
    app.api.result("user.option.set", {"options": {"v": ATTRIBUTE_BREAKER}})
    opened = _open(portal, app.id)
    assert "<img" not in opened.text and '</script>"' not in opened.text
    init = _frame(opened.text)["init"]
    assert init["APP_OPTIONS"] == {ATTRIBUTE_BREAKER: ATTRIBUTE_BREAKER}
    assert init["USER_OPTIONS"] == {"v": ATTRIBUTE_BREAKER}
    slider = _command(portal, app.id, "open", {"options": {"x": ATTRIBUTE_BREAKER}}).json()["result"]
    assert json.loads(slider["form"]["PLACEMENT_OPTIONS"]) == {"x": ATTRIBUTE_BREAKER}
    app.api.result(
        "placement.bind",
        {
            "PLACEMENT": "CRM_DEAL_ACTIVITY_TIMELINE_MENU",
            "HANDLER": "http://app.test/m",
            "TITLE": ATTRIBUTE_BREAKER,
        },
    )
    activity = portal.add_call("Call")
    deal = int(portal.result("crm.activity.get", {"id": activity})["OWNER_ID"])
    item = portal.http.get(f"{base_of(portal)}/items/2/{deal}")
    assert item.status_code == 200 and f'data-activity-menu="{activity}"' in item.text
    assert "<img" not in item.text and str(escape(ATTRIBUTE_BREAKER)) in item.text


def test_opening_an_application_without_the_csrf_token_is_refused(portal: PortalClient) -> None:
    sign_in(portal.http)
    app = install(portal, "http://app.test/ui", scopes="crm")
    for data in ({"csrf": "forged"}, {}, {"csrf": ["a", "b"]}):
        refused = portal.http.post(f"{base_of(portal)}/apps/{app.id}", data=data)
        assert refused.status_code == 403 and "data-frame" not in refused.text, data
        assert f'href="{base_of(portal)}/apps"' in refused.text


def test_a_body_json_does_not_allow_is_refused(portal: PortalClient) -> None:
    """NaN, Infinity and a lone surrogate parse in Python but are no JSON: no JSON answer carries them and
    PostgreSQL's json column refuses them, so the endpoint does too, before anything is stored."""
    sign_in(portal.http)
    app = install(portal, "http://app.test/ui", scopes="crm")
    base = base_of(portal)
    csrf = csrf_of(portal.http.get(f"{base}/apps").text)
    for body in [
        b'{"command":"setUserOption","params":{"name":"n","value":NaN}}',
        b'{"command":"setUserOption","params":{"name":"n","value":[-Infinity]}}',
        b'{"command":"open","params":{"options":{"a":Infinity}}}',
        b'{"command":"setUserOption","params":{"name":"n","value":"\\ud800"}}',
        b'{"command":"setUserOption","params":{"name":"\\udfff","value":1}}',
        # Nesting deeper than the parser follows: refused as the REST layer refuses it, never a 500.
        b'{"command":"setUserOption","params":{"name":"n","value":' + b"[" * 100_000 + b"]" * 100_000 + b"}}",
    ]:
        refused = portal.http.post(
            f"{base}/apps/{app.id}/frame", content=body, headers={"X-CSRF-Token": csrf}
        )
        assert (refused.status_code, refused.json()["error"]) == (400, "ERROR_ARGUMENT"), body
    assert app.api.result("user.option.get") == []


def test_a_placement_frame_needs_the_users_right_to_read_the_item(portal: PortalClient) -> None:
    """The timeline menu and the card's placements open only for a user who may read the deal (the user's
    rights, not the portal's): another user's deal gives no frame and no token."""
    sign_in(portal.http)
    app = install(portal, "http://app.test/ui", scopes="crm,placement")
    menu = app.api.result(
        "placement.bind",
        {"PLACEMENT": "CRM_DEAL_ACTIVITY_TIMELINE_MENU", "HANDLER": "http://app.test/m", "TITLE": "Menu"},
    )
    assert menu is True
    app.api.result(
        "placement.bind", {"PLACEMENT": "CRM_DEAL_DETAIL_TAB", "HANDLER": "http://app.test/t", "TITLE": "Tab"}
    )
    with portal.runtime.db.read() as conn:
        ids = {r["placement"]: r["id"] for r in apps_store.placements_of_portal(conn, portal.hook.portal.id)}
    activity = portal.add_call("Call")
    deal = int(portal.result("crm.activity.get", {"id": activity})["OWNER_ID"])
    seller = portal.restricted("2:read=own,edit=own,add=own")
    seller_id = seller.hook.user.id
    base = base_of(portal, seller_id)
    csrf = csrf_of(portal.http.get(f"{base}/apps").text)
    tokens_before = _token_rows(portal, app.id)
    for path in [
        f"{base}/items/2/{deal}/activities/{activity}/placements/{ids['CRM_DEAL_ACTIVITY_TIMELINE_MENU']}",
        f"{base}/items/2/{deal}/placements/{ids['CRM_DEAL_DETAIL_TAB']}",
    ]:
        refused = portal.http.post(path, data={"csrf": csrf})
        assert refused.status_code in (400, 403, 404) and "data-frame" not in refused.text, path
    assert _token_rows(portal, app.id) == tokens_before
    # The administrator, who reads the deal, gets the frame.
    own = base_of(portal)
    opened = portal.http.post(
        f"{own}/items/2/{deal}/placements/{ids['CRM_DEAL_DETAIL_TAB']}",
        data={"csrf": csrf_of(portal.http.get(f"{own}/apps").text)},
    )
    assert opened.status_code == 200 and _frame(opened.text)["init"]["PLACEMENT"] == "CRM_DEAL_DETAIL_TAB"


def _token_rows(portal: PortalClient, app_id: int) -> int:
    t = oauth_tokens
    with portal.runtime.db.read() as conn:
        stmt = sa.select(sa.func.count()).where(t.c.portal_id == portal.hook.portal.id, t.c.app_id == app_id)
        return int(conn.execute(stmt).scalar_one())


def test_the_origin_a_frame_is_answered_at_is_the_browsers() -> None:
    assert frames.origin_of("HTTPS://App.Test:443/a?b") == "https://app.test"
    assert frames.origin_of("http://app.test:8080/") == "http://app.test:8080"
    assert frames.origin_of("http://[::1]:8080/") == "http://[::1]:8080"
    assert frames.origin_of("http://Пример.рф/app") == "http://xn--e1afmkfd.xn--p1ai"
