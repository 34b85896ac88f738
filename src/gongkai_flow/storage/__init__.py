"""Storage: the repository protocol and its implementations (in memory; SQL in a later layer)."""

from .base import Repository
from .memory import MemoryRepository

__all__ = ["MemoryRepository", "Repository"]
