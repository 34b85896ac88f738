"""A dispatch worker: deliver a database's outbox to the enabled plugins' receivers.

Run it next to the OA's application servers, as many as you like (PostgreSQL: ``SKIP LOCKED``
claims; SQLite: leases), e.g. under systemd::

    .venv/bin/python examples/dispatch_worker.py --db postgresql+psycopg://gongkai@db/gongkai --plugin log --loop

``--once`` (the default) walks the outbox once and exits, so the test suite can run it; without
``--db`` it makes a temporary SQLite database, writes one submitted item there with dispatch off
(its events stay in the outbox) and delivers them. ``--loop`` keeps going until SIGTERM or Ctrl-C,
finishing the current event first. Same as ``gongkai dispatch``; see docs/embedding.md.
"""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType

from gongkai_flow import Dispatcher, Flow, ItemKind, PluginRegistry, SqlOutbox, Workflow
from gongkai_flow.demo import BUREAU
from gongkai_flow.dispatch import DispatchReport
from gongkai_flow.storage.database import Database


def enqueue(flow: Flow) -> None:
    """Write a submitted item with ``flow`` (dispatch off), leaving its events in the outbox."""
    drafter = BUREAU["zhangmin"]
    item = flow.draft(
        drafter, title="关于开展职业技能培训的通知", kind=ItemKind.POLICY_DOCUMENT, body="……", attribute="主动公开"
    )
    flow.submit(item.id, drafter)


def work(database: Database, plugins: list[str], *, loop: bool, interval: float = 1.0) -> DispatchReport:
    """Deliver the outbox of ``database`` once (or until stopped) with ``plugins``' receivers."""
    workflow = Workflow(require_content_guard=False)
    PluginRegistry(workflow).load(plugins)
    dispatcher = Dispatcher(workflow, SqlOutbox(database.engine))
    if not loop:
        return dispatcher.run_once()
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return dispatcher.run_loop(interval=interval, stop=stop)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run the worker and print what it delivered."""
    parser = argparse.ArgumentParser(description="deliver the gongkai_flow outbox")
    parser.add_argument("--db", help="SQLite path or SQLAlchemy URL (default: a temporary demo database)")
    parser.add_argument("--plugin", action="append", default=None, help="plugin to enable (repeatable; default: log)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="walk the outbox once and exit (default)")
    mode.add_argument("--loop", action="store_true", help="keep delivering until SIGTERM/Ctrl-C")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds to sleep when idle (--loop)")
    args = parser.parse_args(argv)
    plugins = args.plugin or ["log"]
    if args.db:
        database = Database(args.db, create=False)
        try:
            report = work(database, plugins, loop=args.loop, interval=args.interval)
        finally:
            database.close()
    else:
        with Flow.temporary(dispatch=False) as flow:
            enqueue(flow)
            assert flow.database is not None
            print(f"outbox before: {flow.dispatch_status()}")
            report = work(flow.database, plugins, loop=args.loop, interval=args.interval)
            print(f"outbox after: {flow.dispatch_status()}")
    print(f"handled {report.delivered} event(s), {len(report.dead)} dead letter(s), {len(report.failures)} failure(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
