"""The storage commands: ``gongkai db``, ``actors``, ``tasks``, ``dispatch`` and ``audit verify``."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from gongkai_flow.cli import EXIT_REFUSED
from gongkai_flow.demo import run_demo
from gongkai_flow.service import Flow
from gongkai_flow.storage.database import SCHEMA_HEAD, SCHEMA_HISTORY, create_engine, downgrade
from gongkai_flow.testing import run_cli
from gongkai_flow.testing import run_cli_output as gongkai

ACTORS_TOML = """
[[actors]]
id = "lihua"
name = "李华"
section = "局办公室"
roles = ["attribute_reviewer"]

[[actors]]
id = "zhangmin"
name = "张敏"
section = "就业失业科"
roles = ["承办人"]

[[actors]]
id = "liuyang"
name = "刘洋"
section = "局领导"
roles = ["leader"]
in_charge_of = ["就业失业科"]
"""


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A database with the demo published and one item waiting at attribute review."""
    path = tmp_path / "bureau.db"
    with Flow(database=path) as flow:
        run_demo(flow)
        from gongkai_flow.demo import BUREAU

        item = flow.draft(BUREAU["zhangmin"], title="待审的通知", kind="通知公告", body="正文", attribute="主动公开")
        flow.submit(item.id, BUREAU["zhangmin"])
    return str(path)


@pytest.fixture
def actors_file(tmp_path: Path) -> Path:
    path = tmp_path / "actors.toml"
    path.write_text(ACTORS_TOML, encoding="utf-8")
    return path


def test_db_upgrade_creates_then_reports_nothing_to_do(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """``db upgrade`` builds a new database through the migrations; a second run has nothing to do."""
    path = str(tmp_path / "new.db")
    code, out, _ = gongkai(capsys, "db", "upgrade", "--db", path)
    assert code == 0
    assert "已在数据库" in out
    assert SCHEMA_HEAD in out
    code, out, _ = gongkai(capsys, "db", "upgrade", "--db", path)
    assert code == 0
    assert "无需升级" in out
    code, out, _ = gongkai(capsys, "db", "status", "--db", path)
    assert code == 0
    assert "最新" in out


def test_db_status_and_upgrade_of_an_older_schema(capsys: pytest.CaptureFixture[str], db: str) -> None:
    """An older database shows as outdated (exit 1), commands refuse it, and ``db upgrade`` fixes it."""
    engine = create_engine(db)
    downgrade(engine, SCHEMA_HISTORY[0])
    engine.dispose()
    code, out, _ = gongkai(capsys, "db", "status", "--db", db)
    assert code == 1
    assert "旧版本" in out
    code, _, err = gongkai(capsys, "tasks", "--db", db, "--actor", "lihua")
    assert code == EXIT_REFUSED
    assert "storage.schema_outdated" in err
    code, out, _ = gongkai(capsys, "db", "upgrade", "--db", db)
    assert code == 0
    assert f"从结构版本 {SCHEMA_HISTORY[0]} 升级到 {SCHEMA_HEAD}" in out


def test_actors_import_then_tasks_shows_the_worklist(
    capsys: pytest.CaptureFixture[str], db: str, actors_file: Path
) -> None:
    """Imported people can ask for their 待办 and 已办."""
    code, out, _ = gongkai(capsys, "actors", "import", "--db", db, str(actors_file))
    assert code == 0
    assert "已导入 3 名人员" in out
    code, out, _ = gongkai(capsys, "actors", "list", "--db", db)
    assert "刘洋" in out
    assert "就业失业科" in out
    code, out, _ = gongkai(capsys, "tasks", "--db", db, "--actor", "lihua")
    assert code == 0
    assert "待办（共 1 条" in out
    assert "待审的通知" in out
    assert "已办（最近 2 条" in out


def test_tasks_reads_people_from_a_toml_file(capsys: pytest.CaptureFixture[str], db: str, actors_file: Path) -> None:
    """``--actors FILE`` works without importing the directory first."""
    code, out, _ = gongkai(capsys, "tasks", "--db", db, "--actors", str(actors_file), "--actor", "zhangmin")
    assert code == 0
    assert "待办（共 0 条" in out
    assert "已办（最近 3 条" in out


def test_tasks_for_an_unknown_person_is_a_clear_error(capsys: pytest.CaptureFixture[str], db: str) -> None:
    """An id missing from the directory exits 1 with the directory's error code."""
    code, _, err = gongkai(capsys, "tasks", "--db", db, "--actor", "nobody")
    assert code == EXIT_REFUSED
    assert "directory.actor_not_found" in err
    assert "gongkai actors import" in err


def test_dispatch_once_and_status(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """``dispatch --status`` counts pending events; ``--once`` delivers them."""
    path = str(tmp_path / "out.db")
    with Flow(database=path, dispatch=False) as flow:
        run_demo(flow)
    code, out, _ = gongkai(capsys, "dispatch", "--status", "--db", path)
    assert code == 0
    assert "待投递 33 个" in out
    code, out, _ = gongkai(capsys, "dispatch", "--once", "--db", path, "--plugin", "log")
    assert code == 0
    assert "处理事件 15 个" in out
    assert "无接收方 18 个" in out
    code, out, _ = gongkai(capsys, "dispatch", "--status", "--db", path)
    assert "待投递 0 个" in out
    assert "已完成 15 个" in out
    assert "死信 0 个" in out
    assert "无接收方 18 个" in out


def test_events_without_a_receiver_are_kept_replayed_and_purged(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """No plugin: a warning and every event kept as 无接收方; a plugin enabled later gets them by --replay."""
    path = str(tmp_path / "out.db")
    with Flow(database=path, dispatch=False) as flow:
        run_demo(flow)
    code, out, _ = gongkai(capsys, "dispatch", "--once", "--db", path)
    assert code == 0
    assert "警告：没有启用任何投递插件" in out
    assert "处理事件 0 个" in out
    assert "无接收方 33 个" in out
    code, out, _ = gongkai(capsys, "dispatch", "--status", "--format", "json", "--db", path)
    health = json.loads(out)
    assert health["schema"] == "gongkai-dispatch-status/1"
    assert (health["pending"], health["done"], health["unhandled"], health["healthy"]) == (0, 0, 33, False)
    assert health["oldest_unhandled_at"] is not None
    code, out, _ = gongkai(capsys, "dispatch", "--replay", "--plugin", "log", "--db", path)
    assert code == 0
    assert "已把 15 个“无接收方”的事件重新放回队列" in out
    assert "处理事件 15 个" in out
    assert "警告" not in out
    code, out, _ = gongkai(capsys, "dispatch", "--status", "--format", "json", "--db", path)
    assert (json.loads(out)["done"], json.loads(out)["unhandled"]) == (15, 18)
    code, out, _ = gongkai(capsys, "dispatch", "--purge-unhandled", "--status", "--db", path)
    assert "已删除 18 个“无接收方”的事件" in out
    assert "无接收方 0 个" in out
    code, out, _ = gongkai(capsys, "dispatch", "--status", "--format", "json", "--db", path)
    assert json.loads(out)["healthy"] is True


def test_audit_verify_passes_then_fails_after_tampering(capsys: pytest.CaptureFixture[str], db: str) -> None:
    """``audit verify`` exits 0 on an intact trail and 1, naming item and position, on an edited one."""
    code, out, _ = gongkai(capsys, "audit", "verify", "--db", db)
    assert code == 0
    assert "哈希链完整" in out
    with sqlite3.connect(db) as conn:
        (item_id,) = conn.execute("SELECT item_id FROM gongkai_audit WHERE position = 4").fetchone()
        conn.execute("UPDATE gongkai_audit SET opinion = '不同意' WHERE item_id = ? AND position = 4", (item_id,))
    code, out, err = gongkai(capsys, "audit", "verify", "--db", db)
    assert code == EXIT_REFUSED
    assert item_id in out
    assert "篡改" in out
    assert "audit.tampered" in err


def test_commands_refuse_a_foreign_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A file that is not a gongkai database is refused with its code and left alone."""
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    code, _, err = gongkai(capsys, "audit", "verify", "--db", str(path))
    assert code == EXIT_REFUSED
    assert "storage.foreign_database" in err


def test_database_url_comes_from_the_environment(
    capsys: pytest.CaptureFixture[str], db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without ``--db`` the commands use GONGKAI_DATABASE_URL."""
    monkeypatch.setenv("GONGKAI_DATABASE_URL", db)
    code, out, _ = gongkai(capsys, "db", "status")
    assert code == 0
    assert db in out


def test_db_status_reads_every_page_and_reports_damage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file whose pages are damaged is reported as corrupt (exit 1), never "ready"; an intact one passes."""
    path = tmp_path / "damaged.db"
    with Flow(database=path) as flow:
        for _ in range(5):
            run_demo(flow)
    assert run_cli("db", "status", "--db", str(path)) == 0
    assert "全部页面检查无误" in capsys.readouterr().out
    with sqlite3.connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    assert pages > 4
    data = bytearray(path.read_bytes())
    start = page_size * (pages // 2)  # a page in the middle: the header and the schema stay readable
    data[start : start + page_size] = b"\xa5" * page_size
    path.write_bytes(bytes(data))
    assert run_cli("db", "status", "--db", str(path)) == EXIT_REFUSED
    err = capsys.readouterr().err
    assert "storage.corrupt" in err
    assert "损坏" in err
