"""The duty catalogue: loading and validation, tags, fulfilment, status and reminders.

The centre piece simulates 2026 on the real calendar with the seed bureau's catalogue: duties
fulfilled on time, late and never, checked on every day of the year against an oracle that counts
working days on its own, and each reminder sent once, on its working day.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import pytest

from gongkai_flow import Action, Actor, DisclosureAttribute, Flow, ItemKind, Platform, Workflow
from gongkai_flow.bureau import default_bureau
from gongkai_flow.demo import BUREAU
from gongkai_flow.duties import ESCALATION, REMINDER
from gongkai_flow.duty_types import (
    DutyState,
    ScheduleKind,
    catalogue_from_mapping,
    default_catalogue,
    load_catalogue,
    split_tag,
)
from gongkai_flow.errors import DutyCatalogueError, DutyNotFoundError, InvalidFieldError
from gongkai_flow.plugins.website.portal import build_portal
from gongkai_flow.record_types import MeetingRecord, ProposalKind, ProposalRecord
from gongkai_flow.storage.database import Database
from gongkai_flow.testing import postgres_schema
from gongkai_flow.timers import BUREAU_TZ

YEAR = 2026


class Clock:
    """A hand-moved clock (Beijing time)."""

    def __init__(self) -> None:
        self.now = datetime(YEAR, 1, 5, 9, tzinfo=BUREAU_TZ)

    def __call__(self) -> datetime:
        return self.now

    def at(self, day: date, hour: int = 10) -> datetime:
        self.now = datetime.combine(day, time(hour), BUREAU_TZ)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def flow(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[Flow]:
    """A flow on each backend (PostgreSQL when ``GONGKAI_TEST_DATABASE_URL`` is set)."""
    counter = itertools.count(1)
    workflow = Workflow(clock=clock, new_id=lambda: f"id{next(counter):05d}")
    if request.param == "memory":
        f = Flow(workflow=workflow, dispatch=False)
        yield f
        f.close()
    elif request.param == "sqlite":
        f = Flow(database=Database(tmp_path / "duties.db"), workflow=workflow, dispatch=False)
        yield f
        f.close()
    else:
        with postgres_schema("gongkai_duties") as url:
            f = Flow(database=url, workflow=workflow, dispatch=False)
            yield f
            f.close()


def _fields(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "kind": ItemKind.OTHER,
        "body": f"{title}的正文。",
        "attribute": DisclosureAttribute.PROACTIVE,
        "platforms": frozenset({Platform.WEBSITE}),
        "column": "通知公告",
    }


def publish(flow: Flow, clock: Clock, day: date, title: str, *tags: str) -> str:
    """Draft an item tagged ``tags`` and publish it on ``day`` (10:00 Beijing time)."""
    clock.at(day)
    people = BUREAU
    item = flow.draft(people["zhangmin"], duty_tags=list(tags), **_fields(title))
    steps: list[tuple[Action, Actor, str | None]] = [
        (Action.SUBMIT, people["zhangmin"], None),
        (Action.APPROVE, people["lihua"], "同意主动公开"),
        (Action.APPROVE, people["wangfang"], "同意"),
        (Action.APPROVE, people["zhaoqiang"], "同意"),
        (Action.APPROVE, people["liuyang"], "同意发布"),
        (Action.PUBLISH, people["chenjing"], None),
    ]
    for action, actor, opinion in steps:
        item = flow.fire(item.id, action, actor, opinion=opinion)
    assert item.state == "published"
    return item.id


# --- the oracle: its own working-day counting, straight from chinese_calendar ----------------------


def _workday(day: date) -> bool:
    return bool(chinese_calendar.is_workday(day))


def nth_workday_after(day: date, n: int) -> date:
    while n:
        day += timedelta(days=1)
        n -= _workday(day)
    return day


def nth_workday_before(day: date, n: int) -> date:
    while n:
        day -= timedelta(days=1)
        n -= _workday(day)
    return day


def _moment(day: date, hour: int = 0) -> datetime:
    return datetime.combine(day, time(hour), BUREAU_TZ)


def remind_moment(due_day: date, opens: datetime, lead: int) -> datetime:
    """When the reminder becomes owed: the lead-th working day before the due day, not before opening."""
    return max(_moment(nth_workday_before(due_day, lead)), opens)


def expected_state(due_day: date, opens: datetime, lead: int, fulfilled: date | None, now: datetime) -> DutyState:
    """The state at ``now``, by the rules of docs/duties.md, computed independently."""
    today = now.date()
    if fulfilled is not None and fulfilled <= today:
        return DutyState.DONE if fulfilled <= due_day else DutyState.DONE_LATE
    if today > due_day:
        return DutyState.OVERDUE
    if now < opens:
        return DutyState.NOT_STARTED
    if now >= remind_moment(due_day, opens, lead):
        return DutyState.DUE_SOON
    return DutyState.OPEN


# --- the simulated year ---------------------------------------------------------------------------


def test_a_simulated_2026_is_reported_correctly_on_every_day(flow: Flow, clock: Clock, tmp_path: Path) -> None:
    catalogue = flow.duties.catalogue
    # Fulfilled on time, late and never, for every kind of schedule.
    publish(flow, clock, date(2026, 1, 20), "2025年政府信息公开工作年度报告", "NB@2025")  # on time (due 01-31)
    publish(flow, clock, date(2026, 2, 12), "2026年1月岗位供求信息", "JY-GQ@2026-01")  # due 02-13: on time
    publish(flow, clock, date(2026, 3, 20), "2026年2月岗位供求信息", "JY-GQ@2026-02")  # late
    # JY-GQ@2026-03 never; one item fulfils two duties (a quarter's fund figures and March's jobs).
    both = publish(flow, clock, date(2026, 4, 3), "2026年一季度社保基金与4月岗位", "SB-JJ@2026-Q1", "JY-GQ@2026-04")
    publish(flow, clock, date(2026, 11, 27), "2026年市属高校就业质量报告", "JY-GX@2026")  # once, on time
    # JY-GZ@2026 (once, 06-30) never.
    clock.at(date(2026, 3, 10))
    flow.duties.trigger("SSJ", "SSJ-2026-1", occurred_at=clock.at(date(2026, 3, 10), 16), note="一季度双随机抽查结束")
    flow.duties.trigger("YS", "YS-2026", occurred_at=clock.at(date(2026, 2, 3), 15), note="部门预算批复")
    flow.duties.trigger("KS-JG", "KS-2026-1", occurred_at=clock.at(date(2026, 5, 8), 11), note="考录结果确定")
    publish(flow, clock, date(2026, 3, 24), "一季度双随机抽查结果", "SSJ@SSJ-2026-1")  # on time
    publish(flow, clock, date(2026, 3, 2), "2026年部门预算", "YS@YS-2026")  # 02-23 due: late
    # KS-JG never. 建议提案: a reply on 06-15, published 06-22 (10 working days: on time).
    flow.records.add(ProposalRecord(ProposalKind.SUGGESTION, "2026-015", date(2026, 6, 15), disclosed=True))
    publish(flow, clock, date(2026, 6, 22), "对市人大十九届五次会议第15号建议的答复", "JYTA@2026-015")
    # 市民代表列席: twice, the second time in November.
    flow.records.add(MeetingRecord(date(2026, 4, 10), "局长办公会议", representatives=2))
    flow.records.add(MeetingRecord(date(2026, 7, 1), "局长办公会议", representatives=0))
    flow.records.add(MeetingRecord(date(2026, 11, 20), "局长办公会议", representatives=1))

    fulfilled: dict[tuple[str, str], date] = {
        ("NB", "2025"): date(2026, 1, 20),
        ("JY-GQ", "2026-01"): date(2026, 2, 12),
        ("JY-GQ", "2026-02"): date(2026, 3, 20),
        ("SB-JJ", "2026-Q1"): date(2026, 4, 3),
        ("JY-GQ", "2026-04"): date(2026, 4, 3),
        ("JY-GX", "2026"): date(2026, 11, 27),
        ("SSJ", "SSJ-2026-1"): date(2026, 3, 24),
        ("YS", "YS-2026"): date(2026, 3, 2),
        ("JYTA", "2026-015"): date(2026, 6, 22),
        ("LX", "2026"): date(2026, 11, 20),
    }

    # The oracle's due days and opening days, computed here without the library.
    expected: dict[tuple[str, str], tuple[date, datetime, int]] = {}
    expected[("NB", "2025")] = (date(2026, 1, 31), _moment(date(2026, 1, 1)), 10)
    for m in range(0, 12):  # December 2025 … November 2026 fall due in 2026
        y, mo = (2025, 12) if m == 0 else (2026, m)
        first_next = date(y + (mo == 12), mo % 12 + 1, 1)
        due = nth_workday_after(first_next - timedelta(days=1), 10)
        if due.year == YEAR:
            expected[("JY-GQ", f"{y}-{mo:02d}")] = (due, _moment(first_next), 3)
    for q, (y, end) in enumerate([(2025, date(2025, 12, 31))], start=4):
        expected[("SB-JJ", f"{y}-Q{q}")] = (nth_workday_after(end, 15), _moment(end + timedelta(days=1)), 5)
    for q, end in enumerate([date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30)], start=1):
        expected[("SB-JJ", f"2026-Q{q}")] = (nth_workday_after(end, 15), _moment(end + timedelta(days=1)), 5)
    expected[("JY-GZ", "2026")] = (date(2026, 6, 30), _moment(date(2026, 1, 1)), 5)
    expected[("JY-GX", "2026")] = (date(2026, 12, 31), _moment(date(2026, 1, 1)), 5)
    expected[("LX", "2026")] = (date(2026, 12, 31), _moment(date(2026, 1, 1)), 20)
    expected[("SSJ", "SSJ-2026-1")] = (nth_workday_after(date(2026, 3, 10), 20), _moment(date(2026, 3, 10), 16), 5)
    expected[("YS", "YS-2026")] = (date(2026, 2, 23), _moment(date(2026, 2, 3), 15), 5)
    expected[("KS-JG", "KS-2026-1")] = (nth_workday_after(date(2026, 5, 8), 5), _moment(date(2026, 5, 8), 11), 5)
    expected[("JYTA", "2026-015")] = (nth_workday_after(date(2026, 6, 15), 10), _moment(date(2026, 6, 15)), 5)
    # Spot checks of the oracle against the calendar as a clerk reads it.
    assert expected[("JY-GQ", "2026-01")][0] == date(2026, 2, 13)
    # After 国庆 (10-01…10-07), counting the 调休 Saturday 10-10 as a working day.
    assert expected[("JY-GQ", "2026-09")][0] == date(2026, 10, 20)
    assert ("JY-GQ", "2026-12") not in expected  # falls due in 2027

    day = date(YEAR, 1, 1)
    while day.year == YEAR:
        statuses = flow.duties.status(YEAR, as_of=datetime.combine(day, time(10), BUREAU_TZ))
        got = {(s.obligation.duty.code, s.obligation.period): s for s in statuses}
        assert set(got) == set(expected), day
        for key, (due, opens, lead) in expected.items():
            want = expected_state(due, opens, lead, fulfilled.get(key), _moment(day, 10))
            assert got[key].state is want, (day, key, got[key].state, want)
            assert got[key].obligation.due_day == due
        day += timedelta(days=1)

    # At the year's end: the fulfilling items are listed, one item under two duties.
    final = {
        (s.obligation.duty.code, s.obligation.period): s
        for s in flow.duties.status(YEAR, as_of=datetime(2026, 12, 31, 23, tzinfo=BUREAU_TZ))
    }
    assert [f.item_id for f in final[("SB-JJ", "2026-Q1")].items] == [both]
    assert [f.item_id for f in final[("JY-GQ", "2026-04")].items] == [both]
    assert final[("LX", "2026")].count == 2
    assert final[("KS-JG", "KS-2026-1")].state is DutyState.OVERDUE
    assert len(catalogue) == 12

    # The portal's 政府信息公开目录 lists every published item under each duty it is tagged with.
    portal = build_portal(
        flow.repository, tmp_path / "portal", catalogue=catalogue, guards=flow.workflow.content_guards
    )
    page = (portal.out / "directory.html").read_text(encoding="utf-8")
    sections = {
        m.group(1): m.group(2) for m in re.finditer(r'<section[^>]*id="duty-([^"]+)">(.*?)</section>', page, re.S)
    }
    assert set(sections) == catalogue.codes()
    published = flow.items(states=["published"])
    assert len(published) == 8  # ten duties: one item fulfils two
    for item in published:
        for tag in item.duty_tags:
            code, period = split_tag(tag)
            assert f"<h3>{period}</h3>" in sections[code]
            assert item.title in sections[code], (item.title, code)
    assert "暂无公开信息" in sections["KS-JG"]
    assert "对市人大十九届五次会议第15号建议的答复" not in sections["NB"]

    # Reminders: tick every day at 09:00; each once, on its working day; escalations the day after.
    sent: list[tuple[date, str, str, str]] = []
    day = date(YEAR, 1, 1)
    while day.year == YEAR:
        moment = datetime.combine(day, time(9), BUREAU_TZ)
        for notice in flow.duties.tick(moment):
            code, _, period = notice.timer_id.partition("@")
            kind = ESCALATION if notice.type == "deadline-missed" else REMINDER
            sent.append((day, code, period, kind))
            assert notice.responsible == catalogue.get(code).lead_section
        assert flow.duties.tick(moment) == []  # a second tick at the same moment sends nothing
        day += timedelta(days=1)
    keys = [(c, p, k) for _, c, p, k in sent]
    assert len(keys) == len(set(keys))
    by_key = {(c, p, k): d for d, c, p, k in sent}
    for key, (due, opens, lead) in expected.items():
        done = fulfilled.get(key)
        owed_at = remind_moment(due, opens, lead)
        # Ticks run at 09:00: the first one at or after the moment the reminder became owed.
        tick_day = owed_at.date() if owed_at <= _moment(owed_at.date(), 9) else owed_at.date() + timedelta(days=1)
        if done is None or done > tick_day:
            assert by_key.get((*key, REMINDER)) == tick_day, key
        else:
            assert (*key, REMINDER) not in by_key, key
        if done is None or done > due:
            if due + timedelta(days=1) <= date(YEAR, 12, 31):
                assert by_key[(*key, ESCALATION)] == due + timedelta(days=1), key
        else:
            assert (*key, ESCALATION) not in by_key, key


def test_a_retracted_item_no_longer_fulfils_its_duty(flow: Flow, clock: Clock) -> None:
    item_id = publish(flow, clock, date(2026, 6, 1), "在岗职工年平均工资", "JY-GZ@2026")
    as_of = datetime(2026, 6, 2, 10, tzinfo=BUREAU_TZ)

    def state() -> DutyState:
        return next(s.state for s in flow.duties.status(YEAR, as_of=as_of) if s.obligation.duty.code == "JY-GZ")

    assert state() is DutyState.DONE
    clock.at(date(2026, 6, 2), 9)
    flow.fire(item_id, Action.RETRACT, BUREAU["chenjing"], opinion="数据有误，撤下")
    assert state() is DutyState.OPEN  # due 06-30, reminded from 06-23


def test_tags_are_checked_against_the_catalogue(flow: Flow, clock: Clock) -> None:
    for bad in (["NB"], ["NOPE@2026"], "NB@2025"):
        with pytest.raises(InvalidFieldError) as info:
            flow.draft(BUREAU["zhangmin"], duty_tags=bad, **_fields("年度报告"))
        assert info.value.code == "form.invalid_field"
        assert "公开事项" in info.value.message
    assert flow.items() == []


def test_editing_the_tags_moves_the_fulfilment(flow: Flow, clock: Clock) -> None:
    clock.at(date(2026, 1, 10))
    item = flow.draft(BUREAU["zhangmin"], duty_tags=["JY-GX@2026"], **_fields("就业质量报告"))
    flow.edit(item.id, BUREAU["zhangmin"], duty_tags=["JY-GZ@2026"])
    assert flow.get(item.id).duty_tags == ("JY-GZ@2026",)
    for action, actor, opinion in [
        (Action.SUBMIT, BUREAU["zhangmin"], None),
        (Action.APPROVE, BUREAU["lihua"], "同意"),
        (Action.APPROVE, BUREAU["wangfang"], "同意"),
        (Action.APPROVE, BUREAU["zhaoqiang"], "同意"),
        (Action.APPROVE, BUREAU["liuyang"], "同意"),
        (Action.PUBLISH, BUREAU["chenjing"], None),
    ]:
        flow.fire(item.id, action, actor, opinion=opinion)
    states = {s.obligation.duty.code: s.state for s in flow.duties.status(YEAR, as_of=clock.now)}
    assert states["JY-GZ"] is DutyState.DONE
    assert states["JY-GX"] is DutyState.OPEN


def test_trigger_refuses_unknown_codes_duplicates_and_untriggered_duties(flow: Flow) -> None:
    with pytest.raises(DutyNotFoundError):
        flow.duties.trigger("NOPE", "x")
    with pytest.raises(InvalidFieldError):
        flow.duties.trigger("NB", "x")
    flow.duties.trigger("SSJ", "A-1")
    with pytest.raises(InvalidFieldError):
        flow.duties.trigger("SSJ", "A-1")


def test_section_filter_keeps_that_sections_duties() -> None:
    flow = Flow(plugins=[], dispatch=False)
    statuses = flow.duties.status(YEAR, as_of=datetime(2026, 5, 1, tzinfo=BUREAU_TZ), section="规划财务科")
    assert statuses
    assert all("规划财务科" in s.obligation.duty.sections for s in statuses)
    flow.close()


# --- the catalogue --------------------------------------------------------------------------------


def test_the_shipped_catalogue_has_every_schedule_kind_and_the_seed_sections() -> None:
    catalogue = load_catalogue(sections=default_bureau().sections)
    assert {d.schedule.kind for d in catalogue} == set(ScheduleKind)
    nb = catalogue.get("NB")
    assert nb.confidence == "法律"
    assert "第四十九条" in nb.basis
    assert nb.schedule.due == (1, 31)
    assert catalogue.get("LX").schedule.at_least == 2
    assert default_catalogue() == load_catalogue()


def _one(**schedule: Any) -> dict[str, Any]:
    return {
        "duty": [
            {
                "code": "X",
                "name": "某事项",
                "sections": ["局办公室"],
                "basis": "方案",
                "confidence": "待核实",
                "schedule": schedule,
            }
        ]
    }


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({}, "duty"),
        ({"dutys": []}, "dutys"),
        (_one(kind="weekly"), "schedule.kind"),
        (_one(kind="once"), "schedule.due"),
        (_one(kind="once", due="13-01"), "schedule.due"),
        (_one(kind="periodic", every="month"), "schedule"),
        (_one(kind="periodic", every="month", offset_workdays=5, due="01-31"), "schedule"),
        (_one(kind="periodic", every="month", due="01-31"), "schedule.due"),
        (_one(kind="periodic", every="fortnight", offset_workdays=5), "schedule.every"),
        (_one(kind="triggered", source="event"), "schedule"),
        (_one(kind="triggered", source="event", within_workdays=0), "schedule.within_workdays"),
        (_one(kind="triggered", source="meeting", within_workdays=3), "schedule.source"),
        (_one(kind="count", source="meeting"), "schedule.at_least"),
        (_one(kind="once", due="01-31", every="month"), "schedule.every"),
    ],
)
def test_a_wrong_catalogue_is_refused_naming_the_key(data: dict[str, Any], key: str) -> None:
    with pytest.raises(DutyCatalogueError) as info:
        catalogue_from_mapping(data, where="测试清单 ")
    assert info.value.code == "duties.invalid"
    assert info.value.details["key"].endswith(key) or info.value.details["key"] == key
    assert "测试清单" in info.value.message


def test_duty_fields_are_validated() -> None:
    good = _one(kind="once", due="06-30")
    assert len(catalogue_from_mapping(good)) == 1
    for change, key in [
        ({"code": "含中文"}, "code"),
        ({"sections": []}, "sections"),
        ({"sections": ["不存在的科"]}, "sections"),
        ({"confidence": "大概"}, "confidence"),
        ({"name": ""}, "name"),
        ({"lead_workdays": -1}, "lead_workdays"),
        ({"colour": "red"}, "colour"),
    ]:
        data = _one(kind="once", due="06-30")
        data["duty"][0].update(change)
        with pytest.raises(DutyCatalogueError) as info:
            catalogue_from_mapping(data, sections=default_bureau().sections)
        assert info.value.details["key"].endswith(key), (change, info.value.details["key"])
    twice = {"duty": [good["duty"][0], good["duty"][0]]}
    with pytest.raises(DutyCatalogueError, match="重复"):
        catalogue_from_mapping(twice)


def test_a_bureau_file_replaces_or_extends_the_catalogue(tmp_path: Path) -> None:
    path = tmp_path / "duties.toml"
    path.write_text(
        '[[duty]]\ncode = "NB"\nname = "年度报告"\nsections = ["局办公室"]\nbasis = "条例"\nconfidence = "法律"\n'
        'schedule = { kind = "periodic", every = "year", due = "01-15" }\n'
        '[[duty]]\ncode = "NEW"\nname = "新事项"\nsections = ["局办公室"]\nbasis = "本局"\nconfidence = "本局规定"\n'
        'schedule = { kind = "once", due = "09-30" }\n',
        encoding="utf-8",
    )
    own = load_catalogue(path)
    assert [d.code for d in own] == ["NB", "NEW"]
    extended = load_catalogue(path, extend=True)
    assert extended.get("NB").schedule.due == (1, 15)
    assert len(extended) == len(default_catalogue()) + 1
    path.write_text("extends_default = true\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_catalogue(path) == extended
    with pytest.raises(DutyCatalogueError, match="找不到"):
        load_catalogue(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text("[[duty]\n", encoding="utf-8")
    with pytest.raises(DutyCatalogueError, match="TOML"):
        load_catalogue(tmp_path / "bad.toml")


def test_split_tag() -> None:
    assert split_tag("SB-JJ@2026-Q1") == ("SB-JJ", "2026-Q1")
    for bad in ("SB-JJ", "@2026", "SB JJ@2026", "NB@"):
        with pytest.raises(ValueError, match=r".+"):
            split_tag(bad)


def test_the_annual_report_counts_meetings_against_the_catalogues_target() -> None:
    from gongkai_flow.calendar import WorkCalendar
    from gongkai_flow.reports.annual import _meetings_needed, plan_figures

    meetings = [
        MeetingRecord(date(2026, 4, 10), "局长办公会议", 2),
        MeetingRecord(date(2026, 11, 20), "局长办公会议", 1),
    ]
    texts = {f.label: f.value for f in plan_figures([], [], [], meetings, YEAR, WorkCalendar(), meetings_needed=3)}
    assert "方案要求3次以上：未达到" in texts["邀请市民代表列席局长办公会议"]
    texts = {f.label: f.value for f in plan_figures([], [], [], meetings, YEAR, WorkCalendar(), meetings_needed=2)}
    assert "方案要求2次以上：达到" in texts["邀请市民代表列席局长办公会议"]
    three = default_catalogue().extended(
        catalogue_from_mapping(
            {
                "duty": [
                    {
                        "code": "LX",
                        "name": "邀请市民代表列席局长办公会议",
                        "sections": ["局办公室"],
                        "basis": "本局",
                        "confidence": "本局规定",
                        "schedule": {"kind": "count", "source": "meeting", "at_least": 3},
                    }
                ]
            }
        )
    )
    flow = Flow(duties=three, plugins=[], dispatch=False)
    assert _meetings_needed(flow) == 3
    flow.close()


def test_another_bureau_without_a_catalogue_tracks_nothing_until_it_writes_one(tmp_path: Path) -> None:
    from gongkai_flow.bureau import bureau_from_mapping
    from gongkai_flow.duty_types import bureau_catalogue

    tables = {"bureau": {"name": "某某市某某局", "credit_code": "11371100MB2857300Y", "sections": ["办公室"]}}
    other = bureau_from_mapping(tables)
    assert len(bureau_catalogue(other)) == 0
    assert bureau_catalogue(default_bureau()) == default_catalogue()
    path = tmp_path / "duties.toml"
    path.write_text(
        '[[duty]]\ncode = "NB"\nname = "年度报告"\nsections = ["办公室"]\nbasis = "条例"\nconfidence = "法律"\n'
        'schedule = { kind = "periodic", every = "year", due = "01-31" }\n',
        encoding="utf-8",
    )
    tables["files"] = {"duty_catalogue": str(path)}
    assert [d.code for d in bureau_catalogue(bureau_from_mapping(tables))] == ["NB"]
