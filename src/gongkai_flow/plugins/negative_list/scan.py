"""Scanning documents: the scanner over a document's segments, findings placed where they are.

:func:`scan_segments` runs one scan over all segments joined by a blank line (a word or a number
never spans two segments: numbers may hold at most one line break) and hands each finding back
with its segment's :class:`~.documents.Location` and, inside the segment, its span, line and
column. :func:`scan_document` adds a blocking finding for each part of the file that could not be
read (rules ``negative_list.input.*``): what was not read is never reported clean.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Sequence
from typing import Any, Final, NamedTuple

from ...model import Finding, NegativeListCategory, Severity
from .catalogue import category
from .documents import ExtractedDocument, Location, Problem, Segment
from .normalize import Normalized, normalize
from .pause import gc_paused
from .results import ScanResult
from .scanner import Hit, ScanContext, Scanner, blocking

#: What joins segments into the one text scanned: a blank line.
JOINER: Final = "\n\n"
_NEWLINE: Final = re.compile("\n")


class LineIndex:
    """1-based line and column of character offsets, in logarithmic time after a linear pass."""

    __slots__ = ("_starts",)

    def __init__(self, text: str) -> None:
        self._starts = _line_starts(text)

    def position(self, offset: int) -> tuple[int, int]:
        """The line and column (both from 1) of ``offset``."""
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


class LocatedFinding(NamedTuple):
    """A finding and where it is: the segment's location, and line and column inside the segment.

    ``finding.span`` is relative to the segment's text (for a spreadsheet, the cell's text;
    ``None`` for a part that was not read).
    """

    finding: Finding
    location: Location
    line: int | None = None
    column: int | None = None

    @property
    def blocking(self) -> bool:
        """Whether the finding stops publication."""
        return self.finding.blocking

    @property
    def fail_closed(self) -> bool:
        """Whether the finding says part of the file was not read (``negative_list.input.*``)."""
        return self.finding.rule_id.startswith("negative_list.input.")

    def to_json(self) -> dict[str, Any]:
        """The finding in the JSON shape of ``docs/negative-list.md``."""
        f = self.finding
        out = dict(_json_template(f.rule_id, f.rule_version, f.category, f.severity, f.legal_basis))
        out["location"] = self.location.to_json()
        if f.span is not None:
            out["start"], out["end"] = f.span
        out["line"] = self.line
        out["column"] = self.column
        out["excerpt"] = f.excerpt
        out["message"] = f.message
        return out


@functools.lru_cache(maxsize=4096)
def _json_template(
    rule_id: str,
    rule_version: str,
    category_id: NegativeListCategory | None,
    severity: Severity,
    legal_basis: str | None,
) -> dict[str, Any]:
    """The fields of a finding's JSON that come from its rule, in the order of the schema (copied per finding)."""
    return {
        "rule_id": rule_id,
        "rule_version": rule_version,
        "category": category_id.value if category_id else None,
        "category_label": _category_label(category_id) if category_id else None,
        "severity": severity.value,
        "severity_label": severity.label,
        "blocking": severity is Severity.BLOCK,
        "location": None,
        "start": None,
        "end": None,
        "line": None,
        "column": None,
        "excerpt": None,
        "message": None,
        "legal_basis": legal_basis,
    }


def category_name(finding: Finding) -> str | None:
    """The finding's category as 附件1 words it (``（二）涉及商业秘密、个人隐私等…``), or ``None``."""
    if finding.category is None:
        return None
    return _category_label(finding.category)


@functools.cache
def _category_label(category_id: NegativeListCategory) -> str:
    entry = category(category_id)
    return f"{entry.number}{entry.name}"


def scan_segments(
    scanner: Scanner, segments: Sequence[Segment], context: ScanContext | None = None
) -> ScanResult[LocatedFinding]:
    """Scan text segments together; each finding comes back with its segment's location.

    The scan runs now; the findings are built and placed when first read (:class:`.results.ScanResult`).
    """
    if not segments:
        return ScanResult.of([], 0)
    segments = tuple(segments)
    starts = [0, *itertools.accumulate(len(s.text) + len(JOINER) for s in segments[:-1])]
    with gc_paused():
        normalized = normalize(JOINER.join(s.text for s in segments))
        hits = scanner.hits(normalized.text, context)
    return ScanResult(len(hits), blocking(hits), lambda: _place(scanner, segments, starts, normalized, hits))


def _line_starts(text: str) -> list[int]:
    """Where each line of ``text`` starts."""
    return [0, *(m.end() for m in _NEWLINE.finditer(text))]


def _place(
    scanner: Scanner, segments: tuple[Segment, ...], starts: list[int], normalized: Normalized, hits: list[Hit]
) -> list[LocatedFinding]:
    """Each hit built once, at its place in its segment (or its cell), with its line and column there."""
    lines_of: dict[tuple[int, int], list[int]] = {}  # line starts by (segment, start of the text in it)
    out: list[LocatedFinding] = []
    append = out.append
    scanned = normalized.text
    to_original = normalized.to_original if normalized.changed else None
    messages: dict[tuple[str, str], str] = {}
    build = scanner.finding
    bisect_right = bisect.bisect_right
    new = tuple.__new__  # named tuples built straight from their fields: the fastest way
    for hit in hits:
        if to_original is None:
            start, end = hit[0], -hit[1]
        else:
            start, end = to_original(hit[0], -hit[1])
        i = bisect_right(starts, start) - 1
        text, location = segments[i]
        first = start - starts[i]
        last = end - starts[i]
        kind = location.kind
        if kind == "rows" or kind == "row":  # a spreadsheet: the finding's row, then its cell by counting tabs
            row = location.row or 1
            if kind == "rows":  # consecutive rows, one a line, a blank line between two
                key = (i, -1)
                lines = lines_of.get(key)
                if lines is None:
                    lines = lines_of[key] = _line_starts(text)
                line = bisect_right(lines, first)
                row_start = lines[line - 1]
                row_end = lines[line] - 1 if line < len(lines) else len(text)
                row += (line - 1) // 2
            else:
                row_start, row_end = 0, len(text)
            tab = text.rfind("\t", row_start, first)
            cell_start = row_start if tab == -1 else tab + 1
            cell_end = text.find("\t", cell_start, row_end)
            if cell_end == -1:
                cell_end = row_end
            column = text.count("\t", row_start, cell_start) + 1
            place = ("cell", location.sheet, row, column, None, None, location.detail, location.within)
            location = new(Location, place)
            local = (first - cell_start, (last if last < cell_end else cell_end) - cell_start)
            key = (i, cell_start)
            lines = lines_of.get(key)
            if lines is None:
                lines = lines_of[key] = _line_starts(text[cell_start:cell_end]) if kind == "row" else [0]
        else:
            size = len(text)
            local = (first, last if last < size else size)
            key = (i, 0)
            lines = lines_of.get(key)
            if lines is None:
                lines = lines_of[key] = _line_starts(text)
        line = bisect_right(lines, local[0])
        column = local[0] - lines[line - 1] + 1
        append(new(LocatedFinding, (build(hit, local, scanned, messages), location, line, column)))
    return out


def problem_finding(scanner: Scanner, name: str, problem: Problem) -> LocatedFinding:
    """The finding of one part the reader could not check (blocking unless it is only images)."""
    where = "" if problem.location.kind == "file" and not problem.location.within else problem.location.label
    term = f"“{name}”{where}（{problem.reason}）"
    rule = scanner.rules.get(problem.rule_id)
    if rule is None:  # a scanner built without the rule still refuses what it did not read
        finding = Finding(
            rule_id=problem.rule_id, severity=Severity.BLOCK, message=f"{term}：无法读取文字，须人工核对。"
        )
    else:
        finding = Finding(
            rule_id=rule.id,
            severity=rule.severity,
            message=rule.message.format(term=term, masked="", right="", label=""),
            rule_version=rule.version,
            category=rule.category,
            legal_basis=rule.basis,
        )
    return LocatedFinding(finding, problem.location)


def scan_document(
    scanner: Scanner, document: ExtractedDocument, context: ScanContext | None = None
) -> ScanResult[LocatedFinding]:
    """Every finding of a document: one per part it could not read, then those in its text.

    The findings are built when first read (:class:`.results.ScanResult`).
    """
    problems = [problem_finding(scanner, document.name, p) for p in document.problems]
    found = scan_segments(scanner, document.segments, context)
    if not problems:
        return found
    blocked = sum(1 for p in problems if p.blocking) + found.blocking
    return ScanResult(len(problems) + len(found), blocked, lambda: [*problems, *found])
