"""``gongkai items attach | detach | list | export``: an item's attachments (附件)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import click
from rich.table import Table

from ..errors import InvalidFieldError
from ..service import Flow
from ._app import cli, console
from ._output import write_bytes_output
from .db import db_option, open_database, resolve_actor


def read_bounded(path: Path, limit: int) -> bytes:
    """A regular file's bytes, refused before reading if it is not a regular file or is larger than ``limit``."""
    try:
        info = os.stat(path)  # follows a symlink: its target must be a regular file too
    except OSError as exc:
        raise InvalidFieldError(f"无法读取文件 {path}：{exc.strerror or exc}。", field="file") from None
    if not stat.S_ISREG(info.st_mode):
        raise InvalidFieldError(f"{path} 不是普通文件（设备、管道或文件夹），不能作为附件。", field="file")
    if info.st_size > limit:
        raise InvalidFieldError(f"文件 {path} 有 {info.st_size:,} 字节，超过附件上限 {limit:,} 字节。", field="file")
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)  # never more than the cap, even if the file grew meanwhile
    except OSError as exc:
        raise InvalidFieldError(f"无法读取文件 {path}：{exc.strerror or exc}。", field="file") from None
    if len(data) > limit:
        raise InvalidFieldError(f"文件 {path} 超过附件上限 {limit:,} 字节。", field="file")
    return data


_actor_option = click.option("--actor", "actor_id", required=True, help="承办人编号（只有承办人可以增删附件）。")
_actors_file_option = click.option(
    "--actors", "actors_file", type=click.Path(path_type=Path), default=None, help="人员名单 TOML 文件；默认读数据库。"
)


@cli.group()
def items() -> None:
    """信息的附件：添加、删除、列出、导出。"""


@items.command("attach")
@db_option
@_actor_option
@_actors_file_option
@click.argument("item_id")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--name", default=None, help="附件名称；默认取文件名。")
@click.option("--media-type", default=None, help="媒体类型；默认按文件名判断。")
def attach_cmd(
    db: str, actor_id: str, actors_file: Path | None, item_id: str, file: Path, name: str | None, media_type: str | None
) -> None:
    """承办人为信息添加附件（同名附件被替换）；附件计入内容摘要，已有的审核签字随之作废。"""
    database = open_database(db)
    try:
        actor = resolve_actor(database, actor_id, actors_file)
        flow = Flow(database=database, dispatch=False)
        try:
            data = read_bounded(file, flow.max_attachment_size)
            item = flow.attach(item_id, actor, name or file.name, data, media_type=media_type)
        finally:
            flow.close()
    finally:
        database.close()
    attached = next(a for a in item.attachments if a.name == (name or file.name))
    console().print(f"已添加附件“{attached.name}”（{attached.size:,} 字节，SHA-256 {attached.sha256[:12]}…）。")


@items.command("detach")
@db_option
@_actor_option
@_actors_file_option
@click.argument("item_id")
@click.argument("name")
def detach_cmd(db: str, actor_id: str, actors_file: Path | None, item_id: str, name: str) -> None:
    """承办人删除信息的一个附件。"""
    database = open_database(db)
    try:
        actor = resolve_actor(database, actor_id, actors_file)
        with Flow(database=database, dispatch=False) as flow:
            flow.detach(item_id, actor, name)
    finally:
        database.close()
    console().print(f"已删除附件“{name}”。")


@items.command("list")
@db_option
@click.argument("item_id")
def list_cmd(db: str, item_id: str) -> None:
    """列出信息的附件：名称、类型、大小、SHA-256。"""
    database = open_database(db)
    try:
        with Flow(database=database, dispatch=False) as flow:
            item = flow.get(item_id)
    finally:
        database.close()
    table = Table(title=f"《{item.title}》的附件")
    for column in ("名称", "类型", "大小（字节）", "SHA-256"):
        table.add_column(column)
    for a in item.attachments:
        table.add_row(a.name, a.media_type, f"{a.size:,}", a.sha256)
    console().print(table if item.attachments else f"《{item.title}》没有附件。")


@items.command("export")
@db_option
@click.argument("item_id")
@click.argument("name")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="保存到的文件。")
def export_cmd(db: str, item_id: str, name: str, output: Path) -> None:
    """导出一个附件（内容与 SHA-256 核对无误才写出）。"""
    database = open_database(db)
    try:
        with Flow(database=database, dispatch=False) as flow:
            data = flow.attachment_data(item_id, name)
    finally:
        database.close()
    write_bytes_output(output, data)
    console().print(f"已导出附件到 {output!s}（{len(data):,} 字节）。")
