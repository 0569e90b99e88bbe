"""``b24crm serve --workers N``: N server processes on one listening socket, each a whole runtime of its own.

Only on PostgreSQL, where every process is a client of one server: what a process keeps in memory is either
checked against the database on use (resolved credentials: the NOTIFY watch; remembered counts: the portal's
change generation read in the same transaction) or lives in the database (limits, deliveries, reminders).
On SQLite one writer connection is the design, and a second process would queue on its lock.

The supervisor binds the socket, migrates and prints as a single server does, then starts the workers with
``multiprocessing``'s spawn (a fresh interpreter each: nothing of the parent's connections or threads is
inherited) and hands each the socket; the kernel spreads the connections over the processes accepting on
it. A worker that dies is started again (a few times at most in quick succession); SIGTERM or SIGINT stops
them all, each finishing its requests in flight as a single server does.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from b24crm.settings import Settings

# A worker that dies within RAPID seconds of its start counts as a failed start; after MAX_RAPID of them in
# a row the supervisor gives up (a broken configuration would otherwise restart for ever).
RAPID = 10.0
MAX_RAPID = 3
STOP_WAIT = 30.0  # seconds the workers get to finish their requests once asked to stop


def refusal(settings: Settings, workers: int) -> str | None:
    """Why ``workers`` processes cannot serve this database; None when they can."""
    if workers < 1:
        return "--workers must be at least 1"
    if workers > 1 and not settings.db.startswith(("postgresql", "postgres:")):
        return (
            "--workers needs PostgreSQL: SQLite has one writer, which several processes would only queue "
            "on; run one process on SQLite, or serve a postgresql:// database"
        )
    return None


def supervise(worker: Callable[..., None], arguments: tuple[Any, ...], sock: Any, count: int) -> int:
    """Run ``worker(*arguments, sock)`` in ``count`` processes until a signal stops them; answers the exit
    code (0 after a stop, 3 when workers kept failing to start)."""
    context = multiprocessing.get_context("spawn")
    stopping = False

    def start() -> tuple[Any, float]:
        process = context.Process(target=worker, args=(*arguments, sock), daemon=False)
        process.start()
        return process, time.monotonic()

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    running = [start() for _ in range(count)]
    rapid = 0
    code = 0
    try:
        while not stopping:
            time.sleep(0.2)
            for n, (process, started) in enumerate(running):
                if process.is_alive() or stopping:
                    continue
                rapid = rapid + 1 if time.monotonic() - started < RAPID else 0
                if rapid >= MAX_RAPID:
                    print(
                        f"b24crm serve: workers keep stopping at start (exit code {process.exitcode})",
                        file=sys.stderr,
                        flush=True,
                    )
                    stopping, code = True, 3
                    break
                print(
                    f"b24crm serve: worker {process.pid} stopped (exit code {process.exitcode}); starting "
                    "another",
                    file=sys.stderr,
                    flush=True,
                )
                running[n] = start()
    finally:
        for process, _ in running:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight, then stops
        deadline = time.monotonic() + STOP_WAIT
        for process, _ in running:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return code
