"""The validating boundary: hostile values for every field of the public calls, on every backend.

Each call either accepts a value (and then nothing stored holds a control character or a lone
surrogate) or refuses it with a typed error — never another exception — and a refusal leaves the
database exactly as it was.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

import hypothesis.strategies as st
import pytest
import sqlalchemy as sa
from hypothesis import given, settings

from gongkai_flow import Action, Actor, Flow, GongkaiFlowError
from gongkai_flow.applications import ApplicantType, Channel
from gongkai_flow.errors import InvalidFieldError
from gongkai_flow.fields import FIELD_RULES, check_text
from gongkai_flow.record_types import CaseRecord, FigureRecord, MeetingRecord
from gongkai_flow.storage.errors import DuplicateKeyError, InvalidValueError, MissingValueError, ValueTooLongError
from gongkai_flow.storage.sql import TABLES
from gongkai_flow.storage.translate import constraint_kind, translate_error

from .conftest import Backend, policy_fields

OFFICER = Actor(id="zhaoli", name="赵丽", section="局办公室", roles=["request_officer"])

#: Values no text field may hold, and values of the wrong type.
HOSTILE: list[Any] = [
    None,
    b"bytes",
    "\ud800",
    "a\udfffb",
    "a\x00b",
    "a\x1bb",
    "a\x7fb",
    "x" * 1_000_000,
    12345,
    1.5,
    math.nan,
    [],
    {},
    date(1, 1, 1),
    datetime(9999, 12, 31, tzinfo=UTC),
]

hostile = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(alphabet=st.sampled_from("ab\x00\x1b\x7f\x85\ud800\udc00\n\t"), min_size=1, max_size=8).filter(
        lambda s: any(c not in "ab\n\t" for c in s)
    ),
    st.binary(max_size=4),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.dates(min_value=date(1, 1, 1)).filter(lambda d: not 1949 <= d.year <= 2200),
)

_BAD_CHARS = set(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]))


def _clean(value: Any) -> bool:
    """Whether a stored value, at any depth, is free of control characters (but tab/newline) and surrogates."""
    if isinstance(value, str):
        return not any(c in _BAD_CHARS or 0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, dict):
        return all(_clean(k) and _clean(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return all(_clean(v) for v in value)
    return True


def snapshot(backend: Backend, flow: Flow) -> Any:
    """Everything stored: raw rows on SQL, the public queries on every backend."""
    items = sorted((repr(i), repr(flow.audit(i.id))) for i in flow.items())
    apps = sorted(repr(a) for a in flow.requests.all())
    records = sorted(repr(r) for r in flow.records.all())
    rows: list[Any] = []
    if backend.database is not None:
        with backend.database.engine.connect() as conn:
            for table in TABLES:
                rows.append(sorted(map(repr, conn.execute(sa.select(table)).all())))
    return items, apps, records, rows


@pytest.fixture
def flow(backend: Backend) -> Iterator[Flow]:
    """A flow over the backend with one drafted item and one registered application."""
    f = backend.flow(dispatch=False)
    yield f
    f.close()


def _seed(flow: Flow, people: dict[str, Actor]) -> tuple[str, str]:
    item = flow.draft(people["zhangmin"], **policy_fields())
    app = flow.requests.register(
        OFFICER,
        applicant_name="王某",
        applicant_type=ApplicantType.NATURAL_PERSON,
        contact="13800000000",
        description="2019年就业补贴发放情况",
        channel=Channel.IN_PERSON,
        submitted_on=date(2019, 6, 3),
    )
    return item.id, app.id


def _calls(flow: Flow, people: dict[str, Actor], item_id: str, app_id: str) -> dict[str, Callable[[Any], Any]]:
    """One call per (public call, field): each takes the hostile value for that field."""
    zhang = people["zhangmin"]
    calls: dict[str, Callable[[Any], Any]] = {}
    register = {
        "applicant_name": "王某",
        "applicant_type": ApplicantType.NATURAL_PERSON,
        "contact": "13800000000",
        "description": "就业补贴",
        "channel": Channel.IN_PERSON,
        "submitted_on": date(2019, 6, 3),
    }

    def bind(call: Callable[[str, Any], Any], field: str) -> Callable[[Any], Any]:
        return lambda value: call(field, value)

    def draft(f: str, v: Any) -> Any:
        return flow.draft(zhang, **policy_fields(**{f: v}))

    def edit(f: str, v: Any) -> Any:
        return flow.edit(item_id, zhang, **{f: v})

    def register_with(f: str, v: Any) -> Any:
        return flow.requests.register(OFFICER, **{**register, f: v})

    def act(f: str, v: Any) -> Any:
        return flow.requests.act(app_id, Action.ACCEPT, OFFICER, **{f: v})

    for field in ("title", "body", "column", "document_number", "source_name", "policy_id", "kind", "attribute"):
        calls[f"draft.{field}"] = bind(draft, field)
    for field in ("sections", "platforms", "formed_on", "classified", "withheld_reason"):
        calls[f"draft.{field}"] = bind(draft, field)
    for field in ("title", "body", "column", "document_number", "sections", "formed_on"):
        calls[f"edit.{field}"] = bind(edit, field)
    calls["edit.item_id"] = lambda v: flow.edit(v, zhang, title="新的标题")
    calls["edit.expected_version"] = lambda v: flow.edit(item_id, zhang, title="新的标题", expected_version=v)
    calls["fire.opinion"] = lambda v: flow.fire(item_id, Action.SUBMIT, zhang, opinion=v)
    calls["fire.action"] = lambda v: flow.fire(item_id, v, zhang)
    calls["fire.overrides"] = lambda v: flow.fire(item_id, Action.SUBMIT, zhang, overrides={"r1": v})
    calls["fire.override_rule"] = lambda v: flow.fire(item_id, Action.SUBMIT, zhang, overrides=_Pairs([(v, "理由")]))
    calls["fire.actor_name"] = lambda v: flow.fire(
        item_id, Action.SUBMIT, Actor(id="zhangmin", name=v, section=zhang.section, roles=zhang.roles)
    )
    calls["attach.name"] = lambda v: flow.attach(item_id, zhang, v, b"%PDF-1.4")
    calls["attach.data"] = lambda v: flow.attach(item_id, zhang, "a.pdf", v)
    calls["attach.media_type"] = lambda v: flow.attach(item_id, zhang, "a.pdf", b"x", media_type=v)
    for field in (*register, "delivery", "sections", "application_id"):
        calls[f"register.{field}"] = bind(register_with, field)
    for field in ("opinion", "reply_text", "consulting", "occurred_on", "days"):
        calls[f"act.{field}"] = bind(act, field)
    calls["act.application_id"] = lambda v: flow.requests.act(v, Action.ACCEPT, OFFICER)
    calls["opinion.event_id"] = lambda v: flow.clocks.register_opinion(v, "other")
    calls["opinion.severity"] = lambda v: flow.clocks.register_opinion("e1", v)
    calls["opinion.responsible"] = lambda v: flow.clocks.register_opinion("e1", "other", responsible=v)
    calls["opinion.at"] = lambda v: flow.clocks.register_opinion("e1", "other", at=v)
    calls["records.meeting_title"] = lambda v: flow.records.add(MeetingRecord(date(2019, 5, 1), v, 2))
    calls["records.meeting_day"] = lambda v: flow.records.add(MeetingRecord(v, "局长办公会议", 2))
    calls["records.case_note"] = lambda v: flow.records.add(CaseRecord("review", date(2019, 5, 1), note=v))
    calls["records.figure_value"] = lambda v: flow.records.add(FigureRecord(2019, "r", "c", v))
    calls["records.figure_year"] = lambda v: flow.records.add(FigureRecord(v, "r", "c", 1))
    return calls


class _Pairs(Mapping[Any, Any]):
    """A mapping whose keys may be anything, even unhashable (what a careless host could pass)."""

    def __init__(self, pairs: list[tuple[Any, Any]]) -> None:
        self._pairs = pairs

    def __getitem__(self, key: Any) -> Any:
        return next(v for k, v in self._pairs if k == key)

    def __iter__(self) -> Iterator[Any]:
        return iter([k for k, _ in self._pairs])

    def __len__(self) -> int:
        return len(self._pairs)

    def items(self) -> Any:
        return list(self._pairs)


def _try(call: Callable[[Any], Any], value: Any) -> str:
    """``accepted``, ``typed`` (a GongkaiFlowError), or ``untyped: <exception>``."""
    try:
        call(value)
    except GongkaiFlowError:
        return "typed"
    except Exception as exc:  # what the boundary must never let out
        return f"untyped: {type(exc).__name__}: {str(exc)[:80]}"
    return "accepted"


def test_every_hostile_value_is_refused_typed_and_leaves_the_database_unchanged(
    backend: Backend, flow: Flow, people: dict[str, Actor]
) -> None:
    """The whole matrix: every field of every public call × every hostile value."""
    item_id, app_id = _seed(flow, people)
    calls = _calls(flow, people, item_id, app_id)
    untyped: list[str] = []
    accepted: list[str] = []
    for name, call in calls.items():
        for value in HOSTILE:
            before = snapshot(backend, flow)
            outcome = _try(call, value)
            if outcome.startswith("untyped"):
                untyped.append(f"{name} ← {value!r:.40}: {outcome}")
            elif outcome == "accepted":
                if not _legitimate(name, value):
                    accepted.append(f"{name} ← {value!r:.40}")
            else:
                assert snapshot(backend, flow) == before, f"{name} ← {value!r:.40} changed the database"
    assert untyped == []
    # A hostile value may be accepted only where it is legitimately a value of the field (no text).
    assert accepted == []
    assert all(_clean(v) for v in snapshot(backend, flow)), "a control character or surrogate was stored"


def _legitimate(name: str, value: Any) -> bool:
    """Whether a hostile-looking value is a valid value of its field.

    ``None`` for an optional field, a finite number, no platforms, no sections (an application then
    belongs to its registrar's section).
    """
    if name == "records.figure_value":
        return isinstance(value, int | float) and math.isfinite(value)
    if name in {"draft.platforms", "register.sections"} and isinstance(value, list | dict) and not value:
        return True
    return value is None


def test_hypothesis_hostile_values_never_escape_untyped(backend: Backend, people: dict[str, Actor]) -> None:
    """Hypothesis over (call, field, value): 0 untyped exceptions, and a refusal changes nothing."""
    flow = backend.flow(dispatch=False)
    try:
        item_id, app_id = _seed(flow, people)
        calls = _calls(flow, people, item_id, app_id)
        names = sorted(calls)

        @settings(max_examples=60, deadline=None, derandomize=True)
        @given(name=st.sampled_from(names), value=hostile)
        def prop(name: str, value: Any) -> None:
            before = snapshot(backend, flow)
            outcome = _try(calls[name], value)
            assert not outcome.startswith("untyped"), f"{name} ← {value!r:.60}: {outcome}"
            assert outcome == "typed" or _legitimate(name, value), f"{name} accepted {value!r:.60}"
            if outcome == "typed":
                assert snapshot(backend, flow) == before

        prop()
        assert all(_clean(v) for v in snapshot(backend, flow))
    finally:
        flow.close()


@settings(max_examples=200, deadline=None)
@given(value=st.text(max_size=30))
def test_check_text_refuses_exactly_controls_and_surrogates(value: str) -> None:
    """A one-line field takes any text but control characters and surrogates; a body keeps newline and tab."""
    bad_line = any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF for c in value)
    bad_body = any(
        (ord(c) < 0x20 and c not in "\t\n\r") or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF for c in value
    )
    for field, bad in (("title", bad_line), ("body", bad_body)):
        if bad:
            with pytest.raises(InvalidFieldError) as caught:
                check_text(field, value)
            assert caught.value.details["label"] == FIELD_RULES[field].label
            assert FIELD_RULES[field].label in caught.value.message
        else:
            assert check_text(field, value) == value


@pytest.mark.parametrize(
    ("field", "label"),
    [("title", "信息名称"), ("document_number", "文号"), ("column", "发布栏目"), ("body", "正文")],
)
def test_refusals_name_the_field_in_chinese(flow: Flow, people: dict[str, Actor], field: str, label: str) -> None:
    """The message names the form's own field: 信息名称, 文号, 发布栏目 …"""
    with pytest.raises(InvalidFieldError) as caught:
        flow.draft(people["zhangmin"], **policy_fields(**{field: "a\x00b"}))
    assert caught.value.message.startswith(label)
    assert caught.value.details["field"] == field


def test_length_limits_are_the_same_on_every_backend(flow: Flow, people: dict[str, Actor]) -> None:
    """The limit is the table's, not the column's: at the limit stored, one over refused, on every backend."""
    limit = FIELD_RULES["document_number"].max_length
    stored = flow.draft(people["zhangmin"], **policy_fields(document_number="号" * limit))
    assert flow.get(stored.id).document_number == "号" * limit
    with pytest.raises(InvalidFieldError, match="文号不能超过 200 个字符"):
        flow.draft(people["zhangmin"], **policy_fields(document_number="号" * (limit + 1)))


def test_schema_column_lengths_come_from_the_field_table() -> None:
    """The SQL columns are as long as the declared limits: a valid value always fits."""
    from gongkai_flow.storage.sql.schema import items_table

    lengths = {c.name: getattr(c.type, "length", None) for c in items_table.c}
    assert lengths["document_number"] == FIELD_RULES["document_number"].max_length
    assert lengths["publish_column"] == FIELD_RULES["column"].max_length
    assert lengths["id"] == FIELD_RULES["item_id"].max_length


# --- driver errors translated by meaning (below the boundary) ------------------------------------


def _raw_insert(backend: Backend, **values: Any) -> BaseException:
    """Insert a raw item row that bypasses the boundary; return the driver's error."""
    from gongkai_flow.storage.sql.schema import actors_table

    row = {
        "id": "a1",
        "name": "张三",
        "section": "科",
        "roles": [],
        "in_charge_of": [],
        "active": True,
        "updated_at": datetime(2019, 1, 1, tzinfo=UTC),
    }
    row.update(values)
    with pytest.raises(sa.exc.DBAPIError) as caught, backend._db.engine.begin() as conn:
        conn.execute(actors_table.insert(), [row])
    return caught.value


def test_driver_refusals_are_translated_by_meaning(sql_backend: Backend) -> None:
    """NOT NULL, uniqueness, length and an unstorable value each get their own typed error."""
    assert isinstance(translate_error(_raw_insert(sql_backend, name=None)), MissingValueError)
    from gongkai_flow.storage.sql.schema import actors_table

    with sql_backend._db.engine.begin() as conn:
        conn.execute(
            actors_table.insert(),
            [
                {
                    "id": "dup",
                    "name": "张三",
                    "section": "科",
                    "roles": [],
                    "in_charge_of": [],
                    "active": True,
                    "updated_at": datetime(2019, 1, 1, tzinfo=UTC),
                }
            ],
        )
    duplicate = _raw_insert(sql_backend, id="dup")
    assert constraint_kind(duplicate) == "unique"
    assert isinstance(translate_error(duplicate), DuplicateKeyError)
    if sql_backend.name == "postgresql":  # SQLite stores both; the boundary refuses them first
        assert isinstance(translate_error(_raw_insert(sql_backend, section="科" * 201)), ValueTooLongError)
        assert isinstance(translate_error(_raw_insert(sql_backend, section="a\x00b")), InvalidValueError)


def test_a_null_column_is_not_reported_as_a_stale_item(sql_backend: Backend, people: dict[str, Actor]) -> None:
    """A NOT NULL refusal on insert is a missing value, never 「已被他人处理」."""
    from gongkai_flow.errors import StaleItemError

    flow = sql_backend.flow(dispatch=False)
    try:
        with pytest.raises(InvalidFieldError, match="发布栏目不能为空"):
            flow.draft(people["zhangmin"], **policy_fields(column=None))
        outcome = sql_backend.workflow.draft(people["zhangmin"], **{**policy_fields(), "kind": policy_fields()["kind"]})
        broken = type(outcome)(
            item=_with(outcome.item, column=None),
            previous_version=None,
            events=outcome.events,
            audit=outcome.audit,
        )
        with pytest.raises(MissingValueError) as caught, sql_backend.repo() as repo:
            repo.save(broken)
        assert not isinstance(caught.value, StaleItemError)
    finally:
        flow.close()


def _with(item: Any, **changes: Any) -> Any:
    new = object.__new__(type(item))
    new.__dict__.update(item.__dict__)
    new.__dict__.update(changes)
    return new
