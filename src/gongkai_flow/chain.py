"""Review chains as versioned, validated data.

A chain is the list of stages of 附件2 and the steps between them: who may take which action
in which state, and where it leads. Chains are plain data, checked when built (one initial
state, every state reachable, no trap states, known roles), so a wrong chain fails at start-up
and never half-way through a bureau's day. Items remember the chain id and version they started
on, so a new version never changes an item already in flight.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any, final

import attrs

from .errors import ChainDefinitionError, UnknownChainError
from .model import ItemKind, Role, _Labelled


class Action(_Labelled):
    """What an actor does to an item."""

    SUBMIT = "submit", "提交审核"
    WITHDRAW = "withdraw", "撤回"
    APPROVE = "approve", "同意"
    RETURN = "return", "退回"
    REFER = "refer", "报保密部门确定"
    RESUME = "resume", "确定不涉密，恢复审核"
    CLASSIFY = "classify", "确定涉密，不予公开归档"
    PUBLISH = "publish", "发布"
    FILE = "file", "登记存档"
    ABOLISH = "abolish", "废止"
    EXPIRE = "expire", "标注失效"
    RETRACT = "retract", "撤下"
    # 依申请公开 (the request chain)
    ACCEPT = "accept", "受理"
    REQUEST_CORRECTION = "request_correction", "告知补正"
    RECEIVE_CORRECTION = "receive_correction", "收到补正"
    ABANDON = "abandon", "视为放弃"
    CONSULT = "consult", "征求意见"
    RECEIVE_OPINIONS = "receive_opinions", "收到意见"
    EXTEND = "extend", "延长答复期限"
    REPLY = "reply", "答复"
    ARCHIVE = "archive", "归档"


class Scope(enum.Enum):
    """Which holders of a role may act on a given item."""

    #: Anyone holding the role (e.g. 局办公室 reviews every item).
    ANY = "any"
    #: Only the item's drafter.
    OWN_ITEM = "own_item"
    #: Holders of the role in one of the item's sections (会签: each section signs).
    ITEM_SECTION = "item_section"
    #: A leader in charge of the item's lead section.
    SECTION_LEADER = "section_leader"


@final
@attrs.frozen
class Stage:
    """A state of the chain. ``countersign`` stages need one approval per item section."""

    name: str
    label: str
    terminal: bool = False
    countersign: bool = False


@final
@attrs.frozen
class Step:
    """One allowed move: in ``source``, an actor with ``role`` (within ``scope``) may ``action``.

    ``signs`` marks steps whose actor signs the review form (the signature is bound to the
    content hash). ``opinion_required`` steps refuse an empty opinion.
    """

    source: str
    action: Action
    dest: str
    role: Role
    scope: Scope = Scope.ANY
    signs: bool = False
    opinion_required: bool = False


def _steps_converter(value: Iterable[Step]) -> tuple[Step, ...]:
    return tuple(value)


def _str_tuple(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _stages_converter(value: Iterable[Stage]) -> tuple[Stage, ...]:
    return tuple(value)


@final
@attrs.frozen
class ChainDefinition:
    """A versioned review chain, validated on construction.

    ``required_signatures`` lists the stages whose signatures a published item must carry, each
    bound to the content that is published.
    """

    id: str
    version: int
    label: str
    initial: str
    stages: tuple[Stage, ...] = attrs.field(converter=_stages_converter)
    steps: tuple[Step, ...] = attrs.field(converter=_steps_converter)
    required_signatures: tuple[str, ...] = attrs.field(converter=_str_tuple, default=())
    _by_name: dict[str, Stage] = attrs.field(init=False, eq=False, repr=False)
    _moves: dict[tuple[str, Action], Step] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {s.name: s for s in self.stages})
        object.__setattr__(self, "_moves", {(s.source, s.action): s for s in self.steps})
        self._validate()

    # -- queries ---------------------------------------------------------------------------

    def stage(self, name: str) -> Stage:
        """The stage called ``name``; ``ChainDefinitionError`` if there is none."""
        try:
            return self._by_name[name]
        except KeyError:
            raise ChainDefinitionError(
                f"审核流程“{self.label}”第{self.version}版中没有“{name}”这个环节。",
                chain_id=self.id,
                state=name,
            ) from None

    def has_stage(self, name: str) -> bool:
        """Whether the chain has a stage called ``name``."""
        return name in self._by_name

    def step(self, source: str, action: Action) -> Step | None:
        """The step for ``action`` in ``source``, or ``None``."""
        return self._moves.get((source, action))

    def steps_from(self, source: str) -> tuple[Step, ...]:
        """Every step leaving ``source``, in definition order."""
        return tuple(s for s in self.steps if s.source == source)

    @property
    def actions(self) -> tuple[Action, ...]:
        """Every action the chain uses, in :class:`Action` order."""
        used = {s.action for s in self.steps}
        return tuple(a for a in Action if a in used)

    def return_targets(self) -> tuple[str, ...]:
        """Stages that can return an item to its drafter: a resubmission may go straight back."""
        return tuple(s.source for s in self.steps if s.action is Action.RETURN)

    # -- validation ------------------------------------------------------------------------

    def _fail(self, message: str) -> ChainDefinitionError:
        return ChainDefinitionError(
            f"审核流程“{self.label}”（{self.id} 第{self.version}版）定义有误：{message}",
            chain_id=self.id,
        )

    def _validate(self) -> None:
        if self.version < 1:
            raise self._fail("版本号必须是正整数。")
        if len(self._by_name) != len(self.stages):
            raise self._fail("环节名称重复。")
        if self.initial not in self._by_name:
            raise self._fail(f"起始环节“{self.initial}”不存在。")
        if self._by_name[self.initial].terminal:
            raise self._fail("起始环节不能是终止环节。")
        if len(self._moves) != len(self.steps):
            raise self._fail("同一环节的同一操作定义了两次。")
        for step in self.steps:
            if not isinstance(step.role, Role):
                raise self._fail(f"未知的角色“{step.role}”。")
            for name in (step.source, step.dest):
                if name not in self._by_name:
                    raise self._fail(f"操作“{step.action.label}”引用了不存在的环节“{name}”。")
            if self._by_name[step.source].terminal:
                raise self._fail(f"终止环节“{step.source}”不能再有操作。")
        for name in self.required_signatures:
            if name not in self._by_name:
                raise self._fail(f"必需签字的环节“{name}”不存在。")
        reachable = self._reachable_from(self.initial, forward=True)
        unreachable = [s.name for s in self.stages if s.name not in reachable]
        if unreachable:
            raise self._fail(f"环节{unreachable}从起始环节无法到达。")
        terminals = {s.name for s in self.stages if s.terminal}
        if not terminals:
            raise self._fail("没有终止环节。")
        can_finish: set[str] = set()
        for name in terminals:
            can_finish |= self._reachable_from(name, forward=False)
        traps = [s.name for s in self.stages if s.name not in can_finish]
        if traps:
            raise self._fail(f"环节{traps}无法走到任何终止环节（死环节）。")

    def _reachable_from(self, start: str, *, forward: bool) -> set[str]:
        edges: dict[str, set[str]] = {}
        for step in self.steps:
            a, b = (step.source, step.dest) if forward else (step.dest, step.source)
            edges.setdefault(a, set()).add(b)
        seen = {start}
        queue = deque([start])
        while queue:
            for nxt in edges.get(queue.popleft(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        return seen

    # -- serialisation -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A plain-data form (JSON/TOML friendly) that :meth:`from_dict` reads back."""
        return {
            "id": self.id,
            "version": self.version,
            "label": self.label,
            "initial": self.initial,
            "required_signatures": list(self.required_signatures),
            "stages": [
                {"name": s.name, "label": s.label, "terminal": s.terminal, "countersign": s.countersign}
                for s in self.stages
            ],
            "steps": [
                {
                    "source": s.source,
                    "action": s.action.value,
                    "dest": s.dest,
                    "role": s.role.value,
                    "scope": s.scope.value,
                    "signs": s.signs,
                    "opinion_required": s.opinion_required,
                }
                for s in self.steps
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChainDefinition:
        """Build (and validate) a chain from plain data, e.g. a bureau's own TOML file."""
        try:
            stages = [Stage(**dict(s)) for s in data["stages"]]
            steps = []
            for raw in data["steps"]:
                raw = dict(raw)
                try:
                    role = Role.from_label(raw.pop("role"))
                except KeyError as exc:
                    raise ChainDefinitionError(f"审核流程定义有误：未知的角色 {exc}。") from exc
                steps.append(
                    Step(
                        action=Action.from_label(raw.pop("action")),
                        role=role,
                        scope=Scope(raw.pop("scope", "any")),
                        **raw,
                    )
                )
            return cls(
                id=data["id"],
                version=int(data["version"]),
                label=data.get("label", data["id"]),
                initial=data["initial"],
                stages=stages,
                steps=steps,
                required_signatures=tuple(data.get("required_signatures", ())),
            )
        except ChainDefinitionError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise ChainDefinitionError(f"审核流程定义有误：缺少或无法识别字段 {exc}。") from exc


def to_mermaid(chain: ChainDefinition) -> str:
    """The chain as a Mermaid ``stateDiagram-v2``, labelled in Chinese."""
    lines = ["stateDiagram-v2", f"    %% {chain.label} ({chain.id} v{chain.version})"]
    for stage in chain.stages:
        lines.append(f'    state "{stage.label}" as {stage.name}')
    lines.append(f"    [*] --> {chain.initial}")
    for step in chain.steps:
        lines.append(f"    {step.source} --> {step.dest}: {step.action.label}（{step.role.label}）")
    for stage in chain.stages:
        if stage.terminal:
            lines.append(f"    {stage.name} --> [*]")
    return "\n".join(lines)


# --- the bureau's chains ----------------------------------------------------------------

_TERMINALS = (
    Stage("archived", "已归档", terminal=True),
    Stage("withdrawn", "已撤回", terminal=True),
    Stage("abolished", "已废止", terminal=True),
    Stage("expired", "已失效", terminal=True),
    Stage("retracted", "已撤下", terminal=True),
)

_PUBLISHED_STEPS = (
    Step("published", Action.ABOLISH, "abolished", Role.PUBLISHER, opinion_required=True),
    Step("published", Action.EXPIRE, "expired", Role.PUBLISHER, opinion_required=True),
    Step("published", Action.RETRACT, "retracted", Role.PUBLISHER, opinion_required=True),
)


def default_chain() -> ChainDefinition:
    """附件2: 承办人 → 保密及公开属性审核 → 法律法规审核 → 业务科室负责人 → 业务分管领导 → 发布/存档."""
    return ChainDefinition(
        id="default",
        version=1,
        label="政府信息公开及合规性审核",
        initial="drafted",
        stages=(
            Stage("drafted", "起草"),
            Stage("attribute_review", "保密及公开属性审核"),
            Stage("secrecy_referral", "报保密部门确定"),
            Stage("legal_review", "法律法规审核"),
            Stage("section_review", "业务科室负责人审核", countersign=True),
            Stage("leader_review", "业务分管领导审签"),
            Stage("approved", "待发布"),
            Stage("published", "已发布"),
            *_TERMINALS,
        ),
        steps=(
            Step("drafted", Action.SUBMIT, "attribute_review", Role.DRAFTER, Scope.OWN_ITEM, signs=True),
            Step("drafted", Action.WITHDRAW, "withdrawn", Role.DRAFTER, Scope.OWN_ITEM),
            Step("attribute_review", Action.APPROVE, "legal_review", Role.ATTRIBUTE_REVIEWER, signs=True),
            Step("attribute_review", Action.RETURN, "drafted", Role.ATTRIBUTE_REVIEWER, opinion_required=True),
            Step("attribute_review", Action.REFER, "secrecy_referral", Role.ATTRIBUTE_REVIEWER, opinion_required=True),
            Step("secrecy_referral", Action.RESUME, "attribute_review", Role.ATTRIBUTE_REVIEWER, opinion_required=True),
            Step("secrecy_referral", Action.CLASSIFY, "archived", Role.ATTRIBUTE_REVIEWER, opinion_required=True),
            Step("legal_review", Action.APPROVE, "section_review", Role.LEGAL_REVIEWER, signs=True),
            Step("legal_review", Action.RETURN, "drafted", Role.LEGAL_REVIEWER, opinion_required=True),
            Step("section_review", Action.APPROVE, "leader_review", Role.SECTION_HEAD, Scope.ITEM_SECTION, signs=True),
            Step(
                "section_review", Action.RETURN, "drafted", Role.SECTION_HEAD, Scope.ITEM_SECTION, opinion_required=True
            ),
            Step("leader_review", Action.APPROVE, "approved", Role.LEADER, Scope.SECTION_LEADER, signs=True),
            Step("leader_review", Action.RETURN, "drafted", Role.LEADER, Scope.SECTION_LEADER, opinion_required=True),
            Step("approved", Action.PUBLISH, "published", Role.PUBLISHER, signs=True),
            Step("approved", Action.FILE, "archived", Role.PUBLISHER, signs=True),
            *_PUBLISHED_STEPS,
        ),
        required_signatures=("drafted", "attribute_review", "legal_review", "section_review", "leader_review"),
    )


def news_chain() -> ChainDefinition:
    """新闻宣传类信息: 政策法规科 reviews and uploads (drafted → legal_review → published)."""
    return ChainDefinition(
        id="news",
        version=1,
        label="新闻宣传类信息审核",
        initial="drafted",
        stages=(
            Stage("drafted", "起草"),
            Stage("legal_review", "政策法规科审核发布"),
            Stage("published", "已发布"),
            *_TERMINALS,
        ),
        steps=(
            Step("drafted", Action.SUBMIT, "legal_review", Role.DRAFTER, Scope.OWN_ITEM, signs=True),
            Step("drafted", Action.WITHDRAW, "withdrawn", Role.DRAFTER, Scope.OWN_ITEM),
            Step("legal_review", Action.PUBLISH, "published", Role.LEGAL_REVIEWER, signs=True),
            Step("legal_review", Action.RETURN, "drafted", Role.LEGAL_REVIEWER, opinion_required=True),
            Step("legal_review", Action.FILE, "archived", Role.LEGAL_REVIEWER, signs=True),
            Step("published", Action.ABOLISH, "abolished", Role.LEGAL_REVIEWER, opinion_required=True),
            Step("published", Action.EXPIRE, "expired", Role.LEGAL_REVIEWER, opinion_required=True),
            Step("published", Action.RETRACT, "retracted", Role.LEGAL_REVIEWER, opinion_required=True),
        ),
        required_signatures=("drafted",),
    )


def request_chain() -> ChainDefinition:
    """依申请公开: 登记 → (补正) → 审查办理 ⇄ 征求意见 → 答复 → 归档 (条例第29–45条)."""
    officer = Role.REQUEST_OFFICER
    return ChainDefinition(
        id="request",
        version=1,
        label="依申请公开办理",
        initial="registered",
        stages=(
            Stage("registered", "已登记"),
            Stage("correction_requested", "待补正"),
            Stage("reviewing", "审查办理"),
            Stage("consulting", "征求意见"),
            Stage("replied", "已答复"),
            Stage("archived", "已归档", terminal=True),
            Stage("abandoned", "视为放弃", terminal=True),
        ),
        steps=(
            Step("registered", Action.ACCEPT, "reviewing", officer),
            Step("registered", Action.REQUEST_CORRECTION, "correction_requested", officer, opinion_required=True),
            Step("registered", Action.REPLY, "replied", officer),
            # The reply clock runs from receipt, so it may be extended before acceptance (条例第三十三条);
            # a correction in place, not a new version: the statute allowed it from the start.
            Step("registered", Action.EXTEND, "registered", Role.DISCLOSURE_HEAD, opinion_required=True),
            Step("correction_requested", Action.RECEIVE_CORRECTION, "reviewing", officer),
            Step("correction_requested", Action.ABANDON, "abandoned", officer, opinion_required=True),
            Step("correction_requested", Action.REPLY, "replied", officer),
            Step("reviewing", Action.CONSULT, "consulting", officer, opinion_required=True),
            Step("reviewing", Action.EXTEND, "reviewing", Role.DISCLOSURE_HEAD, opinion_required=True),
            Step("reviewing", Action.REPLY, "replied", officer),
            Step("consulting", Action.RECEIVE_OPINIONS, "reviewing", officer, opinion_required=True),
            Step("replied", Action.ARCHIVE, "archived", officer),
        ),
    )


@final
class ChainSet:
    """The chains a workflow knows, every version of each, and which kind takes which route."""

    def __init__(
        self,
        chains: Iterable[ChainDefinition] = (),
        routes: Mapping[ItemKind, str] | None = None,
        default_route: str = "default",
    ) -> None:
        self._chains: dict[tuple[str, int], ChainDefinition] = {}
        self._latest: dict[str, int] = {}
        for chain in chains:
            self.add(chain)
        self.routes: dict[ItemKind, str] = dict(routes or {})
        self.default_route = default_route
        for route in (*self.routes.values(), default_route):
            if route not in self._latest:
                raise ChainDefinitionError(f"路由指向了未注册的审核流程“{route}”。", chain_id=route)

    @classmethod
    def standard(cls) -> ChainSet:
        """The bureau's chains: the review form, the news route for 新闻宣传类, and 依申请公开."""
        return cls([default_chain(), news_chain(), request_chain()], routes={ItemKind.NEWS: "news"})

    def add(self, chain: ChainDefinition) -> None:
        """Register a chain version; new items on its id start on the highest version."""
        key = (chain.id, chain.version)
        if key in self._chains:
            raise ChainDefinitionError(f"审核流程“{chain.id}”第{chain.version}版已经注册过。", chain_id=chain.id)
        self._chains[key] = chain
        self._latest[chain.id] = max(chain.version, self._latest.get(chain.id, 0))

    def get(self, chain_id: str, version: int) -> ChainDefinition:
        """The exact version an item runs on."""
        try:
            return self._chains[(chain_id, version)]
        except KeyError:
            raise UnknownChainError(f"找不到审核流程“{chain_id}”第{version}版。", chain_id=chain_id) from None

    def latest(self, chain_id: str) -> ChainDefinition:
        """The newest version of ``chain_id``."""
        if chain_id not in self._latest:
            raise UnknownChainError(f"找不到审核流程“{chain_id}”。", chain_id=chain_id)
        return self._chains[(chain_id, self._latest[chain_id])]

    def for_kind(self, kind: ItemKind) -> ChainDefinition:
        """The newest version of the route for items of ``kind``."""
        return self.latest(self.routes.get(kind, self.default_route))

    def __iter__(self) -> Any:
        return iter(self._chains.values())
