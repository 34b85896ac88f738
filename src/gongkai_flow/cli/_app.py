"""The ``gongkai`` command group, shared console helpers and the error-to-exit-code wrapper.

The group is lazy: :data:`COMMANDS` names every top-level command with the module that defines it
and the one-line help ``gongkai --help`` shows, so listing the commands imports none of them, and
running one imports only its module. A command module registers itself on :data:`cli` with the
ordinary ``@cli.command`` / ``@cli.group`` decorators when it is imported.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Final

import attrs
import click
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ..errors import GongkaiFlowError, MissingExtraError
from ..registry import missing_extra_error
from . import EXIT_INTERNAL, EXIT_REFUSED, EXIT_USAGE

__all__ = ["COMMANDS", "EXIT_INTERNAL", "EXIT_REFUSED", "EXIT_USAGE", "LazyCommand", "cli", "console", "main"]


@attrs.frozen
class LazyCommand:
    """Where a top-level command lives, its one-line help, and the extras its module needs."""

    module: str
    help: str
    extras: tuple[str, ...] = ()


#: Every top-level command: name → module (under ``gongkai_flow.cli``), short help, extras.
#: A test keeps the help equal to each command's own and every command module listed here.
COMMANDS: Final[dict[str, LazyCommand]] = {
    "actors": LazyCommand("tasks", "人员目录（供命令行查询待办、已办使用）。"),
    "audit": LazyCommand("audit", "审核记录（防篡改哈希链、全库哈希链与锚点）。"),
    "bdd": LazyCommand(
        "bdd", "运行一个文件夹中的全部场景（.feature），逐个列出通过或失败及原因，并写出网页报告。", ("bdd",)
    ),
    "chain": LazyCommand("chain", "审核流程定义。"),
    "check": LazyCommand(
        "check",
        "按政务公开负面清单（附件1）检查文件：.txt、.md、.html、.csv、.xlsx、.xls、.ods、.pdf、.docx。",
        ("negative-list",),
    ),
    "db": LazyCommand("db", "数据库：建表、升级、状态。"),
    "deadlines": LazyCommand("deadlines", "列出未办结的法定时限：规则、对象、到期时间、是否暂定、责任科室。"),
    "duties": LazyCommand("duties", "公开事项：权责清单中每项应公开的信息、责任科室、期限和完成情况。"),
    "demo": LazyCommand(
        "demo",
        "演示：一份政策文件及其解读走完整个审核发布流程，打印签字记录，生成门户网站并发出待办通知。",
        ("negative-list", "website"),
    ),
    "dispatch": LazyCommand(
        "dispatch", "投递发件箱（outbox）中已提交的事件给各插件；失败的按退避重试，多次失败转入死信。"
    ),
    "form": LazyCommand(
        "form", "生成一条信息的《政府信息公开及合规性审核表》（附件2），签字取自审核记录。", ("reports",)
    ),
    "items": LazyCommand("items", "信息的附件：添加、删除、列出、导出。"),
    "ledger": LazyCommand(
        "ledger",
        "生成一段时间内起草或发布的全部信息及收到或答复的申请的台账（.xlsx，表头冻结、可筛选）。",
        ("reports",),
    ),
    "opinions": LazyCommand("deadlines", "政务舆情：登记舆情事件（开始计时）、记录回应（停止计时）。"),
    "plugins": LazyCommand("chain", "列出已安装的插件（须在配置中明确启用才会生效）。"),
    "portal": LazyCommand("portal", "门户网站：把已发布的信息生成静态网页。", ("website",)),
    "records": LazyCommand(
        "report", "年度报告所需的记录：行政复议和行政诉讼、局长办公会议、建议提案办理、表二其他数据。"
    ),
    "report": LazyCommand("report", "政府信息公开工作年度报告。", ("reports",)),
    "requests": LazyCommand("requests", "依申请公开：登记、办理、答复、归档。"),
    "steps": LazyCommand("steps", "列出场景（.feature）中可以使用的全部中文步骤写法，每种附一个例子。", ("bdd",)),
    "tasks": LazyCommand("tasks", "显示某人的待办（现在可以处理的信息）和已办（处理过的信息）。"),
    "tick": LazyCommand(
        "tick", "检查法定时限，把即将到期、今日到期、已超期的提醒写入发件箱（每条只写一次），由 gongkai dispatch 投递。"
    ),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported when they are run (see :data:`COMMANDS`)."""

    def __init__(self, *args: object, lazy: dict[str, LazyCommand], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = lazy
        #: The lazy command resolved last: a missing module later on is attributed to its extras.
        self.resolved: LazyCommand | None = None

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, registered or not yet imported, in name order."""
        return sorted({*self.lazy, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command named ``cmd_name``, importing its module first when it is lazy."""
        entry = self.lazy.get(cmd_name)
        if entry is not None:
            self.resolved = entry
            if cmd_name not in self.commands:
                try:
                    importlib.import_module(f"{__package__}.{entry.module}")
                except ModuleNotFoundError as exc:
                    missing = _missing(exc, entry, cmd_name)
                    if missing is None:
                        raise
                    raise missing from exc
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands with their one-line help, without importing their modules."""
        names = self.list_commands(ctx)
        if names:
            limit = formatter.width - 6 - max(len(name) for name in names)
            rows = []
            for name in names:
                entry = self.lazy.get(name)
                command = self.commands.get(name)
                if entry is not None:
                    rows.append((name, _shorten(entry.help, limit)))
                elif command is not None and not command.hidden:
                    rows.append((name, command.get_short_help_str(limit)))
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; a module its body imports late that an extra provides names that extra."""
        try:
            return super().invoke(ctx)
        except ModuleNotFoundError as exc:
            missing = _missing(exc, self.resolved, ctx.invoked_subcommand)
            if missing is None:
                raise
            raise missing from exc


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 3, 1)] + "..."


def _missing(exc: ModuleNotFoundError, entry: LazyCommand | None, name: str | None) -> MissingExtraError | None:
    what = f"命令“gongkai {name}”" if name else ""
    return missing_extra_error(exc, entry.extras if entry else (), what, command=name)


def console(*, stderr: bool = False) -> Console:
    """A console for tables (stdout) or one-line errors (``stderr=True``).

    Markup is off: titles, opinions, file names and messages are printed exactly as written, so a
    message naming ``[years.2027]`` keeps it. Styled parts are :class:`rich.text.Text` objects
    (see :func:`styled`), never markup spliced with user text. Piped output gets a wide layout
    instead of rich's 80 columns.
    """
    if stderr:
        return Console(stderr=True, highlight=False, markup=False, soft_wrap=True)
    return Console(highlight=False, markup=False, width=None if sys.stdout.isatty() else 160)


def styled(*parts: str | tuple[str, str]) -> Text:
    """Plain strings and ``(text, style)`` pairs as one :class:`Text`; no part is read as markup."""
    return Text.assemble(*parts)


def markup_safe(text: object) -> str:
    """``text`` escaped for the few places that still take Rich markup (e.g. ``Console.print(markup=True)``)."""
    return escape(str(text))


def error_line(exc: GongkaiFlowError) -> Text:
    """The one line a refused action prints: ``错误［code］：message``, control characters shown as codes."""
    return styled(("错误", "red"), f"［{exc.code}］：{_printable(exc.message)}")


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gongkai_flow", prog_name="gongkai")
def cli() -> None:
    """gongkai_flow：政务公开审核流程、负面清单检查与法定时限。"""


def _printable(text: str) -> str:
    """``text`` safe for the terminal: control characters and lone surrogates shown as codes (markup is off)."""
    return "".join(c if c.isprintable() or c in " \n\t" else f"\\u{ord(c):04x}" for c in text)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``gongkai`` script: run the CLI and turn errors into exit codes.

    Errors are one Chinese line on stderr, never a traceback (``GONGKAI_DEBUG=1`` shows it); an
    optional dependency that is not installed is one line naming its ``pip install`` (exit 2).
    """
    for stream in (sys.stdout, sys.stderr):
        # A file name from the command line may hold undecodable bytes (lone surrogates): echo them
        # as escapes instead of failing on the way out.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(Exception):
                reconfigure(errors="backslashreplace")
    err = console(stderr=True)
    try:
        # standalone_mode=False hands exceptions to us, and returns ctx.exit()'s status instead of exiting.
        status = cli.main(args=list(argv) if argv is not None else None, prog_name="gongkai", standalone_mode=False)
        if isinstance(status, int) and status:
            sys.exit(status)
    except MissingExtraError as exc:
        err.print(f"错误［{exc.code}］：{exc.message}", markup=False)
        sys.exit(EXIT_USAGE)
    except GongkaiFlowError as exc:
        err.print(error_line(exc))
        sys.exit(EXIT_REFUSED)
    except click.exceptions.Abort:
        err.print("已取消。")
        sys.exit(EXIT_REFUSED)
    except click.ClickException as exc:
        try:
            exc.show()
        except UnicodeEncodeError:  # the message repeats a value that cannot be printed (a lone surrogate)
            err.print(f"Error: {_printable(exc.format_message())}")
        sys.exit(exc.exit_code or EXIT_USAGE)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        if os.environ.get("GONGKAI_DEBUG"):
            raise
        err.print(
            styled(
                ("内部错误", "red"),
                f"：{type(exc).__name__}: {_printable(str(exc))}（设置 GONGKAI_DEBUG=1 可查看详细信息）",
            )
        )
        sys.exit(EXIT_INTERNAL)
