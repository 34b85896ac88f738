"""``gongkai deadlines`` (the open statutory clocks, with who is responsible) and ``gongkai opinions`` (舆情)."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from rich.table import Table

from ..calendar import WorkCalendar
from ..deadlines import BUREAU_TZ, RULES, due_text
from ..fields import MAX_YEAR, MIN_YEAR
from ..service import Flow
from ._app import cli, console
from .db import db_option, open_database

#: Environment variable naming the bureau's calendar override file.
CALENDAR_ENV = "GONGKAI_CALENDAR"

_SPAN = re.compile(r"^\s*(\d+)\s*([dhw天时周])\s*$")


def calendar_option(fn: click.decorators.FC) -> click.decorators.FC:
    """The ``--calendar`` option: the bureau's TOML override file (env ``GONGKAI_CALENDAR``)."""
    return click.option(
        "--calendar",
        "calendar_file",
        envvar=CALENDAR_ENV,
        type=click.Path(path_type=Path),
        default=None,
        help=f"本局节假日覆盖文件（TOML），用于程序库尚不认识的年份；也可用环境变量 {CALENDAR_ENV}。",
    )(fn)


def now_option(fn: click.decorators.FC) -> click.decorators.FC:
    """The ``--now`` option: an ISO 8601 moment (Beijing time unless it names a zone)."""
    return click.option(
        "--now", "now_text", default=None, help="当前时间（ISO 8601，未写时区按北京时间），默认取系统时间。"
    )(fn)


def make_calendar(calendar_file: Path | None) -> WorkCalendar:
    """The working-day calendar, with the override file if one is given."""
    fallback = os.environ.get("GONGKAI_CALENDAR_FALLBACK") == "weekdays"
    return WorkCalendar(override_file=calendar_file, fallback_weekdays=fallback)


def parse_now(text: str | None) -> datetime:
    """``--now`` as an aware datetime (naive means Beijing time); the system time if not given."""
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"“{text}”不是 ISO 8601 时间，例如 2025-10-09T09:00。", param_hint="--now") from None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:  # the calendar and the clock arithmetic stop there
        raise click.BadParameter(f"年份须在 {MIN_YEAR} 到 {MAX_YEAR} 之间。", param_hint="--now")
    return moment.replace(tzinfo=BUREAU_TZ) if moment.tzinfo is None else moment


def parse_span(text: str) -> timedelta:
    """``3d``, ``12h`` or ``2w`` as a time span."""
    match = _SPAN.match(text)
    if match is None:
        raise click.BadParameter(
            f"“{text}”不是有效的时长，例如 3d（天）、12h（小时）、2w（周）。", param_hint="--within"
        )
    n, unit = int(match.group(1)), match.group(2)
    if n > 36_500:
        raise click.BadParameter("时长不能超过 36500 天。", param_hint="--within")
    if unit in "d天":
        return timedelta(days=n)
    if unit in "h时":
        return timedelta(hours=n)
    return timedelta(weeks=n)


@cli.command("deadlines")
@db_option
@calendar_option
@now_option
@click.option("--overdue", is_flag=True, help="只显示已超期的。")
@click.option("--within", default=None, help="只显示在这段时间内到期的，例如 3d、12h。")
def deadlines_cmd(db: str, calendar_file: Path | None, now_text: str | None, overdue: bool, within: str | None) -> None:
    """列出未办结的法定时限：规则、对象、到期时间、是否暂定、责任科室。"""
    now = parse_now(now_text)
    span = parse_span(within) if within is not None else None
    database = open_database(db)
    try:
        flow = Flow(database=database, calendar=make_calendar(calendar_file), dispatch=False)
        rows = flow.clocks.deadlines(now=now, overdue=overdue, within=span)
        flow.close()
    finally:
        database.close()
    table = Table(title=f"法定时限（{len(rows)} 项，截至 {now.astimezone(BUREAU_TZ):%Y-%m-%d %H:%M} 北京时间）")
    for col in ("规则", "事项", "对象", "期限（北京时间）", "状态", "暂定", "责任科室"):
        table.add_column(col)
    for row in rows:
        t = row.timer
        status = "已超期" if row.overdue else t.status.label
        table.add_row(
            t.rule_id,
            row.rule_label,
            t.subject_id,
            due_text(t),
            status,
            "暂定" if t.provisional else "",
            t.responsible or "—",
        )
    console().print(table)


@cli.group("opinions")
def opinions() -> None:
    """政务舆情：登记舆情事件（开始计时）、记录回应（停止计时）。"""


@opinions.command("register")
@db_option
@now_option
@click.argument("event_id")
@click.option(
    "--severity",
    type=click.Choice(["major", "other"]),
    required=True,
    help="major：特别重大、重大突发事件（5小时权威信息、24小时新闻发布会）；other：其他政务舆情（48小时）。",
)
@click.option("--section", "responsible", default="", help="责任科室。")
def opinions_register(db: str, now_text: str | None, event_id: str, severity: str, responsible: str) -> None:
    """登记一个舆情事件，按级别开始计时。"""
    now = parse_now(now_text)
    database = open_database(db)
    try:
        flow = Flow(database=database, dispatch=False)
        timers = flow.clocks.register_opinion(event_id, severity, at=now, responsible=responsible)
        flow.close()
    finally:
        database.close()
    for t in timers:
        console().print(f"{t.rule_id} {RULES[t.rule_id].label}：{due_text(t)} 前")


@opinions.command("respond")
@db_option
@now_option
@click.argument("event_id")
@click.option("--rule", "rule_id", type=click.Choice(["D12", "D13", "D14"]), default=None, help="只结束这一项计时。")
def opinions_respond(db: str, now_text: str | None, event_id: str, rule_id: str | None) -> None:
    """记录已对舆情作出回应（发布权威信息、举行新闻发布会），结束相应计时。"""
    now = parse_now(now_text)
    database = open_database(db)
    try:
        flow = Flow(database=database, dispatch=False)
        closed = flow.clocks.record_response(event_id, rule_id=rule_id, at=now)
        flow.close()
    finally:
        database.close()
    console().print(f"已结束 {closed} 项计时。")
