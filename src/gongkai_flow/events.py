"""The payloads of the signals: one frozen object per signal, never loose keyword arguments.

The check-phase payload (:class:`TransitionRequested`) describes a move that has not happened
yet. Effect-phase events are past tense: they describe what has been stored, and are what the
outbox keeps and the dispatcher delivers. Every effect event has a unique ``event_id``, which
receivers use as an idempotency key.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Final, final

import attrs

if TYPE_CHECKING:
    from .chain import Action
    from .model import Actor, BlobReader, DisclosureItem


@final
@attrs.frozen
class TransitionRequested:
    """Check phase: ``actor`` asks to take ``action`` on ``item``, which would move it to ``target``.

    ``item`` is the item as it would be published or reviewed (its content is final for this
    step). Receivers return an iterable of :class:`~gongkai_flow.model.Finding` or ``None``.
    """

    item: DisclosureItem
    action: Action
    actor: Actor
    target: str
    opinion: str | None = None
    #: Where the item's attachments can be read (``None``: the caller gave no blob store, and a
    #: check that must read an attachment fails closed).
    blobs: BlobReader | None = None


@attrs.frozen
class Event:
    """Base of every effect event: what happened to which item, by whom, when."""

    type: ClassVar[str] = "event"

    event_id: str
    item_id: str
    chain_id: str
    chain_version: int
    action: str
    from_state: str
    to_state: str
    actor_id: str
    at: datetime
    content_hash: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict with a ``type`` key, readable by :func:`event_from_dict`.

        Built for every event the outbox stores, so the field names are looked up once per class
        and plain values pass after one set lookup.
        """
        cls = type(self)
        names = _FIELD_NAMES.get(cls)
        if names is None:
            names = _FIELD_NAMES[cls] = tuple(f.name for f in attrs.fields(cls))
        out: dict[str, Any] = {"type": self.type}
        for name in names:
            value = getattr(self, name)
            if value.__class__ not in _JSON_SCALARS:  # exact classes: an Enum that is also a str is not one
                if isinstance(value, datetime | date):
                    value = value.isoformat()
                elif isinstance(value, enum.Enum):
                    value = value.value
                elif isinstance(value, frozenset | tuple):
                    value = sorted(v.value if isinstance(v, enum.Enum) else v for v in value)
            out[name] = value
        return out


#: The fields of each event class, in declaration order (filled on first use).
_FIELD_NAMES: dict[type[Event], tuple[str, ...]] = {}
#: Values JSON writes as they are.
_JSON_SCALARS: Final = frozenset({str, int, float, bool, type(None)})


@final
@attrs.frozen
class ItemDrafted(Event):
    """A drafter created an item (起草)."""

    type: ClassVar[str] = "item-drafted"
    title: str


@final
@attrs.frozen
class ItemEdited(Event):
    """The drafter changed the item's content; later approvals must see the new hash."""

    type: ClassVar[str] = "item-edited"
    changed_fields: tuple[str, ...]


@final
@attrs.frozen
class TransitionApplied(Event):
    """Any transition was stored: sent for every move, before the specific event."""

    type: ClassVar[str] = "transition-applied"
    opinion: str | None = None


@final
@attrs.frozen
class ItemSubmitted(Event):
    """承办人 submitted the item; ``resumed_at_return`` when it went straight back to a returner."""

    type: ClassVar[str] = "item-submitted"
    resumed_at_return: bool = False


@final
@attrs.frozen
class ItemApproved(Event):
    """A reviewer signed a stage (同意 / 签发)."""

    type: ClassVar[str] = "item-approved"
    stage: str = ""
    opinion: str | None = None


@final
@attrs.frozen
class ItemReturned(Event):
    """A reviewer returned the item to its drafter with an opinion (退回 / 不同意)."""

    type: ClassVar[str] = "item-returned"
    stage: str = ""
    opinion: str = ""


@final
@attrs.frozen
class ItemReferred(Event):
    """局办公室 referred the item to the secrecy authority (条例第17条)."""

    type: ClassVar[str] = "item-referred"
    opinion: str = ""


@final
@attrs.frozen
class ItemResumed(Event):
    """The secrecy authority answered 不涉密: the item is back at attribute review."""

    type: ClassVar[str] = "item-resumed"
    opinion: str = ""


@final
@attrs.frozen
class ItemPublished(Event):
    """信息发布人员 published the item; website, new-media and portal plugins act on this."""

    type: ClassVar[str] = "item-published"
    title: str = ""
    kind: str = ""
    column: str = ""
    platforms: tuple[str, ...] = ()
    policy_id: str | None = None


@final
@attrs.frozen
class ItemArchived(Event):
    """The item was filed without publication (依申请公开 / 不予公开, or classified as secret)."""

    type: ClassVar[str] = "item-archived"
    reason: str = ""


@final
@attrs.frozen
class ItemWithdrawn(Event):
    """The drafter withdrew the item before review."""

    type: ClassVar[str] = "item-withdrawn"


@final
@attrs.frozen
class ItemAbolished(Event):
    """A published document was abolished (已废止): its page is marked, not removed."""

    type: ClassVar[str] = "item-abolished"
    reason: str = ""


@final
@attrs.frozen
class ItemExpired(Event):
    """A published document expired (已失效): its page is marked, not removed."""

    type: ClassVar[str] = "item-expired"
    reason: str = ""


@final
@attrs.frozen
class ItemRetracted(Event):
    """A published item was taken down; the reason is kept."""

    type: ClassVar[str] = "item-retracted"
    reason: str = ""


@attrs.frozen
class DeadlineNotice(Event):
    """Base of the statutory-clock notices a tick sends; ``item_id`` is the clock's subject.

    ``action`` is the notice (``deadline-approaching`` …), ``chain_id`` is ``"clock"`` and the
    states are the timer's status; ``due`` is ISO 8601 (Beijing time) and ``provisional`` says a
    weekday-only guess was involved. The event id is derived from the timer, the notice and the
    due time, so a notice is enqueued once however many ticks see it.
    """

    type: ClassVar[str] = "deadline-notice"
    timer_id: str = ""
    rule_id: str = ""
    rule_label: str = ""
    due: str = ""
    provisional: bool = False
    responsible: str = ""


@final
@attrs.frozen
class DeadlineApproaching(DeadlineNotice):
    """A statutory clock is within its warning lead (即将到期)."""

    type: ClassVar[str] = "deadline-approaching"


@final
@attrs.frozen
class DeadlineDue(DeadlineNotice):
    """A statutory clock runs out today, or within the hour for hour clocks (今日到期)."""

    type: ClassVar[str] = "deadline-due"


@final
@attrs.frozen
class DeadlineMissed(DeadlineNotice):
    """A statutory clock ran out before its work was done (已超期)."""

    type: ClassVar[str] = "deadline-missed"


@final
@attrs.frozen
class ApplicationRegistered(Event):
    """A 依申请公开 application was registered; ``item_id`` is the application id."""

    type: ClassVar[str] = "application-registered"
    applicant_name: str = ""
    received_on: str = ""
    due: str = ""


@final
@attrs.frozen
class ApplicationCorrectionRequested(Event):
    """The applicant was asked, once, to correct the application (补正告知, 条例第30条)."""

    type: ClassVar[str] = "application-correction-requested"
    opinion: str = ""
    correct_by: str = ""


@final
@attrs.frozen
class ApplicationExtended(Event):
    """The reply period was extended with the disclosure head's approval; tell the applicant."""

    type: ClassVar[str] = "application-extended"
    days: int = 0
    approver_id: str = ""
    reason: str = ""
    due: str = ""


@final
@attrs.frozen
class ApplicationReplied(Event):
    """The application was answered; ``remedy`` is the remedy text the reply states."""

    type: ClassVar[str] = "application-replied"
    category: str = ""
    deny_reason: str | None = None
    remedy: str = ""
    review_first: bool = False


#: Every effect event class by its ``type`` string (for the outbox).
EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        ItemDrafted,
        ItemEdited,
        TransitionApplied,
        ItemSubmitted,
        ItemApproved,
        ItemReturned,
        ItemReferred,
        ItemResumed,
        ItemPublished,
        ItemArchived,
        ItemWithdrawn,
        ItemAbolished,
        ItemExpired,
        ItemRetracted,
        DeadlineApproaching,
        DeadlineDue,
        DeadlineMissed,
        ApplicationRegistered,
        ApplicationCorrectionRequested,
        ApplicationExtended,
        ApplicationReplied,
    )
}


def event_from_dict(data: dict[str, Any]) -> Event:
    """Rebuild an event from :meth:`Event.to_dict` output."""
    data = dict(data)
    cls = EVENT_TYPES[data.pop("type")]
    data["at"] = datetime.fromisoformat(data["at"])
    # JSON has no tuples: every list-valued field of an event is a tuple field.
    fields: dict[str, Any] = {key: tuple(value) if isinstance(value, list) else value for key, value in data.items()}
    return cls(**fields)
