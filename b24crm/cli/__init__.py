"""The ``b24crm`` command line: serve, db upgrade, portal/user/webhook create, methods.

One module per command group; this one only assembles them, in the order ``--help`` lists them.
"""

from __future__ import annotations

import typer

from b24crm.cli import apps, data, dev, portals, serve, state, workbench
from b24crm.cli.common import close_runtimes

cli = typer.Typer(help="b24crm: a self-hostable Bitrix24 CRM REST server.", no_args_is_help=True)


@cli.callback()
def _command(ctx: typer.Context) -> None:
    ctx.call_on_close(close_runtimes)


for top_level in (
    serve.serve,
    workbench.requests,
    data.mail,
    workbench.events,
    workbench.deliveries,
    dev.scaffold,
    dev.methods,
    data.seed,
    state.reset,
):
    cli.command()(top_level)
cli.add_typer(data.db_cli, name="db")
cli.add_typer(portals.portal_cli, name="portal")
cli.add_typer(portals.user_cli, name="user")
cli.add_typer(portals.webhook_cli, name="webhook")
cli.add_typer(portals.role_cli, name="role")
cli.add_typer(portals.hook_out_cli, name="hook-out")
cli.add_typer(apps.app_cli, name="app")
cli.add_typer(workbench.limits_cli, name="limits")
cli.add_typer(workbench.fault_cli, name="fault")
cli.add_typer(state.clock_cli, name="clock")
cli.add_typer(state.snapshot_cli, name="snapshot")


def main() -> None:
    cli()
