"""``gongkai audit verify | seal | anchor``: the tamper-evident audit trails and their anchors."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import click
from rich.table import Table

from ..model import SUBJECT_LABELS, AuditReport
from ..storage.errors import AnchorError, AuditChainBrokenError
from ..storage.hashchain import Anchor
from ..storage.sql import SqlRepository
from ..storage.sql.ledger import head, link_pending, verify_ledger
from ..storage.sql.mapping import utcnow
from ..storage.sql.verify import verify_database
from ._app import cli, console
from .db import db_option, open_database

_KINDS = {
    "edited": "篡改",
    "deleted": "删除",
    "inserted": "插入",
    "reordered": "调换顺序",
    "duplicated": "复制",
    "mismatch": "与审核记录不符",
    "missing": "整条删除",
}


@cli.group()
def audit() -> None:
    """审核记录（防篡改哈希链、全库哈希链与锚点）。"""


def _read_anchor(path: str) -> Anchor:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorError(
            f"无法读取锚点文件 {path}：{exc.strerror if isinstance(exc, OSError) else '编码错误'}。"
        ) from exc
    return Anchor.from_text(text, source=f"锚点文件 {path} ")


@audit.command("verify")
@db_option
@click.option("--item", "item_ids", multiple=True, help="只校验这些信息（可多次指定）；默认校验全部。")
@click.option(
    "--anchor",
    "anchor_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="用 gongkai audit anchor 生成的锚点文件核对此前的历史（可多次指定）。",
)
def audit_verify(db: str, item_ids: Sequence[str], anchor_files: Sequence[str]) -> None:
    """校验审核记录：各信息、依申请公开申请的哈希链，数据行与审核记录是否一致，全库哈希链与锚点。

    发现被篡改、删除、插入、复制或调换顺序的记录时逐条列出并以非零状态退出。
    """
    anchors = [_read_anchor(p) for p in anchor_files]
    database = open_database(db)
    try:
        with database.transaction(write=False) as conn:
            pending = 0
            if not item_ids:
                report, pending = verify_database(conn, anchors)
            else:
                report = SqlRepository(conn).verify_audit(list(item_ids))
                if anchors:
                    report = report + verify_ledger(conn, anchors)
    finally:
        database.close()
    _print(report, pending)


def _print(report: AuditReport, pending: int) -> None:
    out = console()
    if report.ok:
        counted = (
            f"已校验 {report.items_checked} 条信息、{report.applications_checked} 件依申请公开申请、"
            f"{report.entries_checked} 条审核记录；全库哈希链 {report.linked} 个链接"
        )
        if report.anchors_checked:
            counted += f"，与 {report.anchors_checked} 个锚点一致"
        out.print(f"{counted}：哈希链完整，未发现篡改。")
        if pending:
            out.print(f"另有 {pending} 条记录尚未加入全库哈希链（运行 gongkai audit seal 加入）。")
        return
    table = Table(title="审核记录校验发现的问题")
    for col in ("对象", "编号", "第几条", "问题", "说明"):
        table.add_column(col)
    for p in report.problems:
        detail = p.detail
        if p.kind == "mismatch":
            detail = f"{p.field}：{detail}（数据行：{p.row_value}；审核记录：{p.audit_value}）"
        table.add_row(
            SUBJECT_LABELS.get(p.subject, p.subject),
            p.item_id,
            str(p.position) if p.position else "—",
            _KINDS[p.kind],
            detail,
        )
    out.print(table)
    subjects = len({(p.subject, p.item_id) for p in report.problems})
    raise AuditChainBrokenError(
        f"审核记录校验未通过：{subjects} 个对象共 {len(report.problems)} 处问题"
        f"（已校验 {report.items_checked} 条信息、{report.applications_checked} 件申请）。",
        problems=len(report.problems),
    )


@audit.command("seal")
@db_option
def audit_seal(db: str) -> None:
    """把已提交但尚未加入全库哈希链的审核记录和年报记录依次链接进去。"""
    database = open_database(db)
    try:
        with database.transaction() as conn:
            linked = link_pending(conn)
            seq, _ = head(conn)
    finally:
        database.close()
    console().print(f"已把 {linked} 条记录加入全库哈希链（现共 {seq} 个链接）。")


@audit.command("anchor")
@db_option
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="写入此文件；默认输出到屏幕。")
def audit_anchor(db: str, output: str | None) -> None:
    """先把新记录加入全库哈希链，再输出链头（序号、哈希、北京时间），供打印存档或另行保存。"""
    database = open_database(db)
    try:
        with database.transaction() as conn:
            link_pending(conn)
            seq, digest = head(conn)
    finally:
        database.close()
    text = Anchor(seq, digest, utcnow()).to_text()
    if output is None:
        click.echo(text, nl=False)
        return
    _write_atomically(Path(output), text)
    console().print(f"已把锚点（全库哈希链第 {seq} 个链接）写入 {output}。")


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a temporary file renamed into place)."""
    folder = path.parent if str(path.parent) else Path()
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".anchor-", suffix=".tmp")
    except OSError as exc:
        raise AnchorError(f"无法写入锚点文件 {path}：{exc.strerror or exc}。") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise AnchorError(f"无法写入锚点文件 {path}：{exc.strerror or exc}。") from exc
