"""Who can act on an item now, as data a database can index (待办).

:meth:`Workflow.available_actions` is the reference: an actor has an item on their worklist when
one of the :data:`WORK_ACTIONS` is allowed for them. Asking the engine for every (item, actor)
pair does not scale to a million items, so on every save the repository stores *work rows*:
for each step that could move the item on, which role may act and within which scope (the
drafter; anyone; one section; the leader in charge of a section). The worklist query is then an
index lookup on (role, scope, key).

What the rows cannot say in advance — that one particular person is barred from signing because
they already signed another stage (one person signs one stage) — is kept on the row as the list
of ``blocked`` signers; a row whose steps include an unsigned one (a return, a referral) is
``open`` and ignores that list, exactly as the engine allows such a person to return the item.

The item-level rules (form validity before submit; attribute, secrecy and signatures before
publish; 主动公开 items are not filed) are taken from the engine itself: the rows are computed by
asking ``available_actions`` for a *probe* actor that satisfies the role and scope, so the two
never drift apart. The property tests compare the stored worklists with the engine's answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Final, NamedTuple, final

import attrs

from ..chain import Action, Scope, Step
from ..engine import Workflow
from ..model import Actor, DisclosureItem, ItemKind, Role

#: Actions that end an item early or take it down: they never put it on anyone's worklist.
ENDING_ACTIONS: Final = frozenset({"withdraw", "abolish", "expire", "retract", "abandon"})

#: Actions that move an item forward — submit, approve, return, refer, resume, classify, publish,
#: file, and any a later chain adds: what puts an item on someone's worklist (待办).
WORK_ACTIONS: Final = frozenset(a for a in Action if a.value not in ENDING_ACTIONS)

#: The id of the probe actor: never a real person (contains a NUL character).
_PROBE_ID: Final = "\x00gongkai-probe"


@final
@attrs.frozen
class WorkRow:
    """Holders of ``role`` within ``scope``/``key`` can act on the item now.

    ``key`` is the drafter's id (``own_item``), ``""`` (``any``), a section (``item_section``) or
    the lead section (``section_leader``). Unless the row is ``open``, the ``blocked`` actors
    (who signed another stage, or this stage for the current content) cannot act through it.
    """

    role: Role
    scope: Scope
    key: str
    open: bool
    blocked: tuple[str, ...] = ()

    @property
    def blocked_text(self) -> str:
        """``blocked`` encoded for a substring search in SQL (see :func:`blocked_token`)."""
        return "".join(blocked_token(actor_id) for actor_id in self.blocked)


class WorkItem(NamedTuple):
    """One line of a 待办 list: what a worklist screen shows, and the version its form carries.

    Worklists return these rather than whole items, so a list of a thousand lines reads a few
    columns per item instead of bodies, signatures and attachments. Open the item itself with
    ``get(work_item.id)``; carry ``version`` as the form's ``expected_version``.
    ``since`` is when the item began waiting (its last action), or ``None`` if unknown. A named
    tuple: immutable, and cheap to build by the thousand.
    """

    id: str
    title: str
    kind: ItemKind
    state: str
    chain_id: str
    chain_version: int
    sections: tuple[str, ...]
    drafter_id: str
    version: int
    since: datetime | None

    @property
    def lead_section(self) -> str:
        """The section that leads the item (the first of ``sections``)."""
        return self.sections[0] if self.sections else ""

    @classmethod
    def of(cls, item: DisclosureItem, since: datetime | None) -> WorkItem:
        """The worklist line of ``item``, waiting since ``since``."""
        return cls(
            item.id,
            item.title,
            item.kind,
            item.state,
            item.chain_id,
            item.chain_version,
            item.sections,
            item.drafter_id,
            item.version,
            since,
        )


def blocked_token(actor_id: str) -> str:
    """How an actor id appears inside :attr:`WorkRow.blocked_text`.

    Each id is JSON-encoded and the encodings concatenated: a quote inside an id is escaped, so
    ``'"a"'`` can only match the whole id ``a``, never a part of another id or a boundary.
    """
    return json.dumps(actor_id, ensure_ascii=False)


def _blocked_signers(item: DisclosureItem) -> tuple[str, ...]:
    # Mirrors Workflow._authorize: a signature at another stage bars the signer from signing here;
    # a signature at this stage bars them only while the content is the one they signed.
    return tuple(
        sorted({s.actor_id for s in item.signatures if s.stage != item.state or s.content_hash == item.content_hash})
    )


def work_rows(workflow: Workflow, item: DisclosureItem) -> tuple[WorkRow, ...]:
    """The work rows of ``item`` in its current state: who can move it on, and within which scope."""
    chain = workflow.chain_of(item)
    if chain.stage(item.state).terminal:
        return ()
    steps = [s for s in chain.steps_from(item.state) if s.action in WORK_ACTIONS]
    if not steps:
        return ()
    own = [s for s in steps if s.scope is Scope.OWN_ITEM]
    others = [s for s in steps if s.scope is not Scope.OWN_ITEM]
    allowed: list[tuple[Step, bool]] = []
    if own:
        # The drafter themself, holding exactly the roles of their own steps.
        probe = Actor(item.drafter_id, "", item.lead_section, {s.role for s in own})
        ok = workflow.allowed_actions(item, probe, {s.action for s in own})
        allowed.extend((s, True) for s in own if s.action in ok)
    # A role the bureau binds to one section (局办公室, 政策法规科…) acts only from there: its rows
    # are keyed on that section, like a section-scoped step.
    bound = {s: workflow.bureau.section_for(chain.id, s.role) if s.scope is Scope.ANY else None for s in others}
    for section in dict.fromkeys(bound.values()):
        group = [s for s in others if bound[s] == section]
        # Somebody who is not the drafter, in the item's lead section (or the bound one), in charge
        # of it, who has signed nothing: only the item-level rules can refuse them.
        roles = {s.role for s in group}
        probe = Actor(_PROBE_ID, "", section or item.lead_section, roles, in_charge_of={item.lead_section})
        ok = workflow.allowed_actions(item, probe, {s.action for s in group})
        # The one-signature rule applies to signing steps only (never to the drafter's own).
        allowed.extend((s, not s.signs) for s in group if s.action in ok)
    groups: dict[tuple[Role, Scope, str | None], bool] = {}
    for step, opens in allowed:
        key = (step.role, step.scope, bound.get(step))
        groups[key] = groups.get(key, False) or opens
    if not groups:
        return ()
    blocked = _blocked_signers(item)
    rows: list[WorkRow] = []
    for (role, scope, section), is_open in groups.items():
        keys = (section,) if section is not None else _scope_keys(item, scope)
        scope = Scope.ITEM_SECTION if section is not None else scope
        for scope_key in keys:
            rows.append(WorkRow(role, scope, scope_key, is_open, () if is_open else blocked))
    return tuple(rows)


def _scope_keys(item: DisclosureItem, scope: Scope) -> Sequence[str]:
    if scope is Scope.OWN_ITEM:
        return (item.drafter_id,)
    if scope is Scope.ITEM_SECTION:
        return tuple(dict.fromkeys(item.sections))
    if scope is Scope.SECTION_LEADER:
        return (item.lead_section,)
    return ("",)


def row_matches(row: WorkRow, drafter_id: str, actor: Actor) -> bool:
    """Whether ``actor`` can act on an item (drafted by ``drafter_id``) through ``row``.

    The in-memory form of the SQL worklist predicate.
    """
    if row.role not in actor.roles:
        return False
    if row.scope is Scope.OWN_ITEM:
        return row.key == actor.id
    if actor.id == drafter_id:
        return False
    if row.scope is Scope.ITEM_SECTION and row.key != actor.section:
        return False
    if row.scope is Scope.SECTION_LEADER and row.key not in actor.in_charge_of:
        return False
    return row.open or actor.id not in row.blocked


def reference_worklist(workflow: Workflow, items: Iterable[DisclosureItem], actor: Actor) -> list[DisclosureItem]:
    """The worklist computed the slow way, by asking the engine about every item (for tests)."""
    return [
        item
        for item in items
        if any(o.allowed and o.action in WORK_ACTIONS for o in workflow.available_actions(item, actor))
    ]
