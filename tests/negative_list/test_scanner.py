"""The scanner: what each scanner finds, masking, spans, configuration, and robustness."""

from __future__ import annotations

import gc
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai_flow import DisclosureAttribute, NegativeListCategory, Severity
from gongkai_flow.errors import PluginError
from gongkai_flow.plugins.negative_list import ScanContext, Scanner, Settings
from gongkai_flow.plugins.negative_list import validators as v
from gongkai_flow.plugins.negative_list.pause import gc_paused


def rules_of(scanner: Scanner, text: str, context: ScanContext | None = None) -> list[str]:
    """The rule ids of the findings in ``text``, in order."""
    return [f.rule_id for f in scanner.scan(text, context)]


# --- personal numbers ------------------------------------------------------------------------


def test_id_number_finding_is_complete_and_masked(scanner: Scanner) -> None:
    """An ID number finding has id, version, category, severity, span, masked excerpt, message, basis."""
    text = "申请人身份证号：371102198503121234，现住东港区。"
    (finding,) = scanner.scan(text)
    assert finding.rule_id == "negative_list.pii.id_card"
    assert finding.rule_version == "1"
    assert finding.category is NegativeListCategory.THIRD_PARTY
    assert finding.severity is Severity.BLOCK
    assert finding.span is not None
    assert text[finding.span[0] : finding.span[1]] == "371102198503121234"
    assert finding.excerpt is not None
    assert "371102********1234" in finding.excerpt
    assert "198503" not in finding.excerpt
    assert "公民身份号码" in finding.message
    assert finding.legal_basis == "《中华人民共和国政府信息公开条例》第十五条"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("身份证号：３７１１０２１９８５０３１２１２３４。", "negative_list.pii.id_card"),  # full-width digits
        ("身份证号：371102 19850312 1234。", "negative_list.pii.id_card"),
        ("手机：139-0633-1234", "negative_list.pii.mobile"),
        ("手机：+86 139 0633 1234", "negative_list.pii.mobile"),
        ("手机：8613906331234", "negative_list.pii.mobile"),
        ("卡号：6217001234567890122", "negative_list.pii.bank_card"),
        ("卡号：6217-0012-3456-7890-122", "negative_list.pii.bank_card"),
        ("电话（0633）2231456", "negative_list.pii.landline"),
        ("电话06332231456", "negative_list.pii.landline"),
        ("身份证号：371102198503121231。", "negative_list.pii.id_card_suspect"),
        ("邮箱：Zhang.San+hr@example.com。", "negative_list.pii.email"),
    ],
)
def test_number_shapes(scanner: Scanner, text: str, rule: str) -> None:
    """Personal numbers are found in their usual written shapes."""
    assert rules_of(scanner, text) == [rule]


@pytest.mark.parametrize(
    "text",
    [
        "身份证号：371102********1234，手机139****1234。",  # masked forms pass
        "订单号A371102198503121234B。",  # part of a longer code
        "金额：371102198503121234567元。",  # too long to be an ID
        "咨询电话：12333；服务邮箱：rsjbgs@rizhao.gov.cn。",  # official ones pass
        "文号：日人社发〔2019〕12号，2019年6月28日。",
        "参保人数达到1234567人，基金收入2345678901元。",
        "@@@ a@b @example.com x@y",
    ],
)
def test_number_near_misses(scanner: Scanner, text: str) -> None:
    """Masked numbers, codes, amounts, official contacts and stray @ are not personal information."""
    assert scanner.scan(text) == []


def test_two_numbers_separated_by_a_space_are_both_found(scanner: Scanner) -> None:
    """A space between two numbers does not hide either of them."""
    assert rules_of(scanner, "13906331234 13906335678") == ["negative_list.pii.mobile"] * 2


def test_allow_listed_phone_email_and_official_name() -> None:
    """Configured numbers, e-mails and officials' names (near their contact details) pass."""
    text = "联系人：张敏，手机13906337788；电话0633-8781234；邮箱rzjyfw@126.com；王五13906331234。"
    plain = Scanner()
    assert rules_of(plain, text).count("negative_list.pii.mobile") == 2
    allowed = Scanner(
        Settings.from_config({"allow": {"phones": ["8781234"], "emails": ["RZJYFW@126.com"], "names": ["张敏"]}})
    )
    assert rules_of(allowed, text) == ["negative_list.pii.mobile"]  # only 王五's


def test_labelled_personal_name_is_masked_and_allow_list_applies(scanner: Scanner) -> None:
    """A labelled name (举报人：…) is found and masked; masked or listed names pass."""
    found = scanner.scan("举报人：刘建国，反映某公司拖欠工资。")
    (finding,) = [f for f in found if f.rule_id == "negative_list.pii.person_name"]
    assert {f.rule_id for f in found} == {"negative_list.pii.person_name", "negative_list.petition.prose"}
    assert finding.excerpt is not None
    assert "刘**" in finding.excerpt
    assert "建国" not in finding.excerpt
    masked = scanner.scan("举报人：刘某，反映某公司拖欠工资。")
    assert [f.rule_id for f in masked] == ["negative_list.petition.prose"]  # the prose, not a name
    assert scanner.scan("申请人：应当提交以下材料。") == []
    listed = Scanner(Settings.from_config({"allow": {"names": ["刘建国"]}}))
    assert listed.scan("当事人：刘建国") == []


# --- markings and markers --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["绝密★长期\n关于……", "机密 ★ 10年", "秘密★6个月", "（秘密）", "\u3000秘密\u3000\n正文", "【机密】"],
)
def test_secrecy_markings(scanner: Scanner, text: str) -> None:
    """密级 markings: with ★ and a period, alone on their line, or in brackets."""
    assert rules_of(scanner, text) == ["negative_list.secrecy.marking"]


@pytest.mark.parametrize(
    "text",
    [
        "不得泄露国家秘密。",
        "国家秘密\n",
        "保护商业秘密和个人隐私。",
        "机密文件应当存放在保密柜中。",
        "严守秘密，这是纪律。",
    ],
)
def test_secrecy_words_in_prose_are_not_markings(scanner: Scanner, text: str) -> None:
    """国家秘密, 商业秘密 and the bare words in running prose are not 密级 markings."""
    assert scanner.scan(text) == []


def test_disclosure_label_depends_on_the_item(scanner: Scanner) -> None:
    """（此件不予公开） blocks content going to the website, and only that."""
    text = "关于调整内设科室分工的通知\n（此件不予公开）\n"
    (conflict,) = scanner.scan(text)
    assert conflict.rule_id == "negative_list.label.conflict"
    assert conflict.severity is Severity.BLOCK
    assert conflict.span is not None
    assert text[conflict.span[0] : conflict.span[1]] == "（此件不予公开）"
    withheld = ScanContext(attribute=DisclosureAttribute.WITHHELD, public=False)
    assert scanner.scan(text, withheld) == []
    on_request = ScanContext(attribute=DisclosureAttribute.ON_REQUEST, public=False)
    assert rules_of(scanner, text, on_request) == ["negative_list.label.mismatch"]
    assert scanner.scan("（此件公开发布）") == []


def test_heading_rules_need_a_title_line(scanner: Scanner) -> None:
    """的请示 / 的报告 and 会议纪要 count in a title line, not in a sentence."""
    assert rules_of(scanner, "关于申请拨付资金的请示（代拟稿）") == [
        "negative_list.internal_management.title",
        "negative_list.process.draft",
    ]
    assert scanner.scan("我局已于5月向市政府报送关于申请拨付资金的请示。") == []
    assert scanner.scan("日照市人力资源和社会保障局2019年政府信息公开工作年度报告") == []
    assert rules_of(scanner, "2019年第3次局长办公会议纪要") == ["negative_list.internal_management.document"]


def test_draft_words_with_near_miss_suffixes(scanner: Scanner) -> None:
    """稿件, 稿费 are not 过程稿; 草稿 and 讨论稿 are."""
    assert scanner.scan("请将修改稿件和稿费标准一并报送。") == []
    assert rules_of(scanner, "本文为讨论稿。") == ["negative_list.process.draft"]


def test_overlapping_words_of_one_rule_count_once(scanner: Scanner) -> None:
    """会议纪要 contains 纪要: a title line gives one finding of the rule, not two."""
    assert rules_of(scanner, "局长办公会议纪要") == ["negative_list.internal_management.document"]


def test_wording_dictionary_says_what_is_right(scanner: Scanner) -> None:
    """A 错敏词 finding names the wrong and the right expression."""
    (finding,) = scanner.scan("市攻府决定")
    assert finding.rule_id == "negative_list.wording"
    assert "“攻府”" in finding.message
    assert "“政府”" in finding.message


# --- configuration ---------------------------------------------------------------------------


def test_bureau_extends_and_replaces_word_lists() -> None:
    """``add_terms`` extends a shipped list, ``terms`` replaces it; the rule version shows the change."""
    extended = Scanner(Settings.from_config({"rules": {"negative_list.internal.marker": {"add_terms": ["内部通报"]}}}))
    (finding,) = extended.scan("内部通报")
    assert finding.rule_version == "1+local"
    assert extended.scan("内部资料") != []
    replaced = Scanner(Settings.from_config({"rules": {"negative_list.internal.marker": {"terms": ["内部通报"]}}}))
    assert replaced.scan("内部资料") == []


def test_bureau_changes_severity_disables_rules_and_allows_terms() -> None:
    """A rule's severity can change, a rule can be switched off, a word can be allowed everywhere."""
    config = {
        "rules": {
            "negative_list.process.draft": {"severity": "block"},
            "negative_list.pii.landline": {"enabled": False},
        },
        "allow": {"terms": ["攻府"]},
    }
    scanner = Scanner(Settings.from_config(config))
    (finding,) = scanner.scan("讨论稿 电话0633-2231456 攻府")
    assert finding.rule_id == "negative_list.process.draft"
    assert finding.severity is Severity.BLOCK


def test_bureau_adds_corrections_and_custom_rules() -> None:
    """Bureau 错敏词 and custom keyword rules are found with their own messages and categories."""
    scanner = Scanner(
        Settings.from_config(
            {
                "corrections": {"日照市人力资源与社会保障局": "日照市人力资源和社会保障局"},
                "custom_rules": [
                    {
                        "id": "rizhao.project_codes",
                        "category": "c09_internal_unit",
                        "severity": "review",
                        "message": "发现内部项目代号“{term}”。",
                        "terms": ["海滨一号"],
                    }
                ],
            }
        )
    )
    found = scanner.scan("日照市人力资源与社会保障局启动海滨一号工程")
    assert [f.rule_id for f in found] == ["negative_list.wording", "rizhao.project_codes"]
    assert found[1].message == "发现内部项目代号“海滨一号”。"
    assert found[1].category is NegativeListCategory.INTERNAL_UNIT
    assert found[1].legal_basis is not None
    assert "干部档案工作条例" in found[1].legal_basis


def test_bureau_pattern_rule() -> None:
    """A custom pattern rule fires where its trigger is found and its expression matches there."""
    rule = {
        "id": "rizhao.case_numbers",
        "kind": "pattern",
        "category": "c07_case_file",
        "severity": "review",
        "message": "发现案件编号“{term}”。",
        "trigger": "日人社监",
        "pattern": "日人社监〔[0-9]{4}〕[0-9]+号",
    }
    scanner = Scanner(Settings.from_config({"custom_rules": [rule]}))
    (finding,) = scanner.scan("依据日人社监〔2019〕17号立案。")
    assert finding.message == "发现案件编号“日人社监〔2019〕17号”。"
    assert scanner.scan("日人社监督工作") == []


def test_config_file_is_merged_under_the_mapping(tmp_path: Path) -> None:
    """A TOML file named by ``config_file`` is read first; the mapping's lists are added to it."""
    path = tmp_path / "negative_list.toml"
    path.write_text(
        '[negative_list.allow]\nphones = ["0633-2231456"]\n\n[negative_list.corrections]\n"人社局局" = "人社局"\n',
        encoding="utf-8",
    )
    settings = Settings.from_config({"config_file": str(path), "allow": {"phones": ["13906331234"]}})
    scanner = Scanner(settings)
    assert scanner.scan("电话0633-2231456，手机13906331234") == []
    assert [f.rule_id for f in scanner.scan("人社局局")] == ["negative_list.wording"]


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"bogus": 1}, "bogus"),
        ({"allow": {"phones": "12333"}}, "allow.phones"),
        ({"allow": {"pets": []}}, "pets"),
        ({"rules": {"negative_list.nope": {}}}, "negative_list.nope"),
        ({"rules": {"negative_list.pii.mobile": {"terms": ["x"]}}}, "不按词表"),
        ({"rules": {"negative_list.process.draft": {"severity": "fatal"}}}, "fatal"),
        ({"submit_severity": "block"}, "submit_severity"),
        ({"custom_rules": [{"id": "x", "message": "m", "terms": ["a"], "category": "c99"}]}, "c99"),
        ({"custom_rules": [{"id": "x", "message": "{oops}", "terms": ["a"]}]}, "oops"),
        ({"custom_rules": [{"id": "negative_list.wording", "message": "m", "terms": ["a"]}]}, "重复"),
        ({"corrections": {"错": ""}}, "错"),
        ({"custom_rules": [{"id": "x", "kind": "pattern", "message": "m", "trigger": "a", "pattern": "("}]}, "pattern"),
        ({"custom_rules": [{"id": "x", "kind": "heading", "message": "m", "terms": ["a"]}]}, "keyword 或 pattern"),
        ({"config_file": "/nonexistent/negative_list.toml"}, "找不到"),
    ],
)
def test_bad_configuration_is_refused_in_chinese(config: dict[str, object], fragment: str) -> None:
    """Malformed configuration raises PluginError at set-up, naming the problem in Chinese."""
    with pytest.raises(PluginError) as info:
        Settings.from_config(config)
    assert fragment in info.value.message
    assert re.search(r"[\u4e00-\u9fff]", info.value.message)


def test_bad_toml_file_is_refused(tmp_path: Path) -> None:
    """A config file that is not TOML is a PluginError, not a traceback."""
    path = tmp_path / "bad.toml"
    path.write_text("allow = [", encoding="utf-8")
    with pytest.raises(PluginError, match="TOML"):
        Settings.from_config({"config_file": str(path)})


# --- robustness ------------------------------------------------------------------------------


@settings(max_examples=300)
@given(st.text())
def test_scan_never_crashes_on_arbitrary_unicode(text: str) -> None:
    """Any text scans without error; spans lie inside it and findings come in order."""
    findings = _SHARED.scan(text)
    starts = [f.span[0] for f in findings if f.span]
    assert starts == sorted(starts)
    for finding in findings:
        assert finding.span is not None
        assert 0 <= finding.span[0] < finding.span[1] <= len(text)


_ALPHABET = st.sampled_from(list("0123456789 -X@.a（）★秘密机此件不予公开内部资料的请示\n：举报人张某"))


@settings(max_examples=300)
@given(st.text(_ALPHABET, max_size=80))
def test_scan_never_crashes_on_adversarial_mixtures(text: str) -> None:
    """Texts made of the scanners' own trigger characters scan without error."""
    for finding in _SHARED.scan(text):
        assert finding.span is not None
        assert 0 <= finding.span[0] < finding.span[1] <= len(text)


@given(st.lists(st.integers(0, 10**17 - 1), min_size=1, max_size=5))
def test_valid_ids_embedded_in_prose_are_always_found(seeds: list[int]) -> None:
    """Every valid ID number written into prose is found, and its excerpt never shows it."""
    numbers = []
    for seed in seeds:
        first17 = f"37110219{seed % 50 + 50:02d}0101{seed % 1000:03d}"
        numbers.append(first17 + v.id18_check_char(first17))
    text = "。".join(f"申请人身份证号{n}，符合条件" for n in numbers)
    findings = [f for f in _SHARED.scan(text) if f.rule_id == "negative_list.pii.id_card"]
    assert len(findings) == len(numbers)
    for finding, number in zip(findings, numbers, strict=True):
        assert finding.excerpt is not None
        assert number not in finding.excerpt


def _comparable(text: str, shift: int) -> list[tuple[str, int, int]]:
    return [
        (f.rule_id, f.span[0] - shift, f.span[1] - shift)
        for f in _SHARED.scan(text)
        if f.span and f.rule_id != "negative_list.secrecy.copy_number"
    ]


@settings(max_examples=200)
@given(st.text(_ALPHABET, max_size=80) | st.text(max_size=80))
def test_astral_characters_take_the_str_path_with_the_same_results(text: str) -> None:
    """A character outside the BMP switches off the UTF-16 byte search; findings stay the same."""
    assert _comparable("😀\n" + text, 2) == _comparable(text, 0)


def test_spans_are_character_offsets_after_an_emoji() -> None:
    """Spans count characters, not bytes or UTF-16 units, also after a character outside the BMP."""
    text = "😀𠀀内部资料，身份证号371102198503121234"
    spans = {f.rule_id: f.span for f in _SHARED.scan(text)}
    assert spans["negative_list.internal.marker"] == (2, 6)
    assert spans["negative_list.pii.id_card"] == (11, 29)


def test_pathological_inputs_scan_in_linear_time() -> None:
    """Long runs of e-mail characters, digits or ★ do not make the scan quadratic."""
    for text in ("a" * 200_000 + "@", "1" * 200_000, "12 " * 100_000, "★" * 200_000, "秘密" * 100_000, "@" * 200_000):
        started = time.perf_counter()
        list(_SHARED.scan(text))  # the findings built too
        assert time.perf_counter() - started < 2.0


def test_a_number_after_a_long_run_of_digits_is_still_found() -> None:
    """A run of digits is not cut after 41 of them: what follows a long run and a space is a number of its own."""
    for number, rule_id in (
        ("13812345678", "negative_list.pii.mobile"),
        ("371102198503121234", "negative_list.pii.id_card"),
    ):
        for noise in ("1" * 45 + " ", "1" * 41 + " ", "12 " * 30):
            assert rule_id in {f.rule_id for f in _SHARED.scan(f"编号{noise}{number}。")}, (noise, number)


_SHARED = Scanner()


def test_the_garbage_collector_runs_again_after_a_scan() -> None:
    """Scanning pauses the collector (it frees nothing there) and leaves it as the caller had it."""
    scanner = Scanner()
    text = "申请人身份证号：371102198503121234"
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested: the inner end does not turn it back on
            assert scanner.scan(text)
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:  # a caller that turned it off keeps it off
        assert scanner.scan(text)
        assert not gc.isenabled()
    finally:
        gc.enable()
