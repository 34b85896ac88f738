"""Durable timers and the tick: notices once, through the outbox, on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from gongkai_flow import Actor, Flow, Role
from gongkai_flow.calendar import WorkCalendar
from gongkai_flow.clocks import tick
from gongkai_flow.deadlines import BUREAU_TZ, RULES, Notice, TimerStatus, restart, start_timer, store_timer
from gongkai_flow.engine import Workflow
from gongkai_flow.events import DeadlineApproaching, DeadlineDue, DeadlineMissed, Event
from gongkai_flow.requests import ApplicantType, Channel
from gongkai_flow.signals import deadline_approaching, deadline_due, deadline_missed
from gongkai_flow.storage.database import Database
from gongkai_flow.storage.sql import SqlClockStore
from gongkai_flow.storage.stores import SqlStore

from .conftest import Clock, empty_all

CAL = WorkCalendar()


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=BUREAU_TZ)


def _start_reply_clock(flow: Flow, subject: str, start: datetime) -> None:
    timer = start_timer(f"{subject}:D3", RULES["D3"], subject, start, CAL, responsible="局办公室")
    with flow.clocks.unit() as store:
        store_timer(store, timer, CAL)


@contextmanager
def _received(flow: Flow) -> Iterator[list[Event]]:
    """Collect the deadline notices delivered while the block runs."""
    got: list[Event] = []

    def receiver(sender: object, event: Event) -> None:
        got.append(event)

    with (
        deadline_approaching.connected_to(receiver, sender=flow.workflow),
        deadline_due.connected_to(receiver, sender=flow.workflow),
        deadline_missed.connected_to(receiver, sender=flow.workflow),
    ):
        yield got


def test_timer_round_trips_through_the_store(flow: Flow) -> None:
    """A stored timer reads back equal to what was written, on every backend."""
    timer = start_timer("x:D3", RULES["D3"], "x", at(2019, 9, 20), CAL, responsible="局办公室")
    with flow.clocks.unit() as store:
        store_timer(store, timer, CAL)
    with flow.clocks.unit(write=False) as store:
        back = store.timer("x:D3")
    assert back is not None
    assert back.due == timer.due
    assert (back.rule_id, back.subject_id, back.responsible, back.status) == ("D3", "x", "局办公室", timer.status)


def test_tick_sends_each_notice_once_through_the_dispatcher(flow: Flow) -> None:
    """Approaching, due and missed are each delivered once, and a repeated tick changes nothing."""
    _start_reply_clock(flow, "app-1", at(2019, 9, 20))  # due end of 2019-10-23
    with _received(flow) as got:
        assert flow.tick(at(2019, 10, 8)) == 0
        assert flow.tick(at(2019, 10, 21)) == 1  # within the 3-working-day lead
        assert flow.tick(at(2019, 10, 21)) == 0
        assert flow.tick(at(2019, 10, 23, 9)) == 1  # the last day
        assert flow.tick(at(2019, 10, 24, 9)) == 1  # run out
        assert flow.tick(at(2019, 10, 25, 9)) == 0
    assert [type(e) for e in got] == [DeadlineApproaching, DeadlineDue, DeadlineMissed]
    assert {e.item_id for e in got} == {"app-1"}
    assert all(isinstance(e, DeadlineApproaching | DeadlineDue | DeadlineMissed) and e.rule_id == "D3" for e in got)


def test_late_first_tick_sends_only_missed(flow: Flow) -> None:
    """A tick that first sees a clock after it ran out owes only the missed notice."""
    _start_reply_clock(flow, "app-2", at(2019, 9, 20))
    with _received(flow) as got:
        assert flow.tick(at(2019, 11, 1)) == 1
    assert [type(e) for e in got] == [DeadlineMissed]
    assert flow.clocks.deadlines(now=at(2019, 11, 1), overdue=True)[0].overdue


def test_closed_timer_is_never_notified(flow: Flow) -> None:
    """A clock closed before it ran out owes nothing afterwards."""
    _start_reply_clock(flow, "app-3", at(2019, 9, 20))
    flow.clocks.record_response("app-3")
    assert flow.tick(at(2019, 12, 1)) == 0
    assert flow.clocks.deadlines(now=at(2019, 12, 1)) == []


def test_deadlines_filters_overdue_and_within(flow: Flow) -> None:
    """``within`` keeps clocks due soon, ``overdue`` only those that ran out."""
    _start_reply_clock(flow, "early", at(2019, 9, 2))
    _start_reply_clock(flow, "late", at(2019, 9, 20))
    now = at(2019, 10, 8)
    assert [d.timer.subject_id for d in flow.clocks.deadlines(now=now)] == ["early", "late"]
    assert [d.timer.subject_id for d in flow.clocks.deadlines(now=now, overdue=True)] == ["early"]
    assert [d.timer.subject_id for d in flow.clocks.deadlines(now=now, within=timedelta(days=3))] == ["early"]


def test_opinion_event_major_runs_five_and_twenty_four_hours(flow: Flow, clock: Clock) -> None:
    """A major emergency runs D12 (5 h) and D13 (24 h); recording the response closes both."""
    start = clock.set(2025, 10, 1, 8)
    timers = flow.clocks.register_opinion("yq-1", "major", responsible="局办公室")
    assert {t.rule_id: t.due - start for t in timers} == {"D12": timedelta(hours=5), "D13": timedelta(hours=24)}
    with _received(flow) as got:
        assert flow.tick(start + timedelta(hours=4, minutes=30)) == 2  # D12 approaching and due (last hour)
        assert flow.clocks.record_response("yq-1") == 2
        assert flow.tick(start + timedelta(days=2)) == 0
    assert {e.type for e in got} == {"deadline-approaching", "deadline-due"}


def test_a_response_to_one_clock_closes_only_that_one(flow: Flow, clock: Clock) -> None:
    """The press conference (D13) still runs after the first response (D12) is recorded; then it closes too."""
    start = clock.set(2025, 10, 1, 8)
    flow.clocks.register_opinion("yq-3", "major")
    assert flow.clocks.record_response("yq-3", rule_id="D12") == 1
    assert flow.clocks.record_response("yq-3", rule_id="D12") == 0  # already closed
    assert [d.timer.rule_id for d in flow.clocks.deadlines(now=start)] == ["D13"]
    assert flow.clocks.record_response("yq-3") == 1
    assert flow.clocks.deadlines(now=start) == []


def test_other_opinion_event_runs_forty_eight_hours(flow: Flow, clock: Clock) -> None:
    """Any other 舆情 runs D14, 48 calendar hours across a holiday."""
    start = clock.set(2025, 10, 1, 8)
    (timer,) = flow.clocks.register_opinion("yq-2", "other")
    assert (timer.rule_id, timer.due - start) == ("D14", timedelta(hours=48))


def test_idle_tick_uses_the_next_check_index(tmp_path: Path) -> None:
    """SQLite plans the tick's claim as a search of the next-check index, not a table scan."""
    database = Database(tmp_path / "plan.db")
    try:
        with database.transaction() as conn:
            store = SqlClockStore(conn)
            query = store._claim_query(at(2019, 10, 1), 500)
            compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
        assert "ix_gongkai_timers_next_check_at" in plan
        assert "SCAN gongkai_timers" not in plan.replace("USING INDEX", "")
    finally:
        database.close()


def test_concurrent_tick_workers_never_double_notify(request: pytest.FixtureRequest) -> None:
    """Two workers ticking one PostgreSQL at once enqueue every notice exactly once between them."""
    database: Database = request.getfixturevalue("clocks_pg_database")
    empty_all(database)
    start = at(2019, 9, 20)
    timers = [start_timer(f"t{i}:D3", RULES["D3"], f"t{i}", start, CAL) for i in range(400)]
    with database.transaction() as conn:
        store = SqlClockStore(conn)
        for timer in timers:
            store_timer(store, timer, CAL)
    now = at(2019, 10, 24, 9)
    reports = []
    barrier = threading.Barrier(2)

    def work() -> None:
        barrier.wait()
        reports.append(tick(SqlStore(database, Workflow()).unit, now, CAL, batch=25))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [n.event_id for r in reports for n in r.notices]
    assert len(ids) == len(set(ids)) == 400
    with database.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM gongkai_outbox WHERE event_type = 'deadline-missed'"))
        assert stored.scalar() == 400
    assert tick(SqlStore(database, Workflow()).unit, now, CAL).notices == ()


def test_restart_clears_notices_and_due_moves_later(flow: Flow, clock: Clock) -> None:
    """After a restart (补正) the clock warns again for its new, later due date."""
    _start_reply_clock(flow, "app-4", at(2019, 9, 20))
    assert flow.tick(at(2019, 10, 21)) == 1
    with flow.clocks.unit() as store:
        timer = store.timer("app-4:D3")
        assert timer is not None
        assert Notice.APPROACHING in timer.notified
        store_timer(store, restart(timer, at(2019, 10, 22), CAL), CAL)
    (deadline,) = flow.clocks.deadlines(now=at(2019, 10, 22))
    assert deadline.timer.status is TimerStatus.RUNNING
    assert deadline.due_local.date() > date(2019, 10, 23)
    assert flow.tick(at(2019, 11, 18)) == 1


def test_the_bureau_sets_its_own_warning_lead(flow: Flow) -> None:
    """With a 5-working-day lead for D3 the approaching notice comes two working days earlier, and survives storage."""
    flow.clocks.leads["D3"] = 5
    app = flow.requests.register(
        Actor("zhaoli", "赵丽", "局办公室", {Role.REQUEST_OFFICER}),
        applicant_name="王某",
        applicant_type=ApplicantType.NATURAL_PERSON,
        contact="13800000000",
        description="就业补贴发放情况",
        channel=Channel.IN_PERSON,
        submitted_on=date(2019, 9, 20),
    )
    (d3,) = [t for t in flow.clocks.timers(app.id) if t.rule_id == "D3"]
    assert d3.lead == 5
    with _received(flow) as got:
        flow.tick(at(2019, 10, 17))  # 5 working days left (17, 18, 21, 22, 23); the default 3 starts on the 19th
    assert [(e.type, e.item_id) for e in got if isinstance(e, DeadlineApproaching)] == [
        ("deadline-approaching", app.id)
    ]
