"""Reading files for a check: every place a file keeps text, each piece with where it came from.

:func:`read_document` takes a file's bytes and name and returns an :class:`ExtractedDocument`:
text :class:`Segment` values, each with a precise :class:`Location` (sheet and cell, page,
paragraph, table cell, header, footer, comment, property…), and :class:`Problem` values for what
could not be read. It never returns "clean" for what it did not read: a problem becomes a
blocking finding (rules ``negative_list.input.*``) when the document is scanned
(:func:`.scan.scan_document`). :func:`read_file` reads a path first, refusing anything but a
regular file and never reading more than the size limit.

The reader is chosen by the file's content (its first bytes), not by its name; content that
contradicts the name is itself a problem. What is read:

- spreadsheets .xlsx/.xls/.ods (``python-calamine``): every sheet, hidden ones too, every row
  (hidden rows are rows like any other); .xlsx cell comments, threaded comments, drawings' text
  and document properties from the package's XML; .ods annotations; .xls comments cannot be
  read, so an .xls always carries a problem;
- .csv in any encoding ``charset-normalizer`` recognises with confidence, cell by cell;
- .pdf (``pypdfium2``): the text of each page, annotations, form fields, bookmarks, metadata and
  embedded files; a page that is only an image, or a PDF without any text, is a problem;
- .docx, parsed with ``defusedxml`` (entity declarations refused): paragraphs, table cells,
  headers, footers, footnotes, endnotes, comments, text boxes, tracked deletions, hidden text,
  field codes, link targets, document properties (core, app, custom) and embedded objects (read
  when they are readable, a problem otherwise); images are counted, for a person to look at;
- .txt/.md and anything else that is text; HTML reduced to text by a real parser (script and
  style left out), its attribute values and comments read too;
- an image, a .doc/.wps, an archive, or anything else: a problem.

Zip-based files are unpacked under a size limit counted while decompressing, never trusted from
the archive's directory (:class:`Limits`).
"""

from __future__ import annotations

import csv
import functools
import io
import os
import posixpath
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar, Final, NamedTuple, final
from xml.etree.ElementTree import Element, ParseError

import attrs

from ...errors import GongkaiFlowError
from .pause import gc_paused

MIB: Final = 1024 * 1024

#: Problem kinds: the rule each one raises.
UNREADABLE: Final = "negative_list.input.unreadable"
TYPE_MISMATCH: Final = "negative_list.input.type_mismatch"
ENTITIES: Final = "negative_list.input.entities"
IMAGES: Final = "negative_list.input.images"

#: Share of control characters above which decoded "text" is taken for binary data.
CONTROL_SHARE: Final = 0.01
#: Mess ratio (``charset-normalizer``'s chaos) above which a decoding is not trusted.
MAX_CHAOS: Final = 0.2


class DocumentError(GongkaiFlowError):
    """A file could not be read for checking at all (the path, not the content)."""

    code: ClassVar[str] = "document.invalid"


class DocumentNotFoundError(DocumentError):
    """No file at that path."""

    code = "document.not_found"


class DocumentUnreadableError(DocumentError):
    """The path is a directory, a FIFO, a device or socket, or cannot be opened."""

    code = "document.unreadable"


class DocumentTooLargeError(DocumentError):
    """The file is larger than the size limit."""

    code = "document.too_large"


@final
@attrs.frozen
class Limits:
    """Bounds on what a check reads: nothing is read without one.

    ``max_file_bytes`` caps a file's size (checked before reading, and while reading);
    ``max_unpacked_bytes`` caps the total decompressed size of a zip-based file's members
    (.docx, .xlsx, .ods), counted while decompressing; ``max_members`` caps their number;
    ``max_pages`` caps a PDF's pages; ``max_depth`` how deep embedded files are opened.
    """

    max_file_bytes: int = 100 * MIB
    max_unpacked_bytes: int = 100 * MIB
    max_members: int = 10_000
    max_pages: int = 5_000
    max_depth: int = 2

    def __attrs_post_init__(self) -> None:
        for field in attrs.fields(Limits):
            value = getattr(self, field.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Limits.{field.name} must be a positive integer, not {value!r}")


_KIND_LABELS: Final = {
    "name": "文件名",
    "field": "",
    "text": "正文",
    "html_text": "网页正文",
    "html_attribute": "网页属性",
    "html_comment": "网页注释",
    "csv": "",
    "sheet_name": "",
    "cell": "",
    "row": "",
    "rows": "",
    "sheet_comment": "",
    "page": "",
    "annotation": "注释",
    "form_field": "表单域",
    "outline": "书签",
    "metadata": "文档信息",
    "paragraph": "",
    "table_cell": "",
    "header": "页眉",
    "footer": "页脚",
    "footnote": "脚注",
    "endnote": "尾注",
    "comment": "批注",
    "textbox": "文本框",
    "deleted": "修订删除内容",
    "hidden": "隐藏文字",
    "field_code": "域代码",
    "link": "链接地址",
    "property": "文档属性",
    "part": "文件部件",
    "file": "整个文件",
}


def cell_ref(row: int, column: int) -> str:
    """An A1-style cell reference from 1-based row and column numbers."""
    return f"{_column_letters(column)}{row}"


@functools.lru_cache(maxsize=1024)
def _column_letters(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class Location(NamedTuple):
    """Where a piece of text sits in its file.

    ``kind`` is a stable English name (``cell``, ``page``, ``paragraph``, ``table_cell``,
    ``header``, ``comment``, ``property``…; see ``docs/negative-list.md``); the other fields are
    filled as the kind needs (1-based numbers). ``within`` names the embedded object holding it.
    :attr:`label` says it in Chinese.
    """

    kind: str
    sheet: str | None = None
    row: int | None = None
    column: int | None = None
    page: int | None = None
    number: int | None = None
    detail: str = ""
    within: str = ""

    @property
    def cell(self) -> str | None:
        """The A1 reference of a spreadsheet cell (``None`` elsewhere)."""
        if self.kind in ("cell", "sheet_comment") and self.row and self.column:
            return cell_ref(self.row, self.column)
        return None

    @property
    def label(self) -> str:
        """The location in Chinese, e.g. ``工作表“名单”（隐藏）单元格 B7``."""
        if self.kind in _ONE_PLACE:
            return _location_label(self)
        return _shared_label(self)  # the same label for many findings (正文, 第3页…)

    def to_json(self) -> dict[str, Any]:
        """The location in the JSON shape of ``docs/negative-list.md``."""
        kind, sheet, row, column, page, number, detail, within = self
        out: dict[str, Any] = {"kind": kind, "label": self.label}
        if sheet is not None:
            out["sheet"] = sheet
        if row is not None:
            out["row"] = row
        if column is not None:
            out["column"] = column
        if page is not None:
            out["page"] = page
        if number is not None:
            out["number"] = number
        cell = self.cell
        if cell:
            out["cell"] = cell
        if detail:
            out["detail"] = detail
        if within:
            out["within"] = within
        return out


#: Kinds whose every location is one place (a cell): their labels are not worth caching.
_ONE_PLACE: Final = frozenset({"cell", "csv", "table_cell", "sheet_comment"})


def _location_label(location: Location) -> str:
    kind = location.kind
    if kind in ("cell", "row", "rows", "sheet_comment"):
        cell = location.cell
        where = f"工作表“{location.sheet}”{location.detail}"
        where += f"单元格 {cell}" if cell else ""
        text = where + ("的批注" if kind == "sheet_comment" else "")
    elif kind == "sheet_name":
        text = f"工作表名称“{location.sheet}”{location.detail}"
    elif kind == "csv":
        text = f"第{location.row}行第{location.column}列"
    elif kind == "page":
        text = f"第{location.page}页"
    elif kind in ("annotation", "form_field"):
        text = f"第{location.page}页的{_KIND_LABELS[kind]}" + (f"（{location.detail}）" if location.detail else "")
    elif kind == "paragraph":
        text = f"第{location.number}段"
    elif kind == "field":  # a public field of an item, named in ``detail`` (发布栏目, 文号 …)
        text = location.detail
    elif kind == "table_cell":
        text = f"第{location.number}个表格第{location.row}行第{location.column}列"
    elif kind in ("deleted", "hidden", "field_code") and location.number:
        text = f"{location.detail}第{location.number}段的{_KIND_LABELS[kind]}"
    else:
        text = _KIND_LABELS.get(kind, kind) + (f"（{location.detail}）" if location.detail else "")
    return f"嵌入对象“{location.within}”中{text}" if location.within else text


_shared_label: Final = functools.lru_cache(maxsize=1024)(_location_label)


class Segment(NamedTuple):
    """A piece of a document's text and where it is."""

    text: str
    location: Location


class Problem(NamedTuple):
    """Something the reader could not check: ``rule_id`` is one of the ``negative_list.input.*`` rules."""

    rule_id: str
    reason: str
    location: Location


@final
@attrs.frozen
class ExtractedDocument:
    """What :func:`read_document` found in a file: its text segments and what it could not read.

    ``format`` is the format detected from the content (``text``, ``html``, ``csv``, ``xlsx``,
    ``xls``, ``ods``, ``pdf``, ``docx``, ``image``, ``ole``, ``zip``, ``binary``…).
    """

    name: str
    format: str
    segments: tuple[Segment, ...]
    problems: tuple[Problem, ...] = ()

    @property
    def characters(self) -> int:
        """The number of characters read (not counting the line breaks between a sheet's rows)."""
        return sum(len(s.text) - (s.text.count("\n") if s.location.kind == "rows" else 0) for s in self.segments)

    @property
    def fully_read(self) -> bool:
        """Whether every part of the file was read (no problem but images to look at)."""
        return all(p.rule_id == IMAGES for p in self.problems)


class _Unreadable(Exception):
    """Raised inside a reader: the whole file (or part) cannot be read."""

    def __init__(self, reason: str, rule_id: str = UNREADABLE, location: Location | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.rule_id = rule_id
        self.location = location or Location("file")


# -- paths ----------------------------------------------------------------------------------


def read_file(path: str | os.PathLike[str], limits: Limits | None = None) -> ExtractedDocument:
    """Read a file from disk under ``limits`` and extract it (:func:`read_document`).

    Only a regular file is opened: a FIFO, a device or a socket is refused from its ``stat``
    before any open, a symbolic link is followed and its target checked the same way, and the
    file is read with a bound (``limits.max_file_bytes``) even if it grows meanwhile.
    :class:`DocumentError` for a path that cannot be read.
    """
    limits = limits or Limits()
    file = Path(path)
    try:
        info = os.stat(file)  # follows symbolic links: the target is what is checked
    except FileNotFoundError:
        raise DocumentNotFoundError(f"找不到文件“{file}”。", path=str(file)) from None
    except OSError as exc:
        raise DocumentUnreadableError(f"无法读取文件“{file}”：{exc.strerror or exc}。", path=str(file)) from exc
    _check_regular(file, info.st_mode)
    if info.st_size > limits.max_file_bytes:
        raise _too_large(file, limits)
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise DocumentUnreadableError(f"无法读取文件“{file}”：{exc.strerror or exc}。", path=str(file)) from exc
    with os.fdopen(fd, "rb") as handle:
        _check_regular(file, os.fstat(handle.fileno()).st_mode)  # the file opened, not the one looked at
        data = handle.read(limits.max_file_bytes + 1)
    if len(data) > limits.max_file_bytes:
        raise _too_large(file, limits)
    return read_document(data, file.name, limits)


def _check_regular(file: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        what = "目录"
    elif stat.S_ISFIFO(mode):
        what = "管道（FIFO）"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        what = "设备文件"
    elif stat.S_ISSOCK(mode):
        what = "套接字"
    else:
        what = "特殊文件"
    raise DocumentUnreadableError(f"“{file}”是{what}，不是普通文件，拒绝读取。", path=str(file))


def _too_large(file: Path, limits: Limits) -> DocumentTooLargeError:
    return DocumentTooLargeError(
        f"文件“{file}”超过 {_mib(limits.max_file_bytes)} 的大小上限，未检查，须人工核对或调整上限。", path=str(file)
    )


def _mib(size: int) -> str:
    return f"{size / MIB:g} MB"


# -- detection ------------------------------------------------------------------------------

_OLE: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGES: Final = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"\x00\x00\x01\x00",
)
_ARCHIVES: Final = (b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"BZh")
_FORMAT_LABELS: Final = {
    "text": "文本",
    "html": "网页（HTML）",
    "csv": "CSV 表格",
    "xlsx": "Excel（.xlsx）",
    "xls": "Excel 97-2003（.xls）",
    "ods": "OpenDocument 表格（.ods）",
    "pdf": "PDF",
    "docx": "Word（.docx）",
    "image": "图片",
    "ole": "旧版 Office / WPS 文件",
    "zip": "压缩包",
    "archive": "压缩包",
    "rtf": "RTF 文档",
    "odt": "OpenDocument 文档",
    "pptx": "PowerPoint 演示文稿",
    "binary": "二进制数据",
}
#: What each file name extension promises: content of another format contradicts the name.
EXTENSIONS: Final = {
    ".txt": {"text", "html", "csv"},
    ".md": {"text", "html"},
    ".markdown": {"text", "html"},
    ".csv": {"text", "csv"},
    ".tsv": {"text", "csv"},
    ".html": {"text", "html"},
    ".htm": {"text", "html"},
    ".pdf": {"pdf"},
    ".docx": {"docx"},
    ".xlsx": {"xlsx"},
    ".xlsm": {"xlsx"},
    ".xls": {"xls", "ole"},
    ".et": {"xls", "ole"},
    ".ods": {"ods"},
    ".doc": {"ole"},
    ".wps": {"ole"},
    ".png": {"image"},
    ".jpg": {"image"},
    ".jpeg": {"image"},
    ".gif": {"image"},
    ".bmp": {"image"},
    ".tif": {"image"},
    ".tiff": {"image"},
    ".zip": {"zip", "docx", "xlsx", "ods", "odt", "pptx"},
}


def _sniff(data: bytes) -> str:
    if data.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if data.startswith(_OLE):
        return "ole"
    if data.startswith(_IMAGES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    if data.startswith(b"{\\rtf"):
        return "rtf"
    if data.startswith(_ARCHIVES):
        return "archive"
    return "text"


def read_document(data: bytes, name: str, limits: Limits | None = None, *, _depth: int = 0) -> ExtractedDocument:
    """Extract the text of a file's bytes (see the module documentation); never raises for bad content.

    ``name`` is the file's name: it is itself a segment (kind ``name``: an attachment's name is
    published too) and its extension is compared with the content. Whatever cannot be read
    comes back as a :class:`Problem`.
    """
    limits = limits or Limits()
    segments: list[Segment] = [Segment(name, Location("name"))] if _depth == 0 and name else []
    problems: list[Problem] = []
    fmt = _sniff(data)
    members: dict[str, bytes] | None = None
    try:
        if len(data) > limits.max_file_bytes:
            raise _Unreadable(f"文件超过 {_mib(limits.max_file_bytes)} 的大小上限")
        if fmt == "zip":
            members = _unpack(data, limits, problems)
            fmt = _zip_format(members)
        elif fmt == "ole":
            fmt = _ole_format(data, name)
        elif fmt == "text":
            fmt = "text"
        _check_extension(name, fmt, problems)
        reader = _READERS.get(fmt)
        if reader is None:
            raise _Unreadable(f"{_FORMAT_LABELS.get(fmt, fmt)}中的文字无法读取")
        fmt = reader(data, name, members, limits, _depth, segments, problems) or fmt
    except _Unreadable as exc:
        problems.append(Problem(exc.rule_id, exc.reason, exc.location))
    return ExtractedDocument(name=name, format=fmt, segments=tuple(segments), problems=tuple(problems))


def _check_extension(name: str, fmt: str, problems: list[Problem]) -> None:
    suffix = os.path.splitext(name)[1].lower()
    expected = EXTENSIONS.get(suffix)
    if expected is not None and fmt not in expected:
        problems.append(
            Problem(
                TYPE_MISMATCH,
                f"扩展名为“{suffix}”，内容却是{_FORMAT_LABELS.get(fmt, fmt)}",
                Location("file"),
            )
        )


def _ole_format(data: bytes, name: str) -> str:
    """An OLE compound file: a workbook if calamine reads it, else an old Office/WPS document."""
    try:
        from python_calamine import CalamineWorkbook

        CalamineWorkbook.from_filelike(io.BytesIO(data)).close()
    except Exception:  # calamine raises several kinds for what is not a workbook
        return "ole"
    return "xls"


# -- zip packages ---------------------------------------------------------------------------

_LOCAL_HEADER: Final = struct.Struct("<4s22xHH")
_XML_SUFFIXES: Final = (".xml", ".rels", ".vml")


def _unpack(data: bytes, limits: Limits, problems: list[Problem]) -> dict[str, bytes]:
    """Every member of a zip package, decompressed under the limits, sizes and CRCs verified.

    The directory's sizes are checked first (a cheap refusal of an honest bomb), then each
    member is inflated by hand with an output bound, so a directory that lies cannot make it
    inflate more than ``limits.max_unpacked_bytes`` in total.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, struct.error) as exc:
        raise _Unreadable(f"压缩结构已损坏（{type(exc).__name__}）") from exc
    if len(infos) > limits.max_members:
        raise _Unreadable(f"包含 {len(infos)} 个部件，超过 {limits.max_members} 个的上限")
    budget = limits.max_unpacked_bytes
    if sum(i.file_size for i in infos) > budget:
        raise _Unreadable(f"解压后超过 {_mib(budget)} 的上限（疑似压缩炸弹）")
    view = memoryview(data)
    members: dict[str, bytes] = {}
    for info in infos:
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise _Unreadable(f"部件“{info.filename}”已加密")
        offset = info.header_offset
        header = bytes(view[offset : offset + _LOCAL_HEADER.size])
        if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
            raise _Unreadable(f"部件“{info.filename}”的压缩结构已损坏")
        name_len, extra_len = _LOCAL_HEADER.unpack(header)[1:]
        begin = offset + _LOCAL_HEADER.size + name_len + extra_len
        raw = view[begin : begin + info.compress_size]
        if info.compress_type == zipfile.ZIP_STORED:
            content = bytes(raw)
            if len(content) > budget:
                raise _Unreadable(f"解压后超过 {_mib(limits.max_unpacked_bytes)} 的上限（疑似压缩炸弹）")
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            content = _inflate(raw, budget, info.filename, limits)
        else:
            raise _Unreadable(f"部件“{info.filename}”使用了不支持的压缩方式（{info.compress_type}）")
        if len(content) != info.file_size or zlib.crc32(content) != info.CRC:
            raise _Unreadable(f"部件“{info.filename}”的内容与压缩目录不符，文件可能已损坏或被篡改")
        budget -= len(content)
        members[info.filename] = content
        if info.filename.lower().endswith(_XML_SUFFIXES) and _declares_entities(content):
            problems.append(Problem(ENTITIES, f"部件“{info.filename}”含 DOCTYPE/实体声明", Location("part")))
    return members


def _inflate(raw: memoryview, budget: int, name: str, limits: Limits) -> bytes:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    chunks: list[bytes] = []
    size = 0
    pending: bytes | memoryview = raw
    try:
        while True:
            # At most one byte over what is left of the budget: over it is a bomb. One call then
            # inflates a member whole (1 MB at a time copied the rest of the input each time).
            piece = inflater.decompress(pending, budget - size + 1)
            size += len(piece)
            if size > budget:
                raise _Unreadable(f"解压后超过 {_mib(limits.max_unpacked_bytes)} 的上限（疑似压缩炸弹）")
            chunks.append(piece)
            pending = inflater.unconsumed_tail
            if inflater.eof or not (pending or piece):
                break
    except zlib.error as exc:
        raise _Unreadable(f"部件“{name}”无法解压（{exc}）") from exc
    if not inflater.eof:
        raise _Unreadable(f"部件“{name}”的压缩数据不完整")
    return b"".join(chunks)


def _declares_entities(content: bytes) -> bool:
    if b"!" not in content:  # one fast search: a declaration opens with <! in any encoding
        return False
    head = content[:4096]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in content:
        return True
    # The same declarations in UTF-16.
    return b"<\x00!\x00D\x00O\x00C\x00T\x00Y\x00P\x00E" in head or b"<\x00!\x00E\x00N\x00T\x00I\x00T\x00Y" in content


def _zip_format(members: dict[str, bytes]) -> str:
    if "word/document.xml" in members:
        return "docx"
    if "xl/workbook.xml" in members or "xl/workbook.bin" in members:
        return "xlsx"
    mimetype = members.get("mimetype", b"").strip()
    if mimetype == b"application/vnd.oasis.opendocument.spreadsheet":
        return "ods"
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return "odt"
    if "ppt/presentation.xml" in members:
        return "pptx"
    return "zip"


def _parse_xml(content: bytes, part: str) -> Element:
    """Parse one XML part with ``defusedxml``: DTDs and entities refused, never expanded."""
    import defusedxml.ElementTree as safe_xml
    from defusedxml import DefusedXmlException

    try:
        root: Element = safe_xml.fromstring(content, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise _Unreadable(f"部件“{part}”含 DOCTYPE/实体声明", ENTITIES, Location("part")) from exc
    except (ParseError, ValueError) as exc:
        raise _Unreadable(f"部件“{part}”不是有效的 XML（{exc}）", location=Location("part")) from exc
    return root


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _properties(members: dict[str, bytes], within: str, segments: list[Segment]) -> None:
    """Document properties (docProps/core.xml, app.xml, custom.xml): every value, by name."""
    for part in ("docProps/core.xml", "docProps/app.xml", "docProps/custom.xml"):
        content = members.get(part)
        if content is None:
            continue
        root = _parse_xml(content, part)
        if part.endswith("custom.xml"):
            for prop in root:
                name = prop.get("name", "")
                value = "".join(prop.itertext())
                for text in (name, value):
                    if text.strip():
                        segments.append(Segment(text, Location("property", detail=name, within=within)))
            continue
        for element in root.iter():
            text = (element.text or "").strip()
            if text and not len(element):
                segments.append(Segment(text, Location("property", detail=_local(element.tag), within=within)))


# -- text -----------------------------------------------------------------------------------

_BOMS: Final = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def decode_text(data: bytes) -> str:
    """Decode a text file: a byte-order mark decides, else ``charset-normalizer`` must be confident.

    Raises the reader's "unreadable" problem for bytes that decode to nothing readable (an
    unknown or ambiguous encoding, binary data). Line ends become line feeds.
    """
    text: str | None = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise _Unreadable(f"文件标明为 {encoding.upper()} 编码，但内容无法按此解码") from exc
            break
    if text is None:
        if not data:
            return ""
        text = _detect(data)
    controls = sum(1 for c in text[:100_000] if c < " " and c not in "\t\n\r\f")
    if controls > CONTROL_SHARE * min(len(text), 100_000):
        raise _Unreadable("内容不是文字（含大量控制字符），无法识别文字编码")
    return text.replace("\r\n", "\n").replace("\r", "\n")


#: Encodings a bureau's text files come in. UTF-16 and UTF-32 without a byte-order mark are
#: considered only when NUL bytes show the text is made of wide code units.
TEXT_ENCODINGS: Final = ("utf_8", "gb18030", "big5")
WIDE_ENCODINGS: Final = ("utf_16_le", "utf_16_be", "utf_32_le", "utf_32_be")


def _detect(data: bytes) -> str:
    """Decode bytes without a byte-order mark through ``charset-normalizer``, or refuse them.

    Refused: no candidate decodes them with a mess ratio under :data:`MAX_CHAOS`, or two
    candidates decode them equally well into different texts (GB18030 or Big5 for a short text):
    guessing there is how 機密★ became mojibake and passed.
    """
    from charset_normalizer import from_bytes

    sample = data[:65536]
    wide = sample.count(0) * 10 >= len(sample)
    candidates = list(from_bytes(data, cp_isolation=list(WIDE_ENCODINGS if wide else TEXT_ENCODINGS)))
    good = [m for m in candidates if m.chaos <= MAX_CHAOS]
    if not good:
        raise _Unreadable("无法识别文字编码，请另存为 UTF-8 后重试")
    good.sort(key=lambda m: m.chaos)
    best = good[0]
    text = str(best)
    rivals = [m for m in good[1:] if m.chaos <= best.chaos and str(m) != text]
    if rivals:
        names = "、".join(sorted({best.encoding, *(m.encoding for m in rivals)}))
        raise _Unreadable(f"文字编码无法确定（可能是 {names}），请另存为 UTF-8 后重试")
    return text


def _looks_like_html(text: str) -> bool:
    head = text[:4096].lstrip().lower()
    return head.startswith(("<!doctype html", "<html", "<?xml")) or "<body" in head or "<p>" in head or "<div" in head


def _read_text(
    data: bytes,
    name: str,
    members: dict[str, bytes] | None,
    limits: Limits,
    depth: int,
    segments: list[Segment],
    problems: list[Problem],
) -> str:
    text = decode_text(data)
    suffix = os.path.splitext(name)[1].lower()
    if suffix in (".html", ".htm") or _looks_like_html(text):
        segments.extend(html_segments(text))
        return "html"
    if suffix in (".csv", ".tsv"):
        segments.extend(csv_segments(text, "\t" if suffix == ".tsv" else None))
        return "csv"
    segments.append(Segment(text, Location("text")))
    return "text"


def csv_segments(text: str, delimiter: str | None = None) -> Iterator[Segment]:
    """The non-empty cells of a CSV text, each with its row and column."""
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",\t;|").delimiter
        except csv.Error:
            delimiter = ","
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, len(text) + 1))
    try:
        for r, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
            for c, value in enumerate(row, start=1):
                if value.strip():
                    yield Segment(value, Location("csv", row=r, column=c))
    except csv.Error as exc:
        raise _Unreadable(f"CSV 格式有误（{exc}）") from exc
    finally:
        csv.field_size_limit(old)


class _HTMLText(HTMLParser):
    """Collects the text of an HTML page (one block per line), its attribute values and comments."""

    BLOCKS: ClassVar[frozenset[str]] = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "title", "table", "section"}
        | {"article", "header", "footer", "blockquote", "pre", "ul", "ol", "dl", "dt", "dd", "hr"}
    )
    #: Elements whose content is code, not text.
    CODE: ClassVar[frozenset[str]] = frozenset({"script", "style"})
    #: Attributes that hold presentation or code, not text anyone reads.
    SKIPPED_ATTRIBUTES: ClassVar[frozenset[str]] = frozenset({"style", "class", "id", "lang", "dir", "width", "height"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.extra: list[Segment] = []
        self._code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value and value.strip() and key not in self.SKIPPED_ATTRIBUTES and not key.startswith("on"):
                self.extra.append(Segment(value, Location("html_attribute", detail=f"<{tag} {key}>")))
        if tag in self.CODE:
            self._code += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in self.CODE:
            self._code = max(0, self._code - 1)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.CODE:
            self._code = max(0, self._code - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._code:
            self.parts.append(data.replace("\n", " "))

    def handle_comment(self, data: str) -> None:
        if data.strip():
            self.extra.append(Segment(data, Location("html_comment")))


def html_segments(html: str) -> list[Segment]:
    """The text of an HTML page (one block per line), then its attribute values and comments."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return [Segment("\n".join(line for line in lines if line), Location("html_text")), *parser.extra]


def html_to_text(html: str) -> str:
    """The visible text of an HTML document, one block per line (script and style left out)."""
    return html_segments(html)[0].text


# -- spreadsheets ---------------------------------------------------------------------------


def _cell_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))  # a number stored as a number: 13800138000.0
    return None


def _read_sheets(
    data: bytes,
    name: str,
    members: dict[str, bytes] | None,
    limits: Limits,
    depth: int,
    segments: list[Segment],
    problems: list[Problem],
) -> str | None:
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    within = ""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises several kinds (zip, XML, password)
        raise _Unreadable(f"表格无法解析（{type(exc).__name__}）") from exc
    try:
        for meta in workbook.sheets_metadata:
            hidden = "（隐藏）" if meta.visible != SheetVisibleEnum.Visible else ""
            try:
                sheet = workbook.get_sheet_by_name(meta.name)
                rows = sheet.to_python(skip_empty_area=False)
            except Exception as exc:  # a chart sheet has no cells; anything else is unreadable
                if meta.typ != SheetTypeEnum.WorkSheet:
                    continue
                raise _Unreadable(
                    f"工作表“{meta.name}”无法读取（{type(exc).__name__}）", location=Location("cell", sheet=meta.name)
                ) from exc
            sheet_name = meta.name
            segments.append(Segment(sheet_name, Location("sheet_name", sheet_name, detail=hidden, within=within)))
            with gc_paused():  # many strings, none freed before the scan
                segments.extend(_sheet_segments(rows, sheet_name, hidden, within))
    finally:
        workbook.close()
    if members is not None:
        _xlsx_extras(members, segments)
        _properties(members, within, segments)
        if any(n.startswith(("xl/media/", "Pictures/")) for n in members):
            count = sum(1 for n in members if n.startswith(("xl/media/", "Pictures/")))
            problems.append(Problem(IMAGES, f"含 {count} 张图片", Location("file")))
    return None


def _column_texts(column: tuple[Any, ...]) -> Sequence[str]:
    """The texts of one column's cells, ``""`` for a cell without one (a column of texts as it is)."""
    kinds = set(map(type, column))
    if kinds == {str}:
        return column
    if kinds <= {str, float}:  # numbers come as floats: the same as _cell_text, without a call per cell
        return [
            value if value.__class__ is str else str(int(value)) if value.is_integer() and abs(value) < 1e16 else ""
            for value in column
        ]
    return [value if value.__class__ is str else (_cell_text(value) or "") for value in column]


def _row_lines(rows: list[list[Any]]) -> tuple[list[str], str]:
    """Each row's cells joined by tabs, and the rows joined by blank lines.

    A tab inside a cell becomes a space, so tabs count columns. Column by column when the rows
    are equally long (calamine's are): the joins then run in C.
    """
    width = len(rows[0]) if rows else 0
    if all(len(row) == width for row in rows):
        if not width:
            return [], ""
        lines = list(map("\t".join, zip(*map(_column_texts, zip(*rows, strict=True)), strict=True)))
        whole = "\n\n".join(lines)
        if whole.count("\t") == len(lines) * (width - 1):
            return lines, whole
    lines = []
    for row in rows:
        parts = [value if value.__class__ is str else (_cell_text(value) or "") for value in row]
        line = "\t".join(parts)
        if line.count("\t") != len(parts) - 1:
            line = "\t".join(p.replace("\t", " ") for p in parts)
        lines.append(line)
    return lines, "\n\n".join(lines)


def _sheet_segments(rows: list[list[Any]], sheet: str, hidden: str, within: str) -> list[Segment]:
    """A sheet's rows as segments, each finding to be placed in its cell by :func:`.scan.scan_segments`.

    Consecutive rows with text and no line break in any cell make one segment (kind ``rows``,
    ``row`` the first one's number): one row a line, a blank line between two rows, cells joined
    by tabs. One segment per row would cost more than reading the sheet. A row with a line break
    in a cell is a segment of its own (kind ``row``), whose lines are not rows; a blank row is
    none. Scanned, the segments give the same text as one segment per row with text.
    """
    lines, whole = _row_lines(rows)
    if whole.count("\n") == 2 * (len(lines) - 1) and "" not in lines and not any(map(str.isspace, lines)):
        return [Segment(whole, Location("rows", sheet, 1, detail=hidden, within=within))]  # the usual case
    out: list[Segment] = []
    new = tuple.__new__  # the named tuples built straight from their fields: the fastest way

    def block(first: int, last: int) -> None:  # rows first … last - 1 (0-based)
        if first < last:
            location = new(Location, ("rows", sheet, first + 1, None, None, None, hidden, within))
            out.append(new(Segment, ("\n\n".join(lines[first:last]), location)))

    first = 0
    for r, line in enumerate(lines):
        if not line or line.isspace():
            block(first, r)
            first = r + 1
        elif "\n" in line:
            block(first, r)
            out.append(new(Segment, (line, new(Location, ("row", sheet, r + 1, None, None, None, hidden, within)))))
            first = r + 1
    block(first, len(lines))
    return out


def _read_xls(
    data: bytes,
    name: str,
    members: dict[str, bytes] | None,
    limits: Limits,
    depth: int,
    segments: list[Segment],
    problems: list[Problem],
) -> str | None:
    _read_sheets(data, name, members, limits, depth, segments, problems)
    problems.append(
        Problem(UNREADABLE, "旧版 Excel（.xls）中的批注无法检查，请另存为 .xlsx 后重新检查", Location("file"))
    )
    return None


_REL_NS: Final = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _relations(members: dict[str, bytes], part: str) -> dict[str, str]:
    """Relationship id → target part (resolved) of one package part."""
    folder, base = posixpath.split(part)
    rels = members.get(posixpath.join(folder, "_rels", base + ".rels"))
    if rels is None:
        return {}
    out = {}
    for rel in _parse_xml(rels, part + ".rels"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        resolved = posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target))
        out[rel.get("Id", "")] = resolved
    return out


def _xlsx_extras(members: dict[str, bytes], segments: list[Segment]) -> None:
    """Cell comments (legacy and threaded) by sheet and cell; drawings' text."""
    sheet_of: dict[str, str] = {}
    if "xl/workbook.xml" in members:
        workbook = _parse_xml(members["xl/workbook.xml"], "xl/workbook.xml")
        targets = _relations(members, "xl/workbook.xml")
        for sheet in workbook.iter():
            if _local(sheet.tag) == "sheet":
                part = targets.get(sheet.get(_REL_NS + "id", ""), "")
                for target in _relations(members, part).values():
                    sheet_of[target] = sheet.get("name", "")
    for part in sorted(members):
        if not part.startswith("xl/"):
            continue
        base = posixpath.basename(part)
        if base.startswith("comment") or part.startswith(("xl/comments/", "xl/threadedComments/")):
            root = _parse_xml(members[part], part)
            for comment in root.iter():
                if _local(comment.tag) not in ("comment", "threadedComment"):
                    continue
                ref = comment.get("ref", "")
                text = "".join(t.text or "" for t in comment.iter() if _local(t.tag) == "t")
                if not text and _local(comment.tag) == "threadedComment":
                    text = "".join(t.text or "" for t in comment.iter() if _local(t.tag) == "text")
                if text.strip():
                    row, column = _parse_ref(ref)
                    segments.append(Segment(text, Location("sheet_comment", sheet_of.get(part, "?"), row, column)))
        elif part.startswith("xl/drawings/") and part.endswith(".xml"):
            root = _parse_xml(members[part], part)
            text = "\n".join(t.text or "" for t in root.iter() if _local(t.tag) == "t")
            if text.strip():
                segments.append(Segment(text, Location("textbox", detail=part)))


def _parse_ref(ref: str) -> tuple[int | None, int | None]:
    letters = "".join(c for c in ref if c.isalpha()).upper()
    digits = "".join(c for c in ref if c.isdigit())
    if not letters or not digits:
        return None, None
    column = 0
    for c in letters:
        column = column * 26 + ord(c) - 64
    return int(digits), column


def _read_ods(
    data: bytes,
    name: str,
    members: dict[str, bytes] | None,
    limits: Limits,
    depth: int,
    segments: list[Segment],
    problems: list[Problem],
) -> str | None:
    _read_sheets(data, name, None, limits, depth, segments, problems)
    assert members is not None
    content = members.get("content.xml")
    if content is not None:
        root = _parse_xml(content, "content.xml")
        for element in root.iter():
            if _local(element.tag) == "annotation":
                text = "\n".join("".join(p.itertext()) for p in element.iter() if _local(p.tag) == "p")
                if text.strip():
                    segments.append(Segment(text, Location("comment")))
    meta = members.get("meta.xml")
    if meta is not None:
        for element in _parse_xml(meta, "meta.xml").iter():
            if (element.text or "").strip() and not len(element):
                segments.append(Segment(element.text or "", Location("property", detail=_local(element.tag))))
    return None


# -- PDF ------------------------------------------------------------------------------------


def _read_pdf(
    data: bytes,
    name: str,
    members: dict[str, bytes] | None,
    limits: Limits,
    depth: int,
    segments: list[Segment],
    problems: list[Problem],
) -> str | None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise _Unreadable(f"PDF 无法打开（{exc}），可能已加密或损坏") from exc
    try:
        pages = len(pdf)
        if pages > limits.max_pages:
            raise _Unreadable(f"PDF 有 {pages} 页，超过 {limits.max_pages} 页的上限")
        for key, value in pdf.get_metadata_dict(skip_empty=True).items():
            segments.append(Segment(str(value), Location("metadata", detail=key)))
        for bookmark in pdf.get_toc(max_depth=16):
            title = bookmark.get_title() if hasattr(bookmark, "get_title") else getattr(bookmark, "title", "")
            if title:
                segments.append(Segment(title, Location("outline")))
        _pdf_attachments(pdf, limits, depth, segments, problems)
        pdf.init_forms()
        form = pdf.formenv.raw if pdf.formenv is not None else None
        text_pages = 0
        for number in range(1, pages + 1):
            page = pdf[number - 1]
            try:
                textpage = page.get_textpage()
                text = textpage.get_text_bounded()
                textpage.close()
                if text.strip():
                    text_pages += 1
                    segments.append(Segment(text, Location("page", page=number)))
                elif any(True for _ in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=4)):
                    problems.append(
                        Problem(UNREADABLE, "该页只有图片、没有文字层（可能是扫描件）", Location("page", page=number))
                    )
                _pdf_annotations(raw, page, form, number, segments)
            finally:
                page.close()
        if pages and not text_pages:
            raise _Unreadable("PDF 没有文字层（可能是扫描件或图片）")
    finally:
        pdf.close()
    return None


def _pdf_string(getter: Callable[[Any, int], int]) -> str:
    import ctypes

    size = getter(None, 0)
    if size <= 2:
        return ""
    buffer = ctypes.create_string_buffer(size)
    getter(ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)), size)
    return buffer.raw[: size - 2].decode("utf-16-le", "replace")


def _pdf_annotations(raw: Any, page: Any, form: Any, number: int, segments: list[Segment]) -> None:
    count = raw.FPDFPage_GetAnnotCount(page.raw)
    for j in range(count):
        annot = raw.FPDFPage_GetAnnot(page.raw, j)
        if not annot:
            continue
        try:
            subtype = raw.FPDFAnnot_GetSubtype(annot)
            for key in ("Contents", "T", "Subj", "NM"):
                text = _pdf_string(functools.partial(raw.FPDFAnnot_GetStringValue, annot, key.encode()))
                if text.strip():
                    segments.append(Segment(text, Location("annotation", page=number, detail=key)))
            if subtype == raw.FPDF_ANNOT_WIDGET and form is not None:
                field = _pdf_string(functools.partial(raw.FPDFAnnot_GetFormFieldName, form, annot))
                value = _pdf_string(functools.partial(raw.FPDFAnnot_GetFormFieldValue, form, annot))
                for text in (field, value):
                    if text.strip():
                        segments.append(Segment(text, Location("form_field", page=number, detail=field)))
        finally:
            raw.FPDFPage_CloseAnnot(annot)


def _pdf_attachments(pdf: Any, limits: Limits, depth: int, segments: list[Segment], problems: list[Problem]) -> None:
    for i in range(pdf.count_attachments()):
        attachment = pdf.get_attachment(i)
        name = attachment.get_name()
        try:
            content = bytes(attachment.get_data())
        except Exception:  # pdfium reports a missing or damaged stream
            problems.append(Problem(UNREADABLE, "嵌入文件无法读取", Location("file", detail=name)))
            continue
        _embedded(content, name, limits, depth, segments, problems)


def _embedded(
    content: bytes, name: str, limits: Limits, depth: int, segments: list[Segment], problems: list[Problem]
) -> None:
    """Read a file embedded in another (depth-limited); its locations name the object holding them."""
    if depth + 1 > limits.max_depth:
        problems.append(Problem(UNREADABLE, "嵌套层数过多，嵌入对象未读取", Location("file", within=name)))
        return
    inner = read_document(content, name, limits, _depth=depth + 1)
    segments.extend(Segment(s.text, s.location._replace(within=name)) for s in inner.segments)
    problems.extend(Problem(p.rule_id, p.reason, p.location._replace(within=name)) for p in inner.problems)


# -- Word -----------------------------------------------------------------------------------

_W: Final = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_SKIPPED_PARTS: Final = ("styles", "settings", "fontTable", "webSettings", "numbering", "stylesWithEffects")


def _docx_kind(part: str) -> tuple[str, str]:
    base = posixpath.basename(part)
    for prefix, kind in (
        ("document", "paragraph"),
        ("header", "header"),
        ("footer", "footer"),
        ("footnotes", "footnote"),
        ("endnotes", "endnote"),
        ("comments", "comment"),
    ):
        if base.startswith(prefix) and not part.startswith("word/glossary/"):
            return kind, ""
    return "part", part


class _DocxWalker:
    """Text of one WordprocessingML part, paragraph by paragraph, each piece with its location."""

    def __init__(self, part: str, segments: list[Segment]) -> None:
        self.kind, self.detail = _docx_kind(part)
        self.segments = segments
        self.paragraphs = 0
        self.tables = 0
        self.seen_boxes: set[str] = set()
        self.label = "" if self.kind == "paragraph" else _KIND_LABELS.get(self.kind, "")

    def block(self, element: Element, cell: tuple[int, int, int] | None, box: bool) -> None:
        for child in element:
            tag = child.tag
            if tag == _W + "p":
                self.paragraph(child, cell, box)
            elif tag == _W + "tbl":
                self.tables += 1
                table = self.tables
                rows = [r for r in child if r.tag == _W + "tr"]
                for r, row in enumerate(rows, start=1):
                    cells = [c for c in row if c.tag == _W + "tc"]
                    for c, tc in enumerate(cells, start=1):
                        self.block(tc, (table, r, c), box)
            elif tag == _W + "txbxContent":
                self.box(child)
            else:
                self.block(child, cell, box)

    def box(self, content: Element) -> None:
        # Text boxes come twice in most files (the DrawingML choice and its VML fallback).
        key = "".join(content.itertext())
        if key in self.seen_boxes:
            return
        self.seen_boxes.add(key)
        self.block(content, None, True)

    def paragraph(self, p: Element, cell: tuple[int, int, int] | None, box: bool) -> None:
        if cell is None and not box:  # 第N段 counts the paragraphs of running text, as a reader does
            self.paragraphs += 1
        pieces: dict[str, list[str]] = {"text": [], "deleted": [], "hidden": [], "field_code": []}
        boxes: list[Element] = []
        self.inline(p, pieces, deleted=False, boxes=boxes)
        text = "".join(pieces["text"])
        if text.strip():
            if box:
                location = Location("textbox", number=self.paragraphs)
            elif cell is not None:
                location = Location("table_cell", row=cell[1], column=cell[2], number=cell[0], detail=self.label)
            elif self.kind == "paragraph":
                location = Location("paragraph", number=self.paragraphs)
            else:
                location = Location(self.kind, number=self.paragraphs, detail=self.detail)
            self.segments.append(Segment(text, location))
        for kind in ("deleted", "hidden", "field_code"):
            extra = "".join(pieces[kind])
            if extra.strip():
                self.segments.append(Segment(extra, Location(kind, number=self.paragraphs, detail=self.label)))
        for content in boxes:
            self.box(content)

    def inline(self, element: Element, pieces: dict[str, list[str]], *, deleted: bool, boxes: list[Element]) -> None:
        for child in element:
            tag = child.tag
            if tag == _W + "r":
                properties = child.find(_W + "rPr")
                vanish = properties is not None and _on(properties.find(_W + "vanish"))
                for item in child:
                    itag = item.tag
                    if itag == _W + "t":
                        into = "hidden" if vanish else "deleted" if deleted else "text"
                        pieces[into].append(item.text or "")
                    elif itag == _W + "delText":
                        pieces["deleted"].append(item.text or "")
                    elif itag == _W + "instrText":
                        pieces["field_code"].append(item.text or "")
                    elif itag in (_W + "tab", _W + "ptab"):
                        pieces["text"].append("\t")
                    elif itag in (_W + "br", _W + "cr"):
                        pieces["text"].append("\n")
                    elif itag != _W + "rPr":
                        boxes.extend(_boxes(item))
            elif tag == _W + "del":
                self.inline(child, pieces, deleted=True, boxes=boxes)
            elif tag == _W + "pPr":
                continue
            elif tag == _W + "p":  # a paragraph nested in inline content (rare): its own segment
                self.paragraph(child, None, False)
            else:
                self.inline(child, pieces, deleted=deleted, boxes=boxes)


def _on(element: Element | None) -> bool:
    if element is None:
        return False
    return element.get(_W + "val", "true").lower() not in ("0", "false", "off")


def _boxes(element: Element) -> Iterator[Element]:
    """The outermost text-box contents inside a run's drawing or picture."""
    for child in element:
        if child.tag == _W + "txbxContent":
            yield child
        else:
            yield from _boxes(child)


def _read_docx(
    data: bytes,
    name: str,
    members: dict[str, bytes] | None,
    limits: Limits,
    depth: int,
    segments: list[Segment],
    problems: list[Problem],
) -> str | None:
    assert members is not None
    authors: set[str] = set()
    for part in sorted(members, key=lambda p: (p != "word/document.xml", p)):
        if not (part.startswith("word/") and part.endswith(".xml")) or "/_rels/" in part:
            continue
        if posixpath.basename(part).startswith(_SKIPPED_PARTS) or part.startswith("word/theme/"):
            continue
        root = _parse_xml(members[part], part)
        walker = _DocxWalker(part, segments)
        walker.block(root, None, False)
        for element in root.iter():
            author = element.get(_W + "author")
            if author:
                authors.add(author)
    for author in sorted(authors):
        segments.append(Segment(author, Location("property", detail="批注人/修订人")))
    for part in sorted(members):
        if part.startswith("word/_rels/") and part.endswith(".rels"):
            for rel in _parse_xml(members[part], part):
                if rel.get("TargetMode") == "External" and rel.get("Target"):
                    segments.append(Segment(rel.get("Target", ""), Location("link")))
    _properties(members, "", segments)
    for part in sorted(members):
        if part.startswith("word/embeddings/"):
            _embedded(members[part], posixpath.basename(part), limits, depth, segments, problems)
    images = sum(1 for p in members if p.startswith("word/media/"))
    if images:
        problems.append(Problem(IMAGES, f"含 {images} 张图片", Location("file")))
    return None


_Reader = Callable[
    [bytes, str, "dict[str, bytes] | None", Limits, int, list[Segment], list[Problem]],
    "str | None",
]
_READERS: Final[dict[str, _Reader]] = {
    "text": _read_text,
    "xlsx": _read_sheets,
    "xls": _read_xls,
    "ods": _read_ods,
    "pdf": _read_pdf,
    "docx": _read_docx,
}
