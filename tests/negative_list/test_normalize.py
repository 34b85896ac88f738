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


def _reference_is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or "\uf900" <= char <= "\ufaff"


def _reference_normalize(text: str) -> tuple[str, list[tuple[int, int, int, int]]]:
    """Normalisation written plainly, character by character.

    Every character folded by itself; then every stretch of spaces, tabs and removed characters
    between two characters whose folds are Chinese has its spaces and tabs removed; every
    length-changing character replaced by its fold.
    """
    from gongkai_flow.plugins.negative_list.normalize import _tables

    tables = _tables()
    work = "".join(tables.one.get(c, c) for c in text)
    folds = [tables.other.get(c, c) for c in work]
    skip = {" ", "\t"} | {c for c, f in tables.other.items() if not f}
    gap = [False] * len(work)
    i = 0
    while i < len(work):
        if work[i] not in skip:
            i += 1
            continue
        j = i
        while j < len(work) and work[j] in skip:
            j += 1
        before = folds[i - 1][-1:] if i else ""
        after = folds[j][:1] if j < len(work) else ""
        if before and after and _reference_is_cjk(before) and _reference_is_cjk(after):
            for k in range(i, j):
                gap[k] = work[k] in " \t"
        i = j
    pieces: list[str] = []
    replacements: list[tuple[int, int, int, int]] = []
    norm = 0
    k = 0
    while k < len(work):
        char = work[k]
        if gap[k]:
            end = k
            while end < len(work) and gap[end]:
                end += 1
            replacements.append((norm, norm, k, end))
            k = end
            continue
        if char in tables.other:
            piece = tables.other[char]
            replacements.append((norm, norm + len(piece), k, k + 1))
        else:
            piece = char
        pieces.append(piece)
        norm += len(piece)
        k += 1
    return "".join(pieces), replacements


#: Characters normalisation treats differently: Chinese (simplified, traditional, extension A,
#: compatibility ideographs), spaces and tabs, full-width forms, format characters, expansions
#: (…, ㈠, ½, ㍻ → 平成, ㈠ → (一)), digits of other scripts, characters outside the BMP (𝟏, 𠀀),
#: compatibility forms of traditional characters (U+2F814 → 內 → 内), plain ASCII.
TRICKY = st.text(
    alphabet=st.sampled_from(
        [
            *"中文机密機內開 \t\n，：（）０９…㈠½\u200b\u00ad\ufeff٣३a1\u3400\uf900\U0001d7cf\U00020000\u3000",
            *"\u337b\u3220\U0002f814\u2fa8\u32ae\ufe0f\U000e0020\u034f\u3164",
        ]
    ),
    max_size=60,
)


@settings(max_examples=400)
@given(text=st.one_of(TRICKY, st.text(max_size=60)))
def test_normalize_equals_the_plain_algorithm(text: str) -> None:
    normalized = normalize(text)
    assert (normalized.text, normalized.replacements) == _reference_normalize(text)


def test_compatibility_forms_of_traditional_characters_reach_the_simplified_form() -> None:
    """U+2F814 folds to 內 (traditional) under NFKC and on to 内: the marker is still found."""
    for text in ("\U0002f814部资料", "\u2fa8户", "此件不予公\U0002f9ee"):
        normalized = normalize(text).text
        assert normalize(normalized).text == normalized, text
    assert "negative_list.internal.marker" in {f.rule_id for f in SCANNER.scan("\U0002f814部资料")}
    assert "negative_list.label.conflict" in {f.rule_id for f in SCANNER.scan("此件不予公\U0002f9ee")}


def test_every_fold_is_a_fixed_point() -> None:
    """No character folds to a character that would fold again (one pass is the whole normalisation)."""
    from gongkai_flow.plugins.negative_list.normalize import _tables

    tables = _tables()
    changing = set(tables.one) | set(tables.other)
    assert not [c for c, f in tables.one.items() if f in changing]
    assert not [c for c, f in tables.other.items() if any(x in changing for x in f)]


@settings(max_examples=300)
@given(text=st.one_of(TRICKY, st.text(max_size=60)))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text).text
    assert normalize(once).text == once


def test_removed_characters_beside_a_space_do_not_keep_chinese_apart() -> None:
    """A zero-width space or soft hyphen next to the space between two Chinese characters is noise too."""
    for text in ("机\u200b 密★", "机 \u200b密★", "机\u00ad\t\ufeff 密★"):
        assert normalize(text).text == "机密★", text
        assert _reference_normalize(text)[0] == "机密★", text
        assert "negative_list.secrecy.marking" in {f.rule_id for f in SCANNER.scan(text)}, text
    assert normalize("机 \u337b").text == "机平成"  # a fold beginning with a Chinese character
    assert normalize("a\u200b b").text == "a b"


@settings(max_examples=300)
@given(text=st.text(alphabet=st.sampled_from(["机", "密", " ", "\t", "\u200b", "\xad", "a", "…", "\u337b", "，"])))
def test_normalize_equals_the_plain_algorithm_around_gaps(text: str) -> None:
    normalized = normalize(text)
    assert (normalized.text, normalized.replacements) == _reference_normalize(text)


def test_invisible_characters_are_removed_like_format_characters() -> None:
    """A variation selector, a tag character or a grapheme joiner inside a marking does not hide it."""
    for text in ("机\ufe0f密★", "机\U000e0020密★", "机\U000e0101密★", "机\u034f密★", "机\u180b 密★"):
        assert normalize(text).text == "机密★", text
        assert "negative_list.secrecy.marking" in {f.rule_id for f in SCANNER.scan(text)}, text
