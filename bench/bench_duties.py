"""Duty status benchmark: ``flow.duties.status`` for 1,000 duties over 1,000,000 items.

Run ``python bench/bench_duties.py`` (1,000,000 items) or ``--items 100000`` for a quick look.
PostgreSQL runs when ``--pg-url`` or ``GONGKAI_TEST_DATABASE_URL`` names one (a fresh schema is
created and dropped). A synthetic catalogue of ``--duties`` duties (monthly, quarterly, yearly,
once, triggered with four events each in 2026, and count duties) is checked against items
bulk-inserted as rows (SQLite ``executemany``, PostgreSQL ``COPY``): ``--tagged`` of them carry a
duty tag of a 2026 obligation (one in ten of those retracted), the others none. Two cases, p50
(and p90) over several runs of the 2026 status as of 2026-12-31:

* **counts** — every obligation with its state and count (``items=False``);
* **with items** — the same with the list of fulfilling items (what ``gongkai duties status``
  prints).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from gongkai_flow.bureau import default_bureau
from gongkai_flow.duty_types import DutyCatalogue, DutyEvent, catalogue_from_mapping
from gongkai_flow.service import Flow
from gongkai_flow.storage.database import Database
from gongkai_flow.testing import fresh_schema
from gongkai_flow.timers import BUREAU_TZ

AS_OF = datetime(2026, 12, 31, 12, tzinfo=BUREAU_TZ)
ITEM_COLUMNS = (
    "id", "title", "kind", "body", "drafter_id", "sections", "lead_section", "source", "classified",
    "platforms", "publish_column", "attachments", "published_at", "state", "chain_id", "chain_version",
    "version", "content_hash", "signatures", "overrides", "duty_tags", "audit_head", "audit_count", "wl_extra",
)  # fmt: skip
TAG_COLUMNS = ("item_id", "code", "period", "published_at", "title", "publish_column")


def catalogue(count: int) -> DutyCatalogue:
    """``count`` synthetic duties of every schedule kind, over the bureau's sections."""
    sections = default_bureau().sections
    kinds: list[dict[str, Any]] = [
        {"kind": "periodic", "every": "month", "offset_workdays": 10},
        {"kind": "periodic", "every": "month", "offset_workdays": 5},
        {"kind": "periodic", "every": "quarter", "offset_workdays": 15},
        {"kind": "periodic", "every": "year", "due": "01-31"},
        {"kind": "once", "due": "06-30"},
        {"kind": "triggered", "source": "event", "within_workdays": 20},
        {"kind": "triggered", "source": "event", "within_days": 20},
        {"kind": "count", "source": "meeting", "at_least": 2},
    ]
    duties = [
        {
            "code": f"D{i:04d}",
            "name": f"公开事项{i}",
            "sections": [sections[i % len(sections)]],
            "basis": "基准测试",
            "confidence": "待核实",
            "schedule": kinds[i % len(kinds)],
        }
        for i in range(count)
    ]
    return catalogue_from_mapping({"duty": duties}, sections=sections)


def _rows(flow: Flow, items: int, tagged: float) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    rng = random.Random(7)
    obligations = [
        (s.obligation.duty.code, s.obligation.period, s.obligation.due)
        for s in flow.duties.status(2026, as_of=AS_OF, items=False)
    ]
    item_rows: list[tuple[Any, ...]] = []
    tag_rows: list[tuple[Any, ...]] = []
    every = max(1, round(1 / tagged)) if tagged > 0 else 0
    for i in range(items):
        item_id = f"i{i:07d}"
        tags: list[str] = []
        published = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i % 500_000)
        state = "published"
        if every and i % every == 0:
            code, period, due = obligations[rng.randrange(len(obligations))]
            published = (due - timedelta(days=rng.randrange(-10, 20))).astimezone(UTC)
            tags = [f"{code}@{period}"]
            if rng.random() < 0.1:
                state = "retracted"
            tag_rows.append(
                (item_id, code, period, published if state == "published" else None, f"信息{i}", "通知公告")
            )
        item_rows.append(
            (
                item_id, f"信息{i}", "other", "正文", "zhangmin", '["就业失业科"]', "就业失业科", "own", False,
                '["website"]', "通知公告", "[]", published, state, "default", 1, 7, "0" * 64, "[]", "[]",
                repr(tags).replace("'", '"'), "0" * 64, 7, 0,
            )
        )  # fmt: skip
    return item_rows, tag_rows


def _naive(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(v.astimezone(UTC).replace(tzinfo=None) if isinstance(v, datetime) else v for v in row)


def fill_sqlite(database: Database, items: list[tuple[Any, ...]], tags: list[tuple[Any, ...]]) -> None:
    raw = database.engine.raw_connection()
    try:
        cur: Any = raw.cursor()
        cur.execute("BEGIN")
        for table, columns, rows in (("gongkai_items", ITEM_COLUMNS, items), ("gongkai_duty_tags", TAG_COLUMNS, tags)):
            marks = ", ".join("?" for _ in columns)
            cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", (_naive(r) for r in rows))
        cur.execute("COMMIT")
        cur.execute("ANALYZE")
    finally:
        raw.close()


def fill_postgres(database: Database, items: list[tuple[Any, ...]], tags: list[tuple[Any, ...]]) -> None:
    raw = database.engine.raw_connection()
    try:
        cur: Any = raw.cursor()
        for table, columns, rows in (("gongkai_items", ITEM_COLUMNS, items), ("gongkai_duty_tags", TAG_COLUMNS, tags)):
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()
    with database.engine.connect() as conn:
        auto = conn.execution_options(isolation_level="AUTOCOMMIT")
        auto.execute(sa.text("VACUUM ANALYZE gongkai_items"))
        auto.execute(sa.text("VACUUM ANALYZE gongkai_duty_tags"))


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def report(name: str, samples: list[float], extra: str = "") -> None:
    samples = sorted(samples)
    p90 = samples[min(len(samples) - 1, int(len(samples) * 0.9))]
    print(f"  {name:<11} p50 {statistics.median(samples):9.2f} ms   p90 {p90:9.2f} ms   ({len(samples)} runs){extra}")


def bench(label: str, database: Database, args: argparse.Namespace, fill: Callable[..., None]) -> None:
    duties = catalogue(args.duties)
    flow = Flow(database=database, duties=duties, plugins=[], dispatch=False)
    try:
        with flow.unit() as repo:
            store = repo.duty_store()
            for duty in duties:
                if duty.schedule.kind.value == "triggered":
                    for n in range(4):
                        when = datetime(2026, 2 + 3 * n, 10, 10, tzinfo=BUREAU_TZ)
                        store.put_duty_event(DutyEvent(duty.code, f"E{n}", when))
        t0 = time.perf_counter()
        items, tags = _rows(flow, args.items, args.tagged)
        fill(database, items, tags)
        print(
            f"{label}: {args.duties:,} duties, {args.items:,} items ({len(tags):,} tagged) "
            f"inserted in {time.perf_counter() - t0:.1f} s"
        )
        found = {"n": 0, "items": 0}

        def counts() -> None:
            found["n"] = len(flow.duties.status(2026, as_of=AS_OF, items=False))

        def with_items() -> None:
            statuses = flow.duties.status(2026, as_of=AS_OF)
            found["items"] = sum(len(s.items) for s in statuses)

        report("counts", timed(counts, args.runs), f"  {found['n']:,} obligations")
        report("with items", timed(with_items, args.runs), f"  {found['items']:,} fulfilling items listed")
    finally:
        flow.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--duties", type=int, default=1_000)
    parser.add_argument("--tagged", type=float, default=0.05, help="share of items tagged with a duty")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg-url", default=os.environ.get("GONGKAI_TEST_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, Database(Path(folder) / "duties.db") as database:
        bench("SQLite", database, args, fill_sqlite)
    if args.pg_url:
        with fresh_schema(args.pg_url, "bench_duties") as url, Database(url) as database:
            bench("PostgreSQL", database, args, fill_postgres)
    else:
        print("PostgreSQL: skipped (no --pg-url / GONGKAI_TEST_DATABASE_URL)")


if __name__ == "__main__":
    main()
