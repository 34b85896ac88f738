"""Normalisation before matching: noise in numbers and labels, offsets mapped back, line numbers."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai_flow.plugins.negative_list import LineIndex, Scanner, normalize
from gongkai_flow.plugins.negative_list.scan import JOINER

from .fixtures import ID

SCANNER = Scanner()

#: What people (or tools) put between the digits of a number.
NOISE = st.sampled_from(
    [
        " ",
        ".",
        "-",
        "\n",
        "\r\n",
        "\u3000",
        "\u200b",
        "\u200c",
        "\u200d",
        "\u2060",
        "\ufeff",
        "\xad",
        "·",
        "/",
        "－",
        "．",
    ]
)
#: How each digit may be written: ASCII, full-width, Arabic-Indic, Persian, Devanagari.
DIGIT_FORMS = st.sampled_from([0x30, 0xFF10, 0x0660, 0x06F0, 0x0966])
CHINESE = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), max_size=30)


@st.composite
def noisy_id(draw: st.DrawFn) -> str:
    """The ID number with noise between some of its digits and its digits in mixed scripts."""
    out = []
    for i, char in enumerate(ID):
        out.append(chr(draw(DIGIT_FORMS) + int(char)))
        if i < len(ID) - 1 and draw(st.booleans()):
            out.append(draw(NOISE))
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(before=CHINESE, number=noisy_id(), after=CHINESE)
def test_noisy_id_in_chinese_text_still_blocks(before: str, number: str, after: str) -> None:
    """However the digits are written and separated, the number is found, blocking, at its place."""
    text = f"{before}，身份证号{number}，{after}"
    hits = [f for f in SCANNER.scan(text) if f.rule_id == "negative_list.pii.id_card"]
    assert hits
    assert hits[0].blocking
    start, end = hits[0].span or (0, 0)
    assert text[start:end] == number.strip()
    assert ID not in (hits[0].excerpt or "")


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=80))
def test_offsets_map_back_onto_the_original(text: str) -> None:
    """Every normalised span maps to an original span whose normalisation gives it back."""
    normalized = normalize(text)
    n = len(normalized.text)
    for start in range(0, n + 1, 3):
        for end in range(start, min(n, start + 7) + 1, 2):
            o_start, o_end = normalized.to_original(start, end)
            assert 0 <= o_start <= o_end <= len(text)
            assert normalized.text[start:end] in normalize(text[o_start:o_end]).text or not normalized.text[start:end]


def test_plain_text_is_left_alone() -> None:
    """Text needing no normalisation comes back as it is, without an offset map."""
    text = "关于2019年社会保险待遇发放情况的公示。联系电话12333、12345。"
    normalized = normalize(text)
    assert normalized.text == text
    assert not normalized.changed


def test_near_misses_stay_clean() -> None:
    """Masked numbers, dates, amounts and statistics with separators are not personal numbers."""
    for text in (
        "身份证号 371102********1232，手机 138****8000。",
        "2019.01.01 至 2019.12.31，合计 1,234,567.89 元。",
        "参保人数 13.5 万人，同比增长 12.6%，基金结余 18.9 亿元，支出 20.1 亿元。",
        "文号：日人社发〔2019〕20号，索引号 11371100MB2857300X/2019-00123。",
        "咨询电话：12333，0633-8781234。",
    ):
        blocking = [f for f in SCANNER.scan(text) if f.blocking]
        assert blocking == [], (text, blocking)


@given(text=st.text(alphabet="ab\n", max_size=200), offset=st.integers(min_value=0, max_value=200))
def test_line_index_matches_counting(text: str, offset: int) -> None:
    """Line and column from the precomputed index equal counting newlines by hand."""
    offset = min(offset, len(text))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    assert LineIndex(text).position(offset) == (line, column)


def test_segments_never_join_across_the_blank_line() -> None:
    """Two cells, each half a number, are not read as one number."""
    halves = [ID[:9], ID[9:]]
    assert not [f for f in SCANNER.scan(JOINER.join(halves)) if f.rule_id.startswith("negative_list.pii")]
    assert re.search(r"\n\n", JOINER)


# -- the fast searches against the plain algorithm --------------------------------------------

_REF_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_REF_GAP = rf"(?<=[{_REF_CJK}])[ \t]+(?=[{_REF_CJK}])"


def _reference_normalize(text: str) -> tuple[str, list[tuple[int, int, int, int]]]:
    """Normalisation written plainly: every character folded by itself, then one regex with a lookbehind."""
    from gongkai_flow.plugins.negative_list.normalize import _tables

    tables = _tables()
    work = "".join(tables.one.get(c, c) for c in text)
    lengthy = sorted({c for c in work if c in tables.other})
    pattern = _REF_GAP + (f"|[{''.join(re.escape(c) for c in lengthy)}]+" if lengthy else "")
    pieces: list[str] = []
    replacements: list[tuple[int, int, int, int]] = []
    last = shift = 0
    for match in re.finditer(pattern, work):
        start, end = match.span()
        run = match.group()
        norm = start + shift
        if run[0] in " \t":
            folded = ""
            replacements.append((norm, norm, start, end))
        else:
            folded = "".join(tables.other[c] for c in run)
            for k, char in enumerate(run):
                piece = tables.other[char]
                replacements.append((norm, norm + len(piece), start + k, start + k + 1))
                norm += len(piece)
        pieces.append(work[last:start])
        pieces.append(folded)
        shift += len(folded) - len(run)
        last = end
    pieces.append(work[last:])
    return "".join(pieces), replacements


#: Characters normalisation treats differently: Chinese (simplified, traditional, extension A,
#: compatibility ideographs), spaces and tabs, full-width forms, format characters, expansions
#: (…, ㈠, ½), digits of other scripts, characters outside the BMP (𝟏, 𠀀), plain ASCII.
TRICKY = st.text(
    alphabet=st.sampled_from(
        list("中文机密機內開 \t\n，：（）０９…㈠½\u200b\u00ad\ufeff٣३a1\u3400\uf900\U0001d7cf\U00020000\u3000")
    ),
    max_size=60,
)


@settings(max_examples=400)
@given(text=st.one_of(TRICKY, st.text(max_size=60)))
def test_normalize_equals_the_plain_algorithm(text: str) -> None:
    normalized = normalize(text)
    assert (normalized.text, normalized.replacements) == _reference_normalize(text)
