"""Restoring a snapshot (the format: ``snapshots.py``): the portal's rows replaced by the file's in one
transaction, streamed in batches, with the counters made consistent afterwards and every process's caches
told."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from b24crm.store import sql
from b24crm.store.engine import Database
from b24crm.store.files import FileStore, Upload
from b24crm.store.snapshots import (
    BATCH,
    FILE_TABLES,
    FORMAT,
    GENERATION_SUFFIX,
    ITEM_FILE_COUNTER,
    ITEM_FOLDER,
    ITEM_TABLE,
    NOT_STATE,
    SEQUENCES,
    VERSION,
    SnapshotError,
    binary_columns,
    clear,
    file_paths,
    item_files,
    touch_credentials,
)
from b24crm.store.tables import metadata, portals, sequences

# --- restoring ---------------------------------------------------------------------------------------


@dataclass
class Restored:
    portals: list[int] = field(default_factory=list)
    rows: int = 0
    written: list[Path] = field(default_factory=list)  # files written: removed if the restore fails
    dropped: list[Path] = field(default_factory=list)  # files of the rows replaced: removed after it


def _lines(source: IO[str]) -> Iterator[tuple[int, Any]]:
    for number, text in enumerate(source, 1):
        if not text.strip():
            continue
        try:
            yield number, json.loads(text)
        except (ValueError, RecursionError):  # nested past the parser's depth is no snapshot's line either
            raise SnapshotError(f"line {number}: not JSON") from None


def check_header(header: Any) -> dict[str, Any]:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise SnapshotError("not a b24crm snapshot (its first line names no format b24crm-snapshot)")
    if header.get("version") != VERSION:
        raise SnapshotError(
            f"snapshot format version {header.get('version')!r}; this server reads version {VERSION}"
        )
    return header


class _Restore:
    """One pass over the file inside the caller's write transaction."""

    def __init__(
        self,
        conn: Connection,
        files: FileStore,
        target: int | None,
        after: Callable[[Connection, int], None] | None,
    ) -> None:
        self.conn, self.files, self.target, self.after = conn, files, target, after
        self.done = Restored()
        # A server restore's generation counters from before, by member_id (what the memos key by)
        self.previous: dict[str, dict[str, int]] = {}
        self.portal_id: int | None = None
        self.table: sa.Table | None = None
        self.columns: list[str] = []
        self.binary: set[str] = set()  # the table's binary columns, base64 in the file
        self.batch: list[dict[str, Any]] = []
        self.generations: dict[str, int] = {}
        self.item_file_top = 0  # the largest item file id restored into the portal

    def run(self, source: IO[str]) -> Restored:
        lines = _lines(source)
        first = next(lines, None)
        if first is None:
            raise SnapshotError("the file is empty")
        kind = check_header(first[1]).get("kind")
        if self.target is not None and kind != "portal":
            raise SnapshotError("a server snapshot restores the whole server, not into one portal")
        if kind == "server":
            self._clear_server()
        for number, value in lines:
            if isinstance(value, list):
                self._row(number, value)
            elif isinstance(value, dict) and "end" in value:
                self._finish_portal()
                return self.done
            elif isinstance(value, dict) and "portal" in value:
                self._finish_portal()
                if self.target is not None and self.done.portals:
                    raise SnapshotError(f"line {number}: a portal snapshot holds one portal")
                self._start_portal(value["portal"])
            elif isinstance(value, dict) and "table" in value:
                self._flush()
                self._start_table(number, value)
            else:
                raise SnapshotError(f"line {number}: not a row, table, portal or end line")
        raise SnapshotError("the file ends before its end line (cut short?)")

    def _start_portal(self, portal: Any) -> None:
        if not isinstance(portal, dict):
            raise SnapshotError("a portal line must hold an object")
        self.portal_id = _prepare_portal(self.conn, portal, self.target)
        self.done.dropped += file_paths(self.conn, self.files, self.portal_id)
        self.generations = self.previous.get(str(portal.get("member_id")), {})
        for name, value in _generations(self.conn, self.portal_id).items():
            self.generations[name] = max(value, self.generations.get(name, 0))
        clear(self.conn, self.portal_id, keep=())
        self.conn.execute(sequences.delete().where(sequences.c.portal_id == self.portal_id))
        self.done.portals.append(self.portal_id)
        self.item_file_top = 0

    def _start_table(self, number: int, value: dict[str, Any]) -> None:
        if self.portal_id is None:
            raise SnapshotError(f"line {number}: a table before its portal")
        table = metadata.tables.get(str(value["table"]))
        if table is None or table.name in NOT_STATE:
            raise SnapshotError(f"line {number}: this server has no table {value['table']!r}")
        columns = value.get("columns")
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise SnapshotError(f"line {number}: the table's columns must be a list of names")
        unknown = [c for c in columns if c not in table.c or c == "portal_id"]
        if unknown:
            raise SnapshotError(f"line {number}: table {table.name} has no column {unknown[0]!r}")
        self.table, self.columns, self.binary = table, columns, binary_columns(table) & set(columns)

    def _row(self, number: int, values: list[Any]) -> None:
        table = self.table
        if table is None or self.portal_id is None:
            raise SnapshotError(f"line {number}: a row before its table")
        with_files = table.name in FILE_TABLES
        # An item's row may carry its files (an older snapshot's does not).
        extra = table.name == ITEM_TABLE and len(values) == len(self.columns) + 1
        if len(values) != len(self.columns) + (with_files or extra):
            raise SnapshotError(f"line {number}: {len(values)} values for {len(self.columns)} columns")
        row = dict(zip(self.columns, values, strict=False))
        if table.name == ITEM_TABLE:
            self._item_files(number, row, values[-1] if extra else {})
        try:
            for name in self.binary:
                if row.get(name) is not None:
                    row[name] = base64.b64decode(row[name], validate=True)
            if with_files:
                content = base64.b64decode(values[-1], validate=True)
                row["path"] = self._write_file(table.name, str(row.get("path", "")), content)
        except (ValueError, TypeError):
            raise SnapshotError(f"line {number}: a binary value that is no base64") from None
        row["portal_id"] = self.portal_id
        self.batch.append(row)
        if len(self.batch) >= BATCH:
            self._flush()

    def _write_file(self, table: str, old_path: str, content: bytes) -> str:
        assert self.portal_id is not None
        folder = ITEM_FOLDER if table == ITEM_TABLE else FILE_TABLES[table]
        target, relative = self.files.write(self.portal_id, folder, Upload(old_path, content))
        self.done.written.append(target)
        return relative

    def _item_files(self, number: int, row: dict[str, Any], contents: Any) -> None:
        """The item's files written from the row's carried bytes; a file the row carries no bytes for is
        dropped (its path named a file of the snapshot's server, never to be read here)."""
        data = row.get("data")
        held = item_files(data)
        if not isinstance(contents, dict) or not set(contents) <= set(held):
            raise SnapshotError(f"line {number}: an item's files must be bytes of files its data holds")
        if not held:
            return
        assert isinstance(data, dict)
        data = row["data"] = dict(data)
        for name, file in held.items():
            if name not in contents:
                data[name] = None
                continue
            try:
                content = base64.b64decode(contents[name], validate=True)
                file_id = int(file["id"])
            except (ValueError, TypeError):
                raise SnapshotError(f"line {number}: an item's file that is no base64") from None
            if not 0 < file_id < 2**31:
                raise SnapshotError(f"line {number}: an item's file id must be a positive integer")
            data[name] = {**file, "path": self._write_file(ITEM_TABLE, str(file["path"]), content)}
            self.item_file_top = max(self.item_file_top, file_id)

    def _flush(self) -> None:
        if self.table is not None and self.batch:
            try:
                self.conn.execute(self.table.insert(), self.batch)
            except (sa.exc.StatementError, TypeError, ValueError) as exc:
                # A duplicate key, a value of the wrong type or too long: said, not a server error.
                raise SnapshotError(
                    f"table {self.table.name}: rows the database refuses ({_why(exc)})"
                ) from None
            self.done.rows += len(self.batch)
        self.batch = []

    def _finish_portal(self) -> None:
        self._flush()
        self.table = None
        if self.portal_id is None:
            return
        portal_id = self.portal_id
        for name, counter in SEQUENCES.items():
            table = metadata.tables[name]
            if "id" in table.c:
                top = self.conn.execute(
                    sa.select(sa.func.max(table.c.id)).where(table.c.portal_id == portal_id)
                )
                value = top.scalar()
                if value:  # a deal's default pipeline is row 0, from no counter
                    sql.set_sequence(self.conn, portal_id, counter, int(value))
        items = metadata.tables["crm_items"]
        tops = sa.select(items.c.entity_type_id, sa.func.max(items.c.id)).where(
            items.c.portal_id == portal_id
        )
        for entity_type_id, top in self.conn.execute(tops.group_by(items.c.entity_type_id)):
            sql.set_sequence(self.conn, portal_id, f"crm_item_{entity_type_id}", int(top))
        if self.item_file_top > 0:
            sql.set_sequence(self.conn, portal_id, ITEM_FILE_COUNTER, self.item_file_top)
        restored = _generations(self.conn, portal_id)
        for name in set(restored) | set(self.generations):
            value = max(restored.get(name, 0), self.generations.get(name, 0)) + 1
            sql.set_sequence(self.conn, portal_id, name, value)
        if self.after is not None:
            self.after(self.conn, portal_id)
        touch_credentials(self.conn, portal_id)
        self.portal_id = None

    def _clear_server(self) -> None:
        for row in self.conn.execute(sa.select(portals.c.id, portals.c.member_id)):
            self.previous[row.member_id] = _generations(self.conn, row.id)
            self.done.dropped += file_paths(self.conn, self.files, row.id)
        self.conn.execute(portals.delete())  # every portal's rows go with it (ON DELETE CASCADE)


def _why(exc: Exception) -> str:
    """The first line of what the driver (or SQLAlchemy) said."""
    cause = exc.orig if isinstance(exc, sa.exc.StatementError) and exc.orig is not None else exc
    return str(cause).strip().split("\n", 1)[0][:300]


def _generations(conn: Connection, portal_id: int) -> dict[str, int]:
    query = sa.select(sequences.c.name, sequences.c.value).where(
        sequences.c.portal_id == portal_id, sequences.c.name.like(f"%{GENERATION_SUFFIX}")
    )
    return {r.name: int(r.value) for r in conn.execute(query)}


_PORTAL_FIELDS = ("domain", "member_id", "title", "time_zone", "created_at")


def _prepare_portal(conn: Connection, portal: dict[str, Any], target: int | None) -> int:
    """The portal the rows go into: ``target`` (its domain and member_id stay; title, time zone and
    creation from the file), else the file's own, made when missing, whole as the file says."""
    missing = [k for k in ("id", *_PORTAL_FIELDS) if k not in portal]
    if missing:
        raise SnapshotError(f"the portal line lacks {missing[0]}")
    values = {k: portal[k] for k in _PORTAL_FIELDS}
    portal_id = target if target is not None else portal["id"]
    if not isinstance(portal_id, int) or isinstance(portal_id, bool) or not 0 < portal_id < 2**31:
        raise SnapshotError("the portal's id must be a positive integer")
    if target is not None:
        values = {k: values[k] for k in ("title", "time_zone", "created_at")}
    else:
        for key in ("domain", "member_id"):
            holder = conn.execute(
                sa.select(portals.c.id).where(portals.c[key] == values[key], portals.c.id != portal_id)
            ).scalar()
            if holder is not None:
                raise SnapshotError(f"portal {holder} has the {key} {values[key]!r} of the snapshot's portal")
    try:
        updated = conn.execute(portals.update().where(portals.c.id == portal_id).values(values)).rowcount
        if not updated:
            if target is not None:
                raise LookupError(f"no portal {target}")
            conn.execute(portals.insert().values(id=portal_id, **values))
            _move_portal_ids(conn)
    except (sa.exc.StatementError, TypeError, ValueError) as exc:
        raise SnapshotError(f"the portal line is refused ({_why(exc)})") from None
    return portal_id


def _move_portal_ids(conn: Connection) -> None:
    """PostgreSQL's ID series of portals past every ID there (SQLite takes the largest plus one)."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('portals', 'id'), (SELECT max(id) FROM portals))")
        )


def restore(
    db: Database,
    files: FileStore,
    source: IO[str],
    *,
    target: int | None = None,
    after: Callable[[Connection, int], None] | None = None,
) -> Restored:
    """Replace the state of the snapshot's portal (or ``target``, or with a server snapshot every portal)
    with the file's, in one transaction; ``after`` runs in it for each portal restored. Files of the rows
    replaced are removed once it commits. SnapshotError for a file that cannot be restored, LookupError
    for an unknown target."""
    done: Restored | None = None
    written: list[Path] = []
    try:
        with db.write() as conn:
            work = _Restore(conn, files, target, after)
            written = work.done.written
            done = work.run(source)
    except BaseException:
        files.discard(written)
        raise
    files.discard(done.dropped)
    return done
