"""The timers' change history: in memory as on SQL, and for timers that existed before it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai_flow import Flow
from gongkai_flow.storage.database import SCHEMA_HEAD, SCHEMA_HISTORY, Database, create_engine, downgrade, upgrade
from gongkai_flow.storage.memory import MemoryRepository
from gongkai_flow.storage.memory_clocks import MemoryClockStore
from gongkai_flow.storage.sql.ledger import link_pending
from gongkai_flow.storage.sql.schema import timer_history_table, timers_table
from gongkai_flow.storage.sql.verify import verify_database
from gongkai_flow.testing import register_application
from gongkai_flow.timers import Notice, Timer, TimerStatus

START = datetime(2019, 9, 20, 1, tzinfo=UTC)


def _register(flow: Flow) -> str:
    app_id = register_application(flow).id
    flow.clocks.tick(datetime(2019, 12, 31, tzinfo=UTC))
    return app_id


def _memory_store(flow: Flow) -> MemoryClockStore:
    repo = flow.repository
    assert isinstance(repo, MemoryRepository)
    return repo.clock_store()


def test_memory_keeps_the_same_history_and_finds_the_same_tampering() -> None:
    """A moved due date, a cleared notice, an edited or deleted history row: each found in memory too."""
    flow = Flow()
    app_id = _register(flow)
    store = _memory_store(flow)
    assert store.verify_timers().ok
    timer = next(t for t in flow.clocks.timers(app_id) if t.notified)
    history = store.timer_history(timer.id)
    assert len(history) >= 2  # started, then the notice the tick recorded

    store._timers[timer.id] = attrs.evolve(timer, due=timer.due + timedelta(days=30))
    [moved] = store.verify_timers().problems
    assert (moved.item_id, moved.kind, moved.field) == (timer.id, "mismatch", "到期时间")

    store._timers[timer.id] = attrs.evolve(timer, notified=frozenset())
    assert {p.field for p in store.verify_timers().problems} == {"已发提醒"}

    store._timers[timer.id] = timer
    assert store.verify_timers().ok
    history[-1] = attrs.evolve(history[-1], content={**history[-1].content, "notified": ""})
    assert {p.kind for p in store.verify_timers().problems} == {"edited", "mismatch"}

    del history[0]
    assert "deleted" in {p.kind for p in store.verify_timers().problems}
    history.clear()
    assert {p.kind for p in store.verify_timers().problems} == {"missing"}


def test_a_timer_gone_from_memory_with_history_left_is_missing() -> None:
    flow = Flow()
    app_id = _register(flow)
    store = _memory_store(flow)
    timer = flow.clocks.timers(app_id)[0]
    del store._timers[timer.id]
    [gone] = store.verify_timers().problems
    assert (gone.item_id, gone.kind, gone.subject) == (timer.id, "missing", "timer")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=400),
            st.sampled_from(list(TimerStatus)),
            st.frozensets(st.sampled_from(list(Notice))),
            st.none() | st.integers(min_value=0, max_value=400),
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(["due", "status", "notified", "next_check_at", "extended_days"]),
)
def test_any_sequence_of_changes_verifies_and_any_later_change_of_the_row_is_found(
    changes: list[tuple[int, TimerStatus, frozenset[Notice], int | None]], field: str
) -> None:
    """Whatever was stored in turn verifies clean; changing one field behind the store's back does not."""
    store = MemoryClockStore(lambda events: None)
    timer = Timer("T:D3", "D3", "T", START, START + timedelta(days=20))
    nxt: datetime | None = None
    for hours, status, notified, check in changes:
        timer = attrs.evolve(timer, due=START + timedelta(hours=hours), status=status, notified=notified)
        nxt = None if check is None else START + timedelta(hours=check)
        store.put_timer(timer, nxt)
    assert store.verify_timers().ok
    if field == "next_check_at":
        store._next[timer.id] = (nxt or START) + timedelta(days=1000)
    else:
        options: dict[str, Any] = {
            "due": timer.due + timedelta(minutes=1),
            "status": TimerStatus.CLOSED if timer.status is not TimerStatus.CLOSED else TimerStatus.RUNNING,
            "notified": frozenset(Notice) - timer.notified,
            "extended_days": timer.extended_days + 1,
        }
        store._timers[timer.id] = attrs.evolve(timer, **{field: options[field]})
    assert [p.kind for p in store.verify_timers().problems] == ["mismatch"]


def test_timers_from_before_the_history_get_their_first_row_on_upgrade(tmp_path: Path) -> None:
    """Upgrading gives every existing timer a first history row: it verifies clean; a due date moved after is found."""
    path = tmp_path / "old.db"
    with Flow(database=path) as flow:
        app_id = _register(flow)
    engine = create_engine(path)
    # Back to the revision before the timer history (0009), then up to the newest again.
    downgrade(engine, SCHEMA_HISTORY[SCHEMA_HISTORY.index("0009") - 1])
    assert upgrade(engine)[1] == SCHEMA_HEAD
    engine.dispose()
    database = Database(path, create=False)
    try:
        with database.transaction() as conn:
            ids = set(conn.execute(sa.select(timers_table.c.id)).scalars())
            rows = conn.execute(sa.select(timer_history_table.c.timer_id, timer_history_table.c.position)).all()
            assert sorted(rows) == sorted((i, 1) for i in ids)
            link_pending(conn)
            report, pending = verify_database(conn)
            assert report.ok
            assert pending == 0
            assert report.timers_checked == len(ids)
            when = conn.execute(sa.select(timers_table.c.due).where(timers_table.c.subject_id == app_id)).first()
            assert when is not None
            conn.execute(
                timers_table.update()
                .where(timers_table.c.subject_id == app_id)
                .values(due=when[0] + timedelta(days=30))
            )
            report, _ = verify_database(conn)
            assert {(p.subject, p.kind) for p in report.problems} == {("timer", "mismatch")}
    finally:
        database.close()
