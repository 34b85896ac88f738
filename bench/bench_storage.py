"""Storage benchmarks: persisted transitions/s, worklist latency at scale, memory while streaming.

Run ``python bench/bench_storage.py`` (quick: 100,000 items for the worklist) or
``python bench/bench_storage.py --worklist-items 1000000`` for the issue's figures. PostgreSQL
runs when ``--pg-url`` or ``GONGKAI_TEST_DATABASE_URL`` names one (a fresh schema is created
and dropped). Results are printed side by side, one table per benchmark:

1. **Transitions/s** — one action per transaction (read the item, ``Workflow.fire``, ``save``:
   item row with version check, audit entry, two outbox events; commit), through the repository
   and through the ``Flow`` façade, next to a raw SQLAlchemy Core loop doing the floor's writes
   per transaction (one update with a version check, one audit insert, one outbox insert).
   **1b** — what tamper evidence costs: one seal (``link_pending``) over every audit row those
   transitions wrote (rows linked per second, and the seal's time per persisted transition), then
   ``gongkai audit verify``'s whole pass (``verify_database``) over the N items.
2. **Worklist latency** — ``worklist(actor)`` over N items built with bulk inserts (mostly
   finished items, ``--in-flight`` of them under review), for every kind of reviewer: p50/p99 of
   the first page (50 items, what a 待办 screen shows) and of the full list.
3. **Memory while streaming** — RSS while every item streams out of the database through the
   chain's ``available_actions``, and while items are pushed through the whole chain.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa

from gongkai_flow import Action, Actor, Flow, Role, Workflow
from gongkai_flow.demo import BUREAU, HAPPY_PATH
from gongkai_flow.model import DisclosureItem, ItemKind
from gongkai_flow.storage.database import Database
from gongkai_flow.storage.hashchain import GENESIS
from gongkai_flow.storage.sql import SqlRepository
from gongkai_flow.storage.sql.ledger import link_pending
from gongkai_flow.storage.sql.mapping import item_values, worklist_values
from gongkai_flow.storage.sql.schema import (
    audit_links_table,
    audit_table,
    items_table,
    outbox_table,
    timer_history_table,
    timers_table,
    worklist_table,
)
from gongkai_flow.storage.sql.verify import verify_database
from gongkai_flow.storage.sql.worklist import OPEN_LINES, work_params, work_queries, work_shape
from gongkai_flow.storage.worklist import work_rows
from gongkai_flow.testing import fresh_schema

PEOPLE = dict(BUREAU)
CHAIN = HAPPY_PATH
FIELDS: dict[str, Any] = {
    "title": "关于做好2019年高校毕业生就业创业工作的通知",
    "kind": ItemKind.POLICY_DOCUMENT,
    "body": "各区县人力资源和社会保障局：为做好2019年高校毕业生就业创业工作，现就有关事项通知如下……" * 8,
    "attribute": "主动公开",
    "platforms": ["网站", "新媒体"],
    "column": "政策文件",
}


def unique_fields(k: int) -> dict[str, Any]:
    """FIELDS with a title of its own: no two items share content (a scan or hash memo gets no free hits)."""
    return {**FIELDS, "title": f"{FIELDS['title']}（第{k + 1}号）"}


def rss_mib() -> float:
    """The process's resident memory now (Linux), in MiB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


@contextmanager
def databases(args: argparse.Namespace, stem: str = "gongkai_bench") -> Iterator[dict[str, str]]:
    """Fresh databases per backend: a SQLite file in a temp dir, a PostgreSQL schema; removed after."""
    pg = args.pg_url or os.environ.get("GONGKAI_TEST_DATABASE_URL")
    with tempfile.TemporaryDirectory(prefix="gongkai-bench-", dir=args.workdir) as folder, ExitStack() as stack:
        urls = {"sqlite": str(Path(folder) / f"{stem}.db")}
        if pg and "postgresql" in args.backends:
            urls["postgresql"] = stack.enter_context(fresh_schema(pg, stem))
        yield {k: v for k, v in urls.items() if k in args.backends}


def reset(database: Database) -> None:
    """Empty every table."""
    with database.engine.begin() as conn:
        tables = (audit_links_table, timer_history_table, timers_table, worklist_table, audit_table, outbox_table)
        for table in (*tables, items_table):
            conn.execute(table.delete())


# --- 1. transitions per second ------------------------------------------------------------------


def draft_many(database: Database, workflow: Workflow, n: int) -> list[DisclosureItem]:
    """``n`` drafted items, saved in one transaction."""
    items = []
    with database.transaction() as conn:
        repo = SqlRepository(conn, workflow=workflow)
        for k in range(n):
            outcome = workflow.draft(PEOPLE["zhangmin"], **unique_fields(k))
            repo.save(outcome)
            items.append(outcome.item)
    return items


#: One transition of one path: ``(step, k)`` takes the chain's ``step`` on the path's ``k``-th item,
#: in one transaction of its own.
Transition = Callable[[int, int], None]
#: A path: sets up ``n`` drafted items on a database and yields its :data:`Transition`.
PathSetup = Callable[[Database, Workflow, int], AbstractContextManager[Transition]]


@contextmanager
def repository_path(database: Database, workflow: Workflow, n: int) -> Iterator[Transition]:
    """``SqlRepository``: one transaction per action (get, fire, save, commit)."""
    items = draft_many(database, workflow, n)
    actors = [PEOPLE[who] for _, who in CHAIN]

    def transition(step: int, k: int) -> None:
        with database.transaction() as conn:
            repo = SqlRepository(conn, workflow=workflow)
            repo.save(workflow.fire(repo.get(items[k].id), CHAIN[step][0], actors[step]))

    yield transition


@contextmanager
def flow_path(database: Database, workflow: Workflow, n: int) -> Iterator[Transition]:
    """``Flow.fire`` (dispatch left to a worker; drafted through ``Flow``, so clocks run)."""
    flow = Flow(database=database, workflow=workflow, dispatch=False)
    try:
        items = [flow.draft(PEOPLE["zhangmin"], **unique_fields(k)) for k in range(n)]
        actors = [PEOPLE[who] for _, who in CHAIN]

        def transition(step: int, k: int) -> None:
            flow.fire(items[k].id, CHAIN[step][0], actors[step])

        yield transition
    finally:
        flow.registry.close()


def transitions_per_second(
    path: PathSetup, database: Database, workflow: Workflow, n: int, started: Any = None
) -> float:
    """Every item through the chain on ``path``, step by step; transitions/s (``started`` runs after the set-up)."""
    with path(database, workflow, n) as transition:
        if started is not None:
            started()
        start = time.perf_counter()
        for step in range(len(CHAIN)):
            for k in range(n):
                transition(step, k)
        return n * len(CHAIN) / (time.perf_counter() - start)


def bench_repository(database: Database, workflow: Workflow, n: int, started: Any = None) -> float:
    """Transitions/s through ``SqlRepository`` (see :func:`repository_path`)."""
    return transitions_per_second(repository_path, database, workflow, n, started)


def _floor_values() -> dict[str, Any]:
    """Realistic values for the floor's rows (sizes as the engine writes them)."""
    signature = {
        "stage": "attribute_review",
        "role": "attribute_reviewer",
        "actor_id": "lihua",
        "actor_name": "李华",
        "section": "局办公室",
        "content_hash": "c" * 64,
        "at": datetime.now(UTC).isoformat(),
        "opinion": None,
    }
    audit_row = {
        "action": "approve",
        "actor_id": "lihua",
        "actor_name": "李华",
        "role": "attribute_reviewer",
        "section": "局办公室",
        "from_state": "attribute_review",
        "to_state": "legal_review",
        "decision": "同意",
        "content_hash": "c" * 64,
        "opinion": "同意主动公开",
        "signed": True,
        "overrides": [],
        "prev_hash": "0" * 64,
        "hash": "1" * 64,
    }
    payload = json.dumps({"type": "transition-applied", "item_id": "x" * 32, "note": "x" * 300})
    return {"signature": signature, "audit": audit_row, "payload": payload}


def events_per_step(workflow: Workflow) -> list[int]:
    """How many outbox events each step of the chain stores (the floor writes as many rows)."""
    item = workflow.draft(PEOPLE["zhangmin"], **FIELDS).item
    counts = []
    for action, who in CHAIN:
        outcome = workflow.fire(item, action, PEOPLE[who])
        counts.append(len(outcome.events))
        item = outcome.item
    return counts


@contextmanager
def floor_path(database: Database, workflow: Workflow, n: int, *, clocks: bool = False) -> Iterator[Transition]:
    """A raw SQLAlchemy Core loop doing a transition's I/O, one transaction each.

    Per transition: the read the decision needs (the item's row by primary key), one versioned
    UPDATE of the columns an approval changes (state, version, signatures, audit head, worklist
    columns), one audit INSERT, and one outbox INSERT of as many rows as the engine stores events
    for that step. With ``clocks`` (what ``Flow`` stores on top of the repository), the publication
    also closes the 形成 clock and starts the 政策解读 clock: an UPDATE and an INSERT of timers, two
    INSERTs of their history. No engine, no mapping, no hashing, no other read.
    """
    items = draft_many(database, workflow, n)
    events = events_per_step(workflow)
    v = _floor_values()
    i = items_table.c
    columns = ["state", "version", "signatures", "updated_at", "audit_head", "audit_count", "wl_role"]
    columns += ["wl_scope", "wl_key", "wl_open", "wl_blocked", "wl_since", "wl_extra"]
    read = sa.select(items_table).where(i.id == sa.bindparam("b_id"))
    update = (
        items_table.update()
        .where(i.id == sa.bindparam("b_id"), i.version == sa.bindparam("b_version"))
        .values({c: sa.bindparam(c) for c in columns})
    )
    t = timers_table.c
    close_timer = (
        timers_table.update()
        .where(t.id == sa.bindparam("b_id"))
        .values(status=sa.bindparam("status"), closed_at=sa.bindparam("closed_at"))
    )
    publish = len(CHAIN) - 1
    engine = database.writer
    if clocks:  # the 形成 clocks Flow's drafts started
        _floor_start_d1(database, items)

    def transition(step: int, k: int) -> None:
        item = items[k]
        now = datetime.now(UTC)
        version = item.version + step
        event_ids = [uuid.uuid4().hex for _ in range(events[step])]
        with engine.begin() as conn:
            conn.execute(read, {"b_id": item.id}).one()
            result = conn.execute(
                update,
                {
                    "b_id": item.id,
                    "b_version": version,
                    "state": f"s{step}",
                    "version": version + 1,
                    "signatures": [v["signature"]] * (step + 1),
                    "updated_at": now,
                    "audit_head": "1" * 64,
                    "audit_count": version + 1,
                    "wl_role": "legal_reviewer",
                    "wl_scope": "any",
                    "wl_key": "",
                    "wl_open": True,
                    "wl_blocked": "",
                    "wl_since": now,
                    "wl_extra": 0,
                },
            )
            assert result.rowcount == 1
            conn.execute(
                audit_table.insert(),
                {**v["audit"], "item_id": item.id, "position": version + 1, "at": now, "event_id": event_ids[0]},
            )
            conn.execute(
                outbox_table.insert(),
                [
                    {
                        "event_id": event_id,
                        "event_type": "transition-applied",
                        "item_id": item.id,
                        "payload": v["payload"],
                        "created_at": now,
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                    }
                    for event_id in event_ids
                ],
            )
            if clocks and step == publish:
                _floor_clocks(conn, close_timer, item.id, now)

    yield transition


def floor_with_clocks_path(database: Database, workflow: Workflow, n: int) -> AbstractContextManager[Transition]:
    """:func:`floor_path` with the publication's clock writes (the floor of ``Flow.fire``)."""
    return floor_path(database, workflow, n, clocks=True)


def _floor_clocks(conn: sa.Connection, close_timer: sa.Update, item_id: str, now: datetime) -> None:
    """The publication's clock writes: close D1, start D15, one history row each."""
    conn.execute(close_timer, {"b_id": f"{item_id}:D1", "status": "closed", "closed_at": now})
    history = {"content": {"status": "closed", "at": now.isoformat()}, "prev_hash": "0" * 64, "hash": "1" * 64}
    conn.execute(
        timer_history_table.insert(), {**history, "timer_id": f"{item_id}:D1", "position": 2, "recorded_at": now}
    )
    conn.execute(timers_table.insert(), _timer_row(f"{item_id}:D15", "D15", item_id, now))
    conn.execute(
        timer_history_table.insert(), {**history, "timer_id": f"{item_id}:D15", "position": 1, "recorded_at": now}
    )


def _floor_start_d1(database: Database, items: list[DisclosureItem]) -> None:
    now = datetime.now(UTC)
    history = {"content": {"status": "running"}, "prev_hash": "0" * 64, "hash": "1" * 64, "position": 1}
    with database.writer.begin() as conn:
        conn.execute(timers_table.insert(), [_timer_row(f"{item.id}:D1", "D1", item.id, now) for item in items])
        rows = [{**history, "timer_id": f"{item.id}:D1", "recorded_at": now} for item in items]
        conn.execute(timer_history_table.insert(), rows)


def _timer_row(timer_id: str, rule: str, subject: str, now: datetime) -> dict[str, Any]:
    return {
        "id": timer_id,
        "rule_id": rule,
        "subject_id": subject,
        "started_at": now,
        "due": now + timedelta(days=3),
        "responsible": "政策法规科",
        "status": "running",
        "provisional": False,
        "extended_days": 0,
        "notified": "",
        "next_check_at": now + timedelta(days=2),
    }


def written(database: Database) -> dict[str, int]:
    """Rows in the tables a transition writes (to show the floor wrote what its peer wrote)."""
    with database.engine.connect() as conn:
        return {
            t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for t in (audit_table, outbox_table, timers_table, timer_history_table)
        }


def statements_per_transition(
    database: Database, workflow: Workflow, path: PathSetup, n: int = 20
) -> tuple[float, float]:
    """SQL statements and round trips per transition of ``path``, counted in a separate, untimed pass.

    Statements are what the driver executes, ``BEGIN`` left out; round trips add each
    transaction's ``BEGIN`` and ``COMMIT`` (each a message to a server; SQLite has no server,
    the figure says how many calls into the library a transition makes).
    """
    reset(database)
    counts = {"statements": 0, "commits": 0}
    on = [False]

    def on_execute(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if on[0] and not statement.lstrip().upper().startswith("BEGIN"):
            counts["statements"] += 1

    def on_commit(*_: Any) -> None:
        if on[0]:
            counts["commits"] += 1

    sa.event.listen(database.engine, "before_cursor_execute", on_execute)
    sa.event.listen(database.engine, "commit", on_commit)
    try:
        transitions_per_second(path, database, workflow, n, started=lambda: on.__setitem__(0, True))
    finally:
        sa.event.remove(database.engine, "before_cursor_execute", on_execute)
        sa.event.remove(database.engine, "commit", on_commit)
    transitions = n * len(CHAIN)
    return counts["statements"] / transitions, (counts["statements"] + 2 * counts["commits"]) / transitions


#: The paths of benchmark 1 by name; each floor is set beside its peer.
PATHS: dict[str, PathSetup] = {
    "floor": floor_path,
    "repo": repository_path,
    "floor+clocks": floor_with_clocks_path,
    "flow": flow_path,
}
PAIRS: tuple[tuple[str, str], ...] = (("floor", "repo"), ("floor+clocks", "flow"))


def interleaved(
    floor: PathSetup, peer: PathSetup, databases: tuple[Database, Database], workflow: Workflow, n: int
) -> tuple[float, float]:
    """Transitions/s of ``floor`` and ``peer`` run transition by transition, each on its own database.

    Each transition of one is followed by the same transition of the other (which goes first
    alternates), so a slow second of the machine falls on both alike: on a shared virtual machine
    the ratio of two back-to-back runs moves by ±15 %, this one by a point or two.
    """
    first, second = databases
    reset(first)
    reset(second)
    spent = [0.0, 0.0]
    perf = time.perf_counter
    with floor(first, workflow, n) as floor_transition, peer(second, workflow, n) as peer_transition:
        for step in range(len(CHAIN)):
            for k in range(n):
                order = ((0, floor_transition), (1, peer_transition))
                for side, transition in order if k % 2 == 0 else order[::-1]:
                    t = perf()
                    transition(step, k)
                    spent[side] += perf() - t
    return n * len(CHAIN) / spent[0], n * len(CHAIN) / spent[1]


def _ratios(floors: list[float], peers: list[float]) -> list[float]:
    """Each round's peer against the same round's floor."""
    return [peer / floor for floor, peer in zip(floors, peers, strict=True)]


def run_transitions(urls: dict[str, str], seconds: dict[str, str], n: int, rounds: int) -> None:
    """Benchmark 1: each path alone (best of ``rounds``), then each pair transition by transition."""
    what = f"{n} items × {len(CHAIN)} transitions, one transaction each, best of {rounds}"
    print(f"\n## 1. Persisted transitions/s ({what})")
    print(
        "backend      | floor (repository's I/O) | SqlRepository | repo/floor"
        " | floor (+ clocks' I/O) | Flow.fire | flow/floor"
    )
    print(
        "-------------|-------------------------:|--------------:|-----------:|----------------------:|----------:|-----------:"
    )
    counted: dict[str, dict[str, tuple[float, float]]] = {}
    paired: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for name, url in urls.items():
        database = Database(url)
        workflow = Workflow(require_content_guard=False)
        best = dict.fromkeys(PATHS, 0.0)
        each: dict[str, list[float]] = {key: [] for key in PATHS}
        rows: dict[str, dict[str, int]] = {}
        for path in PATHS.values():  # untimed: the database file grows to size and imports happen once
            reset(database)
            transitions_per_second(path, database, workflow, n)
        for _ in range(rounds):  # round by round, so machine noise hits every path alike
            for key, path in PATHS.items():
                reset(database)
                each[key].append(transitions_per_second(path, database, workflow, n))
                best[key] = max(best[key], each[key][-1])
                rows[key] = written(database)
        for floor, peer in PAIRS:
            if rows[floor] != rows[peer]:  # the floor must write what its peer writes
                print(f"   !! {floor} wrote {rows[floor]}, {peer} wrote {rows[peer]}", file=sys.stderr)
        print(
            f"{name:<12} | {best['floor']:>24,.0f} | {best['repo']:>13,.0f} | {best['repo'] / best['floor']:>10.0%}"
            f" | {best['floor+clocks']:>21,.0f} | {best['flow']:>9,.0f} | {best['flow'] / best['floor+clocks']:>10.0%}"
        )
        # Each round's peer against the same round's floor: less at the mercy of one lucky round.
        within = {peer: statistics.median(_ratios(each[floor], each[peer])) for floor, peer in PAIRS}
        print(f"{'':<12}   median of each round's own ratio: repo {within['repo']:.0%}, flow {within['flow']:.0%}")
        counted[name] = {key: statements_per_transition(database, workflow, path) for key, path in PATHS.items()}
        with Database(seconds[name]) as other:
            paired[name] = {
                peer: [interleaved(PATHS[floor], PATHS[peer], (database, other), workflow, n) for _ in range(rounds)]
                for floor, peer in PAIRS
            }
            reset(other)
        reset(database)
        database.close()
    print(
        "\nStatements / round trips per transition (a separate pass of 20 items; round trips include BEGIN and COMMIT):"
    )
    print("backend      | floor | SqlRepository | floor (+ clocks) | Flow.fire")
    print("-------------|------:|--------------:|-----------------:|----------:")
    for name, c in counted.items():
        cells = [f"{c[k][0]:.2f} / {c[k][1]:.2f}" for k in PATHS]
        print(f"{name:<12} | " + " | ".join(cells))
    print(
        f"\nTransition by transition ({rounds} rounds; each transition of a floor followed by its peer's on a second"
        " database, the order alternating; the ratio of the summed times, median of the rounds [lowest, highest]):"
    )
    print("backend      | repo/floor          | flow/floor (+ clocks)")
    print("-------------|--------------------:|---------------------:")
    for name, by_peer in paired.items():
        cells = []
        for peer in ("repo", "flow"):
            ratios = sorted(b / a for a, b in by_peer[peer])
            cells.append(f"{statistics.median(ratios):.1%} [{ratios[0]:.0%}, {ratios[-1]:.0%}]")
        print(f"{name:<12} | {cells[0]:>19} | {cells[1]:>20}")
    run_sealing(urls, n)


def bench_sealing(database: Database, workflow: Workflow, n: int) -> dict[str, float]:
    """Transitions through ``SqlRepository``, then one seal of every row they wrote, then ``audit verify``."""
    reset(database)
    tps = bench_repository(database, workflow, n)
    transitions = n * len(CHAIN)
    start = time.perf_counter()
    with database.transaction() as conn:
        linked = link_pending(conn)
    seal_s = time.perf_counter() - start
    start = time.perf_counter()
    with database.transaction(write=False) as conn:
        report, pending = verify_database(conn)
    verify_s = time.perf_counter() - start
    assert report.ok, report.problems[:3]
    assert pending == 0
    fire_s = transitions / tps
    return {
        "tps": tps,
        "linked": linked,
        "rows_s": linked / seal_s,
        "us_per_transition": seal_s / transitions * 1e6,
        "tps_sealed": transitions / (fire_s + seal_s),
        "verify_s": verify_s,
        "items_s": n / verify_s,
    }


def run_sealing(urls: dict[str, str], n: int) -> None:
    print(f"\n## 1b. Sealing and verifying ({n} items × {len(CHAIN)} transitions, then one seal, then audit verify)")
    print(
        "backend      | SqlRepository tr/s | seal: rows linked/s | seal µs/transition | tr/s incl. seal"
        " | audit verify (s) | verified items/s"
    )
    print(
        "-------------|-------------------:|--------------------:|-------------------:|----------------:"
        "|-----------------:|-----------------:"
    )
    for name, url in urls.items():
        database = Database(url)
        r = bench_sealing(database, Workflow(require_content_guard=False), n)
        print(
            f"{name:<12} | {r['tps']:>18,.0f} | {r['rows_s']:>19,.0f} | {r['us_per_transition']:>18,.0f} |"
            f" {r['tps_sealed']:>15,.0f} | {r['verify_s']:>16.2f} | {r['items_s']:>16,.0f}"
        )
        reset(database)
        database.close()


# --- 2. worklist latency -------------------------------------------------------------------------

SECTIONS = [f"第{i:02d}科" for i in range(1, 21)]
IN_FLIGHT_STATES = ["drafted", "attribute_review", "legal_review", "section_review", "leader_review", "approved"]


def templates(workflow: Workflow) -> dict[str, DisclosureItem]:
    """One item in every state of the happy path, made by the engine (so signatures are real)."""
    drafter = Actor("d0001", "承办人", SECTIONS[0], {Role.DRAFTER})
    reviewers = {
        "attribute_review": Actor("attr", "李华", "局办公室", {Role.ATTRIBUTE_REVIEWER}),
        "legal_review": Actor("legal", "王芳", "政策法规科", {Role.LEGAL_REVIEWER}),
        "section_review": Actor("head01", "科长", SECTIONS[0], {Role.SECTION_HEAD}),
        "leader_review": Actor("leader01", "分管领导", "局领导", {Role.LEADER}, in_charge_of={SECTIONS[0]}),
        "approved": Actor("pub", "陈静", "行政许可科（12333）", {Role.PUBLISHER}),
    }
    item = workflow.draft(drafter, item_id="template", sections=[SECTIONS[0]], **FIELDS).item
    out = {"drafted": item}
    item = workflow.fire(item, Action.SUBMIT, drafter).item
    for state in ("attribute_review", "legal_review", "section_review", "leader_review", "approved"):
        out[state] = item
        action = Action.PUBLISH if state == "approved" else Action.APPROVE
        item = workflow.fire(item, action, reviewers[state]).item
    out["published"] = item
    return out


def build_items(database: Database, workflow: Workflow, total: int, in_flight: float, seed: int = 7) -> None:
    """Bulk-insert ``total`` items: a share ``in_flight`` spread over the review states, the rest published."""
    rng = random.Random(seed)
    base = templates(workflow)
    rows_by_state = {state: item_values(item) for state, item in base.items()}
    start = datetime(2019, 1, 1, tzinfo=UTC)
    batch: list[dict[str, Any]] = []
    t0 = time.perf_counter()

    def flush() -> None:
        with database.writer.begin() as conn:
            conn.execute(items_table.insert(), batch)
        batch.clear()

    for n in range(total):
        section = SECTIONS[n % len(SECTIONS)]
        drafter = f"d{n % 2000:04d}"
        moment = start + timedelta(minutes=n)
        if rng.random() < in_flight:
            state = rng.choice(IN_FLIGHT_STATES)
            item = attrs.evolve(base[state], id=f"i{n:07d}", drafter_id=drafter, sections=(section,))
            row = item_values(item)
            row.update(worklist_values(work_rows(workflow, item), moment))
        else:
            row = dict(rows_by_state["published"])
            row.update(id=f"i{n:07d}", drafter_id=drafter, sections=[section], lead_section=section)
            row.update(worklist_values((), None))
        row.update(created_at=moment, updated_at=moment, audit_head=GENESIS, audit_count=0)
        batch.append(row)
        if len(batch) >= 5000:
            flush()
            if (n + 1) % 200_000 == 0:
                print(f"   … {n + 1:,} rows in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if batch:
        flush()
    if database.url.get_backend_name() == "postgresql":
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE gongkai_items"))
    else:
        with database.writer.begin() as conn:
            conn.execute(sa.text("ANALYZE"))


def worklist_actors() -> list[Actor]:
    """Every kind of person with a worklist: reviewers, section heads, leaders, drafters, the publisher."""
    actors = [
        Actor("attr", "李华", "局办公室", {Role.ATTRIBUTE_REVIEWER}),
        Actor("legal", "王芳", "政策法规科", {Role.LEGAL_REVIEWER}),
        Actor("pub", "陈静", "行政许可科（12333）", {Role.PUBLISHER}),
    ]
    for i in range(0, 20, 4):
        actors.append(Actor(f"head{i}", "科长", SECTIONS[i], {Role.SECTION_HEAD}))
        actors.append(
            Actor(f"leader{i}", "分管领导", "局领导", {Role.LEADER}, in_charge_of={SECTIONS[i], SECTIONS[i + 1]})
        )
    actors.extend(Actor(f"d{n:04d}", "承办人", SECTIONS[n % 20], {Role.DRAFTER}) for n in (1, 777, 1999))
    return actors


def explain_worklist(conn: sa.Connection, actor: Actor) -> list[str]:
    """The query plans of ``actor``'s full worklist on this connection's database, as its tools print them."""
    lines_query, ordered, _ = work_queries(work_shape(actor, None))
    statements: list[Any] = [ordered, OPEN_LINES] if conn.dialect.name == "sqlite" else [lines_query]
    lines: list[str] = []
    ids = [line.id for line in SqlRepository(conn).worklist(actor)][:500] or ["-"]
    for statement in statements:
        compiled = statement.compile(dialect=conn.dialect)
        params = {**compiled.params, **work_params(actor, None), "ids": ids}
        if conn.dialect.name == "sqlite":
            text = str(compiled).replace("(__[POSTCOMPILE_ids])", "(" + ", ".join("?" * len(ids)) + ")")
            args: Any = tuple(
                value for name in compiled.positiontup or () for value in (ids if name == "ids" else [params[name]])
            )
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + text, args).all()
            lines += [row[-1] for row in rows]
        else:
            text = str(compiled)
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + text, params).all()
            lines += [row[0] for row in rows]
    return lines


def run_worklist(
    urls: dict[str, str], total: int, in_flight: float, repeats: int, *, stream: bool = True, explain: bool = False
) -> None:
    print(f"\n## 2. worklist(actor) latency, {total:,} items ({in_flight:.1%} under review), {repeats} calls per actor")
    print("backend      | build (s) | page of 50: p50 / p99 (ms) | full list: p50 / p99 (ms) | full list sizes")
    print("-------------|----------:|---------------------------:|--------------------------:|----------------")
    for name, url in urls.items():
        database = Database(url)
        reset(database)
        workflow = Workflow(require_content_guard=False)
        t0 = time.perf_counter()
        build_items(database, workflow, total, in_flight)
        built = time.perf_counter() - t0
        actors = worklist_actors()
        page: list[float] = []
        full: list[float] = []
        sizes: list[int] = []
        with database.engine.connect() as conn:
            repo = SqlRepository(conn, workflow=workflow)
            for actor in actors:  # warm up caches and statement compilation, both shapes
                repo.worklist(actor, limit=50)
                repo.worklist(actor)
            for _ in range(repeats):
                for actor in actors:
                    t = time.perf_counter()
                    repo.worklist(actor, limit=50)
                    page.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    got = repo.worklist(actor)
                    full.append(time.perf_counter() - t)
                    sizes.append(len(got))
            conn.rollback()
        print(
            f"{name:<12} | {built:>9.0f} | {percentile(page, 0.5) * 1e3:>11.2f} / {percentile(page, 0.99) * 1e3:>6.2f}"
            f"       | {percentile(full, 0.5) * 1e3:>11.2f} / {percentile(full, 0.99) * 1e3:>6.2f}      |"
            f" {min(sizes)}–{max(sizes)} (median {statistics.median(sizes):.0f})"
        )
        if explain:
            with database.engine.connect() as conn:
                for line in explain_worklist(conn, actors[0]):
                    print(f"    {line}")
                conn.rollback()
        if name == "sqlite" and stream:
            run_stream(database, workflow, total)
        database.close()


# --- 3. memory while streaming -------------------------------------------------------------------


def run_stream(database: Database, workflow: Workflow, total: int) -> None:
    """RSS while all items stream out of the database through the chain."""
    gc.collect()
    samples: list[float] = []
    start = rss_mib()
    t0 = time.perf_counter()
    n = 0
    allowed = 0
    actor = PEOPLE["lihua"]
    with database.engine.connect() as conn:
        for item in SqlRepository(conn, workflow=workflow).items():
            allowed += any(o.allowed for o in workflow.available_actions(item, actor))
            n += 1
            if n % max(1, total // 20) == 0:
                samples.append(rss_mib())
        conn.rollback()
    print(
        f"\n## 3a. Streaming {n:,} items out of SQLite through available_actions: {time.perf_counter() - t0:.0f} s;"
        f" RSS at start {start:.0f} MiB, samples {min(samples):.0f}–{max(samples):.0f} MiB ({allowed:,} actionable)"
    )


def run_push(url: str, n: int) -> None:
    """RSS while ``n`` items are drafted and pushed through the whole chain (one transaction per action)."""
    database = Database(url)
    reset(database)
    workflow = Workflow(require_content_guard=False)
    flow = Flow(database=database, workflow=workflow, dispatch=True)
    gc.collect()
    samples: list[float] = []
    t0 = time.perf_counter()
    for k in range(n):
        item = flow.draft(PEOPLE["zhangmin"], **FIELDS)
        for action, who in CHAIN:
            flow.fire(item.id, action, PEOPLE[who])
        if k % max(1, n // 10) == 0:
            samples.append(rss_mib())
    elapsed = time.perf_counter() - t0
    print(
        f"## 3b. {n:,} items pushed through the whole chain on SQLite with dispatch ({n * 7:,} transactions,"
        f" {n * 7 / elapsed:,.0f}/s): RSS samples {samples[0]:.0f} → {samples[-1]:.0f} MiB (max {max(samples):.0f})"
    )
    flow.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--transition-items", type=int, default=300, help="items per transitions run (×6 transitions)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the transitions benchmark")
    parser.add_argument("--worklist-items", type=int, default=100_000, help="items in the worklist database")
    parser.add_argument("--in-flight", type=float, default=0.01, help="share of the items under review")
    parser.add_argument("--repeats", type=int, default=20, help="worklist calls per actor")
    parser.add_argument("--push-items", type=int, default=1000, help="items pushed through the chain for 3b")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--pg-url", default=None, help="PostgreSQL URL (default: $GONGKAI_TEST_DATABASE_URL)")
    parser.add_argument("--workdir", default=None, help="where the SQLite file goes (default: the temp dir)")
    parser.add_argument("--only", default="1,2,3", help="which benchmarks to run (comma-separated numbers)")
    parser.add_argument("--explain", action="store_true", help="2: print the query plans of a reviewer's full list")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))  # still drop the temporary databases
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    only = set(args.only.split(","))
    print(f"# gongkai_flow storage benchmarks — python {sys.version.split()[0]}, sqlalchemy {sa.__version__}")
    with databases(args) as urls:
        if "postgresql" in args.backends and "postgresql" not in urls:
            print("(PostgreSQL skipped: set --pg-url or GONGKAI_TEST_DATABASE_URL)")
        if "1" in only:
            with databases(args, "gongkai_bench_peer") as seconds:
                run_transitions(urls, seconds, args.transition_items, args.rounds)
        if "2" in only:
            run_worklist(
                urls, args.worklist_items, args.in_flight, args.repeats, stream="3" in only, explain=args.explain
            )
        if "3" in only and "sqlite" in urls:
            run_push(urls["sqlite"], args.push_items)


if __name__ == "__main__":
    main()
