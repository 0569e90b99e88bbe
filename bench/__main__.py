"""``python -m bench``: the protocol-core benchmark, all figures from one run, side by side; ``items`` and
``activities`` do the same over a large seeded portal.

(a) a bare Starlette endpoint returning a similar envelope, (b) ``server.time`` and (c) ``batch`` of 50
``server.time`` on b24crm, each on one uvicorn worker with the same settings, driven by wrk on loopback.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bench.load import Figures, drive, have_wrk
from bench.servers import b24crm_server, bare_server, scratch_database

app = typer.Typer(add_completion=False)
console = Console()


def _table(rows: list[Figures], baseline: Figures) -> Table:
    table = Table("endpoint", "req/s", "× bare", "p50 ms", "p99 ms", "requests", "failures")
    for row in rows:
        table.add_row(
            row.name,
            f"{row.rps:,.0f}",
            f"{row.rps / baseline.rps if row.ratio_to_bare is None else row.ratio_to_bare:.2f}",
            f"{row.p50_ms:.2f}",
            f"{row.p99_ms:.2f}",
            str(row.requests),
            str(row.failures),
        )
    return table


@app.command()
def core(
    seconds: Annotated[int, typer.Option(help="Duration of each load run.")] = 10,
    connections: Annotated[int, typer.Option(help="Concurrent connections.")] = 16,
    db: Annotated[str, typer.Option(help="Database URL for b24crm (default: a fresh SQLite file).")] = "",
    output: Annotated[Path | None, typer.Option(help="Also write the figures as JSON here.")] = None,
) -> None:
    console.print(
        f"load generator: {'wrk' if have_wrk() else 'python threads (install wrk for sound figures)'}"
    )
    batch_body = json.dumps({"halt": 0, "cmd": {f"c{i}": "server.time" for i in range(50)}})
    with tempfile.TemporaryDirectory() as tmp, scratch_database(db, Path(tmp)) as db_url:
        with bare_server() as bare_base:
            bare = drive(
                "bare starlette", f"{bare_base}/rest/server.time", seconds=seconds, connections=connections
            )
        with b24crm_server(db_url, Path(tmp) / "data") as (base, webhook):
            token = _app_token(db_url, Path(tmp) / "data")
            rows = [
                drive(
                    "b24crm server.time", f"{webhook}server.time", seconds=seconds, connections=connections
                ),
                drive(
                    "server.time, app token",
                    f"{base}/rest/server.time?auth={token}",
                    seconds=seconds,
                    connections=connections,
                ),
                drive(
                    "b24crm batch ×50",
                    f"{webhook}batch",
                    body=batch_body,
                    seconds=seconds,
                    connections=connections,
                ),
            ]
    all_rows = [bare, *rows]
    console.print(_table(all_rows, bare))
    ratio = rows[0].rps / bare.rps
    console.print(f"server.time / bare = {ratio:.2f} (target ≥ 0.70)")
    if output:
        output.write_text(json.dumps([f.__dict__ for f in all_rows], indent=2))


def _app_token(db_url: str, data_dir: Path) -> str:
    """An access token of an application installed on the demo portal (the OAuth path of a REST call)."""
    from b24crm.runtime import Runtime
    from b24crm.settings import Settings

    runtime = Runtime(Settings(db=db_url, data_dir=str(data_dir)))
    try:
        made = runtime.apps.create(1, handler_url="http://127.0.0.1:9/install", scopes="crm")
        with runtime.db.write() as conn:
            return runtime.oauth.issue(
                conn, made.app, made.app.installed_by, runtime.clock.now()
            ).access_token
    finally:
        runtime.close()


@app.command()
def items(
    rows: Annotated[int, typer.Option(help="Deals to seed.")] = 1_000_000,
    seconds: Annotated[int, typer.Option(help="Duration of each load run.")] = 10,
    connections: Annotated[int, typer.Option(help="Concurrent connections.")] = 16,
    db: Annotated[str, typer.Option(help="Database URL (default: a fresh SQLite file).")] = "",
    output: Annotated[Path | None, typer.Option(help="Also write the figures as JSON here.")] = None,
) -> None:
    """crm.item.list pages (one filter, one order) over a portal of ROWS deals, beside the bare endpoint."""
    from bench import items as scenario

    with tempfile.TemporaryDirectory() as tmp, scratch_database(db, Path(tmp)) as db_url:
        console.print(f"seeding {rows:,} deals into {db_url.split('@')[-1]}")
        figures = scenario.run(db_url, Path(tmp) / "data", rows, seconds, connections, console)
    console.print(_table(figures, figures[0]))
    if output:
        output.write_text(json.dumps([f.__dict__ for f in figures], indent=2))


@app.command()
def activities(
    rows: Annotated[int, typer.Option(help="Activities to seed (on ROWS // 10 deals).")] = 1_000_000,
    seconds: Annotated[
        int, typer.Option(help="Duration of each load run; the ratio loads share it over their rounds.")
    ] = 10,
    connections: Annotated[int, typer.Option(help="Concurrent connections.")] = 16,
    db: Annotated[str, typer.Option(help="Database URL (default: a fresh SQLite file).")] = "",
    rounds: Annotated[int, typer.Option(help="Alternating rounds of bare, server.time and get.")] = 5,
    output: Annotated[Path | None, typer.Option(help="Also write the figures as JSON here.")] = None,
) -> None:
    """crm.activity.get (random id), add and a filtered, ordered list page over ROWS activities, beside
    the bare endpoint."""
    from bench import activities as scenario

    console.print(
        f"load generator: {'wrk' if have_wrk() else 'python threads (install wrk for sound figures)'}"
    )
    with tempfile.TemporaryDirectory() as tmp, scratch_database(db, Path(tmp)) as db_url:
        console.print(f"seeding {rows:,} activities into {db_url.split('@')[-1]}")
        figures = scenario.run(db_url, Path(tmp) / "data", rows, seconds, connections, console, rounds)
    console.print(_table(figures, figures[0]))
    for line in scenario.verdicts(figures):
        console.print(line)
    if output:
        output.write_text(json.dumps([f.__dict__ for f in figures], indent=2))


@app.command()
def events(
    count: Annotated[int, typer.Option("--events", help="Activities added in the burst.")] = 2000,
    db: Annotated[str, typer.Option(help="Database URL (default: a fresh SQLite file).")] = "",
    handler: Annotated[
        str,
        typer.Option(
            help="webhook (outgoing webhook), app (an app's handler), or both, one after the other."
        ),
    ] = "both",
    output: Annotated[Path | None, typer.Option(help="Also write the figures as JSON here.")] = None,
) -> None:
    """ONCRMACTIVITYADD delivered to a loopback handler: deliveries/s, commit-to-receipt latency."""
    from bench import events as scenario

    modes = ["webhook", "app"] if handler == "both" else [handler]
    results = []
    for mode in modes:
        with tempfile.TemporaryDirectory() as tmp, scratch_database(db, Path(tmp)) as db_url:
            results.append(scenario.run(db_url, Path(tmp) / "data", count, console, mode))
    table = Table("figure", *modes)
    for name in results[0]:
        values = [r[name] for r in results]
        table.add_row(
            name,
            *(f"{v:,.1f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else v for v in values),
        )
    console.print(table)
    if output:
        output.write_text(json.dumps(results, indent=2))


@app.command()
def stall(
    rows: Annotated[
        int, typer.Option(help="Activities to seed (the scanning list reads them all).")
    ] = 200_000,
    seconds: Annotated[float, typer.Option(help="Duration of each probe.")] = 5.0,
    db: Annotated[str, typer.Option(help="Database URL (default: a fresh SQLite file).")] = "",
    output: Annotated[Path | None, typer.Option(help="Also write the figures as JSON here.")] = None,
) -> None:
    """server.time latency from a second connection, idle and while long requests run beside it."""
    from bench import stall as scenario

    with tempfile.TemporaryDirectory() as tmp, scratch_database(db, Path(tmp)) as db_url:
        console.print(f"seeding {rows:,} activities into {db_url.split('@')[-1]}")
        probes = scenario.run(db_url, Path(tmp) / "data", rows, seconds, console)
    table = Table("beside", "server.time calls", "p50 ms", "p99 ms", "max ms", "long requests", "each s")
    for p in probes:
        table.add_row(
            p.load,
            str(p.calls),
            f"{p.p50_ms:.2f}",
            f"{p.p99_ms:.2f}",
            f"{p.max_ms:.1f}",
            str(p.load_requests),
            f"{p.load_seconds:.2f}",
        )
    console.print(table)
    if output:
        output.write_text(json.dumps([p.__dict__ for p in probes], indent=2))


@app.command()
def timeline(
    entries: Annotated[
        int, typer.Option(help="Timeline entries on the item (half of them completed).")
    ] = 1000,
    rounds: Annotated[int, typer.Option(help="Requests of the item's page measured.")] = 50,
    db: Annotated[str, typer.Option(help="Database URL (default: a fresh SQLite file).")] = "",
) -> None:
    """An item's page with ENTRIES timeline entries: the first page rendered server-side (target < 100 ms)."""
    from bench.timeline import measure

    with tempfile.TemporaryDirectory() as tmp, scratch_database(db, Path(tmp)) as db_url:
        figures = measure(db_url, Path(tmp) / "data", entries, rounds, console)
    console.print(
        f"{figures['entries']:,} entries, {figures['bytes']:,} bytes: p50 {figures['p50_ms']:.1f} ms, "
        f"p90 {figures['p90_ms']:.1f} ms, max {figures['max_ms']:.1f} ms over {rounds} requests "
        "(target: under 100 ms)"
    )


@app.command()
def workbench(
    seconds: Annotated[int, typer.Option(help="Duration of each load run.")] = 5,
    rounds: Annotated[int, typer.Option(help="Rounds over the loads (each load once a round).")] = 3,
    connections: Annotated[int, typer.Option(help="Concurrent connections.")] = 16,
    output: Annotated[Path | None, typer.Option(help="Also write the figures as JSON here.")] = None,
) -> None:
    """The request log and the limits, on and off, side by side; what the hooks cost when off."""
    from bench import workbench as scenario

    with tempfile.TemporaryDirectory() as tmp:
        rows = scenario.run(Path(tmp), seconds, connections, rounds, console)
        off = scenario.off_path_cost(Path(tmp))
        inproc = scenario.in_process(Path(tmp))
    console.print(_table(rows, rows[0]))
    for name, figures in inproc.items():
        console.print(
            f"in-process server.time, {name}: median {figures['median_us']:.1f} µs, "
            f"best {figures['best_us']:.1f} µs"
        )
    console.print(
        f"with both off a call spends {off['hooks_off_ns']:.0f} ns in their hooks; a server.time takes "
        f"{off['server_time_in_process_us']:.0f} µs in-process "
        f"({off['hooks_off_ns'] / 10 / off['server_time_in_process_us']:.3f} %)"
    )
    if output:
        output.write_text(
            json.dumps({"rows": [r.__dict__ for r in rows], "off": off, "in_process": inproc}, indent=2)
        )


@app.command()
def scale(
    db: Annotated[str, typer.Option(help="PostgreSQL server URL (a scratch database is made there).")],
    rows: Annotated[int, typer.Option(help="Activities to seed (on ROWS // 10 deals).")] = 1_000_000,
    workers: Annotated[str, typer.Option(help="Worker counts to measure, comma-separated.")] = "1,2",
    seconds: Annotated[int, typer.Option(help="Duration of each load run.")] = 10,
    connections: Annotated[int, typer.Option(help="Concurrent connections.")] = 32,
    rounds: Annotated[int, typer.Option(help="Alternating rounds of bare and get.")] = 3,
    answers: Annotated[
        bool, typer.Option("--answers/--no-answers", help="Seed get's stored answers, as adds keep them.")
    ] = True,
    output: Annotated[Path | None, typer.Option(help="Also write the figures as JSON here.")] = None,
) -> None:
    """PostgreSQL with 1 and 2 server processes beside the bare endpoint with as many workers: get, add,
    the counted and start=-1 list pages over ROWS activities."""
    import os
    import time

    from bench import scale as scenario

    if not db.startswith(("postgresql", "postgres:")):
        raise typer.BadParameter("scale measures PostgreSQL: give --db postgresql://...")
    counts = [int(n) for n in workers.split(",")]
    console.print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp, scratch_database(db, Path(tmp)) as db_url:
        console.print(f"seeding {rows:,} activities into {db_url.split('@')[-1]}")
        started = time.perf_counter()
        by_workers = scenario.run(
            db_url,
            Path(tmp) / "data",
            rows,
            counts,
            seconds,
            connections,
            console,
            rounds=rounds,
            answers=answers,
        )
    console.print(f"took {time.perf_counter() - started:,.0f} s in all")
    for n, figures in by_workers.items():
        console.print(f"{n} worker(s), {rows:,} activities")
        console.print(_table(figures, figures[0]))
    for line in scenario.verdicts(by_workers):
        console.print(line)
    console.print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if output:
        output.write_text(
            json.dumps({n: [f.__dict__ for f in figures] for n, figures in by_workers.items()}, indent=2)
        )


@app.command()
def roundtrips(
    db: Annotated[str, typer.Option(help="PostgreSQL server URL (a scratch database is made there).")],
    count: Annotated[int, typer.Option(help="Calls per round (five rounds, the median).")] = 1000,
) -> None:
    """psycopg's prepared statements and pipeline mode on the hot paths' statements: µs per call."""
    from b24crm.runtime import Runtime
    from b24crm.seed import seed_activities
    from b24crm.settings import Settings
    from b24crm.store.engine import normalise_url
    from bench import roundtrips as scenario

    with tempfile.TemporaryDirectory() as tmp, scratch_database(db, Path(tmp)) as db_url:
        runtime = Runtime(Settings(db=db_url, data_dir=str(Path(tmp) / "data")))
        runtime.migrate()
        portal = runtime.tenancy.create_portal()
        runtime.tenancy.create_user(portal.id, name="Bench", admin=True)
        seed_activities(runtime.db, portal.id, 1000, now=runtime.clock.now())
        runtime.close()
        dsn = normalise_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
        figures = scenario.measure(dsn, portal.id, count) | scenario.loop_reads(dsn, portal.id)
    table = Table("statements", "µs per call")
    for name, micros in figures.items():
        table.add_row(name, f"{micros:,.0f}")
    console.print(table)


if __name__ == "__main__":
    app()
