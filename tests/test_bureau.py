"""The bureau configuration: the packaged default, a second bureau's file, and the refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongkai_flow.bureau import (
    CREDIT_CODE_CHARSET,
    BureauConfig,
    credit_code_check_char,
    is_valid_credit_code,
    load_bureau,
)
from gongkai_flow.errors import BureauConfigError, DefinitionError
from gongkai_flow.model import Role
from gongkai_flow.plugins._items import DEFAULT_ORG_CODE

SECOND = """
[bureau]
name = "某某市医疗保障局"
credit_code = "91350100M000100Y43"
sections = ["办公室", "法规科", "信息科", "待遇保障科"]

[review]
attribute_reviewer = "办公室"
"法律法规审核人" = "法规科"
publisher = "信息科"

[remedy]
review_body = "某某市人民政府"
court = "某某市某某区人民法院"

[files]
calendar = "calendar.toml"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bureau.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_bureau_is_the_seed_bureau() -> None:
    bureau = load_bureau()
    assert bureau.name == "日照市人力资源和社会保障局"
    assert bureau.credit_code == "11371100MB2857300Y"
    assert is_valid_credit_code(bureau.credit_code)
    assert bureau.section_for("default", Role.ATTRIBUTE_REVIEWER) == "局办公室"
    assert bureau.section_for("default", Role.LEGAL_REVIEWER) == "政策法规科"
    assert bureau.section_for("news", Role.LEGAL_REVIEWER) == "政策法规科"
    assert bureau.section_for("default", Role.PUBLISHER) == "行政许可科（12333）"
    assert bureau.section_for("default", Role.SECTION_HEAD) is None
    assert "行政许可科（12333）" in bureau.sections


def test_the_index_number_prefix_is_the_bureau_code() -> None:
    """The 索引号 prefix the plugins use is the default bureau's (valid) code."""
    assert load_bureau().credit_code == DEFAULT_ORG_CODE


def test_the_old_default_code_fails_the_check() -> None:
    assert credit_code_check_char("11371100MB2857300") == "Y"
    assert not is_valid_credit_code("11371100MB2857300X")


@pytest.mark.parametrize("code", ["91350100M000100Y43", "11371100MB2857300Y"])
def test_known_codes_pass(code: str) -> None:
    assert is_valid_credit_code(code)


@given(st.text(alphabet=CREDIT_CODE_CHARSET, min_size=17, max_size=17), st.sampled_from(CREDIT_CODE_CHARSET))
def test_exactly_one_check_character_is_valid(first17: str, last: str) -> None:
    """For any 17 characters, the computed check character is the only one that passes."""
    assert is_valid_credit_code(first17 + last) == (last == credit_code_check_char(first17))


def test_a_second_bureau_adopts_by_file(tmp_path: Path) -> None:
    bureau = load_bureau(write(tmp_path, SECOND))
    assert bureau.name == "某某市医疗保障局"
    assert bureau.section_for("default", Role.LEGAL_REVIEWER) == "法规科"
    assert bureau.section_for("news", Role.PUBLISHER) == "信息科"
    assert bureau.court == "某某市某某区人民法院"
    assert bureau.calendar == tmp_path / "calendar.toml"


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        (('credit_code = "91350100M000100Y43"', 'credit_code = "91350100M000100Y44"'), "bureau.credit_code", "校验码"),
        (('credit_code = "91350100M000100Y43"', 'credit_code = "9135010"'), "bureau.credit_code", "18位"),
        (('credit_code = "91350100M000100Y43"', 'credit_code = "91350100M000100O43"'), "bureau.credit_code", "字符"),
        (('name = "某某市医疗保障局"', 'name = ""'), "bureau.name", "bureau.name"),
        (('name = "某某市医疗保障局"\n', ""), "bureau.name", "缺少 bureau.name"),
        (('publisher = "信息科"', 'publisher = "宣传科"'), "review", "宣传科"),
        (('publisher = "信息科"', 'webmaster = "信息科"'), "review.webmaster", "webmaster"),
        (('court = "某某市某某区人民法院"', "court = 3"), "remedy.court", "remedy.court"),
        (('"待遇保障科"]', '"待遇保障科", "办公室"]'), "bureau.sections", "重复"),
        (('publisher = "信息科"', 'publisher = "信息科"\n"信息发布人员" = "办公室"'), "review", "两次"),
    ],
)
def test_invalid_files_are_refused_naming_the_key(
    tmp_path: Path, change: tuple[str, str], key: str, words: str
) -> None:
    old, new = change
    assert old in SECOND
    with pytest.raises(BureauConfigError) as info:
        load_bureau(write(tmp_path, SECOND.replace(old, new)))
    assert info.value.code == "config.invalid"
    assert isinstance(info.value, DefinitionError)
    assert info.value.details.get("key") == key
    assert words in info.value.message


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(BureauConfigError, match="找不到"):
        load_bureau(tmp_path / "nope.toml")
    with pytest.raises(BureauConfigError, match="TOML"):
        load_bureau(write(tmp_path, "[bureau\nname="))
    with pytest.raises(BureauConfigError, match=r"\[bureau\]"):
        load_bureau(write(tmp_path, "[remedy]\ncourt='x'\n"))


def test_constructing_with_an_invalid_code_is_refused() -> None:
    with pytest.raises(BureauConfigError, match="校验码应为“Y”"):
        BureauConfig(name="日照市人力资源和社会保障局", credit_code="11371100MB2857300X")


def test_flow_takes_the_bureau(tmp_path: Path) -> None:
    """Flow(bureau=...) binds its workflow, its reply-letter remedy and its calendar file to the bureau."""
    from gongkai_flow import Flow

    (tmp_path / "calendar.toml").write_text("[years]\n", encoding="utf-8")
    bureau = load_bureau(write(tmp_path, SECOND))
    with Flow(bureau=bureau) as flow:
        assert flow.workflow.bureau is bureau
        assert flow.requests.workflow.court == "某某市某某区人民法院"
        assert flow.requests.workflow.review_body == "某某市人民政府"
        assert flow.clocks.calendar.override_file == tmp_path / "calendar.toml"
    with Flow(bureau=bureau, requests={"court": "某某铁路运输法院"}) as flow:
        assert flow.requests.workflow.court == "某某铁路运输法院"
