"""``gongkai requests register | show | list | act``: the 依申请公开 workflow from the command line."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from ..chain import Action
from ..deadlines import BUREAU_TZ, TimerStatus, due_text
from ..requests import ApplicantType, Channel, DenyReason, ReplyCategory
from ..service import Flow
from ..storage.database import Database
from ._app import cli, console
from .db import db_option, open_database, resolve_actor
from .deadlines import calendar_option, make_calendar, now_option, parse_now

_ACTIONS = {
    a.value: a
    for a in (
        Action.ACCEPT,
        Action.REQUEST_CORRECTION,
        Action.RECEIVE_CORRECTION,
        Action.ABANDON,
        Action.CONSULT,
        Action.RECEIVE_OPINIONS,
        Action.EXTEND,
        Action.REPLY,
        Action.ARCHIVE,
    )
}

actors_option = click.option(
    "--actors",
    "actors_file",
    type=click.Path(path_type=Path),
    default=None,
    help="人员名单 TOML 文件；默认读数据库中的人员目录。",
)


def _choice(values: list[str]) -> click.Choice[str]:
    return click.Choice(values, case_sensitive=False)


def _flow(database: Database, calendar_file: Path | None, now_text: str | None) -> Flow:
    flow = Flow(database=database, calendar=make_calendar(calendar_file), dispatch=False)
    if now_text is not None:
        moment = parse_now(now_text)
        flow.workflow.clock = lambda: moment
    return flow


@cli.group()
def requests() -> None:
    """依申请公开：登记、办理、答复、归档。"""


@requests.command("register")
@db_option
@calendar_option
@now_option
@actors_option
@click.option("--actor", "actor_id", required=True, help="登记人（依申请公开经办人）编号。")
@click.option("--applicant", required=True, help="申请人姓名或名称。")
@click.option("--type", "applicant_type", type=_choice([t.value for t in ApplicantType]), default="natural_person")
@click.option("--contact", required=True, help="联系方式。")
@click.option("--description", required=True, help="所需信息的名称、文号或特征性描述。")
@click.option("--channel", type=_choice([c.value for c in Channel]), required=True, help="提交方式。")
@click.option(
    "--received",
    "received",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="按提交方式确定的日期：当面提交日、签收日或双方确认日（条例第31条）。",
)
@click.option("--id", "application_id", default=None, help="申请编号（默认自动生成）。")
def register_cmd(
    db: str,
    calendar_file: Path | None,
    now_text: str | None,
    actors_file: Path | None,
    actor_id: str,
    applicant: str,
    applicant_type: str,
    contact: str,
    description: str,
    channel: str,
    received: Any,
    application_id: str | None,
) -> None:
    """登记一件政府信息公开申请，并开始计算答复期限。"""
    database = open_database(db)
    try:
        actor = resolve_actor(database, actor_id, actors_file)
        flow = _flow(database, calendar_file, now_text)
        kind = Channel._value2member_map_[channel.lower()]
        day: date = received.date()
        dates = {
            Channel.IN_PERSON: {"submitted_on": day},
            Channel.POST_SIGNED: {"signed_on": day},
        }.get(kind, {"confirmed_on": day})  # type: ignore[call-overload]
        app = flow.requests.register(
            actor,
            applicant_name=applicant,
            applicant_type=ApplicantType._value2member_map_[applicant_type.lower()],  # type: ignore[arg-type]
            contact=contact,
            description=description,
            channel=kind,  # type: ignore[arg-type]
            application_id=application_id,
            **dates,
        )
        timers = flow.clocks.timers(app.id, open_only=True)
        flow.close()
    finally:
        database.close()
    due = next((due_text(t) for t in timers if t.rule_id == "D3"), "—")
    console().print(f"已登记申请 {app.id}：收到申请之日 {app.received_on}，答复期限至 {due}（20个工作日）。")


@requests.command("act")
@db_option
@calendar_option
@now_option
@actors_option
@click.argument("application_id")
@click.argument("action", type=_choice(sorted(_ACTIONS)))
@click.option("--actor", "actor_id", required=True, help="办理人编号。")
@click.option("--opinion", default=None, help="意见（补正事项、征求意见说明、延期理由等）。")
@click.option("--consulting", type=_choice(["third_party", "co_author"]), default=None, help="征求意见的对象。")
@click.option("--days", type=int, default=None, help="延长的工作日数（不超过20）。")
@click.option("--category", type=_choice([c.value for c in ReplyCategory]), default=None, help="答复类别。")
@click.option("--deny-reason", type=_choice([r.value for r in DenyReason]), default=None, help="不予公开的理由。")
@click.option("--reply-text", default=None, help="答复书正文（须含救济途径）；不写则自动生成。")
@click.option(
    "--on",
    "occurred_on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="办理事项发生的日期（如收到补正申请之日），默认为登记当日；期限从这一天起算（条例第三十条）。",
)
def act_cmd(
    db: str,
    calendar_file: Path | None,
    now_text: str | None,
    actors_file: Path | None,
    application_id: str,
    action: str,
    actor_id: str,
    opinion: str | None,
    consulting: str | None,
    days: int | None,
    category: str | None,
    deny_reason: str | None,
    reply_text: str | None,
    occurred_on: datetime | None,
) -> None:
    """办理申请：accept、request_correction、receive_correction、consult、receive_opinions、extend、reply、archive…"""
    database = open_database(db)
    try:
        actor = resolve_actor(database, actor_id, actors_file)
        flow = _flow(database, calendar_file, now_text)
        app = flow.requests.act(
            application_id,
            _ACTIONS[action.lower()],
            actor,
            opinion=opinion,
            consulting=consulting,
            days=days,
            category=ReplyCategory._value2member_map_[category.lower()] if category else None,  # type: ignore[arg-type]
            deny_reason=DenyReason._value2member_map_[deny_reason.lower()] if deny_reason else None,  # type: ignore[arg-type]
            reply_text=reply_text,
            occurred_on=occurred_on.date() if occurred_on is not None else None,
        )
        timers = flow.clocks.timers(app.id, open_only=True)
        flow.close()
    finally:
        database.close()
    stage = flow.workflow.chains.get(app.chain_id, app.chain_version).stage(app.state).label
    running = [t for t in timers if t.rule_id == "D3" and t.status is TimerStatus.RUNNING]
    due = f"答复期限至 {due_text(running[0])}。" if running else ""
    console().print(f"申请 {app.id}：{_ACTIONS[action.lower()].label}完成，当前环节“{stage}”。{due}")
    if app.remedy and action.lower() == "reply":
        console().print(f"答复书：{app.reply_text}")


@requests.command("show")
@db_option
@calendar_option
@click.argument("application_id")
def show_cmd(db: str, calendar_file: Path | None, application_id: str) -> None:
    """显示一件申请：基本情况、计时器和办理记录。"""
    database = open_database(db)
    try:
        flow = _flow(database, calendar_file, None)
        app = flow.requests.get(application_id)
        timers = flow.clocks.timers(application_id)
        trail = flow.requests.audit(application_id)
        flow.close()
    finally:
        database.close()
    out = console()
    stage = flow.workflow.chains.get(app.chain_id, app.chain_version).stage(app.state).label
    out.print(f"申请 {app.id}（{stage}）：{app.applicant_name}（{app.applicant_type.label}），{app.channel.label}")
    out.print(f"所需信息：{app.description}；收到申请之日：{app.received_on}")
    if app.reply_category is not None:
        out.print(f"答复：{app.reply_category.label}；{app.reply_text or ''}")
    if app.linked_item_id:
        out.print(f"已纳入主动公开：{app.linked_item_id}")
    table = Table(title="计时器")
    for col in ("规则", "期限（北京时间）", "状态", "暂定", "延长"):
        table.add_column(col)
    for t in timers:
        table.add_row(
            t.rule_id,
            due_text(t),
            t.status.label,
            "暂定" if t.provisional else "",
            str(t.extended_days or ""),
        )
    out.print(table)
    log = Table(title="办理记录")
    for col in ("办理日期", "登记时间（北京时间）", "办理人", "操作", "意见"):
        log.add_column(col)
    for e in trail:
        log.add_row(
            e.occurred_on.isoformat() if e.occurred_on is not None else "",
            f"{e.at.astimezone(BUREAU_TZ):%Y-%m-%d %H:%M}",
            e.actor_name,
            e.decision,
            e.opinion or "",
        )
    out.print(log)


@requests.command("letter")
@db_option
@click.argument("application_id")
@click.option("--format", "fmt", type=click.Choice(["docx", "html"]), default="docx", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True, help="输出文件。")
@click.option("--bureau", "bureau_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="机关配置文件 bureau.toml（默认使用随软件提供的配置）。")  # fmt: skip
def letter_cmd(db: str, application_id: str, fmt: str, output: Path, bureau_file: Path | None) -> None:
    """生成已答复申请的答复告知书（.docx 或 .html）：答复内容、依据条款、救济途径、落款和日期。"""
    from ..bureau import load_bureau
    from ..reports.letters import letter_docx, letter_html, reply_letter

    bureau = load_bureau(bureau_file)
    database = open_database(db)
    try:
        flow = _flow(database, None, None)
        app = flow.requests.get(application_id)
        flow.close()
    finally:
        database.close()
    letter = reply_letter(app, bureau)
    if fmt == "html":
        output.write_text(letter_html(letter), encoding="utf-8")
    else:
        letter_docx(letter, output)
    console().print(f"已生成申请 {app.id} 的答复告知书：{output}")


@requests.command("list")
@db_option
@click.option("--state", "states", multiple=True, help="只显示这些环节的申请（可多次指定），例如 reviewing。")
def list_cmd(db: str, states: tuple[str, ...]) -> None:
    """列出申请：编号、申请人、收到日期、当前环节、答复类别。"""
    database = open_database(db)
    try:
        flow = _flow(database, None, None)
        apps = flow.requests.all(states=list(states) or None)
        flow.close()
    finally:
        database.close()
    table = Table(title=f"政府信息公开申请（{len(apps)} 件）")
    for col in ("编号", "申请人", "收到申请之日", "当前环节", "答复类别"):
        table.add_column(col)
    for a in apps:
        stage = flow.workflow.chains.get(a.chain_id, a.chain_version).stage(a.state).label
        table.add_row(
            a.id, a.applicant_name, a.received_on.isoformat(), stage, a.reply_category.label if a.reply_category else ""
        )
    console().print(table)


@requests.command("abandon-overdue")
@db_option
@calendar_option
@now_option
@actors_option
@click.option("--actor", "actor_id", required=True, help="办理人（依申请公开经办人）编号。")
def abandon_overdue_cmd(
    db: str, calendar_file: Path | None, now_text: str | None, actors_file: Path | None, actor_id: str
) -> None:
    """把补正期限已过仍未补正的申请登记为“视为放弃”（条例第30条），可与 gongkai tick 一起定时运行。"""
    database = open_database(db)
    try:
        actor = resolve_actor(database, actor_id, actors_file)
        flow = _flow(database, calendar_file, now_text)
        gone = flow.requests.abandon_overdue(actor)
        flow.close()
    finally:
        database.close()
    names = "、".join(a.id for a in gone) or "无"
    console().print(f"视为放弃的申请 {len(gone)} 件：{names}。")
