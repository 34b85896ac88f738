"""``gongkai ledger --from DATE --to DATE``: the ledger (台账) of a period as .xlsx."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from ..reports.ledger import application_rows, ledger_rows, write_ledger
from ..service import Flow
from ._app import cli, console
from ._output import write_output
from .db import db_option, open_database


@cli.command("ledger")
@db_option
@click.option("--from", "start", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="开始日期（含）。")
@click.option("--to", "end", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="结束日期（含）。")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), default=None, help="输出文件；默认 台账-开始-结束.xlsx。"
)
def ledger_cmd(db: str, start: datetime, end: datetime, output: Path | None) -> None:
    """生成一段时间内起草或发布的全部信息及收到或答复的申请的台账（.xlsx，表头冻结、可筛选）。"""
    database = open_database(db)
    try:
        flow = Flow(database=database, dispatch=False)
        rows = ledger_rows(flow, start.date(), end.date())
        applications = application_rows(flow, start.date(), end.date())
        flow.close()
    finally:
        database.close()
    target = output if output is not None else Path(f"台账-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")
    write_output(
        target,
        lambda path: write_ledger(rows, path, title=f"台账{start:%Y%m%d}-{end:%Y%m%d}", applications=applications),
    )
    console().print(f"已生成台账：{target}（{len(rows)} 条信息，{len(applications)} 件依申请公开）")
