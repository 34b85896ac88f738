"""Statements run at the driver level: compiled once per dialect, parameters converted as SQLAlchemy would.

``conn.execute(statement, params)`` spends more Python time per row on a transition's small
writes than SQLite spends storing them: it looks the statement up in the compiled cache, builds an
execution context and runs every parameter through its type. A :class:`Prepared` statement does the
compiling and the type lookup once per dialect and then hands the driver the SQL text and the
converted values through ``Connection.exec_driver_sql`` — the same connection, transaction, events
and error wrapping, a fraction of the work. The values the driver receives are exactly those
SQLAlchemy's own path sends (the same bind processors, in the same order); a test compares the two
for every prepared statement of the storage layer.

Only statements whose parameters are all named bind parameters qualify (no expanding ``IN``, no
literal values, no Python-side column defaults): what they write is fully given by the row.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, final

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult, Dialect
from sqlalchemy.sql.expression import UpdateBase

Processor = Callable[[Any], Any]


@final
class _Form:
    """One statement as one dialect runs it: the SQL text, its parameter names and their converters."""

    __slots__ = ("positional", "processors", "sql")

    def __init__(self, statement: UpdateBase, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql: str = compiled.string
        self.positional: bool = bool(compiled.positional)
        if compiled.effective_returning:
            raise ValueError("a prepared statement returns no rows: build inserts with .inline()")
        if compiled.escaped_bind_names:  # pragma: no cover - our parameter names are plain identifiers
            raise ValueError(f"escaped parameter names: {compiled.escaped_bind_names}")
        names = list(compiled.positiontup or ()) if self.positional else list(compiled.bind_names.values())
        binds = compiled.binds
        processors: list[tuple[str, Processor | None]] = []
        for name in names:
            bind = binds[name]
            if bind.expanding or bind.callable is not None:
                raise ValueError(f"not a plain bind parameter: {name}")
            processors.append((name, bind.type.dialect_impl(dialect).bind_processor(dialect)))
        self.processors: tuple[tuple[str, Processor | None], ...] = tuple(processors)

    def convert(self, row: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        """The driver's parameters for one row."""
        if self.positional:
            return tuple(row[n] if p is None else p(row[n]) for n, p in self.processors)
        return {n: row[n] if p is None else p(row[n]) for n, p in self.processors}


@final
class Prepared:
    """A statement compiled once per dialect and run through ``exec_driver_sql``.

    ``run(conn, row)`` executes it for one row, ``run(conn, rows)`` for several (``executemany``).
    A row is a mapping holding every bind parameter of the statement by name; extra keys are ignored.
    ``statement`` is one statement, or one per dialect name for what each dialect spells its own
    way (``INSERT … ON CONFLICT DO NOTHING``).
    """

    __slots__ = ("_forms", "_last", "statements")

    def __init__(self, statement: UpdateBase | Mapping[str, UpdateBase]) -> None:
        self.statements: Final = statement
        # Per dialect object: its JSON serializer and driver are the engine's own.
        self._forms: weakref.WeakKeyDictionary[Dialect, _Form] = weakref.WeakKeyDictionary()
        self._last: tuple[Dialect, _Form] | None = None

    def form(self, dialect: Dialect) -> _Form:
        """The statement compiled for ``dialect`` (built on first use)."""
        last = self._last
        if last is not None and last[0] is dialect:
            return last[1]
        found = self._forms.get(dialect)
        if found is None:
            found = self._forms[dialect] = _Form(self.statement_for(dialect), dialect)
        self._last = (dialect, found)
        return found

    def statement_for(self, dialect: Dialect) -> UpdateBase:
        """The statement ``dialect`` runs."""
        if isinstance(self.statements, Mapping):
            return self.statements[dialect.name]
        return self.statements

    def run(self, conn: Connection, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> CursorResult[Any]:
        """Execute for one row (a mapping) or several (a sequence of mappings, as ``executemany``)."""
        form = self.form(conn.dialect)
        if isinstance(params, Mapping):
            return conn.exec_driver_sql(form.sql, form.convert(params))
        return conn.exec_driver_sql(form.sql, [form.convert(row) for row in params])


def prepared_insert(table: sa.Table, columns: Sequence[str]) -> Prepared:
    """A prepared ``INSERT`` of ``columns`` into ``table`` (inline: the new row's key is not fetched back)."""
    return Prepared(table.insert().inline().values({name: sa.bindparam(name) for name in columns}))
