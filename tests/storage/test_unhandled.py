"""Events no enabled receiver handles are kept as 无接收方, never marked done, on every backend."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from gongkai_flow import Actor
from gongkai_flow.dispatch import Dispatcher
from gongkai_flow.events import Event
from gongkai_flow.plugins import PluginRegistry

from .conftest import Backend, policy_fields


def soon() -> datetime:
    """Just after events stored now (the SQL outbox stamps them with the real time)."""
    return datetime.now(UTC) + timedelta(minutes=1)


def drafted(backend: Backend, people: dict[str, Actor], n: int) -> None:
    """``n`` items drafted and submitted: ``n`` item-drafted events and ``2n`` of other types."""
    with backend.flow(dispatch=False) as flow:
        for i in range(n):
            item = flow.draft(people["zhangmin"], **policy_fields(title=f"第{i}号通知"))
            flow.submit(item.id, people["zhangmin"])


def test_a_receiver_added_later_gets_the_backlog(backend: Backend, people: dict[str, Actor]) -> None:
    drafted(backend, people, 2)
    clock = [soon()]
    bare = Dispatcher(backend.workflow, backend.outbox, clock=lambda: clock[0])
    assert not bare.has_receivers()
    report = bare.run_once()
    assert (report.delivered, report.unhandled) == (0, 6)
    status = bare.status()
    assert (status.pending, status.done, status.unhandled) == (0, 0, 6)
    assert status.oldest_unhandled_at is not None
    assert bare.run_once().unhandled == 0  # set aside once, not again and again

    seen: list[str] = []

    def on_drafted(sender: object, *, event: Event) -> None:
        seen.append(event.event_id)

    registry = PluginRegistry(backend.workflow)
    registry.connect("item-drafted", on_drafted)
    try:
        later = Dispatcher(backend.workflow, backend.outbox, clock=lambda: clock[0])
        assert later.replay_unhandled() == 2
        assert later.run_once().delivered == 2
        assert len(set(seen)) == len(seen) == 2
        assert later.replay_unhandled() == 0
        status = later.status()
        assert (status.pending, status.done, status.unhandled) == (0, 2, 4)
    finally:
        registry.close()


def test_the_backlog_is_kept_for_the_retention_then_purged(backend: Backend, people: dict[str, Actor]) -> None:
    drafted(backend, people, 1)
    clock = [soon()]
    dispatcher = Dispatcher(
        backend.workflow, backend.outbox, clock=lambda: clock[0], unhandled_retention=timedelta(days=30)
    )
    dispatcher.run_once()
    assert dispatcher.status().unhandled == 3
    clock[0] += timedelta(days=29)
    assert dispatcher.purge_unhandled() == 0
    clock[0] += timedelta(days=2)
    assert dispatcher.purge_unhandled() == 3
    assert dispatcher.status().unhandled == 0


def test_purge_everything_ignores_the_retention(backend: Backend, people: dict[str, Actor]) -> None:
    drafted(backend, people, 1)
    dispatcher = Dispatcher(backend.workflow, backend.outbox, clock=soon)
    dispatcher.run_once()
    assert dispatcher.purge_unhandled() == 0
    assert dispatcher.purge_unhandled(everything=True) == 3


def test_a_loop_without_receivers_says_so(backend: Backend, caplog: pytest.LogCaptureFixture) -> None:
    dispatcher = Dispatcher(backend.workflow, backend.outbox)
    with caplog.at_level(logging.WARNING, logger="gongkai_flow.dispatch"):
        dispatcher.run_loop(max_rounds=1, interval=0)
    assert "no effect receiver is enabled" in caplog.text


def test_the_benchmark_memory_mode_counts_the_unhandled_without_keeping_them(people: dict[str, Actor]) -> None:
    from gongkai_flow import Flow
    from gongkai_flow.storage.memory import MemoryRepository

    memory = MemoryRepository(keep_audit=False)
    with Flow(repository=memory, dispatch=False) as flow:
        item = flow.draft(people["zhangmin"], **policy_fields())
        flow.submit(item.id, people["zhangmin"])
        report = flow.dispatch()
    assert (report.delivered, report.unhandled) == (0, 3)
    assert memory.status(soon()).unhandled == 3
    assert memory.replay_unhandled(soon(), wanted={"item-drafted"}) == 0  # nothing kept to replay
