"""The negative list as data: the eleven categories of 附件1 and the rules that find them in text.

Both ship with the package (``data/categories.toml``, ``data/rules.toml``) and are read on first
use, never at import. :class:`Rule` values are what a bureau's configuration adjusts
(:mod:`.settings`); the scanner (:mod:`.scanner`) compiles them.
"""

from __future__ import annotations

import enum
import functools
import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any, Final, final

import attrs

from ...errors import PluginError
from ...model import NegativeListCategory, Severity

_CATEGORIES: Final = {c.value: c for c in NegativeListCategory}

#: Placeholders a rule's message may use.
MESSAGE_FIELDS: Final = frozenset({"term", "masked", "right", "label"})


class RuleKind(enum.Enum):
    """How a rule finds its matches (see the header of ``data/rules.toml``)."""

    KEYWORD = "keyword"
    MARKING = "marking"
    PATTERN = "pattern"
    HEADING = "heading"
    LABEL = "label"
    PERSON = "person"
    CORRECTION = "correction"
    PII = "pii"
    COPY_NUMBER = "copy_number"
    INPUT = "input"


#: Kinds whose findings come from reading a file, not from its text: they fail closed, and a
#: bureau may neither disable them nor lower their severity (only an attribute reviewer's
#: recorded override lets one pass).
FAIL_CLOSED_KINDS: Final = frozenset({RuleKind.INPUT})


#: Kinds whose word lists a bureau may extend or replace.
TERM_KINDS: Final = frozenset({RuleKind.KEYWORD, RuleKind.MARKING, RuleKind.HEADING, RuleKind.PERSON})


@final
@attrs.frozen
class LegalBasis:
    """One legal basis of a category: the citation and, where 附件1 quotes it, the quoted text."""

    citation: str
    text: str | None = None
    note: str | None = None

    def __str__(self) -> str:
        return f"{self.citation}：“{self.text}”" if self.text else self.citation


@final
@attrs.frozen
class Category:
    """One of the eleven categories of 附件1, with its legal bases as quoted there."""

    id: NegativeListCategory
    number: str
    name: str
    description: str
    bases: tuple[LegalBasis, ...]

    @property
    def citation(self) -> str | None:
        """The citations of the category's legal bases, joined (``None`` if it has none)."""
        return "；".join(b.citation for b in self.bases) or None


@final
@attrs.frozen
class Rule:
    """One check: what to look for, which category it points to, how serious, and what to say.

    ``version`` identifies the rule's definition; a rule a bureau changed by configuration
    carries ``+local`` after the shipped version.
    """

    id: str
    version: str
    kind: RuleKind
    category: NegativeListCategory | None
    severity: Severity
    message: str
    basis: str | None = None
    terms: tuple[str, ...] = ()
    exclude_before: tuple[str, ...] = ()
    exclude_after: tuple[str, ...] = ()
    heading_only: bool = False
    allow: tuple[str, ...] = ()
    trigger: str | None = None
    pattern: str | None = None
    corrections: tuple[tuple[str, str], ...] = ()
    enabled: bool = True


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise PluginError(f"{where} 应为字符串列表。")
    items = tuple(value)
    for item in items:
        if not isinstance(item, str) or not item:
            raise PluginError(f"{where} 中有空值或非字符串：{item!r}。")
    return items


def parse_severity(value: Any, where: str) -> Severity:
    """A :class:`Severity` from its value or Chinese label; ``PluginError`` otherwise."""
    if isinstance(value, Severity):
        return value
    if isinstance(value, str):
        try:
            member: Severity = Severity.from_label(value.lower() if value.isascii() else value)
        except KeyError:
            pass
        else:
            return member
    raise PluginError(f"{where} 的严重级别“{value}”无效（可选：block、review、info）。")


def parse_category(value: Any, where: str) -> NegativeListCategory | None:
    """A :class:`NegativeListCategory` from its id or label; ``None`` for ``""``; ``PluginError`` otherwise."""
    if value in (None, ""):
        return None
    if isinstance(value, NegativeListCategory):
        return value
    if isinstance(value, str):
        try:
            member: NegativeListCategory = NegativeListCategory.from_label(value)
        except KeyError:
            pass
        else:
            return member
    ids = "、".join(c.value for c in NegativeListCategory)
    raise PluginError(f"{where} 的负面清单类别“{value}”无效（可选：{ids}）。")


def check_message(message: Any, where: str) -> str:
    """Check a message template's placeholders; return it."""
    if not isinstance(message, str) or not message.strip():
        raise PluginError(f"{where} 缺少提示语 message。")
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(message) if name is not None}
    except ValueError as exc:
        raise PluginError(f"{where} 的提示语格式有误：{exc}。") from exc
    unknown = names - MESSAGE_FIELDS
    if unknown:
        raise PluginError(f"{where} 的提示语使用了未知占位符：{'、'.join(sorted(unknown))}。")
    return message


_RULE_KEYS: Final = frozenset(
    {
        "id",
        "version",
        "kind",
        "category",
        "severity",
        "message",
        "basis",
        "terms",
        "exclude_before",
        "exclude_after",
        "heading_only",
        "allow",
        "trigger",
        "pattern",
        "corrections",
        "enabled",
    }
)


def rule_from_dict(data: Mapping[str, Any], *, default_kind: RuleKind | None = None) -> Rule:
    """Build a :class:`Rule` from plain data (the shipped TOML or a bureau's ``custom_rules``)."""
    rule_id = data.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise PluginError(f"规则缺少编号 id：{dict(data)!r}。")
    where = f"规则“{rule_id}”"
    unknown = set(data) - _RULE_KEYS
    if unknown:
        raise PluginError(f"{where} 有无法识别的字段：{'、'.join(sorted(unknown))}。")
    kind_value = data.get("kind", default_kind.value if default_kind else None)
    try:
        kind = RuleKind(kind_value)
    except ValueError:
        raise PluginError(f"{where} 的类型 kind“{kind_value}”无效。") from None
    corrections = data.get("corrections", {})
    if not isinstance(corrections, Mapping):
        raise PluginError(f"{where} 的 corrections 应为“错误表述 = 正确表述”的表。")
    pairs = []
    for wrong, right in corrections.items():
        if not isinstance(wrong, str) or not wrong or not isinstance(right, str) or not right:
            raise PluginError(f"{where} 的错敏词“{wrong}”须对应非空的正确表述。")
        pairs.append((wrong, right))
    basis = data.get("basis")
    if basis is not None and not isinstance(basis, str):
        raise PluginError(f"{where} 的依据 basis 应为字符串。")
    rule = Rule(
        id=rule_id,
        version=str(data.get("version", "1")),
        kind=kind,
        category=parse_category(data.get("category"), where),
        severity=parse_severity(data.get("severity", "review"), where),
        message=check_message(data.get("message"), where),
        basis=basis or None,
        terms=_strings(data.get("terms", ()), f"{where} 的 terms"),
        exclude_before=_strings(data.get("exclude_before", ()), f"{where} 的 exclude_before"),
        exclude_after=_strings(data.get("exclude_after", ()), f"{where} 的 exclude_after"),
        heading_only=bool(data.get("heading_only", False)),
        allow=_strings(data.get("allow", ()), f"{where} 的 allow"),
        trigger=data.get("trigger"),
        pattern=data.get("pattern"),
        corrections=tuple(pairs),
        enabled=bool(data.get("enabled", True)),
    )
    check_rule(rule)
    return rule


def check_rule(rule: Rule) -> None:
    """Refuse a rule that cannot work: no terms for a term kind, a pattern rule without trigger…"""
    where = f"规则“{rule.id}”"
    if rule.kind in TERM_KINDS and not rule.terms and rule.enabled:
        raise PluginError(f"{where} 没有任何检查词 terms。")
    if rule.kind is RuleKind.PATTERN:
        if not (isinstance(rule.trigger, str) and rule.trigger and isinstance(rule.pattern, str) and rule.pattern):
            raise PluginError(f"{where} 是 pattern 规则，须同时给出 trigger 和 pattern。")
        try:
            re.compile(rule.pattern)
        except re.error as exc:
            raise PluginError(f"{where} 的正则表达式 pattern 有误：{exc}。") from exc
    if rule.kind is RuleKind.CORRECTION and not rule.corrections and rule.enabled:
        raise PluginError(f"{where} 是错敏词规则，须给出 corrections。")


def _read_data(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return tomllib.loads(text)


@functools.cache
def load_categories() -> tuple[Category, ...]:
    """The eleven categories of 附件1, in the order of the list (（一）…（十一）)."""
    data = _read_data("categories.toml")
    categories = []
    for raw in data["category"]:
        bases = tuple(
            LegalBasis(citation=b["citation"], text=b.get("text"), note=b.get("note")) for b in raw.get("basis", ())
        )
        categories.append(
            Category(
                id=_CATEGORIES[raw["id"]],
                number=raw["number"],
                name=raw["name"],
                description=raw["description"],
                bases=bases,
            )
        )
    return tuple(categories)


def category(category_id: NegativeListCategory | str) -> Category:
    """The category with this id (``KeyError`` if there is none)."""
    wanted = _CATEGORIES[category_id] if isinstance(category_id, str) else category_id
    return _categories_by_id()[wanted]


@functools.cache
def _categories_by_id() -> dict[NegativeListCategory, Category]:
    """The categories by id (the output of a check asks once per finding)."""
    return {item.id: item for item in load_categories()}


@functools.cache
def _rules_data() -> dict[str, Any]:
    return _read_data("rules.toml")


def rules_version() -> str:
    """The version of the shipped rule set (``data/rules.toml``)."""
    return str(_rules_data()["version"])


@functools.cache
def builtin_rules() -> tuple[Rule, ...]:
    """The rules shipped with the package, in file order."""
    return tuple(rule_from_dict(raw) for raw in _rules_data()["rule"])
