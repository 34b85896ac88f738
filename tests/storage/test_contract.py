"""The repository and outbox contract: every test runs on memory, SQLite (a file) and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta

import attrs
import pytest

from gongkai_flow import Action, Actor, ItemKind, Role
from gongkai_flow.demo import HAPPY_PATH, run_demo
from gongkai_flow.dispatch import Dispatcher, RetryPolicy
from gongkai_flow.engine import Outcome
from gongkai_flow.errors import ItemNotFoundError, StaleItemError
from gongkai_flow.events import Event
from gongkai_flow.model import DisclosureItem, Override
from gongkai_flow.plugins import PluginRegistry
from gongkai_flow.storage.worklist import WorkItem, reference_worklist

from .conftest import Backend, policy_fields


def drafted(backend: Backend, people: dict[str, Actor], **changes: object) -> DisclosureItem:
    """Draft and save a valid policy document as 张敏."""
    return backend.save(backend.workflow.draft(people["zhangmin"], **policy_fields(**changes)))


def fire(backend: Backend, item: DisclosureItem, action: Action, actor: Actor, opinion: str | None = None) -> Outcome:
    """Fire on the stored item and save the outcome."""
    with backend.repo() as repo:
        outcome = backend.workflow.fire(repo.get(item.id), action, actor, opinion=opinion)
        repo.save(outcome)
    return outcome


def to_state(backend: Backend, people: dict[str, Actor], state: str) -> DisclosureItem:
    """A new item driven along the happy path until it is in ``state``."""
    item = drafted(backend, people)
    for action, who in HAPPY_PATH:
        if item.state == state:
            break
        item = fire(backend, item, action, people[who]).item
    assert item.state == state
    return item


def ids(items: Sequence[DisclosureItem | WorkItem]) -> list[str]:
    return [i.id for i in items]


def test_saved_item_reads_back_equal(backend: Backend, people: dict[str, Actor]) -> None:
    """Every field — form, workflow, signatures, return mark, overrides, dates — survives a round trip."""
    item = drafted(backend, people, formed_on=date(2019, 5, 6), source="转载", source_name="山东省人社厅网站")
    item = fire(backend, item, Action.SUBMIT, people["zhangmin"]).item
    item = fire(backend, item, Action.RETURN, people["lihua"], "请补充依据").item
    override = Override(
        "r1", "已核实", "lihua", "李华", "attribute_review", item.content_hash, datetime.now(UTC), "手机号"
    )
    stored = attrs.evolve(item, version=item.version + 1, overrides=(override,))
    backend.save(Outcome(item=stored, previous_version=item.version, events=(), audit=()))
    with backend.repo() as repo:
        back = repo.get(item.id)
    assert back == stored
    assert back.returned is not None
    assert back.returned.opinion == "请补充依据"
    assert back.signatures[0].role is Role.DRAFTER


@pytest.mark.parametrize("normative", [True, False, None])
def test_normative_reads_back(backend: Backend, people: dict[str, Actor], normative: bool | None) -> None:
    """是否行政规范性文件 survives a round trip as stated: 是, 否, or not stated."""
    item = drafted(backend, people, normative=normative)
    with backend.repo() as repo:
        back = repo.get(item.id)
    assert back.normative is normative
    assert back == item


def test_missing_item_is_none_for_find_and_an_error_for_get(backend: Backend) -> None:
    """find() answers None and get() raises ItemNotFoundError for an unknown id."""
    with backend.repo() as repo:
        assert repo.find("nope") is None
        with pytest.raises(ItemNotFoundError) as info:
            repo.get("nope")
    assert info.value.code == "item.not_found"


def test_stale_save_is_refused_and_writes_nothing(backend: Backend, people: dict[str, Actor]) -> None:
    """A save based on an old version raises StaleItemError and leaves item, trail and outbox as they were."""
    item = drafted(backend, people)
    first = backend.workflow.fire(item, Action.SUBMIT, people["zhangmin"])
    second = backend.workflow.fire(item, Action.WITHDRAW, people["zhangmin"])
    backend.save(first)
    with backend.repo() as repo:
        trail = repo.audit(item.id)
        pending = repo.pending_events(1000)
    with pytest.raises(StaleItemError) as info, backend.repo() as repo:
        repo.save(second)
    assert info.value.code == "storage.stale_item"
    assert "刷新" in info.value.message
    with backend.repo() as repo:
        assert repo.get(item.id) == first.item
        assert repo.audit(item.id) == trail
        assert [e.event_id for e in repo.pending_events(1000)] == [e.event_id for e in pending]


def test_creating_an_existing_id_is_refused(backend: Backend, people: dict[str, Actor]) -> None:
    """Drafting a second item with an id that exists raises StaleItemError."""
    drafted(backend, people, item_id="rz-2019-001")
    again = backend.workflow.draft(people["zhangmin"], item_id="rz-2019-001", **policy_fields(title="另一份"))
    with pytest.raises(StaleItemError), backend.repo() as repo:
        repo.save(again)
    with backend.repo() as repo:
        assert repo.get("rz-2019-001").title != "另一份"


def test_audit_trail_keeps_order_and_links(backend: Backend, people: dict[str, Actor]) -> None:
    """The trail comes back oldest first, positions 1..n, each entry linked to the previous hash."""
    item = to_state(backend, people, "leader_review")
    with backend.repo() as repo:
        entries = repo.audit(item.id)
        records = repo.audit_records(item.id)
    assert [e.action for e in entries] == ["draft", "submit", "approve", "approve", "approve"]
    assert [r.position for r in records] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(records))
    assert records[0].prev_hash == "0" * 64


def test_items_can_be_filtered_by_state(backend: Backend, people: dict[str, Actor]) -> None:
    """items(states=…) yields only the items in those states."""
    a = to_state(backend, people, "legal_review")
    b = drafted(backend, people)
    with backend.repo() as repo:
        assert sorted(ids(list(repo.items()))) == sorted([a.id, b.id])
        assert ids(list(repo.items(states=["legal_review"]))) == [a.id]


def test_saved_events_wait_in_the_outbox_until_marked(backend: Backend, people: dict[str, Actor]) -> None:
    """Events are pending after the save, oldest first, and gone once marked delivered."""
    outcome = backend.workflow.draft(people["zhangmin"], **policy_fields())
    backend.save(outcome)
    submit = fire(backend, outcome.item, Action.SUBMIT, people["zhangmin"])
    with backend.repo() as repo:
        pending = repo.pending_events(10)
        assert [e.event_id for e in pending] == [e.event_id for e in (*outcome.events, *submit.events)]
        assert pending[0] == outcome.events[0]
        repo.mark_delivered(pending[0].event_id)
    with backend.repo() as repo:
        assert [e.event_id for e in repo.pending_events(10)] == [e.event_id for e in submit.events]


def test_worklists_follow_the_chain(backend: Backend, people: dict[str, Actor]) -> None:
    """At every step of a publication, every person's 待办 is exactly what the engine allows."""
    item = drafted(backend, people)
    steps = [
        (Action.SUBMIT, "zhangmin"),
        (Action.APPROVE, "lihua"),
        (Action.RETURN, "wangfang"),
        (Action.SUBMIT, "zhangmin"),
        (Action.APPROVE, "wangfang"),
        (Action.APPROVE, "zhaoqiang"),
        (Action.APPROVE, "liuyang"),
        (Action.PUBLISH, "chenjing"),
    ]
    for action, who in [(None, ""), *steps]:
        if action is not None:
            item = fire(backend, item, action, people[who], "意见").item
        with backend.repo() as repo:
            stored = list(repo.items())
            for actor in people.values():
                expected = reference_worklist(backend.workflow, stored, actor)
                assert ids(repo.worklist(actor)) == ids(expected), (item.state, actor.id)


def test_joint_item_is_on_each_involved_section_heads_worklist(backend: Backend, people: dict[str, Actor]) -> None:
    """A 会签 item waits for both sections' heads until each has signed."""
    joint = backend.workflow.draft(
        people["zhangmin"], sections=["就业失业科", "养老保险科"], **policy_fields(title="联合发文")
    )
    item = backend.save(joint)
    for action, who in ((Action.SUBMIT, "zhangmin"), (Action.APPROVE, "lihua"), (Action.APPROVE, "wangfang")):
        item = fire(backend, item, action, people[who]).item
    with backend.repo() as repo:
        assert ids(repo.worklist(people["zhaoqiang"])) == [item.id]
        assert ids(repo.worklist(people["zhouwei"])) == [item.id]
        assert repo.worklist(people["liuyang"]) == []
    item = fire(backend, item, Action.APPROVE, people["zhouwei"]).item
    with backend.repo() as repo:
        assert item.state == "section_review"
        assert ids(repo.worklist(people["zhaoqiang"])) == [item.id]
        stored = list(repo.items())
        for actor in people.values():
            assert ids(repo.worklist(actor)) == ids(reference_worklist(backend.workflow, stored, actor))


def test_worklist_is_oldest_first_and_limited(backend: Backend, people: dict[str, Actor]) -> None:
    """The longest-waiting item comes first and ``limit`` cuts the list."""
    made = [to_state(backend, people, "attribute_review") for _ in range(4)]
    with backend.repo() as repo:
        assert ids(repo.worklist(people["lihua"])) == ids(made)
        assert ids(repo.worklist(people["lihua"], limit=2)) == ids(made[:2])


def test_worklist_lines_summarise_the_stored_item(backend: Backend, people: dict[str, Actor]) -> None:
    """Each 待办 line carries the item's id, title, kind, stage, chain, sections, drafter and version."""
    joint = to_state(backend, people, "attribute_review")
    with backend.repo() as repo:
        (line,) = repo.worklist(people["lihua"])
        item = repo.get(joint.id)
        waiting_since = repo.audit(joint.id)[-1].at
    assert isinstance(line, WorkItem)
    assert line._replace(since=None) == WorkItem.of(item, None)
    assert line.lead_section == item.lead_section
    assert line.since is not None
    assert abs(line.since - waiting_since) < timedelta(seconds=1)


def test_published_interpretation_probe(backend: Backend, people: dict[str, Actor]) -> None:
    """has_published_interpretation: only a published 政策解读 linked to the policy counts."""
    policy = to_state(backend, people, "published")
    with backend.repo() as repo:
        assert not repo.has_published_interpretation(policy.id)
    fields = {"kind": ItemKind.POLICY_INTERPRETATION, "policy_id": policy.id, "title": "《关于……的通知》政策解读"}
    draft = backend.save(backend.workflow.draft(people["zhangmin"], **policy_fields(**fields)))
    with backend.repo() as repo:
        assert not repo.has_published_interpretation(policy.id)  # linked, not yet published
        assert repo.interpretations_of(policy.id) == [draft]
    item = draft
    for action, who in HAPPY_PATH:
        item = fire(backend, item, action, people[who]).item
    assert item.published_at is not None
    other = to_state(backend, people, "published")
    with backend.repo() as repo:
        assert repo.has_published_interpretation(policy.id)
        assert not repo.has_published_interpretation(other.id)


def test_done_lists_what_an_actor_acted_on_most_recent_first(backend: Backend, people: dict[str, Actor]) -> None:
    """已办 holds the items an actor acted on, the most recently touched first, without repeats."""
    a = to_state(backend, people, "legal_review")
    b = to_state(backend, people, "legal_review")
    fire(backend, a, Action.RETURN, people["wangfang"], "补充")
    with backend.repo() as repo:
        assert ids(repo.done(people["zhangmin"])) == [b.id, a.id]
        assert ids(repo.done(people["wangfang"])) == [a.id]
        assert ids(repo.done(people["zhangmin"], limit=1)) == [b.id]
        assert repo.done(people["sunli"]) == []


def test_untouched_audit_trails_verify(backend: Backend, people: dict[str, Actor]) -> None:
    """verify_audit finds nothing wrong in trails written only by the library."""
    to_state(backend, people, "published")
    drafted(backend, people)
    with backend.repo() as repo:
        report = repo.verify_audit()
    assert report.ok
    assert report.items_checked == 2
    assert report.entries_checked == 8


# --- the outbox ------------------------------------------------------------------------------------


class Clock:
    """A settable clock for retry timing."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def registry(backend: Backend) -> Iterator[PluginRegistry]:
    """A plugin registry on the backend's workflow, disconnected afterwards."""
    reg = PluginRegistry(backend.workflow)
    yield reg
    reg.close()


def test_dispatcher_delivers_each_event_once_to_each_receiver(
    backend: Backend, people: dict[str, Actor], registry: PluginRegistry
) -> None:
    """Every event reaches every receiver of its signal exactly once, oldest first.

    The events no receiver handles (the approval's own event here) are not done: they are kept as 无接收方.
    """
    seen: list[tuple[str, str]] = []

    def applied(sender: object, *, event: Event) -> None:
        seen.append(("applied", event.event_id))

    def drafted_(sender: object, *, event: Event) -> None:
        seen.append(("drafted", event.event_id))

    registry.connect("transition-applied", applied)
    registry.connect("item-drafted", drafted_)
    item = to_state(backend, people, "legal_review")
    dispatcher = Dispatcher(backend.workflow, backend.outbox)
    report = dispatcher.run_once()
    assert (report.delivered, report.unhandled) == (3, 2)
    assert report.failures == ()
    assert [kind for kind, _ in seen] == ["drafted", "applied", "applied"]
    assert dispatcher.run_once().delivered == 0
    status = dispatcher.status()
    assert (status.pending, status.done, status.unhandled) == (0, 3, 2)
    assert item.id


def test_failing_receiver_is_retried_with_backoff_without_holding_others_back(
    backend: Backend, people: dict[str, Actor], registry: PluginRegistry
) -> None:
    """A receiver that fails is retried after its backoff; the good receiver is never called twice."""
    good: list[str] = []
    attempts: list[str] = []

    def ok(sender: object, *, event: Event) -> None:
        good.append(event.event_id)

    def flaky(sender: object, *, event: Event) -> None:
        attempts.append(event.event_id)
        if len(attempts) < 3:
            raise ConnectionError("门户网站无响应")

    registry.connect("item-drafted", ok)
    registry.connect("item-drafted", flaky)
    drafted(backend, people)
    clock = Clock()
    dispatcher = Dispatcher(
        backend.workflow, backend.outbox, clock=clock, policy=RetryPolicy(base_delay=timedelta(seconds=10))
    )
    first = dispatcher.run_once()
    assert len(first.failures) == 1
    assert first.failures[0].will_retry
    assert "门户网站无响应" in first.failures[0].error
    assert dispatcher.run_once().delivered == 0  # not due yet
    status = dispatcher.status()
    assert (status.pending, status.retrying, status.due) == (1, 1, 0)
    clock.now += timedelta(seconds=10)
    assert len(dispatcher.run_once().failures) == 1
    clock.now += timedelta(seconds=19)
    assert dispatcher.run_once().delivered == 0  # the second wait is 20 s
    clock.now += timedelta(seconds=1)
    assert dispatcher.run_once().failures == ()
    assert len(good) == 1
    assert len(attempts) == 3
    assert dispatcher.status().pending == 0


def test_receiver_is_dead_lettered_after_max_attempts_and_can_be_retried(
    backend: Backend, people: dict[str, Actor], registry: PluginRegistry
) -> None:
    """After ``max_attempts`` failures the delivery is dead, listed in the status, and retry_dead revives it."""
    broken = [True]
    calls: list[str] = []

    def push(sender: object, *, event: Event) -> None:
        calls.append(event.event_id)
        if broken[0]:
            raise RuntimeError("CMS 拒绝")

    registry.connect("item-drafted", push)
    item = drafted(backend, people)
    clock = Clock()
    dispatcher = Dispatcher(
        backend.workflow, backend.outbox, clock=clock, policy=RetryPolicy(max_attempts=2, base_delay=timedelta(0))
    )
    assert dispatcher.run_once().failures[0].will_retry
    report = dispatcher.run_once()
    assert len(report.dead) == 1
    status = dispatcher.status()
    assert status.pending == 0
    assert [(d.item_id, d.attempts, d.event_type) for d in status.dead_letters] == [(item.id, 2, "item-drafted")]
    assert "CMS 拒绝" in (status.dead_letters[0].last_error or "")
    assert dispatcher.run_once().delivered == 0
    broken[0] = False
    assert dispatcher.retry_dead() == 1
    assert dispatcher.run_once().failures == ()
    assert dispatcher.status().dead_letters == ()
    assert len(calls) == 3


def test_flow_runs_the_demo_and_answers_queries(backend: Backend, people: dict[str, Actor]) -> None:
    """The Flow façade publishes the demo on this backend; the form, worklists and trail agree."""
    with backend.flow() as flow:
        result = run_demo(flow)
        assert flow.get(result.policy.id) == result.policy
        form = flow.review_form(result.policy.id)
        assert set(form) == {
            "drafted",
            "attribute_review",
            "legal_review",
            "section_review",
            "leader_review",
            "approved",
        }
        assert flow.interpretations_of(result.policy.id) == [result.interpretation]
        assert flow.verify_audit().ok
        assert flow.dispatch_status().pending == 0
        assert len(flow.items(states=["published"])) == 2
        assert [i.kind for i in flow.done(people["chenjing"])] == [
            ItemKind.POLICY_INTERPRETATION,
            ItemKind.POLICY_DOCUMENT,
        ]
        assert all(flow.worklist(a) == [] for a in people.values())


def test_a_repository_remembering_a_rolled_back_save_still_links_the_chain(
    sql_backend: Backend, people: dict[str, Actor]
) -> None:
    """A save the repository remembers but that was rolled back never corrupts the next save's audit link."""
    from gongkai_flow.storage.sql import SqlRepository

    assert sql_backend.database is not None
    workflow = sql_backend.workflow
    item = drafted(sql_backend, people)
    conn = sql_backend.database.writer.connect()
    repo = SqlRepository(conn, workflow=workflow)
    transaction = conn.begin()
    repo.save(workflow.fire(item, Action.SUBMIT, people["zhangmin"]))
    transaction.rollback()
    submitted = sql_backend.save(workflow.fire(item, Action.SUBMIT, people["zhangmin"]))
    transaction = conn.begin()
    repo.save(workflow.fire(submitted, Action.APPROVE, people["lihua"]))
    transaction.commit()
    conn.close()
    with sql_backend.repo() as check:
        assert [e.action for e in check.audit(item.id)] == ["draft", "submit", "approve"]
        assert check.verify_audit().ok
