"""The tamper suite: an attacker with write access to the database, on SQLite and PostgreSQL.

Every kind of tampering is detected by ``gongkai audit verify`` (exit 1, ``audit.tampered``) and
by :func:`verify_database`; the same database untouched verifies clean, so each check is shown
to fail only when the tampering is there. A full rewrite of every hash is caught only against an
anchor taken before it (without one it verifies clean: the documented limit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from gongkai_flow import Action, Flow
from gongkai_flow.demo import BUREAU, HAPPY_PATH
from gongkai_flow.model import compute_content_hash
from gongkai_flow.records import MeetingRecord
from gongkai_flow.storage.database import Database
from gongkai_flow.storage.errors import AuditMismatchError
from gongkai_flow.storage.hashchain import Anchor, entry_digest
from gongkai_flow.storage.sql.ledger import head, link_digest, link_pending, record_hash
from gongkai_flow.storage.sql.mapping import audit_record, utcnow
from gongkai_flow.storage.sql.schema import (
    application_audit_table,
    applications_table,
    audit_links_table,
    audit_table,
    items_table,
    records_table,
    timer_history_table,
    timers_table,
)
from gongkai_flow.storage.sql.verify import verify_database
from gongkai_flow.storage.timer_history import history_digest
from gongkai_flow.testing import postgres_schema, register_application, run_cli

PEOPLE = dict(BUREAU)

a = audit_table.c
i = items_table.c
aa = application_audit_table.c
L = audit_links_table.c
t = timers_table.c
th = timer_history_table.c


@dataclass
class World:
    """A seeded database: published items, one item under review, applications and records."""

    url: str
    published: list[str] = field(default_factory=list)
    approved: str = ""
    apps: list[str] = field(default_factory=list)
    records: list[str] = field(default_factory=list)
    #: A timer the tick found overdue (its notice sent), one still running, one closed.
    overdue: str = ""
    running: str = ""
    closed: str = ""
    anchor: Anchor | None = None

    def conn(self) -> Iterator[sa.Connection]:
        database = Database(self.url, create=False)
        try:
            with database.transaction() as conn:
                yield conn
        finally:
            database.close()


def _item(flow: Flow, n: int, until: str) -> str:
    fields = {
        "title": f"关于做好2019年高校毕业生就业创业工作的通知（{n}）",
        "kind": "政策文件",
        "body": "各县区人力资源和社会保障局：……",
        "attribute": "主动公开",
        "column": "政策文件",
        "document_number": f"某人社发〔2019〕{n}号",
    }
    item = flow.draft(PEOPLE["zhangmin"], **fields)
    for action, who in HAPPY_PATH:
        if item.state == until:
            break
        item = flow.fire(item.id, action, PEOPLE[who])
    assert item.state == until
    return item.id


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """A fresh database per test, seeded, sealed and anchored."""
    if request.param == "sqlite":
        yield from _seed(str(tmp_path / "tamper.db"))
    else:
        with postgres_schema("gongkai_tamper") as url:
            yield from _seed(url)


def _seed(url: str) -> Iterator[World]:
    w = World(url)
    flow = Flow(database=url)
    try:
        w.published = [_item(flow, n, "published") for n in (1, 2, 3)]
        w.approved = _item(flow, 4, "legal_review")
        for n in (1, 2):
            w.apps.append(register_application(flow, applicant_name=f"王某{n}").id)
        # Past every application's due date: the tick sends the notices and marks the clocks missed.
        flow.clocks.tick(datetime(2019, 12, 31, 12, tzinfo=UTC))
        w.overdue = flow.clocks.timers(w.apps[0])[0].id
        w.running = next(x.id for x in flow.clocks.timers(w.published[0]) if x.status.value == "running")
        w.closed = next(x.id for x in flow.clocks.timers(w.published[0]) if x.status.value == "closed")
        for n in (1, 2):
            record = flow.records.add(MeetingRecord(date(2019, 3, 12 + n), f"局长办公会议（第{n}次）", n))
            w.records.append(record.id)
    finally:
        flow.close()
    for conn in w.conn():
        link_pending(conn)
        seq, digest = head(conn)
        w.anchor = Anchor(seq, digest, utcnow())
    yield w


def problems(w: World, *, anchored: bool = False) -> set[tuple[str, str, str]]:
    """(subject, id, kind) of every problem found."""
    anchors = [w.anchor] if anchored and w.anchor is not None else []
    for conn in w.conn():
        report, _ = verify_database(conn, anchors)
    return {(p.subject, p.item_id, p.kind) for p in report.problems}


# --- the kinds of tampering -----------------------------------------------------------------------

Tamper = Callable[[sa.Connection, World], None]


def _records(conn: sa.Connection, item_id: str) -> list[Any]:
    rows = conn.execute(sa.select(audit_table).where(a.item_id == item_id).order_by(a.position))
    return [audit_record(r._mapping) for r in rows]


def edit_item_audit(conn: sa.Connection, w: World) -> None:
    conn.execute(audit_table.update().where(a.item_id == w.published[0], a.position == 3).values(opinion="不同意"))


def edit_item_audit_rehash_one(conn: sa.Connection, w: World) -> None:
    rec = _records(conn, w.published[0])[2]
    forged = attrs.evolve(rec.entry, opinion="同意（补签）")
    conn.execute(
        audit_table.update()
        .where(a.id == rec.row_id)
        .values(opinion=forged.opinion, hash=entry_digest(forged, rec.prev_hash))
    )


def rewrite_item_chain(conn: sa.Connection, w: World) -> None:
    """Rewrite one item's whole trail with fresh hashes and its head: caught by the database-wide chain."""
    recs = _records(conn, w.published[0])
    prev = "0" * 64
    for rec in recs:
        entry = attrs.evolve(rec.entry, actor_name="冒名") if rec.position == 3 else rec.entry
        digest = entry_digest(entry, prev)
        conn.execute(
            audit_table.update()
            .where(a.id == rec.row_id)
            .values(actor_name=entry.actor_name, prev_hash=prev, hash=digest)
        )
        prev = digest
    conn.execute(items_table.update().where(i.id == w.published[0]).values(audit_head=prev))


def delete_audit_row(conn: sa.Connection, w: World) -> None:
    conn.execute(audit_table.delete().where(a.item_id == w.published[0], a.position == 3))


def delete_last_audit_row(conn: sa.Connection, w: World) -> None:
    conn.execute(audit_table.delete().where(a.item_id == w.published[0], a.position == 7))


def delete_whole_item(conn: sa.Connection, w: World) -> None:
    conn.execute(audit_table.delete().where(a.item_id == w.published[1]))
    conn.execute(items_table.delete().where(i.id == w.published[1]))


def delete_whole_application(conn: sa.Connection, w: World) -> None:
    conn.execute(application_audit_table.delete().where(aa.item_id == w.apps[0]))
    conn.execute(timers_table.delete().where(timers_table.c.subject_id == w.apps[0]))
    conn.execute(applications_table.delete().where(applications_table.c.id == w.apps[0]))


def raise_audit_count(conn: sa.Connection, w: World) -> None:
    conn.execute(items_table.update().where(i.id == w.published[0]).values(audit_count=i.audit_count + 1))


def lower_audit_count(conn: sa.Connection, w: World) -> None:
    conn.execute(items_table.update().where(i.id == w.published[0]).values(audit_count=i.audit_count - 1))


def wrong_head(conn: sa.Connection, w: World) -> None:
    conn.execute(items_table.update().where(i.id == w.published[0]).values(audit_head="f" * 64))


def duplicate_row(conn: sa.Connection, w: World) -> None:
    recs = _records(conn, w.published[0])
    row = dict(conn.execute(sa.select(audit_table).where(a.id == recs[3].row_id)).one()._mapping)
    conn.execute(
        audit_table.update().where(a.item_id == w.published[0], a.position > 4).values(position=a.position + 100)
    )
    conn.execute(
        audit_table.update().where(a.item_id == w.published[0], a.position > 100).values(position=a.position - 99)
    )
    row.pop("id")
    row["position"] = 5
    conn.execute(audit_table.insert(), row)


def swap_rows_within_item(conn: sa.Connection, w: World) -> None:
    item = w.published[0]
    conn.execute(audit_table.update().where(a.item_id == item, a.position == 2).values(position=99))
    conn.execute(audit_table.update().where(a.item_id == item, a.position == 3).values(position=2))
    conn.execute(audit_table.update().where(a.item_id == item, a.position == 99).values(position=3))


def swap_rows_across_items(conn: sa.Connection, w: World) -> None:
    one, two = w.published[0], w.published[1]
    conn.execute(audit_table.update().where(a.item_id == one, a.position == 3).values(position=99))
    conn.execute(audit_table.update().where(a.item_id == two, a.position == 3).values(item_id=one))
    conn.execute(audit_table.update().where(a.item_id == one, a.position == 99).values(item_id=two, position=3))


def move_row_to_other_item(conn: sa.Connection, w: World) -> None:
    conn.execute(
        audit_table.update().where(a.item_id == w.published[0], a.position == 7).values(item_id=w.approved, position=99)
    )


def append_forged_row(conn: sa.Connection, w: World) -> None:
    rec = _records(conn, w.approved)[-1]
    entry = attrs.evolve(rec.entry, opinion="补录", event_id="forged")
    row = dict(conn.execute(sa.select(audit_table).where(a.id == rec.row_id)).one()._mapping)
    row.pop("id")
    row.update(position=rec.position + 1, opinion="补录", event_id="forged", prev_hash=rec.hash)
    row["hash"] = entry_digest(entry, rec.hash)
    conn.execute(audit_table.insert(), row)


def edit_published_body(conn: sa.Connection, w: World) -> None:
    conn.execute(items_table.update().where(i.id == w.published[0]).values(body="篡改后的正文"))


def edit_published_title(conn: sa.Connection, w: World) -> None:
    conn.execute(items_table.update().where(i.id == w.published[0]).values(title="篡改后的标题"))


def edit_body_and_rehash(conn: sa.Connection, w: World) -> None:
    """Change the body, recompute the content hash into ``content_hash`` and every signature."""
    _forge_body(conn, w.published[0])


def _forge_body(conn: sa.Connection, item_id: str) -> str:
    row = conn.execute(sa.select(items_table).where(i.id == item_id)).one()._mapping
    from gongkai_flow.storage.sql.mapping import item_from_row

    item = attrs.evolve(item_from_row(row), body="篡改后的正文")
    digest = compute_content_hash(item)
    sigs = [dict(s, content_hash=digest) for s in row["signatures"]]
    conn.execute(
        items_table.update().where(i.id == item_id).values(body=item.body, content_hash=digest, signatures=sigs)
    )
    return digest


def edit_published_state(conn: sa.Connection, w: World) -> None:
    conn.execute(items_table.update().where(i.id == w.published[0]).values(state="filed"))


def unpublish_state(conn: sa.Connection, w: World) -> None:
    conn.execute(items_table.update().where(i.id == w.approved).values(state="published"))


def edit_version(conn: sa.Connection, w: World) -> None:
    conn.execute(items_table.update().where(i.id == w.published[0]).values(version=i.version + 5))


def forge_signature(conn: sa.Connection, w: World) -> None:
    row = conn.execute(sa.select(items_table).where(i.id == w.approved)).one()._mapping
    sigs = list(row["signatures"])
    sigs.append(dict(sigs[-1], stage="legal_review", actor_id="liuyang", actor_name="刘洋"))
    conn.execute(items_table.update().where(i.id == w.approved).values(signatures=sigs))


def drop_signature(conn: sa.Connection, w: World) -> None:
    row = conn.execute(sa.select(items_table).where(i.id == w.published[0])).one()._mapping
    conn.execute(items_table.update().where(i.id == w.published[0]).values(signatures=list(row["signatures"])[1:]))


def move_published_at(conn: sa.Connection, w: World) -> None:
    when = conn.execute(sa.select(i.published_at).where(i.id == w.published[0])).scalar_one()
    conn.execute(items_table.update().where(i.id == w.published[0]).values(published_at=when - timedelta(days=30)))


def edit_application_audit(conn: sa.Connection, w: World) -> None:
    conn.execute(
        application_audit_table.update().where(aa.item_id == w.apps[0], aa.position == 1).values(actor_name="某某")
    )


def delete_application_audit_row(conn: sa.Connection, w: World) -> None:
    conn.execute(application_audit_table.delete().where(aa.item_id == w.apps[0], aa.position == 1))


def edit_application_state(conn: sa.Connection, w: World) -> None:
    conn.execute(applications_table.update().where(applications_table.c.id == w.apps[0]).values(state="replied"))


def raise_application_count(conn: sa.Connection, w: World) -> None:
    t = applications_table.c
    conn.execute(applications_table.update().where(t.id == w.apps[0]).values(audit_count=t.audit_count + 1))


def edit_record(conn: sa.Connection, w: World) -> None:
    t = records_table.c
    doc = dict(conn.execute(sa.select(t.doc).where(t.id == w.records[0])).scalar_one())
    doc["attendees"] = 99
    doc = {k: (v + 1 if isinstance(v, int) and not isinstance(v, bool) else v) for k, v in doc.items()}
    conn.execute(records_table.update().where(t.id == w.records[0]).values(doc=doc))


def move_record_day(conn: sa.Connection, w: World) -> None:
    t = records_table.c
    conn.execute(records_table.update().where(t.id == w.records[0]).values(day=date(2018, 1, 2)))


def delete_record(conn: sa.Connection, w: World) -> None:
    conn.execute(records_table.delete().where(records_table.c.id == w.records[1]))


def edit_link(conn: sa.Connection, w: World) -> None:
    conn.execute(audit_links_table.update().where(L.seq == 2).values(subject_id="别的"))


def delete_link(conn: sa.Connection, w: World) -> None:
    conn.execute(audit_links_table.delete().where(L.seq == 3))


def delete_links_and_item(conn: sa.Connection, w: World) -> None:
    """Delete an item with its trail and its links, relinking the rest: only the anchor sees it."""
    _relink(conn, lambda link: link["subject_id"] != w.published[2])
    conn.execute(audit_table.delete().where(a.item_id == w.published[2]))
    conn.execute(items_table.delete().where(i.id == w.published[2]))


def _relink(conn: sa.Connection, keep: Callable[[Any], bool]) -> None:
    links = [dict(r._mapping) for r in conn.execute(sa.select(audit_links_table).order_by(L.seq))]
    conn.execute(audit_links_table.delete())
    prev, seq = "0" * 64, 0
    out = []
    for link in links:
        if not keep(link):
            continue
        seq += 1
        link.update(seq=seq, prev_hash=prev)
        link["hash"] = link_digest(
            seq, link["source"], link["row_key"], link["subject_id"], link["position"], link["row_hash"], prev
        )
        prev = link["hash"]
        out.append(link)
    conn.execute(audit_links_table.insert(), out)


def full_rewrite(conn: sa.Connection, w: World) -> None:
    """Rewrite one opinion and recompute every hash the database keeps: the item chain, its head, the links."""
    recs = _records(conn, w.published[0])
    prev = "0" * 64
    new_hash = {}
    for rec in recs:
        entry = attrs.evolve(rec.entry, opinion="同意（改写）") if rec.position == 3 else rec.entry
        digest = entry_digest(entry, prev)
        conn.execute(
            audit_table.update().where(a.id == rec.row_id).values(opinion=entry.opinion, prev_hash=prev, hash=digest)
        )
        new_hash[str(rec.row_id)] = digest
        prev = digest
    # The signature replayed from the rewritten entry carries the new opinion: forge it too.
    row = conn.execute(sa.select(items_table).where(i.id == w.published[0])).one()._mapping
    sigs = [dict(s, opinion="同意（改写）") if s["stage"] == recs[2].entry.from_state else s for s in row["signatures"]]
    conn.execute(items_table.update().where(i.id == w.published[0]).values(audit_head=prev, signatures=sigs))
    for key, digest in new_hash.items():
        conn.execute(audit_links_table.update().where(L.source == "item", L.row_key == key).values(row_hash=digest))
    _relink(conn, lambda link: True)


def edit_record_and_link(conn: sa.Connection, w: World) -> None:
    """Edit a record and recompute its link and every later one: only the anchor sees it."""
    t = records_table.c
    row = conn.execute(sa.select(records_table).where(t.id == w.records[0])).one()._mapping
    day = date(2018, 1, 2)
    conn.execute(records_table.update().where(t.id == w.records[0]).values(day=day))
    conn.execute(
        audit_links_table.update()
        .where(L.source == "record", L.row_key == w.records[0])
        .values(row_hash=record_hash(w.records[0], row["kind"], day, row["doc"]))
    )
    _relink(conn, lambda link: True)


def _shift(conn: sa.Connection, timer_id: str, column: str, delta: timedelta) -> None:
    """Move a time of a timer row (read and written back: date arithmetic differs between backends)."""
    when = conn.execute(sa.select(t[column]).where(t.id == timer_id)).scalar_one()
    conn.execute(timers_table.update().where(t.id == timer_id).values({column: when + delta}))


def move_timer_due(conn: sa.Connection, w: World) -> None:
    """The due date moved a month later, so the overdue reply looks in time."""
    _shift(conn, w.overdue, "due", timedelta(days=30))


def close_timer(conn: sa.Connection, w: World) -> None:
    """The overdue clock marked closed, as if answered in time."""
    conn.execute(timers_table.update().where(t.id == w.overdue).values(status="closed"))


def reopen_closed_timer(conn: sa.Connection, w: World) -> None:
    conn.execute(timers_table.update().where(t.id == w.closed).values(status="running"))


def clear_notified(conn: sa.Connection, w: World) -> None:
    conn.execute(timers_table.update().where(t.id == w.overdue).values(notified=""))


def delay_next_check(conn: sa.Connection, w: World) -> None:
    _shift(conn, w.running, "next_check_at", timedelta(days=365))


def delete_timer(conn: sa.Connection, w: World) -> None:
    conn.execute(timers_table.delete().where(t.id == w.overdue))


def delete_timer_with_history(conn: sa.Connection, w: World) -> None:
    conn.execute(timer_history_table.delete().where(th.timer_id == w.overdue))
    conn.execute(timers_table.delete().where(t.id == w.overdue))


def _last_history(conn: sa.Connection, timer_id: str) -> Any:
    query = sa.select(timer_history_table).where(th.timer_id == timer_id).order_by(th.position.desc()).limit(1)
    return conn.execute(query).one()._mapping


def edit_timer_history(conn: sa.Connection, w: World) -> None:
    last = _last_history(conn, w.overdue)
    conn.execute(
        timer_history_table.update().where(th.id == last["id"]).values(content=dict(last["content"], notified=""))
    )


def move_due_and_rehash_history(conn: sa.Connection, w: World) -> None:
    """The row and its latest history row both moved, the history row's hash recomputed."""
    _shift(conn, w.overdue, "due", timedelta(days=30))
    due = conn.execute(sa.select(t.due).where(t.id == w.overdue)).scalar_one()
    last = _last_history(conn, w.overdue)
    content = dict(last["content"], due=due.isoformat(timespec="microseconds"))
    digest = history_digest(w.overdue, last["position"], content, last["prev_hash"])
    conn.execute(timer_history_table.update().where(th.id == last["id"]).values(content=content, hash=digest))


def delete_timer_history_row(conn: sa.Connection, w: World) -> None:
    conn.execute(timer_history_table.delete().where(th.id == _last_history(conn, w.overdue)["id"]))


def delete_first_timer_history_row(conn: sa.Connection, w: World) -> None:
    conn.execute(timer_history_table.delete().where(th.timer_id == w.overdue, th.position == 1))


CASES: dict[str, Tamper] = {
    "item audit row edited": edit_item_audit,
    "item audit row edited and re-hashed": edit_item_audit_rehash_one,
    "item trail rewritten with fresh hashes and head": rewrite_item_chain,
    "item audit row deleted": delete_audit_row,
    "item's last audit row deleted": delete_last_audit_row,
    "whole item deleted with its trail": delete_whole_item,
    "whole application deleted with its trail": delete_whole_application,
    "audit_count raised by one": raise_audit_count,
    "audit_count lowered by one": lower_audit_count,
    "audit head replaced": wrong_head,
    "audit row duplicated": duplicate_row,
    "rows swapped within an item": swap_rows_within_item,
    "rows swapped across items": swap_rows_across_items,
    "row moved to another item": move_row_to_other_item,
    "forged row appended": append_forged_row,
    "published body edited": edit_published_body,
    "published title edited": edit_published_title,
    "body edited, content hash and signatures recomputed": edit_body_and_rehash,
    "published state edited": edit_published_state,
    "item under review marked published": unpublish_state,
    "version edited": edit_version,
    "signature forged on the row": forge_signature,
    "signature removed from the row": drop_signature,
    "publication time moved": move_published_at,
    "application audit row edited": edit_application_audit,
    "application audit row deleted": delete_application_audit_row,
    "application state edited": edit_application_state,
    "application audit_count raised": raise_application_count,
    "record edited": edit_record,
    "record's day moved": move_record_day,
    "record deleted": delete_record,
    "database-wide link edited": edit_link,
    "database-wide link deleted": delete_link,
    "timer due date moved later": move_timer_due,
    "overdue timer set to closed": close_timer,
    "closed timer set back to running": reopen_closed_timer,
    "timer's notified flags cleared": clear_notified,
    "timer's next check postponed": delay_next_check,
    "timer row deleted": delete_timer,
    "timer deleted with its history": delete_timer_with_history,
    "timer history row edited": edit_timer_history,
    "due moved, history row re-hashed to match": move_due_and_rehash_history,
    "timer's latest history row deleted": delete_timer_history_row,
    "timer's first history row deleted": delete_first_timer_history_row,
}

#: Recomputing every hash, links included: detected only against an anchor taken before.
ANCHOR_ONLY: dict[str, Tamper] = {
    "full rewrite with recomputed hashes": full_rewrite,
    "item, its trail and its links deleted, chain relinked": delete_links_and_item,
    "record edited, its link and the chain recomputed": edit_record_and_link,
}


def test_untouched_database_verifies_clean(world: World) -> None:
    """The control: nothing tampered, nothing found — with and without the anchor, and by the CLI."""
    assert problems(world) == set()
    assert problems(world, anchored=True) == set()
    assert run_cli("audit", "verify", "--db", world.url) == 0


@pytest.mark.parametrize("case", list(CASES))
def test_every_kind_of_tampering_is_detected(world: World, case: str) -> None:
    """Each kind is found by the library and by ``gongkai audit verify`` (exit 1)."""
    assert problems(world) == set()
    for conn in world.conn():
        CASES[case](conn, world)
    found = problems(world)
    assert found, f"{case}: not detected"
    assert run_cli("audit", "verify", "--db", world.url) == 1


@pytest.mark.parametrize("case", list(ANCHOR_ONLY))
def test_a_full_rewrite_is_detected_against_an_earlier_anchor(world: World, case: str, tmp_path: Path) -> None:
    """Without an anchor a consistent rewrite of every hash passes (documented); with one it fails."""
    assert world.anchor is not None
    anchor_file = tmp_path / "anchor.json"
    anchor_file.write_text(world.anchor.to_text(), encoding="utf-8")
    assert run_cli("audit", "verify", "--db", world.url, "--anchor", str(anchor_file)) == 0
    for conn in world.conn():
        ANCHOR_ONLY[case](conn, world)
    assert problems(world) == set()  # the limit the docs state
    assert ("ledger", "全库", "edited") in problems(world, anchored=True) or problems(world, anchored=True)
    assert run_cli("audit", "verify", "--db", world.url, "--anchor", str(anchor_file)) == 1


def test_publication_takes_the_signatures_from_the_audit(world: World) -> None:
    """A body changed under the signatures, hashes recomputed into the row: publication is refused."""
    flow = Flow(database=world.url)
    try:
        item = world.approved
        for action, who in HAPPY_PATH[2:5]:
            flow.fire(item, action, PEOPLE[who])
        for conn in world.conn():
            _forge_body(conn, item)
        with pytest.raises(AuditMismatchError):
            flow.fire(item, Action.PUBLISH, PEOPLE["chenjing"])
        assert flow.get(item).state != "published"
    finally:
        flow.close()


def test_untampered_publication_still_goes_through(world: World) -> None:
    """The control of the publication check: the same item, untouched, is published."""
    flow = Flow(database=world.url)
    try:
        for action, who in HAPPY_PATH[2:5]:
            flow.fire(world.approved, action, PEOPLE[who])
        assert flow.fire(world.approved, Action.PUBLISH, PEOPLE["chenjing"]).state == "published"
    finally:
        flow.close()
    assert problems(world) == set()


def test_verify_of_an_unknown_item_is_an_error(world: World) -> None:
    """``audit verify --item NOPE`` names the missing item and exits non-zero."""
    assert run_cli("audit", "verify", "--db", world.url, "--item", "NOPE") == 1
    assert run_cli("audit", "verify", "--db", world.url, "--item", world.published[0]) == 0


def test_anchor_command_writes_the_head(world: World, tmp_path: Path) -> None:
    """``audit anchor -o FILE`` writes a readable anchor in Beijing time; a bad anchor file is refused."""
    out = tmp_path / "a.json"
    assert run_cli("audit", "anchor", "--db", world.url, "-o", str(out)) == 0
    anchor = Anchor.from_text(out.read_text(encoding="utf-8"))
    assert anchor.seq == world.anchor.seq if world.anchor else False
    assert "+08:00" in out.read_text(encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text("not an anchor", encoding="utf-8")
    assert run_cli("audit", "verify", "--db", world.url, "--anchor", str(bad)) == 1
    assert run_cli("audit", "verify", "--db", world.url, "--anchor", str(tmp_path / "missing.json")) == 1


def test_a_moved_due_date_is_reported_with_the_field_and_both_values(world: World) -> None:
    """The report names the timer, the field and both values, in Beijing time."""
    for conn in world.conn():
        move_timer_due(conn, world)
        report, _ = verify_database(conn)
    [problem] = [p for p in report.problems if p.subject == "timer"]
    assert (problem.item_id, problem.kind, problem.field) == (world.overdue, "mismatch", "到期时间")
    assert problem.row_value is not None
    assert problem.audit_value is not None
    assert problem.row_value.startswith("2019-10-31")
    assert problem.audit_value.startswith("2019-10-01")
    assert report.timers_checked > 0
