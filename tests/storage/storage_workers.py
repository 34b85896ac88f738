"""Functions run in child processes by the concurrency tests (importable under ``spawn``)."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from gongkai_flow import Action, Actor, Role, Workflow
from gongkai_flow.dispatch import Dispatcher
from gongkai_flow.errors import GongkaiFlowError
from gongkai_flow.events import Event
from gongkai_flow.plugins import PluginRegistry
from gongkai_flow.storage.database import Database
from gongkai_flow.storage.sql import SqlOutbox, SqlRepository


def reviewer(n: int) -> Actor:
    """The n-th of the racing attribute reviewers."""
    return Actor(f"reviewer{n}", f"审核人{n}", "局办公室", {Role.ATTRIBUTE_REVIEWER})


def race(url: str, n: int, item_ids: list[str], barrier: Barrier, out: Any) -> None:
    """Read each item, wait for all racers, then approve it from what was read; report the outcome."""
    database = Database(url, create=False)
    workflow = Workflow(require_content_guard=False)
    actor = reviewer(n)
    try:
        for item_id in item_ids:
            with database.transaction(write=False) as conn:
                item = SqlRepository(conn, workflow=workflow).get(item_id)
            barrier.wait(timeout=120)
            try:
                with database.transaction() as conn:
                    SqlRepository(conn, workflow=workflow).save(workflow.fire(item, Action.APPROVE, actor))
            except GongkaiFlowError as exc:
                out.put((item_id, n, exc.code))
            except Exception as exc:  # anything else is a failure the test reports
                out.put((item_id, n, f"{type(exc).__name__}: {exc}"))
            else:
                out.put((item_id, n, "won"))
    finally:
        database.close()


def _recorder(path: Path, *, delay: float, kill_on: int | None) -> Any:
    count = [0]

    def record(sender: object, *, event: Event) -> None:
        count[0] += 1
        with path.open("a") as f:
            f.write(f"{event.event_id}\n")
            f.flush()
            os.fsync(f.fileno())
        if kill_on is not None and count[0] == kill_on:
            os.kill(os.getpid(), signal.SIGKILL)  # dies mid-delivery: after the receiver ran, before the commit
        time.sleep(delay)

    return record


def dispatch(
    url: str, path: str, kill_on: int | None = None, delay: float = 0.005, start: Barrier | None = None
) -> None:
    """Run one dispatch pass recording every ``transition-applied`` delivery to ``path``.

    With ``start``, wait for the other workers first, so that they really run at the same time.
    """
    database = Database(url, create=False)
    workflow = Workflow(require_content_guard=False)
    registry = PluginRegistry(workflow)
    registry.connect("transition-applied", _recorder(Path(path), delay=delay, kill_on=kill_on))
    if start is not None:
        start.wait(timeout=120)
    try:
        Dispatcher(workflow, SqlOutbox(database.engine)).run_once()
    finally:
        registry.close()
        database.close()


def dispatch_later(url: str, path: str, lease_seconds: float) -> None:
    """A dispatch pass whose clock is past any lease a dead worker left (SQLite), recording deliveries."""
    database = Database(url, create=False)
    workflow = Workflow(require_content_guard=False)
    registry = PluginRegistry(workflow)
    registry.connect("transition-applied", _recorder(Path(path), delay=0, kill_on=None))
    later = datetime.now(UTC) + timedelta(seconds=lease_seconds + 1)
    try:
        Dispatcher(workflow, SqlOutbox(database.engine), clock=lambda: later).run_once()
    finally:
        registry.close()
        database.close()
