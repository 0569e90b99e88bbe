"""The activities scenario: crm.activity.get, add and a filtered, ordered list page over a large portal."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa
from rich.console import Console

from b24crm.runtime import Runtime
from b24crm.seed import seed_activities, seed_deals
from b24crm.settings import Settings
from b24crm.store.tables import crm_items
from bench.load import LUA, Figures, alternate, drive, have_wrk, run_wrk_script
from bench.servers import b24crm_server, bare_server

ROUNDS = 5  # alternating rounds of the ratio loads
WARM_UP = 3  # seconds of random gets before anything is measured
SELLER = 7  # one of the 20 sellers: the list page is "their open activities by deadline"
ACTIVITIES_PER_DEAL = 10  # on average

# wrk picks a fresh activity ID for every request.
RANDOM_GET_LUA = """
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "{path}" .. math.random({low}, {high}))
end
"""


@dataclass(frozen=True)
class Portal:
    webhook_path: str  # user_id/code
    activities: tuple[int, int]  # first, last id
    deal: int


def prepare(db_url: str, data_dir: Path, rows: int, console: Console, *, answers: bool = True) -> Portal:
    """Migrate, make a portal with an admin webhook, seed ROWS // 10 deals and ROWS activities on them
    (``answers``: with get's stored answers, as adds keep them)."""
    runtime = Runtime(Settings(db=db_url, data_dir=str(data_dir)))
    runtime.migrate()
    portal = runtime.tenancy.create_portal(domain="bench.b24crm.local")
    admin = runtime.tenancy.create_user(portal.id, name="Bench", admin=True)
    hook = runtime.tenancy.create_webhook(portal.id, admin.id, "crm")
    now = runtime.clock.now()
    deals = max(1, rows // ACTIVITIES_PER_DEAL)
    first_deal, last_deal = seed_deals(runtime.db, portal.id, deals, now=now)
    console.print(f"  seeded {deals:,} deals")
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        if done % 100_000 < n or done == rows:
            console.print(f"  seeded {done:,} activities")

    first, last = seed_activities(
        runtime.db, portal.id, rows, now=now, progress=progress, keep_answers=answers
    )
    deal = _deal_not_of(runtime, portal.id, SELLER, first_deal, last_deal)
    runtime.close()
    return Portal(f"{admin.id}/{hook.code}", (first, last), deal)


def _deal_not_of(runtime: Runtime, portal_id: int, seller: int, low: int, high: int) -> int:
    """A deal the list's seller is not responsible for: crm.activity.add makes the owner's assignee
    responsible, and the adds must not change the listed page."""
    rnd = random.Random(1)
    deal = low
    with runtime.db.read() as conn:
        for _ in range(100):
            deal = rnd.randint(low, high)
            assigned = conn.execute(
                sa.select(crm_items.c.assigned_by_id).where(
                    crm_items.c.portal_id == portal_id,
                    crm_items.c.entity_type_id == 2,
                    crm_items.c.id == deal,
                )
            ).scalar()
            if assigned != seller:
                break
    return deal


def drive_random_get(name: str, url: str, low: int, high: int, *, seconds: int, connections: int) -> Figures:
    """GET ``url`` + a random integer in [low, high] per request (wrk); the Python fallback uses a fixed
    one."""
    if not have_wrk():
        return drive(name, f"{url}{(low + high) // 2}", seconds=seconds, connections=connections)
    parts = urlsplit(url)
    path = f"{parts.path}?{parts.query}"
    script = LUA.format(method="GET", body="nil") + RANDOM_GET_LUA.format(path=path, low=low, high=high)
    base = f"{parts.scheme}://{parts.netloc}"
    return run_wrk_script(name, base, script, seconds=seconds, connections=connections)


def cases(portal: Portal) -> dict[str, dict[str, Any]]:
    """The POST bodies, by endpoint name."""
    add = {
        "fields": {
            "OWNER_TYPE_ID": 2,
            "OWNER_ID": portal.deal,
            "TYPE_ID": 2,
            "SUBJECT": "Bench call",
            "COMMUNICATIONS": [{"VALUE": "+15550001", "ENTITY_TYPE_ID": 2, "ENTITY_ID": portal.deal}],
        }
    }
    listed = {
        "filter": {"RESPONSIBLE_ID": SELLER, "COMPLETED": "N"},
        "order": {"DEADLINE": "ASC"},
        "select": ["*"],
    }
    return {
        "activity.add": add,
        "activity.list": listed,
        "activity.list start=-1": {**listed, "start": -1},
    }


def check(webhook: str, portal: Portal, console: Console) -> None:
    """One call of each method before the load, so that a missing method or a failing call is said
    plainly rather than hidden in a failure count."""
    probes: list[tuple[str, dict[str, Any]]] = [("crm.activity.get", {"id": portal.activities[0]})]
    bodies = cases(portal)
    probes.append(("crm.activity.list", bodies["activity.list"]))
    for method, params in probes:
        answer = httpx.post(f"{webhook}{method}", json=params, timeout=30)
        if answer.status_code != 200:
            console.print(f"[yellow]{method}: HTTP {answer.status_code} {answer.text[:200]}[/yellow]")
        elif method == "crm.activity.list":
            page = answer.json()
            console.print(f"  {method}: {len(page['result'])} rows of {page.get('total')}")


def run(
    db_url: str,
    data_dir: Path,
    rows: int,
    seconds: int,
    connections: int,
    console: Console,
    rounds: int = ROUNDS,
) -> list[Figures]:
    """The ratio loads (bare, ``server.time``, get) in alternating rounds of ``seconds / rounds`` each,
    both servers up side by side, after a discarded warm-up; then add and the list pages, ``seconds``
    each."""
    portal = prepare(db_url, data_dir, rows, console)
    low, high = portal.activities
    short = max(1, round(seconds / rounds))
    with bare_server() as bare_base, b24crm_server(db_url, data_dir, portal.webhook_path) as (_, webhook):
        check(webhook, portal, console)

        def get(duration: int) -> Figures:
            return drive_random_get(
                "activity.get random id",
                f"{webhook}crm.activity.get?id=",
                low,
                high,
                seconds=duration,
                connections=connections,
            )

        get(WARM_UP)  # the first seconds of a fresh server map the database's pages; not what is measured
        figures = alternate(
            {
                "bare starlette": lambda: drive(
                    "bare starlette", f"{bare_base}/rest/server.time", seconds=short, connections=connections
                ),
                # The floor of any method on this server: the protocol core alone.
                "server.time": lambda: drive(
                    "server.time", f"{webhook}server.time", seconds=short, connections=connections
                ),
                "activity.get random id": lambda: get(short),
            },
            rounds,
            baseline="bare starlette",
        )
        for name, params in cases(portal).items():
            method = "crm.activity.add" if name == "activity.add" else "crm.activity.list"
            figures.append(
                drive(
                    name,
                    f"{webhook}{method}",
                    body=json.dumps(params),
                    seconds=seconds,
                    connections=connections,
                )
            )
    return figures


def verdicts(figures: list[Figures]) -> list[str]:
    """The targets, met or not, one line each."""
    bare = figures[0]
    lines = []
    for f in figures[1:]:
        if f.name == "server.time":
            continue
        if f.name.startswith("activity.get"):
            ratio = f.rps / bare.rps if f.ratio_to_bare is None else f.ratio_to_bare
            ok, target = ratio >= 0.5, f"{ratio:.2f} × bare (target ≥ 0.50)"
        elif f.name.startswith("activity.add"):
            ok, target = f.rps >= 1000, f"{f.rps:,.0f}/s (target ≥ 1,000/s)"
        else:
            ok = f.rps >= 500 and f.p99_ms < 50
            target = f"{f.rps:,.0f}/s, p99 {f.p99_ms:.1f} ms (target ≥ 500/s, p99 < 50 ms)"
        failed = f", {f.failures} failed requests" if f.failures else ""
        lines.append(f"{f.name}: {target}: {'met' if ok and not f.failures else 'NOT met'}{failed}")
    return lines
