"""The actor directory on SQL: the people of ``gongkai_actors``, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, final

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ...errors import actor_not_found
from ...fields import check_text
from ...model import Actor, Role
from ..translate import translated
from .mapping import member
from .schema import actors_table


def _actor_from_row(m: Mapping[Any, Any]) -> Actor:
    return Actor(
        id=m["id"],
        name=m["name"],
        section=m["section"],
        roles=frozenset(member(Role, r) for r in m["roles"]),
        in_charge_of=frozenset(m["in_charge_of"]),
    )


@final
class SqlActorDirectory:
    """The directory in the ``gongkai_actors`` table, inside the caller's transaction (never commits)."""

    def __init__(self, bind: Session | Connection) -> None:
        self.bind = bind

    def _conn(self) -> Connection:
        return self.bind.connection() if isinstance(self.bind, Session) else self.bind

    @translated()
    def get(self, actor_id: str) -> Actor:
        """The active actor, or ``ActorNotFoundError`` (``InvalidFieldError`` for a malformed id)."""
        check_text("actor_id", actor_id)
        t = actors_table.c
        row = self._conn().execute(sa.select(actors_table).where(t.id == actor_id, t.active.is_(True))).first()
        if row is None:
            raise actor_not_found(actor_id)
        return _actor_from_row(row._mapping)

    @translated()
    def all(self) -> list[Actor]:
        """Every active actor, by id."""
        t = actors_table.c
        rows = self._conn().execute(sa.select(actors_table).where(t.active.is_(True)).order_by(t.id))
        return [_actor_from_row(r._mapping) for r in rows]

    @translated()
    def replace_all(self, actors: Iterable[Actor]) -> tuple[int, int]:
        """Make the directory exactly ``actors``: add or update them, deactivate everybody else.

        People are never deleted (the audit trail names them); return (written, deactivated).
        """
        conn = self._conn()
        t = actors_table.c
        now = datetime.now(UTC)
        actors = list(actors)
        existing = {r[0] for r in conn.execute(sa.select(t.id))}
        written = 0
        for actor in actors:
            values = {
                "name": actor.name,
                "section": actor.section,
                "roles": sorted(r.value for r in actor.roles),
                "in_charge_of": sorted(actor.in_charge_of),
                "active": True,
                "updated_at": now,
            }
            if actor.id in existing:
                conn.execute(actors_table.update().where(t.id == actor.id).values(**values))
            else:
                conn.execute(actors_table.insert().values(id=actor.id, **values))
            written += 1
        gone = existing - {a.id for a in actors}
        if gone:
            stale = actors_table.update().where(t.id.in_(sorted(gone)), t.active.is_(True))
            conn.execute(stale.values(active=False, updated_at=now))
        return written, len(gone)
