"""Example third-party plugin: 政策文件 need a 文号 before publication; titles have a length limit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, final

from gongkai_flow import Action, Finding, ItemKind, PluginRegistry, Severity
from gongkai_flow.events import TransitionRequested
from gongkai_flow.signals import transition_requested


@final
class TitleRules:
    """Checks the title and 文号 of items on submit and publish."""

    name = "title_rules"

    def setup(self, registry: PluginRegistry, config: Mapping[str, Any]) -> None:
        """Connect the check; ``max_title_length`` is configurable."""
        limit = int(config.get("max_title_length", 80))

        def check(sender: object, *, event: TransitionRequested) -> list[Finding]:
            findings = []
            item = event.item
            if event.action in (Action.SUBMIT, Action.PUBLISH) and len(item.title) > limit:
                findings.append(
                    Finding(
                        rule_id="title_rules.length",
                        severity=Severity.BLOCK,
                        message=f"信息名称超过{limit}个字，请精简。",
                    )
                )
            if (
                event.action is Action.PUBLISH
                and item.kind is ItemKind.POLICY_DOCUMENT
                and not (item.document_number or "").strip()
            ):
                findings.append(
                    Finding(
                        rule_id="title_rules.document_number",
                        severity=Severity.BLOCK,
                        message="政策文件发布前须填写文号。",
                    )
                )
            return findings

        registry.connect(transition_requested, check)


plugin = TitleRules()
