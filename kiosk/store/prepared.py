"""Core statements compiled once per database and run straight on the driver.

SQLAlchemy's ``Connection.execute`` costs about 50 µs a statement on this
hardware, while SQLite runs the same prepared statement in about 3 µs; a
payment runs about sixteen statements, so that machinery was half of a
payment's time. The payment hot path therefore keeps SQLAlchemy for what it
is good at, writing the SQL for each back end and converting values both
ways through the column types, and hands the compiled SQL to the driver's
cursor on the same connection, inside the same transaction.

Only statements built once (the ``@cache`` builders beside each service) may
come here: each compiled form is kept for the life of the process. Driver
errors are raised as SQLAlchemy's own exception classes (``IntegrityError``
and so on), so callers catch exactly what they would catch from ``execute``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any]
Params = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Compiled:
    """One statement's SQL for one back end, with everything needed to run it."""

    sql: str
    #: Parameter names in placeholder order (positional drivers) or None (named).
    positions: tuple[str, ...] | None
    #: Values the statement carries itself: literals, LIMITs, Python column defaults.
    defaults: dict[str, Any]
    #: Functions producing a value for columns with a callable Python default.
    generated: dict[str, Callable[[], Any]]
    bind_processors: dict[str, Processor]
    result_processors: tuple[Processor | None, ...]

    def driver_params(self, params: Params) -> Sequence[Any] | dict[str, Any]:
        values = {**self.defaults, **params}
        for name, make in self.generated.items():
            if name not in params:
                values[name] = make()
        for name, process in self.bind_processors.items():
            if name in values:
                values[name] = process(values[name])
        if self.positions is None:
            return values
        return tuple(values[name] for name in self.positions)

    def convert(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            value if process is None or value is None else process(value)
            for process, value in zip(self.result_processors, row, strict=True)
        )


class Rows:
    """The part of SQLAlchemy's ``Result`` the hot path uses, over fetched rows."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def all(self) -> list[tuple[Any, ...]]:
        return self._rows

    def first(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def one_or_none(self) -> tuple[Any, ...] | None:
        if len(self._rows) > 1:
            raise ValueError(f"expected at most one row, got {len(self._rows)}")
        return self.first()

    def one(self) -> tuple[Any, ...]:
        row = self.one_or_none()
        if row is None:
            raise ValueError("expected one row, got none")
        return row

    def scalar(self) -> Any:
        row = self.first()
        return None if row is None else row[0]

    def scalar_one(self) -> Any:
        return self.one()[0]


_compiled: dict[tuple[int, str, tuple[str, ...]], tuple[ClauseElement, Compiled]] = {}


def run(connection: Connection, statement: ClauseElement, params: Params | None = None) -> Rows:
    """Execute ``statement`` with ``params`` in ``connection``'s transaction.

    Returns:
        The processed rows (empty for a statement returning none) and the row count.

    Raises:
        sqlalchemy.exc.DBAPIError: the driver's error, as SQLAlchemy would raise it.
    """
    params = params or {}
    compiled = _compile(connection.dialect, statement, params)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(compiled.sql, compiled.driver_params(params))
        # PostgreSQL's INSERTs may return the new id unasked: read only declared columns.
        wanted = compiled.result_processors and cursor.description
        rows = [compiled.convert(row) for row in cursor.fetchall()] if wanted else []
        return Rows(rows, cursor.rowcount)
    except connection.dialect.loaded_dbapi.Error as error:
        raise _wrapped(connection.dialect, compiled, params, error) from error
    finally:
        cursor.close()


def run_many(connection: Connection, statement: ClauseElement, rows: Sequence[Params]) -> None:
    """Execute ``statement`` once per parameter set in ``rows`` (all with the same keys).

    Raises:
        sqlalchemy.exc.DBAPIError: the driver's error, as SQLAlchemy would raise it.
    """
    if not rows:
        return
    compiled = _compile(connection.dialect, statement, rows[0])
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(compiled.sql, [compiled.driver_params(row) for row in rows])
    except connection.dialect.loaded_dbapi.Error as error:
        raise _wrapped(connection.dialect, compiled, rows[0], error) from error
    finally:
        cursor.close()


def _compile(dialect: Dialect, statement: ClauseElement, params: Params) -> Compiled:
    # INSERT and UPDATE SQL depends on which columns are given, so the keys are
    # part of the cache key; the statement itself is kept so its id stays unique.
    key = (id(statement), dialect.name, tuple(sorted(params)))
    found = _compiled.get(key)
    if found is None:
        found = (statement, _build(dialect, statement, key[2]))
        _compiled[key] = found
    return found[1]


def _build(dialect: Dialect, statement: ClauseElement, keys: tuple[str, ...]) -> Compiled:
    compiler = statement.compile(dialect=dialect, column_keys=list(keys))
    assert isinstance(compiler, SQLCompiler)
    if compiler.literal_execute_params or compiler.post_compile_params:
        raise ValueError(
            "statements with expanding IN lists or literal-execute values are re-rendered "
            "on every execution; run them through Connection.execute instead"
        )
    defaults: dict[str, Any] = {}
    bind_processors: dict[str, Processor] = {}
    for name, bind in compiler.binds.items():
        if not bind.required:
            defaults[name] = bind.effective_value
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            bind_processors[name] = process
    generated: dict[str, Callable[[], Any]] = {}
    for column in compiler.insert_prefetch:
        _python_default(column.key, column.default, defaults, generated)
    for column in compiler.update_prefetch:
        _python_default(column.key, column.onupdate, defaults, generated)
    result_processors = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in getattr(statement, "exported_columns", ())
    )
    positional = dialect.positional
    return Compiled(
        sql=compiler.string,
        positions=tuple(compiler.positiontup or ()) if positional else None,
        defaults=defaults,
        generated=generated,
        bind_processors=bind_processors,
        result_processors=result_processors,
    )


def _python_default(
    name: str,
    default: Any,
    defaults: dict[str, Any],
    generated: dict[str, Callable[[], Any]],
) -> None:
    """Record how to fill a column that has a Python-side default and was not given."""
    if default is None:
        return
    if default.is_scalar:
        defaults[name] = default.arg
    elif default.is_callable:
        make = default.arg  # SQLAlchemy wraps it to take an execution context
        generated[name] = lambda: make(None)
    else:
        raise ValueError(f"column {name!r} has a default this fast path cannot compute")


def _wrapped(
    dialect: Dialect, compiled: Compiled, params: Params, error: Exception
) -> StatementError:
    return DBAPIError.instance(
        compiled.sql,
        dict(params),
        error,
        dialect.loaded_dbapi.Error,
        dialect=dialect,
    )
