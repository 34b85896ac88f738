"""One failing effect never blocks another, nor the chain: the mail server is down, the website push goes on."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from gongkai_flow import Flow
from gongkai_flow.demo import BUREAU
from gongkai_flow.dispatch import RetryPolicy

from .conftest import LoopbackServer, free_port, publish
from .test_notify import start_mail

FAST = RetryPolicy(base_delay=timedelta(0), max_delay=timedelta(0), max_attempts=100)


def test_mail_server_down_blocks_neither_the_website_push_nor_the_chain(cms: LoopbackServer, db_path: Path) -> None:
    """With SMTP refusing connections, the item is still published and pushed; mail follows once the server is up."""
    port = free_port()
    config: dict[str, dict[str, Any]] = {
        "website": {"url": cms.url, "database": str(db_path), "timeout": 2},
        "notify": {
            "database": str(db_path),
            "actors": list(BUREAU.values()),
            "address_domain": "rizhao.example",
            "smtp": {"host": "127.0.0.1", "port": port, "timeout": 2},
        },
    }
    with Flow(
        database=db_path, plugins=["negative_list", "website", "notify"], plugin_config=config, retry=FAST
    ) as flow:
        item = publish(flow, "邮件服务器宕机时发布的通知")
        assert flow.get(item.id).state == "published"
        [push] = cms.recorder.requests
        assert push["body"]["item"]["id"] == item.id

        waiting = flow.draft(
            BUREAU["zhangmin"], title="待审核的通知", kind="通知公告", body="正文", attribute="主动公开"
        )
        assert flow.submit(waiting.id, BUREAU["zhangmin"]).state == "attribute_review"
        report = flow.dispatch()
        assert {f.receiver for f in report.failures} == {"gongkai_flow.plugins.notify.NotifyPlugin.by_mail"}
        assert all("邮件服务器" in f.error and f.will_retry for f in report.failures)
        status = flow.dispatch_status()
        assert status.retrying == 1
        assert status.dead_letters == ()

        mail = start_mail(port)
        try:
            flow.dispatch()
            assert flow.dispatch_status().pending == 0
        finally:
            mail.controller.stop()
    [(rcpts, message)] = mail.mailbox.messages
    assert rcpts == ["lihua@rizhao.example"]
    assert "待审核的通知" in message["Subject"]
    assert len(cms.recorder.requests) == 1  # the push was never repeated while mail was failing
