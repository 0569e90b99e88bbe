"""What the request log and the limits cost: the same calls on servers that differ only in those settings.

Three ``b24crm serve`` processes, each on its own SQLite file: everything off; the request log on as
``serve`` has it by default (a console line per call, written to the server's log file, and the last 100
calls kept); the limits on (the standard plan with a burst no load here reaches, so that every call pays
the bucket and the operating-time bookkeeping and none is refused). The loads alternate between them in
rounds (``bench.load.alternate``), so that the machine's drift falls on all alike.

What off costs cannot be measured against a server without the code; it is measured in-process instead:
the steps a call takes through the hooks when all are off (the workbench look-up, the fault rules' and the
limits' look-ups on the credential, the dispatcher's), per call, beside the time of a whole ``server.time``.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console

from bench.load import Figures, alternate, drive
from bench.servers import b24crm_server

OFF = {"B24CRM_REQUEST_LOG": "0", "B24CRM_REQUEST_LOG_KEEP": "0", "B24CRM_LIMITS": "off"}
SERVERS = {
    "log off, limits off": OFF,
    "log on (console + kept)": {
        "B24CRM_REQUEST_LOG": "1",
        "B24CRM_REQUEST_LOG_KEEP": "100",
        "B24CRM_LIMITS": "off",
    },
    "limits on (standard)": {**OFF, "B24CRM_LIMITS": "standard", "B24CRM_LIMITS_BURST": "2000000000"},
}


@contextmanager
def _env(values: dict[str, str]) -> Iterator[None]:
    """``values`` in the environment while a server starts (it reads its settings from there)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run(tmp: Path, seconds: int, connections: int, rounds: int, console: Console) -> list[Figures]:
    batch = json.dumps({"halt": 0, "cmd": {f"c{i}": "server.time" for i in range(50)}})
    with ExitStack() as servers:
        hooks: dict[str, str] = {}
        for n, (name, env) in enumerate(SERVERS.items()):
            with _env(env):
                _, hooks[name] = servers.enter_context(
                    b24crm_server(f"sqlite:///{tmp}/bench{n}.db", tmp / f"data{n}")
                )
        console.print(f"{len(hooks)} servers up; {rounds} rounds of {seconds} s per load")
        runs = {}
        for name, hook in hooks.items():
            runs[f"{name}: server.time"] = _load(
                f"{name}: server.time", f"{hook}server.time", None, seconds, connections
            )
        for name, hook in hooks.items():
            runs[f"{name}: batch ×50"] = _load(
                f"{name}: batch ×50", f"{hook}batch", batch, seconds, connections
            )
        first = next(iter(runs))
        # Each load's ratio is to the first, server.time with everything off; the batch rows' ratios
        # are read against each other.
        return alternate(runs, rounds, first)


def _load(name: str, url: str, body: str | None, seconds: int, connections: int):  # type: ignore[no-untyped-def]
    return lambda: drive(name, url, body=body, seconds=seconds, connections=connections)


def _server_time_scope(runtime: Any, hook: Any) -> dict[str, object]:
    """The ASGI scope of a ``server.time`` call through ``hook``: the REST endpoint alone, no HTTP parsing,
    no socket."""
    from b24crm.app import create_app

    return {
        "type": "http",
        "method": "GET",
        "path": f"/rest/{hook.user.id}/{hook.code}/server.time",
        "query_string": b"",
        "headers": [],
        "client": ("127.0.0.1", 1),
        "app": create_app(runtime),
    }


async def receive() -> dict[str, object]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(_message: object) -> None:
    pass


def off_path_cost(tmp: Path, calls: int = 200_000) -> dict[str, float]:
    """Nanoseconds a call spends in the hooks with the log and the limits off, and a server.time's
    microseconds in-process (the whole ASGI call with both off, for scale)."""
    from b24crm.http.rest import handle_rest
    from b24crm.rpc.limits import current_pending
    from b24crm.runtime import Runtime
    from b24crm.settings import Settings

    settings = Settings(
        db=f"sqlite:///{tmp}/offpath.db", data_dir=str(tmp / "offpath"), request_log=False, request_log_keep=0
    )
    runtime = Runtime(settings)
    runtime.migrate()
    try:
        hook = runtime.tenancy.create_demo()
        credential = runtime.tenancy.resolve_webhook(str(hook.user.id), hook.code)
        limits = runtime.workbench.limits

        async def hooks() -> float:
            # The plan and the fault rules are read once per credential: not timed.
            await limits.admit(credential, "127.0.0.1", "server.time")
            await runtime.workbench.faults.apply(credential, "server.time", "webhook")
            began = time.perf_counter()
            for _ in range(calls):  # what handle_rest and Dispatcher.invoke do with both off
                bench = runtime.workbench
                if bench.journal is None and (
                    bench.faults.may_apply(credential) or bench.limits.may_apply(credential)
                ):
                    raise AssertionError("faults or limits apply")
                current_pending(credential)
            return (time.perf_counter() - began) / calls * 1e9

        per_call_ns = asyncio.run(hooks())
        scope = _server_time_scope(runtime, hook)

        async def whole_calls() -> float:  # the ASGI call alone: no HTTP parsing, no socket
            for _ in range(500):
                await handle_rest(dict(scope), receive, send)
            began = time.perf_counter()
            for _ in range(5000):
                await handle_rest(dict(scope), receive, send)
            return (time.perf_counter() - began) / 5000 * 1e6

        call_us = asyncio.run(whole_calls())
    finally:
        runtime.close()
    return {"hooks_off_ns": per_call_ns, "server_time_in_process_us": call_us}


IN_PROCESS = {
    "log off, limits off": {"request_log": False, "request_log_keep": 0},
    "log on (console + kept)": {"request_log": True, "request_log_keep": 100},
    "limits on (standard)": {
        "request_log": False,
        "request_log_keep": 0,
        "limits": "standard",
        "limits_burst": 2_000_000_000,
    },
}


def in_process(tmp: Path, rounds: int = 15, calls: int = 300) -> dict[str, dict[str, float]]:
    """server.time through the ASGI endpoint alone (no socket, no HTTP parsing), the three settings in
    alternating rounds in one process: the median and the best round's microseconds a call. The console
    lines go to /dev/null."""
    import logging
    import statistics

    from b24crm.http.rest import handle_rest
    from b24crm.runtime import Runtime
    from b24crm.settings import Settings

    lines = logging.getLogger("b24crm.requests")
    sink = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115  # closed below
    lines.addHandler(sink)
    lines.setLevel(logging.INFO)
    lines.propagate = False
    runtimes, scopes = [], {}
    try:
        for n, (name, values) in enumerate(IN_PROCESS.items()):
            settings = Settings(
                db=f"sqlite:///{tmp}/inproc{n}.db", data_dir=str(tmp / f"inproc{n}"), **values
            )
            runtime = Runtime(settings)
            runtimes.append(runtime)
            runtime.migrate()
            hook = runtime.tenancy.create_demo()
            scopes[name] = _server_time_scope(runtime, hook)

        async def measure() -> dict[str, list[float]]:
            seen: dict[str, list[float]] = {name: [] for name in scopes}
            for scope in scopes.values():  # warm: caches, the first plan read
                for _ in range(100):
                    await handle_rest(dict(scope), receive, send)
            for _ in range(rounds):
                for name, scope in scopes.items():
                    began = time.perf_counter()
                    for _ in range(calls):
                        await handle_rest(dict(scope), receive, send)
                    seen[name].append((time.perf_counter() - began) / calls * 1e6)
                    await asyncio.sleep(0.06)  # the console lines leave
            return seen

        seen = asyncio.run(measure())
    finally:
        for runtime in runtimes:
            runtime.close()
        lines.removeHandler(sink)
        sink.close()
    return {name: {"median_us": statistics.median(v), "best_us": min(v)} for name, v in seen.items()}
