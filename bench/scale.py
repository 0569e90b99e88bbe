"""The scale-out scenario: b24crm on PostgreSQL with 1 and 2 server processes (``serve --workers``) beside
the bare endpoint with as many uvicorn workers, over one portal of ROWS seeded activities: crm.activity.get
(a random ID each), add (each to one of 256 deals), the activity bench's list page counted and with
``start=-1``, and a deal's timeline (its activities, newest first).

One seed serves every worker count; each count gets fresh servers, a warm-up of random gets, then the bare
endpoint and get in alternating rounds (their ratio), then add and the two list pages.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from rich.console import Console

from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store.tables import crm_items
from bench.activities import SELLER, WARM_UP, Portal, cases, check, drive_random_get, prepare
from bench.load import LUA, Figures, alternate, drive, have_wrk, run_wrk_script
from bench.servers import b24crm_server, bare_server

ADD_OWNERS = 256  # deals the adds are spread over


def run(
    db_url: str,
    data_dir: Path,
    rows: int,
    workers: list[int],
    seconds: int,
    connections: int,
    console: Console,
    *,
    rounds: int = 3,
    answers: bool = True,
) -> dict[int, list[Figures]]:
    """Figures by worker count: bare, get (with its median ratio to bare), add, list, list start=-1."""
    started = time.perf_counter()
    portal = prepare(db_url, data_dir, rows, console, answers=answers)
    console.print(f"seeded in {time.perf_counter() - started:,.0f} s")
    owners = _owners(db_url, data_dir, portal, ADD_OWNERS)
    return {
        n: _one_count(db_url, data_dir, portal, owners, n, seconds, connections, rounds, console)
        for n in workers
    }


def _one_count(
    db_url: str,
    data_dir: Path,
    portal: Portal,
    owners: list[int],
    workers: int,
    seconds: int,
    connections: int,
    rounds: int,
    console: Console,
) -> list[Figures]:
    low, high = portal.activities
    short = max(1, round(seconds / rounds))
    console.print(f"{workers} worker(s)")
    with (
        bare_server(workers) as bare_base,
        b24crm_server(db_url, data_dir, portal.webhook_path, workers) as (_, webhook),
    ):
        check(webhook, portal, console)

        def get(duration: int) -> Figures:
            url = f"{webhook}crm.activity.get?id="
            return drive_random_get("activity.get", url, low, high, seconds=duration, connections=connections)

        get(WARM_UP)
        figures = alternate(
            {
                "bare": lambda: drive(
                    "bare", f"{bare_base}/rest/server.time", seconds=short, connections=connections
                ),
                "activity.get": lambda: get(short),
            },
            rounds,
            baseline="bare",
        )
        figures.append(_drive_adds(webhook, owners, seconds, connections))
        pages = {name: params for name, params in cases(portal).items() if name != "activity.add"}
        # The activities section of a deal's timeline: its activities, newest first.
        pages["deal timeline"] = {
            "filter": {"OWNER_TYPE_ID": 2, "OWNER_ID": portal.deal},
            "order": {"ID": "DESC"},
            "select": ["*"],
        }
        for name, params in pages.items():
            body = json.dumps(params)
            url = f"{webhook}crm.activity.list"
            figures.append(drive(name, url, body=body, seconds=seconds, connections=connections))
    return figures


def _owners(db_url: str, data_dir: Path, portal: Portal, count: int) -> list[int]:
    """``count`` deals the list's seller is not responsible for (``cases``' deal first): adds spread over
    them, as a portal's users add to many deals at once. Every add to one deal takes that deal's lock (it
    stamps the deal's last activity), so adds all to one deal measure only that lock."""
    runtime = Runtime(Settings(db=db_url, data_dir=str(data_dir)))
    try:
        user_id, code = portal.webhook_path.split("/")
        portal_id = runtime.tenancy.resolve_webhook(user_id, code).portal.id
        items = crm_items.c
        with runtime.db.read() as conn:
            found = conn.execute(
                sa.select(items.id)
                .where(
                    items.portal_id == portal_id, items.entity_type_id == 2, items.assigned_by_id != SELLER
                )
                .order_by(items.id)
                .limit(count - 1)
            ).scalars()
            return [portal.deal, *found]
    finally:
        runtime.close()


def _drive_adds(webhook: str, owners: list[int], seconds: int, connections: int) -> Figures:
    """crm.activity.add with the bench's body, each to a deal drawn from ``owners`` (wrk)."""
    bodies = [
        json.dumps(
            {
                "fields": {
                    "OWNER_TYPE_ID": 2,
                    "OWNER_ID": deal,
                    "TYPE_ID": 2,
                    "SUBJECT": "Bench call",
                    "COMMUNICATIONS": [{"VALUE": "+15550001", "ENTITY_TYPE_ID": 2, "ENTITY_ID": deal}],
                }
            }
        )
        for deal in owners
    ]
    url = f"{webhook}crm.activity.add"
    if not have_wrk():
        return drive("activity.add", url, body=bodies[0], seconds=seconds, connections=connections)
    parts = urlsplit(url)
    table = ", ".join(json.dumps(b) for b in bodies)
    script = LUA.format(method="POST", body="nil") + RANDOM_BODY_LUA.format(path=parts.path, bodies=table)
    return run_wrk_script(
        "activity.add", f"{parts.scheme}://{parts.netloc}", script, seconds=seconds, connections=connections
    )


RANDOM_BODY_LUA = """
math.randomseed(os.time())
local bodies = {{ {bodies} }}
request = function()
  return wrk.format("POST", "{path}", nil, bodies[math.random(#bodies)])
end
"""


def verdicts(by_workers: dict[int, list[Figures]]) -> list[str]:
    """The issue's targets, met or not, one line each."""
    lines = []
    named = {n: {f.name: f for f in figures} for n, figures in by_workers.items()}
    if 1 in named:
        ratio = named[1]["activity.get"].ratio_to_bare or 0.0
        lines.append(f"get, 1 worker: {ratio:.2f} × bare (target ≥ 0.35): {_met(ratio >= 0.35)}")
    if 2 in named:
        add = named[2]["activity.add"].rps
        lines.append(f"add, 2 workers: {add:,.0f}/s (target ≥ 1,000/s): {_met(add >= 1000)}")
    top = max(named)
    for name in ("activity.list", "activity.list start=-1", "deal timeline"):
        f = named[top][name]
        ok = f.rps >= 500 and f.p99_ms < 50
        lines.append(
            f"{name}, {top} workers: {f.rps:,.0f}/s, p99 {f.p99_ms:.1f} ms (target ≥ 500/s, p99 < 50 ms): "
            f"{_met(ok)}"
        )
    if 1 in named and 2 in named:
        for name in ("activity.get", "activity.add", "activity.list", "activity.list start=-1"):
            gain = named[2][name].rps / named[1][name].rps if named[1][name].rps else 0.0
            lines.append(f"{name}: 2 workers {gain:.2f} × 1 worker (target ≥ 1.6): {_met(gain >= 1.6)}")
    return lines


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"
