"""The duty ledger (公开事项台账): every obligation of a year, its state and what fulfilled it, as .xlsx."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from ..duties import DutyStatus
from ..timers import BUREAU_TZ
from .ledger import _sheet

#: The ledger's columns, in order.
DUTY_LEDGER_COLUMNS: Final = (
    "编号",
    "公开事项",
    "期间",
    "责任科室单位",
    "截止日期",
    "状态",
    "完成时间（北京时间）",
    "完成数",
    "公开的信息",
    "依据",
    "可信度",
)


def duty_ledger_rows(statuses: Sequence[DutyStatus]) -> list[tuple[object, ...]]:
    """One row per obligation, in the order given."""
    rows: list[tuple[object, ...]] = []
    for st in statuses:
        ob, duty = st.obligation, st.obligation.duty
        done = st.fulfilled_at.astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M") if st.fulfilled_at else ""
        rows.append(
            (
                duty.code,
                duty.name,
                ob.label,
                "、".join(duty.sections),
                ob.due_day,
                st.state.label,
                done,
                st.count,
                "；".join(f"《{f.title}》" for f in st.items),
                duty.basis,
                duty.confidence,
            )
        )
    return rows


def write_duty_ledger(statuses: Sequence[DutyStatus], path: str | Path, *, year: int) -> Path:
    """Write the duty ledger of ``year`` to ``path`` (one sheet, header frozen, filters on)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"{year}年公开事项台账"
    _sheet(ws, DUTY_LEDGER_COLUMNS, duty_ledger_rows(statuses))
    target = Path(path)
    wb.save(str(target))
    return target


__all__ = ["DUTY_LEDGER_COLUMNS", "duty_ledger_rows", "write_duty_ledger"]
