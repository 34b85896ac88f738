"""``gongkai check FILE…``: the negative list (附件1) over documents before they are drafted.

Reads .txt, .md, .html and .docx files. Exit status: 0 nothing blocking, 1 at least one
blocking finding, 2 bad input (a missing or unreadable file, an unknown encoding, a corrupt
.docx, a bad ``--config``) — bad input wins over findings. The JSON schema of ``--format json``
is documented in ``docs/negative-list.md``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import click
from rich.console import Console
from rich.table import Table

from ..errors import GongkaiFlowError
from ..model import DisclosureAttribute, Finding, Severity
from ._app import EXIT_REFUSED, EXIT_USAGE, cli, console

if TYPE_CHECKING:
    from ..plugins.negative_list import Scanner

#: Identifies the layout of ``--format json`` output; bumped on an incompatible change.
JSON_SCHEMA: Final = "gongkai_flow.negative_list.check/1"
#: Exit status: nothing blocking.
EXIT_CLEAN: Final = 0
#: Exit status: at least one blocking finding.
EXIT_BLOCKING: Final = EXIT_REFUSED
#: Exit status: bad input.
EXIT_BAD_INPUT: Final = EXIT_USAGE

_ATTRIBUTES: Final = {m.label: m for m in DisclosureAttribute} | {m.value: m for m in DisclosureAttribute}
_STYLES: Final = {Severity.BLOCK: "bold red", Severity.REVIEW: "yellow", Severity.INFO: "cyan"}


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def finding_to_json(finding: Finding, text: str) -> dict[str, Any]:
    """One finding in the documented JSON shape."""
    start, end = finding.span or (0, 0)
    line, column = _position(text, start)
    return {
        "rule_id": finding.rule_id,
        "rule_version": finding.rule_version,
        "category": finding.category.value if finding.category else None,
        "category_label": finding.category.label if finding.category else None,
        "severity": finding.severity.value,
        "severity_label": finding.severity.label,
        "blocking": finding.blocking,
        "start": start,
        "end": end,
        "line": line,
        "column": column,
        "excerpt": finding.excerpt,
        "message": finding.message,
        "legal_basis": finding.legal_basis,
    }


def _table(path: str, text: str, findings: Sequence[Finding]) -> Table:
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    summary = "，".join(f"{s.label} {counts[s]} 条" for s in Severity)
    table = Table(title=f"{path}（{len(text)} 字）：{summary}", title_justify="left", show_lines=True)
    for col in ("位置", "级别", "负面清单类别", "说明", "摘录（已脱敏）", "规则"):
        table.add_column(col, overflow="fold")
    for f in findings:
        line, column = _position(text, (f.span or (0, 0))[0])
        table.add_row(
            f"{line}:{column}",
            f"[{_STYLES[f.severity]}]{f.severity.label}[/]",
            f.category.label if f.category else "—",
            f.message,
            f.excerpt or "",
            f"{f.rule_id}\nv{f.rule_version}",
        )
    return table


def _print_error(err: Console, exc: GongkaiFlowError) -> None:
    err.print(f"[red]错误[/red]［{exc.code}］：{exc.message}", markup=True)


@cli.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="输出格式：表格或 JSON（JSON 格式见 docs/negative-list.md）。",
)
@click.option(
    "--attribute",
    type=click.Choice(sorted(_ATTRIBUTES)),
    default="主动公开",
    show_default=True,
    help="文件拟定的公开属性：与文中“（此件…公开）”标注对照。",
)
@click.option("--column", default="", help="拟发布栏目（在“征求意见”栏目发布的征求意见稿只作提示）。")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="本局的负面清单配置文件（TOML：白名单、自定义词表、错敏词）。",
)
def check(files: Sequence[Path], fmt: str, attribute: str, column: str, config_file: Path | None) -> None:
    """按政务公开负面清单（附件1）检查文件：.txt、.md、.html、.docx。

    退出状态：0 未发现阻断问题；1 有阻断问题；2 输入有误（文件不存在、无法读取、编码无法识别、.docx 损坏）。
    """
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    # Without the negative-list extra the command group names it (one line, exit 2).
    from ..plugins.negative_list import ScanContext, Scanner, Settings, read_document, rules_version

    try:
        settings = Settings.from_config({"config_file": str(config_file)} if config_file else {})
        scanner: Scanner = Scanner(settings)
    except GongkaiFlowError as exc:
        _print_error(err, exc)
        sys.exit(EXIT_BAD_INPUT)
    context = ScanContext(attribute=_ATTRIBUTES[attribute], public=True, column=column)
    out = console()
    reports: list[dict[str, Any]] = []
    bad = blocking = total = 0
    for path in files:
        try:
            text = read_document(path)
        except GongkaiFlowError as exc:
            bad += 1
            _print_error(err, exc)
            reports.append({"path": str(path), "status": "error", "error": {"code": exc.code, "message": exc.message}})
            continue
        findings = scanner.scan(text, context)
        total += len(findings)
        blocking += sum(1 for f in findings if f.blocking)
        reports.append(
            {
                "path": str(path),
                "status": "ok",
                "characters": len(text),
                "findings": [finding_to_json(f, text) for f in findings],
            }
        )
        if fmt == "table":
            if findings:
                out.print(_table(str(path), text, findings))
            else:
                out.print(f"{path}（{len(text)} 字）：未发现负面清单问题。")
    code = EXIT_BAD_INPUT if bad else EXIT_BLOCKING if blocking else EXIT_CLEAN
    if fmt == "json":
        document = {
            "schema": JSON_SCHEMA,
            "rules_version": rules_version(),
            "attribute": _ATTRIBUTES[attribute].value,
            "files": reports,
            "summary": {"files": len(files), "errors": bad, "findings": total, "blocking": blocking},
            "exit_code": code,
        }
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        verdict = {
            EXIT_CLEAN: "未发现阻断问题",
            EXIT_BLOCKING: "有阻断问题，不能发布",
            EXIT_BAD_INPUT: "部分文件无法检查",
        }
        out.print(f"共检查 {len(files)} 个文件：{total} 条检查结果，其中阻断 {blocking} 条。{verdict[code]}。")
    # sys.exit, not click's Exit: the CLI runs click with standalone_mode=False, which would
    # swallow an Exit's status.
    sys.exit(code)
