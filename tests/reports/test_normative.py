"""是否行政规范性文件: stated on a 政策文件, validated, shown on the form and the ledger, and counted by 表二."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from docx import Document

from gongkai_flow import ItemKind
from gongkai_flow.errors import InvalidFieldError
from gongkai_flow.model import DisclosureItem, compute_content_hash
from gongkai_flow.reports.annual import annual_report
from gongkai_flow.reports.form import form_docx, form_html, review_form
from gongkai_flow.reports.ledger import LEDGER_COLUMNS, ledger_rows

from .conftest import PEOPLE, Clock, Seeded, new_flow, publish


def _year_with(*normative: bool | None) -> Seeded:
    clock = Clock()
    seed = Seeded(new_flow(clock, dispatch=False), clock)
    for n, flag in enumerate(normative):
        publish(seed, f"p{n}", date(2025, 3, 3 + n), normative=flag)
    return seed


@pytest.mark.parametrize(
    ("flags", "counted"),
    [((True,), 1), ((False,), 0), ((None,), 0), ((True, False, None, True), 2)],
)
def test_table2_counts_only_normative_policies(flags: tuple[bool | None, ...], counted: int) -> None:
    """A 非规范性文件 and a 政策文件 not stated are published but not counted as 行政规范性文件."""
    seed = _year_with(*flags)
    row = annual_report(seed.flow, 2025).table2.row("normative")
    assert row.values == (counted, 0, counted)
    seed.flow.close()


def test_only_a_policy_document_states_it() -> None:
    """Stating 是否行政规范性文件 on another kind is refused at the form's boundary, naming the field."""
    clock = Clock()
    flow = new_flow(clock, dispatch=False)
    with pytest.raises(InvalidFieldError) as caught:
        flow.draft(
            PEOPLE["zhangmin"],
            title="关于举办招聘会的通知",
            kind=ItemKind.NOTICE,
            body="……",
            attribute="主动公开",
            normative=False,
        )
    assert caught.value.details["field"] == "normative"
    assert "只对政策文件填写" in str(caught.value)
    item = flow.draft(
        PEOPLE["zhangmin"], title="关于调整标准的通知", kind=ItemKind.POLICY_DOCUMENT, body="……", attribute="主动公开"
    )
    with pytest.raises(InvalidFieldError):
        flow.edit(item.id, PEOPLE["zhangmin"], normative="是")  # not a bool
    with pytest.raises(InvalidFieldError):
        flow.edit(item.id, PEOPLE["zhangmin"], kind=ItemKind.NEWS, normative=True)
    assert flow.edit(item.id, PEOPLE["zhangmin"], normative=True).normative is True
    flow.close()


def test_it_is_content_so_changing_it_voids_approvals() -> None:
    """The flag is part of the content hash: 是, 否 and not stated all hash apart."""
    base = DisclosureItem(id="x", title="t", kind=ItemKind.POLICY_DOCUMENT, body="b", drafter_id="d", sections=("s",))
    yes, no = (DisclosureItem(**{**base.__dict__, "normative": f}) for f in (True, False))
    hashes = {compute_content_hash(i) for i in (base, yes, no)}
    assert len(hashes) == 3


def test_form_and_ledger_show_it(tmp_path: Path) -> None:
    """The review form (HTML and .docx) and the ledger say 是, 否 or 未填写 for a 政策文件; nothing otherwise."""
    seed = _year_with(True, False, None)
    flow = seed.flow
    lines = [review_form(flow, seed.ids[k]).normative_line() for k in ("p0", "p1", "p2")]
    assert lines == ["是否行政规范性文件：是", "是否行政规范性文件：否", "是否行政规范性文件：未填写"]
    assert "是否行政规范性文件：是" in form_html(review_form(flow, seed.ids["p0"]))
    path = form_docx(review_form(flow, seed.ids["p1"]), tmp_path / "form.docx")
    assert "是否行政规范性文件：否" in [p.text for p in Document(str(path)).paragraphs]
    rows = {
        r[1]: dict(zip(LEDGER_COLUMNS, r, strict=True)) for r in ledger_rows(flow, date(2025, 1, 1), date(2025, 12, 31))
    }
    assert [rows[seed.ids[k]]["是否规范性文件"] for k in ("p0", "p1", "p2")] == ["是", "否", "未填写"]
    news = flow.draft(PEOPLE["zhangmin"], title="新闻", kind=ItemKind.NEWS, body="……", attribute="主动公开")
    assert review_form(flow, news.id).normative_line() == ""
    assert "是否行政规范性文件" not in form_html(review_form(flow, news.id))
    flow.close()
