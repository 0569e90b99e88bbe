"""A portal's rows (or every portal's) to and from a file, and a portal's rows cleared.

The file is JSON lines, one row a line, so that a snapshot committed into a test suite's fixtures diffs
line by line:

    {"format": "b24crm-snapshot", "version": 1, "schema": "0018", "kind": "portal"}
    {"portal": {"id": 1, "domain": "...", "member_id": "...", "title": "", "time_zone": "UTC", ...}}
    {"table": "users", "columns": ["id", "name", ...]}
    [1, "Admin", ...]
    ...
    {"end": {"portals": 1, "rows": 42}}

Tables come in the schema's dependency order, rows by primary key, columns by name (without
``portal_id``: a portal's rows may go into another portal); binary columns are base64, and the rows of
file tables carry the file's bytes (base64) after their columns, as an item's row carries the files its
``data`` holds (a contact's PHOTO, a company's LOGO) as an object of base64 bytes by field name (an older
file's item rows, without it, restore without their files). ``credential_generations`` and the
server's clock are not a portal's state and are left out. A snapshot written by SQLite restores into
PostgreSQL and back; a file of another format version, a truncated one (no end line), one naming a
table or column this schema lacks or holding rows the database refuses is refused with what is wrong,
and changes nothing (the restore's transaction is rolled back).

Rows are streamed both ways (read in pages, inserted in batches); a restore replaces the portal's rows in
one transaction. Like ``engine.py``, this module knows the dialects apart: a consistent read on
PostgreSQL needs REPEATABLE READ, and its ``portals`` ID series must be moved past restored IDs.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store.engine import Database
from b24crm.store.files import FileStore
from b24crm.store.tables import metadata, portals, sequences

FORMAT = "b24crm-snapshot"
VERSION = 1
NOT_STATE = {"portals", "credential_generations", "clock_control"}
FILE_TABLES = {"crm_activity_files": "restored-activity", "crm_timeline_files": "restored-timeline"}
# Items keep their files (item_files.py) in ``data`` as {id, name, size, contentType, path}.
ITEM_TABLE, ITEM_FOLDER, ITEM_FILE_COUNTER = "crm_items", "restored-item", "crm_item_file"
BATCH = 500
PAGE = 1000
GENERATION_SUFFIX = "_generation"

# The counter each table's IDs come from (store modules' ``next_id`` names): after a restore each counter
# is moved past the largest ID restored, so a hand-edited file cannot make the next insert collide.
SEQUENCES: dict[str, str] = {
    "users": "user",
    "webhooks": "webhook",
    "apps": "app",
    "crm_activities": "crm_activity",
    "crm_activity_communications": "crm_activity_communication",
    "crm_activity_files": "crm_activity_file",
    "crm_activity_reminders": "crm_activity_reminder",
    "crm_activity_types": "crm_activity_type",
    "crm_badges": "crm_badge",
    "crm_categories": "crm_category",
    "crm_layout_blocks": "crm_layout_blocks",
    "crm_multifields": "crm_multifield",
    "crm_notes": "crm_notes",
    "crm_roles": "crm_role",
    "crm_statuses": "crm_status",
    "crm_timeline": "crm_timeline",
    "crm_timeline_files": "crm_timeline_file",
    "crm_timeline_icons": "crm_timeline_icon",
    "crm_types": "crm_type",
    "event_outbox": "event",
    "event_attempts": "event_attempt",
    "event_deliveries": "event_delivery",
    "event_handlers": "event_handler",
    "fault_rules": "fault_rule",
    "mail_outbox": "mail",
    "oauth_codes": "oauth_code",
    "oauth_tokens": "oauth_token",
    "offline_events": "offline_event",
    "placements": "placement",
}


class SnapshotError(ValueError):
    """A file that cannot be restored, said plainly."""


def portal_tables() -> list[sa.Table]:
    """Every table holding a portal's state, parents first."""
    return [t for t in metadata.sorted_tables if t.name not in NOT_STATE]


def _line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"


def item_files(data: Any) -> dict[str, dict[str, Any]]:
    """The files an item's ``data`` holds, by field name."""
    if not isinstance(data, dict):
        return {}
    return {
        name: value
        for name, value in data.items()
        if isinstance(value, dict) and isinstance(value.get("path"), str) and "id" in value
    }


def binary_columns(table: sa.Table) -> set[str]:
    return {c.name for c in table.c if isinstance(c.type, sa.LargeBinary)}


# --- saving ------------------------------------------------------------------------------------------


@contextmanager
def _read(db: Database) -> Iterator[Connection]:
    """A read transaction that sees one moment for all its statements (SQLite's read transactions do;
    PostgreSQL's default level takes a new snapshot per statement)."""
    if db.dialect != "postgresql":
        with db.read() as conn:
            yield conn
        return
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def save(db: Database, files: FileStore, out: IO[str], schema: str, portal_id: int | None = None) -> int:
    """Write one portal (or, with None, every portal) to ``out``; answers the rows written. Raises
    LookupError for an unknown portal."""
    rows = 0
    with _read(db) as conn:
        query = sa.select(portals).order_by(portals.c.id)
        if portal_id is not None:
            query = query.where(portals.c.id == portal_id)
        chosen = [dict(r._mapping) for r in conn.execute(query)]
        if portal_id is not None and not chosen:
            raise LookupError(f"no portal {portal_id}")
        kind = "portal" if portal_id is not None else "server"
        out.write(_line({"format": FORMAT, "version": VERSION, "schema": schema, "kind": kind}))
        for portal in chosen:
            out.write(_line({"portal": portal}))
            for table in portal_tables():
                rows += _save_table(conn, files, out, table, portal["id"])
        out.write(_line({"end": {"portals": len(chosen), "rows": rows}}))
    return rows


def _save_table(conn: Connection, files: FileStore, out: IO[str], table: sa.Table, portal_id: int) -> int:
    columns = [c for c in table.c if c.name != "portal_id"]
    names = [c.name for c in columns]
    binary = binary_columns(table)
    with_files = table.name in FILE_TABLES
    out.write(_line({"table": table.name, "columns": names}))
    order = [c for c in table.primary_key.columns if c.name != "portal_id"]
    query = sa.select(*columns).where(table.c.portal_id == portal_id).order_by(*order)
    count = 0
    for row in conn.execution_options(stream_results=True, yield_per=PAGE).execute(query):
        values = [
            base64.b64encode(v).decode() if name in binary and v is not None else v
            for name, v in zip(names, row, strict=True)
        ]
        if with_files:
            path = files.root / row._mapping["path"]
            content = path.read_bytes() if path.is_file() else b""
            values.append(base64.b64encode(content).decode())
        elif table.name == ITEM_TABLE:
            values.append(
                {
                    name: base64.b64encode(_content(files.path_of(file))).decode()
                    for name, file in sorted(item_files(row._mapping["data"]).items())
                }
            )
        out.write(_line(values))
        count += 1
    return count


def _content(path: Path) -> bytes:
    return path.read_bytes() if path.is_file() else b""


# --- clearing ----------------------------------------------------------------------------------------


def file_paths(conn: Connection, files: FileStore, portal_id: int) -> list[Path]:
    """The files on disk the portal's rows name: removed once their rows are gone for good."""
    found = []
    for name in FILE_TABLES:
        table = metadata.tables[name]
        for (path,) in conn.execute(sa.select(table.c.path).where(table.c.portal_id == portal_id)):
            found.append(files.root / path)
    # Only the items whose data names a path are read (a portal may hold many items and few files).
    items = metadata.tables[ITEM_TABLE]
    holding = sa.select(items.c.data).where(
        items.c.portal_id == portal_id, sa.cast(items.c.data, sa.Text).like('%"path"%')
    )
    for (data,) in conn.execute(holding, execution_options={"stream_results": True, "yield_per": PAGE}):
        found += [files.path_of(file) for file in item_files(data).values()]
    return found


def clear(conn: Connection, portal_id: int, keep: Iterable[str] = ()) -> None:
    """Delete the portal's rows in every state table but ``keep`` (children first). The ID counters of
    what went start again (a counter this module does not know stays, which costs nothing but the gap);
    generation counters move on, never back: what a process remembered by one number must not meet
    another state under the same number."""
    kept = set(keep)
    wiped = [t for t in reversed(portal_tables()) if t.name not in kept and t.name != "sequences"]
    for table in wiped:
        conn.execute(table.delete().where(table.c.portal_id == portal_id))
    counters = [SEQUENCES[t.name] for t in wiped if t.name in SEQUENCES]
    if "crm_types" not in kept:
        counters.append("crm_dynamic_entity_type")
    which = [sequences.c.name.in_(counters)]
    if "crm_items" not in kept:  # one counter per entity type
        which.append(sequences.c.name.like("crm\\_item\\_%", escape="\\"))
    conn.execute(sequences.delete().where(sequences.c.portal_id == portal_id, sa.or_(*which)))
    conn.execute(
        sequences.update()
        .where(sequences.c.portal_id == portal_id, sequences.c.name.like(f"%{GENERATION_SUFFIX}"))
        .values(value=sequences.c.value + 1)
    )


def touch_credentials(conn: Connection, portal_id: int) -> None:
    """Make every process drop what it resolved for the portal (webhooks, tokens, plans, fault rules):
    an update of the portal's row bumps its credential generation and, on PostgreSQL, notifies."""
    conn.execute(portals.update().where(portals.c.id == portal_id).values(title=portals.c.title))
