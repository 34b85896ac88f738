"""``gongkai form ITEM``: the review form (附件2) of an item, as .docx or HTML."""

from __future__ import annotations

from pathlib import Path

import click

from ..reports.form import DEFAULT_AGENCY, form_docx, form_html, review_form
from ..service import Flow
from ._app import cli, console
from ._output import write_output, write_text_output
from .db import db_option, open_database


@cli.command("form")
@db_option
@click.argument("item_id")
@click.option("--format", "fmt", type=click.Choice(["docx", "html"]), default="docx", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None, help="输出文件；默认 审核表-ITEM.格式。")
@click.option("--agency", default=DEFAULT_AGENCY, show_default=True, help="机关名称（表头）。")
def form_cmd(db: str, item_id: str, fmt: str, output: Path | None, agency: str) -> None:
    """生成一条信息的《政府信息公开及合规性审核表》（附件2），签字取自审核记录。"""
    database = open_database(db)
    try:
        flow = Flow(database=database, dispatch=False)
        form = review_form(flow, item_id, agency=agency)
        flow.close()
    finally:
        database.close()
    target = output if output is not None else Path(f"审核表-{item_id}.{fmt}")
    if fmt == "docx":
        write_output(target, lambda path: form_docx(form, path))
    else:
        write_text_output(target, form_html(form))
    console().print(f"已生成审核表：{target}")
