"""``gongkai duties status|ledger|trigger`` and the duty notices of ``gongkai tick``, on a SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from gongkai_flow.cli import EXIT_REFUSED
from gongkai_flow.storage.database import Database
from gongkai_flow.testing import run_cli_output as gongkai


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "cli.db")
    Database(path).close()
    return path


def test_status_table_and_json(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, err = gongkai(capsys, "duties", "status", "--db", db, "--year", "2026", "--now", "2026-02-10T10:00")
    assert code == 0, err
    assert "政府信息公开工作年度报告" in out
    assert "逾期" in out  # NB@2025 was due 2026-01-31 and nothing was published
    code, out, _ = gongkai(
        capsys, "duties", "status", "--db", db, "--year", "2026", "--now", "2026-02-10T10:00",
        "--section", "规划财务科", "--format", "json",
    )  # fmt: skip
    assert code == 0
    rows = json.loads(out)
    assert rows
    assert all("规划财务科" in r["sections"] for r in rows)
    out = gongkai(
        capsys, "duties", "status", "--db", db, "--year", "2026", "--now", "2026-02-10T10:00", "--format", "json"
    )[1]
    nb = [r for r in json.loads(out) if r["code"] == "NB"]
    assert nb[0]["state"] == "overdue"
    assert nb[0]["due"] == "2026-01-31"


def test_trigger_then_status_and_ledger(capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path) -> None:
    code, out, err = gongkai(
        capsys, "duties", "trigger", "--db", db, "SSJ", "SSJ-2026-1", "--now", "2026-03-10T16:00",
        "--note", "一季度双随机抽查结束",
    )  # fmt: skip
    assert code == 0, err
    assert "SSJ@SSJ-2026-1" in out
    code, _, err = gongkai(capsys, "duties", "trigger", "--db", db, "SSJ", "SSJ-2026-1")
    assert code == EXIT_REFUSED
    assert "form.invalid_field" in err
    assert "Traceback" not in err
    target = tmp_path / "台账.xlsx"
    code, out, err = gongkai(
        capsys, "duties", "ledger", "--db", db, "--year", "2026", "-o", str(target), "--now", "2026-04-01T10:00"
    )
    assert code == 0, err
    sheet = load_workbook(target).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("编号", "公开事项")
    ssj = [r for r in rows if r[0] == "SSJ"]
    assert len(ssj) == 1
    assert ssj[0][5] == "即将到期"  # due 2026-04-08, reminded from 5 working days before


def test_unknown_duty_is_refused(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, _, err = gongkai(capsys, "duties", "trigger", "--db", db, "NOPE", "x")
    assert code == EXIT_REFUSED
    assert "duties.not_found" in err


def test_tick_sends_duty_notices_once(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, err = gongkai(capsys, "tick", "--db", db, "--now", "2026-02-02T09:00")
    assert code == 0, err
    assert "公开事项提醒 0 条" not in out
    code, out, _ = gongkai(capsys, "tick", "--db", db, "--now", "2026-02-02T09:00")
    assert "公开事项提醒 0 条" in out
