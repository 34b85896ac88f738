"""Every example script runs, as a user would run it."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


def test_examples_exist() -> None:
    """The examples folder is not silently empty (the parametrised test would then run nothing)."""
    assert any(p.name == "full_publication.py" for p in EXAMPLES)


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script: Path) -> None:
    """The script exits 0 and prints no traceback."""
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_full_publication_publishes_both_items() -> None:
    """The full publication ends with the policy and its interpretation published."""
    sys.path.insert(0, str(EXAMPLES[0].parent))
    try:
        import full_publication
    finally:
        sys.path.pop(0)
    states = full_publication.main()
    assert sorted(states.values()) == ["published", "published"]


def _load(name: str) -> Any:
    """Import an example module by name from examples/."""
    sys.path.insert(0, str(EXAMPLES[0].parent))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)


def test_dispatch_worker_drains_the_outbox(capsys: pytest.CaptureFixture[str]) -> None:
    """The worker's default run (--once on a demo database) delivers every queued event and leaves none pending."""
    assert _load("dispatch_worker").main([]) == 0
    out = capsys.readouterr().out
    assert "outbox after: OutboxStatus(pending=0" in out
    assert "0 dead letter(s)" in out


def test_annual_report_counts_the_seeded_year() -> None:
    """The annual report of the seeded year counts its three applications and two policy documents."""
    text = _load("annual_report").main(2025)
    assert "2025年政府信息公开工作年度报告" in text
    assert "| 一、本年新收政府信息公开申请数量 | 2 | 1 | 0 | 0 | 0 | 0 | 3 |" in text
    assert "| 行政规范性文件 | 2 | 0 | 2 |" in text
