"""Tenants and who acts on them: ``portal``, ``user``, ``role``, ``webhook`` and ``hook-out``: created,
listed and deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from b24crm.cli.common import DbOption, err, id_option, open_runtime, say
from b24crm.cli.listing import JsonOption, YesOption, confirm, id_argument, show

if TYPE_CHECKING:
    from b24crm.runtime import Runtime

portal_cli = typer.Typer(help="Portals (tenants).")
user_cli = typer.Typer(help="Users of a portal.")
webhook_cli = typer.Typer(help="Incoming webhooks.")
role_cli = typer.Typer(help="CRM roles: what users may read, add, edit and delete.")
hook_out_cli = typer.Typer(help="Outgoing webhooks: a portal's events POSTed to a URL.")


@portal_cli.command("create")
def portal_create(
    db: DbOption = None,
    domain: Annotated[str | None, typer.Option(help="Portal domain; generated when empty.")] = None,
    title: Annotated[str, typer.Option(help="Portal title.")] = "",
    time_zone: Annotated[str, typer.Option("--tz", help="Time zone dates are rendered in.")] = "UTC",
) -> None:
    """Create a portal."""
    try:
        portal = open_runtime(db).tenancy.create_portal(domain=domain, title=title, time_zone=time_zone)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    say(f"Portal: {portal.id} {portal.domain} member_id={portal.member_id}")


@user_cli.command("create")
def user_create(
    portal: Annotated[int, id_option("Portal id.")],
    db: DbOption = None,
    name: Annotated[str, typer.Option(help="First name.")] = "",
    last_name: Annotated[str, typer.Option(help="Last name.")] = "",
    email: Annotated[str, typer.Option(help="E-mail.")] = "",
    admin: Annotated[bool, typer.Option("--admin", help="Portal administrator.")] = False,
    role: Annotated[list[int] | None, id_option("CRM role id to assign (repeatable).")] = None,
) -> None:
    """Create a user on a portal."""
    runtime = open_runtime(db)
    try:
        user = runtime.tenancy.create_user(portal, name=name, last_name=last_name, email=email, admin=admin)
    except LookupError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    for role_id in role or ():
        _assign_role(runtime, portal, user.id, role_id)
    say(f"User: {user.id}")


def _assign_role(runtime: Runtime, portal: int, user_id: int, role_id: int) -> None:
    from b24crm.crm.permissions import assign_role

    try:
        with runtime.db.write() as conn:
            assign_role(conn, portal, user_id, role_id)
    except LookupError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1) from exc


@role_cli.command("create")
def role_create(
    portal: Annotated[int, id_option("Portal id.")],
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
    runtime = open_runtime(db)
    with runtime.db.write() as conn:
        role_id = create_role(conn, portal, name=name, permissions=permissions, default=default)
    say(f"Role: {role_id}")


@role_cli.command("assign")
def role_assign(
    portal: Annotated[int, id_option("Portal id.")],
    user: Annotated[int, id_option("User id.")],
    role: Annotated[int, id_option("Role id.")],
    db: DbOption = None,
) -> None:
    """Give a user a CRM role."""
    _assign_role(open_runtime(db), portal, user, role)
    say(f"User {user}: role {role}")


@webhook_cli.command("create")
def webhook_create(
    portal: Annotated[int, id_option("Portal id.")],
    user: Annotated[int, id_option("Owner user id: calls run with this user's rights.")],
    scope: Annotated[str, typer.Option(help="Comma-separated scopes, e.g. crm,user.")] = "crm",
    db: DbOption = None,
    title: Annotated[str, typer.Option(help="A name to recognise it by.")] = "",
) -> None:
    """Create an incoming webhook and print its URL (the secret is shown only once)."""
    runtime = open_runtime(db)
    try:
        hook = runtime.tenancy.create_webhook(portal, user, scope, title=title)
    except (LookupError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    say(f"Webhook: {hook.url(runtime.settings.base_url)}")


@webhook_cli.command("revoke")
def webhook_revoke(
    portal: Annotated[int, id_option("Portal id.")],
    webhook: Annotated[int, id_option("Webhook id (`GET /_b24crm/portals/{id}/webhooks`).")],
    db: DbOption = None,
) -> None:
    """Revoke a webhook: every server on the database refuses its code at once, as an unknown code."""
    if not open_runtime(db).tenancy.delete_webhook(portal, webhook):
        err.print(f"[red]no webhook {webhook} on portal {portal}[/red]")
        raise typer.Exit(1)
    say(f"Revoked webhook: {webhook}")


@hook_out_cli.command("create")
def hook_out_create(
    portal: Annotated[int, id_option("Portal id.")],
    event: Annotated[str, typer.Option(help="Event name, e.g. ONCRMACTIVITYADD.")],
    url: Annotated[str, typer.Option(help="Handler URL the events are POSTed to.")],
    user: Annotated[int, id_option("User the webhook belongs to.")] = 1,
    db: DbOption = None,
) -> None:
    """Send a portal's event to a URL; prints the handler id and the application_token it carries."""
    from b24crm.events import hooks

    runtime = open_runtime(db)
    try:
        made = hooks.create(runtime.db, portal, event=event, url=url, user_id=user, now=runtime.clock.now())
    except (LookupError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    say(f"Handler: {made.id} {made.event} -> {made.url}")
    say(f"application_token: {made.application_token}")


# --- listing and deleting ----------------------------------------------------------------------------


def _missing(what: str) -> typer.Exit:
    err.print(f"[red]no {escape(what)}[/red]")
    return typer.Exit(1)


@portal_cli.command("list")
def portal_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """The portals."""
    from b24crm.store import tenancy

    with open_runtime(db).db.read() as conn:
        rows = tenancy.list_portals(conn)
    show(rows, ("id", "domain", "title", "member_id", "time_zone"), as_json=as_json, title="Portals")


@portal_cli.command("delete")
def portal_delete(
    portal: Annotated[int, id_argument("Portal id.")],
    yes: YesOption = False,
    db: DbOption = None,
) -> None:
    """Delete a portal with everything in it (users, webhooks, apps, CRM data, events, files); every
    running server refuses its credentials at once."""
    confirm(yes, f"Delete portal {portal} and everything in it?")
    runtime = open_runtime(db)
    if not runtime.tenancy.delete_portal(portal):
        raise _missing(f"portal {portal}")
    runtime.files.discard_portal(portal)  # after the commit: the rows that name them are gone
    say(f"Deleted portal: {portal}")


@user_cli.command("list")
def user_list(
    portal: Annotated[int, id_option("Portal id.")], db: DbOption = None, as_json: JsonOption = False
) -> None:
    """The portal's users."""
    from b24crm.store import tenancy

    with open_runtime(db).db.read() as conn:
        rows = tenancy.list_users(conn, portal)
    columns = ("id", "name", "last_name", "email", "active", "is_admin")
    show(rows, columns, as_json=as_json, title=f"Users of portal {portal}")


@user_cli.command("delete")
def user_delete(
    user: Annotated[int, id_argument("User id.")],
    portal: Annotated[int, id_option("Portal id.")],
    yes: YesOption = False,
    db: DbOption = None,
) -> None:
    """Delete a user with its webhooks (incoming and outgoing), its apps' tokens and its roles; every
    running server refuses its credentials at once."""
    from b24crm.auth import removal

    confirm(yes, f"Delete user {user} of portal {portal} with its webhooks and tokens?")
    runtime = open_runtime(db)
    if not removal.delete_user(runtime.db, portal, user):
        raise _missing(f"user {user} on portal {portal}")
    say(f"Deleted user: {user}")


@webhook_cli.command("list")
def webhook_list(
    portal: Annotated[int, id_option("Portal id.")], db: DbOption = None, as_json: JsonOption = False
) -> None:
    """The portal's incoming webhooks (their codes are kept hashed: shown only at creation)."""
    from b24crm.store import tenancy

    with open_runtime(db).db.read() as conn:
        rows = [
            {k: v for k, v in r.items() if k != "code_digest"} for r in tenancy.list_webhooks(conn, portal)
        ]
    columns = ("id", "user_id", "title", "scopes", "active")
    show(rows, columns, as_json=as_json, title=f"Webhooks of portal {portal}")


@webhook_cli.command("delete")
def webhook_delete(
    webhook: Annotated[int, id_argument("Webhook id.")],
    portal: Annotated[int, id_option("Portal id.")],
    yes: YesOption = False,
    db: DbOption = None,
) -> None:
    """Delete (revoke) a webhook: every running server refuses its code at once, as an unknown code."""
    confirm(yes, f"Delete webhook {webhook} of portal {portal}?")
    if not open_runtime(db).tenancy.delete_webhook(portal, webhook):
        raise _missing(f"webhook {webhook} on portal {portal}")
    say(f"Deleted webhook: {webhook}")


@role_cli.command("list")
def role_list(
    portal: Annotated[int, id_option("Portal id.")], db: DbOption = None, as_json: JsonOption = False
) -> None:
    """The portal's CRM roles, with their permissions."""
    from b24crm.store import crm_roles

    with open_runtime(db).db.read() as conn:
        rows = crm_roles.list_roles(conn, portal)
    show(
        rows, ("id", "name", "is_default", "permissions"), as_json=as_json, title=f"Roles of portal {portal}"
    )


@role_cli.command("delete")
def role_delete(
    role: Annotated[int, id_argument("Role id.")],
    portal: Annotated[int, id_option("Portal id.")],
    yes: YesOption = False,
    db: DbOption = None,
) -> None:
    """Delete a CRM role; its users fall back to the portal's default role."""
    from b24crm.auth import removal

    confirm(yes, f"Delete role {role} of portal {portal}?")
    if not removal.delete_role(open_runtime(db).db, portal, role):
        raise _missing(f"role {role} on portal {portal}")
    say(f"Deleted role: {role}")


@hook_out_cli.command("list")
def hook_out_list(
    portal: Annotated[int, id_option("Portal id.")], db: DbOption = None, as_json: JsonOption = False
) -> None:
    """The portal's outgoing webhooks (their application_token is shown only at creation)."""
    from b24crm.store import deliveries

    with open_runtime(db).db.read() as conn:
        rows = deliveries.handlers_of_app(conn, portal, None)
    rows = [{k: v for k, v in r.items() if k != "application_token"} for r in rows]
    columns = ("id", "event", "url", "user_id")
    show(rows, columns, as_json=as_json, title=f"Outgoing webhooks of portal {portal}")


@hook_out_cli.command("delete")
def hook_out_delete(
    handler: Annotated[int, id_argument("Handler id.")],
    portal: Annotated[int, id_option("Portal id.")],
    yes: YesOption = False,
    db: DbOption = None,
) -> None:
    """Delete an outgoing webhook: the portal's events are no longer sent to its URL."""
    from b24crm.auth import removal

    confirm(yes, f"Delete outgoing webhook {handler} of portal {portal}?")
    if not removal.delete_outgoing_hook(open_runtime(db).db, portal, handler):
        raise _missing(f"outgoing webhook {handler} on portal {portal}")
    say(f"Deleted outgoing webhook: {handler}")
