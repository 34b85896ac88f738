"""The ledger (台账) of the items of a period, as an .xlsx workbook with filters and frozen headers.

An item belongs to the period ``[start, end]`` (Beijing dates, both included) when it was drafted
or published in it. One row per item: its form fields, its state, and who signed each line of
the review form (read from its audit trail like :mod:`.form`). A second sheet, 依申请公开, lists
the applications received or replied in the period.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..deadlines import BUREAU_TZ
from ..errors import InvalidFieldError
from ..model import DisclosureItem, ItemKind
from .form import FORM_ROLES, ReviewForm, build_form, normative_label

if TYPE_CHECKING:
    from ..service import Flow

#: The ledger's columns.
LEDGER_COLUMNS: Final = (
    "序号",
    "信息编号",
    "信息名称",
    "类别",
    "主办科室",
    "信息来源",
    "是否涉密",
    "公开属性",
    "发布平台",
    "发布栏目",
    "文号",
    "是否规范性文件",
    "状态",
    "起草日期",
    *(role.label for role in FORM_ROLES),
    "法律法规核查意见",
    "上传日期",
    "负面清单放行",
    "附件",
)


def _day(item: DisclosureItem, which: str) -> date | None:
    moment = getattr(item, which)
    return None if moment is None else moment.astimezone(BUREAU_TZ).date()


def in_period(item: DisclosureItem, start: date, end: date) -> bool:
    """Whether ``item`` was drafted or published between ``start`` and ``end`` (both included)."""
    return any(d is not None and start <= d <= end for d in (_day(item, "created_at"), _day(item, "published_at")))


def ledger_row(n: int, item: DisclosureItem, form: ReviewForm, state_label: str) -> tuple[object, ...]:
    """One row of the ledger."""
    names = tuple("、".join(s.actor_name for s in form.signature(role) if s.signed) for role in FORM_ROLES)
    source = item.source.label + (f"（{item.source_name}）" if item.source_name else "")
    return (
        n,
        item.id,
        item.title,
        item.kind.label,
        item.lead_section,
        source,
        "是" if item.classified else "否",
        item.attribute.label if item.attribute is not None else "",
        "、".join(p.label for p in sorted(item.platforms, key=lambda p: p.value)),
        item.column,
        item.document_number or "",
        normative_label(item.normative) if item.kind is ItemKind.POLICY_DOCUMENT else "",
        state_label,
        _day(item, "created_at"),
        *names,
        form.legal_opinion,
        form.upload_date,
        len(form.overrides),
        "；".join(a.name for a in item.attachments),
    )


def ledger_rows(flow: Flow, start: date, end: date) -> list[tuple[object, ...]]:
    """The ledger's rows for ``[start, end]``, the earliest drafted first."""
    if end < start:
        raise InvalidFieldError(f"台账的结束日期（{end}）早于开始日期（{start}）。", field="to")
    items = sorted(
        (i for i in flow.items() if in_period(i, start, end)), key=lambda i: (i.created_at is None, i.created_at, i.id)
    )
    rows = []
    for n, item in enumerate(items, start=1):
        chain = flow.workflow.chains.get(item.chain_id, item.chain_version)
        label = chain.stage(item.state).label if chain.has_stage(item.state) else item.state
        rows.append(ledger_row(n, item, build_form(item, flow.audit(item.id)), label))
    return rows


#: The columns of the 依申请公开 sheet.
APPLICATION_COLUMNS: Final = (
    "序号",
    "申请编号",
    "申请人",
    "申请人类型",
    "所需信息",
    "提交方式",
    "收到日期",
    "状态",
    "答复类别",
    "不予公开理由",
    "答复日期",
    "延长天数",
)


def application_rows(flow: Flow, start: date, end: date) -> list[tuple[object, ...]]:
    """One row per application received or replied between ``start`` and ``end``, the earliest received first."""
    if end < start:
        raise InvalidFieldError(f"台账的结束日期（{end}）早于开始日期（{start}）。", field="to")
    chain = flow.workflow.chains.latest("request")
    rows: list[tuple[object, ...]] = []
    for app in flow.requests.all():
        replied = app.replied_at.astimezone(BUREAU_TZ).date() if app.replied_at is not None else None
        if not (start <= app.received_on <= end or (replied is not None and start <= replied <= end)):
            continue
        rows.append(
            (
                len(rows) + 1,
                app.id,
                app.applicant_name,
                app.applicant_type.label,
                app.description,
                app.channel.label,
                app.received_on,
                chain.stage(app.state).label if chain.has_stage(app.state) else app.state,
                app.reply_category.label if app.reply_category is not None else "",
                app.deny_reason.label if app.deny_reason is not None else "",
                replied,
                app.extended_days,
            )
        )
    return rows


def _sheet(ws: Any, columns: Sequence[str], rows: Sequence[tuple[object, ...]]) -> None:
    """Fill ``ws``: a bold header frozen in row 1, the rows, an autofilter over every column, dates as dates."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws.append(list(columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(list(row))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    for n, label in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(n)].width = max(8, min(40, len(label) * 2 + 4))
    for row_cells in ws.iter_rows(min_row=2):
        for cell in row_cells:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"


def write_ledger(
    rows: Sequence[tuple[object, ...]],
    path: str | Path,
    *,
    title: str = "政府信息公开台账",
    applications: Sequence[tuple[object, ...]] | None = None,
) -> Path:
    """Write the items' rows as the first sheet (and ``applications``, if given, as a second sheet 依申请公开)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    _sheet(ws, LEDGER_COLUMNS, rows)
    if applications is not None:
        _sheet(wb.create_sheet("依申请公开"), APPLICATION_COLUMNS, applications)
    target = Path(path)
    wb.save(str(target))
    return target


def ledger(flow: Flow, start: date, end: date, path: str | Path) -> Path:
    """The ledger of ``[start, end]`` (items, and applications on a second sheet) written to ``path``."""
    return write_ledger(
        ledger_rows(flow, start, end),
        path,
        title=f"台账{start:%Y%m%d}-{end:%Y%m%d}",
        applications=application_rows(flow, start, end),
    )


__all__ = [
    "APPLICATION_COLUMNS",
    "LEDGER_COLUMNS",
    "application_rows",
    "in_period",
    "ledger",
    "ledger_row",
    "ledger_rows",
    "write_ledger",
]
