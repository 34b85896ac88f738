"""``gongkai check``: files of every kind, output formats, and exit status 0 / 1 / 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docx
import pytest

from gongkai_flow.cli import main
from gongkai_flow.plugins.negative_list.documents import html_to_text, read_file

from .conftest import CORPUS

Run = tuple[int, str, str]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    """Run ``gongkai`` in-process; return its exit status, stdout and stderr."""
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    code = info.value.code
    assert isinstance(code, int)
    return code, out, err


def make_docx(path: Path) -> Path:
    """A Word document like a bureau's: 密级 in the header, a list of people in a table."""
    document = docx.Document()
    document.sections[0].header.is_linked_to_previous = False
    document.sections[0].header.paragraphs[0].text = "机密★1年"
    document.add_paragraph("关于2019年第二批一次性创业补贴人员名单的公示")
    document.add_paragraph("经审核，下列人员符合条件：")
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ("姓名", "身份证号", "金额"), strict=True):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ("刘某某", "371102198503121234", "10000元"), strict=True):
        cell.text = text
    document.add_paragraph("公示期为5个工作日。")
    document.save(str(path))
    return path


def test_docx_findings_in_header_and_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A .docx with a 密级 header and an ID number in a table exits 1 and lists both."""
    path = make_docx(tmp_path / "公示.docx")
    code, out, err = run(capsys, "check", str(path))
    assert code == 1
    assert err == ""
    assert "negative_list.secrecy.marking" in out
    assert "negative_list.pii.id_card" in out
    assert "371102********1234" in out
    assert "198503121234" not in out
    assert "阻断" in out


def test_docx_segments_keep_document_order_and_cells(tmp_path: Path) -> None:
    """Paragraphs and table cells in order, each with its place; the header is read too."""
    document = read_file(make_docx(tmp_path / "a.docx"))
    places = [(s.text, s.location.label) for s in document.segments]
    assert ("机密★1年", "页眉") in places
    assert ("371102198503121234", "第1个表格第2行第2列") in places
    assert places.index(("刘某某", "第1个表格第2行第1列")) < places.index(("公示期为5个工作日。", "第3段"))


def test_clean_files_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    """The bureau's own published work plan has no finding: exit 0 and a clear verdict."""
    code, out, _ = run(capsys, "check", str(CORPUS / "near_miss" / "seed_work_plan_2019.txt"))
    assert code == 0
    assert "未发现负面清单问题" in out


def test_review_findings_alone_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    """Findings that only ask for review do not fail the check."""
    code, out, _ = run(capsys, "check", str(CORPUS / "flagged" / "c04_request_title.txt"))
    assert code == 0
    assert "需人工审核" in out


def test_json_output_follows_the_documented_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--format json`` prints one JSON document with files, findings and a summary."""
    docx_path = make_docx(tmp_path / "名单.docx")
    code, out, _ = run(capsys, "check", "--format", "json", str(docx_path), str(tmp_path / "missing.txt"))
    assert code == 2
    data: dict[str, Any] = json.loads(out)
    assert data["schema"] == "gongkai_flow.negative_list.check/2"
    assert data["exit_code"] == 2
    assert data["summary"] == {"files": 2, "errors": 1, "findings": 2, "blocking": 2}
    ok, missing = data["files"]
    assert ok["status"] == "ok"
    assert missing == {
        "path": str(tmp_path / "missing.txt"),
        "status": "error",
        "error": {"code": "document.not_found", "message": f"找不到文件“{tmp_path / 'missing.txt'}”。"},
    }
    finding = next(f for f in ok["findings"] if f["location"]["kind"] == "header")
    assert set(finding) == {
        "rule_id",
        "rule_version",
        "category",
        "category_label",
        "severity",
        "severity_label",
        "blocking",
        "location",
        "start",
        "end",
        "line",
        "column",
        "excerpt",
        "message",
        "legal_basis",
    }
    assert (finding["rule_id"], finding["line"], finding["column"], finding["blocking"]) == (
        "negative_list.secrecy.marking",
        1,
        1,
        True,
    )
    assert finding["location"] == {"kind": "header", "label": "页眉", "number": 1}


def test_missing_file_exits_2_with_one_chinese_line(capsys: pytest.CaptureFixture[str]) -> None:
    """A missing file is bad input: exit 2, one Chinese line on stderr, no traceback."""
    code, _, err = run(capsys, "check", "/nonexistent/通知.txt")
    assert code == 2
    assert err.strip().count("\n") == 0
    assert "document.not_found" in err
    assert "找不到文件" in err
    assert "Traceback" not in err


def test_corrupt_docx_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A .docx that is not a Word file is reported as corrupt, exit 2, no traceback."""
    path = tmp_path / "损坏.docx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip file")
    code, _, err = run(capsys, "check", str(path))
    assert code == 2
    assert "negative_list.input.unreadable" in err
    assert "压缩结构已损坏" in err
    assert "Traceback" not in err


def test_unknown_encoding_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Binary data in a .txt file is an unknown encoding: exit 2."""
    path = tmp_path / "乱码.txt"
    path.write_bytes(bytes(range(256)) * 4)
    code, _, err = run(capsys, "check", str(path))
    assert code == 2
    assert "negative_list.input.unreadable" in err
    assert "无法读取文字，须人工核对" in err


@pytest.mark.parametrize(
    ("name", "code_fragment"),
    [("旧格式.doc", "negative_list.input.unreadable"), ("目录", "document.unreadable")],
)
def test_unsupported_type_and_directory_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, code_fragment: str
) -> None:
    """A .doc file or a directory is bad input with its own code."""
    path = tmp_path / name
    if name.endswith(".doc"):
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    else:
        path.mkdir()
    code, _, err = run(capsys, "check", str(path))
    assert code == 2
    assert code_fragment in err


def test_bad_input_wins_over_blocking_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With one blocking file and one missing file, the exit status is 2 and both are reported."""
    code, out, err = run(capsys, "check", str(CORPUS / "flagged" / "c09_internal_material.txt"), "nope.md")
    assert code == 2
    assert "negative_list.internal.marker" in out
    assert "nope.md" in err


def test_gb18030_text_and_html_are_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A GB18030 .txt and an HTML page (scripts ignored, entities decoded) are checked."""
    txt = tmp_path / "通知.txt"
    txt.write_bytes("内部资料　注意保存\n".encode("gb18030"))
    html = tmp_path / "page.html"
    html.write_text(
        "<html><head><title>通知</title><script>var x='13906331234';</script></head>"
        "<body><p>联系电话&#xFF1A;13906335678</p><div>正文</div></body></html>",
        encoding="utf-8",
    )
    assert html_to_text(html.read_text(encoding="utf-8")) == "通知\n联系电话：13906335678\n正文"
    code, out, _ = run(capsys, "check", "--format", "json", str(txt), str(html))
    assert code == 1
    files = json.loads(out)["files"]
    assert [f["rule_id"] for f in files[0]["findings"]] == ["negative_list.internal.marker"] * 2
    assert [f["rule_id"] for f in files[1]["findings"]] == ["negative_list.pii.mobile"]


def test_attribute_option_changes_label_checks(capsys: pytest.CaptureFixture[str]) -> None:
    """（此件不予公开） blocks by default (主动公开) and is consistent with ``--attribute 不予公开``."""
    path = str(CORPUS / "flagged" / "label_withheld_on_website.txt")
    assert run(capsys, "check", path)[0] == 1
    assert run(capsys, "check", "--attribute", "不予公开", path)[0] == 0


def test_config_file_allow_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--config`` applies a bureau's allow-list; a broken config file is bad input."""
    doc = tmp_path / "通知.md"
    doc.write_text("报名电话：13906337788\n", encoding="utf-8")
    assert run(capsys, "check", str(doc))[0] == 1
    config = tmp_path / "bureau.toml"
    config.write_text('[negative_list.allow]\nphones = ["13906337788"]\n', encoding="utf-8")
    assert run(capsys, "check", "--config", str(config), str(doc))[0] == 0
    config.write_text("[negative_list.allow\n", encoding="utf-8")
    code, _, err = run(capsys, "check", "--config", str(config), str(doc))
    assert code == 2
    assert "plugin.invalid" in err


def test_many_findings_are_listed_one_per_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Above the table's row limit each finding is one plain line, located and masked."""
    from gongkai_flow.cli.check import TABLE_MAX_ROWS

    path = tmp_path / "名单.txt"
    path.write_text("".join(f"第{i}人 内部资料\n" for i in range(TABLE_MAX_ROWS + 1)), encoding="utf-8")
    code, out, _ = run(capsys, "check", str(path))
    assert code == 1
    lines = [line for line in out.splitlines() if "negative_list.internal.marker" in line]
    assert len(lines) == TABLE_MAX_ROWS + 1
    assert lines[0].startswith("正文 1:5 | 阻断 |")


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("扫描件.pdf", "image_pdf", "无法读取文字，须人工核对"),
        ("说明.txt", "pdf", "文件内容与扩展名不符"),
        ("照片.png", "png", "无法读取文字，须人工核对"),
    ],
)
def test_what_is_not_read_in_full_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: str, fragment: str
) -> None:
    """A scanned PDF, a PDF named .txt and an image exit 2 with the reason in Chinese on stderr."""
    from .fixtures import pdf

    content = {
        "image_pdf": pdf(["x"], image_only=True),
        "pdf": pdf(["hello"]),
        "png": b"\x89PNG\r\n\x1a\n" + bytes(32),
    }[data]
    path = tmp_path / name
    path.write_bytes(content)
    code, _, err = run(capsys, "check", str(path))
    assert code == 2
    assert fragment in err
    assert "Traceback" not in err
