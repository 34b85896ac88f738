"""The workflow engine: the only module that imports ``transitions``.

:class:`Workflow` turns an (item, action, actor) request into an :class:`Outcome` — the new item,
the events and the audit entries — or refuses it with a typed error. It stores nothing and
sends no effects: the caller saves the outcome in its own transaction and the dispatcher
delivers the events after commit.

One ``transitions.Machine`` is compiled per chain version and serves every item: the machine
has no models; each firing runs on a throw-away token carrying only the state name, so nothing
is injected onto domain objects and no per-item machine is ever built.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from datetime import UTC, datetime
from typing import Any, Final, TypeVar, final

import attrs
from transitions import Machine, MachineError

from . import errors
from .bureau import BureauConfig, default_bureau
from .chain import Action, ChainDefinition, ChainSet, Scope, Step
from .events import (
    Event,
    ItemAbolished,
    ItemApproved,
    ItemArchived,
    ItemDrafted,
    ItemEdited,
    ItemExpired,
    ItemPublished,
    ItemReferred,
    ItemResumed,
    ItemRetracted,
    ItemReturned,
    ItemSubmitted,
    ItemWithdrawn,
    TransitionApplied,
    TransitionRequested,
)
from .fields import _CHECKED_ACTORS, check_actor, check_int, check_item_fields, check_text
from .model import (
    _MEMO,
    CONTENT_FIELDS,
    PUBLIC_PLATFORMS,
    Actor,
    Attachment,
    AuditEntry,
    BlobReader,
    ContentGuard,
    DisclosureAttribute,
    DisclosureItem,
    Finding,
    InfoSource,
    ItemKind,
    NegativeListCategory,
    Override,
    ReturnMark,
    Role,
    Severity,
    Signature,
    compute_content_hash,
)
from .signals import transition_requested
from .text import quote_title

#: Fields a drafter may change with :meth:`Workflow.edit`.
EDITABLE_FIELDS: Final = frozenset((*CONTENT_FIELDS, "formed_on", "duty_tags"))

#: The built-in check on an interpretation of a policy outside the system (issued by another body,
#: or drafted outside it): 局办公室's attribute reviewer confirms the exception with a reason, like
#: any override, and the confirmation is audited and bound to the content.
EXTERNAL_POLICY_RULE: Final = "interpretation.external_policy"

# Trigger name of the shortcut "resubmit straight back to the reviewer who returned it".
#: The override recorded on a publication made while the host had switched the content guard off.
CONTENT_GUARD_OFF: Final = "content_guard.off"

_RESUME_PREFIX: Final = "submit>"
# Internal trigger for a partial countersignature (state unchanged).
_COUNTERSIGN: Final = "countersign"

#: Where an item remembers that its content passed :func:`validate_form`: the content memo it
#: passed with (see ``model.compute_content_hash``), reused only while that memo is current.
_FORM_CHECKED: Final = "_form_checked"

# Shared empties for the common case of a fire without overrides (never mutated).
_NO_OVERRIDES: Final[dict[str, str]] = {}
_NOTHING_HONOURED: Final[frozenset[str]] = frozenset()

# Enum members read on every transition, bound once: on Python 3.11 reading ``Action.PUBLISH``
# goes through the enum metaclass's ``__getattr__`` hook (about 0.1 µs each, a dozen per
# transition) and ``member.value`` through a Python descriptor; a module global costs nothing.
_SUBMIT: Final = Action.SUBMIT
_WITHDRAW: Final = Action.WITHDRAW
_APPROVE: Final = Action.APPROVE
_RETURN: Final = Action.RETURN
_REFER: Final = Action.REFER
_RESUME: Final = Action.RESUME
_CLASSIFY: Final = Action.CLASSIFY
_PUBLISH: Final = Action.PUBLISH
_FILE: Final = Action.FILE
_ABOLISH: Final = Action.ABOLISH
_EXPIRE: Final = Action.EXPIRE
_RETRACT: Final = Action.RETRACT
_PROACTIVE: Final = DisclosureAttribute.PROACTIVE
_WITHHELD: Final = DisclosureAttribute.WITHHELD
_POLICY_DOCUMENT: Final = ItemKind.POLICY_DOCUMENT
_INTERPRETATION: Final = ItemKind.POLICY_INTERPRETATION
_REPRINT: Final = InfoSource.REPRINT


_A = TypeVar("_A", bound=attrs.AttrsInstance)


def _prebuilt(cls: type[_A]) -> Callable[..., _A]:
    """A positional constructor for the slotted attrs class ``cls``: the object ``cls(...)`` builds, cheaper.

    A frozen slotted class sets each field through ``object.__setattr__``, a C call that packs
    its arguments in a tuple; building the signature, events, audit entry and outcome of a
    transition that way cost as much as the state machine's own move. This constructor assigns the
    fields on a subclass that adds no slots and keeps the plain ``__setattr__``, then makes the
    object an instance of ``cls`` (``__class__`` assignment, allowed between identical layouts).
    The result is indistinguishable from ``cls(*values)``: same class, fields, equality, hash and
    pickling, and frozen from then on. Every field must be given, in declaration order.

    Only for classes that neither convert nor validate (the engine's values are checked at the
    boundary or made by the engine itself); a class that does is refused here, at import, so a
    validator added later can never be skipped.
    """
    fields = attrs.fields(cls)
    names = [f.name for f in fields]
    hooks = ("__attrs_pre_init__", "__attrs_post_init__")
    unchecked = all(f.init and f.validator is None and f.converter is None for f in fields)
    # Every slot must be a field (a cached hash, say, would be left unset).
    slots = {slot for klass in cls.__mro__ for slot in klass.__dict__.get("__slots__", ())} - {"__weakref__"}
    if cls.__dictoffset__ or any(hasattr(cls, hook) for hook in hooks) or not unchecked or slots != set(names):
        raise TypeError(f"{cls.__qualname__}: only slotted attrs classes without converters or validators")
    mutable = type(
        f"_Building{cls.__name__}",
        (cls,),
        {
            "__slots__": (),
            "__init__": object.__init__,  # built empty: ``mutable()`` is cheaper than ``object.__new__(mutable)``
            "__setattr__": object.__setattr__,
            "__delattr__": object.__delattr__,
        },
    )
    source = (
        f"def build({', '.join(names)}):\n"
        "    self = mutable()\n"
        + "".join(f"    self.{name} = {name}\n" for name in names)
        + "    self.__class__ = cls\n"
        "    return self\n"
    )
    namespace: dict[str, Any] = {"mutable": mutable, "cls": cls}
    exec(compile(source, f"<prebuilt {cls.__qualname__}>", "exec"), namespace)  # the field names are identifiers
    build: Callable[..., _A] = namespace["build"]
    build.__prebuilt__ = cls  # type: ignore[attr-defined]  # for the tests that compare it with cls(...)
    return build


@final
@attrs.frozen
class Outcome:
    """What one action produced: store ``item``, append ``audit``, enqueue ``events``.

    ``previous_version`` is the version the item had when it was read (``None`` for a new
    item): storage refuses the save with ``StaleItemError`` if someone saved in between.
    """

    item: DisclosureItem
    previous_version: int | None
    events: tuple[Event, ...]
    audit: tuple[AuditEntry, ...]
    findings: tuple[Finding, ...] = ()


@final
@attrs.frozen
class ActionOption:
    """Whether an actor may take an action on an item now and, if not, why (in Chinese)."""

    action: Action
    allowed: bool
    reason: str | None = None
    code: str | None = None
    opinion_required: bool = False


class _Token:
    """What the shared machine fires on: only the state name, never the domain item."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


_new_token: Final = object.__new__


# What a transition builds, through the cheaper constructors (see _prebuilt).
_outcome = _prebuilt(Outcome)
_signature = _prebuilt(Signature)
_audit_entry = _prebuilt(AuditEntry)
_applied = _prebuilt(TransitionApplied)
_submitted = _prebuilt(ItemSubmitted)
_approved = _prebuilt(ItemApproved)
_returned = _prebuilt(ItemReturned)
_referred = _prebuilt(ItemReferred)
_resumed = _prebuilt(ItemResumed)
_published = _prebuilt(ItemPublished)
_archived = _prebuilt(ItemArchived)
_withdrawn = _prebuilt(ItemWithdrawn)
_abolished = _prebuilt(ItemAbolished)
_expired = _prebuilt(ItemExpired)
_retracted = _prebuilt(ItemRetracted)


@final
class _Move:
    """One step of one chain version, worked out once per workflow: what every fire of it reads.

    Built on the first fire from (chain version, state, action) and reused: the chain and the
    machine never change for a version, and the bureau's section binding is dropped with the
    table when the workflow's ``bureau`` (or ``chains``) is replaced.
    """

    __slots__ = (
        "action_value",
        "chain",
        "countersign",
        "hashes",
        "item_section",
        "own_item",
        "rules",
        "section",
        "section_leader",
        "step",
        "trigger",
    )

    def __init__(self, chain: ChainDefinition, step: Step, machine: Machine, section: str | None) -> None:
        self.chain = chain
        self.step = step
        action = step.action
        self.action_value: str = action.value
        #: The machine's event for the step's own trigger (a resubmission or a partial
        #: countersignature fires another one, looked up then); ``None`` if the machine has none.
        self.trigger: Any = machine.events.get(self.action_value)
        #: The section holders of the step's role must act from (``Scope.ANY`` steps only).
        self.section = section
        self.own_item = step.scope is Scope.OWN_ITEM
        self.item_section = step.scope is Scope.ITEM_SECTION
        self.section_leader = step.scope is Scope.SECTION_LEADER
        self.countersign = chain.stage(step.source).countersign
        #: Submit and publish recompute the content hash instead of trusting the stored one.
        self.hashes = action is _SUBMIT or action is _PUBLISH
        #: Steps with rules of their own in :meth:`Workflow._check_rules`.
        self.rules = self.hashes or action is _FILE


def _compile(chain: ChainDefinition) -> Machine:
    transitions: list[dict[str, Any]] = [
        {"trigger": step.action.value, "source": step.source, "dest": step.dest} for step in chain.steps
    ]
    for target in dict.fromkeys(chain.return_targets()):
        transitions.append({"trigger": _RESUME_PREFIX + target, "source": chain.initial, "dest": target})
    for stage in chain.stages:
        if stage.countersign:
            transitions.append({"trigger": _COUNTERSIGN, "source": stage.name, "dest": None})
    return Machine(
        model=None,
        states=[stage.name for stage in chain.stages],
        transitions=transitions,
        initial=chain.initial,
        auto_transitions=False,
    )


#: The fields of :class:`~gongkai_flow.events.Event` after ``event_id``, in declaration order:
#: item_id, chain_id, chain_version, action, from_state, to_state, actor_id, at, content_hash.
_EventBase = tuple[str, str, int, str, str, str, str, datetime, str]


def _copy_state(item: DisclosureItem) -> dict[str, Any]:
    """A copy of ``item``'s fields (and its content memo) to change and hand to :func:`_item_from`."""
    return item.__dict__.copy()  # one step: the dict is cloned, not rebuilt key by key


# An item under construction: the same layout as DisclosureItem, with plain attribute assignment
# (see _prebuilt for why it is built this way and then made a DisclosureItem).
_BuildingItem = type(
    "_BuildingItem",
    (DisclosureItem,),
    {"__init__": object.__init__, "__setattr__": object.__setattr__, "__delattr__": object.__delattr__},
)


def _item_from(state: dict[str, Any]) -> DisclosureItem:
    """The item whose fields are ``state``: ``attrs.evolve`` without re-running the converters.

    Only for values the engine builds itself, already in canonical form: evolve re-converting
    every field cost more than the state machine itself.
    """
    new: DisclosureItem = _BuildingItem()
    new.__dict__ = state
    new.__class__ = DisclosureItem
    return new


def _replace(item: DisclosureItem, changes: Mapping[str, Any]) -> DisclosureItem:
    """``item`` with ``changes``, built like :func:`_item_from`."""
    state = _copy_state(item)
    state.update(changes)
    return _item_from(state)


def item_kind(kind: ItemKind | str) -> ItemKind:
    """``kind`` as an :class:`ItemKind`: a member, or a member's value or Chinese label."""
    if isinstance(kind, ItemKind):
        return kind
    try:
        member: ItemKind = ItemKind.from_label(kind)
    except KeyError:
        raise errors.InvalidFieldError(f"“{kind}”不是有效的信息类别。", field="kind") from None
    return member


#: Random bytes read from the OS at once for ids (256 ids): a system call per id cost a tenth of
#: a transition.
_ID_BATCH: Final = 4096

# The current batch, as hex, and the offsets of its unused ids.
_id_pool: tuple[str, Iterator[int]] = ("", iter(()))


def _new_id() -> str:
    # 128 random bits as hex, like uuid4().hex without building a UUID object. Each id takes its
    # own 32 hex digits of the batch: the offsets come from an iterator, and ``next`` on it is
    # atomic, so two threads never take the same ones (racing refills each read their own batch).
    global _id_pool
    digits, offsets = _id_pool
    offset = next(offsets, -1)
    if offset < 0:
        digits, offsets = _id_pool = (os.urandom(_ID_BATCH).hex(), iter(range(0, 2 * _ID_BATCH, 32)))
        offset = next(offsets)
    return digits[offset : offset + 32]


def _drop_id_pool() -> None:
    # A forked child must not hand out the ids its parent's batch still holds.
    global _id_pool
    _id_pool = ("", iter(()))


os.register_at_fork(after_in_child=_drop_id_pool)


def _check_version(item: DisclosureItem, expected_version: int | None) -> None:
    """Refuse an action on a form that showed another version of the item than the one read."""
    if expected_version is not None and item.version != expected_version:
        raise errors.stale_item(item.title, item.id, expected_version=expected_version, current_version=item.version)


# Filters over an item's signatures and overrides, as functions of their own: a comprehension
# inside the hot methods would make each variable it reads a cell, built on every call.


def _bound_to(overrides: tuple[Override, ...], content_hash: str) -> tuple[Override, ...]:
    """The overrides given for the content with ``content_hash``."""
    return tuple(o for o in overrides if o.content_hash == content_hash)


def _honoured(kept: tuple[Override, ...], requested: Mapping[str, str]) -> set[str]:
    """The rule ids overridden for this content: kept from before and asked for now."""
    return {o.rule_id for o in kept} | set(requested)


def _stages_signed(signatures: tuple[Signature, ...], content_hash: str) -> set[str]:
    """The stages with a signature on the content with ``content_hash``."""
    return {s.stage for s in signatures if s.content_hash == content_hash}


def _signed_elsewhere(signatures: tuple[Signature, ...], content_hash: str, stage: str) -> tuple[Signature, ...]:
    """The signatures on this content at stages other than ``stage``."""
    return tuple(s for s in signatures if s.content_hash == content_hash and s.stage != stage)


def _without_signature(signatures: tuple[Signature, ...], actor_id: str, stage: str) -> tuple[Signature, ...]:
    """The signatures but ``actor_id``'s at ``stage``."""
    return tuple(s for s in signatures if s.actor_id != actor_id or s.stage != stage)


def _sections_signed(signatures: tuple[Signature, ...], stage: str, content_hash: str) -> set[str]:
    """The sections with a signature at ``stage`` on the content with ``content_hash``."""
    return {s.section for s in signatures if s.stage == stage and s.content_hash == content_hash}


#: The default clock: ``datetime.now(UTC)``, called without a Python frame of its own.
_utcnow: Final[Callable[[], datetime]] = functools.partial(datetime.now, UTC)


def validate_form(item: DisclosureItem) -> None:
    """Check the review form's own rules; raise the matching typed error on the first breach."""
    if not item.title.strip():
        raise errors.InvalidFieldError("信息名称不能为空。", item_id=item.id, field="title")
    if not item.sections or not all(s.strip() for s in item.sections):
        raise errors.InvalidFieldError("请填写责任科室。", item_id=item.id, field="sections")
    if item.attribute is None:
        raise errors.AttributeRequiredError(
            f"{quote_title(item.title)}未选择公开属性：请在主动公开、依申请公开、不予公开中选择一项。",
            item_id=item.id,
        )
    if item.attribute is _WITHHELD:
        if item.withheld_category is None:
            raise errors.WithheldCategoryRequiredError(
                f"{quote_title(item.title)}拟不予公开，须选择负面清单类别并说明理由。", item_id=item.id
            )
        if not (item.withheld_reason or "").strip():
            raise errors.WithheldCategoryRequiredError(
                f"{quote_title(item.title)}拟不予公开，须依法依规说明不予公开的理由。", item_id=item.id
            )
    elif item.withheld_category is not None:
        raise errors.InvalidFieldError(
            f"{quote_title(item.title)}不是不予公开信息，不应填写负面清单类别。",
            item_id=item.id,
            field="withheld_category",
        )
    if item.source is _REPRINT and not (item.source_name or "").strip():
        raise errors.ReprintSourceRequiredError(
            f"{quote_title(item.title)}是转载信息，须注明转载来源。", item_id=item.id
        )
    if item.classified and item.attribute is _PROACTIVE:
        raise errors.ClassifiedItemError(f"{quote_title(item.title)}涉密，不能主动公开。", item_id=item.id)
    if item.attribute is not _PROACTIVE and not item.platforms.isdisjoint(PUBLIC_PLATFORMS):
        public = item.platforms & PUBLIC_PLATFORMS
        names = "、".join(sorted(p.label for p in public))
        raise errors.NotProactiveError(
            f"{quote_title(item.title)}的公开属性是“{item.attribute.label}”，只有主动公开信息才能发布到{names}。",
            item_id=item.id,
        )
    if item.normative is not None and item.kind is not _POLICY_DOCUMENT:
        raise errors.InvalidFieldError(
            f"{quote_title(item.title)}是{item.kind.label}，“是否行政规范性文件”只对政策文件填写。",
            item_id=item.id,
            field="normative",
        )
    if item.kind is _INTERPRETATION and not item.policy_id and policy_reference(item) is None:
        raise errors.PolicyLinkRequiredError(
            f"政策解读{quote_title(item.title)}须关联所解读的政策文件；解读其他机关制发或系统外起草的政策时，"
            "须填写该政策的标题（source_name）和文号或网址（document_number）。",
            item_id=item.id,
        )


def policy_reference(item: DisclosureItem) -> tuple[str, str] | None:
    """The (title, 文号 or URL) of the policy an interpretation explains when it is not in the system.

    An interpretation that links to no stored 政策文件 names its policy by ``source_name`` (title) and
    ``document_number`` (文号 or web address); ``None`` when it links to a stored one or names none.
    """
    if item.kind is not _INTERPRETATION or item.policy_id:
        return None
    title, number = (item.source_name or "").strip(), (item.document_number or "").strip()
    return (title, number) if title and number else None


def check_interpreter(policy: DisclosureItem, actor: Actor, title: str) -> None:
    """谁起草、谁解读: ``actor`` drafting the interpretation ``title`` must be of a section of ``policy``."""
    if actor.section not in policy.sections:
        raise errors.InterpreterSectionError(
            f"按照“谁起草、谁解读”，{quote_title(title)}须由政策文件{quote_title(policy.title)}的起草科室"
            f"（{'、'.join(policy.sections)}）起草，{actor.name}属于{actor.section}。",
            actor_id=actor.id,
            policy_id=policy.id,
        )


def check_interpretation_order(item: DisclosureItem, policy: DisclosureItem | None) -> None:
    """An interpretation is published with or after its policy: refuse while the policy is unpublished.

    ``policy`` is the stored item ``item.policy_id`` names (``None`` if it is missing, which is
    refused too). Items that are not interpretations of a stored policy pass.
    """
    if item.kind is not ItemKind.POLICY_INTERPRETATION or not item.policy_id:
        return
    if policy is None or policy.id != item.policy_id:
        raise errors.PolicyLinkRequiredError(
            f"政策解读{quote_title(item.title)}关联的政策文件“{item.policy_id}”不存在，不能发布。", item_id=item.id
        )
    if policy.state != "published":
        raise errors.PolicyNotPublishedError(
            f"政策解读{quote_title(item.title)}须与政策文件{quote_title(policy.title)}同步或在其后发布："
            "政策文件尚未发布。",
            item_id=item.id,
            policy_id=policy.id,
        )


@final
class Workflow:
    """The review chain engine: pure decisions, no storage, no effects.

    ``chains`` are the chain definitions (every version); ``clock`` and ``new_id`` are
    injectable for tests. Plugins connect to the signals with this workflow as sender.
    ``bureau`` says which section each review role acts from (default: the packaged
    configuration, see ``docs/configuration.md``): an actor from another section is refused with
    ``WrongSectionError``.
    """

    def __init__(
        self,
        chains: ChainSet | None = None,
        *,
        clock: Callable[[], datetime] = _utcnow,
        new_id: Callable[[], str] = _new_id,
        require_content_guard: bool = True,
        bureau: BureauConfig | None = None,
    ) -> None:
        self.chains = chains if chains is not None else ChainSet.standard()
        self.bureau = bureau if bureau is not None else default_bureau()
        #: Names of the plugins that check content before it reaches the public (``negative_list``
        #: declares itself here). Publishing to a public platform needs one, unless the host sets
        #: ``require_content_guard=False`` — each such publication is then audited as an override.
        self.content_guards: dict[str, ContentGuard] = {}
        #: The rule ids the enabled check plugins can report, by plugin (``registry.declare_rules``).
        #: Once any plugin declared its rules, an override naming another id is refused — a
        #: misspelled id would otherwise be ignored and leave the block in place unexplained.
        self.known_rules: dict[str, frozenset[str]] = {}
        self.require_content_guard = require_content_guard
        self.clock = clock
        self.new_id = new_id
        self._machines: dict[tuple[str, int], Machine] = {}
        for chain in self.chains:
            self._machine(chain)
        # (chain id, version, state, action value) -> _Move, valid for these chains and bureau.
        self._moves: dict[tuple[str, int, str, str], _Move] = {}
        self._moves_for: tuple[ChainSet, BureauConfig] = (self.chains, self.bureau)

    def _machine(self, chain: ChainDefinition) -> Machine:
        key = (chain.id, chain.version)
        machine = self._machines.get(key)
        if machine is None:
            machine = self._machines[key] = _compile(chain)
        return machine

    def advance(
        self,
        chain: ChainDefinition,
        state: str,
        trigger: str,
        *,
        version: int | None = None,
        expected_version: int | None = None,
        subject: str = "该事项",
    ) -> str:
        """Fire ``trigger`` from ``state`` on the chain's shared machine; return the new state.

        The building block every subject type uses (items here, applications in
        :mod:`gongkai_flow.requests`): the caller has already authorized the move.
        ``expected_version`` is the version of the subject the user saw: when it is given and is
        not ``version`` (the stored one), the move is refused with ``StaleItemError`` before
        anything happens; ``subject`` names it in the message (「申请“…”」).
        """
        if expected_version is not None and version != expected_version:
            raise errors.StaleItemError(
                f"{subject}已被他人处理，您看到的是第{expected_version}版，当前为第{version}版，请刷新后重试。",
                expected_version=expected_version,
                current_version=version,
            )
        token = _Token(state)
        try:
            self._machine(chain).events[trigger].trigger(token)
        except (MachineError, KeyError) as exc:  # the chain and the machine disagree: a definition bug
            raise errors.ActionNotAvailableError(
                f"审核流程“{chain.label}”的“{state}”环节不能执行“{trigger}”。", state=state
            ) from exc
        return token.state

    def _move(self, item: DisclosureItem, action: Action) -> _Move:
        """The step ``action`` takes from ``item``'s state, or the refusal ``chain_of``/``_step`` raise."""
        chains, bureau = self._moves_for
        if chains is not self.chains or bureau is not self.bureau:
            self._moves = {}
            self._moves_for = (self.chains, self.bureau)
        # Keyed by the action's value: a str hashes in C, an Enum member in Python.
        key = (item.chain_id, item.chain_version, item.state, action._value_)
        move = self._moves.get(key)
        if move is None:
            chain = self.chain_of(item)
            step = self._step(chain, item, action)
            section = self.bureau.section_for(chain.id, step.role) if step.scope is Scope.ANY else None
            move = self._moves[key] = _Move(chain, step, self._machine(chain), section)
        return move

    def chain_of(self, item: DisclosureItem) -> ChainDefinition:
        """The exact chain version ``item`` runs on."""
        return self.chains.get(item.chain_id, item.chain_version)

    def stage_label(self, item: DisclosureItem, state: str | None = None) -> str:
        """The Chinese label of ``item``'s stage (「法律法规审核」), or of ``state`` on its chain.

        A state the item's chain version does not name (a custom terminal state) is shown as is.
        """
        chain = self.chain_of(item)
        name = item.state if state is None else state
        return chain.stage(name).label if chain.has_stage(name) else name

    # -- creating and editing ------------------------------------------------------------

    def draft(
        self,
        actor: Actor,
        *,
        title: str,
        kind: ItemKind | str,
        body: str,
        sections: Iterable[str] | None = None,
        item_id: str | None = None,
        **fields: Any,
    ) -> Outcome:
        """A drafter (承办人) creates an item with the review form's fields.

        ``kind`` is an :class:`ItemKind` or its value or Chinese label (``"news"``, ``"新闻宣传"``);
        any other text is refused with ``form.invalid_field``.
        """
        kind = item_kind(kind)
        check_actor(actor)
        given = {"title": title, "kind": kind, "body": body, "sections": sections, "item_id": item_id}
        check_item_fields({**given, **fields})
        if not actor.has_role(Role.DRAFTER):
            raise errors.RoleRequiredError(
                f"{actor.name}没有“{Role.DRAFTER.label}”角色，不能起草信息。", actor_id=actor.id
            )
        sections = tuple(sections) if sections is not None else (actor.section,)
        if actor.section not in sections:
            raise errors.SectionScopeError(
                f"{actor.name}属于{actor.section}，只能为本科室起草信息。", actor_id=actor.id
            )
        unknown = set(fields) - EDITABLE_FIELDS
        if unknown:
            raise errors.InvalidFieldError(f"无法识别的字段：{'、'.join(sorted(unknown))}。", field=sorted(unknown)[0])
        chain = self.chains.for_kind(kind)
        now = self.clock()
        try:
            item = DisclosureItem(
                id=item_id or self.new_id(),
                title=title,
                kind=kind,
                body=body,
                drafter_id=actor.id,
                sections=sections,
                created_at=now,
                formed_on=fields.pop("formed_on", None) or now.date(),
                state=chain.initial,
                chain_id=chain.id,
                chain_version=chain.version,
                version=1,
                **fields,
            )
        except (TypeError, ValueError) as exc:
            raise errors.InvalidFieldError(f"表单字段有误：{exc}") from exc
        validate_form(item)
        content_hash = compute_content_hash(item)
        item = _replace(item, {"content_hash": content_hash, _FORM_CHECKED: item.__dict__[_MEMO]})
        event_id = self.new_id()
        event = ItemDrafted(
            event_id=event_id,
            item_id=item.id,
            chain_id=chain.id,
            chain_version=chain.version,
            action="draft",
            from_state=chain.initial,
            to_state=chain.initial,
            actor_id=actor.id,
            at=now,
            content_hash=item.content_hash,
            title=item.title,
        )
        entry = self._audit(item, actor, Role.DRAFTER, "draft", "起草", chain.initial, chain.initial, now, event_id)
        return Outcome(item=item, previous_version=None, events=(event,), audit=(entry,))

    def edit(
        self, item: DisclosureItem, actor: Actor, *, expected_version: int | None = None, **changes: Any
    ) -> Outcome:
        """The drafter changes content while the item is with them; approvals then need the new hash.

        ``expected_version``: the version the drafter's form showed; see :meth:`fire`.
        """
        check_actor(actor)
        check_int("expected_version", "版本号", expected_version, minimum=0, maximum=2**31 - 1, optional=True)
        check_item_fields(changes)
        _check_version(item, expected_version)
        chain = self.chain_of(item)
        if item.state != chain.initial:
            raise errors.NotEditableError(
                f"{quote_title(item.title)}当前处于“{chain.stage(item.state).label}”，只有退回承办人后才能修改。",
                item_id=item.id,
                state=item.state,
            )
        if actor.id != item.drafter_id:
            raise errors.NotDrafterError(f"只有承办人本人可以修改{quote_title(item.title)}。", item_id=item.id)
        unknown = set(changes) - EDITABLE_FIELDS
        if unknown:
            raise errors.InvalidFieldError(f"无法修改的字段：{'、'.join(sorted(unknown))}。", item_id=item.id)
        try:
            edited = attrs.evolve(item, **changes)
        except (TypeError, ValueError) as exc:
            raise errors.InvalidFieldError(f"表单字段有误：{exc}", item_id=item.id) from exc
        validate_form(edited)
        if actor.section not in edited.sections:
            raise errors.SectionScopeError(
                f"{actor.name}属于{actor.section}，修改后的责任科室须包含本科室。", item_id=item.id, actor_id=actor.id
            )
        new_hash = compute_content_hash(edited)
        changed = tuple(name for name in sorted(changes) if getattr(item, name) != getattr(edited, name))
        now = self.clock()
        edited = attrs.evolve(edited, content_hash=new_hash, version=item.version + 1)
        event_id = self.new_id()
        event = ItemEdited(
            event_id=event_id,
            item_id=item.id,
            chain_id=item.chain_id,
            chain_version=item.chain_version,
            action="edit",
            from_state=item.state,
            to_state=item.state,
            actor_id=actor.id,
            at=now,
            content_hash=new_hash,
            changed_fields=changed,
        )
        entry = self._audit(edited, actor, Role.DRAFTER, "edit", "修改", item.state, item.state, now, event_id)
        return Outcome(item=edited, previous_version=item.version, events=(event,), audit=(entry,))

    # -- firing ---------------------------------------------------------------------------

    def fire(
        self,
        item: DisclosureItem,
        action: Action,
        actor: Actor,
        *,
        opinion: str | None = None,
        overrides: Mapping[str, str] | None = None,
        blobs: BlobReader | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        """Take ``action`` on ``item`` as ``actor``; return the outcome or raise a typed error.

        Refusals raise before anything is built, so a refused action leaves no trace.
        ``expected_version`` is the version the user's form showed (carried in the form): when
        given and ``item`` is at another version, someone acted meanwhile and the action is
        refused with ``StaleItemError`` first — before any role or state check, so a double
        submit is answered 「已被他人处理」 rather than with a confusing refusal. The outcome
        then records ``expected_version`` as the version read, so a save racing another
        transaction is refused by storage too.
        ``overrides`` (rule id → reason) lets an attribute reviewer pass the blocking findings of
        those rules; each one used is recorded on the audit entry and on the item, bound to the
        content hash, and later stages (publication) honour it while the content is unchanged.
        """
        if _CHECKED_ACTORS.get(id(actor)) is not actor:  # check_actor's own first test, without the call
            check_actor(actor)
        if expected_version is not None:
            check_int("expected_version", "版本号", expected_version, minimum=0, maximum=2**31 - 1)
        if opinion is not None:
            check_text("opinion", opinion)
        if not isinstance(action, Action):
            raise errors.InvalidFieldError(
                f"操作须为 Action，不能是 {type(action).__name__}。", field="action", label="操作"
            )
        if overrides:
            if not isinstance(overrides, Mapping):
                raise errors.InvalidFieldError("放行须为“规则编号→理由”的对照表。", field="overrides", label="放行")
            for rule_id, reason in overrides.items():
                check_text("override_rule", rule_id)
                check_text("override_reason", reason)
        if expected_version is not None:
            _check_version(item, expected_version)
        move = self._moves.get((item.chain_id, item.chain_version, item.state, action._value_))
        if move is None or self._moves_for[0] is not self.chains or self._moves_for[1] is not self.bureau:
            move = self._move(item, action)
        chain = move.chain
        step = move.step
        self._authorize(move, item, actor)
        opinion = (opinion.strip() or None) if opinion else None
        if step.opinion_required and opinion is None:
            raise errors.OpinionRequiredError(f"{action.label}须填写意见。", item_id=item.id, action=action.value)
        requested = self._requested_overrides(item, actor, overrides) if overrides else _NO_OVERRIDES
        if requested and self.known_rules:
            self._check_override_ids(item, requested)
        # Submit and publish recompute the hash: the stored one is only trusted up to here (the
        # item keeps it with the content it was computed from, so unchanged content is not rehashed).
        current_hash = compute_content_hash(item) if move.hashes else item.content_hash
        if move.rules:
            self._check_rules(chain, step, item, current_hash, hashed=move.hashes)

        now = self.clock()
        trigger, signatures, returned = self._route(move, item, actor, current_hash, opinion, now)
        kept = _bound_to(item.overrides, current_hash) if item.overrides else ()
        honoured = _honoured(kept, requested) if kept or requested else _NOTHING_HONOURED
        unguarded = action is _PUBLISH and not item.platforms.isdisjoint(PUBLIC_PLATFORMS) and not self.content_guards
        if unguarded and self.require_content_guard:
            raise errors.ContentGuardMissingError(
                f"《{item.title}》要发布到{'、'.join(sorted(p.label for p in item.platforms & PUBLIC_PLATFORMS))}，"
                "但未启用发布前内容检查（负面清单）。请启用 negative_list 插件；确需关闭的，"
                "由系统配置 require_content_guard=False 明确关闭（每次发布都会记入审核记录）。",
                item_id=item.id,
                action=action.value,
            )
        findings: tuple[Finding, ...] = ()
        # The receivers list first: an empty one answers without blinker's per-sender lookup.
        if transition_requested.receivers and transition_requested.has_receivers_for(self):
            findings = self._run_checks(item, action, actor, step.dest, opinion, honoured=honoured, blobs=blobs)
        if item.kind is _INTERPRETATION:
            findings = self._with_builtin_findings(step, item, honoured, findings)

        from_state = item.state
        token = _new_token(_Token)  # no __init__ frame: the slot is set next
        token.state = from_state
        try:
            event = move.trigger if trigger is None else self._machine(chain).events.get(trigger)
            if event is None:
                raise KeyError(trigger)
            event.trigger(token)
        except (MachineError, KeyError) as exc:  # the chain and the machine disagree: a definition bug
            name = move.action_value if trigger is None else trigger
            raise errors.ActionNotAvailableError(
                f"审核流程“{chain.label}”的“{from_state}”环节不能执行“{name}”。", state=from_state
            ) from exc
        new_overrides = self._record_overrides(item, actor, requested, findings, current_hash, now) if requested else ()
        if unguarded:
            # The host switched the content guard off: say so on the record of this publication.
            new_overrides = (
                *new_overrides,
                Override(
                    rule_id=CONTENT_GUARD_OFF,
                    reason="系统配置关闭了发布前内容检查（require_content_guard=False）",
                    actor_id=actor.id,
                    actor_name=actor.name,
                    stage=from_state,
                    content_hash=current_hash,
                    at=now,
                    message="发布时未经负面清单等内容检查",
                ),
            )
        state = _copy_state(item)
        state["state"] = token.state
        state["version"] = item.version + 1
        state["signatures"] = signatures
        state["returned"] = returned
        state["content_hash"] = current_hash
        state["overrides"] = (*kept, *new_overrides) if new_overrides else kept
        if action is _PUBLISH:
            state["published_at"] = now
        elif action is _CLASSIFY:
            state.update(
                classified=True,
                attribute=DisclosureAttribute.WITHHELD,
                withheld_category=NegativeListCategory.STATE_SECURITY,
                withheld_reason=opinion,
                platforms=frozenset(),
            )
        new_item = _item_from(state)
        if action is _CLASSIFY:
            new_item = attrs.evolve(new_item, content_hash=compute_content_hash(new_item))

        base_id = self.new_id()
        applied_id = f"{base_id}-0"
        events = self._events(applied_id, f"{base_id}-1", from_state, new_item, move, actor, now, opinion, trigger)
        entry = _audit_entry(  # every field, in declaration order
            new_item.id,
            move.action_value,
            actor.id,
            actor.name,
            step.role,
            actor.section,
            from_state,
            new_item.state,
            action.label,
            current_hash or new_item.content_hash,
            now,
            applied_id,
            opinion,
            step.signs,
            new_overrides,
            None,
        )
        return _outcome(new_item, item.version, events, (entry,), findings)

    def check_output(
        self,
        item: DisclosureItem,
        parts: Sequence[tuple[str, str]],
        files: Sequence[tuple[Attachment, bytes]] = (),
    ) -> None:
        """The last gate for this workflow's declared content guards (see :func:`gate_output`)."""
        gate_output(self.content_guards, item, parts, files, required=self.require_content_guard)

    def available_actions(self, item: DisclosureItem, actor: Actor) -> tuple[ActionOption, ...]:
        """Every action of the item's chain, and whether ``actor`` may take it now; if not, why.

        Check-phase plugins are not consulted: a blocking finding shows only when firing.
        """
        chain = self.chain_of(item)
        options = []
        for action in chain.actions:
            try:
                step = self._may(item, actor, action)
            except errors.WorkflowError as exc:
                options.append(ActionOption(action, False, exc.message, exc.code))
            else:
                options.append(ActionOption(action, True, opinion_required=step.opinion_required))
        return tuple(options)

    def allowed_actions(self, item: DisclosureItem, actor: Actor, actions: Iterable[Action]) -> frozenset[Action]:
        """Which of ``actions`` ``actor`` may take on ``item`` now: :meth:`available_actions`' answer, for a few.

        The same checks in the same order, asked only about the actions given (the worklist asks
        about the steps out of the item's stage, not the whole chain) and without the reasons.
        """
        allowed = set()
        for action in actions:
            try:
                self._may(item, actor, action)
            except errors.WorkflowError:
                continue
            allowed.add(action)
        return frozenset(allowed)

    def _may(self, item: DisclosureItem, actor: Actor, action: Action) -> Step:
        """The step ``action`` takes if ``actor`` may take it now; the refusal otherwise (no plugins asked)."""
        move = self._move(item, action)
        self._authorize(move, item, actor)
        current_hash = compute_content_hash(item) if action is Action.PUBLISH else item.content_hash
        self._check_rules(move.chain, move.step, item, current_hash)
        return move.step

    # -- the rules ------------------------------------------------------------------------

    def _step(self, chain: ChainDefinition, item: DisclosureItem, action: Action) -> Step:
        step = chain.step(item.state, action)
        if step is None:
            label = self.stage_label(item)
            raise errors.ActionNotAvailableError(
                f"{quote_title(item.title)}当前处于“{label}”环节，不能进行“{action.label}”操作。",
                item_id=item.id,
                state=item.state,
                action=action.value,
            )
        return step

    @staticmethod
    def _authorize(move: _Move, item: DisclosureItem, actor: Actor) -> None:
        chain = move.chain
        step = move.step
        action = step.action
        if step.role not in actor.roles:
            raise errors.RoleRequiredError(
                f"{actor.name}没有“{step.role.label}”角色，不能对{quote_title(item.title)}进行“{action.label}”操作。",
                item_id=item.id,
                actor_id=actor.id,
                action=action.value,
            )
        required = move.section
        if required is not None and actor.section != required:
            stage = chain.stage(item.state).label if chain.has_stage(item.state) else item.state
            raise errors.WrongSectionError(
                f"{actor.name}属于{actor.section}，{quote_title(item.title)}的“{stage}”环节须由{required}办理。",
                item_id=item.id,
                actor_id=actor.id,
                action=action.value,
                section=required,
                state=item.state,
            )
        if move.own_item:
            if actor.id != item.drafter_id:
                raise errors.NotDrafterError(
                    f"只有承办人本人可以对{quote_title(item.title)}进行“{action.label}”操作。",
                    item_id=item.id,
                    actor_id=actor.id,
                )
            return
        if actor.id == item.drafter_id:
            raise errors.SelfApprovalError(
                f"{actor.name}是{quote_title(item.title)}的承办人，不能审核自己起草的信息。",
                item_id=item.id,
                actor_id=actor.id,
            )
        if move.item_section and actor.section not in item.sections:
            raise errors.SectionScopeError(
                f"{actor.name}属于{actor.section}，不负责{quote_title(item.title)}（责任科室：{'、'.join(item.sections)}）。",
                item_id=item.id,
                actor_id=actor.id,
            )
        if move.section_leader and item.lead_section not in actor.in_charge_of:
            raise errors.SectionScopeError(
                f"{actor.name}不分管{item.lead_section}，不能审签{quote_title(item.title)}。",
                item_id=item.id,
                actor_id=actor.id,
            )
        if step.signs:
            for sig in item.signatures:
                if sig.actor_id != actor.id:
                    continue
                if sig.stage != item.state:
                    other = chain.stage(sig.stage).label if chain.has_stage(sig.stage) else sig.stage
                    raise errors.DuplicateSignerError(
                        f"{actor.name}已在{quote_title(item.title)}的“{other}”环节签字，同一人只能签一个环节。",
                        item_id=item.id,
                        actor_id=actor.id,
                    )
                if sig.content_hash == item.content_hash:
                    raise errors.DuplicateSignerError(
                        f"{actor.name}已在本环节签过字。", item_id=item.id, actor_id=actor.id
                    )

    @staticmethod
    def _builtin_findings(step: Step, item: DisclosureItem) -> tuple[Finding, ...]:
        """The engine's own overridable checks: an interpretation of a policy outside the system.

        It blocks the attribute reviewer's approval and the publication until 局办公室 confirms the
        exception (an override of :data:`EXTERNAL_POLICY_RULE` with a reason).
        """
        reference = policy_reference(item)
        if reference is None:
            return ()
        attribute_approval = step.action is Action.APPROVE and step.role is Role.ATTRIBUTE_REVIEWER
        if not (attribute_approval or step.action is Action.PUBLISH):
            return ()
        title, number = reference
        message = (
            f"政策解读{quote_title(item.title)}解读的是系统外的政策{quote_title(title)}（{number}），"
            f"须由{Role.ATTRIBUTE_REVIEWER.label}确认这一例外并说明理由"
        )
        return (
            Finding(
                rule_id=EXTERNAL_POLICY_RULE,
                severity=Severity.BLOCK,
                message=message,
                legal_basis="本局政务公开工作要点实施方案：谁起草、谁解读",
            ),
        )

    @classmethod
    def _with_builtin_findings(
        cls, step: Step, item: DisclosureItem, honoured: Set[str], findings: tuple[Finding, ...]
    ) -> tuple[Finding, ...]:
        """``findings`` with the engine's own in front; raise if one of them blocks and was not overridden."""
        builtin = cls._builtin_findings(step, item)
        if not builtin:
            return findings
        blocking = [f for f in builtin if f.rule_id not in honoured]
        if blocking:
            raise errors.TransitionBlockedError(
                "；".join(f.message for f in blocking), blocking, item_id=item.id, action=step.action.value
            )
        return (*builtin, *findings)

    def _check_rules(
        self, chain: ChainDefinition, step: Step, item: DisclosureItem, current_hash: str, *, hashed: bool = False
    ) -> None:
        """The rules of the step's own; ``hashed``: ``compute_content_hash(item)`` ran just before."""
        action = step.action
        if action is _SUBMIT:
            state = item.__dict__
            # The form's rules read content fields only: content that passed them (the same
            # content memo) passes again. The memo is current only right after the hash.
            memo = state.get(_MEMO) if hashed else None
            if memo is None or state.get(_FORM_CHECKED) is not memo:
                validate_form(item)
                if memo is not None:
                    state[_FORM_CHECKED] = memo
        elif action is _PUBLISH:
            if item.classified:
                raise errors.ClassifiedItemError(f"{quote_title(item.title)}涉密，不能发布。", item_id=item.id)
            if item.attribute is not _PROACTIVE:
                label = item.attribute.label if item.attribute else "未选择"
                raise errors.NotProactiveError(
                    f"{quote_title(item.title)}的公开属性是“{label}”，只能登记存档，不能发布。", item_id=item.id
                )
            signed = _stages_signed(item.signatures, current_hash)
            for stage in chain.required_signatures:
                if stage not in signed:
                    raise errors.ContentChangedError(
                        f"{quote_title(item.title)}缺少“{chain.stage(stage).label}”环节对当前内容的签字："
                        "内容在签字后被改动过，须退回重新审核。",
                        item_id=item.id,
                        state=stage,
                    )
        elif action is _FILE and item.attribute is _PROACTIVE:
            raise errors.ProactiveMustPublishError(
                f"{quote_title(item.title)}是主动公开信息，应当发布，不能只登记存档。", item_id=item.id
            )

    @staticmethod
    def _route(
        move: _Move,
        item: DisclosureItem,
        actor: Actor,
        current_hash: str,
        opinion: str | None,
        now: datetime,
    ) -> tuple[str | None, tuple[Signature, ...], ReturnMark | None]:
        """Which trigger to fire, and the signatures and return mark the item will carry.

        The trigger is ``None`` for the step's own one (``move.trigger``), else its name.
        """
        step = move.step
        action = step.action
        trigger: str | None = None
        signatures = item.signatures
        returned = item.returned
        state = item.state
        if action is _SUBMIT:
            if returned is not None and returned.content_hash == current_hash:
                trigger = _RESUME_PREFIX + returned.stage
                # Signatures are bound to content: those given to other content are void.
                signatures = _signed_elsewhere(signatures, current_hash, state)
            else:
                signatures = ()
            returned = None
        elif action is _RETURN:
            returned = ReturnMark(state, actor.id, current_hash, opinion or "")
        if step.signs:
            signature = _signature(state, step.role, actor.id, actor.name, actor.section, current_hash, now, opinion)
            actor_id = actor.id
            for s in signatures:
                if s.actor_id == actor_id and s.stage == state:  # re-signing: replace
                    signatures = _without_signature(signatures, actor_id, state)
                    break
            signatures += (signature,)
            if move.countersign and not _sections_signed(signatures, state, current_hash).issuperset(item.sections):
                trigger = _COUNTERSIGN
        return trigger, signatures, returned

    @staticmethod
    def _requested_overrides(item: DisclosureItem, actor: Actor, overrides: Mapping[str, str] | None) -> dict[str, str]:
        """The overrides asked for, checked: only an attribute reviewer, each with a reason."""
        if not overrides:
            return {}
        if not actor.has_role(Role.ATTRIBUTE_REVIEWER):
            raise errors.OverrideNotAllowedError(
                f"{actor.name}不是“{Role.ATTRIBUTE_REVIEWER.label}”，不能解除{quote_title(item.title)}发布前检查的阻断。",
                item_id=item.id,
                actor_id=actor.id,
            )
        requested: dict[str, str] = {}
        for rule_id, reason in overrides.items():
            text = reason.strip() if isinstance(reason, str) else ""
            if not isinstance(rule_id, str) or not rule_id.strip() or not text:
                raise errors.OverrideReasonRequiredError(
                    f"解除检查规则“{rule_id}”的阻断须填写理由。", item_id=item.id, rule_id=str(rule_id)
                )
            requested[rule_id.strip()] = text
        return requested

    def _check_override_ids(self, item: DisclosureItem, requested: Mapping[str, str]) -> None:
        """Refuse an override naming a rule no enabled check plugin has (a misspelled id)."""
        # The chain's own rules (the external-policy exception) are always known.
        known = frozenset({EXTERNAL_POLICY_RULE}).union(*self.known_rules.values())
        unknown = sorted(rule_id for rule_id in requested if rule_id not in known)
        if unknown:
            raise errors.UnknownOverrideRuleError(
                f"要解除的检查规则“{'、'.join(unknown)}”不存在（已启用的检查规则中没有这个编号），"
                "请核对规则编号；编号见检查结果中的“规则”一栏。",
                item_id=item.id,
                rule_id=unknown[0],
            )

    @staticmethod
    def _record_overrides(
        item: DisclosureItem,
        actor: Actor,
        requested: Mapping[str, str],
        findings: tuple[Finding, ...],
        content_hash: str,
        now: datetime,
    ) -> tuple[Override, ...]:
        """The overrides that let a blocking finding pass in this transition, to be audited."""
        recorded = []
        for rule_id, reason in requested.items():
            passed = [f.message for f in findings if f.blocking and f.rule_id == rule_id]
            if passed:
                recorded.append(
                    Override(
                        rule_id=rule_id,
                        reason=reason,
                        actor_id=actor.id,
                        actor_name=actor.name,
                        stage=item.state,
                        content_hash=content_hash,
                        at=now,
                        message="；".join(dict.fromkeys(passed)),
                    )
                )
        return tuple(recorded)

    def _run_checks(
        self,
        item: DisclosureItem,
        action: Action,
        actor: Actor,
        target: str,
        opinion: str | None,
        *,
        honoured: frozenset[str] | set[str] = frozenset(),
        blobs: BlobReader | None = None,
    ) -> tuple[Finding, ...]:
        if not transition_requested.has_receivers_for(self):
            return ()
        payload = TransitionRequested(
            item=item, action=action, actor=actor, target=target, opinion=opinion, blobs=blobs
        )
        findings: list[Finding] = []
        receiver: object = None
        try:
            for receiver, result in transition_requested.send(self, event=payload):
                if result is None:
                    continue
                if isinstance(result, Finding):  # a lone finding instead of a list: accept it
                    result = (result,)
                # Iterating inside the try: a generator receiver may raise only now.
                for finding in result:
                    if not isinstance(finding, Finding):
                        raise errors.CheckFailedError(
                            f"检查插件 {getattr(receiver, '__qualname__', receiver)!s} 返回了无法识别的结果。",
                            item_id=item.id,
                        )
                    findings.append(finding)
        except errors.GongkaiFlowError:
            raise
        except Exception as exc:  # fail closed: a broken check never lets content through
            raise errors.CheckFailedError(
                f"发布前检查出错（{type(exc).__name__}: {exc}），为安全起见本次操作未执行。",
                item_id=item.id,
                action=action.value,
            ) from exc
        blocking = [f for f in findings if f.blocking and f.rule_id not in honoured]
        if blocking:
            lines = "；".join(f.message for f in blocking)
            raise errors.TransitionBlockedError(
                f"{quote_title(item.title)}未通过发布前检查：{lines}", blocking, item_id=item.id, action=action.value
            )
        return tuple(findings)

    # -- building the record ----------------------------------------------------------------

    @staticmethod
    def _events(
        applied_id: str,
        specific_id: str,
        from_state: str,
        after: DisclosureItem,
        move: _Move,
        actor: Actor,
        now: datetime,
        opinion: str | None,
        trigger: str | None,
    ) -> tuple[Event, ...]:
        # Every field positionally, in declaration order: this runs on every transition, and
        # keyword or ``*`` expansion costs a third of building the object.
        item_id = after.id
        chain_id = after.chain_id
        version = after.chain_version
        action_value = move.action_value
        to_state = after.state
        actor_id = actor.id
        content_hash = after.content_hash
        applied = _applied(
            applied_id,
            item_id,
            chain_id,
            version,
            action_value,
            from_state,
            to_state,
            actor_id,
            now,
            content_hash,
            opinion,
        )
        step = move.step
        action = step.action
        specific: Event
        if action is _APPROVE:
            specific = _approved(
                specific_id,
                item_id,
                chain_id,
                version,
                action_value,
                from_state,
                to_state,
                actor_id,
                now,
                content_hash,
                step.source,
                opinion,
            )
        elif action is _SUBMIT:
            specific = _submitted(
                specific_id,
                item_id,
                chain_id,
                version,
                action_value,
                from_state,
                to_state,
                actor_id,
                now,
                content_hash,
                trigger is not None,
            )
        else:
            base: _EventBase = (
                item_id,
                chain_id,
                version,
                action_value,
                from_state,
                to_state,
                actor_id,
                now,
                content_hash,
            )
            specific = Workflow._specific_event(specific_id, step, after, opinion, base)
        return (applied, specific)

    @staticmethod
    def _specific_event(
        event_id: str,
        step: Step,
        item: DisclosureItem,
        opinion: str | None,
        base: _EventBase,
    ) -> Event:
        # The event of any step but approve and submit (built in ``_events``). ``base`` holds the
        # Event fields after event_id, in declaration order.
        text = opinion or ""
        action = step.action
        if action is _PUBLISH:
            # ``_value_`` is the member's value without the ``value`` descriptor's Python call.
            platforms = tuple(sorted(p._value_ for p in item.platforms))
            return _published(event_id, *base, item.title, item.kind._value_, item.column, platforms, item.policy_id)
        if action is _RETURN:
            return _returned(event_id, *base, step.source, text)
        if action is _REFER:
            return _referred(event_id, *base, text)
        if action is _RESUME:
            return _resumed(event_id, *base, text)
        if action is _FILE or action is _CLASSIFY:
            return _archived(event_id, *base, text or action.label)
        if action is _WITHDRAW:
            return _withdrawn(event_id, *base)
        if action is _ABOLISH:
            return _abolished(event_id, *base, text)
        if action is _EXPIRE:
            return _expired(event_id, *base, text)
        if action is _RETRACT:
            return _retracted(event_id, *base, text)
        raise AssertionError(step.action)  # pragma: no cover - every Action is matched above

    def _audit(
        self,
        item: DisclosureItem,
        actor: Actor,
        role: Role | None,
        action: str,
        decision: str,
        from_state: str,
        to_state: str,
        at: datetime,
        event_id: str,
        *,
        opinion: str | None = None,
        signed: bool = False,
        content_hash: str | None = None,
        overrides: tuple[Override, ...] = (),
    ) -> AuditEntry:
        return AuditEntry(  # positional, in field order: built on every action
            item.id,
            action,
            actor.id,
            actor.name,
            role,
            actor.section,
            from_state,
            to_state,
            decision,
            content_hash or item.content_hash,
            at,
            event_id,
            opinion,
            signed,
            overrides,
        )


def gate_output(
    guards: Mapping[str, ContentGuard],
    item: DisclosureItem,
    parts: Sequence[tuple[str, str]],
    files: Sequence[tuple[Attachment, bytes]] = (),
    *,
    required: bool = True,
) -> None:
    """The last gate: scan what is about to be written or sent for ``item``; raise if it must not go out.

    Every guard checks ``parts`` (rendered text, each with where it appears) and ``files``;
    blocking findings an attribute reviewer overrode for the item's current content pass, any
    other raises :class:`~gongkai_flow.errors.OutputBlockedError`. With no guard this fails closed
    (``ContentGuardMissingError``) unless ``required`` is false (the host switched the guard off).
    """
    if not guards:
        if required:
            raise errors.ContentGuardMissingError(
                f"{quote_title(item.title)}没有可用的发布前内容检查（负面清单），页面和推送内容不能发出。",
                item_id=item.id,
            )
        return
    honoured = {o.rule_id for o in item.overrides if o.content_hash == item.content_hash}
    blocking = [
        f
        for guard in guards.values()
        for f in guard.check_output(item, parts, files)
        if f.blocking and f.rule_id not in honoured
    ]
    if blocking:
        lines = "；".join(f.message for f in blocking[:5]) + ("……" if len(blocking) > 5 else "")
        raise errors.OutputBlockedError(
            f"{quote_title(item.title)}发布前的最后检查发现不可公开的内容，已停止发出：{lines}",
            blocking,
            item_id=item.id,
        )
