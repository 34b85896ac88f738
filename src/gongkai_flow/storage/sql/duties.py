"""The duty catalogue on SQL: item tags, the events of triggered duties and the notices sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ...duty_types import DutyEvent, DutyTally, Fulfilment
from ...events import Event
from ...model import DisclosureItem
from ..translate import storage_errors
from .clocks import SqlClockStore
from .schema import duty_events_table, duty_notices_table, duty_tags_table


@final
class SqlDutyStore:
    """The :class:`~gongkai_flow.ports.DutyStore` on ``conn`` (the caller's transaction)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def set_item_tags(self, item: DisclosureItem, tags: Sequence[tuple[str, str]], fulfilling: bool) -> None:
        """Replace the (code, period) tags of one item; ``fulfilling``: it counts (published, not retracted)."""
        t = duty_tags_table
        published = item.published_at if fulfilling else None
        with storage_errors():
            self.conn.execute(t.delete().where(t.c.item_id == item.id))
            rows = [
                {
                    "item_id": item.id,
                    "code": c,
                    "period": p,
                    "published_at": published,
                    "title": item.title,
                    "publish_column": item.column,
                }
                for c, p in sorted(set(tags))
            ]
            if rows:
                self.conn.execute(t.insert(), rows)

    def tallies(self, periods: Sequence[str], until: datetime) -> list[DutyTally]:
        """Per (code, period) of ``periods``: the fulfilling items published at or before ``until``."""
        if not periods:
            return []
        t = duty_tags_table.c
        query = (
            sa.select(t.code, t.period, sa.func.count(), sa.func.min(t.published_at))
            .where(t.period.in_(sorted(set(periods))), t.published_at <= until)
            .group_by(t.code, t.period)
        )
        with storage_errors():
            return [DutyTally(c, p, n, first) for c, p, n, first in self.conn.execute(query)]

    def fulfilments(self, periods: Sequence[str], *, codes: Sequence[str] | None = None) -> list[Fulfilment]:
        """The fulfilling items of ``periods`` (of ``codes``), the earliest published first."""
        if not periods:
            return []
        t = duty_tags_table.c
        query = (
            sa.select(t.code, t.period, t.item_id, t.title, t.published_at, t.publish_column)
            .where(t.period.in_(sorted(set(periods))), t.published_at.is_not(None))
            .order_by(t.published_at, t.item_id, t.code)
        )
        if codes is not None:
            query = query.where(t.code.in_(sorted(set(codes))))
        with storage_errors():
            return [Fulfilment(*row) for row in self.conn.execute(query)]

    def put_duty_event(self, event: DutyEvent) -> bool:
        """Store ``event``; ``False`` when its (code, key) is already there."""
        e = duty_events_table.c
        with storage_errors():
            found = self.conn.execute(sa.select(e.code).where(e.code == event.code, e.key == event.key)).first()
            if found is not None:
                return False
            self.conn.execute(
                duty_events_table.insert().values(
                    code=event.code, key=event.key, occurred_at=event.occurred_at, note=event.note
                )
            )
        return True

    def duty_events(self, since: datetime, until: datetime) -> list[DutyEvent]:
        """Events that occurred in [since, until), the earliest first."""
        e = duty_events_table.c
        query = (
            sa.select(e.code, e.key, e.occurred_at, e.note)
            .where(e.occurred_at >= since, e.occurred_at < until)
            .order_by(e.occurred_at, e.code, e.key)
        )
        with storage_errors():
            return [DutyEvent(*row) for row in self.conn.execute(query)]

    def notices_sent(self, periods: Sequence[str]) -> set[tuple[str, str, str]]:
        """The (code, period, kind) notices already sent for ``periods``."""
        if not periods:
            return set()
        n = duty_notices_table.c
        query = sa.select(n.code, n.period, n.kind).where(n.period.in_(sorted(set(periods))))
        with storage_errors():
            return {(c, p, k) for c, p, k in self.conn.execute(query)}

    def record_notice(self, code: str, period: str, kind: str, at: datetime) -> bool:
        """Record a notice as sent; ``False`` when it was already recorded."""
        n = duty_notices_table.c
        with storage_errors():
            found = self.conn.execute(
                sa.select(n.code).where(n.code == code, n.period == period, n.kind == kind).with_for_update()
            ).first()
            if found is not None:
                return False
            self.conn.execute(duty_notices_table.insert().values(code=code, period=period, kind=kind, sent_at=at))
        return True

    def enqueue(self, events: Sequence[Event]) -> None:
        """Put ``events`` in the outbox of this unit of work."""
        SqlClockStore(self.conn).enqueue(events)
