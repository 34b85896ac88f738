"""Fixtures of the negative-list tests: the corpus, a scanner, and flows with the plugin enabled."""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gongkai_flow import Actor, DisclosureItem, Flow, ItemKind, MemoryRepository, Workflow
from gongkai_flow.demo import BUREAU
from gongkai_flow.plugins.negative_list import Scanner

#: The corpus of bureau texts and its manifest.
CORPUS = Path(__file__).parent / "corpus"
#: Where the seed document of the project lies (a copy is in the corpus).
SEED_COPY = CORPUS / "near_miss" / "seed_work_plan_2019.txt"

FlowFactory = Callable[..., Flow]


def corpus_cases() -> list[dict[str, Any]]:
    """The cases of ``corpus/cases.toml``."""
    cases: list[dict[str, Any]] = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))["case"]
    return cases


@pytest.fixture(scope="session")
def scanner() -> Scanner:
    """A scanner with the shipped rules and no bureau configuration."""
    return Scanner()


@pytest.fixture
def people() -> dict[str, Actor]:
    """The demo bureau's people by id."""
    return dict(BUREAU)


@pytest.fixture
def make_flow() -> Iterator[FlowFactory]:
    """Build flows with the negative list enabled (optionally configured); closed afterwards."""
    flows: list[Flow] = []

    def make(config: Mapping[str, Any] | None = None) -> Flow:
        counter = itertools.count(1)
        workflow = Workflow(
            clock=lambda: datetime(2019, 6, 28, 9, 0, tzinfo=UTC), new_id=lambda: f"id{next(counter):05d}"
        )
        flow = Flow(
            repository=MemoryRepository(),
            workflow=workflow,
            plugins=["negative_list"],
            plugin_config={"negative_list": dict(config or {})},
        )
        flows.append(flow)
        return flow

    yield make
    for flow in flows:
        flow.close()


def draft(flow: Flow, people: Mapping[str, Actor], body: str, **fields: Any) -> DisclosureItem:
    """张敏 drafts a 主动公开 notice for the website with ``body``."""
    values: dict[str, Any] = {
        "title": "关于公布2019年第二批一次性创业补贴人员名单的公示",
        "kind": ItemKind.NOTICE,
        "attribute": "主动公开",
        "platforms": ["网站"],
        "column": "通知公告",
    }
    values.update(fields)
    return flow.draft(people["zhangmin"], body=body, **values)
