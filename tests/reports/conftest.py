"""A seeded year (2025) for the report tests: items through the chain, applications and records on a fixed clock.

The expectations the tests check are worked out by hand in ``SEED`` comments below and in the
test modules; the seed is built once per module on memory and on SQLite (read-only afterwards).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from gongkai_flow import Action, Actor, DisclosureAttribute, Flow, ItemKind, Platform, Role, Workflow
from gongkai_flow.deadlines import BUREAU_TZ
from gongkai_flow.demo import BUREAU
from gongkai_flow.records import CaseRecord, FigureRecord, MeetingRecord, ProposalRecord
from gongkai_flow.requests import ApplicantType, Channel, DenyReason, ReplyCategory
from gongkai_flow.testing import postgres_schema

PG_ENV = "GONGKAI_TEST_DATABASE_URL"
OFFICER = Actor("zhaoli", "赵丽", "局办公室", {Role.REQUEST_OFFICER})
PEOPLE: dict[str, Actor] = dict(BUREAU)


@attrs.define
class Clock:
    """A clock the seed moves by hand (Beijing time)."""

    now: datetime = datetime(2024, 1, 2, 10, tzinfo=BUREAU_TZ)

    def __call__(self) -> datetime:
        return self.now

    def at(self, day: date, hour: int = 10) -> None:
        self.now = datetime(day.year, day.month, day.day, hour, tzinfo=BUREAU_TZ)


@attrs.define
class Seeded:
    """A flow with the seeded year and the ids the tests look up."""

    flow: Flow
    clock: Clock
    ids: dict[str, str] = attrs.Factory(dict)


def new_flow(clock: Clock, database: Path | str | None = None, **kwargs: Any) -> Flow:
    """A flow on ``clock`` with predictable ids, in memory or on a SQLite file."""
    counter = itertools.count(1)
    workflow = Workflow(clock=clock, new_id=lambda: f"id{next(counter):05d}")
    if database is None:
        return Flow(workflow=workflow, **kwargs)
    return Flow(database=database, workflow=workflow, **kwargs)


def publish(seed: Seeded, key: str, day: date, *, kind: ItemKind = ItemKind.POLICY_DOCUMENT, **fields: Any) -> str:
    """Draft an item on ``day`` as 张敏 and drive it through every signature to publication."""
    flow, people = seed.flow, PEOPLE
    seed.clock.at(day)
    values: dict[str, Any] = {
        "title": f"关于{key}的通知",
        "kind": kind,
        "body": f"各区县人力资源和社会保障局：现就{key}有关事项通知如下。",
        "attribute": DisclosureAttribute.PROACTIVE,
        "platforms": frozenset({Platform.WEBSITE}),
        "column": "政策文件",
        "formed_on": day,
    }
    values.update(fields)
    item = flow.draft(people["zhangmin"], **values)
    flow.submit(item.id, people["zhangmin"])
    flow.approve(item.id, people["lihua"], "不涉密，同意主动公开")
    flow.approve(item.id, people["wangfang"], "同意")
    flow.approve(item.id, people["zhaoqiang"], "同意")
    flow.approve(item.id, people["liuyang"], "同意发布")
    flow.publish(item.id, people["chenjing"])
    seed.ids[key] = item.id
    return item.id


def apply(
    seed: Seeded,
    key: str,
    received: date,
    applicant_type: ApplicantType,
    replied: date | None = None,
    category: ReplyCategory | None = None,
    deny_reason: DenyReason | None = None,
) -> str:
    """Register an application received on ``received`` and, if ``replied``, answer it that day."""
    seed.clock.at(received)
    app = seed.flow.requests.register(
        OFFICER,
        applicant_name=f"申请人{key}",
        applicant_type=applicant_type,
        contact="13800000000",
        description=f"{key}所需信息",
        channel=Channel.IN_PERSON,
        submitted_on=received,
        application_id=key,
    )
    if replied is not None:
        seed.clock.at(replied)
        seed.flow.requests.act(app.id, Action.REPLY, OFFICER, category=category, deny_reason=deny_reason)
    seed.ids[key] = app.id
    return app.id


def seed_year(flow: Flow, clock: Clock) -> Seeded:
    """The 2025 seed (and what surrounds it in 2024 and 2026)."""
    seed = Seeded(flow, clock)
    T = ApplicantType
    R = ReplyCategory
    # 政策文件: p1 published 2024 (in force), p2 2025 with a timely interpretation, p3 2025 with a late one and
    # abolished in 2025, p4 2025 without one; p5 drafted 2025 and never published.
    publish(seed, "p1", date(2024, 12, 20), formed_on=date(2024, 12, 10), normative=True)
    publish(seed, "p2", date(2025, 3, 3), normative=True)
    publish(seed, "i2", date(2025, 3, 5), kind=ItemKind.POLICY_INTERPRETATION, policy_id=seed.ids["p2"])
    publish(seed, "p3", date(2025, 6, 10), normative=True)
    publish(seed, "i3", date(2025, 6, 20), kind=ItemKind.POLICY_INTERPRETATION, policy_id=seed.ids["p3"])
    clock.at(date(2025, 11, 3))
    flow.fire(seed.ids["p3"], Action.ABOLISH, PEOPLE["chenjing"], opinion="已被新文件替代，予以废止")
    publish(seed, "p4", date(2025, 9, 1), normative=True)
    clock.at(date(2025, 4, 1))
    seed.ids["p5"] = flow.draft(
        PEOPLE["zhangmin"],
        title="关于p5的通知",
        kind=ItemKind.POLICY_DOCUMENT,
        body="草稿。",
        attribute=DisclosureAttribute.PROACTIVE,
        column="政策文件",
    ).id
    # Applications: c0 closed in 2024; c1, c2 carried into 2025; a1–a10 received in 2025 (a9 still open);
    # a11 received in 2026.
    apply(seed, "c0", date(2024, 11, 1), T.NATURAL_PERSON, date(2024, 11, 20), R.DISCLOSE)
    apply(seed, "c1", date(2024, 12, 20), T.NATURAL_PERSON, date(2025, 1, 10), R.DISCLOSE)
    apply(seed, "c2", date(2024, 12, 30), T.LEGAL_SERVICE, date(2025, 1, 15), R.DENY, DenyReason.THIRD_PARTY)
    apply(seed, "a1", date(2025, 3, 3), T.NATURAL_PERSON, date(2025, 3, 20), R.DISCLOSE)
    apply(seed, "a2", date(2025, 3, 4), T.NATURAL_PERSON, date(2025, 3, 6), R.ALREADY_PUBLIC)
    apply(seed, "a3", date(2025, 4, 1), T.NATURAL_PERSON, date(2025, 4, 20), R.PARTIAL)
    apply(seed, "a4", date(2025, 5, 6), T.RESEARCH, date(2025, 5, 20), R.NOT_EXIST)
    apply(seed, "a5", date(2025, 6, 3), T.COMMERCIAL, date(2025, 6, 20), R.DENY, DenyReason.STATE_SECRET)
    apply(seed, "a6", date(2025, 7, 1), T.PUBLIC_INTEREST, date(2025, 7, 3), R.PETITION)
    apply(seed, "a7", date(2025, 8, 4), T.OTHER_ORG)
    clock.at(date(2025, 8, 5))
    flow.requests.act("a7", Action.REQUEST_CORRECTION, OFFICER, opinion="请补正所需信息的名称。")
    clock.at(date(2025, 9, 10))
    flow.requests.act("a7", Action.ABANDON, OFFICER, opinion="逾期未补正，视为放弃申请（条例第30条）。")
    apply(seed, "a8", date(2025, 9, 1), T.NATURAL_PERSON, date(2025, 9, 15), R.SPECIAL_LAW)
    apply(seed, "a9", date(2025, 12, 29), T.COMMERCIAL)
    apply(seed, "a10", date(2025, 10, 9), T.NATURAL_PERSON, date(2025, 10, 10), R.DUPLICATE)
    apply(seed, "a11", date(2026, 1, 5), T.NATURAL_PERSON)
    # Records.
    records = flow.records
    for kind, filed, outcome in (
        ("review", date(2024, 5, 1), "upheld"),
        ("review", date(2025, 2, 1), "upheld"),
        ("review", date(2025, 4, 1), "upheld"),
        ("review", date(2025, 11, 1), "pending"),
        ("litigation_direct", date(2025, 5, 1), "corrected"),
        ("litigation_after_review", date(2025, 7, 1), "other"),
    ):
        records.add(CaseRecord(kind, filed, outcome))
    records.add(MeetingRecord(date(2025, 3, 12), "局长办公会议（第3次）", 3, names="张某、李某、王某"))
    records.add(MeetingRecord(date(2025, 8, 20), "局长办公会议（第9次）", 2))
    records.add(MeetingRecord(date(2025, 10, 9), "局长办公会议（第12次）", 0))
    records.add(MeetingRecord(date(2024, 10, 9), "局长办公会议", 4))
    records.add(ProposalRecord("suggestion", "第101号", date(2025, 6, 30), True))
    records.add(ProposalRecord("proposal", "第202号", date(2025, 7, 10), True))
    records.add(ProposalRecord("proposal", "第203号", date(2025, 7, 12), False))
    records.add(FigureRecord(2025, "licensing", "decisions", 120))
    records.add(FigureRecord(2025, "punishment", "decisions", 3))
    records.add(FigureRecord(2025, "fees", "amount", 1.5))
    records.add(FigureRecord(2024, "licensing", "decisions", 99))
    return seed


def pg_schema(prefix: str) -> AbstractContextManager[str]:
    """A PostgreSQL URL on a fresh schema, dropped afterwards; skips when ``GONGKAI_TEST_DATABASE_URL`` is unset."""
    return postgres_schema(prefix, synchronous_commit=True)


@pytest.fixture(scope="module", params=("memory", "sqlite", "postgresql"))
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """The seeded year on memory, SQLite and PostgreSQL (built once per module; tests only read it)."""
    clock = Clock()
    if request.param == "postgresql":
        with pg_schema("gongkai_reports") as url:
            flow = new_flow(clock, url, dispatch=False)
            yield seed_year(flow, clock)
            flow.close()
        return
    path = tmp_path_factory.mktemp("reports") / "gongkai.db" if request.param == "sqlite" else None
    flow = new_flow(clock, path, dispatch=False)
    seed = seed_year(flow, clock)
    yield seed
    flow.close()


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    """The seeded year in a SQLite file, for the command-line tests."""
    clock = Clock()
    path = tmp_path_factory.mktemp("reports-cli") / "gongkai.db"
    flow = new_flow(clock, path, dispatch=False)
    seed = seed_year(flow, clock)
    flow.close()
    return path, seed
