"""Real processes racing: optimistic concurrency, several dispatch workers, a worker killed mid-delivery."""

from __future__ import annotations

import multiprocessing
import queue
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa

from gongkai_flow import Action, Actor, Workflow
from gongkai_flow.dispatch import Dispatcher
from gongkai_flow.storage.database import Database
from gongkai_flow.storage.sql import SqlOutbox, SqlRepository

from . import storage_workers
from .conftest import policy_fields

RACERS = 8
ctx = multiprocessing.get_context("spawn")


def prepare(url: str, people: dict[str, Actor], count: int, state: str) -> list[str]:
    """``count`` items driven to ``attribute_review`` (``submitted``) or left drafted, in one transaction."""
    database = Database(url, create=False)
    workflow = Workflow(require_content_guard=False)
    ids = []
    with database.transaction() as conn:
        repo = SqlRepository(conn, workflow=workflow)
        for n in range(count):
            outcome = workflow.draft(people["zhangmin"], **policy_fields(title=f"第{n}号通知"))
            repo.save(outcome)
            if state == "attribute_review":
                repo.save(workflow.fire(outcome.item, Action.SUBMIT, people["zhangmin"]))
            ids.append(outcome.item.id)
    database.close()
    return ids


def run_all(processes: Sequence[multiprocessing.process.BaseProcess], timeout: float = 180) -> None:
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout)
    for p in processes:
        if p.is_alive():
            p.kill()
    assert [p.exitcode for p in processes] == [0] * len(processes)


def test_eight_processes_racing_for_the_same_items_exactly_one_wins_each(
    sql_url: str, people: dict[str, Actor]
) -> None:
    """8 reviewers approve the same items at once: one wins per item, 7 get StaleItemError, nothing half-written."""
    item_ids = prepare(sql_url, people, 6, "attribute_review")
    barrier = ctx.Barrier(RACERS)
    results = ctx.Queue()
    racers = [
        ctx.Process(target=storage_workers.race, args=(sql_url, n, item_ids, barrier, results)) for n in range(RACERS)
    ]
    run_all(racers)
    outcomes: list[tuple[str, int, str]] = []
    while len(outcomes) < RACERS * len(item_ids):
        outcomes.append(results.get(timeout=10))
    with pytest.raises(queue.Empty):
        results.get(timeout=0.1)
    database = Database(sql_url, create=False)
    with database.transaction(write=False) as conn:
        repo = SqlRepository(conn)
        for item_id in item_ids:
            codes = Counter(code for i, _, code in outcomes if i == item_id)
            assert codes == {"won": 1, "storage.stale_item": RACERS - 1}, codes
            winner = next(n for i, n, code in outcomes if i == item_id and code == "won")
            item = repo.get(item_id)
            assert item.state == "legal_review"
            assert item.version == 3
            trail = repo.audit(item_id)
            assert [e.action for e in trail] == ["draft", "submit", "approve"]
            assert trail[-1].actor_id == f"reviewer{winner}"
        assert repo.verify_audit().ok
        assert len(repo.pending_events(10_000)) == len(item_ids) * 5
    database.close()


@pytest.mark.parametrize("workers", [4])
def test_several_dispatch_workers_never_deliver_an_event_twice(
    sql_url: str, people: dict[str, Actor], tmp_path: Path, workers: int
) -> None:
    """Workers dispatching the same outbox at once deliver every event exactly once to the receiver."""
    prepare(sql_url, people, 60, "attribute_review")
    logs = [tmp_path / f"worker{n}.log" for n in range(workers)]
    start = ctx.Barrier(workers)
    run_all(
        [ctx.Process(target=storage_workers.dispatch, args=(sql_url, str(log), None, 0.005, start)) for log in logs]
    )
    delivered = Counter(line for log in logs if log.exists() for line in log.read_text().split())
    assert len(delivered) == 60
    assert set(delivered.values()) == {1}
    assert sum(1 for log in logs if log.exists() and log.read_text()) >= 2, "the workers did not overlap"
    database = Database(sql_url, create=False)
    assert Dispatcher(Workflow(), SqlOutbox(database.engine)).status().pending == 0
    database.close()


def test_a_worker_killed_mid_delivery_loses_nothing(sql_url: str, people: dict[str, Actor], tmp_path: Path) -> None:
    """SIGKILL after a receiver ran but before the commit: the event is delivered again later; none is lost."""
    prepare(sql_url, people, 10, "attribute_review")
    first = tmp_path / "first.log"
    victim = ctx.Process(target=storage_workers.dispatch, args=(sql_url, str(first), 4))
    victim.start()
    victim.join(120)
    assert victim.exitcode == -9
    seen_first = first.read_text().split()
    assert len(seen_first) == 4
    second = tmp_path / "second.log"
    lease = SqlOutbox(sa.create_engine("sqlite://")).lease.total_seconds()
    run_all([ctx.Process(target=storage_workers.dispatch_later, args=(sql_url, str(second), lease))])
    seen_second = second.read_text().split()
    assert set(seen_first) | set(seen_second) == set(seen_first[:3]) | set(seen_second)
    assert len(set(seen_first) | set(seen_second)) == 10
    assert seen_first[3] in seen_second  # the one in flight was delivered again
    assert not set(seen_first[:3]) & set(seen_second)  # the committed ones were not
    database = Database(sql_url, create=False)
    assert Dispatcher(Workflow(), SqlOutbox(database.engine)).status().pending == 0
    database.close()
