"""Opening a database for gongkai_flow: engines, the schema check, migrations, and error translation.

* :func:`create_engine` opens a SQLite file (WAL, ``synchronous=NORMAL``, foreign keys on, a busy
  timeout, and explicit ``BEGIN``/``BEGIN IMMEDIATE`` so writers queue up instead of failing) or
  any SQLAlchemy URL (``postgresql://`` means psycopg 3).
* :func:`inspect_schema` tells an empty database from ours (current, older, newer) and from a
  foreign or broken file — reading only, so a file that is not ours is left exactly as it was.
* :func:`upgrade` runs the Alembic migrations shipped in :mod:`gongkai_flow.migrations`
  (``gongkai db upgrade``); :func:`create_schema` builds an empty database at the newest schema.
* :func:`~gongkai_flow.storage.translate.translate_error` turns driver errors into the typed errors of
  :mod:`gongkai_flow.storage.errors`, each with a code and a Chinese message.
* :class:`Database` bundles an engine with all that, for the ``Flow`` façade and the CLI.
"""

from __future__ import annotations

import enum
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, ParamSpec, TypeVar, final

import attrs
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, Engine, make_url

from .errors import (
    CorruptDatabaseError,
    DatabaseLockedError,
    DatabaseNotFoundError,
    DatabaseUnavailableError,
    DatabaseUrlError,
    ForeignDatabaseError,
    NotADatabaseError,
    SchemaMismatchError,
    SchemaMissingError,
    SchemaOutdatedError,
    SchemaTooNewError,
)
from .sql.schema import metadata
from .translate import storage_errors

#: The Alembic version table (named so it never collides with the host's own ``alembic_version``).
VERSION_TABLE: Final = "gongkai_alembic_version"
#: Every schema revision, oldest first; the last is what this version of the library needs.
SCHEMA_HISTORY: Final = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010", "0011")
#: The schema revision this version of the library works with.
SCHEMA_HEAD: Final = SCHEMA_HISTORY[-1]
#: Environment variable naming the database of the CLI when ``--db`` is not given.
DATABASE_ENV: Final = "GONGKAI_DATABASE_URL"

P = ParamSpec("P")
T = TypeVar("T")


# --- URLs and engines -------------------------------------------------------------------------------


def database_url(target: str | os.PathLike[str] | URL) -> URL:
    """The SQLAlchemy URL for ``target``: a URL as given, or a file path meaning SQLite.

    ``postgresql://`` URLs get the psycopg 3 driver. Anything else — an address that does not
    parse, another database (``mysql://``), another driver, control characters in a path — is a
    :class:`DatabaseUrlError`, before any driver is loaded.
    """
    if isinstance(target, URL):
        url = target
    else:
        try:
            text = os.fspath(target)
        except TypeError:
            raise DatabaseUrlError(f"数据库地址须为文字或路径，不能是 {type(target).__name__}。") from None
        if not isinstance(text, str) or not text.strip():
            raise DatabaseUrlError("请写明数据库：SQLite 文件路径，或 postgresql://… 地址。")
        if not text.isprintable():
            raise DatabaseUrlError("数据库地址含有控制字符或无法识别的字符，请检查后重试。")
        if "://" not in text:
            return URL.create("sqlite+pysqlite", database=str(Path(text).expanduser().absolute()))
        try:
            url = make_url(text)
        except (sa_exc.ArgumentError, ValueError):
            raise DatabaseUrlError(
                "无法识别数据库地址。请写 SQLite 文件路径，或 postgresql://用户@主机/库名 形式的地址。"
            ) from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername == "sqlite":
        url = url.set(drivername="sqlite+pysqlite")
    if url.drivername not in _SUPPORTED_DRIVERS:
        raise DatabaseUrlError(
            f"不支持数据库“{url.drivername}”：gongkai_flow 只支持 SQLite（文件路径或 sqlite:///路径）"
            "和 PostgreSQL（postgresql://用户@主机/库名）。",
            driver=url.drivername,
        )
    return url


#: The SQLAlchemy drivers gongkai_flow is built and tested for.
_SUPPORTED_DRIVERS: Final = frozenset({"sqlite+pysqlite", "postgresql+psycopg"})


def display_url(url: URL) -> str:
    """The URL without its password, for messages."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def create_engine(target: str | os.PathLike[str] | URL, *, busy_timeout: float = 10.0, **kwargs: Any) -> Engine:
    """An engine configured for gongkai_flow; nothing is read or written yet.

    For SQLite: WAL journal, ``synchronous=NORMAL``, foreign keys on, ``busy_timeout`` seconds of
    waiting for a lock. Transactions start with ``BEGIN``, or ``BEGIN IMMEDIATE`` on connections
    with the execution option ``gongkai_write=True`` (a read-then-write unit takes the write lock
    first, so it queues behind other writers instead of failing half-way).
    """
    url = database_url(target)
    backend = url.get_backend_name()
    options: dict[str, Any] = {"json_serializer": _json_dumps}
    if backend == "sqlite":
        options["connect_args"] = {"timeout": busy_timeout}
    elif backend == "postgresql":
        options["pool_pre_ping"] = True
        if "connect_timeout" not in url.query:
            options["connect_args"] = {"connect_timeout": max(1, int(busy_timeout))}
    options.update(kwargs)
    engine = sa.create_engine(url, **options)
    if backend == "sqlite":
        _configure_sqlite(engine, busy_timeout)
    return engine


def _configure_sqlite(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's begin event emits BEGIN itself
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if engine.url.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("gongkai_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# --- the schema -------------------------------------------------------------------------------------


class SchemaStatus(enum.Enum):
    """What :func:`inspect_schema` found."""

    EMPTY = "empty"
    CURRENT = "current"
    OUTDATED = "outdated"
    TOO_NEW = "too_new"
    FOREIGN = "foreign"
    UNVERSIONED = "unversioned"
    MISSING_FILE = "missing_file"


@final
@attrs.frozen
class SchemaState:
    """The schema revision of a database and what it means for this version of the library."""

    status: SchemaStatus
    revision: str | None
    head: str = SCHEMA_HEAD
    tables: tuple[str, ...] = ()


def _classify(tables: set[str], revision: str | None, *, shared: bool) -> SchemaState:
    ours = sorted(t for t in tables if t.startswith("gongkai_"))
    if revision is None:
        if not ours or ours == [VERSION_TABLE]:
            if tables - {VERSION_TABLE} and not shared:
                return SchemaState(SchemaStatus.FOREIGN, None, tables=tuple(sorted(tables)))
            return SchemaState(SchemaStatus.EMPTY, None)
        return SchemaState(SchemaStatus.UNVERSIONED, None, tables=tuple(ours))
    if revision == SCHEMA_HEAD:
        return SchemaState(SchemaStatus.CURRENT, revision, tables=tuple(ours))
    if revision in SCHEMA_HISTORY:
        return SchemaState(SchemaStatus.OUTDATED, revision, tables=tuple(ours))
    return SchemaState(SchemaStatus.TOO_NEW, revision, tables=tuple(ours))


def _probe_sqlite_file(path: Path) -> SchemaState:
    """Read a SQLite file's tables and schema revision through a read-only connection."""
    if not path.exists():
        return SchemaState(SchemaStatus.MISSING_FILE, None)
    where = f"数据库文件 {path}"
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error as exc:  # pragma: no cover - unreadable file (permissions)
        raise DatabaseUnavailableError(f"无法打开{where}：{exc}", reason=str(exc)) from exc
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        revision = None
        if VERSION_TABLE in tables:
            row = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
            revision = row[0] if row else None
    except sqlite3.Error as exc:
        name = getattr(exc, "sqlite_errorname", "")
        if name == "SQLITE_NOTADB":
            raise NotADatabaseError(
                f"{where}不是 SQLite 数据库（可能是其他类型的文件，或文件头已损坏），未做任何改动。", reason=str(exc)
            ) from exc
        if name.startswith("SQLITE_CORRUPT"):
            raise CorruptDatabaseError(
                f"{where}已损坏，未做任何改动。请从备份恢复或联系管理员。", reason=str(exc)
            ) from exc
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            raise DatabaseLockedError(f"{where}正被其他程序独占，请稍后重试。", reason=str(exc)) from exc
        raise DatabaseUnavailableError(f"无法读取{where}：{exc}", reason=str(exc)) from exc
    finally:
        conn.close()
    return _classify(tables, revision, shared=False)


def check_integrity(engine: Engine) -> str:
    """Read every page of a SQLite file (``PRAGMA quick_check``); ``CorruptDatabaseError`` if any is damaged.

    Returns what was checked, in Chinese, for ``gongkai db status``. PostgreSQL keeps its pages
    itself (checksums, the server's own checks): nothing is read there.
    """
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return "页面完整性由数据库服务器负责"
    path = Path(url.database)
    where = f"数据库文件 {path}"
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error as exc:  # pragma: no cover - unreadable file (permissions)
        raise DatabaseUnavailableError(f"无法打开{where}：{exc}", reason=str(exc)) from exc
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA quick_check(20)")]
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    finally:
        conn.close()
    if rows != ["ok"]:
        shown = "；".join(rows[:3]) + ("……" if len(rows) > 3 else "")
        raise CorruptDatabaseError(
            f"{where}有损坏的页面（{shown}），未做任何改动。请从备份恢复或联系管理员。", reason=shown
        )
    return "全部页面检查无误"


def inspect_schema(engine: Engine) -> SchemaState:
    """Find out, reading only, what ``engine``'s database holds."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return _probe_sqlite_file(Path(url.database or ""))
    with storage_errors(f"数据库 {display_url(url)}"), engine.connect() as conn:
        inspector = sa.inspect(conn)
        tables = set(inspector.get_table_names())
        revision = None
        if VERSION_TABLE in tables:
            revision = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
        conn.rollback()
    return _classify(tables, revision, shared=url.get_backend_name() != "sqlite")


def require_current(engine: Engine, state: SchemaState) -> None:
    """Raise the typed error that ``state`` calls for, unless the schema is current."""
    where = f"数据库 {display_url(engine.url)}"
    match state.status:
        case SchemaStatus.CURRENT:
            return
        case SchemaStatus.EMPTY | SchemaStatus.MISSING_FILE:
            raise SchemaMissingError(f"{where}中还没有 gongkai_flow 的数据表。请先运行 gongkai db upgrade 建表。")
        case SchemaStatus.OUTDATED:
            raise SchemaOutdatedError(
                f"{where}的结构是旧版本（{state.revision}），本程序需要 {state.head}。"
                "请先备份，再运行 gongkai db upgrade 升级；升级前数据不会被改动。",
                revision=state.revision,
                head=state.head,
            )
        case SchemaStatus.TOO_NEW:
            raise SchemaTooNewError(
                f"{where}已被更新版本的 gongkai_flow 升级（结构版本 {state.revision}），本程序只认识到 {state.head}。"
                "请升级 gongkai_flow 后再使用。",
                revision=state.revision,
                head=state.head,
            )
        case SchemaStatus.FOREIGN:
            names = "、".join(state.tables[:5])
            raise ForeignDatabaseError(
                f"{where}里是其他系统的数据表（{names}…），没有 gongkai_flow 的数据，可能连错了文件。未做任何改动。"
            )
        case SchemaStatus.UNVERSIONED:
            raise SchemaMismatchError(
                f"{where}中有 gongkai_flow 的数据表，但没有结构版本记录，无法判断是否可用。请联系管理员。"
            )


def create_schema(engine: Engine) -> None:
    """Create every table at the newest schema in an empty database, and record the revision.

    The same as running every migration (a test keeps the two equal), only faster.
    """
    with (
        storage_errors(f"数据库 {display_url(engine.url)}"),
        engine.execution_options(gongkai_write=True).begin() as conn,
    ):
        metadata.create_all(conn)
        version = sa.Table(
            VERSION_TABLE,
            sa.MetaData(),
            sa.Column("version_num", sa.String(32), primary_key=True),
        )
        version.create(conn, checkfirst=True)
        conn.execute(version.delete())
        conn.execute(version.insert().values(version_num=SCHEMA_HEAD))


def alembic_config(engine: Engine | None = None) -> Any:
    """The Alembic configuration of the shipped migrations (imports Alembic, which is slow-ish)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "gongkai_flow:migrations")
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate ``engine``'s database to ``revision`` in place; return (before, after).

    Refuses a foreign or broken database (the typed errors above) and one newer than this library.
    """
    from alembic import command

    state = inspect_schema(engine)
    if state.status is SchemaStatus.FOREIGN:
        require_current(engine, state)
    if state.status is SchemaStatus.TOO_NEW:
        require_current(engine, state)
    config = alembic_config(engine)
    with (
        storage_errors(f"数据库 {display_url(engine.url)}"),
        engine.execution_options(gongkai_write=True).begin() as conn,
    ):
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    return state.revision, inspect_schema(engine).revision


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate ``engine``'s database back to ``revision`` (for tests and emergencies)."""
    from alembic import command

    config = alembic_config(engine)
    with (
        storage_errors(f"数据库 {display_url(engine.url)}"),
        engine.execution_options(gongkai_write=True).begin() as conn,
    ):
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


# --- the bundle ------------------------------------------------------------------------------------------


@final
class Database:
    """An engine opened for gongkai_flow, its schema checked, with transactions that speak Chinese.

    ``target`` is a file path (SQLite), a SQLAlchemy URL or an engine. ``create`` builds the tables
    in an empty database (or a new file); ``migrate`` upgrades an older schema in place instead of
    refusing it. Any other state raises a typed error before anything is written.
    """

    def __init__(
        self,
        target: str | os.PathLike[str] | URL | Engine,
        *,
        create: bool = True,
        migrate: bool = False,
        busy_timeout: float = 10.0,
    ) -> None:
        self.owns_engine = not isinstance(target, Engine)
        self.engine = target if isinstance(target, Engine) else create_engine(target, busy_timeout=busy_timeout)
        self.where = f"数据库 {display_url(self.engine.url)}"
        try:
            state = inspect_schema(self.engine)
            if state.status in (SchemaStatus.EMPTY, SchemaStatus.MISSING_FILE):
                if state.status is SchemaStatus.MISSING_FILE and not create:
                    raise DatabaseNotFoundError(f"数据库文件 {self.engine.url.database} 不存在。")
                if not create:
                    require_current(self.engine, state)
                create_schema(self.engine)
            elif state.status is SchemaStatus.OUTDATED and migrate:
                upgrade(self.engine)
            else:
                require_current(self.engine, state)
        except BaseException:
            self.close()
            raise
        self.writer = self.engine.execution_options(gongkai_write=True)

    @property
    def url(self) -> URL:
        """The database's URL."""
        return self.engine.url

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Connection]:
        """One unit of work: commit on success, roll back on any error; driver errors come out typed."""
        engine = self.writer if write else self.engine
        with storage_errors(self.where):
            conn = engine.connect()
        try:
            with storage_errors(self.where), conn.begin():
                yield conn
        finally:
            with storage_errors(self.where):
                conn.close()

    def close(self) -> None:
        """Release the connections (the engine is disposed only if this object created it)."""
        if self.owns_engine:
            self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
