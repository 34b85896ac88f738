"""``gongkai audit verify``: check every item's hash-chained audit trail."""

from __future__ import annotations

from collections.abc import Sequence

import click
from rich.table import Table

from ..storage.errors import AuditChainBrokenError
from ..storage.sql import SqlRepository
from ._app import cli, console
from .db import db_option, open_database

_KINDS = {"edited": "篡改", "deleted": "删除", "inserted": "插入", "reordered": "调换顺序"}


@cli.group()
def audit() -> None:
    """审核记录（防篡改哈希链）。"""


@audit.command("verify")
@db_option
@click.option("--item", "item_ids", multiple=True, help="只校验这些信息（可多次指定）；默认校验全部。")
def audit_verify(db: str, item_ids: Sequence[str]) -> None:
    """校验审核记录的哈希链：发现被篡改、删除、插入或调换顺序的记录时列出并以非零状态退出。"""
    database = open_database(db)
    try:
        with database.transaction(write=False) as conn:
            report = SqlRepository(conn).verify_audit(list(item_ids) or None)
    finally:
        database.close()
    out = console()
    if report.ok:
        counted = f"已校验 {report.items_checked} 条信息、{report.entries_checked} 条审核记录"
        out.print(f"{counted}：哈希链完整，未发现篡改。")
        return
    table = Table(title="审核记录校验发现的问题")
    for col in ("信息编号", "第几条", "问题", "说明"):
        table.add_column(col)
    for p in report.problems:
        table.add_row(p.item_id, str(p.position), _KINDS[p.kind], p.detail)
    out.print(table)
    items = len({p.item_id for p in report.problems})
    raise AuditChainBrokenError(
        f"审核记录校验未通过：{items} 条信息共 {len(report.problems)} 处问题（已校验 {report.items_checked} 条信息）。",
        problems=len(report.problems),
    )
