"""``gongkai check FILE…``: the negative list (附件1) over documents before they are drafted.

Reads what bureaus attach — .txt/.md/.html, .csv, .xlsx/.xls/.ods, .pdf, .docx — chosen by
content, not by name (see ``docs/negative-list.md``). Exit status: 0 nothing blocking, 1 at
least one blocking finding, 2 bad input — a missing file, a FIFO or device, a file over the size
limit, a zip bomb, an undecodable text, a document that cannot be parsed, XML with entity
declarations, an image or a PDF without text, content contradicting the file's name: anything
the check could not read in full. Bad input wins over findings. The JSON schema of
``--format json`` is documented in ``docs/negative-list.md``.
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
from ._app import EXIT_REFUSED, EXIT_USAGE, cli, console, error_line, styled

if TYPE_CHECKING:
    from ..plugins.negative_list import LocatedFinding, Scanner


def category_name(finding: Finding) -> str | None:
    """The category as 附件1 words it (imported late: the CLI starts without the extra)."""
    from ..plugins.negative_list.scan import category_name as name

    return name(finding)


#: Identifies the layout of ``--format json`` output; bumped on an incompatible change.
JSON_SCHEMA: Final = "gongkai_flow.negative_list.check/2"
#: Exit status: nothing blocking.
EXIT_CLEAN: Final = 0
#: Exit status: at least one blocking finding.
EXIT_BLOCKING: Final = EXIT_REFUSED
#: Exit status: bad input.
EXIT_BAD_INPUT: Final = EXIT_USAGE

#: Above this many findings in one file the table is printed as plain lines, one per finding:
#: drawing a boxed table costs far more than the scan (about 4 ms a row).
TABLE_MAX_ROWS: Final = 200

_ATTRIBUTES: Final = {m.label: m for m in DisclosureAttribute} | {m.value: m for m in DisclosureAttribute}
_STYLES: Final = {Severity.BLOCK: "bold red", Severity.REVIEW: "yellow", Severity.INFO: "cyan"}


def _where(found: LocatedFinding) -> str:
    label = found.location.label
    if found.line is None:
        return label
    return f"{label} {found.line}:{found.column}"


def _table(path: str, characters: int, findings: Sequence[LocatedFinding]) -> Table:
    counts = {s: sum(1 for f in findings if f.finding.severity is s) for s in Severity}
    summary = "，".join(f"{s.label} {counts[s]} 条" for s in Severity)
    table = Table(title=f"{path}（{characters} 字）：{summary}", title_justify="left", show_lines=True)
    for col in ("位置", "级别", "负面清单类别", "说明", "摘录（已脱敏）", "规则"):
        table.add_column(col, overflow="fold")
    for found in findings:
        f = found.finding
        table.add_row(
            _where(found),
            styled((f.severity.label, _STYLES[f.severity])),
            category_name(f) or "—",
            f.message,
            f.excerpt or "",
            f"{f.rule_id}\nv{f.rule_version}",
        )
    return table


def _listing(path: str, characters: int, findings: Sequence[LocatedFinding]) -> str:
    """Many findings as plain lines: 位置 | 级别 | 类别 | 说明 | 摘录 | 规则, a header and a summary first."""
    counts = {s: sum(1 for f in findings if f.finding.severity is s) for s in Severity}
    summary = "，".join(f"{s.label} {counts[s]} 条" for s in Severity)
    lines = [f"{path}（{characters} 字）：{summary}", "位置 | 级别 | 负面清单类别 | 说明 | 摘录（已脱敏） | 规则"]
    for found in findings:
        f = found.finding
        category = category_name(f) or "—"
        lines.append(
            f"{_where(found)} | {f.severity.label} | {category} | {f.message} | {f.excerpt or ''} | "
            f"{f.rule_id} v{f.rule_version}"
        )
    return "\n".join(lines)


def _print_error(err: Console, exc: GongkaiFlowError) -> None:
    err.print(error_line(exc))


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
    help="本局的负面清单配置文件（TOML：白名单、自定义词表、错敏词、读取上限）。",
)
@click.option(
    "--max-file-mb",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="单个文件的大小上限（MB，默认 100，或取配置文件 [limits]）。",
)
@click.option(
    "--max-unpacked-mb",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help=".docx/.xlsx/.ods 解压后的总大小上限（MB，默认 100，或取配置文件 [limits]）。",
)
def check(
    files: Sequence[Path],
    fmt: str,
    attribute: str,
    column: str,
    config_file: Path | None,
    max_file_mb: float | None,
    max_unpacked_mb: float | None,
) -> None:
    """按政务公开负面清单（附件1）检查文件：.txt、.md、.html、.csv、.xlsx、.xls、.ods、.pdf、.docx。

    退出状态：0 未发现阻断问题；1 有阻断问题；2 输入有误或有内容无法读取（文件不存在、不是普通文件、超过大小上限、
    编码无法识别、文件损坏、含实体声明、图片或无文字层的 PDF、内容与扩展名不符），须人工核对。
    """
    err = console(stderr=True)
    # Without the negative-list extra the command group names it (one line, exit 2).
    from ..plugins.negative_list import ScanContext, Scanner, Settings, read_file, rules_version, scan_document

    limits_config: dict[str, float] = {}
    if max_file_mb is not None:
        limits_config["max_file_mb"] = max_file_mb
    if max_unpacked_mb is not None:
        limits_config["max_unpacked_mb"] = max_unpacked_mb
    try:
        config: dict[str, Any] = {"config_file": str(config_file)} if config_file else {}
        if limits_config:
            config["limits"] = limits_config
        settings = Settings.from_config(config)
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
            document = read_file(path, settings.limits)
        except GongkaiFlowError as exc:
            bad += 1
            _print_error(err, exc)
            reports.append({"path": str(path), "status": "error", "error": {"code": exc.code, "message": exc.message}})
            continue
        findings = scan_document(scanner, document, context)
        unread = [f for f in findings if f.fail_closed and f.blocking]
        if unread:
            bad += 1
            for found in unread:
                rule_id = found.finding.rule_id
                err.print(styled(("无法完整检查", "red"), f"［{rule_id}］：{found.finding.message}"))
        total += len(findings)
        blocking += sum(1 for f in findings if f.blocking)
        reports.append(
            {
                "path": str(path),
                "status": "unreadable" if unread else "ok",
                "format": document.format,
                "characters": document.characters,
                "findings": [f.to_json() for f in findings],
            }
        )
        if fmt == "table":
            if len(findings) > TABLE_MAX_ROWS:
                click.echo(_listing(str(path), document.characters, findings))
            elif findings:
                out.print(_table(str(path), document.characters, findings))
            else:
                out.print(f"{path!s}（{document.characters} 字）：未发现负面清单问题。")
    code = EXIT_BAD_INPUT if bad else EXIT_BLOCKING if blocking else EXIT_CLEAN
    if fmt == "json":
        document_json = {
            "schema": JSON_SCHEMA,
            "rules_version": rules_version(),
            "attribute": _ATTRIBUTES[attribute].value,
            "files": reports,
            "summary": {"files": len(files), "errors": bad, "findings": total, "blocking": blocking},
            "exit_code": code,
        }
        # One line: json's C encoder (an indent falls back to the pure-Python one, 10× slower on
        # a file with 300,000 findings). `python -m json.tool` indents it for reading.
        click.echo(json.dumps(document_json, ensure_ascii=False))
    else:
        verdict = {
            EXIT_CLEAN: "未发现阻断问题",
            EXIT_BLOCKING: "有阻断问题，不能发布",
            EXIT_BAD_INPUT: "部分文件无法检查或无法完整读取，须人工核对",
        }
        out.print(f"共检查 {len(files)} 个文件：{total} 条检查结果，其中阻断 {blocking} 条。{verdict[code]}。")
    # sys.exit, not click's Exit: the CLI runs click with standalone_mode=False, which would
    # swallow an Exit's status.
    sys.exit(code)
