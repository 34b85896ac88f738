"""Sealing as it goes: ``gongkai dispatch`` and ``gongkai tick`` link what committed into the database-wide chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gongkai_flow import Flow
from gongkai_flow.demo import BUREAU
from gongkai_flow.dispatch import Dispatcher
from gongkai_flow.engine import Workflow
from gongkai_flow.storage.database import Database
from gongkai_flow.storage.memory import MemoryRepository
from gongkai_flow.storage.sql.ledger import link_pending, seal, unlinked_count
from gongkai_flow.storage.sql.verify import verify_database
from gongkai_flow.testing import postgres_schema, register_application, run_cli


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with an application registered (audit rows, timers and events), nothing sealed."""
    if request.param == "sqlite":
        target = str(tmp_path / "seal.db")
        _seed(target)
        yield target
    else:
        with postgres_schema("gongkai_seal") as target:
            _seed(target)
            yield target


def _seed(target: str) -> None:
    with Flow(database=target, dispatch=False) as flow:
        register_application(flow)


def _unlinked(target: str) -> int:
    database = Database(target, create=False)
    try:
        with database.transaction(write=False) as conn:
            report, pending = verify_database(conn)
        assert report.ok
        return pending
    finally:
        database.close()


def test_dispatch_once_seals_what_committed(url: str) -> None:
    assert _unlinked(url) > 0
    assert run_cli("dispatch", "--once", "--db", url) == 0
    assert _unlinked(url) == 0


def test_tick_seals_the_timer_changes_it_made(url: str) -> None:
    assert _unlinked(url) > 0
    assert run_cli("tick", "--db", url, "--now", "2019-12-31T12:00:00+08:00") == 0
    assert _unlinked(url) == 0
    # A second tick changes no timer and links nothing new; the chain still verifies.
    assert run_cli("tick", "--db", url, "--now", "2019-12-31T12:00:00+08:00") == 0
    assert _unlinked(url) == 0


def test_a_sealer_that_finds_another_sealing_does_not_wait(url: str) -> None:
    """``wait=False`` (what dispatch and tick use) returns at once on PostgreSQL; SQLite serialises writers anyway."""
    if not url.startswith("postgresql"):
        pytest.skip("the advisory lock is PostgreSQL's")
    database = Database(url, create=False)
    try:
        with database.transaction() as holder:
            assert link_pending(holder) > 0  # holds the sealers' lock until this block ends
            assert seal(database) == 0  # another sealer: nothing linked, no wait
        with database.transaction(write=False) as conn:
            assert unlinked_count(conn) == 0
    finally:
        database.close()


class _Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return 3


def _draft(flow: Flow, n: int) -> None:
    flow.draft(
        BUREAU["zhangmin"],
        title=f"关于做好2019年高校毕业生就业创业工作的通知（{n}）",
        kind="政策文件",
        body="各县区人力资源和社会保障局：……",
        attribute="主动公开",
        column="政策文件",
    )


def test_the_dispatcher_seals_after_events_and_now_and_then_when_idle() -> None:
    """A round that handled events seals; an idle round seals at most every ``seal_every``."""
    flow = Flow(dispatch=False)
    repo = flow.repository
    assert isinstance(repo, MemoryRepository)
    sealer = _Counter()
    dispatcher = Dispatcher(Workflow(), repo, seal=sealer, seal_every=timedelta(hours=1))
    assert dispatcher.run_once().sealed == 3  # the first round always seals
    assert dispatcher.run_once().sealed == 0  # idle, and sealed a moment ago
    _draft(flow, 1)
    assert dispatcher.run_once().sealed == 3  # events were handled: their audit rows are sealed
    assert sealer.calls == 2
    eager = Dispatcher(Workflow(), repo, seal=sealer, seal_every=timedelta(0))
    assert eager.run_once().sealed == 3
    assert eager.run_once().sealed == 3  # idle, but seal_every is zero
    assert Dispatcher(Workflow(), repo).run_once().sealed == 0  # no sealer: nothing sealed
