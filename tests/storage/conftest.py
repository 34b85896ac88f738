"""Fixtures of the storage tests: one ``backend`` fixture parametrised over memory, SQLite and PostgreSQL.

PostgreSQL runs when ``GONGKAI_TEST_DATABASE_URL`` is set (``.ci/run`` sets it): each test session
works in a fresh schema, dropped afterwards, and each test starts from empty tables. Unset, the
PostgreSQL tests skip with a reason; set but unreachable, they fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gongkai_flow import Actor, Flow, ItemKind, Workflow
from gongkai_flow.demo import BUREAU
from gongkai_flow.engine import Outcome
from gongkai_flow.model import DisclosureItem
from gongkai_flow.storage.base import OutboxStore
from gongkai_flow.storage.database import Database
from gongkai_flow.storage.memory import MemoryRepository
from gongkai_flow.storage.sql import SqlOutbox, SqlRepository, metadata
from gongkai_flow.testing import postgres_schema

PG_ENV = "GONGKAI_TEST_DATABASE_URL"
BACKENDS = ("memory", "sqlite", "postgresql")
SQL_BACKENDS = ("sqlite", "postgresql")

Repo = MemoryRepository | SqlRepository


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search path is a fresh schema for this session (dropped afterwards)."""
    with postgres_schema("gongkai_test") as url:
        yield url


@pytest.fixture(scope="session")
def pg_database(pg_url: str) -> Iterator[Database]:
    """The session's PostgreSQL database, its tables created once."""
    database = Database(pg_url)
    yield database
    database.close()


def empty_tables(database: Database) -> None:
    """Delete every row of every gongkai_flow table (PostgreSQL isolation between tests)."""
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with database.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


class Backend:
    """One storage backend under test: repositories in committed transactions, flows and the outbox."""

    def __init__(self, name: str, workflow: Workflow, database: Database | None) -> None:
        self.name = name
        self.workflow = workflow
        self.database = database
        self.memory = MemoryRepository(workflow=workflow) if database is None else None
        self.outbox: OutboxStore = self.memory if self.memory is not None else SqlOutbox(self._db.engine)

    @property
    def _db(self) -> Database:
        assert self.database is not None
        return self.database

    @contextmanager
    def _unit(self) -> Iterator[Repo]:
        if self.memory is not None:
            yield self.memory
            return
        with self._db.transaction() as conn:
            yield SqlRepository(conn, workflow=self.workflow)

    def repo(self) -> AbstractContextManager[Repo]:
        """A repository inside one transaction, committed when the block ends without an error."""
        return self._unit()

    def save(self, outcome: Outcome) -> DisclosureItem:
        """Save ``outcome`` in its own transaction; return its item."""
        with self.repo() as repo:
            repo.save(outcome)
        return outcome.item

    def flow(self, **kwargs: Any) -> Flow:
        """A Flow façade over this backend (sharing its store)."""
        if self.memory is not None:
            return Flow(repository=self.memory, workflow=self.workflow, **kwargs)
        return Flow(database=self._db, workflow=self.workflow, **kwargs)


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """Where a test's SQLite file lives."""
    return tmp_path / "gongkai.db"


def _make_backend(name: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    workflow = Workflow(require_content_guard=False)
    if name == "memory":
        yield Backend(name, workflow, None)
    elif name == "sqlite":
        database = Database(tmp_path / "contract.db")
        yield Backend(name, workflow, database)
        database.close()
    else:
        database = request.getfixturevalue("pg_database")
        empty_tables(database)
        yield Backend(name, workflow, database)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each storage backend in turn: memory, SQLite (a file), PostgreSQL."""
    yield from _make_backend(request.param, request, tmp_path)


@pytest.fixture(params=SQL_BACKENDS)
def sql_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each SQL backend in turn: SQLite (a file), PostgreSQL."""
    yield from _make_backend(request.param, request, tmp_path)


@pytest.fixture(params=SQL_BACKENDS)
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for multi-process tests: a SQLite file, or the session's PostgreSQL schema (emptied)."""
    if request.param == "sqlite":
        Database(tmp_path / "shared.db").close()
        return str(tmp_path / "shared.db")
    database = request.getfixturevalue("pg_database")
    empty_tables(database)
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def people() -> dict[str, Actor]:
    """The demo bureau's people by id."""
    return dict(BUREAU)


DraftFn = Callable[..., DisclosureItem]


def policy_fields(**changes: Any) -> dict[str, Any]:
    """The form of a valid 主动公开 policy document, with ``changes``."""
    fields: dict[str, Any] = {
        "title": "关于做好2019年高校毕业生就业创业工作的通知",
        "kind": ItemKind.POLICY_DOCUMENT,
        "body": "各区县人力资源和社会保障局：为做好2019年高校毕业生就业创业工作，现就有关事项通知如下……",
        "attribute": "主动公开",
        "platforms": ["网站", "新媒体"],
        "column": "政策文件",
        "document_number": "日人社发〔2019〕12号",
    }
    fields.update(changes)
    return fields
