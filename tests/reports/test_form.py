"""The review form (附件2) of an item, checked field by field against its audit trail, and its .docx and HTML."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from docx import Document

from gongkai_flow import Action, DisclosureAttribute, Flow, InfoSource, Platform, Role
from gongkai_flow.deadlines import BUREAU_TZ
from gongkai_flow.errors import ItemNotFoundError
from gongkai_flow.reports.form import FORM_ROLES, form_docx, form_html, review_form

from .conftest import PEOPLE, Clock, Seeded, new_flow

ID_BODY = "经审核，刘建国（身份证号371102198503121234）符合一次性创业补贴发放条件，现予公示。"
RULE = "negative_list.pii.id_card"


def _local(moment: datetime) -> datetime:
    return moment.astimezone(BUREAU_TZ)


def test_signatures_match_the_audit_trail(seeded: Seeded) -> None:
    """Each signature line carries the signed audit entry's name, section, time, decision and opinion."""
    item_id = seeded.ids["p2"]
    form = review_form(seeded.flow, item_id)
    trail = [e for e in seeded.flow.audit(item_id) if e.signed]
    assert [s.role for s in form.signatures] == list(FORM_ROLES)
    for line in form.signatures:
        (entry,) = [e for e in trail if e.role is line.role]
        assert (line.actor_name, line.section, line.at, line.decision, line.opinion) == (
            entry.actor_name,
            entry.section,
            entry.at,
            entry.decision,
            entry.opinion or "",
        )
    assert form.signature(Role.ATTRIBUTE_REVIEWER)[0].actor_name == "李华"
    assert form.signature(Role.ATTRIBUTE_REVIEWER)[0].opinion == "不涉密，同意主动公开"
    assert form.signature(Role.LEADER)[0].opinion == "同意发布"
    assert form.signature(Role.PUBLISHER)[0].actor_name == "陈静"
    assert form.legal_opinion == "同意"
    assert form.upload_date == date(2025, 3, 3)
    assert form.filled_on == date(2025, 3, 3)


def test_check_boxes_come_from_the_item(seeded: Seeded) -> None:
    """信息来源, 是否涉密, 公开属性, 发布平台, 法律法规核查意见 and 发布栏目 are ticked from the item."""
    item = seeded.flow.get(seeded.ids["p2"])
    form = review_form(seeded.flow, item.id)
    assert (form.source, form.classified, form.attribute) == (
        InfoSource.OWN,
        False,
        DisclosureAttribute.PROACTIVE,
    )
    assert form.row() == (
        "1",
        item.title,
        "√",
        "",
        "",
        "否",
        "√",
        "",
        "",
        "√",
        "",
        "",
        "√",
        "",
        "政策文件",
    )


def test_returned_by_legal_review_shows_disagreement_and_unsigned_lines() -> None:
    """An item returned by 法律法规审核人 shows 不同意 with the return's opinion; later lines stay empty."""
    clock = Clock()
    clock.at(date(2025, 5, 6))
    flow = new_flow(clock)
    item = flow.draft(
        PEOPLE["zhangmin"],
        title="关于转载省厅通知的说明",
        kind="通知公告",
        body="转载。",
        source=InfoSource.REPRINT,
        source_name="山东省人力资源和社会保障厅",
        attribute=DisclosureAttribute.PROACTIVE,
        platforms=[Platform.WEBSITE, Platform.NEW_MEDIA],
        column="通知公告",
    )
    flow.submit(item.id, PEOPLE["zhangmin"])
    flow.approve(item.id, PEOPLE["lihua"], "同意")
    flow.return_item(item.id, PEOPLE["wangfang"], "引用的文件已废止，请核实")
    form = review_form(flow, item.id)
    assert form.legal_opinion == "不同意"
    (legal,) = form.signature(Role.LEGAL_REVIEWER)
    assert (legal.actor_name, legal.decision, legal.opinion) == ("王芳", "退回", "引用的文件已废止，请核实")
    assert not form.signature(Role.SECTION_HEAD)[0].signed
    assert not form.signature(Role.PUBLISHER)[0].signed
    assert form.upload_date is None
    assert form.row()[2:5] == ("", "√（山东省人力资源和社会保障厅）", "")
    assert form.row()[9:14] == ("√", "√", "", "", "√")
    flow.close()


def test_overrides_are_shown() -> None:
    """A negative-list finding let pass by 李华 appears on the form with its rule, reason, signer and time."""
    clock = Clock()
    clock.at(date(2025, 5, 6))
    flow = new_flow(clock, plugins=["negative_list"])
    item = flow.draft(
        PEOPLE["zhangmin"],
        title="关于公布一次性创业补贴人员名单的公示",
        kind="通知公告",
        body=ID_BODY,
        attribute=DisclosureAttribute.PROACTIVE,
        column="通知公告",
    )
    flow.submit(item.id, PEOPLE["zhangmin"])
    reason = "当事人书面同意公开其身份信息"
    flow.fire(item.id, Action.APPROVE, PEOPLE["lihua"], opinion="同意主动公开", overrides={RULE: reason})
    form = review_form(flow, item.id)
    (override,) = form.overrides
    assert (override.rule_id, override.reason, override.actor_name, override.stage) == (
        RULE,
        reason,
        "李华",
        "attribute_review",
    )
    assert override.current
    assert override.at == clock.now
    html = form_html(form)
    assert "负面清单检查放行记录" in html
    assert reason in html
    flow.close()


def test_html_is_laid_out_like_the_attachment(seeded: Seeded) -> None:
    """The HTML page has 附件2's title, headers, signature lines, upload date and notes."""
    form = review_form(seeded.flow, seeded.ids["p2"])
    page = form_html(form)
    assert "日照市人力资源和社会保障局政府信息公开及合规性审核表" in page
    for label in ("信息来源", "转载信息（注明转载来源）", "保密及公开属性意见", "法律法规核查意见", "发布栏目"):
        assert label in page
    for role in FORM_ROLES:
        assert role.label in page
    assert "上传日期" in page
    assert "2025年3月3日" in page
    assert "行政许可科（12333）" in page


def test_docx_reopens_with_the_same_fields(seeded: Seeded, tmp_path: Path) -> None:
    """The .docx, opened again with python-docx, has the header table row and every signature."""
    form = review_form(seeded.flow, seeded.ids["p2"])
    path = form_docx(form, tmp_path / "form.docx")
    doc = Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "日照市人力资源和社会保障局政府信息公开及合规性审核表" in text
    assert "填表日期：2025年3月3日" in text
    header, signatures = doc.tables[0], doc.tables[1]
    assert header.cell(0, 2).text == "信息来源"
    assert header.cell(1, 2).text == "本机关制发信息"
    assert [c.text for c in header.rows[2].cells] == list(form.row())
    rows = [[c.text for c in r.cells] for r in signatures.rows[1:]]
    for line, row in zip(form.signatures, rows, strict=False):
        assert row[0] == f"{line.role.label}："
        assert row[1] == line.actor_name
        assert line.at is not None
        assert row[3] == _local(line.at).strftime("%Y-%m-%d %H:%M")
        assert row[5] == line.opinion
    assert rows[-1][0] == "上传日期："
    assert rows[-1][1] == "2025年3月3日"


def test_unknown_item_is_refused(seeded: Seeded) -> None:
    """Asking for the form of an unknown item raises ItemNotFoundError."""
    with pytest.raises(ItemNotFoundError):
        review_form(seeded.flow, "nope")


def test_form_of_a_draft_is_unsigned() -> None:
    """A just-drafted item's form has every line empty and no 法律法规核查意见 yet."""
    flow = Flow()
    item = flow.draft(PEOPLE["zhangmin"], title="通知", kind="通知公告", body="正文。", attribute="主动公开")
    form = review_form(flow, item.id)
    assert not any(s.signed for s in form.signatures)
    assert form.legal_opinion == ""
    flow.close()
