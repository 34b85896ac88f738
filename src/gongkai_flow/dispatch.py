"""Delivering stored events to effect receivers, after the change that produced them committed.

The dispatcher takes events from an :class:`~gongkai_flow.storage.base.OutboxStore` one at a
time, oldest first, and sends each on its effect signal with the workflow as sender. Every
receiver is tracked on its own:

* a receiver that raises has the failure recorded on its delivery row and is tried again later,
  with exponential backoff (:class:`RetryPolicy`); the other receivers of the same event are not
  held back, and a receiver that already succeeded is never called again for that event;
* after ``max_attempts`` failures the delivery is *dead-lettered*: it stops being retried and
  shows in ``gongkai dispatch --status`` until somebody retries it (``--retry-dead``).

While a worker holds an event, no other worker can take it (PostgreSQL: ``FOR UPDATE SKIP
LOCKED``), so several workers never deliver one event twice to a receiver. A worker that dies
mid-delivery loses nothing: its claim is released and the event is delivered again — which is
why receivers must be idempotent by ``event.event_id``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, final

import attrs

from .errors import InvalidFieldError
from .events import Event
from .fields import check_text
from .signals import EFFECT_SIGNALS
from .storage.base import Claim, DeliveryState, OutboxStatus, OutboxStore
from .storage.errors import ConnectionLostError, DatabaseLockedError, DatabaseUnavailableError, StorageError

if TYPE_CHECKING:
    from .engine import Workflow
    from .storage.base import Repository

log = logging.getLogger(__name__)

#: Seconds between two purges of the 无接收方 events past their retention, in :meth:`Dispatcher.run_loop`.
_PURGE_EVERY = 3600.0


@final
@attrs.frozen
class DeliveryFailure:
    """One receiver failed on one event (``will_retry`` false: it was dead-lettered)."""

    event_id: str
    event_type: str
    receiver: str
    error: str
    attempts: int = 1
    will_retry: bool = True


@final
@attrs.frozen
class DispatchReport:
    """What one dispatch run did: how many events it handled, and what failed."""

    delivered: int
    failures: tuple[DeliveryFailure, ...] = ()
    #: Events set aside as 无接收方 in this run: no enabled receiver handles their type.
    unhandled: int = 0
    #: Committed audit rows, records and timer changes linked into the database-wide chain.
    sealed: int = 0

    @property
    def dead(self) -> tuple[DeliveryFailure, ...]:
        """The failures that used up their last try in this run."""
        return tuple(f for f in self.failures if not f.will_retry)

    def __add__(self, other: DispatchReport) -> DispatchReport:
        return DispatchReport(
            self.delivered + other.delivered,
            self.failures + other.failures,
            self.unhandled + other.unhandled,
            self.sealed + other.sealed,
        )


@final
@attrs.frozen
class RetryPolicy:
    """How often and how patiently a failing receiver is retried.

    Try ``n`` (counting from 1) waits ``base_delay * 2 ** (n - 1)``, at most ``max_delay``, before
    the next; after ``max_attempts`` tries the delivery is dead-lettered.
    """

    max_attempts: int = attrs.field(default=10, validator=attrs.validators.ge(1))
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=6)

    def delay(self, attempts: int) -> timedelta:
        """How long to wait after the ``attempts``-th failed try."""
        if attempts >= 40:  # 2**40 overflows any sane delay; the cap applies long before
            return self.max_delay
        return min(self.base_delay * (1 << (attempts - 1)), self.max_delay)


@final
@attrs.frozen
class DispatcherHealth:
    """Whether a dispatch loop reaches its database: for monitoring a worker from inside its process.

    ``failures`` counts the rounds in a row that failed on a storage error; ``last_error`` is
    the last one's Chinese message; ``last_success_at`` when a round last completed.
    """

    ok: bool
    last_success_at: datetime | None
    failures: int
    last_error: str | None


def receiver_name(receiver: object) -> str:
    """A stable, readable name for a receiver (module and qualified name)."""
    module = getattr(receiver, "__module__", type(receiver).__module__)
    qualname = getattr(receiver, "__qualname__", type(receiver).__qualname__)
    return f"{module}.{qualname}"


def named_receivers(workflow: Workflow, event_type: type[Event]) -> list[tuple[str, Callable[..., Any]]]:
    """The receivers of ``event_type``'s signal for ``workflow``, each with a unique stable name.

    Two receivers with the same qualified name (say two lambdas in one ``setup``) are told apart
    by their order of connection: ``name``, ``name#2``, …
    """
    signal = EFFECT_SIGNALS[event_type]
    out: list[tuple[str, Callable[..., Any]]] = []
    seen: dict[str, int] = {}
    for receiver in signal.receivers_for(workflow):
        base = receiver_name(receiver)
        seen[base] = seen.get(base, 0) + 1
        out.append((base if seen[base] == 1 else f"{base}#{seen[base]}", receiver))
    return out


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def deliver(workflow: Workflow, event: Event) -> tuple[DeliveryFailure, ...]:
    """Send ``event`` to every receiver of its signal now; one failing receiver never stops the rest.

    No bookkeeping: for events that are not in an outbox (tests, one-off replays).
    """
    failures = []
    for name, receiver in named_receivers(workflow, type(event)):
        try:
            receiver(workflow, event=event)
        except Exception as exc:  # an effect's failure is recorded, never propagated to the chain
            log.warning("receiver %s failed on %s: %s", name, event.event_id, exc)
            failures.append(DeliveryFailure(event.event_id, event.type, name, _error_text(exc)))
    return tuple(failures)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@final
class Dispatcher:
    """Delivers the events of one outbox to one workflow's effect receivers, with retries.

    ``seal``, when given, links what committed into the database-wide audit chain after each
    round that handled events, and at least every ``seal_every`` while idle (``gongkai dispatch``
    passes one; it runs in its own transaction and never waits for another sealer).

    ``clock`` is injectable for tests. :meth:`run_once` is what ``gongkai dispatch --once`` and
    the :class:`~gongkai_flow.service.Flow` façade call after each action; :meth:`run_loop` is
    ``--loop``.
    """

    def __init__(
        self,
        workflow: Workflow,
        outbox: OutboxStore,
        *,
        policy: RetryPolicy | None = None,
        clock: Callable[[], datetime] = _utcnow,
        unhandled_retention: timedelta = timedelta(days=90),
        seal: Callable[[], int] | None = None,
        seal_every: timedelta = timedelta(minutes=1),
    ) -> None:
        self.workflow = workflow
        self.outbox = outbox
        self.policy = policy if policy is not None else RetryPolicy()
        self.clock = clock
        #: How long an event no receiver handled (无接收方) is kept for a receiver added later.
        self.unhandled_retention = unhandled_retention
        #: How :meth:`run_loop` is going: whether its last round reached the database.
        self.health = DispatcherHealth(True, None, 0, None)
        #: Links what committed into the database-wide audit chain (in its own transaction),
        #: returning how many rows it linked; ``None``: this dispatcher does not seal.
        self.seal = seal
        #: How often an idle :meth:`run_loop` seals (a round that delivered events always does).
        self.seal_every = seal_every
        self._sealed_at: float | None = None

    def wanted(self) -> frozenset[str]:
        """The event types at least one enabled receiver of this workflow handles."""
        return frozenset(
            cls.type for cls, signal in EFFECT_SIGNALS.items() if any(True for _ in signal.receivers_for(self.workflow))
        )

    def has_receivers(self) -> bool:
        """Whether any effect receiver is connected at all (if not, every event is set aside)."""
        return bool(self.wanted())

    def run_once(self, *, limit: int | None = None) -> DispatchReport:
        """Walk the outbox once, oldest first, handling every event that is due; return what happened.

        Each event is taken at most once per run (a receiver due again at once waits for the next run).
        """
        handled = 0
        failures: list[DeliveryFailure] = []
        cursor = 0
        # Events nobody here handles are set aside (无接收方), never marked done: a receiver
        # enabled later can still have them (``replay_unhandled``).
        unhandled = self.outbox.settle_unwanted(self.clock(), wanted=self.wanted())
        while limit is None or handled < limit:
            with self.outbox.claim(self.clock(), after=cursor) as claim:
                if claim is None:
                    break
                cursor = claim.seq
                failures.extend(self._handle(claim))
            if claim.unhandled:
                unhandled += 1
            else:
                handled += 1
        return DispatchReport(handled, tuple(failures), unhandled, self._seal(force=handled + unhandled > 0))

    def _seal(self, *, force: bool) -> int:
        """Run the sealer after the events were handled, when events came or ``seal_every`` passed.

        Events are written with the audit rows that caused them, so a round that handled events
        has rows to link; an idle round seals only now and then (each seal looks for unlinked rows).
        """
        if self.seal is None:
            return 0
        now = time.monotonic()
        if not force and self._sealed_at is not None and now - self._sealed_at < self.seal_every.total_seconds():
            return 0
        self._sealed_at = now
        return self.seal()

    def replay_unhandled(self) -> int:
        """Make the 无接收方 events that an enabled receiver now handles due again; return how many."""
        return self.outbox.replay_unhandled(self.clock(), wanted=self.wanted())

    def purge_unhandled(self, *, everything: bool = False) -> int:
        """Delete the 无接收方 events older than the retention (``everything``: all of them)."""
        return self.outbox.purge_unhandled(None if everything else self.clock() - self.unhandled_retention)

    def run_loop(
        self,
        *,
        interval: float = 1.0,
        stop: threading.Event | None = None,
        max_rounds: int | None = None,
        on_round: Callable[[DispatchReport], None] | None = None,
        max_backoff: float = 60.0,
        on_outage: Callable[[StorageError, float], None] | None = None,
    ) -> DispatchReport:
        """Call :meth:`run_once` until ``stop`` is set (or ``max_rounds`` ran), sleeping when idle.

        Logs a warning when no effect receiver is enabled at all (every event would be set aside as
        无接收方), and purges the 无接收方 events older than ``unhandled_retention`` once an hour.

        A database outage does not end the loop: a transient storage error (database unavailable,
        connection lost, locked) is logged, reported to ``on_outage(error, wait)``, and the loop
        waits — ``interval`` doubling up to ``max_backoff`` seconds — and tries again until the
        database is back. Nothing is lost meanwhile: an event whose claim was cut is still pending
        and is delivered again (receivers are idempotent by ``event.event_id``). Other errors
        (a wrong schema, a bug) end the loop. :attr:`health` tells a monitor how it is going.
        """
        unbounded = max_rounds is None
        if (
            isinstance(interval, bool)
            or not isinstance(interval, int | float)
            or not 0 <= interval <= 86_400
            or (unbounded and interval == 0)
        ):
            # A negative or NaN wait, or no wait in an endless loop, would make the idle loop a busy one.
            raise InvalidFieldError(
                f"空闲等待时间须在 0 到 86400 秒之间（持续运行时不能为 0），现为 {interval!r}。",
                field="interval",
                label="等待时间",
            )
        stop = stop if stop is not None else threading.Event()
        if not self.has_receivers():
            log.warning("no effect receiver is enabled: events are kept as unhandled, not delivered")
        total = DispatchReport(0)
        rounds = 0
        purged_at: float | None = None
        outages = 0
        while not stop.is_set() and (max_rounds is None or rounds < max_rounds):
            try:
                if purged_at is None or time.monotonic() - purged_at > _PURGE_EVERY:
                    self.purge_unhandled()  # what outlived the retention
                    purged_at = time.monotonic()
                report = self.run_once()
            except (DatabaseUnavailableError, ConnectionLostError, DatabaseLockedError) as exc:
                outages += 1
                wait = min(max(interval, 0.01) * (1 << min(outages - 1, 20)), max_backoff)
                self.health = DispatcherHealth(False, self.health.last_success_at, outages, exc.message)
                log.warning("database unavailable (%s), retrying in %.1f s: %s", exc.code, wait, exc.message)
                if on_outage is not None:
                    on_outage(exc, wait)
                rounds += 1
                stop.wait(wait)
                continue
            if outages:
                log.warning("database reachable again after %d failed round(s)", outages)
                outages = 0
            self.health = DispatcherHealth(True, self.clock(), 0, None)
            rounds += 1
            total = total + report
            if on_round is not None:
                on_round(report)
            if report.delivered == 0:
                stop.wait(interval)
        return total

    def status(self) -> OutboxStatus:
        """The outbox's counts and dead letters now."""
        return self.outbox.status(self.clock())

    def retry_dead(self, *, event_id: str | None = None) -> int:
        """Give dead-lettered deliveries a fresh set of tries; return how many."""
        check_text("event_id", event_id, optional=True, rule_of="item_id", label="事件编号")
        return self.outbox.retry_dead(self.clock(), event_id=event_id)

    # -- one event -----------------------------------------------------------------------------

    def _handle(self, claim: Claim) -> Iterator[DeliveryFailure]:
        now = self.clock()
        event = claim.event
        if event is None:  # the stored payload cannot be read (a newer version wrote it?)
            attempts = claim.attempts + 1
            claim.give_up = attempts >= self.policy.max_attempts
            claim.retry_at = now + self.policy.delay(attempts)
            error = claim.event_error or "无法读取的事件"
            yield DeliveryFailure(claim.event_id, "?", "<outbox>", error, attempts, not claim.give_up)
            return
        receivers = named_receivers(self.workflow, type(event))
        if not receivers:  # nobody here handles it: kept for a receiver added later, not done
            claim.unhandled = True
            return
        for name, receiver in receivers:
            prior = claim.deliveries.get(name)
            if prior is not None and (
                prior.status != "failed" or (prior.next_attempt_at is not None and prior.next_attempt_at > now)
            ):
                continue
            attempts = (prior.attempts if prior is not None else 0) + 1
            try:
                receiver(self.workflow, event=event)
            except Exception as exc:  # recorded on the receiver's row, retried later
                error = _error_text(exc)
                dead = attempts >= self.policy.max_attempts
                log.warning(
                    "receiver %s failed on %s (try %d%s): %s",
                    name,
                    event.event_id,
                    attempts,
                    ", giving up" if dead else "",
                    error,
                )
                claim.results.append(
                    DeliveryState(
                        name,
                        "dead" if dead else "failed",
                        attempts,
                        error,
                        None if dead else now + self.policy.delay(attempts),
                    )
                )
                yield DeliveryFailure(event.event_id, event.type, name, error, attempts, not dead)
            else:
                claim.results.append(DeliveryState(name, "delivered", attempts))
        finished, retry_at = claim.settle(name for name, _ in receivers)
        claim.give_up = False
        claim.retry_at = None if finished else (retry_at or now)


def dispatch_pending(workflow: Workflow, repository: Repository, *, limit: int = 1000) -> DispatchReport:
    """Deliver the pending events of ``repository`` once each, without retry bookkeeping.

    For repositories that are not an outbox store; prefer :class:`Dispatcher`.
    """
    delivered = 0
    failures: list[DeliveryFailure] = []
    for event in repository.pending_events(limit):
        failures.extend(deliver(workflow, event))
        repository.mark_delivered(event.event_id)
        delivered += 1
    return DispatchReport(delivered, tuple(failures))
