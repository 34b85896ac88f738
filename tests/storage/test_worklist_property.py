"""Property: after any sequence of actions, every stored worklist equals what the engine allows (all backends)."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai_flow import Action, Actor, ChainSet, ItemKind, Role
from gongkai_flow.demo import BUREAU
from gongkai_flow.errors import WorkflowError
from gongkai_flow.storage.sql import TABLES
from gongkai_flow.storage.worklist import ENDING_ACTIONS, WORK_ACTIONS, reference_worklist

from .conftest import Backend, policy_fields

#: The bureau plus people who hold several roles or sit where the rules bite (drafter who reviews, …).
ACTORS: tuple[Actor, ...] = (
    *BUREAU.values(),
    Actor("gaojie", "高洁", "局办公室", {Role.ATTRIBUTE_REVIEWER, Role.LEGAL_REVIEWER}),
    Actor("heping", "何平", "就业失业科", {Role.DRAFTER, Role.SECTION_HEAD}),
    Actor("luming", "陆明", "局领导", {Role.LEADER}, in_charge_of={"养老保险科"}),
    Actor("qianli", "钱丽", "养老保险科", {Role.DRAFTER, Role.PUBLISHER, Role.SECTION_HEAD}),
    Actor("xuyan", "徐燕", "政策法规科", {Role.LEGAL_REVIEWER, Role.PUBLISHER}),
)


def clear(backend: Backend) -> None:
    """Start an example from an empty store."""
    if backend.memory is not None:
        backend.memory.__init__(workflow=backend.workflow)
        return
    assert backend.database is not None
    with backend.database.transaction() as conn:
        for table in reversed(TABLES):
            conn.execute(sa.delete(table))


def seed(backend: Backend) -> list[str]:
    """Four items: a single-section policy, a joint one, another section's, and a news item."""
    wf = backend.workflow
    outcomes = [
        wf.draft(BUREAU["zhangmin"], **policy_fields(title="单科室")),
        wf.draft(BUREAU["zhangmin"], sections=["就业失业科", "养老保险科"], **policy_fields(title="会签")),
        wf.draft(ACTORS[-2], **policy_fields(title="养老", attribute="依申请公开", platforms=[])),
        wf.draft(BUREAU["sunli"], **policy_fields(title="新闻", kind=ItemKind.NEWS, platforms=["网站"])),
    ]
    for outcome in outcomes:
        backend.save(outcome)
    return [o.item.id for o in outcomes]


def step(backend: Backend, item_id: str, choice: int) -> None:
    """Take the ``choice``-th of the moves allowed on the item right now (an edit counts as a move).

    Moves that end an item early (withdraw, abolish…) are offered only for one choice in ten, so
    walks get deep into the chain.
    """
    ending = choice % 10 == 0
    with backend.repo() as repo:
        item = repo.get(item_id)
        moves: list[tuple[Actor, Action | None]] = []
        for actor in ACTORS:
            options = backend.workflow.available_actions(item, actor)
            moves.extend((actor, o.action) for o in options if o.allowed and (ending or o.action in WORK_ACTIONS))
            if actor.id == item.drafter_id and item.state == "drafted":
                moves.append((actor, None))
        if not moves:
            return
        actor, action = moves[choice % len(moves)]
        try:
            if action is None:
                outcome = backend.workflow.edit(item, actor, body=item.body + "（修改）")
            else:
                outcome = backend.workflow.fire(item, action, actor, opinion="意见")
        except WorkflowError:
            return
        repo.save(outcome)


def check(backend: Backend) -> None:
    with backend.repo() as repo:
        stored = sorted(repo.items(), key=lambda i: i.id)
        for actor in ACTORS:
            expected = {i.id for i in reference_worklist(backend.workflow, stored, actor)}
            assert {i.id for i in repo.worklist(actor)} == expected, actor.id


moves = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10_000)), min_size=12, max_size=40)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(moves=moves)
def test_stored_worklists_agree_with_the_engine(backend: Backend, moves: list[tuple[int, int]]) -> None:
    """Whatever happened to the items, worklist(actor) holds exactly the items the engine lets them move on."""
    clear(backend)
    ids = seed(backend)
    for n, (which, choice) in enumerate(moves, start=1):
        step(backend, ids[which], choice)
        if n % 6 == 0:
            check(backend)
    check(backend)


def test_work_actions_are_the_forward_moves() -> None:
    """Every move of the standard chains is a work action, except those that end or take down an item."""
    ending = {a for a in Action if a.value in ENDING_ACTIONS}
    assert {Action.WITHDRAW, Action.ABOLISH, Action.EXPIRE, Action.RETRACT} <= ending
    assert ending.isdisjoint(WORK_ACTIONS)
    moves = {step.action for chain in ChainSet.standard() for step in chain.steps}
    assert moves - ending <= WORK_ACTIONS
    assert {Action.SUBMIT, Action.APPROVE, Action.RETURN, Action.PUBLISH, Action.FILE} <= WORK_ACTIONS
