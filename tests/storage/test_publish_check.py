"""Publication checks the item's signatures against the audit trail: what counts as the same signatures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from gongkai_flow import Action, Actor, Workflow
from gongkai_flow.demo import HAPPY_PATH
from gongkai_flow.model import AuditEntry, DisclosureItem, Signature
from gongkai_flow.storage.errors import AuditMismatchError
from gongkai_flow.storage.hashchain import BEIJING, publish_signatures_problem
from gongkai_flow.storage.sql import SqlRepository
from gongkai_flow.storage.sql.mapping import TRAIL_COLUMNS, trail_row
from gongkai_flow.storage.sql.schema import audit_table

from .conftest import Backend, policy_fields
from .test_contract import fire, to_state


def _published(people: dict[str, Actor]) -> tuple[DisclosureItem, list[AuditEntry]]:
    """An item published in memory, and every audit entry it was given."""
    workflow = Workflow(require_content_guard=False)
    outcome = workflow.draft(people["zhangmin"], **policy_fields())
    trail = list(outcome.audit)
    for action, who in HAPPY_PATH:
        outcome = workflow.fire(outcome.item, action, people[who], opinion="同意")
        trail.extend(outcome.audit)
    assert outcome.item.state == "published"
    return outcome.item, trail


def _with_signatures(item: DisclosureItem, *signatures: Signature) -> DisclosureItem:
    return attrs.evolve(item, signatures=tuple(signatures))


def test_the_trail_as_rows_answers_as_the_entries_do(people: dict[str, Actor]) -> None:
    """The lean rows storage reads (only the replayed columns) give the entries' answer."""
    item, trail = _published(people)
    rows = [trail_row(tuple(getattr(e, name) for name in TRAIL_COLUMNS)) for e in trail]
    assert publish_signatures_problem(item, trail) is None
    assert publish_signatures_problem(item, rows) is None
    other = attrs.evolve(trail[2], opinion="不同意")
    forged = [*trail[:2], other, *trail[3:]]
    forged_rows = [*rows[:2], rows[2]._replace(opinion="不同意"), *rows[3:]]
    assert publish_signatures_problem(item, forged) is not None
    assert publish_signatures_problem(item, forged_rows) == publish_signatures_problem(item, forged)


def test_order_and_time_zone_do_not_matter(people: dict[str, Actor]) -> None:
    """The same signatures in another order, or with a time written in Beijing time, are the same."""
    item, trail = _published(people)
    first, *rest = item.signatures
    assert publish_signatures_problem(_with_signatures(item, *reversed(item.signatures)), trail) is None
    in_beijing = attrs.evolve(first, at=first.at.astimezone(BEIJING))
    assert publish_signatures_problem(_with_signatures(item, in_beijing, *rest), trail) is None


@pytest.mark.parametrize(
    "change",
    [
        {"opinion": "不同意"},
        {"actor_name": "他人"},
        {"section": "办公室"},
        {"content_hash": "0" * 64},
        {"stage": "draft"},
    ],
)
def test_a_changed_signature_is_refused(people: dict[str, Actor], change: dict[str, Any]) -> None:
    """One field of one signature differs from the trail: the publication has a problem."""
    item, trail = _published(people)
    first, *rest = item.signatures
    assert publish_signatures_problem(_with_signatures(item, attrs.evolve(first, **change), *rest), trail)


def test_a_later_time_is_refused(people: dict[str, Actor]) -> None:
    item, trail = _published(people)
    first, *rest = item.signatures
    moved = attrs.evolve(first, at=first.at + timedelta(microseconds=1))
    assert publish_signatures_problem(_with_signatures(item, moved, *rest), trail)


def test_a_signature_counted_twice_or_missing_is_refused(people: dict[str, Actor]) -> None:
    item, trail = _published(people)
    first, *rest = item.signatures
    assert publish_signatures_problem(_with_signatures(item, first, first, *rest), trail)
    assert publish_signatures_problem(_with_signatures(item, *rest), trail)
    # Same length, one signature doubled in place of another.
    assert publish_signatures_problem(_with_signatures(item, first, first, *rest[1:]), trail)


def test_an_opinion_changed_in_the_audit_table_stops_the_publication(
    sql_backend: Backend, people: dict[str, Actor]
) -> None:
    """An opinion rewritten in a stored audit row (the item row untouched) is found when publishing."""
    item = to_state(sql_backend, people, "approved")
    with sql_backend.repo() as repo:
        assert isinstance(repo, SqlRepository)
        a = audit_table.c
        approvals = audit_table.update().where(a.item_id == item.id, a.action == "approve")
        repo._conn().execute(approvals.values(opinion=sa.literal("另有意见")))
    with pytest.raises(AuditMismatchError):
        fire(sql_backend, item, Action.PUBLISH, people["chenjing"])
    with sql_backend.repo() as repo:
        assert repo.get(item.id).state == "approved"
