"""One bureau's configuration: its name, its code, its sections and who does which review.

Everything that differs from one bureau to the next lives in one TOML file (see
``docs/configuration.md``): the bureau's full name, its 统一社会信用代码 (also the prefix of every
索引号), its sections, the section bound to each review role (局办公室 does the secrecy and
attribute review, 政策法规科 the legal review and the news, 行政许可科（12333） the publishing), the
review body and court named in reply letters, and the optional calendar override and duty
catalogue files. The library ships the seed bureau's file as package data; another bureau adopts
the library by writing its own file, without code.

This module sits with the values: it imports only :mod:`.model`, :mod:`.errors` and the standard
library.
"""

from __future__ import annotations

import functools
import os
import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Final, final

import attrs

from .errors import BureauConfigError
from .model import Role

#: The characters of a 统一社会信用代码 (GB 32100): digits and capitals without I, O, S, V, Z.
CREDIT_CODE_CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"

#: Weight of each of the first 17 characters: 3**i mod 31.
_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters of a 统一社会信用代码.

    ``ValueError`` if a character is outside the code's character set or the length is wrong.
    """
    if len(first17) != 17:
        raise ValueError("统一社会信用代码的前17位长度不对")
    try:
        total = sum(CREDIT_CODE_CHARSET.index(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    except ValueError:
        raise ValueError("统一社会信用代码含有不允许的字符") from None
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why ``code`` is not a valid 统一社会信用代码, in Chinese, or ``None`` when it is valid."""
    if len(code) != 18:
        return f"应为18位，实际为{len(code)}位"
    bad = sorted({ch for ch in code if ch not in CREDIT_CODE_CHARSET})
    if bad:
        return f"含有不允许的字符“{'、'.join(bad)}”（不使用 I、O、S、V、Z 和小写字母）"
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return f"校验码应为“{expected}”，实际为“{code[17]}”"
    return None


def is_valid_credit_code(code: str) -> bool:
    """Whether ``code`` is an 18-character 统一社会信用代码 whose check character is right."""
    return credit_code_problem(code) is None


@final
@attrs.frozen
class SectionBinding:
    """Holders of ``role`` act only from ``section``; on chain ``chain_id`` only, or on every chain."""

    role: Role
    section: str
    chain_id: str | None = None


def _tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(value)


@final
@attrs.frozen
class BureauConfig:
    """A bureau's configuration, as read from its ``bureau.toml`` by :func:`load_bureau`.

    ``bindings`` say which section each review role acts from (see :meth:`section_for`); with
    none, any holder of a role may act, whatever their section. ``calendar`` and
    ``duty_catalogue`` are absolute paths (or ``None``).
    """

    name: str
    credit_code: str
    sections: tuple[str, ...] = attrs.field(converter=_tuple, default=())
    bindings: tuple[SectionBinding, ...] = attrs.field(converter=_tuple, default=())
    review_body: str = "日照市人民政府"
    court: str = "有管辖权的人民法院"
    calendar: Path | None = None
    duty_catalogue: Path | None = None
    source: str = "配置"

    def __attrs_post_init__(self) -> None:
        where = self.source
        if not self.name.strip():
            raise BureauConfigError(f"{where}中 bureau.name（机关名称）不能为空。", key="bureau.name")
        problem = credit_code_problem(self.credit_code)
        if problem is not None:
            raise BureauConfigError(
                f"{where}中 bureau.credit_code（统一社会信用代码）“{self.credit_code}”无效：{problem}。",
                key="bureau.credit_code",
            )
        for key, value in (("remedy.review_body", self.review_body), ("remedy.court", self.court)):
            if not value.strip():
                raise BureauConfigError(f"{where}中 {key} 不能为空。", key=key)
        known = set(self.sections)
        seen: set[tuple[Role, str | None]] = set()
        for binding in self.bindings:
            if (binding.role, binding.chain_id) in seen:
                where_key = "review" if binding.chain_id is None else f"review.chains.{binding.chain_id}"
                raise BureauConfigError(
                    f"{where}中 {where_key} 对“{binding.role.label}”指定了两次科室。", key=where_key
                )
            seen.add((binding.role, binding.chain_id))
            if known and binding.section not in known:
                raise BureauConfigError(
                    f"{where}中“{binding.role.label}”所在的科室“{binding.section}”不在 bureau.sections 中。",
                    key="review",
                )

    def section_for(self, chain_id: str, role: Role) -> str | None:
        """The section holders of ``role`` must belong to on chain ``chain_id``, or ``None`` (any)."""
        general = None
        for binding in self.bindings:
            if binding.role is not role:
                continue
            if binding.chain_id == chain_id:
                return binding.section
            if binding.chain_id is None:
                general = binding.section
        return general


#: The packaged file of the seed bureau (日照市人力资源和社会保障局).
DEFAULT_FILE: Final = "bureau.toml"


def _read(path: Path | None) -> tuple[dict[str, Any], str, Path | None]:
    if path is None:
        text = resources.files("gongkai_flow.data").joinpath(DEFAULT_FILE).read_text(encoding="utf-8")
        return tomllib.loads(text), f"默认机关配置 {DEFAULT_FILE} ", None
    where = f"机关配置文件 {os.fspath(path)} "
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BureauConfigError(f"找不到机关配置文件 {os.fspath(path)}。", path=os.fspath(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BureauConfigError(f"机关配置文件 {os.fspath(path)} 无法读取：{exc}", path=os.fspath(path)) from exc
    try:
        return tomllib.loads(text), where, path.parent
    except tomllib.TOMLDecodeError as exc:
        raise BureauConfigError(f"{where}不是有效的 TOML 文件：{exc}", path=os.fspath(path)) from exc


def _table(data: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> dict[str, Any]:
    value = data.get(key.rsplit(".", 1)[-1])
    if value is None:
        if required:
            raise BureauConfigError(f"{where}中缺少 [{key}] 表。", key=key)
        return {}
    if not isinstance(value, dict):
        raise BureauConfigError(f"{where}中 {key} 应为一个表（[{key}]）。", key=key)
    return value


def _text(table: Mapping[str, Any], key: str, where: str, *, default: str | None = None) -> str:
    name = key.rsplit(".", 1)[-1]
    value = table.get(name, default)
    if value is None:
        raise BureauConfigError(f"{where}中缺少 {key}。", key=key)
    if not isinstance(value, str) or not value.strip():
        raise BureauConfigError(f"{where}中 {key} 应为非空的文字。", key=key)
    return value.strip()


def _role(raw: str, key: str, where: str) -> Role:
    try:
        return Role.from_label(raw)  # type: ignore[no-any-return]
    except KeyError:
        choices = "、".join(f"{r.value}（{r.label}）" for r in Role)
        raise BureauConfigError(f"{where}中 {key} 的角色“{raw}”无法识别（可选：{choices}）。", key=key) from None


def _bindings(review: Mapping[str, Any], where: str) -> list[SectionBinding]:
    out: list[SectionBinding] = []
    for raw in review:
        if raw == "chains":
            continue
        key = f"review.{raw}"
        out.append(SectionBinding(_role(raw, key, where), _text(review, key, where)))
    chains = _table(review, "review.chains", where)
    for chain_id, table in chains.items():
        if not isinstance(table, dict):
            raise BureauConfigError(f"{where}中 review.chains.{chain_id} 应为一个表。", key=f"review.chains.{chain_id}")
        for raw in table:
            key = f"review.chains.{chain_id}.{raw}"
            out.append(SectionBinding(_role(raw, key, where), _text(table, key, where), chain_id))
    return out


def _optional_path(table: Mapping[str, Any], key: str, where: str, base: Path | None) -> Path | None:
    if table.get(key.rsplit(".", 1)[-1]) is None:
        return None
    path = Path(_text(table, key, where))
    if not path.is_absolute():
        if base is None:
            raise BureauConfigError(f"{where}中 {key} 须为绝对路径。", key=key)
        path = base / path
    return path


def bureau_from_mapping(data: Mapping[str, Any], *, where: str = "机关配置", base: Path | None = None) -> BureauConfig:
    """Build a :class:`BureauConfig` from the tables of a ``bureau.toml``; relative paths use ``base``."""
    bureau = _table(data, "bureau", where, required=True)
    sections = bureau.get("sections", [])
    if not isinstance(sections, list) or not all(isinstance(s, str) and s.strip() for s in sections):
        raise BureauConfigError(f"{where}中 bureau.sections 应为科室名称的列表。", key="bureau.sections")
    duplicates = sorted({s for s in sections if sections.count(s) > 1})
    if duplicates:
        raise BureauConfigError(
            f"{where}中 bureau.sections 有重复的科室：{'、'.join(duplicates)}。", key="bureau.sections"
        )
    remedy = _table(data, "remedy", where)
    files = _table(data, "files", where)
    return BureauConfig(
        name=_text(bureau, "bureau.name", where),
        credit_code=_text(bureau, "bureau.credit_code", where),
        sections=tuple(s.strip() for s in sections),
        bindings=_bindings(_table(data, "review", where), where),
        review_body=_text(remedy, "remedy.review_body", where, default="日照市人民政府"),
        court=_text(remedy, "remedy.court", where, default="有管辖权的人民法院"),
        calendar=_optional_path(files, "files.calendar", where, base),
        duty_catalogue=_optional_path(files, "files.duty_catalogue", where, base),
        source=where,
    )


def load_bureau(path: str | os.PathLike[str] | None = None) -> BureauConfig:
    """Read a bureau's configuration file; ``None`` reads the packaged default (the seed bureau).

    ``BureauConfigError`` (code ``config.invalid``) with a message naming the key if it is wrong.
    """
    if path is None:
        return default_bureau()
    data, where, base = _read(Path(path))
    return bureau_from_mapping(data, where=where, base=base)


@functools.cache
def default_bureau() -> BureauConfig:
    """The packaged default configuration (日照市人力资源和社会保障局), read once."""
    data, where, base = _read(None)
    return bureau_from_mapping(data, where=where, base=base)
