"""State and time: ``clock`` (freeze, set, advance the server's clock), ``reset`` (a portal back to empty
or seeded) and ``snapshot save|restore`` (a portal or the whole server to and from a file). They act on
the database, so every server running on it follows at once."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from b24crm import errors
from b24crm.cli.common import DbOption, err, id_option, open_runtime, say

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


def reset(
    portal: Annotated[int, id_option("Portal id.")],
    seeded: Annotated[bool, typer.Option("--seeded", help="Then add demo deals and activities.")] = False,
    deals: Annotated[int | None, typer.Option(help="Deals --seeded adds (default 50).")] = None,
    activities: Annotated[int | None, typer.Option(help="Activities --seeded adds (default 100).")] = None,
    wipe_access: Annotated[
        bool,
        typer.Option(
            "--wipe-access", help="Remove users, webhooks and apps too; a new admin and webhook are made."
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Reset a portal to empty (or seeded): its CRM records, events and timeline go, its default lists
    are made afresh; users, webhooks and apps stay unless --wipe-access."""
    from b24crm.admin import state

    runtime = open_runtime(db)
    try:
        done = state.reset(
            runtime,
            portal,
            to="seeded" if seeded else "empty",
            wipe_access=wipe_access,
            deals=deals,
            activities=activities,
        )
    except LookupError:
        raise typer.BadParameter(f"no portal {portal}", param_hint="--portal") from None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    say(f"Portal {portal}: reset to {done['to']} ({done['deals']} deals, {done['activities']} activities)")
    if "webhook" in done:
        say(f"Webhook: {done['webhook']}")


snapshot_cli = typer.Typer(help="A portal's (or the whole server's) state to and from a JSON-lines file.")

PathArgument = Annotated[str, typer.Argument(help="The file ('-': standard output or input).")]


@snapshot_cli.command("save")
def snapshot_save(
    file: PathArgument,
    portal: Annotated[int | None, id_option("Portal id (default: the whole server).")] = None,
    db: DbOption = None,
) -> None:
    """Write the portal's rows (or every portal's) to FILE: one row a line, diff-friendly. FILE is
    replaced only once the snapshot is whole: a failed save leaves no file, or the one there before."""
    import io
    import sys
    from pathlib import Path

    from b24crm.admin import state
    from b24crm.secret_files import written_whole

    runtime = open_runtime(db)
    try:
        if file == "-":
            state.save(runtime, sys.stdout, portal)
            return
        with written_whole(Path(file)) as raw, io.TextIOWrapper(raw, encoding="utf-8") as out:
            rows = state.save(runtime, out, portal)
    except LookupError:
        raise typer.BadParameter(f"no portal {portal}", param_hint="--portal") from None
    except OSError as exc:  # a folder that is not there, a disk full: said, not a traceback
        raise typer.BadParameter(f"{file}: {exc}") from None
    err.print(f"Saved {rows} rows to {file}")


@snapshot_cli.command("restore")
def snapshot_restore(
    file: PathArgument,
    portal: Annotated[
        int | None, id_option("Into this portal (default: the portal the file names, or every portal).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Replace the portal's state (a server snapshot: every portal's) with FILE's, in one transaction;
    running servers see it at once."""
    import sys

    from b24crm.admin import state

    runtime = open_runtime(db)
    try:
        if file == "-":
            done = state.restore(runtime, sys.stdin, portal)
        else:
            with open(file, encoding="utf-8") as source:
                done = state.restore(runtime, source, portal)
    except LookupError:
        raise typer.BadParameter(f"no portal {portal}", param_hint="--portal") from None
    except (state.SnapshotError, UnicodeDecodeError, OSError) as exc:
        raise typer.BadParameter(f"{file}: {errors.reason(exc)}") from None
    say(f"Restored {done['rows']} rows into portal(s) {', '.join(map(str, done['portals']))}")
