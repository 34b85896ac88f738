"""The negative list as data: the eleven categories of 附件1 and the shipped rules."""

from __future__ import annotations

import re

import pytest

from gongkai_flow import Actor, DisclosureAttribute, Flow, ItemKind, NegativeListCategory, Severity
from gongkai_flow.errors import WithheldCategoryRequiredError
from gongkai_flow.plugins.negative_list import RuleKind, builtin_rules, category, load_categories, rules_version

from .conftest import SEED_COPY, FlowFactory

_CJK = re.compile(r"[\u4e00-\u9fff]")


def _squash(text: str) -> str:
    """Text without whitespace and with Chinese commas, to compare quotes with the scanned seed."""
    return re.sub(r"\s+", "", text).replace(",", "，").replace(";", "；").replace(":", "：")


def test_eleven_categories_match_the_model_enum_in_order() -> None:
    """The shipped categories are exactly NegativeListCategory's members, in the order of 附件1."""
    assert [c.id for c in load_categories()] == list(NegativeListCategory)
    assert [c.number for c in load_categories()] == [f"（{n}）" for n in "一二三四五六七八九十"] + ["（十一）"]


@pytest.mark.parametrize("cat", load_categories(), ids=lambda c: c.id.value)
def test_category_name_is_quoted_from_the_seed(cat: object) -> None:
    """Each category's name and description appear in 附件1 of the seed document."""
    from gongkai_flow.plugins.negative_list import Category

    assert isinstance(cat, Category)
    seed = _squash(SEED_COPY.read_text(encoding="utf-8"))
    assert _squash(cat.name) in seed
    assert _squash(cat.description).rstrip("。") in seed


@pytest.mark.parametrize("cat", load_categories(), ids=lambda c: c.id.value)
def test_every_quoted_legal_basis_is_in_the_seed(cat: object) -> None:
    """Every legal basis text the data quotes is verbatim in the seed; every category has a basis."""
    from gongkai_flow.plugins.negative_list import Category

    assert isinstance(cat, Category)
    seed = _squash(SEED_COPY.read_text(encoding="utf-8"))
    assert cat.bases
    for basis in cat.bases:
        assert basis.citation.startswith(("《", "国务院办公厅《"))
        if basis.text:
            assert _squash(basis.text) in seed, basis.citation


def test_category_lookup_by_id_and_value() -> None:
    """``category()`` finds a category by enum member or by its id string."""
    assert category("c06_petition") is category(NegativeListCategory.PETITION)
    assert "信访" in category(NegativeListCategory.PETITION).name
    with pytest.raises(KeyError, match="c99"):
        category("c99")


def test_rule_ids_are_unique_and_point_to_known_categories() -> None:
    """Shipped rules have unique ids, a version, a Chinese message and a legal basis."""
    rules = builtin_rules()
    assert len({r.id for r in rules}) == len(rules)
    for rule in rules:
        assert rule.id.startswith("negative_list.")
        assert rule.version
        assert _CJK.search(rule.message)
        assert rule.basis
    assert rules_version()


def test_every_detectable_category_has_a_rule() -> None:
    """Every category a text can show has an enabled rule; 需加工 c05 none; 其他 c11 one the bureau fills."""
    covered = {r.category for r in builtin_rules() if r.category is not None and r.enabled}
    missing = set(NegativeListCategory) - covered
    assert missing == {NegativeListCategory.REQUIRES_PROCESSING, NegativeListCategory.OTHER_PROHIBITED}
    other = [r for r in builtin_rules() if r.category is NegativeListCategory.OTHER_PROHIBITED]
    assert [(r.id, r.terms, r.enabled) for r in other] == [("negative_list.other_law", (), False)]


def test_other_law_list_is_the_bureaus() -> None:
    """（十一）: empty by default; a bureau's words, once enabled, are found."""
    from gongkai_flow.plugins.negative_list import Scanner, Settings

    text = "本通知涉及统计调查对象的原始资料。"
    assert Scanner().scan(text) == []
    settings = Settings.from_config(
        {"rules": {"negative_list.other_law": {"terms": ["统计调查对象的原始资料"], "enabled": True}}}
    )
    found = Scanner(settings).scan(text)
    assert [(f.rule_id, f.category) for f in found] == [
        ("negative_list.other_law", NegativeListCategory.OTHER_PROHIBITED)
    ]


def test_petition_prose_is_flagged_for_review() -> None:
    """来信人…反映, 举报人王某举报: review findings of （六）; the protection clause is not."""
    from gongkai_flow.plugins.negative_list import Scanner

    scanner = Scanner()
    for text in ("来信人张某某反映其单位拖欠工资。", "举报人王某举报某公司未缴社保。", "投诉人称其未领到补贴。"):
        found = [f for f in scanner.scan(text) if f.rule_id == "negative_list.petition.prose"]
        assert found, text
        assert found[0].category is NegativeListCategory.PETITION
        assert not found[0].blocking
    assert not [
        f
        for f in scanner.scan("举报人的合法权益受法律保护，对举报人信息严格保密。")
        if f.rule_id.startswith("negative_list.petition")
    ]


def test_personal_numbers_block_and_process_drafts_only_ask_for_review() -> None:
    """Severities follow docs/legal-basis.md#markers: PII and 密级 block; 过程稿 and 内部管理 ask for review."""
    by_id = {r.id: r for r in builtin_rules()}
    assert by_id["negative_list.pii.id_card"].severity is Severity.BLOCK
    assert by_id["negative_list.secrecy.marking"].severity is Severity.BLOCK
    assert by_id["negative_list.process.draft"].severity is Severity.REVIEW
    assert by_id["negative_list.internal_management.title"].severity is Severity.REVIEW
    assert by_id["negative_list.wording"].kind is RuleKind.CORRECTION


def test_withheld_item_needs_one_of_the_eleven_categories(make_flow: FlowFactory, people: dict[str, Actor]) -> None:
    """Marking an item 不予公开 requires a category, and any of the data's category ids is accepted."""
    flow: Flow = make_flow()
    with pytest.raises(WithheldCategoryRequiredError):
        flow.draft(
            people["zhangmin"],
            title="关于机关内设科室工作分工的通知",
            kind=ItemKind.OTHER,
            body="……",
            attribute=DisclosureAttribute.WITHHELD,
            platforms=[],
            withheld_reason="单位内部信息",
        )
    for cat in load_categories():
        item = flow.draft(
            people["zhangmin"],
            title=f"不予公开信息（{cat.number}）",
            kind=ItemKind.OTHER,
            body="……",
            attribute=DisclosureAttribute.WITHHELD,
            platforms=[],
            withheld_category=cat.id.value,
            withheld_reason=cat.name,
        )
        assert item.withheld_category is cat.id
