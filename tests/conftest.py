"""Shared fixtures: the bureau's people, a fixed clock, a workflow, a flow and chain-driving helpers."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from gongkai_flow import (
    Action,
    Actor,
    DisclosureAttribute,
    DisclosureItem,
    Flow,
    GongkaiFlowError,
    ItemKind,
    MemoryRepository,
    Platform,
    Role,
    Workflow,
)
from gongkai_flow.demo import BUREAU

#: The moment every fixed-clock test runs at.
FIXED_NOW = datetime(2019, 6, 3, 9, 30, tzinfo=UTC)

_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def valid_proactive_fields() -> dict[str, Any]:
    """The form fields of a valid 主动公开 policy document (without the drafter)."""
    return {
        "title": "关于做好2019年高校毕业生就业创业工作的通知",
        "kind": ItemKind.POLICY_DOCUMENT,
        "body": "各区县人力资源和社会保障局：为做好2019年高校毕业生就业创业工作，现就有关事项通知如下……",
        "attribute": DisclosureAttribute.PROACTIVE,
        "platforms": frozenset({Platform.WEBSITE, Platform.NEW_MEDIA}),
        "column": "政策文件",
        "document_number": "日人社发〔2019〕12号",
    }


def has_chinese(text: str) -> bool:
    """Whether ``text`` contains at least one CJK character."""
    return bool(_CHINESE.search(text))


@pytest.fixture
def bureau() -> dict[str, Actor]:
    """The demo bureau's people by id (张敏 drafts, 李华 reviews the attribute, …)."""
    return dict(BUREAU)


@pytest.fixture
def clock() -> Callable[[], datetime]:
    """A clock that always reads :data:`FIXED_NOW`."""
    return lambda: FIXED_NOW


@pytest.fixture
def workflow(clock: Callable[[], datetime]) -> Workflow:
    """A workflow on the standard chains with a fixed clock and predictable ids."""
    counter = itertools.count(1)
    return Workflow(clock=clock, new_id=lambda: f"id{next(counter):05d}")


@pytest.fixture
def flow(workflow: Workflow) -> Iterator[Flow]:
    """A flow over an in-memory repository; its plugins are disconnected afterwards."""
    f = Flow(repository=MemoryRepository(), workflow=workflow)
    yield f
    f.close()


@pytest.fixture
def draft_item(flow: Flow, bureau: dict[str, Actor]) -> Callable[..., DisclosureItem]:
    """Draft a valid 主动公开 item as 张敏 (or ``actor``), with ``overrides`` to the form fields."""

    def draft(actor: Actor | None = None, **overrides: Any) -> DisclosureItem:
        fields = valid_proactive_fields()
        fields.update(overrides)
        return flow.draft(actor or bureau["zhangmin"], **fields)

    return draft


def next_step(item: DisclosureItem, bureau: dict[str, Actor]) -> tuple[Action, Actor, str | None]:
    """The happy-path move for ``item`` in its state: which action, by whom, with what opinion."""
    people = bureau
    if item.state == "drafted":
        return Action.SUBMIT, people[item.drafter_id], None
    if item.state == "attribute_review":
        return Action.APPROVE, people["lihua"], "不涉密，同意主动公开"
    if item.state == "legal_review":
        if item.chain_id == "news":
            return Action.PUBLISH, people["wangfang"], None
        return Action.APPROVE, people["wangfang"], "同意"
    if item.state == "section_review":
        signed = {s.section for s in item.signature_for("section_review") if s.content_hash == item.content_hash}
        for actor in people.values():
            if Role.SECTION_HEAD in actor.roles and actor.section in item.sections and actor.section not in signed:
                return Action.APPROVE, actor, "同意"
        raise AssertionError(f"no section head left for {item.sections}")
    if item.state == "leader_review":
        return Action.APPROVE, people["liuyang"], "同意发布"
    if item.state == "approved":
        if item.attribute is DisclosureAttribute.PROACTIVE:
            return Action.PUBLISH, people["chenjing"], None
        return Action.FILE, people["chenjing"], None
    raise AssertionError(f"no happy-path step from {item.state}")


@pytest.fixture
def drive(flow: Flow, bureau: dict[str, Actor]) -> Callable[[str, str], DisclosureItem]:
    """Move an item along the happy path until it reaches ``state``; return the stored item."""

    def go(item_id: str, state: str) -> DisclosureItem:
        item = flow.get(item_id)
        for _ in range(20):
            if item.state == state:
                return item
            if state == "secrecy_referral" and item.state == "attribute_review":
                item = flow.fire(item_id, Action.REFER, bureau["lihua"], opinion="是否涉密不能确定，报保密部门确定")
                continue
            action, actor, opinion = next_step(item, bureau)
            item = flow.fire(item_id, action, actor, opinion=opinion)
        raise AssertionError(f"could not drive {item_id} to {state} (stuck at {item.state})")

    return go


@pytest.fixture
def assert_refused(flow: Flow) -> Callable[..., GongkaiFlowError]:
    """Run ``call``; check it raises ``error`` with ``code`` and a Chinese message, changing nothing.

    The stored item (if ``item_id`` is given) must be exactly as before, with no new audit entry;
    without ``item_id`` no item may have been stored at all.
    """

    def check(
        error: type[GongkaiFlowError],
        code: str,
        call: Callable[[], object],
        item_id: str | None = None,
    ) -> GongkaiFlowError:
        before = flow.get(item_id) if item_id is not None else None
        audit_before = flow.audit(item_id) if item_id is not None else []
        count_before = len(flow.items())
        with pytest.raises(error) as info:
            call()
        exc = info.value
        assert type(exc) is error
        assert exc.code == code
        assert exc.message.strip()
        assert str(exc) == exc.message
        assert has_chinese(exc.message)
        assert len(flow.items()) == count_before
        if item_id is not None:
            after = flow.get(item_id)
            assert before is not None
            assert after == before
            assert (after.version, after.state, after.signatures) == (before.version, before.state, before.signatures)
            assert flow.audit(item_id) == audit_before
        return exc

    return check
