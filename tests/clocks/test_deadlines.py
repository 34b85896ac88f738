"""Statutory clocks: due times on the working-day calendar, pause, restart, extension, notices."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongkai_flow.calendar import WorkCalendar
from gongkai_flow.deadlines import (
    BUREAU_TZ,
    RULES,
    Notice,
    TimerStatus,
    close,
    evaluate,
    extend,
    local_date,
    next_check,
    pause,
    record,
    restart,
    resume,
    start_timer,
)

CAL = WorkCalendar()


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=BUREAU_TZ)


def due_day(moment: datetime) -> date:
    """The last day of a working-day deadline (``due`` is the midnight that ends it)."""
    return local_date(moment) - timedelta(days=1)


def test_application_received_2019_09_20_due_2019_10_23() -> None:
    """An application received on 2019-09-20 must be answered by the end of 2019-10-23."""
    timer = start_timer("t1", RULES["D3"], "app-1", at(2019, 9, 20), CAL)
    assert due_day(timer.due) == date(2019, 10, 23)
    assert not timer.provisional


def test_interpretation_clock_crosses_national_day() -> None:
    """A policy published 2025-09-30 needs its interpretation by Saturday 2025-10-11 (调休)."""
    timer = start_timer("t2", RULES["D15"], "policy-1", at(2025, 9, 30), CAL)
    assert due_day(timer.due) == date(2025, 10, 11)


def test_hour_clocks_count_calendar_hours() -> None:
    """Major emergencies: authoritative information within 5 hours, a press conference within 24."""
    start = at(2025, 10, 1, 22)
    assert start_timer("a", RULES["D12"], "e", start, CAL).due == start + timedelta(hours=5)
    assert start_timer("b", RULES["D13"], "e", start, CAL).due == start + timedelta(hours=24)
    assert start_timer("c", RULES["D14"], "e", start, CAL).due == start + timedelta(hours=48)


def test_notices_approaching_due_missed_each_once() -> None:
    """A tick owes each notice once: approaching before, due on the last day, missed after."""
    timer = start_timer("t", RULES["D3"], "app", at(2019, 9, 20), CAL)
    assert evaluate(timer, at(2019, 9, 23), CAL) == ()
    assert evaluate(timer, at(2019, 10, 21), CAL) == (Notice.APPROACHING,)
    assert evaluate(timer, at(2019, 10, 23), CAL) == (Notice.APPROACHING, Notice.DUE)
    told = attrs.evolve(timer, notified={Notice.APPROACHING, Notice.DUE})
    assert evaluate(told, at(2019, 10, 23), CAL) == ()
    assert evaluate(told, at(2019, 10, 24), CAL) == (Notice.MISSED,)


def test_closed_timer_owes_nothing() -> None:
    """A closed clock never warns."""
    timer = close(start_timer("t", RULES["D3"], "app", at(2019, 9, 20), CAL), at(2019, 9, 25))
    assert timer.status is TimerStatus.CLOSED
    assert evaluate(timer, at(2020, 1, 1), CAL) == ()


def test_extension_needs_days_within_limit() -> None:
    """An extension of more than 20 working days in all is refused."""
    timer = start_timer("t", RULES["D3"], "app", at(2019, 9, 20), CAL)
    longer = extend(timer, 20, "公开办负责人", CAL)
    assert due_day(longer.due) > due_day(timer.due)
    assert longer.extension_approver == "公开办负责人"
    with pytest.raises(ValueError, match="extension"):
        extend(longer, 1, "公开办负责人", CAL)


def test_fallback_deadline_into_unknown_year_is_provisional() -> None:
    """With the weekday fallback configured, a December 2026 deadline in 2027 is provisional."""
    timer = start_timer("t", RULES["D3"], "app", at(2026, 12, 20), WorkCalendar(fallback_weekdays=True))
    assert timer.provisional
    assert local_date(timer.due).year == 2027


moments = st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2026, 6, 30)).map(
    lambda d: d.replace(tzinfo=BUREAU_TZ)
)


@given(moments, st.sampled_from(["D1", "D3", "D5", "D6", "D15"]))
def test_workday_deadline_never_lands_on_a_non_working_day(start: datetime, rule_id: str) -> None:
    """The last day of a working-day clock is always a working day."""
    timer = start_timer("t", RULES[rule_id], "s", start, CAL)
    assert CAL.is_workday(due_day(timer.due))


@given(moments, st.integers(0, 30), st.integers(0, 60))
def test_pause_never_shortens_a_deadline(start: datetime, pause_after: int, pause_days: int) -> None:
    """However long a pause lasts, the deadline after it is never earlier than before."""
    timer = start_timer("t", RULES["D3"], "s", start, CAL)
    paused_at = start + timedelta(days=pause_after)
    resumed = resume(pause(timer, paused_at, CAL), paused_at + timedelta(days=pause_days), CAL)
    assert resumed.status is TimerStatus.RUNNING
    assert resumed.due >= timer.due
    assert CAL.is_workday(due_day(resumed.due))


@given(moments, st.integers(0, 40))
def test_restart_never_ends_before_the_original(start: datetime, later: int) -> None:
    """A restart (补正) gives the full duration again from the correction, never less than before."""
    timer = start_timer("t", RULES["D3"], "s", start, CAL)
    again = restart(timer, start + timedelta(days=later), CAL)
    assert again.due >= timer.due
    assert again.notified == frozenset()


@given(moments, st.sampled_from(sorted(RULES)), st.integers(0, 60 * 24 * 45))
def test_after_a_tick_the_next_check_lies_in_the_future(start: datetime, rule_id: str, minutes: int) -> None:
    """Once the notices owed at ``now`` are recorded, the timer's next check is after ``now`` (a tick is idempotent)."""
    timer = start_timer("t", RULES[rule_id], "s", start, CAL)
    now = start + timedelta(minutes=minutes)
    ticked = record(timer, evaluate(timer, now, CAL))
    upcoming = next_check(ticked, CAL)
    assert upcoming is None or upcoming > now
    assert evaluate(ticked, now, CAL) == ()
