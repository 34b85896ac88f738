"""docs/negative-list.md stays in step with the shipped data and the JSON output."""

from __future__ import annotations

import re
from pathlib import Path

from gongkai_flow.model import Finding, Severity
from gongkai_flow.plugins.negative_list import LocatedFinding, Location, builtin_rules, load_categories

DOC = Path(__file__).resolve().parents[2] / "docs" / "negative-list.md"


def test_every_rule_and_category_is_documented() -> None:
    """Each shipped rule id and each category id appears in the documentation."""
    text = DOC.read_text(encoding="utf-8")
    for rule in builtin_rules():
        assert f"`{rule.id}`" in text, rule.id
    for cat in load_categories():
        assert f"`{cat.id.value}`" in text, cat.id


def test_documented_finding_fields_are_the_json_fields() -> None:
    """The schema table lists exactly the keys ``gongkai check --format json`` writes per finding."""
    text = DOC.read_text(encoding="utf-8")
    documented: set[str] = set()
    for line in text.splitlines():
        if line.startswith("| `…"):
            documented.update(re.findall(r"`…?(\w+)`", line.split("|")[1]))
    produced = set(LocatedFinding(Finding("r", Severity.INFO, "m", span=(0, 1)), Location("text"), 1, 1).to_json())
    assert documented == produced
