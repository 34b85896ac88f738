"""步骤定义：目录（:mod:`.catalogue`）中每一种写法的实现。

Loaded by the plugin (:mod:`gongkai_flow.bdd.plugin`) when ``gongkai_bdd = true``. Steps are
registered without a Given/When/Then type, so staff may start any step with any keyword. A
pattern not in :data:`~gongkai_flow.bdd.catalogue.CATALOGUE` is refused at import.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re
import urllib.parse
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest
from pytest_bdd import parsers, step

from ..bureau import load_bureau
from ..chain import Action
from ..duties import DutyStatus
from ..duty_types import DutyState, ScheduleKind
from ..errors import GongkaiFlowError
from ..model import Actor, DisclosureAttribute, DisclosureItem, InfoSource, ItemKind, NegativeListCategory, Platform
from ..plugins.website.portal import build_portal
from ..record_types import MeetingRecord
from ..reports.annual import annual_report
from ..reports.form import review_form
from ..reports.letters import LetterNotReadyError, letter_html, reply_letter
from ..reports.render import report_html
from ..requests import ApplicantType, Channel, DenyReason, ReplyCategory
from .catalogue import CATALOGUE
from .checks import CATEGORY_ALIASES, category_names, describe, matches, numbered
from .duty_names import duty_named, duty_tag, is_duty_notice, obligation_named, shown_name, statuses
from .errors import ScenarioError
from .world import (
    BEIJING,
    ROLES,
    World,
    last_day,
    lookup,
    parse_day,
    parse_moment,
    show_day,
    show_moment,
    state_labels,
)

F = TypeVar("F", bound=Callable[..., Any])


def _typed(pattern: str, convert: Callable[[str], Any]) -> Callable[[str], Any]:
    """A ``parse`` field type: ``convert`` applied to text matching ``pattern``."""

    def converter(text: str) -> Any:
        return convert(text)

    converter.pattern = pattern  # type: ignore[attr-defined]
    return converter


#: Words that start an action, never a name: ``张敏重新提交审核`` is 张敏 doing 重新提交审核.
ACTION_STARTS = ("重新", "再次", "审核", "审签", "签发", "提交", "退回", "对“")
#: A person's name: letters only (no digits, quotes or punctuation), so it never swallows a sentence,
#: and no action word inside it.
_name = _typed(rf"(?:(?!{'|'.join(ACTION_STARTS)})[\u4e00-\u9fffA-Za-z·]){{1,10}}?", str)
#: A field or role name: no spaces, digits, quotes or punctuation.
_word = _typed(r"[^\s，,。“”「」：:\d]+?", str)
_date = _typed(r"\d{4}年\d{1,2}月\d{1,2}日", parse_day)
_moment = _typed(r"\d{4}年\d{1,2}月\d{1,2}日\d{1,2}时(?:\d{1,2}分)?", parse_moment)
#: A section's name: like a word, but digits and brackets allowed (行政许可科（12333）).
_section = _typed(r"[^\s，,。“”「」：:]+?", str)

TYPES: dict[str, Callable[[str], Any]] = {
    "Name": _name,
    "Word": _word,
    "Date": _date,
    "DateTime": _moment,
    "Section": _section,
}
_PATTERNS = {entry.pattern for entry in CATALOGUE}


def define(pattern: str) -> Callable[[F], F]:
    """Register ``pattern`` (which must be in the catalogue) as a step of any type."""
    if pattern not in _PATTERNS:
        raise RuntimeError(f"step {pattern!r} is not in gongkai_flow.bdd.catalogue.CATALOGUE")

    def decorator(func: F) -> F:
        return cast(F, step(parsers.parse(pattern, extra_types=TYPES), stacklevel=2)(func))

    return decorator


@pytest.fixture
def gongkai_world(tmp_path: Path) -> Iterator[World]:
    """The scenario's bureau (see :class:`~gongkai_flow.bdd.world.World`)."""
    world = World(tmp_path)
    yield world
    world.close()


# -- 人员 ---------------------------------------------------------------------------------------------------


def _split(cell: str) -> list[str]:
    return [part.strip() for part in re.split(r"[、，,;；\s]+", cell) if part.strip()]


def _rows(datatable: list[list[str]], what: str, required: tuple[str, ...]) -> list[dict[str, str]]:
    if not datatable or len(datatable) < 2:
        raise ScenarioError(f"{what}下面需要一个表格：第一行是列名（{'|'.join(required)}），之后每行一条。")
    header = [h.strip() for h in datatable[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise ScenarioError(f"{what}的表格缺少列：{'、'.join(missing)}。现有列：{'、'.join(header)}。")
    return [dict(zip(header, (c.strip() for c in row), strict=False)) for row in datatable[1:]]


@define("本局人员如下：")
def _people(gongkai_world: World, datatable: list[list[str]]) -> None:
    for n, row in enumerate(_rows(datatable, "“本局人员如下”", ("姓名", "科室", "角色")), start=1):
        roles = [gongkai_world.role(label) for label in _split(row["角色"])]
        name = row["姓名"]
        actor = Actor(f"p{n:03d}", name, row["科室"], set(roles), in_charge_of=set(_split(row.get("分管科室", ""))))
        gongkai_world.people[name] = actor
        gongkai_world.directory[:] = [a for a in gongkai_world.directory if a.name != name] + [actor]


# -- 起草与审核 --------------------------------------------------------------------------------------------

_KINDS = {k.label: k for k in ItemKind}
_ATTRIBUTES = {a.label: a for a in DisclosureAttribute}
_PLATFORMS = {p.label: p for p in Platform}
_SOURCES = {s.label: s for s in InfoSource}
_CATEGORIES = {c.label: c for c in NegativeListCategory}
_YES_NO = {"是": True, "否": False}


def _category(label: str) -> NegativeListCategory:
    """A category of 附件1 by its label, a part of it, its name in 附件1 or a short name (内部事务信息)."""
    label = label.strip()
    if label in CATEGORY_ALIASES:
        return CATEGORY_ALIASES[label]
    found = {c for c in NegativeListCategory if any(label in name for name in category_names(c))}
    if len(found) == 1:
        return found.pop()
    return lookup("负面清单类别", label, _CATEGORIES)


def _fields(world: World, row: dict[str, str]) -> dict[str, Any]:
    """The form's Chinese field names → the engine's keyword arguments."""
    out: dict[str, Any] = {}
    handlers: dict[str, Callable[[str], None]] = {
        "信息名称": lambda v: out.update(title=v),
        "信息类别": lambda v: out.update(kind=lookup("信息类别", v, _KINDS)),
        "公开属性": lambda v: out.update(attribute=lookup("公开属性", v, _ATTRIBUTES) if v else None),
        "发布平台": lambda v: out.update(platforms=frozenset(lookup("发布平台", p, _PLATFORMS) for p in _split(v))),
        "发布栏目": lambda v: out.update(column=v),
        "正文": lambda v: out.update(body=v),
        "文号": lambda v: out.update(document_number=v or None),
        "信息来源": lambda v: out.update(source=lookup("信息来源", v, _SOURCES)),
        "转载来源": lambda v: out.update(source_name=v or None),
        "是否涉密": lambda v: out.update(classified=lookup("是否涉密的取值", v, _YES_NO)),
        "是否规范性文件": lambda v: out.update(normative=lookup("是否规范性文件的取值", v, _YES_NO) if v else None),
        "是否行政规范性文件": lambda v: out.update(normative=lookup("是否规范性文件的取值", v, _YES_NO) if v else None),
        "科室": lambda v: out.update(sections=tuple(_split(v))),
        "不予公开类别": lambda v: out.update(withheld_category=_category(v) if v else None),
        "不予公开理由": lambda v: out.update(withheld_reason=v),
        "所解读的政策": lambda v: out.update(policy_id=world.item_id(v)),
        "形成日期": lambda v: out.update(formed_on=parse_day(v)),
        "公开事项": lambda v: out.update(duty_tags=[duty_tag(world, p) for p in re.split(r"[；;]", v) if p.strip()]),
    }
    for key, value in row.items():
        lookup("字段", key, handlers)(value)
    return out


@define("{who:Name}起草一条信息：")
def _draft(gongkai_world: World, who: str, datatable: list[list[str]]) -> None:
    world = gongkai_world
    actor = world.person(who)
    rows = _rows(datatable, "“起草一条信息”", ("信息名称",))
    if len(rows) != 1:
        raise ScenarioError("“起草一条信息”的表格只能有两行：第一行是字段名，第二行是内容。")
    fields = _fields(world, rows[0])
    fields.setdefault("kind", ItemKind.POLICY_DOCUMENT)
    fields.setdefault("body", f"{fields['title']}的正文……")
    fields.setdefault("column", fields["kind"].label)
    fields.setdefault("sections", (actor.section,))
    if "attribute" not in fields:
        fields["attribute"] = None
    if fields.get("attribute") is not DisclosureAttribute.PROACTIVE:
        fields.setdefault("platforms", frozenset({Platform.OTHER}))
    item = world.attempt(lambda: world.flow.draft(actor, **fields))
    if item is not None:
        world.items[item.title] = item.id
        world.current = item.id


@define("{who:Name}修改{field:Word}为“{value}”")
def _edit(gongkai_world: World, who: str, field: str, value: str) -> None:
    world = gongkai_world
    actor, item = world.person(who), world.item()
    changes = _fields(world, {field: value})
    world.attempt(lambda: world.flow.edit(item.id, actor, **changes))
    if "title" in changes:
        world.items[value] = item.id


def _fire(world: World, who: str, action: Action, opinion: str | None = None, title: str | None = None) -> None:
    actor, item = world.person(who), world.item(title)
    world.attempt(lambda: world.flow.fire(item.id, action, actor, opinion=opinion))


@define("{who:Name}提交审核")
def _submit(gongkai_world: World, who: str) -> None:
    _fire(gongkai_world, who, Action.SUBMIT)


@define("{who:Name}撤回")
def _withdraw(gongkai_world: World, who: str) -> None:
    _fire(gongkai_world, who, Action.WITHDRAW)


@define("{who:Name}审核同意")
def _approve(gongkai_world: World, who: str) -> None:
    _fire(gongkai_world, who, Action.APPROVE)


@define("{who:Name}审核同意，意见为“{opinion}”")
def _approve_with(gongkai_world: World, who: str, opinion: str) -> None:
    _fire(gongkai_world, who, Action.APPROVE, opinion)


@define("{who:Name}退回，意见为“{opinion}”")
def _return(gongkai_world: World, who: str, opinion: str) -> None:
    _fire(gongkai_world, who, Action.RETURN, opinion)


@define("{who:Name}退回")
def _return_bare(gongkai_world: World, who: str) -> None:
    _fire(gongkai_world, who, Action.RETURN)


# The words of the review form and of the bureau for the same actions.
define("{who:Name}重新提交审核")(_submit)
define("{who:Name}审核通过")(_approve)
define("{who:Name}审核通过，意见为“{opinion}”")(_approve_with)
define("{who:Name}签发")(_approve)
define("{who:Name}签发，意见为“{opinion}”")(_approve_with)
define("{who:Name}审签")(_approve)
define("{who:Name}审签，意见为“{opinion}”")(_approve_with)
define("{who:Name}退回修改，意见为“{opinion}”")(_return)
define("{who:Name}退回修改")(_return_bare)


@define("{who:Name}报保密部门确定，意见为“{opinion}”")
def _refer(gongkai_world: World, who: str, opinion: str) -> None:
    _fire(gongkai_world, who, Action.REFER, opinion)


@define("{who:Name}确定不涉密，意见为“{opinion}”")
def _resume(gongkai_world: World, who: str, opinion: str) -> None:
    _fire(gongkai_world, who, Action.RESUME, opinion)


@define("{who:Name}确定涉密，意见为“{opinion}”")
def _classify(gongkai_world: World, who: str, opinion: str) -> None:
    _fire(gongkai_world, who, Action.CLASSIFY, opinion)


@define("{who:Name}发布")
def _publish(gongkai_world: World, who: str) -> None:
    _fire(gongkai_world, who, Action.PUBLISH)


@define("{who:Name}登记存档")
def _file(gongkai_world: World, who: str) -> None:
    _fire(gongkai_world, who, Action.FILE)


_FORWARD = {
    "drafted": (Action.SUBMIT, None),
    "attribute_review": (Action.APPROVE, "同意"),
    "legal_review": (Action.APPROVE, "同意"),
    "section_review": (Action.APPROVE, "同意"),
    "leader_review": (Action.APPROVE, "同意"),
}


def _drive(world: World, title: str, target: str) -> DisclosureItem:
    world.check_pending()
    world.mark_notices()
    item = world.item(title)
    for _ in range(20):
        if item.state == target:
            return item
        if item.chain_id == "news" and item.state == "legal_review":
            action, opinion = Action.PUBLISH, None
        elif item.state in _FORWARD:
            action, opinion = _FORWARD[item.state]
        elif item.state == "approved":
            action, opinion = Action.PUBLISH, None
        else:
            break
        step_ = world.flow.workflow.chains.get(item.chain_id, item.chain_version).step(item.state, action)
        if step_ is None:
            break
        actor = world.person(_drafter_name(world, item)) if action is Action.SUBMIT else world.holder(step_.role, item)
        item = world.flow.fire(item.id, action, actor, opinion=opinion)
    if item.state != target:
        raise ScenarioError(f"“{title}”无法按正常流程办理到“{_label(target)}”，停在“{_label(item.state)}”。")
    return item


def _drafter_name(world: World, item: DisclosureItem) -> str:
    for name, actor in world.people.items():
        if actor.id == item.drafter_id:
            return name
    raise ScenarioError(f"找不到“{item.title}”的承办人。")


def _label(state: str) -> str:
    return next((label for label, name in state_labels().items() if name == state), state)


@define("“{title}”已审核同意")
def _approved(gongkai_world: World, title: str) -> None:
    _drive(gongkai_world, title, "approved")


@define("“{title}”已发布")
def _published(gongkai_world: World, title: str) -> None:
    _drive(gongkai_world, title, "published")


@define("切换到“{title}”")
def _switch(gongkai_world: World, title: str) -> None:
    gongkai_world.current = gongkai_world.item_id(title)


@define("{who:Name}废止“{title}”，理由为“{reason}”")
def _abolish(gongkai_world: World, who: str, title: str, reason: str) -> None:
    _fire(gongkai_world, who, Action.ABOLISH, reason, title)


@define("{who:Name}标注“{title}”失效，理由为“{reason}”")
def _expire(gongkai_world: World, who: str, title: str, reason: str) -> None:
    _fire(gongkai_world, who, Action.EXPIRE, reason, title)


@define("{who:Name}撤下“{title}”，理由为“{reason}”")
def _retract(gongkai_world: World, who: str, title: str, reason: str) -> None:
    _fire(gongkai_world, who, Action.RETRACT, reason, title)


def _expect_state(world: World, item: DisclosureItem, state: str) -> None:
    world.check_pending()
    expected = world.state(state)
    if item.state != expected:
        raise ScenarioError(f"“{item.title}”的状态是“{_label(item.state)}”，不是“{state}”。")


@define("信息状态为“{state}”")
def _state_is(gongkai_world: World, state: str) -> None:
    _expect_state(gongkai_world, gongkai_world.item(), state)


@define("“{title}”的状态为“{state}”")
def _state_of(gongkai_world: World, title: str, state: str) -> None:
    _expect_state(gongkai_world, gongkai_world.item(title), state)


@define("系统拒绝，提示包含“{text}”")
def _refused(gongkai_world: World, text: str) -> None:
    error, gongkai_world.pending = gongkai_world.pending, None
    if error is None:
        raise ScenarioError(f"上一步操作没有被系统拒绝，但场景预期拒绝并提示“{text}”。")
    if text not in error.message:
        raise ScenarioError(f"系统拒绝了上一步，但提示是“{error.message}”，其中没有“{text}”。")


@define("操作成功")
def _ok(gongkai_world: World) -> None:
    gongkai_world.check_pending()


@define("下一步由{role:Word}办理")
def _next_role(gongkai_world: World, role: str) -> None:
    world = gongkai_world
    world.check_pending()
    expected = world.role(role)
    item = world.item()
    chain = world.flow.workflow.chains.get(item.chain_id, item.chain_version)
    roles = [
        s.role for s in chain.steps_from(item.state) if s.action in (Action.SUBMIT, Action.APPROVE, Action.PUBLISH)
    ]
    if expected not in roles:
        shown = "、".join(r.label for r in roles) or "无人（流程已结束）"
        raise ScenarioError(f"“{item.title}”处于“{_label(item.state)}”，下一步由{shown}办理，不是{role}。")


@define("审核表上{role:Word}的意见为“{opinion}”")
def _form_opinion(gongkai_world: World, role: str, opinion: str) -> None:
    world = gongkai_world
    world.check_pending()
    wanted = world.role(role)
    item = world.item()
    opinions = [s.opinion or "（未写意见）" for s in item.signatures if s.role is wanted]
    if opinion not in opinions:
        shown = "；".join(f"“{o}”" for o in opinions) if opinions else "空的（尚未签字）"
        raise ScenarioError(f"审核表上{role}的意见是{shown}，没有“{opinion}”。")


@define("审核表上共有{n:d}个签字")
def _signature_count(gongkai_world: World, n: int) -> None:
    gongkai_world.check_pending()
    item = gongkai_world.item()
    if len(item.signatures) != n:
        names = "、".join(f"{s.actor_name}（{s.role.label}）" for s in item.signatures) or "无"
        raise ScenarioError(f"审核表上有{len(item.signatures)}个签字（{names}），不是{n}个。")


# -- 负面清单 ----------------------------------------------------------------------------------------------


@define("{who:Name}对“{title}”进行负面清单检查")
def _check_now(gongkai_world: World, who: str, title: str) -> None:
    world = gongkai_world
    world.check_pending()
    world.person(who)
    world.flow  # the checker is set up with the flow  # noqa: B018
    world.negative_list.check_now(world.item(title), world.flow.repository.blob_store())


@define("负面清单提示“{text}”")
def _finding(gongkai_world: World, text: str) -> None:
    item = gongkai_world.item()
    findings = gongkai_world.findings_of(item)
    if not any(matches(f, text) for f in findings):
        shown = numbered([describe(f) for f in findings], "（没有发现问题）")
        raise ScenarioError(
            f"负面清单对“{item.title}”的检查结果中没有“{text}”（只比对系统的提示、类别和规则，不比对正文）。"
            f"检查结果如下：\n{shown}"
        )


@define("负面清单没有发现问题")
def _no_finding(gongkai_world: World) -> None:
    gongkai_world.check_pending()
    item = gongkai_world.item()
    findings = gongkai_world.findings_of(item)
    if findings:
        shown = numbered([describe(f) for f in findings])
        raise ScenarioError(f"负面清单对“{item.title}”有{len(findings)}项发现：\n{shown}")


@define("{who:Name}审核同意并放行负面清单发现，理由为“{reason}”")
def _override(gongkai_world: World, who: str, reason: str) -> None:
    world = gongkai_world
    world.check_pending()
    actor, item = world.person(who), world.item()
    findings = world.findings_of(item)
    rules = {f.rule_id for f in findings if f.blocking} or {f.rule_id for f in findings}
    rules |= {f.rule_id for f in world.last_blocked if f.blocking}
    if not rules:
        raise ScenarioError(f"负面清单对“{item.title}”没有发现问题，没有需要放行的发现。")
    world.attempt(
        lambda: world.flow.fire(
            item.id, Action.APPROVE, actor, opinion="同意", overrides=dict.fromkeys(sorted(rules), reason)
        )
    )


@define("审核表上记录了{who:Name}放行负面清单发现，理由为“{reason}”")
def _override_on_form(gongkai_world: World, who: str, reason: str) -> None:
    world = gongkai_world
    world.check_pending()
    world.person(who)
    item = world.item()
    form = review_form(world.flow, item.id)
    shown = numbered(
        [f"{o.actor_name}：“{o.reason}”{'' if o.current else '（放行后内容已修改，已作废）'}" for o in form.overrides],
        "（没有放行记录）",
    )
    if not any(o.actor_name == who and o.reason == reason and o.current for o in form.overrides):
        raise ScenarioError(f"“{item.title}”的审核表上没有{who}以“{reason}”放行的有效记录。放行记录如下：\n{shown}")


# -- 附件 --------------------------------------------------------------------------------------------------


def _table_file(name: str, datatable: list[list[str]]) -> bytes:
    """A table written under a .csv or .xlsx name, as that file's bytes."""
    rows = [[cell.strip() for cell in row] for row in datatable]
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(rows)
        return out.getvalue().encode("utf-8")
    if suffix == "xlsx":
        try:
            from openpyxl import Workbook
        except ImportError as exc:  # pragma: no cover - openpyxl ships with the bdd extra
            raise ScenarioError("写 .xlsx 附件的表格需要 openpyxl：请安装 gongkai_flow[bdd]。") from exc
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    raise ScenarioError(
        f"附件“{name}”不是表格文件：只有名称以 .csv 或 .xlsx 结尾的附件可以用表格写内容，"
        '其他附件请把内容写在三引号文字块（"""）中。'
    )


@define("{who:Name}为“{title}”添加附件“{name}”，内容为：")
def _attach(
    gongkai_world: World,
    who: str,
    title: str,
    name: str,
    docstring: str | None = None,
    datatable: list[list[str]] | None = None,
) -> None:
    world = gongkai_world
    actor, item_id = world.person(who), world.item_id(title)
    if docstring is not None and datatable is not None:
        raise ScenarioError(f"附件“{name}”的内容只能写一种：三引号文字块或表格，不能两个都写。")
    if docstring is not None:
        data = docstring.encode("utf-8")
    elif datatable is not None:
        data = _table_file(name, datatable)
    else:
        raise ScenarioError(
            f'“添加附件“{name}”，内容为：”下面需要附件的内容：写在三引号文字块（"""）中，'
            "或者（.csv、.xlsx 附件）写一个表格。"
        )
    world.attempt(lambda: world.flow.attach(item_id, actor, name, data))


@define("{who:Name}删除“{title}”的附件“{name}”")
def _detach(gongkai_world: World, who: str, title: str, name: str) -> None:
    world = gongkai_world
    actor, item_id = world.person(who), world.item_id(title)
    world.attempt(lambda: world.flow.detach(item_id, actor, name))


def _attachment_names(world: World, title: str) -> list[str]:
    world.check_pending()
    return [a.name for a in world.item(title).attachments]


def _listed(names: list[str]) -> str:
    return "、".join(f"“{n}”" for n in names) if names else "没有附件"


@define("“{title}”的附件有“{name}”")
def _has_attachment(gongkai_world: World, title: str, name: str) -> None:
    names = _attachment_names(gongkai_world, title)
    if name not in names:
        raise ScenarioError(f"“{title}”的附件中没有“{name}”（现有：{_listed(names)}）。")


@define("“{title}”没有附件“{name}”")
def _lacks_attachment(gongkai_world: World, title: str, name: str) -> None:
    names = _attachment_names(gongkai_world, title)
    if name in names:
        raise ScenarioError(f"“{title}”仍有附件“{name}”。")


# -- 门户网站 ----------------------------------------------------------------------------------------------


def _page_text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8")
    return re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]+>", " ", raw)))


@define("生成门户网站")
def _build(gongkai_world: World) -> None:
    world = gongkai_world
    world.check_pending()
    office = world.flow.workflow.bureau  # 发布机构 and the 索引号's prefix are the bureau's own
    report = build_portal(
        world.flow.repository,
        world.tmp / "portal",
        now=world.now,
        publisher=office.name,
        org_code=office.credit_code,
        catalogue=world.flow.duties.catalogue,
    )
    world.portal = dict(report.pages)
    world.index = report.index


def _page(world: World, title: str) -> Path:
    if world.portal is None:
        raise ScenarioError("还没有生成门户网站。请先写“当生成门户网站”。")
    item_id = world.item_id(title)
    if item_id not in world.portal:
        raise ScenarioError(f"门户网站上没有“{title}”的页面（只有主动公开并已发布的信息才会出现在网站上）。")
    return world.portal[item_id]


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


@define("门户网站上“{title}”的页面显示“{text}”")
def _page_shows(gongkai_world: World, title: str, text: str) -> None:
    if _compact(text) not in _page_text(_page(gongkai_world, title)):
        raise ScenarioError(f"门户网站上“{title}”的页面没有显示“{text}”。")


@define("门户网站上“{title}”的页面不显示“{text}”")
def _page_hides(gongkai_world: World, title: str, text: str) -> None:
    if _compact(text) in _page_text(_page(gongkai_world, title)):
        raise ScenarioError(f"门户网站上“{title}”的页面显示了“{text}”。")


@define("门户网站上“{title}”的页面链接到“{other}”")
def _page_links(gongkai_world: World, title: str, other: str) -> None:
    raw = _page(gongkai_world, title).read_text(encoding="utf-8")
    target = _page(gongkai_world, other).name
    links = re.findall(r'<a href="([^"]+)">([^<]*)</a>', raw)
    if not any(href.endswith(target) and html.unescape(label) == other for href, label in links):
        raise ScenarioError(f"门户网站上“{title}”的页面没有指向“{other}”的链接。")


@define("门户网站上“{title}”的页面有附件“{name}”")
def _page_attachment(gongkai_world: World, title: str, name: str) -> None:
    world = gongkai_world
    page = _page(world, title)
    links = re.findall(r'<a href="([^"]+)" download>([^<]*)</a>', page.read_text(encoding="utf-8"))
    hrefs = [href for href, label in links if html.unescape(label) == name]
    if not hrefs:
        shown = [html.unescape(label) for _, label in links]
        raise ScenarioError(f"门户网站上“{title}”的页面没有附件“{name}”（页面列出的附件：{_listed(shown)}）。")
    # The link must lead to the very file the item carries, not just show its name.
    found = [a for a in world.item(title).attachments if a.name == name]
    target = page.parent / urllib.parse.unquote(html.unescape(hrefs[0]))
    if not target.is_file():
        raise ScenarioError(f"门户网站上“{title}”的页面列出了附件“{name}”，但链接指向的文件不存在。")
    if not found or hashlib.sha256(target.read_bytes()).hexdigest() != found[0].sha256:
        raise ScenarioError(f"门户网站上“{title}”的附件“{name}”与信息当前的附件内容不一致。")


@define("门户网站首页显示“{text}”")
def _index_shows(gongkai_world: World, text: str) -> None:
    if gongkai_world.index is None:
        raise ScenarioError("还没有生成门户网站。请先写“当生成门户网站”。")
    if _compact(text) not in _page_text(gongkai_world.index):
        raise ScenarioError(f"门户网站首页没有显示“{text}”。")


@define("门户网站上没有“{title}”")
def _not_on_portal(gongkai_world: World, title: str) -> None:
    world = gongkai_world
    if world.portal is None or world.index is None:
        raise ScenarioError("还没有生成门户网站。请先写“当生成门户网站”。")
    item_id = world.item_id(title)
    if item_id in world.portal or _compact(title) in _page_text(world.index):
        raise ScenarioError(f"门户网站上出现了“{title}”。")


# -- 日期与时限 --------------------------------------------------------------------------------------------


@define("今天是{day:Date}")
def _today(gongkai_world: World, day: date) -> None:
    gongkai_world.now = datetime(day.year, day.month, day.day, 9, 0, tzinfo=BEIJING)


@define("现在是{moment:DateTime}")
def _now(gongkai_world: World, moment: datetime) -> None:
    gongkai_world.now = moment


@define("过了{n:d}天")
def _days_pass(gongkai_world: World, n: int) -> None:
    gongkai_world.now += timedelta(days=n)


@define("过了{n:d}小时")
def _hours_pass(gongkai_world: World, n: int) -> None:
    gongkai_world.now += timedelta(hours=n)


@define("{day:Date}是工作日")
def _workday(gongkai_world: World, day: date) -> None:
    if not gongkai_world.flow.clocks.calendar.is_workday(day):
        raise ScenarioError(f"{show_day(day)}不是工作日。")


@define("{day:Date}不是工作日")
def _not_workday(gongkai_world: World, day: date) -> None:
    if gongkai_world.flow.clocks.calendar.is_workday(day):
        raise ScenarioError(f"{show_day(day)}是工作日。")


@define("{day:Date}之后的第{n:d}个工作日是{expected:Date}")
def _add_workdays(gongkai_world: World, day: date, n: int, expected: date) -> None:
    got = gongkai_world.flow.clocks.calendar.add_workdays(day, n).date
    if got != expected:
        raise ScenarioError(f"{show_day(day)}之后的第{n}个工作日是{show_day(got)}，不是{show_day(expected)}。")


def _timer(world: World, subject: str, rule: str, what: str) -> Any:
    world.check_pending()
    for timer in world.flow.clocks.timers(subject):
        if timer.rule_id == rule:
            return timer
    raise ScenarioError(f"没有找到{what}的时限。")


def _expect_day(timer: Any, expected: date, what: str) -> None:
    got = last_day(timer)
    if got != expected:
        raise ScenarioError(f"{what}的最后一天是{show_day(got)}，不是{show_day(expected)}。")


def _policy(world: World) -> DisclosureItem:
    item = world.item()
    if item.kind is ItemKind.POLICY_INTERPRETATION and item.policy_id is not None:
        return world.flow.get(item.policy_id)
    return item


@define("政策解读应在{day:Date}前发布")
def _d15(gongkai_world: World, day: date) -> None:
    policy = _policy(gongkai_world)
    _expect_day(_timer(gongkai_world, policy.id, "D15", f"“{policy.title}”的政策解读"), day, "政策解读时限")


@define("政策解读时限已结束")
def _d15_closed(gongkai_world: World) -> None:
    policy = _policy(gongkai_world)
    timer = _timer(gongkai_world, policy.id, "D15", f"“{policy.title}”的政策解读")
    if timer.closed_at is None:
        raise ScenarioError(f"“{policy.title}”的政策解读时限仍在计算。")


@define("该信息应在{day:Date}前公开")
def _d1(gongkai_world: World, day: date) -> None:
    item = gongkai_world.item()
    _expect_day(_timer(gongkai_world, item.id, "D1", f"“{item.title}”的公开"), day, "公开时限")


@define("已超期的时限有{n:d}项")
def _overdue(gongkai_world: World, n: int) -> None:
    gongkai_world.check_pending()
    late = gongkai_world.flow.clocks.deadlines(overdue=True)
    if len(late) != n:
        shown = "、".join(d.rule_label for d in late) or "无"
        raise ScenarioError(f"已超期的时限有{len(late)}项（{shown}），不是{n}项。")


# -- 舆情回应 ----------------------------------------------------------------------------------------------


@define("登记重大舆情“{event}”")
def _major(gongkai_world: World, event: str) -> None:
    gongkai_world.attempt(lambda: gongkai_world.flow.clocks.register_opinion(event, "major"))


@define("登记一般舆情“{event}”")
def _other(gongkai_world: World, event: str) -> None:
    gongkai_world.attempt(lambda: gongkai_world.flow.clocks.register_opinion(event, "other"))


@define("登记重大舆情“{event}”，由{who:Name}负责")
def _major_by(gongkai_world: World, event: str, who: str) -> None:
    actor = gongkai_world.person(who)
    gongkai_world.attempt(lambda: gongkai_world.flow.clocks.register_opinion(event, "major", responsible=actor.id))


@define("登记一般舆情“{event}”，由{who:Name}负责")
def _other_by(gongkai_world: World, event: str, who: str) -> None:
    actor = gongkai_world.person(who)
    gongkai_world.attempt(lambda: gongkai_world.flow.clocks.register_opinion(event, "other", responsible=actor.id))


@define("记录舆情“{event}”已回应")
def _respond(gongkai_world: World, event: str) -> None:
    gongkai_world.attempt(lambda: gongkai_world.flow.clocks.record_response(event))


def _expect_moment(world: World, event: str, rule: str, moment: datetime, what: str) -> None:
    timer = _timer(world, event, rule, f"舆情“{event}”{what}")
    if timer.due != moment:
        raise ScenarioError(f"舆情“{event}”{what}的最迟时间是{show_moment(timer.due)}，不是{show_moment(moment)}。")


@define("舆情“{event}”应在{moment:DateTime}前发布权威信息")
def _d12(gongkai_world: World, event: str, moment: datetime) -> None:
    _expect_moment(gongkai_world, event, "D12", moment, "发布权威信息")


@define("舆情“{event}”应在{moment:DateTime}前举行新闻发布会")
def _d13(gongkai_world: World, event: str, moment: datetime) -> None:
    _expect_moment(gongkai_world, event, "D13", moment, "举行新闻发布会")


@define("舆情“{event}”应在{moment:DateTime}前予以回应")
def _d14(gongkai_world: World, event: str, moment: datetime) -> None:
    _expect_moment(gongkai_world, event, "D14", moment, "回应")


def _event_timers(world: World, event: str) -> list[Any]:
    world.check_pending()
    timers = world.flow.clocks.timers(event)
    if not timers:
        raise ScenarioError(f"没有登记舆情“{event}”。")
    return timers


@define("舆情“{event}”的时限已全部结束")
def _event_closed(gongkai_world: World, event: str) -> None:
    if any(t.closed_at is None for t in _event_timers(gongkai_world, event)):
        raise ScenarioError(f"舆情“{event}”还有时限在计算（尚未记录回应）。")


@define("舆情“{event}”已超时")
def _event_late(gongkai_world: World, event: str) -> None:
    now = gongkai_world.now
    if not any(t.closed_at is None and now >= t.due for t in _event_timers(gongkai_world, event)):
        raise ScenarioError(f"到{show_moment(now)}，舆情“{event}”没有超时的时限。")


# -- 依申请公开 ---------------------------------------------------------------------------------------------

_APPLICANTS = {t.label: t for t in ApplicantType}
_CHANNELS = {c.label: c for c in Channel}
_DENY = {d.label: d for d in DenyReason}


def _reply_category(label: str) -> ReplyCategory:
    found = [c for c in ReplyCategory if c.label.startswith(label) or label == c.value]
    if len(found) == 1:
        return found[0]
    return lookup("答复类别", label, {c.label: c for c in ReplyCategory})


@define("{who:Name}登记依申请公开申请：")
def _register(gongkai_world: World, who: str, datatable: list[list[str]]) -> None:
    world = gongkai_world
    actor = world.person(who)
    required = ("申请人", "所需信息", "收到日期")
    rows = _rows(datatable, "“登记依申请公开申请”", required)
    if len(rows) != 1:
        raise ScenarioError("“登记依申请公开申请”的表格只能有两行：第一行是字段名，第二行是内容。")
    row = rows[0]
    known = {*required, "申请人类型", "联系方式", "提交方式"}
    for key in row:
        lookup("字段", key, dict.fromkeys(known, key))
    channel = lookup("提交方式", row.get("提交方式") or "当面提交", _CHANNELS)
    day = parse_day(row["收到日期"])
    dates = {Channel.IN_PERSON: "submitted_on", Channel.POST_SIGNED: "signed_on"}
    app = world.attempt(
        lambda: world.flow.requests.register(
            actor,
            applicant_name=row["申请人"],
            applicant_type=lookup("申请人类型", row.get("申请人类型") or "自然人", _APPLICANTS),
            contact=row.get("联系方式") or "13800000000",
            description=row["所需信息"],
            channel=channel,
            **{dates.get(channel, "confirmed_on"): day},
        )
    )
    if app is not None:
        world.application = app.id


def _act(world: World, who: str, action: Action, **kwargs: Any) -> None:
    actor, app_id = world.person(who), world.application_id()
    world.attempt(lambda: world.flow.requests.act(app_id, action, actor, **kwargs))


@define("{who:Name}受理该申请")
def _accept(gongkai_world: World, who: str) -> None:
    _act(gongkai_world, who, Action.ACCEPT)


@define("{who:Name}告知补正，意见为“{opinion}”")
def _correction(gongkai_world: World, who: str, opinion: str) -> None:
    _act(gongkai_world, who, Action.REQUEST_CORRECTION, opinion=opinion)


@define("{who:Name}收到补正")
def _corrected(gongkai_world: World, who: str) -> None:
    _act(gongkai_world, who, Action.RECEIVE_CORRECTION)


@define("{who:Name}收到补正后的申请，收到日期为{day:Date}")
def _corrected_on(gongkai_world: World, who: str, day: date) -> None:
    _act(gongkai_world, who, Action.RECEIVE_CORRECTION, occurred_on=day)


@define("{who:Name}征求第三方意见，意见为“{opinion}”")
def _consult_third(gongkai_world: World, who: str, opinion: str) -> None:
    _act(gongkai_world, who, Action.CONSULT, opinion=opinion, consulting="third_party")


@define("{who:Name}征求共同制作机关意见，意见为“{opinion}”")
def _consult_co(gongkai_world: World, who: str, opinion: str) -> None:
    _act(gongkai_world, who, Action.CONSULT, opinion=opinion, consulting="co_author")


@define("{who:Name}收到意见，意见为“{opinion}”")
def _opinions(gongkai_world: World, who: str, opinion: str) -> None:
    _act(gongkai_world, who, Action.RECEIVE_OPINIONS, opinion=opinion)


@define("{who:Name}收到意见")
def _opinions_bare(gongkai_world: World, who: str) -> None:
    _act(gongkai_world, who, Action.RECEIVE_OPINIONS)


@define("{who:Name}延长答复期限{n:d}个工作日，理由为“{reason}”")
def _extend(gongkai_world: World, who: str, n: int, reason: str) -> None:
    _act(gongkai_world, who, Action.EXTEND, opinion=reason, days=n)


@define("{who:Name}答复“{category}”")
def _reply(gongkai_world: World, who: str, category: str) -> None:
    _act(gongkai_world, who, Action.REPLY, category=_reply_category(category))


@define("{who:Name}答复不予公开，理由为“{reason}”")
def _deny(gongkai_world: World, who: str, reason: str) -> None:
    found = [d for label, d in _DENY.items() if reason.strip() and reason.strip() in label]
    deny = found[0] if len(found) == 1 else lookup("不予公开理由", reason, _DENY)
    _act(gongkai_world, who, Action.REPLY, category=ReplyCategory.DENY, deny_reason=deny)


@define("{who:Name}处理逾期未补正的申请")
def _abandon(gongkai_world: World, who: str) -> None:
    world = gongkai_world
    actor = world.person(who)
    world.attempt(lambda: world.flow.requests.abandon_overdue(actor))


@define("{who:Name}归档该申请")
def _archive(gongkai_world: World, who: str) -> None:
    _act(gongkai_world, who, Action.ARCHIVE)


@define("申请状态为“{state}”")
def _app_state(gongkai_world: World, state: str) -> None:
    world = gongkai_world
    world.check_pending()
    app = world.flow.requests.get(world.application_id())
    if app.state != world.state(state):
        raise ScenarioError(f"申请的状态是“{_label(app.state)}”，不是“{state}”。")


@define("答复期限是{day:Date}")
def _d3(gongkai_world: World, day: date) -> None:
    _expect_day(_timer(gongkai_world, gongkai_world.application_id(), "D3", "答复"), day, "答复期限")


@define("补正告知期限是{day:Date}")
def _d5(gongkai_world: World, day: date) -> None:
    _expect_day(_timer(gongkai_world, gongkai_world.application_id(), "D5", "补正告知"), day, "补正告知期限")


@define("答复书中写明“{text}”")
def _reply_text(gongkai_world: World, text: str) -> None:
    world = gongkai_world
    world.check_pending()
    app = world.flow.requests.get(world.application_id())
    if app.reply_text is None:
        raise ScenarioError("该申请还没有答复。")
    if text not in app.reply_text:
        raise ScenarioError(f"答复书是“{app.reply_text}”，其中没有“{text}”。")


# -- 通知与提醒 --------------------------------------------------------------------------------------------


def _tick(world: World, moment: datetime) -> None:
    world.check_pending()
    world.mark_notices()
    world.now = moment
    world.flow.tick(moment)
    world.flow.duties.tick(moment)


@define("系统在{day:Date}检查时限")
def _tick_day(gongkai_world: World, day: date) -> None:
    _tick(gongkai_world, datetime(day.year, day.month, day.day, 9, 0, tzinfo=BEIJING))


@define("系统在{moment:DateTime}检查时限")
def _tick_moment(gongkai_world: World, moment: datetime) -> None:
    _tick(gongkai_world, moment)


def _notice_lines(notices: list[dict[str, Any]]) -> str:
    return numbered(
        [f"{n['title']} → {'、'.join(r['name'] for r in n['recipients'])}" for n in notices],
        "（上一步之后没有发出通知）",
    )


def _to(notice: dict[str, Any], name: str) -> bool:
    return any(r["name"] == name for r in notice["recipients"])


def _tasks(world: World, who: str) -> tuple[DisclosureItem, list[dict[str, Any]]]:
    world.check_pending()
    world.person(who)
    item = world.item()
    return item, [n for n in world.notices() if n["kind"] == "task" and n["item_id"] == item.id]


@define("系统向{who:Name}发送待办")
def _task_sent(gongkai_world: World, who: str) -> None:
    item, tasks = _tasks(gongkai_world, who)
    if not any(_to(n, who) for n in tasks):
        raise ScenarioError(
            f"上一步之后，系统没有向{who}发送“{item.title}”的待办。发出的通知如下：\n"
            + _notice_lines(gongkai_world.notices())
        )


@define("系统没有向{who:Name}发送待办")
def _task_not_sent(gongkai_world: World, who: str) -> None:
    item, tasks = _tasks(gongkai_world, who)
    sent = [n for n in tasks if _to(n, who)]
    if sent:
        raise ScenarioError(f"上一步之后，系统向{who}发送了“{item.title}”的待办：\n{_notice_lines(sent)}")


_REMINDERS = {"逾期": "deadline-missed", "即将到期": "deadline-approaching", "今日到期": "deadline-due"}


def _reminder(world: World, who: str, kind: str) -> None:
    world.check_pending()
    world.person(who)
    notices = [n for n in world.notices() if not is_duty_notice(n)]
    if not any(n["kind"] == _REMINDERS[kind] and _to(n, who) for n in notices):
        raise ScenarioError(f"上一步之后，系统没有向{who}发送{kind}提醒。发出的通知如下：\n{_notice_lines(notices)}")


@define("系统向{who:Name}发送逾期提醒")
def _missed_sent(gongkai_world: World, who: str) -> None:
    _reminder(gongkai_world, who, "逾期")


@define("系统向{who:Name}发送即将到期提醒")
def _approaching_sent(gongkai_world: World, who: str) -> None:
    _reminder(gongkai_world, who, "即将到期")


@define("系统向{who:Name}发送今日到期提醒")
def _due_sent(gongkai_world: World, who: str) -> None:
    _reminder(gongkai_world, who, "今日到期")


@define("系统没有发送提醒")
def _no_reminder(gongkai_world: World) -> None:
    gongkai_world.check_pending()
    sent = [n for n in gongkai_world.notices() if n["kind"] != "task" and not is_duty_notice(n)]
    if sent:
        raise ScenarioError(f"上一步之后，系统发送了{len(sent)}条提醒：\n{_notice_lines(sent)}")


# -- 领域规则：答复告知书、年度报告、机关配置 ------------------------------------------------------------
# Kept in one block apart from the other groups so that steps added elsewhere do not touch it.


def _visible_text(markup: str) -> str:
    """The text a reader sees on an HTML page, without tags and white space."""
    return _compact(html.unescape(re.sub(r"<[^>]+>", " ", markup)))


@define("答复告知书中写明“{text}”")
def _letter_text(gongkai_world: World, text: str) -> None:
    world = gongkai_world
    world.check_pending()
    app = world.flow.requests.get(world.application_id())
    try:
        letter = reply_letter(app, world.flow.workflow.bureau)
    except LetterNotReadyError:
        raise ScenarioError("该申请还没有答复，还没有答复告知书。请先写“当〈姓名〉答复“…””。") from None
    if _compact(text) not in _visible_text(letter_html(letter)):
        shown = numbered([letter.addressee, *letter.paragraphs, letter.signature, letter.date_text])
        raise ScenarioError(f"答复告知书中没有“{text}”。答复告知书的内容如下：\n{shown}")


#: The tables of the annual report by how staff name them, and where each sits in the report.
_ANNUAL_TABLES = {"二": "二、", "三": "三、", "四": "四、", "2": "二、", "3": "三、", "4": "四、"}


def _table_header(page: str, heading: str) -> list[str]:
    """The header cells of the report's table under ``heading``, as the rendered report shows them.

    That is the note above the table, the section headings, and every cell of the rows that carry
    no figures; the rows' own names are not the header.
    """
    start = page.index(f"<h2>{html.escape(heading)}")
    end = page.find("<h2>", start + 4)
    part = page[start : end if end >= 0 else len(page)]
    cells = re.findall(r'<p class="note">(.*?)</p>', part) + re.findall(r"<h3>(.*?)</h3>", part)
    for table in re.findall(r"<table>(.*?)</table>", part, re.S):
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
            if "<td" not in row:
                cells.extend(re.findall(r"<th[^>]*>(.*?)</th>", row, re.S))
    return [html.unescape(c) for c in cells]


@define("{year:d}年度报告表{which:Word}的表头有“{text}”")
def _annual_header(gongkai_world: World, year: int, which: str, text: str) -> None:
    world = gongkai_world
    world.check_pending()
    prefix = lookup("年度报告的表", which, _ANNUAL_TABLES, "年度报告有表二、表三、表四（表一是总体情况的文字）。")
    try:
        report = annual_report(world.flow, year, agency=world.flow.workflow.bureau.name)
    except GongkaiFlowError as exc:
        raise ScenarioError(f"{year}年度报告无法生成：{exc.message}") from None
    page = report_html(report)
    heading = next(h for h in re.findall(r"<h2>(.*?)</h2>", page) if h.startswith(prefix))
    header = _table_header(page, html.unescape(heading))
    if not any(_compact(text) in _compact(cell) for cell in header):
        shown = numbered(header, "（没有表头）")
        raise ScenarioError(f"{year}年度报告表{which}的表头中没有“{text}”。表头如下：\n{shown}")


@define("本局的配置文件为：")
def _bureau_file(gongkai_world: World, docstring: str | None = None) -> None:
    world = gongkai_world
    world.check_pending()
    if docstring is None:
        raise ScenarioError('“本局的配置文件为：”下面需要配置文件的内容，写在三引号文字块（"""）中。')
    if world.flow_started:
        raise ScenarioError("本局的配置文件须写在场景开头（背景中），先于起草、登记等任何操作。")
    path = world.tmp / "bureau.toml"
    path.write_text(docstring, encoding="utf-8")
    bureau = world.attempt(lambda: load_bureau(path))
    if bureau is not None:
        world.bureau = bureau


# -- 公开事项 -----------------------------------------------------------------------------------------------


@define("{who:Name}登记公开事项“{duty}”的触发事件“{key}”")
def _trigger(gongkai_world: World, who: str, duty: str, key: str) -> None:
    world = gongkai_world
    world.check_pending()
    world.person(who)
    code = duty_named(world, duty).code
    world.attempt(lambda: world.flow.duties.trigger(code, key, occurred_at=world.now))


@define("{who:Name}登记局长办公会议“{title}”，市民代表{n:d}人列席")
def _meeting(gongkai_world: World, who: str, title: str, n: int) -> None:
    world = gongkai_world
    world.check_pending()
    world.person(who)
    held_on = world.now.astimezone(BEIJING).date()
    world.attempt(lambda: world.flow.records.add(MeetingRecord(held_on=held_on, title=title, representatives=n)))


_DUTY_STATES = {s.label: s for s in DutyState}


def _fulfilment(status: DutyStatus) -> str:
    if status.fulfilled_at is None:
        return "尚未完成"
    if status.obligation.duty.schedule.kind is ScheduleKind.COUNT:
        return f"已有{status.count}次，{show_day(status.fulfilled_at.astimezone(BEIJING).date())}达到要求"
    return f"{show_moment(status.fulfilled_at)}发布"


@define("公开事项“{duty}”的状态为“{state}”")
def _duty_state(gongkai_world: World, duty: str, state: str) -> None:
    world = gongkai_world
    world.check_pending()
    expected = lookup("公开事项状态", state, _DUTY_STATES)
    found = obligation_named(world, duty)
    if found.state is not expected:
        ob = found.obligation
        raise ScenarioError(
            f"到{show_moment(world.now)}，公开事项“{shown_name(ob)}”的状态是“{found.state.label}”，不是“{state}”"
            f"（截止日期{show_day(ob.due_day)}，{_fulfilment(found)}）。"
        )


def _titles(cell: str) -> list[str]:
    return sorted(t.strip() for t in re.split(r"[；;]", cell) if t.strip())


@define("{n:d}年的公开事项状态如下：")
def _duty_table(gongkai_world: World, n: int, datatable: list[list[str]]) -> None:
    world = gongkai_world
    world.check_pending()
    rows = _rows(datatable, "“公开事项状态如下”", ("公开事项",))
    known = {"公开事项", "截止日期", "状态", "公开的信息"}
    for key in rows[0] if rows else {}:
        lookup("列", key, dict.fromkeys(known, key))
    year = statuses(world, years=(n,))
    wrong: list[str] = []
    for row in rows:
        found = obligation_named(world, row["公开事项"], among=year, year=n)
        ob, name = found.obligation, row["公开事项"]
        if "截止日期" in row and parse_day(row["截止日期"]) != ob.due_day:
            wrong.append(f"“{name}”的截止日期是{show_day(ob.due_day)}，不是{row['截止日期']}")
        if "状态" in row and lookup("公开事项状态", row["状态"], _DUTY_STATES) is not found.state:
            wrong.append(f"“{name}”的状态是“{found.state.label}”，不是“{row['状态']}”（{_fulfilment(found)}）")
        if "公开的信息" in row:
            got = sorted(f.title for f in found.items)
            if got != _titles(row["公开的信息"]):
                shown = "；".join(got) or "没有"
                wrong.append(f"“{name}”公开的信息是：{shown}，不是：{row['公开的信息'] or '没有'}")
    if wrong:
        raise ScenarioError(f"到{show_moment(world.now)}，{n}年的公开事项状态与表格不符：\n" + numbered(wrong))


def _duty_notices(world: World, duty: str) -> tuple[DutyStatus, list[dict[str, Any]]]:
    world.check_pending()
    found = obligation_named(world, duty)
    code, period = found.obligation.key
    return found, [n for n in world.notices() if n["item_id"] == f"duty:{code}@{period}"]


def _duty_notice_sent(world: World, section: str, duty: str, kind: str) -> None:
    found, notices = _duty_notices(world, duty)
    if not any(p.section == section for p in world.people.values()):
        raise ScenarioError(f"人员表中没有{section}的人员，系统的提醒无人接收。请在“本局人员如下”表格中登记。")
    label = "逾期提醒" if kind == "deadline-missed" else "提醒"
    if not any(n["kind"] == kind and any(r["section"] == section for r in n["recipients"]) for n in notices):
        ob = found.obligation
        raise ScenarioError(
            f"上一步之后，系统没有向{section}发送公开事项“{shown_name(ob)}”的{label}"
            f"（第一个责任科室单位：{ob.duty.lead_section}；截止日期{show_day(ob.due_day)}；"
            f"现在的状态：{found.state.label}）。这一事项发出的通知如下：\n{_notice_lines(notices)}"
        )


@define("系统向{section:Section}发送公开事项“{duty}”的提醒")
def _duty_reminded(gongkai_world: World, section: str, duty: str) -> None:
    _duty_notice_sent(gongkai_world, section, duty, "deadline-approaching")


@define("系统向{section:Section}发送公开事项“{duty}”的逾期提醒")
def _duty_escalated(gongkai_world: World, section: str, duty: str) -> None:
    _duty_notice_sent(gongkai_world, section, duty, "deadline-missed")


@define("系统没有发送公开事项“{duty}”的提醒")
def _duty_quiet(gongkai_world: World, duty: str) -> None:
    world = gongkai_world
    found, notices = _duty_notices(world, duty)
    lead = found.obligation.duty.lead_section
    # Nobody in the lead section means a reminder would reach nobody: "none sent" would prove nothing.
    if not any(p.section == lead for p in world.people.values()):
        raise ScenarioError(
            f"人员表中没有{lead}（“{found.obligation.duty.name}”的第一个责任科室单位）的人员，"
            "无法判断系统是否发送提醒。请在“本局人员如下”表格中登记。"
        )
    if notices:
        raise ScenarioError(
            f"上一步之后，系统发送了公开事项“{shown_name(found.obligation)}”的提醒：\n{_notice_lines(notices)}"
        )


def _directory_section(world: World, code: str) -> str:
    if world.portal is None:
        raise ScenarioError("还没有生成门户网站。请先写“当生成门户网站”。")
    page = world.tmp / "portal" / "directory.html"
    if not page.is_file():
        raise ScenarioError("门户网站上没有政府信息公开目录页面（公开事项清单为空）。")
    raw = page.read_text(encoding="utf-8")
    m = re.search(rf'<section[^>]*id="duty-{re.escape(code)}"[^>]*>(.*?)</section>', raw, re.S)
    if m is None:
        raise ScenarioError(f"政府信息公开目录中没有编号为“{code}”的公开事项。")
    return m.group(1)


@define("政府信息公开目录中“{duty}”下有“{title}”")
def _in_directory(gongkai_world: World, duty: str, title: str) -> None:
    world = gongkai_world
    world.check_pending()
    if "@" in duty or duty not in {d.code for d in world.flow.duties.catalogue} | {
        d.name for d in world.flow.duties.catalogue
    }:
        code, period = obligation_named(world, duty).obligation.key
    else:
        code, period = duty_named(world, duty).code, None
    block = _directory_section(world, code)
    if period is not None:
        parts = re.split(r"<h3>(.*?)</h3>", block)
        periods = dict(zip(parts[1::2], parts[2::2], strict=True))
        block = periods.get(period, "")
    listed = [html.unescape(t).strip() for t in re.findall(r"<a [^>]*>([^<]*)</a>", block)]
    if title not in listed:
        where = f"“{duty}”" + (f"（{period}）" if period else "")
        shown = "；".join(listed) or "没有信息"
        raise ScenarioError(f"政府信息公开目录中{where}下没有“{title}”。列出的信息：{shown}。")


__all__ = ["ACTION_STARTS", "ROLES", "TYPES", "define", "gongkai_world"]
