r"""Scale-out on one PostgreSQL: 1, 2 and 4 application processes with 1 or 2 dispatchers.

Each configuration starts from an empty schema, drafts ``--items`` policy documents, then starts
the application processes and the dispatchers together. Application processes take the items
through the whole chain with ``Flow.fire`` (one transaction per transition, dispatch off, the
negative-list guard on); dispatcher processes deliver the outbox meanwhile to a receiver that
records every delivery in a table of its own.

- ``--mode split`` (default): each application process owns a share of the items.
- ``--mode contend``: every process works on every item, firing whatever the item needs next;
  the optimistic version check turns the losers of a race into ``StaleItemError``, which the
  process counts and answers by reading the item again.

Afterwards it checks what a lost or doubled transition would break: every item published, its
trail exactly the seven entries of the chain, positions 1…7, every outbox row delivered exactly
once to every receiver (no delivery twice, none missing), then one seal and ``audit verify``
over everything. A monitor samples ``pg_stat_activity`` every 5 ms for backends waiting on a
lock (``wait_event_type = 'Lock'``): on ``split`` nothing should ever wait on another's lock.

The machine has two cores: more processes than cores shows correctness and contention, not
speed-up. Run::

    GONGKAI_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \
      .venv/bin/python bench/bench_scaleout.py [--items 300] [--mode split|contend|both]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import threading
import time
from typing import Any

import sqlalchemy as sa
from bench_storage import FIELDS, unique_fields  # the storage benchmark's item, with a title each

from gongkai_flow import Action, Flow, Workflow
from gongkai_flow.demo import BUREAU, HAPPY_PATH
from gongkai_flow.errors import StaleItemError
from gongkai_flow.signals import EFFECT_SIGNALS
from gongkai_flow.storage.database import Database, database_url
from gongkai_flow.storage.sql.ledger import link_pending
from gongkai_flow.storage.sql.schema import audit_table, items_table, outbox_table
from gongkai_flow.storage.sql.verify import verify_database
from gongkai_flow.testing import fresh_schema


def next_steps() -> dict[str, tuple[Action, str]]:
    """The next action an item needs in each state of the chain, and who takes it (read off the engine)."""
    workflow = Workflow(require_content_guard=False)
    item = workflow.draft(BUREAU["zhangmin"], **FIELDS).item
    steps = {}
    for action, who in HAPPY_PATH:
        steps[item.state] = (action, who)
        item = workflow.fire(item, action, BUREAU[who]).item
    return steps


NEXT = next_steps()
STEPS = len(NEXT)
DELIVERIES = sa.Table(
    "bench_deliveries",
    sa.MetaData(),
    sa.Column("event_id", sa.String(200), nullable=False),
    sa.Column("receiver", sa.String(60), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
)


def app_process(url: str, item_ids: list[str], contend: bool, start: Any, out: Any) -> None:
    """Take ``item_ids`` through the chain; report (transitions, conflicts, busy seconds)."""
    flow = Flow(database=url, workflow=Workflow(require_content_guard=False), dispatch=False)
    rng = random.Random(os.getpid())
    pending = list(item_ids)
    done = conflicts = 0
    start.wait()
    t0 = time.perf_counter()
    if not contend:  # an owner of its items: each step for all of them, no extra read
        for action, who in NEXT.values():
            for item_id in item_ids:
                flow.fire(item_id, action, BUREAU[who])
                done += 1
        pending = []
    while pending:
        if contend:
            rng.shuffle(pending)
        still = []
        for item_id in pending:
            item = flow.get(item_id)
            if item.state not in NEXT:
                continue
            action, who = NEXT[item.state]
            try:
                flow.fire(item_id, action, BUREAU[who], expected_version=item.version)
                done += 1
            except StaleItemError:
                conflicts += 1
            if flow.get(item_id).state in NEXT:
                still.append(item_id)
        pending = still
    out.put((done, conflicts, time.perf_counter() - t0))
    flow.close()


def dispatcher_process(url: str, start: Any, apps_done: Any, out: Any) -> None:
    """Deliver the outbox until the applications are done and nothing is left; record deliveries."""
    flow = Flow(database=url, workflow=Workflow(require_content_guard=False), dispatch=False)
    engine = sa.create_engine(database_url(url), pool_size=1)
    pid = os.getpid()

    def make(name: str) -> Any:
        def receive(sender: object, *, event: Any) -> None:
            with engine.begin() as conn:
                conn.execute(DELIVERIES.insert(), {"event_id": event.event_id, "receiver": name, "pid": pid})

        receive.__qualname__ = f"bench.{name}"
        return receive

    for event_type, signal in EFFECT_SIGNALS.items():
        if event_type.__name__.startswith("Item") or event_type.__name__ == "TransitionApplied":
            flow.registry.connect(signal, make(signal.name))
    delivered = 0
    start.wait()
    while True:
        finished = apps_done.is_set()
        report = flow.dispatch()
        delivered += report.delivered
        if finished and report.delivered == 0 and flow.dispatch_status().pending == 0:
            break
        if report.delivered == 0:
            time.sleep(0.02)
    out.put(delivered)
    engine.dispose()
    flow.close()


class LockMonitor(threading.Thread):
    """Samples ``pg_stat_activity`` for backends of this database waiting on a lock."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = sa.create_engine(database_url(url), pool_size=1)
        self.stop = threading.Event()
        self.samples = 0
        self.waiting = 0

    def run(self) -> None:
        """Sample until stopped."""
        query = sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        with self.engine.connect() as conn:
            while not self.stop.is_set():
                self.samples += 1
                self.waiting += int(conn.execute(query).scalar_one()) > 0
                conn.rollback()
                time.sleep(0.005)
        self.engine.dispose()


def run_one(pg_url: str, n: int, apps: int, dispatchers: int, contend: bool) -> dict[str, Any]:
    """One configuration on a fresh schema; its throughput and its checks."""
    with fresh_schema(pg_url, "gongkai_scale") as url:
        database = Database(url)
        DELIVERIES.create(database.engine)
        flow = Flow(database=database, workflow=Workflow(require_content_guard=False), dispatch=False)
        ids = [flow.draft(BUREAU["zhangmin"], **unique_fields(k)).id for k in range(n)]
        flow.close()
        ctx = mp.get_context("spawn")
        start = ctx.Event()
        apps_done = ctx.Event()
        results: Any = ctx.Queue()
        delivered: Any = ctx.Queue()
        shares = [ids if contend else ids[k::apps] for k in range(apps)]
        procs = [ctx.Process(target=app_process, args=(url, share, contend, start, results)) for share in shares]
        disp = [
            ctx.Process(target=dispatcher_process, args=(url, start, apps_done, delivered)) for _ in range(dispatchers)
        ]
        for p in (*procs, *disp):
            p.start()
        time.sleep(3)  # let every process import and connect before the clock starts
        monitor = LockMonitor(url)
        monitor.start()
        t0 = time.perf_counter()
        start.set()
        per_app = [results.get() for _ in procs]
        wall = time.perf_counter() - t0
        apps_done.set()
        handled = sum(delivered.get() for _ in disp)
        drained = time.perf_counter() - t0
        monitor.stop.set()
        monitor.join()
        for p in (*procs, *disp):
            p.join()
        checks = check(database, ids)
        database.close()
    transitions = sum(r[0] for r in per_app)
    return {
        "apps": apps,
        "dispatchers": dispatchers,
        "mode": "contend" if contend else "split",
        "transitions": transitions,
        "tps": transitions / wall,
        "conflicts": sum(r[1] for r in per_app),
        "drained_s": drained,
        "delivered": handled,
        "lock_samples": monitor.waiting,
        "samples": monitor.samples,
        **checks,
    }


def check(database: Database, ids: list[str]) -> dict[str, Any]:
    """What a lost or doubled transition or delivery would show."""
    a, o, d, i = audit_table.c, outbox_table.c, DELIVERIES.c, items_table.c
    with database.engine.connect() as conn:
        unpublished = conn.execute(sa.select(sa.func.count()).where(i.id.in_(ids), i.state != "published")).scalar_one()
        trails = conn.execute(
            sa.select(a.item_id, sa.func.count(), sa.func.min(a.position), sa.func.max(a.position)).group_by(a.item_id)
        ).all()
        bad_trails = sum(1 for _, count, low, high in trails if (count, low, high) != (STEPS + 1, 1, STEPS + 1))
        lost_items = len(ids) - len(trails)
        doubled = conn.execute(
            sa.select(sa.func.count()).select_from(
                sa.select(d.event_id, d.receiver)
                .group_by(d.event_id, d.receiver)
                .having(sa.func.count() > 1)
                .subquery()
            )
        ).scalar_one()
        undelivered = conn.execute(
            sa.select(sa.func.count()).where(o.status != "done", o.event_type.not_like("deadline-%"))
        ).scalar_one()
        missing = conn.execute(
            sa.select(sa.func.count())
            .select_from(outbox_table)
            .where(o.event_type.not_like("deadline-%"), ~sa.exists().where(d.event_id == o.event_id))
        ).scalar_one()
    with database.transaction() as conn:
        link_pending(conn)
    with database.transaction(write=False) as conn:
        report, pending = verify_database(conn)
    return {
        "unpublished": unpublished,
        "bad_trails": bad_trails + lost_items,
        "doubled": doubled,
        "undelivered": undelivered,
        "missing": missing,
        "verify_ok": report.ok and pending == 0,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=300, help="items per configuration (×6 transitions)")
    parser.add_argument("--apps", default="1,2,4", help="application process counts")
    parser.add_argument("--dispatchers", default="1,2", help="dispatcher process counts")
    parser.add_argument("--mode", choices=("split", "contend", "both"), default="both")
    parser.add_argument("--pg-url", default=None, help="PostgreSQL URL (default: $GONGKAI_TEST_DATABASE_URL)")
    args = parser.parse_args(argv)
    pg = args.pg_url or os.environ.get("GONGKAI_TEST_DATABASE_URL")
    if not pg:  # a measurement, not a test: say why nothing ran, and exit 0 like the other benchmarks
        print("(scale-out skipped: it needs PostgreSQL; set --pg-url or GONGKAI_TEST_DATABASE_URL)")
        return
    modes = ("split", "contend") if args.mode == "both" else (args.mode,)
    print(f"# scale-out on one PostgreSQL, {args.items} items × {STEPS} transitions, {os.cpu_count()} cores")
    print(
        "mode    | apps | dispatchers | transitions/s | conflicts | drained (s) | lock-wait samples"
        " | unpublished | bad trails | doubled | undelivered | verify"
    )
    print(
        "--------|-----:|------------:|--------------:|----------:|------------:|------------------:"
        "|------------:|-----------:|--------:|------------:|-------"
    )
    for mode in modes:
        for apps in (int(x) for x in args.apps.split(",")):
            for dispatchers in (int(x) for x in args.dispatchers.split(",")):
                r = run_one(pg, args.items, apps, dispatchers, mode == "contend")
                print(
                    f"{r['mode']:<7} | {apps:>4} | {dispatchers:>11} | {r['tps']:>13,.0f} | {r['conflicts']:>9}"
                    f" | {r['drained_s']:>11.1f} | {r['lock_samples']:>6} of {r['samples']:<8}"
                    f" | {r['unpublished']:>11} | {r['bad_trails']:>10} | {r['doubled']:>7}"
                    f" | {r['undelivered'] + r['missing']:>11} | {'ok' if r['verify_ok'] else 'FAIL'}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
