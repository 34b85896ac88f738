"""A bureau's configuration of the negative list: allow-lists, its own words, severities.

The plugin's configuration mapping (``plugin_config["negative_list"]``) and, optionally, a TOML
file named by its ``config_file`` key have the same shape (see ``docs/negative-list.md``)::

    config_file = "/etc/gongkai/negative_list.toml"   # read first; the mapping is applied on top
    blocking_states = ["attribute_review"]             # approvals in these states block
    submit_severity = "review"                         # what a blocking finding becomes on submit
    consultation_columns = ["征求意见"]                  # process drafts published here are INFO

    [limits]                                           # bounds on reading files (documents.Limits)
    max_file_mb = 100                                  # a file larger than this is not read
    max_unpacked_mb = 100                              # .docx/.xlsx/.ods: decompressed total
    max_members = 10000                                # parts of a zip-based file
    max_pages = 5000                                   # pages of a PDF
    max_depth = 2                                      # files embedded in files

    [allow]
    phones = ["12333", "0633-8781234"]
    emails = ["rsjbgs@rizhao.gov.cn"]
    email_domains = ["gov.cn"]
    names = ["张敏"]
    terms = ["初稿"]                                    # words never to flag

    [rules."negative_list.internal.marker"]           # adjust a shipped rule
    add_terms = ["内部通报"]                            # or terms = [...] to replace the list
    severity = "block"
    enabled = true

    [corrections]                                      # 错敏词, added to the shipped ones
    "日照市人力资源与社会保障局" = "日照市人力资源和社会保障局"

    [[custom_rules]]                                   # the bureau's own keyword rules
    id = "rizhao.project_codes"
    category = "c09_internal_unit"
    severity = "review"
    message = "发现内部项目代号“{term}”。"
    terms = ["海滨一号"]

Merging a file with the mapping: lists are concatenated, tables merged key by key, other
values replaced by the mapping's. Anything unknown or malformed raises ``PluginError`` when the
plugin is set up, never at the first scan.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final, final

import attrs

from ...errors import PluginError
from ...model import Severity
from .catalogue import (
    FAIL_CLOSED_KINDS,
    TERM_KINDS,
    Rule,
    RuleKind,
    builtin_rules,
    check_rule,
    parse_severity,
    rule_from_dict,
)
from .documents import MIB, Limits

_TOP_KEYS: Final = frozenset(
    {
        "config_file",
        "allow",
        "rules",
        "custom_rules",
        "corrections",
        "blocking_states",
        "submit_severity",
        "consultation_columns",
        "limits",
    }
)
_LIMIT_KEYS: Final = {
    "max_file_mb": "max_file_bytes",
    "max_unpacked_mb": "max_unpacked_bytes",
    "max_members": "max_members",
    "max_pages": "max_pages",
    "max_depth": "max_depth",
}
_ALLOW_KEYS: Final = frozenset({"phones", "emails", "email_domains", "names", "terms"})
_RULE_OVERRIDE_KEYS: Final = frozenset({"terms", "add_terms", "severity", "enabled", "allow", "add_allow"})

#: The correction rule's id: ``corrections`` in the configuration extend it.
WORDING_RULE: Final = "negative_list.wording"


_NOT_DIGIT: Final = re.compile(r"[^0-9]+")


def _digits(text: str) -> str:
    return _NOT_DIGIT.sub("", text)


def _list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise PluginError(f"负面清单配置 {where} 应为字符串列表。")
    out = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise PluginError(f"负面清单配置 {where} 中有空值或非字符串：{item!r}。")
        out.append(item.strip())
    return tuple(dict.fromkeys(out))


def _merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        old = merged.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            merged[key] = _merge(old, value)
        elif isinstance(old, list | tuple) and isinstance(value, list | tuple):
            merged[key] = [*old, *value]
        else:
            merged[key] = value
    return merged


def read_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a bureau's TOML configuration; a ``[negative_list]`` table, if present, is used."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PluginError(f"找不到负面清单配置文件“{file}”。") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PluginError(f"无法读取负面清单配置文件“{file}”：{exc}。") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PluginError(f"负面清单配置文件“{file}”不是有效的 TOML：{exc}。") from exc
    section = data.get("negative_list", data)
    if not isinstance(section, Mapping):
        raise PluginError(f"负面清单配置文件“{file}”中的 [negative_list] 应为表。")
    return dict(section)


@final
@attrs.frozen
class AllowList:
    """What is public on purpose: the bureau's phone numbers, e-mail addresses, officials' names."""

    phones: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    email_domains: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    terms: frozenset[str] = frozenset()
    _local_numbers: tuple[str, ...] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_local_numbers", tuple(p for p in self.phones if 7 <= len(p) <= 8))

    def allows_phone(self, number: str) -> bool:
        """Whether a phone number (any separators) is one of the bureau's public numbers."""
        digits = _digits(number)
        if digits.startswith("86") and len(digits) == 13:
            digits = digits[2:]
        if digits in self.phones:
            return True
        # A listed local number (7–8 digits) also covers it written with its area code.
        return digits.startswith("0") and any(digits.endswith(p) for p in self._local_numbers)

    def allows_email(self, address: str) -> bool:
        """Whether an e-mail address is listed, or at a listed domain (or one of its subdomains)."""
        address = address.lower()
        if address in self.emails:
            return True
        domain = address.rpartition("@")[2]
        return any(domain == d or domain.endswith("." + d) for d in self.email_domains)


@final
@attrs.frozen
class Settings:
    """Everything the scanner and the plugin need, validated."""

    rules: tuple[Rule, ...]
    allow: AllowList = AllowList()
    blocking_states: frozenset[str] = frozenset({"attribute_review"})
    submit_severity: Severity = Severity.REVIEW
    consultation_columns: tuple[str, ...] = ("征求意见", "意见征集")
    limits: Limits = attrs.field(factory=Limits)

    @classmethod
    def default(cls) -> Settings:
        """The shipped rules with no bureau configuration."""
        return cls.from_config({})

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> Settings:
        """Validate the plugin's configuration mapping (and the file it names) into settings."""
        config = dict(config or {})
        file = config.get("config_file")
        if file is not None:
            if not isinstance(file, str | os.PathLike):
                raise PluginError("负面清单配置 config_file 应为文件路径。")
            nested = read_config_file(file)
            nested.pop("config_file", None)
            config = _merge(nested, {k: v for k, v in config.items() if k != "config_file"})
        unknown = set(config) - _TOP_KEYS
        if unknown:
            raise PluginError(
                f"负面清单配置有无法识别的项：{'、'.join(sorted(unknown))}（可用：{'、'.join(sorted(_TOP_KEYS))}）。"
            )
        allow = _allow_list(config.get("allow") or {})
        rules = _rules(config, allow)
        submit = parse_severity(config.get("submit_severity", "review"), "负面清单配置 submit_severity")
        if submit is Severity.BLOCK:
            raise PluginError("负面清单配置 submit_severity 不能是 block：提交时的检查结果只提示、不阻断。")
        return cls(
            rules=rules,
            allow=allow,
            blocking_states=frozenset(_list(config.get("blocking_states", ["attribute_review"]), "blocking_states")),
            submit_severity=submit,
            consultation_columns=_list(
                config.get("consultation_columns", ["征求意见", "意见征集"]), "consultation_columns"
            ),
            limits=parse_limits(config.get("limits") or {}),
        )


def parse_limits(raw: Any) -> Limits:
    """The ``[limits]`` table: sizes in MB (whole or decimal), counts as positive integers."""
    if not isinstance(raw, Mapping):
        raise PluginError("负面清单配置 limits 应为表。")
    unknown = set(raw) - set(_LIMIT_KEYS)
    if unknown:
        raise PluginError(
            f"负面清单配置 limits 有无法识别的项：{'、'.join(sorted(unknown))}（可用：{'、'.join(_LIMIT_KEYS)}）。"
        )
    values: dict[str, int] = {}
    for key, field in _LIMIT_KEYS.items():
        if key not in raw:
            continue
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise PluginError(f"负面清单配置 limits.{key} 应为正数：{value!r}。")
        values[field] = int(value * MIB) if key.endswith("_mb") else int(value)
        if values[field] < 1:
            raise PluginError(f"负面清单配置 limits.{key} 太小：{value!r}。")
    return Limits(**values)


def _allow_list(raw: Any) -> AllowList:
    if not isinstance(raw, Mapping):
        raise PluginError("负面清单配置 allow 应为表。")
    unknown = set(raw) - _ALLOW_KEYS
    if unknown:
        raise PluginError(f"负面清单配置 allow 有无法识别的项：{'、'.join(sorted(unknown))}。")
    phones = set()
    for number in ("12333", *_list(raw.get("phones"), "allow.phones")):
        digits = _digits(number)
        if not digits:
            raise PluginError(f"负面清单配置 allow.phones 中“{number}”不是电话号码。")
        phones.add(digits)
    domains = tuple(d.lower().lstrip("@.") for d in _list(raw.get("email_domains", ["gov.cn"]), "allow.email_domains"))
    return AllowList(
        phones=frozenset(phones),
        emails=frozenset(e.lower() for e in _list(raw.get("emails"), "allow.emails")),
        email_domains=domains,
        names=_list(raw.get("names"), "allow.names"),
        terms=frozenset(_list(raw.get("terms"), "allow.terms")),
    )


def _rules(config: Mapping[str, Any], allow: AllowList) -> tuple[Rule, ...]:
    shipped = {rule.id: rule for rule in builtin_rules()}
    overrides = config.get("rules") or {}
    if not isinstance(overrides, Mapping):
        raise PluginError("负面清单配置 rules 应为“规则编号 → 设置”的表。")
    unknown = set(overrides) - set(shipped)
    if unknown:
        raise PluginError(f"负面清单配置 rules 中有不存在的规则：{'、'.join(sorted(unknown))}。")
    rules: dict[str, Rule] = {}
    for rule_id, rule in shipped.items():
        rules[rule_id] = _adjust(rule, overrides.get(rule_id) or {})
    corrections = config.get("corrections") or {}
    if not isinstance(corrections, Mapping):
        raise PluginError("负面清单配置 corrections 应为“错误表述 = 正确表述”的表。")
    if corrections:
        wording = rules[WORDING_RULE]
        pairs = dict(wording.corrections)
        for wrong, right in corrections.items():
            if not isinstance(wrong, str) or not wrong.strip() or not isinstance(right, str) or not right.strip():
                raise PluginError(f"负面清单配置 corrections 中“{wrong}”须对应非空的正确表述。")
            pairs[wrong.strip()] = right.strip()
        rules[WORDING_RULE] = attrs.evolve(wording, corrections=tuple(pairs.items()), version=_local(wording.version))
    custom = config.get("custom_rules") or []
    if isinstance(custom, Mapping) or not isinstance(custom, Iterable):
        raise PluginError("负面清单配置 custom_rules 应为规则列表（[[custom_rules]]）。")
    for raw in custom:
        if not isinstance(raw, Mapping):
            raise PluginError(f"负面清单配置 custom_rules 中的每一项应为表：{raw!r}。")
        rule = rule_from_dict(raw, default_kind=RuleKind.KEYWORD)
        if rule.kind not in (RuleKind.KEYWORD, RuleKind.PATTERN):
            raise PluginError(f"自定义规则“{rule.id}”只能是 keyword 或 pattern 类型。")
        if rule.id in rules:
            raise PluginError(f"自定义规则编号“{rule.id}”与已有规则重复。")
        rules[rule.id] = rule
    if allow.terms:
        rules = {rid: _without(rule, allow.terms) for rid, rule in rules.items()}
    return tuple(rules.values())


def _local(version: str) -> str:
    return version if version.endswith("+local") else version + "+local"


def _adjust(rule: Rule, raw: Any) -> Rule:
    where = f"负面清单配置 rules.“{rule.id}”"
    if not isinstance(raw, Mapping):
        raise PluginError(f"{where} 应为表。")
    if not raw:
        return rule
    if rule.kind in FAIL_CLOSED_KINDS:
        raise PluginError(
            f"{where} 是“无法读取即阻断”的规则，不能在配置中修改或停用；须由保密及公开属性审核人逐件填写理由后解除。"
        )
    unknown = set(raw) - _RULE_OVERRIDE_KEYS
    if unknown:
        raise PluginError(f"{where} 有无法识别的项：{'、'.join(sorted(unknown))}。")
    changes: dict[str, Any] = {}
    if "terms" in raw or "add_terms" in raw:
        if rule.kind not in TERM_KINDS:
            raise PluginError(f"{where}：该规则不按词表检查，不能设置 terms。")
        base = _list(raw["terms"], f"{where}.terms") if "terms" in raw else rule.terms
        changes["terms"] = tuple(dict.fromkeys((*base, *_list(raw.get("add_terms"), f"{where}.add_terms"))))
    if "allow" in raw or "add_allow" in raw:
        base = _list(raw["allow"], f"{where}.allow") if "allow" in raw else rule.allow
        changes["allow"] = tuple(dict.fromkeys((*base, *_list(raw.get("add_allow"), f"{where}.add_allow"))))
    if "severity" in raw:
        changes["severity"] = parse_severity(raw["severity"], where)
    if "enabled" in raw:
        if not isinstance(raw["enabled"], bool):
            raise PluginError(f"{where}.enabled 应为 true 或 false。")
        changes["enabled"] = raw["enabled"]
    adjusted = attrs.evolve(rule, version=_local(rule.version), **changes)
    check_rule(adjusted)
    return adjusted


def _without(rule: Rule, allowed: frozenset[str]) -> Rule:
    terms = tuple(t for t in rule.terms if t not in allowed)
    pairs = tuple(p for p in rule.corrections if p[0] not in allowed)
    if terms == rule.terms and pairs == rule.corrections:
        return rule
    return attrs.evolve(rule, terms=terms, corrections=pairs, version=_local(rule.version))
