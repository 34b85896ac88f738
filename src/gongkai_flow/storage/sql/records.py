"""The report records on SQL: rows of ``gongkai_records`` (kind, date, JSON document)."""

from __future__ import annotations

from typing import final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ...record_types import KINDS, Record, record_doc, record_from_doc
from ..translate import storage_errors
from .mapping import utcnow
from .schema import records_table


@final
class SqlRecordRepository:
    """The :class:`~gongkai_flow.records.RecordRepository` on ``conn`` (the caller's transaction)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def find_record(self, record_id: str) -> Record | None:
        """The record, or ``None``."""
        query = sa.select(records_table.c.kind, records_table.c.doc).where(records_table.c.id == record_id)
        with storage_errors():
            row = self.conn.execute(query).first()
        return None if row is None else record_from_doc(row[0], row[1])

    def insert_record(self, record: Record) -> None:
        """Store a new record."""
        with storage_errors():
            self.conn.execute(
                records_table.insert().values(
                    id=record.id, kind=KINDS[type(record)], day=record.day, doc=record_doc(record), created_at=utcnow()
                )
            )

    def records(self, kind: str | None = None) -> list[Record]:
        """Every record (of stored ``kind``), the earliest first."""
        t = records_table.c
        query = sa.select(t.kind, t.doc).order_by(t.day, t.id)
        if kind is not None:
            query = query.where(t.kind == kind)
        with storage_errors():
            return [record_from_doc(k, doc) for k, doc in self.conn.execute(query)]
