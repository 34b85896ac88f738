"""Every extension point of gongkai_flow, declared once.

Signals live in a private :class:`blinker.Namespace`. Each is sent with the workflow instance as
sender and one keyword argument, ``event``, holding a frozen payload from
:mod:`gongkai_flow.events`. Receivers are connected per workflow and strongly (see
:class:`gongkai_flow.plugins.PluginRegistry`), so two workflows in one process stay apart.

Two phases:

* **check** — sent before a transition, inside :meth:`Workflow.fire`. Receivers return findings;
  a blocking finding refuses the transition, and an exception refuses it too (fail closed).
* **effect** — sent after the change is stored (and, with a database, committed), by the
  dispatcher. Return values are ignored; receivers must be idempotent by ``event.event_id``.

The reference in ``docs/signals.md`` is checked against this module by the test suite.
"""

from __future__ import annotations

from blinker import NamedSignal, Namespace

from . import events

_signals = Namespace()

transition_requested = _signals.signal(
    "transition-requested",
    doc="""Check phase. Sent before every transition with a :class:`~gongkai_flow.events.TransitionRequested`.
    Return an iterable of :class:`~gongkai_flow.model.Finding` (or ``None``). A finding of severity
    BLOCK refuses the transition with ``TransitionBlockedError``; an exception refuses it with
    ``CheckFailedError`` (fail closed).""",
)

item_drafted = _signals.signal(
    "item-drafted", doc="Effect phase. :class:`~gongkai_flow.events.ItemDrafted`: an item was created."
)
item_edited = _signals.signal(
    "item-edited",
    doc="Effect phase. :class:`~gongkai_flow.events.ItemEdited`: the drafter changed the content.",
)
transition_applied = _signals.signal(
    "transition-applied",
    doc="Effect phase. :class:`~gongkai_flow.events.TransitionApplied`: any transition was stored.",
)
item_submitted = _signals.signal(
    "item-submitted",
    doc="Effect phase. :class:`~gongkai_flow.events.ItemSubmitted`: the drafter submitted the item.",
)
item_approved = _signals.signal(
    "item-approved", doc="Effect phase. :class:`~gongkai_flow.events.ItemApproved`: a stage was signed."
)
item_returned = _signals.signal(
    "item-returned",
    doc="Effect phase. :class:`~gongkai_flow.events.ItemReturned`: returned to the drafter with an opinion.",
)
item_referred = _signals.signal(
    "item-referred",
    doc="Effect phase. :class:`~gongkai_flow.events.ItemReferred`: referred to the secrecy authority.",
)
item_resumed = _signals.signal(
    "item-resumed",
    doc="Effect phase. :class:`~gongkai_flow.events.ItemResumed`: the secrecy authority said 不涉密.",
)
item_published = _signals.signal(
    "item-published",
    doc="Effect phase. :class:`~gongkai_flow.events.ItemPublished`: published; push it to the public platforms.",
)
item_archived = _signals.signal(
    "item-archived",
    doc="Effect phase. :class:`~gongkai_flow.events.ItemArchived`: filed without publication.",
)
item_withdrawn = _signals.signal(
    "item-withdrawn",
    doc="Effect phase. :class:`~gongkai_flow.events.ItemWithdrawn`: withdrawn by its drafter.",
)
item_abolished = _signals.signal(
    "item-abolished",
    doc="Effect phase. :class:`~gongkai_flow.events.ItemAbolished`: mark the original page 已废止.",
)
item_expired = _signals.signal(
    "item-expired",
    doc="Effect phase. :class:`~gongkai_flow.events.ItemExpired`: mark the original page 已失效.",
)
item_retracted = _signals.signal(
    "item-retracted",
    doc="Effect phase. :class:`~gongkai_flow.events.ItemRetracted`: take the page down.",
)

deadline_approaching = _signals.signal(
    "deadline-approaching",
    doc="Effect phase. :class:`~gongkai_flow.events.DeadlineApproaching`: a statutory clock is within its lead.",
)
deadline_due = _signals.signal(
    "deadline-due",
    doc="Effect phase. :class:`~gongkai_flow.events.DeadlineDue`: a statutory clock runs out today.",
)
deadline_missed = _signals.signal(
    "deadline-missed",
    doc="Effect phase. :class:`~gongkai_flow.events.DeadlineMissed`: a statutory clock ran out.",
)
application_registered = _signals.signal(
    "application-registered",
    doc="Effect phase. :class:`~gongkai_flow.events.ApplicationRegistered`: a 依申请公开 application was registered.",
)
application_correction_requested = _signals.signal(
    "application-correction-requested",
    doc="Effect phase. :class:`~gongkai_flow.events.ApplicationCorrectionRequested`: send the 补正告知.",
)
application_extended = _signals.signal(
    "application-extended",
    doc="Effect phase. :class:`~gongkai_flow.events.ApplicationExtended`: tell the applicant of the extension.",
)
application_replied = _signals.signal(
    "application-replied",
    doc="Effect phase. :class:`~gongkai_flow.events.ApplicationReplied`: the reply, with its remedy channels.",
)

#: The effect signal that carries each event type.
EFFECT_SIGNALS: dict[type[events.Event], NamedSignal] = {
    events.ItemDrafted: item_drafted,
    events.ItemEdited: item_edited,
    events.TransitionApplied: transition_applied,
    events.ItemSubmitted: item_submitted,
    events.ItemApproved: item_approved,
    events.ItemReturned: item_returned,
    events.ItemReferred: item_referred,
    events.ItemResumed: item_resumed,
    events.ItemPublished: item_published,
    events.ItemArchived: item_archived,
    events.ItemWithdrawn: item_withdrawn,
    events.ItemAbolished: item_abolished,
    events.ItemExpired: item_expired,
    events.ItemRetracted: item_retracted,
    events.DeadlineApproaching: deadline_approaching,
    events.DeadlineDue: deadline_due,
    events.DeadlineMissed: deadline_missed,
    events.ApplicationRegistered: application_registered,
    events.ApplicationCorrectionRequested: application_correction_requested,
    events.ApplicationExtended: application_extended,
    events.ApplicationReplied: application_replied,
}

#: Check-phase signals: their receivers' return values matter.
CHECK_SIGNALS: tuple[NamedSignal, ...] = (transition_requested,)

#: Every signal the library sends, by name.
ALL_SIGNALS: dict[str, NamedSignal] = {s.name: s for s in (*CHECK_SIGNALS, *EFFECT_SIGNALS.values())}
