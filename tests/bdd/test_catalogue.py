"""The step catalogue is the one source of the wording: steps, `gongkai steps` and the guide agree with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from gongkai_flow.bdd import steps
from gongkai_flow.bdd.catalogue import CATALOGUE, KEYWORDS, StepEntry, closest_steps, format_catalogue
from gongkai_flow.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def _registered() -> list[str]:
    return [name for name in vars(steps) if name.startswith("pytestbdd_stepdef_")]


def _step_text(entry: StepEntry) -> str:
    for keyword in KEYWORDS:
        if entry.example.startswith(keyword):
            return entry.example[len(keyword) :]
    return entry.example


def _parser(entry: StepEntry) -> object:
    from pytest_bdd import parsers

    return parsers.parse(entry.pattern, extra_types=steps.TYPES)


def test_every_registered_step_is_in_the_catalogue() -> None:
    """Exactly one step definition is registered per catalogue entry."""
    assert len(_registered()) == len(CATALOGUE)
    assert len({e.pattern for e in CATALOGUE}) == len(CATALOGUE)


def test_define_refuses_a_pattern_outside_the_catalogue() -> None:
    """A step whose pattern is not in the catalogue cannot be defined."""
    with pytest.raises(RuntimeError, match=r"not in gongkai_flow\.bdd\.catalogue"):
        steps.define("一条目录里没有的步骤")


@pytest.mark.parametrize("entry", CATALOGUE, ids=[e.pattern for e in CATALOGUE])
def test_each_example_matches_its_own_step_only(entry: StepEntry) -> None:
    """Every example starts with a zh-CN keyword and matches its own pattern and no other (no ambiguity)."""
    assert entry.example.startswith(KEYWORDS)
    text = _step_text(entry)
    matching = [e.pattern for e in CATALOGUE if _parser(e).is_matching(text)]  # type: ignore[attr-defined]
    assert matching == [entry.pattern]


def test_cli_prints_every_step_with_its_example() -> None:
    """`gongkai steps` lists every step's wording and example, in Chinese."""
    result = CliRunner().invoke(cli, ["steps"])
    assert result.exit_code == 0, result.output
    for entry in CATALOGUE:
        assert entry.display in result.output
        assert f"例：{entry.example}" in result.output


def test_cli_group_and_match() -> None:
    """`--group` keeps one group; `--match` shows the closest wording for a misspelt step."""
    only = CliRunner().invoke(cli, ["steps", "--group", "舆情回应"]).output
    assert "【舆情回应】" in only
    assert "【人员】" not in only
    near = CliRunner().invoke(cli, ["steps", "--match", "今天的日期是2025年9月30日"]).output
    assert "今天是〈日期〉" in near


def test_closest_steps_finds_the_intended_step() -> None:
    """A near-miss wording ranks the intended step among the first three."""
    assert "{who:Name}退回，意见为“{opinion}”" in [e.pattern for e in closest_steps("王芳退回，理由为“请修改”")]
    assert "申请状态为“{state}”" in [e.pattern for e in closest_steps("申请的状态是“已答复”")]


def test_people_in_a_step_stand_for_any_name() -> None:
    """With the scenario's people known, a misspelt approval ranks 审核同意 first."""
    best = closest_steps("李华审合同意", names=["李华", "张敏"])[0]
    assert best.pattern == "{who:Name}审核同意"


def test_guide_lists_the_whole_catalogue() -> None:
    """docs/bdd-guide.md shows every step's wording, so the guide cannot drift from the library."""
    guide = (ROOT / "docs" / "bdd-guide.md").read_text(encoding="utf-8")
    missing = [e.display for e in CATALOGUE if e.display not in guide]
    assert missing == []
    assert format_catalogue().strip() in guide


def test_features_cover_every_area_with_outlines() -> None:
    """features/ has one file per area, at least 30 scenarios, and uses 场景大纲 with 例子."""
    files = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "features").glob("*.feature")}
    assert set(files) >= {"审核流程", "负面清单", "政策解读", "依申请公开", "舆情回应", "废止标注"}
    scenarios = sum(len(re.findall(r"^\s*(场景|场景大纲):", t, re.M)) for t in files.values())
    assert scenarios >= 30
    for name, text in files.items():
        assert text.startswith("# language: zh-CN"), name
        assert "场景大纲:" in text, name
        assert "例子:" in text, name
