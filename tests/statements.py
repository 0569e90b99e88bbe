"""Counting the SQL statements that read given tables while a block runs: a page's reads must not grow
with its rows (one statement per page, not one per row)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine


@contextmanager
def statements_on(*tables: str) -> Iterator[list[str]]:
    """The statements, on any engine of this process, that read from one of ``tables`` (by name, after
    FROM or JOIN) while the block runs; other statements (background workers, sessions) are ignored."""
    names = "|".join(map(re.escape, tables))
    pattern = re.compile(rf"\b(?:FROM|JOIN)\s+\"?(?:{names})\b", re.IGNORECASE)
    seen: list[str] = []

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if pattern.search(statement):
            seen.append(statement)

    sa.event.listen(Engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        sa.event.remove(Engine, "before_cursor_execute", on_execute)
