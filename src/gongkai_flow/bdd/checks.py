"""Which negative-list checks ran in a scenario, on which content, and what they found.

A scenario may only say what the check found (``那么负面清单提示“…”``) after a check ran on the
item's current content: otherwise a step about an item that was never checked — or was edited
since — would pass without anything having looked. The scenario's flow therefore runs the
negative list through :class:`RecordedNegativeList`, the plugin's own check
(:func:`~gongkai_flow.plugins.negative_list.check_transition`, which says when it did not look),
and :class:`~gongkai_flow.bdd.world.World` keeps the last check per item with the content hash
it saw.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs

from ..events import TransitionRequested
from ..model import BlobReader, DisclosureItem, Finding, NegativeListCategory, compute_content_hash
from ..plugins.negative_list import (
    OutputGuard,
    Scanner,
    Settings,
    check_transition,
    load_categories,
    scan_public_content,
)
from ..signals import transition_requested

if TYPE_CHECKING:
    from ..plugins import PluginRegistry

#: Short names staff use for the categories of 附件1 (the plan's wording, the 条例's wording),
#: each standing for one category. A finding's category matches any of its names.
CATEGORY_ALIASES: Final[dict[str, NegativeListCategory]] = {
    "国家安全": NegativeListCategory.STATE_SECURITY,
    "公共安全": NegativeListCategory.STATE_SECURITY,
    "经济安全": NegativeListCategory.STATE_SECURITY,
    "社会稳定": NegativeListCategory.STATE_SECURITY,
    "国家秘密": NegativeListCategory.STATE_SECURITY,
    "商业秘密": NegativeListCategory.THIRD_PARTY,
    "个人隐私": NegativeListCategory.THIRD_PARTY,
    "第三方合法权益": NegativeListCategory.THIRD_PARTY,
    "内部管理信息": NegativeListCategory.INTERNAL_MANAGEMENT,
    "内部事务信息": NegativeListCategory.INTERNAL_UNIT,
    "需加工的信息": NegativeListCategory.REQUIRES_PROCESSING,
    "信访": NegativeListCategory.PETITION,
    "举报": NegativeListCategory.PETITION,
    "咨询": NegativeListCategory.PETITION,
    "案卷材料": NegativeListCategory.CASE_FILE,
    "行政执法案卷": NegativeListCategory.CASE_FILE,
}


def category_names(category: NegativeListCategory) -> list[str]:
    """Every name of ``category``: its label, its name in 附件1 and its short names."""
    names = [category.label]
    names.extend(c.name for c in load_categories() if c.id is category)
    names.extend(alias for alias, target in CATEGORY_ALIASES.items() if target is category)
    return names


@attrs.frozen
class CheckRecord:
    """One negative-list check of an item: the content it saw, what it found, and on which occasion."""

    content_hash: str
    findings: tuple[Finding, ...]
    occasion: str


Recorder = Callable[[DisclosureItem, CheckRecord], None]


class RecordedNegativeList:
    """The ``negative_list`` plugin as the scenario runs it: the same check, with every check recorded."""

    name = "negative_list"

    def __init__(self, record: Recorder) -> None:
        self._record = record
        self._scanner: Scanner | None = None

    def setup(self, registry: PluginRegistry, config: Mapping[str, Any]) -> None:
        """Compile the scanner and connect the plugin's check, recording each scan."""
        scanner = self._scanner = Scanner(Settings.from_config(config))

        def check(sender: object, *, event: TransitionRequested) -> list[Finding] | None:
            found = check_transition(scanner, event)
            if found is not None:  # this transition was checked: record what the check said
                self._record(
                    event.item, CheckRecord(compute_content_hash(event.item), tuple(found), event.action.label)
                )
            return found

        registry.connect(transition_requested, check)
        registry.declare_content_guard(self.name, OutputGuard(scanner))
        registry.declare_rules(self.name, scanner.rules)

    def check_now(self, item: DisclosureItem, blobs: BlobReader | None) -> CheckRecord:
        """Check ``item`` as it stands (before any submission) — every public field and attachment — and record it."""
        if self._scanner is None:
            raise RuntimeError("the negative list is not set up")
        found = scan_public_content(self._scanner, item, blobs)
        record = CheckRecord(compute_content_hash(item), tuple(found), "负面清单检查")
        self._record(item, record)
        return record


def describe(finding: Finding) -> str:
    """One finding as staff read it: its severity, the system's message, its category."""
    category = f"（类别：{finding.category.label}）" if finding.category is not None else ""
    return f"〔{finding.severity.label}〕{finding.message}{category}"


def matches(finding: Finding, text: str) -> bool:
    """Whether ``text`` is in what the system said about ``finding`` (never in the document's text).

    Looked at: the message, the severity, the rule id, and the category's names (label, the name
    in 附件1, the short names of :data:`CATEGORY_ALIASES`); not the excerpt of the document.
    """
    said = [finding.message, finding.severity.label, finding.rule_id]
    if finding.category is not None:
        said.extend(category_names(finding.category))
    return any(text in part for part in said)


def numbered(lines: list[str], empty: str = "（无）") -> str:
    """``lines`` as a numbered list, one per line and indented (``empty`` when there are none)."""
    if not lines:
        return f"  {empty}"
    return "\n".join(f"  {n}. {line}" for n, line in enumerate(lines, start=1))


__all__ = [
    "CATEGORY_ALIASES",
    "CheckRecord",
    "RecordedNegativeList",
    "category_names",
    "describe",
    "matches",
    "numbered",
]
