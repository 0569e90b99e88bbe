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
SHOWN = 300  # characters of parameters, answers and event data on a readable line
PAYLOAD_SHOWN = 2000  # characters of a delivery's payload: its auth block alone takes some 300


def _when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def _short(value: Any, shown: int = SHOWN) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= shown else f"{text[:shown]}... ({len(text)} characters)"


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
    """The event outbox: every event the portal emitted, with its time, what became of its deliveries
    (pending, delivered, failed) and its data."""
    from b24crm.store import outbox
    from b24crm.store.event_status import delivery_statuses

    runtime = open_runtime(db)
    with runtime.db.read() as conn:
        rows = outbox.list_events(conn, portal, after=after)
        statuses = delivery_statuses(conn, portal, rows[0]["id"], rows[-1]["id"]) if rows else {}
    for row in rows:
        row["deliveries"] = statuses.get(row["id"], {})
    if as_json:
        print_rows(rows)
        return
    for row in rows:
        sent = ", ".join(f"{n} {status}" for status, n in sorted(row["deliveries"].items())) or "no handler"
        say(f"{row['id']} {_when(row['created'])} {row['event']} user {row.get('user_id') or '-'}: {sent}")
        say(f"  data: {_short(row['data'])}")


def deliveries(
    portal: Annotated[int, id_option("Portal id.")],
    after: Annotated[int, id_option("Only deliveries with a greater id.")] = 0,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The event deliveries: which handler was sent which event, when, with what outcome, and the payload
    POSTed (form-encoded; shown decoded, its tokens masked)."""
    from b24crm.store import deliveries as store
    from b24crm.store import outbox, tenancy

    runtime = open_runtime(db)
    with runtime.db.read() as conn:
        rows = store.deliveries_of_portal(conn, portal, after=after)
        first = min((r["event_id"] for r in rows), default=0)
        events = {e["id"]: e for e in outbox.list_events(conn, portal, after=first - 1)} if rows else {}
        portal_row = tenancy.portal_by_id(conn, portal) if rows else None
    for row in rows:
        row.pop("application_token", None)  # a credential of the application: not printed
        event = events.get(row["event_id"], {})
        row["event"] = event.get("event")
        row["payload"] = _sent(row, event, portal_row, runtime.settings.base_url)
    if as_json:
        print_rows(rows)
        return
    for row in rows:
        say(
            f"{row['id']} {_when(row['created'])} {row['event'] or '?'} -> {row.get('url') or '-'} "
            f"{row['status']} ({row['attempts']} attempts, finished {_when(row.get('finished'))})"
        )
        say(f"  payload: {_short(row['payload'], PAYLOAD_SHOWN)}")
        for attempt in row["attempts_log"]:
            answer = attempt.get("status_code") or attempt.get("error") or "-"
            say(
                f"  attempt {attempt['attempt']} {_when(attempt['started'])} -> {answer} "
                f"{attempt.get('latency_ms') or 0:.0f} ms {_short(attempt.get('response') or '')}"
            )


MASKED = "***"


def _sent(
    row: dict[str, Any], event: dict[str, Any], portal: dict[str, Any] | None, base_url: str
) -> dict[str, Any] | None:
    """What the handler was (or will be) POSTed, as events/delivery.py builds it: ``ts`` of the last
    attempt, the tokens of ``auth`` masked (an application's access token is minted per delivery, and
    kept nowhere)."""
    from b24crm.events.delivery import auth_block, payload

    if portal is None or not event:
        return None
    attempts = row["attempts_log"]
    ts = attempts[-1]["started"] if attempts else row["created"]
    auth = auth_block(portal, base_url, MASKED)
    if row.get("app_id") is not None and row.get("user_id"):
        auth = {"access_token": MASKED, **auth, "user_id": row["user_id"]}
    sent = {**row, "event": event["event"], "data": event["data"]}
    return payload(sent, portal, base_url, float(ts), auth)


limits_cli = typer.Typer(help="Request limits as the cloud applies them (off unless a plan is chosen).")


@limits_cli.command("set")
def limits_set(
    portal: Annotated[int, id_option("Portal id.")],
    plan: Annotated[str, typer.Option(help="standard (2 requests/s, 50 burst), enterprise (5/250) or off.")],
    drain: Annotated[float | None, typer.Option(help="Requests a second the bucket drains.")] = None,
    burst: Annotated[int | None, typer.Option(help="Requests the bucket holds.")] = None,
    operating_limit: Annotated[
        float | None, typer.Option(help="Seconds of processing per method and credential over ten minutes.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Give a portal its own plan; every running server applies it from its next call."""
    from b24crm.admin.workbench import plan_values
    from b24crm.store import limits as store

    try:
        values = plan_values(
            {"plan": plan, "drain": drain, "burst": burst, "operating_limit": operating_limit}
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    runtime = open_runtime(db)
    _require_portal(runtime, portal)
    with runtime.db.write() as conn:
        store.set_plan(conn, portal, values)
    _show(runtime, portal)


@limits_cli.command("clear")
def limits_clear(portal: Annotated[int, id_option("Portal id.")], db: DbOption = None) -> None:
    """Back to the server's setting (B24CRM_LIMITS) for this portal."""
    from b24crm.store import limits as store

    runtime = open_runtime(db)
    _require_portal(runtime, portal)
    with runtime.db.write() as conn:
        store.clear_plan(conn, portal)
    _show(runtime, portal)


@limits_cli.command("show")
def limits_show(portal: Annotated[int, id_option("Portal id.")], db: DbOption = None) -> None:
    """The plan in force, each leaky bucket's level and each credential's operating time."""
    runtime = open_runtime(db)
    _require_portal(runtime, portal)
    _show(runtime, portal)


def _require_portal(runtime: Any, portal: int) -> None:
    from b24crm.store import tenancy

    with runtime.db.read() as conn:
        if tenancy.portal_by_id(conn, portal) is None:
            raise typer.BadParameter(f"no portal {portal}", param_hint="--portal")


def _show(runtime: Any, portal: int) -> None:
    from b24crm.rpc.limits import Limits

    state = Limits(runtime.db, runtime.clock, runtime.settings).state(portal)
    policy = state["effective"]
    own = "its own plan" if state["plan"] else "the server's setting"
    if policy is None:
        say(f"Limits: off ({own})")
    else:
        say(
            f"Limits: {policy['plan']} ({own}): {policy['drain']:g} requests/s, burst {policy['burst']}, "
            f"operating {policy['operating_limit']:g} s per method and credential over {policy['window']:g} s"
        )
    for bucket in state["buckets"]:
        say(f"  bucket {bucket['source'] or '-'}: {bucket['level_now']:.1f}")
    for account in state["operating"]:
        say(
            f"  operating {account['credential']} {account['method']}: {account['seconds']:.3f} s "
            f"until {_when(account['reset_at'])}"
        )


fault_cli = typer.Typer(help="Faults on demand: make matching REST calls fail as integrations meet failures.")


@fault_cli.command("add")
def fault_add(
    portal: Annotated[int, id_option("Portal id.")],
    effect: Annotated[
        str,
        typer.Option(
            help="REST calls: QUERY_LIMIT_EXCEEDED, OPERATION_TIME_LIMIT, expired_token, "
            "INTERNAL_SERVER_ERROR, bad_gateway (a proxy's 502 page), drop (the connection closed "
            "unanswered) or latency. "
            "Event deliveries (with --event or --handler): delay or drop."
        ),
    ],
    method: Annotated[str, typer.Option(help="Method pattern, e.g. 'crm.deal.*'.")] = "*",
    credential: Annotated[str, typer.Option(help="Only this credential (its key, e.g. 1:webhook:3).")] = "",
    form: Annotated[str, typer.Option(help="Only webhook or only oauth calls.")] = "",
    latency_ms: Annotated[int, typer.Option(help="Milliseconds added before the effect (or the call).")] = 0,
    event: Annotated[
        str | None, typer.Option(help="A rule for event deliveries: event name pattern, e.g. 'ONCRMDEAL*'.")
    ] = None,
    handler: Annotated[
        str | None, typer.Option(help="A rule for event deliveries: handler URL pattern.")
    ] = None,
    delay_ms: Annotated[int, typer.Option(help="Milliseconds a delayed delivery waits.")] = 0,
    times: Annotated[int | None, typer.Option(help="Fail only the next N matching calls.")] = None,
    probability: Annotated[float, typer.Option(help="Fail a matching call with this probability.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed of the draws: the same seed fails the same calls.")] = 0,
    db: DbOption = None,
) -> None:
    """Add a fault rule for REST calls or event deliveries; every running server applies it at once."""
    from b24crm.admin.workbench import fault_values
    from b24crm.store import faults as store

    body: dict[str, Any] = {"effect": effect, "method": method, "credential": credential, "form": form}
    body |= {"latency_ms": latency_ms, "times": times, "probability": probability, "seed": seed}
    if event is not None or handler is not None:
        body = {"target": "event", "event": event, "handler": handler, "delay_ms": delay_ms}
        body |= {"effect": effect, "times": times, "probability": probability, "seed": seed}
    try:
        target, values = fault_values(body)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    runtime = open_runtime(db)
    _require_portal(runtime, portal)
    with runtime.db.write() as conn:
        say(f"Fault: {store.add_rule(conn, portal, values, target)}")


@fault_cli.command("list")
def fault_list(portal: Annotated[int, id_option("Portal id.")], db: DbOption = None) -> None:
    """The portal's fault rules (target rest or event), with what each matched (seen) and failed (fired)."""
    from b24crm.admin.workbench import all_rules

    runtime = open_runtime(db)
    _require_portal(runtime, portal)
    with runtime.db.read() as conn:
        print_rows(all_rules(conn, portal))


@fault_cli.command("clear")
def fault_clear(
    portal: Annotated[int, id_option("Portal id.")],
    fault: Annotated[int | None, id_option("Only this rule.")] = None,
    db: DbOption = None,
) -> None:
    """Remove the portal's fault rules (or one)."""
    from b24crm.store import faults as store

    runtime = open_runtime(db)
    _require_portal(runtime, portal)
    with runtime.db.write() as conn:
        say(f"Removed: {store.delete_rules(conn, portal, fault)}")
