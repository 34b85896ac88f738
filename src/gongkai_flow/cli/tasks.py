"""``gongkai tasks --actor ID`` (待办 and 已办) and ``gongkai actors import | list``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click
from rich.table import Table

from ..chain import ChainSet
from ..directory import ActorDirectory, TomlActorDirectory, actors_from_toml
from ..model import Actor, DisclosureItem
from ..storage.sql import SqlActorDirectory, SqlRepository
from ..storage.worklist import WorkItem
from ._app import cli, console
from .db import db_option, open_database


def _items_table(title: str, items: Sequence[DisclosureItem | WorkItem], chains: ChainSet) -> Table:
    table = Table(title=title)
    for col in ("信息编号", "信息名称", "类别", "当前环节", "责任科室", "版本"):
        table.add_column(col)
    for item in items:
        chain = chains.get(item.chain_id, item.chain_version)
        stage = chain.stage(item.state).label if chain.has_stage(item.state) else item.state
        table.add_row(item.id, item.title, item.kind.label, stage, "、".join(item.sections), str(item.version))
    return table


@cli.command("tasks")
@db_option
@click.option("--actor", "actor_id", required=True, help="人员编号（须在人员目录中）。")
@click.option(
    "--actors",
    "actors_file",
    type=click.Path(path_type=Path),
    default=None,
    help="人员名单 TOML 文件；默认读数据库中的人员目录。",
)
@click.option("--limit", default=50, show_default=True, help="每个列表最多显示多少条（0 表示全部）。")
@click.option("--todo-only", is_flag=True, help="只显示待办。")
def tasks_cmd(db: str, actor_id: str, actors_file: Path | None, limit: int, todo_only: bool) -> None:
    """显示某人的待办（现在可以处理的信息）和已办（处理过的信息）。"""
    database = open_database(db)
    chains = ChainSet.standard()
    try:
        with database.transaction(write=False) as conn:
            directory: ActorDirectory = (
                TomlActorDirectory(actors_file) if actors_file is not None else SqlActorDirectory(conn)
            )
            actor = directory.get(actor_id)
            repo = SqlRepository(conn)
            todo = repo.worklist(actor, limit=limit or None)
            todo_count = repo.worklist_count(actor)
            done = [] if todo_only else repo.done(actor, limit=limit or None)
    finally:
        database.close()
    out = console()
    out.print(f"{actor.name}（{actor.id}，{actor.section}；角色：{_roles(actor)}）")
    shown = f"，显示前 {len(todo)} 条" if len(todo) < todo_count else ""
    out.print(_items_table(f"待办（共 {todo_count} 条{shown}）", todo, chains))
    if not todo_only:
        out.print(_items_table(f"已办（最近 {len(done)} 条）", done, chains))


def _roles(actor: Actor) -> str:
    return "、".join(sorted(r.label for r in actor.roles)) or "无"


@cli.group()
def actors() -> None:
    """人员目录（供命令行查询待办、已办使用）。"""


@actors.command("import")
@db_option
@click.argument("file", type=click.Path(path_type=Path))
def actors_import(db: str, file: Path) -> None:
    """从 TOML 人员名单导入人员目录；名单中没有的人员标记为停用（不删除）。"""
    people = actors_from_toml(file)
    database = open_database(db)
    try:
        with database.transaction() as conn:
            written, deactivated = SqlActorDirectory(conn).replace_all(people)
    finally:
        database.close()
    console().print(f"已导入 {written} 名人员；停用 {deactivated} 名不在名单中的人员。")


@actors.command("list")
@db_option
def actors_list(db: str) -> None:
    """列出人员目录。"""
    database = open_database(db)
    try:
        with database.transaction(write=False) as conn:
            people = SqlActorDirectory(conn).all()
    finally:
        database.close()
    table = Table(title=f"人员目录（{len(people)} 人）")
    for col in ("编号", "姓名", "科室", "角色", "分管科室"):
        table.add_column(col)
    for a in people:
        table.add_row(a.id, a.name, a.section, _roles(a), "、".join(sorted(a.in_charge_of)))
    console().print(table)
