"""依申请公开: applications for government information, from registration to reply.

The domain values of an application — how it arrived and on which day it counts as received
(条例第31条), who applied (the annual report's applicant columns), and how it was answered
(条例第35–39条, mapped to the annual report's rows) — and the remedy channels a reply must state,
which changed on 2024-01-01 when administrative review became mandatory before litigation for
refusals (行政复议法 2023 第23条).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final, final

import attrs

from .applications import (
    ApplicantType,
    Application,
    ApplicationNotFoundError,
    Channel,
    DenyReason,
    ReplyCategory,
)
from .calendar import WorkCalendar
from .chain import Action
from .deadlines import (
    BUREAU_TZ,
    RULES,
    TimerStatus,
    close,
    extend,
    local_date,
    pause,
    restart,
    resume,
    start_timer,
    store_timer,
)
from .errors import (
    ActionNotAvailableError,
    InvalidFieldError,
    OpinionRequiredError,
    RoleRequiredError,
    StaleItemError,
    WorkflowError,
)
from .events import (
    ApplicationCorrectionRequested,
    ApplicationExtended,
    ApplicationRegistered,
    ApplicationReplied,
    Event,
)
from .fields import check_actor, check_choice, check_date, check_int, check_text, check_texts
from .model import Actor, AuditEntry, Role
from .ports import ClockStore
from .text import formal_date

__all__ = [
    "REFUSALS",
    "REVIEW_FIRST_FROM",
    "ApplicantType",
    "Application",
    "ApplicationNotFoundError",
    "Channel",
    "ClockStore",
    "ConsultationError",
    "DenyReason",
    "ExtensionRefusedError",
    "Remedy",
    "ReplyCategory",
    "ReplyIncompleteError",
    "RequestWorkflow",
    "get_application",
    "receipt_date",
    "remedy_for",
]

if TYPE_CHECKING:
    from .engine import Workflow


def get_application(store: ClockStore, application_id: str) -> Application:
    """The application, or ``ApplicationNotFoundError`` (``InvalidFieldError`` for a malformed id)."""
    check_text("application_id", application_id)
    found = store.find_application(application_id)
    if found is None:
        raise ApplicationNotFoundError(f"找不到编号为“{application_id}”的政府信息公开申请。", item_id=application_id)
    return found


#: Replies that refuse the information in whole or part: review comes first from 2024-01-01.
REFUSALS: Final = frozenset(
    {
        ReplyCategory.PARTIAL,
        ReplyCategory.DENY,
        ReplyCategory.NOT_EXIST,
        ReplyCategory.NOT_OURS,
        ReplyCategory.NEEDS_PROCESSING,
        ReplyCategory.UNCLEAR_AFTER_CORRECTION,
    }
)

#: From this day a refusal must be taken to administrative review before a court.
REVIEW_FIRST_FROM: Final = date(2024, 1, 1)


@final
@attrs.frozen
class Remedy:
    """The remedy channels a reply must state (救济渠道)."""

    text: str
    review_first: bool


def remedy_for(category: ReplyCategory, replied_on: date, *, review_body: str, court: str) -> Remedy:
    """The remedy channels valid for a reply of ``category`` given on ``replied_on``.

    Before 2024-01-01, and for replies that give the information, the applicant may choose
    administrative review (60 days) or litigation (6 months). From 2024-01-01 a refusal goes to
    administrative review first (行政复议法 2023 第23条).
    """
    if replied_on >= REVIEW_FIRST_FROM and category in REFUSALS:
        return Remedy(
            f"如对本答复不服，可以自收到本答复之日起60日内向{review_body}申请行政复议；"
            f"对行政复议决定不服的，可以依法向{court}提起行政诉讼。",
            review_first=True,
        )
    return Remedy(
        f"如对本答复不服，可以自收到本答复之日起60日内向{review_body}申请行政复议，"
        f"或者在6个月内向{court}提起行政诉讼。",
        review_first=False,
    )


def receipt_date(
    channel: Channel,
    *,
    submitted_on: date | None = None,
    signed_on: date | None = None,
    confirmed_on: date | None = None,
) -> date:
    """The day an application counts as received (条例第31条), or ``InvalidFieldError``.

    In person: the day it was handed in. Post that needs signing: the day it was signed for.
    Ordinary post: the day the bureau confirmed it with the applicant. Internet and fax: the day
    both sides confirmed it.
    """
    needed: dict[Channel, tuple[str, date | None, str]] = {
        Channel.IN_PERSON: ("submitted_on", submitted_on, "提交日期"),
        Channel.POST_SIGNED: ("signed_on", signed_on, "签收日期"),
        Channel.POST_UNSIGNED: ("confirmed_on", confirmed_on, "与申请人确认的日期"),
        Channel.ONLINE: ("confirmed_on", confirmed_on, "双方确认的日期"),
        Channel.FAX: ("confirmed_on", confirmed_on, "双方确认的日期"),
    }
    field, value, label = needed[channel]
    if value is None:
        raise InvalidFieldError(
            f"{channel.label}的申请以{label}为收到申请之日（条例第31条），请填写{label}。", field=field
        )
    return value


class ReplyIncompleteError(WorkflowError):
    """A reply lacks what it must state: its category, the 不予公开 reason, or the remedy channels."""

    code = "request.reply_incomplete"


class ExtensionRefusedError(WorkflowError):
    """A second extension, one beyond 20 working days, or one when the reply clock is not running."""

    code = "request.extension_refused"


class ConsultationError(WorkflowError):
    """A consultation without its kind (third party or co-author)."""

    code = "request.consultation"


#: Consultation kinds and the clock each runs.
CONSULTATION_RULES: Final[dict[str, str]] = {"third_party": "D6", "co_author": "D7"}
CONSULTATION_LABELS: Final[dict[str, str]] = {"third_party": "第三方", "co_author": "共同制作机关"}

# --- the workflow -------------------------------------------------------------------------------------


def _day_start(day: date) -> datetime:

    return datetime.combine(day, datetime.min.time(), tzinfo=BUREAU_TZ)


@final
class RequestWorkflow:
    """The 依申请公开 chain on the shared engine: authorization, clocks, audit, outbox.

    Every move fires :meth:`Workflow.advance <gongkai_flow.engine.Workflow.advance>` on the
    ``request`` chain, after the same role check the item chain makes (the actor must hold the
    step's role). Each action stores, in the caller's unit of work (a
    :class:`ClockStore`): the new application (version-checked), an
    :class:`~gongkai_flow.model.AuditEntry` whose ``item_id`` is the application id, the clocks it
    starts, pauses, restarts, extends or closes, and its events for the outbox.

    ``review_body`` and ``court`` name the remedy channels every reply states;
    ``correction_days`` is the 补正 period the bureau grants (条例第30条 leaves it to the bureau).
    """

    def __init__(
        self,
        workflow: Workflow,
        calendar: WorkCalendar,
        *,
        review_body: str = "日照市人民政府",
        court: str = "有管辖权的人民法院",
        correction_days: int = 15,
    ) -> None:
        self.workflow = workflow
        self.calendar = calendar
        self.review_body = review_body
        self.court = court
        self.correction_days = correction_days
        #: Warning leads by rule id for the clocks this workflow starts (absent: the rule's own).
        self.leads: Mapping[str, int] = {}

    # -- registering ---------------------------------------------------------------------------

    def register(
        self,
        store: ClockStore,
        actor: Actor,
        *,
        applicant_name: str,
        applicant_type: ApplicantType,
        contact: str,
        description: str,
        channel: Channel,
        submitted_on: date | None = None,
        signed_on: date | None = None,
        confirmed_on: date | None = None,
        application_id: str | None = None,
        delivery: str = "电子邮件",
        sections: Iterable[str] = (),
    ) -> Application:
        """登记: the receipt date follows the channel (条例第31条); the D3 and D5 clocks start."""
        check_actor(actor)
        check_text("application_id", application_id, optional=True)
        check_text("applicant_name", applicant_name)
        check_text("contact", contact)
        check_text("description", description)
        check_text("delivery", delivery)
        check_texts("sections", sections)
        check_choice("applicant_type", "申请人类型", ApplicantType, applicant_type)
        check_choice("channel", "申请方式", Channel, channel)
        check_date("submitted_on", "提交日期", submitted_on, optional=True)
        check_date("signed_on", "签收日期", signed_on, optional=True)
        check_date("confirmed_on", "确认日期", confirmed_on, optional=True)
        self._require(actor, Role.REQUEST_OFFICER, "登记申请")
        for field, value, label in (
            ("applicant_name", applicant_name, "申请人姓名或名称"),
            ("contact", contact, "联系方式"),
            ("description", description, "所需信息的名称、文号或特征性描述"),
        ):
            if not value.strip():
                raise InvalidFieldError(f"申请须写明{label}（条例第29条）。", field=field)
        received = receipt_date(channel, submitted_on=submitted_on, signed_on=signed_on, confirmed_on=confirmed_on)
        now = self.workflow.clock()
        if received > local_date(now):
            raise InvalidFieldError(
                f"收到申请之日（{formal_date(received)}）晚于登记日期（{formal_date(local_date(now))}），"
                "不能登记尚未收到的申请。",
                field="received_on",
            )
        chain = self.workflow.chains.latest("request")
        app = Application(
            id=application_id or self.workflow.new_id(),
            applicant_name=applicant_name.strip(),
            applicant_type=applicant_type,
            contact=contact.strip(),
            description=description.strip(),
            channel=channel,
            received_on=received,
            delivery=delivery,
            sections=tuple(sections) or (actor.section,),
            state=chain.initial,
            chain_id=chain.id,
            chain_version=chain.version,
            version=1,
            registered_at=now,
            last_action_on=received,
        )
        if store.find_application(app.id) is not None:
            raise StaleItemError(f"编号为“{app.id}”的申请已经存在，不能重复登记。", item_id=app.id)
        start = _day_start(received)
        reply = start_timer(
            f"{app.id}:D3",
            RULES["D3"],
            app.id,
            start,
            self.calendar,
            responsible=actor.section,
            lead=self.leads.get("D3"),
        )
        notice = start_timer(
            f"{app.id}:D5",
            RULES["D5"],
            app.id,
            start,
            self.calendar,
            responsible=actor.section,
            lead=self.leads.get("D5"),
        )
        store_timer(store, reply, self.calendar)
        store_timer(store, notice, self.calendar)
        event_id = self.workflow.new_id()
        event = ApplicationRegistered(
            event_id=event_id,
            item_id=app.id,
            chain_id=chain.id,
            chain_version=chain.version,
            action="register",
            from_state=chain.initial,
            to_state=chain.initial,
            actor_id=actor.id,
            at=now,
            content_hash="",
            applicant_name=app.applicant_name,
            received_on=received.isoformat(),
            due=reply.due.isoformat(),
        )
        entry = self._entry(
            app, actor, Role.REQUEST_OFFICER, "register", "登记", chain.initial, now, event_id, occurred_on=received
        )
        store.save_application(app, None, (entry,), (event,))
        return app

    # -- acting ----------------------------------------------------------------------------------------

    def act(
        self,
        store: ClockStore,
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
        """Take ``action`` on the application as ``actor``; refuse with a typed error, leaving no trace.

        ``occurred_on`` is the day the action happened — the corrected application arrived, the
        consultation was sent or answered, the extension was approved — when it is recorded
        later; the clocks count from that day (条例第三十条: the reply period runs from the day the
        corrected application is received). It defaults to the recording day, and may be neither
        after it nor before the application's previous action (``InvalidFieldError``). The
        audit entry keeps both: ``at`` (recorded) and ``occurred_on``.
        """
        check_actor(actor)
        check_text("application_id", application_id)
        if not isinstance(action, Action):
            raise InvalidFieldError(f"操作须为 Action，不能是 {type(action).__name__}。", field="action", label="操作")
        check_text("opinion", opinion, optional=True)
        check_text("consulting", consulting, optional=True)
        check_text("reply_text", reply_text, optional=True)
        check_int("days", "天数", days, minimum=0, maximum=366, optional=True)
        check_choice("category", "答复类型", ReplyCategory, category, optional=True)
        check_choice("deny_reason", "不予公开理由", DenyReason, deny_reason, optional=True)
        check_date("occurred_on", "发生日期", occurred_on, optional=True)
        app = get_application(store, application_id)
        chain = self.workflow.chains.get(app.chain_id, app.chain_version)
        step = chain.step(app.state, action)
        if step is None:
            label = chain.stage(app.state).label if chain.has_stage(app.state) else app.state
            raise ActionNotAvailableError(
                f"申请“{app.id}”当前处于“{label}”环节，不能进行“{action.label}”操作。",
                item_id=app.id,
                state=app.state,
                action=action.value,
            )
        self._require(actor, step.role, action.label, app)
        now = self.workflow.clock()
        day, at = self._occurred(app, now, occurred_on)
        opinion = (opinion or "").strip() or None
        if action is Action.RECEIVE_OPINIONS and opinion is None and app.consulting == "co_author":
            opinion = self._silent_co_author(store, app, at)
        if step.opinion_required and opinion is None:
            raise OpinionRequiredError(f"{action.label}须填写意见。", item_id=app.id, action=action.value)
        new_state = self.workflow.advance(chain, app.state, action.value)
        changes, events_extra = self._effects(
            store, app, action, actor, at, opinion, consulting, days, category, deny_reason, reply_text
        )
        after = attrs.evolve(app, state=new_state, version=app.version + 1, last_action_on=day, **changes)
        event_id = self.workflow.new_id()
        events: list[Event] = [
            cls(
                event_id=f"{event_id}-{n}",
                item_id=app.id,
                chain_id=app.chain_id,
                chain_version=app.chain_version,
                action=action.value,
                from_state=app.state,
                to_state=new_state,
                actor_id=actor.id,
                at=now,
                content_hash="",
                **fields,
            )
            for n, (cls, fields) in enumerate(events_extra)
        ]
        entry = self._entry(
            after,
            actor,
            step.role,
            action.value,
            action.label,
            app.state,
            now,
            event_id,
            opinion=opinion,
            occurred_on=day,
        )
        entry = attrs.evolve(entry, from_state=app.state)
        store.save_application(after, app.version, (entry,), events)
        return after

    def link_item(self, store: ClockStore, application_id: str, item_id: str, actor: Actor) -> Application:
        """Record that the application's information became the 主动公开 item ``item_id`` (条例第44条)."""
        self._require(actor, Role.REQUEST_OFFICER, "纳入主动公开")
        app = get_application(store, application_id)
        now = self.workflow.clock()
        after = attrs.evolve(app, linked_item_id=item_id, version=app.version + 1)
        entry = self._entry(
            after,
            actor,
            Role.REQUEST_OFFICER,
            "link_item",
            "纳入主动公开（条例第44条）",
            app.state,
            now,
            self.workflow.new_id(),
            opinion=f"已起草主动公开信息 {item_id}",
        )
        store.save_application(after, app.version, (entry,), ())
        return after

    # -- the rules -------------------------------------------------------------------------------------

    @staticmethod
    def _occurred(app: Application, now: datetime, occurred_on: date | None) -> tuple[date, datetime]:
        """The day an action happened and the moment its clocks count from, or ``InvalidFieldError``.

        Recorded on the day it happened, the moment is the recording time; an earlier day counts
        from that day's start (Beijing time), as a receipt does.
        """
        today = local_date(now)
        day = today if occurred_on is None else occurred_on
        if day > today:
            raise InvalidFieldError(
                f"办理日期（{formal_date(day)}）晚于登记日期（{formal_date(today)}），不能登记尚未发生的办理事项。",
                field="occurred_on",
            )
        previous = app.last_action_on or max(app.received_on, app.corrected_on or app.received_on)
        if day < previous:
            raise InvalidFieldError(
                f"办理日期（{formal_date(day)}）早于申请“{app.id}”上一次办理的日期（{formal_date(previous)}），"
                "请核对日期。",
                field="occurred_on",
                item_id=app.id,
            )
        return day, now if day == today else _day_start(day)

    def _effects(
        self,
        store: ClockStore,
        app: Application,
        action: Action,
        actor: Actor,
        now: datetime,
        opinion: str | None,
        consulting: str | None,
        days: int | None,
        category: ReplyCategory | None,
        deny_reason: DenyReason | None,
        reply_text: str | None,
    ) -> tuple[dict[str, Any], list[tuple[type[Event], dict[str, Any]]]]:
        """What ``action`` changes on the application and its clocks, and the events it sends."""
        cal = self.calendar
        reply_timer = store.timer(f"{app.id}:D3")
        changes: dict[str, Any] = {}
        extra: list[tuple[type[Event], dict[str, Any]]] = []

        def close_open(*rule_ids: str) -> None:
            for timer in store.timers(subject_id=app.id):
                if timer.rule_id in rule_ids:
                    store.close_timer(timer.id, now)

        match action:
            case Action.ACCEPT:
                close_open("D5")
            case Action.REQUEST_CORRECTION:
                close_open("D5")
                if reply_timer is not None:
                    store_timer(store, pause(reply_timer, now, cal), cal)
                period = start_timer(
                    f"{app.id}:D5R",
                    RULES["D5R"],
                    app.id,
                    now,
                    cal,
                    responsible=actor.section,
                    days=self.correction_days,
                    lead=self.leads.get("D5R"),
                )
                store_timer(store, period, cal)
                extra.append(
                    (ApplicationCorrectionRequested, {"opinion": opinion or "", "correct_by": period.due.isoformat()})
                )
            case Action.RECEIVE_CORRECTION:
                close_open("D5R")
                # 条例第三十条: the reply period runs again from the day the corrected application arrived.
                changes["corrected_on"] = local_date(now)
                if reply_timer is not None:
                    store_timer(store, restart(reply_timer, now, cal), cal)
            case Action.ABANDON:
                for timer in store.timers(subject_id=app.id):
                    store_timer(store, attrs.evolve(close(timer, now), status=TimerStatus.ABANDONED), cal)
                changes["reply_category"] = ReplyCategory.NO_CORRECTION
            case Action.CONSULT:
                if consulting not in CONSULTATION_RULES:
                    raise ConsultationError(
                        "征求意见须说明对象：第三方（third_party，条例第32条）或共同制作机关（co_author，条例第34条）。",
                        item_id=app.id,
                    )
                if reply_timer is not None:
                    store_timer(store, pause(reply_timer, now, cal), cal)
                rule = RULES[CONSULTATION_RULES[consulting]]
                n = app.consultations + 1
                store_timer(
                    store,
                    start_timer(
                        f"{app.id}:{rule.id}:{n}",
                        rule,
                        app.id,
                        now,
                        cal,
                        responsible=actor.section,
                        lead=self.leads.get(rule.id),
                    ),
                    cal,
                )
                changes.update(consulting=consulting, consultations=n)
            case Action.RECEIVE_OPINIONS:
                close_open("D6", "D7")
                if reply_timer is not None:
                    store_timer(store, resume(reply_timer, now, cal), cal)
                changes["consulting"] = None
            case Action.EXTEND:
                # 条例第三十三条第二款: one extension, of at most 20 working days, before the period ends.
                already = max(app.extended_days, reply_timer.extended_days if reply_timer is not None else 0)
                if already:
                    raise ExtensionRefusedError(
                        f"该申请的答复期限已延长过一次（{already}个工作日），"
                        "条例第三十三条第二款只允许延长一次，不能再次延期。",
                        item_id=app.id,
                    )
                if reply_timer is None or reply_timer.status is not TimerStatus.RUNNING or now >= reply_timer.due:
                    raise ExtensionRefusedError(
                        "答复期限已届满或未在计时，不能延期：延期须在原期限届满前经批准（条例第三十三条第二款）。",
                        item_id=app.id,
                    )
                wanted = days if days is not None else 20
                if not 1 <= wanted <= 20:
                    raise ExtensionRefusedError(
                        f"延长答复期限最多20个工作日（条例第三十三条第二款），本次申请{wanted}个工作日不予批准。",
                        item_id=app.id,
                    )
                longer = extend(reply_timer, wanted, actor.id, cal)
                store_timer(store, longer, cal)
                changes["extended_days"] = app.extended_days + wanted
                extra.append(
                    (
                        ApplicationExtended,
                        {
                            "days": wanted,
                            "approver_id": actor.id,
                            "reason": opinion or "",
                            "due": longer.due.isoformat(),
                        },
                    )
                )
            case Action.REPLY:
                changes.update(self._reply(app, now, category, deny_reason, reply_text))
                close_open("D3", "D5", "D5R", "D6", "D7")
                extra.append(
                    (
                        ApplicationReplied,
                        {
                            "category": changes["reply_category"].value,
                            "deny_reason": deny_reason.value if deny_reason is not None else None,
                            "remedy": changes["remedy"],
                            "review_first": changes["review_first"],
                        },
                    )
                )
            case _:
                pass
        return changes, extra

    def _reply(
        self,
        app: Application,
        now: datetime,
        category: ReplyCategory | None,
        deny_reason: DenyReason | None,
        reply_text: str | None,
    ) -> dict[str, Any]:
        if category is None:
            raise ReplyIncompleteError("答复须选择答复类别（条例第35–39条）。", item_id=app.id)
        if category is ReplyCategory.DENY and deny_reason is None:
            raise ReplyIncompleteError("不予公开的答复须说明理由，写明所依据的条款。", item_id=app.id)
        if category is not ReplyCategory.DENY and deny_reason is not None:
            raise ReplyIncompleteError("只有不予公开的答复才填写不予公开理由。", item_id=app.id)
        if not self.review_body.strip() or not self.court.strip():
            raise ReplyIncompleteError("未配置行政复议机关或人民法院，答复无法告知救济途径，不能答复。", item_id=app.id)
        day = local_date(now)
        remedy = remedy_for(category, day, review_body=self.review_body, court=self.court)
        text = (reply_text or "").strip()
        if not text:
            reason = f"（{deny_reason.label}）" if deny_reason is not None else ""
            text = f"经审查，{category.label}{reason}。{remedy.text}"
        elif remedy.text not in text:
            raise ReplyIncompleteError(
                f"答复书须告知{formal_date(day)}当日有效的救济途径：“{remedy.text}”。答复书中没有这段文字，不能答复。",
                item_id=app.id,
            )
        return {
            "reply_category": category,
            "deny_reason": deny_reason,
            "reply_text": text,
            "remedy": remedy.text,
            "review_first": remedy.review_first,
            "replied_at": now,
        }

    def _silent_co_author(self, store: ClockStore, app: Application, now: datetime) -> str | None:
        """A co-author that did not answer within 15 working days agrees (条例第34条)."""
        for timer in store.timers(subject_id=app.id):
            if timer.rule_id == "D7" and now >= timer.due:
                return "共同制作机关逾期未答复，视为同意公开（条例第34条）。"
        return None

    @staticmethod
    def _require(actor: Actor, role: Role, what: str, app: Application | None = None) -> None:
        if role not in actor.roles:
            target = f"对申请“{app.id}”" if app is not None else ""
            raise RoleRequiredError(
                f"{actor.name}没有“{role.label}”角色，不能{target}进行“{what}”操作。",
                actor_id=actor.id,
                item_id=app.id if app is not None else None,
            )

    @staticmethod
    def _entry(
        app: Application,
        actor: Actor,
        role: Role,
        action: str,
        decision: str,
        from_state: str,
        at: datetime,
        event_id: str,
        *,
        opinion: str | None = None,
        occurred_on: date | None = None,
    ) -> AuditEntry:
        return AuditEntry(
            item_id=app.id,
            action=action,
            actor_id=actor.id,
            actor_name=actor.name,
            role=role,
            section=actor.section,
            from_state=from_state,
            to_state=app.state,
            decision=decision,
            content_hash="",
            at=at,
            event_id=event_id,
            opinion=opinion,
            occurred_on=occurred_on,
        )
