"""谁起草、谁解读 and 同步发布: who drafts an interpretation, and when it may be published.

The interpretation is drafted by a section that drafted its policy, and is published with or after
the policy, never before. A policy outside the system (issued by another body, or drafted outside
it) is named by title and 文号 or URL, and 局办公室 confirms that exception, audited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gongkai_flow import Action, Actor, DisclosureItem, Flow, ItemKind, Role, errors
from gongkai_flow.engine import EXTERNAL_POLICY_RULE, policy_reference

Draft = Callable[..., DisclosureItem]
Drive = Callable[[str, str], DisclosureItem]
Refused = Callable[..., errors.GongkaiFlowError]

PENSION_DRAFTER = "sunli"  # 孙丽, 养老保险科 (the policy below is 就业失业科's)


def interpretation(policy_id: str | None = None, **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": "《关于做好2019年高校毕业生就业创业工作的通知》政策解读",
        "kind": ItemKind.POLICY_INTERPRETATION,
        "body": "一、出台背景……",
        "attribute": "主动公开",
        "column": "政策解读",
    }
    if policy_id is not None:
        fields["policy_id"] = policy_id
    fields.update(extra)
    return fields


def test_the_drafter_must_be_of_the_policys_section(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, assert_refused: Refused
) -> None:
    policy = draft_item()
    exc = assert_refused(
        errors.InterpreterSectionError,
        "auth.interpreter_section",
        lambda: flow.draft(bureau[PENSION_DRAFTER], **interpretation(policy.id)),
    )
    assert "谁起草、谁解读" in exc.message
    assert "《〈关于做好2019年高校毕业生就业创业工作的通知〉政策解读》" in exc.message
    assert "就业失业科" in exc.message
    assert "养老保险科" in exc.message
    assert flow.draft(bureau["zhangmin"], **interpretation(policy.id)).policy_id == policy.id


def test_any_section_of_a_joint_policy_may_interpret(flow: Flow, bureau: dict[str, Actor], draft_item: Draft) -> None:
    policy = draft_item(sections=("就业失业科", "养老保险科"))
    assert flow.draft(bureau[PENSION_DRAFTER], **interpretation(policy.id)).policy_id == policy.id


def test_relinking_to_another_sections_policy_is_refused(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, assert_refused: Refused
) -> None:
    own = draft_item()
    other = flow.draft(bureau[PENSION_DRAFTER], **{**_policy_fields(), "title": "关于调整养老金的通知"})
    reading = flow.draft(bureau["zhangmin"], **interpretation(own.id))
    assert_refused(
        errors.InterpreterSectionError,
        "auth.interpreter_section",
        lambda: flow.edit(reading.id, bureau["zhangmin"], policy_id=other.id),
        reading.id,
    )


def _policy_fields() -> dict[str, Any]:
    return {"kind": ItemKind.POLICY_DOCUMENT, "body": "正文", "attribute": "主动公开"}


def test_an_interpretation_is_not_published_before_its_policy(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive, assert_refused: Refused
) -> None:
    policy = drive(draft_item().id, "approved")
    reading = drive(flow.draft(bureau["zhangmin"], **interpretation(policy.id)).id, "approved")
    exc = assert_refused(
        errors.PolicyNotPublishedError,
        "rule.policy_unpublished",
        lambda: flow.publish(reading.id, bureau["chenjing"]),
        reading.id,
    )
    assert "同步或在其后发布" in exc.message
    flow.publish(policy.id, bureau["chenjing"])
    assert flow.publish(reading.id, bureau["chenjing"]).state == "published"


def test_an_interpretation_without_a_policy_or_a_reference_is_refused(
    flow: Flow, bureau: dict[str, Actor], assert_refused: Refused
) -> None:
    exc = assert_refused(
        errors.PolicyLinkRequiredError,
        "form.policy_link_required",
        lambda: flow.draft(bureau["zhangmin"], **interpretation(source_name="山东省2019年政务公开工作要点")),
    )
    assert "文号或网址" in exc.message


EXTERNAL = {
    "source_name": "山东省人民政府办公厅关于印发2019年山东省政务公开工作要点的通知",
    "document_number": "鲁政办发〔2019〕15号",
}


def test_an_external_policy_is_confirmed_by_the_attribute_reviewer(
    flow: Flow, bureau: dict[str, Actor], drive: Drive, assert_refused: Refused
) -> None:
    reading = flow.draft(bureau["zhangmin"], **interpretation(**EXTERNAL))
    assert policy_reference(reading) == (EXTERNAL["source_name"], EXTERNAL["document_number"])
    flow.submit(reading.id, bureau["zhangmin"])
    exc = assert_refused(
        errors.TransitionBlockedError,
        "check.blocked",
        lambda: flow.approve(reading.id, bureau["lihua"], "同意"),
        reading.id,
    )
    assert isinstance(exc, errors.TransitionBlockedError)
    assert [f.rule_id for f in exc.findings] == [EXTERNAL_POLICY_RULE]
    assert "鲁政办发〔2019〕15号" in exc.message
    reason = "解读的是省政府办公厅文件，本局负责本地解读"
    item = flow.fire(
        reading.id, Action.APPROVE, bureau["lihua"], opinion="同意", overrides={EXTERNAL_POLICY_RULE: reason}
    )
    assert item.state == "legal_review"
    entry = flow.audit(reading.id)[-1]
    assert entry.role is Role.ATTRIBUTE_REVIEWER
    assert [(o.rule_id, o.reason, o.actor_id) for o in entry.overrides] == [(EXTERNAL_POLICY_RULE, reason, "lihua")]
    # The confirmation stays with the content it was given for: publication goes through.
    assert drive(reading.id, "approved").state == "approved"
    assert flow.publish(reading.id, bureau["chenjing"]).state == "published"


def test_the_check_only_concerns_interpretations_without_a_stored_policy(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft
) -> None:
    """A policy document carrying a 文号 and a reprint source is not an external reference."""
    item = draft_item(source="转载", source_name="山东省人民政府")
    assert policy_reference(item) is None
    policy = draft_item()
    assert policy_reference(flow.draft(bureau["zhangmin"], **interpretation(policy.id, **EXTERNAL))) is None


@pytest.mark.parametrize("missing", ["source_name", "document_number"])
def test_a_reference_needs_title_and_number(
    flow: Flow, bureau: dict[str, Actor], assert_refused: Refused, missing: str
) -> None:
    fields = {k: v for k, v in EXTERNAL.items() if k != missing}
    assert_refused(
        errors.PolicyLinkRequiredError,
        "form.policy_link_required",
        lambda: flow.draft(bureau["zhangmin"], **interpretation(**fields)),
    )
