"""What the engine remembers between transitions, and that changed content or configuration voids it.

The engine keeps the content hash on the item with the content it was computed from, the actors
whose texts passed the boundary checks, and a table of the chain's steps per (chain version, state,
action). None of them may let a change through: each test here changes the thing a memo stands for
and checks the engine sees the change.
"""

from __future__ import annotations

import itertools
import os
import pickle
from typing import Any

import attrs
import pytest

from conftest import FIXED_NOW, valid_proactive_fields
from gongkai_flow import Action, Actor, DisclosureItem, InfoSource, Role, Workflow, errors
from gongkai_flow import engine as engine_module
from gongkai_flow import model as model_module
from gongkai_flow.chain import ChainSet, default_chain
from gongkai_flow.engine import Outcome, _new_id
from gongkai_flow.events import ItemApproved, ItemPublished, ItemSubmitted, TransitionApplied
from gongkai_flow.fields import check_actor
from gongkai_flow.model import Attachment, AuditEntry, Signature, compute_content_hash

#: The happy path of a 政策文件 in the default chain: (action, who, opinion).
PLAN = (
    (Action.SUBMIT, "zhangmin", None),
    (Action.APPROVE, "lihua", "不涉密，同意主动公开"),
    (Action.APPROVE, "wangfang", "同意"),
    (Action.APPROVE, "zhaoqiang", "同意"),
    (Action.APPROVE, "liuyang", "同意发布"),
    (Action.PUBLISH, "chenjing", None),
)

FILE = Attachment(name="名单.csv", media_type="text/csv", size=3, sha256="1" * 64)
OTHER_FILE = Attachment(name="名单.csv", media_type="text/csv", size=3, sha256="2" * 64)


@pytest.fixture
def engine() -> Workflow:
    """A bare workflow (no repository), fixed clock, predictable ids, content guard switched off."""
    counter = itertools.count(1)
    return Workflow(clock=lambda: FIXED_NOW, new_id=lambda: f"id{next(counter):05d}", require_content_guard=False)


def _draft(engine: Workflow, bureau: dict[str, Actor], **fields: Any) -> DisclosureItem:
    values = valid_proactive_fields()
    values.update(fields)
    return engine.draft(bureau["zhangmin"], **values).item


def _run(engine: Workflow, bureau: dict[str, Actor], item: DisclosureItem, steps: int = len(PLAN)) -> DisclosureItem:
    for action, who, opinion in PLAN[:steps]:
        item = engine.fire(item, action, bureau[who], opinion=opinion).item
    return item


def _force(item: DisclosureItem, **values: Any) -> None:
    """Change a frozen item in place, as a buggy or hostile caller could."""
    for name, value in values.items():
        object.__setattr__(item, name, value)


# --- the content hash -------------------------------------------------------------------------


@pytest.fixture
def sha256_runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Every content tuple actually hashed (past the item's memo and the shared LRU cache)."""
    runs: list[tuple[Any, ...]] = []
    real = model_module._content_hash.__wrapped__

    def counting(values: tuple[Any, ...]) -> str:
        runs.append(values)
        return real(values)

    monkeypatch.setattr(model_module, "_content_hash", counting)
    return runs


def test_a_chain_of_transitions_hashes_the_content_once(
    engine: Workflow, bureau: dict[str, Actor], sha256_runs: list[tuple[Any, ...]]
) -> None:
    """Draft hashes the content; submit and publish recompute it from the memo the items carry along."""
    item = _draft(engine, bureau)
    assert len(sha256_runs) == 1
    published = _run(engine, bureau, item)
    assert published.state == "published"
    assert len(sha256_runs) == 1
    assert {s.content_hash for s in published.signatures} == {item.content_hash}


def test_many_items_in_flight_each_keep_their_own_hash(
    engine: Workflow, bureau: dict[str, Actor], sha256_runs: list[tuple[Any, ...]]
) -> None:
    """More items in flight than any shared cache holds: none is hashed again when it moves on."""
    items = [_draft(engine, bureau, title=f"关于第{n}批就业补贴的公示") for n in range(1_100)]
    assert len(sha256_runs) == len(items)
    moved = [engine.fire(item, Action.SUBMIT, bureau["zhangmin"]).item for item in items]
    assert len(sha256_runs) == len(items)
    assert [m.content_hash for m in moved] == [i.content_hash for i in items]


def test_a_body_forced_into_the_item_is_hashed_afresh(bureau: dict[str, Actor], engine: Workflow) -> None:
    """The memo is only reused for the content it was computed from: a forced body gets its own hash."""
    item = _draft(engine, bureau)
    before = compute_content_hash(item)
    _force(item, body="被篡改的正文")
    after = compute_content_hash(item)
    assert after != before
    assert after == compute_content_hash(attrs.evolve(item))  # a fresh item with that body


def test_a_replaced_attachment_voids_the_signatures_at_publication(
    engine: Workflow, bureau: dict[str, Actor], sha256_runs: list[tuple[Any, ...]]
) -> None:
    """An attachment swapped into the approved item in place is seen at publication: the signatures are void."""
    approved = _run(engine, bureau, _draft(engine, bureau, attachments=(FILE,)), steps=5)
    assert approved.state == "approved"
    _force(approved, attachments=(OTHER_FILE,))
    with pytest.raises(errors.ContentChangedError):
        engine.fire(approved, Action.PUBLISH, bureau["chenjing"])
    assert sha256_runs[-1][model_module.CONTENT_FIELDS.index("attachments")] == (OTHER_FILE,)


def test_a_changed_body_forced_in_before_submission_is_what_gets_signed(
    engine: Workflow, bureau: dict[str, Actor]
) -> None:
    """Submission recomputes the hash of the content it sees, not the one the draft stored."""
    item = _draft(engine, bureau)
    _force(item, body="提交前被改动的正文")
    submitted = engine.fire(item, Action.SUBMIT, bureau["zhangmin"]).item
    assert submitted.content_hash != item.content_hash
    assert submitted.signatures[0].content_hash == submitted.content_hash == compute_content_hash(submitted)


def test_an_attachment_changed_by_edit_voids_the_earlier_approvals(engine: Workflow, bureau: dict[str, Actor]) -> None:
    """Returned, edited to carry another file and resubmitted: every approval given before is void."""
    item = _run(engine, bureau, _draft(engine, bureau, attachments=(FILE,)), steps=4)
    assert item.state == "leader_review"
    returned = engine.fire(item, Action.RETURN, bureau["liuyang"], opinion="附件有误").item
    edited = engine.edit(returned, bureau["zhangmin"], attachments=(OTHER_FILE,)).item
    assert edited.content_hash != item.content_hash
    resubmitted = engine.fire(edited, Action.SUBMIT, bureau["zhangmin"]).item
    assert resubmitted.state == "attribute_review"  # not straight back to the leader
    assert [(s.stage, s.content_hash) for s in resubmitted.signatures] == [("drafted", edited.content_hash)]


def test_an_unchanged_resubmission_keeps_the_approvals(engine: Workflow, bureau: dict[str, Actor]) -> None:
    """The other side: returned and resubmitted unchanged, it goes straight back with the approvals kept."""
    item = _run(engine, bureau, _draft(engine, bureau, attachments=(FILE,)), steps=4)
    returned = engine.fire(item, Action.RETURN, bureau["liuyang"], opinion="请再核实").item
    resubmitted = engine.fire(returned, Action.SUBMIT, bureau["zhangmin"])
    assert resubmitted.item.state == "leader_review"
    submitted = resubmitted.events[1]
    assert isinstance(submitted, ItemSubmitted)
    assert submitted.resumed_at_return
    assert {s.content_hash for s in resubmitted.item.signatures} == {item.content_hash}


def test_a_form_made_invalid_after_the_draft_is_refused_at_submission(
    engine: Workflow, bureau: dict[str, Actor]
) -> None:
    """The draft's passed form check is reused only for that content: a forced change is checked again."""
    item = _draft(engine, bureau)
    _force(item, attribute=None)
    with pytest.raises(errors.AttributeRequiredError):
        engine.fire(item, Action.SUBMIT, bureau["zhangmin"])
    reprint = _draft(engine, bureau)
    _force(reprint, source=InfoSource.REPRINT)  # a reprint must name its source
    with pytest.raises(errors.ReprintSourceRequiredError):
        engine.fire(reprint, Action.SUBMIT, bureau["zhangmin"])


def test_the_memo_is_not_a_field(engine: Workflow, bureau: dict[str, Actor]) -> None:
    """The memo stays out of equality, ``attrs.asdict`` and ``attrs.evolve``."""
    item = _draft(engine, bureau)
    compute_content_hash(item)
    twin = attrs.evolve(item)
    assert {"_content_memo", "_form_checked"} <= set(vars(item))
    assert not {"_content_memo", "_form_checked"} & set(vars(twin))
    assert twin == item
    assert not {"_content_memo", "_form_checked"} & set(attrs.asdict(item))


# --- actors checked at the boundary -------------------------------------------------------------


def test_a_bad_actor_is_refused_after_a_good_one_passed(engine: Workflow, bureau: dict[str, Actor]) -> None:
    """Actors that passed are remembered by identity: another actor, even an equal-looking one, is checked."""
    item = _draft(engine, bureau)
    good = bureau["zhangmin"]
    engine.fire(item, Action.SUBMIT, good)
    bad = attrs.evolve(good, name="张敏\x00")
    with pytest.raises(errors.InvalidFieldError):
        engine.fire(item, Action.SUBMIT, bad)


class _LookAlike:
    """An actor-shaped object the host might pass: mutable, so never remembered."""

    def __init__(self) -> None:
        self.id = "zhangmin"
        self.name = "张敏"
        self.section = "就业失业科"
        self.roles = frozenset({Role.DRAFTER})
        self.in_charge_of: frozenset[str] = frozenset()


def test_a_look_alike_actor_is_checked_every_time() -> None:
    """A mutable actor-shaped object that passed once is checked again after it changed."""
    actor = _LookAlike()
    check_actor(actor)
    actor.name = "张敏\x1b[31m"
    with pytest.raises(errors.InvalidFieldError):
        check_actor(actor)


# --- the step table --------------------------------------------------------------------------------


def test_a_replaced_bureau_applies_from_the_next_action(engine: Workflow, bureau: dict[str, Actor]) -> None:
    """The section bindings are read into the step table; replacing ``workflow.bureau`` rebuilds it."""
    outsider = Actor("wuqing", "吴青", "养老保险科", {Role.ATTRIBUTE_REVIEWER})
    submitted = _run(engine, bureau, _draft(engine, bureau), steps=1)
    with pytest.raises(errors.WrongSectionError):
        engine.fire(submitted, Action.APPROVE, outsider, opinion="同意")
    bound = engine.bureau
    engine.bureau = attrs.evolve(bound, bindings=())
    assert engine.fire(submitted, Action.APPROVE, outsider, opinion="同意").item.state == "legal_review"
    engine.bureau = bound
    with pytest.raises(errors.WrongSectionError):
        engine.fire(submitted, Action.APPROVE, outsider, opinion="同意")


def test_replaced_chains_apply_from_the_next_action(engine: Workflow, bureau: dict[str, Actor]) -> None:
    """Replacing ``workflow.chains`` drops the step table: an item on a chain no longer known is refused."""
    item = _draft(engine, bureau)
    engine.fire(item, Action.SUBMIT, bureau["zhangmin"])
    engine.chains = ChainSet([attrs.evolve(default_chain(), id="other")], default_route="other")
    with pytest.raises(errors.UnknownChainError):
        engine.fire(item, Action.SUBMIT, bureau["zhangmin"])


# --- ids -------------------------------------------------------------------------------------------


def test_ids_are_distinct_random_hex() -> None:
    """Ids come from a batch of OS randomness, 16 bytes each, never the same twice."""
    ids = [_new_id() for _ in range(3_000)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_does_not_repeat_its_parents_ids() -> None:
    """A child process draws fresh randomness instead of the parent's unused batch."""
    _new_id()  # the parent now holds a batch
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.write(write, _new_id().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert child != _new_id()


# --- the engine's constructors ------------------------------------------------------------------


def test_prebuilt_records_are_the_records_their_class_builds() -> None:
    """Each record a transition builds is the object its class would build: class, fields, equality, hash, frozen."""
    values: dict[str, Any] = {
        "stage": "legal_review",
        "role": Role.LEGAL_REVIEWER,
        "at": FIXED_NOW,
        "signed": True,
        "overrides": (),
        "chain_version": 1,
        "resumed_at_return": False,
        "platforms": ("new_media", "website"),
    }
    checked = []
    for name in dir(engine_module):
        build = getattr(engine_module, name)
        cls = getattr(build, "__prebuilt__", None)
        if cls is None:
            continue
        checked.append(cls)
        args = [values.get(f.name, f"{f.name}-value") for f in attrs.fields(cls)]
        built, expected = build(*args), cls(*args)
        assert type(built) is cls
        assert built == expected
        assert hash(built) == hash(expected)
        assert attrs.asdict(built, recurse=False) == attrs.asdict(expected, recurse=False)
        assert pickle.loads(pickle.dumps(built)) == expected
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            built.__setattr__(attrs.fields(cls)[0].name, "changed")
    assert {Outcome, Signature, AuditEntry, TransitionApplied, ItemApproved, ItemPublished} <= set(checked)
    assert len(checked) == 15


def test_prebuilt_refuses_a_class_that_validates() -> None:
    """A class with a validator or a converter must go through its own ``__init__``."""

    @attrs.frozen
    class Checked:
        name: str = attrs.field(validator=attrs.validators.instance_of(str))

    @attrs.frozen
    class Converted:
        names: tuple[str, ...] = attrs.field(converter=tuple)

    for cls in (Checked, Converted, Attachment, DisclosureItem):
        with pytest.raises(TypeError):
            engine_module._prebuilt(cls)
