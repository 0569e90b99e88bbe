"""What a handler may return besides a plain value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from b24crm.php.values import php_int


class Encoded:
    """A result already encoded as JSON (a stored answer): the envelope takes the bytes as they are, and
    only what needs the value itself (batch references, XML answers) decodes it."""

    __slots__ = ("json",)

    def __init__(self, json: bytes) -> None:
        self.json = json

    def decoded(self) -> Any:
        return orjson.loads(self.json)


def plain(result: Any) -> Any:
    """A handler's result as a value: ``Encoded`` decoded, anything else as it is."""
    return result.decoded() if isinstance(result, Encoded) else result


@dataclass(frozen=True)
class Page:
    """One page of a list method: the envelope adds ``next`` (only when more rows follow) and ``total``."""

    items: Any
    total: int | None = None
    next: int | None = None


PAGE_SIZE = 50  # the vendor's fixed page size


def page_window(start: Any) -> tuple[int, bool]:
    """(offset, count_total) for a ``start`` parameter: floored to a multiple of 50; -1 skips the count."""
    try:
        value = int(str(start).strip()) if start not in (None, "") else 0
    except ValueError:
        value = 0
    if value == -1:
        return 0, False
    value = min(max(value, 0), 2**31 - 1)  # beyond any table, and within what SQL OFFSET takes
    return value - value % PAGE_SIZE, True


def make_page(result: Any, offset: int, total: int | None, rows: int) -> Page:
    """A page of ``rows`` rows read at ``offset``; ``total`` None when the count was skipped (start=-1)."""
    if total is None:
        return Page(result)
    following = offset + rows
    return Page(result, total=total, next=following if following < total else None)


def legacy_page(result: Any, offset: int, total: int | None, rows: int) -> Page:
    """A page of the vendor's older list methods (``CRestServer::processResponse``): without a count
    (start=-1) they still answer ``total: 0``."""
    if total is None:
        return Page(result, total=0)
    return make_page(result, offset, total, rows)


def legacy_window(start: Any) -> tuple[int, bool]:
    """``CRestServer``'s ``intval($start)``: any negative start skips the count (``nTopCount``)."""
    value = php_int(start)
    if value < 0:
        return 0, False
    return value - value % PAGE_SIZE, True
