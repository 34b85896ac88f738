"""The readers fail closed: what they cannot read is a blocking finding, never "clean"."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from gongkai_flow.errors import PluginError
from gongkai_flow.plugins.negative_list import (
    Limits,
    Location,
    Scanner,
    Settings,
    read_document,
    read_file,
    scan_document,
)
from gongkai_flow.plugins.negative_list.documents import ENTITIES, IMAGES, TYPE_MISMATCH, UNREADABLE

from .fixtures import ID, docx, package, paragraph, pdf, xlsx

SCANNER = Scanner()


def _rules(data: bytes, name: str, limits: Limits | None = None) -> list[str]:
    return [f.finding.rule_id for f in scan_document(SCANNER, read_document(data, name, limits)) if f.blocking]


def test_pdf_without_text_layer_blocks() -> None:
    """A scanned PDF (images, no text) is unreadable: blocking, with the clerk's wording."""
    document = read_document(pdf(["x", "y"], image_only=True), "扫描件.pdf")
    findings = scan_document(SCANNER, document)
    assert [f.finding.rule_id for f in findings].count(UNREADABLE) == 3  # two pages, and the file
    assert all(f.blocking for f in findings if f.finding.rule_id == UNREADABLE)
    assert "无法读取文字，须人工核对" in findings[0].finding.message
    assert {f.location.label for f in findings} >= {"第1页", "第2页"}


def test_pdf_with_text_is_read_page_by_page() -> None:
    """A text PDF gives one segment per page and no problem."""
    document = read_document(pdf(["first page", "second page"]), "a.pdf")
    assert document.problems == ()
    assert [(s.location.page, s.text.strip()) for s in document.segments if s.location.kind == "page"] == [
        (1, "first page"),
        (2, "second page"),
    ]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "名单.png"),
        (b"\xff\xd8\xff\xe0" + bytes(64), "名单.jpg"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "通知.doc"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "通知.wps"),
        (b"{\\rtf1 secret}", "通知.rtf"),
        (b"\x1f\x8b\x08\x00" + bytes(32), "名单.gz"),
        (package({"a.txt": "x"}), "打包.zip"),
        (bytes(range(256)) * 8, "data.bin"),
    ],
)
def test_what_cannot_be_read_blocks(data: bytes, name: str) -> None:
    """Images, old Office/WPS files, RTF, archives and binary data are blocking, not clean."""
    assert UNREADABLE in _rules(data, name)


def test_content_decides_the_reader_and_a_contradicting_name_blocks() -> None:
    """A PDF named .txt is read as a PDF (its ID number found) and the mismatch blocks too."""
    rules = _rules(pdf([f"ID {ID}"]), "说明.txt")
    assert TYPE_MISMATCH in rules
    assert "negative_list.pii.id_card" in rules
    assert TYPE_MISMATCH not in _rules(pdf(["fine"]), "说明.pdf")
    assert TYPE_MISMATCH in _rules(xlsx(), "名单.docx")


def test_docx_with_entity_declaration_is_refused() -> None:
    """A part declaring entities is refused, so no paragraph built from an entity disappears."""
    body = (
        '<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY id "371102199001011232">]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&id;</w:t></w:r></w:p></w:body></w:document>"
    )
    data = package({"[Content_Types].xml": "<Types/>", "word/document.xml": body})
    findings = scan_document(SCANNER, read_document(data, "通知.docx"))
    entity = [f for f in findings if f.finding.rule_id == ENTITIES]
    assert entity
    assert entity[0].blocking
    assert "文件含实体声明，拒绝解析" in entity[0].finding.message


def test_xlsx_part_with_entity_declaration_is_refused() -> None:
    """The same for any XML part of a spreadsheet package (calamine would not say)."""
    archive = zipfile.ZipFile(io.BytesIO(xlsx()))
    members = {n: archive.read(n) for n in archive.namelist()}
    members["xl/sharedStrings.xml"] = b'<!DOCTYPE x [<!ENTITY a "b">]>' + members.get("xl/sharedStrings.xml", b"<sst/>")
    assert ENTITIES in _rules(package(members), "名单.xlsx")


def test_zip_bomb_is_refused_from_the_directory() -> None:
    """A member declaring more than the decompressed limit is refused before inflating it."""
    data = package({"[Content_Types].xml": "<Types/>", "word/document.xml": b"\0" * 2_000_000})
    document = read_document(data, "炸弹.docx", Limits(max_unpacked_bytes=1_000_000))
    assert [p.rule_id for p in document.problems] == [UNREADABLE]
    assert "疑似压缩炸弹" in document.problems[0].reason
    roomy = read_document(data, "炸弹.docx", Limits(max_unpacked_bytes=3_000_000))
    assert not any("疑似压缩炸弹" in p.reason for p in roomy.problems)


def _lie_about_sizes(data: bytes, size: int, member: bytes = b"word/document.xml") -> bytes:
    """Rewrite a member's declared uncompressed size (local header and directory) to ``size``."""
    out = bytearray(data)
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        i = out.find(signature)
        while i != -1:
            if out[i + name_at : i + name_at + len(member)] == member:
                struct.pack_into("<I", out, i + size_at, size)
            i = out.find(signature, i + 4)
    return bytes(out)


def test_zip_bomb_with_a_lying_directory_is_refused_while_inflating() -> None:
    """Declared sizes are not trusted: inflating stops at the limit, counted on the output."""
    honest = package({"[Content_Types].xml": "<Types/>", "word/document.xml": b"\0" * 3_000_000})
    document = read_document(_lie_about_sizes(honest, 10), "炸弹.docx", Limits(max_unpacked_bytes=1_000_000))
    assert [p.rule_id for p in document.problems] == [UNREADABLE]
    assert "疑似压缩炸弹" in document.problems[0].reason


def test_member_not_matching_its_directory_entry_is_refused() -> None:
    """A member whose size differs from the directory's is corrupt or tampered with."""
    honest = package({"[Content_Types].xml": "<Types/>", "word/document.xml": b"<w:document/>" * 10})
    document = read_document(_lie_about_sizes(honest, 5), "篡改.docx")
    assert any("与压缩目录不符" in p.reason for p in document.problems)


def test_docx_images_ask_for_a_look() -> None:
    """Pictures inside a .docx are not read: a finding asks a person to look (review, not block)."""
    findings = scan_document(
        SCANNER, read_document(docx(paragraph("公示"), word__media__image1_png=b"\x89PNG"), "a.docx")
    )
    images = [f for f in findings if f.finding.rule_id == IMAGES]
    assert images
    assert not images[0].blocking


def test_unreadable_embedded_object_blocks() -> None:
    """An embedded OLE object (an old Word file) cannot be read: blocking, named by its object."""
    data = docx(paragraph("正文"), word__embeddings__oleObject1_bin=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    findings = [f for f in scan_document(SCANNER, read_document(data, "a.docx")) if f.finding.rule_id == UNREADABLE]
    assert findings
    assert findings[0].location.within == "oleObject1.bin"


@pytest.mark.parametrize(
    "data",
    [
        "机密★".encode("gb18030"),
        "機密★".encode("big5"),
        b"\xff\xfe\x00\xd8",  # a UTF-16 byte-order mark, then an unpaired surrogate
        b"\xef\xbb\xbf\xff\xfe",  # a UTF-8 byte-order mark, then bytes that are not UTF-8
    ],
)
def test_text_that_cannot_be_decoded_with_confidence_blocks(data: bytes) -> None:
    """Too short to tell GB18030 from Big5, or contradicting its BOM: refused, never guessed."""
    assert _rules(data, "短.txt") == [UNREADABLE]


def test_big5_and_utf16_are_decoded() -> None:
    """A Big5 text long enough to recognise is decoded (機密★ found); so is UTF-16 with a BOM."""
    big5 = ("機密★\n" + "關於社會保險待遇發放情況的公示，請各單位認真核對。\n" * 3).encode("big5")
    assert "negative_list.secrecy.marking" in _rules(big5, "通知.txt")
    assert "negative_list.secrecy.marking" in _rules("机密★ 通知".encode("utf-16"), "通知.txt")


def test_read_file_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    """A directory or a device is refused from its stat, before any read."""
    from gongkai_flow.plugins.negative_list.documents import DocumentTooLargeError, DocumentUnreadableError

    with pytest.raises(DocumentUnreadableError, match="目录"):
        read_file(tmp_path)
    with pytest.raises(DocumentUnreadableError, match="设备文件"):
        read_file("/dev/zero")
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 2000)
    with pytest.raises(DocumentTooLargeError, match="大小上限"):
        read_file(big, Limits(max_file_bytes=1000))
    assert read_file(big, Limits(max_file_bytes=2000)).format == "text"


def test_limits_come_from_the_settings() -> None:
    """``[limits]`` in MB configures the readers; bad values are refused in Chinese."""
    settings = Settings.from_config({"limits": {"max_file_mb": 2, "max_unpacked_mb": 0.5, "max_pages": 10}})
    assert settings.limits == Limits(max_file_bytes=2 * 1024 * 1024, max_unpacked_bytes=512 * 1024, max_pages=10)
    for bad in ({"max_file_mb": 0}, {"max_file_mb": "1"}, {"unknown": 1}, {"max_depth": True}):
        with pytest.raises(PluginError):
            Settings.from_config({"limits": bad})


def test_fail_closed_rules_cannot_be_configured_away() -> None:
    """A bureau cannot disable the unreadable rule or lower its severity."""
    for change in ({"enabled": False}, {"severity": "info"}):
        with pytest.raises(PluginError, match="不能在配置中修改或停用"):
            Settings.from_config({"rules": {UNREADABLE: change}})


def test_a_scanner_without_the_rule_still_blocks_what_it_did_not_read() -> None:
    """Even a scanner built with no input rules reports an unreadable file as blocking."""
    settings = Settings.default()
    bare = Scanner(Settings(rules=tuple(r for r in settings.rules if not r.id.startswith("negative_list.input."))))
    findings = scan_document(bare, read_document(b"\x89PNG\r\n\x1a\n", "a.png"))
    assert [f.finding.rule_id for f in findings if f.blocking] == [UNREADABLE]


def test_locations_in_chinese() -> None:
    """Location labels read as a clerk would say them."""
    assert Location("cell", "名单", 7, 2, detail="（隐藏）").label == "工作表“名单”（隐藏）单元格 B7"
    assert Location("cell", "名单", 1, 28).cell == "AB1"
    assert Location("table_cell", row=2, column=3, number=1).label == "第1个表格第2行第3列"
    assert Location("deleted", number=4).label == "第4段的修订删除内容"
    assert Location("page", page=3, within="附件.pdf").label == "嵌入对象“附件.pdf”中第3页"
    assert Location("sheet_comment", "名单", 2, 2).to_json() == {
        "kind": "sheet_comment",
        "label": "工作表“名单”单元格 B2的批注",
        "sheet": "名单",
        "row": 2,
        "column": 2,
        "cell": "B2",
    }
