"""Everything ``gongkai audit verify`` checks, in one read-only pass over a SQL database."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from ..hashchain import Anchor, AuditReport
from .clocks import SqlClockStore
from .items import SqlRepository
from .ledger import unlinked_count, verify_ledger


def verify_database(conn: Connection, anchors: Sequence[Anchor] = ()) -> tuple[AuditReport, int]:
    """Items, applications and timers (chains and rows), the database-wide chain, ``anchors``.

    Returns the report and how many committed rows are not linked into the database-wide chain yet.
    """
    report = SqlRepository(conn).verify_audit()
    clocks = SqlClockStore(conn)
    report = report + clocks.verify_application_audit() + clocks.verify_timers()
    report = report + verify_ledger(conn, anchors)
    return report, unlinked_count(conn)
