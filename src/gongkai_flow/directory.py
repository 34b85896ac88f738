"""The actor directory: who is who, as the host OA knows them, for the CLI's worklists.

The library authorizes, it does not authenticate: in an embedded OA the host builds an
:class:`~gongkai_flow.model.Actor` from its own user record. The command line has no such host,
so it reads people from a directory — a TOML file given with ``--actors``, or the
``gongkai_actors`` table filled by ``gongkai actors import FILE``::

    [[actors]]
    id = "lihua"
    name = "李华"
    section = "局办公室"
    roles = ["attribute_reviewer"]      # role values or their Chinese labels
    in_charge_of = []                   # for 业务分管领导: the sections they are in charge of
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, final, runtime_checkable

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from .model import Actor, Role
from .storage.database import translated
from .storage.errors import ActorDirectoryError, ActorNotFoundError
from .storage.sql import actors_table, member


@runtime_checkable
class ActorDirectory(Protocol):
    """Where the CLI looks people up."""

    def get(self, actor_id: str) -> Actor:
        """The actor, or ``ActorNotFoundError``."""

    def all(self) -> list[Actor]:
        """Everybody, by id."""


def _not_found(actor_id: str) -> ActorNotFoundError:
    return ActorNotFoundError(
        f"人员目录中没有编号为“{actor_id}”的人员。请检查编号，或先用 gongkai actors import 导入人员名单。",
        actor_id=actor_id,
    )


def actor_from_mapping(data: Mapping[str, Any], *, where: str = "人员名单") -> Actor:
    """Build an actor from one TOML table; roles may be values (``leader``) or labels (业务分管领导)."""
    try:
        roles = []
        for raw in data.get("roles", ()):
            try:
                roles.append(Role.from_label(str(raw)))
            except KeyError:
                choices = "、".join(f"{r.value}（{r.label}）" for r in Role)
                who = data.get("id")
                raise ActorDirectoryError(f"{where}中人员“{who}”的角色“{raw}”无法识别（可选：{choices}）。") from None
        actor_id = str(data["id"]).strip()
        if not actor_id:
            raise ActorDirectoryError(f"{where}中有人员的编号为空。")
        return Actor(
            id=actor_id,
            name=str(data.get("name") or actor_id),
            section=str(data["section"]),
            roles=frozenset(roles),
            in_charge_of=frozenset(str(s) for s in data.get("in_charge_of", ())),
        )
    except KeyError as exc:
        raise ActorDirectoryError(f"{where}中的人员缺少字段 {exc}（须有 id 和 section）。") from exc


def actors_from_toml(path: str | os.PathLike[str]) -> list[Actor]:
    """Read the ``[[actors]]`` tables of a TOML file."""
    where = f"人员名单 {os.fspath(path)}"
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError as exc:
        raise ActorDirectoryError(f"{where} 不存在。") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ActorDirectoryError(f"{where} 不是有效的 TOML 文件：{exc}") from exc
    entries = data.get("actors")
    if not isinstance(entries, list):
        raise ActorDirectoryError(f"{where} 中没有 [[actors]] 人员表。")
    actors = [actor_from_mapping(entry, where=where) for entry in entries]
    ids = [a.id for a in actors]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ActorDirectoryError(f"{where} 中人员编号重复：{'、'.join(duplicates)}。")
    return actors


@final
class TomlActorDirectory:
    """A directory read from a TOML file (``gongkai tasks --actors FILE``)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._actors = {a.id: a for a in actors_from_toml(path)}

    def get(self, actor_id: str) -> Actor:
        """The actor, or ``ActorNotFoundError``."""
        try:
            return self._actors[actor_id]
        except KeyError:
            raise _not_found(actor_id) from None

    def all(self) -> list[Actor]:
        """Everybody, by id."""
        return [self._actors[k] for k in sorted(self._actors)]


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
        """The active actor, or ``ActorNotFoundError``."""
        t = actors_table.c
        row = self._conn().execute(sa.select(actors_table).where(t.id == actor_id, t.active.is_(True))).first()
        if row is None:
            raise _not_found(actor_id)
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
