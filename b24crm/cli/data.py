"""What a portal holds: ``db upgrade|answers``, ``mail`` (the outgoing e-mail log), ``seed`` (bulk data)."""

from __future__ import annotations

from typing import Annotated

import typer

from b24crm.cli.common import DbOption, err, id_option, open_runtime, print_rows, say

db_cli = typer.Typer(help="Database maintenance.")


@db_cli.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Apply the migrations up to the newest schema."""
    from b24crm.store.migrate import current_revision

    runtime = open_runtime(db)
    say(f"Database at revision {current_revision(runtime.db)}")


@db_cli.command("answers")
def db_answers(
    portal: Annotated[int | None, id_option("Portal id (default: every portal).")] = None,
    db: DbOption = None,
) -> None:
    """Store crm.activity.get's answer for every activity that lacks one (rows from before answers were
    stored, or from another answer format): until then get renders those rows, which is slower."""
    from functools import partial

    from rich.progress import Progress

    from b24crm.auth.models import Portal
    from b24crm.crm.activity import answers
    from b24crm.store import tenancy

    runtime = open_runtime(db)
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
            say(f"Portal {p.id}: {seen} activities looked at")


def mail(
    portal: Annotated[int, id_option("Portal id.")],
    after: Annotated[int, id_option("Only messages with a greater id.")] = 0,
    db: DbOption = None,
) -> None:
    """The outgoing e-mail log: what e-mail activities would have sent (one JSON object a line)."""
    from b24crm.store import outbox

    runtime = open_runtime(db)
    with runtime.db.read() as conn:
        print_rows(outbox.list_mail(conn, portal, after=after))


def seed(
    portal: Annotated[int, id_option("Portal id.")],
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
    answers: Annotated[
        bool,
        typer.Option(
            "--answers/--no-answers",
            help="Store crm.activity.get's answers with the activities, as adds do (most of a load's "
            "time; `b24crm db answers` stores them later).",
        ),
    ] = True,
    db: DbOption = None,
) -> None:
    """Fill a portal with realistic CRM data (bulk, with a progress bar)."""
    import time

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from b24crm.seed import seed_activities, seed_deals

    if deals is None:
        deals = 0 if activities else 10_000
    runtime = open_runtime(db)
    started = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, TimeRemainingColumn(), console=err) as bar:
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
                keep_answers=answers,
            )
    if deals:
        say(f"Deals: {first}..{last}")
    if activities:
        say(f"Activities: {first_act}..{last_act}")
    say(f"Took {time.perf_counter() - started:,.0f} s")
