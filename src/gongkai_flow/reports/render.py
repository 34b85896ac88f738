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


def _md_table(table: Table) -> list[str]:
    out: list[str] = []
    if table.note:
        out += [f"（{table.note}）", ""]
    for section in table.sections:
        if section.heading:
            out.append(f"**{section.heading}**")
            out.append("")
        head = ["项目", *section.columns]
        if table.groups:
            groups = [g for g, span in table.groups for _ in range(span)]
            head = ["项目", *(f"{g}·{c}" if g != c else c for g, c in zip(groups, section.columns, strict=True))]
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


def _html_table(table: Table) -> str:
    e = html.escape
    parts = []
    if table.note:
        parts.append(f'<p class="note">（{e(table.note)}）</p>')
    for section in table.sections:
        if section.heading:
            parts.append(f"<h3>{e(section.heading)}</h3>")
        head = ""
        if table.groups:
            head = '<tr><th rowspan="2">项目</th>' + "".join(
                f'<th colspan="{span}">{e(g)}</th>' for g, span in table.groups
            )
            head += "</tr><tr>" + "".join(f"<th>{e(c)}</th>" for c in section.columns) + "</tr>"
        else:
            head = "<tr><th>项目</th>" + "".join(f"<th>{e(c)}</th>" for c in section.columns) + "</tr>"
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
    if table.note:
        document.add_paragraph(f"（{table.note}）")
    for section in table.sections:
        if section.heading:
            document.add_paragraph(section.heading)
        header_rows = 2 if table.groups else 1
        grid = document.add_table(rows=header_rows, cols=len(section.columns) + 1)
        grid.style = "Table Grid"
        if table.groups:
            grid.cell(0, 0).merge(grid.cell(1, 0)).text = "项目"
            col = 1
            for group, span in table.groups:
                cell = grid.cell(0, col) if span == 1 else grid.cell(0, col).merge(grid.cell(0, col + span - 1))
                cell.text = group
                col += span
            for n, label in enumerate(section.columns, start=1):
                grid.cell(1, n).text = label
        else:
            grid.cell(0, 0).text = "项目"
            for n, label in enumerate(section.columns, start=1):
                grid.cell(0, n).text = label
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
