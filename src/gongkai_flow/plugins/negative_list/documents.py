"""Reading documents for a check: plain text, Markdown, HTML and Word (.docx).

:func:`read_document` returns the document's text, one paragraph (or table row) per line, or
raises a :class:`DocumentError` with a stable code and a one-line Chinese message: the CLI turns
it into exit status 2, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar, Final

from ...errors import GongkaiFlowError

#: File name suffixes :func:`read_document` reads.
SUFFIXES: Final = (".txt", ".md", ".markdown", ".html", ".htm", ".docx")
#: Encodings tried, in order, for a text file without a byte-order mark.
ENCODINGS: Final = ("utf-8", "gb18030")


class DocumentError(GongkaiFlowError):
    """A document could not be read for checking."""

    code: ClassVar[str] = "document.invalid"


class DocumentNotFoundError(DocumentError):
    """No file at that path."""

    code = "document.not_found"


class DocumentUnreadableError(DocumentError):
    """The path is a directory, or the file cannot be opened."""

    code = "document.unreadable"


class UnsupportedDocumentError(DocumentError):
    """A file type the checker does not read (.doc, .pdf…)."""

    code = "document.unsupported_type"


class UnknownEncodingError(DocumentError):
    """A text file that is neither UTF-8 (or UTF-16 with a BOM) nor GB18030."""

    code = "document.unknown_encoding"


class CorruptDocxError(DocumentError):
    """A .docx file that is not a valid Word document."""

    code = "document.corrupt_docx"


def decode_text(data: bytes, name: str) -> str:
    """Decode a text file: a BOM decides; else UTF-8, then GB18030; binary data is refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        candidates = ENCODINGS
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for c in text if c < " " and c not in "\t\n\r\f")
        if controls and controls * 100 > len(text):
            break
        return text.replace("\r\n", "\n").replace("\r", "\n")
    raise UnknownEncodingError(f"无法识别“{name}”的文字编码（支持 UTF-8、UTF-16 和 GB18030），请另存为 UTF-8 后重试。")


class _HTMLText(HTMLParser):
    """Collects the visible text of an HTML page, one block element per line."""

    BLOCKS: ClassVar[frozenset[str]] = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "title", "table", "section"}
        | {"article", "header", "footer", "blockquote", "pre", "ul", "ol", "dl", "dt", "dd", "hr"}
    )
    HIDDEN: ClassVar[frozenset[str]] = frozenset({"script", "style", "template", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data.replace("\n", " "))


def html_to_text(html: str) -> str:
    """The visible text of an HTML document, one block per line."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _docx_blocks(container: Any) -> Iterator[str]:
    """Paragraphs and table rows of a python-docx container, in document order."""
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = "\n".join(_docx_blocks(cell)).replace("\n", " ").strip()
                    if text and (not cells or cells[-1] != text):  # merged cells repeat
                        cells.append(text)
                if cells:
                    yield "\t".join(cells)
        else:
            yield block.text


def docx_to_text(path: Path) -> str:
    """The text of a Word document: headers, body (paragraphs and tables in order), footers."""
    try:
        import docx
    except ImportError:
        raise DocumentError(
            "读取 .docx 文件需要 python-docx：请安装 gongkai_flow[negative-list]。", path=str(path)
        ) from None
    try:
        document = docx.Document(str(path))
        headers: list[str] = []
        footers: list[str] = []
        for section in document.sections:
            for part, into in ((section.header, headers), (section.footer, footers)):
                if not part.is_linked_to_previous:
                    into.extend(t for t in _docx_blocks(part) if t.strip() and t not in into)
        body = list(_docx_blocks(document))
    except Exception as exc:  # python-docx raises many kinds (zip, XML, missing parts)
        raise CorruptDocxError(
            f"“{path.name}”不是有效的 Word（.docx）文件，可能已损坏（{type(exc).__name__}）。", path=str(path)
        ) from exc
    return "\n".join([*headers, *body, *footers])


def read_document(path: str | os.PathLike[str]) -> str:
    """The text of a .txt, .md, .html or .docx file; :class:`DocumentError` for bad input."""
    file = Path(path)
    suffix = file.suffix.lower()
    if not file.exists():
        raise DocumentNotFoundError(f"找不到文件“{file}”。", path=str(file))
    if file.is_dir():
        raise DocumentUnreadableError(f"“{file}”是目录，不是文件。", path=str(file))
    if suffix not in SUFFIXES:
        hint = "请另存为 .docx 后重试" if suffix in (".doc", ".wps") else "支持 .txt、.md、.html、.docx"
        raise UnsupportedDocumentError(f"不支持检查“{file.name}”这种文件（{hint}）。", path=str(file))
    if suffix == ".docx":
        if not os.access(file, os.R_OK):
            raise DocumentUnreadableError(f"无法读取文件“{file}”：没有读取权限。", path=str(file))
        return docx_to_text(file)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise DocumentUnreadableError(f"无法读取文件“{file}”：{exc.strerror or exc}。", path=str(file)) from exc
    text = decode_text(data, file.name)
    if suffix in (".html", ".htm"):
        return html_to_text(text)
    return text
