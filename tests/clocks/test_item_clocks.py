"""Clocks wired to the review chain: D1 from formation to publication, D15 for a policy's interpretation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from gongkai_flow import Action, Actor, DisclosureItem, Flow, ItemKind
from gongkai_flow.deadlines import BUREAU_TZ, TimerStatus

from .conftest import Clock


def statuses(flow: Flow, item_id: str) -> dict[str, TimerStatus]:
    return {t.rule_id: t.status for t in flow.clocks.timers(item_id)}


def last_day(flow: Flow, item_id: str, rule_id: str) -> date:
    (timer,) = [t for t in flow.clocks.timers(item_id) if t.rule_id == rule_id]
    return (timer.due.astimezone(BUREAU_TZ) - timedelta(days=1)).date()


def test_drafting_a_proactive_item_starts_d1_from_formation(
    flow: Flow, draft_item: Callable[..., DisclosureItem]
) -> None:
    """A 主动公开 item must be published within 20 working days of the day it was formed (条例第26条)."""
    item = draft_item(formed_on=date(2025, 9, 26))
    assert statuses(flow, item.id) == {"D1": TimerStatus.RUNNING}
    assert last_day(flow, item.id, "D1") == date(2025, 10, 30)


def test_publishing_closes_d1_and_opens_d15_without_interpretation(
    flow: Flow, draft_item: Callable[..., DisclosureItem], drive: Callable[[str, str], DisclosureItem], clock: Clock
) -> None:
    """A policy published without its interpretation gets 3 working days for one; publishing it closes the clock."""
    clock.set(2025, 9, 29)
    policy = draft_item()
    drive(policy.id, "published")
    assert statuses(flow, policy.id) == {"D1": TimerStatus.CLOSED, "D15": TimerStatus.RUNNING}
    assert last_day(flow, policy.id, "D15") == date(2025, 10, 10)  # across National Day
    interpretation = draft_item(
        title="《关于做好高校毕业生就业创业工作的通知》解读",
        kind=ItemKind.POLICY_INTERPRETATION,
        policy_id=policy.id,
        column="政策解读",
        document_number=None,
    )
    drive(interpretation.id, "published")
    assert statuses(flow, policy.id)["D15"] is TimerStatus.CLOSED


def test_withdrawing_closes_d1(flow: Flow, draft_item: Callable[..., DisclosureItem], bureau: dict[str, Actor]) -> None:
    """A withdrawn item's D1 clock stops."""
    item = draft_item()
    flow.fire(item.id, Action.WITHDRAW, bureau["zhangmin"])
    assert statuses(flow, item.id) == {"D1": TimerStatus.CLOSED}


def test_non_proactive_item_runs_no_d1(flow: Flow, draft_item: Callable[..., DisclosureItem]) -> None:
    """Only 主动公开 items run D1."""
    item = draft_item(attribute="依申请公开", platforms=[])
    assert flow.clocks.timers(item.id) == []


def test_editing_formation_date_moves_d1(
    flow: Flow, draft_item: Callable[..., DisclosureItem], bureau: dict[str, Actor]
) -> None:
    """Correcting ``formed_on`` recomputes the 20 working days from the new date."""
    item = draft_item(formed_on=date(2025, 9, 26))
    flow.edit(item.id, bureau["zhangmin"], formed_on=date(2025, 10, 9))
    assert last_day(flow, item.id, "D1") == date(2025, 11, 5)  # 2025-10-11 is a Saturday worked in lieu
