"""``gongkai tick``: turn the statutory clocks into notices in the outbox (run it from cron)."""

from __future__ import annotations

from pathlib import Path

import click

from ..service import Flow
from ..storage.sql.ledger import seal
from ._app import cli, console
from .db import db_option, open_database
from .deadlines import calendar_option, make_calendar, now_option, parse_now


@cli.command("tick")
@db_option
@calendar_option
@now_option
@click.option("--batch", default=500, show_default=True, help="每个事务处理多少个计时器。")
def tick_cmd(db: str, calendar_file: Path | None, now_text: str | None, batch: int) -> None:
    """检查法定时限，把即将到期、今日到期、已超期的提醒写入发件箱（每条只写一次），由 gongkai dispatch 投递。

    可以多个进程同时运行（PostgreSQL 上互不重复）；同一时刻重复运行不会重复提醒。
    结束时把已提交的新记录（含计时器的变更历史）加入全库哈希链。
    """
    now = parse_now(now_text)
    database = open_database(db)
    try:
        flow = Flow(database=database, calendar=make_calendar(calendar_file), dispatch=False)
        report = flow.clocks.tick(now, batch=max(1, batch))
        duty_notices = flow.duties.tick(now)
        flow.close()
        # The timers' changes (and whatever else committed) join the database-wide chain.
        sealed = seal(database)
    finally:
        database.close()
    counts: dict[str, int] = {}
    for notice in report.notices:
        counts[notice.type] = counts.get(notice.type, 0) + 1
    console().print(
        f"检查计时器 {report.examined} 个；新提醒 {len(report.notices)} 条"
        f"（即将到期 {counts.get('deadline-approaching', 0)}，今日到期 {counts.get('deadline-due', 0)}，"
        f"已超期 {counts.get('deadline-missed', 0)}）；公开事项提醒 {len(duty_notices)} 条。"
        + (f"已把 {sealed} 条记录加入全库哈希链。" if sealed else "")
    )
