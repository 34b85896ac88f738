"""The commands: ``gongkai form``, ``gongkai ledger``, ``gongkai report annual`` and ``gongkai records``."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from gongkai_flow import Flow
from gongkai_flow.records import CaseRecord, FigureRecord, MeetingRecord, ProposalRecord
from gongkai_flow.testing import run_cli

from .conftest import Seeded

run = run_cli


def test_form_html_and_docx(seeded_db: tuple[Path, Seeded], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``gongkai form`` writes the item's form as HTML and as .docx."""
    db, seed = seeded_db
    item = seed.ids["p2"]
    out = tmp_path / "form.html"
    assert run("form", item, "--format", "html", "--db", str(db), "-o", str(out)) == 0
    assert "审核表" in capsys.readouterr().out
    assert "李华" in out.read_text(encoding="utf-8")
    docx_path = tmp_path / "form.docx"
    assert run("form", item, "--format", "docx", "--db", str(db), "-o", str(docx_path)) == 0
    assert Document(str(docx_path)).tables[0].rows[2].cells[1].text == "关于p2的通知"


def test_form_of_unknown_item_fails_with_code(
    seeded_db: tuple[Path, Seeded], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown item exits 1 with the error code on stderr."""
    db, _ = seeded_db
    assert run("form", "nope", "--format", "html", "--db", str(db), "-o", str(tmp_path / "x.html")) == 1
    assert "item.not_found" in capsys.readouterr().err


def test_ledger_command(seeded_db: tuple[Path, Seeded], tmp_path: Path) -> None:
    """``gongkai ledger`` writes the period's items to an .xlsx with a frozen header."""
    db, _ = seeded_db
    out = tmp_path / "ledger.xlsx"
    assert run("ledger", "--from", "2025-01-01", "--to", "2025-06-30", "--db", str(db), "-o", str(out)) == 0
    ws = load_workbook(str(out)).active
    assert ws is not None
    assert ws.max_row == 6
    assert ws.freeze_panes == "A2"


def test_report_annual_markdown(seeded_db: tuple[Path, Seeded], capsys: pytest.CaptureFixture[str]) -> None:
    """``gongkai report annual --format md`` prints the six sections and the checked tables."""
    db, _ = seeded_db
    assert run("report", "annual", "--year", "2025", "--db", str(db), "--format", "md") == 0
    out = capsys.readouterr().out
    assert "# 日照市人力资源和社会保障局2025年政府信息公开工作年度报告" in out
    assert "| 一、本年新收政府信息公开申请数量 | 5 | 2 | 1 | 1 | 0 | 1 | 10 |" in out
    assert "| 行政规范性文件 | 3 | 1 | 3 |" in out
    assert "## 六、其他需要报告的事项" in out
    assert "国办公开办函〔2021〕30号" in out


def test_report_annual_html_and_docx(seeded_db: tuple[Path, Seeded], tmp_path: Path) -> None:
    """HTML and .docx outputs carry the same tables; the .docx reopens with python-docx."""
    db, _ = seeded_db
    html = tmp_path / "r.html"
    assert run("report", "annual", "--year", "2025", "--db", str(db), "--format", "html", "-o", str(html)) == 0
    page = html.read_text(encoding="utf-8")
    assert '<th colspan="5">法人或其他组织</th>' in page
    assert '<th colspan="7">申请人情况</th>' in page
    assert '<th rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</th>' in page
    assert '<th colspan="5" rowspan="2">行政复议</th><th colspan="10">行政诉讼</th>' in page
    assert "<th>信息内容</th><th>本年制发件数</th>" in page
    assert "（七）总计" in page
    docx_path = tmp_path / "r.docx"
    assert run("report", "annual", "--year", "2025", "--db", str(db), "--format", "docx", "-o", str(docx_path)) == 0
    doc = Document(str(docx_path))
    table2 = doc.tables[0]
    assert [c.text for c in table2.rows[0].cells] == ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    table3 = next(t for t in doc.tables if t.cell(0, 1).text == "申请人情况")
    assert table3.cell(0, 0).text == "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    assert table3.cell(1, 2).text == "法人或其他组织"
    assert table3.cell(2, 2).text == "商业企业"
    rows = {r.cells[0].text.strip("　"): [c.text for c in r.cells[1:]] for r in table3.rows[3:]}
    assert rows["（七）总计"] == ["6", "1", "1", "1", "1", "1", "11"]
    assert rows["四、结转下年度继续办理"] == ["0", "1", "0", "0", "0", "0", "1"]
    assert rows["三、本年度办理结果"] == [""] * 7
    table4 = next(t for t in doc.tables if t.cell(0, 1).text == "行政复议")
    assert table4.cell(1, 1).text == "行政复议"  # one cell over both header rows
    assert table4.cell(0, 6).text == "行政诉讼"
    assert [table4.cell(1, 6).text, table4.cell(1, 11).text] == ["未经复议直接起诉", "复议后起诉"]
    assert table4.cell(2, 1).text == "结果维持"
    assert [c.text for c in table4.rows[3].cells[1:6]] == ["2", "0", "0", "1", "3"]


def test_report_before_2019_is_refused(seeded_db: tuple[Path, Seeded], capsys: pytest.CaptureFixture[str]) -> None:
    """A report year before 2019 exits 1 with a Chinese message."""
    db, _ = seeded_db
    assert run("report", "annual", "--year", "2018", "--db", str(db)) == 1
    assert "2019年度" in capsys.readouterr().err


def test_records_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``gongkai records`` stores cases, meetings, 建议提案 and figures that the report then counts."""
    db = tmp_path / "g.db"
    Flow(database=db).close()
    assert (
        run("records", "case", "--db", str(db), "--kind", "review", "--filed", "2025-03-01", "--outcome", "upheld") == 0
    )
    assert (
        run(
            "records",
            "meeting",
            "--db",
            str(db),
            "--held",
            "2025-03-02",
            "--title",
            "局长办公会议",
            "--representatives",
            "2",
        )
        == 0
    )
    assert (
        run(
            "records", "proposal", "--db", str(db), "--kind", "proposal", "--number", "第1号", "--replied", "2025-06-01"
        )
        == 0
    )
    assert (
        run(
            "records",
            "figure",
            "--db",
            str(db),
            "--year",
            "2025",
            "--row",
            "licensing",
            "--column",
            "decisions",
            "--value",
            "7",
        )
        == 0
    )
    assert (
        run(
            "records",
            "figure",
            "--db",
            str(db),
            "--year",
            "2025",
            "--row",
            "procurement",
            "--column",
            "items",
            "--value",
            "1",
        )
        == 1
    )
    assert "procurement" in capsys.readouterr().err
    assert run("records", "list", "--db", str(db), "--year", "2025") == 0
    listing = capsys.readouterr().out
    assert "局长办公会议" in listing
    assert "licensing.decisions" in listing
    flow = Flow(database=db)
    kinds = [type(r) for r in flow.records.all(year=2025)]
    flow.close()
    assert sorted(k.__name__ for k in kinds) == sorted(
        k.__name__ for k in (CaseRecord, MeetingRecord, ProposalRecord, FigureRecord)
    )
    assert run("report", "annual", "--year", "2025", "--db", str(db)) == 0
    out = capsys.readouterr().out
    assert "| 行政许可 | 7 |" in out
    assert "1次，共2人次（方案要求2次以上：未达到）" in out
