"""How a CRM item list is queried: a checked filter and ordering turned into one page's SQL and its count.

The domain (``crm/item_filters.py``) decides which fields a list may filter and order by, how a value is
read and which error a bad one gets; it hands over a tree of :class:`Term` and :class:`Group` built from
:class:`Stored` places. Everything about SQL is here: where a field lives (a column, or a key of the JSON
``data`` read as a number, a flag or text), the filter grammar (``store/filters.py``), the page statement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store import crm_items
from b24crm.store.filters import Field, condition
from b24crm.store.tables import crm_items as items_table
from b24crm.store.tables import crm_multifields

# How a value kept in ``data`` is read back for comparing and sorting.
Kind = Literal["int", "float", "bool", "text"]


@dataclass(frozen=True)
class Stored:
    """Where a field's value lives: a ``crm_items`` column, or else the key ``key`` of ``data``."""

    column: str | None
    key: str
    kind: Kind = "text"


def expression(place: Stored) -> Any:
    """The SQL expression of a stored place: its column, or its key in ``data`` read as its kind."""
    if place.column:
        return items_table.c[place.column]
    element = items_table.c.data[place.key]
    if place.kind == "int":
        return element.as_integer()
    if place.kind == "float":
        return element.as_float()
    if place.kind == "bool":
        return element.as_boolean()
    return element.as_string()


@dataclass(frozen=True)
class Term:
    """One checked filter entry: ``op`` and ``value`` as the grammar reads them, ``value`` None meaning
    "is (not) empty"; ``cast`` reads one value, ``text`` lets the LIKE operators apply."""

    place: Stored
    op: str
    value: Any
    cast: Callable[[Any], Any]
    text: bool


@dataclass(frozen=True)
class MultiTerm:
    """A classic list's condition on a multifield type (``PHONE``, ``EMAIL``, ...): an item matches when
    one of its values of that type does; ``!`` negates, ``%`` (and ``=%``/``%=``) compare as LIKE."""

    type_id: str
    op: str
    value: Any


@dataclass(frozen=True)
class Group:
    """Entries joined by ``logic`` ("AND" or "OR"); a group may hold groups."""

    logic: str
    parts: tuple[Term | MultiTerm | Group, ...]


def clause(group: Group) -> sa.ColumnElement[bool]:
    """A group's SQL condition; an entry no value of which can match its field is left out."""
    clauses: list[sa.ColumnElement[bool]] = []
    for part in group.parts:
        if isinstance(part, Group):
            clauses.append(clause(part))
            continue
        if isinstance(part, MultiTerm):
            found = _multifield(part)
            if found is not None:
                clauses.append(found)
            continue
        column = expression(part.place)
        if part.value is None:
            clauses.append(column.is_(None) if part.op == "=" else column.is_not(None))
            continue
        found = condition(Field(column, part.cast, text=part.text), part.op, part.value)
        if found is not None:
            clauses.append(found)
    if not clauses:
        return sa.true()
    return sa.or_(*clauses) if group.logic == "OR" else sa.and_(*clauses)


def _multifield(term: MultiTerm) -> sa.ColumnElement[bool] | None:
    values = term.value if isinstance(term.value, list) else [term.value]
    texts = [str(v).lower() for v in values if v not in (None, "") and not isinstance(v, (dict, list))]
    if not texts:  # an empty value leaves the condition out, as the other classic filters do
        return None
    value = sa.func.lower(crm_multifields.c.value)
    op = term.op.removeprefix("!")
    if op in ("%", "=%", "%="):
        patterns = [f"%{_escape_like(t)}%" for t in texts] if op == "%" else texts
        matches = sa.or_(*[value.like(p, escape="\\") for p in patterns])
    else:
        matches = value.in_(texts)
    found = sa.exists().where(
        crm_multifields.c.portal_id == items_table.c.portal_id,
        crm_multifields.c.entity_type_id == items_table.c.entity_type_id,
        crm_multifields.c.item_id == items_table.c.id,
        crm_multifields.c.type_id == term.type_id,
        matches,
    )
    return ~found if term.op.startswith("!") else found


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def ordering(order: list[tuple[Stored, bool]]) -> list[Any]:
    """``(place, descending)`` pairs -> ORDER BY terms, ending with the id unless it is already there, so
    that pages follow one another in a stable order."""
    terms = [
        expression(place).desc() if descending else expression(place).asc() for place, descending in order
    ]
    if not any(place.column == "id" for place, _ in order):
        terms.append(items_table.c.id.asc())
    return terms


@dataclass(frozen=True)
class ItemQuery:
    """One page of a type's items: the conditions (kept for the count) and the page's statement."""

    portal_id: int
    entity_type_id: int
    where: list[sa.ColumnElement[bool]]
    statement: sa.Select[Any]


def plan(
    portal_id: int,
    entity_type_id: int,
    *,
    filter_: Group | None,
    readable: Callable[[Any], sa.ColumnElement[bool] | None],
    order: list[tuple[Stored, bool]],
    offset: int,
    limit: int,
) -> ItemQuery:
    """The query of a page; ``readable`` gives the condition of the rows the caller may read (None for
    all of them) on the column of the item's responsible user."""
    where = [clause(filter_)] if filter_ is not None else []
    rights = readable(items_table.c.assigned_by_id)
    if rights is not None:
        where.append(rights)
    statement = crm_items.list_statement(
        portal_id, entity_type_id, where=where, order=ordering(order), offset=offset, limit=limit
    )
    return ItemQuery(portal_id, entity_type_id, where, statement)


def rows(conn: Connection, query: ItemQuery) -> list[dict[str, Any]]:
    return crm_items.list_items(conn, query.statement)


def total(conn: Connection, query: ItemQuery) -> int:
    return crm_items.count_items(conn, query.portal_id, query.entity_type_id, where=query.where)
