"""The plugin on the review chain: shown on submit, blocking at attribute review and publication, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongkai_flow import Action, Actor, Flow, ItemKind, PluginRegistry, Severity, Workflow
from gongkai_flow.errors import (
    GongkaiFlowError,
    OverrideNotAllowedError,
    OverrideReasonRequiredError,
    PluginError,
    TransitionBlockedError,
)
from gongkai_flow.model import Override
from gongkai_flow.plugins.negative_list import NegativeListPlugin, published_text

from .conftest import FlowFactory, draft

ID_BODY = "经审核，刘建国（身份证号371102198503121234）符合一次性创业补贴发放条件，现予公示。"
CLEAN_BODY = "经审核，刘某某（身份证号371102********1234）符合一次性创业补贴发放条件，现予公示。"
RULE = "negative_list.pii.id_card"


def to_attribute_review(flow: Flow, people: dict[str, Actor], body: str = ID_BODY, **fields: object) -> str:
    """Draft and submit an item; return its id."""
    item = draft(flow, people, body, **fields)
    flow.submit(item.id, people["zhangmin"])
    return item.id


def approve_after_attribute_review(flow: Flow, people: dict[str, Actor], item_id: str) -> None:
    """Sign legal review, section review and the leader's review."""
    for actor, opinion in (("wangfang", "同意"), ("zhaoqiang", "同意"), ("liuyang", "同意发布")):
        flow.approve(item_id, people[actor], opinion)


def assert_unchanged(flow: Flow, item_id: str, error: type[GongkaiFlowError], code: str, call: object) -> None:
    """``call`` raises ``error`` with ``code`` and the stored item and trail stay as they were."""
    assert callable(call)
    before, trail = flow.get(item_id), flow.audit(item_id)
    with pytest.raises(error) as info:
        call()
    assert type(info.value) is error
    assert info.value.code == code
    assert flow.get(item_id) == before
    assert flow.audit(item_id) == trail


def test_submit_shows_findings_without_blocking(make_flow: FlowFactory, people: dict[str, Actor]) -> None:
    """On submit the ID number is reported to the drafter as REVIEW, and the item moves on."""
    flow = make_flow()
    item_id = to_attribute_review(flow, people)
    assert flow.get(item_id).state == "attribute_review"
    (finding,) = flow.last_findings
    assert finding.rule_id == RULE
    assert finding.severity is Severity.REVIEW
    assert "保密及公开属性审核" in finding.message


def test_findings_spans_point_into_the_published_text(make_flow: FlowFactory, people: dict[str, Actor]) -> None:
    """A finding's span indexes the item's title, a blank line and its body."""
    flow = make_flow()
    item_id = to_attribute_review(flow, people)
    (finding,) = flow.last_findings
    assert finding.span is not None
    text = published_text(flow.get(item_id))
    assert text[finding.span[0] : finding.span[1]] == "371102198503121234"


def test_attribute_review_approval_is_blocked(make_flow: FlowFactory, people: dict[str, Actor]) -> None:
    """The attribute reviewer cannot approve an item with an unmasked ID number."""
    flow = make_flow()
    item_id = to_attribute_review(flow, people)
    assert_unchanged(
        flow,
        item_id,
        TransitionBlockedError,
        "check.blocked",
        lambda: flow.approve(item_id, people["lihua"], "同意主动公开"),
    )


def test_attribute_reviewer_may_still_return_the_item(make_flow: FlowFactory, people: dict[str, Actor]) -> None:
    """Returning for changes is never blocked by findings."""
    flow = make_flow()
    item_id = to_attribute_review(flow, people)
    assert flow.return_item(item_id, people["lihua"], "请对身份证号脱敏").state == "drafted"


def test_fixed_content_passes_every_stage(make_flow: FlowFactory, people: dict[str, Actor]) -> None:
    """After masking the number the item goes through review and is published with no finding."""
    flow = make_flow()
    item_id = to_attribute_review(flow, people)
    flow.return_item(item_id, people["lihua"], "请对身份证号脱敏")
    flow.edit(item_id, people["zhangmin"], body=CLEAN_BODY)
    flow.submit(item_id, people["zhangmin"])
    assert flow.last_findings == ()
    flow.approve(item_id, people["lihua"], "同意主动公开")
    approve_after_attribute_review(flow, people, item_id)
    assert flow.publish(item_id, people["chenjing"]).state == "published"


def test_publish_is_blocked(make_flow: FlowFactory, people: dict[str, Actor]) -> None:
    """With attribute review not blocking (configured), publication still refuses the ID number."""
    flow = make_flow({"blocking_states": []})
    item_id = to_attribute_review(flow, people)
    flow.approve(item_id, people["lihua"], "同意")
    assert flow.last_findings == ()  # attribute review is not a checking stage in this bureau
    approve_after_attribute_review(flow, people, item_id)
    assert_unchanged(
        flow, item_id, TransitionBlockedError, "check.blocked", lambda: flow.publish(item_id, people["chenjing"])
    )


def test_news_route_blocks_at_publication(make_flow: FlowFactory, people: dict[str, Actor]) -> None:
    """On the news route (政策法规科 reviews and publishes) the check blocks publication too."""
    flow = make_flow()
    item = draft(flow, people, "内部资料，注意保存。本局召开专题会议。", title="我局召开专题会议", kind=ItemKind.NEWS)
    flow.submit(item.id, people["zhangmin"])
    with pytest.raises(TransitionBlockedError) as info:
        flow.publish(item.id, people["wangfang"])
    assert {f.rule_id for f in info.value.findings} == {"negative_list.internal.marker"}


def test_override_by_attribute_reviewer_is_audited_and_honoured(
    make_flow: FlowFactory, people: dict[str, Actor]
) -> None:
    """李华 overrides with a reason: approval passes, the audit entry and form show it, publish honours it."""
    flow = make_flow()
    item_id = to_attribute_review(flow, people)
    reason = "当事人书面同意公开其身份信息"
    flow.fire(item_id, Action.APPROVE, people["lihua"], opinion="同意主动公开", overrides={RULE: reason})
    entry = flow.audit(item_id)[-1]
    (override,) = entry.overrides
    assert isinstance(override, Override)
    assert (override.rule_id, override.reason, override.actor_id, override.stage) == (
        RULE,
        reason,
        "lihua",
        "attribute_review",
    )
    assert override.content_hash == flow.get(item_id).content_hash
    assert "公民身份号码" in override.message
    assert flow.get(item_id).overrides == (override,)
    form = flow.review_form(item_id)
    assert form["attribute_review"][0].overrides == (override,)

    approve_after_attribute_review(flow, people, item_id)
    assert flow.publish(item_id, people["chenjing"]).state == "published"
    assert flow.audit(item_id)[-1].overrides == ()  # honoured, not overridden again


def test_override_covers_only_its_rule(make_flow: FlowFactory, people: dict[str, Actor]) -> None:
    """Overriding the ID-number rule does not let a second blocking rule through."""
    flow = make_flow()
    item_id = to_attribute_review(flow, people, ID_BODY + "手机13906331234。")
    with pytest.raises(TransitionBlockedError) as info:
        flow.fire(item_id, Action.APPROVE, people["lihua"], opinion="同意", overrides={RULE: "本人同意"})
    assert {f.rule_id for f in info.value.findings} == {"negative_list.pii.mobile"}


def test_override_is_void_once_the_content_changes(make_flow: FlowFactory, people: dict[str, Actor]) -> None:
    """After a return and an edit, an earlier override no longer counts: the new content blocks."""
    flow = make_flow()
    item_id = to_attribute_review(flow, people)
    flow.fire(item_id, Action.APPROVE, people["lihua"], opinion="同意", overrides={RULE: "本人同意"})
    flow.return_item(item_id, people["wangfang"], "请补充公示期限")
    flow.edit(item_id, people["zhangmin"], body=ID_BODY + "公示期为5个工作日。")
    flow.submit(item_id, people["zhangmin"])
    assert flow.get(item_id).overrides == ()
    with pytest.raises(TransitionBlockedError):
        flow.approve(item_id, people["lihua"], "同意")


def test_only_an_attribute_reviewer_may_override(make_flow: FlowFactory, people: dict[str, Actor]) -> None:
    """The publisher passing an override is refused with a typed authorization error."""
    flow = make_flow({"blocking_states": []})
    item_id = to_attribute_review(flow, people)
    flow.approve(item_id, people["lihua"], "同意")
    approve_after_attribute_review(flow, people, item_id)
    assert_unchanged(
        flow,
        item_id,
        OverrideNotAllowedError,
        "auth.override_not_allowed",
        lambda: flow.fire(item_id, Action.PUBLISH, people["chenjing"], overrides={RULE: "领导同意"}),
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_override_needs_a_reason(make_flow: FlowFactory, people: dict[str, Actor], reason: str) -> None:
    """An override without a written reason is refused and nothing is recorded."""
    flow = make_flow()
    item_id = to_attribute_review(flow, people)
    assert_unchanged(
        flow,
        item_id,
        OverrideReasonRequiredError,
        "rule.override_reason_required",
        lambda: flow.fire(item_id, Action.APPROVE, people["lihua"], opinion="同意", overrides={RULE: reason}),
    )


def test_unused_override_is_not_recorded(make_flow: FlowFactory, people: dict[str, Actor]) -> None:
    """An override for a rule that found nothing leaves no trace on the audit entry."""
    flow = make_flow()
    item_id = to_attribute_review(flow, people, CLEAN_BODY)
    flow.fire(item_id, Action.APPROVE, people["lihua"], opinion="同意", overrides={RULE: "预防性解除"})
    assert flow.audit(item_id)[-1].overrides == ()
    assert flow.get(item_id).overrides == ()


def test_content_not_going_public_is_never_blocked(make_flow: FlowFactory, people: dict[str, Actor]) -> None:
    """A 依申请公开 item with an ID number is reported as REVIEW at attribute review, not blocked."""
    flow = make_flow()
    item_id = to_attribute_review(flow, people, attribute="依申请公开", platforms=["其他"])
    flow.approve(item_id, people["lihua"], "同意依申请公开")
    (finding,) = flow.last_findings
    assert finding.severity is Severity.REVIEW
    assert "仅作提示" in finding.message


def test_other_approvals_are_not_checked(make_flow: FlowFactory, people: dict[str, Actor]) -> None:
    """Legal, section and leader approvals do not run the negative list again."""
    flow = make_flow()
    item_id = to_attribute_review(flow, people)
    flow.fire(item_id, Action.APPROVE, people["lihua"], opinion="同意", overrides={RULE: "本人同意"})
    flow.approve(item_id, people["wangfang"], "同意")
    assert flow.last_findings == ()


def test_registering_directly_validates_the_configuration() -> None:
    """Embedding code can register the plugin object; a bad configuration fails at registration."""
    workflow = Workflow()
    registry = PluginRegistry(workflow)
    with pytest.raises(PluginError):
        registry.register(NegativeListPlugin(), {"allow": {"phones": 12333}})
    registry.register(NegativeListPlugin(), {"allow": {"phones": ["0633-8781234"]}})
    assert "negative_list" in registry.plugins
    registry.close()


def test_two_flows_keep_their_own_configuration(make_flow: FlowFactory, people: dict[str, Actor]) -> None:
    """One flow allowing a number does not make another flow allow it."""
    strict = make_flow()
    relaxed = make_flow({"allow": {"phones": ["13906331234"]}})
    for flow, expected in ((strict, 1), (relaxed, 0)):
        to_attribute_review(flow, people, "联系电话13906331234。")
        assert len(flow.last_findings) == expected


def test_override_survives_a_database_round_trip(tmp_path: Path, people: dict[str, Actor]) -> None:
    """With SQLite storage the override is stored on the item and the audit entry and honoured at publication."""
    flow = Flow(database=str(tmp_path / "gongkai.db"), plugins=["negative_list"])
    try:
        item_id = to_attribute_review(flow, people)
        flow.fire(item_id, Action.APPROVE, people["lihua"], opinion="同意", overrides={RULE: "本人书面同意"})
        (override,) = flow.get(item_id).overrides
        assert override.reason == "本人书面同意"
        assert flow.review_form(item_id)["attribute_review"][0].overrides == (override,)
        approve_after_attribute_review(flow, people, item_id)
        assert flow.publish(item_id, people["chenjing"]).state == "published"
    finally:
        flow.close()
