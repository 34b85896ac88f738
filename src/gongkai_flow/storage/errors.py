"""The errors of the storage layer: each with a stable code and a Chinese message a clerk understands.

They all mean the same thing for the data: **nothing was changed**. A storage error is raised
before a write, or the transaction it happened in is rolled back, so the database is left as it
was; the message says what to do next (retry, upgrade the schema, check the file).

The tree hangs under :class:`gongkai_flow.errors.WorkflowError` (an action that did not happen),
so a host that already catches workflow errors catches these too.
"""

from __future__ import annotations

from ..applications import Application
from ..errors import ActorDirectoryError, ActorNotFoundError, StaleItemError, StorageError


class DatabaseUnavailableError(StorageError):
    """The database cannot be reached or opened (server down, wrong address, file missing)."""

    code = "storage.unavailable"


class DatabaseUrlError(DatabaseUnavailableError):
    """The database address is malformed, or names a database gongkai_flow does not work with."""

    code = "storage.bad_url"


class DatabaseNotFoundError(DatabaseUnavailableError):
    """A SQLite file that should exist does not."""

    code = "storage.not_found"


class NotADatabaseError(StorageError):
    """The file is not a SQLite database at all (a foreign file, or its header is destroyed)."""

    code = "storage.not_a_database"
    http_status = 500


class CorruptDatabaseError(StorageError):
    """The SQLite file is a database but its pages are damaged."""

    code = "storage.corrupt"
    http_status = 500


class ForeignDatabaseError(StorageError):
    """The database holds other tables but not gongkai_flow's: probably the wrong file."""

    code = "storage.foreign_database"
    http_status = 500


class SchemaError(StorageError):
    """The database's schema is not the one this version of gongkai_flow expects."""

    code = "storage.schema"


class SchemaMissingError(SchemaError):
    """gongkai_flow's tables have not been created in this database yet."""

    code = "storage.schema_missing"


class SchemaOutdatedError(SchemaError):
    """The database is on an older schema: run ``gongkai db upgrade``."""

    code = "storage.schema_outdated"


class SchemaTooNewError(SchemaError):
    """The database was upgraded by a newer gongkai_flow than this one."""

    code = "storage.schema_too_new"


class SchemaMismatchError(SchemaError):
    """A table or column the library needs is missing although the version says it is there."""

    code = "storage.schema_mismatch"


class DatabaseLockedError(StorageError):
    """Another process holds the lock for longer than we may wait: retry later."""

    code = "storage.locked"


class ConnectionLostError(StorageError):
    """The connection dropped during the action; the transaction was rolled back."""

    code = "storage.connection_lost"


class ConstraintError(StorageError):
    """The database refused a value: the library's own checks should have refused it first."""

    code = "storage.constraint"


class MissingValueError(ConstraintError):
    """A required column was given no value (NOT NULL)."""

    code = "storage.not_null"


class DuplicateKeyError(ConstraintError):
    """A row with the same key already exists (a uniqueness constraint)."""

    code = "storage.duplicate"


class ValueTooLongError(ConstraintError):
    """A value is longer than its column allows."""

    code = "storage.too_long"


class InvalidValueError(ConstraintError):
    """A value the database cannot store at all (a NUL character, an unencodable one, a broken link)."""

    code = "storage.invalid_value"


class AuditChainBrokenError(StorageError):
    """``audit verify`` found edited, deleted, inserted or reordered audit entries."""

    code = "audit.tampered"
    http_status = 500


class AuditMismatchError(AuditChainBrokenError):
    """A save was refused because the stored row disagrees with its own audit trail.

    Publication takes the signatures from the audit trail: a row whose signatures were written
    around the review (or whose content was changed under them) is not published.
    """

    code = "audit.row_mismatch"


class AnchorError(StorageError):
    """An anchor file cannot be read, or names a point the database-wide chain never had."""

    code = "audit.anchor_invalid"


def stale_application(application: Application, current: int | None) -> StaleItemError:
    """The error of an application save that lost a race (``current``: the stored version, if any)."""
    if current is None:
        return StaleItemError(f"申请“{application.id}”已经存在或已被删除，请刷新后重试。", item_id=application.id)
    return StaleItemError(
        f"申请“{application.id}”已被他人处理（当前版本 {current}），请刷新后重试。", item_id=application.id
    )


__all__ = [
    "ActorDirectoryError",
    "ActorNotFoundError",
    "AnchorError",
    "AuditChainBrokenError",
    "AuditMismatchError",
    "ConnectionLostError",
    "ConstraintError",
    "CorruptDatabaseError",
    "DatabaseLockedError",
    "DatabaseNotFoundError",
    "DatabaseUnavailableError",
    "DatabaseUrlError",
    "DuplicateKeyError",
    "ForeignDatabaseError",
    "InvalidValueError",
    "MissingValueError",
    "NotADatabaseError",
    "SchemaError",
    "SchemaMismatchError",
    "SchemaMissingError",
    "SchemaOutdatedError",
    "SchemaTooNewError",
    "StaleItemError",
    "StorageError",
    "ValueTooLongError",
    "stale_application",
]
