"""``gongkai dispatch``: deliver the outbox's events to the enabled plugins, once or as a loop."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

import click
from rich.table import Table

from ..dispatch import Dispatcher, DispatchReport, RetryPolicy
from ..engine import Workflow
from ..registry import PluginRegistry
from ..service import default_plugins
from ..storage.base import OutboxStatus
from ..storage.sql import SqlOutbox
from ..storage.sql.ledger import seal
from ..text import beijing_time
from ._app import cli, console
from .db import db_option, open_database

#: Identifies the layout of ``--status --format json``; bumped on an incompatible change.
STATUS_SCHEMA = "gongkai-dispatch-status/1"


def _summary(report: DispatchReport) -> str:
    dead = len(report.dead)
    retry = len(report.failures) - dead
    text = f"处理事件 {report.delivered} 个；投递失败 {retry} 次（稍后重试）；放弃 {dead} 个（已转入死信）。"
    if report.unhandled:
        text += f"无接收方 {report.unhandled} 个（已保留，可用 --replay 交给新启用的插件）。"
    if report.sealed:
        text += f"已把 {report.sealed} 条记录加入全库哈希链。"
    return text


@cli.command("dispatch")
@db_option
@click.option("--once", "mode", flag_value="once", default=True, help="把到期的事件投递一遍后退出（默认）。")
@click.option("--loop", "mode", flag_value="loop", help="持续投递，直到收到 Ctrl-C 或 SIGTERM。")
@click.option("--status", "mode", flag_value="status", help="显示待投递、重试中和死信的数量。")
@click.option("--plugin", "plugins", multiple=True, help="启用的插件（可多次指定），例如 log。")
@click.option(
    "--interval",
    type=click.FloatRange(0.01, 86_400),
    default=2.0,
    show_default=True,
    help="--loop 空闲时的等待秒数（0.01 到 86400）。",
)
@click.option(
    "--max-attempts",
    type=click.IntRange(1, 1000),
    default=10,
    show_default=True,
    help="一个接收者失败多少次后转入死信（1 到 1000）。",
)
@click.option("--retry-dead", is_flag=True, help="把死信重新放回队列（可配合 --event 只处理一个事件）。")
@click.option("--event", "event_id", default=None, help="与 --retry-dead 一起使用：只重试这个事件。")
@click.option(
    "--purge-days",
    type=click.IntRange(0, 36_500),
    default=None,
    help="删除投递完成超过这么多天的事件记录（0 到 36500）。",
)
@click.option(
    "--replay", is_flag=True, help="把“无接收方”的事件交给本次 --plugin 启用的插件（事件类型由插件处理的才交）。"
)
@click.option("--purge-unhandled", is_flag=True, help="删除全部“无接收方”的事件（不再投递）。")
@click.option(
    "--unhandled-days",
    type=click.IntRange(1, 36_500),
    default=90,
    show_default=True,
    help="“无接收方”的事件保留多少天；--loop 定期删除更早的。",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="--status 的输出格式；json 供监控使用。",
)
def dispatch_cmd(
    db: str,
    mode: str,
    plugins: Sequence[str],
    interval: float,
    max_attempts: int,
    retry_dead: bool,
    event_id: str | None,
    purge_days: int | None,
    replay: bool,
    purge_unhandled: bool,
    unhandled_days: int,
    fmt: str,
) -> None:
    """投递发件箱（outbox）中已提交的事件给各插件；失败的按退避重试，多次失败转入死信。

    没有任何已启用插件处理的事件记为“无接收方”，不算完成：保留 --unhandled-days 天，
    可用 --replay --plugin 名称 交给后来启用的插件，或用 --purge-unhandled 删除。
    每轮投递后把已提交的新审核记录加入全库哈希链（--loop 空闲时每分钟一次）。
    """
    database = open_database(db)
    workflow = Workflow()
    registry = PluginRegistry(workflow)
    out = console()
    try:
        # The content guard comes first, as in Flow(): pages and pushes pass its last gate.
        guard = [name for name in default_plugins() if name not in plugins]
        registry.load([*guard, *plugins])
        outbox = SqlOutbox(database.engine)
        dispatcher = Dispatcher(
            workflow,
            outbox,
            policy=RetryPolicy(max_attempts=max_attempts),
            unhandled_retention=timedelta(days=unhandled_days),
            # Sealing as it goes: what committed joins the database-wide chain without a separate job.
            seal=lambda: seal(database),
        )
        if mode != "status" and not dispatcher.has_receivers() and not purge_unhandled:
            out.print("警告：没有启用任何投递插件（--plugin），事件不会投递，只记为“无接收方”保留。")
        if retry_dead:
            count = dispatcher.retry_dead(event_id=event_id)
            out.print(f"已把 {count} 个死信重新放回队列。")
        if purge_days is not None:
            purged = outbox.purge_done(datetime.now(UTC) - timedelta(days=purge_days))
            out.print(f"已删除 {purged} 个投递完成超过 {purge_days} 天的事件。")
        if purge_unhandled:
            out.print(f"已删除 {dispatcher.purge_unhandled(everything=True)} 个“无接收方”的事件。")
        if replay:
            out.print(f"已把 {dispatcher.replay_unhandled()} 个“无接收方”的事件重新放回队列。")
        if mode == "status":
            if fmt == "json":
                click.echo(json.dumps(_status_json(dispatcher.status()), ensure_ascii=False, indent=2))
            else:
                _print_status(dispatcher)
        elif mode == "loop":
            stop = threading.Event()

            def on_signal(signum: int, frame: FrameType | None) -> None:
                stop.set()

            previous = signal.signal(signal.SIGTERM, on_signal)
            out.print(f"开始持续投递（空闲时每 {interval:g} 秒检查一次；Ctrl-C 停止）。")
            try:
                total = dispatcher.run_loop(
                    interval=interval,
                    stop=stop,
                    on_round=lambda r: (
                        out.print(_summary(r)) if r.delivered or r.failures or r.unhandled or r.sealed else None
                    ),
                    on_outage=lambda exc, wait: out.print(
                        f"数据库暂时无法访问［{exc.code}］：{exc}（{wait:g} 秒后重试）"
                    ),
                )
            except KeyboardInterrupt:
                total = None
            finally:
                signal.signal(signal.SIGTERM, previous)
            out.print("已停止。" + (_summary(total) if total is not None else ""))
        else:
            out.print(_summary(dispatcher.run_once()))
    finally:
        registry.close()
        database.close()


def _status_json(status: OutboxStatus) -> dict[str, Any]:
    """The outbox's health for monitoring: counts, the oldest waiting events, and the dead letters."""

    def moment(value: datetime | None) -> str | None:
        return value.astimezone(UTC).isoformat() if value is not None else None

    return {
        "schema": STATUS_SCHEMA,
        "healthy": not status.dead_letters and status.unhandled == 0,
        "pending": status.pending,
        "due": status.due,
        "retrying": status.retrying,
        "done": status.done,
        "unhandled": status.unhandled,
        "dead": len(status.dead_letters),
        "oldest_pending_at": moment(status.oldest_pending_at),
        "oldest_unhandled_at": moment(status.oldest_unhandled_at),
        "dead_letters": [
            {
                "event_id": d.event_id,
                "event_type": d.event_type,
                "item_id": d.item_id,
                "receiver": d.receiver,
                "attempts": d.attempts,
                "last_error": d.last_error,
            }
            for d in status.dead_letters
        ],
    }


def _print_status(dispatcher: Dispatcher) -> None:
    status = dispatcher.status()
    out = console()
    oldest = beijing_time(status.oldest_pending_at, seconds=True) if status.oldest_pending_at else "无"
    out.print(
        f"待投递 {status.pending} 个（其中已到期 {status.due} 个，重试中 {status.retrying} 个）；"
        f"已完成 {status.done} 个；死信 {len(status.dead_letters)} 个；无接收方 {status.unhandled} 个。"
        f"最早的待投递事件：{oldest}"
    )
    if status.dead_letters:
        table = Table(title="死信（已放弃投递，可用 --retry-dead 重试）")
        for col in ("事件", "类型", "信息编号", "接收者", "尝试次数", "最后的错误"):
            table.add_column(col)
        for d in status.dead_letters:
            table.add_row(d.event_id, d.event_type, d.item_id, d.receiver, str(d.attempts), d.last_error or "")
        out.print(table)
