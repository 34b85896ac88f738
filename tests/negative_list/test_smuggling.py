"""Smuggling: a checksum-valid ID number, a 密级 marking or a 不予公开 label hidden every way we know.

Each case builds one file and asserts that reading and scanning it gives a blocking finding of
the rule for what was hidden (not merely "unreadable"), located where it was hidden.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gongkai_flow.plugins.negative_list import Scanner, read_document, scan_document

from .fixtures import ID, ID_X, docx, paragraph, pdf, word_part, xlsx

ID_RULE = "negative_list.pii.id_card"
MARKING = "negative_list.secrecy.marking"
LABEL = "negative_list.label.conflict"

ZW = "\u200b"
PROSE = "经审核，以下人员符合补贴发放条件，现予公示。"


def _spread(number: str, sep: str) -> str:
    return sep.join(number)


def _digits(number: str, zero: int) -> str:
    return "".join(chr(zero + int(c)) if c.isdigit() else c for c in number)


def _text(body: str, encoding: str = "utf-8") -> Callable[[], bytes]:
    return lambda: f"{PROSE}\n{body}\n公示期五个工作日。\n".encode(encoding)


def _html(markup: str) -> Callable[[], bytes]:
    return lambda: f"<!DOCTYPE html><html><body><h1>公示</h1>{markup}<p>{PROSE}</p></body></html>".encode()


_PARA = paragraph(PROSE)

CASES: dict[str, tuple[str, Callable[[], bytes], str, str]] = {
    # -- noise forms in plain text --------------------------------------------------------
    "plain": ("公示.txt", _text(f"刘某某 {ID}"), ID_RULE, "text"),
    "spaced_digits": ("公示.txt", _text(_spread(ID, " ")), ID_RULE, "text"),
    "dotted_groups": ("公示.txt", _text("371102.19900101.1232"), ID_RULE, "text"),
    "hyphen_groups": ("公示.txt", _text("371102-19900101-1232"), ID_RULE, "text"),
    "slash_groups": ("公示.txt", _text("371102/19900101/1232"), ID_RULE, "text"),
    "middle_dots": ("公示.txt", _text("371102·1990·0101·1232"), ID_RULE, "text"),
    "line_break": ("公示.txt", _text("身份证号3711021990\n01011232"), ID_RULE, "text"),
    "crlf_break": ("公示.txt", _text("身份证号371102\r\n199001011232"), ID_RULE, "text"),
    "zero_width_spaces": ("公示.txt", _text(_spread(ID, ZW)), ID_RULE, "text"),
    "word_joiners": ("公示.txt", _text(_spread(ID, "\u2060\u200d")), ID_RULE, "text"),
    "soft_hyphens": ("公示.txt", _text(_spread(ID, "\xad")), ID_RULE, "text"),
    "bidi_marks": ("公示.txt", _text(_spread(ID, "\u200e")), ID_RULE, "text"),
    "bom_inside": ("公示.txt", _text("3711\ufeff0219900101\ufeff1232"), ID_RULE, "text"),
    "full_width_digits": ("公示.txt", _text(_digits(ID, 0xFF10)), ID_RULE, "text"),
    "full_width_spaced": ("公示.txt", _text("３７１１０２　１９９００１０１　１２３２"), ID_RULE, "text"),
    "arabic_indic_digits": ("公示.txt", _text(_digits(ID, 0x0660)), ID_RULE, "text"),
    "persian_digits": ("公示.txt", _text(_digits(ID, 0x06F0)), ID_RULE, "text"),
    "devanagari_digits": ("公示.txt", _text(_digits(ID, 0x0966)), ID_RULE, "text"),
    "mixed_scripts_and_noise": ("公示.txt", _text("٣٧١１０2" + ZW + " 19900101-1232"), ID_RULE, "text"),
    "check_character_x": ("公示.txt", _text(_spread(ID_X, " ")), ID_RULE, "text"),
    "among_other_numbers": ("公示.txt", _text("2023.01.05 371102.19900101.1232"), ID_RULE, "text"),
    "label_with_space": ("通知.txt", _text("（此件 不予公开）"), LABEL, "text"),
    "label_ascii_brackets": ("通知.txt", _text("(此件不予公开)"), LABEL, "text"),
    "label_dot_inside": ("通知.txt", _text("【此件·不予公开】"), LABEL, "text"),
    "label_zero_width": ("通知.txt", _text(f"（此{ZW}件不予公开）"), LABEL, "text"),
    "label_ideographic_spaces": ("通知.txt", _text("此件　不予　公开"), LABEL, "text"),
    "marking_spaced": ("通知.txt", _text("机 密★"), MARKING, "text"),
    "marking_zero_width": ("通知.txt", _text(f"机{ZW}密★1年"), MARKING, "text"),
    "marking_traditional": ("通知.txt", _text("機密★"), MARKING, "text"),
    "file_name": ("机密★补贴名单.txt", _text("无"), MARKING, "name"),
    # -- text encodings -------------------------------------------------------------------
    "csv_gbk": ("名单.csv", lambda: f"姓名,身份证号,金额\n刘某某,{ID},1000\n".encode("gbk"), ID_RULE, "csv"),
    "csv_big5_marking": (
        "名单.csv",
        lambda: (
            "機密★\n關於社會保險待遇發放情況的公示\n姓名,單位,金額\n" + "陳某某,市勞動就業服務中心,1000\n" * 5
        ).encode("big5"),
        MARKING,
        "csv",
    ),
    "csv_utf16_bom": ("名单.csv", lambda: f"姓名,身份证号\n刘某某,{ID}\n".encode("utf-16"), ID_RULE, "csv"),
    "txt_utf16_be_bom": (
        "公示.txt",
        lambda: f"身份证号：{ID}".encode("utf-16-be").join([b"\xfe\xff", b""]),
        ID_RULE,
        "text",
    ),
    # -- spreadsheets ---------------------------------------------------------------------
    "xlsx_cell": ("名单.xlsx", lambda: xlsx([("姓名", "身份证号"), ("刘某某", ID)]), ID_RULE, "cell"),
    "xlsx_hidden_sheet": ("名单.xlsx", lambda: xlsx(hidden_sheet=ID), ID_RULE, "cell"),
    "xlsx_hidden_row": ("名单.xlsx", lambda: xlsx(hidden_row="机密★"), MARKING, "cell"),
    "xlsx_comment": ("名单.xlsx", lambda: xlsx(comment=f"身份证号 {ID}"), ID_RULE, "sheet_comment"),
    "xlsx_sheet_name": ("名单.xlsx", lambda: xlsx(title="此件不予公开"), LABEL, "sheet_name"),
    # -- PDF ------------------------------------------------------------------------------
    "pdf_page_text": ("名单.pdf", lambda: pdf(["Subsidy list", f"ID {ID}"]), ID_RULE, "page"),
    "pdf_second_page_dotted": ("名单.pdf", lambda: pdf(["Page one", "371102.19900101.1232"]), ID_RULE, "page"),
    "pdf_annotation": ("名单.pdf", lambda: pdf(["List"], annotation="机密★"), MARKING, "annotation"),
    "pdf_metadata": ("名单.pdf", lambda: pdf(["List"], title=f"名单 {ID}"), ID_RULE, "metadata"),
    "pdf_form_field": ("申请表.pdf", lambda: pdf(["Form"], field=ID), ID_RULE, "form_field"),
    # -- Word -----------------------------------------------------------------------------
    "docx_table_cell": (
        "公示.docx",
        lambda: docx(
            _PARA + f"<w:tbl><w:tr><w:tc>{paragraph('刘某某')}</w:tc><w:tc>{paragraph(ID)}</w:tc></w:tr></w:tbl>"
        ),
        ID_RULE,
        "table_cell",
    ),
    "docx_header": (
        "公示.docx",
        lambda: docx(word__header1_xml=word_part(paragraph("机密★"), "hdr")),
        MARKING,
        "header",
    ),
    "docx_footer": ("公示.docx", lambda: docx(word__footer1_xml=word_part(paragraph(ID), "ftr")), ID_RULE, "footer"),
    "docx_footnote": (
        "公示.docx",
        lambda: docx(word__footnotes_xml=word_part(f'<w:footnote w:id="1">{paragraph(ID)}</w:footnote>', "footnotes")),
        ID_RULE,
        "footnote",
    ),
    "docx_comment": (
        "公示.docx",
        lambda: docx(
            word__comments_xml=word_part(
                f'<w:comment w:id="0" w:author="审核人">{paragraph("（此件不予公开）")}</w:comment>', "comments"
            )
        ),
        LABEL,
        "comment",
    ),
    "docx_textbox": (
        "公示.docx",
        lambda: docx(
            "<w:p><w:r><w:pict><v:shape xmlns:v='urn:schemas-microsoft-com:vml'><v:textbox>"
            f"<w:txbxContent>{paragraph('机密★')}</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>"
        ),
        MARKING,
        "textbox",
    ),
    "docx_tracked_deletion": (
        "公示.docx",
        lambda: docx(f'<w:p><w:del w:id="1" w:author="某"><w:r><w:delText>{ID}</w:delText></w:r></w:del></w:p>'),
        ID_RULE,
        "deleted",
    ),
    "docx_hidden_text": (
        "公示.docx",
        lambda: docx(f"<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>{ID}</w:t></w:r></w:p>"),
        ID_RULE,
        "hidden",
    ),
    "docx_runs_split": (
        "公示.docx",
        lambda: docx("<w:p><w:r><w:t>371102</w:t></w:r><w:r><w:t>19900101</w:t></w:r><w:r><w:t>1232</w:t></w:r></w:p>"),
        ID_RULE,
        "paragraph",
    ),
    "docx_core_property": (
        "公示.docx",
        lambda: docx(
            docProps__core_xml=(
                '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
                ' xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>机密★</dc:title></cp:coreProperties>'
            )
        ),
        MARKING,
        "property",
    ),
    "docx_custom_property": (
        "公示.docx",
        lambda: docx(
            docProps__custom_xml=(
                '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
                'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
                f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="2" name="申请人">'
                f"<vt:lpwstr>{ID}</vt:lpwstr></property></Properties>"
            )
        ),
        ID_RULE,
        "property",
    ),
    "docx_embedded_workbook": (
        "公示.docx",
        lambda: docx(word__embeddings__Microsoft_Excel_Worksheet_xlsx=xlsx([("身份证号",), (ID,)])),
        ID_RULE,
        "cell",
    ),
    # -- HTML -----------------------------------------------------------------------------
    "html_title_attribute": ("公示.html", _html(f'<p title="{ID}">名单见附件</p>'), ID_RULE, "html_attribute"),
    "html_alt_attribute": ("公示.html", _html('<img src="a.png" alt="机密★">'), MARKING, "html_attribute"),
    "html_entity_digits": (
        "公示.html",
        _html("<p>" + "".join(f"&#{ord(c)};" for c in ID) + "</p>"),
        ID_RULE,
        "html_text",
    ),
    "html_hex_entities_full_width": (
        "公示.html",
        _html("<p>" + "".join(f"&#x{0xFF10 + int(c):X};" for c in ID) + "</p>"),
        ID_RULE,
        "html_text",
    ),
    "html_bold_split": ("公示.html", _html("<p>371102<b>19900101</b>1232</p>"), ID_RULE, "html_text"),
    "html_comment": ("公示.html", _html(f"<!-- 原始名单 {ID} -->"), ID_RULE, "html_comment"),
    "html_in_txt": ("公示.txt", _html(f"<p>证件号：<span>{ID}</span></p>"), ID_RULE, "html_text"),
}


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    """The shipped rules, no bureau configuration."""
    return Scanner()


def test_at_least_forty_distinct_ways() -> None:
    """The suite covers at least forty hiding places and noise forms."""
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", sorted(CASES))
def test_smuggled_content_is_blocked_where_it_was_hidden(scanner: Scanner, case: str) -> None:
    """Each hidden ID number, marking or label gives a blocking finding of its rule at its place."""
    name, build, rule_id, kind = CASES[case]
    document = read_document(build(), name)
    findings = scan_document(scanner, document)
    hits = [f for f in findings if f.finding.rule_id == rule_id and f.blocking]
    assert hits, (case, document.format, document.problems, [f.finding.rule_id for f in findings])
    assert kind in {f.location.kind for f in hits}, (case, [f.location for f in hits])
    assert not any(ID in (f.finding.excerpt or "") for f in findings), "excerpts must mask the number"
