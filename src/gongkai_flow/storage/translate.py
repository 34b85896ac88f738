"""Driver errors to typed storage errors: what every SQL adapter wraps its statements in.

A recognised driver error (SQLite's named result codes, PostgreSQL's SQLSTATE classes) becomes a
:class:`~gongkai_flow.storage.errors.StorageError` with a Chinese message saying what to do; the
transaction it happened in is rolled back by its owner, so nothing was changed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Final, ParamSpec, TypeVar

from sqlalchemy import exc as sa_exc

from .errors import (
    ConnectionLostError,
    CorruptDatabaseError,
    DatabaseLockedError,
    DatabaseUnavailableError,
    NotADatabaseError,
    SchemaMismatchError,
    StorageError,
)

P = ParamSpec("P")
T = TypeVar("T")

_PG_LOCKED: Final = {"55P03", "57014", "40P01", "40001"}
_PG_SCHEMA: Final = {"42P01", "42703", "42883"}
_PG_LOST: Final = {"57P01", "57P02", "57P03"}


def translate_error(exc: BaseException, *, where: str = "数据库") -> StorageError | None:
    """The typed storage error for a driver error, or ``None`` if it is not one we recognise."""
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    orig = exc.orig
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    name = getattr(orig, "sqlite_errorname", None)
    if isinstance(name, str):
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            return DatabaseLockedError(
                f"{where}正被其他程序占用（加锁等待超时），本次操作未执行，数据未改动。请稍后重试。", reason=text
            )
        if name == "SQLITE_NOTADB":
            return NotADatabaseError(f"{where}不是 SQLite 数据库文件（或文件头已损坏），未做任何改动。", reason=text)
        if name.startswith("SQLITE_CORRUPT"):
            return CorruptDatabaseError(
                f"{where}已损坏（database disk image is malformed），本次操作未执行。请从备份恢复或联系管理员。",
                reason=text,
            )
        if name.startswith("SQLITE_CANTOPEN"):
            return DatabaseUnavailableError(f"无法打开{where}（路径不存在或没有权限）。", reason=text)
        if name.startswith("SQLITE_READONLY"):
            return DatabaseUnavailableError(f"{where}是只读的，无法保存。", reason=text)
        if name == "SQLITE_FULL":
            return StorageError(f"磁盘已满，{where}无法写入，本次操作未保存。", reason=text)
        if name.startswith("SQLITE_IOERR"):
            return StorageError(f"读写{where}时出错，本次操作未保存。", reason=text)
        if "no such table" in text or "no such column" in text:
            return _schema_mismatch(where, text)
        return None
    sqlstate = getattr(orig, "sqlstate", None)
    if exc.connection_invalidated or sqlstate in _PG_LOST or (isinstance(sqlstate, str) and sqlstate.startswith("08")):
        return ConnectionLostError(
            f"与{where}的连接中断，本次操作已撤销，数据未改动。请检查网络或数据库服务后重试。", reason=text
        )
    if sqlstate in _PG_LOCKED:
        return DatabaseLockedError(f"{where}繁忙（锁等待超时或冲突），本次操作已撤销。请稍后重试。", reason=text)
    if sqlstate in _PG_SCHEMA:
        return _schema_mismatch(where, text)
    if sqlstate is None and isinstance(exc, sa_exc.OperationalError):
        return DatabaseUnavailableError(f"无法连接{where}：{text}", reason=text)
    return None


def _schema_mismatch(where: str, text: str) -> SchemaMismatchError:
    return SchemaMismatchError(
        f"{where}缺少 gongkai_flow 需要的数据表或字段（{text}）。请运行 gongkai db upgrade，或检查是否连错了数据库。",
        reason=text,
    )


@contextmanager
def storage_errors(where: str = "数据库") -> Iterator[None]:
    """Re-raise recognised driver errors as typed storage errors (``raise … from`` the original)."""
    try:
        yield
    except sa_exc.DBAPIError as exc:
        translated = translate_error(exc, where=where)
        if translated is None:
            raise
        raise translated from exc


def translated(where: str = "数据库") -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorate a function so that driver errors leave it as typed storage errors."""

    def wrap(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)  # keeps the name, docstring and signature (inspect, API docs)
        def inner(*args: P.args, **kwargs: P.kwargs) -> T:
            with storage_errors(where):
                return fn(*args, **kwargs)

        return inner

    return wrap
