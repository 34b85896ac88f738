"""Built-in plugin ``notify``: tell the people who can act on an item that it is their turn.

After every stored transition the plugin reads the item, asks the engine who in the actor
directory may move it on now (:meth:`Workflow.available_actions`, the same rule as the 待办
worklist) and sends them one message that says **what** (the item and the stage), **who asked**
(the person who moved it there, with their opinion), **by when** (``due_workdays`` working days,
3 by default) and **where** (a link made from ``item_url``). The person who acted is not told
about their own action.

Each channel is its own receiver, so a mail server that is down never holds up the OA message
centre (or the website push, or the chain); the outbox retries each one separately:

``smtp``
    ``{host, port, sender, starttls, ssl, username, password, timeout}`` — the standard library's
    :mod:`smtplib`; one message per event to every recipient that has an address
    (``addresses``: actor id → e-mail, or ``address_domain``: ``<id>@<domain>``), with the
    ``Message-ID`` made from the event id so a repeated delivery is recognisably the same mail;
``webhook``
    ``{url, token, token_header, timeout}`` — a JSON ``POST`` to the OA's message centre with the
    event id as ``Idempotency-Key``;
``file``
    a path: one JSON line per message (a sink for demos and tests; repeated events are skipped).

Other options: ``database`` (the host's SQLAlchemy ``Engine`` — read through its pool — or a
path or URL, opened once and kept) or ``repository`` (where the item is read), ``actors`` (a list of
actors, a directory or a TOML file; default: the database's ``gongkai_actors`` table),
``item_url`` (``{id}``, ``{slug}``), ``due_workdays``.

Deadline reminders: the plugin subscribes to ``deadline-approaching``, ``deadline-due`` and
``deadline-missed`` (sent when ``tick`` finds a statutory clock near or past its end) and sends a
reminder through the same channels (see :func:`deadline_notice`).
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, final

import attrs

from ...calendar import WorkCalendar
from ...chain import Action
from ...deadlines import BUREAU_TZ
from ...errors import GongkaiFlowError, PluginError
from ...events import Event
from ...model import Actor, AuditEntry, DisclosureItem
from ...signals import ALL_SIGNALS, transition_applied
from ...storage.worklist import WORK_ACTIONS
from ...text import formal_date, quote_title
from .._items import ItemSource, actors_from_config, page_slug

if TYPE_CHECKING:
    from ...engine import Workflow
    from .. import PluginRegistry

__all__ = [
    "DEADLINE_SIGNALS",
    "Notice",
    "NotifyError",
    "NotifyPlugin",
    "deadline_notice",
    "plugin",
    "recipients_for",
    "transition_notice",
]

#: The clock signals the plugin listens to when they exist (the statutory deadlines), with the
#: words that start the reminder's subject.
DEADLINE_SIGNALS: Final = {
    "deadline-approaching": "【即将到期】",
    "deadline-due": "【今日到期】",
    "deadline-missed": "【已逾期】",
}


class NotifyError(GongkaiFlowError):
    """A notification could not be sent; the outbox retries it later."""

    code = "effects.notify_failed"
    http_status = 502


@final
@attrs.frozen
class Notice:
    """One message about one item to the people who can act on it."""

    event_id: str
    item_id: str
    subject: str
    text: str
    recipients: tuple[Actor, ...]
    url: str | None = None
    due: date | None = None
    kind: str = "task"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form sent to the OA message centre and written to the file sink."""
        return {
            "schema": "gongkai.notify.v1",
            "msg_id": self.event_id,
            "kind": self.kind,
            "item_id": self.item_id,
            "recipients": [{"id": a.id, "name": a.name, "section": a.section} for a in self.recipients],
            "title": self.subject,
            "content": self.text,
            "url": self.url,
            "due": self.due.isoformat() if self.due is not None else None,
        }


def recipients_for(workflow: Workflow, item: DisclosureItem, actors: Sequence[Actor]) -> tuple[Actor, ...]:
    """The actors who may move ``item`` forward now (their 待办), in directory order."""
    found = []
    for actor in actors:
        options = workflow.available_actions(item, actor)
        if any(o.allowed and o.action in WORK_ACTIONS for o in options):
            found.append(actor)
    return tuple(found)


def _local(moment: datetime) -> datetime:
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(BUREAU_TZ)


def _due(at: datetime, workdays: int, calendar: WorkCalendar) -> date | None:
    try:
        return calendar.add_workdays(_local(at).date(), workdays).date
    except GongkaiFlowError:  # a year the calendar does not know: say nothing rather than guess
        return None


def _url(template: str | None, item_id: str) -> str | None:
    if not template:
        return None
    return template.format(id=item_id, slug=page_slug(item_id))


def transition_notice(
    workflow: Workflow,
    event: Event,
    item: DisclosureItem,
    entries: Sequence[AuditEntry],
    actors: Sequence[Actor],
    *,
    item_url: str | None = None,
    due_workdays: int = 3,
    calendar: WorkCalendar | None = None,
) -> Notice | None:
    """The message owed for a stored transition, or ``None`` when nobody else has to act now."""
    if item.state != event.to_state:  # the item moved on since: a later event tells the new people
        return None
    people = tuple(a for a in recipients_for(workflow, item, actors) if a.id != event.actor_id)
    if not people:
        return None
    chain = workflow.chain_of(item)
    stage = chain.stage(item.state).label if chain.has_stage(item.state) else item.state
    allowed: list[str] = []
    for actor in people:
        for option in workflow.available_actions(item, actor):
            if option.allowed and option.action in WORK_ACTIONS and option.action.label not in allowed:
                allowed.append(option.action.label)
    asker = next((a for a in actors if a.id == event.actor_id), None)
    entry = next((e for e in reversed(entries) if e.event_id == event.event_id), None)
    asker_name = asker.name if asker is not None else (entry.actor_name if entry is not None else event.actor_id)
    asker_section = asker.section if asker is not None else (entry.section if entry is not None else "")
    try:
        action_label = str(Action.from_label(event.action).label)
    except KeyError:
        action_label = event.action
    due = _due(event.at, due_workdays, calendar or WorkCalendar())
    url = _url(item_url, item.id)
    lines = [
        f"{quote_title(item.title)}已进入“{stage}”环节，需要您办理（{'、'.join(allowed)}）。",
        f"经办：{asker_name}（{asker_section}）于 {_local(event.at):%Y-%m-%d %H:%M} {action_label}。",
    ]
    opinion = getattr(event, "opinion", None) or (entry.opinion if entry is not None else None)
    if opinion:
        lines.append(f"意见：{opinion}")
    if due is not None:
        lines.append(f"请于 {formal_date(due)} 前办理。")
    else:
        lines.append("办理期限：无法计算（工作日历缺少该年份）。")
    lines.append(f"查看：{url}" if url else f"信息编号：{item.id}")
    return Notice(
        event_id=event.event_id,
        item_id=item.id,
        subject=f"【待办】{quote_title(item.title)}{stage}",
        text="\n".join(lines),
        recipients=people,
        url=url,
        due=due,
    )


def deadline_notice(
    workflow: Workflow,
    signal_name: str,
    event: Any,
    item: DisclosureItem | None,
    actors: Sequence[Actor],
    *,
    item_url: str | None = None,
) -> Notice | None:
    """A reminder for a clock signal (:class:`~gongkai_flow.events.DeadlineNotice`), or ``None``.

    It goes to whoever can act on the item now; when nobody can (a published policy still
    waiting for its interpretation) or the clock's subject is not an item (an application, a
    舆情 event), to the people of the clock's ``responsible`` section (or the person with that id).
    """
    people = recipients_for(workflow, item, actors) if item is not None else ()
    responsible = str(getattr(event, "responsible", "") or "")
    if not people and responsible:
        people = tuple(a for a in actors if responsible in (a.id, a.section))
    if not people:
        return None
    due_value = getattr(event, "due_at", None) or getattr(event, "due", None)
    if isinstance(due_value, str) and due_value:
        try:
            due_value = datetime.fromisoformat(due_value)
        except ValueError:
            due_value = None
    due = _local(due_value).date() if isinstance(due_value, datetime) else due_value
    rule = getattr(event, "rule_label", None) or getattr(event, "label", None) or "办理期限"
    subject_id = str(getattr(event, "item_id", ""))
    what = f"{quote_title(item.title)}" if item is not None else f"“{subject_id}”"
    url = _url(item_url, subject_id) if item is not None else None
    head = DEADLINE_SIGNALS.get(signal_name, "【提醒】")
    when = formal_date(due) if isinstance(due, date) else "（未知）"
    lines = [f"{what}的{rule}：截止日期 {when}。", f"查看：{url}" if url else f"编号：{subject_id}"]
    if getattr(event, "provisional", False):
        lines.insert(1, "注意：该期限按周一至周五估算（工作日历缺少该年份），请人工核对。")
    return Notice(
        event_id=str(getattr(event, "event_id", "")) or f"{signal_name}:{subject_id}:{when}",
        item_id=subject_id,
        subject=f"{head}{what}{rule}",
        text="\n".join(lines),
        recipients=people,
        url=url,
        due=due if isinstance(due, date) else None,
        kind=signal_name,
    )


@final
@attrs.frozen
class SmtpConfig:
    """How to reach the mail server."""

    host: str
    port: int = 25
    sender: str = "gongkai@localhost"
    starttls: bool = False
    ssl: bool = False
    verify: bool = True
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SmtpConfig:
        """Read the ``smtp`` table of the configuration."""
        if not data.get("host"):
            raise PluginError("插件“notify”的 smtp 配置须有 host（邮件服务器地址）。", plugin="notify")
        return cls(
            host=str(data["host"]),
            port=int(data.get("port", 465 if data.get("ssl") else 25)),
            sender=str(data.get("sender", "gongkai@localhost")),
            starttls=bool(data.get("starttls", False)),
            ssl=bool(data.get("ssl", False)),
            verify=bool(data.get("verify", True)),
            username=str(data["username"]) if data.get("username") else None,
            password=str(data["password"]) if data.get("password") else None,
            timeout=float(data.get("timeout", 10.0)),
        )


def send_mail(config: SmtpConfig, notice: Notice, addresses: Mapping[str, str]) -> int:
    """Send ``notice`` as one mail to every recipient with an address; return how many; raise on failure."""
    to = [addresses[a.id] for a in notice.recipients if a.id in addresses]
    if not to:
        return 0
    message = EmailMessage()
    message["Subject"] = notice.subject
    message["From"] = config.sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = f"<{notice.event_id}.{notice.kind}@gongkai-flow>"
    message["X-Gongkai-Item"] = notice.item_id
    message.set_content(notice.text)
    context = ssl.create_default_context()
    if not config.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        smtp: smtplib.SMTP = (
            smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
            if config.ssl
            else smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        )
        with smtp:
            if config.starttls and not config.ssl:
                smtp.starttls(context=context)
            if config.username:
                smtp.login(config.username, config.password or "")
            smtp.send_message(message, from_addr=config.sender, to_addrs=to)
    except (OSError, smtplib.SMTPException) as exc:
        raise NotifyError(
            f"邮件服务器 {config.host}:{config.port} 发送失败：{type(exc).__name__}: {exc}，稍后重试。"
        ) from exc
    return len(to)


def write_line(path: Path, notice: Notice) -> bool:
    """Append ``notice`` to a JSON-lines file unless its message id is there already; return whether written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = f"{notice.event_id}:{notice.kind}"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and f"{json.loads(line).get('msg_id')}:{json.loads(line).get('kind')}" == key:
                return False
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(notice.to_dict(), ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return True


@final
class NotifyPlugin:
    """Sends 待办 notices (and deadline reminders) by mail, to the OA message centre and to a file."""

    name = "notify"

    def setup(self, registry: PluginRegistry, config: Mapping[str, Any]) -> None:
        """Read the configuration and connect one receiver per channel."""
        source = ItemSource.from_config(config)
        if source is None:
            raise PluginError("插件“notify”须配置 database 或 repository（从哪里读取待办信息）。", plugin=self.name)
        registry.on_close(source.close)
        workflow = registry.workflow
        item_url = config.get("item_url")
        due_workdays = int(config.get("due_workdays", 3))
        domain = config.get("address_domain")
        fixed = dict(config.get("addresses", {}))
        calendar = WorkCalendar()

        def addresses(people: Sequence[Actor]) -> dict[str, str]:
            out = {a.id: f"{a.id}@{domain}" for a in people} if domain else {}
            out.update({k: str(v) for k, v in fixed.items()})
            return out

        def notice_for(event: Event) -> Notice | None:
            loaded = source.load(event.item_id)
            if loaded is None:
                return None
            item, entries = loaded
            actors = actors_from_config(config, source)
            return transition_notice(
                workflow,
                event,
                item,
                entries,
                actors,
                item_url=str(item_url) if item_url else None,
                due_workdays=due_workdays,
                calendar=calendar,
            )

        channels: list[Any] = []
        smtp_table = config.get("smtp")
        if smtp_table:
            smtp = SmtpConfig.from_mapping(smtp_table)

            def by_mail(notice: Notice) -> None:
                send_mail(smtp, notice, addresses(notice.recipients))

            channels.append(by_mail)
        webhook_table = config.get("webhook")
        if webhook_table:
            from ..website.push import EndpointConfig, post_json

            endpoint = EndpointConfig.from_config(webhook_table, plugin=self.name)

            def to_oa(notice: Notice) -> None:
                import httpx

                with httpx.Client(timeout=endpoint.timeout) as client:
                    post_json(client, endpoint, f"{notice.event_id}:{notice.kind}", notice.to_dict())

            channels.append(to_oa)
        sink = config.get("file")
        if sink:
            sink_path = Path(str(sink))

            def to_file(notice: Notice) -> None:
                write_line(sink_path, notice)

            channels.append(to_file)
        if not channels:
            raise PluginError("插件“notify”至少要配置一种通知方式：smtp、webhook 或 file。", plugin=self.name)

        for channel in channels:
            registry.connect(transition_applied, _transition_receiver(channel, notice_for))
            for name in DEADLINE_SIGNALS:
                if name in ALL_SIGNALS:  # the statutory clocks' notices (tick)
                    registry.connect(name, _deadline_receiver(channel, name, workflow, source, config))


def _transition_receiver(channel: Any, notice_for: Any) -> Any:
    """A receiver named after its channel, so the outbox tracks each channel apart."""

    def receiver(sender: object, *, event: Event) -> None:
        notice = notice_for(event)
        if notice is not None:
            channel(notice)

    receiver.__qualname__ = f"NotifyPlugin.{channel.__name__}"
    return receiver


def _deadline_receiver(
    channel: Any, name: str, workflow: Workflow, source: ItemSource, config: Mapping[str, Any]
) -> Any:
    """A receiver of one clock signal for one channel."""

    def receiver(sender: object, *, event: Any) -> None:
        item_id = str(getattr(event, "item_id", "") or "")
        loaded = source.load(item_id) if item_id else None
        item_url = config.get("item_url")
        notice = deadline_notice(
            workflow,
            name,
            event,
            loaded[0] if loaded is not None else None,
            actors_from_config(config, source),
            item_url=str(item_url) if item_url else None,
        )
        if notice is not None:
            channel(notice)

    receiver.__qualname__ = f"NotifyPlugin.{channel.__name__}.{name}"
    return receiver


plugin = NotifyPlugin()
