"""The ledger (台账) of a period as .xlsx, reopened with openpyxl."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from gongkai_flow.errors import InvalidFieldError
from gongkai_flow.reports.ledger import APPLICATION_COLUMNS, LEDGER_COLUMNS, ledger, ledger_rows

from .conftest import Seeded


def test_rows_of_the_first_half_of_2025(seeded: Seeded) -> None:
    """Items drafted or published in 2025 H1: p2, i2, p5 (a draft), p3, i3 — p1 (2024) and p4 (September) not."""
    rows = ledger_rows(seeded.flow, date(2025, 1, 1), date(2025, 6, 30))
    ids = seeded.ids
    assert [r[1] for r in rows] == [ids["p2"], ids["i2"], ids["p5"], ids["p3"], ids["i3"]]
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5]
    by_id = {r[1]: dict(zip(LEDGER_COLUMNS, r, strict=True)) for r in rows}
    p2 = by_id[ids["p2"]]
    assert p2["信息名称"] == "关于p2的通知"
    assert p2["类别"] == "政策文件"
    assert p2["主办科室"] == "就业失业科"
    assert p2["公开属性"] == "主动公开"
    assert p2["状态"] == "已发布"
    assert (p2["承办人"], p2["保密及公开属性审核人"], p2["法律法规审核人"]) == ("张敏", "李华", "王芳")
    assert (p2["业务科室负责人"], p2["业务分管领导"], p2["信息发布人员"]) == ("赵强", "刘洋", "陈静")
    assert p2["法律法规核查意见"] == "同意"
    assert p2["上传日期"] == date(2025, 3, 3)
    assert by_id[ids["p3"]]["状态"] == "已废止"
    assert by_id[ids["p5"]]["状态"] == "起草"
    assert by_id[ids["p5"]]["承办人"] == ""


def test_xlsx_has_frozen_header_and_filter(seeded: Seeded, tmp_path: Path) -> None:
    """The workbook reopens with the header in row 1, frozen below it, an autofilter over all rows and columns."""
    path = ledger(seeded.flow, date(2025, 1, 1), date(2025, 12, 31), tmp_path / "ledger.xlsx")
    ws = load_workbook(str(path)).active
    assert ws is not None
    assert [c.value for c in ws[1]] == list(LEDGER_COLUMNS)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:X{ws.max_row}"  # 24 columns
    assert ws.max_row == 1 + 6  # p2 i2 p5 p3 i3 p4
    assert ws.cell(row=2, column=3).value == "关于p2的通知"
    assert ws.cell(row=2, column=1).value == 1


def test_applications_sheet(seeded: Seeded, tmp_path: Path) -> None:
    """The second sheet lists the applications received or replied in the period, with their replies."""
    path = ledger(seeded.flow, date(2025, 1, 1), date(2025, 3, 31), tmp_path / "ledger.xlsx")
    ws = load_workbook(str(path))["依申请公开"]
    assert [c.value for c in ws[1]] == list(APPLICATION_COLUMNS)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:L{ws.max_row}"
    rows = {r[1]: dict(zip(APPLICATION_COLUMNS, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert sorted(rows) == ["a1", "a2", "c1", "c2"]  # c1, c2 replied in January; a1, a2 received in March
    assert rows["c2"]["申请人类型"] == "法律服务机构"
    assert rows["c2"]["答复类别"] == "不予公开（第36条第3项）"
    assert rows["c2"]["不予公开理由"] == "保护第三方合法权益"
    assert rows["c2"]["答复日期"].date() == date(2025, 1, 15)
    assert rows["a1"]["收到日期"].date() == date(2025, 3, 3)


def test_reversed_period_is_refused(seeded: Seeded) -> None:
    """A period ending before it starts is refused with InvalidFieldError."""
    with pytest.raises(InvalidFieldError):
        ledger_rows(seeded.flow, date(2025, 2, 1), date(2025, 1, 1))
