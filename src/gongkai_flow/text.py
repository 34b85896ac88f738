"""How a clerk writes titles, dates and times: one place for each convention.

* :func:`quote_title` wraps a title in book-title marks and turns the marks inside it into the
  inner form, as 《关于印发〈日照市…实施方案〉的通知》 and 《〈关于调整失业保险金标准的通知〉政策解读》.
* :func:`formal_date` writes a day as formal documents do: 2019年9月20日.
* :func:`beijing` and :func:`beijing_time` give the Beijing time a person reads, whatever zone the
  moment was stored in (the library stores UTC).

Values level: standard library only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Final
from zoneinfo import ZoneInfo

#: The bureau's zone: every time a person reads is Beijing time.
BEIJING: Final = ZoneInfo("Asia/Shanghai")

# Outer marks become inner ones and inner ones outer, so every level alternates correctly.
_NEST: Final = str.maketrans({"《": "〈", "》": "〉", "〈": "《", "〉": "》"})


def quote_title(title: str) -> str:
    """``title`` between 《》, the book-title marks inside it nested as 〈〉 (and 〈〉 as 《》)."""
    return f"《{title.translate(_NEST)}》"


def formal_date(day: date | datetime) -> str:
    """A day as formal documents write it: ``2019年9月20日`` (a moment is read in Beijing time)."""
    if isinstance(day, datetime):
        day = beijing(day).date()
    return f"{day.year}年{day.month}月{day.day}日"


def beijing(moment: datetime) -> datetime:
    """``moment`` in Beijing time; a naive moment is taken as UTC (how the library stores time)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING)


def beijing_time(moment: datetime, *, seconds: bool = False) -> str:
    """``moment`` as ``2019-06-03 17:30`` (or with seconds) in Beijing time, for lists and trails."""
    return beijing(moment).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
