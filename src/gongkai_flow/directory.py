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
from collections.abc import Mapping
from typing import Any, Protocol, final, runtime_checkable

from .errors import ActorDirectoryError, InvalidFieldError, actor_not_found
from .fields import check_actor, check_text
from .model import Actor, Role


@runtime_checkable
class ActorDirectory(Protocol):
    """Where the CLI looks people up."""

    def get(self, actor_id: str) -> Actor:
        """The actor, or ``ActorNotFoundError``."""

    def all(self) -> list[Actor]:
        """Everybody, by id."""


def actor_from_mapping(data: Mapping[str, Any], *, where: str = "人员名单") -> Actor:
    """Build an actor from one TOML table; roles may be values (``leader``) or labels (业务分管领导).

    Every value is checked as the library checks an actor a host hands in (text, length, no
    control characters); a malformed one is an :class:`ActorDirectoryError` naming the field.
    """
    if not isinstance(data, Mapping):
        raise ActorDirectoryError(f"{where}中的每位人员须是一个 [[actors]] 表。")
    if "id" not in data or "section" not in data:
        missing = "id" if "id" not in data else "section"
        raise ActorDirectoryError(f"{where}中的人员缺少字段 '{missing}'（须有 id 和 section）。")
    raw_id = data["id"]
    actor_id = str(raw_id).strip() if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else raw_id
    try:
        check_text("actor_id", actor_id)
        who = actor_id
        if not who:
            raise ActorDirectoryError(f"{where}中有人员的编号为空。")
        name = data.get("name") or actor_id
        roles_raw = data.get("roles", [])
        in_charge = data.get("in_charge_of", [])
        for field, value in (("roles", roles_raw), ("in_charge_of", in_charge)):
            if not isinstance(value, list):
                raise ActorDirectoryError(f"{where}中人员“{who}”的 {field} 须是列表。")
        roles = []
        for raw in roles_raw:
            try:
                roles.append(Role.from_label(raw) if isinstance(raw, str) else Role.from_label(""))
            except KeyError:
                choices = "、".join(f"{r.value}（{r.label}）" for r in Role)
                shown = raw if isinstance(raw, str) and len(raw) <= 40 and raw.isprintable() else "所填的值"
                raise ActorDirectoryError(f"{where}中人员“{who}”的角色“{shown}”无法识别（可选：{choices}）。") from None
        actor = Actor(id=actor_id, name=name, section=data["section"], roles=frozenset(roles), in_charge_of=in_charge)
        check_actor(actor)
    except InvalidFieldError as exc:
        raise ActorDirectoryError(f"{where}中的人员有误：{exc.message}", field=exc.details.get("field")) from None
    except (TypeError, ValueError):  # e.g. a table inside in_charge_of: not a list of names
        raise ActorDirectoryError(f"{where}中人员“{who}”的字段格式有误（in_charge_of 须是科室名称的列表）。") from None
    return actor


def actors_from_toml(path: str | os.PathLike[str]) -> list[Actor]:
    """Read the ``[[actors]]`` tables of a TOML file."""
    where = f"人员名单 {os.fspath(path)}"
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError as exc:
        raise ActorDirectoryError(f"{where} 不存在。") from exc
    except OSError as exc:
        raise ActorDirectoryError(f"{where} 无法读取：{exc.strerror or exc}。") from exc
    except UnicodeDecodeError as exc:
        raise ActorDirectoryError(f"{where} 不是 UTF-8 编码的文本文件。") from exc
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
        """The actor, or ``ActorNotFoundError`` (``InvalidFieldError`` for a malformed id)."""
        check_text("actor_id", actor_id)
        try:
            return self._actors[actor_id]
        except KeyError:
            raise actor_not_found(actor_id) from None

    def all(self) -> list[Actor]:
        """Everybody, by id."""
        return [self._actors[k] for k in sorted(self._actors)]
