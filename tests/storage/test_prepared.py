"""Prepared statements hand the driver exactly what SQLAlchemy's own execution would, on every backend.

Every call of :meth:`Prepared.run` during a whole publication (a return, an edit, a joint review,
the clocks started and closed, a 依申请公开 application ticked) is checked row by row: the same
statement run through ``Connection.execute`` in a savepoint that is rolled back must send the
driver the same SQL and the same parameter values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gongkai_flow import Flow
from gongkai_flow.demo import run_demo
from gongkai_flow.storage.sql import clocks as sql_clocks
from gongkai_flow.storage.sql import items as sql_items
from gongkai_flow.storage.sql.prepared import Prepared
from gongkai_flow.testing import register_application

from .conftest import Backend


def _sqlalchemy_sends(conn: Connection, statement: Any, row: Mapping[str, Any]) -> tuple[str, Any]:
    """What ``conn.execute(statement, row)`` gives the driver (run in a savepoint, then undone)."""
    sent: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cursor: Any, text: str, parameters: Any, _context: Any, _many: bool) -> None:
        if not text.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            sent.append((text, parameters))

    savepoint = conn.begin_nested()
    sa.event.listen(conn, "before_cursor_execute", grab)
    try:
        conn.execute(statement, dict(row))
    finally:
        sa.event.remove(conn, "before_cursor_execute", grab)
        savepoint.rollback()
    [(text, parameters)] = sent
    return text, parameters


def _comparable(parameters: Any) -> Any:
    """Driver parameters with psycopg's JSON wrappers (no value equality of their own) opened up."""

    def open_up(value: Any) -> Any:
        if type(value).__module__.startswith("psycopg") and hasattr(value, "obj"):
            return (type(value).__name__, value.obj, value.dumps)
        return value

    if isinstance(parameters, Mapping):
        return {name: open_up(value) for name, value in parameters.items()}
    return tuple(open_up(value) for value in parameters)


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Compare every prepared execution with SQLAlchemy's; yield the SQL of each statement run."""
    seen: list[str] = []
    real = Prepared.run

    def run(self: Prepared, conn: Connection, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Any:
        form = self.form(conn.dialect)
        rows = [params] if isinstance(params, Mapping) else list(params)
        for row in rows:
            text, parameters = _sqlalchemy_sends(conn, self.statement_for(conn.dialect), row)
            assert form.sql == text
            assert _comparable(form.convert(row)) == _comparable(parameters)
        seen.append(form.sql)
        return real(self, conn, params)

    monkeypatch.setattr(Prepared, "run", run)
    return seen


def test_every_prepared_statement_sends_what_sqlalchemy_sends(sql_backend: Backend, checked: list[str]) -> None:
    """A whole publication, an application and a tick: every prepared row converted as SQLAlchemy converts it."""
    flow: Flow = sql_backend.flow(dispatch=False)
    result = run_demo(flow)
    assert result.interpretation.state == "published"
    register_application(flow)
    assert flow.clocks.tick(datetime(2019, 12, 31, tzinfo=UTC)).notices
    prepared = [value for module in (sql_items, sql_clocks) for value in vars(module).values()]
    expected = {p.form(_dialect(sql_backend)).sql for p in prepared if isinstance(p, Prepared)}
    expected.discard(sql_clocks._INSERT_TIMER.form(_dialect(sql_backend)).sql)  # only after a failed lookup
    assert expected <= set(checked)
    assert any(sql.startswith("UPDATE gongkai_items") for sql in checked)


def _dialect(backend: Backend) -> sa.Dialect:
    assert backend.database is not None
    return backend.database.engine.dialect
