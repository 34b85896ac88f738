"""Statutory clocks as data, and timers that follow them.

A :class:`ClockRule` says how long something may take (so many working days, or calendar hours)
and on what legal basis; :data:`RULES` holds the bureau's clocks (``docs/legal-basis.md#clocks``). A
:class:`Timer` is one running clock for one subject (an item, an application, a 舆情 event): a
plain frozen value, changed by the pure functions here — pause, resume, restart, extend, close —
each of which keeps the working-day arithmetic honest:

* a pause never shortens a deadline: the working days left when it paused are counted again from
  the day it resumes;
* a restart (补正: the application is corrected) starts the full duration again from the new
  trigger, so it never ends before the original;
* an extension adds working days to the current due date and records who approved it.

``evaluate(timer, now)`` says which notices are owed at ``now`` (approaching, due, missed), and
:func:`tick_batch` turns them into outbox events on a :class:`TimerStore` — the protocol the
storage adapters implement (timer rows with an indexed ``next_check_at``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, final

import attrs

from .calendar import WorkCalendar
from .events import DeadlineApproaching, DeadlineDue, DeadlineMissed, DeadlineNotice
from .ports import TimerStore
from .timers import BUREAU_TZ, ClockRule, Notice, Timer, TimerStatus, Unit

__all__ = [
    "BUREAU_TZ",
    "NOTICE_EVENTS",
    "RULES",
    "ClockRule",
    "Notice",
    "TickReport",
    "Timer",
    "TimerStatus",
    "TimerStore",
    "Unit",
    "evaluate",
    "next_check",
    "notice_event",
    "start_timer",
    "store_timer",
    "tick_batch",
]

#: The clocks the engine runs; each one's source is in ``docs/legal-basis.md``.
RULES: Final[dict[str, ClockRule]] = {
    r.id: r
    for r in (
        ClockRule("D1", "主动公开信息形成之日起20个工作日内公开", 20, Unit.WORKDAYS, "政府信息公开条例第26条", lead=3),
        ClockRule("D3", "依申请公开：收到申请之日起20个工作日内答复", 20, Unit.WORKDAYS, "条例第33条第2款", lead=3),
        ClockRule("D4", "依申请公开：经批准延长答复期限（不超过20个工作日）", 20, Unit.WORKDAYS, "条例第33条第2款"),
        ClockRule("D5", "申请内容不明确：7个工作日内一次性告知补正", 7, Unit.WORKDAYS, "条例第30条", lead=2),
        ClockRule("D6", "征求第三方意见：15个工作日", 15, Unit.WORKDAYS, "条例第32条", lead=2),
        ClockRule("D7", "征求共同制作机关意见：15个工作日（逾期视为同意）", 15, Unit.WORKDAYS, "条例第34条", lead=2),
        ClockRule(
            "D12", "特别重大、重大突发事件：5小时内发布权威信息", 5, Unit.HOURS, "国办发〔2016〕80号", confidence="V2"
        ),
        ClockRule(
            "D13", "特别重大、重大突发事件：24小时内举行新闻发布会", 24, Unit.HOURS, "国办发〔2016〕61号", "V2", 4
        ),
        ClockRule("D14", "其他政务舆情：48小时内回应", 48, Unit.HOURS, "国办发〔2016〕61号", "V2", 8),
        ClockRule("D15", "政策解读：文件公开之日起3个工作日内发布", 3, Unit.WORKDAYS, "日人社函〔2019〕20号", "L"),
        # The statute leaves the correction period to the bureau ("合理的补正期限"): configurable.
        ClockRule("D5R", "补正期限：逾期未补正视为放弃申请", 15, Unit.WORKDAYS, "条例第30条（期限由本局确定）", "D", 2),
    )
}


def end_of_day(day: date) -> datetime:
    """Midnight at the end of ``day`` in Beijing time (the last moment of a working-day deadline)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=BUREAU_TZ)


def local_date(moment: datetime) -> date:
    """The Beijing date of an aware datetime."""
    return moment.astimezone(BUREAU_TZ).date()


def compute_due(
    rule: ClockRule, start: datetime, calendar: WorkCalendar, *, days: int | None = None
) -> tuple[datetime, bool]:
    """When a clock of ``rule`` started at ``start`` runs out, and whether that is provisional.

    Working days are counted from the day after the trigger (the trigger day itself is not
    counted), as the statutes are read.
    """
    if rule.unit is Unit.HOURS:
        return start + timedelta(hours=days if days is not None else rule.duration), False
    result = calendar.add_workdays(local_date(start), days if days is not None else rule.duration)
    return end_of_day(result.date), result.provisional


def start_timer(
    timer_id: str,
    rule: ClockRule,
    subject_id: str,
    start: datetime,
    calendar: WorkCalendar,
    *,
    responsible: str = "",
    days: int | None = None,
    lead: int | None = None,
) -> Timer:
    """A new running timer for ``subject_id`` (``days`` overrides the rule's duration, ``lead`` its warning lead)."""
    if lead is not None and lead < 0:
        raise ValueError("lead must not be negative")
    due, provisional = compute_due(rule, start, calendar, days=days)
    return Timer(timer_id, rule.id, subject_id, start, due, responsible=responsible, provisional=provisional, lead=lead)


def pause(timer: Timer, at: datetime, calendar: WorkCalendar) -> Timer:
    """Stop the clock (e.g. a third-party consultation): remember the working days left."""
    if timer.status is not TimerStatus.RUNNING:
        return timer
    rule = RULES[timer.rule_id]
    if rule.unit is Unit.HOURS:
        raise ValueError("hour clocks cannot be paused")
    # The day the pause starts counts as used; the day it resumes does not (see resume()).
    due_day = local_date(timer.due) - timedelta(days=1)
    left = calendar.workdays_between(local_date(at), due_day)
    return attrs.evolve(timer, status=TimerStatus.PAUSED, paused_at=at, remaining_workdays=max(left, 0))


def resume(timer: Timer, at: datetime, calendar: WorkCalendar) -> Timer:
    """Start the clock again: the working days left are counted from the day after ``at``.

    A pause never shortens a deadline: with nothing left (paused on the due day) the reply is due
    at the end of the day it resumes, or the next working day.
    """
    if timer.status is not TimerStatus.PAUSED or timer.remaining_workdays is None:
        return timer
    left = timer.remaining_workdays
    if left > 0:
        result = calendar.add_workdays(local_date(at), left)
        due, provisional = end_of_day(result.date), result.provisional
    else:
        day = local_date(at)
        while not calendar.is_workday(day):
            day += timedelta(days=1)
        due, provisional = end_of_day(day), timer.provisional
    due = max(due, timer.due)
    return attrs.evolve(
        timer,
        status=TimerStatus.RUNNING,
        due=due,
        provisional=timer.provisional or provisional,
        paused_at=None,
        remaining_workdays=None,
    )


def restart(timer: Timer, at: datetime, calendar: WorkCalendar) -> Timer:
    """Start the full duration again from ``at`` (补正: 条例第30条); never earlier than before."""
    rule = RULES[timer.rule_id]
    due, provisional = compute_due(rule, at, calendar)
    return attrs.evolve(
        timer,
        started_at=at,
        due=max(due, timer.due),
        provisional=provisional,
        status=TimerStatus.RUNNING,
        paused_at=None,
        remaining_workdays=None,
        notified=frozenset(),
    )


def extend(timer: Timer, days: int, approver: str, calendar: WorkCalendar, *, limit: int = 20) -> Timer:
    """Add ``days`` working days after the current due date, approved by ``approver``."""
    if days < 1 or timer.extended_days + days > limit:
        raise ValueError(f"extension must be 1..{limit - timer.extended_days} working days")
    result = calendar.add_workdays(local_date(timer.due) - timedelta(days=1), days)
    return attrs.evolve(
        timer,
        due=end_of_day(result.date),
        provisional=timer.provisional or result.provisional,
        extended_days=timer.extended_days + days,
        extension_approver=approver,
        notified=timer.notified - {Notice.APPROACHING, Notice.DUE},
    )


def close(timer: Timer, at: datetime) -> Timer:
    """The work is done: the clock stops for good."""
    return timer.closed(at)


def approaching_from(timer: Timer, calendar: WorkCalendar) -> datetime:
    """When the "approaching" warning is owed: ``lead`` working days (or hours) before due."""
    rule = RULES[timer.rule_id]
    lead = timer.lead if timer.lead is not None else rule.lead
    if rule.unit is Unit.HOURS:
        return timer.due - timedelta(hours=lead)
    day = local_date(timer.due) - timedelta(days=1)
    counted = 0
    while counted < lead:
        day -= timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    return end_of_day(day)


def evaluate(timer: Timer, now: datetime, calendar: WorkCalendar) -> tuple[Notice, ...]:
    """The notices owed for ``timer`` at ``now`` that were not given yet, in order."""
    if timer.status is not TimerStatus.RUNNING:
        return ()
    owed: list[Notice] = []
    rule = RULES[timer.rule_id]
    if now >= timer.due:
        owed.append(Notice.MISSED)
    else:
        on_due_day = local_date(now) == local_date(timer.due) - timedelta(days=1)
        last_hour = now >= timer.due - timedelta(hours=1)
        if on_due_day if rule.unit is Unit.WORKDAYS else last_hour:
            owed.append(Notice.DUE)
        if now >= approaching_from(timer, calendar):
            owed.insert(0, Notice.APPROACHING)
    return tuple(n for n in owed if n not in timer.notified)


def due_day_start(timer: Timer) -> datetime:
    """When the "due" notice is owed: the start of the last working day, or the last hour."""
    if RULES[timer.rule_id].unit is Unit.HOURS:
        return timer.due - timedelta(hours=1)
    return timer.due - timedelta(days=1)


def next_check(timer: Timer, calendar: WorkCalendar) -> datetime | None:
    """The earliest moment a tick may owe a notice for ``timer``; ``None`` when none can be owed.

    Durable timers keep this in an indexed column, so a tick reads only the timers that are due.
    After a tick at ``now`` has recorded every notice :func:`evaluate` owed, this lies after
    ``now`` (or is ``None``), so the same tick run again finds nothing.
    """
    if timer.status is not TimerStatus.RUNNING or Notice.MISSED in timer.notified:
        return None
    moments = [timer.due]
    if Notice.DUE not in timer.notified:
        moments.append(due_day_start(timer))
    if Notice.APPROACHING not in timer.notified:
        moments.append(approaching_from(timer, calendar))
    return min(moments)


def record(timer: Timer, notices: Iterable[Notice]) -> Timer:
    """``timer`` with ``notices`` marked as given."""
    return attrs.evolve(timer, notified=timer.notified | frozenset(notices))


def due_text(timer: Timer) -> str:
    """The deadline as people say it: the last day of a working-day clock, the hour of an hour clock."""
    if RULES[timer.rule_id].unit is Unit.HOURS:
        return f"{timer.due.astimezone(BUREAU_TZ):%Y-%m-%d %H:%M}"
    return (local_date(timer.due) - timedelta(days=1)).isoformat()


# --- durable timers: what storage keeps for them, and one batch of a tick -----------------------------


def store_timer(store: TimerStore, timer: Timer, calendar: WorkCalendar) -> None:
    """Insert or replace ``timer`` in ``store`` with its next check time."""
    store.put_timer(timer, next_check(timer, calendar))


def add_timer(store: TimerStore, timer: Timer, calendar: WorkCalendar) -> bool:
    """Start ``timer`` in ``store`` unless a timer with its id is already there; whether it was started."""
    return store.add_timer(timer, next_check(timer, calendar))


#: The event class of each notice.
NOTICE_EVENTS: Final[dict[Notice, type[DeadlineNotice]]] = {
    Notice.APPROACHING: DeadlineApproaching,
    Notice.DUE: DeadlineDue,
    Notice.MISSED: DeadlineMissed,
}


def notice_event(timer: Timer, notice: Notice, now: datetime) -> DeadlineNotice:
    """The outbox event for ``notice`` on ``timer``; its id is stable for (timer, notice, due)."""
    rule = RULES[timer.rule_id]
    due_stamp = timer.due.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    return NOTICE_EVENTS[notice](
        event_id=f"clock:{timer.id}:{notice.value}:{due_stamp}",
        item_id=timer.subject_id,
        chain_id="clock",
        chain_version=1,
        action=f"deadline-{notice.value}",
        from_state=timer.status.value,
        to_state=timer.status.value,
        actor_id="system",
        at=now,
        content_hash="",
        timer_id=timer.id,
        rule_id=rule.id,
        rule_label=rule.label,
        due=timer.due.isoformat(),
        provisional=timer.provisional,
        responsible=timer.responsible,
    )


@final
@attrs.frozen
class TickReport:
    """What a tick did: how many timers it looked at and the notices it enqueued."""

    examined: int
    notices: tuple[DeadlineNotice, ...] = ()


def tick_batch(store: TimerStore, now: datetime, calendar: WorkCalendar, limit: int) -> TickReport:
    """One batch of a tick inside the caller's unit of work: claim, evaluate, enqueue, record.

    A notice is enqueued once: the timer row records it (and moves ``next_check_at`` past
    ``now``) in the same unit of work, and the event id is derived from timer, notice and due time.
    """
    if now.tzinfo is None:
        raise ValueError("tick needs an aware datetime")
    claimed = store.claim_due(now, limit)
    events: list[DeadlineNotice] = []
    changed: list[tuple[Timer, datetime | None]] = []
    for timer in claimed:
        owed = evaluate(timer, now, calendar)
        events.extend(notice_event(timer, notice, now) for notice in owed)
        updated = record(timer, owed)
        changed.append((updated, next_check(updated, calendar)))
    store.update_timers(changed)
    store.enqueue(events)
    return TickReport(len(claimed), tuple(events))
