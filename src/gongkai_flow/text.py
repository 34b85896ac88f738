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
    """``title`` between 《》, the marks inside it alternating by depth: 〈〉, then 《》, then 〈〉 …

    Titles typed with 《》 at every level (``关于印发《关于《X》的意见》的通知``) come out nested
    correctly (``《关于印发〈关于《X》的意见〉的通知》``); unbalanced marks are only swapped.
    """
    out: list[str] = []
    depth = 0
    for char in title:
        if char in "《〈":
            depth += 1
            out.append("〈" if depth % 2 else "《")
        elif char in "》〉":
            if depth == 0:
                return f"《{title.translate(_NEST)}》"
            out.append("〉" if depth % 2 else "》")
            depth -= 1
        else:
            out.append(char)
    if depth:
        return f"《{title.translate(_NEST)}》"
    return f"《{''.join(out)}》"


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


_DIGITS: Final = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """``n`` (1–999) in Chinese numerals as articles are cited: 十六, 三十六, 一百零一."""
    if not 0 < n < 1000:
        raise ValueError(f"条款序号超出范围：{n}")
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = f"{_DIGITS[hundreds]}百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    elif hundreds and ones:
        out += "零"
    if ones:
        out += _DIGITS[ones]
    return out


def article_text(article: int, paragraph: int | None = None, item: int | None = None) -> str:
    """An article of a law as a letter cites it: ``第三十六条第三项``, ``第十六条第二款``."""
    text = f"第{chinese_numeral(article)}条"
    if paragraph is not None:
        text += f"第{chinese_numeral(paragraph)}款"
    if item is not None:
        text += f"第{chinese_numeral(item)}项"
    return text
