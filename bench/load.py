"""Drive a URL with wrk (preferred) and read requests/s and latency percentiles."""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# wrk's Lua hook: the POST body and the summary we parse, one JSON line.
LUA = """
wrk.method = "{method}"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  io.write(string.format('\\nRESULT {{"requests": %d, "duration_us": %d, "errors": %d, "non2xx": %d, '
    .. '"p50_us": %d, "p99_us": %d}}\\n', summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Figures:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    failures: int
    # Measured in alternating rounds beside the bare endpoint: the median of the per-round ratios.
    ratio_to_bare: float | None = None


def alternate(runs: dict[str, Callable[[], Figures]], rounds: int, baseline: str) -> list[Figures]:
    """Run each load in turn, ``rounds`` times over, and answer each one's medians, with the median of its
    per-round ratio to ``baseline``. This machine's speed drifts by tens of per cent within a minute, so
    a ratio of two runs far apart in time says more about the drift than about the code; runs seconds
    apart, repeated, do not."""
    seen: dict[str, list[Figures]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            seen[name].append(run())
    out = []
    for name, figures in seen.items():
        ratios = [f.rps / b.rps for f, b in zip(figures, seen[baseline], strict=True)]
        out.append(
            Figures(
                name=name,
                rps=statistics.median(f.rps for f in figures),
                p50_ms=statistics.median(f.p50_ms for f in figures),
                p99_ms=statistics.median(f.p99_ms for f in figures),
                requests=sum(f.requests for f in figures),
                failures=sum(f.failures for f in figures),
                ratio_to_bare=statistics.median(ratios),
            )
        )
    return out


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(
    name: str, url: str, *, body: str | None = None, seconds: int = 10, connections: int = 16
) -> Figures:
    method = "POST" if body is not None else "GET"
    script = LUA.format(method=method, body=json.dumps(body) if body is not None else "nil")
    return run_wrk_script(name, url, script, seconds=seconds, connections=connections)


def run_wrk_script(name: str, url: str, script: str, *, seconds: int, connections: int) -> Figures:
    """wrk with a Lua ``script`` (ours, or one adding its own ``request`` hook) against ``url``."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        lua = Path(handle.name)
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(lua), url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        lua.unlink()
    found = re.search(r"^RESULT (\{.*\})$", out, re.MULTILINE)
    if not found:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    data = json.loads(found.group(1))
    return Figures(
        name=name,
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        requests=data["requests"],
        failures=data["errors"] + data["non2xx"],
    )


def run_python(
    name: str, url: str, *, body: str | None = None, seconds: int = 10, connections: int = 16
) -> Figures:
    """Fallback without wrk: an httpx client in threads. Weaker: it competes with the server for the CPU."""
    import threading
    import time

    import httpx

    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        nonlocal failures
        with httpx.Client() as client:
            while time.monotonic() < stop:
                began = time.perf_counter()
                if body is None:
                    response = client.get(url)
                else:
                    response = client.post(url, content=body, headers={"Content-Type": "application/json"})
                took = time.perf_counter() - began
                with lock:
                    latencies.append(took)
                    failures += response.status_code != 200

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return Figures(name, len(latencies) / seconds, pick(0.5), pick(0.99), len(latencies), failures)


def drive(
    name: str, url: str, *, body: str | None = None, seconds: int = 10, connections: int = 16
) -> Figures:
    if not have_wrk():
        global _warned
        if not _warned:
            sys.stderr.write(
                "wrk not found (apt-get install wrk): falling back to a Python load generator, which competes"
                " with the server for the CPU; its ratios are not comparable with wrk's\n"
            )
            _warned = True
        return run_python(name, url, body=body, seconds=seconds, connections=connections)
    return run_wrk(name, url, body=body, seconds=seconds, connections=connections)


_warned = False
