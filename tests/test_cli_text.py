"""What the command line prints is what was written: no Rich markup eats brackets, times in Beijing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gongkai_flow import Flow, ItemKind
from gongkai_flow.cli import EXIT_REFUSED
from gongkai_flow.cli._app import error_line, markup_safe
from gongkai_flow.cli.demo import print_trail
from gongkai_flow.demo import BUREAU
from gongkai_flow.errors import CalendarYearUnknownError
from gongkai_flow.storage.database import Database
from gongkai_flow.testing import run_cli_output as gongkai

ACTORS = """
[[actors]]
id = "zhaoli"
name = "赵丽"
section = "局办公室"
roles = ["request_officer"]
"""


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "cli.db")
    Database(path).close()
    people = tmp_path / "actors.toml"
    people.write_text(ACTORS, encoding="utf-8")
    assert gongkai(capsys, "actors", "import", "--db", path, str(people))[0] == 0
    return path


def test_the_fail_closed_calendar_message_keeps_its_brackets(capsys: pytest.CaptureFixture[str], db: str) -> None:
    """The refusal names the [years.2027] table to fill in; Rich must not swallow it as markup."""
    code, _, err = gongkai(
        capsys, "requests", "register", "--db", db, "--actor", "zhaoli", "--applicant", "王某",
        "--contact", "13800000000", "--description", "就业补贴发放情况", "--channel", "in_person",
        "--received", "2027-12-20", "--now", "2027-12-20T10:00",
    )  # fmt: skip
    assert code == EXIT_REFUSED
    assert "calendar.year_unknown" in err
    assert "[years.2027]" in err
    assert "Traceback" not in err


def test_user_text_with_brackets_prints_verbatim(capsys: pytest.CaptureFixture[str], db: str) -> None:
    """An applicant called “[bold]王某[/bold]” is shown as typed, in tables too."""
    code, _, err = gongkai(
        capsys, "requests", "register", "--db", db, "--actor", "zhaoli", "--id", "YSQ-1",
        "--applicant", "[bold]王某[/bold]", "--contact", "13800000000", "--description", "[red]补贴[/red]",
        "--channel", "in_person", "--received", "2019-09-20", "--now", "2019-09-20T10:00",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = gongkai(capsys, "requests", "list", "--db", db)
    assert code == 0, err
    assert "[bold]王某[/bold]" in out


def test_error_line_is_verbatim() -> None:
    exc = CalendarYearUnknownError("请在 calendar.toml 中填写 [years.2027]（[bold]不是样式[/bold]）。")
    assert error_line(exc).plain == f"错误［calendar.year_unknown］：{exc.message}"
    assert markup_safe("[years.2027]") == "\\[years.2027]"


def test_the_demo_trail_is_in_beijing_time(capsys: pytest.CaptureFixture[str]) -> None:
    """The audit trail the demo prints reads 09:30 for an action at 01:30 UTC, whatever the machine's zone."""
    moment = datetime(2019, 6, 3, 1, 30, tzinfo=UTC)
    with Flow(clock=lambda: moment) as flow:
        item = flow.draft(
            BUREAU["zhangmin"],
            title="《关于调整失业保险金标准的通知》政策解读[草稿]",
            kind=ItemKind.NOTICE,
            body="正文",
            attribute="主动公开",
        )
        print_trail(flow, item.id)
    out = capsys.readouterr().out
    assert "2019-06-03 09:30:00" in out
    assert "《〈关于调整失业保险金标准的通知〉政策解读[草稿]》" in out
