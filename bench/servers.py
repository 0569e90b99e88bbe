"""Start the servers under test as subprocesses, one uvicorn worker each, same settings."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from b24crm.devtools import free_port, scratch_postgres, serve_process, wait_for_port


@contextmanager
def scratch_database(db: str, directory: Path) -> Iterator[str]:
    """A database of its own for one run: a SQLite file, or a PostgreSQL database made and dropped here."""
    if not db:
        yield f"sqlite:///{directory}/bench.db"
    elif db.startswith(("postgresql", "postgres:")):
        with scratch_postgres(db, "b24crm_bench") as url:
            yield url
    else:
        yield db


@contextmanager
def bare_server(workers: int = 1) -> Iterator[str]:
    """The bare endpoint on uvicorn, with ``workers`` processes (uvicorn's own supervisor)."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.bare:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--workers",
            str(workers),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def b24crm_server(
    db_url: str, data_dir: Path, webhook_path: str | None = None, workers: int = 1
) -> Iterator[tuple[str, str]]:
    """Yields (base URL, webhook URL) of a b24crm server on ``db_url`` (``serve --workers``): the demo
    portal's webhook, or the one given as ``webhook_path`` (``user_id/code``)."""
    extra = ("--workers", str(workers)) if workers != 1 else ()
    with serve_process(db_url, data_dir, *extra) as lines:
        base = f"http://127.0.0.1:{lines['port']}"
        webhook = f"{base}/rest/{webhook_path}/" if webhook_path else lines.get("Webhook", "")
        if not webhook.startswith("http"):
            raise RuntimeError("the server printed no webhook")
        yield base, webhook
