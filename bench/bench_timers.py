"""Tick benchmark: ``tick(now)`` over a million open timers, on SQLite and PostgreSQL.

Run ``python bench/bench_timers.py`` (1,000,000 timers) or ``--timers 100000`` for a quick look.
PostgreSQL runs when ``--pg-url`` or ``GONGKAI_TEST_DATABASE_URL`` names one (a fresh schema is
created and dropped). The rows are bulk-inserted (SQLite ``executemany``, PostgreSQL ``COPY``),
each a D3 reply clock with its ``next_check_at`` set as :func:`gongkai_flow.deadlines.next_check`
would set it. Two cases, p50 (and p90) over several ticks:

* **idle** — nothing is due: the tick is one range scan of the ``next_check_at`` index that finds
  nothing (milliseconds whatever the table size);
* **1 % due** — 1 % of the timers ran out: the tick claims them in batches of 500, evaluates
  them, enqueues one ``deadline-missed`` event each and records it. Between runs the due rows are
  put back and the outbox emptied (outside the timing).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from gongkai_flow.calendar import WorkCalendar
from gongkai_flow.clocks import tick
from gongkai_flow.deadlines import BUREAU_TZ, RULES, next_check, start_timer
from gongkai_flow.engine import Workflow
from gongkai_flow.storage.database import Database
from gongkai_flow.storage.sql import SqlClockStore
from gongkai_flow.storage.sql.schema import timers_table
from gongkai_flow.storage.stores import SqlStore
from gongkai_flow.testing import fresh_schema

CAL = WorkCalendar()
NOW = datetime(2026, 2, 2, 10, tzinfo=BUREAU_TZ)
COLUMNS = (
    "id",
    "rule_id",
    "subject_id",
    "started_at",
    "due",
    "responsible",
    "status",
    "provisional",
    "extended_days",
    "notified",
    "next_check_at",
)


def _template(start: datetime) -> tuple[datetime, datetime, datetime]:
    timer = start_timer("t", RULES["D3"], "s", start, CAL)
    check = next_check(timer, CAL)
    assert check is not None
    return timer.started_at.astimezone(UTC), timer.due.astimezone(UTC), check.astimezone(UTC)


def _rows(count: int, due_every: int) -> Iterator[tuple[Any, ...]]:
    future = _template(datetime(2026, 1, 26, 9, tzinfo=BUREAU_TZ))  # approaching well after NOW
    past = _template(datetime(2025, 12, 1, 9, tzinfo=BUREAU_TZ))  # ran out before NOW
    for i in range(count):
        started, due, check = past if i % due_every == 0 else future
        yield (f"t{i:07d}:D3", "D3", f"t{i:07d}", started, due, "局办公室", "running", False, 0, "", check)


def _naive(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in row)


def fill_sqlite(database: Database, count: int, due_every: int) -> None:
    raw = database.engine.raw_connection()
    try:
        cur: Any = raw.cursor()
        cur.execute("BEGIN")
        marks = ", ".join("?" for _ in COLUMNS)
        cur.executemany(
            f"INSERT INTO gongkai_timers ({', '.join(COLUMNS)}) VALUES ({marks})",
            (_naive(r) for r in _rows(count, due_every)),
        )
        cur.execute("COMMIT")
        cur.execute("ANALYZE")
    finally:
        raw.close()


def fill_postgres(database: Database, count: int, due_every: int) -> None:
    raw = database.engine.raw_connection()
    try:
        cur: Any = raw.cursor()
        with cur.copy(f"COPY gongkai_timers ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in _rows(count, due_every):
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()
    with database.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE gongkai_timers"))


def reset_due(database: Database, due_every: int) -> None:
    """Put the due timers back as they were, and empty the outbox (not timed)."""
    past = _template(datetime(2025, 12, 1, 9, tzinfo=BUREAU_TZ))
    with database.engine.begin() as conn:
        conn.execute(
            timers_table.update()
            .where(timers_table.c.started_at == past[0])
            .values(notified="", next_check_at=past[2], status="running")
        )
        conn.execute(sa.text("DELETE FROM gongkai_outbox"))


def claim_plan(database: Database, now: datetime) -> str:
    """The database's plan for the tick's claim query (it must search the next-check index)."""
    with database.engine.connect() as conn:
        query = SqlClockStore(conn)._claim_query(now, 500)
        compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN" if conn.dialect.name == "sqlite" else "EXPLAIN"
        rows = conn.exec_driver_sql(f"{prefix} {compiled}").all()
        conn.rollback()
    return " | ".join(str(r[-1]).strip() for r in rows)


def timed(fn: Callable[[], Any], runs: int, before: Callable[[], None] | None = None) -> list[float]:
    out = []
    for _ in range(runs):
        if before is not None:
            before()
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def report(name: str, samples: list[float], extra: str = "") -> None:
    samples = sorted(samples)
    p90 = samples[min(len(samples) - 1, int(len(samples) * 0.9))]
    print(f"  {name:<10} p50 {statistics.median(samples):9.2f} ms   p90 {p90:9.2f} ms   ({len(samples)} ticks){extra}")


def bench(label: str, database: Database, count: int, fill: Callable[[Database, int, int], None], runs: int) -> None:
    due_every = 100
    t0 = time.perf_counter()
    fill(database, count, due_every)
    print(f"{label}: {count:,} open timers inserted in {time.perf_counter() - t0:.1f} s")
    units = SqlStore(database, Workflow()).unit
    # Idle: no timer is due a month before NOW.
    idle_now = datetime(2025, 11, 1, 10, tzinfo=BUREAU_TZ)
    print(f"  plan of the claim: {claim_plan(database, idle_now)}")
    idle = timed(lambda: tick(units, idle_now, CAL), runs * 4)
    report("idle", idle)
    n = {"notices": 0}

    def run_due() -> None:
        n["notices"] = len(tick(units, NOW, CAL).notices)

    due = timed(run_due, runs, before=lambda: reset_due(database, due_every))
    report("1 % due", due, f"  {n['notices']:,} notices per tick")
    after = timed(lambda: tick(units, NOW, CAL), runs * 4)
    report("idle after", after)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--timers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg-url", default=os.environ.get("GONGKAI_TEST_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, Database(Path(folder) / "timers.db") as database:
        bench("SQLite", database, args.timers, fill_sqlite, args.runs)
    if args.pg_url:
        with fresh_schema(args.pg_url, "bench_timers") as url, Database(url) as database:
            bench("PostgreSQL", database, args.timers, fill_postgres, args.runs)
    else:
        print("PostgreSQL: skipped (no --pg-url / GONGKAI_TEST_DATABASE_URL)")


if __name__ == "__main__":
    main()
