"""Opening databases: new, current, older, newer, foreign, corrupt, locked or lost — each with a clear error."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gongkai_flow import Action, Actor, Flow
from gongkai_flow.demo import run_demo
from gongkai_flow.errors import GongkaiFlowError
from gongkai_flow.events import TransitionRequested
from gongkai_flow.plugins import PluginRegistry
from gongkai_flow.storage.database import (
    SCHEMA_HEAD,
    SCHEMA_HISTORY,
    VERSION_TABLE,
    Database,
    SchemaStatus,
    alembic_config,
    create_engine,
    downgrade,
    inspect_schema,
    upgrade,
)
from gongkai_flow.storage.errors import (
    ConnectionLostError,
    CorruptDatabaseError,
    DatabaseLockedError,
    DatabaseNotFoundError,
    DatabaseUnavailableError,
    ForeignDatabaseError,
    NotADatabaseError,
    SchemaOutdatedError,
    SchemaTooNewError,
    StorageError,
)
from gongkai_flow.storage.sql import metadata

from .conftest import policy_fields


def digest(path: Path) -> str:
    """The SHA-256 of a file's bytes (to prove it was not touched)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_clerk_error(error: GongkaiFlowError, code: str) -> None:
    """The error has the stable code and a Chinese message."""
    assert error.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error.message)


def test_a_new_file_gets_the_newest_schema_in_wal_mode(sqlite_path: Path) -> None:
    """Opening a path that does not exist creates the file, in WAL mode, at the newest schema."""
    Database(sqlite_path).close()
    with sqlite3.connect(sqlite_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()[0] == SCHEMA_HEAD


def test_sqlite_connections_enforce_foreign_keys_and_normal_sync(sqlite_path: Path) -> None:
    """Every connection of the engine has foreign keys on and synchronous=NORMAL."""
    database = Database(sqlite_path)
    with database.transaction(write=False) as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    database.close()


def test_missing_file_is_not_created_when_asked_not_to(sqlite_path: Path) -> None:
    """create=False on a missing file raises DatabaseNotFoundError and creates nothing."""
    with pytest.raises(DatabaseNotFoundError) as info:
        Database(sqlite_path, create=False)
    assert_clerk_error(info.value, "storage.not_found")
    assert not sqlite_path.exists()


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path) -> None:
    """A foreign non-database file raises NotADatabaseError; its bytes are unchanged."""
    path = tmp_path / "report.db"
    path.write_bytes("2019年政府信息公开工作年度报告\n".encode() * 200)
    before = digest(path)
    with pytest.raises(NotADatabaseError) as info:
        Flow(database=path)
    assert_clerk_error(info.value, "storage.not_a_database")
    assert digest(path) == before
    assert not Path(f"{path}-wal").exists()


def test_another_systems_sqlite_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    """A SQLite file with other tables raises ForeignDatabaseError and is not converted to WAL."""
    path = tmp_path / "oa.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO users (name) VALUES ('张敏')")
    before = digest(path)
    with pytest.raises(ForeignDatabaseError) as info:
        Flow(database=path)
    assert_clerk_error(info.value, "storage.foreign_database")
    assert "users" in info.value.message
    assert digest(path) == before


def test_a_corrupt_database_gives_a_clear_error(sqlite_path: Path, people: dict[str, Actor]) -> None:
    """Damaged pages surface as CorruptDatabaseError (code storage.corrupt), not a driver traceback."""
    with Flow(database=sqlite_path) as flow:
        for n in range(30):
            flow.draft(people["zhangmin"], **policy_fields(title=f"第{n}号通知", body="正文" * 500))
    with sqlite3.connect(sqlite_path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(sqlite_path.read_bytes())
    page = 4096
    data[page * 3 : page * 40] = b"\xa5" * (page * 37)
    sqlite_path.write_bytes(bytes(data))
    before = digest(sqlite_path)

    def open_and_read() -> None:
        with Flow(database=sqlite_path) as flow:  # found on opening, or on the first read
            flow.items()

    with pytest.raises(CorruptDatabaseError) as info:
        open_and_read()
    assert_clerk_error(info.value, "storage.corrupt")
    assert digest(sqlite_path) == before
    assert isinstance(info.value, StorageError)


def test_an_older_schema_is_refused_until_upgraded_and_keeps_its_data(sqlite_path: Path) -> None:
    """A database on an older revision raises SchemaOutdatedError; ``upgrade`` migrates it in place."""
    with Flow(database=sqlite_path) as flow:
        result = run_demo(flow)
    engine = create_engine(sqlite_path)
    downgrade(engine, SCHEMA_HISTORY[0])
    before = digest(sqlite_path)
    with pytest.raises(SchemaOutdatedError) as info:
        Flow(database=sqlite_path)
    assert_clerk_error(info.value, "storage.schema_outdated")
    assert "gongkai db upgrade" in info.value.message
    assert digest(sqlite_path) == before
    assert upgrade(engine) == (SCHEMA_HISTORY[0], SCHEMA_HEAD)
    engine.dispose()
    with Flow(database=sqlite_path) as flow:
        assert flow.get(result.policy.id) == result.policy
        assert flow.verify_audit().ok


def test_a_newer_schema_is_refused(sqlite_path: Path) -> None:
    """A revision this library does not know raises SchemaTooNewError."""
    Database(sqlite_path).close()
    with sqlite3.connect(sqlite_path) as conn:
        conn.execute(f"UPDATE {VERSION_TABLE} SET version_num = '9999'")
    with pytest.raises(SchemaTooNewError) as info:
        Flow(database=sqlite_path)
    assert_clerk_error(info.value, "storage.schema_too_new")


def test_a_locked_database_times_out_with_a_clear_error_and_no_change(
    sqlite_path: Path, people: dict[str, Actor]
) -> None:
    """While another process holds the write lock, an action fails with DatabaseLockedError; nothing changes."""
    with Flow(database=sqlite_path) as flow:
        item = flow.draft(people["zhangmin"], **policy_fields())
    flow = Flow(database=sqlite_path, busy_timeout=0.2)
    blocker = sqlite3.connect(sqlite_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseLockedError) as info:
            flow.submit(item.id, people["zhangmin"])
        assert_clerk_error(info.value, "storage.locked")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert flow.get(item.id) == item
    assert flow.submit(item.id, people["zhangmin"]).state == "attribute_review"
    flow.close()


def test_schema_from_migrations_matches_the_tables(sql_backend_url: str) -> None:
    """Running every migration from scratch gives exactly the tables the code declares."""
    engine = create_engine(sql_backend_url)
    try:
        upgrade(engine)
        assert inspect_schema(engine).status is SchemaStatus.CURRENT
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, type_, parent: type_ != "table" or name.startswith("gongkai_"),
                    "include_object": lambda obj, name, type_, reflected, compare_to: _for_dialect(obj, conn),
                },
            )
            diff = [d for d in compare_metadata(context, metadata) if not _is_version_table(d)]
        assert diff == []
    finally:
        engine.dispose()


def _for_dialect(obj: object, conn: sa.Connection) -> bool:
    """Whether a declared object exists on this connection's database (an index may be SQLite-only)."""
    ddl_if = getattr(obj, "_ddl_if", None)
    return ddl_if is None or ddl_if.dialect is None or ddl_if.dialect == conn.dialect.name


def _is_version_table(change: object) -> bool:
    return isinstance(change, tuple) and len(change) > 1 and getattr(change[1], "name", "") == VERSION_TABLE


def test_alembic_knows_the_same_history_as_the_library() -> None:
    """The shipped revisions are exactly SCHEMA_HISTORY, in order, ending at SCHEMA_HEAD."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert tuple(revisions) == SCHEMA_HISTORY
    assert script.get_current_head() == SCHEMA_HEAD


@pytest.fixture(params=("sqlite", "postgresql"))
def sql_backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "migrated.db")
        return
    base: str = request.getfixturevalue("pg_url")
    url = sa.make_url(base)
    schema = f"{str(url.query['options']).split()[0].split('=')[-1]}_m"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_unreachable_postgresql_is_reported_as_unavailable() -> None:
    """A PostgreSQL address nobody listens on raises DatabaseUnavailableError with a Chinese message."""
    with pytest.raises(DatabaseUnavailableError) as info:
        Flow(database="postgresql://postgres@127.0.0.1:1/none", busy_timeout=1)
    assert_clerk_error(info.value, "storage.unavailable")


def test_a_connection_lost_mid_action_rolls_back_and_the_next_action_works(
    pg_database: Database, people: dict[str, Actor]
) -> None:
    """The server killing our connection during an action gives ConnectionLostError; the item is unchanged."""
    from .conftest import empty_tables

    empty_tables(pg_database)
    flow = Flow(database=pg_database.url.render_as_string(hide_password=False))
    item = flow.draft(people["zhangmin"], **policy_fields())
    registry = PluginRegistry(flow.workflow)

    def kill_my_connection(sender: object, *, event: TransitionRequested) -> None:
        with pg_database.engine.connect() as other:
            other.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
                )
            )
            other.commit()

    registry.connect("transition-requested", kill_my_connection)
    try:
        with pytest.raises(ConnectionLostError) as info:
            flow.fire(item.id, Action.SUBMIT, people["zhangmin"])
        assert_clerk_error(info.value, "storage.connection_lost")
    finally:
        registry.close()
    assert flow.get(item.id) == item
    assert flow.submit(item.id, people["zhangmin"]).state == "attribute_review"
    flow.close()


def test_a_deferred_sqlite_transaction_that_lost_a_race_gets_stale_item(
    sqlite_path: Path, people: dict[str, Actor]
) -> None:
    """A read-then-write transaction started without IMMEDIATE gets StaleItemError, not 'database is locked'."""
    from gongkai_flow import Workflow
    from gongkai_flow.errors import StaleItemError
    from gongkai_flow.storage.sql import SqlRepository

    database = Database(sqlite_path)
    workflow = Workflow(require_content_guard=False)
    with database.transaction() as conn:
        item = workflow.draft(people["zhangmin"], **policy_fields())
        SqlRepository(conn, workflow=workflow).save(item)
    slow = database.engine.connect()  # deferred BEGIN: a read snapshot first
    slow.begin()
    mine = SqlRepository(slow, workflow=workflow).get(item.item.id)
    with database.transaction() as conn:
        repo = SqlRepository(conn, workflow=workflow)
        repo.save(workflow.fire(repo.get(item.item.id), Action.SUBMIT, people["zhangmin"]))
    with pytest.raises(StaleItemError):
        SqlRepository(slow, workflow=workflow).save(workflow.fire(mine, Action.WITHDRAW, people["zhangmin"]))
    slow.rollback()
    slow.close()
    database.close()


def test_a_database_in_a_with_block_is_closed_after_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``with Database(...) as database`` hands the database itself and releases its connections on exit."""
    closed: list[Database] = []
    monkeypatch.setattr(Database, "close", lambda self: closed.append(self))
    with Database(tmp_path / "with.db") as database:
        assert isinstance(database, Database)
        assert closed == []
    assert closed == [database]
