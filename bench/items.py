"""The CRM items scenario: 50-row crm.item.list pages over a large seeded portal."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from b24crm.runtime import Runtime
from b24crm.seed import seed_deals
from b24crm.settings import Settings
from bench.load import Figures, drive
from bench.servers import b24crm_server, bare_server

# (name, crm.item.list parameters): one filter and one order each, as the issue asks.
LIST_CASES = (
    ("item.list assignedById, id DESC", {"filter": {"assignedById": 7}, "order": {"id": "DESC"}}),
    (
        "item.list stageId, id DESC, start=-1",
        {"filter": {"stageId": "WON"}, "order": {"id": "DESC"}, "start": -1},
    ),
    ("item.list >id, id ASC, start=-1", {"filter": {">id": 500_000}, "order": {"id": "ASC"}, "start": -1}),
)


def prepare(db_url: str, data_dir: Path, rows: int, console: Console) -> str:
    """Migrate, make a portal with an admin webhook, seed ``rows`` deals; returns ``user_id/code``."""
    runtime = Runtime(Settings(db=db_url, data_dir=str(data_dir)))
    runtime.migrate()
    portal = runtime.tenancy.create_portal(domain="bench.b24crm.local")
    admin = runtime.tenancy.create_user(portal.id, name="Bench", admin=True)
    hook = runtime.tenancy.create_webhook(portal.id, admin.id, "crm")
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        if done % 100_000 == 0 or done == rows:
            console.print(f"  seeded {done:,} deals")

    seed_deals(runtime.db, portal.id, rows, now=runtime.clock.now(), progress=progress)
    runtime.close()
    return f"{admin.id}/{hook.code}"


def run(
    db_url: str, data_dir: Path, rows: int, seconds: int, connections: int, console: Console
) -> list[Figures]:
    webhook_path = prepare(db_url, data_dir, rows, console)
    with bare_server() as bare_base:
        figures = [
            drive("bare starlette", f"{bare_base}/rest/server.time", seconds=seconds, connections=connections)
        ]
    with b24crm_server(db_url, data_dir, webhook_path) as (_, webhook):
        for name, params in LIST_CASES:
            body = json.dumps({"entityTypeId": 2, **params})
            figures.append(
                drive(name, f"{webhook}crm.item.list", body=body, seconds=seconds, connections=connections)
            )
    return figures
