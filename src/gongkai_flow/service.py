"""The ``Flow`` façade: an engine, a repository and the plugins, ready for standalone use.

The CLI, the examples and the BDD steps use it. Embedding code (an OA system that owns its
transaction) may use :class:`~gongkai_flow.engine.Workflow` and a repository directly instead;
see the embedding guide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, final

from . import errors
from .chain import Action
from .dispatch import DispatchReport, dispatch_pending
from .engine import ActionOption, Outcome, Workflow
from .model import Actor, AuditEntry, DisclosureItem, ItemKind, form_signatures
from .plugins import PluginRegistry
from .storage.base import Repository
from .storage.memory import MemoryRepository

#: Actions that move a review forward: what puts an item on someone's worklist (待办).
WORK_ACTIONS = frozenset(
    {
        Action.SUBMIT,
        Action.APPROVE,
        Action.RETURN,
        Action.REFER,
        Action.RESUME,
        Action.CLASSIFY,
        Action.PUBLISH,
        Action.FILE,
    }
)


@final
class Flow:
    """Drive items through the review chain, storing each action and delivering its effects.

    Every method is one unit of work: the outcome is saved and its events dispatched before it
    returns (``dispatch=False`` leaves them in the outbox for a separate worker).
    """

    def __init__(
        self,
        *,
        repository: Repository | None = None,
        workflow: Workflow | None = None,
        plugins: Sequence[str] = (),
        plugin_config: Mapping[str, Mapping[str, Any]] | None = None,
        clock: Callable[[], datetime] | None = None,
        dispatch: bool = True,
    ) -> None:
        if workflow is None:
            workflow = Workflow(clock=clock) if clock is not None else Workflow()
        self.workflow = workflow
        self.repository: Repository = repository if repository is not None else MemoryRepository()
        self.registry = PluginRegistry(workflow)
        self.registry.load(plugins, plugin_config)
        self.auto_dispatch = dispatch
        self.last_findings: tuple[Any, ...] = ()

    # -- units of work -----------------------------------------------------------------------

    def _apply(self, outcome: Outcome) -> DisclosureItem:
        self.repository.save(outcome)
        self.last_findings = outcome.findings
        if self.auto_dispatch:
            self.dispatch()
        return outcome.item

    def dispatch(self) -> DispatchReport:
        """Deliver every pending event to the effect receivers."""
        return dispatch_pending(self.workflow, self.repository)

    def draft(self, actor: Actor, *, title: str, kind: ItemKind | str, body: str, **fields: Any) -> DisclosureItem:
        """承办人 drafts an item; an interpretation must name a policy document that exists."""
        try:
            item_kind: ItemKind = kind if isinstance(kind, ItemKind) else ItemKind.from_label(kind)
        except KeyError:
            raise errors.InvalidFieldError(f"“{kind}”不是有效的信息类别。", field="kind") from None
        policy_id = fields.get("policy_id")
        if policy_id is not None:
            policy = self.repository.find(policy_id)
            if policy is None or policy.kind is not ItemKind.POLICY_DOCUMENT:
                raise errors.PolicyLinkRequiredError(
                    f"关联的政策文件“{policy_id}”不存在或不是政策文件。", field="policy_id"
                )
        return self._apply(self.workflow.draft(actor, title=title, kind=item_kind, body=body, **fields))

    def edit(self, item_id: str, actor: Actor, **changes: Any) -> DisclosureItem:
        """The drafter changes an item that is with them."""
        return self._apply(self.workflow.edit(self.repository.get(item_id), actor, **changes))

    def fire(self, item_id: str, action: Action, actor: Actor, *, opinion: str | None = None) -> DisclosureItem:
        """Take ``action`` on the item as ``actor``."""
        item = self.repository.get(item_id)
        return self._apply(self.workflow.fire(item, action, actor, opinion=opinion))

    def submit(self, item_id: str, actor: Actor) -> DisclosureItem:
        """承办人 submits (or resubmits) the item."""
        return self.fire(item_id, Action.SUBMIT, actor)

    def approve(self, item_id: str, actor: Actor, opinion: str | None = None) -> DisclosureItem:
        """The current stage's reviewer signs 同意."""
        return self.fire(item_id, Action.APPROVE, actor, opinion=opinion)

    def return_item(self, item_id: str, actor: Actor, opinion: str) -> DisclosureItem:
        """The current stage's reviewer returns the item with an opinion."""
        return self.fire(item_id, Action.RETURN, actor, opinion=opinion)

    def publish(self, item_id: str, actor: Actor) -> DisclosureItem:
        """信息发布人员 publishes the item."""
        return self.fire(item_id, Action.PUBLISH, actor)

    # -- queries ----------------------------------------------------------------------------

    def get(self, item_id: str) -> DisclosureItem:
        """The item, or ``ItemNotFoundError``."""
        return self.repository.get(item_id)

    def audit(self, item_id: str) -> list[AuditEntry]:
        """The item's audit trail, oldest first."""
        self.repository.get(item_id)
        return self.repository.audit(item_id)

    def review_form(self, item_id: str) -> dict[str, list[AuditEntry]]:
        """The review form's signatures by stage, read from the audit trail."""
        item = self.repository.get(item_id)
        return form_signatures(self.repository.audit(item_id), item.content_hash)

    def available_actions(self, item_id: str, actor: Actor) -> tuple[ActionOption, ...]:
        """What ``actor`` may do with the item now, and why not for the rest."""
        return self.workflow.available_actions(self.repository.get(item_id), actor)

    def worklist(self, actor: Actor) -> list[DisclosureItem]:
        """待办: items on which ``actor`` can move the review forward now."""
        result = []
        for item in self.repository.items():
            options = self.workflow.available_actions(item, actor)
            if any(o.allowed and o.action in WORK_ACTIONS for o in options):
                result.append(item)
        return result

    def done(self, actor: Actor) -> list[DisclosureItem]:
        """已办: items on which ``actor`` has acted."""
        return [
            item
            for item in self.repository.items()
            if any(entry.actor_id == actor.id for entry in self.repository.audit(item.id))
        ]

    def interpretations_of(self, policy_id: str) -> list[DisclosureItem]:
        """The interpretations linked to a policy document (政策文件 ↔ 解读)."""
        return [
            item
            for item in self.repository.items()
            if item.kind is ItemKind.POLICY_INTERPRETATION and item.policy_id == policy_id
        ]

    def items(self, *, states: Iterable[str] | None = None) -> list[DisclosureItem]:
        """Every item, optionally only those in ``states``."""
        return list(self.repository.items(states=states))

    def close(self) -> None:
        """Disconnect the plugins."""
        self.registry.close()
