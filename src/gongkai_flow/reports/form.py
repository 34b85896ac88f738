"""The review form (附件2《政府信息公开及合规性审核表》) of one item, read from its audit trail.

:func:`review_form` collects, for the item's current content, each signature of the form —
承办人, 保密及公开属性审核人, 法律法规审核人 (同意/不同意), 业务科室负责人 (one per section of a
joint review), 业务分管领导, 信息发布人员 and the 上传日期 — with who signed, when, the decision and
the opinion (:func:`~gongkai_flow.model.form_signatures`: signatures given to earlier content are
void); the check boxes (信息来源, 是否涉密, 公开属性, 发布平台, 发布栏目) from the item; and every
override of a negative-list finding recorded in the trail. :func:`form_html` and
:func:`form_docx` lay it out like 附件2; 行政许可科（12333） archives it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final, final

import attrs

from ..deadlines import BUREAU_TZ
from ..model import (
    Attachment,
    AuditEntry,
    DisclosureAttribute,
    DisclosureItem,
    InfoSource,
    ItemKind,
    Platform,
    Role,
    form_signatures,
)

if TYPE_CHECKING:
    from ..service import Flow

#: The form's title (附件2).
FORM_TITLE: Final = "政府信息公开及合规性审核表"
DEFAULT_AGENCY: Final = "日照市人力资源和社会保障局"
CHECK: Final = "√"

#: The signature lines of 附件2, in order.
FORM_ROLES: Final = (
    Role.DRAFTER,
    Role.ATTRIBUTE_REVIEWER,
    Role.LEGAL_REVIEWER,
    Role.SECTION_HEAD,
    Role.LEADER,
    Role.PUBLISHER,
)

#: The two header rows of 附件2's table: (group label, leaf labels); a group without leaves spans both rows.
FORM_HEADER: Final = (
    ("序号", ()),
    ("信息名称", ()),
    ("信息来源", ("本机关制发信息", "转载信息（注明转载来源）", "非本机关信息")),
    ("保密及公开属性意见", ("是否涉密", "主动公开", "依申请公开", "不予公开")),
    ("发布平台", ("网站", "新媒体", "其他")),
    ("法律法规核查意见", ("同意", "不同意")),
    ("发布栏目", ()),
)

FORM_NOTES: Final = (
    "注：1、机关、单位互联网网站和新媒体信息发布前均应当认真填写本表，各责任人审核签字后交行政许可科（12333）处存档备查；",
    "2、请在所选对应栏目内打“√”。",
)


def _local(moment: datetime) -> datetime:
    return moment.astimezone(BUREAU_TZ)


def _when(moment: datetime | None) -> str:
    return "" if moment is None else _local(moment).strftime("%Y-%m-%d %H:%M")


def _day(day: date | None) -> str:
    return "" if day is None else f"{day.year}年{day.month}月{day.day}日"


@final
@attrs.frozen
class FormSignature:
    """One signature line: the role, and who signed it when with which decision and opinion (empty if unsigned)."""

    role: Role
    actor_name: str = ""
    section: str = ""
    at: datetime | None = None
    decision: str = ""
    opinion: str = ""

    @property
    def signed(self) -> bool:
        """Whether the line is signed."""
        return self.at is not None


@final
@attrs.frozen
class FormOverride:
    """A negative-list finding an attribute reviewer let pass, with the reason given."""

    rule_id: str
    message: str
    reason: str
    actor_name: str
    stage: str
    at: datetime
    current: bool


@final
@attrs.frozen
class ReviewForm:
    """The review form of one item (附件2), ready to lay out."""

    agency: str
    item_id: str
    title: str
    filled_on: date | None
    source: InfoSource
    source_name: str | None
    classified: bool
    attribute: DisclosureAttribute | None
    platforms: frozenset[Platform]
    column: str
    legal_opinion: str
    signatures: tuple[FormSignature, ...]
    upload_date: date | None
    overrides: tuple[FormOverride, ...]
    state: str
    attachments: tuple[Attachment, ...] = ()
    kind: ItemKind = ItemKind.OTHER
    normative: bool | None = None

    def normative_line(self) -> str:
        """``是否行政规范性文件：是/否/未填写`` for a 政策文件; empty for any other kind."""
        if self.kind is not ItemKind.POLICY_DOCUMENT:
            return ""
        return f"是否行政规范性文件：{normative_label(self.normative)}"

    def attachment_lines(self) -> tuple[str, ...]:
        """One line per attachment: name, size and the start of its SHA-256 (what the signatures cover)."""
        return tuple(f"{a.name}（{a.size:,} 字节，SHA-256 {a.sha256[:16]}…）" for a in self.attachments)

    def signature(self, role: Role) -> tuple[FormSignature, ...]:
        """The signature lines of ``role`` (several 业务科室负责人 for a joint review)."""
        return tuple(s for s in self.signatures if s.role is role)

    def checks(self) -> tuple[str, ...]:
        """The 13 check-box cells of the table row, in the order of :data:`FORM_HEADER` (``√`` or text)."""
        source = (
            CHECK if self.source is InfoSource.OWN else "",
            f"{CHECK}（{self.source_name or ''}）" if self.source is InfoSource.REPRINT else "",
            CHECK if self.source is InfoSource.EXTERNAL else "",
        )
        secrecy = ("是" if self.classified else "否",)
        attribute = tuple(CHECK if self.attribute is a else "" for a in DisclosureAttribute)
        platforms = tuple(CHECK if p in self.platforms else "" for p in Platform)
        legal = (
            CHECK if self.legal_opinion == "同意" else "",
            CHECK if self.legal_opinion == "不同意" else "",
        )
        return (*source, *secrecy, *attribute, *platforms, *legal)

    def row(self) -> tuple[str, ...]:
        """The table's data row: 序号, 信息名称, the check boxes and 发布栏目."""
        return ("1", self.title, *self.checks(), self.column)


def normative_label(normative: bool | None) -> str:
    """是, 否 or 未填写 (not stated) for the item's 是否行政规范性文件."""
    return "未填写" if normative is None else ("是" if normative else "否")


def _signature(entry: AuditEntry) -> FormSignature:
    return FormSignature(
        role=entry.role or Role.DRAFTER,
        actor_name=entry.actor_name,
        section=entry.section,
        at=entry.at,
        decision=entry.decision,
        opinion=entry.opinion or "",
    )


def build_form(item: DisclosureItem, trail: Sequence[AuditEntry], *, agency: str = DEFAULT_AGENCY) -> ReviewForm:
    """The form of ``item`` from its audit trail ``trail`` (oldest first)."""
    signed = [e for stage in form_signatures(trail, item.content_hash).values() for e in stage]
    lines: list[FormSignature] = []
    for role in FORM_ROLES:
        found = sorted((e for e in signed if e.role is role), key=lambda e: e.at)
        if found:
            lines.extend(_signature(e) for e in found)
        else:
            lines.append(FormSignature(role))
    legal = [e for e in trail if e.role is Role.LEGAL_REVIEWER and e.action in ("approve", "return", "publish")]
    if any(s.role is Role.LEGAL_REVIEWER for s in signed):
        opinion = "同意"
    elif legal and legal[-1].action == "return":
        opinion = "不同意"
        lines = [
            _signature(legal[-1]) if line.role is Role.LEGAL_REVIEWER and not line.signed else line for line in lines
        ]
    else:
        opinion = ""
    drafted = [e for e in trail if e.role is Role.DRAFTER and e.signed and e.content_hash == item.content_hash]
    filled = drafted[-1].at if drafted else item.created_at
    overrides = tuple(
        FormOverride(
            rule_id=o.rule_id,
            message=o.message,
            reason=o.reason,
            actor_name=o.actor_name,
            stage=o.stage,
            at=o.at,
            current=o.content_hash == item.content_hash,
        )
        for entry in trail
        for o in entry.overrides
    )
    return ReviewForm(
        agency=agency,
        item_id=item.id,
        title=item.title,
        filled_on=_local(filled).date() if filled is not None else None,
        source=item.source,
        source_name=item.source_name,
        classified=item.classified,
        attribute=item.attribute,
        platforms=item.platforms,
        column=item.column,
        legal_opinion=opinion,
        signatures=tuple(lines),
        upload_date=_local(item.published_at).date() if item.published_at is not None else None,
        overrides=overrides,
        state=item.state,
        attachments=item.attachments,
        kind=item.kind,
        normative=item.normative,
    )


def review_form(flow: Flow, item_id: str, *, agency: str = DEFAULT_AGENCY) -> ReviewForm:
    """The review form of the flow's item ``item_id`` (``ItemNotFoundError`` if there is none)."""
    item = flow.get(item_id)
    return build_form(item, flow.audit(item_id), agency=agency)


def signature_text(line: FormSignature) -> str:
    """One signature line as text: name (section), time, decision, opinion."""
    if not line.signed:
        return ""
    parts = [f"{line.actor_name}（{line.section}）", _when(line.at), line.decision]
    if line.opinion:
        parts.append(f"意见：{line.opinion}")
    return "  ".join(parts)


# --- HTML --------------------------------------------------------------------------------------------


def form_html(form: ReviewForm) -> str:
    """The form as a standalone HTML page laid out like 附件2."""
    e = html.escape
    top: list[str] = []
    leaves: list[str] = []
    for group, subs in FORM_HEADER:
        if subs:
            top.append(f'<th colspan="{len(subs)}">{e(group)}</th>')
            leaves.extend(f"<th>{e(s)}</th>" for s in subs)
        else:
            top.append(f'<th rowspan="2">{e(group)}</th>')
    cells = "".join(f"<td>{e(c)}</td>" for c in form.row())
    sig_rows = "".join(
        f"<tr><th>{e(s.role.label)}</th><td>{e(s.actor_name)}</td><td>{e(s.section)}</td>"
        f"<td>{e(_when(s.at))}</td><td>{e(s.decision)}</td><td>{e(s.opinion)}</td></tr>"
        for s in form.signatures
    )
    sig_rows += f'<tr><th>上传日期</th><td colspan="5">{e(_day(form.upload_date))}</td></tr>'
    overrides = ""
    if form.overrides:
        rows = "".join(
            f"<tr><td>{e(o.rule_id)}</td><td>{e(o.message)}</td><td>{e(o.reason)}</td><td>{e(o.actor_name)}</td>"
            f"<td>{e(_when(o.at))}</td><td>{'是' if o.current else '否（内容已修改）'}</td></tr>"
            for o in form.overrides
        )
        overrides = (
            "<h2>负面清单检查放行记录</h2><table><tr><th>规则</th><th>检查发现</th><th>放行理由</th>"
            f"<th>放行人</th><th>时间</th><th>对当前内容有效</th></tr>{rows}</table>"
        )
    if form.attachments:
        overrides = (
            "<h2>附件</h2><ol>" + "".join(f"<li>{e(line)}</li>" for line in form.attachment_lines()) + "</ol>"
        ) + overrides
    notes = "".join(f'<p class="note">{e(n)}</p>' for n in FORM_NOTES)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{e(form.agency + FORM_TITLE)}</title>"
        "<style>table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #333;padding:4px 6px;"
        "text-align:center}h1{text-align:center;font-size:1.3em}.note{font-size:.9em}</style></head><body>"
        f"<h1>{e(form.agency + FORM_TITLE)}</h1>"
        f"<p>填表日期：{e(_day(form.filled_on))}　信息编号：{e(form.item_id)}</p>"
        + (f"<p>{e(form.normative_line())}</p>" if form.normative_line() else "")
        + f"<table><tr>{''.join(top)}</tr><tr>{''.join(leaves)}</tr><tr>{cells}</tr></table>"
        "<h2>审核签字</h2><table><tr><th>签字栏</th><th>签字人</th><th>科室</th><th>时间</th><th>决定</th>"
        f"<th>意见</th></tr>{sig_rows}</table>{overrides}{notes}</body></html>\n"
    )


# --- .docx -------------------------------------------------------------------------------------------


def form_docx(form: ReviewForm, path: str | Path) -> Path:
    """Write the form as a Word document laid out like 附件2 (landscape) and return its path."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(form.agency + FORM_TITLE)
    run.bold = True
    doc.add_paragraph(f"填表日期：{_day(form.filled_on)}　　信息编号：{form.item_id}")
    if form.normative_line():
        doc.add_paragraph(form.normative_line())

    columns = sum(max(1, len(subs)) for _, subs in FORM_HEADER)
    table = doc.add_table(rows=3, cols=columns)
    table.style = "Table Grid"
    col = 0
    for group, subs in FORM_HEADER:
        if subs:
            top = table.cell(0, col).merge(table.cell(0, col + len(subs) - 1))
            top.text = group
            for n, sub in enumerate(subs):
                table.cell(1, col + n).text = sub
            col += len(subs)
        else:
            table.cell(0, col).merge(table.cell(1, col)).text = group
            col += 1
    for n, value in enumerate(form.row()):
        table.cell(2, n).text = value

    doc.add_paragraph("审核签字")
    signatures = doc.add_table(rows=1, cols=6)
    signatures.style = "Table Grid"
    for n, label in enumerate(("签字栏", "签字人", "科室", "时间", "决定", "意见")):
        signatures.cell(0, n).text = label
    for line in form.signatures:
        cells = signatures.add_row().cells
        values = (f"{line.role.label}：", line.actor_name, line.section, _when(line.at), line.decision, line.opinion)
        for cell, value in zip(cells, values, strict=True):
            cell.text = value
    last = signatures.add_row().cells
    last[0].text = "上传日期："
    last[1].merge(last[5]).text = _day(form.upload_date)

    if form.attachments:
        doc.add_paragraph("附件")
        for number, text in enumerate(form.attachment_lines(), 1):
            doc.add_paragraph(f"{number}. {text}")
    if form.overrides:
        doc.add_paragraph("负面清单检查放行记录")
        table = doc.add_table(rows=1, cols=6)
        table.style = "Table Grid"
        for n, label in enumerate(("规则", "检查发现", "放行理由", "放行人", "时间", "对当前内容有效")):
            table.cell(0, n).text = label
        for o in form.overrides:
            cells = table.add_row().cells
            values = (
                o.rule_id,
                o.message,
                o.reason,
                o.actor_name,
                _when(o.at),
                "是" if o.current else "否（内容已修改）",
            )
            for cell, value in zip(cells, values, strict=True):
                cell.text = value
    for note in FORM_NOTES:
        doc.add_paragraph(note)
    target = Path(path)
    doc.save(str(target))
    return target
