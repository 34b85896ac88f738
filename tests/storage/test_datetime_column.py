"""UTCDateTime on SQLite: the faster writer stores exactly SQLAlchemy's text, and times read back as written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from gongkai_flow.storage.sql.schema import UTCDateTime

DIALECT = sqlite.dialect()
ZONES: st.SearchStrategy[tzinfo] = st.sampled_from(
    [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))]
)


def times(low: datetime, high: datetime) -> st.SearchStrategy[datetime]:
    """Naive times and aware ones in a few zones, between ``low`` and ``high``."""
    return st.one_of(st.datetimes(low, high), st.datetimes(low, high, timezones=ZONES))


def _sqlalchemy_text(value: datetime) -> str:
    """What SQLAlchemy's own SQLite DATETIME writes for ``value`` turned to naive UTC."""
    naive = value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
    processor = sqlite.DATETIME().bind_processor(DIALECT)  # type: ignore[no-untyped-call]
    assert processor is not None
    text: str = processor(naive)
    return text


@given(times(datetime(1, 1, 2), datetime(9999, 12, 30)))
def test_the_text_written_is_sqlalchemys(value: datetime) -> None:
    processor = UTCDateTime().dialect_impl(DIALECT).bind_processor(DIALECT)
    assert processor is not None
    assert processor(value) == _sqlalchemy_text(value)


@settings(max_examples=50)
@given(st.lists(times(datetime(1900, 1, 1), datetime(9999, 12, 30)), min_size=1, max_size=5))
def test_times_read_back_as_the_same_instant_in_utc(values: list[datetime]) -> None:
    engine = sa.create_engine("sqlite://")
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), sa.Column("at", UTCDateTime))
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(table.insert(), [{"id": k, "at": v} for k, v in enumerate(values)])
        read = [row.at for row in conn.execute(sa.select(table).order_by(table.c.id))]
        # The stored text orders as the instants do (queries compare it as text).
        ordered = [row.id for row in conn.execute(sa.select(table).order_by(table.c.at, table.c.id))]
    expected = [v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC) for v in values]
    assert read == expected
    assert all(t.tzinfo is UTC for t in read)
    assert ordered == sorted(range(len(values)), key=lambda k: (expected[k], k))


def test_text_written_before_reads_back(tmp_path: Path) -> None:
    """Rows SQLAlchemy's writer stored (and a time without microseconds) read as before."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), sa.Column("at", UTCDateTime))
    with engine.begin() as conn:
        table.create(conn)
        old_rows = "(1, '2019-09-20 02:00:00.000001'), (2, '2019-09-20 02:00:00')"
        conn.exec_driver_sql(f"INSERT INTO t (id, at) VALUES {old_rows}")
        read = [row.at for row in conn.execute(sa.select(table).order_by(table.c.id))]
        ddl = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 't'").scalar_one()
    assert read == [datetime(2019, 9, 20, 2, 0, 0, 1, tzinfo=UTC), datetime(2019, 9, 20, 2, tzinfo=UTC)]
    assert "at DATETIME" in ddl  # the declared type is still DATETIME
