"""The validating boundary: every text, number and date a caller hands the library is checked here.

One table, :data:`FIELD_RULES`, declares for each field its Chinese name, its longest allowed
length and whether it may span lines. The validators below read it, and so do the SQL column
lengths (:mod:`gongkai_flow.storage.sql.schema`), so a value is refused the same way on every
backend — before any driver sees it — instead of being stored by SQLite and rejected by
PostgreSQL. A refusal is an :class:`~gongkai_flow.errors.InvalidFieldError` naming the field in
Chinese (``details``: ``field`` and ``label``).

What is refused in every text: a value that is not a ``str`` (``None`` where a value is required,
``bytes``, numbers), a lone surrogate (it cannot be encoded, so it would break the database, the
ledger and every page later), and control characters — NUL, ESC, DEL and the C1 range. Multi-line
fields (bodies, opinions, reasons) keep tab, line feed and carriage return.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final, final

import attrs

from .errors import InvalidFieldError
from .model import Actor, DisclosureAttribute, InfoSource, ItemKind, NegativeListCategory, Platform, _coerce

#: Longest identifier (item, actor, application, policy ids).
ID_MAX: Final = 100
#: Longest short name (a section, a person's name, a column, a 文号).
NAME_MAX: Final = 200
#: Longest free text that is not a document body (opinions, reasons, descriptions).
TEXT_MAX: Final = 10_000
#: Longest document body (正文, 答复内容): far above the longest regulation's text.
BODY_MAX: Final = 500_000

#: Earliest and latest year a date given to the library may fall in.
MIN_YEAR: Final = 1949
MAX_YEAR: Final = 2200


@final
@attrs.frozen
class FieldRule:
    """How one field is checked: its Chinese name, longest length, and whether it may span lines."""

    label: str
    max_length: int
    multiline: bool = False


#: Every text field of the public API, by the keyword a caller uses for it.
FIELD_RULES: Final[dict[str, FieldRule]] = {
    # the review form (附件2)
    "item_id": FieldRule("信息编号", ID_MAX),
    "title": FieldRule("信息名称", 500),
    "body": FieldRule("正文", BODY_MAX, multiline=True),
    "sections": FieldRule("责任科室", NAME_MAX),
    "source_name": FieldRule("转载来源", NAME_MAX),
    "withheld_reason": FieldRule("不予公开理由", TEXT_MAX, multiline=True),
    "column": FieldRule("发布栏目", NAME_MAX),
    "policy_id": FieldRule("所解读的政策文件", ID_MAX),
    "document_number": FieldRule("文号", NAME_MAX),
    "opinion": FieldRule("意见", TEXT_MAX, multiline=True),
    "override_rule": FieldRule("放行的规则编号", NAME_MAX),
    "override_reason": FieldRule("放行理由", TEXT_MAX, multiline=True),
    "attachment_name": FieldRule("附件名称", 255),
    "media_type": FieldRule("附件类型", ID_MAX),
    # people
    "actor_id": FieldRule("人员编号", ID_MAX),
    "actor_name": FieldRule("姓名", NAME_MAX),
    "section": FieldRule("所在科室", NAME_MAX),
    "in_charge_of": FieldRule("分管科室", NAME_MAX),
    # 依申请公开
    "application_id": FieldRule("申请编号", ID_MAX),
    "applicant_name": FieldRule("申请人姓名或名称", NAME_MAX),
    "contact": FieldRule("联系方式", 500),
    "description": FieldRule("所需信息的名称、文号或特征性描述", TEXT_MAX, multiline=True),
    "delivery": FieldRule("获取信息的方式", NAME_MAX),
    "consulting": FieldRule("征求意见对象", NAME_MAX),
    "reply_text": FieldRule("答复内容", BODY_MAX, multiline=True),
    # 舆情 and clocks (a timer id is the event id, a colon and the rule id: it must fit ID_MAX)
    "event_id": FieldRule("舆情事件编号", ID_MAX - 10),
    "responsible": FieldRule("责任单位", NAME_MAX),
    # report records
    "record_id": FieldRule("记录编号", ID_MAX),
    "record_title": FieldRule("事项名称", 500),
    "record_note": FieldRule("备注", TEXT_MAX, multiline=True),
}

# C0 controls but tab, line feed and carriage return; DEL; C1; lone surrogates.
_BAD_MULTILINE: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# The same, and tab, line feed and carriage return too.
_BAD_LINE: Final = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def rule(field: str) -> FieldRule:
    """The rule of ``field`` (a ``KeyError`` for an undeclared one: a programming error)."""
    return FIELD_RULES[field]


def _refuse(field: str, label: str, message: str) -> InvalidFieldError:
    return InvalidFieldError(f"{label}{message}", field=field, label=label)


def _describe(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"无法识别的字符（孤立的代理码位 U+{code:04X}）"
    return f"控制字符 U+{code:04X}"


def check_text(
    field: str, value: Any, *, optional: bool = False, rule_of: str | None = None, label: str | None = None
) -> str | None:
    """Return ``value`` if it is a valid text for ``field``; raise :class:`InvalidFieldError` otherwise.

    ``optional`` lets ``None`` through (returned as is); ``rule_of`` checks ``field`` by another
    field's rule, and ``label`` names it in the message instead of the rule's own name.
    """
    spec = FIELD_RULES[rule_of or field]
    if label is not None:
        spec = attrs.evolve(spec, label=label)
    if value is None:
        if optional:
            return None
        raise _refuse(field, spec.label, "不能为空。")
    if not isinstance(value, str):
        raise _refuse(field, spec.label, f"须为文字，不能是 {type(value).__name__}。")
    if len(value) > spec.max_length:
        raise _refuse(field, spec.label, f"不能超过 {spec.max_length:,} 个字符（现有 {len(value):,} 个）。")
    if spec.multiline:
        # Fast path (about twice as fast as the scan): printable once line breaks are set aside
        # means no control character and no surrogate; anything else is decided by the scan.
        if value.replace("\n", " ").replace("\t", " ").replace("\r", " ").isprintable():
            return value
    elif value.isprintable():
        return value
    bad = (_BAD_MULTILINE if spec.multiline else _BAD_LINE).search(value)
    if bad is not None:
        where = "" if spec.multiline else "（只能写一行）"
        raise _refuse(field, spec.label, f"含有{_describe(bad.group())}{where}，请删除后重试。")
    return value


def check_texts(field: str, values: Any, *, optional: bool = False) -> tuple[str, ...] | None:
    """Check a list of texts (e.g. 责任科室) element by element; a bare string is refused."""
    spec = FIELD_RULES[field]
    if values is None:
        if optional:
            return None
        raise _refuse(field, spec.label, "不能为空。")
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise _refuse(field, spec.label, "须为文字的列表。")
    found = tuple(values)
    if len(found) > 100:
        raise _refuse(field, spec.label, f"最多 100 项（现有 {len(found)} 项）。")
    for value in found:
        check_text(field, value, rule_of=field)
    return found


def check_int(field: str, label: str, value: Any, *, minimum: int, maximum: int, optional: bool = False) -> int | None:
    """Return ``value`` if it is an ``int`` (not a ``bool``) in [``minimum``, ``maximum``]."""
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise _refuse(field, label, f"须为整数，不能是 {type(value).__name__}。")
    if not minimum <= value <= maximum:
        raise _refuse(field, label, f"须在 {minimum} 到 {maximum} 之间（现为 {value}）。")
    return value


def check_bool(field: str, label: str, value: Any) -> bool:
    """Return ``value`` if it is a ``bool``."""
    if not isinstance(value, bool):
        raise _refuse(field, label, f"须为是或否，不能是 {type(value).__name__}。")
    return value


def check_date(field: str, label: str, value: Any, *, optional: bool = False) -> date | None:
    """Return ``value`` if it is a date between :data:`MIN_YEAR` and :data:`MAX_YEAR`."""
    if value is None and optional:
        return None
    if not isinstance(value, date):
        raise _refuse(field, label, f"须为日期，不能是 {type(value).__name__}。")
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise _refuse(field, label, f"的年份须在 {MIN_YEAR} 到 {MAX_YEAR} 之间（现为 {value.year}）。")
    return value


#: Actors that passed :func:`check_actor`, by ``id()``. An :class:`Actor` is frozen, so one that
#: passed once passes again: the host hands the same few actors in on every action, and checking
#: their texts again cost as much as the state machine's own move. The value keeps the actor alive,
#: so its ``id()`` cannot be reused by another object while it is listed. Emptied when full.
_CHECKED_ACTORS: Final[dict[int, Actor]] = {}
_CHECKED_ACTORS_MAX: Final = 4096


def check_actor(actor: Any) -> None:
    """Check the texts of an actor the host hands in (it vouches for who, not for well-formed)."""
    if _CHECKED_ACTORS.get(id(actor)) is actor:
        return
    for field, attr in (("actor_id", "id"), ("actor_name", "name"), ("section", "section")):
        if not hasattr(actor, attr):
            raise _refuse("actor", "操作人员", "须为 Actor。")
        check_text(field, getattr(actor, attr))
    for section in getattr(actor, "in_charge_of", ()):
        check_text("in_charge_of", section)
    if type(actor) is Actor:  # only the frozen class: a look-alike object may change after the check
        if len(_CHECKED_ACTORS) >= _CHECKED_ACTORS_MAX:
            _CHECKED_ACTORS.clear()
        _CHECKED_ACTORS[id(actor)] = actor


#: The item fields that are plain texts, with whether they may be ``None``.
_ITEM_TEXTS: Final[dict[str, bool]] = {
    "item_id": True,
    "title": False,
    "body": False,
    "source_name": True,
    "withheld_reason": True,
    "column": False,
    "policy_id": True,
    "document_number": True,
}


def check_item_fields(values: Mapping[str, Any]) -> None:
    """Check the item fields a caller gives to draft or edit (those present; unknown ones are not here)."""
    for name, value in values.items():
        if name in _ITEM_TEXTS:
            check_text(name, value, optional=_ITEM_TEXTS[name])
        elif name == "sections":
            check_texts(name, value, optional=True)
        elif name == "classified":
            check_bool(name, "是否涉密", value)
        elif name == "formed_on":
            check_date(name, "形成日期", value, optional=True)
        elif name in _ITEM_CHOICES:
            cls, label, optional = _ITEM_CHOICES[name]
            check_choice(name, label, cls, value, optional=optional)
        elif name == "platforms":
            many = [value] if isinstance(value, str | Platform) else value
            if isinstance(many, bytes) or not isinstance(many, Iterable):
                raise _refuse(name, "发布平台", "须为平台的列表。")
            for one in many:
                check_choice(name, "发布平台", Platform, one)


_ITEM_CHOICES: Final[dict[str, tuple[type[Any], str, bool]]] = {
    "kind": (ItemKind, "信息类别", False),
    "source": (InfoSource, "信息来源", False),
    "attribute": (DisclosureAttribute, "公开属性", True),
    "withheld_category": (NegativeListCategory, "负面清单类别", True),
}


def check_choice(field: str, label: str, cls: type[Any], value: Any, *, optional: bool = False) -> Any:
    """Return the member of the enum ``cls`` that ``value`` is, names or is labelled by."""
    if value is None:
        if optional:
            return None
        raise _refuse(field, label, "不能为空。")
    if isinstance(value, cls):
        return value
    if isinstance(value, str) and len(value) <= NAME_MAX and _BAD_LINE.search(value) is None:
        try:
            return _coerce(cls, value)
        except ValueError:
            pass
        shown = f"“{value}”"
    else:
        shown = "所填的值"
    choices = "、".join(m.label for m in cls)
    raise _refuse(field, label, f"有误：{shown}不是有效的选项（可选：{choices}）。")
