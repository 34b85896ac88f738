"""The annual report laid out as Markdown, HTML and Word (.docx)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from .annual import AnnualReport, Number, Table

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

_SECTIONS = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)


def _cell(value: Number) -> str:
    return str(value)


def _indent(level: int) -> str:
    return "　" * level


def _spread(groups: tuple[tuple[str, int], ...]) -> list[str]:
    return [label for label, span in groups for _ in range(span)]


def _note_outside(table: Table) -> bool:
    # 表三 prints its 勾稽关系 note in the corner cell, as the format does; elsewhere above the table.
    return bool(table.note) and table.note not in table.corner


def _md_table(table: Table) -> list[str]:
    out: list[str] = []
    if _note_outside(table):
        out += [f"（{table.note}）", ""]
    for section in table.sections:
        if section.heading:
            out.append(f"**{section.heading}**")
            out.append("")
        labels = list(section.columns)
        for level in (table.groups, table.supergroups):
            if level:  # prefix each column with its group, then its supergroup, skipping repeats
                labels = [
                    c if g in ("", c) or c.startswith(g) else f"{g}·{c}"
                    for g, c in zip(_spread(level), labels, strict=True)
                ]
        head = [table.corner or "项目", *labels]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        for row in section.rows:
            values = [""] * len(section.columns) if row.values is None else [_cell(v) for v in row.values]
            out.append("| " + " | ".join([_indent(row.level) + row.label, *values]) + " |")
        out.append("")
    return out


def report_markdown(report: AnnualReport) -> str:
    """The report as Markdown: tables 二–四 and the plan's figures under the six fixed headings."""
    out = [f"# {report.title}", "", f"（格式：{report.format.label}）", ""]
    tables = {1: report.table2, 2: report.table3, 3: report.table4}
    for n, heading in enumerate(_SECTIONS):
        out += [f"## {heading}", ""]
        if n in tables:
            out += _md_table(tables[n])
        elif n == 5:
            out += [f"- {f.label}：{f.value}" for f in report.figures]
            out.append("")
        else:
            out += ["（由本机关撰写。）", ""]
    return "\n".join(out)


def _merged(table: Table) -> set[int]:
    """Start columns where a group repeats its supergroup (one cell over both header rows)."""
    starts: dict[int, tuple[str, int]] = {}
    col = 0
    for label, span in table.supergroups:
        starts[col] = (label, span)
        col += span
    merged: set[int] = set()
    col = 0
    for label, span in table.groups:
        if starts.get(col) == (label, span):
            merged.add(col)
        col += span
    return merged


def _html_table(table: Table) -> str:
    e = html.escape
    parts = []
    if _note_outside(table):
        parts.append(f'<p class="note">（{e(table.note)}）</p>')
    merged = _merged(table)
    for section in table.sections:
        if section.heading:
            parts.append(f"<h3>{e(section.heading)}</h3>")
        levels = 1 + bool(table.groups) + bool(table.supergroups)
        corner = f'<th rowspan="{levels}">{e(table.corner)}</th>' if levels > 1 else f"<th>{e(table.corner)}</th>"
        rows: list[str] = []
        if table.supergroups:
            cells, col = [], 0
            for label, span in table.supergroups:
                rowspan = ' rowspan="2"' if col in merged else ""
                cells.append(f'<th colspan="{span}"{rowspan}>{e(label)}</th>')
                col += span
            rows.append("".join(cells))
        if table.groups:
            cells, col = [], 0
            for label, span in table.groups:
                if col not in merged:
                    cells.append(f'<th colspan="{span}">{e(label)}</th>')
                col += span
            rows.append("".join(cells))
        rows.append("".join(f"<th>{e(c)}</th>" for c in section.columns))
        rows[0] = corner + rows[0]
        head = "".join(f"<tr>{r}</tr>" for r in rows)
        body = ""
        for row in section.rows:
            values = [""] * len(section.columns) if row.values is None else [_cell(v) for v in row.values]
            label = f'<th style="text-align:left;padding-left:{0.5 + row.level * 1.5}em">{e(row.label)}</th>'
            body += "<tr>" + label + "".join(f"<td>{e(v)}</td>" for v in values) + "</tr>"
        parts.append(f"<table>{head}{body}</table>")
    return "".join(parts)


def report_html(report: AnnualReport) -> str:
    """The report as a standalone HTML page."""
    e = html.escape
    tables = {1: report.table2, 2: report.table3, 3: report.table4}
    body = [f"<h1>{e(report.title)}</h1>", f"<p>（格式：{e(report.format.label)}）</p>"]
    for n, heading in enumerate(_SECTIONS):
        body.append(f"<h2>{e(heading)}</h2>")
        if n in tables:
            body.append(_html_table(tables[n]))
        elif n == 5:
            body.append("<ul>" + "".join(f"<li>{e(f.label)}：{e(f.value)}</li>" for f in report.figures) + "</ul>")
        else:
            body.append("<p>（由本机关撰写。）</p>")
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{e(report.title)}</title><style>table{{border-collapse:collapse;margin:1em 0}}"
        "th,td{border:1px solid #333;padding:3px 6px;text-align:center}</style></head><body>"
        + "".join(body)
        + "</body></html>\n"
    )


def _docx_table(document: DocxDocument, table: Table) -> None:
    if _note_outside(table):
        document.add_paragraph(f"（{table.note}）")
    merged = _merged(table)
    for section in table.sections:
        if section.heading:
            document.add_paragraph(section.heading)
        levels = [level for level in (table.supergroups, table.groups) if level]
        header_rows = len(levels) + 1
        grid = document.add_table(rows=header_rows, cols=len(section.columns) + 1)
        grid.style = "Table Grid"
        corner = grid.cell(0, 0) if header_rows == 1 else grid.cell(0, 0).merge(grid.cell(header_rows - 1, 0))
        corner.text = table.corner
        for r, level in enumerate(levels):
            col = 1
            for label, span in level:
                if level is table.groups and table.supergroups and col - 1 in merged:
                    col += span  # already merged into the supergroup cell above
                    continue
                bottom = r + 1 if level is table.supergroups and col - 1 in merged else r
                cell = grid.cell(r, col).merge(grid.cell(bottom, col + span - 1))
                cell.text = label
                col += span
        for n, label in enumerate(section.columns, start=1):
            grid.cell(header_rows - 1, n).text = label
        for row in section.rows:
            cells = grid.add_row().cells
            cells[0].text = _indent(row.level) + row.label
            if row.values is not None:
                for cell, value in zip(cells[1:], row.values, strict=True):
                    cell.text = _cell(value)


def report_docx(report: AnnualReport, path: str | Path) -> Path:
    """Write the report as a Word document and return its path."""
    from docx import Document

    doc = Document()
    doc.add_heading(report.title, level=0)
    doc.add_paragraph(f"（格式：{report.format.label}）")
    tables = {1: report.table2, 2: report.table3, 3: report.table4}
    for n, heading in enumerate(_SECTIONS):
        doc.add_heading(heading, level=1)
        if n in tables:
            _docx_table(doc, tables[n])
        elif n == 5:
            for figure in report.figures:
                doc.add_paragraph(f"{figure.label}：{figure.value}")
        else:
            doc.add_paragraph("（由本机关撰写。）")
    target = Path(path)
    doc.save(str(target))
    return target
