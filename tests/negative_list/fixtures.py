"""Files built in memory for the reader tests: Word and PDF written by hand, Excel with openpyxl."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence

#: A checksum-valid 公民身份号码 (GB 11643) and one ending in the check character X.
ID = "371102199001011232"
ID_X = "37110219900103002X"

_W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)


def paragraph(text: str) -> str:
    """One WordprocessingML paragraph holding ``text`` in one run."""
    return f'<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def word_part(body: str, root: str = "document") -> bytes:
    """A WordprocessingML part: ``body`` inside ``w:body`` for the document, directly otherwise."""
    inner = f"<w:body>{body}</w:body>" if root == "document" else body
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:{root} {_W_NS}>{inner}</w:{root}>'.encode()


def package(parts: Mapping[str, bytes | str]) -> bytes:
    """A zip package with the given parts (deflated)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx(body: str = "", **parts: bytes | str) -> bytes:
    """A minimal .docx: ``body`` in the document; more parts by path (``word__header1_xml``: word/header1.xml)."""
    files: dict[str, bytes | str] = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "word/document.xml": word_part(body or paragraph("关于发放补贴的公示")),
    }
    for name, content in parts.items():
        stem, _, extension = name.replace("__", "/").rpartition("_")
        files[f"{stem}.{extension}"] = content
    return package(files)


def _pdf_text(value: str) -> str:
    """A PDF text string: UTF-16BE with a byte-order mark, in hex."""
    return "<FEFF" + value.encode("utf-16-be").hex().upper() + ">"


def _literal(value: str) -> str:
    return "(" + value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def pdf(
    pages: Sequence[str],
    *,
    annotation: str | None = None,
    title: str | None = None,
    field: str | None = None,
    image_only: bool = False,
) -> bytes:
    """A small PDF: each page's ASCII text in Helvetica, with optional note, metadata and form field.

    ``image_only`` draws a one-pixel image instead of text on every page (a scan, for the
    checker). Offsets in the cross-reference table are computed, so pdfium reads it as valid.
    """
    objects: list[str] = []

    def add(body: str) -> int:
        objects.append(body)
        return len(objects)

    catalog = add("")
    pages_obj = add("")
    font = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    image = add("") if image_only else 0
    kids: list[int] = []
    widgets: list[int] = []
    for text in pages:
        if image_only:
            stream = "q 200 0 0 200 100 400 cm /Im1 Do Q"
        else:
            lines = " T* ".join(f"{_literal(line)} Tj" for line in text.split("\n"))
            stream = f"BT /F1 12 Tf 14 TL 72 720 Td {lines} ET"
        content = add(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        page = add("")
        annots: list[int] = []
        if annotation is not None:
            annots.append(
                add(f"<< /Type /Annot /Subtype /Text /Rect [100 100 120 120] /Contents {_pdf_text(annotation)} >>")
            )
        if field is not None:
            widget = add(
                "<< /Type /Annot /Subtype /Widget /FT /Tx /T (applicant) "
                f"/V {_pdf_text(field)} /Rect [100 200 300 220] /P {page} 0 R >>"
            )
            annots.append(widget)
            widgets.append(widget)
        resources = f"/Font << /F1 {font} 0 R >>" + (f" /XObject << /Im1 {image} 0 R >>" if image_only else "")
        annot_list = f" /Annots [{' '.join(f'{a} 0 R' for a in annots)}]" if annots else ""
        objects[page - 1] = (
            f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 612 792] /Resources << {resources} >> "
            f"/Contents {content} 0 R{annot_list} >>"
        )
        kids.append(page)
    if image_only:
        objects[image - 1] = (
            "<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
            "/BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream"
        )
    acroform = f" /AcroForm << /Fields [{' '.join(f'{w} 0 R' for w in widgets)}] >>" if widgets else ""
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R{acroform} >>"
    objects[pages_obj - 1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
    info = add(f"<< /Title {_pdf_text(title)} /Producer (test) >>") if title is not None else 0
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    info_ref = f" /Info {info} 0 R" if info else ""
    out += f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R{info_ref} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def xlsx(rows: Sequence[Sequence[object]] = (("姓名", "金额"), ("刘某", 1000)), **options: object) -> bytes:
    """An .xlsx with a visible sheet of ``rows``; options add a hidden sheet, a hidden row, a comment."""
    import openpyxl
    from openpyxl.comments import Comment

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = str(options.get("title", "公示名单"))
    for row in rows:
        sheet.append(list(row))
    if "hidden_sheet" in options:
        hidden = book.create_sheet("备用")
        hidden.sheet_state = "hidden"
        hidden["B3"] = options["hidden_sheet"]
    if "hidden_row" in options:
        sheet["A20"] = options["hidden_row"]
        sheet.row_dimensions[20].hidden = True
    if "comment" in options:
        sheet["B2"].comment = Comment(str(options["comment"]), "审核人")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
