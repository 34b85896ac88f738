"""``gongkai db upgrade | status | reindex``, and the ``--db`` option the storage commands share."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..directory import ActorDirectory, TomlActorDirectory
from ..model import Actor
from ..storage.database import (
    DATABASE_ENV,
    SCHEMA_HEAD,
    Database,
    SchemaStatus,
    check_integrity,
    create_engine,
    display_url,
    inspect_schema,
    upgrade,
)
from ..storage.sql import SqlActorDirectory, SqlRepository
from ._app import EXIT_REFUSED, cli, console

F = TypeVar("F", bound=Callable[..., Any])

#: The database when neither ``--db`` nor ``GONGKAI_DATABASE_URL`` names one.
DEFAULT_DATABASE = "gongkai.db"


def db_option(fn: F) -> F:
    """The ``--db`` option: a SQLite file path or a SQLAlchemy URL (env ``GONGKAI_DATABASE_URL``)."""
    decorated: F = click.option(
        "--db",
        "--url",
        "db",
        envvar=DATABASE_ENV,
        default=DEFAULT_DATABASE,
        show_default=True,
        help=(
            "数据库：SQLite 文件路径，或 SQLAlchemy 地址（如 postgresql://user@host/db）；"
            f"也可用环境变量 {DATABASE_ENV}。"
        ),
    )(fn)
    return decorated


def open_database(db: str) -> Database:
    """Open an existing database whose schema is current (typed errors otherwise, nothing written)."""
    return Database(db, create=False)


@cli.group()
def db() -> None:
    """数据库：建表、升级、状态。"""


@db.command("upgrade")
@db_option
@click.option("--revision", default="head", show_default=True, help="升级到的结构版本。")
def db_upgrade(db: str, revision: str) -> None:
    """建表或把数据库结构升级到本程序需要的版本（原地升级，数据保留）。"""
    engine = create_engine(db)
    try:
        before, after = upgrade(engine, revision)
    finally:
        engine.dispose()
    where = display_url(engine.url)
    if before == after:
        console().print(f"数据库 {where} 已是结构版本 {after}，无需升级。")
    elif before is None:
        console().print(f"已在数据库 {where} 中建表（结构版本 {after}）。")
    else:
        console().print(f"数据库 {where} 已从结构版本 {before} 升级到 {after}。")


#: States in which there are no gongkai_flow pages to check.
_NO_TABLES = frozenset({SchemaStatus.MISSING_FILE, SchemaStatus.EMPTY, SchemaStatus.FOREIGN})


@db.command("status")
@db_option
def db_status(db: str) -> None:
    """显示数据库的结构版本，以及是否需要升级。"""
    engine = create_engine(db)
    try:
        state = inspect_schema(engine)
        # A file whose pages are damaged is never "ready": every page is read, not only the schema.
        integrity = check_integrity(engine) if state.status not in _NO_TABLES else "—"
    finally:
        engine.dispose()
    where = display_url(engine.url)
    text = {
        SchemaStatus.CURRENT: "最新，可以使用",
        SchemaStatus.OUTDATED: "旧版本，请运行 gongkai db upgrade",
        SchemaStatus.TOO_NEW: "比本程序新，请升级 gongkai_flow",
        SchemaStatus.EMPTY: "尚未建表，请运行 gongkai db upgrade",
        SchemaStatus.MISSING_FILE: "文件不存在",
        SchemaStatus.FOREIGN: "不是 gongkai_flow 的数据库",
        SchemaStatus.UNVERSIONED: "有数据表但没有版本记录",
    }[state.status]
    console().print(
        f"数据库：{where}\n结构版本：{state.revision or '无'}（本程序需要 {SCHEMA_HEAD}）\n"
        f"状态：{text}\n完整性：{integrity}"
    )
    if state.status is not SchemaStatus.CURRENT:
        # sys.exit, not click's Exit: the entry point runs click with standalone_mode=False.
        sys.exit(EXIT_REFUSED)


@db.command("reindex")
@db_option
def db_reindex(db: str) -> None:
    """重新计算所有在办信息的待办索引（更换审核流程定义后使用）。"""
    database = open_database(db)
    try:
        with database.transaction() as conn:
            count = SqlRepository(conn).reindex_worklist()
    finally:
        database.close()
    console().print(f"已重新计算 {count} 条在办信息的待办索引。")


def resolve_actor(database: Database, actor_id: str, actors_file: Path | None) -> Actor:
    """The person acting: from ``--actors FILE``, else the database's actor directory."""
    if actors_file is not None:
        directory: ActorDirectory = TomlActorDirectory(actors_file)
        return directory.get(actor_id)
    with database.transaction(write=False) as conn:
        return SqlActorDirectory(conn).get(actor_id)
