"""Start the servers under test as subprocesses, one uvicorn worker each, same settings."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


@contextmanager
def scratch_database(db: str, directory: Path) -> Iterator[str]:
    """A database of its own for one run: a SQLite file, or a PostgreSQL database made and dropped here."""
    if not db:
        yield f"sqlite:///{directory}/bench.db"
        return
    if not db.startswith(("postgresql", "postgres:")):
        yield db
        return
    import secrets

    import psycopg

    from b24crm.store.engine import normalise_url

    url = normalise_url(db)
    name = f"b24crm_bench_{secrets.token_hex(4)}"
    admin = psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database or "postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextmanager
def bare_server() -> Iterator[str]:
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
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def b24crm_server(db_url: str, data_dir: Path, webhook_path: str | None = None) -> Iterator[tuple[str, str]]:
    """Yields (base URL, webhook URL) of a b24crm server on ``db_url``: the demo portal's webhook, or the
    one given as ``webhook_path`` (``user_id/code``)."""
    port = free_port()
    env = {**os.environ, "B24CRM_LOG_LEVEL": "warning"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "b24crm",
            "serve",
            "--db",
            db_url,
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        webhook = None
        for line in proc.stdout:
            found = re.match(r"^Webhook: (http\S+)", line)
            if found:
                webhook = found.group(1)
            if line.startswith("Serving on"):
                break
        if webhook_path is not None:
            webhook = f"http://127.0.0.1:{port}/rest/{webhook_path}/"
        if webhook is None:
            raise RuntimeError("the server printed no webhook")
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}", webhook
    finally:
        proc.terminate()
        proc.wait(10)
