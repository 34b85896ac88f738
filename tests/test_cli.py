"""The ``gongkai`` command line: output, exit codes, and errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gongkai_flow.cli import EXIT_REFUSED, EXIT_USAGE, main


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    """Run the real ``gongkai`` entry point in a subprocess."""
    proc = subprocess.run(
        [sys.executable, "-c", "from gongkai_flow.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_demo_prints_the_signed_trail(tmp_path: Path) -> None:
    """``gongkai demo`` publishes both items and prints all six signatures of the form."""
    code, out, err = run("demo", cwd=tmp_path)
    assert code == 0, err
    assert out.count("已发布") >= 2
    for role in ("承办人", "保密及公开属性审核人", "法律法规审核人", "业务科室负责人", "业务分管领导", "信息发布人员"):
        assert role in out
    assert "退回" in out  # the return for changes is on the trail


def test_chain_show_prints_table_and_mermaid() -> None:
    """``gongkai chain show`` prints the steps and a Mermaid state diagram of both routes."""
    code, out, _ = run("chain", "show")
    assert code == 0
    assert "stateDiagram-v2" in out
    assert "attribute_review --> legal_review" in out
    assert "新闻宣传类信息审核" in out


def test_mermaid_only_is_plain_text() -> None:
    """``--format mermaid`` prints only the diagram, ready to paste."""
    code, out, _ = run("chain", "show", "--chain", "default", "--format", "mermaid")
    assert code == 0
    assert out.startswith("stateDiagram-v2")
    assert "┃" not in out


def test_refusal_is_one_chinese_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    """A refused action prints its code and Chinese message, exits 1, shows no traceback."""
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--plugin", "no_such_plugin"])
    assert exc.value.code == EXIT_REFUSED
    err = capsys.readouterr().err
    assert "plugin.not_found" in err
    assert "未安装" in err
    assert "Traceback" not in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A wrong option value is a usage error with exit status 2."""
    with pytest.raises(SystemExit) as exc:
        main(["chain", "show", "--chain", "bogus"])
    assert exc.value.code == EXIT_USAGE


def test_plugins_lists_installed_entry_points() -> None:
    """``gongkai plugins`` lists the built-in and the example third-party plugin."""
    code, out, _ = run("plugins")
    assert code == 0
    assert "log" in out
    assert "title_rules" in out
