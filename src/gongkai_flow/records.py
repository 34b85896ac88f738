"""The records the annual report counts, kept by :class:`RecordStore` (``flow.records``).

The record values live in :mod:`gongkai_flow.record_types` (re-exported here). They are stored as
rows of one table, ``gongkai_records`` (kind, date, JSON document); :class:`RecordRepository` is
what a storage backend provides for them inside one unit of work.
"""

from __future__ import annotations

import enum
import math
from contextlib import AbstractContextManager
from typing import Any, Final, Protocol, final

import attrs

from .errors import InvalidFieldError
from .fields import MAX_YEAR, MIN_YEAR, check_bool, check_date, check_int, check_text
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
        check_record(record)
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


#: The Chinese name of each record field, for the refusals of :func:`check_record`.
_RECORD_LABELS: Final[dict[str, str]] = {
    "id": "记录编号",
    "kind": "类别",
    "filed_on": "立案日期",
    "outcome": "结果",
    "application_id": "申请编号",
    "note": "备注",
    "held_on": "会议日期",
    "title": "会议名称",
    "representatives": "市民代表人数",
    "names": "市民代表姓名",
    "number": "建议提案编号",
    "replied_on": "答复日期",
    "disclosed": "是否全文公开",
    "item_id": "信息编号",
    "year": "年度",
    "row": "行",
    "column": "列",
    "value": "数值",
}


def check_record(record: Any) -> None:
    """Check every field of a report record the way the item fields are checked (``InvalidFieldError``)."""
    if type(record) not in KINDS:
        raise InvalidFieldError(f"记录须为 {'、'.join(c.__name__ for c in KINDS)} 之一。", field="record", label="记录")
    for attribute in attrs.fields(type(record)):
        name = attribute.name
        value = getattr(record, name)
        label = _RECORD_LABELS.get(name, name)
        if name in {"id", "application_id", "item_id"}:
            check_text(name, value, optional=name != "id", rule_of="record_id", label=label)
        elif isinstance(value, enum.Enum):
            continue
        elif isinstance(value, bool) or name == "disclosed":
            check_bool(name, label, value)
        elif name == "year":
            check_int(name, label, value, minimum=MIN_YEAR, maximum=MAX_YEAR)
        elif name == "representatives":
            check_int(name, label, value, minimum=0, maximum=1_000_000)
        elif name == "value":
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise InvalidFieldError(f"{label}须为有限的数字。", field=name, label=label)
            if abs(value) > 1e12:
                raise InvalidFieldError(f"{label}超出范围。", field=name, label=label)
        elif name.endswith("_on"):
            check_date(name, label, value)
        else:
            check_text(name, value, rule_of="record_note" if name in {"note", "names"} else "record_title", label=label)
