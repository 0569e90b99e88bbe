"""An application's own page inside the pages, in a real browser, talking to them with the official
``@bitrix24/b24jssdk`` ``B24Frame`` (its browser bundle from tests/js/node_modules, as ``npm ci`` installs
it).

The test application is served by a small HTTP server of the test's own, another origin than b24crm's: it
is opened as its installer and finishes its installation, then, as a timeline menu placement of a deal's
activity, reads its placement options, calls crm.activity.list with the frame's token, refreshes the
token, stores and reads an option, and opens itself in a slider that sets its title and closes.

BX24.js is served only by the vendor's CDN, not by any npm package, so it cannot run here offline
(docs/compatibility.md).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
import sqlalchemy as sa

from b24crm.devtools import free_port
from b24crm.store import apps as apps_store
from b24crm.store import outbox
from b24crm.store.tables import oauth_tokens
from tests.apps_support import code_for, grant
from tests.client import AppClient, PortalClient
from tests.test_web_browser import _signed_in, browser, own_database, served  # noqa: F401

BUNDLE = (
    Path(__file__).parent / "js" / "node_modules" / "@bitrix24" / "b24jssdk" / "dist" / "umd" / "index.min.js"
)

# The test application: what it did goes into <pre id="log"> as JSON once it is done.
APP_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Test application</title><script src="/b24jssdk.js"></script></head>
<body><pre id="log"></pre>
<script>
(async function () {
  const out = {};
  function done(extra) {
    Object.assign(out, extra || {});
    document.getElementById("log").textContent = JSON.stringify(out);
    fetch("/log", { method: "POST", body: JSON.stringify(out) });
  }
  async function call(b24, method, params) {
    const response = await b24.actions.v2.call.make({ method: method, params: params });
    if (!response.isSuccess) throw new Error(response.getErrorMessages().join("; "));
    return response.getData().result;
  }
  try {
    const b24 = await B24Js.initializeB24Frame();
    out.placement = b24.placement.placement;
    out.options = b24.placement.options;
    out.install = b24.isInstallMode;
    if (b24.isInstallMode) {
      await b24.installFinish();
      return done({ finished: true });
    }
    if (b24.placement.placement === "DEFAULT") {
      if (b24.placement.options && b24.placement.options.from) {
        await b24.parent.setTitle("Slider <b>of</b> the app");
        done({ slider: true });
        setTimeout(function () { b24.slider.closeSliderAppPage(); }, 1500);
        return;
      }
      let mode = "";
      try { mode = b24.options.appGet("mode"); } catch (e) { mode = ""; }
      if (mode === "tools") {
        out.size = await b24.parent.resizeWindow(600, 777);
        await b24.parent.setTitle("Tools & <i>more</i>");
        out.user = await b24.dialog.selectUser();
        out.crm = await b24.dialog.selectCRM({ entityType: ["deal"], multiple: true });
        out.noUsers = await b24.dialog.selectUsers();
        out.messenger = await b24.parent.imOpenMessenger("chat1");
        return done({ tools: true });
      }
      return done({ main: true });
    }
    const id = b24.placement.options.ASSOCIATED_ENTITY_ID;
    out.activities = await call(b24, "crm.activity.list", { filter: { ID: id }, select: ["ID", "SUBJECT"] });
    const before = b24.auth.getAuthData().access_token;
    const after = await b24.auth.refreshAuth();
    out.refreshed = after.access_token !== before && after.access_token.length > 0;
    out.afterRefresh = (await call(b24, "crm.activity.list", { filter: { ID: id }, select: ["ID"] })).length;
    await b24.options.appSet("colour", "green");
    await b24.options.userSet("size", "L");
    out.appOption = await call(b24, "app.option.get", { option: "colour" });
    out.userOption = await call(b24, "user.option.get", { option: "size" });
    out.localOption = b24.options.appGet("colour");
    await b24.slider.openSliderAppPage({ from: "menu" });
    done({ sliderClosed: true });
  } catch (error) {
    done({ error: String((error && (error.message || error.description)) || error) });
  }
})();
</script></body></html>
"""


class _AppServer(ThreadingHTTPServer):
    daemon_threads = True
    posts: list[dict[str, str]]
    logs: list[dict[str, Any]]


class _AppHandler(BaseHTTPRequestHandler):
    server: _AppServer

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/b24jssdk.js":
            self._send(BUNDLE.read_bytes(), "text/javascript; charset=utf-8")
        else:
            self._send(APP_PAGE.encode(), "text/html; charset=utf-8")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        if self.path == "/log":
            self.server.logs.append(json.loads(body))
            self._send(b"", "text/plain")
        else:
            self.server.posts.append(dict(parse_qsl(body)))
            self._send(APP_PAGE.encode(), "text/html; charset=utf-8")


@pytest.fixture
def app_server() -> Iterator[tuple[str, _AppServer]]:
    if not BUNDLE.exists():
        pytest.skip("b24jssdk is not installed in tests/js (npm ci --prefix tests/js)")
    server = _AppServer(("127.0.0.1", free_port()), _AppHandler)
    server.posts, server.logs = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", server
    server.shutdown()
    server.server_close()


def _app_result(page: Any, server: _AppServer, wanted: str, timeout: float = 30) -> dict[str, Any]:
    """The first log the application sent with ``wanted`` (a key) in it, or with an error, waiting for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for found in list(server.logs):
            if wanted in found or "error" in found:
                return found
        page.wait_for_timeout(100)
    raise AssertionError(f"the application logged no {wanted!r}: {server.logs}")


def test_b24frame_installs_runs_a_timeline_placement_and_opens_a_slider(
    browser: Any,  # noqa: F811
    served: tuple[str, PortalClient],  # noqa: F811
    app_server: tuple[str, _AppServer],
) -> None:
    url, portal = served
    app_url, app_http = app_server
    portal_id, user_id = portal.hook.portal.id, portal.hook.user.id
    made = portal.runtime.apps.create(
        portal_id, handler_url=f"{app_url}/app", scopes="crm,placement", title="Frame test", has_ui=True
    )
    page = _signed_in(browser, url)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # The installer: B24Frame sees the install mode and finishes it; the page opens again, installed.
    page.goto(f"{url}/ui/portals/{portal_id}/users/{user_id}/apps")
    page.get_by_role("button", name="Frame test").click()
    installed = _app_result(page, app_http, "finished")
    assert installed == {"placement": "DEFAULT", "options": [], "install": True, "finished": True}
    assert _app_result(page, app_http, "main") == {
        "placement": "DEFAULT",
        "options": [],
        "install": False,
        "main": True,
    }
    assert portal.runtime.apps.get(portal_id, made.app.id).installed
    with portal.runtime.db.read() as conn:
        assert "ONAPPINSTALL" in [e["event"] for e in outbox.list_events(conn, portal_id)]
    assert app_http.posts[0]["PLACEMENT"] == "DEFAULT" and app_http.posts[0]["AUTH_ID"]

    # The application binds a timeline menu item, as its installer would.
    tokens = grant(portal.http, made, code_for(portal.http, made)["code"][0])
    api = AppClient(portal.runtime, portal.http, tokens["access_token"])
    api.result(
        "placement.bind",
        {"PLACEMENT": "CRM_DEAL_ACTIVITY_TIMELINE_MENU", "HANDLER": f"{app_url}/menu", "TITLE": "Frame menu"},
    )
    activity = portal.add_call("Call the client")
    deal = int(portal.result("crm.activity.get", {"id": activity})["OWNER_ID"])

    page.goto(f"{url}/ui/portals/{portal_id}/users/{user_id}/items/2/{deal}")
    menu = page.locator(f'details[data-activity-menu="{activity}"]')
    menu.locator("summary").click()
    menu.get_by_role("button", name="Frame menu").click()
    # The slider the application opens sets its title (as text) and closes itself.
    assert "error" not in _app_result(page, app_http, "slider")
    page.wait_for_selector(".slider h2:text('Slider <b>of</b> the app')", timeout=30_000)
    assert page.locator(".slider h2 b").count() == 0
    done = _app_result(page, app_http, "sliderClosed")
    assert done.get("error") is None, done
    assert done["placement"] == "CRM_DEAL_ACTIVITY_TIMELINE_MENU"
    assert done["options"] == {
        "ENTITY_ID": str(deal),
        "ASSOCIATED_ENTITY_ID": str(activity),
        "ASSOCIATED_ENTITY_TYPE_ID": "6",
    }
    assert done["activities"] == [{"ID": str(activity), "SUBJECT": "Call the client"}]
    assert done["refreshed"] is True and done["afterRefresh"] == 1
    assert (done["appOption"], done["userOption"], done["localOption"]) == ("green", "L", "green")
    assert page.locator(".slider").count() == 1  # the placement's own slider stays; the app's closed
    # The options are the REST methods' values.
    assert api.result("app.option.get") == {"colour": "green"}
    assert api.result("user.option.get") == {"size": "L"}
    slider_post = [p for p in app_http.posts if p.get("PLACEMENT_OPTIONS") == '{"from":"menu"}']
    assert len(slider_post) == 1 and slider_post[0]["PLACEMENT"] == "DEFAULT"
    assert not errors, errors


def test_messages_from_elsewhere_are_not_answered(
    browser: Any,  # noqa: F811
    served: tuple[str, PortalClient],  # noqa: F811
    app_server: tuple[str, _AppServer],
) -> None:
    """A page of another origin, or a frame the page did not open, gets no init data (no tokens)."""
    url, portal = served
    app_url, app_http = app_server
    portal_id, user_id = portal.hook.portal.id, portal.hook.user.id
    made = portal.runtime.apps.create(portal_id, handler_url=f"{app_url}/app", scopes="crm", title="Quiet")
    assert made.app.installed
    page = _signed_in(browser, url)
    page.goto(f"{url}/ui/portals/{portal_id}/users/{user_id}/apps")
    assert page.get_by_role("button", name="Quiet").count() == 0  # no interface: no page to open
    with portal.runtime.db.write() as conn:
        apps_store.update_app(conn, portal_id, made.app.id, {"has_ui": True})
    page.reload()
    page.get_by_role("button", name="Quiet").click()
    _app_result(page, app_http, "main")
    name = page.locator(".app-host iframe").get_attribute("name") or ""
    sid = name.split("|")[2]
    (frame,) = [f for f in page.frames if f.url.startswith(app_url)]
    listening = frame.evaluate(
        """() => {
            window.got = [];
            window.addEventListener("message", (e) => window.got.push([e.origin, String(e.data)]));
            return true;
        }"""
    )
    assert listening
    # The page's own window (not the frame) asks with the right APP_SID: the frame gets nothing.
    page.evaluate("(sid) => window.postMessage('getInitData:self1:' + sid, '*')", sid)
    # The frame asks with another APP_SID, then with its own.
    frame.evaluate(
        """(sid) => {
            parent.postMessage('getInitData:wrong1:x' + sid, '*');
            parent.postMessage('getInitData:right1:' + sid, '*');
        }""",
        sid,
    )
    page.wait_for_timeout(800)
    got = frame.evaluate("() => window.got")
    assert [g[1].split(":", 1)[0] for g in got] == ["right1"]
    assert got[0][0] == url  # answered from the portal's origin, to the frame's
    init = json.loads(got[0][1].split(":", 1)[1])
    assert init["PLACEMENT"] == "DEFAULT" and init["AUTH_ID"]


def test_resize_title_and_the_selectors(
    browser: Any,  # noqa: F811
    served: tuple[str, PortalClient],  # noqa: F811
    app_server: tuple[str, _AppServer],
) -> None:
    url, portal = served
    app_url, app_http = app_server
    portal_id, user_id = portal.hook.portal.id, portal.hook.user.id
    made = portal.runtime.apps.create(portal_id, handler_url=f"{app_url}/app", scopes="crm", title="Tools")
    with portal.runtime.db.write() as conn:
        apps_store.update_app(conn, portal_id, made.app.id, {"has_ui": True})
    tokens = grant(portal.http, made, code_for(portal.http, made)["code"][0])
    api = AppClient(portal.runtime, portal.http, tokens["access_token"])
    api.result("app.option.set", {"options": {"mode": "tools"}})
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "Chosen <deal>"}})
    page = _signed_in(browser, url)
    page.goto(f"{url}/ui/portals/{portal_id}/users/{user_id}/apps")
    page.get_by_role("button", name="Tools").click()
    # The user selector: a dialog of the portal's users.
    dialog = page.locator("dialog.selector")
    dialog.get_by_label("Test Admin").check()
    dialog.get_by_role("button", name="Choose").click()
    # The CRM selector, deals only, several allowed.
    page.locator("dialog.selector").get_by_label("Chosen <deal>").check()
    page.locator("dialog.selector").get_by_role("button", name="Choose").click()
    # Several users, cancelled.
    page.locator("dialog.selector").get_by_role("button", name="Cancel").click()
    done = _app_result(page, app_http, "tools")
    assert done.get("error") is None, done
    assert done["user"] == {"id": str(user_id), "name": "Test Admin"}
    assert [(d["id"], d["title"]) for d in done["crm"]["deal"]] == [(f"D_{deal}", "Chosen <deal>")]
    assert done["noUsers"] == []
    assert done["messenger"] == {"result": "error", "errorCode": "METHOD_NOT_SUPPORTED_ON_DEVICE"}
    assert page.locator(".app-host iframe").evaluate("f => f.style.height") == "777px"
    assert done["size"] == {"width": 600, "height": 777}
    assert page.locator("h1[data-frame-title]").text_content() == "Tools & <i>more</i>"


def test_raw_messages_option_answers_and_bounds(
    browser: Any,  # noqa: F811
    served: tuple[str, PortalClient],  # noqa: F811
    app_server: tuple[str, _AppServer],
) -> None:
    """The answers the frame libraries read: appOption.set's callback gets the application's options, the
    other commands what the vendor's page answers; a message over the bound, or an openPath the URL parser
    refuses, is answered with an error instead of nothing."""
    url, portal = served
    app_url, app_http = app_server
    portal_id, user_id = portal.hook.portal.id, portal.hook.user.id
    made = portal.runtime.apps.create(portal_id, handler_url=f"{app_url}/app", scopes="crm", title="Raw")
    with portal.runtime.db.write() as conn:
        apps_store.update_app(conn, portal_id, made.app.id, {"has_ui": True})
    page = _signed_in(browser, url)
    page.goto(f"{url}/ui/portals/{portal_id}/users/{user_id}/apps")
    page.get_by_role("button", name="Raw").click()
    _app_result(page, app_http, "main")
    sid = (page.locator(".app-host iframe").get_attribute("name") or "").split("|")[2]
    (frame,) = [f for f in page.frames if f.url.startswith(app_url)]
    frame.evaluate(
        """(sid) => {
            window.got = {};
            window.addEventListener("message", (e) => {
                const at = String(e.data).indexOf(":");
                window.got[String(e.data).slice(0, at)] = JSON.parse(String(e.data).slice(at + 1));
            });
            parent.postMessage('setAppOption:{"name":"a","value":"1"}:app1:' + sid, '*');
            parent.postMessage('setUserOption:{"name":"u","value":{"x":[1]}}:user1:' + sid, '*');
            parent.postMessage('setTitle:{"title":"' + 'x'.repeat(300000) + '"}:big1:' + sid, '*');
            parent.postMessage('openPath:{"path":"http://["}:path1:' + sid, '*');
            parent.postMessage('setTitle:{"title":"<b>T</b>"}:title1:' + sid, '*');
            parent.postMessage('setScroll:{"scroll":5}:scroll1:' + sid, '*');
            parent.postMessage('setInstall:{"install":true}:install1:' + sid, '*');
            parent.postMessage('resizeWindow:{"width":"100%","height":650}:size1:' + sid, '*');
            parent.postMessage('refreshAuth:auth1:' + sid, '*');
        }""",
        sid,
    )
    deadline = time.monotonic() + 10
    got: dict[str, Any] = {}
    while time.monotonic() < deadline and len(got) < 9:
        page.wait_for_timeout(100)
        got = frame.evaluate("() => window.got")
    assert got["app1"] == {"a": "1"}
    assert got["user1"] == {"name": "u", "value": {"x": [1]}}
    # As the vendor's page answers them: the parameters given, the frame's new size, the new tokens.
    assert (got["title1"], got["scroll1"], got["install1"]) == (
        {"title": "<b>T</b>"},
        {"scroll": 5},
        {"install": True},
    )
    width = page.locator(".app-host iframe").evaluate("f => Math.round(f.getBoundingClientRect().width)")
    assert got["size1"] == {"width": width, "height": 650}
    assert set(got["auth1"]) == {"AUTH_ID", "AUTH_EXPIRES", "REFRESH_ID"}
    assert got["big1"]["error"] == "ERROR_ARGUMENT"
    assert got["path1"] == {"result": "error", "errorCode": "METHOD_NOT_SUPPORTED_ON_DEVICE"}
    # The oversized title was not set; the later one is, as text.
    assert page.locator("h1[data-frame-title]").text_content() == "<b>T</b>"


def _tokens(portal: PortalClient, app_id: int) -> int:
    t = oauth_tokens
    with portal.runtime.db.read() as conn:
        stmt = sa.select(sa.func.count()).where(t.c.portal_id == portal.hook.portal.id, t.c.app_id == app_id)
        return int(conn.execute(stmt).scalar_one())


def test_a_frame_asking_in_a_loop_is_slowed_down(
    browser: Any,  # noqa: F811
    served: tuple[str, PortalClient],  # noqa: F811
    app_server: tuple[str, _AppServer],
) -> None:
    """Every refreshAuth mints a token pair: a frame asking for thirty at once gets ten, and the REST API's
    "too many requests" for the rest, so an application cannot fill the token table from its page."""
    url, portal = served
    app_url, app_http = app_server
    portal_id, user_id = portal.hook.portal.id, portal.hook.user.id
    made = portal.runtime.apps.create(portal_id, handler_url=f"{app_url}/app", scopes="crm", title="Loop")
    with portal.runtime.db.write() as conn:
        apps_store.update_app(conn, portal_id, made.app.id, {"has_ui": True})
    page = _signed_in(browser, url)
    page.goto(f"{url}/ui/portals/{portal_id}/users/{user_id}/apps")
    page.get_by_role("button", name="Loop").click()
    _app_result(page, app_http, "main")
    sid = (page.locator(".app-host iframe").get_attribute("name") or "").split("|")[2]
    (frame,) = [f for f in page.frames if f.url.startswith(app_url)]
    before = _tokens(portal, made.app.id)
    frame.evaluate(
        """(sid) => {
            window.got = [];
            window.addEventListener("message", (e) => window.got.push(String(e.data)));
            for (let i = 0; i < 30; i++) parent.postMessage("refreshAuth:r" + i + ":" + sid, "*");
        }""",
        sid,
    )
    deadline = time.monotonic() + 15
    got: list[str] = []
    while time.monotonic() < deadline and len(got) < 30:
        page.wait_for_timeout(100)
        got = frame.evaluate("() => window.got")
    answers = [json.loads(g.split(":", 1)[1]) for g in got]
    fresh = {a["AUTH_ID"] for a in answers if "AUTH_ID" in a}
    refused = [a for a in answers if a.get("error") == "QUERY_LIMIT_EXCEEDED"]
    assert (len(answers), len(fresh), len(refused)) == (30, 10, 20)
    assert _tokens(portal, made.app.id) == before + 10
    # The bucket refills: a second later the frame gets a token again.
    page.wait_for_timeout(1100)
    frame.evaluate("(sid) => parent.postMessage('refreshAuth:late:' + sid, '*')", sid)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(got) < 31:
        page.wait_for_timeout(100)
        got = frame.evaluate("() => window.got")
    assert "AUTH_ID" in json.loads(got[30].split(":", 1)[1])
