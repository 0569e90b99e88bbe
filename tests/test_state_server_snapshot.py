"""A whole server's snapshot (every portal) restored into a fresh server on the other store, and an
activity's file carried by a portal's snapshot."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from b24crm.app import create_app
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store import migrate
from b24crm.store.engine import Database
from tests.client import PortalClient
from tests.conftest import pg_scratch

ADMIN = {"Authorization": "Bearer admin-secret"}


def _fresh(stack: ExitStack, dialect: str, where: Path) -> Database:
    if dialect == "sqlite":
        url = f"sqlite:///{where / 'fresh.db'}"
    else:
        url = stack.enter_context(pg_scratch("b24crm_state"))  # skipped without a server, failed in CI
    db = Database(url)
    stack.callback(db.dispose)
    migrate.upgrade(db)
    return db


@pytest.fixture
def two_servers(database: Database, tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """Two empty servers: the first on the store of ``database``, the second on the other one."""
    first = database.dialect
    second = "postgresql" if first == "sqlite" else "sqlite"
    with ExitStack() as stack:
        clients = []
        for n, dialect in enumerate((first, second)):
            (tmp_path / str(n)).mkdir()
            data = str(tmp_path / str(n) / "data")
            settings = Settings(
                db="sqlite:///unused.db", data_dir=data, admin_token="admin-secret", event_delivery=False
            )
            runtime = Runtime(settings, db=_fresh(stack, dialect, tmp_path / str(n)))
            client = stack.enter_context(TestClient(create_app(runtime), base_url="http://testserver"))
            clients.append(PortalClient.create(runtime, client).http)
        yield clients[0], clients[1]


def _portals(http: TestClient) -> list[dict[str, object]]:
    return http.get("/_b24crm/portals", headers=ADMIN).json()["result"]  # type: ignore[no-any-return]


def test_a_server_snapshot_restores_every_portal_into_another_server(
    two_servers: tuple[TestClient, TestClient],
) -> None:
    source, target = two_servers
    portals = [
        PortalClient.create(source.app.state.runtime, source, scopes=("crm", "user")),  # type: ignore[attr-defined]
        PortalClient.create(source.app.state.runtime, source, scopes=("crm", "user")),  # type: ignore[attr-defined]
    ]
    for n, portal in enumerate(portals):
        for title in range(n + 2):
            portal.result("crm.deal.add", {"fields": {"TITLE": f"Portal {portal.hook.portal.id} #{title}"}})
    saved = source.get("/_b24crm/snapshot", headers=ADMIN)
    assert saved.status_code == 200
    assert saved.headers["content-disposition"] == 'attachment; filename="b24crm-server.jsonl"'
    done = target.put("/_b24crm/snapshot", content=saved.content, headers=ADMIN).json()["result"]
    assert done["portals"] == [1, 2, 3]
    assert _portals(target) == _portals(source)
    for portal in portals:  # the same webhooks open the same portals there
        there = PortalClient(portal.runtime, target, portal.hook)
        assert there.result("crm.deal.list", {"select": ["ID", "TITLE"]}) == portal.result(
            "crm.deal.list", {"select": ["ID", "TITLE"]}
        )
    # A portal made afterwards takes the next ID on either store.
    made = target.post("/_b24crm/portals", json={}, headers=ADMIN).json()["result"]
    assert made["portal"]["id"] == 4
    assert target.get("/_b24crm/snapshot", headers=ADMIN).content.count(b'{"portal":') == 4
    # A server snapshot cannot go into one portal.
    refused = target.put("/_b24crm/portals/1/snapshot", content=saved.content, headers=ADMIN).json()
    assert refused == {
        "error": "INVALID_SNAPSHOT",
        "error_description": "a server snapshot restores the whole server, not into one portal",
    }


def test_an_activitys_file_goes_with_the_snapshot(portal: PortalClient, tmp_path: Path) -> None:
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "With a file"}})
    upload = {"fileData": ["offer.txt", base64.b64encode(b"the offer").decode()]}
    fields = {"OWNER_TYPE_ID": 2, "OWNER_ID": deal, "TYPE_ID": 2, "SUBJECT": "Call", "FILES": [upload]}
    fields |= {"COMMUNICATIONS": [{"VALUE": "+100", "ENTITY_TYPE_ID": 2, "ENTITY_ID": deal}]}
    activity = portal.result("crm.activity.add", {"fields": fields})
    where = f"/_b24crm/portals/{portal.hook.portal.id}/snapshot"
    saved = portal.http.get(where, headers=ADMIN).content
    assert base64.b64encode(b"the offer") in saved
    portal.result("crm.activity.delete", {"id": activity})
    assert portal.http.put(where, content=saved, headers=ADMIN).status_code == 200
    (entry,) = portal.result("crm.activity.get", {"id": activity})["FILES"]
    link = urlsplit(entry["url"])
    assert portal.http.get(f"{link.path}?{link.query}").content == b"the offer"


@pytest.fixture
def second_process(settings: Settings, database: Database) -> Iterator[TestClient]:
    """Another server on the same database, with a database handle (so caches and listeners) of its own."""
    db = Database(database.url.render_as_string(hide_password=False))
    try:
        with TestClient(create_app(Runtime(settings, db=db)), base_url="http://testserver") as client:
            yield client
    finally:
        db.dispose()


def test_a_restore_reaches_the_caches_of_another_server_at_once(
    portal: PortalClient, second_process: TestClient
) -> None:
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "Kept"}})
    first = portal.add_call(OWNER_TYPE_ID=2, OWNER_ID=deal)
    saved = portal.http.get(f"/_b24crm/portals/{portal.hook.portal.id}/snapshot", headers=ADMIN).content
    # Made after the snapshot: a webhook and an activity, both seen (and remembered) by the other server.
    later = portal.with_webhook(portal.hook.user.id, ("crm",))
    there, later_there = (PortalClient(portal.runtime, second_process, p.hook) for p in (portal, later))
    portal.add_call(OWNER_TYPE_ID=2, OWNER_ID=deal)
    assert later_there.call("crm.activity.list", {"select": ["ID"]})["total"] == 2
    restored = portal.http.put(
        f"/_b24crm/portals/{portal.hook.portal.id}/snapshot", content=saved, headers=ADMIN
    )
    assert restored.status_code == 200
    deadline = time.monotonic() + 5  # PostgreSQL: a notification away
    while later_there.raw("crm.activity.list").status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert later_there.error("crm.activity.list")[0] == 401  # the webhook the snapshot lacks
    # One write after the restore: had the activity generation gone back to the snapshot's, it would now
    # be the one the other server remembered the count of two under.
    portal.result("crm.activity.delete", {"id": first})
    assert there.call("crm.activity.list", {"select": ["ID"]})["total"] == 0


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(48))
LOGO = PNG + b"logo"


def _photo(portal: PortalClient, contact: int) -> bytes | None:
    """The bytes behind the contact's PHOTO link; None when it has none, or the link shows nothing."""
    photo = portal.result("crm.contact.get", {"id": contact})["PHOTO"]
    if not photo:
        return None
    link = urlsplit(photo["showUrl"])
    shown = portal.http.get(f"{link.path}?{link.query}")
    return shown.content if shown.status_code == 200 else None


def test_a_contacts_photo_and_a_companys_logo_go_with_the_snapshot(portal: PortalClient) -> None:
    upload = {"fileData": ["face.png", base64.b64encode(PNG).decode()]}
    contact = portal.result("crm.contact.add", {"fields": {"NAME": "Ann", "PHOTO": upload}})
    logo = {"fileData": ["logo.png", base64.b64encode(LOGO).decode()]}
    company = portal.result("crm.company.add", {"fields": {"TITLE": "Acme", "LOGO": logo}})
    where = f"/_b24crm/portals/{portal.hook.portal.id}/snapshot"
    saved = portal.http.get(where, headers=ADMIN).content
    assert base64.b64encode(PNG) in saved
    kept = portal.result("crm.contact.get", {"id": contact})["PHOTO"]["id"]
    # Deleted after the snapshot: the restore brings the item and its file back, under the same id.
    portal.result("crm.contact.delete", {"id": contact})
    portal.result("crm.company.update", {"id": company, "fields": {"LOGO": {"remove": "Y"}}})
    assert portal.http.put(where, content=saved, headers=ADMIN).status_code == 200
    assert _photo(portal, contact) == PNG
    assert portal.result("crm.contact.get", {"id": contact})["PHOTO"]["id"] == kept
    shown = portal.result("crm.company.get", {"id": company})["LOGO"]
    link = urlsplit(shown["showUrl"])
    assert portal.http.get(f"{link.path}?{link.query}").content == LOGO
    # A file added after the restore takes an id none of the restored files has.
    other = portal.result("crm.contact.add", {"fields": {"NAME": "Bo", "PHOTO": upload}})
    assert portal.result("crm.contact.get", {"id": other})["PHOTO"]["id"] > kept
    # Restored twice, the first restore's files go with the rows they replaced.
    files = portal.runtime.files.root / str(portal.hook.portal.id)
    assert portal.http.put(where, content=saved, headers=ADMIN).status_code == 200
    assert sorted(p.read_bytes() for p in files.rglob("*.png")) == sorted([PNG, LOGO])


def test_a_reset_removes_photos_and_logos(portal: PortalClient) -> None:
    upload = {"fileData": ["face.png", base64.b64encode(PNG).decode()]}
    contact = portal.result("crm.contact.add", {"fields": {"NAME": "Ann", "PHOTO": upload}})
    assert _photo(portal, contact) == PNG
    files = portal.runtime.files.root / str(portal.hook.portal.id)
    assert [p.read_bytes() for p in files.rglob("*.png")] == [PNG]
    reset = portal.http.post(f"/_b24crm/portals/{portal.hook.portal.id}/reset", json={}, headers=ADMIN)
    assert reset.status_code == 200, reset.text
    assert list(files.rglob("*.png")) == []


def test_an_item_row_without_its_files_restores_without_them(portal: PortalClient) -> None:
    """A snapshot written before items carried their files: the rows restore, their files are gone (the
    path they name is never read), and a carried file for a field the data lacks is refused."""
    upload = {"fileData": ["face.png", base64.b64encode(PNG).decode()]}
    contact = portal.result("crm.contact.add", {"fields": {"NAME": "Ann", "PHOTO": upload}})
    where = f"/_b24crm/portals/{portal.hook.portal.id}/snapshot"
    lines = portal.http.get(where, headers=ADMIN).text.splitlines()
    start = lines.index(next(line for line in lines if line.startswith('{"table":"crm_items"')))
    rows = [n for n in range(start + 1, len(lines)) if lines[n].startswith("[")]
    rows = rows[: next((i for i, n in enumerate(rows) if n != rows[0] + i), len(rows))]
    older = [line.rsplit(",", 1)[0] + "]" if n in rows else line for n, line in enumerate(lines)]
    assert portal.http.put(where, content="\n".join(older), headers=ADMIN).status_code == 200
    assert portal.result("crm.contact.get", {"id": contact})["NAME"] == "Ann"
    assert _photo(portal, contact) is None
    forged = [line.rsplit(",", 1)[0] + ',{"NOPE":""}]' if n in rows else line for n, line in enumerate(lines)]
    refused = portal.http.put(where, content="\n".join(forged), headers=ADMIN)
    assert refused.status_code == 400 and "an item's files" in refused.json()["error_description"]
