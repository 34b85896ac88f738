"""Feature files run with pytest alone: the bureau's own directory, and the Chinese messages for mistakes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUREAU = ROOT / "examples" / "bureau_features"

PEOPLE = """
  背景:
    假如本局人员如下：
      | 姓名 | 科室       | 角色                 |
      | 张敏 | 就业失业科 | 承办人               |
      | 李华 | 局办公室   | 保密及公开属性审核人 |
"""


def run_pytest(folder: Path) -> subprocess.CompletedProcess[str]:
    """Run pytest in ``folder`` the way a bureau would: its own ini file, no Python of its own."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_bureau_directory_holds_only_features_and_one_line() -> None:
    """examples/bureau_features contains only .feature files and a pytest.ini with one setting."""
    names = {p.name for p in BUREAU.iterdir() if not p.name.startswith(".")}  # .pytest_cache after a run
    assert names - {"pytest.ini"}
    assert all(n == "pytest.ini" or n.endswith(".feature") for n in names)
    lines = [ln for ln in (BUREAU / "pytest.ini").read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert lines == ["[pytest]", "gongkai_bdd = true"]


def test_bureau_directory_passes() -> None:
    """The bureau's feature files pass when pytest runs in their directory."""
    result = run_pytest(BUREAU)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_plugin_is_inert_without_the_configuration_line(tmp_path: Path) -> None:
    """Without ``gongkai_bdd = true`` a folder's .feature files are not collected."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "a.feature").write_text(
        "# language: zh-CN\n功能: 甲\n  场景: 乙\n    当李华审合同意\n", encoding="utf-8"
    )
    result = run_pytest(tmp_path)
    assert result.returncode == 5, result.stdout  # no tests collected
    assert "no tests ran" in result.stdout


@pytest.fixture(scope="module")
def mistakes(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The output of a run over scenarios with the mistakes staff make, one per scenario."""
    folder = tmp_path_factory.mktemp("mistakes")
    (folder / "pytest.ini").write_text("[pytest]\ngongkai_bdd = true\n", encoding="utf-8")
    (folder / "错误.feature").write_text(
        "# language: zh-CN\n功能: 常见错误\n"
        + PEOPLE
        + """
  场景: 写错的步骤
    当李华审合同意

  场景: 没有登记的人
    当王五起草一条信息：
      | 信息名称 | 公开属性 |
      | 通知     | 主动公开 |

  场景: 写错的角色
    假如本局人员如下：
      | 姓名 | 科室     | 角色       |
      | 马六 | 局办公室 | 保密审核人 |

  场景: 写错的状态
    当张敏起草一条信息：
      | 信息名称 | 公开属性 | 发布平台 |
      | 通知     | 主动公开 | 网站     |
    那么信息状态为“法规审核”

  场景: 被拒绝却没有写明
    当张敏起草一条信息：
      | 信息名称 | 发布平台 |
      | 通知     | 网站     |

  场景: 不存在的日期
    假如今天是2025年2月30日

  场景: 写错的字段
    当张敏起草一条信息：
      | 信息名称 | 密级 |
      | 通知     | 秘密 |
""",
        encoding="utf-8",
    )
    result = run_pytest(folder)
    assert result.returncode == 1
    assert "7 failed" in result.stdout
    return result.stdout


def test_unknown_step_lists_the_closest_steps(mistakes: str) -> None:
    """A step that matches nothing is reported in Chinese with the closest wordings and their examples."""
    assert "找不到与这一步对应的写法（" in mistakes
    assert "错误.feature 第11行）" in mistakes
    assert "“李华审合同意”\n最接近的写法有：\n  〈姓名〉审核同意" in mistakes
    assert "例：当赵强审核同意" in mistakes
    assert "gongkai steps" in mistakes


@pytest.mark.parametrize(
    "message",
    [
        "没有名为“王五”的人员。",
        "没有名为“保密审核人”的角色。是不是“保密及公开属性审核人”",
        "没有名为“法规审核”的状态。是不是“法律法规审核”",
        "上一步操作被系统拒绝：",
        "没有名为“密级”的字段。",
        "“2025年2月30日”不是有效的日期。",
    ],
)
def test_unknown_names_get_a_clear_message(mistakes: str, message: str) -> None:
    """An unknown person, role, state or field, or an unchecked refusal, gets a Chinese message."""
    assert message in mistakes


def test_mistakes_show_no_traceback(mistakes: str) -> None:
    """Staff see messages, not Python: no traceback lines and no source excerpts."""
    assert "Traceback" not in mistakes
    assert 'File "' not in mistakes
    assert "def " not in mistakes
