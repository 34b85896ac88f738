"""What the publication effects read besides the event: the item, its audit trail, the people.

An effect receiver is called with the workflow and the event only. The website push, the portal
and the notifications need more — the body, the dates, who can act next — so their plugins take
where to read it from in their configuration:

* ``database`` — the host's SQLAlchemy ``Engine`` or a :class:`~gongkai_flow.storage.database.Database`
  (embedding code: the plugin reads through the host's connection pool), or a SQLite path or
  SQLAlchemy URL (the standalone and CLI case). A path or URL is opened once, on the first
  delivery, and kept; every delivery reads in its own short transaction, so no database is
  opened per delivery and no connection is held between events.
* ``repository`` — any :class:`~gongkai_flow.storage.base.Repository` object (the in-memory
  façade, tests). A repository on a host's session lives only as long as that session: give
  the engine instead.

Also here: the stable 索引号 of an item and the shared text helpers.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Final, final

from sqlalchemy import Engine

from ..model import Actor, Attachment, AuditEntry, DisclosureItem
from ..service import read_attachment
from ..storage.base import Repository
from ..storage.database import Database
from ..storage.sql import SqlRepository

#: 发布机构 when the configuration names none (the seed document's bureau).
DEFAULT_PUBLISHER: Final = "日照市人力资源和社会保障局"

#: The first part of the 索引号 when the configuration names none (统一社会信用代码 of the bureau).
DEFAULT_ORG_CODE: Final = "11371100MB2857300Y"

#: States whose items the public may see: published, or marked 已废止 / 已失效 on their page.
VISIBLE_STATES: Final = ("published", "abolished", "expired")

#: The banner of a page whose document is no longer in force, by item state.
STATUS_LABELS: Final = {"published": "有效", "abolished": "已废止", "expired": "已失效", "retracted": "已撤下"}


def index_number(item: DisclosureItem, org_code: str = DEFAULT_ORG_CODE) -> str:
    """The item's 索引号: ``机构代码/年份-序号``, derived only from its id and publication year.

    The same item always gets the same number, on every build and in every push, without a
    counter anyone has to keep.
    """
    moment = item.published_at or item.created_at
    year = moment.year if moment is not None else 0
    digest = hashlib.sha256(item.id.encode("utf-8", "surrogatepass")).hexdigest()
    serial = int(digest[:12], 16) % 10**8
    return f"{org_code}/{year:04d}-{serial:08d}"


_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def page_slug(item_id: str) -> str:
    """The file name (without ``.html``) of an item's page: its id when that is URL-safe, else a hash."""
    if _SAFE_ID.fullmatch(item_id):
        return item_id
    return "h" + hashlib.sha256(item_id.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def truncate(text: str, limit: int) -> str:
    """``text`` with runs of white space collapsed, cut to at most ``limit`` characters with “…”."""
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= limit:
        return flat
    return flat[: max(limit - 1, 0)] + "…"


def status_change(entries: Sequence[AuditEntry], state: str) -> AuditEntry | None:
    """The latest audit entry that moved the item into ``state`` (its date and reason), if any."""
    for entry in reversed(entries):
        if entry.to_state == state:
            return entry
    return None


def published_at(item: DisclosureItem, entries: Sequence[AuditEntry]) -> datetime | None:
    """When the item was published: the item's own record, else its audit trail."""
    if item.published_at is not None:
        return item.published_at
    entry = status_change(entries, "published")
    return entry.at if entry is not None else None


@final
class ItemSource:
    """Reads items and audit trails from a database (an engine, or a path opened once) or a repository."""

    def __init__(
        self, *, database: str | Engine | Database | None = None, repository: Repository | None = None
    ) -> None:
        if database is None and repository is None:
            raise ValueError("ItemSource needs a database or a repository")
        self.database = database
        self.repository = repository
        self._opened: Database | None = database if isinstance(database, Database) else None
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ItemSource | None:
        """The source named by a plugin's ``database`` or ``repository`` option, or ``None``."""
        database = config.get("database")
        repository = config.get("repository")
        if database is None and repository is None:
            return None
        if database is not None and not isinstance(database, Engine | Database):
            database = str(database)
        return cls(database=database, repository=repository)

    def sql(self) -> Database:
        """The database to read from, opened (and its schema checked) on first use only."""
        with self._lock:
            if self._opened is None:
                if self.database is None or isinstance(self.database, Database):
                    raise ValueError("this ItemSource reads from a repository, not a database")
                self._opened = Database(self.database, create=False)
            return self._opened

    def close(self) -> None:
        """Release a database this source opened from a path or URL (an engine given stays the host's)."""
        with self._lock:
            if self._opened is not None and self._opened is not self.database:
                self._opened.close()
                self._opened = None

    @contextmanager
    def open(self) -> Iterator[Repository]:
        """A repository to read from, valid inside the block (one short read transaction)."""
        if self.repository is not None:
            yield self.repository
            return
        with self.sql().transaction(write=False) as conn:
            yield SqlRepository(conn)

    def files(self, item: DisclosureItem) -> list[tuple[Attachment, bytes]]:
        """The item's attachments with their bytes, each checked against its SHA-256 (fail closed)."""
        with self.open() as repo:
            blobs = repo.blob_store()
            return [(a, read_attachment(blobs, a, item_id=item.id)) for a in item.attachments]

    def load(self, item_id: str) -> tuple[DisclosureItem, list[AuditEntry]] | None:
        """The item and its audit trail, or ``None`` when there is no such item."""
        with self.open() as repo:
            item = repo.find(item_id)
            if item is None:
                return None
            return item, repo.audit(item_id)


def actors_from_config(config: Mapping[str, Any], source: ItemSource | None) -> list[Actor]:
    """The people notifications may go to.

    ``actors`` in the configuration (a list of :class:`Actor`, an
    :class:`~gongkai_flow.directory.ActorDirectory`, or a TOML path), else the ``gongkai_actors``
    table of the ``database``.
    """
    from ..directory import ActorDirectory, actors_from_toml
    from ..storage.sql import SqlActorDirectory

    given = config.get("actors")
    if isinstance(given, ActorDirectory):
        return given.all()
    if isinstance(given, str):
        return actors_from_toml(given)
    if given is not None:
        return [a for a in given if isinstance(a, Actor)]
    if source is not None and source.database is not None:
        with source.sql().transaction(write=False) as conn:
            return SqlActorDirectory(conn).all()
    return []
