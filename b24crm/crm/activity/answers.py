"""crm.activity.get's answer, stored encoded beside each activity (table ``crm_activity_answers``).

Over a large portal a get was mostly the read of a row's 45 columns and their rendering; a stored answer
read by key costs a fraction of that (bench/README.md). The methods that write activities (add, update,
the todo and binding methods, an owner's deletion re-owning them) keep the answer get would give, in
their own transaction, as the row stands after their change to it. Migration 0006's
triggers drop a copy whenever its row is updated or deleted, by any path, so a stored answer is never
older than its row; where there is none (a row changed some other way, or written before 0006) get
renders the row as before.
``form`` covers what the row does not hold: the answer's format and the zone its dates are written in.

Answers are stored deflated against a dictionary of the field names, which every answer repeats: a third of
their JSON size (about 250 bytes against 880 for a seeded activity, the row itself about 150), in 2 µs.

Not kept for activities with files (their URLs differ by caller), configurable ones (get refuses them) or
rows holding infinity (which orjson would write as null where the live XML answer writes "inf").
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from sqlalchemy.engine import Connection

from b24crm.auth.caller import Caller
from b24crm.auth.models import Portal
from b24crm.crm.activity import render
from b24crm.crm.activity.fields import BY_NAME
from b24crm.results import Encoded
from b24crm.store import activity_answers as answers_store
from b24crm.store.activity_answers import AnswerRow
from b24crm.store.engine import Database

SHAPE = render.shape_for(render.DEFAULT_NAMES)
# What every answer repeats, for deflate to refer to instead of storing it again.
_DICTIONARY = b"".join(b'"%s":' % name.encode() for name in SHAPE.names)
# Raise the number whenever what get writes for a row changes: answers stored in another format are not
# served. The dictionary's checksum is part of it, since an answer can only be inflated with its own.
FORMAT = f"1.{zlib.crc32(_DICTIONARY):08x}"
_PROVIDER = SHAPE.names.index("PROVIDER_ID")
_ROWS = answers_store.AnswerSource(SHAPE.columns)  # the columns get renders, read and written compiled once


def form(portal: Portal) -> str:
    return f"{FORMAT} {portal.time_zone}"


def _answer(row: AnswerRow, portal: Portal) -> dict[str, Any] | None:
    """get's answer for a row of ``SHAPE``; None where get must do more (files to link, a configurable
    activity to refuse)."""
    if row.file_count or row.values[_PROVIDER] == "CONFIGURABLE_REST_APP":
        return None
    return render.render_rows([row.values], SHAPE, portal.tz)[0]


async def read(ctx: Caller, activity_id: int) -> Encoded | dict[str, Any] | None:
    """crm.activity.get for a caller who may read every activity, on the event loop: the stored answer,
    else the row rendered from one bare read. None when the general path must answer (no such activity,
    files, configurable)."""
    kept = await answers_store.stored(ctx.db, ctx.portal.id, activity_id)
    if kept is not None and kept[0] == form(ctx.portal):
        body = unpack(kept[1])
        if body is not None:
            return Encoded(body)
    row = await _ROWS.read(ctx.db, ctx.portal.id, activity_id)
    return None if row is None else _answer(row, ctx.portal)


def keep(conn: Connection, portal: Portal, low: int, high: int | None = None) -> None:
    """Store get's answers of the activities with IDs ``low``..``high`` (just ``low`` when no ``high``) as
    their rows stand in ``conn``'s transaction; call it after the transaction's last change to them."""
    rows = _ROWS.between(conn, portal.id, low, low if high is None else high)
    answers_store.store(conn, portal.id, list(_encoded(rows, portal)))


_BATCH = 5_000


def fill(db: Database, portal: Portal, progress: Callable[[int], None] = lambda n: None) -> int:
    """Store the answers the portal's activities lack (rows written before they were stored, or answers
    of another format or zone), in batches of their own transactions; answers how many were looked at."""
    after, seen = 0, 0
    while True:
        with db.write() as conn:
            ids = answers_store.lacking(conn, portal.id, form(portal), after, _BATCH)
            if not ids:
                return seen
            keep(conn, portal, ids[0], ids[-1])  # rows in between that had one get it again: harmless
        after, seen = ids[-1], seen + len(ids)
        progress(len(ids))


def insert(conn: Connection, portal: Portal, record: dict[str, Any]) -> int:
    """Insert a new activity (``crm_activities.insert_activity``) and store its get answer from the row the
    insert answers, without reading it back; answers its ID. A later change to the row in the same
    transaction drops the answer again (the triggers): call ``keep`` after such a change."""
    activity_id, row = _ROWS.insert(conn, portal.id, record)
    if row is not None:
        answers_store.store(conn, portal.id, list(_encoded([row], portal)))
    return activity_id


def _encoded(rows: Iterable[AnswerRow], portal: Portal) -> Iterable[tuple[int, str, bytes]]:
    shape = form(portal)
    for row in rows:
        item = _answer(row, portal)
        if item is None or not all(_finite(item[name]) for name in _OBJECTS):
            continue  # orjson writes infinity as null where a live XML answer writes "inf": rendered live
        try:
            body = orjson.dumps(item)
        except orjson.JSONEncodeError:  # what orjson refuses (lone surrogates) is answered live
            continue
        yield int(item["ID"]), shape, pack(body)


_OBJECTS = tuple(name for name in SHAPE.names if BY_NAME[name].kind == "object")


def _finite(value: Any) -> bool:
    """No infinite or NaN float anywhere in a decoded JSON value (rows stored before such input was
    refused may hold them)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def pack(body: bytes) -> bytes:
    packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15, zdict=_DICTIONARY)
    return packer.compress(body) + packer.flush()


def unpack(packed: bytes) -> bytes | None:
    """The answer's JSON; None when the stored bytes do not inflate whole (get renders the row instead)."""
    unpacker = zlib.decompressobj(-15, zdict=_DICTIONARY)
    try:
        body = unpacker.decompress(packed)
    except zlib.error:
        return None
    return body if unpacker.eof and not unpacker.unused_data else None
