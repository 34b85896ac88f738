"""Headless Chromium for the portal tests, and a loopback web server for a built site.

The browser tests skip with a reason when Debian's ``chromium`` is not installed, unless
``GONGKAI_REQUIRE_BROWSER=1`` (``.ci/run`` sets it): then a missing browser is a failure.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REQUIRE_ENV = "GONGKAI_REQUIRE_BROWSER"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


def chromium() -> str:
    """The browser's path; skip (or fail under GONGKAI_REQUIRE_BROWSER=1) when there is none."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "headless Chromium not installed (apt-get install chromium); browser checks skipped"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {message}")
        pytest.skip(message)
    return found


def run_chromium(*args: str, timeout: float = 60) -> str:
    """Run headless Chromium with a throw-away profile; return its standard output."""
    browser = chromium()
    with tempfile.TemporaryDirectory(prefix="gongkai-chromium-") as profile:
        result = subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if result.returncode != 0:
        raise AssertionError(f"chromium failed ({result.returncode}): {result.stderr[-2000:]}")
    return result.stdout


def dump_dom(url: str) -> str:
    """The page's DOM after its scripts ran."""
    return run_chromium("--dump-dom", url)


def screenshot(url: str, path: Path, *, size: str = "1100,900") -> Path:
    """Save a PNG screenshot of ``url`` to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    run_chromium(f"--screenshot={path}", f"--window-size={size}", url)
    return path


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1; yield the base URL (ending with ``/``)."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}/"
    finally:
        server.shutdown()
        server.server_close()
