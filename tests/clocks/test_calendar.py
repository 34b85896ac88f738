"""The working-day calendar: real 调休 cases, unknown years, the bureau's override file."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongkai_flow.calendar import PACKAGE_LAST_YEAR, WorkCalendar, WorkdayResult, load_overrides
from gongkai_flow.errors import CalendarFileError, CalendarYearUnknownError


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


def test_third_workday_after_national_day_eve_is_a_saturday(cal: WorkCalendar) -> None:
    """The 3rd working day after 2025-09-30 is Saturday 2025-10-11, worked in lieu (调休)."""
    result = cal.add_workdays(date(2025, 9, 30), 3)
    assert result.date == date(2025, 10, 11)
    assert result.date.weekday() == 5
    assert not result.provisional


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2019, 9, 20), 20, date(2019, 10, 23)),
        (date(2025, 9, 26), 7, date(2025, 10, 13)),
        (date(2025, 9, 26), 20, date(2025, 10, 30)),
    ],
)
def test_statutory_counts_pinned(cal: WorkCalendar, start: date, days: int, expected: date) -> None:
    """Known deadlines (docs/legal-basis.md#calendar), computed by hand from the State Council notices."""
    assert cal.add_workdays(start, days).date == expected


def test_spring_festival_holiday_is_not_a_workday(cal: WorkCalendar) -> None:
    """2025-01-29 (春节) is a weekday off; 2025-01-26, a Sunday, is worked."""
    assert not cal.is_workday(date(2025, 1, 29))
    assert cal.is_workday(date(2025, 1, 26))


def test_december_2026_application_refuses_to_guess_2027(cal: WorkCalendar) -> None:
    """A deadline running into an unknown year raises an error that names the file to fill in."""
    assert PACKAGE_LAST_YEAR == 2026
    with pytest.raises(CalendarYearUnknownError) as exc:
        cal.add_workdays(date(2026, 12, 20), 20)
    assert exc.value.code == "calendar.year_unknown"
    assert "2027" in exc.value.message
    assert "calendar.toml" in exc.value.message


def test_weekday_fallback_is_marked_provisional() -> None:
    """With the fallback configured, a deadline in an unknown year is computed and marked provisional."""
    cal = WorkCalendar(fallback_weekdays=True)
    result = cal.add_workdays(date(2026, 12, 28), 5)
    assert result.provisional
    assert result.date.year == 2027
    assert result.date.weekday() < 5


def test_override_file_makes_a_year_known(tmp_path: Path) -> None:
    """A complete [years.2027] entry lets 2027 deadlines be computed, not provisional, holidays honoured."""
    f = tmp_path / "calendar.toml"
    f.write_text(
        '[years.2027]\ncomplete = true\nholidays = ["2027-01-01"]\nworkdays = ["2027-01-03"]\n', encoding="utf-8"
    )
    cal = WorkCalendar(override_file=f)
    assert not cal.is_workday(date(2027, 1, 1))  # a Friday, holiday
    assert cal.is_workday(date(2027, 1, 3))  # a Sunday, worked
    assert cal.add_workdays(date(2026, 12, 31), 1) == WorkdayResult(date(2027, 1, 3), provisional=False)
    assert cal.add_workdays(date(2026, 12, 31), 2) == WorkdayResult(date(2027, 1, 4), provisional=False)


def test_override_corrects_a_known_year(tmp_path: Path) -> None:
    """An override for a year the package knows wins (e.g. a provincial extension)."""
    f = tmp_path / "calendar.toml"
    f.write_text('[years.2025]\nholidays = ["2025-10-09"]\n', encoding="utf-8")
    assert not WorkCalendar(override_file=f).is_workday(date(2025, 10, 9))
    assert WorkCalendar().is_workday(date(2025, 10, 9))


@pytest.mark.parametrize(
    "content",
    ["[years.2027\n", '[years.2027]\nholidays = ["2027-13-01"]\n', '[years.2027]\nholidays = ["2028-01-01"]\n'],
)
def test_bad_override_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    """A malformed override file raises CalendarFileError with its code, not a parser traceback."""
    f = tmp_path / "calendar.toml"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(CalendarFileError) as exc:
        load_overrides(f)
    assert exc.value.code == "calendar.bad_file"


def test_missing_override_file(tmp_path: Path) -> None:
    """A missing override file is named in the error."""
    with pytest.raises(CalendarFileError, match="找不到"):
        WorkCalendar(override_file=tmp_path / "nope.toml")


@given(st.dates(min_value=date(2005, 1, 1), max_value=date(2026, 10, 1)), st.integers(1, 40))
def test_add_workdays_lands_on_a_workday_after_exactly_n(start: date, days: int) -> None:
    """The result is a working day, later than start, with exactly ``days`` working days in between."""
    cal = WorkCalendar()
    result = cal.add_workdays(start, days).date
    assert result > start
    assert cal.is_workday(result)
    assert cal.workdays_between(start, result) == days
    assert cal.workdays_between(start, result - timedelta(days=1)) == days - 1
