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

import hashlib
import mimetypes
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any, Final, final

from sqlalchemy.engine import URL, Engine

from . import errors
from .bureau import BureauConfig
from .calendar import WorkCalendar
from .chain import Action
from .clocks import Clocks, Requests
from .dispatch import Dispatcher, DispatchReport, RetryPolicy
from .duties import Duties
from .duty_types import DutyCatalogue, bureau_catalogue
from .engine import ActionOption, Outcome, Workflow, check_interpretation_order, check_interpreter, item_kind
from .events import Event
from .fields import check_text
from .model import Actor, Attachment, AuditEntry, AuditRecord, AuditReport, DisclosureItem, ItemKind, form_signatures
from .ports import BlobStore, ClockStore, DutyStore
from .records import RecordRepository, RecordStore
from .registry import PluginRegistry
from .storage.base import OutboxStatus, OutboxStore, Repository, Store
from .storage.database import Database
from .storage.memory import MemoryRepository
from .storage.stores import MemoryStore, SqlStore
from .storage.worklist import WORK_ACTIONS, WorkItem

__all__ = ["DEFAULT_MAX_ATTACHMENT_SIZE", "WORK_ACTIONS", "Flow", "current_item", "guess_media_type", "read_attachment"]

#: The largest attachment :meth:`Flow.attach` takes by default (bytes): 50 MiB.
DEFAULT_MAX_ATTACHMENT_SIZE: Final = 50 * 1024 * 1024

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
        repository: MemoryRepository | None = None,
        database: DatabaseTarget | None = None,
        workflow: Workflow | None = None,
        plugins: Sequence[str] | None = None,
        plugin_config: Mapping[str, Mapping[str, Any]] | None = None,
        clock: Callable[[], datetime] | None = None,
        dispatch: bool = True,
        retry: RetryPolicy | None = None,
        create: bool = True,
        upgrade: bool = False,
        busy_timeout: float = 10.0,
        calendar: WorkCalendar | None = None,
        requests: Mapping[str, Any] | None = None,
        blob_store: BlobStore | None = None,
        max_attachment_size: int = DEFAULT_MAX_ATTACHMENT_SIZE,
        bureau: BureauConfig | None = None,
        duties: DutyCatalogue | None = None,
    ) -> None:
        if repository is not None and database is not None:
            raise ValueError("Flow takes a repository or a database, not both")
        if workflow is None:
            workflow = Workflow(clock=clock, bureau=bureau) if clock is not None else Workflow(bureau=bureau)
        self.workflow = workflow
        self.database: Database | None = None
        self._cleanup: Callable[[], None] | None = None
        self.store: Store
        self._memory: MemoryRepository | None = None
        if database is not None:
            owned = not isinstance(database, Database)
            self.database = (
                database
                if isinstance(database, Database)
                else Database(database, create=create, migrate=upgrade, busy_timeout=busy_timeout)
            )
            self.store = SqlStore(self.database, workflow, owns_database=owned)
        else:
            memory = repository if repository is not None else MemoryRepository()
            memory.adopt_workflow(workflow)
            self.store = MemoryStore(memory)
            self._memory = memory
        self.outbox: OutboxStore = self.store.outbox
        self.dispatcher = Dispatcher(workflow, self.outbox, policy=retry)
        self.registry = PluginRegistry(workflow)
        try:
            self.registry.load(default_plugins() if plugins is None else plugins, plugin_config)
        except BaseException:
            self.close()
            raise
        self.auto_dispatch = dispatch
        self.last_findings: tuple[Any, ...] = ()
        #: Where attachment bytes go: the host's own file service, or (``None``) the store's table.
        self.blob_store = blob_store
        self.max_attachment_size = max_attachment_size
        # The bureau's configuration supplies the calendar override and the reply letters' remedy
        # bodies unless given explicitly.
        office = workflow.bureau
        if calendar is None and office.calendar is not None:
            calendar = WorkCalendar(override_file=office.calendar)
        #: The statutory clocks and 依申请公开 (``docs/clocks.md``), on the same units of work.
        self.clocks = Clocks(self.unit, workflow, calendar, after_enqueue=self._after_enqueue)
        remedy = {"review_body": office.review_body, "court": office.court}
        self.requests = Requests(self.clocks, workflow, draft=self.draft, **{**remedy, **(requests or {})})
        #: The records the annual report counts (``docs/reports.md``).
        self.records = RecordStore(self._record_unit)
        if duties is None:
            duties = bureau_catalogue(office)
        #: The year's disclosure duties (``docs/duties.md``), on the same units of work.
        self.duties = Duties(
            self.unit, duties, self.clocks.calendar, clock=workflow.clock, after_enqueue=self._after_enqueue
        )

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
        with self.store.unit(write=write) as repo:
            yield repo

    @contextmanager
    def _record_unit(self, *, write: bool = True) -> Iterator[RecordRepository]:
        with self.unit(write=write) as repo:
            yield repo.record_store()

    def _after_enqueue(self) -> None:
        if self.auto_dispatch:
            self.dispatch()

    def _act(self, build: Callable[[Repository], Outcome], *, expected_version: int | None = None) -> DisclosureItem:
        with self.unit() as repo:
            outcome = build(repo)
            repo.save(outcome, expected_version=expected_version)
            self.clocks.after_save(repo, outcome)
            self.duties.after_save(repo, outcome)
        self.last_findings = outcome.findings
        if self.auto_dispatch:
            self.dispatch()
        return outcome.item

    def tick(self, now: datetime | None = None) -> int:
        """Enqueue (and, unless ``dispatch=False``, deliver) the statutory-clock notices owed at ``now``; how many.

        The duty catalogue's reminders are sent by ``flow.duties.tick`` (``gongkai tick`` runs both).
        """
        return len(self.clocks.tick(now).notices)

    def dispatch(self) -> DispatchReport:
        """Deliver every event that is due to the effect receivers (retrying earlier failures)."""
        return self.dispatcher.run_once()

    def dispatch_status(self) -> OutboxStatus:
        """The outbox's counts and its dead letters."""
        return self.dispatcher.status()

    def draft(self, actor: Actor, *, title: str, kind: ItemKind | str, body: str, **fields: Any) -> DisclosureItem:
        """承办人 drafts an item; an interpretation must name a policy document that exists."""
        kind = item_kind(kind)

        self.duties.check_tags(fields.get("duty_tags"))

        def build(repo: Repository) -> Outcome:
            _check_policy_link(repo, fields.get("policy_id"), actor=actor, title=title)
            return self.workflow.draft(actor, title=title, kind=kind, body=body, **fields)

        return self._act(build)

    def edit(
        self, item_id: str, actor: Actor, *, expected_version: int | None = None, **changes: Any
    ) -> DisclosureItem:
        """The drafter changes an item that is with them; a new policy link must name a 政策文件 too.

        ``expected_version``: the version the drafter's form showed; see :meth:`fire`.
        """
        self.duties.check_tags(changes.get("duty_tags"))

        def build(repo: Repository) -> Outcome:
            item = current_item(repo, item_id, expected_version)
            if "policy_id" in changes:
                title = changes.get("title", item.title)
                _check_policy_link(repo, changes["policy_id"], item_id=item_id, actor=actor, title=title)
            return self.workflow.edit(item, actor, expected_version=expected_version, **changes)

        return self._act(build, expected_version=expected_version)

    # -- attachments -------------------------------------------------------------------------

    def attach(
        self,
        item_id: str,
        actor: Actor,
        name: str,
        data: bytes,
        *,
        media_type: str | None = None,
        expected_version: int | None = None,
    ) -> DisclosureItem:
        """承办人 attaches a file (or replaces the one of the same name) while the item is with them.

        The bytes go to the blob store in the same unit of work as the item's new version; the
        item's content hash covers the attachment, so earlier approvals are void as for any edit.
        """
        check_text("item_id", item_id)
        check_text("attachment_name", name)
        check_text("media_type", media_type, optional=True)
        if not isinstance(data, bytes | bytearray | memoryview):
            raise errors.InvalidFieldError("附件内容须为文件的字节。", item_id=item_id, field="attachments")
        raw = bytes(data)
        if len(raw) > self.max_attachment_size:
            raise errors.InvalidFieldError(
                f"附件“{name}”有 {len(raw):,} 字节，超过上限 {self.max_attachment_size:,} 字节。",
                item_id=item_id,
                field="attachments",
            )

        def build(repo: Repository) -> Outcome:
            item = current_item(repo, item_id, expected_version)
            try:
                attachment = Attachment(
                    name=name,
                    media_type=media_type or guess_media_type(name),
                    size=len(raw),
                    sha256=hashlib.sha256(raw).hexdigest(),
                )
            except (TypeError, ValueError) as exc:
                raise errors.InvalidFieldError(f"附件有误：{exc}", item_id=item_id, field="attachments") from None
            kept = tuple(a for a in item.attachments if a.name != name)
            # Check the edit first, so a refused one stores no bytes either.
            outcome = self.workflow.edit(
                item, actor, expected_version=expected_version, attachments=(*kept, attachment)
            )
            self._blobs(repo).put_blob(raw)
            return outcome

        return self._act(build, expected_version=expected_version)

    def detach(self, item_id: str, actor: Actor, name: str, *, expected_version: int | None = None) -> DisclosureItem:
        """承办人 removes an attachment while the item is with them (its bytes stay, for the audit)."""

        def build(repo: Repository) -> Outcome:
            item = current_item(repo, item_id, expected_version)
            kept = tuple(a for a in item.attachments if a.name != name)
            if len(kept) == len(item.attachments):
                raise errors.InvalidFieldError(
                    f"《{item.title}》没有名为“{name}”的附件。", item_id=item_id, field="attachments"
                )
            return self.workflow.edit(item, actor, expected_version=expected_version, attachments=kept)

        return self._act(build, expected_version=expected_version)

    def attachment_data(self, item_id: str, name: str) -> bytes:
        """The bytes of one attachment, checked against its SHA-256; ``InvalidFieldError`` if missing or altered."""
        check_text("item_id", item_id)
        with self.unit(write=False) as repo:
            item = repo.get(item_id)
            found = [a for a in item.attachments if a.name == name]
            if not found:
                raise errors.InvalidFieldError(
                    f"《{item.title}》没有名为“{name}”的附件。", item_id=item_id, field="attachments"
                )
            return read_attachment(self._blobs(repo), found[0], item_id=item_id)

    def _blobs(self, repo: Repository) -> BlobStore:
        return self.blob_store if self.blob_store is not None else repo.blob_store()

    def fire(
        self,
        item_id: str,
        action: Action,
        actor: Actor,
        *,
        opinion: str | None = None,
        overrides: Mapping[str, str] | None = None,
        expected_version: int | None = None,
    ) -> DisclosureItem:
        """Take ``action`` on the item as ``actor``.

        ``overrides`` (rule id → reason) lets an attribute reviewer pass blocking findings; see
        :meth:`Workflow.fire <gongkai_flow.engine.Workflow.fire>`.

        ``expected_version`` is the item's version as the user's form showed it (carry
        ``item.version`` in the form). When someone acted since, the action is refused with
        :class:`~gongkai_flow.errors.StaleItemError` (code ``storage.stale_item``) whose message
        says who did what, when — 「《…》已被李华（局办公室）于2019年9月20日 10:05 审核通过，您看到的是
        第3版，当前为第4版，请刷新后重试。」 — and nothing is stored. Without it only a save that
        races another transaction is refused.
        """

        def build(repo: Repository) -> Outcome:
            item = current_item(repo, item_id, expected_version)
            if action is Action.PUBLISH and item.policy_id:  # 同步发布: never before the policy
                check_interpretation_order(item, repo.find(item.policy_id))
            return self.workflow.fire(
                item,
                action,
                actor,
                opinion=opinion,
                overrides=overrides,
                blobs=self._blobs(repo),
                expected_version=expected_version,
            )

        return self._act(build, expected_version=expected_version)

    def submit(self, item_id: str, actor: Actor, *, expected_version: int | None = None) -> DisclosureItem:
        """承办人 submits (or resubmits) the item; ``expected_version`` as in :meth:`fire`."""
        return self.fire(item_id, Action.SUBMIT, actor, expected_version=expected_version)

    def approve(
        self, item_id: str, actor: Actor, opinion: str | None = None, *, expected_version: int | None = None
    ) -> DisclosureItem:
        """The current stage's reviewer signs 同意; ``expected_version`` as in :meth:`fire`."""
        return self.fire(item_id, Action.APPROVE, actor, opinion=opinion, expected_version=expected_version)

    def return_item(
        self, item_id: str, actor: Actor, opinion: str, *, expected_version: int | None = None
    ) -> DisclosureItem:
        """The current stage's reviewer returns the item with an opinion; ``expected_version`` as in :meth:`fire`."""
        return self.fire(item_id, Action.RETURN, actor, opinion=opinion, expected_version=expected_version)

    def publish(self, item_id: str, actor: Actor, *, expected_version: int | None = None) -> DisclosureItem:
        """信息发布人员 publishes the item; ``expected_version`` as in :meth:`fire`."""
        return self.fire(item_id, Action.PUBLISH, actor, expected_version=expected_version)

    # -- queries ----------------------------------------------------------------------------

    def get(self, item_id: str) -> DisclosureItem:
        """The item, or ``ItemNotFoundError``."""
        check_text("item_id", item_id)
        with self.unit(write=False) as repo:
            return repo.get(item_id)

    def audit(self, item_id: str) -> list[AuditEntry]:
        """The item's audit trail, oldest first."""
        check_text("item_id", item_id)
        with self.unit(write=False) as repo:
            repo.get(item_id)
            return repo.audit(item_id)

    def review_form(self, item_id: str) -> dict[str, list[AuditEntry]]:
        """The review form's signatures by stage, read from the audit trail."""
        check_text("item_id", item_id)
        with self.unit(write=False) as repo:
            item = repo.get(item_id)
            return form_signatures(repo.audit(item_id), item.content_hash)

    def available_actions(self, item_id: str, actor: Actor) -> tuple[ActionOption, ...]:
        """What ``actor`` may do with the item now, and why not for the rest."""
        return self.workflow.available_actions(self.get(item_id), actor)

    def worklist(self, actor: Actor, *, limit: int | None = None) -> list[WorkItem]:
        """待办: items on which ``actor`` can move the review forward now, the longest-waiting first.

        Each line is a :class:`~gongkai_flow.storage.worklist.WorkItem` (id, title, kind, stage,
        sections, version, waiting since); open the whole item with :meth:`get`.
        """
        with self.unit(write=False) as repo:
            return repo.worklist(actor, limit=limit)

    def done(self, actor: Actor, *, limit: int | None = None) -> list[DisclosureItem]:
        """已办: items on which ``actor`` has acted, the most recent first."""
        with self.unit(write=False) as repo:
            return repo.done(actor, limit=limit)

    def interpretations_of(self, policy_id: str) -> list[DisclosureItem]:
        """The interpretations linked to a policy document (政策文件 ↔ 解读)."""
        with self.unit(write=False) as repo:
            return repo.interpretations_of(policy_id)

    def items(self, *, states: Iterable[str] | None = None) -> list[DisclosureItem]:
        """Every item, optionally only those in ``states``."""
        with self.unit(write=False) as repo:
            return list(repo.items(states=states))

    def verify_audit(self, item_ids: Iterable[str] | None = None) -> AuditReport:
        """Check the audit trails' hash chains (every item when ``item_ids`` is ``None``)."""
        with self.unit(write=False) as repo:
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
        self.store.close()
        if self._cleanup is not None:
            self._cleanup()
            self._cleanup = None

    def __enter__(self) -> Flow:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def current_item(repo: Repository, item_id: str, expected_version: int | None = None) -> DisclosureItem:
    """The stored item; if it is not at ``expected_version``, the error naming who acted meanwhile.

    For a host on its own session (``SqlRepository(session)``): read the item with the version its
    form showed, so a double submit or a colleague's earlier action is refused with
    ``storage.stale_item`` and a message saying who did what, and when — the message
    ``Workflow.fire`` alone cannot give, having no audit trail to read.
    """
    check_text("item_id", item_id)
    item = repo.get(item_id)
    if expected_version is not None and item.version != expected_version:
        trail = repo.audit(item_id)
        raise errors.stale_item(
            item.title,
            item.id,
            expected_version=expected_version,
            current_version=item.version,
            latest=trail[-1] if trail else None,
        )
    return item


def _check_policy_link(
    repo: Repository, policy_id: str | None, *, item_id: str | None = None, actor: Actor | None = None, title: str = ""
) -> None:
    """An interpretation's ``policy_id`` must name a stored 政策文件, and its drafter be of that policy's section."""
    check_text("policy_id", policy_id, optional=True)
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

    def save(self, outcome: Outcome, *, expected_version: int | None = None) -> None:
        with self._flow.unit() as repo:
            repo.save(outcome, expected_version=expected_version)

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

    def audit_records(self, item_id: str) -> list[AuditRecord]:
        with self._flow.unit(write=False) as repo:
            return repo.audit_records(item_id)

    def verify_audit(self, item_ids: Iterable[str] | None = None) -> AuditReport:
        with self._flow.unit(write=False) as repo:
            return repo.verify_audit(item_ids)

    def interpretations_of(self, policy_id: str) -> list[DisclosureItem]:
        with self._flow.unit(write=False) as repo:
            return repo.interpretations_of(policy_id)

    def has_published_interpretation(self, policy_id: str) -> bool:
        with self._flow.unit(write=False) as repo:
            return repo.has_published_interpretation(policy_id)

    def worklist(self, actor: Actor, *, limit: int | None = None) -> list[WorkItem]:
        with self._flow.unit(write=False) as repo:
            return repo.worklist(actor, limit=limit)

    def done(self, actor: Actor, *, limit: int | None = None) -> list[DisclosureItem]:
        with self._flow.unit(write=False) as repo:
            return repo.done(actor, limit=limit)

    def blob_store(self) -> BlobStore:
        return _Detached(self._flow)

    def clock_store(self) -> ClockStore:
        # A clock store lives inside one transaction; a per-call repository has none to lend.
        raise errors.WorkflowError("逐次提交的存储不能提供法定时限存储，请在 flow.unit() 中使用。")

    def record_store(self) -> RecordRepository:
        raise errors.WorkflowError("逐次提交的存储不能提供记录存储，请在 flow.unit() 中使用。")

    def duty_store(self) -> DutyStore:
        raise errors.WorkflowError("逐次提交的存储不能提供公开事项存储，请在 flow.unit() 中使用。")


@final
class _Detached:
    """Blob access for a per-call repository: each call its own unit of work."""

    def __init__(self, flow: Flow) -> None:
        self._flow = flow

    def put_blob(self, data: bytes) -> str:
        with self._flow.unit() as repo:
            return self._flow._blobs(repo).put_blob(data)

    def get_blob(self, sha256: str) -> bytes | None:
        with self._flow.unit(write=False) as repo:
            return self._flow._blobs(repo).get_blob(sha256)


def guess_media_type(name: str) -> str:
    """The media type a file name suggests (``application/octet-stream`` when unknown)."""
    return mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"


def read_attachment(blobs: BlobStore, attachment: Attachment, *, item_id: str | None = None) -> bytes:
    """An attachment's bytes, refused if missing or not matching their SHA-256 (fail closed)."""
    data = blobs.get_blob(attachment.sha256)
    if data is None or hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise errors.InvalidFieldError(
            f"附件“{attachment.name}”的内容缺失或已被改动（SHA-256 不符），不能使用。",
            item_id=item_id,
            field="attachments",
        )
    return data


def default_plugins() -> tuple[str, ...]:
    """The plugins a :class:`Flow` enables when given none: the content guard, when it is installed.

    ``negative_list`` keeps non-disclosable content off public platforms; without it (the
    ``negative-list`` extra not installed) publishing to a public platform is refused, so the
    default never publishes unchecked. Pass ``plugins=[]`` to enable nothing.
    """
    try:
        import ahocorasick_rs  # noqa: F401  (the negative list's automaton: is the extra installed?)
    except ImportError:
        return ()
    return ("negative_list",)
