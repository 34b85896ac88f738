"""Backends as a whole: a :class:`~gongkai_flow.storage.base.Store` in memory or on a SQL database.

A store opens units of work on its repository and hands its outbox to the dispatcher. The
:class:`~gongkai_flow.service.Flow` façade holds one and never asks which kind it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import final

from ..engine import Workflow
from .base import OutboxStore
from .database import Database
from .memory import MemoryRepository
from .sql import SqlOutbox, SqlRepository

__all__ = ["MemoryStore", "SqlStore"]


@final
class MemoryStore:
    """Everything in one :class:`MemoryRepository`; a unit of work holds its lock."""

    def __init__(self, repository: MemoryRepository | None = None) -> None:
        self.repository = repository if repository is not None else MemoryRepository()

    @property
    def outbox(self) -> OutboxStore:
        """The repository itself keeps the outbox."""
        return self.repository

    @contextmanager
    def unit(self, *, write: bool = True) -> Iterator[MemoryRepository]:
        """The repository, locked for the block (memory has nothing to commit)."""
        with self.repository.unit() as repo:
            yield repo

    def close(self) -> None:
        """Nothing to release."""


@final
class SqlStore:
    """A :class:`Database`: each unit of work one transaction with a :class:`SqlRepository` on it.

    ``owns_database``: :meth:`close` closes the database (the façade opened it from a path or URL).
    """

    def __init__(self, database: Database, workflow: Workflow, *, owns_database: bool = False) -> None:
        self.database = database
        self.workflow = workflow
        self._owns_database = owns_database
        self._outbox = SqlOutbox(database.engine)

    @property
    def outbox(self) -> OutboxStore:
        """The outbox tables, claimed in the dispatcher's own short transactions."""
        return self._outbox

    @contextmanager
    def unit(self, *, write: bool = True) -> Iterator[SqlRepository]:
        """One transaction (``BEGIN IMMEDIATE`` on SQLite when writing), committed on success."""
        with self.database.transaction(write=write) as conn:
            yield SqlRepository(conn, workflow=self.workflow)

    def close(self) -> None:
        """Close the database if this store opened it."""
        if self._owns_database:
            self.database.close()
