"""The ``gongkai`` command line.

This package's entry point is plain Python: the ``gongkai`` script works, if only to say so, when
the ``cli`` extra (click and rich) is not installed. The command group lives in
:mod:`gongkai_flow.cli._app`; each command's module is imported only when that command runs, so a
command needs only its own extra (``gongkai demo`` the website's, ``gongkai form`` the reports').
Exit status: 0 success, 1 a refused or invalid action (one Chinese line with the error code),
2 a wrong command line or a missing extra (one line naming the ``pip install``), 70 an unexpected
internal error (``GONGKAI_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

#: A refused or invalid action (a GongkaiFlowError, printed with its code).
EXIT_REFUSED = 1
#: A wrong command line, or an optional dependency the command needs is not installed.
EXIT_USAGE = 2
#: An unexpected internal error.
EXIT_INTERNAL = 70

#: The modules of the ``cli`` extra; without them the script prints one line and exits.
_CLI_MODULES = frozenset({"click", "rich"})


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``gongkai`` script (see :func:`gongkai_flow.cli._app.main`)."""
    try:
        from ._app import main as app_main
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in _CLI_MODULES:
            raise
        print(
            f"gongkai 命令行缺少可选依赖 {exc.name}，请安装：pip install 'gongkai_flow[cli]'",
            file=sys.stderr,
        )
        sys.exit(EXIT_USAGE)
    app_main(argv)


def __getattr__(name: str) -> Any:
    # ``cli`` (the click group) needs click: imported on first use, not with the package.
    if name == "cli":
        from ._app import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["EXIT_INTERNAL", "EXIT_REFUSED", "EXIT_USAGE", "cli", "main"]
