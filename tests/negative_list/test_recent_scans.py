"""An item's public content is scanned once on its way through the chain, and again whenever it changes."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import attrs
import pytest

from gongkai_flow import Action, Workflow
from gongkai_flow.demo import BUREAU
from gongkai_flow.events import TransitionRequested
from gongkai_flow.model import CONTENT_FIELDS, PUBLIC_FIELDS, Attachment, BlobReader, DisclosureItem, Finding, ItemKind
from gongkai_flow.plugins.negative_list.plugin import RecentScans, check_transition
from gongkai_flow.plugins.negative_list.scanner import Scanner
from gongkai_flow.plugins.negative_list.settings import Settings

from .fixtures import ID

# The module, not the plugin object the package exports under the same name.
plugin_module = importlib.import_module("gongkai_flow.plugins.negative_list.plugin")

RULE = "negative_list.pii.id_card"


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the items whose public content was actually scanned, in order."""
    seen: list[str] = []
    real: Callable[[Scanner, DisclosureItem, BlobReader | None], list[Finding]] = plugin_module.scan_public_content

    def scan(scanner: Scanner, item: DisclosureItem, blobs: BlobReader | None) -> list[Finding]:
        seen.append(item.id)
        return real(scanner, item, blobs)

    monkeypatch.setattr(plugin_module, "scan_public_content", scan)
    return seen


def _item(**changes: Any) -> DisclosureItem:
    fields: dict[str, Any] = {
        "title": "关于公布2019年一次性创业补贴名单的公示",
        "kind": ItemKind.POLICY_DOCUMENT,
        "body": "经审核，下列人员符合条件，现予公示。",
        "attribute": "主动公开",
        "platforms": ["网站"],
    }
    item = Workflow(require_content_guard=False).draft(BUREAU["zhangmin"], **fields).item
    return attrs.evolve(item, **changes)


SCANNER = Scanner(Settings.from_config({}))


def _check(scans: RecentScans, item: DisclosureItem, action: Action = Action.PUBLISH) -> list[str]:
    """The rule ids of the findings one requested transition gets."""
    event = TransitionRequested(item=item, action=action, actor=BUREAU["chenjing"], target="published")
    return [f.rule_id for f in check_transition(SCANNER, event, scans) or ()]


def test_same_content_is_scanned_once(counted: list[str]) -> None:
    """Submit, attribute review and publication of unchanged content: one scan, the same findings each time."""
    scans = RecentScans()
    item = _item(body=f"刘某（身份证号{ID}）符合条件。", state="attribute_review")
    results = [_check(scans, item, action) for action in (Action.SUBMIT, Action.APPROVE, Action.PUBLISH)]
    assert counted == [item.id]
    assert results[-1] == [RULE]


@pytest.mark.parametrize("field", ["title", "body", "document_number", "column", "source_name"])
def test_a_changed_public_field_is_scanned_again(counted: list[str], field: str) -> None:
    """Content that changed in any public field is scanned afresh: the ID put there is found."""
    scans = RecentScans()
    item = _item()
    assert _check(scans, item) == []
    changes: dict[str, Any] = {field: f"{getattr(item, field) or ''}{ID}"}
    changed = attrs.evolve(item, **changes)
    assert _check(scans, changed) == [RULE]
    assert counted == [item.id, item.id]


def test_items_with_attachments_are_scanned_every_time(counted: list[str]) -> None:
    """An attachment's bytes may be missing now: every check reads them again (and fails closed)."""
    scans = RecentScans()
    attachment = Attachment(name="名单.csv", media_type="text/csv", size=10, sha256="0" * 64)
    item = _item(attachments=(attachment,))
    first = _check(scans, item)
    second = _check(scans, item)
    assert counted == [item.id, item.id]
    assert first == second
    assert first  # unreadable without a blob store: a blocking finding, never clean


def test_the_memory_is_bounded() -> None:
    """Old content is forgotten first; the memory never holds more than its size."""
    scans = RecentScans(size=3)
    for n in range(10):
        scans.scan(SCANNER, _item(body=f"第{n}条"), None)
    assert len(scans._found) == 3


def test_the_key_covers_every_public_field() -> None:
    """The memory is keyed by the content hash: every field that reaches the public must be in it."""
    assert set(PUBLIC_FIELDS) <= set(CONTENT_FIELDS)


def test_a_morning_of_submissions_is_remembered_by_the_afternoon(counted: list[str]) -> None:
    """A thousand items submitted, then reviewed in the same order: each is scanned once, not twice."""
    scans = RecentScans()
    items = [_item(body=f"第{n}号名单，现予公示。") for n in range(1000)]
    for action in (Action.SUBMIT, Action.PUBLISH):
        for item in items:
            _check(scans, item, action)
    assert len(counted) == len(items)
