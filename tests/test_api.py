"""The public API as documentation sees it: signatures through decorators, naming, small helpers."""

from __future__ import annotations

import inspect

import pytest

from gongkai_flow import Actor, ItemKind, MemoryRepository, Role, SqlOutbox, SqlRepository, Workflow
from gongkai_flow.errors import InvalidFieldError
from gongkai_flow.storage.translate import translated

DRAFTER = Actor("u1", "张敏", "就业失业科", {Role.DRAFTER})


def _public_methods(cls: type) -> list[tuple[str, object]]:
    return [(n, f) for n, f in vars(cls).items() if not n.startswith("_") and inspect.isfunction(f)]


def test_translated_keeps_name_doc_and_signature() -> None:
    """The storage-error decorator is transparent to inspect (and so to the API reference)."""

    def sample(session: object, item_id: str, *, limit: int | None = None) -> list[str]:
        """Sample."""
        return [item_id]

    wrapped = translated()(sample)
    assert wrapped.__name__ == "sample"
    assert wrapped.__doc__ == "Sample."
    assert inspect.signature(wrapped) == inspect.signature(sample)
    assert wrapped(None, "x") == ["x"]


@pytest.mark.parametrize("cls", [SqlRepository, SqlOutbox, MemoryRepository], ids=lambda c: c.__name__)
def test_repository_methods_show_their_own_signatures(cls: type) -> None:
    """No public method of a store reads as ``(*args, **kwargs)``: every decorator kept the signature."""
    methods = _public_methods(cls)
    assert methods
    for name, fn in methods:
        params = list(inspect.signature(fn).parameters.values())  # type: ignore[arg-type]
        assert params[0].name == "self", name
        kinds = {p.kind for p in params[1:]}
        assert not ({inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD} >= kinds and kinds), name


def test_worklist_signature() -> None:
    """``SqlRepository.worklist(actor, *, limit)``, as written, not the decorator's wrapper."""
    params = inspect.signature(SqlRepository.worklist).parameters
    assert list(params) == ["self", "actor", "limit"]
    assert params["limit"].kind is inspect.Parameter.KEYWORD_ONLY


def test_stage_label() -> None:
    """``Workflow.stage_label`` names the item's stage, or another state of its chain, in Chinese."""
    workflow = Workflow()
    item = workflow.draft(DRAFTER, title="通知", kind=ItemKind.NEWS, body="……", attribute="主动公开").item
    assert workflow.stage_label(item) == workflow.chain_of(item).stage("drafted").label
    assert workflow.stage_label(item) == "起草"
    assert workflow.stage_label(item, "no_such_state") == "no_such_state"


@pytest.mark.parametrize("kind", [ItemKind.NEWS, "news", "新闻宣传"])
def test_draft_takes_a_kind_or_its_text(kind: ItemKind | str) -> None:
    """``Workflow.draft(kind=…)`` takes the enum, its value or its Chinese label."""
    item = Workflow().draft(DRAFTER, title="通知", kind=kind, body="……", attribute="主动公开").item
    assert item.kind is ItemKind.NEWS


def test_draft_refuses_an_unknown_kind() -> None:
    """Any other text is a typed form error naming the field."""
    with pytest.raises(InvalidFieldError) as exc:
        Workflow().draft(DRAFTER, title="通知", kind="传单", body="……", attribute="主动公开")
    assert exc.value.details["field"] == "kind"
