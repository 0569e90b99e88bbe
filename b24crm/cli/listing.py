"""What the ``list`` and ``delete`` commands share: a table on the terminal (or JSON lines with
``--json``), and the confirmation a deletion asks for unless ``--yes`` is given."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from b24crm.cli.common import _id_in_range, print_rows

JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object a line, every field included.")]
PIPED_WIDTH = 1000
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking.")]


def id_argument(help: str) -> Any:
    """The id a ``delete`` command names, bounded as the id options are."""
    return typer.Argument(help=help, callback=_id_in_range)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def show(rows: list[dict[str, Any]], columns: tuple[str, ...], *, as_json: bool, title: str) -> None:
    """``rows`` as a table of ``columns`` (every field with ``as_json``); names and titles are shown as
    text, never read as markup."""
    if as_json:
        print_rows(rows)
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"{title} ({len(rows)})", title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(Text(_cell(row.get(column))) for column in columns))
    console = Console()
    if not console.is_terminal:  # piped or captured: whole cells, as wide as they are, for grep and less
        console = Console(width=PIPED_WIDTH)
    console.print(table)


def confirm(yes: bool, question: str) -> None:
    """Go on with a deletion when ``--yes`` was given or the user says so; otherwise stop (exit 1)."""
    if not yes and not typer.confirm(question, default=False):
        raise typer.Exit(1)
