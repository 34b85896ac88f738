"""``gongkai duties``: the year's disclosure duties — status, ledger, and the events that start them."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from ..duty_types import DutyState
from ..reports.duties import write_duty_ledger
from ..service import Flow
from ..timers import BUREAU_TZ
from ._app import cli, console
from .db import db_option, open_database
from .deadlines import calendar_option, make_calendar, now_option, parse_now

_STYLE = {
    DutyState.DONE: "green",
    DutyState.DONE_LATE: "yellow",
    DutyState.DUE_SOON: "yellow",
    DutyState.OVERDUE: "bold red",
}


@cli.group("duties")
def duties() -> None:
    """公开事项：权责清单中每项应公开的信息、责任科室、期限和完成情况。"""


def _year_option(fn: click.decorators.FC) -> click.decorators.FC:
    return click.option("--year", type=click.IntRange(2000, 2100), required=True, help="年度（按截止日期归属）。")(fn)


@duties.command("status")
@db_option
@calendar_option
@now_option
@_year_option
@click.option("--section", default=None, help="只看这个科室单位负责的事项。")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def status_cmd(
    db: str, calendar_file: Path | None, now_text: str | None, year: int, section: str | None, fmt: str
) -> None:
    """列出一年中到期的公开事项：已完成、逾期完成、进行中、即将到期、逾期、未开始，以及完成它的信息。"""
    now = parse_now(now_text)
    database = open_database(db)
    try:
        flow = Flow(database=database, calendar=make_calendar(calendar_file), dispatch=False)
        statuses = flow.duties.status(year, as_of=now, section=section)
        flow.close()
    finally:
        database.close()
    if fmt == "json":
        click.echo(json.dumps([s.to_dict() for s in statuses], ensure_ascii=False, indent=2))
        return
    table = Table(
        title=f"{year}年公开事项（{len(statuses)} 项，截至 {now.astimezone(BUREAU_TZ):%Y-%m-%d %H:%M} 北京时间）"
    )
    for col in ("编号", "公开事项", "期间", "责任科室单位", "截止日期", "状态", "公开的信息"):
        table.add_column(col)
    for st in statuses:
        ob = st.obligation
        shown = "；".join(f"《{f.title}》" for f in st.items[:3]) + ("…" if len(st.items) > 3 else "")
        if ob.duty.schedule.at_least is not None:
            shown = f"{st.count}/{ob.duty.schedule.at_least} 次"
        style = _STYLE.get(st.state)
        table.add_row(
            ob.duty.code,
            ob.duty.name,
            ob.label,
            "、".join(ob.duty.sections),
            ob.due_day.isoformat(),
            f"[{style}]{st.state.label}[/]" if style else st.state.label,
            shown,
        )
    console().print(table)


@duties.command("ledger")
@db_option
@calendar_option
@now_option
@_year_option
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), default=None, help="输出文件；默认 公开事项台账-年度.xlsx。"
)
def ledger_cmd(db: str, calendar_file: Path | None, now_text: str | None, year: int, output: Path | None) -> None:
    """生成一年的公开事项台账（.xlsx）：每项每期的截止日期、状态、完成时间和公开的信息。"""
    now = parse_now(now_text)
    database = open_database(db)
    try:
        flow = Flow(database=database, calendar=make_calendar(calendar_file), dispatch=False)
        statuses = flow.duties.status(year, as_of=now)
        flow.close()
    finally:
        database.close()
    target = output if output is not None else Path(f"公开事项台账-{year}.xlsx")
    write_duty_ledger(statuses, target, year=year)
    console().print(f"已生成公开事项台账：{target}（{len(statuses)} 项）")


@duties.command("trigger")
@db_option
@now_option
@click.argument("code")
@click.argument("key")
@click.option("--note", default="", help="说明，例如“一季度双随机抽查结束”。")
def trigger_cmd(db: str, now_text: str | None, code: str, key: str, note: str) -> None:
    """登记触发公开事项的事件（如双随机抽查结束、预算批复）；信息以“编号@事件编号”标记后发布即完成。"""
    now = parse_now(now_text)
    database = open_database(db)
    try:
        flow = Flow(database=database, dispatch=False)
        event = flow.duties.trigger(code, key, occurred_at=now, note=note)
        flow.close()
    finally:
        database.close()
    console().print(f"已登记：{code}@{event.key}（{event.occurred_at.astimezone(BUREAU_TZ):%Y-%m-%d %H:%M} 北京时间）")
