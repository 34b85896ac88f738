"""The ``gongkai`` command group, shared console helpers and the error-to-exit-code wrapper."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ..errors import GongkaiFlowError

#: A refused or invalid action (a GongkaiFlowError, printed with its code).
EXIT_REFUSED = 1
#: A wrong command line.
EXIT_USAGE = 2
#: An unexpected internal error.
EXIT_INTERNAL = 70


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
    """The one line a refused action prints: ``错误［code］：message``, the message verbatim."""
    return styled(("错误", "red"), f"［{exc.code}］：{exc.message}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gongkai_flow", prog_name="gongkai")
def cli() -> None:
    """gongkai_flow：政务公开审核流程、负面清单检查与法定时限。"""


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``gongkai`` script: run the CLI and turn errors into exit codes.

    Errors are one Chinese line on stderr, never a traceback (``GONGKAI_DEBUG=1`` shows it).
    """
    err = console(stderr=True)
    try:
        # standalone_mode=False hands exceptions to us, and returns ctx.exit()'s status instead of exiting.
        status = cli.main(args=list(argv) if argv is not None else None, prog_name="gongkai", standalone_mode=False)
        if isinstance(status, int) and status:
            sys.exit(status)
    except GongkaiFlowError as exc:
        err.print(error_line(exc))
        sys.exit(EXIT_REFUSED)
    except click.exceptions.Abort:
        err.print("已取消。")
        sys.exit(EXIT_REFUSED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code or EXIT_USAGE)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        if os.environ.get("GONGKAI_DEBUG"):
            raise
        err.print(styled(("内部错误", "red"), f"：{type(exc).__name__}: {exc}（设置 GONGKAI_DEBUG=1 可查看详细信息）"))
        sys.exit(EXIT_INTERNAL)
