"""The scenarios shown in docs/bdd-guide.md run and pass: the guide cannot drift from the library."""

from __future__ import annotations

import re
from pathlib import Path

from .test_cli_bdd import gongkai

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "bdd-guide.md"


def guide_scenarios() -> list[str]:
    """Each ```gherkin block of the guide as a whole file (a lone 场景大纲 gets the first block's 背景)."""
    blocks = re.findall(r"```gherkin\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    header = blocks[0].split("\n  场景")[0] + "\n"
    return [block if "功能" in block else header + "\n" + block for block in blocks]


def test_guide_has_examples() -> None:
    """The guide shows the review chain, an outline, the negative list and reminders."""
    text = "\n".join(guide_scenarios())
    for words in ("场景大纲", "进行负面清单检查", "审核表上记录了", "检查时限", "发送逾期提醒"):
        assert words in text


def test_guide_examples_pass(tmp_path: Path) -> None:
    """``gongkai bdd`` over the guide's examples: every scenario passes."""
    for n, text in enumerate(guide_scenarios(), start=1):
        (tmp_path / f"指南{n}.feature").write_text(text, encoding="utf-8")
    result = gongkai("bdd", str(tmp_path), "--report", str(tmp_path / "r.html"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "失败 0 个" in result.stdout
