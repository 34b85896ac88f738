"""The rules of the review chain (docs/concepts.md): each refusal is typed, coded, in Chinese, and leaves no trace."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

import attrs
import pytest

from gongkai_flow import (
    Action,
    Actor,
    ChainDefinition,
    ChainSet,
    DisclosureAttribute,
    DisclosureItem,
    Finding,
    Flow,
    GongkaiFlowError,
    InfoSource,
    ItemKind,
    MemoryRepository,
    NegativeListCategory,
    Outcome,
    Platform,
    PluginRegistry,
    Role,
    Severity,
    Workflow,
    default_chain,
    errors,
    news_chain,
)
from gongkai_flow.dispatch import DispatchReport
from gongkai_flow.events import Event, ItemPublished, TransitionApplied, TransitionRequested
from gongkai_flow.model import compute_content_hash
from gongkai_flow.plugins import available_plugins
from gongkai_flow.signals import item_published, transition_applied, transition_requested

Draft = Callable[..., DisclosureItem]
Drive = Callable[[str, str], DisclosureItem]
Refused = Callable[..., GongkaiFlowError]


def has_chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


def _stages(item: DisclosureItem) -> list[str]:
    return [s.stage for s in item.signatures]


# --- authorization ---------------------------------------------------------------------------


def test_role_required(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive, assert_refused: Refused
) -> None:
    """An actor without the stage's role (法律法规审核人 at 保密及公开属性审核) is refused with RoleRequiredError."""
    item = drive(draft_item().id, "attribute_review")
    assert_refused(
        errors.RoleRequiredError,
        "auth.role_required",
        lambda: flow.approve(item.id, bureau["wangfang"], "同意"),
        item.id,
    )


def test_section_head_outside_item_sections(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive, assert_refused: Refused
) -> None:
    """A 业务科室负责人 of another section cannot sign the section review (Scope.ITEM_SECTION)."""
    item = drive(draft_item().id, "section_review")
    assert_refused(
        errors.SectionScopeError,
        "auth.section_scope",
        lambda: flow.approve(item.id, bureau["zhouwei"], "同意"),
        item.id,
    )


def test_leader_not_in_charge_of_lead_section(
    flow: Flow, draft_item: Draft, drive: Drive, assert_refused: Refused
) -> None:
    """A 业务分管领导 not in charge of the lead section cannot sign (Scope.SECTION_LEADER, ``in_charge_of``)."""
    other_leader = Actor("qianjun", "钱军", "局领导", {Role.LEADER}, in_charge_of={"养老保险科"})
    item = drive(draft_item().id, "leader_review")
    assert_refused(
        errors.SectionScopeError,
        "auth.section_scope",
        lambda: flow.approve(item.id, other_leader, "同意"),
        item.id,
    )


def test_only_drafter_submits(flow: Flow, bureau: dict[str, Actor], draft_item: Draft, assert_refused: Refused) -> None:
    """Another 承办人 cannot submit someone else's item (NotDrafterError)."""
    item = draft_item()
    assert_refused(errors.NotDrafterError, "auth.not_drafter", lambda: flow.submit(item.id, bureau["sunli"]), item.id)


def test_only_drafter_withdraws(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, assert_refused: Refused
) -> None:
    """Another 承办人 cannot withdraw someone else's item (NotDrafterError)."""
    item = draft_item()
    assert_refused(
        errors.NotDrafterError,
        "auth.not_drafter",
        lambda: flow.fire(item.id, Action.WITHDRAW, bureau["sunli"]),
        item.id,
    )


def test_drafter_never_approves_own_item(flow: Flow, draft_item: Draft, assert_refused: Refused) -> None:
    """An actor holding both 承办人 and a reviewer role cannot approve the item they drafted."""
    both = Actor("wuqing", "吴青", "局办公室", {Role.DRAFTER, Role.ATTRIBUTE_REVIEWER})
    item = draft_item(both)
    flow.submit(item.id, both)
    assert_refused(
        errors.SelfApprovalError,
        "auth.self_approval",
        lambda: flow.approve(item.id, both, "同意"),
        item.id,
    )


def test_one_person_signs_one_stage(
    workflow: Workflow, flow: Flow, draft_item: Draft, drive: Drive, assert_refused: Refused
) -> None:
    """An actor holding two reviewer roles who signed one stage cannot sign the next (DuplicateSignerError).

    Only a bureau that binds neither role to a section lets one person hold both.
    """
    workflow.bureau = attrs.evolve(workflow.bureau, bindings=())
    double = Actor("zhengyi", "郑义", "局办公室", {Role.ATTRIBUTE_REVIEWER, Role.LEGAL_REVIEWER})
    item = drive(draft_item().id, "attribute_review")
    item = flow.approve(item.id, double, "同意")
    assert item.state == "legal_review"
    assert_refused(
        errors.DuplicateSignerError,
        "auth.duplicate_signer",
        lambda: flow.approve(item.id, double, "同意"),
        item.id,
    )


def test_section_head_cannot_countersign_twice(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive, assert_refused: Refused
) -> None:
    """On a joint item a section head who already signed cannot sign the same content again."""
    item = drive(draft_item(sections=("就业失业科", "养老保险科")).id, "section_review")
    item = flow.approve(item.id, bureau["zhaoqiang"], "同意")
    assert item.state == "section_review"
    assert_refused(
        errors.DuplicateSignerError,
        "auth.duplicate_signer",
        lambda: flow.approve(item.id, bureau["zhaoqiang"], "同意"),
        item.id,
    )


# --- the form --------------------------------------------------------------------------------


def test_attribute_required_at_draft(draft_item: Draft, assert_refused: Refused) -> None:
    """An item without 公开属性 cannot be drafted (AttributeRequiredError) and nothing is stored."""
    assert_refused(errors.AttributeRequiredError, "form.attribute_required", lambda: draft_item(attribute=None))


def test_attribute_required_at_edit(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, assert_refused: Refused
) -> None:
    """Clearing 公开属性 by an edit is refused and the stored item keeps its attribute."""
    item = draft_item()
    assert_refused(
        errors.AttributeRequiredError,
        "form.attribute_required",
        lambda: flow.edit(item.id, bureau["zhangmin"], attribute=None),
        item.id,
    )


@pytest.mark.parametrize(
    "missing",
    [
        {"withheld_category": None, "withheld_reason": "涉及个人隐私"},
        {"withheld_category": NegativeListCategory.THIRD_PARTY, "withheld_reason": "  "},
    ],
    ids=["no-category", "no-reason"],
)
def test_withheld_needs_category_and_reason(
    draft_item: Draft, assert_refused: Refused, missing: dict[str, Any]
) -> None:
    """不予公开 without a negative-list category or without a reason is refused (WithheldCategoryRequiredError)."""
    assert_refused(
        errors.WithheldCategoryRequiredError,
        "form.withheld_category_required",
        lambda: draft_item(attribute=DisclosureAttribute.WITHHELD, platforms={Platform.OTHER}, **missing),
    )


@pytest.mark.parametrize("platform", [Platform.WEBSITE, Platform.NEW_MEDIA])
def test_non_proactive_item_refused_on_public_platform(
    draft_item: Draft, assert_refused: Refused, platform: Platform
) -> None:
    """A 依申请公开 item cannot be drafted for 网站 or 新媒体 (NotProactiveError)."""
    assert_refused(
        errors.NotProactiveError,
        "rule.not_proactive",
        lambda: draft_item(attribute=DisclosureAttribute.ON_REQUEST, platforms={platform}),
    )


def test_publish_of_non_proactive_refused(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive, assert_refused: Refused
) -> None:
    """An approved 依申请公开 item cannot be published (NotProactiveError)."""
    item = draft_item(attribute=DisclosureAttribute.ON_REQUEST, platforms={Platform.OTHER})
    item = drive(item.id, "approved")
    assert_refused(
        errors.NotProactiveError, "rule.not_proactive", lambda: flow.publish(item.id, bureau["chenjing"]), item.id
    )


def test_file_of_non_proactive_archives(flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive) -> None:
    """An approved 依申请公开 item is filed (登记存档) into ``archived`` with the publisher's signature."""
    item = draft_item(attribute=DisclosureAttribute.ON_REQUEST, platforms={Platform.OTHER})
    drive(item.id, "approved")
    filed = flow.fire(item.id, Action.FILE, bureau["chenjing"])
    assert filed.state == "archived"
    assert filed.published_at is None
    assert filed.signature_for("approved")[0].actor_id == "chenjing"


def test_file_of_proactive_refused(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive, assert_refused: Refused
) -> None:
    """An approved 主动公开 item must be published, not filed (ProactiveMustPublishError)."""
    item = drive(draft_item().id, "approved")
    assert_refused(
        errors.ProactiveMustPublishError,
        "rule.proactive_must_publish",
        lambda: flow.fire(item.id, Action.FILE, bureau["chenjing"]),
        item.id,
    )


def test_classified_proactive_refused_at_draft(draft_item: Draft, assert_refused: Refused) -> None:
    """A 涉密 item cannot be drafted as 主动公开 (ClassifiedItemError)."""
    assert_refused(errors.ClassifiedItemError, "rule.classified", lambda: draft_item(classified=True))


def test_classified_item_never_published(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive, assert_refused: Refused
) -> None:
    """A 涉密 item that reached 待发布 is refused at publish with ClassifiedItemError."""
    item = draft_item(classified=True, attribute=DisclosureAttribute.ON_REQUEST, platforms={Platform.OTHER})
    item = drive(item.id, "approved")
    assert_refused(
        errors.ClassifiedItemError, "rule.classified", lambda: flow.publish(item.id, bureau["chenjing"]), item.id
    )


def test_classify_via_secrecy_referral_archives(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive
) -> None:
    """The secrecy authority's answer 涉密 archives the item as 不予公开 with no public platform."""
    item = drive(draft_item().id, "secrecy_referral")
    archived = flow.fire(item.id, Action.CLASSIFY, bureau["lihua"], opinion="保密部门确定涉密")
    assert archived.state == "archived"
    assert archived.classified is True
    assert archived.attribute is DisclosureAttribute.WITHHELD
    assert archived.withheld_category is NegativeListCategory.STATE_SECURITY
    assert archived.withheld_reason == "保密部门确定涉密"
    assert archived.platforms == frozenset()
    assert archived.content_hash == compute_content_hash(archived)
    assert not any(o.allowed for o in flow.available_actions(item.id, bureau["chenjing"]))


def test_resume_after_secrecy_referral(flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive) -> None:
    """The secrecy authority's answer 不涉密 puts the item back at attribute review."""
    item = drive(draft_item().id, "secrecy_referral")
    resumed = flow.fire(item.id, Action.RESUME, bureau["lihua"], opinion="保密部门确定不涉密")
    assert resumed.state == "attribute_review"
    assert drive(item.id, "published").state == "published"


def test_reprint_needs_source(draft_item: Draft, assert_refused: Refused) -> None:
    """A 转载 item without the source named is refused (ReprintSourceRequiredError)."""
    assert_refused(
        errors.ReprintSourceRequiredError,
        "form.reprint_source_required",
        lambda: draft_item(source=InfoSource.REPRINT, source_name=" "),
    )


def test_reprint_with_source_is_drafted(draft_item: Draft) -> None:
    """A 转载 item naming its source is accepted."""
    item = draft_item(source="转载", source_name="山东省人力资源和社会保障厅")
    assert item.source is InfoSource.REPRINT


@pytest.mark.parametrize("opinion", [None, "", "   "])
def test_return_needs_opinion(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive, assert_refused: Refused, opinion: str | None
) -> None:
    """A return without a (non-blank) opinion is refused (OpinionRequiredError)."""
    item = drive(draft_item().id, "legal_review")
    assert_refused(
        errors.OpinionRequiredError,
        "rule.opinion_required",
        lambda: flow.fire(item.id, Action.RETURN, bureau["wangfang"], opinion=opinion),
        item.id,
    )


def test_interpretation_needs_a_linked_policy(
    bureau: dict[str, Actor], draft_item: Draft, assert_refused: Refused
) -> None:
    """A 政策解读 that names no policy document is refused (PolicyLinkRequiredError)."""
    assert_refused(
        errors.PolicyLinkRequiredError,
        "form.policy_link_required",
        lambda: draft_item(kind=ItemKind.POLICY_INTERPRETATION, document_number=None),
    )


def test_interpretation_needs_an_existing_policy(draft_item: Draft, assert_refused: Refused) -> None:
    """A 政策解读 linked to an id that does not exist is refused by Flow.draft (PolicyLinkRequiredError)."""
    assert_refused(
        errors.PolicyLinkRequiredError,
        "form.policy_link_required",
        lambda: draft_item(kind=ItemKind.POLICY_INTERPRETATION, policy_id="no-such-policy"),
    )


def test_interpretation_must_link_a_policy_document(draft_item: Draft, assert_refused: Refused) -> None:
    """A 政策解读 linked to an item that is not a 政策文件 is refused (PolicyLinkRequiredError)."""
    notice = draft_item(kind=ItemKind.NOTICE, document_number=None)
    assert_refused(
        errors.PolicyLinkRequiredError,
        "form.policy_link_required",
        lambda: draft_item(kind=ItemKind.POLICY_INTERPRETATION, policy_id=notice.id),
    )


def test_interpretation_linked_to_policy_is_drafted(flow: Flow, draft_item: Draft) -> None:
    """A 政策解读 linked to an existing 政策文件 is drafted and listed among its interpretations."""
    policy = draft_item()
    reading = draft_item(kind=ItemKind.POLICY_INTERPRETATION, title="政策解读", policy_id=policy.id)
    assert flow.interpretations_of(policy.id) == [reading]


def test_edit_cannot_relink_interpretation_to_missing_policy(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, assert_refused: Refused
) -> None:
    """Re-linking a 政策解读 to a policy id that does not exist is refused on edit as on draft."""
    policy = draft_item()
    reading = draft_item(kind=ItemKind.POLICY_INTERPRETATION, title="政策解读", policy_id=policy.id)
    assert_refused(
        errors.PolicyLinkRequiredError,
        "form.policy_link_required",
        lambda: flow.edit(reading.id, bureau["zhangmin"], policy_id="no-such-policy"),
        reading.id,
    )


def test_edit_cannot_move_item_out_of_drafters_section(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, assert_refused: Refused
) -> None:
    """A drafter cannot edit the responsible sections so that their own section is no longer among them."""
    item = draft_item()
    assert_refused(
        errors.SectionScopeError,
        "auth.section_scope",
        lambda: flow.edit(item.id, bureau["zhangmin"], sections=("养老保险科",)),
        item.id,
    )


# --- the chain -------------------------------------------------------------------------------


def test_action_not_available_in_state(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, assert_refused: Refused
) -> None:
    """Publishing a drafted item is not a step of the chain (ActionNotAvailableError)."""
    item = draft_item()
    exc = assert_refused(
        errors.ActionNotAvailableError,
        "chain.action_not_available",
        lambda: flow.publish(item.id, bureau["chenjing"]),
        item.id,
    )
    assert exc.details["state"] == "drafted"
    assert exc.details["action"] == "publish"


def test_edit_only_while_drafted(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive, assert_refused: Refused
) -> None:
    """Content cannot be changed once the item left its drafter (NotEditableError)."""
    item = drive(draft_item().id, "attribute_review")
    assert_refused(
        errors.NotEditableError,
        "rule.not_editable",
        lambda: flow.edit(item.id, bureau["zhangmin"], body="改过的正文"),
        item.id,
    )


def test_edit_only_by_drafter(flow: Flow, bureau: dict[str, Actor], draft_item: Draft, assert_refused: Refused) -> None:
    """Only the drafter may change a drafted item (NotDrafterError)."""
    item = draft_item()
    assert_refused(
        errors.NotDrafterError,
        "auth.not_drafter",
        lambda: flow.edit(item.id, bureau["sunli"], body="改过的正文"),
        item.id,
    )


def test_unchanged_resubmission_goes_back_to_returning_stage(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive
) -> None:
    """After a return, an unchanged item resubmitted goes straight back to the returning stage, signatures kept."""
    item = drive(draft_item().id, "leader_review")
    signed_before = {s.stage: s for s in item.signatures}
    flow.return_item(item.id, bureau["liuyang"], "请补充政策依据")
    resubmitted = flow.submit(item.id, bureau["zhangmin"])
    assert resubmitted.state == "leader_review"
    assert resubmitted.returned is None
    kept = {s.stage: s for s in resubmitted.signatures}
    assert set(kept) == {"drafted", "attribute_review", "legal_review", "section_review"}
    for stage in ("attribute_review", "legal_review", "section_review"):
        assert kept[stage] == signed_before[stage]
    assert drive(item.id, "published").state == "published"


def test_changed_resubmission_restarts_the_chain(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive
) -> None:
    """After a return, a changed item restarts at attribute review with every earlier approval void."""
    item = drive(draft_item().id, "leader_review")
    flow.return_item(item.id, bureau["liuyang"], "请补充政策依据")
    edited = flow.edit(item.id, bureau["zhangmin"], body="按照鲁人社发〔2019〕8号要求，现就有关事项通知如下……")
    assert edited.content_hash != item.content_hash
    resubmitted = flow.submit(item.id, bureau["zhangmin"])
    assert resubmitted.state == "attribute_review"
    assert _stages(resubmitted) == ["drafted"]
    assert resubmitted.signatures[0].content_hash == edited.content_hash
    published = drive(item.id, "published")
    assert {s.content_hash for s in published.signatures} == {compute_content_hash(published)}


def test_publish_rechecks_content_hash(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive, assert_refused: Refused
) -> None:
    """Content changed behind the engine's back after the leader signed is refused at publish (ContentChangedError)."""
    item = drive(draft_item().id, "approved")
    tampered = attrs.evolve(item, body="被篡改的正文", version=item.version + 1)
    flow.repository.save(Outcome(item=tampered, previous_version=item.version, events=(), audit=()))
    assert flow.get(item.id).content_hash == item.content_hash  # the stored hash was not updated
    assert_refused(
        errors.ContentChangedError,
        "rule.content_changed",
        lambda: flow.publish(item.id, bureau["chenjing"]),
        item.id,
    )


def test_joint_item_needs_every_section_head(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive, assert_refused: Refused
) -> None:
    """A joint item (会签) reaches leader review only after the heads of both sections signed."""
    item = drive(draft_item(sections=("就业失业科", "养老保险科")).id, "section_review")
    item = flow.approve(item.id, bureau["zhaoqiang"], "同意")
    assert item.state == "section_review"
    assert_refused(
        errors.RoleRequiredError,
        "auth.role_required",
        lambda: flow.approve(item.id, bureau["liuyang"], "同意"),
        item.id,
    )
    item = flow.approve(item.id, bureau["zhouwei"], "同意")
    assert item.state == "leader_review"
    assert {s.section for s in item.signature_for("section_review")} == {"就业失业科", "养老保险科"}
    assert drive(item.id, "published").state == "published"


def test_news_route_is_reviewed_and_published_by_legal(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, assert_refused: Refused
) -> None:
    """A 新闻宣传 item goes drafted → legal_review → published, published by the legal reviewer."""
    item = draft_item(kind=ItemKind.NEWS, title="我局举办2019年高校毕业生专场招聘会", document_number=None)
    assert item.chain_id == "news"
    item = flow.submit(item.id, bureau["zhangmin"])
    assert item.state == "legal_review"
    assert_refused(
        errors.RoleRequiredError,
        "auth.role_required",
        lambda: flow.publish(item.id, bureau["chenjing"]),
        item.id,
    )
    published = flow.publish(item.id, bureau["wangfang"])
    assert published.state == "published"
    assert _stages(published) == ["drafted", "legal_review"]
    assert published.published_at is not None


@pytest.mark.parametrize(
    ("action", "target"),
    [(Action.ABOLISH, "abolished"), (Action.EXPIRE, "expired"), (Action.RETRACT, "retracted")],
)
def test_published_item_needs_opinion_to_leave(
    flow: Flow,
    bureau: dict[str, Actor],
    draft_item: Draft,
    drive: Drive,
    assert_refused: Refused,
    action: Action,
    target: str,
) -> None:
    """Abolishing, expiring or retracting a published item needs an opinion and reaches its terminal state."""
    item = drive(draft_item().id, "published")
    assert_refused(
        errors.OpinionRequiredError,
        "rule.opinion_required",
        lambda: flow.fire(item.id, action, bureau["chenjing"]),
        item.id,
    )
    done = flow.fire(item.id, action, bureau["chenjing"], opinion="依据新文件")
    assert done.state == target
    assert flow.audit(item.id)[-1].opinion == "依据新文件"


def test_withdraw(flow: Flow, bureau: dict[str, Actor], draft_item: Draft, assert_refused: Refused) -> None:
    """The drafter withdraws a drafted item; nothing more can happen to it."""
    item = draft_item()
    withdrawn = flow.fire(item.id, Action.WITHDRAW, bureau["zhangmin"])
    assert withdrawn.state == "withdrawn"
    assert_refused(
        errors.ActionNotAvailableError,
        "chain.action_not_available",
        lambda: flow.submit(item.id, bureau["zhangmin"]),
        item.id,
    )


def test_available_actions_lists_every_action(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive
) -> None:
    """available_actions lists every action of the chain, allowed or with a Chinese reason and code."""
    item = drive(draft_item().id, "legal_review")
    options = flow.available_actions(item.id, bureau["wangfang"])
    assert [o.action for o in options] == list(flow.workflow.chain_of(item).actions)
    allowed = {o.action for o in options if o.allowed}
    assert allowed == {Action.APPROVE, Action.RETURN}
    by_action = {o.action: o for o in options}
    assert by_action[Action.RETURN].opinion_required is True
    assert by_action[Action.APPROVE].opinion_required is False
    for option in options:
        if option.allowed:
            assert option.reason is None
        else:
            assert option.reason is not None
            assert has_chinese(option.reason)
            assert option.code == "chain.action_not_available"
    other = {o.action: o for o in flow.available_actions(item.id, bureau["lihua"])}
    assert not other[Action.APPROVE].allowed
    assert other[Action.APPROVE].code == "auth.role_required"
    assert "法律法规审核人" in (other[Action.APPROVE].reason or "")


# --- check-phase plugins -----------------------------------------------------------------------


@attrs.define
class _CheckPlugin:
    """A test plugin connecting one check-phase receiver."""

    receiver: Callable[..., Any]
    name: str = "test_check"

    def setup(self, registry: PluginRegistry, config: Mapping[str, Any]) -> None:
        registry.connect(transition_requested, self.receiver)


def _on_publish(findings: list[Finding]) -> Callable[..., list[Finding]]:
    def check(sender: object, *, event: TransitionRequested) -> list[Finding]:
        return findings if event.action is Action.PUBLISH else []

    return check


def test_blocking_finding_refuses_transition(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive, assert_refused: Refused
) -> None:
    """A check receiver returning a BLOCK finding refuses the action with TransitionBlockedError and its findings."""
    block = Finding("test.block", Severity.BLOCK, "正文含有身份证号码")
    flow.registry.register(_CheckPlugin(_on_publish([block])))
    item = drive(draft_item().id, "approved")
    exc = assert_refused(
        errors.TransitionBlockedError,
        "check.blocked",
        lambda: flow.publish(item.id, bureau["chenjing"]),
        item.id,
    )
    assert isinstance(exc, errors.TransitionBlockedError)
    assert exc.findings == (block,)
    assert "正文含有身份证号码" in exc.message


def test_failing_check_fails_closed(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive, assert_refused: Refused
) -> None:
    """A check receiver that raises refuses the action with CheckFailedError (fail closed)."""

    def broken(sender: object, *, event: TransitionRequested) -> list[Finding]:
        if event.action is Action.PUBLISH:
            raise RuntimeError("词库加载失败")
        return []

    flow.registry.connect(transition_requested, broken)
    item = drive(draft_item().id, "approved")
    exc = assert_refused(
        errors.CheckFailedError,
        "check.failed",
        lambda: flow.publish(item.id, bureau["chenjing"]),
        item.id,
    )
    assert isinstance(exc.__cause__, RuntimeError)


def test_check_receiver_returning_non_findings_fails_closed(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, assert_refused: Refused
) -> None:
    """A check receiver returning something other than findings refuses the action with CheckFailedError."""

    def odd(sender: object, *, event: TransitionRequested) -> list[str]:
        return ["不是 Finding"]

    flow.registry.connect(transition_requested, odd)
    item = draft_item()
    assert_refused(errors.CheckFailedError, "check.failed", lambda: flow.submit(item.id, bureau["zhangmin"]), item.id)


def test_generator_check_receiver_that_raises_fails_closed_typed(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft
) -> None:
    """A check receiver written as a generator that raises refuses the action with CheckFailedError."""

    def scan(sender: object, *, event: TransitionRequested) -> Iterator[Finding]:
        raise RuntimeError("扫描器出错")
        yield Finding("never", Severity.INFO, "")  # pragma: no cover

    flow.registry.connect(transition_requested, scan)
    item = draft_item()
    with pytest.raises(errors.CheckFailedError):
        flow.submit(item.id, bureau["zhangmin"])


def test_non_blocking_findings_pass_through(workflow: Workflow, bureau: dict[str, Actor]) -> None:
    """REVIEW and INFO findings do not refuse the action and are returned in Outcome.findings."""
    review = Finding("test.review", Severity.REVIEW, "可能含有过程性信息")
    info = Finding("test.info", Severity.INFO, "标题较长")
    registry = PluginRegistry(workflow)
    registry.connect(transition_requested, lambda sender, *, event: [review, info])
    try:
        flow = Flow(workflow=workflow)
        item = flow.draft(bureau["zhangmin"], **_fields())
        outcome = workflow.fire(item, Action.SUBMIT, bureau["zhangmin"])
        assert outcome.findings == (review, info)
        assert outcome.item.state == "attribute_review"
        flow.submit(item.id, bureau["zhangmin"])
        assert flow.last_findings == (review, info)
    finally:
        registry.close()


def _fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": "关于做好2019年高校毕业生就业创业工作的通知",
        "kind": ItemKind.POLICY_DOCUMENT,
        "body": "现就有关事项通知如下……",
        "attribute": DisclosureAttribute.PROACTIVE,
        "platforms": {Platform.WEBSITE},
        "column": "政策文件",
    }
    fields.update(overrides)
    return fields


def _no_params() -> None:
    return None


def _sender_only(sender: object) -> None:
    return None


def _wrong_keyword(sender: object, *, payload: object) -> None:
    return None


def _two_required_keywords(sender: object, *, event: object, extra: object) -> None:
    return None


@pytest.mark.parametrize("receiver", [_no_params, _sender_only, _wrong_keyword, _two_required_keywords])
def test_receiver_with_wrong_signature_refused(workflow: Workflow, receiver: Callable[..., None]) -> None:
    """A receiver that cannot be called as receiver(sender, *, event) is refused at registration (PluginError)."""
    registry = PluginRegistry(workflow)
    with pytest.raises(errors.PluginError) as info:
        registry.connect(transition_requested, receiver)
    assert info.value.code == "plugin.invalid"
    assert info.value.message.strip()
    assert not transition_requested.receivers_for(workflow) or all(
        r is not receiver for r in transition_requested.receivers_for(workflow)
    )


def test_unknown_plugin_not_found(workflow: Workflow) -> None:
    """Loading a plugin name that is not installed raises PluginNotFoundError."""
    registry = PluginRegistry(workflow)
    with pytest.raises(errors.PluginNotFoundError) as info:
        registry.load(["no_such_plugin"])
    assert info.value.code == "plugin.not_found"
    assert "no_such_plugin" in info.value.message
    assert registry.plugins == {}


def test_title_rules_plugin_is_discovered() -> None:
    """The example plugin package's ``title_rules`` entry point is listed by available_plugins()."""
    assert available_plugins()["title_rules"] == "gongkai_title_rules:plugin"


def test_title_rules_blocks_policy_without_document_number(
    clock: Callable[[], datetime], bureau: dict[str, Actor]
) -> None:
    """With ``title_rules`` enabled, a 政策文件 without 文号 is refused at publish."""
    flow = Flow(workflow=Workflow(clock=clock), plugins=["negative_list", "title_rules"])
    try:
        assert "title_rules" in flow.registry.plugins
        item = flow.draft(bureau["zhangmin"], **_fields())
        for action, who, opinion in _happy_path_to_approved():
            flow.fire(item.id, action, bureau[who], opinion=opinion)
        before = flow.get(item.id)
        with pytest.raises(errors.TransitionBlockedError) as info:
            flow.publish(item.id, bureau["chenjing"])
        assert info.value.code == "check.blocked"
        assert [f.rule_id for f in info.value.findings] == ["title_rules.document_number"]
        assert flow.get(item.id) == before
    finally:
        flow.close()


def test_title_rules_not_active_unless_enabled(clock: Callable[[], datetime], bureau: dict[str, Actor]) -> None:
    """Installing ``title_rules`` does not switch it on: a flow without it publishes a 政策文件 without 文号."""
    flow = Flow(workflow=Workflow(clock=clock))
    item = flow.draft(bureau["zhangmin"], **_fields())
    for action, who, opinion in _happy_path_to_approved():
        flow.fire(item.id, action, bureau[who], opinion=opinion)
    assert flow.publish(item.id, bureau["chenjing"]).state == "published"


def _happy_path_to_approved() -> Iterable[tuple[Action, str, str | None]]:
    return [
        (Action.SUBMIT, "zhangmin", None),
        (Action.APPROVE, "lihua", "同意"),
        (Action.APPROVE, "wangfang", "同意"),
        (Action.APPROVE, "zhaoqiang", "同意"),
        (Action.APPROVE, "liuyang", "同意"),
    ]


def test_two_flows_do_not_share_receivers(clock: Callable[[], datetime], bureau: dict[str, Actor]) -> None:
    """Receivers connected on one Flow are never called for another Flow in the same process."""
    seen_a: list[str] = []
    seen_b: list[str] = []
    flow_a = Flow(workflow=Workflow(clock=clock))
    flow_b = Flow(workflow=Workflow(clock=clock))
    try:
        flow_a.registry.connect(transition_applied, lambda sender, *, event: seen_a.append(event.item_id))
        flow_b.registry.connect(transition_applied, lambda sender, *, event: seen_b.append(event.item_id))
        flow_b.registry.connect(transition_requested, _on_publish([Finding("b.block", Severity.BLOCK, "B 阻断")]))
        item_a = flow_a.draft(bureau["zhangmin"], **_fields())
        for action, who, opinion in _happy_path_to_approved():
            flow_a.fire(item_a.id, action, bureau[who], opinion=opinion)
        assert flow_a.publish(item_a.id, bureau["chenjing"]).state == "published"
        assert seen_b == []
        item_b = flow_b.draft(bureau["zhangmin"], **_fields())
        for action, who, opinion in _happy_path_to_approved():
            flow_b.fire(item_b.id, action, bureau[who], opinion=opinion)
        with pytest.raises(errors.TransitionBlockedError):
            flow_b.publish(item_b.id, bureau["chenjing"])
        assert len(seen_a) == 6
        assert set(seen_a) == {item_a.id}
        assert len(seen_b) == 5
        assert set(seen_b) == {item_b.id}
    finally:
        flow_a.close()
        flow_b.close()


# --- effect-phase receivers ------------------------------------------------------------------


def test_failing_effect_receiver_does_not_stop_others(clock: Callable[[], datetime], bureau: dict[str, Actor]) -> None:
    """An effect receiver that raises is reported in DispatchReport.failures and the others still run."""
    delivered: list[Event] = []

    def broken(sender: object, *, event: ItemPublished) -> None:
        raise ConnectionError("网站接口超时")

    def record(sender: object, *, event: ItemPublished) -> None:
        delivered.append(event)

    flow = Flow(workflow=Workflow(clock=clock), dispatch=False)
    try:
        flow.registry.connect(item_published, broken)
        flow.registry.connect(item_published, record)
        item = flow.draft(bureau["zhangmin"], **_fields())
        for action, who, opinion in _happy_path_to_approved():
            flow.fire(item.id, action, bureau[who], opinion=opinion)
        flow.dispatch()
        flow.publish(item.id, bureau["chenjing"])
        report = flow.dispatch()
        assert isinstance(report, DispatchReport)
        assert report.delivered == 1  # item-published
        assert report.unhandled == 1  # transition-applied: no receiver here, kept as 无接收方
        assert [type(e) for e in delivered] == [ItemPublished]
        assert len(report.failures) == 1
        failure = report.failures[0]
        assert failure.event_type == "item-published"
        assert failure.event_id == delivered[0].event_id
        assert failure.receiver.endswith("broken")
        assert "ConnectionError" in failure.error
        assert flow.get(item.id).state == "published"
        assert flow.dispatch().delivered == 0
    finally:
        flow.close()


def test_effects_are_sent_after_the_change_is_stored(flow: Flow, bureau: dict[str, Actor], draft_item: Draft) -> None:
    """The transition-applied receiver sees the item already stored in its new state."""
    states: list[str] = []

    def seen(sender: object, *, event: TransitionApplied) -> None:
        states.append(flow.get(event.item_id).state)

    flow.registry.connect(transition_applied, seen)
    item = draft_item()
    flow.submit(item.id, bureau["zhangmin"])
    assert states == ["attribute_review"]


# --- chain versions --------------------------------------------------------------------------


def test_chain_version_is_kept_by_items_in_flight(clock: Callable[[], datetime], bureau: dict[str, Actor]) -> None:
    """An item drafted on chain v1 stays on v1 after v2 is registered; new items start on v2."""
    workflow = Workflow(ChainSet([default_chain(), news_chain()], routes={ItemKind.NEWS: "news"}), clock=clock)
    flow = Flow(workflow=workflow)
    old = flow.draft(bureau["zhangmin"], **_fields())
    data = default_chain().to_dict()
    data["version"] = 2
    data["label"] = "政府信息公开及合规性审核（2020年修订）"
    workflow.chains.add(ChainDefinition.from_dict(data))
    new = flow.draft(bureau["zhangmin"], **_fields(title="第二份通知"))
    assert (old.chain_id, old.chain_version) == ("default", 1)
    assert (new.chain_id, new.chain_version) == ("default", 2)
    assert workflow.chain_of(new).label == "政府信息公开及合规性审核（2020年修订）"
    for item_id in (old.id, new.id):
        for action, who, opinion in _happy_path_to_approved():
            flow.fire(item_id, action, bureau[who], opinion=opinion)
        flow.publish(item_id, bureau["chenjing"])
    assert flow.get(old.id).chain_version == 1
    assert flow.get(old.id).state == "published"
    assert flow.get(new.id).chain_version == 2
    assert flow.get(new.id).state == "published"


def test_unknown_chain_version_is_refused(workflow: Workflow, bureau: dict[str, Actor]) -> None:
    """An item naming a chain version that is not registered raises UnknownChainError."""
    item = workflow.draft(bureau["zhangmin"], **_fields()).item
    with pytest.raises(errors.UnknownChainError) as info:
        workflow.fire(attrs.evolve(item, chain_version=9), Action.SUBMIT, bureau["zhangmin"])
    assert info.value.code == "chain.unknown"


def test_refused_draft_stores_nothing(bureau: dict[str, Actor]) -> None:
    """A draft by someone without the 承办人 role is refused and the repository stays empty."""
    repository = MemoryRepository()
    flow = Flow(repository=repository)
    with pytest.raises(errors.RoleRequiredError):
        flow.draft(bureau["lihua"], **_fields())
    assert list(repository.items()) == []
    assert repository.pending_events() == []
