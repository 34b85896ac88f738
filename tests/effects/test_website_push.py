"""The website plugin pushes to the CMS over HTTP: body, headers, retries, exactly-once after dedup."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from gongkai_flow import Action, Flow, Workflow
from gongkai_flow.cli import main as cli_main
from gongkai_flow.dispatch import Dispatcher, RetryPolicy
from gongkai_flow.errors import PluginError
from gongkai_flow.storage.database import Database
from gongkai_flow.storage.sql import SqlOutbox

from .conftest import LoopbackServer, end, publish

FAST = RetryPolicy(max_attempts=1000, base_delay=timedelta(0), max_delay=timedelta(0))
WORKER = Path(__file__).with_name("effects_worker.py")


def website_flow(db_path: Path, url: str, **options: object) -> Flow:
    config = {"url": url, "database": str(db_path), "timeout": 0.3, **options}
    return Flow(database=db_path, plugins=["negative_list", "website"], plugin_config={"website": config}, retry=FAST)


def test_publication_is_pushed_with_documented_body_and_headers(cms: LoopbackServer, db_path: Path) -> None:
    """A published item reaches the CMS once, with the event id as Idempotency-Key, the token and the full item."""
    with website_flow(db_path, cms.url, token="s3cret") as flow:
        item = publish(flow, "关于做好2019年高校毕业生就业创业工作的通知", document_number="日人社发〔2019〕12号")
    [request] = cms.recorder.requests
    headers, body = request["headers"], request["body"]
    assert headers["idempotency-key"] == body["event_id"]
    assert headers["authorization"] == "Bearer s3cret"
    assert headers["content-type"].startswith("application/json")
    assert body["schema"] == "gongkai.website.v1"
    assert (body["event_type"], body["operation"], body["reason"]) == ("item-published", "publish", None)
    data = body["item"]
    assert data["id"] == item.id
    assert data["title"] == "关于做好2019年高校毕业生就业创业工作的通知"
    assert data["body"] == item.body
    assert data["document_number"] == "日人社发〔2019〕12号"
    assert data["publisher"] == "日照市人力资源和社会保障局"
    assert data["disclosure"] == "主动公开"
    assert data["status"] == "published"
    assert data["status_label"] == "有效"
    assert data["index_number"].startswith("11371100MB2857300Y/")
    assert data["content_hash"] == item.content_hash


def test_abolition_expiry_and_retraction_are_pushed_as_their_operations(cms: LoopbackServer, db_path: Path) -> None:
    """Abolishing, expiring and retracting push mark_abolished, mark_expired and retract, with the reason."""
    with website_flow(db_path, cms.url) as flow:
        a = publish(flow, "文件甲")
        b = publish(flow, "文件乙")
        c = publish(flow, "文件丙")
        end(flow, a.id, Action.ABOLISH, "已被日人社发〔2020〕3号废止")
        end(flow, b.id, Action.EXPIRE, "有效期届满")
        end(flow, c.id, Action.RETRACT, "内容有误")
    bodies = [r["body"] for r in cms.recorder.requests if r["body"]["event_type"] != "item-published"]
    got = {(b["item"]["id"], b["operation"], b["item"]["status_label"], b["reason"]) for b in bodies}
    assert got == {
        (a.id, "mark_abolished", "已废止", "已被日人社发〔2020〕3号废止"),
        (b.id, "mark_expired", "已失效", "有效期届满"),
        (c.id, "retract", "已撤下", "内容有误"),
    }
    assert all(b["item"]["status_changed_at"] for b in bodies)


def test_item_not_meant_for_the_website_is_not_pushed(cms: LoopbackServer, db_path: Path) -> None:
    """An item published only to 新媒体 never reaches the website's CMS."""
    with website_flow(db_path, cms.url) as flow:
        publish(flow, "只发新媒体的消息", platforms=("新媒体",))
    assert cms.recorder.requests == []


def test_a_refused_push_is_retried_by_the_outbox(cms: LoopbackServer, db_path: Path) -> None:
    """A 500 from the CMS is a failed delivery; the next dispatch run delivers it."""
    cms.recorder.status = 503
    with website_flow(db_path, cms.url) as flow:
        publish(flow, "通知一")
        assert flow.dispatch_status().retrying == 1
        cms.recorder.status = 200
        report = flow.dispatch()
        assert report.failures == ()
        assert flow.dispatch_status().pending == 0
    keys = [r["headers"]["idempotency-key"] for r in cms.recorder.requests]
    assert len(keys) == 2
    assert len(set(keys)) == 1


def test_every_item_arrives_exactly_once_from_a_flaky_cms(flaky_cms: LoopbackServer, db_path: Path) -> None:
    """Against 500s, timeouts, drops and lost answers, every published item arrives once after dedup."""
    with website_flow(db_path, flaky_cms.url) as flow:
        flow.auto_dispatch = False
        items = [publish(flow, f"就业创业政策第{n}号") for n in range(20)]
        assert flow.dispatcher is not None
        for _ in range(300):
            flow.dispatch()
            if flow.dispatch_status().pending == 0:
                break
        assert flow.dispatch_status().pending == 0
        assert flow.dispatch_status().dead_letters == ()
    fates = set(flaky_cms.recorder.fates)
    assert {"error", "slow", "drop", "lost_answer"} <= fates, fates
    published = [r["body"] for r in flaky_cms.recorder.by_key().values() if r["body"]["event_type"] == "item-published"]
    assert sorted(b["item"]["id"] for b in published) == sorted(i.id for i in items)


def test_nothing_is_lost_when_the_dispatcher_is_killed_and_restarted(flaky_cms: LoopbackServer, db_path: Path) -> None:
    """SIGKILL a dispatch worker mid-run and start another: every item still arrives exactly once after dedup."""
    with Flow(database=db_path, dispatch=False) as flow:
        items = [publish(flow, f"人事考试公告第{n}号") for n in range(25)]
    env = {**os.environ, "PYTHONPATH": str(WORKER.parent)}
    command = [sys.executable, str(WORKER), str(db_path), flaky_cms.url]
    victim = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(flaky_cms.recorder.by_key()) < 6 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert victim.poll() is None, "the worker ended before it was killed"
    finally:
        victim.kill()  # SIGKILL
        victim.wait(10)
    assert victim.returncode == -9
    assert len(flaky_cms.recorder.by_key()) < 25, "the worker finished before it was killed"
    survivor = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    database = Database(db_path, create=False)
    try:
        status = Dispatcher(Workflow(), SqlOutbox(database.engine)).status
        deadline = time.monotonic() + 90
        while status().pending and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status().pending == 0
    finally:
        survivor.kill()
        survivor.wait(10)
        database.close()
    published = [r["body"] for r in flaky_cms.recorder.by_key().values() if r["body"]["event_type"] == "item-published"]
    assert sorted(b["item"]["id"] for b in published) == sorted(i.id for i in items)


def test_a_website_push_without_an_address_is_refused_at_setup() -> None:
    """Enabling the push with a url that is not http(s) fails when the plugin is set up, in Chinese."""
    with pytest.raises(PluginError, match="url"):
        Flow(plugins=["negative_list", "website"], plugin_config={"website": {"url": "ftp://cms"}})


def test_gongkai_dispatch_pushes_with_configuration_from_the_environment(
    cms: LoopbackServer, db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``gongkai dispatch --plugin website`` reads its endpoint and database from GONGKAI_WEBSITE_* variables."""
    with Flow(database=db_path, dispatch=False) as flow:
        item = publish(flow, "环境变量配置的推送")
    monkeypatch.setenv("GONGKAI_WEBSITE_URL", cms.url)
    monkeypatch.setenv("GONGKAI_WEBSITE_DATABASE", str(db_path))
    cli_main(["dispatch", "--db", str(db_path), "--plugin", "website"])
    assert "投递失败 0 次" in capsys.readouterr().out
    [request] = cms.recorder.requests
    assert request["body"]["item"]["id"] == item.id
    assert request["body"]["item"]["body"] == item.body


def test_a_late_publication_after_a_retraction_does_not_bring_the_page_back(cms: LoopbackServer, db_path: Path) -> None:
    """Pushes describe the item as it is now: a publication delivered after the retraction says retract."""
    cms.recorder.status = 503
    with website_flow(db_path, cms.url) as flow:
        item = publish(flow, "发布后马上撤下的通知")
        end(flow, item.id, Action.RETRACT, "内容有误")
        cms.recorder.status = 200
        flow.dispatch()
        assert flow.dispatch_status().pending == 0
    delivered = [r["body"] for r in cms.recorder.requests[-2:]]
    assert {b["event_type"] for b in delivered} == {"item-published", "item-retracted"}
    assert {(b["operation"], b["item"]["status"], b["reason"]) for b in delivered} == {
        ("retract", "retracted", "内容有误")
    }


def test_an_invalid_org_code_is_refused_at_setup() -> None:
    """The 索引号 prefix must be a 统一社会信用代码 whose check character is right."""
    with pytest.raises(PluginError, match="校验码应为“Y”"):
        Flow(plugins=["website"], plugin_config={"website": {"org_code": "11371100MB2857300X"}})
    Flow(plugins=["website"], plugin_config={"website": {"org_code": "11371100MB2857300Y"}}).close()
