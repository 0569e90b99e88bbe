"""The timeline page scenario: an item with 1,000 timeline entries, its first page rendered server-side.

The entries are made through the domain rules the REST methods run (calls and e-mails, todos, configurable
activities of an installed application, comments and the application's log messages), half of the
activities completed, on a fresh database; then the item's page is requested in-process, signed in, and
timed from the request to the last byte of the HTML (both sections with their counts, the records merged
into the history, the rows' communications, files, blocks and notes, and the template).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.console import Console
from starlette.testclient import TestClient

from b24crm.app import create_app
from b24crm.auth.caller import Caller
from b24crm.auth.models import Credential
from b24crm.crm import items
from b24crm.crm.activity import configurable, service, todo
from b24crm.crm.timeline import comments, logmessages
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.web import session

LAYOUT: dict[str, Any] = {
    "icon": {"code": "call-completed"},
    "header": {"title": "Incoming call", "tags": {"s": {"type": "warning", "title": "not transcribed"}}},
    "body": {
        "logo": {"code": "call-incoming"},
        "blocks": {
            "client": {
                "type": "withTitle",
                "properties": {"title": "Client", "inline": True,
                               "block": {"type": "text", "properties": {"value": "Ltd. Hoofs and Horns"}}},
            },
            "text": {"type": "largeText", "properties": {"value": "A long text. " * 30}},
            "due": {"type": "deadline", "properties": {}},
        },
    },
    "footer": {
        "buttons": {"ok": {"title": "Confirm", "type": "primary",
                           "action": {"type": "restEvent", "id": "ok", "animationType": "loader"}}},
        "menu": {"items": {"no": {"title": "Decline", "action": {"type": "restEvent", "id": "no"}}}},
    },
}  # fmt: skip


def _caller(runtime: Runtime, credential: Credential) -> Caller:
    return Caller(runtime.services, credential)


def seed(runtime: Runtime, entries: int, console: Console) -> tuple[str, int]:
    """A portal with a deal carrying ``entries`` timeline entries; answers the page's path."""
    portal = runtime.tenancy.create_portal(domain="timeline.b24crm.local")
    admin = runtime.tenancy.create_user(portal.id, name="Bench", admin=True)
    hook = runtime.tenancy.create_webhook(portal.id, admin.id, "crm")
    user_ctx = _caller(runtime, runtime.tenancy.resolve_webhook(str(admin.id), hook.code))
    made = runtime.apps.create(portal.id, handler_url="http://app.invalid/", scopes="crm", title="Bench app")
    app = runtime.apps.finish_install(portal.id, made.app.id)
    app_ctx = _caller(
        runtime, Credential("oauth", 0, user_ctx.portal, user_ctx.user, frozenset({"crm"}), app)
    )
    deal = int(items.add(user_ctx, 2, {"title": "A deal with a long timeline"})["id"])
    for n in range(entries):
        completed = "Y" if n % 2 else "N"
        kind = n % 10
        if kind < 5:  # calls and e-mails with a communication
            type_id = 2 if kind < 3 else 4
            value = "+1 555 0100" if type_id == 2 else "client@example.com"
            # Incoming e-mails only: an outgoing one would be sent, and the portal has no mailbox.
            direction = 1 + n % 2 if type_id == 2 else 1
            fields = {"OWNER_TYPE_ID": 2, "OWNER_ID": deal, "TYPE_ID": type_id, "SUBJECT": f"Entry {n}",
                      "DIRECTION": direction, "COMPLETED": completed,
                      "COMMUNICATIONS": [{"VALUE": value}]}  # fmt: skip
            service.add(user_ctx, fields)
        elif kind < 8:  # todos
            args = {"ownerTypeId": 2, "ownerId": deal, "deadline": f"2030-01-{1 + n % 28:02}T10:00:00",
                    "title": f"Todo {n}", "description": "Call back", "responsibleId": None,
                    "parentActivityId": None, "pingOffsets": [0, 15], "colorId": str(n % 8 or "default"),
                    "isAllDay": False}  # fmt: skip
            added = todo.add(user_ctx, args)
            if completed == "Y":
                service.update(user_ctx, added["id"], {"COMPLETED": "Y"})
        elif kind == 8:  # configurable activities of the application
            fields_in = {"completed": completed == "Y", "deadline": "2031-05-01T09:00:00"}
            configurable.add(app_ctx, 2, deal, fields_in, LAYOUT)
        elif n % 20 == 9:  # comments
            comments.add(user_ctx, {"ENTITY_TYPE_ID": 2, "ENTITY_ID": deal, "COMMENT": f"Comment {n}"})
        else:  # the application's log messages
            fields_in = {"entityTypeId": 2, "entityId": deal, "title": f"Log {n}", "text": "Synced",
                         "iconCode": "info"}  # fmt: skip
            logmessages.add(app_ctx, fields_in)
        if (n + 1) % 250 == 0:
            console.print(f"  {n + 1:,} entries")
    return f"/ui/portals/{portal.id}/users/{admin.id}/items/2/{deal}", deal


def measure(db_url: str, data_dir: Path, entries: int, rounds: int, console: Console) -> dict[str, float]:
    runtime = Runtime(Settings(db=db_url, data_dir=str(data_dir), admin_token="bench", event_delivery=False))
    runtime.migrate()
    try:
        path, _deal = seed(runtime, entries, console)
        if runtime.db.engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of these inserts: without statistics the planner takes
            # the fresh tables for empty and joins the item's bindings by a nested loop (100 ms a count).
            with runtime.db.write() as conn:
                conn.execute(sa.text("ANALYZE crm_activities; ANALYZE crm_activity_bindings"))
        with TestClient(create_app(runtime)) as http:
            http.cookies.set(session.COOKIE, session.issue("bench"), path="/ui")
            first = http.get(path)
            assert first.status_code == 200, first.text[:2000]
            assert "Planned" in first.text and first.text.count('class="entry ') >= 20
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                answer = http.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200
        times.sort()
        return {
            "entries": entries,
            "rounds": rounds,
            "bytes": len(first.content),
            "p50_ms": statistics.median(times),
            "p90_ms": times[int(len(times) * 0.9) - 1],
            "max_ms": times[-1],
        }
    finally:
        runtime.close()
