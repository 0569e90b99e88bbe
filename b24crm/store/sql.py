"""Dialect-specific statements, kept in one place."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from b24crm.store.tables import sequences


def fit(table: sa.Table, column: str, text: str) -> str:
    """Text cut to its column's length, as MySQL outside strict mode stores an over-long value (PostgreSQL
    would refuse it, SQLite keep it whole)."""
    length = getattr(table.c[column].type, "length", None)
    return text[:length] if length and len(text) > length else text


def fit_row(table: sa.Table, values: dict[str, Any]) -> dict[str, Any]:
    """Every text of a row cut to its column (``fit``): what the store writes never exceeds a column."""
    return {k: fit(table, k, v) if isinstance(v, str) and k in table.c else v for k, v in values.items()}


def lock_row(conn: Connection, table: sa.Table, *where: Any) -> None:
    """Hold the matching row until the transaction ends, so that checks made under it (a count before an
    insert) cannot race; SQLite's write transactions are serial already."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.literal(1)).select_from(table).where(*where).with_for_update())


class json_merge(FunctionElement[Any]):  # lower case: named as the SQL function it stands for
    """``json_merge(document, patch)``: the JSON object ``document`` with the keys of the JSON object
    ``patch`` (given as text) set, in the database, so that an update of a few keys is one statement
    and cannot undo a concurrent change to the others."""

    type = sa.JSON()
    inherit_cache = True


@compiles(json_merge, "sqlite")
def _json_merge_sqlite(element: json_merge, compiler: Any, **kw: Any) -> str:
    return f"json_patch({compiler.process(element.clauses, **kw)})"


@compiles(json_merge, "postgresql")
def _json_merge_postgresql(element: json_merge, compiler: Any, **kw: Any) -> str:
    # The column is ``json``, which has no merge: through ``jsonb`` (keys come back in its order, which
    # nothing reads: rows are rendered field by field).
    document, patch = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(CAST({document} AS JSONB) || CAST({patch} AS JSONB) AS JSON)"


def _insert(dialect_name: str, table: sa.Table) -> Any:
    """The dialect's own INSERT, the one with ON CONFLICT."""
    return (postgresql.insert if dialect_name == "postgresql" else sqlite.insert)(table)


def upsert(dialect_name: str, table: sa.Table, keys: tuple[str, ...], values: tuple[str, ...]) -> Any:
    """INSERT of ``keys`` and ``values`` (bound by name) that updates ``values`` when the key exists."""
    stmt = _insert(dialect_name, table).values({name: sa.bindparam(name) for name in (*keys, *values)})
    return stmt.on_conflict_do_update(
        index_elements=[table.c[name] for name in keys], set_={name: stmt.excluded[name] for name in values}
    )


def insert_rows(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many new rows (each with the same keys) at once: on PostgreSQL through COPY, several times
    faster than an INSERT per row; elsewhere one executemany. For bulk loads (``b24crm seed``)."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), list(rows))
        return
    names = list(rows[0])
    json_columns = {n for n in names if isinstance(table.c[n].type, sa.JSON)}
    columns = ", ".join(f'"{n}"' for n in names)
    # The text format written here rather than with psycopg's write_row: a third of the time per row.
    text = "".join("\t".join(_copy_text(row[n], n in json_columns) for n in names) + "\n" for row in rows)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            copy.write(text.encode())
    finally:
        cursor.close()


# COPY's text format: backslash, tab, newline and carriage return are escaped; \N is NULL.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any, is_json: bool) -> str:
    if value is None:
        return "\\N"
    if is_json:
        return json.dumps(value).translate(_COPY_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return str(value).translate(_COPY_ESCAPES)


def next_id_statement(dialect_name: str) -> Any:
    """The upsert that takes a counter's next value, answering it."""
    return (
        _insert(dialect_name, sequences)
        .values(portal_id=sa.bindparam("portal_id"), name=sa.bindparam("name"), value=1)
        .on_conflict_do_update(
            index_elements=[sequences.c.portal_id, sequences.c.name],
            set_={"value": sequences.c.value + 1},
        )
        .returning(sequences.c.value)
    )


# Built once per dialect: every insert of every table allocates its ID here.
_NEXT_ID: dict[str, Any] = {}


def next_id(conn: Connection, portal_id: int, name: str) -> int:
    """The portal's next ID for ``name`` (1, 2, ...), allocated inside the caller's transaction."""
    statement = _NEXT_ID.get(conn.dialect.name)
    if statement is None:
        statement = _NEXT_ID[conn.dialect.name] = RawStatement(next_id_statement(conn.dialect.name))
    cursor = statement.run(conn, {"portal_id": portal_id, "name": name})
    try:
        return int(cursor.fetchone()[0])
    finally:
        cursor.close()


def set_sequence(conn: Connection, portal_id: int, name: str, value: int) -> None:
    """Move a counter forward to ``value`` (after a bulk load); never backwards."""
    stmt = _insert(conn.dialect.name, sequences).values(portal_id=portal_id, name=name, value=value)
    stmt = stmt.on_conflict_do_update(
        index_elements=[sequences.c.portal_id, sequences.c.name],
        set_={
            "value": sa.func.max(sequences.c.value, value)
            if conn.dialect.name == "sqlite"
            else sa.func.greatest(sequences.c.value, value)
        },
    )
    conn.execute(stmt)


_CURRENT = sa.select(sequences.c.value).where(
    sequences.c.portal_id == sa.bindparam("portal_id"), sequences.c.name == sa.bindparam("name")
)


def current_value(conn: Connection, portal_id: int, name: str) -> int:
    return int(conn.execute(_CURRENT, {"portal_id": portal_id, "name": name}).scalar() or 0)


class RawSelect:
    """A SELECT compiled once per dialect and run on a bare driver connection: for the few reads whose
    answer time is mostly SQLAlchemy's own work (a primary-key get is 19 µs in sqlite3, 120 µs through
    the engine). Parameters are given by name."""

    def __init__(self, statement: sa.Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None]] = {}

    def _compile(self, dialect_name: str) -> tuple[str, tuple[str, ...] | None]:
        found = self._compiled.get(dialect_name)
        if found is None:
            dialect = postgresql.psycopg.dialect() if dialect_name == "postgresql" else sqlite.dialect()  # type: ignore[attr-defined]
            compiled = self.statement.compile(dialect=dialect)
            # sqlite3 takes positional "?" parameters, psycopg named "%(name)s" ones.
            order = tuple(compiled.positiontup or ()) if dialect_name == "sqlite" else None
            found = self._compiled[dialect_name] = (str(compiled), order)
        return found

    def numbered(self) -> tuple[str, tuple[str, ...]]:
        """PostgreSQL's text of the statement with numbered parameters (``$1``), and their names in order:
        for a statement prepared at the client library's level (``prepared_reader.py``)."""
        found = self._compiled.get("numbered")
        if found is None:
            dialect = postgresql.psycopg.dialect(paramstyle="numeric_dollar")  # type: ignore[attr-defined]
            compiled = self.statement.compile(dialect=dialect)
            found = self._compiled["numbered"] = (str(compiled), tuple(compiled.positiontup or ()))
        return found[0], found[1] or ()

    def rows(
        self, driver_connection: Any, dialect_name: str, params: dict[str, Any]
    ) -> list[tuple[Any, ...]]:
        sql, order = self._compile(dialect_name)
        cursor = driver_connection.cursor()
        try:
            cursor.execute(sql, [params[name] for name in order] if order is not None else params)
            return cursor.fetchall()  # type: ignore[no-any-return]
        finally:
            cursor.close()


class RawStatement:
    """A statement compiled once per dialect and run on the driver connection under a SQLAlchemy
    connection, inside its transaction: for the inserts of a hot write path, where SQLAlchemy's own
    work per statement (~100 µs) is several times the database's. Parameters are given by name; typed
    binds (JSON) go through the dialect's own bind processors."""

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...], dict[str, Any], dict[str, Any]]] = {}
        self._result_shapes: dict[str, tuple[tuple[str, ...], tuple[tuple[str, Any], ...]]] = {}

    def _compile(self, dialect: Any) -> tuple[str, tuple[str, ...], dict[str, Any], dict[str, Any]]:
        found = self._compiled.get(dialect.name)
        if found is None:
            # IN lists are expanded now (their values are part of the statement), not at execution.
            compiled = self.statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
            fixed = dict(compiled.params)  # the values written into the statement
            names = tuple(compiled.positiontup or ()) if dialect.positional else tuple(fixed)
            processors = {
                name: processor
                for name, processor in (compiled._bind_processors or {}).items()
                if processor is not None
            }
            found = self._compiled[dialect.name] = (str(compiled), names, processors, fixed)
        return found

    def run(self, conn: Connection, params: dict[str, Any]) -> Any:
        """Execute; answers the driver cursor (closed by the caller after reading, if it reads)."""
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(self._compile(conn.dialect)[0], self._bound(conn.dialect, params))
        return cursor

    def run_many(self, conn: Connection, many: Sequence[dict[str, Any]]) -> None:
        """Execute once per parameter set, in one driver call (psycopg pipelines them)."""
        if len(many) < 2:  # psycopg's executemany enters pipeline mode: a round trip more for one row
            for params in many:
                self.run(conn, params).close()
            return
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(self._compile(conn.dialect)[0], [self._bound(conn.dialect, p) for p in many])
        finally:
            cursor.close()

    def _bound(self, dialect: Any, params: dict[str, Any]) -> Any:
        """The driver's parameters: given ones over those written into the statement, bind-processed."""
        _, names, processors, fixed = self._compile(dialect)
        values = {}
        for name in names:
            value = params[name] if name in params else fixed[name]
            values[name] = processors[name](value) if name in processors else value
        return tuple(values[n] for n in names) if dialect.positional else values

    def mappings(self, conn: Connection, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Execute a SELECT; answers its rows as dicts, typed values (JSON) decoded as SQLAlchemy would."""
        cursor = self.run(conn, params)
        try:
            rows = cursor.fetchall()
            names, processors = self._results(conn.dialect, cursor.description)
        finally:
            cursor.close()
        out = []
        for row in rows:
            item = dict(zip(names, row, strict=True))
            for name, processor in processors:
                item[name] = processor(item[name])
            out.append(item)
        return out

    def _results(self, dialect: Any, description: Any) -> tuple[tuple[str, ...], tuple[tuple[str, Any], ...]]:
        found = self._result_shapes.get(dialect.name)
        if found is None:
            columns = list(self.statement.selected_columns)
            # The driver's type codes (PostgreSQL's OIDs) pick the processors, as the engine's results do.
            processors = tuple(
                (column.key, processor)
                for column, described in zip(columns, description, strict=True)
                if (processor := column.type._cached_result_processor(dialect, described[1])) is not None
            )
            found = self._result_shapes[dialect.name] = (tuple(c.key for c in columns), processors)
        return found


def _column_defaults(table: sa.Table) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    for column in table.columns:
        default = column.server_default
        arg = getattr(default, "arg", None)
        if default is None:
            defaults[column.name] = None
        elif isinstance(arg, str):
            defaults[column.name] = int(arg) if isinstance(column.type, sa.Integer) else arg
        else:
            raise ValueError(f"{table.name}.{column.name}: only text server defaults are supported here")
    return defaults


class RawInsert:
    """An INSERT of every column of a table, compiled once (``RawStatement``); columns not given take
    their server default, as an INSERT naming only the given columns would. With ``returning`` columns
    it answers the row they make of what was stored, in the same round trip."""

    def __init__(self, table: sa.Table, returning: tuple[Any, ...] = ()) -> None:
        self.statement = RawStatement(table.insert().returning(*returning) if returning else table.insert())
        self.defaults = _column_defaults(table)
        self.returning = bool(returning)

    def run(self, conn: Connection, values: dict[str, Any]) -> tuple[Any, ...] | None:
        cursor = self.statement.run(conn, {**self.defaults, **values})
        try:
            return cursor.fetchone() if self.returning else None  # type: ignore[no-any-return]
        finally:
            cursor.close()
