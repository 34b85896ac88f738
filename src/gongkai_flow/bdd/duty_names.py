"""The names staff write for a disclosure duty and its period, and the lookups behind them.

A scenario names one duty for one period (an *obligation*, :class:`~gongkai_flow.duties.Obligation`)
in the words a clerk uses: the tag items carry (``SB-JJ@2026-Q1``), the period before the duty's
name (``2026年第一季度参保人数、待遇支付、基金收支情况``), or the period or event in brackets after
it (``“双随机、一公开”抽查结果和查处情况（SSJ-2026-1）``). Inner quotes may be written ‘’ or “”.
A duty alone (``NB``, ``政府信息公开工作年度报告``) names the one period of it due this year.
Every miss is a :class:`~gongkai_flow.bdd.errors.ScenarioError` naming the closest names.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from ..duties import DutyStatus, Obligation
from ..duty_types import Duty, ScheduleKind
from .errors import ScenarioError
from .world import BEIJING, World

__all__ = ["duty_named", "duty_tag", "is_duty_notice", "obligation_named", "shown_name", "statuses"]

#: How duty notices are told apart from the statutory clocks' ones: their subject is ``duty:CODE@PERIOD``.
DUTY_SUBJECT = "duty:"


def is_duty_notice(notice: dict[str, Any]) -> bool:
    """Whether a sent notice is a duty's reminder or escalation (not a statutory clock's)."""
    return str(notice.get("item_id", "")).startswith(DUTY_SUBJECT)


def _plain(text: str) -> str:
    return text.strip().replace("‘", "“").replace("’", "”").replace("(", "（").replace(")", "）")


def shown_name(ob: Obligation) -> str:
    """The name a clerk reads: period and duty, or for an event the duty with its event number."""
    if ob.duty.schedule.kind is ScheduleKind.TRIGGERED:
        return f"{ob.duty.name}（{ob.period}）"
    return f"{ob.label}{ob.duty.name}"


def _names(ob: Obligation) -> set[str]:
    code, period = ob.key
    duty = ob.duty.name
    return {
        f"{code}@{period}",
        shown_name(ob),
        f"{ob.label}{duty}",
        f"{duty}（{ob.label}）",
        f"{duty}（{period}）",
    }


def statuses(world: World, years: Iterable[int] | None = None) -> list[DutyStatus]:
    """Every obligation due in ``years`` (default: last year, this year and next) at the scenario's now."""
    duties = world.flow.duties
    this_year = world.now.astimezone(BEIJING).year
    wanted = list(years) if years is not None else [this_year - 1, this_year, this_year + 1]
    out: list[DutyStatus] = []
    for year in wanted:
        if year > this_year and not duties.calendar.knows(year):
            continue  # next year's calendar is not out yet: its duties cannot be placed
        out.extend(duties.status(year, as_of=world.now))
    return out


def duty_named(world: World, name: str) -> Duty:
    """The duty of the catalogue with code or name ``name``."""
    catalogue = world.flow.duties.catalogue
    wanted = _plain(name)
    for duty in catalogue:
        if wanted in (duty.code, _plain(duty.name)):
            return duty
    names = [f"{d.code}（{d.name}）" for d in catalogue]
    near = difflib.get_close_matches(wanted, [d.name for d in catalogue] + [d.code for d in catalogue], n=3)
    hint = f"是不是“{'”或“'.join(near)}”？" if near else ""
    listed = "；".join(names) or "（清单为空）"
    raise ScenarioError(f"公开事项清单中没有“{name}”。{hint}清单中的事项有：{listed}。")


def obligation_named(
    world: World, name: str, *, among: Sequence[DutyStatus] | None = None, year: int | None = None
) -> DutyStatus:
    """The obligation (with where it stands now) that ``name`` stands for; see the module docstring."""
    found = list(among) if among is not None else statuses(world)
    wanted = _plain(name)
    matches = [s for s in found if wanted in {_plain(n) for n in _names(s.obligation)}]
    if not matches:
        this_year = year if year is not None else world.now.astimezone(BEIJING).year
        alone = [
            s for s in found if wanted in (s.obligation.duty.code, _plain(s.obligation.duty.name))
        ]  # a duty named without its period: the one due this year, if only one is
        alone_now = [s for s in alone if s.obligation.due_day.year == this_year]
        if len(alone_now) == 1:
            return alone_now[0]
        if alone_now:
            options = "”“".join(shown_name(s.obligation) for s in alone_now[:6])
            raise ScenarioError(f"公开事项“{name}”在{this_year}年有{len(alone_now)}期，请写明哪一期，例如“{options}”。")
        shown = [shown_name(s.obligation) for s in found]
        near = difflib.get_close_matches(wanted, shown, n=3, cutoff=0.3)
        hint = f"是不是“{'”或“'.join(near)}”？" if near else ""
        raise ScenarioError(
            f"找不到公开事项“{name}”。{hint}请写编号和期间（如“SB-JJ@2026-Q1”），或期间加事项名称"
            "（如“2025年度政府信息公开工作年度报告”）；事件触发的事项先要登记触发事件。"
        )
    return matches[0]


def duty_tag(world: World, name: str) -> str:
    """The tag (``CODE@PERIOD``) an item drafted for ``name`` carries; a tag passes as written."""
    text = name.strip()
    if "@" in text:
        return text  # the flow checks the tag itself (form.invalid_field)
    code, period = obligation_named(world, text).obligation.key
    return f"{code}@{period}"
