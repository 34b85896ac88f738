"""Delivering stored events to effect receivers.

Effects run after the change is stored: the dispatcher reads pending events from the
repository's outbox and sends each on its effect signal, with the workflow as sender. A receiver
that raises does not stop the others; its failure is reported (and, with durable storage,
retried). Receivers must be idempotent by ``event.event_id``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, final

import attrs

from .events import Event
from .signals import EFFECT_SIGNALS

if TYPE_CHECKING:
    from .engine import Workflow
    from .storage.base import Repository

log = logging.getLogger(__name__)


@final
@attrs.frozen
class DeliveryFailure:
    """One receiver failed on one event."""

    event_id: str
    event_type: str
    receiver: str
    error: str


@final
@attrs.frozen
class DispatchReport:
    """What one dispatch run did."""

    delivered: int
    failures: tuple[DeliveryFailure, ...] = ()


def receiver_name(receiver: object) -> str:
    """A stable, readable name for a receiver (module and qualified name)."""
    module = getattr(receiver, "__module__", type(receiver).__module__)
    qualname = getattr(receiver, "__qualname__", type(receiver).__qualname__)
    return f"{module}.{qualname}"


def deliver(workflow: Workflow, event: Event) -> tuple[DeliveryFailure, ...]:
    """Send ``event`` to every receiver of its signal; one failing receiver never stops the rest."""
    signal = EFFECT_SIGNALS[type(event)]
    failures = []
    for receiver in list(signal.receivers_for(workflow)):
        try:
            receiver(workflow, event=event)
        except Exception as exc:  # an effect's failure is recorded, never propagated to the chain
            log.warning("receiver %s failed on %s: %s", receiver_name(receiver), event.event_id, exc)
            failures.append(
                DeliveryFailure(event.event_id, event.type, receiver_name(receiver), f"{type(exc).__name__}: {exc}")
            )
    return tuple(failures)


def dispatch_pending(workflow: Workflow, repository: Repository, *, limit: int = 1000) -> DispatchReport:
    """Deliver every pending event of ``repository`` once, oldest first."""
    delivered = 0
    failures: list[DeliveryFailure] = []
    for event in repository.pending_events(limit):
        failures.extend(deliver(workflow, event))
        repository.mark_delivered(event.event_id)
        delivered += 1
    return DispatchReport(delivered, tuple(failures))
