"""答复告知书: the reply letter of an answered application, read back from the .docx it writes."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import attrs
import pytest
from docx import Document

import gongkai_flow
from gongkai_flow.bureau import load_bureau
from gongkai_flow.reports.letters import (
    LAW,
    PROCESSING_BASIS,
    PROCESSING_CATEGORY,
    LetterNotReadyError,
    letter_docx,
    letter_html,
    reply_letter,
)
from gongkai_flow.requests import ApplicantType, Application, Channel, DenyReason, ReplyCategory
from gongkai_flow.storage.database import Database
from gongkai_flow.testing import run_cli

#: 20 September 2019, 10:00 in Beijing.
SEPT20 = datetime(2019, 9, 20, 2, 0, tzinfo=UTC)

BASE = Application(
    id="YSQ-2019-001",
    applicant_name="王某",
    applicant_type=ApplicantType.NATURAL_PERSON,
    contact="13800000000",
    description="2019年就业补贴发放的研究讨论记录",
    channel=Channel.IN_PERSON,
    received_on=date(2019, 9, 2),
)


def answered(category: ReplyCategory, replied: datetime, deny: DenyReason | None = None) -> Application:
    """An application answered on ``replied`` (UTC) without a stored remedy: the letter works it out."""
    return attrs.evolve(BASE, state="replied", reply_category=category, deny_reason=deny, replied_at=replied)


def paragraphs(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def test_a_refusal_of_process_information_before_2024(tmp_path: Path) -> None:
    # 2019-09-19 17:00 UTC is 20 September in Beijing.
    app = answered(ReplyCategory.DENY, datetime(2019, 9, 19, 17, 0, tzinfo=UTC), DenyReason.PROCESS)
    out = letter_docx(reply_letter(app), tmp_path / "letter.docx")
    text = paragraphs(out)
    assert text[0] == "政府信息公开申请答复告知书"
    assert text[1] == "编号：YSQ-2019-001"
    assert text[2] == "王某："
    assert text[3] == "本机关于2019年9月2日收到您提出的政府信息公开申请，申请获取“2019年就业补贴发放的研究讨论记录”。"
    assert text[4] == (
        "经审查，您申请获取的政府信息属于行政机关在履行行政管理职能过程中形成的讨论记录、过程稿、磋商信函、"
        "请示报告等过程性信息。根据《中华人民共和国政府信息公开条例》第十六条第二款、第三十六条第三项的规定，"
        "本机关决定不予公开。"
    )
    assert text[5] == (
        "如对本答复不服，可以自收到本答复之日起60日内向日照市人民政府申请行政复议，"
        "或者在6个月内向有管辖权的人民法院提起行政诉讼。"
    )
    assert text[-2:] == ["日照市人力资源和社会保障局", "2019年9月20日"]


def test_a_refusal_from_2024_goes_to_review_first(tmp_path: Path) -> None:
    app = answered(ReplyCategory.DENY, datetime(2024, 1, 2, 2, 0, tzinfo=UTC), DenyReason.THIRD_PARTY)
    letter = reply_letter(app)
    assert letter.review_first
    assert letter.grounds == ("第十五条", "第三十六条第三项")
    text = paragraphs(letter_docx(letter, tmp_path / "l.docx"))
    assert text[5] == (
        "如对本答复不服，可以自收到本答复之日起60日内向日照市人民政府申请行政复议；"
        "对行政复议决定不服的，可以依法向有管辖权的人民法院提起行政诉讼。"
    )
    assert text[-1] == "2024年1月2日"


def test_a_disclosure_keeps_the_choice_of_remedy_after_2024() -> None:
    letter = reply_letter(answered(ReplyCategory.DISCLOSE, datetime(2024, 3, 1, 2, 0, tzinfo=UTC)))
    assert not letter.review_first
    assert "或者在6个月内" in letter.paragraphs[-2]
    assert f"根据{LAW}第三十六条第二项的规定" in letter.paragraphs[1]


def test_a_petition_is_told_where_to_go(tmp_path: Path) -> None:
    letter = reply_letter(answered(ReplyCategory.PETITION, SEPT20))
    assert "第三十九条第一款" in letter.paragraphs[1]
    assert "不作为政府信息公开申请处理" in letter.paragraphs[1]
    channels = letter.paragraphs[2]
    assert "信访事项" in channels
    assert "投诉事项" in channels
    assert "举报事项" in channels
    custom = reply_letter(
        answered(ReplyCategory.PETITION, SEPT20),
        channels={"投诉": "拨打本局监督电话0633-0000000"},
    )
    assert "投诉事项，请拨打本局监督电话0633-0000000" in custom.paragraphs[2]


def test_a_reply_needing_processing_cites_category_five_and_its_basis(tmp_path: Path) -> None:
    """A 第三十八条 reply rests on category （五） of 附件1 too, with the basis 附件1 cites, in the letter."""
    letter = reply_letter(answered(ReplyCategory.NEEDS_PROCESSING, SEPT20))
    assert letter.grounds == ("第三十八条",)
    assert letter.list_category == "（五）需汇总、分析、加工或重新制作的政府信息"
    assert letter.list_basis == (
        "《山东省政府信息公开办法》第十条第二款",
        "国务院办公厅《关于做好政府信息依申请公开工作的意见》（国办发〔2010〕5号）第二条第三项",
    )
    text = paragraphs(letter_docx(letter, tmp_path / "l.docx"))
    assert text[4] == (
        "经审查，您申请获取的政府信息需要本机关对现有政府信息进行加工、分析。"
        "根据《中华人民共和国政府信息公开条例》第三十八条的规定，本机关不予提供。"
    )
    assert text[5].startswith(
        "您申请获取的信息属于本机关政府信息公开负面清单第（五）类“需汇总、分析、加工或重新制作的政府信息”。"
    )
    assert (
        "《山东省政府信息公开办法》第十条第二款规定：“行政机关一般不承担为申请人汇总、加工或者重新制作政府信息"
        in text[5]
    )
    assert "（国办发〔2010〕5号）第二条第三项规定：“行政机关向申请人提供的政府信息，应当是现有的" in text[5]
    assert text[6].startswith("如对本答复不服")
    assert "负面清单第（五）类" in letter_html(letter)


@pytest.mark.parametrize("category", [c for c in ReplyCategory if c is not ReplyCategory.NEEDS_PROCESSING])
def test_no_other_reply_cites_the_negative_list(category: ReplyCategory) -> None:
    deny = DenyReason.PROCESS if category is ReplyCategory.DENY else None
    letter = reply_letter(answered(category, SEPT20, deny))
    assert (letter.list_category, letter.list_basis) == ("", ())
    assert not any("负面清单" in p for p in letter.paragraphs)


def test_category_five_is_quoted_as_the_negative_list_states_it() -> None:
    """The letter's words for （五） and its basis are the negative list's own data, word for word."""
    data = Path(gongkai_flow.__file__).parent / "plugins" / "negative_list" / "data" / "categories.toml"
    (five,) = [c for c in tomllib.loads(data.read_text(encoding="utf-8"))["category"] if c["id"] == "c05_processing"]
    assert (five["number"], five["name"]) == PROCESSING_CATEGORY
    for (citation, text), basis in zip(PROCESSING_BASIS, five["basis"], strict=True):
        assert citation == basis["citation"]
        assert basis["text"].startswith(text)


@pytest.mark.parametrize("category", list(ReplyCategory))
def test_every_category_cites_an_article_in_chinese_numerals(category: ReplyCategory) -> None:
    deny = DenyReason.STATE_SECRET if category is ReplyCategory.DENY else None
    letter = reply_letter(answered(category, datetime(2020, 5, 6, 2, 0, tzinfo=UTC), deny))
    assert letter.grounds
    assert all(g.startswith("第") and not any(ch.isdigit() for ch in g) for g in letter.grounds)
    assert LAW in letter.paragraphs[1]


def test_an_organisation_is_addressed_as_such() -> None:
    app = attrs.evolve(answered(ReplyCategory.DISCLOSE, SEPT20))
    app = attrs.evolve(app, applicant_type=ApplicantType.COMMERCIAL, applicant_name="某某有限公司")
    letter = reply_letter(app)
    assert letter.paragraphs[0].startswith("本机关于2019年9月2日收到贵单位提出")


def test_the_bureau_signs(tmp_path: Path) -> None:
    config = tmp_path / "bureau.toml"
    config.write_text(
        '[bureau]\nname = "某某市医疗保障局"\ncredit_code = "91350100M000100Y43"\n'
        '[remedy]\nreview_body = "某某市人民政府"\ncourt = "某某区人民法院"\n',
        encoding="utf-8",
    )
    letter = reply_letter(
        answered(ReplyCategory.NOT_EXIST, datetime(2024, 6, 1, 2, 0, tzinfo=UTC)), load_bureau(config)
    )
    assert letter.signature == "某某市医疗保障局"
    assert "向某某市人民政府申请行政复议" in letter.paragraphs[-2]
    assert "向某某区人民法院提起行政诉讼" in letter.paragraphs[-2]


def test_the_stored_remedy_is_the_one_printed() -> None:
    """What the applicant was told on the reply day is what the letter repeats."""
    app = attrs.evolve(answered(ReplyCategory.DISCLOSE, SEPT20), remedy="原答复中的救济途径。")
    assert reply_letter(app).paragraphs[-2] == "原答复中的救济途径。"


def test_html_is_escaped_and_complete() -> None:
    app = attrs.evolve(answered(ReplyCategory.DISCLOSE, SEPT20), applicant_name="<王某>")
    page = letter_html(reply_letter(app))
    assert "&lt;王某&gt;：" in page
    assert "<王某>" not in page
    assert "2019年9月20日" in page
    assert "日照市人力资源和社会保障局" in page


def test_an_unanswered_application_has_no_letter() -> None:
    with pytest.raises(LetterNotReadyError) as info:
        reply_letter(BASE)
    assert info.value.code == "request.letter_not_ready"


ACTORS = """
[[actors]]
id = "zhaoli"
name = "赵丽"
section = "局办公室"
roles = ["request_officer"]
"""


def test_gongkai_requests_letter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "cli.db")
    Database(db).close()
    people = tmp_path / "actors.toml"
    people.write_text(ACTORS, encoding="utf-8")
    steps = [
        ("actors", "import", "--db", db, str(people)),
        ("requests", "register", "--db", db, "--actor", "zhaoli", "--id", "YSQ-2024-007", "--applicant", "王某",
         "--contact", "13800000000", "--description", "某项目的请示报告", "--channel", "in_person",
         "--received", "2024-03-04", "--now", "2024-03-04T10:00"),
        ("requests", "act", "--db", db, "YSQ-2024-007", "accept", "--actor", "zhaoli", "--now", "2024-03-04T11:00"),
        ("requests", "act", "--db", db, "YSQ-2024-007", "reply", "--actor", "zhaoli", "--category", "a3_deny",
         "--deny-reason", "process", "--now", "2024-03-20T10:00"),
    ]  # fmt: skip
    for args in steps:
        assert run_cli(*args) == 0, capsys.readouterr().err
    out_file = tmp_path / "letter.docx"
    assert run_cli("requests", "letter", "--db", db, "YSQ-2024-007", "--format", "docx", "-o", str(out_file)) == 0
    text = paragraphs(out_file)
    assert "第十六条第二款、第三十六条第三项" in text[4]
    assert "对行政复议决定不服的" in text[5]
    assert text[-1] == "2024年3月20日"
    html_file = tmp_path / "letter.html"
    assert run_cli("requests", "letter", "--db", db, "YSQ-2024-007", "--format", "html", "-o", str(html_file)) == 0
    assert "第十六条第二款" in html_file.read_text(encoding="utf-8")
    capsys.readouterr()
    assert run_cli("requests", "letter", "--db", db, "NOPE", "-o", str(out_file)) != 0
    assert "Traceback" not in capsys.readouterr().err
