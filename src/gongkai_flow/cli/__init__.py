"""The ``gongkai`` command line.

Each area registers its commands in its own module; importing this package assembles them.
Exit status: 0 success, 1 a refused or invalid action (one Chinese line with the error code),
2 a wrong command line, 70 an unexpected internal error (``GONGKAI_DEBUG=1`` shows the traceback).
"""

from . import audit as _audit  # noqa: F401  (registers commands)
from . import bdd as _bdd  # noqa: F401  (registers commands)
from . import chain as _chain  # noqa: F401  (registers commands)
from . import check as _check  # noqa: F401  (registers commands)
from . import db as _db  # noqa: F401  (registers commands)
from . import deadlines as _deadlines  # noqa: F401  (registers commands)
from . import demo as _demo  # noqa: F401  (registers commands)
from . import dispatch as _dispatch  # noqa: F401  (registers commands)
from . import duties as _duties  # noqa: F401  (registers commands)
from . import form as _form  # noqa: F401  (registers commands)
from . import items as _items  # noqa: F401  (registers commands)
from . import ledger as _ledger  # noqa: F401  (registers commands)
from . import portal as _portal  # noqa: F401  (registers commands)
from . import report as _report  # noqa: F401  (registers commands)
from . import requests as _requests  # noqa: F401  (registers commands)
from . import steps as _steps  # noqa: F401  (registers commands)
from . import tasks as _tasks  # noqa: F401  (registers commands)
from . import tick as _tick  # noqa: F401  (registers commands)
from ._app import EXIT_INTERNAL, EXIT_REFUSED, EXIT_USAGE, cli, main

__all__ = ["EXIT_INTERNAL", "EXIT_REFUSED", "EXIT_USAGE", "cli", "main"]
