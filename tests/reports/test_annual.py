"""The annual report of the seeded year 2025, checked cell by cell against hand-computed expectations."""

from __future__ import annotations

from datetime import date

import attrs
import pytest

from gongkai_flow.errors import InvalidFieldError
from gongkai_flow.records import FigureRecord
from gongkai_flow.reports.annual import (
    ReportCheckError,
    ReportFormat,
    Row,
    annual_report,
    check_figure,
    check_table3,
    check_table4,
    table3_rows,
)
from gongkai_flow.requests import ApplicantType, ReplyCategory

from .conftest import Clock, Seeded, apply, new_flow, publish

#: 表三 2025 by hand: columns 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计.
#: 一: a1 a2 a3 a8 a10 (自然人), a5 a9 (商业), a4 (科研), a6 (公益), a7 (其他); 二: c1 (自然人), c2 (法律服务).
#: 三: c1 a1 a2 予以公开; a3 部分; a5 国家秘密; c2 第三方; a4 不掌握; a6 信访; a10 重复; a7 逾期不补正; a8 其他.
#: 四: a9 (商业, received 2025-12-29, still open). c0 (closed 2024) and a11 (received 2026) do not count.
TABLE3_2025: dict[str, tuple[int, ...]] = {
    "new": (5, 2, 1, 1, 0, 1, 10),
    "carried_in": (1, 0, 0, 0, 1, 0, 2),
    "disclose": (3, 0, 0, 0, 0, 0, 3),
    "partial": (1, 0, 0, 0, 0, 0, 1),
    "deny_1": (0, 1, 0, 0, 0, 0, 1),
    "deny_4": (0, 0, 0, 0, 1, 0, 1),
    "unable_1": (0, 0, 1, 0, 0, 0, 1),
    "not_handled_1": (0, 0, 0, 1, 0, 0, 1),
    "not_handled_2": (1, 0, 0, 0, 0, 0, 1),
    "other_1": (0, 0, 0, 0, 0, 1, 1),
    "other_3": (1, 0, 0, 0, 0, 0, 1),
    "total": (6, 1, 1, 1, 1, 1, 11),
    "carried_out": (0, 1, 0, 0, 0, 0, 1),
}
HEADINGS = {"results", "deny", "unable", "not_handled", "other"}


def test_format_follows_the_report_year() -> None:
    """2019–2020 use 60号, 2021 on 30号, and years before 2019 are refused."""
    assert ReportFormat.for_year(2019) is ReportFormat.F2019
    assert ReportFormat.for_year(2020) is ReportFormat.F2019
    assert ReportFormat.for_year(2021) is ReportFormat.F2021
    assert ReportFormat.for_year(2025) is ReportFormat.F2021
    with pytest.raises(InvalidFieldError):
        ReportFormat.for_year(2018)


def test_table3_rows_are_verbatim() -> None:
    """The row labels are the format's own text, with 其他处理's three sub-rows only in the 2021 format."""
    labels21 = [label for _, label, _, _ in table3_rows(ReportFormat.F2021)]
    labels19 = [label for _, label, _, _ in table3_rows(ReportFormat.F2019)]
    assert labels21[0] == "一、本年新收政府信息公开申请数量"
    assert "（二）部分公开（区分处理的，只计这一情形，不计其他情形）" in labels21
    assert "3.危及“三安全一稳定”" in labels21
    assert "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请" in labels21
    assert "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请" in labels21
    assert labels21[-2:] == ["（七）总计", "四、结转下年度继续办理"]
    assert len(labels21) == len(labels19) + 3
    assert "3.其他" not in labels19


def test_table3_cell_by_cell(seeded: Seeded) -> None:
    """Every cell of 表三 2025 equals the hand count; rows not listed are all zero, heading rows empty."""
    report = annual_report(seeded.flow, 2025)
    assert report.format is ReportFormat.F2021
    (section,) = report.table3.sections
    assert section.columns == ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
    for row in section.rows:
        if row.key in HEADINGS:
            assert row.values is None, row.key
        else:
            assert row.values == TABLE3_2025.get(row.key, (0,) * 7), row.key


def test_table2_cell_by_cell(seeded: Seeded) -> None:
    """表二 2025: p2 p3 p4 issued, p3 abolished, p1 p2 p4 in force; the other rows from figure records."""
    table = annual_report(seeded.flow, 2025).table2
    assert [s.heading for s in table.sections] == [
        "第二十条第（一）项",
        "第二十条第（五）项",
        "第二十条第（六）项",
        "第二十条第（八）项",
    ]
    assert table.sections[0].columns == ("本年制发件数", "本年废止件数", "现行有效件数")
    assert table.row("rules") == Row("rules", "规章", (0, 0, 0))
    assert table.row("normative") == Row("normative", "行政规范性文件", (3, 1, 3))
    assert table.row("licensing").values == (120,)
    assert table.row("punishment").values == (3,)
    assert table.row("enforcement").values == (0,)
    assert table.row("fees").values == (1.5,)
    assert table.sections[3].columns == ("本年收费金额（单位：万元）",)


def test_table4_cell_by_cell(seeded: Seeded) -> None:
    """表四 2025: review 2 upheld + 1 pending, one direct suit corrected, one suit after review other; 2024 ignored."""
    table = annual_report(seeded.flow, 2025).table4
    assert table.supergroups == (("行政复议", 5), ("行政诉讼", 10))
    assert [g for g, _ in table.groups] == ["行政复议", "未经复议直接起诉", "复议后起诉"]
    assert table.sections[0].columns[:5] == ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    assert table.row("cases").values == (2, 0, 0, 1, 3, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1)


def test_plan_figures(seeded: Seeded) -> None:
    """Interpretations (2 of 3, 1 within 3 working days), 建议提案 (3, 2 disclosed) and meetings (2, 5 people)."""
    figures = {f.label: f.value for f in annual_report(seeded.flow, 2025).figures}
    assert figures["本年发布政策文件"] == "3件"
    assert figures["其中已发布解读"] == "2件"
    assert figures["其中解读于文件公开之日起3个工作日内发布"] == "1件"
    assert figures["建议提案办理复文"] == "3件，公开答复全文2件（人大代表建议1件、公开1件；政协委员提案2件、公开1件）"
    assert figures["邀请市民代表列席局长办公会议"] == "2次，共5人次（方案要求2次以上：达到）"


def test_previous_year_carries_into_the_seeded_year(seeded: Seeded) -> None:
    """In 2024, c1 and c2 are 结转下年度 and c0 is the only result; 2024's one meeting misses the target."""
    report = annual_report(seeded.flow, 2024)
    table = report.table3
    assert table.row("new").values == (2, 0, 0, 0, 1, 0, 3)
    assert table.row("disclose").values == (1, 0, 0, 0, 0, 0, 1)
    assert table.row("carried_out").values == (1, 0, 0, 0, 1, 0, 2)
    assert report.table2.row("normative").values == (1, 0, 1)
    assert report.table2.row("licensing").values == (99,)
    figures = {f.label: f.value for f in report.figures}
    assert figures["邀请市民代表列席局长办公会议"] == "1次，共4人次（方案要求2次以上：未达到）"


def test_2019_format_merges_other_results_and_counts_formation() -> None:
    """A 2020 report uses 60号: one （六）其他处理 row, and 表二's 新制作/新公开/对外公开总数量 columns."""
    clock = Clock()
    flow = new_flow(clock, dispatch=False)
    seed = Seeded(flow, clock)
    publish(seed, "old", date(2020, 1, 6), formed_on=date(2019, 12, 20), normative=True)
    publish(seed, "new", date(2020, 5, 6), normative=True)
    apply(seed, "x1", date(2020, 3, 2), ApplicantType.RESEARCH, date(2020, 3, 9), ReplyCategory.SPECIAL_LAW)
    apply(seed, "x2", date(2020, 3, 3), ApplicantType.NATURAL_PERSON, date(2020, 3, 9), ReplyCategory.NO_FEE)
    report = annual_report(flow, 2020)
    assert report.format is ReportFormat.F2019
    assert report.table2.sections[0].columns == ("本年新制作数量", "本年新公开数量", "对外公开总数量")
    assert report.table2.row("normative") == Row("normative", "规范性文件", (1, 2, 2))
    assert [s.heading for s in report.table2.sections][-1] == "第二十条第（九）项"
    assert report.table3.row("other").values == (1, 0, 1, 0, 0, 0, 2)
    assert report.table3.row("total").values == (1, 0, 1, 0, 0, 0, 2)
    assert [r.key for r in report.table3.sections[0].rows if r.key.startswith("other")] == ["other"]
    flow.close()


def test_table3_check_catches_a_broken_column(seeded: Seeded) -> None:
    """A 表三 whose 总计 differs from 一+二−四 is refused with a stable code and a Chinese message."""
    table = annual_report(seeded.flow, 2025).table3
    (section,) = table.sections
    rows = tuple(attrs.evolve(r, values=(7, 1, 1, 1, 1, 1, 12)) if r.key == "total" else r for r in section.rows)
    broken = attrs.evolve(table, sections=(attrs.evolve(section, rows=rows),))
    with pytest.raises(ReportCheckError) as info:
        check_table3(broken, ReportFormat.F2021)
    assert info.value.code == "report.check_failed"
    assert "“自然人”列" in info.value.message
    assert "勾稽关系不成立" in info.value.message


def test_table3_check_catches_a_wrong_total_column(seeded: Seeded) -> None:
    """A row whose 总计 is not the sum of the six applicant columns is refused."""
    table = annual_report(seeded.flow, 2025).table3
    (section,) = table.sections
    rows = tuple(attrs.evolve(r, values=(3, 0, 0, 0, 0, 0, 4)) if r.key == "disclose" else r for r in section.rows)
    broken = attrs.evolve(table, sections=(attrs.evolve(section, rows=rows),))
    with pytest.raises(ReportCheckError, match="总计"):
        check_table3(broken, ReportFormat.F2021)


def test_table4_check_catches_a_wrong_group_total(seeded: Seeded) -> None:
    """A 表四 group whose 总计 is not the sum of its four columns is refused."""
    table = annual_report(seeded.flow, 2025).table4
    (section,) = table.sections
    values = (2, 0, 0, 1, 4, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1)
    broken = attrs.evolve(table, sections=(attrs.evolve(section, rows=(Row("cases", "件数", values),)),))
    with pytest.raises(ReportCheckError, match="行政复议"):
        check_table4(broken)


def test_figure_keys_are_checked_against_the_years_format() -> None:
    """A figure must name a row and column of its year's 表二; the computed 规范性文件 row is not settable."""
    check_figure(FigureRecord(2025, "licensing", "decisions", 1))
    check_figure(FigureRecord(2020, "procurement", "amount", 1))
    with pytest.raises(InvalidFieldError):
        check_figure(FigureRecord(2025, "procurement", "amount", 1))
    with pytest.raises(InvalidFieldError):
        check_figure(FigureRecord(2025, "normative", "issued", 1))
    with pytest.raises(InvalidFieldError):
        check_figure(FigureRecord(2025, "licensing", "prev_items", 1))


def test_processing_fees_are_reported_from_2021(seeded: Seeded) -> None:
    """六、其他需要报告的事项 states the 信息处理费: none recorded, then what a figure record says."""
    from gongkai_flow.reports.annual import figure_keys

    figures = {f.label: f.value for f in annual_report(seeded.flow, 2025).figures}
    assert figures["收取信息处理费情况"] == "本年度未收取信息处理费"
    seeded.flow.records.add(FigureRecord(2025, "processing_fee", "applications", 2))
    seeded.flow.records.add(FigureRecord(2025, "processing_fee", "amount", 300))
    figures = {f.label: f.value for f in annual_report(seeded.flow, 2025).figures}
    assert figures["收取信息处理费情况"] == "对2件申请收取信息处理费，共300元"
    assert figure_keys(ReportFormat.F2021)["processing_fee"] == ("applications", "amount")
    assert "processing_fee" not in figure_keys(ReportFormat.F2019)
    assert "收取信息处理费情况" not in {f.label for f in annual_report(seeded.flow, 2020).figures}
