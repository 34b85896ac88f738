"""Invariants of the review chain under random actors, items, actions and edits (hypothesis)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import attrs
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from gongkai_flow import (
    Action,
    Actor,
    DisclosureAttribute,
    DisclosureItem,
    Flow,
    InfoSource,
    ItemKind,
    MemoryRepository,
    NegativeListCategory,
    Outcome,
    Platform,
    Role,
    Workflow,
)
from gongkai_flow.demo import BUREAU
from gongkai_flow.errors import GongkaiFlowError, WorkflowError
from gongkai_flow.model import CONTENT_FIELDS, Attachment, compute_content_hash

SECTIONS = ("就业失业科", "养老保险科", "行政许可科（12333）")
NOW = datetime(2019, 6, 3, 9, 30, tzinfo=UTC)

#: States an item can only reach by having been published.
PUBLISHED_STATES = frozenset({"published", "abolished", "expired", "retracted"})
#: States the engine is done with: tampering with them says nothing about the engine.
FINISHED_STATES = PUBLISHED_STATES | {"archived", "withdrawn"}

#: People holding several roles: separation of duties must keep each to one signature per item.
REVIEWER_OF_ALL_TRADES = Actor("x1", "郑义", "局办公室", {Role.ATTRIBUTE_REVIEWER, Role.LEGAL_REVIEWER, Role.PUBLISHER})
DRAFTER_AND_HEAD = Actor(
    "x2", "钱军", "就业失业科", {Role.DRAFTER, Role.SECTION_HEAD, Role.LEADER}, in_charge_of=SECTIONS
)

#: Actions that move an item towards publication or filing.
FORWARD = frozenset({Action.SUBMIT, Action.APPROVE, Action.RESUME, Action.PUBLISH, Action.FILE})

titles = st.sampled_from(["关于做好2019年高校毕业生就业创业工作的通知", "失业保险金申领指南", " "])
bodies = st.sampled_from(
    ["现就有关事项通知如下……", "按照鲁人社发〔2019〕8号要求，现就有关事项通知如下……", "一、出台背景……"]
)
opinions = st.sampled_from([None, "", "  ", "同意", "请修改第三条"])
optional_reason = st.sampled_from([None, "", "涉及个人隐私"])
optional_source_name = st.sampled_from([None, "", "山东省人力资源和社会保障厅"])
optional_doc_number = st.sampled_from([None, "日人社发〔2019〕12号"])


class ReviewChainMachine(RuleBasedStateMachine):
    """Random people do random things to random items; the chain's guarantees must hold after every step."""

    def __init__(self) -> None:
        super().__init__()
        ids = itertools.count(1)
        self.workflow = Workflow(clock=lambda: NOW, new_id=lambda: f"id{next(ids):05d}")
        self.repository = MemoryRepository()
        self.flow = Flow(repository=self.repository, workflow=self.workflow)
        self.pool: list[Actor] = []
        self.item_ids: list[str] = []
        self.tampered: set[str] = set()

    # -- people -------------------------------------------------------------------------------

    @initialize(
        extra=st.lists(
            st.tuples(
                st.frozensets(st.sampled_from(Role), min_size=1, max_size=3),
                st.sampled_from(SECTIONS),
                st.frozensets(st.sampled_from(SECTIONS), max_size=2),
            ),
            min_size=1,
            max_size=4,
        ),
        seeds=st.lists(
            st.tuples(
                st.sampled_from(ItemKind).filter(lambda k: k is not ItemKind.POLICY_INTERPRETATION),
                st.sampled_from([("就业失业科",), ("就业失业科", "养老保险科"), ("就业失业科", "行政许可科（12333）")]),
                st.sampled_from(["drafted", "attribute_review", "leader_review", "approved", "approved", "published"]),
            ),
            max_size=3,
        ),
        data=st.data(),
    )
    def open_office(
        self,
        extra: list[tuple[frozenset[Role], str, frozenset[str]]],
        seeds: list[tuple[ItemKind, tuple[str, ...], str]],
        data: st.DataObject,
    ) -> None:
        """The demo bureau, two people holding several roles and a few random people; some items under way."""
        self.pool.extend(BUREAU.values())
        self.pool.extend((REVIEWER_OF_ALL_TRADES, DRAFTER_AND_HEAD))
        for roles, section, in_charge_of in extra:
            self.hire(roles, section, in_charge_of)
        for kind, sections, target in seeds:
            item = self.flow.draft(
                data.draw(st.sampled_from([BUREAU["zhangmin"], DRAFTER_AND_HEAD])),
                title="关于做好2019年高校毕业生就业创业工作的通知",
                kind=kind,
                body="现就有关事项通知如下……",
                attribute=DisclosureAttribute.PROACTIVE,
                platforms={Platform.WEBSITE},
                sections=sections,
            )
            self.item_ids.append(item.id)
            self._advance(item.id, data, 10, FORWARD, until=target)

    @rule(
        roles=st.frozensets(st.sampled_from(Role), max_size=3),
        section=st.sampled_from(SECTIONS),
        in_charge_of=st.frozensets(st.sampled_from(SECTIONS), max_size=2),
    )
    def hire(self, roles: frozenset[Role], section: str, in_charge_of: frozenset[str]) -> None:
        """Someone joins the bureau with random roles."""
        n = len(self.pool) + 1
        self.pool.append(Actor(f"p{n}", f"职员{n}", section, roles, in_charge_of=in_charge_of))

    # -- drafting -----------------------------------------------------------------------------

    def _draft(self, actor: Actor, fields: dict[str, Any]) -> None:
        count = len(self.item_ids)
        try:
            item = self.flow.draft(actor, **fields)
        except GongkaiFlowError as exc:
            event(f"draft refused: {exc.code}")
            assert len(list(self.repository.items())) == count
            return
        self.item_ids.append(item.id)
        event("drafted")
        assert len(self.repository.audit(item.id)) == 1

    def _sections(self, data: st.DataObject, actor: Actor) -> tuple[str, ...] | None:
        others = data.draw(st.lists(st.sampled_from(SECTIONS), max_size=2, unique=True))
        if data.draw(st.booleans()):
            return (actor.section, *(s for s in others if s != actor.section))
        return tuple(others) or None

    def _policy_id(self, data: st.DataObject) -> str | None:
        choices: list[str | None] = [None, "no-such-policy", *self.item_ids]
        return data.draw(st.sampled_from(choices))

    @rule(data=st.data())
    def draft_random(self, data: st.DataObject) -> None:
        """Anyone drafts anything: most of these are refused."""
        actor = data.draw(st.sampled_from(self.pool))
        fields: dict[str, Any] = {
            "title": data.draw(titles),
            "kind": data.draw(st.sampled_from(ItemKind)),
            "body": data.draw(bodies),
            "attribute": data.draw(st.none() | st.sampled_from(DisclosureAttribute)),
            "classified": data.draw(st.booleans()),
            "platforms": data.draw(st.frozensets(st.sampled_from(Platform))),
            "source": data.draw(st.sampled_from(InfoSource)),
            "source_name": data.draw(optional_source_name),
            "withheld_category": data.draw(st.none() | st.sampled_from(NegativeListCategory)),
            "withheld_reason": data.draw(optional_reason),
            "policy_id": self._policy_id(data),
            "document_number": data.draw(optional_doc_number),
            "normative": data.draw(st.none() | st.booleans()),
        }
        sections = self._sections(data, actor)
        if sections is not None:
            fields["sections"] = sections
        self._draft(actor, fields)

    @rule(data=st.data())
    def draft_plausible(self, data: st.DataObject) -> None:
        """A drafter fills in a mostly consistent form, so that items do get reviewed."""
        drafters = [a for a in self.pool if Role.DRAFTER in a.roles]
        actor = data.draw(st.sampled_from(drafters))
        attribute = data.draw(st.sampled_from(DisclosureAttribute))
        kind = data.draw(st.sampled_from(ItemKind))
        fields: dict[str, Any] = {
            "title": "关于做好2019年高校毕业生就业创业工作的通知",
            "kind": kind,
            "body": data.draw(bodies),
            "attribute": attribute,
            "source": data.draw(st.sampled_from(InfoSource)),
            "source_name": data.draw(st.sampled_from([None, "山东省人力资源和社会保障厅"])),
            "document_number": data.draw(optional_doc_number),
        }
        if attribute is DisclosureAttribute.PROACTIVE:
            fields["platforms"] = data.draw(st.frozensets(st.sampled_from(Platform), min_size=1))
        else:
            fields["platforms"] = frozenset({Platform.OTHER})
            fields["classified"] = data.draw(st.booleans())
        if attribute is DisclosureAttribute.WITHHELD:
            fields["withheld_category"] = data.draw(st.sampled_from(NegativeListCategory))
            fields["withheld_reason"] = "涉及个人隐私"
        if kind is ItemKind.POLICY_INTERPRETATION:
            policies = [i for i in self.item_ids if self.repository.get(i).kind is ItemKind.POLICY_DOCUMENT]
            fields["policy_id"] = data.draw(st.sampled_from(policies)) if policies else "no-such-policy"
        sections = self._sections(data, actor)
        if sections is not None:
            fields["sections"] = sections
        self._draft(actor, fields)

    # -- acting -------------------------------------------------------------------------------

    def _attempt(self, item_id: str, action: Action, actor: Actor, opinion: str | None) -> None:
        before = self.repository.get(item_id)
        trail = self.repository.audit(item_id)
        try:
            after = self.flow.fire(item_id, action, actor, opinion=opinion)
        except WorkflowError as exc:
            event(f"refused {action.value}: {exc.code}")
            assert self.repository.get(item_id) == before
            assert self.repository.audit(item_id) == trail
            return
        assert after.version == before.version + 1
        now_trail = self.repository.audit(item_id)
        assert now_trail[: len(trail)] == trail
        assert len(now_trail) == len(trail) + 1
        event(f"{action.value} -> {after.state}")

    @rule(data=st.data(), action=st.sampled_from(Action), opinion=opinions)
    def fire_random(self, data: st.DataObject, action: Action, opinion: str | None) -> None:
        """Anyone tries any action on any item."""
        if not self.item_ids:
            return
        item_id = data.draw(st.sampled_from(self.item_ids))
        actor = data.draw(st.sampled_from(self.pool))
        self._attempt(item_id, action, actor, opinion)

    @rule(data=st.data(), opinion=opinions)
    def fire_allowed(self, data: st.DataObject, opinion: str | None) -> None:
        """Someone takes an action that available_actions says they may take."""
        if not self.item_ids:
            return
        item_id = data.draw(st.sampled_from(self.item_ids))
        item = self.repository.get(item_id)
        choices = [
            (actor, option.action, option.opinion_required)
            for actor in self.pool
            for option in self.workflow.available_actions(item, actor)
            if option.allowed
        ]
        if not choices:
            return
        actor, action, needs_opinion = data.draw(st.sampled_from(choices))
        self._attempt(item_id, action, actor, "意见" if needs_opinion else opinion)

    @rule(data=st.data(), moves=st.integers(min_value=1, max_value=8))
    def advance(self, data: st.DataObject, moves: int) -> None:
        """Move one item forward several times, each time by someone available_actions allows."""
        if not self.item_ids:
            return
        self._advance(data.draw(st.sampled_from(self.item_ids)), data, moves, FORWARD)

    def _advance(
        self, item_id: str, data: st.DataObject, moves: int, forward: frozenset[Action], until: str | None = None
    ) -> None:
        for _ in range(moves):
            item = self.repository.get(item_id)
            if item.state == until:
                return
            choices = [
                (actor, option.action)
                for actor in self.pool
                for option in self.workflow.available_actions(item, actor)
                if option.allowed and option.action in forward
            ]
            if not choices:
                return
            actor, action = data.draw(st.sampled_from(choices))
            self._attempt(item_id, action, actor, "意见")

    def _try_publish(self, item_id: str, data: st.DataObject) -> None:
        item = self.repository.get(item_id)
        step = self.workflow.chain_of(item).step(item.state, Action.PUBLISH)
        if step is None:
            return
        publishers = [a for a in self.pool if step.role in a.roles]
        self._attempt(item_id, Action.PUBLISH, data.draw(st.sampled_from(publishers)), None)

    @rule(data=st.data())
    def publish_now(self, data: st.DataObject) -> None:
        """Someone holding the publishing role tries to publish an item that has a publish step from its state."""
        if not self.item_ids:
            return
        self._try_publish(data.draw(st.sampled_from(self.item_ids)), data)

    @rule(data=st.data())
    def edit(self, data: st.DataObject) -> None:
        """The drafter (or someone else) changes some fields of an item."""
        if not self.item_ids:
            return
        item_id = data.draw(st.sampled_from(self.item_ids))
        item = self.repository.get(item_id)
        drafter = next((a for a in self.pool if a.id == item.drafter_id), None)
        by_drafter = drafter is not None and data.draw(st.booleans())
        actor = drafter if drafter is not None and by_drafter else data.draw(st.sampled_from(self.pool))
        options: dict[str, st.SearchStrategy[Any]] = {
            "title": titles,
            "body": bodies,
            "attribute": st.none() | st.sampled_from(DisclosureAttribute),
            "classified": st.booleans(),
            "platforms": st.frozensets(st.sampled_from(Platform)),
            "source": st.sampled_from(InfoSource),
            "source_name": optional_source_name,
            "withheld_category": st.none() | st.sampled_from(NegativeListCategory),
            "withheld_reason": optional_reason,
            "document_number": optional_doc_number,
            "normative": st.none() | st.booleans(),
            "sections": st.lists(st.sampled_from(SECTIONS), min_size=1, max_size=2, unique=True).map(tuple),
        }
        names = data.draw(st.lists(st.sampled_from(sorted(options)), min_size=1, max_size=3, unique=True))
        changes = {name: data.draw(options[name]) for name in names}
        before = self.repository.get(item_id)
        trail = self.repository.audit(item_id)
        try:
            edited = self.flow.edit(item_id, actor, **changes)
        except WorkflowError:
            assert self.repository.get(item_id) == before
            assert self.repository.audit(item_id) == trail
            return
        assert edited.content_hash == compute_content_hash(edited)
        assert len(self.repository.audit(item_id)) == len(trail) + 1

    def _tamper(self, item: DisclosureItem, change: dict[str, Any], rehash: bool) -> None:
        tampered = attrs.evolve(item, version=item.version + 1, **change)
        if rehash:
            tampered = attrs.evolve(tampered, content_hash=compute_content_hash(tampered))
        self.repository.save(Outcome(item=tampered, previous_version=item.version, events=(), audit=()))
        self.tampered.add(item.id)

    @rule(data=st.data(), rehash=st.booleans())
    def tamper(self, data: st.DataObject, rehash: bool) -> None:
        """Someone changes an open item in storage behind the engine's back, maybe updating its stored hash."""
        if not self.item_ids:
            return
        open_items = [i for i in self.repository.items() if i.state not in FINISHED_STATES]
        if not open_items:
            return
        item = data.draw(st.sampled_from(open_items))
        change: dict[str, Any] = data.draw(
            st.sampled_from(
                [
                    {"body": item.body + "（篡改）"},
                    {"classified": not item.classified},
                    {"attribute": DisclosureAttribute.ON_REQUEST, "platforms": frozenset({Platform.WEBSITE})},
                ]
            )
        )
        self._tamper(item, change, rehash)

    @rule(data=st.data())
    def tamper_then_publish(self, data: st.DataObject) -> None:
        """An approved item's text is changed in storage (its stored hash left stale), then someone publishes it."""
        approved = list(self.repository.items(states=["approved"]))
        if not approved:
            return
        item = data.draw(st.sampled_from(approved))
        self._tamper(item, {"body": item.body + "（篡改）"}, rehash=False)
        self._try_publish(item.id, data)

    @rule(data=st.data(), change=st.booleans())
    def rework(self, data: st.DataObject, change: bool) -> None:
        """A reviewer returns an item; its drafter resubmits it, changed or unchanged."""
        candidates = [
            (item, actor)
            for item in self.repository.items()
            if item.id not in self.tampered
            for actor in self.pool
            if any(o.allowed and o.action is Action.RETURN for o in self.workflow.available_actions(item, actor))
        ]
        if not candidates:
            return
        item, reviewer = data.draw(st.sampled_from(candidates))
        chain = self.workflow.chain_of(item)
        drafter = next(a for a in self.pool if a.id == item.drafter_id)
        kept = tuple(s for s in item.signatures if s.stage != chain.initial)
        self.flow.fire(item.id, Action.RETURN, reviewer, opinion="请修改")
        if change:
            self.flow.edit(item.id, drafter, body=item.body + "（已修改）")
        after = self.flow.submit(item.id, drafter)
        others = tuple(s for s in after.signatures if s.stage != chain.initial)
        event(f"rework {'changed' if change else 'unchanged'}: {item.state}")
        if change:
            restart = chain.step(chain.initial, Action.SUBMIT)
            assert restart is not None
            assert after.state == restart.dest
            assert others == ()
        else:
            assert after.state == item.state
            assert others == kept

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def approvals_are_bound_to_the_current_content(self) -> None:
        for item in self.repository.items():
            if item.id in self.tampered or item.state in {"drafted", "withdrawn", "archived"}:
                continue
            assert item.content_hash == compute_content_hash(item)
            assert {s.content_hash for s in item.signatures} == {item.content_hash}

    @invariant()
    def published_items_are_properly_signed(self) -> None:
        for item in self.repository.items():
            if item.state in PUBLISHED_STATES:
                self._check_published(item)

    def _check_published(self, item: DisclosureItem) -> None:
        chain = self.workflow.chain_of(item)
        final = compute_content_hash(item)
        assert not item.classified
        assert item.attribute is DisclosureAttribute.PROACTIVE
        assert item.content_hash == final
        assert item.published_at is not None
        publishing = [s.source for s in chain.steps if s.action is Action.PUBLISH]
        assert len(publishing) == 1
        for stage in (*chain.required_signatures, publishing[0]):
            signed = [s for s in item.signatures if s.stage == stage and s.content_hash == final]
            assert signed, f"{item.id} published without a signature for {stage}"
            if chain.stage(stage).countersign:
                assert set(item.sections) <= {s.section for s in signed}
        assert all(s.content_hash == final for s in item.signatures)
        signers = [s.actor_id for s in item.signatures]
        assert len(signers) == len(set(signers)), signers
        assert [s.actor_id for s in item.signature_for(chain.initial)] == [item.drafter_id]

    @invariant()
    def signers_are_separate(self) -> None:
        for item in self.repository.items():
            signers = [s.actor_id for s in item.signatures]
            assert len(signers) == len(set(signers)), f"{item.id}: {signers}"
            chain = self.workflow.chain_of(item)
            assert all(s.actor_id != item.drafter_id for s in item.signatures if s.stage != chain.initial)

    @invariant()
    def allowed_actions_agree_with_available_actions(self) -> None:
        """The worklist's quick question gets the answer available_actions gives, for everyone."""
        for item in self.repository.items():
            actions = self.workflow.chain_of(item).actions
            for actor in BUREAU.values():
                expected = {o.action for o in self.workflow.available_actions(item, actor) if o.allowed}
                assert self.workflow.allowed_actions(item, actor, actions) == expected, (item.state, actor.id)

    @invariant()
    def stored_items_are_in_a_stage_of_their_chain(self) -> None:
        for item in self.repository.items():
            assert self.workflow.chain_of(item).has_stage(item.state)

    def teardown(self) -> None:
        self.flow.close()


ReviewChainMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestReviewChain = ReviewChainMachine.TestCase


# --- the content hash ----------------------------------------------------------------------------

#: Any text, separators and NUL included: the hash encoding must keep every content apart.
plain_text = st.text(max_size=12)

FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "title": plain_text,
    "kind": st.sampled_from(ItemKind),
    "body": plain_text,
    "source": st.sampled_from(InfoSource),
    "source_name": st.none() | plain_text,
    "classified": st.booleans(),
    "attribute": st.none() | st.sampled_from(DisclosureAttribute),
    "withheld_category": st.none() | st.sampled_from(NegativeListCategory),
    "withheld_reason": st.none() | plain_text,
    "platforms": st.frozensets(st.sampled_from(Platform)),
    "column": plain_text,
    "sections": st.lists(plain_text, min_size=1, max_size=3).map(tuple),
    "policy_id": st.none() | plain_text,
    "document_number": st.none() | plain_text,
    "normative": st.none() | st.booleans(),
    "attachments": st.lists(
        st.builds(
            Attachment,
            name=st.sampled_from(["名单.xlsx", "附件1.pdf", "说明.docx"]),
            media_type=st.sampled_from(["application/pdf", "text/csv"]),
            size=st.integers(0, 10**6),
            sha256=st.text("0123456789abcdef", min_size=64, max_size=64),
        ),
        max_size=2,
        unique_by=lambda a: a.name,
    ).map(tuple),
}


def _base_item() -> DisclosureItem:
    return DisclosureItem(
        id="x1",
        title="关于做好2019年高校毕业生就业创业工作的通知",
        kind=ItemKind.POLICY_DOCUMENT,
        body="现就有关事项通知如下……",
        drafter_id="zhangmin",
        sections=("就业失业科",),
        attribute=DisclosureAttribute.PROACTIVE,
    )


def test_field_strategies_cover_every_content_field() -> None:
    """The hash property below draws values for exactly the content fields."""
    assert set(FIELD_VALUES) == set(CONTENT_FIELDS)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), name=st.sampled_from(CONTENT_FIELDS))
def test_content_hash_changes_with_any_content_field(data: st.DataObject, name: str) -> None:
    """Two items that differ in one content field have different content hashes."""
    first, second = data.draw(st.lists(FIELD_VALUES[name], min_size=2, max_size=2, unique=True), label="values")
    base = _base_item()
    assert compute_content_hash(attrs.evolve(base, **{name: first})) != compute_content_hash(
        attrs.evolve(base, **{name: second})
    )


@given(
    name=st.sampled_from(["state", "version", "signatures", "returned", "published_at", "chain_version"]),
)
def test_content_hash_ignores_workflow_fields(name: str) -> None:
    """Workflow fields kept by the engine do not change the content hash."""
    base = _base_item()
    values: dict[str, Any] = {
        "state": "published",
        "version": 9,
        "signatures": (),
        "returned": None,
        "published_at": NOW,
        "chain_version": 2,
    }
    assert compute_content_hash(attrs.evolve(base, **{name: values[name]})) == compute_content_hash(base)


def test_content_hash_separates_section_lists() -> None:
    """Two section lists that differ only in where a comma splits them hash differently."""
    base = _base_item()
    joint = attrs.evolve(base, sections=("就业失业科", "养老保险科"))
    merged = attrs.evolve(base, sections=("就业失业科,养老保险科",))
    assert compute_content_hash(joint) != compute_content_hash(merged)


def test_content_hash_separates_none_from_text() -> None:
    """An optional field left empty and the same field set to any text hash differently."""
    base = _base_item()
    assert compute_content_hash(attrs.evolve(base, policy_id=None)) != compute_content_hash(
        attrs.evolve(base, policy_id="\x00")
    )
