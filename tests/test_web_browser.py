"""The pages in a real browser: Debian's chromium driven by Playwright (never a downloaded browser).

The server runs in this process (uvicorn on a free loopback port) over the suite's SQLite store, so the
test seeds through the REST API and reads the outbox directly. Without chromium or Playwright the tests
are skipped with the reason; with ``B24CRM_REQUIRE_BROWSER=1`` (set by ``.ci/run``) that is an error.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.testclient import TestClient

from b24crm.app import create_app
from b24crm.devtools import EventReceiver, free_port
from b24crm.events.delivery import deliver_due
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store import migrate
from b24crm.store.engine import Database
from tests.apps_support import install
from tests.client import PortalClient
from tests.support_events import outgoing_hook
from tests.test_web_support import TOKEN, every_kind

REQUIRE = os.environ.get("B24CRM_REQUIRE_BROWSER") == "1"
CANDIDATES = (os.environ.get("B24CRM_CHROMIUM", ""), "/usr/lib/chromium/chromium", "/usr/bin/chromium")


def _chromium() -> str:
    for path in CANDIDATES:
        if path and os.access(path, os.X_OK):
            return path
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    reason = "no chromium executable (apt-get install chromium, or set B24CRM_CHROMIUM)"
    if REQUIRE:
        pytest.fail(f"browser tests required (B24CRM_REQUIRE_BROWSER=1): {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        if REQUIRE:
            pytest.fail(f"browser tests required (B24CRM_REQUIRE_BROWSER=1): {exc}")
        pytest.skip(f"browser tests skipped: Playwright is not installed ({exc})")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # a thread may not install them
        pass


@pytest.fixture(scope="module")
def own_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A store of the browser tests' own: the portals page lists every portal of its store, and the
    suite's shared one holds hundreds by the time these tests run."""
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('web') / 'web.db'}")
    migrate.upgrade(db)
    yield db
    db.dispose()


@pytest.fixture
def served(settings: Settings, own_database: Database) -> Iterator[tuple[str, PortalClient]]:
    """The app on a loopback port, and a portal of its runtime to seed through REST in-process."""
    port = free_port()
    runtime = Runtime(settings.with_(public_url=f"http://127.0.0.1:{port}"), db=own_database)
    app = create_app(runtime)
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    with TestClient(app, base_url="http://testserver") as http:
        yield f"http://127.0.0.1:{port}", PortalClient.create(runtime, http, scopes=("crm", "user"))
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def receiver() -> Iterator[EventReceiver]:
    made = EventReceiver()
    yield made
    made.close()


def _deliver(runtime: Runtime, portal_id: int) -> int:
    """deliver_due in a thread of its own: Playwright's sync API keeps an event loop in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(deliver_due, runtime, portal_id).result(timeout=60)


def _signed_in(browser: Any, url: str) -> Any:
    page = browser.new_page()
    page.goto(url + "/")
    assert page.url.endswith("/ui/signin?next=%2Fui%2F")
    page.get_by_label("Admin token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url + "/ui/")
    return page


def test_click_through_a_deal_with_every_kind(
    browser: Any, served: tuple[str, PortalClient], receiver: EventReceiver
) -> None:
    url, portal = served
    app = install(portal, receiver.url)
    app.api.result("event.bind", {"event": "onCrmTimelineItemAction", "handler": receiver.url})
    outgoing_hook(portal, "ONCRMACTIVITYUPDATE", receiver.url + "/hook")
    made = every_kind(portal, app)
    portal_id = portal.hook.portal.id
    _deliver(portal.runtime, portal_id)
    receiver.calls.clear()

    page = _signed_in(browser, url)
    page.locator(f'a[href="/ui/portals/{portal_id}/users/{portal.hook.user.id}/"]').click()
    page.get_by_role("link", name="Big deal").click()
    assert page.locator("article.entry").count() == 5
    assert page.locator(".app-blocks").get_by_text("Open deal").is_visible()
    assert page.get_by_text("not transcribed").is_visible()

    # Complete the todo: the outgoing webhook receives ONCRMACTIVITYUPDATE for it.
    todo = page.locator(f'article[data-activity="{made["todo"]}"]')
    todo.get_by_role("button", name="Complete").click()
    page.wait_for_selector("text=Completed")
    assert page.locator(f'.history article[data-activity="{made["todo"]}"]').count() == 1
    _deliver(portal.runtime, portal_id)
    updates = [c for c in receiver.calls if c["form"].get("event") == "ONCRMACTIVITYUPDATE"]
    assert [c["form"]["data[FIELDS][ID]"] for c in updates] == [str(made["todo"])]

    # A restEvent button: the application receives the action, the entry shows the lock.
    configurable = page.locator(f'article[data-activity="{made["configurable"]}"]')
    configurable.get_by_role("button", name="Ping").click()
    page.wait_for_selector("text=Sent to the application")
    locked = page.locator(f'article[data-activity="{made["configurable"]}"]')
    assert "locked" in (locked.get_attribute("class") or "")
    assert locked.get_by_role("status").inner_text() == "Waiting for the application"
    assert locked.get_by_role("button", name="About Client").is_disabled()
    _deliver(portal.runtime, portal_id)
    actions = [c for c in receiver.calls if c["form"].get("event") == "ONCRMTIMELINEITEMACTION"]
    assert len(actions) == 1 and actions[0]["form"]["data[id]"] == "ping"
    # The application answers with configurable.update: the entry is live again.
    app.api.result("crm.activity.configurable.update", {"id": made["configurable"], "fields": {}})
    page.reload()
    assert "locked" not in (
        page.locator(f'article[data-activity="{made["configurable"]}"]').get_attribute("class") or ""
    )
    # openRestApp: the application's page opens in the slider, posted the form the portal sends.
    receiver.calls.clear()
    page.locator(f'article[data-activity="{made["configurable"]}"]').get_by_role(
        "button", name="About Client"
    ).click()
    page.wait_for_selector(".app-host iframe")
    deadline = time.monotonic() + 20
    while not [c for c in receiver.calls if c["form"].get("PLACEMENT") == "DEFAULT"]:
        assert time.monotonic() < deadline, receiver.calls
        page.wait_for_timeout(100)
    (opened,) = [c for c in receiver.calls if c["form"].get("PLACEMENT") == "DEFAULT"]
    assert opened["form"]["AUTH_ID"] and '"activityId":"' in opened["form"]["PLACEMENT_OPTIONS"]
    page.get_by_role("link", name="Close").click()
    # The large text opens and closes.
    toggle = page.locator("[data-toggle-large]").first
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    page.close()


def test_a_user_with_role_own_sees_only_their_deals(browser: Any, served: tuple[str, PortalClient]) -> None:
    url, portal = served
    every_kind(portal)
    seller = portal.restricted("2:read=own,edit=own,add=own")
    seller.result("crm.deal.add", {"fields": {"TITLE": "Seller's deal"}})
    page = _signed_in(browser, url)
    page.locator(f'a[href="/ui/portals/{portal.hook.portal.id}/users/{seller.hook.user.id}/"]').click()
    assert page.get_by_role("link", name="Seller's deal").is_visible()
    assert page.get_by_role("link", name="Big deal").count() == 0
    page.get_by_role("link", name="Leads").click()
    assert page.get_by_role("alert").inner_text().startswith("ACCESS_DENIED")
    page.close()


_FIELDS = "input:not([type=hidden]), select, textarea, button, summary"
_UNLABELLED = f"""() => [...document.querySelectorAll('{_FIELDS}')]
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
               && !e.getAttribute('aria-labelledby') && !(e.textContent || '').trim())
  .map(e => e.outerHTML.slice(0, 120))"""
_CONTROLS = "a[href], button:not([disabled]), input:not([type=hidden]), select, textarea, summary"
_REACHABLE = (
    f"""() => [...document.querySelectorAll('{_CONTROLS}')].filter(e => e.checkVisibility()).length"""
)
_MARK = "() => { const e = document.activeElement; if (e && e !== document.body) e.dataset.tabbed = '1'; }"
_MISSED = f"""() => [...document.querySelectorAll('{_CONTROLS}')]
  .filter(e => e.checkVisibility() && !e.dataset.tabbed).map(e => e.outerHTML.slice(0, 120))"""


def test_accessibility_labels_and_keyboard(browser: Any, served: tuple[str, PortalClient]) -> None:
    url, portal = served
    made = every_kind(portal)
    page = _signed_in(browser, url)
    pages = [
        url + "/ui/",
        f"{url}/ui/portals/{portal.hook.portal.id}/users/{portal.hook.user.id}/items/2",
        f"{url}/ui/portals/{portal.hook.portal.id}/users/{portal.hook.user.id}/items/2/{made['deal']}",
    ]
    for address in pages:
        page.goto(address)
        assert page.evaluate(_UNLABELLED) == [], address
        assert page.locator("html").get_attribute("lang") == "en"
        # Every visible control is reached with Tab, one after another.
        reachable = page.evaluate(_REACHABLE)
        assert reachable < 200, (address, reachable)  # the walk below is two round trips a key
        for _ in range(reachable * 6 + 5):  # a date input takes a Tab per part
            page.keyboard.press("Tab")
            page.evaluate(_MARK)
        assert page.evaluate(_MISSED) == [], address
    # And an action works from the keyboard alone: focus the todo's Complete button, press Enter.
    complete = page.locator(f'article[data-activity="{made["todo"]}"]').get_by_role("button", name="Complete")
    for _ in range(200):
        page.keyboard.press("Tab")
        if complete.evaluate("e => e === document.activeElement"):
            break
    else:
        pytest.fail("the todo's Complete button is not reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Completed")
    page.close()


def test_screenshots_of_the_main_pages(
    browser: Any, served: tuple[str, PortalClient], receiver: EventReceiver
) -> None:
    """The item list and an item's timeline render at a readable size in a real browser. With
    B24CRM_SCREENSHOTS=<dir> the pictures are kept there (docs/screenshots/ holds the README's)."""
    url, portal = served
    app = install(portal, receiver.url)
    every_kind(portal, app)
    page = _signed_in(browser, url)
    page.set_viewport_size({"width": 1280, "height": 900})
    portal_id = portal.hook.portal.id
    page.locator(f'a[href="/ui/portals/{portal_id}/users/{portal.hook.user.id}/"]').click()
    shots = {"items.png": page.screenshot(full_page=True)}
    page.get_by_role("link", name="Big deal").click()
    page.locator("article.entry").first.wait_for()
    shots["timeline.png"] = page.screenshot(full_page=True)
    page.close()
    keep = os.environ.get("B24CRM_SCREENSHOTS")
    for name, png in shots.items():
        assert png.startswith(b"\x89PNG") and len(png) > 10_000, name  # a page, not a blank
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            (Path(keep) / name).write_bytes(png)
