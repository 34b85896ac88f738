"""The bureau's division of labour: each review role acts only from the section the bureau binds it to.

局办公室 does the secrecy and attribute review, 政策法规科 the legal review and the news,
行政许可科（12333） the publishing and filing; a holder of the role in another section is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from gongkai_flow import Action, Actor, DisclosureItem, Flow, ItemKind, MemoryRepository, Role, Workflow, errors
from gongkai_flow.bureau import SectionBinding, load_bureau

FIELDS: dict[str, Any] = {
    "title": "关于做好2019年高校毕业生就业创业工作的通知",
    "kind": ItemKind.POLICY_DOCUMENT,
    "body": "各县区人力资源和社会保障局：现将有关事项通知如下。",
    "attribute": "主动公开",
}

Draft = Callable[..., DisclosureItem]
Drive = Callable[[str, str], DisclosureItem]
Refused = Callable[..., errors.GongkaiFlowError]

OUTSIDER_REVIEWER = Actor("qian", "钱进", "就业失业科", {Role.ATTRIBUTE_REVIEWER})
OUTSIDER_LEGAL = Actor("sun", "孙红", "局办公室", {Role.LEGAL_REVIEWER})
OUTSIDER_PUBLISHER = Actor("zhou", "周平", "养老保险科", {Role.PUBLISHER})


@pytest.mark.parametrize(
    ("state", "action", "actor", "stage", "section"),
    [
        ("attribute_review", Action.APPROVE, OUTSIDER_REVIEWER, "保密及公开属性审核", "局办公室"),
        ("attribute_review", Action.REFER, OUTSIDER_REVIEWER, "保密及公开属性审核", "局办公室"),
        ("secrecy_referral", Action.RESUME, OUTSIDER_REVIEWER, "报保密部门确定", "局办公室"),
        ("legal_review", Action.APPROVE, OUTSIDER_LEGAL, "法律法规审核", "政策法规科"),
        ("approved", Action.PUBLISH, OUTSIDER_PUBLISHER, "待发布", "行政许可科（12333）"),
    ],
)
def test_a_reviewer_from_another_section_is_refused(
    flow: Flow,
    draft_item: Draft,
    drive: Drive,
    assert_refused: Refused,
    state: str,
    action: Action,
    actor: Actor,
    stage: str,
    section: str,
) -> None:
    item = drive(draft_item().id, state)
    exc = assert_refused(
        errors.WrongSectionError,
        "auth.wrong_section",
        lambda: flow.fire(item.id, action, actor, opinion="意见"),
        item.id,
    )
    assert isinstance(exc, errors.AuthorizationError)
    assert f"“{stage}”环节须由{section}办理" in exc.message
    assert actor.section in exc.message
    assert exc.details["section"] == section


def test_the_bound_section_may_act(flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive) -> None:
    """The same move by the bound section goes through (the refusal is about the section only)."""
    item = drive(draft_item().id, "approved")
    assert bureau["chenjing"].section == "行政许可科（12333）"
    assert flow.publish(item.id, bureau["chenjing"]).state == "published"


def test_news_is_reviewed_and_uploaded_by_policy_and_legal(
    flow: Flow, bureau: dict[str, Actor], draft_item: Draft, assert_refused: Refused
) -> None:
    item = draft_item(kind=ItemKind.NEWS)
    flow.submit(item.id, bureau["zhangmin"])
    publish = lambda: flow.publish(item.id, OUTSIDER_LEGAL)  # noqa: E731
    assert_refused(errors.WrongSectionError, "auth.wrong_section", publish, item.id)
    assert flow.publish(item.id, bureau["wangfang"]).state == "published"


def test_available_actions_say_why(flow: Flow, draft_item: Draft, drive: Drive) -> None:
    item = drive(draft_item().id, "attribute_review")
    options = {o.action: o for o in flow.available_actions(item.id, OUTSIDER_REVIEWER)}
    assert not options[Action.APPROVE].allowed
    assert options[Action.APPROVE].code == "auth.wrong_section"


def test_worklists_follow_the_binding(flow: Flow, bureau: dict[str, Actor], draft_item: Draft, drive: Drive) -> None:
    """An item waiting for 局办公室 is on 李华's worklist, not on a reviewer's from another section."""
    item = drive(draft_item().id, "attribute_review")
    assert [i.id for i in flow.worklist(bureau["lihua"])] == [item.id]
    assert flow.worklist(OUTSIDER_REVIEWER) == []


def test_worklists_follow_the_binding_in_sqlite(tmp_path: Path, bureau: dict[str, Actor]) -> None:
    with Flow(database=tmp_path / "g.db", clock=lambda: datetime(2019, 6, 3, 1, 30, tzinfo=UTC)) as flow:
        item = flow.draft(bureau["zhangmin"], **FIELDS)
        flow.submit(item.id, bureau["zhangmin"])
        assert [i.id for i in flow.worklist(bureau["lihua"])] == [item.id]
        assert flow.worklist(OUTSIDER_REVIEWER) == []


def test_a_bureau_without_bindings_lets_any_holder_act(bureau: dict[str, Actor]) -> None:
    """The binding is configuration: a bureau that binds nothing lets any role holder act."""
    unbound = attrs.evolve(load_bureau(), bindings=())
    flow = Flow(repository=MemoryRepository(), workflow=Workflow(bureau=unbound))
    item = flow.draft(bureau["zhangmin"], **FIELDS)
    flow.submit(item.id, bureau["zhangmin"])
    assert flow.approve(item.id, OUTSIDER_REVIEWER, "同意").state == "legal_review"


def test_a_chain_specific_binding_wins(bureau: dict[str, Actor]) -> None:
    """A bureau may have news uploaded by another section than its legal review."""
    config = load_bureau()
    news_by_office = attrs.evolve(
        config,
        bindings=(
            *(b for b in config.bindings if b.chain_id != "news"),
            SectionBinding(Role.LEGAL_REVIEWER, "局办公室", "news"),
        ),
    )
    flow = Flow(repository=MemoryRepository(), workflow=Workflow(bureau=news_by_office))
    item = flow.draft(bureau["zhangmin"], **{**FIELDS, "kind": ItemKind.NEWS})
    flow.submit(item.id, bureau["zhangmin"])
    with pytest.raises(errors.WrongSectionError, match="须由局办公室办理"):
        flow.publish(item.id, bureau["wangfang"])
    assert flow.publish(item.id, OUTSIDER_LEGAL).state == "published"
