"""The year's disclosure duties as data: what must be published, by whom, by when.

A :class:`Duty` is one line of the bureau's duty catalogue (``duties.toml``, see
``docs/duties.md``): a code, a name, the responsible sections, where the duty comes from and a
:class:`Schedule`:

* ``once`` — once a year, by a day (``due = "06-30"``);
* ``periodic`` — every month, quarter, half-year or year, due a number of working days after the
  period ends (``offset_workdays``) or on a day of the following period (``due = "01-31"``: the
  annual report, 条例第四十九条);
* ``triggered`` — after an event (a 双随机 check closes, a budget is approved, a 建议提案 reply is
  sent), within working days or hours;
* ``count`` — at least ``at_least`` times a year (市民代表列席局长办公会议 ≥ 2), counted from the
  report records.

Values and the loader only (no calendar, no storage), so storage can persist what refers to them
and the duty service (:mod:`gongkai_flow.duties`) computes due dates on the working-day calendar.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Final, final

import attrs

from .bureau import BureauConfig
from .errors import DutyCatalogueError, DutyNotFoundError
from .model import _Labelled

__all__ = [
    "CONFIDENCES",
    "DEFAULT_FILE",
    "FULFILLING_STATES",
    "Duty",
    "DutyCatalogue",
    "DutyEvent",
    "DutyState",
    "DutyTally",
    "Every",
    "Fulfilment",
    "Schedule",
    "ScheduleKind",
    "TriggerSource",
    "bureau_catalogue",
    "catalogue_from_mapping",
    "default_catalogue",
    "load_catalogue",
    "split_tag",
]

#: The packaged catalogue of the seed bureau.
DEFAULT_FILE: Final = "duties.toml"

#: The confidence marks of ``docs/legal-basis.md``: 法律, 国家格式, 本局规定, and 待核实 for the
#: project's own choices where the seed gives no period.
CONFIDENCES: Final = ("法律", "国家格式", "本局规定", "待核实")

_CODE: Final = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_MONTH_DAY: Final = re.compile(r"^(\d{2})-(\d{2})$")


class ScheduleKind(_Labelled):
    """How a duty falls due."""

    ONCE = "once", "每年一次"
    PERIODIC = "periodic", "定期"
    TRIGGERED = "triggered", "事件触发"
    COUNT = "count", "年度次数"


class Every(_Labelled):
    """The period of a periodic duty."""

    MONTH = "month", "每月"
    QUARTER = "quarter", "每季度"
    HALF = "half", "每半年"
    YEAR = "year", "每年"


class TriggerSource(_Labelled):
    """Where the events of a triggered (or counted) duty come from."""

    EVENT = "event", "登记的事件"
    PROPOSAL = "proposal", "建议提案答复记录"
    MEETING = "meeting", "局长办公会议记录（有市民代表列席）"


class DutyState(_Labelled):
    """Where one duty stands for one period on a given day."""

    DONE = "done", "已完成"
    DONE_LATE = "done_late", "逾期完成"
    OPEN = "open", "进行中"
    DUE_SOON = "due_soon", "即将到期"
    OVERDUE = "overdue", "逾期"
    NOT_STARTED = "not_started", "未开始"


def _month_day(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    match = _MONTH_DAY.match(value)
    if match is None:
        raise ValueError(value)
    month, day = int(match[1]), int(match[2])
    date(2024, month, day)  # a leap year: 02-29 is allowed (it falls back to 02-28 elsewhere)
    return month, day


@final
@attrs.frozen
class Schedule:
    """When a duty falls due (see the module docstring for the kinds)."""

    kind: ScheduleKind
    #: ``once``: the day of the year (month, day); ``periodic``: the day in the following period.
    due: tuple[int, int] | None = None
    every: Every | None = None
    offset_workdays: int | None = None
    source: TriggerSource | None = None
    within_workdays: int | None = None
    within_hours: int | None = None
    #: Calendar days (预算法第十四条: 批复后二十日内).
    within_days: int | None = None
    at_least: int | None = None


@final
@attrs.frozen
class Duty:
    """One duty of the catalogue: who publishes what, when, on what basis."""

    code: str
    name: str
    sections: tuple[str, ...]
    basis: str
    confidence: str
    schedule: Schedule
    #: Remind the responsible section this many working days before the due day.
    lead_workdays: int = 5
    note: str = ""

    @property
    def lead_section(self) -> str:
        """The section reminders and escalations go to first (the first one named)."""
        return self.sections[0]


@final
@attrs.frozen
class DutyCatalogue:
    """The bureau's duties, in catalogue order, with unique codes."""

    duties: tuple[Duty, ...]
    source: str = "权责清单"

    def __iter__(self) -> Iterator[Duty]:
        return iter(self.duties)

    def __len__(self) -> int:
        return len(self.duties)

    def get(self, code: str) -> Duty:
        """The duty ``code``; ``DutyNotFoundError`` (``duties.not_found``) if the catalogue has none."""
        for duty in self.duties:
            if duty.code == code:
                return duty
        raise DutyNotFoundError(f"{self.source}中没有编号为“{code}”的公开事项。", duty_code=code)

    def codes(self) -> frozenset[str]:
        """Every duty code."""
        return frozenset(d.code for d in self.duties)

    def for_section(self, section: str) -> tuple[Duty, ...]:
        """The duties ``section`` is responsible for (among others)."""
        return tuple(d for d in self.duties if section in d.sections)

    def extended(self, other: DutyCatalogue) -> DutyCatalogue:
        """A catalogue of these duties and ``other``'s; a duty of ``other`` with a known code replaces it."""
        replaced = {d.code: d for d in other.duties}
        kept = [replaced.pop(d.code, d) for d in self.duties]
        return DutyCatalogue((*kept, *(d for d in other.duties if d.code in replaced)), source=other.source)


def split_tag(tag: str) -> tuple[str, str]:
    """An item's duty tag ``"CODE@PERIOD"`` as (code, period); ``ValueError`` if it is malformed.

    Periods: ``2026`` (a year), ``2026-03`` (a month), ``2026-Q1``, ``2026-H1``, or for a
    triggered duty the key of its event (``SJ-2026-07``).
    """
    code, sep, period = tag.partition("@")
    if not sep or not _CODE.match(code) or not period.strip() or len(period) > 100:
        raise ValueError(tag)
    return code, period.strip()


# --- loading ---------------------------------------------------------------------------------------


def _fail(where: str, key: str, problem: str) -> DutyCatalogueError:
    return DutyCatalogueError(f"{where}中 {key} {problem}", key=key)


def _str(table: Mapping[str, Any], key: str, where: str, prefix: str, *, required: bool = True) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            raise _fail(where, f"{prefix}.{key}", "不能缺少。")
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"{prefix}.{key}", "应为非空的文字。")
    return value.strip()


def _int(table: Mapping[str, Any], key: str, where: str, prefix: str, *, low: int, high: int) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(where, f"{prefix}.{key}", f"应为 {low} 到 {high} 之间的整数，实际为“{value}”。")
    return value


def _choice(cls: type[_Labelled], table: Mapping[str, Any], key: str, where: str, prefix: str) -> Any:
    raw = _str(table, key, where, prefix)
    try:
        return cls.from_label(str(raw))
    except KeyError:
        choices = "、".join(f"{m.value}（{m.label}）" for m in cls)
        raise _fail(where, f"{prefix}.{key}", f"“{raw}”无法识别（可选：{choices}）。") from None


_ALLOWED: Final[dict[ScheduleKind, frozenset[str]]] = {
    ScheduleKind.ONCE: frozenset({"kind", "due"}),
    ScheduleKind.PERIODIC: frozenset({"kind", "every", "offset_workdays", "due"}),
    ScheduleKind.TRIGGERED: frozenset({"kind", "source", "within_workdays", "within_hours", "within_days"}),
    ScheduleKind.COUNT: frozenset({"kind", "source", "at_least", "due"}),
}


def _schedule(table: Any, where: str, prefix: str) -> Schedule:
    if not isinstance(table, dict):
        raise _fail(where, prefix, "应为一个表（kind = …）。")
    kind: ScheduleKind = _choice(ScheduleKind, table, "kind", where, prefix)
    unknown = sorted(set(table) - _ALLOWED[kind])
    if unknown:
        raise _fail(where, f"{prefix}.{unknown[0]}", f"不适用于“{kind.label}”的公开事项。")
    due_raw = _str(table, "due", where, prefix, required=False)
    try:
        due = _month_day(due_raw)
    except ValueError:
        raise _fail(where, f"{prefix}.due", f"应为“月-日”（如 01-31），实际为“{due_raw}”。") from None
    if kind is ScheduleKind.ONCE:
        if due is None:
            raise _fail(where, f"{prefix}.due", "不能缺少（每年一次的事项须写明截止的月-日）。")
        return Schedule(kind, due=due)
    if kind is ScheduleKind.PERIODIC:
        every: Every = _choice(Every, table, "every", where, prefix)
        offset = _int(table, "offset_workdays", where, prefix, low=0, high=250)
        if (offset is None) == (due is None):
            raise _fail(
                where, prefix, "须写明 offset_workdays（期满后几个工作日内）或 due（下一期的月-日）之一，且只写一个。"
            )
        if due is not None and every is not Every.YEAR:
            raise _fail(where, f"{prefix}.due", "只用于每年一期的事项；按月、季度、半年的事项请写 offset_workdays。")
        return Schedule(kind, every=every, offset_workdays=offset, due=due)
    source: TriggerSource = _choice(TriggerSource, table, "source", where, prefix)
    if kind is ScheduleKind.TRIGGERED:
        if source is TriggerSource.MEETING:
            raise _fail(where, f"{prefix}.source", "“meeting”只用于年度次数类事项。")
        workdays = _int(table, "within_workdays", where, prefix, low=1, high=250)
        hours = _int(table, "within_hours", where, prefix, low=1, high=24 * 60)
        days = _int(table, "within_days", where, prefix, low=1, high=366)
        if sum(v is not None for v in (workdays, hours, days)) != 1:
            raise _fail(where, prefix, "须写明 within_workdays、within_days 或 within_hours 之一，且只写一个。")
        return Schedule(kind, source=source, within_workdays=workdays, within_hours=hours, within_days=days)
    if source is not TriggerSource.MEETING:
        raise _fail(where, f"{prefix}.source", "年度次数类事项目前只能按“meeting”（局长办公会议记录）计数。")
    at_least = _int(table, "at_least", where, prefix, low=1, high=366)
    if at_least is None:
        raise _fail(where, f"{prefix}.at_least", "不能缺少（每年至少几次）。")
    return Schedule(kind, source=source, at_least=at_least, due=due or (12, 31))


_DUTY_KEYS: Final = frozenset({"code", "name", "sections", "basis", "confidence", "schedule", "lead_workdays", "note"})


def _duty(table: Any, index: int, where: str, sections: Iterable[str]) -> Duty:
    prefix = f"duty[{index}]"
    if not isinstance(table, dict):
        raise _fail(where, prefix, "应为一个表（[[duty]]）。")
    code = _str(table, "code", where, prefix)
    assert code is not None
    if not _CODE.match(code):
        raise _fail(where, f"{prefix}.code", f"“{code}”只能由字母、数字、“-”和“_”组成（至多40个字符）。")
    prefix = f"duty[{index}]（{code}）"
    unknown = sorted(set(table) - _DUTY_KEYS)
    if unknown:
        raise _fail(where, f"{prefix}.{unknown[0]}", "无法识别。")
    names = table.get("sections")
    if not isinstance(names, list) or not names or not all(isinstance(s, str) and s.strip() for s in names):
        raise _fail(where, f"{prefix}.sections", "应为责任科室单位的非空列表。")
    known = set(sections)
    strange = [s for s in names if known and s.strip() not in known]
    if strange:
        raise _fail(where, f"{prefix}.sections", f"中的“{strange[0]}”不在机关配置的 bureau.sections 中。")
    confidence = _str(table, "confidence", where, prefix)
    if confidence not in CONFIDENCES:
        raise _fail(where, f"{prefix}.confidence", f"应为{'、'.join(CONFIDENCES)}之一，实际为“{confidence}”。")
    lead = _int(table, "lead_workdays", where, prefix, low=0, high=60)
    return Duty(
        code=code,
        name=str(_str(table, "name", where, prefix)),
        sections=tuple(s.strip() for s in names),
        basis=str(_str(table, "basis", where, prefix)),
        confidence=confidence,
        schedule=_schedule(table.get("schedule"), where, f"{prefix}.schedule"),
        lead_workdays=5 if lead is None else lead,
        note=_str(table, "note", where, prefix, required=False) or "",
    )


def catalogue_from_mapping(
    data: Mapping[str, Any], *, where: str = "权责清单", sections: Iterable[str] = ()
) -> DutyCatalogue:
    """Build a :class:`DutyCatalogue` from the tables of a ``duties.toml``.

    ``sections``: the bureau's sections; when given, every responsible section must be one of
    them. ``DutyCatalogueError`` (``duties.invalid``) naming the key for anything wrong.
    """
    unknown = sorted(set(data) - {"duty"})
    if unknown:
        raise _fail(where, unknown[0], "无法识别（公开事项请写成 [[duty]] 表）。")
    raw = data.get("duty")
    if not isinstance(raw, list) or not raw:
        raise _fail(where, "duty", "应至少有一个 [[duty]] 表。")
    known = tuple(sections)
    duties = tuple(_duty(table, i + 1, where, known) for i, table in enumerate(raw))
    seen: set[str] = set()
    for duty in duties:
        if duty.code in seen:
            raise _fail(where, "duty.code", f"“{duty.code}”重复。")
        seen.add(duty.code)
    return DutyCatalogue(duties, source=where.strip())


def _read(path: Path | None) -> tuple[dict[str, Any], str]:
    if path is None:
        text = resources.files("gongkai_flow.data").joinpath(DEFAULT_FILE).read_text(encoding="utf-8")
        return tomllib.loads(text), f"默认权责清单 {DEFAULT_FILE} "
    where = f"权责清单文件 {os.fspath(path)} "
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DutyCatalogueError(f"找不到权责清单文件 {os.fspath(path)}。", path=os.fspath(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DutyCatalogueError(f"权责清单文件 {os.fspath(path)} 无法读取：{exc}", path=os.fspath(path)) from exc
    try:
        return tomllib.loads(text), where
    except tomllib.TOMLDecodeError as exc:
        raise DutyCatalogueError(f"{where}不是有效的 TOML 文件：{exc}", path=os.fspath(path)) from exc


def load_catalogue(
    path: str | os.PathLike[str] | None = None, *, sections: Iterable[str] = (), extend: bool = False
) -> DutyCatalogue:
    """Read a duty catalogue; ``None`` reads the packaged one (the seed bureau's duties).

    ``extend`` (or ``extends_default = true`` in the file): the file adds to (and, code by code,
    replaces) the packaged duties instead of replacing the whole catalogue.
    """
    if path is None:
        return default_catalogue() if not tuple(sections) else _load(None, tuple(sections))
    data, where = _read(Path(path))
    flag = data.pop("extends_default", False)
    if not isinstance(flag, bool):
        raise _fail(where, "extends_default", "应为 true 或 false。")
    own = catalogue_from_mapping(data, where=where, sections=sections)
    return _load(None, tuple(sections)).extended(own) if extend or flag else own


def _load(path: Path | None, sections: tuple[str, ...]) -> DutyCatalogue:
    data, where = _read(path)
    return catalogue_from_mapping(data, where=where, sections=sections)


def bureau_catalogue(bureau: BureauConfig) -> DutyCatalogue:
    """The duty catalogue of ``bureau``: its own file, else the packaged one if it fits.

    The packaged catalogue names the seed bureau's sections; a bureau with other sections and no
    catalogue file of its own gets an empty catalogue (no duty is tracked until it writes one).
    """
    if bureau.duty_catalogue is not None:
        return load_catalogue(bureau.duty_catalogue, sections=bureau.sections)
    packaged = default_catalogue()
    known = set(bureau.sections)
    if known and any(s not in known for duty in packaged for s in duty.sections):
        return DutyCatalogue((), source=f"{bureau.name}的权责清单（未配置）")
    return packaged


@functools.cache
def default_catalogue() -> DutyCatalogue:
    """The packaged catalogue (日照市人力资源和社会保障局's duties), read once."""
    return _load(None, ())


# --- what storage keeps ----------------------------------------------------------------------------

#: Item states in which an item (still) fulfils its duties: published, and published then
#: abolished or expired in due course. A retracted (撤下) or withdrawn item fulfils none.
FULFILLING_STATES: Final = ("published", "abolished", "expired")


@final
@attrs.frozen
class DutyEvent:
    """An event that starts a triggered duty: ``key`` names it (the period items are tagged with)."""

    code: str
    key: str
    occurred_at: datetime
    note: str = ""


@final
@attrs.frozen
class DutyTally:
    """How many fulfilling items a (duty, period) has, and when the first was published."""

    code: str
    period: str
    count: int
    first_published_at: datetime


@final
@attrs.frozen
class Fulfilment:
    """One published item that fulfils a duty for a period."""

    code: str
    period: str
    item_id: str
    title: str
    published_at: datetime
    column: str = ""
