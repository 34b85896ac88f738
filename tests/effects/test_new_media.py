"""The new_media plugin: a 政务新媒体 webhook with its own body and length limits, same outbox contract."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from gongkai_flow import Action, Flow
from gongkai_flow.dispatch import RetryPolicy
from gongkai_flow.plugins.new_media import DIGEST_LIMIT, TITLE_LIMIT

from .conftest import LoopbackServer, end, publish

LONG_TITLE = (
    "日照市人力资源和社会保障局关于进一步做好新形势下就业创业工作重点任务分工落实"
    "以及高校毕业生、农民工返乡创业和职业技能培训补贴申领有关事项的通知"
)
LONG_BODY = "为贯彻落实国家、省、市关于就业创业工作的决策部署，" * 20


def media_flow(db_path: Path, url: str) -> Flow:
    config = {
        "url": url,
        "database": str(db_path),
        "account": "日照人社",
        "page_url": "https://hrss.example/gk/{slug}.html",
    }
    retry = RetryPolicy(base_delay=timedelta(0))
    return Flow(
        database=db_path, plugins=["negative_list", "new_media"], plugin_config={"new_media": config}, retry=retry
    )


def test_article_respects_the_length_limits(cms: LoopbackServer, db_path: Path) -> None:
    """A long title is cut to 64 characters and the digest to 120, both ending in “…”."""
    assert len(LONG_TITLE) > TITLE_LIMIT
    with media_flow(db_path, cms.url) as flow:
        item = publish(flow, LONG_TITLE, body=LONG_BODY)
    [request] = cms.recorder.requests
    body = request["body"]
    assert request["headers"]["idempotency-key"] == body["msg_id"]
    assert (body["schema"], body["action"], body["account"]) == ("gongkai.new_media.v1", "publish", "日照人社")
    article = body["article"]
    assert len(article["title"]) == TITLE_LIMIT
    assert article["title"].endswith("…")
    assert article["title"][:-1] == LONG_TITLE[: TITLE_LIMIT - 1]
    assert len(article["digest"]) == DIGEST_LIMIT
    assert article["digest"].endswith("…")
    assert article["url"] == f"https://hrss.example/gk/{item.id}.html"
    assert article["author"] == "日照市人力资源和社会保障局"


def test_short_texts_are_sent_whole(cms: LoopbackServer, db_path: Path) -> None:
    """A title and body within the limits are not cut (white space runs collapse to one space)."""
    with media_flow(db_path, cms.url) as flow:
        publish(flow, "短标题", body="第一段。\n\n第二段。")
    article = cms.recorder.requests[0]["body"]["article"]
    assert (article["title"], article["digest"]) == ("短标题", "第一段。 第二段。")


def test_only_items_for_new_media_are_sent(cms: LoopbackServer, db_path: Path) -> None:
    """An item whose 发布平台 is only 网站 never reaches the 新媒体 webhook."""
    with media_flow(db_path, cms.url) as flow:
        publish(flow, "只在网站发布", platforms=("网站",))
    assert cms.recorder.requests == []


def test_abolition_updates_the_article_with_a_marked_title(cms: LoopbackServer, db_path: Path) -> None:
    """An abolished document is sent as an update titled 【已废止】…, within the title limit; a retraction deletes."""
    with media_flow(db_path, cms.url) as flow:
        old = publish(flow, LONG_TITLE)
        wrong = publish(flow, "发错的消息")
        end(flow, old.id, Action.ABOLISH, "已被新文件废止")
        end(flow, wrong.id, Action.RETRACT, "内容有误")
    by_action = {r["body"]["action"]: r["body"]["article"] for r in cms.recorder.requests}
    assert by_action["update"]["title"].startswith("【已废止】")
    assert len(by_action["update"]["title"]) == TITLE_LIMIT
    assert by_action["update"]["digest"] == "【已废止】已被新文件废止"
    assert by_action["delete"]["id"] == wrong.id


def test_a_failing_webhook_is_retried_with_the_same_key(cms: LoopbackServer, db_path: Path) -> None:
    """A 502 is a failed delivery; the retry carries the same Idempotency-Key."""
    cms.recorder.status = 502
    with media_flow(db_path, cms.url) as flow:
        publish(flow, "重试的消息")
        cms.recorder.status = 200
        flow.dispatch()
        assert flow.dispatch_status().pending == 0
    keys = [r["headers"]["idempotency-key"] for r in cms.recorder.requests]
    assert len(keys) == 2
    assert len(set(keys)) == 1
