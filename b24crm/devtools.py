"""Helpers for code that drives b24crm from outside: its own test suite, the benchmarks, and integrators'
test suites (a scratch PostgreSQL database, a ``b24crm serve`` process on a free port, an event handler
on loopback)."""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from b24crm.store.engine import normalise_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


@contextmanager
def scratch_postgres(server_url: str, prefix: str = "b24crm_scratch") -> Iterator[str]:
    """A fresh database on the PostgreSQL server at ``server_url``, dropped afterwards; yields its URL.
    Raises the driver's error when the server cannot be reached."""
    import psycopg

    url = normalise_url(server_url)
    admin = psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database or "postgres",
        autocommit=True,
        connect_timeout=3,
    )
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextmanager
def serve_process(db_url: str, data_dir: Path, *extra: str) -> Iterator[dict[str, str]]:
    """Run ``b24crm serve`` on a free port; yields the labelled lines it printed (``Webhook``, ``Admin``,
    ``TLS``, ...) plus ``port``, once it listens."""
    port = free_port()
    command = [sys.executable, "-m", "b24crm", "serve", "--db", db_url, "--port", str(port)]
    # The log goes to a file: a pipe nobody reads would fill up and stall the server.
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(
            [*command, "--data-dir", str(data_dir), *extra], stdout=subprocess.PIPE, stderr=log, text=True
        )
        lines: dict[str, str] = {"port": str(port)}
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                label, _, rest = line.rstrip("\n").partition(": ")
                lines[label] = rest
                if line.startswith("Serving on"):
                    break
            else:
                proc.wait(10)
                log.seek(0)
                raise RuntimeError(f"serve stopped early: {log.read()[-2000:]}")
            wait_for_port(port, proc)
            yield lines
        finally:
            proc.terminate()
            proc.wait(10)


class EventReceiver:
    """An event handler on a loopback port (HTTP/1.1) that records every POST: when it arrived, its
    path, content type and form fields. For tests and benchmarks of event delivery; ``status`` is what
    it answers."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.calls: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                call = {
                    "arrived": time.time(),
                    "path": self.path,
                    "type": self.headers.get("Content-Type"),
                    "form": dict(parse_qsl(body)),
                }
                with receiver.lock:
                    receiver.calls.append(call)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # a burst of deliveries must not meet a full listen backlog
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/handler"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def arrivals(self) -> dict[int, float]:
        """When the event of each entity (``data[FIELDS][ID]``) arrived."""
        with self.lock:
            return {int(c["form"].get("data[FIELDS][ID]", 0)): c["arrived"] for c in self.calls}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
