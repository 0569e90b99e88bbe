"""Does one request hold the others? ``server.time`` latency from a second connection, idle and while a
long request runs again and again on other connections: a list whose filter forces a scan, a large file
upload, a large form body, and an unauthenticated body of ``a[]`` pairs.

Each probe is a sequence of ``server.time`` calls on one kept-alive connection for ``seconds``; the load
runs in threads beside it for the whole probe, so every probe call competes with the long work.
"""

from __future__ import annotations

import base64
import json
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console

from bench.activities import prepare
from bench.servers import b24crm_server


@dataclass(frozen=True)
class Probe:
    load: str
    calls: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    load_requests: int
    load_seconds: float  # mean duration of one load request


def _probe(webhook: str, seconds: float) -> list[float]:
    latencies = []
    with httpx.Client(timeout=120) as client:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            response = client.get(f"{webhook}server.time")
            latencies.append(time.perf_counter() - began)
            response.raise_for_status()
    return latencies


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _run_load(send: Callable[[httpx.Client], None], stop: threading.Event, durations: list[float]) -> None:
    with httpx.Client(timeout=300) as client:
        while not stop.is_set():
            began = time.perf_counter()
            send(client)
            durations.append(time.perf_counter() - began)


def loads(webhook: str, base: str, deal: int) -> dict[str, Callable[[httpx.Client], None]]:
    words = [f"nothing-like-{n}" for n in range(100)]
    scan = json.dumps({"filter": {"%SUBJECT": words}, "start": -1})
    upload = base64.b64encode(b"\x00" * (30 * 1024 * 1024)).decode()
    add = json.dumps(
        {
            "fields": {
                "OWNER_TYPE_ID": 2,
                "OWNER_ID": deal,
                "TYPE_ID": 2,
                "SUBJECT": "Upload",
                "COMMUNICATIONS": [{"VALUE": "1"}],
                "FILES": [{"fileData": ["big.bin", upload]}],
            }
        }
    )
    form = "&".join(f"k{n}={n}" for n in range(1_000_000)).encode()
    # The size that took 6.7 s when appends were quadratic (a run before that fix must still end).
    appends = "&".join(["a[]=1"] * 5_000).encode()
    json_type = {"Content-Type": "application/json"}
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    return {
        "scanning list (100 %SUBJECT values)": lambda c: _ok(
            c.post(f"{webhook}crm.activity.list", content=scan, headers=json_type)
        ),
        "30 MB file upload (add)": lambda c: _ok(
            c.post(f"{webhook}crm.activity.add", content=add, headers=json_type)
        ),
        "12 MB form body, 1,000,000 keys": lambda c: _ok(
            c.post(f"{webhook}server.time", content=form, headers=form_type)
        ),
        "30 KB of a[] to a wrong webhook": lambda c: _ok(
            c.post(f"{base}/rest/1/wrongcode/server.time", content=appends, headers=form_type), 401
        ),
    }


def _ok(response: httpx.Response, status: int = 200) -> None:
    if response.status_code != status:
        raise RuntimeError(f"{response.status_code}: {response.text[:200]}")


def run(db_url: str, data_dir: Path, rows: int, seconds: float, console: Console) -> list[Probe]:
    portal = prepare(db_url, data_dir, rows, console)
    probes = []
    with b24crm_server(db_url, data_dir, portal.webhook_path) as (base, webhook):
        _probe(webhook, 1.0)  # warm-up
        idle = _probe(webhook, seconds)
        probes.append(_summary("idle", idle, []))
        for name, send in loads(webhook, base, portal.deal).items():
            send(httpx.Client(timeout=300))  # once alone: a first error shows here, not in a thread
            stop = threading.Event()
            durations: list[float] = []
            threads = [threading.Thread(target=_run_load, args=(send, stop, durations)) for _ in range(2)]
            for thread in threads:
                thread.start()
            time.sleep(0.2)
            latencies = _probe(webhook, seconds)
            stop.set()
            for thread in threads:
                thread.join()
            probes.append(_summary(name, latencies, durations))
            console.print(f"  {name}: done")
    return probes


def _summary(name: str, latencies: list[float], durations: list[float]) -> Probe:
    return Probe(
        name,
        len(latencies),
        _percentile(latencies, 0.5) * 1000,
        _percentile(latencies, 0.99) * 1000,
        max(latencies) * 1000,
        len(durations),
        statistics.mean(durations) if durations else 0.0,
    )
