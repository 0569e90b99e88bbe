"""Where crm.activity.get's stored answers are kept (table ``crm_activity_answers``), and the activity reads
and writes that feed them, each compiled once: the insert of crm.activity.add that answers its row in the
same round trip, the bare read of get, the locked read of those keeping answers.

What is stored, for which rows and when it is stale is the domain's (``crm/activity/answers.py``): it names
the columns it renders; this module only reads and writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store import crm_activities as repo
from b24crm.store.engine import Database
from b24crm.store.sql import RawInsert, RawSelect, RawStatement, upsert
from b24crm.store.tables import crm_activities, crm_activity_answers


class AnswerRow(NamedTuple):
    """An activity as get renders it: the columns it was asked for, in their order, and its file count."""

    values: tuple[Any, ...]
    file_count: int


def _answer_row(row: Sequence[Any]) -> AnswerRow:
    return AnswerRow(tuple(row[:-1]), row[-1])  # file_count is read last


class AnswerSource:
    """The reads and the insert of one set of activity columns (those get renders), plus the file count;
    built once, at import, by the module that renders them."""

    def __init__(self, columns: tuple[Any, ...]) -> None:
        selected = (*columns, crm_activities.c.file_count)
        self._one = repo.raw_get_query(selected)  # on a bare connection, for get
        # crm.activity.add's insert, answering the row as get reads it (no read-back to keep its answer).
        self._insert = RawInsert(crm_activities, returning=selected)
        self._range = RawStatement(  # in a write transaction, for those keeping answers
            sa.select(*selected)
            .where(
                crm_activities.c.portal_id == sa.bindparam("portal_id"),
                crm_activities.c.id.between(sa.bindparam("low"), sa.bindparam("high")),
            )
            # On PostgreSQL another transaction could change a row read here and commit before the answer
            # is stored (its trigger would find nothing to drop): the rows stay locked until ours commits.
            # SQLite's write transactions are serial already (and the clause is not rendered there).
            .with_for_update()
        )

    def insert(
        self, conn: Connection, portal_id: int, record: dict[str, Any]
    ) -> tuple[int, AnswerRow | None]:
        """``crm_activities.insert_activity``, answering also the new row as these columns make it."""
        activity_id, row = repo.insert_activity_returning(conn, portal_id, record, self._insert)
        return activity_id, None if row is None else _answer_row(row)

    async def read(self, db: Database, portal_id: int, activity_id: int) -> AnswerRow | None:
        """One activity, read on the event loop (the hot path of crm.activity.get)."""
        row = await repo.raw_get(db, self._one, portal_id, activity_id)
        return None if row is None else _answer_row(row)

    def between(self, conn: Connection, portal_id: int, low: int, high: int) -> list[AnswerRow]:
        """The activities with IDs ``low``..``high`` as they stand in ``conn``'s transaction, locked until
        it ends."""
        cursor = self._range.run(conn, {"portal_id": portal_id, "low": low, "high": high})
        try:
            rows = cursor.fetchall()
        finally:
            cursor.close()
        return [_answer_row(row) for row in rows]


_ANSWER = RawSelect(
    sa.select(crm_activity_answers.c.form, crm_activity_answers.c.body).where(
        crm_activity_answers.c.portal_id == sa.bindparam("portal_id"),
        crm_activity_answers.c.activity_id == sa.bindparam("id"),
    )
)
# Per dialect: the upsert is spelled differently.
_KEEP_ANSWER: dict[str, RawStatement] = {}


async def stored(db: Database, portal_id: int, activity_id: int) -> tuple[str, bytes] | None:
    """(form, body) of the activity's stored get answer, read on the event loop; None when none."""
    found = await repo.raw_get(db, _ANSWER, portal_id, activity_id)
    return None if found is None else (found[0], bytes(found[1]))


def store(conn: Connection, portal_id: int, answers: Sequence[tuple[int, str, bytes]]) -> None:
    """Keep (activity id, form, body) answers, replacing any stored before."""
    statement = _KEEP_ANSWER.get(conn.dialect.name)
    if statement is None:
        statement = _KEEP_ANSWER[conn.dialect.name] = RawStatement(
            upsert(conn.dialect.name, crm_activity_answers, ("portal_id", "activity_id"), ("form", "body"))
        )
    statement.run_many(
        conn,
        [{"portal_id": portal_id, "activity_id": a, "form": form, "body": body} for a, form, body in answers],
    )


def lacking(conn: Connection, portal_id: int, form: str, after: int, limit: int) -> list[int]:
    """The IDs, in order, of up to ``limit`` of the portal's activities after ``after`` that have no answer
    stored in ``form``."""
    answer = crm_activity_answers.c
    query = (
        sa.select(crm_activities.c.id)
        .outerjoin(
            crm_activity_answers,
            sa.and_(
                answer.portal_id == crm_activities.c.portal_id,
                answer.activity_id == crm_activities.c.id,
                answer.form == form,
            ),
        )
        .where(
            crm_activities.c.portal_id == portal_id,
            answer.activity_id.is_(None),
            crm_activities.c.id > after,
        )
        .order_by(crm_activities.c.id)
        .limit(limit)
    )
    return list(conn.execute(query).scalars().all())
