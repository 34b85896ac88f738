"""Storage: the repository and outbox protocols, in memory and on SQL (SQLite, PostgreSQL).

Importing this package opens nothing; see :mod:`gongkai_flow.storage.database` to open one.
"""

from .base import DurableRepository, OutboxStore, Repository
from .database import Database
from .hashchain import AuditProblem, AuditReport
from .memory import MemoryRepository
from .outbox import SqlOutbox
from .sql import SqlRepository

__all__ = [
    "AuditProblem",
    "AuditReport",
    "Database",
    "DurableRepository",
    "MemoryRepository",
    "OutboxStore",
    "Repository",
    "SqlOutbox",
    "SqlRepository",
]
