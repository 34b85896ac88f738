"""The records the annual report counts, kept by :class:`RecordStore` (``flow.records``).

The record values live in :mod:`gongkai_flow.record_types` (re-exported here). They are stored as
rows of one table, ``gongkai_records`` (kind, date, JSON document); :class:`RecordRepository` is
what a storage backend provides for them inside one unit of work.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol, final

from .errors import InvalidFieldError
from .ports import RecordRepository
from .record_types import (
    KINDS,
    CaseKind,
    CaseOutcome,
    CaseRecord,
    FigureRecord,
    MeetingRecord,
    ProposalKind,
    ProposalRecord,
    Record,
    record_doc,
    record_from_doc,
)

__all__ = [
    "KINDS",
    "CaseKind",
    "CaseOutcome",
    "CaseRecord",
    "FigureRecord",
    "MeetingRecord",
    "ProposalKind",
    "ProposalRecord",
    "Record",
    "RecordRepository",
    "RecordStore",
    "record_doc",
    "record_from_doc",
]


class RecordUnits(Protocol):
    """Opens one unit of work on the records (``write=False`` for reading), committed when it ends."""

    def __call__(self, *, write: bool = True) -> AbstractContextManager[RecordRepository]:
        """The records of one unit of work."""


@final
class RecordStore:
    """The records of a flow, each call one unit of work on its store."""

    def __init__(self, units: RecordUnits) -> None:
        self._units = units

    def add(self, record: Record) -> Record:
        """Store a new record; ``InvalidFieldError`` if one with its id exists."""
        with self._units(write=True) as repo:
            if repo.find_record(record.id) is not None:
                raise InvalidFieldError(f"编号为“{record.id}”的记录已经存在。", field="id")
            repo.insert_record(record)
        return record

    def all(self, cls: type[Any] | None = None, *, year: int | None = None) -> list[Record]:
        """The records (of class ``cls``, counted in ``year``), the earliest first."""
        with self._units(write=False) as repo:
            found = repo.records(KINDS[cls] if cls is not None else None)
        if cls is not None:
            found = [r for r in found if isinstance(r, cls)]
        if year is not None:
            found = [r for r in found if r.day.year == year]
        return sorted(found, key=lambda r: (r.day, r.id))
