"""The hash-chained audit trail: edits, deletions, insertions and reorderings are found, by item and position."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import attrs
import pytest
import sqlalchemy as sa

from gongkai_flow import Action, Actor, Role
from gongkai_flow.model import AuditEntry
from gongkai_flow.storage.hashchain import GENESIS, AuditRecord, entry_digest, verify_chain
from gongkai_flow.storage.sql import SqlRepository
from gongkai_flow.storage.sql.schema import audit_table

from .conftest import Backend
from .test_contract import to_state

Tamper = Callable[[sa.Connection, str, list[AuditRecord]], None]
a = audit_table.c


def _edit(conn: sa.Connection, item_id: str, records: list[AuditRecord]) -> None:
    conn.execute(audit_table.update().where(a.item_id == item_id, a.position == 3).values(opinion="不同意"))


def _edit_and_rehash(conn: sa.Connection, item_id: str, records: list[AuditRecord]) -> None:
    third = records[2]
    forged = attrs.evolve(third.entry, opinion="同意（补签）")
    conn.execute(
        audit_table.update()
        .where(a.item_id == item_id, a.position == 3)
        .values(opinion=forged.opinion, hash=entry_digest(forged, third.prev_hash))
    )


def _delete(conn: sa.Connection, item_id: str, records: list[AuditRecord]) -> None:
    conn.execute(audit_table.delete().where(a.item_id == item_id, a.position == 3))


def _renumber(conn: sa.Connection, item_id: str, after: int, by: int) -> None:
    conn.execute(
        audit_table.update().where(a.item_id == item_id, a.position > after).values(position=a.position + 1000)
    )
    conn.execute(
        audit_table.update().where(a.item_id == item_id, a.position > 1000).values(position=a.position - 1000 + by)
    )


def _delete_and_close_gap(conn: sa.Connection, item_id: str, records: list[AuditRecord]) -> None:
    _delete(conn, item_id, records)
    _renumber(conn, item_id, 3, -1)


def _delete_last(conn: sa.Connection, item_id: str, records: list[AuditRecord]) -> None:
    conn.execute(audit_table.delete().where(a.item_id == item_id, a.position == len(records)))


def _forged_row(item_id: str, records: list[AuditRecord], position: int, prev: str) -> dict[str, object]:
    entry = attrs.evolve(records[1].entry, opinion="补录", event_id="forged")
    row: dict[str, object] = {c.name: None for c in audit_table.columns if c.name != "id"}
    row.update(
        item_id=item_id,
        position=position,
        action=entry.action,
        actor_id=entry.actor_id,
        actor_name=entry.actor_name,
        role=entry.role.value if entry.role else None,
        section=entry.section,
        from_state=entry.from_state,
        to_state=entry.to_state,
        decision=entry.decision,
        content_hash=entry.content_hash,
        at=entry.at,
        event_id=entry.event_id,
        opinion=entry.opinion,
        signed=entry.signed,
        overrides=[],
        prev_hash=prev,
        hash=entry_digest(entry, prev),
    )
    return row


def _append(conn: sa.Connection, item_id: str, records: list[AuditRecord]) -> None:
    conn.execute(audit_table.insert(), _forged_row(item_id, records, len(records) + 1, records[-1].hash))


def _insert_in_middle(conn: sa.Connection, item_id: str, records: list[AuditRecord]) -> None:
    _renumber(conn, item_id, 2, 1)
    conn.execute(audit_table.insert(), _forged_row(item_id, records, 3, records[1].hash))


def _swap(conn: sa.Connection, item_id: str, records: list[AuditRecord]) -> None:
    conn.execute(audit_table.update().where(a.item_id == item_id, a.position == 2).values(position=99))
    conn.execute(audit_table.update().where(a.item_id == item_id, a.position == 3).values(position=2))
    conn.execute(audit_table.update().where(a.item_id == item_id, a.position == 99).values(position=3))


CASES: dict[str, tuple[Tamper, set[tuple[int, str]]]] = {
    "edited": (_edit, {(3, "edited")}),
    "edited and re-hashed": (_edit_and_rehash, {(3, "edited")}),
    "deleted": (_delete, {(3, "deleted")}),
    "deleted, positions closed up": (_delete_and_close_gap, {(3, "deleted")}),
    "last entry deleted": (_delete_last, {(7, "deleted")}),
    "appended": (_append, {(8, "inserted")}),
    "inserted in the middle": (_insert_in_middle, {(3, "inserted")}),
    "reordered": (_swap, {(2, "reordered"), (3, "reordered")}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_tampering_is_reported_by_item_and_position(sql_backend: Backend, people: dict[str, Actor], case: str) -> None:
    """Each kind of tampering with one item's rows is reported at the right position, and only there."""
    tamper, expected = CASES[case]
    item = to_state(sql_backend, people, "published")
    untouched = to_state(sql_backend, people, "approved")
    with sql_backend.repo() as repo:
        assert isinstance(repo, SqlRepository)
        records = repo.audit_records(item.id)
        assert len(records) == 7
        tamper(repo._conn(), item.id, records)
    with sql_backend.repo() as repo:
        assert isinstance(repo, SqlRepository)
        report = repo.verify_audit()
        only = repo.verify_audit([untouched.id])
    # The row checked against the changed trail is the tamper suite's subject; here: the chain.
    assert {(p.position, p.kind) for p in report.problems if p.kind != "mismatch"} == expected
    assert {p.item_id for p in report.problems} == {item.id}
    assert all(item.id in p.message for p in report.problems)
    assert only.ok


def test_memory_chain_reports_a_changed_entry(backend: Backend, people: dict[str, Actor]) -> None:
    """verify_chain over stored records finds an entry whose content changed after it was hashed."""
    item = to_state(backend, people, "legal_review")
    with backend.repo() as repo:
        records = repo.audit_records(item.id)
    changed = [
        *records[:1],
        attrs.evolve(records[1], entry=attrs.evolve(records[1].entry, actor_name="他人")),
        *records[2:],
    ]
    problems = verify_chain(item.id, changed, records[-1].hash, len(records))
    assert [(p.position, p.kind) for p in problems] == [(2, "edited")]


def test_a_chain_continues_across_transactions(backend: Backend, people: dict[str, Actor]) -> None:
    """Entries written in separate transactions still link: the head is read from the item row."""
    item = to_state(backend, people, "attribute_review")
    from .test_contract import fire

    fire(backend, item, Action.RETURN, people["lihua"], "请补充")
    with backend.repo() as repo:
        records = repo.audit_records(item.id)
        assert verify_chain(item.id, records, records[-1].hash, len(records)) == []
        assert repo.verify_audit([item.id]).ok


def test_entries_without_an_occurred_day_hash_as_before() -> None:
    """The day an action happened is hashed only when set: entries written before it existed still verify."""
    entry = AuditEntry(
        "YSQ-1",
        "receive_correction",
        "zhaoli",
        "赵丽",
        Role.REQUEST_OFFICER,
        "局办公室",
        "correction_requested",
        "reviewing",
        "收到补正",
        "",
        datetime(2025, 3, 7, 2, tzinfo=UTC),
        "ev1",
    )
    # The digest the library wrote for this entry before ``occurred_on`` was added.
    assert entry_digest(entry, GENESIS) == "aad4fc5ee2cbf7c6c6a6f9fc1372c3cbc0f160b862b8257df7f1c7d0ce02a96c"
    dated = attrs.evolve(entry, occurred_on=date(2025, 3, 3))
    assert entry_digest(dated, GENESIS) != entry_digest(entry, GENESIS)
    assert entry_digest(dated, GENESIS) != entry_digest(attrs.evolve(dated, occurred_on=date(2025, 3, 4)), GENESIS)
