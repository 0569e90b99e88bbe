"""What the command modules share: the runtimes a command opened, stdout lines, options."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from b24crm.settings import Settings

if TYPE_CHECKING:  # the runtime (the database, every method) is loaded by the commands that open one,
    # so that `b24crm --help` and the commands that need none answer at once
    from b24crm.runtime import Runtime

err = Console(stderr=True)

DbOption = Annotated[
    str | None, typer.Option("--db", help=Settings.__dataclass_fields__["db"].metadata["help"])
]

# Every id column is a 32-bit signed integer (sa.Integer: int4 on PostgreSQL). A larger id given on the
# command line reached the driver and came back as a traceback (SQLite's OverflowError, PostgreSQL's
# out-of-range error); it is refused as a bad option instead, before anything is opened.
ID_MIN, ID_MAX = -(2**31), 2**31 - 1


def _id_in_range(value: Any) -> Any:
    for one in value if isinstance(value, list | tuple) else (value,):
        if one is not None and not ID_MIN <= one <= ID_MAX:
            raise typer.BadParameter(f"{one} is outside the range of ids ({ID_MIN}..{ID_MAX})")
    return value


def id_option(help: str) -> Any:
    """An option naming a row by its id (or a list of them), bounded to the id columns' range."""
    return typer.Option(help=help, callback=_id_in_range)


# The runtimes a command opened: closed when it ends (``close_runtimes``), also when the command runs inside
# another process (tests, scripts calling the CLI), where each left open held PostgreSQL connections.
_opened: list[Runtime] = []


def close_runtimes() -> None:
    while _opened:
        _opened.pop().close()


def open_runtime(db: str | None, **overrides: Any) -> Runtime:
    from b24crm.runtime import Runtime

    runtime = Runtime(Settings.from_env(db=db, **overrides))
    _opened.append(runtime)
    runtime.migrate()
    return runtime


def say(line: str) -> None:
    """Lines a script may read (``Webhook: ...``): plain, on stdout, flushed at once."""
    print(line, flush=True)


def print_rows(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        say(json.dumps(row, ensure_ascii=False, default=str))
