"""The report records: values, the store in memory and on SQL, and their validation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from gongkai_flow import Flow
from gongkai_flow.errors import InvalidFieldError
from gongkai_flow.records import (
    CaseKind,
    CaseOutcome,
    CaseRecord,
    FigureRecord,
    MeetingRecord,
    ProposalKind,
    ProposalRecord,
    record_doc,
    record_from_doc,
)

from .conftest import pg_schema


@pytest.fixture(params=("memory", "sqlite", "postgresql"))
def flow(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flow]:
    """A fresh flow in memory, on SQLite, or on PostgreSQL in a schema of its own (when the URL is set)."""
    if request.param != "postgresql":
        flow = Flow() if request.param == "memory" else Flow(database=tmp_path / "g.db")
        yield flow
        flow.close()
        return
    with pg_schema("gongkai_records") as url:
        flow = Flow(database=url)
        yield flow
        flow.close()


def test_values_accept_labels_and_values() -> None:
    """Enum fields take a member, its value or its Chinese label; an unknown value is refused in Chinese."""
    assert CaseRecord("行政复议", date(2025, 1, 1), "结果维持").kind is CaseKind.REVIEW
    assert CaseRecord("review", date(2025, 1, 1)).outcome is CaseOutcome.PENDING
    assert ProposalRecord("政协委员提案", "1", date(2025, 1, 1), True).kind is ProposalKind.PROPOSAL
    with pytest.raises(InvalidFieldError, match="不是有效的选项"):
        CaseRecord("appeal", date(2025, 1, 1))
    with pytest.raises(InvalidFieldError, match="不能为负数"):
        MeetingRecord(date(2025, 1, 1), "会议", -1)


def test_documents_round_trip() -> None:
    """Each record survives its JSON document."""
    for record, kind in (
        (CaseRecord(CaseKind.LITIGATION_DIRECT, date(2025, 2, 3), CaseOutcome.CORRECTED, "a1", "备注"), "case"),
        (MeetingRecord(date(2025, 3, 4), "局长办公会议", 2, "张某、李某"), "meeting"),
        (ProposalRecord(ProposalKind.SUGGESTION, "第5号", date(2025, 5, 6), False, "i1"), "proposal"),
        (FigureRecord(2025, "fees", "amount", 2.5), "figure"),
    ):
        assert record_from_doc(kind, record_doc(record)) == record


def test_store_adds_lists_and_filters(flow: Flow) -> None:
    """Records are stored, listed earliest first, filtered by class and year, and duplicates refused."""
    case = CaseRecord(CaseKind.REVIEW, date(2025, 6, 1), id="c1")
    meeting = MeetingRecord(date(2025, 2, 1), "局长办公会议", 2, id="m1")
    old = MeetingRecord(date(2024, 2, 1), "局长办公会议", 1, id="m0")
    for record in (case, meeting, old):
        flow.records.add(record)
    assert flow.records.all() == [old, meeting, case]
    assert flow.records.all(MeetingRecord) == [old, meeting]
    assert flow.records.all(year=2025) == [meeting, case]
    with pytest.raises(InvalidFieldError, match="已经存在"):
        flow.records.add(CaseRecord(CaseKind.REVIEW, date(2025, 7, 1), id="c1"))
