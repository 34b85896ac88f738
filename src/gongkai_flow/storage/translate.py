"""Driver errors to typed storage errors: what every SQL adapter wraps its statements in.

A recognised driver error (SQLite's named result codes, PostgreSQL's SQLSTATE classes) becomes a
:class:`~gongkai_flow.storage.errors.StorageError` with a Chinese message saying what to do; the
transaction it happened in is rolled back by its owner, so nothing was changed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Final, ParamSpec, TypeVar, final

from sqlalchemy import exc as sa_exc

from .errors import (
    ConnectionLostError,
    ConstraintError,
    CorruptDatabaseError,
    DatabaseLockedError,
    DatabaseUnavailableError,
    DuplicateKeyError,
    InvalidValueError,
    MissingValueError,
    NotADatabaseError,
    SchemaMismatchError,
    StorageError,
    ValueTooLongError,
)

P = ParamSpec("P")
T = TypeVar("T")

_PG_LOCKED: Final = {"55P03", "57014", "40P01", "40001"}
_PG_SCHEMA: Final = {"42P01", "42703", "42883"}
_PG_LOST: Final = {"57P01", "57P02", "57P03"}
# Corruption: data_corrupted, index_corrupted, and the internal-error class PostgreSQL uses for them.
_PG_CORRUPT: Final = {"XX001", "XX002"}


def _constraint(kind: str, where: str, text: str) -> ConstraintError:
    """The typed error for a value the database refused, by what the constraint means."""
    if kind == "not_null":
        return MissingValueError(f"{where}拒绝保存：有必填的值为空（{text}），本次操作未保存。", reason=text)
    if kind == "unique":
        return DuplicateKeyError(f"{where}中已有编号相同的记录（{text}），本次操作未保存。", reason=text)
    if kind == "too_long":
        return ValueTooLongError(f"{where}拒绝保存：有值超过了允许的长度（{text}），本次操作未保存。", reason=text)
    if kind == "invalid":
        return InvalidValueError(
            f"{where}无法保存其中的字符或取值（{text}），本次操作未保存。请删除控制字符后重试。", reason=text
        )
    return ConstraintError(f"{where}拒绝保存这些值（{text}），本次操作未保存。", reason=text)


#: SQLite's extended result codes and PostgreSQL's SQLSTATEs of a refused value, by meaning.
_SQLITE_CONSTRAINTS: Final = {
    "SQLITE_CONSTRAINT_NOTNULL": "not_null",
    "SQLITE_CONSTRAINT_UNIQUE": "unique",
    "SQLITE_CONSTRAINT_PRIMARYKEY": "unique",
    "SQLITE_CONSTRAINT_ROWID": "unique",
    "SQLITE_TOOBIG": "too_long",
    "SQLITE_MISMATCH": "invalid",
}
_PG_CONSTRAINTS: Final = {
    "23502": "not_null",
    "23505": "unique",
    "22001": "too_long",
    "22P05": "invalid",
    "22021": "invalid",
    "23503": "invalid",
}


def constraint_kind(exc: BaseException) -> str | None:
    """What a driver's refusal of a value means, or ``None`` when ``exc`` is not a refused value.

    One of ``not_null``, ``unique``, ``too_long``, ``invalid`` and ``other`` (another constraint).
    """
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    orig = exc.orig
    name = getattr(orig, "sqlite_errorname", None)
    if isinstance(name, str):
        if name in _SQLITE_CONSTRAINTS:
            return _SQLITE_CONSTRAINTS[name]
        return "other" if name.startswith("SQLITE_CONSTRAINT") else None
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        if sqlstate in _PG_CONSTRAINTS:
            return _PG_CONSTRAINTS[sqlstate]
        return "other" if sqlstate.startswith("23") else None
    if isinstance(exc, sa_exc.DataError):  # refused by the driver before sending (psycopg: a NUL in text)
        return "invalid"
    return "other" if isinstance(exc, sa_exc.IntegrityError) else None


def translate_error(exc: BaseException, *, where: str = "数据库") -> StorageError | None:
    """The typed storage error for a driver error, or ``None`` if it is not one we recognise."""
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    orig = exc.orig
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    kind = constraint_kind(exc)
    if kind is not None:
        return _constraint(kind, where, text)
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
    if sqlstate in _PG_CORRUPT:
        return CorruptDatabaseError(
            f"{where}的数据已损坏（{text}），本次操作未执行。请从备份恢复或联系管理员。", reason=text
        )
    if sqlstate is None and isinstance(exc, sa_exc.OperationalError):
        return DatabaseUnavailableError(f"无法连接{where}：{text}", reason=text)
    return None


def _schema_mismatch(where: str, text: str) -> SchemaMismatchError:
    return SchemaMismatchError(
        f"{where}缺少 gongkai_flow 需要的数据表或字段（{text}）。请运行 gongkai db upgrade，或检查是否连错了数据库。",
        reason=text,
    )


@final
class _StorageErrors:
    """The context manager :func:`storage_errors` returns (a class: it is entered on every query)."""

    __slots__ = ("where",)

    def __init__(self, where: str) -> None:
        self.where = where

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if isinstance(exc, sa_exc.DBAPIError):
            translated = translate_error(exc, where=self.where)
            if translated is not None:
                raise translated from exc


def storage_errors(where: str = "数据库") -> AbstractContextManager[None]:
    """Re-raise recognised driver errors as typed storage errors (``raise … from`` the original)."""
    return _StorageErrors(where)


def translated(where: str = "数据库") -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorate a function so that driver errors leave it as typed storage errors."""

    def wrap(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)  # keeps the name, docstring and signature (inspect, API docs)
        def inner(*args: P.args, **kwargs: P.kwargs) -> T:
            with _StorageErrors(where):
                return fn(*args, **kwargs)

        return inner

    return wrap
