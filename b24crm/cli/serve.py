"""``b24crm serve``: the server, with its admin token and demo webhook kept in the data directory."""

from __future__ import annotations

import contextlib
import errno
import logging
import secrets
import socket
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from b24crm.cli.common import DbOption, say
from b24crm.cli.workers import refusal, supervise
from b24crm.secret_files import read_secret, write_secret
from b24crm.settings import Settings

if TYPE_CHECKING:
    import ssl

    from b24crm.runtime import Runtime

DEMO_HOOK_FILE = "demo-webhook"
ADMIN_TOKEN_FILE = "admin-token"


def _admin_token(settings: Settings) -> str:
    """The admin token: the configured one, else the one kept in the data directory (made on the first
    start), so that scripts and clients holding it keep working across restarts."""
    if settings.admin_token:
        return settings.admin_token
    path = settings.data_path / ADMIN_TOKEN_FILE
    token = read_secret(path)
    if not token:
        token = secrets.token_urlsafe(24)
        write_secret(path, f"{token}\n")
    return token


def _listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, bound and listening before anything is printed, migrated or created: a second
    server on a busy port would otherwise print a webhook and a token that lead to the first one, then
    fail. Made as uvicorn makes its own (SO_REUSEADDR, so that a restart does not wait for TIME_WAIT),
    and handed to it, so that nobody can take the port in between."""
    if not 0 <= port <= 65535:  # bind() would raise OverflowError, which is no OSError
        print(f"b24crm serve: cannot listen on {host}:{port}: ports are 0-65535", file=sys.stderr, flush=True)
        raise typer.Exit(1)
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
    from b24crm.errors import ApiError

    store = runtime.settings.data_path / DEMO_HOOK_FILE
    with runtime.db.read() as conn:
        from b24crm.store.tenancy import count_portals

        empty = count_portals(conn) == 0
    if empty:
        hook = runtime.tenancy.create_demo()
        write_secret(store, f"{hook.user.id}/{hook.code}\n")
        return hook.url(runtime.settings.base_url)
    text = read_secret(store)
    if not text:
        return None
    user_id, _, code = text.partition("/")
    try:
        runtime.tenancy.resolve_webhook(user_id, code)
    except ApiError:
        return None
    return f"{runtime.settings.base_url}/rest/{user_id}/{code}/"


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
    workers: Annotated[
        int | None,
        typer.Option(help="Server processes on the one port (PostgreSQL only); as many as the cores."),
    ] = None,
) -> None:
    """Migrate the database, make sure a demo portal exists, and serve the REST API."""
    settings = Settings.from_env(
        db=db,
        host=host,
        port=port,
        data_dir=data_dir,
        tls=tls,
        require_https=require_https,
        admin_token=admin_token,
        workers=workers,
    )
    refused = refusal(settings, settings.workers)
    if refused:
        print(f"b24crm serve: {refused}", file=sys.stderr, flush=True)
        raise typer.Exit(2)
    sock = _listening_socket(settings.host, settings.port)
    # Whatever fails from here on (a migration, the TLS material, the server), the socket and the
    # runtime's connections are released: a caller running serve in its own process keeps running.
    with contextlib.ExitStack() as opened:
        opened.callback(sock.close)
        from b24crm.runtime import Runtime

        runtime = Runtime(settings)
        opened.callback(runtime.close)
        _serve(runtime, sock)


def _serve(runtime: Runtime, sock: socket.socket) -> None:
    settings = runtime.settings
    runtime.migrate()
    runtime.admin_token = _admin_token(settings)
    cert: str | None = None
    key: str | None = None
    if settings.tls:
        from b24crm.http.tls import ensure_tls

        files = ensure_tls(settings.data_path / "tls", extra_names=(settings.host,))
        cert, key = str(files.cert), str(files.key)
        say(
            f"TLS: trust the local CA with REQUESTS_CA_BUNDLE={files.ca.resolve()} "
            f"(Python) or NODE_EXTRA_CA_CERTS={files.ca.resolve()} (Node)"
        )
    if settings.demo:
        url = _demo_webhook(runtime)
        if url:
            say(f"Webhook: {url}")
        else:
            say(
                "Webhook: none known; create one with `b24crm webhook create --portal 1 --user 1 --scope crm`"
            )
    say(f"Admin: {settings.base_url}/_b24crm/ (Authorization: Bearer {runtime.admin_token})")
    if settings.web:
        say(f"Pages: {settings.base_url}/ui/ (sign in with the admin token)")
    database = runtime.db.url.render_as_string(hide_password=True)
    if settings.workers > 1:
        # The workers make their own runtimes: this one's connections are not kept idle meanwhile.
        runtime.db.dispose()
        say(f"Serving on {settings.base_url} (database: {database}; {settings.workers} workers)")
        code = supervise(_worker, (settings, runtime.admin_token, cert, key), sock, settings.workers)
        if code:
            raise typer.Exit(code)
        return
    say(f"Serving on {settings.base_url} (database: {database})")
    _run(runtime, sock, cert, key)


def _worker(
    settings: Settings, admin_token: str, cert: str | None, key: str | None, sock: socket.socket
) -> None:
    """One process of ``serve --workers``: a runtime of its own on the supervisor's socket."""
    from b24crm.runtime import Runtime

    runtime = Runtime(settings)
    runtime.admin_token = admin_token
    try:
        _run(runtime, sock, cert, key)
    finally:
        runtime.close()


def _run(runtime: Runtime, sock: socket.socket, cert: str | None, key: str | None) -> None:
    """uvicorn on ``sock``, serving ``runtime``, until it is stopped."""
    import uvicorn

    from b24crm.app import create_app
    from b24crm.http.server import guarded_protocol

    settings = runtime.settings
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    _request_lines(settings)
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
    if settings.tls:
        config.load()
        assert config.ssl is not None
        config.ssl.sslobject_class = _plain_http_hint(settings.base_url)
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: uvicorn has shut down and re-raised it
        server.run(sockets=[sock])  # what uvicorn.run does, on the socket bound above
    if not server.started:
        raise typer.Exit(3)  # uvicorn's own code for a server that could not start


def _request_lines(settings: Settings) -> None:
    """The request log's console lines: bare (each carries its own time), on stderr like the server's."""
    lines = logging.getLogger("b24crm.requests")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    lines.addHandler(handler)
    lines.propagate = False
    lines.setLevel(logging.INFO if settings.request_log else logging.WARNING)


def _plain_http_hint(base_url: str) -> type[ssl.SSLObject]:
    """The TLS object class of the HTTPS port, saying what to do when a client speaks plain HTTP to it: the
    handshake fails inside the event loop's TLS layer, which tells nobody (it logs OSErrors in debug only)."""
    import ssl as ssl_module

    class HintingSSLObject(ssl_module.SSLObject):
        def do_handshake(self) -> None:
            try:
                super().do_handshake()
            except ssl_module.SSLError as exc:
                if exc.reason == "HTTP_REQUEST":
                    logging.getLogger("b24crm.requests").warning(
                        "a plain-HTTP request came to this HTTPS port: call %s instead, trusting the CA "
                        "printed above (REQUESTS_CA_BUNDLE / NODE_EXTRA_CA_CERTS)",
                        base_url,
                    )
                raise

    return HintingSSLObject
