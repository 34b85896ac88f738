"""Storage: the repository and outbox protocols, in memory and on SQL (SQLite, PostgreSQL).

Importing this package opens nothing; see :mod:`gongkai_flow.storage.database` to open one.
"""

from .base import DurableRepository, OutboxStore, Repository, Store
from .database import Database
from .memory import MemoryRepository
from .sql import SqlOutbox, SqlRepository
from .stores import MemoryStore, SqlStore
from .worklist import WorkItem

__all__ = [
    "Database",
    "DurableRepository",
    "MemoryRepository",
    "MemoryStore",
    "OutboxStore",
    "Repository",
    "SqlOutbox",
    "SqlRepository",
    "SqlStore",
    "Store",
    "WorkItem",
]
