"""Benchmark: 100,000 items through the whole review chain, against raw ``transitions`` and a dict floor.

Three paths do the same work in one run — six transitions per item (submit, approve ×4, publish):

* **engine** — :class:`gongkai_flow.engine.Workflow` with the standard chains and a
  ``MemoryRepository(keep_audit=False)``: per item ``draft`` then the six ``fire`` calls by the
  demo bureau's actors, ``repo.save`` after each, the outbox drained and the item forgotten once
  published, so nothing accumulates. Authorization, form validation, content hashing,
  signatures, events and audit entries are all included.
* **raw transitions** — the fastest correct raw pattern: one shared ``transitions.Machine``
  without models, firing ``machine.events[name].trigger(obj)`` on a plain ``__slots__`` object.
* **dict floor** — ``obj.state = table[(obj.state, action)]``: the least any state machine can do.

Timing passes run with ``tracemalloc`` off (the garbage collector stays on, as in production).
Memory passes are separate: a fresh instance of each path runs the same items under
``tracemalloc`` and the peak is read after the first tenth of the items and again at the end; if
the two agree, memory does not grow with the number of items processed.

A second measurement keeps many items **in flight**: ``--in-flight N`` items (default 5,000) are
drafted first, then each of the six steps is applied to all of them before the next step, with
the outbox drained after each step; raw ``transitions`` moves as many plain objects step by step
beside it. This is how a bureau's day looks (many items half-way through the chain at once), and
it is where caches sized for one item at a time stop helping.

Run ``.venv/bin/python bench/bench_chain.py`` (100,000 items), ``--items N`` to change that,
``--quick`` for the 2,000-item smoke run, ``--json PATH`` to keep the figures. The targets (engine
``fire`` + ``save`` within 2× the raw pattern per transition, item by item and in flight) print
PASS or FAIL; the exit status is 0 either way.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any, Final, Protocol, final

from transitions import Machine

from gongkai_flow.chain import Action
from gongkai_flow.demo import BUREAU
from gongkai_flow.engine import Workflow
from gongkai_flow.model import Actor, DisclosureAttribute, DisclosureItem, ItemKind, Platform, _content_hash
from gongkai_flow.storage.memory import MemoryRepository

#: Items per path in a full run (the issue's figure) and in the ``--quick`` smoke run.
DEFAULT_ITEMS: Final = 100_000
QUICK_ITEMS: Final = 2_000
#: The engine must cost at most this many times the raw transitions pattern per transition.
TARGET_RATIO: Final = 2.0
#: Items kept in flight at once by the step-by-step measurement (``--in-flight``).
IN_FLIGHT_ITEMS: Final = 5_000
#: Transitions per item: submit, approve ×4, publish.
TRANSITIONS_PER_ITEM: Final = 6
#: A timed pass whose wall time exceeds its CPU time by this factor waited for the CPU (passes
#: shorter than ``MIN_CHECKED_SECONDS`` are too short to tell).
STARVED: Final = 1.10
MIN_CHECKED_SECONDS: Final = 0.5
#: Growth of retained (live) memory, and of the traced peak, that still counts as flat.
RETAINED_TOLERANCE: Final = 16 * 1024
PEAK_TOLERANCE: Final = 512 * 1024
#: ``time.perf_counter()`` calls the engine path makes per item to split its time into parts.
TIMER_CALLS_PER_ITEM: Final = 3 + 2 * TRANSITIONS_PER_ITEM

#: The six moves of the default chain for a 政策文件, with who takes each (demo actors).
PLAN: Final[tuple[tuple[Action, str, str, str], ...]] = (
    (Action.SUBMIT, "zhangmin", "drafted", "attribute_review"),
    (Action.APPROVE, "lihua", "attribute_review", "legal_review"),
    (Action.APPROVE, "wangfang", "legal_review", "section_review"),
    (Action.APPROVE, "zhaoqiang", "section_review", "leader_review"),
    (Action.APPROVE, "liuyang", "leader_review", "approved"),
    (Action.PUBLISH, "chenjing", "approved", "published"),
)
INITIAL: Final = "drafted"
FINAL: Final = "published"
STATES: Final = (INITIAL, *(dest for _, _, _, dest in PLAN))
TRIGGERS: Final = tuple(action.value for action, _, _, _ in PLAN)

#: A realistic body: a short notice of roughly 1,000 characters (the hash covers it three times per item).
BODY: Final = (
    "各区县人力资源和社会保障局：为做好2019年高校毕业生就业创业工作，按照鲁人社发〔2019〕8号要求，"
    "现就有关事项通知如下：一、落实就业创业扶持政策。二、加强就业指导和服务。三、做好困难毕业生帮扶。"
) * 12


class _Runner(Protocol):
    """One path: processes ``count`` more items on the state it was built with."""

    name: str

    def run(self, count: int) -> None:
        """Drive ``count`` items from drafted to published; raise if one ends elsewhere."""


class _Plain:
    """The plain object the raw and dict paths move: nothing but the state name."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


class _EngineParts:
    """What both engine paths drive: a workflow, a memory repository, the drafter and the chain's steps."""

    def __init__(self) -> None:
        self.workflow = Workflow(require_content_guard=False)
        self.repo = MemoryRepository(keep_audit=False)
        self.drafter: Actor = BUREAU["zhangmin"]
        self.plan: tuple[tuple[Action, Actor], ...] = tuple((action, BUREAU[who]) for action, who, _, _ in PLAN)
        self.serial = 0


@final
class EngineRunner(_EngineParts):
    """The engine path: draft, six fires, a save after each, drain the outbox, forget the item."""

    name = "engine"

    def __init__(self) -> None:
        super().__init__()
        # Seconds spent in each part, summed over items.
        self.t_draft = 0.0
        self.t_fire = 0.0
        self.t_save = 0.0
        self.t_housekeeping = 0.0

    def reset_clocks(self) -> None:
        """Zero the per-part timers (after a warm-up)."""
        self.t_draft = self.t_fire = self.t_save = self.t_housekeeping = 0.0

    def run(self, count: int) -> None:
        """Drive ``count`` new items through the chain (see :class:`_Runner`)."""
        perf = time.perf_counter
        draft = self.workflow.draft
        fire = self.workflow.fire
        save = self.repo.save
        pending = self.repo.pending_events
        delivered = self.repo.mark_delivered
        forget = self.repo.forget
        drafter = self.drafter
        plan = self.plan
        kind = ItemKind.POLICY_DOCUMENT
        attribute = DisclosureAttribute.PROACTIVE
        platforms = (Platform.WEBSITE, Platform.NEW_MEDIA)
        t_draft = t_fire = t_save = t_house = 0.0
        for _ in range(count):
            self.serial += 1
            title = f"关于做好2019年高校毕业生就业创业工作的通知（第{self.serial}号）"
            t0 = perf()
            outcome = draft(
                drafter,
                title=title,
                kind=kind,
                body=BODY,
                attribute=attribute,
                platforms=platforms,
                column="政策文件",
            )
            save(outcome)
            t = perf()
            t_draft += t - t0
            item: DisclosureItem = outcome.item
            for action, actor in plan:
                outcome = fire(item, action, actor)
                t_fired = perf()
                t_fire += t_fired - t
                save(outcome)
                t = perf()
                t_save += t - t_fired
                item = outcome.item
            # Keep the outbox and the item table from growing: deliver (to no one) and forget.
            while events := pending(100):
                for event in events:
                    delivered(event.event_id)
            forget(item.id)
            t_house += perf() - t
            if item.state != FINAL or len(item.signatures) != TRANSITIONS_PER_ITEM:
                raise AssertionError(f"engine: item ended in {item.state!r} with {len(item.signatures)} signatures")
        self.t_draft += t_draft
        self.t_fire += t_fire
        self.t_save += t_save
        self.t_housekeeping += t_house


def build_machine() -> Machine:
    """One shared machine, no models, the same six steps as the chain."""
    return Machine(
        model=None,
        states=list(STATES),
        transitions=[{"trigger": action.value, "source": src, "dest": dst} for action, _, src, dst in PLAN],
        initial=INITIAL,
        auto_transitions=False,
    )


@final
class RawTransitionsRunner:
    """The raw pattern: ``machine.events[name].trigger(obj)`` on a plain object per item."""

    name = "raw transitions"

    def __init__(self) -> None:
        self.machine = build_machine()

    def run(self, count: int) -> None:
        """Drive ``count`` plain objects through the six triggers."""
        events = self.machine.events
        triggers = TRIGGERS
        for _ in range(count):
            obj = _Plain(INITIAL)
            for name in triggers:
                events[name].trigger(obj)
            if obj.state != FINAL:
                raise AssertionError(f"raw transitions: object ended in {obj.state!r}")


@final
class DictRunner:
    """The floor: a ``(state, action) -> dest`` table, one lookup and one assignment per transition."""

    name = "dict floor"

    def __init__(self) -> None:
        self.table: dict[tuple[str, str], str] = {(src, action.value): dst for action, _, src, dst in PLAN}

    def run(self, count: int) -> None:
        """Drive ``count`` plain objects through the six table lookups."""
        table = self.table
        triggers = TRIGGERS
        for _ in range(count):
            obj = _Plain(INITIAL)
            for name in triggers:
                obj.state = table[(obj.state, name)]
            if obj.state != FINAL:
                raise AssertionError(f"dict floor: object ended in {obj.state!r}")


@final
class InFlightEngine(_EngineParts):
    """The engine with every item in flight: draft all, then each step on all items, then drain."""

    name = "engine, in flight"

    def __init__(self, *, save: bool = True) -> None:
        super().__init__()
        #: ``False``: ``fire`` only, the outcomes dropped (a part of ``--in-flight-parts``).
        self.saves = save
        self.t_draft = 0.0
        self.t_steps = 0.0
        self.cpu_steps = 0.0
        self.t_housekeeping = 0.0

    def run(self, count: int) -> None:
        """Draft ``count`` items, then apply each step to all of them; drain the outbox after each."""
        perf = time.perf_counter
        repo = self.repo
        fire = self.workflow.fire
        save = repo.save
        t0 = perf()
        items: list[DisclosureItem] = []
        for _ in range(count):
            self.serial += 1
            outcome = self.workflow.draft(
                self.drafter,
                title=f"关于做好2019年高校毕业生就业创业工作的通知（第{self.serial}号）",
                kind=ItemKind.POLICY_DOCUMENT,
                body=BODY,
                attribute=DisclosureAttribute.PROACTIVE,
                platforms=(Platform.WEBSITE, Platform.NEW_MEDIA),
                column="政策文件",
            )
            save(outcome)
            items.append(outcome.item)
        t1 = perf()
        t_steps = cpu_steps = t_house = 0.0
        t_house += self._drain()
        for action, actor in self.plan:
            c = time.process_time()
            t = perf()
            if self.saves:
                for i, item in enumerate(items):
                    outcome = fire(item, action, actor)
                    save(outcome)
                    items[i] = outcome.item
            else:
                for i, item in enumerate(items):
                    items[i] = fire(item, action, actor).item
            t_steps += perf() - t
            cpu_steps += time.process_time() - c
            t_house += self._drain()
        t = perf()
        for item in items:
            repo.forget(item.id)
            if item.state != FINAL or len(item.signatures) != TRANSITIONS_PER_ITEM:
                raise AssertionError(f"engine: item ended in {item.state!r} with {len(item.signatures)} signatures")
        t_house += perf() - t
        self.t_draft += t1 - t0
        self.t_steps += t_steps
        self.cpu_steps += cpu_steps
        self.t_housekeeping += t_house

    def _drain(self) -> float:
        t = time.perf_counter()
        while events := self.repo.pending_events(1_000):
            for event in events:
                self.repo.mark_delivered(event.event_id)
        return time.perf_counter() - t


@final
class InFlightRaw:
    """Raw transitions with every object in flight: each trigger on all objects before the next."""

    name = "raw transitions, in flight"

    def __init__(self) -> None:
        self.machine = build_machine()
        self.t_steps = 0.0
        self.cpu_steps = 0.0

    def run(self, count: int) -> None:
        """Move ``count`` plain objects through the six triggers, step by step."""
        events = self.machine.events
        objs = [_Plain(INITIAL) for _ in range(count)]
        c = time.process_time()
        t = time.perf_counter()
        for name in TRIGGERS:
            for obj in objs:
                events[name].trigger(obj)
        self.t_steps += time.perf_counter() - t
        self.cpu_steps += time.process_time() - c
        for obj in objs:
            if obj.state != FINAL:
                raise AssertionError(f"raw transitions: object ended in {obj.state!r}")


@dataclass
class InFlight:
    """The step-by-step measurement: µs per transition with ``items`` in flight (best round)."""

    items: int
    engine_fire_and_save_us: float
    raw_us: float
    ratio: float
    engine_fire_and_save_cpu_us: float
    raw_cpu_us: float
    cpu_ratio: float
    engine_draft_and_save_us_per_item: float
    engine_drain_us_per_item: float
    engine_cpu_seconds: float
    raw_cpu_seconds: float
    target_met: bool


def time_in_flight(items: int, repeat: int) -> InFlight:
    """Best of ``repeat`` alternating rounds of the engine and raw transitions with ``items`` in flight.

    A round is short (well under a second at 5,000 items), so a burst of load from elsewhere
    can spoil one: at least three rounds run. The best wall time and the best CPU time of each
    side are kept apart.
    """
    best_engine: InFlightEngine | None = None
    best_raw: InFlightRaw | None = None
    cpu = {"engine": 0.0, "raw": 0.0}
    best_cpu = {"engine": float("inf"), "raw": float("inf")}
    for _ in range(max(3, repeat)):
        for make in (InFlightRaw, InFlightEngine):
            runner = make()
            runner.run(min(items, 200))  # warm-up
            runner.t_steps = runner.cpu_steps = 0.0
            if isinstance(runner, InFlightEngine):
                runner.t_draft = runner.t_housekeeping = 0.0
            gc.collect()
            c0 = time.process_time()
            runner.run(items)
            used = time.process_time() - c0
            side = "engine" if isinstance(runner, InFlightEngine) else "raw"
            best_cpu[side] = min(best_cpu[side], runner.cpu_steps)
            if isinstance(runner, InFlightEngine):
                if best_engine is None or runner.t_steps < best_engine.t_steps:
                    best_engine, cpu["engine"] = runner, used
            elif best_raw is None or runner.t_steps < best_raw.t_steps:
                best_raw, cpu["raw"] = runner, used
    assert best_engine is not None
    assert best_raw is not None
    transitions = items * TRANSITIONS_PER_ITEM
    engine_us = best_engine.t_steps / transitions * 1e6
    raw_us = best_raw.t_steps / transitions * 1e6
    engine_cpu_us = best_cpu["engine"] / transitions * 1e6
    raw_cpu_us = best_cpu["raw"] / transitions * 1e6
    return InFlight(
        items=items,
        engine_fire_and_save_us=engine_us,
        raw_us=raw_us,
        ratio=engine_us / raw_us,
        engine_fire_and_save_cpu_us=engine_cpu_us,
        raw_cpu_us=raw_cpu_us,
        cpu_ratio=engine_cpu_us / raw_cpu_us,
        engine_draft_and_save_us_per_item=best_engine.t_draft / items * 1e6,
        engine_drain_us_per_item=best_engine.t_housekeeping / items * 1e6,
        engine_cpu_seconds=cpu["engine"],
        raw_cpu_seconds=cpu["raw"],
        target_met=engine_us / raw_us <= TARGET_RATIO,
    )


@final
class _TableMove:
    """A what-if stand-in for a machine event: moves the token by the machine's own transition table.

    It answers the question "what would the engine cost if it took the destination from the
    ``transitions`` machine's table instead of firing the machine's trigger (with its callback
    pipeline, which the engine registers nothing on)?" It is never a mode of the engine: the
    engine fires the trigger, and this object exists only in this benchmark.
    """

    __slots__ = ("dest",)

    def __init__(self, event: Any) -> None:
        self.dest: dict[str, str | None] = {source: moves[0].dest for source, moves in event.transitions.items()}

    def trigger(self, token: Any) -> bool:
        """Move ``token`` as the event would (a ``KeyError`` for a state the event does not leave)."""
        dest = self.dest[token.state]
        if dest is not None:
            token.state = dest
        return True


#: The parts of ``--in-flight-parts``, with their labels.
_PARTS: Final[tuple[tuple[str, str], ...]] = (
    ("raw", "raw transitions"),
    ("fire", "engine fire only"),
    ("fire+save", "engine fire + save"),
    ("table", "engine fire + save, moves from the machine's table (what-if)"),
)


def _part_runner(part: str, warmup: int) -> InFlightEngine | InFlightRaw:
    """A warmed-up runner for one part (the what-if's step table rewired after its warm-up filled it)."""
    runner: InFlightEngine | InFlightRaw = InFlightRaw() if part == "raw" else InFlightEngine(save=part != "fire")
    runner.run(warmup)
    if part == "table":
        assert isinstance(runner, InFlightEngine)
        rewired = 0
        for move in runner.workflow._moves.values():
            if move.trigger is not None:
                move.trigger = _TableMove(move.trigger)
                rewired += 1
        # Fewer than the chain's steps: some step would still fire the trigger, and the row would
        # print the engine's own figure under the what-if's name.
        if rewired < TRANSITIONS_PER_ITEM:
            raise AssertionError(f"what-if: {rewired} of the chain's {TRANSITIONS_PER_ITEM} steps rewired")
    runner.t_steps = 0.0
    return runner


def time_in_flight_parts(items: int, repeat: int) -> dict[str, dict[str, float]]:
    """Where the in-flight time goes: µs per transition of each part, with the collector on and off.

    Rounds alternate the parts and the collector setting; each keeps its best round. The
    collector is switched off (``gc.disable``) only around a part's own run, for both sides
    alike, and a full collection runs before every run.
    """
    best: dict[str, dict[str, float]] = {part: {} for part, _ in _PARTS}
    for _ in range(max(3, repeat)):
        for collector in ("gc on", "gc off"):
            for part, _label in _PARTS:
                if part == "table" and collector == "gc off":
                    continue
                runner = _part_runner(part, min(items, 200))  # the warm-up of time_in_flight
                gc.collect()
                if collector == "gc off":
                    gc.disable()
                try:
                    runner.run(items)
                finally:
                    gc.enable()
                us = runner.t_steps / (items * TRANSITIONS_PER_ITEM) * 1e6
                best[part][collector] = min(best[part].get(collector, float("inf")), us)
    return best


def render_parts(parts: dict[str, dict[str, float]], items: int, repeat: int) -> str:
    """The ``--in-flight-parts`` table: each part in µs per transition and against raw transitions."""
    raw = parts["raw"]
    rows = []
    for part, label in _PARTS:
        cells = [label]
        for collector in ("gc on", "gc off"):
            us = parts[part].get(collector)
            cells += ["", ""] if us is None else [f"{us:.2f}", f"{us / raw[collector]:.2f}×"]
        rows.append(cells)
    return "\n".join(
        [
            f"In flight, part by part: {items:,} items, best of {max(3, repeat)} rounds of their own "
            "(so raw and fire + save differ from the table above), µs per transition of the steps",
            _table(["part", "gc on", "÷ raw", "gc off", "÷ raw"], rows),
            "  gc off: the cyclic collector disabled around the run, for both sides; the what-if part is not"
            " a mode of the engine (see docs/benchmarks.md)",
        ]
    )


@dataclass
class Timing:
    """One timing pass of one path."""

    path: str
    items: int
    transitions: int
    seconds: float
    cpu_seconds: float
    items_per_s: float
    transitions_per_s: float
    us_per_item: float
    us_per_transition: float


@dataclass
class EngineBreakdown:
    """Where the engine's time goes, per item and per transition (µs)."""

    draft_and_save_us_per_item: float
    fire_us_per_transition: float
    save_us_per_transition: float
    fire_and_save_us_per_transition: float
    housekeeping_us_per_item: float
    transitions_per_s: float
    timer_overhead_us_per_item: float


@dataclass
class Memory:
    """One tracemalloc pass: peak and retained memory after the first tenth and after all items."""

    path: str
    items_early: int
    items_total: int
    peak_early_kib: float
    peak_total_kib: float
    retained_early_kib: float
    retained_total_kib: float
    peak_growth_kib: float
    retained_growth_kib: float
    retained_bytes_per_item: float
    retained_tolerance_kib: float
    peak_tolerance_kib: float
    grew: bool
    seconds: float


@dataclass
class Report:
    """Everything one run measured, as written by ``--json``."""

    command: str
    started_at: str
    python: str
    platform: str
    transitions_version: str
    gongkai_flow_version: str
    source: str
    items: int
    warmup_items: int
    repeat: int
    body_chars: int
    timings: list[Timing] = field(default_factory=list)
    engine_breakdown: EngineBreakdown | None = None
    ratios: dict[str, float] = field(default_factory=dict)
    target_ratio: float = TARGET_RATIO
    target_met: bool = False
    in_flight: InFlight | None = None
    #: ``--in-flight-parts``: part → {"gc on": µs, "gc off": µs} per transition.
    in_flight_parts: dict[str, dict[str, float]] | None = None
    memory: list[Memory] = field(default_factory=list)
    memory_stable: bool = False
    maxrss_kib: dict[str, int] = field(default_factory=dict)
    cpus: int = 1
    load_average: dict[str, float] = field(default_factory=dict)
    starved_paths: list[str] = field(default_factory=list)


def source_revision() -> str:
    """``git describe --always --dirty`` of the checkout, or ``"unknown"`` outside one."""
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"


def load_average() -> float:
    """The system's one-minute load average (0 where the platform has none)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def maxrss_kib() -> int:
    """The process's peak resident set size so far, in KiB (``ru_maxrss``; bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss // 1024 if sys.platform == "darwin" else rss


def timer_overhead_us() -> float:
    """What one ``time.perf_counter()`` call costs here, in µs."""
    perf = time.perf_counter
    rounds = 200_000
    t0 = perf()
    for _ in range(rounds):
        perf()
    return (perf() - t0) / rounds * 1e6


def time_pass(make: Callable[[], _Runner], items: int, warmup: int) -> tuple[float, float, _Runner]:
    """One timing pass over ``items`` items on a fresh, warmed-up runner: (wall s, CPU s, runner)."""
    runner = make()
    runner.run(warmup)
    if isinstance(runner, EngineRunner):
        runner.reset_clocks()
    gc.collect()
    c0 = time.process_time()
    t0 = time.perf_counter()
    runner.run(items)
    seconds = time.perf_counter() - t0
    return seconds, time.process_time() - c0, runner


def to_timing(name: str, items: int, seconds: float, cpu_seconds: float) -> Timing:
    """Throughput figures for one path from its (best) pass."""
    transitions = items * TRANSITIONS_PER_ITEM
    return Timing(
        path=name,
        items=items,
        transitions=transitions,
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        items_per_s=items / seconds,
        transitions_per_s=transitions / seconds,
        us_per_item=seconds / items * 1e6,
        us_per_transition=seconds / transitions * 1e6,
    )


def measure_memory(make: Callable[[], _Runner], items: int, warmup: int) -> Memory:
    """Traced peak and retained memory over the first ``items // 10`` items and over all ``items``.

    A full collection runs before tracing and at each reading: it frees cyclic garbage and
    empties CPython's free lists (which keep freed tuples and dicts allocated), so every segment
    starts from the same state and "retained" means live objects only.
    """
    runner = make()
    runner.run(warmup)
    early = max(1, items // 10)
    t0 = time.perf_counter()
    gc.collect()
    tracemalloc.start()
    try:
        # The content hash is memoised in a bounded LRU cache (model._content_hash): refill it while
        # tracing, so replacing its entries is not read as growth with the number of items.
        runner.run((_content_hash.cache_info().maxsize or 0) + 100)
        gc.collect()
        runner.run(early)
        peak_early = tracemalloc.get_traced_memory()[1]
        gc.collect()
        kept_early = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        runner.run(items - early)
        peak_total = max(peak_early, tracemalloc.get_traced_memory()[1])
        gc.collect()
        kept_total = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    seconds = time.perf_counter() - t0
    peak_growth = peak_total - peak_early
    kept_growth = kept_total - kept_early
    # Retained memory is live objects only: keeping one small object per item adds ≥ 50 bytes ×
    # 90 % of the items, far above 16 KiB at any useful size. The peak also counts CPython's free
    # lists (up to 2,000 freed tuples of each size, emptied by every full collection, so they
    # refill during a run): bounded, but up to a few hundred KiB, hence its wider tolerance.
    retained_tolerance = max(RETAINED_TOLERANCE, peak_early // 20)
    peak_tolerance = max(PEAK_TOLERANCE, peak_early // 10)
    return Memory(
        path=runner.name,
        items_early=early,
        items_total=items,
        peak_early_kib=peak_early / 1024,
        peak_total_kib=peak_total / 1024,
        retained_early_kib=kept_early / 1024,
        retained_total_kib=kept_total / 1024,
        peak_growth_kib=peak_growth / 1024,
        retained_growth_kib=kept_growth / 1024,
        retained_bytes_per_item=kept_growth / max(1, items - early),
        retained_tolerance_kib=retained_tolerance / 1024,
        peak_tolerance_kib=peak_tolerance / 1024,
        grew=peak_growth > peak_tolerance or kept_growth > retained_tolerance,
        seconds=seconds,
    )


# -- output ---------------------------------------------------------------------------------


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = [
        "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths, strict=True)))
    ]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append(
            "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        )
    return "\n".join("  " + line for line in lines)


def render(report: Report) -> str:
    """The human-readable report."""
    out = [
        "gongkai_flow chain benchmark",
        f"command:   {report.command}",
        f"python:    {report.python}",
        f"platform:  {report.platform}",
        f"versions:  gongkai_flow {report.gongkai_flow_version} (checkout {report.source}), "
        f"transitions {report.transitions_version}",
        f"workload:  {report.items:,} items per path × {TRANSITIONS_PER_ITEM} transitions "
        f"(submit, approve ×4, publish); warm-up {report.warmup_items:,} items; best of {report.repeat}; "
        f"body {report.body_chars:,} chars",
        "",
        "Throughput (tracemalloc off, gc on)",
    ]
    rows = []
    b = report.engine_breakdown
    for t in report.timings:
        rows.append(
            [
                t.path,
                f"{t.seconds:.3f}",
                f"{t.cpu_seconds:.3f}",
                f"{t.items_per_s:,.0f}",
                f"{t.transitions_per_s:,.0f}",
                f"{t.us_per_transition:.3f}",
            ]
        )
        if t.path == EngineRunner.name and b is not None:
            rows[-1][0] = "engine (all-in, draft incl.)"
            rows.append(
                [
                    "engine (transitions only)",
                    "",
                    "",
                    "",
                    f"{b.transitions_per_s:,.0f}",
                    f"{b.fire_and_save_us_per_transition:.3f}",
                ]
            )
    out.append(_table(["path", "wall s", "CPU s", "items/s", "transitions/s", "µs/transition"], rows))
    loads = ", ".join(f"{phase} {value:.2f}" for phase, value in report.load_average.items())
    out.append(f"  load average (1 min) on {report.cpus} CPUs: {loads}")
    if report.starved_paths:
        out.append(
            f"  WARNING: {', '.join(report.starved_paths)} waited for the CPU (wall > {STARVED:.2f} × CPU): "
            "other processes were competing, times and ratios are noisy; rerun when idle, or with --repeat 3"
        )
    if b is not None:
        out += [
            "",
            "Engine breakdown",
            f"  draft + save            {b.draft_and_save_us_per_item:9.2f} µs per item",
            f"  fire                    {b.fire_us_per_transition:9.2f} µs per transition",
            f"  save                    {b.save_us_per_transition:9.2f} µs per transition",
            f"  drain outbox + forget   {b.housekeeping_us_per_item:9.2f} µs per item",
            f"  timer overhead          {b.timer_overhead_us_per_item:9.2f} µs per item "
            f"({TIMER_CALLS_PER_ITEM} perf_counter calls, included above)",
        ]
    r = report.ratios
    verdict = "PASS" if report.target_met else "FAIL"
    out += [
        "",
        "Ratios (per transition)",
        f"  engine transitions (fire+save) / raw transitions  {r['engine_vs_raw']:6.2f}×   "
        f"target ≤ {report.target_ratio:.1f}×  → {verdict}",
        f"  engine fire only / raw transitions                {r['engine_fire_vs_raw']:6.2f}×",
        f"  engine all-in (draft, drain incl.) / raw          {r['engine_all_in_vs_raw']:6.2f}×",
        f"  raw transitions / dict floor                      {r['raw_vs_dict']:6.2f}×",
        f"  engine transitions / dict floor                   {r['engine_vs_dict']:6.2f}×",
    ]
    f = report.in_flight
    if f is not None:
        out += [
            "",
            f"In flight: {f.items:,} items drafted, then each step applied to all of them "
            f"(best of {max(3, report.repeat)}; wall, CPU beside it)",
            f"  engine fire + save      {f.engine_fire_and_save_us:9.2f} µs per transition "
            f"({f.engine_fire_and_save_cpu_us:.2f} CPU)",
            f"  raw transitions         {f.raw_us:9.2f} µs per transition ({f.raw_cpu_us:.2f} CPU)",
            f"  engine / raw            {f.ratio:9.2f}×   target ≤ {report.target_ratio:.1f}×  → "
            f"{'PASS' if f.target_met else 'FAIL'}   (CPU time: {f.cpu_ratio:.2f}×)",
            f"  engine draft + save     {f.engine_draft_and_save_us_per_item:9.2f} µs per item; "
            f"drain + forget {f.engine_drain_us_per_item:.2f} µs per item",
            f"  CPU s of the best round: engine {f.engine_cpu_seconds:.3f} (draft and drain incl.), "
            f"raw {f.raw_cpu_seconds:.3f}",
        ]
    if report.in_flight_parts is not None and f is not None:
        out += ["", render_parts(report.in_flight_parts, f.items, report.repeat)]
    if report.memory:
        out += ["", "Memory (tracemalloc, separate pass on a fresh instance of each path)"]
        mrows = []
        for m in report.memory:
            mrows.append(
                [
                    m.path,
                    f"{m.peak_early_kib:,.1f}",
                    f"{m.peak_total_kib:,.1f}",
                    f"{m.retained_early_kib:,.1f}",
                    f"{m.retained_total_kib:,.1f}",
                    f"{m.peak_growth_kib:+,.1f}",
                    f"{m.retained_growth_kib:+,.1f}",
                    "GREW" if m.grew else "flat",
                ]
            )
        early = report.memory[0].items_early
        total = report.memory[0].items_total
        out.append(
            _table(
                [
                    "path",
                    f"peak@{early:,} KiB",
                    f"peak@{total:,} KiB",
                    f"kept@{early:,} KiB",
                    f"kept@{total:,} KiB",
                    "Δpeak KiB",
                    "Δkept KiB",
                    "verdict",
                ],
                mrows,
            )
        )
        out.append("  kept = still allocated after a full gc.collect(); the peak also counts CPython's free lists")
        tolerances = {
            f"{m.retained_tolerance_kib:.0f} KiB kept, {m.peak_tolerance_kib:.0f} KiB peak" for m in report.memory
        }
        if len(tolerances) == 1:
            out.append(f"  growth tolerance: {tolerances.pop()}")
        else:
            for m in report.memory:
                out.append(
                    f"  growth tolerance, {m.path}: {m.retained_tolerance_kib:.0f} KiB kept, "
                    f"{m.peak_tolerance_kib:.0f} KiB peak"
                )
        out.append(
            "  memory does not grow with the number of items processed"
            if report.memory_stable
            else "  MEMORY GROWS with the number of items processed"
        )
    out += ["", "Peak RSS (ru_maxrss, whole process)"]
    for phase, kib in report.maxrss_kib.items():
        out.append(f"  {phase:<24}{kib:>10,} KiB")
    in_flight = "not measured" if f is None else ("PASS" if f.target_met else "FAIL")
    out += [
        "",
        f"Target: engine ≤ {report.target_ratio:.1f}× raw transitions per transition: item by item {verdict}, "
        f"in flight {in_flight}; "
        f"memory flat: {'PASS' if report.memory_stable else ('FAIL' if report.memory else 'not measured')}",
    ]
    return "\n".join(out)


# -- main -------------------------------------------------------------------------------------


def run(
    items: int,
    *,
    warmup: int,
    repeat: int,
    memory: bool,
    command: str,
    progress: bool,
    in_flight: int = 0,
    parts: bool = False,
) -> Report:
    """Measure all three paths and assemble the report."""

    def say(message: str) -> None:
        if progress:
            print(f"… {message}", file=sys.stderr, flush=True)

    report = Report(
        command=command,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        python=f"{platform.python_implementation()} {platform.python_version()}",
        platform=platform.platform(),
        transitions_version=version("transitions"),
        gongkai_flow_version=version("gongkai_flow"),
        source=source_revision(),
        items=items,
        warmup_items=warmup,
        repeat=repeat,
        body_chars=len(BODY),
        cpus=os.cpu_count() or 1,
    )
    report.maxrss_kib["start"] = maxrss_kib()
    report.load_average["start"] = load_average()
    makers: list[Callable[[], _Runner]] = [DictRunner, RawTransitionsRunner, EngineRunner]
    timings: dict[str, Timing] = {}
    engine: EngineRunner | None = None
    best: dict[str, tuple[float, float, _Runner]] = {}
    # Rounds alternate the paths, so a burst of load from elsewhere does not hit one path only.
    for round_no in range(1, repeat + 1):
        for make in makers:
            seconds, cpu, runner = time_pass(make, items, warmup)
            say(f"round {round_no}/{repeat}: timed {runner.name}: {seconds:.2f} s wall, {cpu:.2f} s CPU")
            if runner.name not in best or seconds < best[runner.name][0]:
                best[runner.name] = (seconds, cpu, runner)
    report.load_average["after timing passes"] = load_average()
    for name, (seconds, cpu, runner) in best.items():
        timings[name] = to_timing(name, items, seconds, cpu)
        if isinstance(runner, EngineRunner):
            engine = runner
    report.timings = [timings[EngineRunner.name], timings[RawTransitionsRunner.name], timings[DictRunner.name]]
    report.starved_paths = [
        t.path for t in report.timings if t.seconds >= MIN_CHECKED_SECONDS and t.seconds > STARVED * t.cpu_seconds
    ]
    report.maxrss_kib["after timing passes"] = maxrss_kib()

    assert engine is not None
    transitions = items * TRANSITIONS_PER_ITEM
    fire_and_save = engine.t_fire + engine.t_save
    breakdown = EngineBreakdown(
        draft_and_save_us_per_item=engine.t_draft / items * 1e6,
        fire_us_per_transition=engine.t_fire / transitions * 1e6,
        save_us_per_transition=engine.t_save / transitions * 1e6,
        fire_and_save_us_per_transition=fire_and_save / transitions * 1e6,
        housekeeping_us_per_item=engine.t_housekeeping / items * 1e6,
        transitions_per_s=transitions / fire_and_save,
        timer_overhead_us_per_item=TIMER_CALLS_PER_ITEM * timer_overhead_us(),
    )
    report.engine_breakdown = breakdown
    raw = timings[RawTransitionsRunner.name].us_per_transition
    floor = timings[DictRunner.name].us_per_transition
    report.ratios = {
        "engine_vs_raw": breakdown.fire_and_save_us_per_transition / raw,
        "engine_fire_vs_raw": breakdown.fire_us_per_transition / raw,
        "engine_all_in_vs_raw": timings[EngineRunner.name].us_per_transition / raw,
        "raw_vs_dict": raw / floor,
        "engine_vs_dict": breakdown.fire_and_save_us_per_transition / floor,
    }
    report.target_met = report.ratios["engine_vs_raw"] <= TARGET_RATIO

    if in_flight:
        report.in_flight = time_in_flight(in_flight, repeat)
        say(f"in flight: engine {report.in_flight.ratio:.2f}× raw transitions")
        if parts:
            report.in_flight_parts = time_in_flight_parts(in_flight, repeat)
            say("in flight, part by part: done")
        report.load_average["after in-flight passes"] = load_average()

    if memory:
        for make in makers:
            mem = measure_memory(make, items, warmup)
            say(f"memory {mem.path}: {mem.seconds:.2f} s")
            report.memory.append(mem)
        order = [EngineRunner.name, RawTransitionsRunner.name, DictRunner.name]
        report.memory.sort(key=lambda m: order.index(m.path))
        report.memory_stable = not any(m.grew for m in report.memory)
        report.maxrss_kib["after memory passes"] = maxrss_kib()
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, run the benchmark, print the table (and write JSON); always exit 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--items", type=int, default=DEFAULT_ITEMS, help=f"items per path (default {DEFAULT_ITEMS:,})")
    size.add_argument("--quick", action="store_true", help=f"smoke run: {QUICK_ITEMS:,} items per path")
    parser.add_argument("--warmup", type=int, default=None, help="warm-up items per pass (default: 1%%, 50–1,000)")
    parser.add_argument("--repeat", type=int, default=1, help="timing passes per path; the best counts (default 1)")
    parser.add_argument(
        "--in-flight",
        type=int,
        default=IN_FLIGHT_ITEMS,
        metavar="N",
        help=f"items kept in flight by the step-by-step measurement (default {IN_FLIGHT_ITEMS:,}; 0 skips it)",
    )
    parser.add_argument(
        "--in-flight-parts",
        action="store_true",
        help="also split the in-flight time: fire only, fire + save, with the collector on and off, "
        "and a what-if with moves from the machine's table",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc passes")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures to PATH as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)

    items: int = QUICK_ITEMS if args.quick else args.items
    if items < 10:
        parser.error("--items must be at least 10")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.in_flight < 0:
        parser.error("--in-flight must be 0 or more")
    if args.in_flight_parts and not args.in_flight:
        parser.error("--in-flight-parts needs the in-flight measurement (--in-flight N, N > 0)")
    warmup: int = args.warmup if args.warmup is not None else min(1_000, max(50, items // 100))
    command = shlex.join(sys.orig_argv) if argv is None else shlex.join(["bench_chain.py", *argv])

    report = run(
        items,
        warmup=warmup,
        repeat=args.repeat,
        memory=not args.no_memory,
        command=command,
        progress=not args.quiet,
        in_flight=args.in_flight,
        parts=args.in_flight_parts,
    )
    print(render(report))
    if args.json is not None:
        data: dict[str, Any] = asdict(report)
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
