"""State and time: ``clock`` (freeze, set, advance the server's clock), ``reset`` (a portal back to empty
or seeded) and ``snapshot save|restore`` (a portal or the whole server to and from a file). They act on
the database, so every server running on it follows at once."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from b24crm.cli.common import DbOption, open_runtime, say

clock_cli = typer.Typer(help="The server's clock: frozen, set or advanced for every server process at once.")


def _say_clock(view: dict[str, Any]) -> None:
    how = "frozen" if view["frozen"] else f"running, {view['offset']:+.3f} s from the real time"
    say(f"Clock: {view['iso']} ({how})")


def _change(db: str | None, **change: Any) -> None:
    from b24crm.admin import clock

    runtime = open_runtime(db)
    try:
        _say_clock(clock.change(runtime, **change))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@clock_cli.command("show")
def clock_show(db: DbOption = None) -> None:
    """The server's time, and whether it is frozen or moved."""
    from b24crm.admin import clock

    _say_clock(clock.view(open_runtime(db)))


@clock_cli.command("freeze")
def clock_freeze(
    at: Annotated[
        str | None, typer.Option(help="The instant (ISO 8601, or Unix seconds); default: the time now.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Stop the clock (at an instant, or where it is)."""
    from b24crm.admin.clock import parse_instant

    _change(db, freeze=True, set_to=None if at is None else _checked(parse_instant, at))


@clock_cli.command("set")
def clock_set(
    at: Annotated[str, typer.Argument(help="The instant (ISO 8601, or Unix seconds).")],
    db: DbOption = None,
) -> None:
    """Set the clock to an instant; a frozen clock stays frozen there, a running one runs on from it."""
    from b24crm.admin.clock import parse_instant

    _change(db, set_to=_checked(parse_instant, at))


@clock_cli.command("advance")
def clock_advance(
    seconds: Annotated[float, typer.Argument(help="Seconds to move the clock forward (negative: back).")],
    db: DbOption = None,
) -> None:
    """Move the clock: tokens expire, reminders fire, offline reservations lapse as that time passes."""
    from b24crm.admin.clock import parse_seconds

    _change(db, advance=_checked(parse_seconds, seconds))


@clock_cli.command("run")
def clock_run(db: DbOption = None) -> None:
    """Let a frozen clock run on from where it stands."""
    _change(db, freeze=False)


@clock_cli.command("real")
def clock_real(db: DbOption = None) -> None:
    """Back to the real time."""
    _change(db, real=True)


def _checked(parse: Any, value: Any) -> Any:
    try:
        return parse(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
