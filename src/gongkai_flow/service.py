"""The ``Flow`` façade: an engine, a store and the plugins, ready for standalone use.

The CLI, the examples and the BDD steps use it. Embedding code (an OA system that owns its
transaction) uses :class:`~gongkai_flow.engine.Workflow` with a
:class:`~gongkai_flow.storage.sql.SqlRepository` on its own session instead, and runs a
:class:`~gongkai_flow.dispatch.Dispatcher`; see ``docs/storage.md``.

``Flow(database="gongkai.db")`` keeps everything in a SQLite file (WAL, foreign keys on);
``Flow(database="postgresql://…")`` in PostgreSQL (psycopg 3); ``Flow()`` or
``Flow(repository=MemoryRepository())`` in memory, gone when the process ends. With a database,
every action is one transaction — read, decide, save, commit — and its events are delivered from
the outbox right after the commit.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any, final

from sqlalchemy.engine import URL, Engine

from . import errors
from .bureau import BureauConfig
from .calendar import WorkCalendar
from .chain import Action
from .clocks import Clocks, Requests
from .dispatch import Dispatcher, DispatchReport, RetryPolicy, dispatch_pending
from .engine import ActionOption, Outcome, Workflow, check_interpretation_order, check_interpreter
from .events import Event
from .model import Actor, AuditEntry, DisclosureItem, ItemKind, form_signatures
from .plugins import PluginRegistry
from .records import RecordStore
from .storage.base import OutboxStatus, OutboxStore, Repository
from .storage.database import Database
from .storage.hashchain import AuditReport
from .storage.memory import MemoryRepository
from .storage.outbox import SqlOutbox
from .storage.sql import SqlRepository
from .storage.worklist import WORK_ACTIONS, reference_worklist

__all__ = ["WORK_ACTIONS", "Flow"]

DatabaseTarget = str | os.PathLike[str] | URL | Engine | Database


@final
class Flow:
    """Drive items through the review chain, storing each action and delivering its effects.

    Every method is one unit of work: the outcome is saved (and, with a database, committed)
    and its events dispatched before it returns (``dispatch=False`` leaves them in the outbox for
    ``gongkai dispatch`` or another worker).

    ``database`` is a SQLite file path, a SQLAlchemy URL, an engine or an opened
    :class:`~gongkai_flow.storage.database.Database`; ``create`` builds the tables in an empty
    database, ``upgrade`` migrates an older schema instead of refusing it. Without a database the
    flow keeps everything in ``repository`` (default: a new :class:`MemoryRepository`).

    ``calendar`` is the working-day calendar of the statutory clocks (``flow.clocks``, default
    :class:`~gongkai_flow.calendar.WorkCalendar`); ``requests`` configures the 依申请公开 workflow
    (``flow.requests``: ``review_body``, ``court``, ``correction_days``). See ``docs/clocks.md``.
    ``bureau`` (used when no ``workflow`` is given) is the bureau's configuration: its section
    bindings, its reply-letter remedy and calendar file (``docs/configuration.md``).
    """

    def __init__(
        self,
        *,
        repository: Repository | None = None,
        database: DatabaseTarget | None = None,
        workflow: Workflow | None = None,
        plugins: Sequence[str] = (),
        plugin_config: Mapping[str, Mapping[str, Any]] | None = None,
        clock: Callable[[], datetime] | None = None,
        dispatch: bool = True,
        retry: RetryPolicy | None = None,
        create: bool = True,
        upgrade: bool = False,
        busy_timeout: float = 10.0,
        calendar: WorkCalendar | None = None,
        requests: Mapping[str, Any] | None = None,
        bureau: BureauConfig | None = None,
    ) -> None:
        if repository is not None and database is not None:
            raise ValueError("Flow takes a repository or a database, not both")
        if workflow is None:
            workflow = Workflow(clock=clock, bureau=bureau) if clock is not None else Workflow(bureau=bureau)
        self.workflow = workflow
        self.database: Database | None = None
        self._owns_database = database is not None and not isinstance(database, Database)
        self._memory: Repository | None = None
        self._cleanup: Callable[[], None] | None = None
        outbox: OutboxStore | None
        if database is not None:
            self.database = (
                database
                if isinstance(database, Database)
                else Database(database, create=create, migrate=upgrade, busy_timeout=busy_timeout)
            )
            outbox = SqlOutbox(self.database.engine)
        else:
            memory = repository if repository is not None else MemoryRepository()
            if isinstance(memory, MemoryRepository):
                memory.adopt_workflow(workflow)
            self._memory = memory
            outbox = memory if isinstance(memory, OutboxStore) else None
        self.outbox = outbox
        self.dispatcher = Dispatcher(workflow, outbox, policy=retry) if outbox is not None else None
        self.registry = PluginRegistry(workflow)
        try:
            self.registry.load(plugins, plugin_config)
        except BaseException:
            self.close()
            raise
        self.auto_dispatch = dispatch
        self.last_findings: tuple[Any, ...] = ()
        # Statutory clocks and 依申请公开 (issue 5): see gongkai_flow.clocks.
        office = workflow.bureau
        if calendar is None and office.calendar is not None:
            calendar = WorkCalendar(override_file=office.calendar)
        self.clocks = Clocks(self, calendar)
        remedy = {"review_body": office.review_body, "court": office.court}
        self.requests = Requests(self, self.clocks, **{**remedy, **(requests or {})})
        self.records = RecordStore(self)  # report records (issue 8): see gongkai_flow.records

    @classmethod
    def temporary(cls, **kwargs: Any) -> Flow:
        """A flow on a new SQLite file in a temporary folder, removed when the flow is closed."""
        folder = tempfile.mkdtemp(prefix="gongkai-")
        try:
            flow = cls(database=os.path.join(folder, "gongkai.db"), **kwargs)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        finalizer = weakref.finalize(flow, shutil.rmtree, folder, ignore_errors=True)
        flow._cleanup = finalizer
        return flow

    # -- units of work -----------------------------------------------------------------------

    @contextmanager
    def unit(self, *, write: bool = True) -> Iterator[Repository]:
        """A repository for one transaction, committed when the block ends without an error."""
        if self.database is None:
            assert self._memory is not None
            yield self._memory
            return
        with self.database.transaction(write=write) as conn:
            yield SqlRepository(conn, workflow=self.workflow)

    def _act(self, build: Callable[[Repository], Outcome]) -> DisclosureItem:
        with self.unit() as repo:
            outcome = build(repo)
            repo.save(outcome)
            self.clocks.after_save(repo, outcome)
        self.last_findings = outcome.findings
        if self.auto_dispatch:
            self.dispatch()
        return outcome.item

    def tick(self, now: datetime | None = None) -> int:
        """Enqueue (and, unless ``dispatch=False``, deliver) every deadline notice owed at ``now``; return how many."""
        return len(self.clocks.tick(now).notices)

    def dispatch(self) -> DispatchReport:
        """Deliver every event that is due to the effect receivers (retrying earlier failures)."""
        if self.dispatcher is not None:
            return self.dispatcher.run_once()
        assert self._memory is not None
        return dispatch_pending(self.workflow, self._memory)

    def dispatch_status(self) -> OutboxStatus:
        """The outbox's counts and its dead letters."""
        if self.dispatcher is None:
            raise errors.WorkflowError("此存储不支持投递状态查询。")
        return self.dispatcher.status()

    def draft(self, actor: Actor, *, title: str, kind: ItemKind | str, body: str, **fields: Any) -> DisclosureItem:
        """承办人 drafts an item; an interpretation must name a policy document that exists."""
        if isinstance(kind, ItemKind):
            item_kind = kind
        else:
            try:
                item_kind = ItemKind.from_label(kind)
            except KeyError:
                raise errors.InvalidFieldError(f"“{kind}”不是有效的信息类别。", field="kind") from None

        def build(repo: Repository) -> Outcome:
            _check_policy_link(repo, fields.get("policy_id"), actor=actor, title=title)
            return self.workflow.draft(actor, title=title, kind=item_kind, body=body, **fields)

        return self._act(build)

    def edit(self, item_id: str, actor: Actor, **changes: Any) -> DisclosureItem:
        """The drafter changes an item that is with them; a new policy link must name a 政策文件 too."""

        def build(repo: Repository) -> Outcome:
            item = repo.get(item_id)
            if "policy_id" in changes:
                title = changes.get("title", item.title)
                _check_policy_link(repo, changes["policy_id"], item_id=item_id, actor=actor, title=title)
            return self.workflow.edit(item, actor, **changes)

        return self._act(build)

    def fire(
        self,
        item_id: str,
        action: Action,
        actor: Actor,
        *,
        opinion: str | None = None,
        overrides: Mapping[str, str] | None = None,
    ) -> DisclosureItem:
        """Take ``action`` on the item as ``actor``.

        ``overrides`` (rule id → reason) lets an attribute reviewer pass blocking findings; see
        :meth:`Workflow.fire <gongkai_flow.engine.Workflow.fire>`.
        """

        def build(repo: Repository) -> Outcome:
            item = repo.get(item_id)
            if action is Action.PUBLISH and item.policy_id:  # 同步发布: never before the policy
                check_interpretation_order(item, repo.find(item.policy_id))
            return self.workflow.fire(item, action, actor, opinion=opinion, overrides=overrides)

        return self._act(build)

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
        with self.unit(write=False) as repo:
            return repo.get(item_id)

    def audit(self, item_id: str) -> list[AuditEntry]:
        """The item's audit trail, oldest first."""
        with self.unit(write=False) as repo:
            repo.get(item_id)
            return repo.audit(item_id)

    def review_form(self, item_id: str) -> dict[str, list[AuditEntry]]:
        """The review form's signatures by stage, read from the audit trail."""
        with self.unit(write=False) as repo:
            item = repo.get(item_id)
            return form_signatures(repo.audit(item_id), item.content_hash)

    def available_actions(self, item_id: str, actor: Actor) -> tuple[ActionOption, ...]:
        """What ``actor`` may do with the item now, and why not for the rest."""
        return self.workflow.available_actions(self.get(item_id), actor)

    def worklist(self, actor: Actor, *, limit: int | None = None) -> list[DisclosureItem]:
        """待办: items on which ``actor`` can move the review forward now, the longest-waiting first."""
        with self.unit(write=False) as repo:
            if isinstance(repo, SqlRepository | MemoryRepository):
                return repo.worklist(actor, limit=limit)
            return reference_worklist(self.workflow, repo.items(), actor)[:limit]

    def done(self, actor: Actor, *, limit: int | None = None) -> list[DisclosureItem]:
        """已办: items on which ``actor`` has acted, the most recent first."""
        with self.unit(write=False) as repo:
            if isinstance(repo, SqlRepository | MemoryRepository):
                return repo.done(actor, limit=limit)
            return [item for item in repo.items() if any(entry.actor_id == actor.id for entry in repo.audit(item.id))][
                :limit
            ]

    def interpretations_of(self, policy_id: str) -> list[DisclosureItem]:
        """The interpretations linked to a policy document (政策文件 ↔ 解读)."""
        with self.unit(write=False) as repo:
            if isinstance(repo, SqlRepository):
                return repo.interpretations_of(policy_id)
            return [
                item
                for item in repo.items()
                if item.kind is ItemKind.POLICY_INTERPRETATION and item.policy_id == policy_id
            ]

    def items(self, *, states: Iterable[str] | None = None) -> list[DisclosureItem]:
        """Every item, optionally only those in ``states``."""
        with self.unit(write=False) as repo:
            return list(repo.items(states=states))

    def verify_audit(self, item_ids: Iterable[str] | None = None) -> AuditReport:
        """Check the audit trails' hash chains (every item when ``item_ids`` is ``None``)."""
        with self.unit(write=False) as repo:
            if not isinstance(repo, SqlRepository | MemoryRepository):
                raise errors.WorkflowError("此存储不支持审核记录校验。")
            return repo.verify_audit(item_ids)

    @property
    def repository(self) -> Repository:
        """The repository: in memory, the store itself; with a database, one transaction per call."""
        if self._memory is not None:
            return self._memory
        return _PerCallRepository(self)

    # -- closing -------------------------------------------------------------------------------

    def close(self) -> None:
        """Disconnect the plugins and release the database it opened (a temporary one is deleted).

        A :class:`Database` passed in stays open: its owner closes it.
        """
        registry = getattr(self, "registry", None)
        if registry is not None:
            registry.close()
        if self.database is not None and self._owns_database:
            self.database.close()
        if self._cleanup is not None:
            self._cleanup()
            self._cleanup = None

    def __enter__(self) -> Flow:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _check_policy_link(
    repo: Repository, policy_id: str | None, *, item_id: str | None = None, actor: Actor | None = None, title: str = ""
) -> None:
    """An interpretation's ``policy_id`` must name a stored 政策文件, and its drafter be of that policy's section."""
    if policy_id is None:
        return
    policy = repo.find(policy_id)
    if policy is None or policy.kind is not ItemKind.POLICY_DOCUMENT:
        raise errors.PolicyLinkRequiredError(
            f"关联的政策文件“{policy_id}”不存在或不是政策文件。", field="policy_id", item_id=item_id
        )
    if actor is not None:
        check_interpreter(policy, actor, title)


@final
class _PerCallRepository:
    """The :class:`Repository` protocol over a flow's database, one committed transaction per call."""

    def __init__(self, flow: Flow) -> None:
        self._flow = flow

    def get(self, item_id: str) -> DisclosureItem:
        with self._flow.unit(write=False) as repo:
            return repo.get(item_id)

    def find(self, item_id: str) -> DisclosureItem | None:
        with self._flow.unit(write=False) as repo:
            return repo.find(item_id)

    def save(self, outcome: Outcome) -> None:
        with self._flow.unit() as repo:
            repo.save(outcome)

    def audit(self, item_id: str) -> list[AuditEntry]:
        with self._flow.unit(write=False) as repo:
            return repo.audit(item_id)

    def items(self, *, states: Iterable[str] | None = None) -> Iterator[DisclosureItem]:
        with self._flow.unit(write=False) as repo:
            found = list(repo.items(states=states))
        return iter(found)

    def pending_events(self, limit: int = 100) -> list[Event]:
        with self._flow.unit(write=False) as repo:
            return repo.pending_events(limit)

    def mark_delivered(self, event_id: str) -> None:
        with self._flow.unit() as repo:
            repo.mark_delivered(event_id)
