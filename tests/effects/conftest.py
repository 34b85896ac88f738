"""Fixtures of the publication-effect tests: loopback HTTP and SMTP servers, and published items.

The HTTP server is real (``http.server`` in a thread on 127.0.0.1) and can fail at random the way
a CMS does: 500s, answers after the client gave up, connections dropped without an answer, and
requests it processed whose answer is lost. It records every request it processed by its
``Idempotency-Key``, so a test can check what arrived after deduplication.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gongkai_flow import Action, Flow, ItemKind
from gongkai_flow.demo import BUREAU
from gongkai_flow.model import DisclosureItem

#: The outcomes the flaky server picks from, with their weights.
FATES = {"ok": 5, "error": 2, "slow": 1, "drop": 1, "lost_answer": 1}


class Recorder:
    """What the loopback server received, by idempotency key; and how it should behave."""

    def __init__(self, *, flaky: bool = False, seed: int = 6, slow: float = 0.6) -> None:
        self.flaky = flaky
        self.slow = slow
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []  # every processed request, repeats included
        self.fates: list[str] = []
        self.status = 200

    def fate(self) -> str:
        """The outcome of the next request."""
        with self.lock:
            fate = "ok" if not self.flaky else self.random.choices(list(FATES), weights=list(FATES.values()))[0]
            self.fates.append(fate)
            return fate

    def record(self, headers: dict[str, str], body: dict[str, Any]) -> None:
        """Remember a processed request."""
        with self.lock:
            self.requests.append({"headers": headers, "body": body})

    def by_key(self) -> dict[str, dict[str, Any]]:
        """The processed requests deduplicated by ``Idempotency-Key`` (the first of each)."""
        out: dict[str, dict[str, Any]] = {}
        with self.lock:
            for request in self.requests:
                out.setdefault(request["headers"]["idempotency-key"], request)
        return out


def _handler(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            fate = recorder.fate()
            headers = {k.lower(): v for k, v in self.headers.items()}
            if fate == "error":
                self._answer(500)
                return
            if fate == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            recorder.record(headers, json.loads(raw))
            if fate == "slow":
                time.sleep(recorder.slow)  # the client has given up by now
            self._answer(500 if fate == "lost_answer" else recorder.status)

        def _answer(self, status: int) -> None:
            payload = b'{"ok": true}' if status < 300 else b'{"error": "boom"}'
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass

    return Handler


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 with its recorder."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """The endpoint's address."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/push"

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def cms() -> Iterator[LoopbackServer]:
    """A reliable loopback CMS."""
    server = LoopbackServer(Recorder())
    yield server
    server.close()


@pytest.fixture
def flaky_cms() -> Iterator[LoopbackServer]:
    """A loopback CMS that fails at random (500s, timeouts, dropped connections, lost answers)."""
    server = LoopbackServer(Recorder(flaky=True))
    yield server
    server.close()


def free_port() -> int:
    """A TCP port nobody listens on (for "the server is down")."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def publish(
    flow: Flow,
    title: str,
    *,
    kind: ItemKind = ItemKind.POLICY_DOCUMENT,
    body: str = "第一条 为做好就业创业工作，制定本通知。\n第二条 本通知自发布之日起施行。",
    platforms: tuple[str, ...] = ("网站", "新媒体"),
    column: str = "政策文件",
    **fields: Any,
) -> DisclosureItem:
    """Draft an item as 张敏 and take it through every signature to publication by 陈静."""
    p = BUREAU
    item = flow.draft(
        p["zhangmin"],
        title=title,
        kind=kind,
        body=body,
        attribute="主动公开",
        platforms=list(platforms),
        column=column,
        **fields,
    )
    flow.submit(item.id, p["zhangmin"])
    for reviewer in ("lihua", "wangfang", "zhaoqiang", "liuyang"):
        flow.approve(item.id, p[reviewer], "同意")
    return flow.publish(item.id, p["chenjing"])


def end(flow: Flow, item_id: str, action: Action, reason: str) -> DisclosureItem:
    """陈静 abolishes, expires or retracts a published item with a reason."""
    return flow.fire(item_id, action, BUREAU["chenjing"], opinion=reason)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A SQLite file for one test."""
    return tmp_path / "gongkai.db"
