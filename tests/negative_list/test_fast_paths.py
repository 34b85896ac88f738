"""The scan's fast paths against the plain ways they replace: the same findings, at the same places."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai_flow.plugins.negative_list import Location, Scanner, Segment, scan_segments
from gongkai_flow.plugins.negative_list import validators as v
from gongkai_flow.plugins.negative_list.documents import _cell_text, _sheet_segments
from gongkai_flow.plugins.negative_list.results import ScanResult
from gongkai_flow.plugins.negative_list.scanner import _NUMBER_RUN

from .fixtures import ID, ID_X

SCANNER = Scanner()

# -- the number pass -------------------------------------------------------------------------

_PLAIN_GAP = r"[ .\-_/·・]{0,3}(?:\r?\n[ ]{0,3})?"
#: The run of digits written plainly: a gap (perhaps empty) and a digit, repeated greedily.
_PLAIN_NUMBER_RUN = re.compile(rf"[0-9](?:{_PLAIN_GAP}[0-9]){{5,}}(?:{_PLAIN_GAP}[Xx])?")

NUMBERISH = st.text(alphabet=st.sampled_from(list("0123456789 .-_/·・\r\nXxa中")), max_size=120)
#: Runs of digits of every length around 18, with gaps and check characters between them.
RUNS = st.lists(
    st.one_of(
        st.integers(1, 45).map(lambda n: "7" * n),
        st.sampled_from(
            [ID, ID_X, ID[:17], " ", "  ", "    ", ".", "-", "\n", "\r\n", "\n\n", "\n ", "X", "x", "a", "中"]
        ),
    ),
    max_size=8,
).map("".join)


@settings(max_examples=1000)
@given(text=NUMBERISH | RUNS)
def test_number_runs_are_those_of_the_plain_pattern(text: str) -> None:
    """The possessive "digit, or gap and digit" finds exactly the runs of the plain pattern."""
    assert [m.span() for m in _NUMBER_RUN.finditer(text)] == [m.span() for m in _PLAIN_NUMBER_RUN.finditer(text)]


def test_long_runs_are_cut_where_the_plain_pattern_cuts_them() -> None:
    for text in ("1" * 100, "12 " * 30, "1" * 41 + " " + ID, "1\n2\n3\n4\n5\n6\n7", "1234567\n\n89"):
        assert [m.span() for m in _NUMBER_RUN.finditer(text)] == [m.span() for m in _PLAIN_NUMBER_RUN.finditer(text)]


# -- the ID-number check ---------------------------------------------------------------------


def _plain_check_char(first17: str) -> str:
    return v.ID_CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, v.ID_WEIGHTS, strict=True)) % 11]


DIGITS17 = st.text(alphabet="0123456789", min_size=17, max_size=17)


@settings(max_examples=500)
@given(first17=DIGITS17)
def test_check_character_is_the_weighted_sum(first17: str) -> None:
    """The base-13 reading gives the GB 11643 weighted sum modulo 11."""
    assert v.id18_check_char(first17) == _plain_check_char(first17)


@settings(max_examples=500)
@given(
    first17=DIGITS17 | st.sampled_from([ID[:17], ID_X[:17]]),
    last=st.sampled_from([*"0123456789Xx", "Y", "", "12", "٣"]),
)
def test_id18_shape_says_what_the_plain_checks_say(first17: str, last: str) -> None:
    """Valid, check character wrong, or not an ID number: as the province, date and weights say."""
    number = first17 + last
    plain_birth = (
        len(number) == 18
        and last in "0123456789Xx"
        and int(number[:2]) in v.PROVINCE_CODES
        and v.is_valid_birth_date(number[6:14])
    )
    plain_valid = plain_birth and _plain_check_char(first17) == last.upper()
    expected = v.ID_VALID if plain_valid else v.ID_CHECK_FAILS if plain_birth else v.NOT_ID
    assert v.id18_shape(number) == expected
    assert v.is_valid_id18(number) == plain_valid
    assert v.id18_birth_date_valid(number) == plain_birth


@settings(max_examples=300, deadline=None)
@given(
    number=st.sampled_from([ID, ID_X, ID_X.lower(), ID[:17] + "5", "621700" + "0" * 11 + "0"])
    | DIGITS17.map(lambda d: d + _plain_check_char(d))
    | st.builds(lambda d, c: d + c, DIGITS17, st.sampled_from(list("0123456789X"))),
    before=st.sampled_from(["", "身份证号", "号码：", " ", "卡号"]),
)
def test_the_id_fast_path_finds_what_the_general_path_finds(number: str, before: str) -> None:
    """An 18-character number alone in its run: the scan's shortcut gives the general classifier's hits."""
    text = f"{before}{number}。"
    start = len(before)
    general: list[Any] = []
    SCANNER._classify_digits(text, start, number, general)
    found: list[Any] = []
    ids: list[Any] = []
    SCANNER._scan_numbers(text, found, ids)
    assert found + ids == general


# -- spreadsheets: rows scanned together, placed in their cells ------------------------------

CELL = st.one_of(
    st.text(alphabet=st.sampled_from(list("机密★内部资料此件不予公开举报人：刘建国 \t\n0123456789X-")), max_size=14),
    st.sampled_from([ID, ID_X, "13812345678", "6222021234567890128", "内部资料", "机密★", "举报人：刘建国", ""]),
    st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**17), 10**17) | st.booleans(),
)


def _one_segment_per_row(rows: list[list[Any]], sheet: str) -> list[Segment]:
    """The plain way: one segment per row with text, its cells joined by tabs (tabs in cells as spaces)."""
    out = []
    for r, row in enumerate(rows, start=1):
        parts = [value if isinstance(value, str) else (_cell_text(value) or "") for value in row]
        line = "\t".join(p.replace("\t", " ") for p in parts)
        if line.strip():
            out.append(Segment(line, Location("row", sheet, r)))
    return out


@settings(max_examples=200, deadline=None)
@given(width=st.integers(1, 4), data=st.data())
def test_sheet_segments_find_what_one_segment_per_row_finds(width: int, data: st.DataObject) -> None:
    """Rows scanned as blocks give the findings of one segment per row: same rule, cell, span, line, column."""
    rows = data.draw(st.lists(st.lists(CELL, min_size=width, max_size=width), max_size=8))
    head = [Segment("名单.xlsx", Location("name"))]
    fast = list(scan_segments(SCANNER, head + _sheet_segments(rows, "表", "", "")))
    plain = list(scan_segments(SCANNER, head + _one_segment_per_row(rows, "表")))
    assert fast == plain


def test_a_cell_with_a_line_break_is_placed_in_its_row() -> None:
    """Rows around a cell holding a line break keep their numbers, and the cell's lines count from 1."""
    rows: list[list[Any]] = [
        ["姓名", "身份证号"],
        ["刘某", ID],
        ["备注\n内部资料", ""],
        ["", ""],
        ["王某", ID_X],
    ]
    segments = _sheet_segments(rows, "表", "", "")
    assert [(s.location.kind, s.location.row) for s in segments] == [("rows", 1), ("row", 3), ("rows", 5)]
    found = [(f.finding.rule_id, f.location.cell, f.line, f.column) for f in scan_segments(SCANNER, segments)]
    assert found == [
        ("negative_list.pii.id_card", "B2", 1, 1),
        ("negative_list.internal.marker", "A3", 2, 1),
        ("negative_list.pii.id_card", "B5", 1, 1),
    ]


# -- findings built when first read ----------------------------------------------------------


def test_a_scan_knows_its_count_and_blocking_before_building_anything() -> None:
    result = SCANNER.scan(f"身份证号{ID}，内部资料。")
    assert isinstance(result, ScanResult)
    assert not result.built
    assert len(result) == 2
    assert result.blocking == 2
    assert not result.built
    assert [f.rule_id for f in result] == ["negative_list.pii.id_card", "negative_list.internal.marker"]
    assert result.built
    assert result == list(result)
    assert result == tuple(result)
    assert result[0].excerpt == "身份证号371102********1232,内部资料。"


def test_built_findings_are_those_of_the_hits() -> None:
    """The lazily built findings equal findings built one by one from the hits, spans mapped back."""
    text = "举报人：刘建国，手机１３８１２３４５６７８，机 密★，此件不予公开。"
    result = SCANNER.scan(text)
    from gongkai_flow.plugins.negative_list import normalize

    normalized = normalize(text)
    hits = SCANNER.hits(normalized.text)
    one_by_one = [SCANNER.finding(h, normalized.to_original(h[0], -h[1]), normalized.text) for h in hits]
    assert list(result) == one_by_one
    assert sum(f.blocking for f in one_by_one) == result.blocking


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(
        st.sampled_from([ID, ID_X, "内部资料", "机密★", "举报人：刘建国", "13812345678", "，", "\n", " ", "2023.01.05"])
        | NUMBERISH,
        max_size=10,
    ).map("".join)
)
def test_id_numbers_merge_into_the_other_hits_in_order(text: str) -> None:
    """Valid ID numbers kept apart from the other hits come back ordered, nothing left that one pass would drop."""
    from gongkai_flow.plugins.negative_list import normalize
    from gongkai_flow.plugins.negative_list.scanner import _dedupe

    hits = SCANNER.hits(normalize(text).text)
    assert _dedupe(list(hits), len(SCANNER.rules)) == hits


def test_cells_of_one_length_in_a_row_keep_their_own_lines() -> None:
    """Two cells of one row, equally long, each with a line break: each finding's line is counted in its own cell."""
    rows: list[list[Any]] = [["a\n内部资料xx", "xxx\n内部资料"]]
    found = [(f.location.cell, f.line, f.column) for f in scan_segments(SCANNER, _sheet_segments(rows, "表", "", ""))]
    assert found == [("A1", 2, 1), ("B1", 2, 1)]


TEMPLATE = st.lists(
    st.sampled_from(["发现", "（", "），", "{masked}", "{term}", "{{", "}}", "{masked!r}", "{masked:>3}", "a"]),
    max_size=6,
).map("".join)


@settings(max_examples=500)
@given(message=TEMPLATE, value=st.text(max_size=5))
def test_a_message_with_one_field_is_rendered_as_format_map_renders_it(message: str, value: str) -> None:
    from gongkai_flow.plugins.negative_list.scanner import _around, _Format

    around = _around(message, "masked")
    if around is not None:
        assert value.join(around) == message.format_map(_Format(masked=value))


def test_the_id_shortcut_follows_the_rule_settings() -> None:
    """Switched off, the ID-number rule finds nothing, the shortcut neither; a changed severity is kept."""
    from gongkai_flow.model import Severity
    from gongkai_flow.plugins.negative_list import Settings

    text = f"身份证号{ID}，{ID_X.lower()}。"
    off = Scanner(Settings.from_config({"rules": {"negative_list.pii.id_card": {"enabled": False}}}))
    assert [f.rule_id for f in off.scan(text)] == []
    review = Scanner(Settings.from_config({"rules": {"negative_list.pii.id_card": {"severity": "review"}}}))
    found = list(review.scan(text))
    assert [(f.rule_id, f.severity) for f in found] == [("negative_list.pii.id_card", Severity.REVIEW)] * 2
    assert review.scan(text).blocking == 0
