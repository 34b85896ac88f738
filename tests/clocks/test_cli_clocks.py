"""``gongkai requests``, ``gongkai tick`` and ``gongkai deadlines`` on a SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongkai_flow.cli import EXIT_REFUSED, EXIT_USAGE
from gongkai_flow.storage.database import Database
from gongkai_flow.testing import run_cli_output as gongkai

ACTORS_TOML = """
[[actors]]
id = "zhaoli"
name = "赵丽"
section = "局办公室"
roles = ["request_officer"]

[[actors]]
id = "qianjun"
name = "钱军"
section = "局办公室"
roles = ["disclosure_head"]
"""


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A new database with the two request-office people imported."""
    path = str(tmp_path / "cli.db")
    Database(path).close()
    people = tmp_path / "actors.toml"
    people.write_text(ACTORS_TOML, encoding="utf-8")
    assert gongkai(capsys, "actors", "import", "--db", path, str(people))[0] == 0
    return path


def register(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, err = gongkai(
        capsys, "requests", "register", "--db", db, "--actor", "zhaoli", "--id", "YSQ-2019-001",
        "--applicant", "王某", "--contact", "13800000000", "--description", "就业补贴发放情况",
        "--channel", "in_person", "--received", "2019-09-20", "--now", "2019-09-20T10:00",
    )  # fmt: skip
    assert code == 0, err
    assert "2019-10-23" in out


def test_register_act_show(capsys: pytest.CaptureFixture[str], db: str) -> None:
    """An application is registered, accepted and answered from the command line, and shown with its clocks."""
    register(capsys, db)
    code, _, err = gongkai(
        capsys, "requests", "act", "--db", db, "YSQ-2019-001", "accept", "--actor", "zhaoli",
        "--now", "2019-09-23T10:00",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = gongkai(
        capsys, "requests", "act", "--db", db, "YSQ-2019-001", "reply", "--actor", "zhaoli",
        "--category", "a2_disclose", "--now", "2019-10-10T10:00",
    )  # fmt: skip
    assert code == 0, err
    assert "申请行政复议" in out
    code, out, _ = gongkai(capsys, "requests", "show", "--db", db, "YSQ-2019-001")
    assert code == 0
    assert "王某" in out
    assert "D3" in out
    assert "答复" in out


def test_refused_action_is_one_chinese_line(capsys: pytest.CaptureFixture[str], db: str) -> None:
    """A refused extension prints its error code and a Chinese message, no traceback."""
    register(capsys, db)
    gongkai(capsys, "requests", "act", "--db", db, "YSQ-2019-001", "accept", "--actor", "zhaoli")
    code, _, err = gongkai(
        capsys, "requests", "act", "--db", db, "YSQ-2019-001", "extend", "--actor", "zhaoli", "--opinion", "复杂"
    )
    assert code == EXIT_REFUSED
    assert "auth.role_required" in err
    assert "Traceback" not in err


def test_tick_then_deadlines(capsys: pytest.CaptureFixture[str], db: str) -> None:
    """``tick`` records each notice once; ``deadlines --overdue`` lists the late clock with its section."""
    register(capsys, db)
    code, out, _ = gongkai(capsys, "tick", "--db", db, "--now", "2019-10-24T09:00")
    assert code == 0  # D3 and D5 both missed
    assert "新提醒 2 条" in out
    code, out, _ = gongkai(capsys, "tick", "--db", db, "--now", "2019-10-24T09:00")
    assert "新提醒 0 条" in out
    code, out, _ = gongkai(capsys, "deadlines", "--db", db, "--overdue", "--now", "2019-10-24T09:00")
    assert code == 0
    assert "YSQ-2019-001" in out
    assert "已超期" in out
    assert "局办公室" in out
    code, out, _ = gongkai(capsys, "deadlines", "--db", db, "--within", "12d", "--now", "2019-09-20T12:00")
    assert "D5" in out
    assert "D3" not in out


def test_bad_within_is_a_usage_error(capsys: pytest.CaptureFixture[str], db: str) -> None:
    """An unreadable ``--within`` is a usage error with a Chinese hint."""
    code, _, err = gongkai(capsys, "deadlines", "--db", db, "--within", "soon")
    assert code == EXIT_USAGE
    assert "3d" in err


def test_abandon_overdue_and_list(capsys: pytest.CaptureFixture[str], db: str) -> None:
    """An application not corrected in time is abandoned by ``abandon-overdue`` and listed as such."""
    register(capsys, db)
    code, _, err = gongkai(
        capsys, "requests", "act", "--db", db, "YSQ-2019-001", "request_correction", "--actor", "zhaoli",
        "--opinion", "请补充文号", "--now", "2019-09-23T10:00",
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = gongkai(
        capsys, "requests", "abandon-overdue", "--db", db, "--actor", "zhaoli", "--now", "2019-11-01T10:00"
    )
    assert code == 0
    assert "YSQ-2019-001" in out
    code, out, _ = gongkai(capsys, "requests", "list", "--db", db, "--state", "abandoned")
    assert "视为放弃" in out


def test_opinion_register_and_respond(capsys: pytest.CaptureFixture[str], db: str) -> None:
    """A major 舆情 registered from the command line runs D12 and D13 until the response is recorded."""
    code, out, err = gongkai(
        capsys, "opinions", "register", "--db", db, "YQ-1", "--severity", "major", "--now", "2025-10-01T08:00"
    )
    assert code == 0, err
    assert "2025-10-01 13:00" in out
    assert "2025-10-02 08:00" in out
    code, out, _ = gongkai(capsys, "opinions", "respond", "--db", db, "YQ-1", "--now", "2025-10-01T12:00")
    assert "已结束 2 项" in out
    code, out, _ = gongkai(capsys, "deadlines", "--db", db, "--now", "2025-10-01T12:00")
    assert "YQ-1" not in out


def test_on_dates_a_correction_and_an_extension(capsys: pytest.CaptureFixture[str], db: str) -> None:
    """``--on`` gives the day the corrected application arrived; a future day and a second extension are refused."""
    code, _, err = gongkai(
        capsys, "requests", "register", "--db", db, "--actor", "zhaoli", "--id", "YSQ-2025-007",
        "--applicant", "王某", "--contact", "13800000000", "--description", "有关文件",
        "--channel", "in_person", "--received", "2025-02-26", "--now", "2025-02-26T10:00",
    )  # fmt: skip
    assert code == 0, err
    code, _, err = gongkai(
        capsys, "requests", "act", "--db", db, "YSQ-2025-007", "request_correction", "--actor", "zhaoli",
        "--opinion", "请写明文号", "--now", "2025-02-27T10:00",
    )  # fmt: skip
    assert code == 0, err
    code, _, err = gongkai(
        capsys, "requests", "act", "--db", db, "YSQ-2025-007", "receive_correction", "--actor", "zhaoli",
        "--on", "2025-03-08", "--now", "2025-03-07T16:00",
    )  # fmt: skip
    assert code == EXIT_REFUSED
    assert "form.invalid_field" in err
    assert "Traceback" not in err
    code, out, err = gongkai(
        capsys, "requests", "act", "--db", db, "YSQ-2025-007", "receive_correction", "--actor", "zhaoli",
        "--on", "2025-03-03", "--now", "2025-03-07T16:00",
    )  # fmt: skip
    assert code == 0, err
    assert "答复期限至 2025-03-31" in out
    code, out, err = gongkai(
        capsys, "requests", "act", "--db", db, "YSQ-2025-007", "extend", "--actor", "qianjun",
        "--opinion", "涉及信息量大", "--days", "10", "--now", "2025-03-10T10:00",
    )  # fmt: skip
    assert code == 0, err
    assert "答复期限至 2025-04-15" in out
    code, _, err = gongkai(
        capsys, "requests", "act", "--db", db, "YSQ-2025-007", "extend", "--actor", "qianjun",
        "--opinion", "仍需汇总", "--days", "10", "--now", "2025-03-11T10:00",
    )  # fmt: skip
    assert code == EXIT_REFUSED
    assert "request.extension_refused" in err
    code, out, _ = gongkai(capsys, "requests", "show", "--db", db, "YSQ-2025-007")
    assert code == 0
    assert "2025-03-03" in out  # the day the correction arrived
    assert "2025-03-07 16:00" in out  # the time it was recorded
