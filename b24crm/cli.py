"""The ``b24crm`` command line: serve, db upgrade, portal/user/webhook create, methods."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import secrets
import socket
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from b24crm import errors
from b24crm.auth.service import NewWebhook
from b24crm.runtime import Runtime
from b24crm.settings import Settings
from b24crm.store import outbox

cli = typer.Typer(help="b24crm: a self-hostable Bitrix24 CRM REST server.", no_args_is_help=True)
db_cli = typer.Typer(help="Database maintenance.")
portal_cli = typer.Typer(help="Portals (tenants).")
user_cli = typer.Typer(help="Users of a portal.")
webhook_cli = typer.Typer(help="Incoming webhooks.")
role_cli = typer.Typer(help="CRM roles: what users may read, add, edit and delete.")
hook_out_cli = typer.Typer(help="Outgoing webhooks: a portal's events POSTed to a URL.")
app_cli = typer.Typer(help="Local applications: OAuth clients with events and placements.")
cli.add_typer(db_cli, name="db")
cli.add_typer(portal_cli, name="portal")
cli.add_typer(user_cli, name="user")
cli.add_typer(webhook_cli, name="webhook")
cli.add_typer(role_cli, name="role")
cli.add_typer(hook_out_cli, name="hook-out")
cli.add_typer(app_cli, name="app")

err = Console(stderr=True)

DbOption = Annotated[
    str | None, typer.Option("--db", help=Settings.__dataclass_fields__["db"].metadata["help"])
]
DEMO_HOOK_FILE = "demo-webhook"
ADMIN_TOKEN_FILE = "admin-token"


# The runtimes a command opened: closed when it ends (``_close_runtimes``), also when the command runs inside
# another process (tests, scripts calling the CLI), where each left open held PostgreSQL connections.
_opened: list[Runtime] = []


@cli.callback()
def _command(ctx: typer.Context) -> None:
    ctx.call_on_close(_close_runtimes)


def _close_runtimes() -> None:
    while _opened:
        _opened.pop().close()


def _runtime(db: str | None, **overrides: Any) -> Runtime:
    runtime = Runtime(Settings.from_env(db=db, **overrides))
    _opened.append(runtime)
    runtime.migrate()
    return runtime


def _say(line: str) -> None:
    """Lines a script may read (``Webhook: ...``): plain, on stdout, flushed at once."""
    print(line, flush=True)


def _write_secret(path: Path, text: str) -> None:
    """Write a file only its owner may read, from its first byte (not chmod'ed after the writing), and
    whole: it is written aside and moved into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.replace(aside, path)


def _read_secret(path: Path) -> str:
    """A secret kept in the data directory ("" when there is none), made readable by its owner only if
    someone had opened it up."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return ""
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return text


def _admin_token(settings: Settings) -> str:
    """The admin token: the configured one, else the one kept in the data directory (made on the first
    start), so that scripts and clients holding it keep working across restarts."""
    if settings.admin_token:
        return settings.admin_token
    path = settings.data_path / ADMIN_TOKEN_FILE
    token = _read_secret(path)
    if not token:
        token = secrets.token_urlsafe(24)
        _write_secret(path, f"{token}\n")
    return token


def _listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, bound and listening before anything is printed, migrated or created: a second
    server on a busy port would otherwise print a webhook and a token that lead to the first one, then
    fail. Made as uvicorn makes its own (SO_REUSEADDR, so that a restart does not wait for TIME_WAIT),
    and handed to it, so that nobody can take the port in between."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        # Listening at once: with SO_REUSEADDR, Linux lets two sockets bind a port until one listens.
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        why = exc.strerror or str(exc)
        if exc.errno == errno.EADDRINUSE:
            why += " (another server listens there: stop it, or choose another --port)"
        print(f"b24crm serve: cannot listen on {host}:{port}: {why}", file=sys.stderr, flush=True)
        raise typer.Exit(1) from exc
    return sock


def _demo_webhook(runtime: Runtime) -> str | None:
    """The demo webhook URL: created on an empty database, otherwise read back from the data directory."""
    store = runtime.settings.data_path / DEMO_HOOK_FILE
    with runtime.db.read() as conn:
        from b24crm.store.tenancy import count_portals

        empty = count_portals(conn) == 0
    if empty:
        hook: NewWebhook = runtime.tenancy.create_demo()
        _write_secret(store, f"{hook.user.id}/{hook.code}\n")
        return hook.url(runtime.settings.base_url)
    text = _read_secret(store)
    if not text:
        return None
    user_id, _, code = text.partition("/")
    try:
        runtime.tenancy.resolve_webhook(user_id, code)
    except errors.ApiError:
        return None
    return f"{runtime.settings.base_url}/rest/{user_id}/{code}/"


@cli.command()
def serve(
    db: DbOption = None,
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    data_dir: Annotated[str | None, typer.Option(help="Directory for files and TLS material.")] = None,
    tls: Annotated[
        bool | None, typer.Option("--tls/--no-tls", help="Serve HTTPS with a local certificate.")
    ] = None,
    require_https: Annotated[
        bool | None, typer.Option("--require-https/--allow-http", help="Refuse plain-HTTP REST calls.")
    ] = None,
    admin_token: Annotated[
        str | None,
        typer.Option(help="Token for /_b24crm/; when empty, the one kept in the data directory (made once)."),
    ] = None,
) -> None:
    """Migrate the database, make sure a demo portal exists, and serve the REST API."""
    import uvicorn

    from b24crm.app import create_app
    from b24crm.http.server import guarded_protocol

    settings = Settings.from_env(
        db=db,
        host=host,
        port=port,
        data_dir=data_dir,
        tls=tls,
        require_https=require_https,
        admin_token=admin_token,
    )
    sock = _listening_socket(settings.host, settings.port)
    runtime = Runtime(settings)
    runtime.migrate()
    runtime.admin_token = _admin_token(settings)
    cert: str | None = None
    key: str | None = None
    if settings.tls:
        from b24crm.http.tls import ensure_tls

        files = ensure_tls(settings.data_path / "tls", extra_names=(settings.host,))
        cert, key = str(files.cert), str(files.key)
        _say(
            f"TLS: trust the local CA with REQUESTS_CA_BUNDLE={files.ca.resolve()} "
            f"(Python) or NODE_EXTRA_CA_CERTS={files.ca.resolve()} (Node)"
        )
    if settings.demo:
        url = _demo_webhook(runtime)
        if url:
            _say(f"Webhook: {url}")
        else:
            _say(
                "Webhook: none known; create one with `b24crm webhook create --portal 1 --user 1 --scope crm`"
            )
    _say(f"Admin: {settings.base_url}/_b24crm/ (Authorization: Bearer {runtime.admin_token})")
    _say(f"Serving on {settings.base_url} (database: {runtime.db.url.render_as_string(hide_password=True)})")
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    config = uvicorn.Config(
        create_app(runtime),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
        http=guarded_protocol(settings.request_timeout),
        ssl_certfile=cert,
        ssl_keyfile=key,
    )
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: uvicorn has shut down and re-raised it
        server.run(sockets=[sock])  # what uvicorn.run does, on the socket bound above
    if not server.started:
        raise typer.Exit(3)  # uvicorn's own code for a server that could not start


@db_cli.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Apply the migrations up to the newest schema."""
    from b24crm.store.migrate import current_revision

    runtime = _runtime(db)
    _say(f"Database at revision {current_revision(runtime.db)}")


@db_cli.command("answers")
def db_answers(
    portal: Annotated[int | None, typer.Option(help="Portal id (default: every portal).")] = None,
    db: DbOption = None,
) -> None:
    """Store crm.activity.get's answer for every activity that lacks one (rows from before answers were
    stored, or from another answer format): until then get renders those rows, which is slower."""
    from functools import partial

    from rich.progress import Progress

    from b24crm.auth.models import Portal
    from b24crm.crm.activity import answers
    from b24crm.store import tenancy

    runtime = _runtime(db)
    with runtime.db.read() as conn:
        rows = tenancy.list_portals(conn)
    chosen = [Portal.from_row(r) for r in rows if portal is None or r["id"] == portal]
    if portal is not None and not chosen:
        raise typer.BadParameter(f"no portal {portal}", param_hint="--portal")
    with Progress(console=err) as bar:
        for p in chosen:
            task = bar.add_task(f"portal {p.id}", total=None)
            seen = answers.fill(runtime.db, p, progress=partial(bar.advance, task))
            bar.update(task, total=seen, completed=seen)
            _say(f"Portal {p.id}: {seen} activities looked at")


@portal_cli.command("create")
def portal_create(
    db: DbOption = None,
    domain: Annotated[str | None, typer.Option(help="Portal domain; generated when empty.")] = None,
    title: Annotated[str, typer.Option(help="Portal title.")] = "",
    time_zone: Annotated[str, typer.Option("--tz", help="Time zone dates are rendered in.")] = "UTC",
) -> None:
    """Create a portal."""
    try:
        portal = _runtime(db).tenancy.create_portal(domain=domain, title=title, time_zone=time_zone)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    _say(f"Portal: {portal.id} {portal.domain} member_id={portal.member_id}")


@user_cli.command("create")
def user_create(
    portal: Annotated[int, typer.Option(help="Portal id.")],
    db: DbOption = None,
    name: Annotated[str, typer.Option(help="First name.")] = "",
    last_name: Annotated[str, typer.Option(help="Last name.")] = "",
    email: Annotated[str, typer.Option(help="E-mail.")] = "",
    admin: Annotated[bool, typer.Option("--admin", help="Portal administrator.")] = False,
    role: Annotated[list[int] | None, typer.Option(help="CRM role id to assign (repeatable).")] = None,
) -> None:
    """Create a user on a portal."""
    runtime = _runtime(db)
    try:
        user = runtime.tenancy.create_user(portal, name=name, last_name=last_name, email=email, admin=admin)
    except LookupError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    for role_id in role or ():
        _assign_role(runtime, portal, user.id, role_id)
    _say(f"User: {user.id}")


def _assign_role(runtime: Runtime, portal: int, user_id: int, role_id: int) -> None:
    from b24crm.store import crm_roles

    with runtime.db.write() as conn:
        if role_id not in {r["id"] for r in crm_roles.list_roles(conn, portal)}:
            err.print(f"[red]no role {role_id} on portal {portal}[/red]")
            raise typer.Exit(1)
        crm_roles.assign(conn, portal, user_id, role_id)


@role_cli.command("create")
def role_create(
    portal: Annotated[int, typer.Option(help="Portal id.")],
    name: Annotated[str, typer.Option(help="Role name.")],
    grant: Annotated[
        list[str],
        typer.Option(help='Per entity type: "2:read=all,add=own,edit=own,delete=none"; "*" for every type.'),
    ],
    default: Annotated[bool, typer.Option("--default", help="Users without a role get this one.")] = False,
    db: DbOption = None,
) -> None:
    """Create a CRM role."""
    from b24crm.crm.permissions import create_role, parse_grant

    try:
        permissions = dict(parse_grant(g) for g in grant)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    runtime = _runtime(db)
    with runtime.db.write() as conn:
        role_id = create_role(conn, portal, name=name, permissions=permissions, default=default)
    _say(f"Role: {role_id}")


@role_cli.command("assign")
def role_assign(
    portal: Annotated[int, typer.Option(help="Portal id.")],
    user: Annotated[int, typer.Option(help="User id.")],
    role: Annotated[int, typer.Option(help="Role id.")],
    db: DbOption = None,
) -> None:
    """Give a user a CRM role."""
    _assign_role(_runtime(db), portal, user, role)
    _say(f"User {user}: role {role}")


@webhook_cli.command("create")
def webhook_create(
    portal: Annotated[int, typer.Option(help="Portal id.")],
    user: Annotated[int, typer.Option(help="Owner user id: calls run with this user's rights.")],
    scope: Annotated[str, typer.Option(help="Comma-separated scopes, e.g. crm,user.")] = "crm",
    db: DbOption = None,
    title: Annotated[str, typer.Option(help="A name to recognise it by.")] = "",
) -> None:
    """Create an incoming webhook and print its URL (the secret is shown only once)."""
    runtime = _runtime(db)
    try:
        hook = runtime.tenancy.create_webhook(portal, user, scope, title=title)
    except (LookupError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    _say(f"Webhook: {hook.url(runtime.settings.base_url)}")


@webhook_cli.command("revoke")
def webhook_revoke(
    portal: Annotated[int, typer.Option(help="Portal id.")],
    webhook: Annotated[int, typer.Option(help="Webhook id (`GET /_b24crm/portals/{id}/webhooks`).")],
    db: DbOption = None,
) -> None:
    """Revoke a webhook: every server on the database refuses its code at once, as an unknown code."""
    if not _runtime(db).tenancy.delete_webhook(portal, webhook):
        err.print(f"[red]no webhook {webhook} on portal {portal}[/red]")
        raise typer.Exit(1)
    _say(f"Revoked webhook: {webhook}")


@hook_out_cli.command("create")
def hook_out_create(
    portal: Annotated[int, typer.Option(help="Portal id.")],
    event: Annotated[str, typer.Option(help="Event name, e.g. ONCRMACTIVITYADD.")],
    url: Annotated[str, typer.Option(help="Handler URL the events are POSTed to.")],
    user: Annotated[int, typer.Option(help="User the webhook belongs to.")] = 1,
    db: DbOption = None,
) -> None:
    """Send a portal's event to a URL; prints the handler id and the application_token it carries."""
    from b24crm.events import hooks

    runtime = _runtime(db)
    try:
        made = hooks.create(runtime.db, portal, event=event, url=url, user_id=user, now=runtime.clock.now())
    except (LookupError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    _say(f"Handler: {made.id} {made.event} -> {made.url}")
    _say(f"application_token: {made.application_token}")


@app_cli.command("create")
def app_create(
    portal: Annotated[int, typer.Option(help="Portal id.")],
    handler: Annotated[str, typer.Option(help="The app's address: its install handler and redirect URI.")],
    scope: Annotated[str, typer.Option(help="Comma-separated scopes, e.g. crm,placement.")] = "crm",
    title: Annotated[str, typer.Option(help="The app's name.")] = "",
    user: Annotated[int | None, typer.Option(help="Installing administrator (default: the first).")] = None,
    ui: Annotated[
        bool, typer.Option("--ui", help="An app with an interface: installed once `app finish` runs.")
    ] = False,
    redirect_uri: Annotated[str | None, typer.Option(help="Where /oauth/authorize/ sends the code.")] = None,
    db: DbOption = None,
) -> None:
    """Create and install a local application; prints its client_id and client_secret (shown once)."""
    runtime = _runtime(db)
    try:
        made = runtime.apps.create(
            portal,
            handler_url=handler,
            scopes=scope,
            title=title,
            user_id=user,
            has_ui=ui,
            redirect_uri=redirect_uri,
        )
    except (LookupError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    _say(f"App: {made.app.id} installed={'yes' if made.app.installed else 'no (run app finish)'}")
    _say(f"client_id: {made.app.client_id}")
    _say(f"client_secret: {made.client_secret}")
    _say(f"application_token: {made.app.application_token}")
    _say(f"Authorize: {runtime.settings.base_url}/oauth/authorize/?client_id={made.app.client_id}")


def _app_action(action: str, portal: int, app: int, db: str | None) -> None:
    runtime = _runtime(db)
    try:
        if action == "finish":
            runtime.apps.finish_install(portal, app)
        elif action == "uninstall":
            runtime.apps.uninstall(portal, app)
        elif action == "revoke":
            _say(f"Revoked tokens: {runtime.apps.revoke_tokens(portal, app)}")
        else:
            _say(f"Expired tokens: {runtime.apps.expire_tokens(portal, app)}")
    except (LookupError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


@app_cli.command("finish")
def app_finish(
    portal: Annotated[int, typer.Option(help="Portal id.")],
    app: Annotated[int, typer.Option(help="App id.")],
    db: DbOption = None,
) -> None:
    """Finish an app's install, as its installer page's BX24.installFinish() does."""
    _app_action("finish", portal, app, db)


@app_cli.command("uninstall")
def app_uninstall(
    portal: Annotated[int, typer.Option(help="Portal id.")],
    app: Annotated[int, typer.Option(help="App id.")],
    db: DbOption = None,
) -> None:
    """Uninstall an app: ONAPPUNINSTALL, then its handlers, placements and tokens are removed."""
    _app_action("uninstall", portal, app, db)


@app_cli.command("expire-tokens")
def app_expire_tokens(
    portal: Annotated[int, typer.Option(help="Portal id.")],
    app: Annotated[int, typer.Option(help="App id.")],
    db: DbOption = None,
) -> None:
    """End the app's access tokens now, to try a client's refresh on expired_token."""
    _app_action("expire", portal, app, db)


@app_cli.command("revoke-tokens")
def app_revoke_tokens(
    portal: Annotated[int, typer.Option(help="Portal id.")],
    app: Annotated[int, typer.Option(help="App id.")],
    db: DbOption = None,
) -> None:
    """End every access and refresh token of the app at once (the app stays installed)."""
    _app_action("revoke", portal, app, db)


@app_cli.command("list")
def app_list(portal: Annotated[int, typer.Option(help="Portal id.")], db: DbOption = None) -> None:
    """The portal's applications (one JSON object a line)."""
    for made in _runtime(db).apps.list(portal):
        _say(
            json.dumps(
                {
                    "id": made.id,
                    "client_id": made.client_id,
                    "title": made.title,
                    "scopes": list(made.scopes),
                    "installed": made.installed,
                    "active": made.active,
                }
            )
        )


def _print_rows(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        _say(json.dumps(row, ensure_ascii=False, default=str))


@cli.command()
def mail(
    portal: Annotated[int, typer.Option(help="Portal id.")],
    after: Annotated[int, typer.Option(help="Only messages with a greater id.")] = 0,
    db: DbOption = None,
) -> None:
    """The outgoing e-mail log: what e-mail activities would have sent (one JSON object a line)."""
    runtime = _runtime(db)
    with runtime.db.read() as conn:
        _print_rows(outbox.list_mail(conn, portal, after=after))


@cli.command()
def events(
    portal: Annotated[int, typer.Option(help="Portal id.")],
    after: Annotated[int, typer.Option(help="Only events with a greater id.")] = 0,
    db: DbOption = None,
) -> None:
    """The event outbox: every onCrm* event the portal emitted (one JSON object a line)."""
    runtime = _runtime(db)
    with runtime.db.read() as conn:
        _print_rows(outbox.list_events(conn, portal, after=after))


@cli.command()
def scaffold(
    family: Annotated[str, typer.Argument(help="Package name of the family, e.g. crm_timeline_comment.")],
    prefix: Annotated[str, typer.Option(help="Its methods' common prefix, e.g. crm.timeline.comment.")],
    doc: Annotated[str, typer.Option(help="Folder of its pages in the vendor's docs.")],
    scope: Annotated[str, typer.Option(help="The scope its methods need.")] = "crm",
) -> None:
    """Lay out a new method family: handlers, domain module and test file, found without being listed."""
    from b24crm import scaffold as layout

    root = Path(__file__).resolve().parents[1]
    try:
        made = layout.write(root, layout.Family(family, prefix, doc, scope))
    except (ValueError, FileExistsError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    for path in made:
        _say(f"Made: {path.relative_to(root)}")
    _say("Next: replace the example method, then `b24crm methods --markdown > docs/methods.md`")


@cli.command()
def methods(
    markdown: Annotated[bool, typer.Option("--markdown", help="Print docs/methods.md.")] = False,
) -> None:
    """List the implemented REST methods, from the method registry."""
    from b24crm.methods import load_methods
    from b24crm.rpc.coverage import methods_markdown

    registry = load_methods()
    if markdown:
        print(methods_markdown(registry), end="")
    elif sys.stdout.isatty():
        table = Table("method", "scope", "summary")
        for spec in registry:
            table.add_row(spec.name, ",".join(spec.scopes), spec.summary)
        Console().print(table)
    else:
        for spec in registry:
            _say(spec.name)


@cli.command()
def seed(
    portal: Annotated[int, typer.Option(help="Portal id.")],
    deals: Annotated[
        int | None,
        typer.Option(help="Deals to add (default 10,000; none when only --activities is given)."),
    ] = None,
    activities: Annotated[
        int,
        typer.Option(help="Activities to add, each bound to one of the portal's deals (seeded if none)."),
    ] = 0,
    users: Annotated[
        int, typer.Option(help="Sellers the deals are spread over (created when missing).")
    ] = 20,
    db: DbOption = None,
) -> None:
    """Fill a portal with realistic CRM data (bulk, with a progress bar)."""
    from rich.progress import Progress

    from b24crm.seed import seed_activities, seed_deals

    if deals is None:
        deals = 0 if activities else 10_000
    runtime = _runtime(db)
    with Progress(console=err) as bar:
        if deals:
            task = bar.add_task("deals", total=deals)
            first, last = seed_deals(
                runtime.db,
                portal,
                deals,
                users=users,
                now=runtime.clock.now(),
                progress=lambda n: bar.advance(task, n),
            )
        if activities:
            act_task = bar.add_task("activities", total=activities)
            first_act, last_act = seed_activities(
                runtime.db,
                portal,
                activities,
                users=users,
                now=runtime.clock.now(),
                progress=lambda n: bar.advance(act_task, n),
            )
    if deals:
        _say(f"Deals: {first}..{last}")
    if activities:
        _say(f"Activities: {first_act}..{last_act}")


def main() -> None:
    cli()
