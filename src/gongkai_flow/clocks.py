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
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime, timedelta
from typing import Any, Final, Protocol, final

import attrs

from .calendar import WorkCalendar
from .chain import Action
from .deadlines import (
    BUREAU_TZ,
    RULES,
    TickReport,
    Timer,
    TimerStatus,
    add_timer,
    close,
    start_timer,
    store_timer,
    tick_batch,
)
from .engine import Outcome, Workflow
from .errors import InvalidFieldError, WorkflowError
from .events import ItemArchived, ItemDrafted, ItemEdited, ItemPublished, ItemWithdrawn
from .fields import check_date, check_text
from .model import Actor, AuditReport, DisclosureAttribute, DisclosureItem, ItemKind
from .ports import ClockStore, ItemLinks
from .requests import (
    ApplicantType,
    Application,
    Channel,
    DenyReason,
    ReplyCategory,
    RequestWorkflow,
    get_application,
)


class ItemUnits(Protocol):
    """Opens one unit of work on the items (``write=False`` for reading), committed when the block ends.

    ``Flow.unit`` and every storage backend's ``Store.unit`` have this shape.
    """

    def __call__(self, *, write: bool = True) -> AbstractContextManager[ItemLinks]:
        """A repository for one unit of work."""


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

    def __init__(
        self,
        units: ItemUnits,
        workflow: Workflow,
        calendar: WorkCalendar | None = None,
        *,
        after_enqueue: Callable[[], object] | None = None,
    ) -> None:
        self._units = units
        self._workflow = workflow
        self._after_enqueue = after_enqueue
        self.calendar = calendar if calendar is not None else WorkCalendar()
        #: The bureau's warning leads by rule id (working days, or hours for hour clocks), for new clocks.
        self.leads: dict[str, int] = {}

    # -- units -----------------------------------------------------------------------------------------

    @contextmanager
    def unit(self, *, write: bool = True) -> Iterator[ClockStore]:
        """A clock store in one unit of work, committed when the block ends without an error."""
        with self._units(write=write) as repo:
            yield repo.clock_store()

    def _notify(self) -> None:
        if self._after_enqueue is not None:
            self._after_enqueue()

    # -- items ------------------------------------------------------------------------------------------

    def after_save(self, repo: ItemLinks, outcome: Outcome) -> None:
        """Start or close the item clocks an outcome calls for, in the same unit of work."""
        # Most actions (approvals, returns) touch no clock: skip the store for them.
        if not any(isinstance(event, _CLOCK_EVENTS) for event in outcome.events):
            return
        store = repo.clock_store()
        item = outcome.item
        for event in outcome.events:
            at = event.at
            if isinstance(event, ItemDrafted):
                self._start_d1(store, item)
            elif isinstance(event, ItemEdited) and {"formed_on", "attribute"} & set(event.changed_fields):
                self._restart_d1(store, item, at)
            elif isinstance(event, ItemPublished):
                store.close_timer(f"{item.id}:D1", at)
                if item.kind is ItemKind.POLICY_DOCUMENT and not repo.has_published_interpretation(item.id):
                    timer = start_timer(
                        f"{item.id}:D15",
                        RULES["D15"],
                        item.id,
                        at,
                        self.calendar,
                        responsible=item.lead_section,
                        lead=self.leads.get("D15"),
                    )
                    add_timer(store, timer, self.calendar)
                if item.kind is ItemKind.POLICY_INTERPRETATION and item.policy_id:
                    store.close_timer(f"{item.policy_id}:D15", at)
            elif isinstance(event, ItemArchived | ItemWithdrawn):
                store.close_timer(f"{item.id}:D1", at)

    def _start_d1(self, store: ClockStore, item: DisclosureItem) -> None:
        if item.attribute is not DisclosureAttribute.PROACTIVE or item.formed_on is None:
            return
        add_timer(
            store,
            start_timer(
                f"{item.id}:D1",
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
            store_timer(store, fresh, self.calendar)
        elif current is not None:
            store_timer(store, close(current, at), self.calendar)

    # -- 舆情 ---------------------------------------------------------------------------------------------

    def register_opinion(
        self, event_id: str, severity: str, *, at: datetime | None = None, responsible: str = ""
    ) -> tuple[Timer, ...]:
        """Register a 舆情 event: ``"major"`` (特别重大、重大突发事件) runs D12 and D13, ``"other"`` D14."""
        check_text("event_id", event_id)
        check_text("responsible", responsible)
        if at is not None and not isinstance(at, datetime):
            raise InvalidFieldError(f"舆情发生时间须为时间，不能是 {type(at).__name__}。", field="at", label="发生时间")
        if at is not None:
            check_date("at", "发生时间", at)
        if not isinstance(severity, str) or severity not in OPINION_RULES:
            raise InvalidFieldError(
                "舆情级别只能是 major（特别重大、重大突发事件）或 other（其他政务舆情）。", field="severity"
            )
        if not event_id.strip():
            raise InvalidFieldError("请填写舆情事件编号。", field="event_id")
        start = at if at is not None else self._workflow.clock()
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
                add_timer(store, timer, self.calendar)
        return timers

    def record_response(self, event_id: str, *, rule_id: str | None = None, at: datetime | None = None) -> int:
        """The response was given: close the event's clocks (only ``rule_id`` if given); return how many."""
        moment = at if at is not None else self._workflow.clock()
        closed = 0
        with self.unit() as store:
            for timer in store.timers(subject_id=event_id):  # the open ones
                if (rule_id is None or timer.rule_id == rule_id) and store.close_timer(timer.id, moment) is not None:
                    closed += 1
        return closed

    # -- ticking and listing --------------------------------------------------------------------------------

    def tick(self, now: datetime | None = None, *, batch: int = 500) -> TickReport:
        """Enqueue every notice owed at ``now`` (once), then deliver them if the flow dispatches.

        Batches of ``batch`` timers, each batch one unit of work (several workers may tick one
        PostgreSQL database at once: each claims rows the others skip). Idempotent: a second tick
        at the same ``now`` changes nothing.
        """
        moment = now if now is not None else self._workflow.clock()
        report = tick(self._units, moment, self.calendar, batch=batch)
        if report.notices:
            self._notify()
        return report

    def deadlines(
        self, *, now: datetime | None = None, overdue: bool = False, within: timedelta | None = None
    ) -> list[Deadline]:
        """Open clocks, the soonest first: only overdue ones, or those due within ``within``."""
        moment = now if now is not None else self._workflow.clock()
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

    def __init__(
        self,
        clocks: Clocks,
        workflow: Workflow,
        *,
        draft: Callable[..., DisclosureItem] | None = None,
        **settings: Any,
    ) -> None:
        self._clocks = clocks
        self._workflow = workflow
        self._draft = draft
        self.workflow = RequestWorkflow(workflow, clocks.calendar, **settings)

    def _run(self, fn: Callable[[ClockStore], Application]) -> Application:
        # One calendar and one set of leads for the flow: ``flow.clocks.calendar`` and ``flow.clocks.leads``.
        self.workflow.calendar = self._clocks.calendar
        self.workflow.leads = self._clocks.leads
        with self._clocks.unit() as store:
            app = fn(store)
        self._clocks._notify()
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
        occurred_on: date | None = None,
    ) -> Application:
        """Take ``action`` on the application, on the day it happened (see :meth:`RequestWorkflow.act`)."""
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
                occurred_on=occurred_on,
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
        moment = now if now is not None else self._workflow.clock()
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
        if self._draft is None:
            raise WorkflowError("当前配置不能由申请转为主动公开信息（没有起草入口）。")
        item = self._draft(drafter, title=title, kind=kind, body=body, **fields)
        for app_id in application_ids:
            self._run(lambda store, a=app_id: self.workflow.link_item(store, a, item.id, actor))  # type: ignore[misc]
        return item


def tick(units: ItemUnits, now: datetime, calendar: WorkCalendar, *, batch: int = 500) -> TickReport:
    """Owe every notice due at ``now``, once: batches of ``batch`` timers, each one unit of work.

    ``units`` opens units of work (``Flow.unit`` or a store's ``unit``); several workers may tick
    one PostgreSQL database at once, each claiming rows the others skip. Idempotent: a second tick
    at the same ``now`` changes nothing.
    """
    examined = 0
    notices: list[Any] = []
    while True:
        with units(write=True) as repo:
            report = tick_batch(repo.clock_store(), now, calendar, batch)
        examined += report.examined
        notices.extend(report.notices)
        # A full batch that owed nothing would be claimed again: stop (next_check forbids it).
        if report.examined < batch or not report.notices:
            return TickReport(examined, tuple(notices))
