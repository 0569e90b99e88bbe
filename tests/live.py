"""A real uvicorn server on a loopback port, for the clients that need a socket (aiohttp, requests)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from b24crm.app import create_app
from b24crm.http.server import guarded_protocol
from b24crm.http.tls import TlsFiles, ensure_tls
from b24crm.runtime import Runtime


@contextmanager
def live_server(
    runtime: Runtime, *, tls: bool = False, guarded: bool = False
) -> Iterator[tuple[str, TlsFiles | None]]:
    """Serve ``runtime`` on 127.0.0.1:<free port>; yields (base URL, TLS files or None). ``guarded``: with
    the HTTP protocol ``serve`` uses (http/server.py)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    files = ensure_tls(runtime.settings.data_path / "tls") if tls else None
    ssl = {"ssl_certfile": str(files.cert), "ssl_keyfile": str(files.key)} if files else {}
    if guarded:
        ssl["http"] = guarded_protocol(60.0)  # type: ignore[assignment]
    config = uvicorn.Config(create_app(runtime), log_level="warning", lifespan="off", **ssl)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}", files
    finally:
        # The test is over: connections a client keeps alive (requests' sessions over TLS) would hold
        # a graceful shutdown for its whole timeout.
        server.should_exit = server.force_exit = True
        thread.join(10)
        sock.close()
