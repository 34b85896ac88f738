"""The corpus of bureau texts: what must be flagged is, and near-misses are not."""

from __future__ import annotations

from typing import Any

import pytest

from gongkai_flow import DisclosureAttribute, NegativeListCategory
from gongkai_flow.plugins.negative_list import ScanContext, Scanner, Settings

from .conftest import CORPUS, corpus_cases

CASES = corpus_cases()


def _case_id(case: dict[str, Any]) -> str:
    extra = "+".join(k for k in ("attribute", "column", "config") if k in case)
    name = str(case["file"]).rsplit("/", 1)[-1].removesuffix(".txt")
    return name + (f"[{extra}]" if extra else "")


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_corpus_case(case: dict[str, Any], scanner: Scanner) -> None:
    """Each corpus text yields its expected rules, none of its forbidden ones, nothing if clean."""
    if "config" in case:
        scanner = Scanner(Settings.from_config(case["config"]))
    attribute = DisclosureAttribute.from_label(case.get("attribute", "主动公开"))
    text = (CORPUS / case["file"]).read_text(encoding="utf-8")
    findings = scanner.scan(text, ScanContext(attribute=attribute, column=case.get("column", "")))
    found = {f.rule_id for f in findings}
    if case.get("clean"):
        assert findings == [], [(f.rule_id, f.excerpt) for f in findings]
    assert set(case.get("expect", ())) <= found
    assert not set(case.get("forbid", ())) & found
    for rule_id, severity in case.get("severity", {}).items():
        assert {f.severity.value for f in findings if f.rule_id == rule_id} == {severity}
    for finding in findings:
        assert finding.span is not None
        start, end = finding.span
        assert 0 <= start < end <= len(text)


def test_every_detectable_category_has_flagged_texts_and_near_misses() -> None:
    """For each category with rules, the corpus holds at least one flagged text and one near-miss."""
    detectable = set(NegativeListCategory) - {
        NegativeListCategory.REQUIRES_PROCESSING,
        NegativeListCategory.OTHER_PROHIBITED,
    }
    for cat in detectable:
        cases = [c for c in CASES if c["category"] == cat.value]
        assert any(c.get("expect") for c in cases), cat
        assert any(c.get("clean") for c in cases), cat


def test_every_corpus_file_is_in_the_manifest() -> None:
    """No corpus text lies unused: each file is named by a case."""
    named = {c["file"] for c in CASES}
    files = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.txt")}
    assert files == named


def test_no_excerpt_shows_a_personal_number(scanner: Scanner) -> None:
    """Excerpts of every finding in the corpus carry no run of seven or more digits (IDs keep six)."""
    import re

    for path in (CORPUS / "flagged").glob("*.txt"):
        for finding in scanner.scan(path.read_text(encoding="utf-8")):
            assert finding.excerpt is not None
            assert not re.search(r"[0-9]{7,}", finding.excerpt), finding
