"""Overrides name rules: an id no enabled check plugin declared is refused, not ignored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from gongkai_flow import Action, Actor, Finding, ItemKind, PluginRegistry, Role, Severity, Workflow
from gongkai_flow.errors import UnknownOverrideRuleError, http_status
from gongkai_flow.events import TransitionRequested
from gongkai_flow.signals import transition_requested

DRAFTER = Actor("u1", "张敏", "就业失业科", {Role.DRAFTER})
OFFICE = Actor("u2", "李华", "局办公室", {Role.ATTRIBUTE_REVIEWER})
RULE = "demo.draft_words"


class DraftWords:
    """Blocks a body containing 讨论稿; declares its rule unless told not to."""

    name = "draft_words"

    def __init__(self, declare: bool = True) -> None:
        self.declare = declare

    def setup(self, registry: PluginRegistry, config: Mapping[str, Any]) -> None:
        def check(sender: object, *, event: TransitionRequested) -> list[Finding]:
            if event.action is Action.APPROVE and "讨论稿" in event.item.body:
                return [Finding(RULE, Severity.BLOCK, "正文含“讨论稿”")]
            return []

        registry.connect(transition_requested, check)
        if self.declare:
            registry.declare_rules(self.name, [RULE])


def submitted(workflow: Workflow, body: str) -> Any:
    item = workflow.draft(DRAFTER, title="通知", kind=ItemKind.POLICY_DOCUMENT, body=body, attribute="主动公开").item
    return workflow.fire(item, Action.SUBMIT, DRAFTER).item


def test_misspelled_rule_id_is_refused() -> None:
    """``overrides={"demo.draft_word": …}`` (one letter off) is refused naming the id, with 422."""
    workflow = Workflow()
    PluginRegistry(workflow).register(DraftWords())
    item = submitted(workflow, "讨论稿：……")
    with pytest.raises(UnknownOverrideRuleError) as exc:
        workflow.fire(item, Action.APPROVE, OFFICE, opinion="同意", overrides={"demo.draft_word": "领导同意"})
    assert "demo.draft_word" in exc.value.message
    assert exc.value.details["rule_id"] == "demo.draft_word"
    assert http_status(exc.value) == 422


def test_declared_rule_id_is_honoured() -> None:
    """The right id passes the block and is recorded on the item."""
    workflow = Workflow()
    PluginRegistry(workflow).register(DraftWords())
    item = submitted(workflow, "讨论稿：……")
    outcome = workflow.fire(item, Action.APPROVE, OFFICE, opinion="同意", overrides={RULE: "领导同意"})
    assert [o.rule_id for o in outcome.item.overrides] == [RULE]


def test_declared_rule_that_found_nothing_is_accepted() -> None:
    """A known rule that did not fire (clean content) is no error: nothing to record."""
    workflow = Workflow()
    PluginRegistry(workflow).register(DraftWords())
    item = submitted(workflow, "正文")
    outcome = workflow.fire(item, Action.APPROVE, OFFICE, opinion="同意", overrides={RULE: "预防"})
    assert outcome.item.overrides == ()


def test_without_declared_rules_an_unmatched_override_is_ignored() -> None:
    """A plugin that declares nothing leaves the engine unable to tell; the override does nothing."""
    workflow = Workflow()
    PluginRegistry(workflow).register(DraftWords(declare=False))
    item = submitted(workflow, "正文")
    outcome = workflow.fire(item, Action.APPROVE, OFFICE, opinion="同意", overrides={"demo.draft_word": "x"})
    assert outcome.item.overrides == ()


def test_closing_the_registry_withdraws_the_rules() -> None:
    """A closed registry's rules no longer count."""
    workflow = Workflow()
    registry = PluginRegistry(workflow)
    registry.register(DraftWords())
    assert workflow.known_rules == {"draft_words": frozenset({RULE})}
    registry.close()
    assert workflow.known_rules == {}
