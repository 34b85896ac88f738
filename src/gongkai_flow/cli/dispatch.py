"""``gongkai dispatch``: deliver the outbox's events to the enabled plugins, once or as a loop."""

from __future__ import annotations

import signal
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from types import FrameType

import click
from rich.table import Table

from ..dispatch import Dispatcher, DispatchReport, RetryPolicy
from ..engine import Workflow
from ..plugins import PluginRegistry
from ..storage.outbox import SqlOutbox
from ..text import beijing_time
from ._app import cli, console
from .db import db_option, open_database


def _summary(report: DispatchReport) -> str:
    dead = len(report.dead)
    retry = len(report.failures) - dead
    return f"处理事件 {report.delivered} 个；投递失败 {retry} 次（稍后重试）；放弃 {dead} 个（已转入死信）。"


@cli.command("dispatch")
@db_option
@click.option("--once", "mode", flag_value="once", default=True, help="把到期的事件投递一遍后退出（默认）。")
@click.option("--loop", "mode", flag_value="loop", help="持续投递，直到收到 Ctrl-C 或 SIGTERM。")
@click.option("--status", "mode", flag_value="status", help="显示待投递、重试中和死信的数量。")
@click.option("--plugin", "plugins", multiple=True, help="启用的插件（可多次指定），例如 log。")
@click.option("--interval", default=2.0, show_default=True, help="--loop 空闲时的等待秒数。")
@click.option("--max-attempts", default=10, show_default=True, help="一个接收者失败多少次后转入死信。")
@click.option("--retry-dead", is_flag=True, help="把死信重新放回队列（可配合 --event 只处理一个事件）。")
@click.option("--event", "event_id", default=None, help="与 --retry-dead 一起使用：只重试这个事件。")
@click.option("--purge-days", type=int, default=None, help="删除投递完成超过这么多天的事件记录。")
def dispatch_cmd(
    db: str,
    mode: str,
    plugins: Sequence[str],
    interval: float,
    max_attempts: int,
    retry_dead: bool,
    event_id: str | None,
    purge_days: int | None,
) -> None:
    """投递发件箱（outbox）中已提交的事件给各插件；失败的按退避重试，多次失败转入死信。"""
    database = open_database(db)
    workflow = Workflow()
    registry = PluginRegistry(workflow)
    out = console()
    try:
        registry.load(plugins)
        outbox = SqlOutbox(database.engine)
        dispatcher = Dispatcher(workflow, outbox, policy=RetryPolicy(max_attempts=max_attempts))
        if retry_dead:
            count = dispatcher.retry_dead(event_id=event_id)
            out.print(f"已把 {count} 个死信重新放回队列。")
        if purge_days is not None:
            purged = outbox.purge_done(datetime.now(UTC) - timedelta(days=purge_days))
            out.print(f"已删除 {purged} 个投递完成超过 {purge_days} 天的事件。")
        if mode == "status":
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
                    on_round=lambda r: out.print(_summary(r)) if r.delivered or r.failures else None,
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


def _print_status(dispatcher: Dispatcher) -> None:
    status = dispatcher.status()
    out = console()
    oldest = beijing_time(status.oldest_pending_at, seconds=True) if status.oldest_pending_at else "无"
    out.print(
        f"待投递 {status.pending} 个（其中已到期 {status.due} 个，重试中 {status.retrying} 个）；"
        f"已完成 {status.done} 个；死信 {len(status.dead_letters)} 个。最早的待投递事件：{oldest}"
    )
    if status.dead_letters:
        table = Table(title="死信（已放弃投递，可用 --retry-dead 重试）")
        for col in ("事件", "类型", "信息编号", "接收者", "尝试次数", "最后的错误"):
            table.add_column(col)
        for d in status.dead_letters:
            table.add_row(d.event_id, d.event_type, d.item_id, d.receiver, str(d.attempts), d.last_error or "")
        out.print(table)
