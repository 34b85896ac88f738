"""A dispatch worker run as a child process by the SIGKILL test: the website plugin, fast retries.

Usage: ``python effects_worker.py DATABASE URL`` — delivers until killed, with a short lease so
that a restarted worker takes over what a killed one held.
"""

from __future__ import annotations

import sys
from datetime import timedelta

from gongkai_flow import Workflow
from gongkai_flow.dispatch import Dispatcher, RetryPolicy
from gongkai_flow.plugins import PluginRegistry
from gongkai_flow.storage.database import Database
from gongkai_flow.storage.sql import SqlOutbox

LEASE = timedelta(seconds=2)


def main(database_path: str, url: str) -> None:
    """Deliver the outbox to the CMS at ``url`` forever."""
    database = Database(database_path, create=False)
    workflow = Workflow(require_content_guard=False)
    registry = PluginRegistry(workflow)
    registry.load(["website"], {"website": {"url": url, "database": database_path, "timeout": 0.3}})
    outbox = SqlOutbox(database.engine, lease=LEASE)
    policy = RetryPolicy(
        max_attempts=1000, base_delay=timedelta(milliseconds=20), max_delay=timedelta(milliseconds=200)
    )
    Dispatcher(workflow, outbox, policy=policy).run_loop(interval=0.05)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
