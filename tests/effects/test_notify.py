"""The notify plugin: the people who can act are told by mail (aiosmtpd on loopback), the OA webhook, a file."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from gongkai_flow import Flow, ItemKind, Workflow
from gongkai_flow.demo import BUREAU
from gongkai_flow.dispatch import RetryPolicy, deliver
from gongkai_flow.errors import PluginError
from gongkai_flow.events import DeadlineApproaching
from gongkai_flow.plugins.notify import Notice, deadline_notice, recipients_for, write_line

from .conftest import LoopbackServer, free_port, publish

P = BUREAU
FAST = RetryPolicy(base_delay=timedelta(0), max_delay=timedelta(0), max_attempts=100)

#: Friday 6 September 2019, 17:30 in Beijing.
FIXED_SUBMIT = datetime(2019, 9, 6, 9, 30, tzinfo=UTC)


class Mailbox:
    """An aiosmtpd handler keeping every message it accepted."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(([str(r) for r in envelope.rcpt_tos], message))
        return "250 OK"


@attrs.define
class MailServer:
    """A running loopback SMTP server."""

    port: int
    mailbox: Mailbox
    controller: Controller


def start_mail(port: int | None = None, **kwargs: Any) -> MailServer:
    """Start aiosmtpd on 127.0.0.1."""
    mailbox = Mailbox()
    port = port or free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return MailServer(port, mailbox, controller)


@pytest.fixture
def mail() -> Iterator[MailServer]:
    """A plain loopback SMTP server."""
    server = start_mail()
    yield server
    server.controller.stop()


def notify_config(db_path: Path, **channels: Any) -> dict[str, Any]:
    return {
        "database": str(db_path),
        "actors": list(P.values()),
        "address_domain": "rizhao.example",
        "item_url": "https://oa.example/items/{id}",
        **channels,
    }


def draft(flow: Flow, title: str = "关于调整最低工资标准的通知") -> str:
    item = flow.draft(P["zhangmin"], title=title, kind=ItemKind.NOTICE, body="正文", attribute="主动公开")
    return item.id


def test_the_next_reviewer_is_mailed_what_who_by_when_and_where(mail: MailServer, db_path: Path) -> None:
    """After 张敏 submits, 李华 (attribute reviewer) gets one mail naming the item, the asker, a due date and a link."""
    config = notify_config(db_path, smtp={"host": "127.0.0.1", "port": mail.port})
    with Flow(database=db_path, plugins=["negative_list", "notify"], plugin_config={"notify": config}) as flow:
        item_id = draft(flow)
        flow.submit(item_id, P["zhangmin"])
    [(rcpts, message)] = mail.mailbox.messages
    assert rcpts == ["lihua@rizhao.example"]
    assert message["Subject"] == "【待办】《关于调整最低工资标准的通知》保密及公开属性审核"
    text = message.get_content()
    assert "需要您办理（同意、退回、报保密部门确定）" in text
    assert "经办：张敏（就业失业科）" in text
    assert "提交审核" in text
    assert "请于 " in text
    assert " 前办理。" in text
    assert f"查看：https://oa.example/items/{item_id}" in text
    assert str(message["Message-ID"]).endswith("@gongkai-flow>")


def test_a_return_tells_the_drafter_with_the_opinion(mail: MailServer, db_path: Path) -> None:
    """When 李华 returns the item, 张敏 is told, with 李华's opinion."""
    config = notify_config(db_path, smtp={"host": "127.0.0.1", "port": mail.port})
    with Flow(database=db_path, plugins=["negative_list", "notify"], plugin_config={"notify": config}) as flow:
        item_id = draft(flow)
        flow.submit(item_id, P["zhangmin"])
        flow.return_item(item_id, P["lihua"], "请补充公开属性的依据")
    rcpts, message = mail.mailbox.messages[-1]
    assert rcpts == ["zhangmin@rizhao.example"]
    assert "意见：请补充公开属性的依据" in message.get_content()
    assert "经办：李华（局办公室）" in message.get_content()


def test_publication_tells_nobody_and_the_publisher_is_told_when_it_is_theirs(mail: MailServer, db_path: Path) -> None:
    """The leader's signature tells 陈静 to publish; publishing itself leaves nobody to tell."""
    config = notify_config(db_path, smtp={"host": "127.0.0.1", "port": mail.port})
    with Flow(database=db_path, plugins=["negative_list", "notify"], plugin_config={"notify": config}) as flow:
        publish(flow, "关于公布2019年社保缴费基数的通知")
    recipients = [rcpts for rcpts, _ in mail.mailbox.messages]
    assert recipients == [
        ["lihua@rizhao.example"],
        ["wangfang@rizhao.example"],
        ["zhaoqiang@rizhao.example"],
        ["liuyang@rizhao.example"],
        ["chenjing@rizhao.example"],
    ]


def test_recipients_are_whoever_the_engine_lets_act(db_path: Path) -> None:
    """recipients_for agrees with Workflow.available_actions over the whole directory."""
    with Flow(database=db_path) as flow:
        item_id = draft(flow)
        flow.submit(item_id, P["zhangmin"])
        item = flow.get(item_id)
    assert [a.id for a in recipients_for(Workflow(), item, list(P.values()))] == ["lihua"]


@pytest.fixture
def tls_context(tmp_path: Path) -> ssl.SSLContext:
    """A server TLS context with a fresh self-signed certificate for 127.0.0.1."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def test_starttls_and_login_are_used_when_configured(tls_context: ssl.SSLContext, db_path: Path) -> None:
    """With starttls and a login the mail goes over TLS after authenticating as the configured user."""
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"pw")

    server = start_mail(tls_context=tls_context, require_starttls=True, authenticator=authenticator)
    try:
        smtp = {"host": "127.0.0.1", "port": server.port, "starttls": True, "verify": False}
        smtp |= {"username": "gongkai", "password": "pw", "sender": "gongkai@rizhao.example"}
        config = notify_config(db_path, smtp=smtp)
        with Flow(database=db_path, plugins=["negative_list", "notify"], plugin_config={"notify": config}) as flow:
            flow.submit(draft(flow), P["zhangmin"])
    finally:
        server.controller.stop()
    assert logins == [(b"gongkai", b"pw")]
    [(_, message)] = server.mailbox.messages
    assert message["From"] == "gongkai@rizhao.example"


def test_the_oa_message_centre_gets_a_json_message(cms: LoopbackServer, db_path: Path) -> None:
    """The webhook channel POSTs recipients, title, content, due date and link, keyed by the event id."""
    config = notify_config(db_path, webhook={"url": cms.url, "token": "oa-token", "token_header": "X-OA-Token"})
    with Flow(database=db_path, plugins=["negative_list", "notify"], plugin_config={"notify": config}) as flow:
        item_id = draft(flow)
        flow.submit(item_id, P["zhangmin"])
    [request] = cms.recorder.requests
    body = request["body"]
    assert request["headers"]["x-oa-token"] == "oa-token"
    assert request["headers"]["idempotency-key"].startswith(body["msg_id"])
    assert body["recipients"] == [{"id": "lihua", "name": "李华", "section": "局办公室"}]
    assert body["url"] == f"https://oa.example/items/{item_id}"
    assert datetime.fromisoformat(body["due"]).date() > datetime.now(UTC).date() - timedelta(days=1)


def test_the_file_sink_writes_each_message_once(tmp_path: Path, db_path: Path) -> None:
    """The file channel appends one JSON line per message, and writing the same message again adds nothing."""
    sink = tmp_path / "notices.jsonl"
    config = notify_config(db_path, file=str(sink))
    with Flow(database=db_path, plugins=["negative_list", "notify"], plugin_config={"notify": config}) as flow:
        flow.submit(draft(flow), P["zhangmin"])
    [line] = sink.read_text(encoding="utf-8").splitlines()
    data = json.loads(line)
    assert data["recipients"][0]["id"] == "lihua"
    notice = Notice(data["msg_id"], data["item_id"], data["title"], data["content"], (P["lihua"],))
    assert write_line(sink, notice) is False
    assert len(sink.read_text(encoding="utf-8").splitlines()) == 1


def test_notify_without_a_channel_is_refused(db_path: Path) -> None:
    """Enabling notify with no smtp, webhook or file channel fails at set-up with a Chinese message."""
    with pytest.raises(PluginError, match="至少要配置一种通知方式"):
        Flow(plugins=["negative_list", "notify"], plugin_config={"notify": {"database": str(db_path)}})


def reminder(item_id: str, *, responsible: str = "") -> DeadlineApproaching:
    """A deadline-approaching notice as tick sends it."""
    return DeadlineApproaching(
        event_id=f"{item_id}:D1:approaching",
        item_id=item_id,
        chain_id="clock",
        chain_version=1,
        action="deadline-approaching",
        from_state="running",
        to_state="running",
        actor_id="",
        at=datetime(2026, 11, 30, 1, 0, tzinfo=UTC),
        content_hash="",
        timer_id=f"{item_id}:D1",
        rule_id="D1",
        rule_label="主动公开期限",
        due="2026-12-03T23:59:59+08:00",
        responsible=responsible,
    )


def test_deadline_reminders_go_to_whoever_can_act(db_path: Path, tmp_path: Path) -> None:
    """A deadline-approaching notice becomes a 【即将到期】 reminder naming the clock and date, to the reviewer."""
    sink = tmp_path / "notices.jsonl"
    config = notify_config(db_path, file=str(sink))
    with Flow(database=db_path, plugins=["negative_list", "notify"], plugin_config={"notify": config}) as flow:
        item_id = draft(flow)
        flow.submit(item_id, P["zhangmin"])
        assert deliver(flow.workflow, reminder(item_id)) == ()
    last = json.loads(sink.read_text(encoding="utf-8").splitlines()[-1])
    assert last["kind"] == "deadline-approaching"
    assert last["title"] == "【即将到期】《关于调整最低工资标准的通知》主动公开期限"
    assert "截止日期 2026年12月3日。" in last["content"]
    assert [r["id"] for r in last["recipients"]] == ["lihua"]


def test_deadline_reminder_without_an_item_goes_to_the_responsible_section(db_path: Path) -> None:
    """A clock whose subject is not an item (an application) reminds the people of its responsible section."""
    actors = list(P.values())
    notice = deadline_notice(
        Workflow(), "deadline-missed", reminder("YSQ-2026-001", responsible="局办公室"), None, actors
    )
    assert notice is not None
    assert notice.subject.startswith("【已逾期】“YSQ-2026-001”")
    assert [a.id for a in notice.recipients] == ["lihua"]


def test_a_title_with_book_marks_is_nested_and_the_due_day_is_formal(mail: MailServer, db_path: Path) -> None:
    """《关于印发〈…〉的通知》 in the subject and the text; the due day as 2019年9月20日, without zeros."""
    config = notify_config(db_path, smtp={"host": "127.0.0.1", "port": mail.port})
    with Flow(
        database=db_path, plugins=["notify"], plugin_config={"notify": config}, clock=lambda: FIXED_SUBMIT
    ) as flow:
        item_id = draft(flow, "关于印发《日照市2019年政务公开工作要点实施方案》的通知")
        flow.submit(item_id, P["zhangmin"])
    [(_, message)] = mail.mailbox.messages
    nested = "《关于印发〈日照市2019年政务公开工作要点实施方案〉的通知》"
    assert message["Subject"] == f"【待办】{nested}保密及公开属性审核"
    text = message.get_content()
    assert f"{nested}已进入“保密及公开属性审核”环节" in text
    # Submitted Friday 2019-09-06 (Beijing): three working days later is Wednesday 11 September.
    assert "请于 2019年9月11日 前办理。" in text
    assert "经办：张敏（就业失业科）于 2019-09-06 17:30 提交审核" in text


def test_notify_reads_through_the_hosts_engine(tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the host's engine, notify reads through it: no database is opened for a delivery."""
    from gongkai_flow import Dispatcher, PluginRegistry, SqlOutbox
    from gongkai_flow.storage.database import Database

    with Flow(database=db_path, dispatch=False) as flow:
        item_id = draft(flow)
        flow.submit(item_id, P["zhangmin"])
        flow.approve(item_id, P["lihua"], "同意")
    host = Database(db_path, create=False)  # stands for the OA's own engine
    opened: list[object] = []
    real_init = Database.__init__

    def counting_init(self: Database, *args: Any, **kwargs: Any) -> None:
        opened.append(args[0] if args else None)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(Database, "__init__", counting_init)
    sink = tmp_path / "notices.jsonl"
    workflow = Workflow(require_content_guard=False)
    registry = PluginRegistry(workflow)
    config = {**notify_config(db_path, file=str(sink)), "database": host.engine}
    registry.load(["notify"], {"notify": config})
    try:
        report = Dispatcher(workflow, SqlOutbox(host.engine)).run_once()
    finally:
        registry.close()
        host.close()
    assert report.delivered >= 2
    assert len(sink.read_text(encoding="utf-8").splitlines()) >= 1
    assert len(opened) <= 1  # Database(engine) wraps the host's engine once; never one per delivery
    assert all(target is host.engine for target in opened)


def test_notify_opens_a_database_path_once(tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a path, notify opens it on the first delivery and keeps it, however many events follow."""
    from gongkai_flow.storage.database import Database

    opened: list[object] = []
    real_init = Database.__init__

    def counting_init(self: Any, *args: Any, **kwargs: Any) -> None:
        opened.append(args[0] if args else None)
        real_init(self, *args, **kwargs)

    sink = tmp_path / "notices.jsonl"
    config = notify_config(db_path, file=str(sink))
    with Flow(database=db_path, plugins=["negative_list", "notify"], plugin_config={"notify": config}) as flow:
        monkeypatch.setattr(Database, "__init__", counting_init)
        for n in range(3):
            item_id = draft(flow, f"关于第{n}批就业见习基地的通知")
            flow.submit(item_id, P["zhangmin"])
            flow.approve(item_id, P["lihua"], "同意")
    assert len(sink.read_text(encoding="utf-8").splitlines()) >= 6
    assert opened == [str(db_path)]
