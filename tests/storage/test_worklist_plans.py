"""The worklist on SQLite reads indexes only: no scan of the items, no item row per line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from gongkai_flow import Actor, Flow, Workflow
from gongkai_flow.storage.sql.worklist import OPEN_LINES, work_params, work_queries, work_shape

from .conftest import policy_fields


def _plan(conn: sa.Connection, statement: Any, params: dict[str, object]) -> list[str]:
    compiled = statement.compile(dialect=conn.dialect)
    values = {**compiled.params, **params}
    text = str(compiled)
    if "__[POSTCOMPILE_ids]" in text:  # the expanding IN list, as one value
        text = text.replace("(__[POSTCOMPILE_ids])", "(?)")
        values["ids"] = "x"
    args = tuple(values[name] for name in compiled.positiontup or ())
    return [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + text, args)]


def test_sqlite_worklist_reads_only_indexes(sqlite_path: Path, people: dict[str, Actor]) -> None:
    """Every branch searches a covering index; the lines come from the covering index of open items."""
    flow = Flow(database=sqlite_path, workflow=Workflow(require_content_guard=False), plugins=[])
    for _ in range(3):
        item = flow.draft(people["zhangmin"], **policy_fields())
        flow.submit(item.id, people["zhangmin"])
    assert flow.database is not None
    with flow.database.engine.connect() as conn:
        for actor in (people["lihua"], people["zhangmin"], people["liuyang"]):
            _, ordered, _ = work_queries(work_shape(actor, None))
            plan = _plan(conn, ordered, work_params(actor, None))
            searches = [step for step in plan if step.startswith(("SEARCH", "SCAN gongkai"))]
            assert searches, plan
            assert all("USING COVERING INDEX" in step for step in searches), plan
        lines = _plan(conn, OPEN_LINES, {})
        assert any("USING COVERING INDEX ix_gongkai_items_open" in step for step in lines), lines
    flow.close()
