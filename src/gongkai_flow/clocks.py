"""The statutory clocks wired to the ``Flow`` façade: items, 舆情 events and 依申请公开 applications.

:class:`Clocks` is what ``flow.clocks`` is. It is called by the façade *inside* the unit of work
of every item action (:meth:`Clocks.after_save`), so a clock starts or stops in the same
transaction as the move that causes it — never a published item with a D1 clock still running
because an effect receiver failed:

* **D1** (条例第26条): a 主动公开 item gets 20 working days from ``formed_on`` when it is drafted;
  the clock closes when the item is published, filed or withdrawn;
* **D15** (本局方案): a 政策文件 published while no interpretation linked to it is published
  gets 3 working days for one; publishing a linked 政策解读 closes it;
* **舆情** (:meth:`Clocks.register_opinion`): a major emergency runs D12 (5 h authoritative
  information) and D13 (24 h press conference), anything else D14 (48 h); recording the response
  closes them.

:meth:`Clocks.tick` turns the clocks into notices (``deadline-approaching``/``-due``/``-missed``)
through the outbox; :meth:`Clocks.deadlines` lists the open clocks for ``gongkai deadlines``.
:class:`Requests` (``flow.requests``) runs the 依申请公开 workflow, one unit of work per call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, final

import attrs
from sqlalchemy.engine import Connection

from .calendar import WorkCalendar
from .chain import Action
from .deadlines import BUREAU_TZ, RULES, Timer, TimerStatus, close, start_timer
from .errors import InvalidFieldError, WorkflowError
from .events import ItemArchived, ItemDrafted, ItemEdited, ItemPublished, ItemWithdrawn
from .model import Actor, DisclosureAttribute, DisclosureItem, ItemKind
from .requests import (
    ApplicantType,
    Application,
    Channel,
    DenyReason,
    ReplyCategory,
    RequestWorkflow,
)
from .storage.hashchain import AuditReport
from .storage.memory import MemoryRepository
from .storage.sql import SqlRepository
from .storage.timers import ClockStore, MemoryClockStore, SqlClockStore, TickReport, get_application, tick

if TYPE_CHECKING:
    from .engine import Outcome
    from .service import Flow
    from .storage.base import Repository


class ClocksUnavailableError(WorkflowError):
    """The flow's store keeps no clocks (a custom repository that is neither memory nor SQL)."""

    code = "clock.unavailable"


@final
@attrs.frozen
class Deadline:
    """One open clock as the deadline list shows it."""

    timer: Timer
    rule_label: str
    overdue: bool

    @property
    def due_local(self) -> datetime:
        """The due moment in Beijing time."""
        return self.timer.due.astimezone(BUREAU_TZ)


#: Severities of a 舆情 event and the clocks each runs.
OPINION_RULES: dict[str, tuple[str, ...]] = {"major": ("D12", "D13"), "other": ("D14",)}


def _day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=BUREAU_TZ)


#: The item events that start, move or close an item clock (see :meth:`Clocks.after_save`).
_CLOCK_EVENTS: Final = (ItemDrafted, ItemEdited, ItemPublished, ItemArchived, ItemWithdrawn)


@final
class Clocks:
    """The flow's clocks (see the module docstring)."""

    def __init__(self, flow: Flow, calendar: WorkCalendar | None = None) -> None:
        self._flow = flow
        self.calendar = calendar if calendar is not None else WorkCalendar()
        #: The bureau's warning leads by rule id (working days, or hours for hour clocks), for new clocks.
        self.leads: dict[str, int] = {}
        memory = flow._memory
        self._memory = MemoryClockStore(memory) if isinstance(memory, MemoryRepository) else None

    # -- units -----------------------------------------------------------------------------------------

    def store_for(self, repo: Repository) -> ClockStore | None:
        """The clock store sharing ``repo``'s unit of work, or ``None`` if it keeps no clocks."""
        if isinstance(repo, SqlRepository):
            bind = repo.bind
            return SqlClockStore(bind if isinstance(bind, Connection) else bind.connection())
        if isinstance(repo, MemoryRepository) and self._memory is not None and repo is self._memory.repository:
            return self._memory
        return None

    @contextmanager
    def unit(self, *, write: bool = True) -> Iterator[ClockStore]:
        """A clock store in one unit of work, committed when the block ends without an error."""
        if self._memory is not None:
            with self._memory.unit() as store:
                yield store
            return
        if self._flow.database is None:
            raise ClocksUnavailableError("当前存储不支持法定时限（需要内存存储或数据库）。")
        with self._flow.database.transaction(write=write) as conn:
            yield SqlClockStore(conn)

    # -- items ------------------------------------------------------------------------------------------

    def after_save(self, repo: Repository, outcome: Outcome) -> None:
        """Start or close the item clocks an outcome calls for, in the same unit of work."""
        # Most actions (approvals, returns) touch no clock: skip the store for them.
        if not any(isinstance(event, _CLOCK_EVENTS) for event in outcome.events):
            return
        store = self.store_for(repo)
        if store is None:
            return
        item = outcome.item
        for event in outcome.events:
            at = event.at
            if isinstance(event, ItemDrafted):
                self._start_d1(store, item)
            elif isinstance(event, ItemEdited) and {"formed_on", "attribute"} & set(event.changed_fields):
                self._restart_d1(store, item, at)
            elif isinstance(event, ItemPublished):
                self._close(store, f"{item.id}:D1", at)
                if item.kind is ItemKind.POLICY_DOCUMENT and not self._has_published_interpretation(repo, item.id):
                    timer = start_timer(
                        f"{item.id}:D15",
                        RULES["D15"],
                        item.id,
                        at,
                        self.calendar,
                        responsible=item.lead_section,
                        lead=self.leads.get("D15"),
                    )
                    if store.timer(timer.id) is None:
                        store.put_timer(timer, self.calendar)
                if item.kind is ItemKind.POLICY_INTERPRETATION and item.policy_id:
                    self._close(store, f"{item.policy_id}:D15", at)
            elif isinstance(event, ItemArchived | ItemWithdrawn):
                self._close(store, f"{item.id}:D1", at)

    def _start_d1(self, store: ClockStore, item: DisclosureItem) -> None:
        if item.attribute is not DisclosureAttribute.PROACTIVE or item.formed_on is None:
            return
        timer_id = f"{item.id}:D1"
        if store.timer(timer_id) is None:
            store.put_timer(
                start_timer(
                    timer_id,
                    RULES["D1"],
                    item.id,
                    _day_start(item.formed_on),
                    self.calendar,
                    responsible=item.lead_section,
                    lead=self.leads.get("D1"),
                ),
                self.calendar,
            )

    def _restart_d1(self, store: ClockStore, item: DisclosureItem, at: datetime) -> None:
        """The drafter changed when the information was formed, or whether it is 主动公开: D1 follows."""
        current = store.timer(f"{item.id}:D1")
        if current is not None and current.status is not TimerStatus.RUNNING:
            return
        if item.attribute is DisclosureAttribute.PROACTIVE and item.formed_on is not None:
            fresh = start_timer(
                f"{item.id}:D1",
                RULES["D1"],
                item.id,
                _day_start(item.formed_on),
                self.calendar,
                responsible=item.lead_section,
                lead=self.leads.get("D1"),
            )
            store.put_timer(fresh, self.calendar)
        elif current is not None:
            store.put_timer(close(current, at), self.calendar)

    def _close(self, store: ClockStore, timer_id: str, at: datetime) -> None:
        timer = store.timer(timer_id)
        if timer is not None and timer.status in (TimerStatus.RUNNING, TimerStatus.PAUSED):
            store.put_timer(close(timer, at), self.calendar)

    @staticmethod
    def _has_published_interpretation(repo: Repository, policy_id: str) -> bool:
        if isinstance(repo, SqlRepository):
            found = repo.interpretations_of(policy_id)
        else:
            found = [i for i in repo.items() if i.kind is ItemKind.POLICY_INTERPRETATION and i.policy_id == policy_id]
        return any(i.published_at is not None for i in found)

    # -- 舆情 ---------------------------------------------------------------------------------------------

    def register_opinion(
        self, event_id: str, severity: str, *, at: datetime | None = None, responsible: str = ""
    ) -> tuple[Timer, ...]:
        """Register a 舆情 event: ``"major"`` (特别重大、重大突发事件) runs D12 and D13, ``"other"`` D14."""
        if severity not in OPINION_RULES:
            raise InvalidFieldError(
                "舆情级别只能是 major（特别重大、重大突发事件）或 other（其他政务舆情）。", field="severity"
            )
        if not event_id.strip():
            raise InvalidFieldError("请填写舆情事件编号。", field="event_id")
        start = at if at is not None else self._flow.workflow.clock()
        timers = tuple(
            start_timer(
                f"{event_id}:{rule_id}",
                RULES[rule_id],
                event_id,
                start,
                self.calendar,
                responsible=responsible,
                lead=self.leads.get(rule_id),
            )
            for rule_id in OPINION_RULES[severity]
        )
        with self.unit() as store:
            for timer in timers:
                if store.timer(timer.id) is None:
                    store.put_timer(timer, self.calendar)
        return timers

    def record_response(self, event_id: str, *, rule_id: str | None = None, at: datetime | None = None) -> int:
        """The response was given: close the event's clocks (only ``rule_id`` if given); return how many."""
        moment = at if at is not None else self._flow.workflow.clock()
        closed = 0
        with self.unit() as store:
            for timer in store.timers(subject_id=event_id):
                if rule_id is None or timer.rule_id == rule_id:
                    store.put_timer(close(timer, moment), self.calendar)
                    closed += 1
        return closed

    # -- ticking and listing --------------------------------------------------------------------------------

    def tick(self, now: datetime | None = None, *, batch: int = 500) -> TickReport:
        """Enqueue every notice owed at ``now`` (once), then deliver them if the flow dispatches."""
        moment = now if now is not None else self._flow.workflow.clock()
        if self._memory is not None:
            report = tick(self._memory, moment, self.calendar, batch=batch)
        elif self._flow.database is not None:
            report = tick(self._flow.database.engine, moment, self.calendar, batch=batch)
        else:
            raise ClocksUnavailableError("当前存储不支持法定时限（需要内存存储或数据库）。")
        if self._flow.auto_dispatch and report.notices:
            self._flow.dispatch()
        return report

    def deadlines(
        self, *, now: datetime | None = None, overdue: bool = False, within: timedelta | None = None
    ) -> list[Deadline]:
        """Open clocks, the soonest first: only overdue ones, or those due within ``within``."""
        moment = now if now is not None else self._flow.workflow.clock()
        with self.unit(write=False) as store:
            timers = store.timers()
        out = []
        for timer in timers:
            late = timer.status is TimerStatus.RUNNING and moment >= timer.due
            if overdue and not late:
                continue
            if within is not None and timer.due > moment + within:
                continue
            out.append(Deadline(timer, RULES[timer.rule_id].label, late))
        return out

    def timers(self, subject_id: str, *, open_only: bool = False) -> list[Timer]:
        """Every clock of one subject."""
        with self.unit(write=False) as store:
            return store.timers(subject_id=subject_id, open_only=open_only)


@final
class Requests:
    """依申请公开 on the flow: each call one unit of work, its events dispatched afterwards."""

    def __init__(self, flow: Flow, clocks: Clocks, **settings: Any) -> None:
        self._flow = flow
        self._clocks = clocks
        self.workflow = RequestWorkflow(flow.workflow, clocks.calendar, **settings)

    def _run(self, fn: Callable[[ClockStore], Application]) -> Application:
        # One calendar and one set of leads for the flow: ``flow.clocks.calendar`` and ``flow.clocks.leads``.
        self.workflow.calendar = self._clocks.calendar
        self.workflow.leads = self._clocks.leads
        with self._clocks.unit() as store:
            app = fn(store)
        if self._flow.auto_dispatch:
            self._flow.dispatch()
        return app

    def register(
        self,
        actor: Actor,
        *,
        applicant_name: str,
        applicant_type: ApplicantType,
        contact: str,
        description: str,
        channel: Channel,
        **fields: Any,
    ) -> Application:
        """登记 an application (see :meth:`RequestWorkflow.register`)."""
        return self._run(
            lambda store: self.workflow.register(
                store,
                actor,
                applicant_name=applicant_name,
                applicant_type=applicant_type,
                contact=contact,
                description=description,
                channel=channel,
                **fields,
            )
        )

    def act(
        self,
        application_id: str,
        action: Action,
        actor: Actor,
        *,
        opinion: str | None = None,
        consulting: str | None = None,
        days: int | None = None,
        category: ReplyCategory | None = None,
        deny_reason: DenyReason | None = None,
        reply_text: str | None = None,
    ) -> Application:
        """Take ``action`` on the application (see :meth:`RequestWorkflow.act`)."""
        return self._run(
            lambda store: self.workflow.act(
                store,
                application_id,
                action,
                actor,
                opinion=opinion,
                consulting=consulting,
                days=days,
                category=category,
                deny_reason=deny_reason,
                reply_text=reply_text,
            )
        )

    def get(self, application_id: str) -> Application:
        """The application, or ``ApplicationNotFoundError``."""
        with self._clocks.unit(write=False) as store:
            return get_application(store, application_id)

    def audit(self, application_id: str) -> list[Any]:
        """The application's audit trail, oldest first."""
        with self._clocks.unit(write=False) as store:
            get_application(store, application_id)
            return store.application_audit(application_id)

    def verify_audit(self, application_ids: list[str] | None = None) -> AuditReport:
        """Check the applications' hash-chained audit trails (every application when ``None``)."""
        with self._clocks.unit(write=False) as store:
            return store.verify_application_audit(application_ids)

    def all(self, *, states: list[str] | None = None) -> list[Application]:
        """Every application (in ``states``), the earliest received first."""
        with self._clocks.unit(write=False) as store:
            return store.applications(states=states)

    def abandon_overdue(self, actor: Actor, *, now: datetime | None = None) -> list[Application]:
        """Abandon every application whose 补正 period ran out without a correction (条例第30条)."""
        moment = now if now is not None else self._flow.workflow.clock()
        with self._clocks.unit(write=False) as store:
            waiting = store.applications(states=["correction_requested"])
            overdue = [
                a.id
                for a in waiting
                for t in store.timers(subject_id=a.id)
                if t.rule_id == "D5R" and t.status is TimerStatus.RUNNING and moment >= t.due
            ]
        return [
            self.act(app_id, Action.ABANDON, actor, opinion="逾期未补正，视为放弃申请（条例第30条）。")
            for app_id in overdue
        ]

    def make_proactive(
        self,
        application_ids: list[str],
        actor: Actor,
        drafter: Actor,
        *,
        title: str,
        kind: ItemKind,
        body: str,
        **fields: Any,
    ) -> DisclosureItem:
        """Several applications for the same information become a drafted 主动公开 item (条例第44条).

        ``drafter`` drafts the item through :meth:`Flow.draft`; the officer ``actor`` links each
        application to it (audited on each application).
        """
        if len(application_ids) < 1:
            raise InvalidFieldError("请至少选择一件申请。", field="application_ids")
        for app_id in application_ids:
            self.get(app_id)
        fields.setdefault("attribute", DisclosureAttribute.PROACTIVE)
        item = self._flow.draft(drafter, title=title, kind=kind, body=body, **fields)
        for app_id in application_ids:
            self._run(lambda store, a=app_id: self.workflow.link_item(store, a, item.id, actor))  # type: ignore[misc]
        return item
