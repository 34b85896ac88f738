"""Attachment bytes on SQL: rows of ``gongkai_blobs`` keyed by SHA-256, in the caller's transaction."""

from __future__ import annotations

import hashlib
from typing import final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..translate import storage_errors
from .mapping import utcnow
from .schema import blobs_table


@final
class SqlBlobStore:
    """The :class:`~gongkai_flow.ports.BlobStore` on ``conn``; never commits."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def put_blob(self, data: bytes) -> str:
        """Store ``data`` once; return its SHA-256."""
        digest = hashlib.sha256(data).hexdigest()
        with storage_errors():
            known = self.conn.execute(sa.select(blobs_table.c.sha256).where(blobs_table.c.sha256 == digest)).first()
            if known is None:
                self.conn.execute(
                    blobs_table.insert().values(sha256=digest, size=len(data), data=data, created_at=utcnow())
                )
        return digest

    def get_blob(self, sha256: str) -> bytes | None:
        """The stored bytes, or ``None``."""
        with storage_errors():
            data = self.conn.execute(sa.select(blobs_table.c.data).where(blobs_table.c.sha256 == sha256)).scalar()
        return None if data is None else bytes(data)
