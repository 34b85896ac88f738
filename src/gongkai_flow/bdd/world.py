"""The state one scenario runs in: the bureau's people, a flow on a fixed clock, the current item.

Every lookup by a name staff wrote (a person, a role, a state, a field, an item) goes through
:class:`World`, which raises :class:`~gongkai_flow.bdd.errors.ScenarioError` with a Chinese message
naming the closest known names instead of a ``KeyError``.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from ..bureau import BureauConfig
from ..chain import default_chain, news_chain, request_chain
from ..deadlines import Timer
from ..errors import GongkaiFlowError
from ..model import Actor, DisclosureItem, Finding, Role, compute_content_hash
from ..plugins.notify import NotifyPlugin
from ..service import Flow
from .checks import CheckRecord, RecordedNegativeList
from .errors import ScenarioError

#: The bureau's time zone: dates and times in scenarios are Beijing time.
BEIJING = ZoneInfo("Asia/Shanghai")

#: The moment a scenario starts at unless it says otherwise (a Monday, 9:00 Beijing time).
DEFAULT_NOW = datetime(2019, 6, 3, 9, 0, tzinfo=BEIJING)

#: What the replies of 依申请公开 need: the remedy channels (条例第36条, 行政复议法).
REQUEST_SETTINGS: dict[str, Any] = {"review_body": "日照市人民政府", "court": "日照市东港区人民法院"}

T = TypeVar("T")


def _closest(word: str, known: Iterable[str]) -> str:
    names = list(known)
    near = difflib.get_close_matches(word, names, n=3, cutoff=0.3)
    hint = f"是不是“{'”或“'.join(near)}”？" if near else ""
    # Names that contain 、 themselves (the categories of 附件1) are told apart with ；.
    sep = "；" if any("、" in n for n in names) else "、"
    return f"{hint}可用的有：{sep.join(names)}。"


def lookup(kind: str, word: str, table: dict[str, T], advice: str = "") -> T:
    """``table[word]``, or a :class:`ScenarioError` naming ``kind`` and the closest known words."""
    try:
        return table[word.strip()]
    except KeyError:
        raise ScenarioError(f"没有名为“{word}”的{kind}。{_closest(word, table)}{advice}") from None


def state_labels() -> dict[str, str]:
    """Every state label staff may write (审核流程 and 依申请公开) → the engine's state name."""
    out: dict[str, str] = {}
    for chain in (default_chain(), news_chain(), request_chain()):
        for stage in chain.stages:
            out.setdefault(stage.label, stage.name)
    return out


ROLES: dict[str, Role] = {r.label: r for r in Role}


def parse_day(text: str) -> date:
    """``2025年9月30日`` → ``date(2025, 9, 30)``; a clear message for anything else."""
    m = re.fullmatch(r"\s*(\d{4})年(\d{1,2})月(\d{1,2})日\s*", text)
    if m is None:
        raise ScenarioError(f"“{text}”不是日期，请写成“2025年9月30日”这样的格式。")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ScenarioError(f"“{text}”不是有效的日期。") from None


def parse_moment(text: str) -> datetime:
    """``2025年9月30日10时30分`` → that moment in Beijing time."""
    m = re.fullmatch(r"\s*(\d{4}年\d{1,2}月\d{1,2}日)(\d{1,2})时(?:(\d{1,2})分)?\s*", text)
    if m is None:
        raise ScenarioError(f"“{text}”不是时间，请写成“2025年9月30日10时30分”这样的格式。")
    day = parse_day(m[1])
    return datetime(day.year, day.month, day.day, int(m[2]), int(m[3] or 0), tzinfo=BEIJING)


def show_day(day: date) -> str:
    """``date(2025, 10, 11)`` → ``2025年10月11日``."""
    return f"{day.year}年{day.month}月{day.day}日"


def show_moment(moment: datetime) -> str:
    """A moment in Beijing time, as staff write it."""
    local = moment.astimezone(BEIJING)
    return (
        f"{show_day(local.date())}{local.hour}时{local.minute}分"
        if local.minute
        else f"{show_day(local.date())}{local.hour}时"
    )


def last_day(timer: Timer) -> date:
    """The last day of a working-day clock (its ``due`` is midnight after that day)."""
    return (timer.due.astimezone(BEIJING) - timedelta(microseconds=1)).date()


class World:
    """One scenario's bureau: people by name, a flow on a fixed clock, the items and applications."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.now = DEFAULT_NOW
        self.people: dict[str, Actor] = {}
        self._flow: Flow | None = None
        self.items: dict[str, str] = {}
        self.current: str | None = None
        self.application: str | None = None
        self.pending: GongkaiFlowError | None = None
        self.last_blocked: tuple[Finding, ...] = ()
        self.checks: dict[str, CheckRecord] = {}
        self.negative_list = RecordedNegativeList(self._record_check)
        #: The people as the notify plugin sees them (the same list, filled by the people table).
        self.directory: list[Actor] = []
        self.notices_file = tmp / "notices.jsonl"
        self.notice_mark = 0
        self.portal: dict[str, Path] | None = None
        self.index: Path | None = None
        self.failed = False
        #: The bureau's configuration the scenario gave (``本局的配置文件为：``); ``None``: the seed bureau.
        self.bureau: BureauConfig | None = None

    @property
    def flow(self) -> Flow:
        """The scenario's flow (memory storage, the negative list, the scenario's clock)."""
        if self._flow is None:
            # No default plugins: the scenario's own negative list (which records each check) is the guard.
            if self.bureau is None:
                flow = Flow(clock=lambda: self.now, requests=REQUEST_SETTINGS, plugins=[])
            else:  # the bureau's own file names its remedy bodies too
                flow = Flow(clock=lambda: self.now, bureau=self.bureau, plugins=[])
            flow.registry.register(self.negative_list)
            notify = {"repository": flow.repository, "actors": self.directory, "file": str(self.notices_file)}
            flow.registry.register(NotifyPlugin(), notify)
            self._flow = flow
        return self._flow

    @property
    def flow_started(self) -> bool:
        """Whether the flow exists already (a bureau configuration can no longer be given)."""
        return self._flow is not None

    def notices(self) -> list[dict[str, Any]]:
        """The notices (待办 and reminders) the system sent since the last action, as the file sink wrote them."""
        if not self.notices_file.exists():
            return []
        lines = [ln for ln in self.notices_file.read_text(encoding="utf-8").splitlines() if ln.strip()]
        return [json.loads(ln) for ln in lines[self.notice_mark :]]

    def mark_notices(self) -> None:
        """Start a new step: notices sent so far belong to earlier steps."""
        if self.notices_file.exists():
            self.notice_mark = sum(1 for ln in self.notices_file.read_text(encoding="utf-8").splitlines() if ln.strip())

    def _record_check(self, item: DisclosureItem, record: CheckRecord) -> None:
        self.checks[item.id] = record

    def findings_of(self, item: DisclosureItem) -> tuple[Finding, ...]:
        """What the last negative-list check of ``item`` found — only if it checked the current content."""
        record = self.checks.get(item.id)
        advice = f"请先写“当〈姓名〉提交审核”（提交时系统会检查），或“当〈姓名〉对“{item.title}”进行负面清单检查”。"
        if record is None:
            raise ScenarioError(f"“{item.title}”还没有进行过负面清单检查，无法判断检查结果。{advice}")
        if record.content_hash != compute_content_hash(item):
            raise ScenarioError(
                f"“{item.title}”在上次负面清单检查（{record.occasion}时）之后修改过，当前内容还没有检查。{advice}"
            )
        return record.findings

    def close(self) -> None:
        """Disconnect the flow's plugins."""
        if self._flow is not None:
            self._flow.close()

    # -- names staff write --------------------------------------------------------------------------------

    def person(self, name: str) -> Actor:
        """The person called ``name`` in the scenario's table of people."""
        if not self.people:
            raise ScenarioError(
                f"场景中还没有登记人员，找不到“{name}”。请先写“假如本局人员如下：”并列出姓名、科室、角色。"
            )
        glued = [known for known in self.people if name.startswith(known) and name != known]
        if glued:
            known = max(glued, key=len)
            raise ScenarioError(
                f"没有名为“{name}”的人员。是不是“{known}”？“{name[len(known) :]}”和后面的文字"
                "可能是一种还没有的写法，请运行 gongkai steps 查看可用的写法。"
            )
        return lookup("人员", name, self.people, "请先在“本局人员如下”表格中登记此人，或检查姓名是否写错。")

    def role(self, label: str) -> Role:
        """The role whose Chinese label is ``label``."""
        return lookup("角色", label, ROLES)

    def state(self, label: str) -> str:
        """The engine's state for a Chinese state label (``法律法规审核`` → ``legal_review``)."""
        return lookup("状态", label, state_labels())

    def holder(self, role: Role, item: DisclosureItem | None = None) -> Actor:
        """Someone in the table holding ``role`` (for a section head or leader: of the item's section)."""
        for actor in self.people.values():
            if not actor.has_role(role):
                continue
            if item is not None and role is Role.SECTION_HEAD and actor.section not in item.sections:
                continue
            if item is not None and role is Role.LEADER and item.lead_section not in actor.in_charge_of:
                continue
            if item is not None and role is not Role.DRAFTER and actor.id == item.drafter_id:
                continue
            return actor
        raise ScenarioError(f"人员表中没有能办理此事的“{role.label}”。请在“本局人员如下”表格中登记。")

    def item_id(self, title: str) -> str:
        """The id of the item drafted with 信息名称 ``title``."""
        return lookup("信息", title, self.items, "请检查信息名称是否与起草时一致。")

    def item(self, title: str | None = None) -> DisclosureItem:
        """The item named ``title``, or the current item."""
        if title is not None:
            return self.flow.get(self.item_id(title))
        if self.current is None:
            self.check_pending()  # an earlier refusal explains the missing item better
            raise ScenarioError("场景中还没有起草任何信息。请先写“当〈姓名〉起草一条信息：”。")
        return self.flow.get(self.current)

    def application_id(self) -> str:
        """The current 依申请公开 application."""
        if self.application is None:
            self.check_pending()  # an earlier refusal explains the missing application better
            raise ScenarioError("场景中还没有登记依申请公开申请。请先写“当〈姓名〉登记依申请公开申请：”。")
        return self.application

    # -- actions ------------------------------------------------------------------------------------------

    def check_pending(self) -> None:
        """Fail if an earlier action was refused and the scenario did not say so."""
        if self.pending is not None:
            error, self.pending = self.pending, None
            raise ScenarioError(
                f"上一步操作被系统拒绝：{error.message}\n"
                "如果这正是要说明的规则，请在它后面写“那么系统拒绝，提示包含“…””；否则请检查场景的写法。"
            )

    def attempt(self, action: Callable[[], T]) -> T | None:
        """Run an action; a refusal is kept for the next “系统拒绝” step instead of failing the step."""
        self.check_pending()
        self.mark_notices()
        try:
            result = action()
        except GongkaiFlowError as exc:  # TransitionBlockedError included: its findings are in self.checks
            self.pending = exc
            # A blocked action's findings (the negative list's, or a rule of the chain such as the
            # external-policy exception) are what an attribute reviewer may override next.
            self.last_blocked = tuple(getattr(exc, "findings", ()))
            return None
        return result
