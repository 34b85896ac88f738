"""The statutory timers' tamper-evident history: every change of a timer, hash-linked per timer.

A timer row is overwritten in place (a tick records a notice, an extension moves the due date),
so the row alone proves nothing: someone with write access could move a due date later, set an
overdue timer back to running or clear the notices already sent, and an overdue reply would
disappear. Each time a timer is stored with a content different from its last one, a history row
is appended: the timer's id, its position (1, 2, …), the stored content (every column: due date,
status, notices sent, next check, …) and the SHA-256 of that content linked to the previous
history row of the same timer. The history rows join the database-wide chain when sealed, so a
deleted or rewritten history row is found there as well.

:func:`verify_timer` checks one timer: the history chain (each row against its hash, the links,
the positions) and the current row against the latest history row — a difference is one
``mismatch`` naming the field and both values, a history without its timer row is ``missing``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final, final

import attrs

from ..model import AuditProblem
from ..text import beijing_time
from ..timers import Timer
from .hashchain import GENESIS, utc_text

__all__ = [
    "FIELD_LABELS",
    "TimerHistoryRow",
    "history_digest",
    "timer_columns",
    "timer_content",
    "verify_timer",
]

#: The stored fields of a timer, with the label a clerk reads in a report.
FIELD_LABELS: Final[dict[str, str]] = {
    "rule_id": "时限规则",
    "subject_id": "所属事项",
    "started_at": "起算时间",
    "due": "到期时间",
    "responsible": "责任人",
    "status": "状态",
    "provisional": "按推测日历计算",
    "paused_at": "暂停时间",
    "remaining_workdays": "暂停时剩余工作日",
    "extended_days": "延长天数",
    "extension_approver": "延期批准人",
    "notified": "已发提醒",
    "closed_at": "办结时间",
    "next_check_at": "下次检查时间",
    "lead": "提前提醒",
}
_TIMES: Final = frozenset({"started_at", "due", "paused_at", "closed_at", "next_check_at"})

Content = dict[str, str | int | bool | None]


def timer_columns(timer: Timer, next_check_at: datetime | None) -> dict[str, Any]:
    """The column values of ``timer``'s row in ``gongkai_timers`` (``id`` included)."""
    return {
        "id": timer.id,
        "rule_id": timer.rule_id,
        "subject_id": timer.subject_id,
        "started_at": timer.started_at,
        "due": timer.due,
        "responsible": timer.responsible,
        "status": timer.status.value,
        "provisional": timer.provisional,
        "paused_at": timer.paused_at,
        "remaining_workdays": timer.remaining_workdays,
        "extended_days": timer.extended_days,
        "extension_approver": timer.extension_approver,
        "notified": ",".join(sorted(n.value for n in timer.notified)),
        "closed_at": timer.closed_at,
        "next_check_at": next_check_at,
        "lead": timer.lead,
    }


def timer_content(row: Mapping[Any, Any]) -> Content:
    """The canonical content of a timer row (every field but the id; times as UTC text)."""
    out: Content = {}
    for name in FIELD_LABELS:
        value = row.get(name)
        kind = value.__class__
        if kind in _AS_IS:  # most fields: one set lookup rather than a chain of isinstance calls
            out[name] = value
        elif isinstance(value, datetime):
            out[name] = utc_text(value)
        elif isinstance(value, bool | int | str):
            out[name] = value
        else:
            out[name] = str(value)
    return out


_AS_IS: Final = frozenset({str, int, bool, type(None)})


def history_digest(timer_id: str, position: int, content: Mapping[str, Any], prev_hash: str) -> str:
    """The hash of one history row: the timer, its position and content, linked after ``prev_hash``."""
    payload = {"v": 1, "timer": timer_id, "position": position, "content": dict(content), "prev": prev_hash}
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@final
@attrs.frozen
class TimerHistoryRow:
    """One stored history row of a timer."""

    timer_id: str
    position: int
    content: Mapping[str, Any]
    prev_hash: str
    hash: str
    row_id: int = 0


def next_row(timer_id: str, content: Content, last: TimerHistoryRow | None) -> TimerHistoryRow | None:
    """The history row to append for ``content``, or ``None`` when it equals the last one."""
    if last is not None and dict(last.content) == content:
        return None
    position = last.position + 1 if last is not None else 1
    prev = last.hash if last is not None else GENESIS
    return TimerHistoryRow(timer_id, position, content, prev, history_digest(timer_id, position, content, prev))


def _shown(name: str, value: Any) -> str:
    """A stored value as a clerk reads it (times in Beijing time)."""
    if value is None or value == "":
        return "无"
    if name in _TIMES and isinstance(value, str):
        try:
            return beijing_time(datetime.fromisoformat(value), seconds=True)
        except ValueError:
            return value
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def verify_timer(timer_id: str, current: Content | None, rows: Sequence[TimerHistoryRow]) -> list[AuditProblem]:
    """Check one timer's history chain, and its current row (``None``: no row) against the latest history row."""
    out: list[AuditProblem] = []

    def problem(position: int, kind: Any, detail: str) -> None:
        out.append(AuditProblem(timer_id, position, kind, detail, "timer"))

    ordered = sorted(rows, key=lambda r: (r.position, r.row_id))
    prev_hash = GENESIS
    expected = 1
    for r in ordered:
        if r.position > expected:
            for gone in range(expected, r.position):
                problem(gone, "deleted", "计时器的这一条变更历史不存在")
        elif r.position < expected:
            problem(r.position, "duplicated", "计时器的变更历史中此位置出现了不止一条")
            continue
        if history_digest(r.timer_id, r.position, r.content, r.prev_hash) != r.hash:
            problem(r.position, "edited", "变更历史的内容与其哈希值不符")
        elif r.prev_hash != prev_hash and r.position == expected:
            problem(r.position, "edited", "此条没有链接到前一条变更历史（前一条被改写或删除）")
        prev_hash, expected = r.hash, r.position + 1
    if not ordered:
        if current is not None:
            problem(0, "missing", "计时器没有任何变更历史（历史被删除，或计时器未经本系统写入）")
        return out
    latest = ordered[-1]
    if current is None:
        problem(0, "missing", f"计时器已不存在，但有 {len(ordered)} 条变更历史（计时器被删除）")
        return out
    for name, label in FIELD_LABELS.items():
        have, want = current.get(name), latest.content.get(name)
        if have != want:
            out.append(
                AuditProblem(
                    timer_id,
                    0,
                    "mismatch",
                    f"计时器的“{label}”与最后一条变更历史不符",
                    "timer",
                    label,
                    _shown(name, have),
                    _shown(name, want),
                )
            )
    return out
