"""``gongkai report annual --year Y``: the annual report's tables, and ``gongkai records …`` to feed them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from ..fields import MAX_YEAR, MIN_YEAR
from ..records import CaseKind, CaseOutcome, CaseRecord, FigureRecord, MeetingRecord, ProposalKind, ProposalRecord
from ..reports.annual import annual_report, check_figure
from ..reports.render import report_docx, report_html, report_markdown
from ..service import Flow
from ._app import cli, console
from ._output import write_output, write_text_output
from .db import db_option, open_database
from .deadlines import calendar_option, make_calendar

_DATE = click.DateTime(formats=["%Y-%m-%d"])


#: A report year the calendar and the date arithmetic can handle; others are a usage error.
_YEAR = click.IntRange(MIN_YEAR, MAX_YEAR)


@cli.group()
def report() -> None:
    """政府信息公开工作年度报告。"""


@report.command("annual")
@db_option
@calendar_option
@click.option("--year", required=True, type=_YEAR, help="报告年度。")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "docx"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None, help="输出文件；md/html 默认打印。")
@click.option("--agency", default="日照市人力资源和社会保障局", show_default=True, help="机关名称。")
def annual_cmd(db: str, calendar_file: Path | None, year: int, fmt: str, output: Path | None, agency: str) -> None:
    """生成年度报告的表二、表三、表四和方案要求报告的事项，并核对勾稽关系（不成立时报错）。"""
    database = open_database(db)
    try:
        flow = Flow(database=database, dispatch=False, calendar=make_calendar(calendar_file))
        result = annual_report(flow, year, agency=agency)
        flow.close()
    finally:
        database.close()
    if fmt == "docx":
        target = output if output is not None else Path(f"{year}年政府信息公开工作年度报告.docx")
        write_output(target, lambda path: report_docx(result, path))
        console().print(f"已生成年度报告：{target}")
        return
    text = report_markdown(result) if fmt == "md" else report_html(result)
    if output is None:
        click.echo(text)
    else:
        write_text_output(output, text)
        console().print(f"已生成年度报告：{output}")


@cli.group()
def records() -> None:
    """年度报告所需的记录：行政复议和行政诉讼、局长办公会议、建议提案办理、表二其他数据。"""


def _add(db: str, record: Any) -> None:
    database = open_database(db)
    try:
        flow = Flow(database=database, dispatch=False)
        flow.records.add(record)
        flow.close()
    finally:
        database.close()
    console().print(f"已记录：{record.id}")


@records.command("case")
@db_option
@click.option("--kind", type=click.Choice([k.value for k in CaseKind]), required=True, help="行政复议或行政诉讼。")
@click.option("--filed", required=True, type=_DATE, help="申请复议或起诉日期。")
@click.option("--outcome", type=click.Choice([o.value for o in CaseOutcome]), default="pending", show_default=True)
@click.option("--application", "application_id", default=None, help="所涉申请编号。")
@click.option("--note", default="", help="备注。")
def case_cmd(db: str, kind: str, filed: datetime, outcome: str, application_id: str | None, note: str) -> None:
    """记录一件政府信息公开行政复议或行政诉讼案件（表四）。"""
    _add(db, CaseRecord(kind, filed.date(), outcome, application_id=application_id, note=note))


@records.command("meeting")
@db_option
@click.option("--held", required=True, type=_DATE, help="会议日期。")
@click.option("--title", required=True, help="会议名称。")
@click.option("--representatives", required=True, type=int, help="列席的市民代表人数。")
@click.option("--names", default="", help="市民代表姓名。")
def meeting_cmd(db: str, held: datetime, title: str, representatives: int, names: str) -> None:
    """记录一次邀请市民代表列席的局长办公会议。"""
    _add(db, MeetingRecord(held.date(), title, representatives, names=names))


@records.command("proposal")
@db_option
@click.option("--kind", type=click.Choice([k.value for k in ProposalKind]), required=True, help="建议或提案。")
@click.option("--number", required=True, help="建议、提案编号。")
@click.option("--replied", required=True, type=_DATE, help="答复日期。")
@click.option("--disclosed/--not-disclosed", default=True, show_default=True, help="是否公开答复全文。")
@click.option("--item", "item_id", default=None, help="公开答复全文的信息编号。")
def proposal_cmd(db: str, kind: str, number: str, replied: datetime, disclosed: bool, item_id: str | None) -> None:
    """记录一件人大代表建议或政协委员提案的办理答复。"""
    _add(db, ProposalRecord(kind, number, replied.date(), disclosed, item_id=item_id))


@records.command("figure")
@db_option
@click.option("--year", required=True, type=_YEAR, help="报告年度。")
@click.option(
    "--row",
    required=True,
    help="表二的行，如 licensing、punishment、fees；或六、其他需要报告的事项的 processing_fee（见 docs/reports.md）。",
)
@click.option(
    "--column",
    required=True,
    help="列，如 decisions、amount；processing_fee 为 applications 或 amount（元）（见 docs/reports.md）。",
)
@click.option("--value", required=True, type=float, help="数值。")
def figure_cmd(db: str, year: int, row: str, column: str, value: float) -> None:
    """记录表二中来自其他系统的一项数据（行政许可、处罚、强制、收费等）。"""
    record = FigureRecord(year, row, column, value)
    check_figure(record)
    _add(db, record)


@records.command("list")
@db_option
@click.option("--year", type=_YEAR, default=None, help="只列出这一年的记录。")
def list_cmd(db: str, year: int | None) -> None:
    """列出年度报告所需的记录。"""
    database = open_database(db)
    try:
        flow = Flow(database=database, dispatch=False)
        found = flow.records.all(year=year)
        flow.close()
    finally:
        database.close()
    table = Table(title="年度报告记录")
    for col in ("编号", "类别", "日期", "内容"):
        table.add_column(col)
    for r in found:
        if isinstance(r, CaseRecord):
            kind, text = "复议诉讼", f"{r.kind.label}，{r.outcome.label}"
        elif isinstance(r, MeetingRecord):
            kind, text = "局长办公会议", f"{r.title}，市民代表{r.representatives}人"
        elif isinstance(r, ProposalRecord):
            kind, text = "建议提案", f"{r.kind.label}{r.number}，{'已公开' if r.disclosed else '未公开'}"
        else:
            kind, text = "表二数据", f"{r.row}.{r.column} = {r.value}"
        table.add_row(r.id, kind, r.day.isoformat(), text)
    console().print(table)
