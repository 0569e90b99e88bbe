"""What an integrator watches: ``requests`` (the REST calls a running server received), ``events`` and
``deliveries`` (what the portal emitted and what its handlers were sent), as readable lines or JSON."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Annotated, Any

import typer

from b24crm.cli.common import DbOption, id_option, open_runtime, print_rows, say
from b24crm.settings import Settings

JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object a line, everything included.")]
SHOWN = 300  # characters of parameters, answers and payloads on a readable line


def _when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= SHOWN else f"{text[:SHOWN]}... ({len(text)} characters)"


def _admin_token(settings: Settings) -> str:
    from b24crm.cli.serve import ADMIN_TOKEN_FILE
    from b24crm.secret_files import read_secret

    return settings.admin_token or read_secret(settings.data_path / ADMIN_TOKEN_FILE) or ""


def _fetch(url: str, token: str) -> list[dict[str, Any]]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())["result"]  # type: ignore[no-any-return]
    except urllib.error.HTTPError as exc:
        why = "the admin token is wrong (--admin-token)" if exc.code == 401 else f"HTTP {exc.code}"
        raise typer.BadParameter(f"{url}: {why}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise typer.BadParameter(f"{url}: no server answers ({exc}); is `b24crm serve` running?") from None


def requests(
    portal: Annotated[
        int | None, id_option("Portal id; without it, the calls that named no known credential.")
    ] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new calls.")] = False,
    url: Annotated[
        str | None, typer.Option(help="The server's base URL (default: from the settings).")
    ] = None,
    admin_token: Annotated[
        str | None, typer.Option(help="The admin token (default: B24CRM_ADMIN_TOKEN, else the kept one).")
    ] = None,
    as_json: JsonOption = False,
    interval: Annotated[float, typer.Option(help="Seconds between looks with --follow.")] = 0.5,
) -> None:
    """The REST calls a running server received: time, credential, method, status, parameters, answer
    (secrets masked); the server keeps the last ones of each portal in memory."""
    settings = Settings.from_env()
    base = (url or settings.base_url).rstrip("/")
    token = admin_token or _admin_token(settings)
    where = f"{base}/_b24crm/portals/{portal}/requests" if portal is not None else f"{base}/_b24crm/requests"
    after = 0
    while True:
        for call in _fetch(f"{where}?after={after}", token):
            after = max(after, call["id"])
            if as_json:
                say(json.dumps(call, ensure_ascii=False))
                continue
            error = f" {call['error']}" if call["error"] else ""
            say(
                f"{call['time']} portal {call['portal'] if call['portal'] is not None else '?'} "
                f"{call['credential']} {call['method']} {call['status']}{error} {call['ms']:.1f} ms"
            )
            if call["hint"]:
                say(f"  hint: {call['hint']}")
            say(f"  params: {_short(call['params'])}")
            say(f"  answer: {_short(call['answer'])}")
        if not follow:
            return
        time.sleep(interval)


def events(
    portal: Annotated[int, id_option("Portal id.")],
    after: Annotated[int, id_option("Only events with a greater id.")] = 0,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The event outbox: every event the portal emitted, with its time and data."""
    from b24crm.store import outbox

    runtime = open_runtime(db)
    with runtime.db.read() as conn:
        rows = outbox.list_events(conn, portal, after=after)
    if as_json:
        print_rows(rows)
        return
    for row in rows:
        say(f"{row['id']} {_when(row['created'])} {row['event']} user {row.get('user_id') or '-'}")
        say(f"  data: {_short(row['data'])}")


def deliveries(
    portal: Annotated[int, id_option("Portal id.")],
    after: Annotated[int, id_option("Only deliveries with a greater id.")] = 0,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The event deliveries: which handler was sent which event, when, with what outcome and payload."""
    from b24crm.store import deliveries as store
    from b24crm.store import outbox

    runtime = open_runtime(db)
    with runtime.db.read() as conn:
        rows = store.deliveries_of_portal(conn, portal, after=after)
        first = min((r["event_id"] for r in rows), default=0)
        events = {e["id"]: e for e in outbox.list_events(conn, portal, after=first - 1)} if rows else {}
    for row in rows:
        row.pop("application_token", None)  # a credential of the application: not printed
    if as_json:
        print_rows(rows)
        return
    for row in rows:
        event = events.get(row["event_id"], {})
        say(
            f"{row['id']} {_when(row['created'])} {event.get('event', '?')} -> {row.get('url') or '-'} "
            f"{row['status']} ({row['attempts']} attempts, finished {_when(row.get('finished'))})"
        )
        say(f"  payload data: {_short(event.get('data'))}")
        for attempt in row["attempts_log"]:
            answer = attempt.get("status_code") or attempt.get("error") or "-"
            say(
                f"  attempt {attempt['attempt']} {_when(attempt['started'])} -> {answer} "
                f"{attempt.get('latency_ms') or 0:.0f} ms {_short(attempt.get('response') or '')}"
            )
