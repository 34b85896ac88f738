"""Fixtures of the clock tests: a flow on memory, SQLite or PostgreSQL with a settable clock.

PostgreSQL runs when ``GONGKAI_TEST_DATABASE_URL`` is set: a fresh schema per session, emptied
before each test. Unset, the PostgreSQL cases skip.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from gongkai_flow import Flow, Workflow
from gongkai_flow.deadlines import BUREAU_TZ
from gongkai_flow.storage.database import Database
from gongkai_flow.storage.sql import metadata
from gongkai_flow.testing import postgres_schema

PG_ENV = "GONGKAI_TEST_DATABASE_URL"
BACKENDS = ("memory", "sqlite", "postgresql")


@attrs.define
class Clock:
    """A clock the test moves by hand (Beijing time)."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def set(self, y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
        self.now = datetime(y, m, d, h, mi, tzinfo=BUREAU_TZ)
        return self.now


@pytest.fixture
def clock() -> Clock:
    """A hand-moved clock starting on 2019-09-20 10:00 Beijing time."""
    return Clock(datetime(2019, 9, 20, 10, tzinfo=BUREAU_TZ))


@pytest.fixture(scope="session")
def clocks_pg_url() -> Iterator[str]:
    """A PostgreSQL URL on a fresh schema for this session (dropped afterwards)."""
    with postgres_schema("gongkai_clocks") as url:
        yield url


@pytest.fixture(scope="session")
def clocks_pg_database(clocks_pg_url: str) -> Iterator[Database]:
    """The session's PostgreSQL database with every table created."""
    database = Database(clocks_pg_url)
    yield database
    database.close()


def empty_all(database: Database) -> None:
    """Delete every row of every gongkai_flow table (a history left behind would haunt the next test)."""
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with database.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def make_database(name: str, request: pytest.FixtureRequest, tmp_path: Path) -> Database | None:
    """The database of backend ``name`` (``None`` for memory), empty."""
    if name == "memory":
        return None
    if name == "sqlite":
        return Database(tmp_path / "clocks.db")
    database: Database = request.getfixturevalue("clocks_pg_database")
    empty_all(database)
    return database


@pytest.fixture(params=BACKENDS)
def flow(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[Flow]:
    """A flow on each backend in turn, with the hand-moved clock and predictable ids."""
    counter = itertools.count(1)
    workflow = Workflow(clock=clock, new_id=lambda: f"id{next(counter):05d}")
    database = make_database(request.param, request, tmp_path)
    f = Flow(workflow=workflow) if database is None else Flow(database=database, workflow=workflow)
    yield f
    f.close()
    if database is not None and request.param == "sqlite":
        database.close()
