"""The 依申请公开 workflow end to end: registration, 补正, consultation, extension, reply, archive."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai_flow import Action, Actor, Flow, ItemKind, Role, Workflow
from gongkai_flow.calendar import WorkCalendar
from gongkai_flow.deadlines import BUREAU_TZ, TimerStatus
from gongkai_flow.errors import GongkaiFlowError
from gongkai_flow.events import Event
from gongkai_flow.requests import (
    ApplicantType,
    Channel,
    DenyReason,
    ReplyCategory,
    remedy_for,
)
from gongkai_flow.signals import application_extended, application_registered, application_replied
from gongkai_flow.storage.memory_clocks import MemoryClockStore
from gongkai_flow.testing import REQUEST_OFFICER as OFFICER
from gongkai_flow.testing import register_application as register

from .conftest import Clock

HEAD = Actor("qianjun", "钱军", "局办公室", {Role.DISCLOSURE_HEAD})
DRAFTER = Actor("zhangmin", "张敏", "就业失业科", {Role.DRAFTER})


def reply_due(flow: Flow, app_id: str) -> date:
    (timer,) = [t for t in flow.clocks.timers(app_id) if t.rule_id == "D3"]
    return (timer.due.astimezone(BUREAU_TZ) - timedelta(days=1)).date()


def refused(call: object, code: str) -> GongkaiFlowError:
    with pytest.raises(GongkaiFlowError) as info:
        call()  # type: ignore[operator]
    assert info.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message)
    return info.value


def test_registration_starts_the_reply_clock_on_the_receipt_date(flow: Flow) -> None:
    """An application handed in on 2019-09-20 is due on 2019-10-23, and registration is audited and announced."""
    got: list[Event] = []

    def receiver(sender: object, event: Event) -> None:
        got.append(event)

    with application_registered.connected_to(receiver, sender=flow.workflow):
        app = register(flow)
    assert app.received_on == date(2019, 9, 20)
    assert reply_due(flow, app.id) == date(2019, 10, 23)
    (entry,) = flow.requests.audit(app.id)
    assert (entry.item_id, entry.action, entry.actor_id) == (app.id, "register", OFFICER.id)
    assert [e.item_id for e in got] == [app.id]


def test_online_application_counts_from_the_confirmation_day(flow: Flow, clock: Clock) -> None:
    """Online applications count from the day both sides confirmed them (条例第31条)."""
    clock.set(2025, 10, 9)
    refused(lambda: register(flow, channel=Channel.ONLINE), "form.invalid_field")
    app = register(flow, channel=Channel.ONLINE, submitted_on=None, confirmed_on=date(2025, 9, 30))
    assert app.received_on == date(2025, 9, 30)


def test_only_a_request_officer_may_register_or_act(flow: Flow) -> None:
    """Registering and acting need the step's role, as on the item chain."""
    refused(
        lambda: flow.requests.register(
            DRAFTER,
            applicant_name="王某",
            applicant_type=ApplicantType.NATURAL_PERSON,
            contact="x",
            description="y",
            channel=Channel.IN_PERSON,
            submitted_on=date(2019, 9, 20),
        ),
        "auth.role_required",
    )
    app = register(flow)
    refused(lambda: flow.requests.act(app.id, Action.ACCEPT, DRAFTER), "auth.role_required")
    assert flow.requests.get(app.id).version == 1


def test_correction_restarts_the_full_twenty_days(flow: Flow, clock: Clock) -> None:
    """The reply period restarts in full from the day the corrected application arrives (条例第30条)."""
    app = register(flow)
    clock.set(2019, 9, 24)
    flow.requests.act(app.id, Action.REQUEST_CORRECTION, OFFICER, opinion="请写明所需信息的文号或发布时间。")
    clock.set(2019, 10, 15)
    after = flow.requests.act(app.id, Action.RECEIVE_CORRECTION, OFFICER)
    assert after.state == "reviewing"
    assert after.corrected_on == date(2019, 10, 15)
    assert reply_due(flow, app.id) == date(2019, 11, 12)  # 20 working days after 2019-10-15


def test_no_correction_in_time_abandons(flow: Flow, clock: Clock) -> None:
    """An application not corrected within the configured period is abandoned, its clocks stopped."""
    app = register(flow)
    flow.requests.act(app.id, Action.REQUEST_CORRECTION, OFFICER, opinion="请补充身份证明。")
    assert flow.requests.abandon_overdue(OFFICER, now=clock.set(2019, 10, 8)) == []
    (gone,) = flow.requests.abandon_overdue(OFFICER, now=clock.set(2019, 10, 30))
    assert gone.state == "abandoned"
    assert gone.reply_category is ReplyCategory.NO_CORRECTION
    assert {t.status for t in flow.clocks.timers(app.id)} <= {TimerStatus.ABANDONED, TimerStatus.CLOSED}


def test_consultation_pauses_the_reply_clock_and_silent_co_author_consents(flow: Flow, clock: Clock) -> None:
    """The 15 working days of consultation are excluded; a silent co-author counts as consent (条例第34条)."""
    app = register(flow)
    flow.requests.act(app.id, Action.ACCEPT, OFFICER)
    before = reply_due(flow, app.id)
    clock.set(2019, 9, 25)
    refused(lambda: flow.requests.act(app.id, Action.CONSULT, OFFICER, opinion="征求意见"), "request.consultation")
    flow.requests.act(app.id, Action.CONSULT, OFFICER, opinion="征求市财政局意见", consulting="co_author")
    (d3,) = [t for t in flow.clocks.timers(app.id) if t.rule_id == "D3"]
    assert d3.status is TimerStatus.PAUSED
    refused(lambda: flow.requests.act(app.id, Action.RECEIVE_OPINIONS, OFFICER), "rule.opinion_required")
    clock.set(2019, 10, 31)  # the co-author's 15 working days have run out
    after = flow.requests.act(app.id, Action.RECEIVE_OPINIONS, OFFICER)
    assert after.state == "reviewing"
    assert "视为同意" in (flow.requests.audit(app.id)[-1].opinion or "")
    assert reply_due(flow, app.id) > before


def test_extension_needs_the_disclosure_head_and_tells_the_applicant(flow: Flow) -> None:
    """Only the head of the disclosure office extends, by at most 20 working days, and the applicant is told."""
    told: list[Event] = []

    def receiver(sender: object, event: Event) -> None:
        told.append(event)

    app = register(flow)
    flow.requests.act(app.id, Action.ACCEPT, OFFICER)
    refused(
        lambda: flow.requests.act(app.id, Action.EXTEND, OFFICER, opinion="情况复杂", days=10), "auth.role_required"
    )
    refused(
        lambda: flow.requests.act(app.id, Action.EXTEND, HEAD, opinion="情况复杂", days=21), "request.extension_refused"
    )
    with application_extended.connected_to(receiver, sender=flow.workflow):
        flow.requests.act(app.id, Action.EXTEND, HEAD, opinion="涉及多个科室，情况复杂", days=20)
    assert reply_due(flow, app.id) == date(2019, 11, 20)
    assert len(told) == 1
    assert told[0].item_id == app.id
    refused(lambda: flow.requests.act(app.id, Action.EXTEND, HEAD, opinion="再延", days=1), "request.extension_refused")


def test_reply_is_refused_without_reason_or_remedy(flow: Flow, clock: Clock) -> None:
    """A 不予公开 reply needs its reason, and a reply text must state the remedy channels of its date."""
    app = register(flow)
    flow.requests.act(app.id, Action.ACCEPT, OFFICER)
    refused(lambda: flow.requests.act(app.id, Action.REPLY, OFFICER), "request.reply_incomplete")
    refused(
        lambda: flow.requests.act(app.id, Action.REPLY, OFFICER, category=ReplyCategory.DENY),
        "request.reply_incomplete",
    )
    refused(
        lambda: flow.requests.act(
            app.id, Action.REPLY, OFFICER, category=ReplyCategory.DISCLOSE, reply_text="经审查，予以公开。"
        ),
        "request.reply_incomplete",
    )
    assert flow.requests.get(app.id).state == "reviewing"


def test_reply_and_archive_end_to_end(flow: Flow, clock: Clock) -> None:
    """A reply states the remedy valid on its date, closes the clocks, is announced and can be archived."""
    replies: list[Event] = []

    def receiver(sender: object, event: Event) -> None:
        replies.append(event)

    clock.set(2024, 3, 1)
    app = register(flow, submitted_on=date(2024, 3, 1))
    flow.requests.act(app.id, Action.ACCEPT, OFFICER)
    with application_replied.connected_to(receiver, sender=flow.workflow):
        replied = flow.requests.act(
            app.id, Action.REPLY, OFFICER, category=ReplyCategory.DENY, deny_reason=DenyReason.PROCESS
        )
    assert replied.review_first is True
    assert replied.remedy is not None
    assert replied.remedy in (replied.reply_text or "")
    assert all(t.status is TimerStatus.CLOSED for t in flow.clocks.timers(app.id))
    assert len(replies) == 1
    archived = flow.requests.act(app.id, Action.ARCHIVE, OFFICER)
    assert archived.state == "archived"
    assert [e.action for e in flow.requests.audit(app.id)] == ["register", "accept", "reply", "archive"]


def test_remedy_text_changes_on_2024_01_01() -> None:
    """Refusals go to administrative review first from 2024-01-01; before, and for disclosures, either channel."""
    before = remedy_for(ReplyCategory.DENY, date(2023, 12, 31), review_body="日照市人民政府", court="东港区人民法院")
    after = remedy_for(ReplyCategory.DENY, date(2024, 1, 1), review_body="日照市人民政府", court="东港区人民法院")
    disclose = remedy_for(
        ReplyCategory.DISCLOSE, date(2024, 1, 1), review_body="日照市人民政府", court="东港区人民法院"
    )
    assert not before.review_first
    assert "或者在6个月内" in before.text
    assert after.review_first
    assert "对行政复议决定不服的" in after.text
    assert not disclose.review_first


def test_several_applications_become_a_proactive_item(flow: Flow) -> None:
    """Applications for the same information are linked to one drafted 主动公开 item (条例第44条)."""
    first = register(flow)
    second = register(flow, applicant_name="李某")
    item = flow.requests.make_proactive(
        [first.id, second.id],
        OFFICER,
        DRAFTER,
        title="2019年高校毕业生就业补贴发放情况",
        kind=ItemKind.NOTICE,
        body="2019年共发放高校毕业生就业补贴……",
        platforms=["网站"],
        column="政府信息公开",
    )
    assert item.state == "drafted"
    assert {flow.requests.get(a).linked_item_id for a in (first.id, second.id)} == {item.id}
    assert [t.rule_id for t in flow.clocks.timers(item.id)] == ["D1"]


def test_december_2026_application_fails_closed_until_2027_is_filled_in(
    flow: Flow, clock: Clock, tmp_path: Path
) -> None:
    """Without 2027 data a December 2026 application is refused, naming the file; with the override it registers."""
    clock.set(2026, 12, 15)
    error = refused(lambda: register(flow, submitted_on=date(2026, 12, 15)), "calendar.year_unknown")
    assert "calendar.toml" in error.message
    assert flow.requests.all() == []
    override = tmp_path / "calendar.toml"
    override.write_text('[years.2027]\ncomplete = true\nholidays = ["2027-01-01"]\nworkdays = []\n', encoding="utf-8")
    flow.clocks.calendar = WorkCalendar(override_file=override)
    app = register(flow, submitted_on=date(2026, 12, 15))
    assert reply_due(flow, app.id) == date(2027, 1, 13)


def test_application_audit_is_hash_chained(flow: Flow) -> None:
    """The application's trail verifies, and an edited entry is reported."""
    app = register(flow)
    flow.requests.act(app.id, Action.ACCEPT, OFFICER)
    assert flow.requests.verify_audit().ok
    if flow.database is None:
        with flow.clocks.unit() as store:
            assert isinstance(store, MemoryClockStore)
            records = store.application_audit_records(app.id)
        records[0] = attrs.evolve(records[0], entry=attrs.evolve(records[0].entry, opinion="篡改"))
    else:
        with flow.database.engine.begin() as conn:
            conn.execute(sa.text("UPDATE gongkai_application_audit SET opinion = '篡改' WHERE position = 1"))
    report = flow.requests.verify_audit([app.id])
    assert [p.kind for p in report.problems] == ["edited"]


def test_registering_an_existing_id_is_refused_and_keeps_its_clocks(flow: Flow, clock: Clock) -> None:
    """A second registration under the same id is refused and leaves the first application's clocks alone."""
    app = register(flow, application_id="YSQ-1")
    before = flow.clocks.timers(app.id)
    clock.set(2019, 10, 8)
    refused(lambda: register(flow, application_id="YSQ-1", submitted_on=date(2019, 10, 8)), "storage.stale_item")
    assert flow.clocks.timers(app.id) == before


def test_a_stale_application_save_is_refused(flow: Flow) -> None:
    """Saving over a version someone else already moved on raises StaleItemError and writes nothing."""
    app = register(flow)
    flow.requests.act(app.id, Action.ACCEPT, OFFICER)
    with flow.clocks.unit() as store:
        current = store.find_application(app.id)
    assert current is not None
    with pytest.raises(GongkaiFlowError) as info, flow.clocks.unit() as store:
        store.save_application(attrs.evolve(app, version=2, state="replied"), app.version, (), ())
    assert info.value.code == "storage.stale_item"
    assert flow.requests.get(app.id) == current


# --- dated actions: the clocks count from the day an action happened, not the day it is recorded ----------


def test_correction_counts_from_the_day_the_corrected_application_arrived(flow: Flow, clock: Clock) -> None:
    """Corrected application received 2025-03-03, recorded 03-07: reply due 03-31, not 04-07 (条例第三十条)."""
    clock.set(2025, 2, 26)
    late = register(flow, submitted_on=date(2025, 2, 26), application_id="YSQ-late")
    dated = register(flow, submitted_on=date(2025, 2, 26), application_id="YSQ-dated")
    clock.set(2025, 2, 27)
    for app in (late, dated):
        flow.requests.act(app.id, Action.REQUEST_CORRECTION, OFFICER, opinion="请写明所需信息的文号。")
    clock.set(2025, 3, 7, 16)
    flow.requests.act(late.id, Action.RECEIVE_CORRECTION, OFFICER)
    after = flow.requests.act(dated.id, Action.RECEIVE_CORRECTION, OFFICER, occurred_on=date(2025, 3, 3))
    assert reply_due(flow, late.id) == date(2025, 4, 7)  # counted from the day it was recorded
    assert reply_due(flow, dated.id) == date(2025, 3, 31)  # counted from the day it arrived
    assert after.corrected_on == date(2025, 3, 3)
    entry = flow.requests.audit(dated.id)[-1]
    assert entry.action == "receive_correction"
    assert entry.occurred_on == date(2025, 3, 3)
    assert entry.at == clock.now
    assert flow.requests.verify_audit().ok


def test_a_dated_action_is_neither_after_its_recording_nor_before_the_previous_action(flow: Flow, clock: Clock) -> None:
    """A date in the future, or before the application's previous action, is refused and changes nothing."""
    clock.set(2025, 3, 3)
    refused(lambda: register(flow, submitted_on=date(2025, 3, 4)), "form.invalid_field")
    assert flow.requests.all() == []
    app = register(flow, submitted_on=date(2025, 2, 26))
    (registered,) = flow.requests.audit(app.id)
    assert registered.occurred_on == date(2025, 2, 26)
    error = refused(
        lambda: flow.requests.act(app.id, Action.ACCEPT, OFFICER, occurred_on=date(2025, 3, 4)), "form.invalid_field"
    )
    assert "晚于登记日期" in error.message
    error = refused(
        lambda: flow.requests.act(app.id, Action.ACCEPT, OFFICER, occurred_on=date(2025, 2, 25)), "form.invalid_field"
    )
    assert "早于" in error.message
    assert flow.requests.get(app.id).version == 1
    flow.requests.act(app.id, Action.REQUEST_CORRECTION, OFFICER, opinion="请写明文号。", occurred_on=date(2025, 2, 28))
    # The correction cannot have arrived before it was asked for.
    refused(
        lambda: flow.requests.act(app.id, Action.RECEIVE_CORRECTION, OFFICER, occurred_on=date(2025, 2, 27)),
        "form.invalid_field",
    )
    after = flow.requests.act(app.id, Action.RECEIVE_CORRECTION, OFFICER, occurred_on=date(2025, 2, 28))
    assert after.last_action_on == date(2025, 2, 28)
    assert [e.occurred_on for e in flow.requests.audit(app.id)] == [
        date(2025, 2, 26),
        date(2025, 2, 28),
        date(2025, 2, 28),
    ]


def test_consultation_dates_pause_and_resume_the_reply_clock(flow: Flow, clock: Clock) -> None:
    """A consultation sent and answered on given days pauses the clock between those days, whenever recorded."""
    clock.set(2025, 3, 3)
    app = register(flow, submitted_on=date(2025, 3, 3))
    flow.requests.act(app.id, Action.ACCEPT, OFFICER)
    clock.set(2025, 3, 20)
    flow.requests.act(
        app.id,
        Action.CONSULT,
        OFFICER,
        opinion="涉及企业经营信息",
        consulting="third_party",
        occurred_on=date(2025, 3, 10),
    )
    (d6,) = [t for t in flow.clocks.timers(app.id) if t.rule_id == "D6"]
    assert (d6.due.astimezone(BUREAU_TZ) - timedelta(days=1)).date() == date(2025, 3, 31)  # 15 days from 03-10
    clock.set(2025, 3, 21)
    flow.requests.act(app.id, Action.RECEIVE_OPINIONS, OFFICER, opinion="第三方同意", occurred_on=date(2025, 3, 17))
    # Due 03-31; paused 03-10 with 15 working days left, resumed 03-17: 15 after 03-17 (清明 04-04).
    assert reply_due(flow, app.id) == date(2025, 4, 8)


# --- extensions (条例第三十三条第二款) ---------------------------------------------------------------


def test_an_application_is_extended_once_only(flow: Flow, clock: Clock) -> None:
    """10 working days, then another 10, is refused: one extension per application."""
    clock.set(2025, 3, 3)
    app = register(flow, submitted_on=date(2025, 3, 3))
    flow.requests.act(app.id, Action.ACCEPT, OFFICER)
    flow.requests.act(app.id, Action.EXTEND, HEAD, opinion="涉及信息量大", days=10)
    assert reply_due(flow, app.id) == date(2025, 4, 15)  # 03-31 + 10 working days (清明 04-04)
    error = refused(
        lambda: flow.requests.act(app.id, Action.EXTEND, HEAD, opinion="仍需汇总", days=10),
        "request.extension_refused",
    )
    assert "只允许延长一次" in error.message
    assert reply_due(flow, app.id) == date(2025, 4, 15)
    assert flow.requests.get(app.id).extended_days == 10


def test_a_registered_application_can_be_extended_before_acceptance(flow: Flow, clock: Clock) -> None:
    """The reply clock runs from receipt, so the head may extend it before the application is accepted."""
    clock.set(2025, 3, 3)
    app = register(flow, submitted_on=date(2025, 3, 3))
    refused(
        lambda: flow.requests.act(app.id, Action.EXTEND, OFFICER, opinion="情况复杂", days=20), "auth.role_required"
    )
    after = flow.requests.act(app.id, Action.EXTEND, HEAD, opinion="涉及多个科室", days=20)
    assert after.state == "registered"
    assert reply_due(flow, app.id) == date(2025, 4, 28)  # 03-31 + 20 (清明 04-04 off, Sunday 04-27 worked)


def test_no_extension_while_the_clock_is_paused(flow: Flow, clock: Clock) -> None:
    """While a 补正 or a consultation stops the reply clock there is nothing to extend."""
    clock.set(2025, 3, 3)
    app = register(flow, submitted_on=date(2025, 3, 3))
    flow.requests.act(app.id, Action.ACCEPT, OFFICER)
    flow.requests.act(app.id, Action.CONSULT, OFFICER, opinion="征求意见", consulting="third_party")
    refused(
        lambda: flow.requests.act(app.id, Action.EXTEND, HEAD, opinion="复杂", days=5), "chain.action_not_available"
    )


def test_an_extension_approved_before_the_due_day_may_be_recorded_after_it(flow: Flow, clock: Clock) -> None:
    """Approved on the last day, recorded the next: accepted; dated after the last day: refused."""
    clock.set(2025, 3, 3)
    first = register(flow, submitted_on=date(2025, 3, 3), application_id="YSQ-1")
    second = register(flow, submitted_on=date(2025, 3, 3), application_id="YSQ-2")
    clock.set(2025, 4, 1, 9)  # the reply was due on 2025-03-31
    error = refused(
        lambda: flow.requests.act(first.id, Action.EXTEND, HEAD, opinion="复杂", days=5), "request.extension_refused"
    )
    assert "届满" in error.message
    flow.requests.act(second.id, Action.EXTEND, HEAD, opinion="复杂", days=5, occurred_on=date(2025, 3, 31))
    assert reply_due(flow, second.id) == date(2025, 4, 8)  # 03-31 + 5 working days (清明 04-04)
    (entry,) = [e for e in flow.requests.audit(second.id) if e.action == "extend"]
    assert (entry.occurred_on, entry.at) == (date(2025, 3, 31), clock.now)


def test_a_changed_occurred_day_breaks_the_audit_chain(flow: Flow, clock: Clock) -> None:
    """The day an action happened is part of the entry's hash: changing it afterwards is reported."""
    clock.set(2025, 3, 7)
    app = register(flow, submitted_on=date(2025, 3, 3))
    if flow.database is None:
        with flow.clocks.unit() as store:
            assert isinstance(store, MemoryClockStore)
            records = store.application_audit_records(app.id)
        records[0] = attrs.evolve(records[0], entry=attrs.evolve(records[0].entry, occurred_on=date(2025, 3, 5)))
    else:
        with flow.database.engine.begin() as conn:
            conn.execute(sa.text("UPDATE gongkai_application_audit SET occurred_on = '2025-03-05' WHERE position = 1"))
    assert [p.kind for p in flow.requests.verify_audit([app.id]).problems] == ["edited"]


_CAL = WorkCalendar()
_DAYS = st.dates(min_value=date(2024, 1, 2), max_value=date(2025, 10, 31))


@settings(max_examples=60, deadline=None)
@given(
    received=_DAYS,
    asked_after=st.integers(0, 10),
    corrected_after=st.one_of(st.none(), st.integers(0, 20)),
    recorded_after=st.integers(0, 15),
)
def test_the_reply_is_due_twenty_working_days_after_the_last_receipt_whenever_recorded(
    received: date, asked_after: int, corrected_after: int | None, recorded_after: int
) -> None:
    """However late a receipt is recorded, the reply is due 20 working days after the day it happened.

    Without a correction, after the application's receipt; with one, after the corrected
    application's receipt (条例第三十条) — never before the received date + 20 working days.
    """
    clock = Clock(_day(received))
    f = Flow(workflow=Workflow(clock=clock))
    app = f.requests.register(
        OFFICER,
        applicant_name="王某",
        applicant_type=ApplicantType.NATURAL_PERSON,
        contact="13800000000",
        description="有关文件",
        channel=Channel.IN_PERSON,
        submitted_on=received,
    )
    counted_from = received
    if corrected_after is not None:
        asked = received + timedelta(days=asked_after)
        corrected = asked + timedelta(days=corrected_after)
        clock.now = _day(asked)
        f.requests.act(app.id, Action.REQUEST_CORRECTION, OFFICER, opinion="请写明文号。")
        clock.now = _day(corrected + timedelta(days=recorded_after))
        f.requests.act(app.id, Action.RECEIVE_CORRECTION, OFFICER, occurred_on=corrected)
        counted_from = corrected
    due = reply_due(f, app.id)
    assert due == _CAL.add_workdays(counted_from, 20).date
    assert due >= _CAL.add_workdays(received, 20).date


def _day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 15, tzinfo=BUREAU_TZ)
