"""The ``gongkai`` command group, shared console helpers and the error-to-exit-code wrapper."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click
from rich.console import Console

from ..errors import GongkaiFlowError

#: A refused or invalid action (a GongkaiFlowError, printed with its code).
EXIT_REFUSED = 1
#: A wrong command line.
EXIT_USAGE = 2
#: An unexpected internal error.
EXIT_INTERNAL = 70


def console() -> Console:
    """A console for tables; piped output gets a wide layout instead of rich's 80 columns."""
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gongkai_flow", prog_name="gongkai")
def cli() -> None:
    """gongkai_flow：政务公开审核流程、负面清单检查与法定时限。"""


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``gongkai`` script: run the CLI and turn errors into exit codes.

    Errors are one Chinese line on stderr, never a traceback (``GONGKAI_DEBUG=1`` shows it).
    """
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        # standalone_mode=False hands exceptions to us, and returns ctx.exit()'s status instead of exiting.
        status = cli.main(args=list(argv) if argv is not None else None, prog_name="gongkai", standalone_mode=False)
        if isinstance(status, int) and status:
            sys.exit(status)
    except GongkaiFlowError as exc:
        err.print(f"[red]错误[/red]［{exc.code}］：{exc.message}", markup=True)
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
        err.print(f"[red]内部错误[/red]：{type(exc).__name__}: {exc}（设置 GONGKAI_DEBUG=1 可查看详细信息）")
        sys.exit(EXIT_INTERNAL)
