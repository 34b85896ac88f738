"""A dispatch loop survives a PostgreSQL outage: typed errors, backoff, and it resumes by itself.

The database is reached through a loopback TCP proxy that the test cuts (every open connection
dropped, new ones closed at once) and restores; the shared server itself is never stopped.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from gongkai_flow import Actor, Workflow
from gongkai_flow.dispatch import Dispatcher, RetryPolicy
from gongkai_flow.events import Event
from gongkai_flow.plugins import PluginRegistry
from gongkai_flow.signals import EFFECT_SIGNALS
from gongkai_flow.storage.database import Database
from gongkai_flow.storage.errors import StorageError
from gongkai_flow.storage.sql import SqlOutbox
from gongkai_flow.storage.sql.schema import outbox_table

from .conftest import Backend, empty_tables, policy_fields

ITEMS = 12


class CuttableProxy:
    """A TCP proxy on 127.0.0.1 in front of ``host:port`` whose link can be cut and restored."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.up = threading.Event()
        self.up.set()
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up.is_set():  # the link is cut: the server "goes away" at once
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Drop every open connection and refuse new ones (as a network failure would)."""
        self.up.clear()
        with self._lock:
            doomed, self._open = self._open, []
        for s in doomed:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def restore(self) -> None:
        """Let connections through again."""
        self.up.set()

    def close(self) -> None:
        """Stop listening and drop everything."""
        self._closed = True
        self.cut()
        self.listener.close()


@pytest.fixture
def pg_backend(request: pytest.FixtureRequest) -> Backend:
    """The PostgreSQL backend only (the outage is a network one)."""
    database: Database = request.getfixturevalue("pg_database")
    empty_tables(database)
    return Backend("postgresql", Workflow(), database)


def test_the_loop_rides_out_a_database_outage_and_delivers_every_event_once_per_receiver(
    pg_backend: Backend, pg_url: str, people: dict[str, Actor]
) -> None:
    with pg_backend.flow(dispatch=False) as flow:
        for n in range(ITEMS):
            item = flow.draft(people["zhangmin"], **policy_fields(title=f"第{n}号通知"))
            flow.submit(item.id, people["zhangmin"])
    assert pg_backend.database is not None
    with pg_backend.database.engine.connect() as conn:
        expected = set(conn.execute(sa.select(outbox_table.c.event_id)).scalars())
    assert len(expected) == 3 * ITEMS

    url = make_url(pg_url)
    proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
    database = Database(url.set(host="127.0.0.1", port=proxy.port), create=False)
    workflow = Workflow()
    registry = PluginRegistry(workflow)
    keys: dict[str, list[str]] = {"website": [], "notify": []}
    outages: list[StorageError] = []
    cut_once = threading.Event()

    def receiver(name: str) -> Callable[..., None]:
        def receive(sender: object, *, event: Event) -> None:
            keys[name].append(event.event_id)  # the idempotency key a real receiver dedups on
            if name == "notify" and len(keys[name]) == ITEMS and not cut_once.is_set():
                cut_once.set()
                proxy.cut()  # mid-delivery: the claim's transaction dies with the connection

        receive.__qualname__ = f"receive_{name}"
        return receive

    for name in keys:
        fn = receiver(name)
        for signal in EFFECT_SIGNALS.values():
            registry.connect(signal, fn)
    dispatcher = Dispatcher(workflow, SqlOutbox(database.engine), policy=RetryPolicy(base_delay=timedelta(0)))
    stop = threading.Event()
    loop = threading.Thread(
        target=dispatcher.run_loop,
        kwargs={"interval": 0.05, "stop": stop, "max_backoff": 0.2, "on_outage": lambda e, w: outages.append(e)},
        daemon=True,
    )
    loop.start()
    try:
        assert cut_once.wait(60), "the loop never reached the cut"
        deadline = time.monotonic() + 30
        while len(outages) < 3 and time.monotonic() < deadline:  # it keeps trying while the link is down
            time.sleep(0.02)
        assert loop.is_alive()
        assert not dispatcher.health.ok
        proxy.restore()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = pg_backend.outbox.status(datetime.now(UTC))
            if status.pending == 0 and dispatcher.health.ok:
                break
            time.sleep(0.05)
    finally:
        stop.set()
        loop.join(30)
        registry.close()
        database.close()
        proxy.close()
    assert not loop.is_alive()
    assert len(outages) >= 3
    assert {e.code for e in outages} <= {"storage.connection_lost", "storage.unavailable"}
    assert dispatcher.health.ok
    status = pg_backend.outbox.status(datetime.now(UTC))
    assert (status.pending, status.done, status.unhandled, status.dead_letters) == (0, 3 * ITEMS, 0, ())
    for name, got in keys.items():
        assert set(got) == expected, name  # every event, by idempotency key, to every receiver
        # at least once: only the event in flight when the link was cut may come twice
        assert sum(c - 1 for c in Counter(got).values()) <= 1, name
