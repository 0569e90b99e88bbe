"""For whoever develops against or on b24crm: ``methods`` (the registry) and ``scaffold`` (a new family)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from b24crm.cli.common import err, say


def scaffold(
    family: Annotated[str, typer.Argument(help="Package name of the family, e.g. crm_timeline_comment.")],
    prefix: Annotated[str, typer.Option(help="Its methods' common prefix, e.g. crm.timeline.comment.")],
    doc: Annotated[str, typer.Option(help="Folder of its pages in the vendor's docs.")],
    scope: Annotated[str, typer.Option(help="The scope its methods need.")] = "crm",
) -> None:
    """Lay out a new method family: handlers, domain module and test file, found without being listed."""
    from b24crm import scaffold as layout

    # The checkout's root: this file is b24crm/cli/dev.py.
    root = Path(__file__).resolve().parents[2]
    try:
        made = layout.write(root, layout.Family(family, prefix, doc, scope))
    except (ValueError, FileExistsError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    for path in made:
        say(f"Made: {path.relative_to(root)}")
    say("Next: replace the example method, then `b24crm methods --markdown > docs/methods.md`")


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
            say(spec.name)
