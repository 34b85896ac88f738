"""China's working-day calendar: public holidays and 调休 working weekends.

Built on ``chinese_calendar`` (PyPI ``chinesecalendar``), which knows the State Council's
holiday arrangements up to the year it was released for. A bureau fills in later years — or
corrects earlier ones — in a TOML override file, typically as soon as the State Council's notice
(国务院办公厅关于YYYY年部分节假日安排的通知) is published each November or December::

    [years.2027]
    complete = true                                   # the whole year's arrangement is entered
    holidays = ["2027-01-01", "2027-02-05", ...]      # weekdays off
    workdays = ["2027-02-14", ...]                    # 调休: weekends worked

For a year nobody knows, the calendar refuses to guess (``CalendarYearUnknownError``, naming the
file to fill in). Only when ``fallback_weekdays=True`` is configured does it count Monday–Friday,
and every date computed that way is marked provisional.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any, final

import attrs
import chinese_calendar

from .errors import CalendarFileError, CalendarYearUnknownError

#: The last year the installed ``chinese_calendar`` knows.
PACKAGE_LAST_YEAR: int = max(chinese_calendar.holidays).year
#: The first year it knows.
PACKAGE_FIRST_YEAR: int = min(chinese_calendar.holidays).year


@final
@attrs.frozen
class WorkdayResult:
    """A date computed on the calendar; ``provisional`` when a weekday-only guess was involved."""

    date: date
    provisional: bool = False


@final
@attrs.frozen
class YearOverride:
    """A bureau's entry for one year: extra holidays, extra working days, whether it is complete."""

    year: int
    complete: bool
    holidays: frozenset[date]
    workdays: frozenset[date]


def _dates(value: Any, where: str) -> frozenset[date]:
    if not isinstance(value, list):
        raise CalendarFileError(f"日历文件中 {where} 应为日期列表。")
    out = set()
    for v in value:
        if isinstance(v, date):
            out.add(v)
        elif isinstance(v, str):
            try:
                out.add(date.fromisoformat(v))
            except ValueError:
                raise CalendarFileError(f"日历文件中 {where} 的“{v}”不是 YYYY-MM-DD 格式的日期。") from None
        else:
            raise CalendarFileError(f"日历文件中 {where} 的 {v!r} 不是日期。")
    return frozenset(out)


def load_overrides(path: Path) -> dict[int, YearOverride]:
    """Read a bureau's override file; ``CalendarFileError`` with a clear message if it is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CalendarFileError(f"找不到日历文件 {path}。", path=str(path)) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CalendarFileError(f"日历文件 {path} 无法读取：{exc}", path=str(path)) from exc
    years = data.get("years", {})
    if not isinstance(years, dict):
        raise CalendarFileError(f"日历文件 {path} 中 [years] 格式有误。", path=str(path))
    out: dict[int, YearOverride] = {}
    for key, entry in years.items():
        try:
            year = int(key)
        except ValueError:
            raise CalendarFileError(f"日历文件 {path} 中的年份“{key}”无效。", path=str(path)) from None
        if not isinstance(entry, dict):
            raise CalendarFileError(f"日历文件 {path} 中 [years.{key}] 格式有误。", path=str(path))
        override = YearOverride(
            year=year,
            complete=bool(entry.get("complete", False)),
            holidays=_dates(entry.get("holidays", []), f"[years.{key}].holidays"),
            workdays=_dates(entry.get("workdays", []), f"[years.{key}].workdays"),
        )
        stray = [d for d in override.holidays | override.workdays if d.year != year]
        if stray:
            raise CalendarFileError(f"日历文件 {path} 中 [years.{key}] 含有其他年份的日期 {sorted(stray)[0]}。")
        out[year] = override
    return out


@functools.lru_cache(maxsize=16384)
def _package_workday(day: date) -> bool:
    # The package's answer never changes, and each of its calls scans its whole holiday table to
    # validate the date: a deadline counting a few dozen days would pay that for every day.
    return bool(chinese_calendar.is_workday(day))


@final
class WorkCalendar:
    """Answers "is this a working day?" and counts working days, refusing to guess unknown years.

    ``overrides`` (or ``override_file``) add or correct years; ``fallback_weekdays`` allows a
    Monday–Friday guess for unknown years, marked provisional.
    """

    def __init__(
        self,
        overrides: Mapping[int, YearOverride] | Iterable[YearOverride] = (),
        *,
        override_file: Path | str | None = None,
        fallback_weekdays: bool = False,
    ) -> None:
        self.override_file = Path(override_file) if override_file is not None else None
        entries = overrides.values() if isinstance(overrides, Mapping) else overrides
        self._overrides: dict[int, YearOverride] = {o.year: o for o in entries}
        if self.override_file is not None:
            self._overrides.update(load_overrides(self.override_file))
        self.fallback_weekdays = fallback_weekdays

    def knows(self, year: int) -> bool:
        """Whether the holiday arrangement of ``year`` is known (package or complete override)."""
        override = self._overrides.get(year)
        return (PACKAGE_FIRST_YEAR <= year <= PACKAGE_LAST_YEAR) or (override is not None and override.complete)

    def _unknown(self, year: int) -> CalendarYearUnknownError:
        where = str(self.override_file) if self.override_file else "日历覆盖文件（calendar.toml）"
        return CalendarYearUnknownError(
            f"日历中没有{year}年的节假日安排，无法计算工作日期限。请根据国务院办公厅关于{year}年部分节假日安排的通知，"
            f"在 {where} 中填写 [years.{year}]（complete = true、holidays、workdays）；"
            "或明确配置按周一至周五临时计算（结果将标注为“暂定”）。",
            year=year,
            path=where,
        )

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is a working day; ``CalendarYearUnknownError`` for an unknown year."""
        override = self._overrides.get(day.year)
        if override is not None:
            if day in override.workdays:
                return True
            if day in override.holidays:
                return False
        if PACKAGE_FIRST_YEAR <= day.year <= PACKAGE_LAST_YEAR:
            return _package_workday(day)
        if (override is not None and override.complete) or self.fallback_weekdays:
            return day.weekday() < 5
        raise self._unknown(day.year)

    def add_workdays(self, start: date, days: int) -> WorkdayResult:
        """The ``days``-th working day after ``start`` (``start`` itself is not counted).

        This is the statutory counting: an application received on 2025-09-30 has its 3rd working
        day on 2025-10-11, a Saturday worked in lieu (调休). ``days`` must be positive.
        """
        if days < 1:
            raise ValueError("days must be at least 1")
        provisional = False
        day = start
        remaining = days
        while remaining:
            day += timedelta(days=1)
            provisional = provisional or not self.knows(day.year)
            if self.is_workday(day):
                remaining -= 1
        return WorkdayResult(day, provisional)

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count
