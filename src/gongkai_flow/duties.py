"""The year's disclosure duties: what is due when, what fulfilled it, and the reminders owed.

The catalogue (:mod:`gongkai_flow.duty_types`, ``duties.toml``) says what must be published;
this service turns it into *obligations* — one duty for one period, with its due day on the
working-day calendar — and reads what fulfilled them:

* an item tagged ``"CODE@PERIOD"`` (``duty_tags``, at drafting or editing) fulfils that duty for
  that period once published, and no longer once retracted; one item may carry several tags;
* a count duty (市民代表列席) is fulfilled by the report records (:class:`MeetingRecord` with
  representatives);
* a triggered duty has one obligation per event (:meth:`Duties.trigger`, or for 建议提案 each
  :class:`ProposalRecord`, keyed by its number).

The year view holds the obligations *due* in that year (the annual report for 2025, due
2026-01-31, is a 2026 obligation). ``tick`` sends one reminder to the responsible section on the
working day ``lead_workdays`` before the due day, and one escalation after it, through the
outbox (``deadline-approaching`` / ``deadline-missed``, delivered by ``notify``). See
``docs/duties.md``.
"""

from __future__ import annotations

import calendar as _months
import functools
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, time, timedelta
from typing import Any, Final, Protocol, final

import attrs

from .calendar import WorkCalendar
from .duty_types import (
    FULFILLING_STATES,
    Duty,
    DutyCatalogue,
    DutyEvent,
    DutyState,
    Every,
    Fulfilment,
    ScheduleKind,
    TriggerSource,
    split_tag,
)
from .engine import Outcome
from .errors import CalendarYearUnknownError, InvalidFieldError
from .events import DeadlineApproaching, DeadlineMissed, DeadlineNotice
from .ports import DutyStore, RecordRepository
from .record_types import MeetingRecord, ProposalRecord
from .timers import BUREAU_TZ

__all__ = ["ESCALATION", "REMINDER", "Duties", "DutyStatus", "Obligation", "obligations_for_year"]

#: The two notices a duty may owe for one period, each sent once.
REMINDER: Final = "reminder"
ESCALATION: Final = "escalation"

_NAMESPACE: Final = uuid.UUID("6f1c3f0e-2d0b-4f4e-9d61-2a5bb1d0c0de")


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), BUREAU_TZ)


def _local_day(moment: datetime) -> date:
    return moment.astimezone(BUREAU_TZ).date()


@final
@attrs.frozen
class Obligation:
    """One duty for one period: when it opens, when it is due, when to remind."""

    duty: Duty
    period: str
    label: str
    opens: datetime
    due: datetime
    remind_at: datetime
    due_day: date

    @property
    def key(self) -> tuple[str, str]:
        """(code, period), as items are tagged."""
        return self.duty.code, self.period


@final
@attrs.frozen
class DutyStatus:
    """Where one obligation stands at ``as_of``, and what fulfilled it."""

    obligation: Obligation
    state: DutyState
    fulfilled_at: datetime | None
    count: int
    items: tuple[Fulfilment, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly form (times in Beijing time)."""
        ob = self.obligation
        return {
            "code": ob.duty.code,
            "name": ob.duty.name,
            "period": ob.period,
            "label": ob.label,
            "sections": list(ob.duty.sections),
            "due": ob.due_day.isoformat(),
            "state": self.state.value,
            "state_label": self.state.label,
            "fulfilled_at": self.fulfilled_at.astimezone(BUREAU_TZ).isoformat() if self.fulfilled_at else None,
            "count": self.count,
            "items": [{"id": f.item_id, "title": f.title} for f in self.items],
        }


class _Days:
    """Working-day arithmetic on one calendar, memoised (many duties share their due days)."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self.after = functools.lru_cache(maxsize=4096)(self._after)
        self.before = functools.lru_cache(maxsize=4096)(self._before)

    def _after(self, day: date, workdays: int) -> date | None:
        """The ``workdays``-th working day after ``day``; ``None`` if it lies in a year nobody knows yet."""
        if workdays == 0:
            return day
        try:
            return self.calendar.add_workdays(day, workdays).date
        except CalendarYearUnknownError as exc:
            if int(exc.details["year"]) <= day.year:
                raise
            return None  # remembered too: a later year's calendar is not out yet

    def _before(self, day: date, workdays: int) -> date:
        """The working day ``workdays`` working days before ``day`` (``day`` itself for 0)."""
        found = day
        while workdays:
            found -= timedelta(days=1)
            if self.calendar.is_workday(found):
                workdays -= 1
        return found


def _periods(every: Every, year: int) -> Iterator[tuple[str, str, date, date]]:
    """(key, label, first day, last day) of each period of ``year``."""
    if every is Every.YEAR:
        yield str(year), f"{year}年度", date(year, 1, 1), date(year, 12, 31)
        return
    size = {Every.MONTH: 1, Every.QUARTER: 3, Every.HALF: 6}[every]
    for n, month in enumerate(range(1, 13, size), start=1):
        last = month + size - 1
        end = date(year, last, _months.monthrange(year, last)[1])
        if every is Every.MONTH:
            yield f"{year}-{month:02d}", f"{year}年{month}月", date(year, month, 1), end
        elif every is Every.QUARTER:
            yield f"{year}-Q{n}", f"{year}年第{'一二三四'[n - 1]}季度", date(year, month, 1), end
        else:
            yield f"{year}-H{n}", f"{year}年{'上下'[n - 1]}半年", date(year, month, 1), end


def _month_day(year: int, md: tuple[int, int]) -> date:
    month, day = md
    return date(year, month, min(day, _months.monthrange(year, month)[1]))


def _obligation(duty: Duty, period: str, label: str, opens: date, due_day: date, days: _Days) -> Obligation:
    due = _start_of(due_day + timedelta(days=1))
    remind_day = max(days.before(due_day, duty.lead_workdays), opens)
    return Obligation(duty, period, label, _start_of(opens), due, _start_of(remind_day), due_day)


def obligations_for_year(
    catalogue: Iterable[Duty],
    year: int,
    days: _Days | WorkCalendar,
    events: Sequence[DutyEvent] = (),
    *,
    triggered_only: bool = False,
) -> list[Obligation]:
    """Every obligation due in ``year``: periods of periodic duties, once and count duties, events.

    ``triggered_only``: only the obligations of ``events``.
    """
    days = days if isinstance(days, _Days) else _Days(days)
    out: list[Obligation] = []
    by_code: dict[str, list[DutyEvent]] = {}
    for event in events:
        by_code.setdefault(event.code, []).append(event)
    for duty in catalogue:
        s = duty.schedule
        if triggered_only and s.kind is not ScheduleKind.TRIGGERED:
            continue
        if s.kind is ScheduleKind.ONCE or s.kind is ScheduleKind.COUNT:
            assert s.due is not None
            out.append(_obligation(duty, str(year), f"{year}年", date(year, 1, 1), _month_day(year, s.due), days))
        elif s.kind is ScheduleKind.PERIODIC:
            assert s.every is not None
            for y in (year - 1, year):
                for key, label, _first, last in _periods(s.every, y):
                    due_day = (
                        _month_day(last.year + 1, s.due)
                        if s.due is not None
                        else days.after(last, s.offset_workdays or 0)
                    )
                    if due_day is not None and due_day.year == year:
                        # Work on a period's disclosure starts when the period ends.
                        out.append(_obligation(duty, key, label, last + timedelta(days=1), due_day, days))
        else:
            for event in by_code.get(duty.code, ()):
                ob = _triggered(duty, event, days)
                if ob is not None and ob.due_day.year == year:
                    out.append(ob)
    return out


def _triggered(duty: Duty, event: DutyEvent, days: _Days) -> Obligation | None:
    s = duty.schedule
    label = f"{event.key}（{_local_day(event.occurred_at).isoformat()}）"
    if s.within_hours is not None:
        due = event.occurred_at + timedelta(hours=s.within_hours)
        # Hour clocks: remind at half time.
        remind = event.occurred_at + timedelta(hours=s.within_hours / 2)
        return Obligation(duty, event.key, label, event.occurred_at, due, remind, _local_day(due))
    start = _local_day(event.occurred_at)
    if s.within_days is not None:
        due_day: date | None = start + timedelta(days=s.within_days)
    else:
        due_day = days.after(start, s.within_workdays or 0)
    if due_day is None:
        return None  # due in a later year whose calendar is not out yet
    ob = _obligation(duty, event.key, label, start, due_day, days)
    return attrs.evolve(ob, opens=event.occurred_at, remind_at=max(ob.remind_at, event.occurred_at))


class DutyUnit(Protocol):
    """What the duty service needs of a unit of work: the duty store and the records."""

    def duty_store(self) -> DutyStore:
        """The duty catalogue's rows."""

    def record_store(self) -> RecordRepository:
        """The report records."""


class DutyUnits(Protocol):
    """Opens one unit of work (``write=False`` for reading), committed when it ends."""

    def __call__(self, *, write: bool = True) -> AbstractContextManager[DutyUnit]:
        """One unit of work."""


@final
class Duties:
    """The duty catalogue on a flow (``flow.duties``): tags, events, status and reminders."""

    def __init__(
        self,
        units: DutyUnits,
        catalogue: DutyCatalogue,
        calendar: WorkCalendar,
        *,
        clock: Callable[[], datetime],
        after_enqueue: Callable[[], None] | None = None,
    ) -> None:
        self._units = units
        self.catalogue = catalogue
        self.calendar = calendar
        self._days = _Days(calendar)
        self._fixed: dict[tuple[str | None, int], list[Obligation]] = {}
        self._clock = clock
        self._after_enqueue = after_enqueue

    # -- tags ------------------------------------------------------------------------------------

    def check_tags(self, tags: Iterable[str] | None) -> None:
        """Refuse tags that are malformed or name a duty outside the catalogue (``form.invalid_field``)."""
        if tags is None:
            return
        if isinstance(tags, str):
            raise InvalidFieldError('公开事项标记（duty_tags）应为列表，如 ["NB@2025"]。', field="duty_tags")
        codes = self.catalogue.codes()
        for tag in tags:
            try:
                code, _ = split_tag(str(tag))
            except ValueError:
                raise InvalidFieldError(
                    f"公开事项标记“{tag}”格式不对，应为“编号@期间”，如“NB@2025”“SB-JJ@2026-Q1”。", field="duty_tags"
                ) from None
            if code not in codes:
                raise InvalidFieldError(f"公开事项标记“{tag}”中的编号“{code}”不在权责清单中。", field="duty_tags")

    def after_save(self, unit: DutyUnit, outcome: Outcome) -> None:
        """Rewrite a tagged item's tag rows on each save, so they follow its tags and its state.

        An item whose tags were all removed by an edit has its rows deleted; untagged items cost
        nothing.
        """
        item = outcome.item
        untagged = any(
            e.type == "item-edited" and "duty_tags" in getattr(e, "changed_fields", ()) for e in outcome.events
        )
        if not item.duty_tags and not untagged:
            return
        fulfilling = item.state in FULFILLING_STATES and item.published_at is not None
        unit.duty_store().set_item_tags(item, [split_tag(t) for t in item.duty_tags], fulfilling)

    # -- events ----------------------------------------------------------------------------------

    def trigger(self, code: str, key: str, *, occurred_at: datetime | None = None, note: str = "") -> DutyEvent:
        """Record the event that starts triggered duty ``code`` (``key`` names it; items are tagged ``code@key``)."""
        duty = self.catalogue.get(code)
        if duty.schedule.kind is not ScheduleKind.TRIGGERED or duty.schedule.source is not TriggerSource.EVENT:
            raise InvalidFieldError(f"公开事项“{duty.name}”（{code}）不是由登记事件触发的事项。", field="code")
        if not key.strip() or len(key) > 100 or "@" in key:
            raise InvalidFieldError(f"事件编号“{key}”无效（不能为空，不能含“@”，至多100个字符）。", field="key")
        when = occurred_at or self._clock()
        if when.tzinfo is None:
            when = when.replace(tzinfo=BUREAU_TZ)  # a time without a zone is Beijing time
        event = DutyEvent(code, key.strip(), when, note)
        with self._units(write=True) as unit:
            if not unit.duty_store().put_duty_event(event):
                raise InvalidFieldError(f"公开事项“{duty.name}”的事件“{key}”已经登记过。", field="key")
        return event

    # -- status ----------------------------------------------------------------------------------

    def _events(self, unit: DutyUnit, year: int) -> list[DutyEvent]:
        since, until = _start_of(date(year - 1, 1, 1)), _start_of(date(year + 1, 1, 1))
        events = list(unit.duty_store().duty_events(since, until))
        proposal_codes = [
            d.code
            for d in self.catalogue
            if d.schedule.kind is ScheduleKind.TRIGGERED and d.schedule.source is TriggerSource.PROPOSAL
        ]
        if proposal_codes:
            for record in unit.record_store().records("proposal"):
                assert isinstance(record, ProposalRecord)
                if year - 1 <= record.replied_on.year <= year:
                    for code in proposal_codes:
                        events.append(DutyEvent(code, record.number, _start_of(record.replied_on), record.id))
        return events

    def _meetings(self, unit: DutyUnit, year: int) -> list[MeetingRecord]:
        found = [r for r in unit.record_store().records("meeting") if isinstance(r, MeetingRecord)]
        return sorted((r for r in found if r.held_on.year == year and r.representatives > 0), key=lambda r: r.held_on)

    def status(
        self,
        year: int,
        *,
        as_of: datetime | None = None,
        section: str | None = None,
        items: bool = True,
    ) -> list[DutyStatus]:
        """Every obligation due in ``year`` and where it stands at ``as_of`` (default: now).

        Only items published at or before ``as_of`` count. ``section``: only that section's
        duties. ``items=False`` leaves out the list of fulfilling items (counts only).
        """
        now = as_of if as_of is not None else self._clock()
        with self._units(write=False) as unit:
            return self._status(unit, year, now, section, items)

    def _status(self, unit: DutyUnit, year: int, now: datetime, section: str | None, items: bool) -> list[DutyStatus]:
        duties = self.catalogue.for_section(section) if section else tuple(self.catalogue)
        fixed = self._fixed.get((section, year))
        if fixed is None:
            # Everything but the triggered duties depends on the catalogue and the calendar only.
            fixed = self._fixed[(section, year)] = obligations_for_year(duties, year, self._days)
        events = self._events(unit, year)
        obligations = [*fixed, *obligations_for_year(duties, year, self._days, events, triggered_only=True)]
        periods = sorted({ob.period for ob in obligations})
        store = unit.duty_store()
        tallies = {(t.code, t.period): t for t in store.tallies(periods, now)}
        listed: dict[tuple[str, str], list[Fulfilment]] = {}
        if items:
            for f in store.fulfilments(periods, codes=sorted({d.code for d in duties})):
                if f.published_at <= now:
                    listed.setdefault((f.code, f.period), []).append(f)
        meetings: list[MeetingRecord] | None = None
        out = []
        for ob in obligations:
            count, fulfilled_at = 0, None
            if ob.duty.schedule.kind is ScheduleKind.COUNT:
                if meetings is None:
                    meetings = self._meetings(unit, year)
                held = [m for m in meetings if _start_of(m.held_on) <= now]
                count = len(held)
                need = ob.duty.schedule.at_least or 1
                if count >= need:
                    fulfilled_at = _start_of(held[need - 1].held_on)
            else:
                tally = tallies.get(ob.key)
                if tally is not None:
                    count, fulfilled_at = tally.count, tally.first_published_at
            out.append(
                DutyStatus(ob, _state(ob, fulfilled_at, now), fulfilled_at, count, tuple(listed.get(ob.key, ())))
            )
        return sorted(out, key=lambda s: (s.obligation.due, s.obligation.duty.code, s.obligation.period))

    # -- reminders -------------------------------------------------------------------------------

    def tick(self, now: datetime | None = None) -> list[DeadlineNotice]:
        """Send each reminder and escalation owed at ``now``, once; return the notices enqueued.

        A reminder goes to the lead responsible section from the reminder day until the due
        time, if the duty is still open; an escalation once the due time passed unfulfilled (a
        reminder not sent by then is not sent late).
        """
        moment = now if now is not None else self._clock()
        year = _local_day(moment).year
        sent: list[DeadlineNotice] = []
        with self._units(write=True) as unit:
            store = unit.duty_store()
            for y in (year - 1, year, year + 1):
                if y > year and not self.calendar.knows(y) and not self.calendar.fallback_weekdays:
                    continue  # next year's duties are reminded once its calendar is published
                statuses = self._status(unit, y, moment, None, False)
                done = store.notices_sent(sorted({s.obligation.period for s in statuses}))
                for st in statuses:
                    kind = _owed(st)
                    ob = st.obligation
                    if kind is None or (ob.duty.code, ob.period, kind) in done:
                        continue
                    if store.record_notice(ob.duty.code, ob.period, kind, moment):
                        sent.append(_notice(st, kind, moment))
            store.enqueue(sent)
        if sent and self._after_enqueue is not None:
            self._after_enqueue()
        return sent


def _state(ob: Obligation, fulfilled_at: datetime | None, now: datetime) -> DutyState:
    if fulfilled_at is not None:
        return DutyState.DONE if fulfilled_at < ob.due else DutyState.DONE_LATE
    if now >= ob.due:
        return DutyState.OVERDUE
    if now < ob.opens:
        return DutyState.NOT_STARTED
    if now >= ob.remind_at:
        return DutyState.DUE_SOON
    return DutyState.OPEN


def _owed(status: DutyStatus) -> str | None:
    if status.state is DutyState.OVERDUE:
        return ESCALATION
    if status.state is DutyState.DUE_SOON:
        return REMINDER
    return None


def _notice(status: DutyStatus, kind: str, now: datetime) -> DeadlineNotice:
    ob = status.obligation
    cls = DeadlineMissed if kind == ESCALATION else DeadlineApproaching
    subject = f"duty:{ob.duty.code}@{ob.period}"
    return cls(
        event_id=uuid.uuid5(_NAMESPACE, f"{subject}:{kind}").hex,
        item_id=subject,
        chain_id="duty",
        chain_version=1,
        action=cls.type,
        from_state=status.state.value,
        to_state=status.state.value,
        actor_id="system",
        at=now,
        content_hash="",
        timer_id=f"{ob.duty.code}@{ob.period}",
        rule_id=ob.duty.code,
        rule_label=f"公开事项“{ob.duty.name}”（{ob.label}）",
        due=ob.due.astimezone(BUREAU_TZ).isoformat(),
        responsible=ob.duty.lead_section,
    )
