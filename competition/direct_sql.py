"""Hot statements run on the DBAPI cursor: compiled once per dialect, converted by SQLAlchemy's own types.

``connection.execute`` does work on every call that a statement run for every mark a judge enters does not
need (cache key, execution context, result metadata): measured here ≈ 20 µs a statement on SQLite and ≈ 70 µs
on PostgreSQL, against ≈ 6 µs (SQLite) for the DBAPI call itself. :class:`DirectStatement` keeps the SQL that
SQLAlchemy compiles for the dialect and the bind and result processors of its types, and runs it on the
connection's DBAPI cursor, in the connection's transaction. The SQL, the converted parameters and the rows are
what ``connection.execute`` would use and return; ``before_cursor_execute`` listeners still see the statement;
DBAPI errors come out as SQLAlchemy's exceptions, and a lost connection is invalidated. One set of parameters
per call: many rows go through ``connection.execute`` (its "insertmanyvalues" batching is worth it there).

Used by the mark sync's statements (:func:`competition.security.token_user`, :mod:`competition.services.marking`,
:mod:`competition.services.audit`)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import ClauseElement


@dataclass
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None                  # parameter names in order (qmark/format), or None (named)
    defaults: dict[str, Any]                            # values bound in the statement itself
    binds: dict[str, Callable[[Any], Any]]              # name → the type's bind processor (where it has one)
    result_types: list[Any]                             # the type of each column the statement returns
    results: list[Callable[[Any], Any] | None] | None = field(default=None)  # their processors, on first rows


class DirectStatement:
    """A Core statement (its parameters as ``bindparam``s) to run many times with one set of parameters."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        binds = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                binds[name] = processor
        positions = tuple(compiled.positiontup) if compiled.positiontup is not None else None
        columns = getattr(self.statement, "exported_columns", ())
        found = self._compiled[dialect.name] = _Compiled(compiled.string, positions, dict(compiled.params), binds,
                                                         [column.type for column in columns])
        return found

    def execute(self, connection: Connection, params: Mapping[str, Any] | None = None) -> list[tuple]:
        """Run the statement in ``connection``'s transaction; the rows it returns (none for a plain write)."""
        dialect = connection.dialect
        compiled = self._compiled.get(dialect.name) or self._compile(dialect)
        values = dict(compiled.defaults, **params) if params else dict(compiled.defaults)
        for name, processor in compiled.binds.items():
            values[name] = processor(values[name])
        args: Any = [values[name] for name in compiled.positions] if compiled.positions is not None else values
        dbapi_connection = connection.connection.dbapi_connection
        cursor = dbapi_connection.cursor()
        try:
            listeners = connection.dispatch.before_cursor_execute
            if listeners:
                listeners(connection, cursor, compiled.sql, args, None, False)
            cursor.execute(compiled.sql, args)
            rows = cursor.fetchall() if cursor.description is not None else []
            if rows and compiled.results is None:
                compiled.results = [type_.dialect_impl(dialect).result_processor(dialect, description[1])
                                    for type_, description in zip(compiled.result_types, cursor.description,
                                                                  strict=False)]
        except dialect.loaded_dbapi.Error as error:
            lost = dialect.is_disconnect(error, dbapi_connection, cursor)
            if lost:
                connection.invalidate(error)
            raise exc.DBAPIError.instance(compiled.sql, args, error, dialect.loaded_dbapi.Error, dialect=dialect,
                                          connection_invalidated=lost) from error
        finally:
            cursor.close()
        processors = compiled.results
        if rows and processors and any(processors):
            rows = [tuple(p(v) if p is not None else v for p, v in zip(processors, row, strict=False))
                    for row in rows]
        return rows
