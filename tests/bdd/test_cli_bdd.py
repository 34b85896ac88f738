"""``gongkai bdd``: a bare folder of scenarios runs, with a Chinese summary, an HTML report and exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from effects.browser import dump_dom  # tests/ is on sys.path (rootdir-relative packages)

PEOPLE = """
  背景：
    假如本局人员如下：
      | 姓名 | 科室       | 角色                 |
      | 张敏 | 就业失业科 | 承办人               |
      | 李华 | 局办公室   | 保密及公开属性审核人 |
"""

#: Typed as an input method types it: full-width colons, no ``# language`` line, ｜ for table bars.
GOOD = (
    "功能：日期\n"
    "  场景：国庆假期\n"
    "    假如：今天是2025年9月30日\n"
    "    那么：2025年10月8日不是工作日\n"
    "  场景： 调休\n"
    "    那么2025年10月11日是工作日\n"
    "  场景：表格用全角竖线\n"
    "    假如本局人员如下：\n"
    "      ｜ 姓名 ｜ 科室       ｜ 角色   ｜\n"
    "      ｜ 张敏 ｜ 就业失业科 ｜ 承办人 ｜\n"
)

BAD = (
    "功能：审核\n"
    + PEOPLE
    + """
  场景：没有检查却说没有问题 <b>粗体</b>
    当张敏起草一条信息：
      | 信息名称 | 公开属性 | 发布平台 | 正文 |
      | 表彰名单 | 主动公开 | 网站     | 身份证号码371102198506120018 |
    那么负面清单没有发现问题

  场景：写错的步骤
    当李华审核通顺

  场景：通过的场景
    假如今天是2025年9月30日
"""
)


def gongkai(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the ``gongkai`` command in a fresh process, as staff would."""
    return subprocess.run(
        [sys.executable, "-c", "from gongkai_flow.cli import main; main()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``gongkai bdd`` on a folder without pytest.ini holding good, failing and unreadable files."""
    folder = tmp_path_factory.mktemp("scenarios")
    (folder / "日期.feature").write_text(GOOD, encoding="utf-8")
    (folder / "审核.feature").write_text(BAD, encoding="utf-8")
    (folder / "坏的.feature").write_text(
        "功能: 坏的\n  场景: 甲\n    假如今天是2025年9月30日\n  随便写的一行\n", encoding="utf-8"
    )
    report = folder / "报告" / "结果.html"
    return gongkai("bdd", str(folder), "--report", str(report), cwd=folder), report


def test_summary_names_each_scenario_the_failing_step_and_why(
    bad_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    """Each scenario is 通过 or 失败; a failure names its step, its line and the reason in Chinese."""
    result, _ = bad_run
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "通过  日期.feature · 国庆假期" in out
    assert "通过  日期.feature · 调休" in out
    assert "通过  日期.feature · 表格用全角竖线" in out
    assert "失败  审核.feature · 没有检查却说没有问题 <b>粗体</b>" in out
    assert "失败的步骤：第13行 “那么负面清单没有发现问题”" in out
    assert "还没有进行过负面清单检查" in out
    assert "失败的步骤：第16行 “当李华审核通顺”" in out
    assert "〈姓名〉审核同意" in out
    assert "无法读取  坏的.feature：坏的.feature 第4行：无法识别“随便写的一行”" in out
    assert "共 6 个场景：通过 4 个，失败 2 个；1 个文件无法读取。" in out


def test_summary_has_no_python_or_english(bad_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    """No traceback, no repr, none of pytest's English."""
    result, report = bad_run
    text = (result.stdout + result.stderr).replace(str(report.parent.parent), "")
    for word in ("Traceback", "Error", "assert", "passed", "failed", "pytest", "['", 'File "'):
        assert word not in text


def test_report_opens_in_chromium_escaped(bad_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    """The HTML report loads in headless Chromium, shows the same results, and escapes what staff wrote."""
    _, report = bad_run
    assert report.is_file()
    dom = dump_dom(report.as_uri())
    assert "场景运行报告" in dom
    assert "共 6 个场景：通过 4 个，失败 2 个；1 个文件无法读取。" in dom
    assert "没有检查却说没有问题 &lt;b&gt;粗体&lt;/b&gt;" in dom
    assert "<b>粗体</b>" not in dom
    assert dom.count('class="failed"') == 2
    assert dom.count('class="passed"') == 4
    assert "第13行：那么负面清单没有发现问题" in dom


def test_all_passed_exits_zero(tmp_path: Path) -> None:
    """A folder whose scenarios all pass: exit 0, report at the default place."""
    (tmp_path / "日期.feature").write_text(GOOD, encoding="utf-8")
    result = gongkai("bdd", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "共 3 个场景：通过 3 个，失败 0 个。" in result.stdout
    assert (tmp_path / "bdd-report.html").is_file()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "没有这个文件夹", "找不到文件夹"),
        (lambda p: p, "中没有场景文件（.feature）"),
    ],
    ids=["missing", "empty"],
)
def test_bad_input_exits_two_with_a_chinese_line(tmp_path: Path, make: object, message: str) -> None:
    """A missing folder or one without .feature files: exit 2 and one Chinese line, never pytest's exit 5."""
    target = make(tmp_path)  # type: ignore[operator]
    result = gongkai("bdd", str(target), cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "bdd-report.html").exists()


def test_forgiving_files_run_under_the_pytest_plugin_too(tmp_path: Path) -> None:
    """The ini-file route (gongkai_bdd = true) accepts the same Chinese typing."""
    (tmp_path / "pytest.ini").write_text("[pytest]\ngongkai_bdd = true\n", encoding="utf-8")
    (tmp_path / "日期.feature").write_text(GOOD, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    assert "3 passed" in result.stdout
