"""Chain definitions: validated when built, serialisable, drawable, routed by item kind."""

from __future__ import annotations

from typing import Any

import pytest

from gongkai_flow import (
    Action,
    ChainDefinition,
    ChainSet,
    ItemKind,
    Role,
    Stage,
    Step,
    default_chain,
    news_chain,
)
from gongkai_flow.chain import to_mermaid
from gongkai_flow.errors import ChainDefinitionError, UnknownChainError


def _chain(stages: tuple[Stage, ...], steps: tuple[Step, ...], initial: str = "drafted") -> ChainDefinition:
    return ChainDefinition(id="test", version=1, label="测试流程", initial=initial, stages=stages, steps=steps)


_DRAFTED = Stage("drafted", "起草")
_REVIEW = Stage("review", "审核")
_DONE = Stage("done", "已发布", terminal=True)
_SUBMIT = Step("drafted", Action.SUBMIT, "review", Role.DRAFTER)
_PUBLISH = Step("review", Action.PUBLISH, "done", Role.PUBLISHER)


def _refused(make: Any) -> ChainDefinitionError:
    with pytest.raises(ChainDefinitionError) as info:
        make()
    assert info.value.code == "chain.invalid"
    assert info.value.message.strip()
    return info.value


def test_minimal_chain_is_valid() -> None:
    """A chain with one path from its initial state to a terminal state is accepted."""
    chain = _chain((_DRAFTED, _REVIEW, _DONE), (_SUBMIT, _PUBLISH))
    assert chain.step("drafted", Action.SUBMIT) == _SUBMIT
    assert chain.step("drafted", Action.PUBLISH) is None


def test_unreachable_state_refused() -> None:
    """A stage that no step leads to is refused when the chain is built."""
    orphan = Stage("orphan", "孤立环节")
    exc = _refused(lambda: _chain((_DRAFTED, _REVIEW, orphan, _DONE), (_SUBMIT, _PUBLISH)))
    assert "orphan" in exc.message


def test_trap_state_refused() -> None:
    """A non-terminal stage with no path to a terminal stage is refused (死环节)."""
    trap = Stage("trap", "死环节")
    steps = (_SUBMIT, _PUBLISH, Step("review", Action.REFER, "trap", Role.ATTRIBUTE_REVIEWER))
    exc = _refused(lambda: _chain((_DRAFTED, _REVIEW, trap, _DONE), steps))
    assert "trap" in exc.message


def test_trap_cycle_refused() -> None:
    """Two stages that only lead to each other are both trap states."""
    a, b = Stage("a", "甲"), Stage("b", "乙")
    steps = (
        _SUBMIT,
        _PUBLISH,
        Step("review", Action.REFER, "a", Role.ATTRIBUTE_REVIEWER),
        Step("a", Action.APPROVE, "b", Role.LEGAL_REVIEWER),
        Step("b", Action.RETURN, "a", Role.LEGAL_REVIEWER),
    )
    exc = _refused(lambda: _chain((_DRAFTED, _REVIEW, a, b, _DONE), steps))
    assert "'a'" in exc.message
    assert "'b'" in exc.message


def test_unknown_initial_refused() -> None:
    """An initial state that is not a stage of the chain is refused."""
    exc = _refused(lambda: _chain((_DRAFTED, _REVIEW, _DONE), (_SUBMIT, _PUBLISH), initial="nowhere"))
    assert "nowhere" in exc.message


def test_terminal_initial_refused() -> None:
    """A chain cannot start in a terminal state."""
    _refused(lambda: _chain((_DRAFTED, _REVIEW, _DONE), (_SUBMIT, _PUBLISH), initial="done"))


def test_duplicate_source_action_refused() -> None:
    """Two steps for the same action in the same state are refused."""
    twice = Step("drafted", Action.SUBMIT, "done", Role.DRAFTER)
    _refused(lambda: _chain((_DRAFTED, _REVIEW, _DONE), (_SUBMIT, twice, _PUBLISH)))


def test_steps_from_terminal_refused() -> None:
    """A terminal stage cannot have steps leaving it."""
    reopen = Step("done", Action.RETRACT, "review", Role.PUBLISHER)
    exc = _refused(lambda: _chain((_DRAFTED, _REVIEW, _DONE), (_SUBMIT, _PUBLISH, reopen)))
    assert "done" in exc.message


def test_step_to_unknown_stage_refused() -> None:
    """A step leading to a stage that does not exist is refused."""
    astray = Step("review", Action.RETURN, "nowhere", Role.LEGAL_REVIEWER)
    _refused(lambda: _chain((_DRAFTED, _REVIEW, _DONE), (_SUBMIT, _PUBLISH, astray)))


def test_duplicate_stage_names_refused() -> None:
    """Two stages with the same name are refused."""
    _refused(lambda: _chain((_DRAFTED, _REVIEW, Stage("review", "重复"), _DONE), (_SUBMIT, _PUBLISH)))


def test_no_terminal_refused() -> None:
    """A chain without any terminal stage is refused."""
    back = Step("review", Action.RETURN, "drafted", Role.LEGAL_REVIEWER)
    _refused(lambda: _chain((_DRAFTED, _REVIEW), (_SUBMIT, back)))


def test_version_must_be_positive() -> None:
    """Version 0 is refused."""
    _refused(
        lambda: ChainDefinition(
            id="test", version=0, label="测试", initial="drafted", stages=(_DRAFTED, _REVIEW, _DONE), steps=(_SUBMIT,)
        )
    )


def test_unknown_required_signature_refused() -> None:
    """A required signature naming a stage that does not exist is refused."""
    _refused(
        lambda: ChainDefinition(
            id="test",
            version=1,
            label="测试",
            initial="drafted",
            stages=(_DRAFTED, _REVIEW, _DONE),
            steps=(_SUBMIT, _PUBLISH),
            required_signatures=("leader_review",),
        )
    )


def test_unknown_role_in_from_dict_refused() -> None:
    """from_dict refuses a step naming a role that does not exist."""
    data = default_chain().to_dict()
    data["steps"][0]["role"] = "janitor"
    exc = _refused(lambda: ChainDefinition.from_dict(data))
    assert "janitor" in exc.message


def test_missing_field_in_from_dict_refused() -> None:
    """from_dict refuses data without the chain's initial state."""
    data = default_chain().to_dict()
    del data["initial"]
    _refused(lambda: ChainDefinition.from_dict(data))


def test_unknown_action_in_from_dict_refused() -> None:
    """from_dict refuses a step naming an action that does not exist."""
    data = default_chain().to_dict()
    data["steps"][0]["action"] = "teleport"
    _refused(lambda: ChainDefinition.from_dict(data))


@pytest.mark.parametrize("make", [default_chain, news_chain], ids=["default", "news"])
def test_round_trip(make: Any) -> None:
    """to_dict then from_dict gives back an equal chain."""
    chain = make()
    again = ChainDefinition.from_dict(chain.to_dict())
    assert again == chain
    assert again.to_dict() == chain.to_dict()


@pytest.mark.parametrize("make", [default_chain, news_chain], ids=["default", "news"])
def test_mermaid_contains_every_stage(make: Any) -> None:
    """The Mermaid diagram names every stage with its Chinese label, and every step."""
    chain: ChainDefinition = make()
    text = to_mermaid(chain)
    assert text.startswith("stateDiagram-v2")
    for stage in chain.stages:
        assert f'state "{stage.label}" as {stage.name}' in text
    for step in chain.steps:
        assert f"{step.source} --> {step.dest}: {step.action.label}" in text


def test_chain_set_routes_news() -> None:
    """The standard chain set sends 新闻宣传 items to the news chain and everything else to the default chain."""
    chains = ChainSet.standard()
    assert chains.for_kind(ItemKind.NEWS).id == "news"
    for kind in ItemKind:
        if kind is not ItemKind.NEWS:
            assert chains.for_kind(kind).id == "default"


def test_chain_set_latest_version() -> None:
    """New items start on the highest registered version; older versions stay available."""
    chains = ChainSet.standard()
    data = default_chain().to_dict()
    data["version"] = 2
    chains.add(ChainDefinition.from_dict(data))
    assert chains.for_kind(ItemKind.NOTICE).version == 2
    assert chains.get("default", 1) == default_chain()


def test_chain_set_refuses_duplicate_version() -> None:
    """Registering the same chain version twice is refused."""
    chains = ChainSet.standard()
    with pytest.raises(ChainDefinitionError):
        chains.add(default_chain())


def test_chain_set_refuses_route_to_unknown_chain() -> None:
    """A route to a chain that is not registered is refused when the set is built."""
    with pytest.raises(ChainDefinitionError):
        ChainSet([default_chain()], routes={ItemKind.NEWS: "news"})


def test_chain_set_unknown_version() -> None:
    """Asking for a version that was never registered raises UnknownChainError."""
    with pytest.raises(UnknownChainError) as info:
        ChainSet.standard().get("default", 7)
    assert info.value.code == "chain.unknown"


def test_unknown_stage_lookup() -> None:
    """Looking up a stage the chain does not have raises ChainDefinitionError."""
    with pytest.raises(ChainDefinitionError):
        default_chain().stage("nowhere")


def test_default_chain_matches_architecture() -> None:
    """The default chain requires the five signatures of 附件2 and has return steps on every review stage."""
    chain = default_chain()
    assert chain.required_signatures == (
        "drafted",
        "attribute_review",
        "legal_review",
        "section_review",
        "leader_review",
    )
    assert set(chain.return_targets()) == {"attribute_review", "legal_review", "section_review", "leader_review"}
    assert chain.stage("section_review").countersign
    assert {s.name for s in chain.stages if s.terminal} == {
        "archived",
        "withdrawn",
        "abolished",
        "expired",
        "retracted",
    }
