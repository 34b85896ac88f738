"""The version the user saw: a form carries ``item.version`` and an out-of-date form is refused.

On every backend: the façade's actions, the engine's ``fire``/``edit``/``advance`` and the
repositories' ``save`` take ``expected_version``; a mismatch raises ``StaleItemError``
(``storage.stale_item``) naming who acted meanwhile, what they did and when (Beijing time), and
stores nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from gongkai_flow import Action, Actor, Role, StaleItemError, errors
from gongkai_flow.storage.errors import StorageError

from .conftest import Backend, policy_fields

#: 2019年9月20日 10:05 in Beijing.
AT = datetime(2019, 9, 20, 2, 5, tzinfo=UTC)
#: A second 局办公室 attribute reviewer, for two reviewers holding the same form.
ZHOUMIN = Actor("zhoumin", "周敏", "局办公室", {Role.ATTRIBUTE_REVIEWER})


def submitted(backend: Backend, people: dict[str, Actor]) -> str:
    """An item drafted and submitted (version 2, at the attribute review)."""
    backend.workflow.clock = lambda: AT
    with backend.flow() as flow:
        item = flow.draft(people["zhangmin"], **policy_fields())
        flow.submit(item.id, people["zhangmin"], expected_version=1)
    return item.id


def test_stale_item_error_is_a_storage_error_and_keeps_its_code() -> None:
    assert issubclass(StaleItemError, StorageError)
    assert issubclass(StaleItemError, errors.WorkflowError)
    assert StaleItemError.code == "storage.stale_item"


def test_approving_an_out_of_date_form_names_who_acted_and_stores_nothing(
    backend: Backend, people: dict[str, Actor]
) -> None:
    item_id = submitted(backend, people)
    with backend.flow() as flow:
        flow.approve(item_id, people["lihua"], "同意", expected_version=2)
        with pytest.raises(StaleItemError) as info:
            flow.approve(item_id, ZHOUMIN, "同意", expected_version=2)
        assert info.value.code == "storage.stale_item"
        assert info.value.message == (
            "《关于做好2019年高校毕业生就业创业工作的通知》已被李华（局办公室）于2019年9月20日 10:05 审核通过，"
            "您看到的是第2版，当前为第3版，请刷新后重试。"
        )
        assert info.value.to_dict()["expected_version"] == 2
        assert info.value.to_dict()["current_version"] == 3
        assert [e.action for e in flow.audit(item_id)] == ["draft", "submit", "approve"]
        assert flow.get(item_id).version == 3


def test_the_current_version_is_accepted(backend: Backend, people: dict[str, Actor]) -> None:
    item_id = submitted(backend, people)
    with backend.flow() as flow:
        item = flow.approve(item_id, people["lihua"], "同意", expected_version=2)
        assert item.version == 3
        item = flow.return_item(item_id, people["wangfang"], "请修改", expected_version=3)
        item = flow.edit(item_id, people["zhangmin"], expected_version=item.version, body="修改后的正文……")
        assert item.version == 5


def test_a_double_submit_is_answered_stale_not_with_an_unrelated_refusal(
    backend: Backend, people: dict[str, Actor]
) -> None:
    backend.workflow.clock = lambda: AT
    with backend.flow() as flow:
        item = flow.draft(people["zhangmin"], **policy_fields(title="关于《就业促进法》实施办法的通知"))
        flow.submit(item.id, people["zhangmin"], expected_version=1)
        with pytest.raises(StaleItemError) as info:
            flow.submit(item.id, people["zhangmin"], expected_version=1)
        assert info.value.message == (
            "《关于〈就业促进法〉实施办法的通知》已被张敏（就业失业科）于2019年9月20日 10:05 提交审核，"
            "您看到的是第1版，当前为第2版，请刷新后重试。"
        )
        # Without the version the form showed, the engine can only say the step is gone.
        with pytest.raises(errors.ActionNotAvailableError):
            flow.submit(item.id, people["zhangmin"])
        assert [e.action for e in flow.audit(item.id)] == ["draft", "submit"]


@pytest.mark.parametrize("action", ["edit", "publish", "return_item", "fire"])
def test_every_action_of_the_facade_checks_the_version(backend: Backend, people: dict[str, Actor], action: str) -> None:
    item_id = submitted(backend, people)
    with backend.flow() as flow:
        calls: dict[str, Callable[[], object]] = {
            "edit": lambda: flow.edit(item_id, people["zhangmin"], expected_version=1, body="……"),
            "publish": lambda: flow.publish(item_id, people["chenjing"], expected_version=1),
            "return_item": lambda: flow.return_item(item_id, people["lihua"], "请修改", expected_version=1),
            "fire": lambda: flow.fire(item_id, Action.APPROVE, people["lihua"], expected_version=1),
        }
        with pytest.raises(StaleItemError):
            calls[action]()
        assert flow.get(item_id).version == 2


def test_two_reviewers_approving_at_once_one_wins_the_other_is_stale(
    backend: Backend, people: dict[str, Actor]
) -> None:
    item_id = submitted(backend, people)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def review(actor: Actor) -> None:
        with backend.flow() as flow:
            barrier.wait()
            try:
                results[actor.id] = flow.approve(item_id, actor, "同意", expected_version=2).version
            except StaleItemError as exc:
                results[actor.id] = exc

    threads = [threading.Thread(target=review, args=(a,)) for a in (people["lihua"], ZHOUMIN)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(type(r).__name__ for r in results.values()) == ["StaleItemError", "int"]
    (stale,) = [r for r in results.values() if isinstance(r, StaleItemError)]
    winner = next(a for a, r in results.items() if r == 3)
    name = {"lihua": "李华", "zhoumin": "周敏"}[winner]
    assert f"已被{name}（局办公室）于2019年9月20日 10:05 审核通过" in stale.message
    assert "当前为第3版" in stale.message
    with backend.flow() as flow:
        assert [e.actor_id for e in flow.audit(item_id)] == ["zhangmin", "zhangmin", winner]


def test_a_save_that_lost_the_race_names_the_winner(backend: Backend, people: dict[str, Actor]) -> None:
    """Both reviewers read version 2 and decide; the second save finds version 3 stored."""
    item_id = submitted(backend, people)
    with backend.repo() as repo:
        seen = repo.get(item_id)
    first = backend.workflow.fire(seen, Action.APPROVE, people["lihua"], expected_version=2)
    second = backend.workflow.fire(seen, Action.APPROVE, ZHOUMIN, expected_version=2)
    backend.save(first)
    with pytest.raises(StaleItemError) as info:
        backend.save(second)
    assert "已被李华（局办公室）于2019年9月20日 10:05 审核通过，您看到的是第2版，当前为第3版" in info.value.message
    with backend.repo() as repo:
        assert [e.actor_id for e in repo.audit(item_id)] == ["zhangmin", "zhangmin", "lihua"]


def test_save_refuses_an_outcome_built_from_another_version_than_the_form_showed(
    backend: Backend, people: dict[str, Actor]
) -> None:
    item_id = submitted(backend, people)
    with backend.repo() as repo:
        outcome = backend.workflow.fire(repo.get(item_id), Action.APPROVE, people["lihua"])
        with pytest.raises(StaleItemError) as info:
            repo.save(outcome, expected_version=1)
        assert "您看到的是第1版，当前为第2版" in info.value.message
        repo.save(outcome, expected_version=2)  # the version read: accepted
    with backend.repo() as repo:
        assert repo.get(item_id).version == 3


def test_the_engine_refuses_a_stale_form_before_any_other_check(people: dict[str, Actor]) -> None:
    from gongkai_flow import Workflow

    workflow = Workflow()
    item = workflow.draft(people["zhangmin"], **policy_fields()).item
    # 陈静 may not submit at all; the stale form is what she is told first.
    with pytest.raises(StaleItemError) as info:
        workflow.fire(item, Action.SUBMIT, people["chenjing"], expected_version=7)
    assert "已被他人处理，您看到的是第7版，当前为第1版" in info.value.message
    with pytest.raises(errors.AuthorizationError):
        workflow.fire(item, Action.SUBMIT, people["chenjing"], expected_version=1)
    with pytest.raises(StaleItemError):
        workflow.edit(item, people["zhangmin"], expected_version=2, body="……")
    assert workflow.edit(item, people["zhangmin"], expected_version=1, body="……").item.version == 2


def test_advance_checks_the_version_of_its_subject() -> None:
    from gongkai_flow import Workflow

    workflow = Workflow()
    item_chain = workflow.chains.for_kind(policy_fields()["kind"])
    with pytest.raises(StaleItemError) as info:
        workflow.advance(item_chain, item_chain.initial, "submit", version=4, expected_version=3, subject="申请“A1”")
    assert info.value.message == "申请“A1”已被他人处理，您看到的是第3版，当前为第4版，请刷新后重试。"
    assert (
        workflow.advance(item_chain, item_chain.initial, "submit", version=3, expected_version=3) != item_chain.initial
    )
