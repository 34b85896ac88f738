"""The values of the statutory clocks: rules, timers and the notices they owe.

Plain frozen values with no behaviour of their own, so that storage can persist them without
importing the clock logic; the arithmetic that moves a timer (pause, resume, restart, extend,
evaluate) lives in :mod:`gongkai_flow.deadlines`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Final, final
from zoneinfo import ZoneInfo

import attrs

from .model import _Labelled

__all__ = ["BUREAU_TZ", "OPEN_STATUSES", "ClockRule", "Notice", "Timer", "TimerStatus", "Unit"]

#: The bureau's time zone: a working day ends at midnight in Beijing time.
BUREAU_TZ: Final = ZoneInfo("Asia/Shanghai")


class Unit(_Labelled):
    """How a clock counts."""

    WORKDAYS = "workdays", "工作日"
    HOURS = "hours", "小时"


class TimerStatus(_Labelled):
    """Where a timer is."""

    RUNNING = "running", "计时中"
    PAUSED = "paused", "暂停"
    CLOSED = "closed", "已办结"
    MISSED = "missed", "已超期"
    ABANDONED = "abandoned", "视为放弃"


#: A timer in one of these is still counting (or waiting to count again); closing it stops it for good.
OPEN_STATUSES: Final = frozenset({TimerStatus.RUNNING, TimerStatus.PAUSED})


class Notice(_Labelled):
    """What a tick may owe for a timer."""

    APPROACHING = "approaching", "即将到期"
    DUE = "due", "今日到期"
    MISSED = "missed", "已超期"


@final
@attrs.frozen
class ClockRule:
    """A statutory clock: duration, unit, legal basis, and how early to warn."""

    id: str
    label: str
    duration: int
    unit: Unit
    basis: str
    confidence: str = "V"
    #: Warn this many working days (or hours, for hour clocks) before the due time.
    lead: int = 1


def _frozen_notices(value: Iterable[Notice]) -> frozenset[Notice]:
    return frozenset(value)


@final
@attrs.frozen
class Timer:
    """One clock running for one subject.

    ``due`` is the moment the time runs out (for working-day clocks: the end of the last working
    day, Beijing time). ``provisional`` when a weekday-only guess was used for an unknown year.
    ``remaining_workdays`` is kept while paused.
    """

    id: str
    rule_id: str
    subject_id: str
    started_at: datetime
    due: datetime
    responsible: str = ""
    status: TimerStatus = TimerStatus.RUNNING
    provisional: bool = False
    paused_at: datetime | None = None
    remaining_workdays: int | None = None
    extended_days: int = 0
    extension_approver: str | None = None
    notified: frozenset[Notice] = attrs.field(factory=frozenset, converter=_frozen_notices)
    closed_at: datetime | None = None
    #: The bureau's own warning lead for this clock (working days or hours); ``None``: the rule's.
    lead: int | None = None

    def closed(self, at: datetime) -> Timer:
        """The timer stopped for good at ``at`` (the work is done)."""
        return attrs.evolve(self, status=TimerStatus.CLOSED, closed_at=at)
