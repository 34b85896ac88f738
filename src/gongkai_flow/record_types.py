"""The records the annual report counts but the review chain does not produce, as plain values.

* :class:`CaseRecord` — one administrative review or lawsuit about disclosure (年报表四);
* :class:`MeetingRecord` — a director meeting (局长办公会议) and how many citizen representatives
  attended (本局方案：每年邀请市民代表列席 2 次以上);
* :class:`ProposalRecord` — the reply to a 人大代表建议 or 政协委员提案 and whether its full text was
  disclosed (方案第二部分第（七）项);
* :class:`FigureRecord` — a figure of 表二 that comes from another system (行政许可、行政处罚、
  行政强制、收费、集中采购、规章), entered by hand for a report year.

Values only (and their JSON documents), so storage persists them without importing the
service that keeps them (:mod:`gongkai_flow.records`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any, Final, final

import attrs

from .errors import InvalidFieldError
from .model import _Labelled

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
    "record_doc",
    "record_from_doc",
]


class CaseKind(_Labelled):
    """The three column groups of 表四."""

    REVIEW = "review", "行政复议"
    LITIGATION_DIRECT = "litigation_direct", "行政诉讼（未经复议直接起诉）"
    LITIGATION_AFTER_REVIEW = "litigation_after_review", "行政诉讼（复议后起诉）"


class CaseOutcome(_Labelled):
    """The outcome columns of each 表四 group (its 总计 is their sum)."""

    UPHELD = "upheld", "结果维持"
    CORRECTED = "corrected", "结果纠正"
    OTHER = "other", "其他结果"
    PENDING = "pending", "尚未审结"


class ProposalKind(_Labelled):
    """人大代表建议 or 政协委员提案."""

    SUGGESTION = "suggestion", "人大代表建议"
    PROPOSAL = "proposal", "政协委员提案"


def _case_kind(value: CaseKind | str) -> CaseKind:
    return _coerce(CaseKind, value)  # type: ignore[no-any-return]


def _case_outcome(value: CaseOutcome | str) -> CaseOutcome:
    return _coerce(CaseOutcome, value)  # type: ignore[no-any-return]


def _proposal_kind(value: ProposalKind | str) -> ProposalKind:
    return _coerce(ProposalKind, value)  # type: ignore[no-any-return]


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


def _positive(instance: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidFieldError(f"“{attribute.name}”须为整数。", field=attribute.name)
    if value < 0:
        raise InvalidFieldError(f"“{attribute.name}”不能为负数。", field=attribute.name)


@final
@attrs.frozen
class CaseRecord:
    """An administrative review or lawsuit about a disclosure decision, counted in 表四 by ``filed_on``'s year."""

    kind: CaseKind = attrs.field(converter=_case_kind)
    filed_on: date
    outcome: CaseOutcome = attrs.field(converter=_case_outcome, default=CaseOutcome.PENDING)
    application_id: str | None = None
    note: str = ""
    id: str = attrs.field(factory=_new_id)

    @property
    def day(self) -> date:
        """The date the record is counted on."""
        return self.filed_on


@final
@attrs.frozen
class MeetingRecord:
    """A director meeting (局长办公会议) and the citizen representatives (市民代表) who attended it."""

    held_on: date
    title: str
    representatives: int = attrs.field(validator=_positive)
    names: str = ""
    id: str = attrs.field(factory=_new_id)

    @property
    def day(self) -> date:
        """The date the record is counted on."""
        return self.held_on


@final
@attrs.frozen
class ProposalRecord:
    """A reply to a 建议 or 提案, and whether its full text was disclosed (``item_id``: the published item)."""

    kind: ProposalKind = attrs.field(converter=_proposal_kind)
    number: str
    replied_on: date
    disclosed: bool
    item_id: str | None = None
    id: str = attrs.field(factory=_new_id)

    @property
    def day(self) -> date:
        """The date the record is counted on."""
        return self.replied_on


@final
@attrs.frozen
class FigureRecord:
    """One figure of 表二 from another system: ``row`` and ``column`` keys of :mod:`gongkai_flow.reports.annual`."""

    year: int
    row: str
    column: str
    value: float
    id: str = attrs.field(factory=_new_id)

    @property
    def day(self) -> date:
        """The date the record is counted on (the report year's first day)."""
        return date(self.year, 1, 1)


Record = CaseRecord | MeetingRecord | ProposalRecord | FigureRecord

#: The stored kind of each record class.
KINDS: Final[dict[type[Any], str]] = {
    CaseRecord: "case",
    MeetingRecord: "meeting",
    ProposalRecord: "proposal",
    FigureRecord: "figure",
}
_CLASSES: Final = {v: k for k, v in KINDS.items()}


def _coerce(cls: type[_Labelled], value: Any) -> Any:
    if isinstance(value, cls):
        return value
    try:
        return cls.from_label(str(value))
    except KeyError:
        choices = "、".join(f"{m.value}（{m.label}）" for m in cls)
        raise InvalidFieldError(f"“{value}”不是有效的选项（可选：{choices}）。", field=cls.__name__) from None


def record_doc(record: Record) -> dict[str, Any]:
    """The record as a JSON document (enum values, ISO dates)."""
    doc: dict[str, Any] = {}
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        if isinstance(value, _Labelled):
            value = value.value
        elif isinstance(value, date):
            value = value.isoformat()
        doc[field.name] = value
    return doc


def record_from_doc(kind: str, doc: Mapping[str, Any]) -> Record:
    """Rebuild a record from its kind and :func:`record_doc`'s document."""
    cls = _CLASSES[kind]
    data = dict(doc)
    for name in ("filed_on", "held_on", "replied_on"):
        if isinstance(data.get(name), str):
            data[name] = date.fromisoformat(data[name])
    return cls(**data)  # type: ignore[no-any-return]
