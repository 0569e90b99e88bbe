"""``b24crm app``: local applications (OAuth clients with events and placements)."""

from __future__ import annotations

from typing import Annotated

import typer

from b24crm.cli.common import DbOption, err, id_option, open_runtime, say
from b24crm.cli.listing import JsonOption, YesOption, confirm, id_argument, show

app_cli = typer.Typer(help="Local applications: OAuth clients with events and placements.")


@app_cli.command("create")
def app_create(
    portal: Annotated[int, id_option("Portal id.")],
    handler: Annotated[str, typer.Option(help="The app's address: its install handler and redirect URI.")],
    scope: Annotated[str, typer.Option(help="Comma-separated scopes, e.g. crm,placement.")] = "crm",
    title: Annotated[str, typer.Option(help="The app's name.")] = "",
    user: Annotated[int | None, id_option("Installing administrator (default: the first).")] = None,
    ui: Annotated[
        bool, typer.Option("--ui", help="An app with an interface: installed once `app finish` runs.")
    ] = False,
    redirect_uri: Annotated[str | None, typer.Option(help="Where /oauth/authorize/ sends the code.")] = None,
    db: DbOption = None,
) -> None:
    """Create and install a local application; prints its client_id and client_secret (shown once)."""
    runtime = open_runtime(db)
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
    say(f"App: {made.app.id} installed={'yes' if made.app.installed else 'no (run app finish)'}")
    say(f"client_id: {made.app.client_id}")
    say(f"client_secret: {made.client_secret}")
    say(f"application_token: {made.app.application_token}")
    say(f"Authorize: {runtime.settings.base_url}/oauth/authorize/?client_id={made.app.client_id}")


def _app_action(action: str, portal: int, app: int, db: str | None) -> None:
    runtime = open_runtime(db)
    try:
        if action == "finish":
            runtime.apps.finish_install(portal, app)
        elif action == "uninstall":
            runtime.apps.uninstall(portal, app)
        elif action == "revoke":
            say(f"Revoked tokens: {runtime.apps.revoke_tokens(portal, app)}")
        else:
            say(f"Expired tokens: {runtime.apps.expire_tokens(portal, app)}")
    except (LookupError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


@app_cli.command("finish")
def app_finish(
    portal: Annotated[int, id_option("Portal id.")],
    app: Annotated[int, id_option("App id.")],
    db: DbOption = None,
) -> None:
    """Finish an app's install, as its installer page's BX24.installFinish() does."""
    _app_action("finish", portal, app, db)


@app_cli.command("uninstall")
def app_uninstall(
    portal: Annotated[int, id_option("Portal id.")],
    app: Annotated[int, id_option("App id.")],
    db: DbOption = None,
) -> None:
    """Uninstall an app: ONAPPUNINSTALL, then its handlers, placements and tokens are removed."""
    _app_action("uninstall", portal, app, db)


@app_cli.command("expire-tokens")
def app_expire_tokens(
    portal: Annotated[int, id_option("Portal id.")],
    app: Annotated[int, id_option("App id.")],
    db: DbOption = None,
) -> None:
    """End the app's access tokens now, to try a client's refresh on expired_token."""
    _app_action("expire", portal, app, db)


@app_cli.command("revoke-tokens")
def app_revoke_tokens(
    portal: Annotated[int, id_option("Portal id.")],
    app: Annotated[int, id_option("App id.")],
    db: DbOption = None,
) -> None:
    """End every access and refresh token of the app at once (the app stays installed)."""
    _app_action("revoke", portal, app, db)


@app_cli.command("list")
def app_list(
    portal: Annotated[int, id_option("Portal id.")], db: DbOption = None, as_json: JsonOption = False
) -> None:
    """The portal's applications (their client secrets are kept hashed: shown only at creation)."""
    rows = [
        {
            "id": made.id,
            "client_id": made.client_id,
            "title": made.title,
            "handler_url": made.handler_url,
            "scopes": list(made.scopes),
            "installed": made.installed,
            "active": made.active,
        }
        for made in open_runtime(db).apps.list(portal)
    ]
    columns = ("id", "client_id", "title", "scopes", "installed", "active")
    show(rows, columns, as_json=as_json, title=f"Applications of portal {portal}")


@app_cli.command("delete")
def app_delete(
    app: Annotated[int, id_argument("App id.")],
    portal: Annotated[int, id_option("Portal id.")],
    yes: YesOption = False,
    db: DbOption = None,
) -> None:
    """Delete an application: uninstalled first if installed (its handlers get ONAPPUNINSTALL), then its
    tokens, placements, event handlers and what it registered go; every running server refuses its
    tokens at once."""
    from b24crm.auth import removal

    confirm(yes, f"Delete application {app} of portal {portal} with its tokens and bindings?")
    runtime = open_runtime(db)
    if not removal.delete_app(runtime.db, runtime.apps, portal, app):
        err.print(f"[red]no application {app} on portal {portal}[/red]")
        raise typer.Exit(1)
    say(f"Deleted application: {app}")
