"""The ``negative_list`` plugin: the scanner wired to the check phase of the review chain.

When it checks, and what a blocking finding does there:

=======================================  ==============================================
transition                               findings
=======================================  ==============================================
提交审核 (submit)                          computed and shown to the drafter; a BLOCK finding
                                         is lowered to ``submit_severity`` (default REVIEW)
同意 at 保密及公开属性审核 (``blocking_states``)  BLOCK findings refuse the approval
发布 (publish)                             BLOCK findings refuse the publication
any other                                not checked
=======================================  ==============================================

Content that is not going to a public platform as 主动公开 (依申请公开, 不予公开, or a
platform that is not public) is still checked, but nothing blocks: the rules exist to keep
non-disclosable content off the website. An attribute reviewer may override a blocking
finding with a recorded reason: ``flow.fire(item_id, Action.APPROVE, reviewer, overrides={rule_id:
reason})`` — the engine audits it and honours it at publication for the same content.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, final

import attrs

from ...chain import Action
from ...events import TransitionRequested
from ...model import Finding, Severity
from ...signals import transition_requested
from .scanner import ScanContext, Scanner
from .settings import Settings

if TYPE_CHECKING:
    from .. import PluginRegistry

#: Appended to a blocking finding lowered on submit.
SUBMIT_NOTE: Final = (
    "（提交时仅作提示；保密及公开属性审核和发布时将阻断，须修改或由保密及公开属性审核人填写理由后解除）"
)
#: Appended to a blocking finding on content that is not published as 主动公开.
NOT_PUBLIC_NOTE: Final = "（本信息不在公开平台主动公开，仅作提示）"


def _lower(findings: list[Finding], severity: Severity, note: str) -> list[Finding]:
    return [
        attrs.evolve(f, severity=severity, message=f.message + note) if f.severity is Severity.BLOCK else f
        for f in findings
    ]


def check_transition(scanner: Scanner, event: TransitionRequested) -> list[Finding]:
    """The findings for one requested transition, with the severities of its phase (see module doc)."""
    item, action = event.item, event.action
    settings = scanner.settings
    if action is Action.SUBMIT:
        blocking_phase = False
    elif action is Action.PUBLISH or (action is Action.APPROVE and item.state in settings.blocking_states):
        blocking_phase = True
    else:
        return []
    findings = scanner.scan_item(item)
    if not blocking_phase:
        return _lower(findings, settings.submit_severity, SUBMIT_NOTE)
    if not ScanContext.for_item(item).goes_public:
        return _lower(findings, Severity.REVIEW, NOT_PUBLIC_NOTE)
    return findings


@final
class NegativeListPlugin:
    """附件1 负面清单: checks every item on submit, at attribute review and at publication."""

    name = "negative_list"

    def setup(self, registry: PluginRegistry, config: Mapping[str, Any]) -> None:
        """Validate ``config`` (see :mod:`.settings`), compile the scanner, connect the check."""
        scanner = Scanner(Settings.from_config(config))

        def check(sender: object, *, event: TransitionRequested) -> list[Finding]:
            return check_transition(scanner, event)

        registry.connect(transition_requested, check)
        registry.declare_content_guard(self.name)


#: The object the entry point ``negative_list`` names.
plugin = NegativeListPlugin()
