"""Text normalisation before matching, with a map back to the original text.

What people (or tools) put into a text to dodge a check, undone before any rule runs:

- compatibility forms folded by NFKC, one character at a time (full-width digits and letters,
  ideographic space, circled numbers, 〇-style punctuation variants such as ``（`` → ``(``);
- Unicode format characters (category Cf: zero-width space and joiners, soft hyphen, BOM,
  bidirectional marks, tag characters) and other invisible ones (variation selectors, the
  combining grapheme joiner, Hangul fillers) removed;
- decimal digits of any script (Arabic-Indic ``٣٧١``, Devanagari…) folded to ASCII;
- spaces and tabs between two Chinese characters removed (``此件 不予公开``, ``机 密★``), also
  with removed characters beside them (``机\u200b 密★``);
- the traditional forms of the characters the rules' words use folded to simplified ones
  (``機密★`` → ``机密★``, ``此件不予公開``): a Big5 text is checked like a GB one. This is a
  short table (:data:`TRADITIONAL`), not a full conversion. It applies to the result of NFKC
  too (U+2F814 → 內 → 内): every fold is a fixed point.

:func:`normalize` returns a :class:`Normalized` text and the replacements it made; spans found in
the normalised text are mapped back with :meth:`Normalized.to_original`, so findings point at the
original text. Text that needs none of this (nearly all text) is returned as it is, after one
regular-expression search.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from typing import Final, final

#: Code points examined when building the class of characters to change: the BMP, the
#: supplementary planes holding mathematical alphanumerics and CJK compatibility ideographs, and
#: the plane of tag characters and variation selectors (invisible, so removed).
_CODE_POINTS: Final = (range(0x80, 0x30000), range(0xE0000, 0xE1000))

#: Characters that are not format characters (Cf) but are just as invisible, and removed with
#: them: the combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian and
#: other variation selectors (机\ufe0f密★ reads 机密★).
_INVISIBLE: Final = frozenset(
    [chr(0x034F), chr(0x115F), chr(0x1160), chr(0x17B4), chr(0x17B5), chr(0x3164), chr(0xFFA0)]
    + [chr(c) for c in (*range(0x180B, 0x1810), *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0))]
)


#: Traditional characters of the rules' words, with their simplified forms (same length: the
#: fold keeps offsets).
TRADITIONAL: Final = {
    a: b
    for a, b in zip(
        "機絕開內資發請報號證碼訪舉訴檔會議紀錄審簽閱傳辦擬領導見參標討論稿徵電話銀單據級軍專門戶籍個隱私權檢複務職區縣鄉鎮醫療診斷結論網頁箋聯繫",
        "机绝开内资发请报号证码访举诉档会议纪录审签阅传办拟领导见参标讨论稿征电话银单据级军专门户籍个隐私权检复务职区县乡镇医疗诊断结论网页笺联系",
        strict=True,
    )
    if a != b
}


def _removed(char: str) -> bool:
    return char in _INVISIBLE or unicodedata.category(char) == "Cf"


def _changes(char: str) -> bool:
    if char in TRADITIONAL:
        return True
    if _removed(char):
        return True
    if unicodedata.normalize("NFKC", char) != char:
        return True
    return not char.isascii() and unicodedata.decimal(char, None) is not None


def _ranges(points: list[int]) -> str:
    out: list[str] = []
    i = 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and points[j + 1] == points[j] + 1:
            j += 1
        first, last = chr(points[i]), chr(points[j])
        out.append(re.escape(first) if i == j else f"{re.escape(first)}-{re.escape(last)}")
        i = j + 1
    return "".join(out)


def _fold(char: str) -> str:
    simplified = TRADITIONAL.get(char)
    if simplified is not None:
        return simplified
    if _removed(char):
        return ""
    folded = unicodedata.normalize("NFKC", char)
    if folded.isascii():
        return folded
    out = []
    for c in folded:
        if _removed(c):
            continue
        digit = unicodedata.decimal(c, None) if not c.isascii() else None
        # A compatibility form of a traditional character (U+2F814 → 內) goes on to the
        # simplified one: folding must reach a fixed point, or 內部资料 written so slips through.
        out.append(str(digit) if digit is not None else TRADITIONAL.get(c, c))
    return "".join(out)


@final
class _Tables:
    """What normalisation changes, split by cost; built once, on first use (about 0.2 s).

    ``one`` maps characters folded to exactly one character (full-width forms, the ideographic
    space, digits of other scripts, traditional characters): replaced in place, offsets
    unchanged. ``other`` maps the rest (removals, expansions) to their folds: they need the
    offset map. ``bmp`` finds one character of either kind below U+10000 (one character class
    of the BMP, which the regular-expression engine tests with a bitmap), ``astral`` runs of
    either kind above. ``gaps`` find the spaces and tabs that may lie between two Chinese
    characters (see :func:`_gaps`).
    """

    def __init__(self) -> None:
        one: dict[str, str] = {}
        other: dict[str, str] = {}
        for cp in (cp for points in _CODE_POINTS for cp in points):
            if 0xD800 <= cp <= 0xDFFF:
                continue
            char = chr(cp)
            if _changes(char):
                folded = _fold(char)
                (one if len(folded) == 1 else other)[char] = folded
        points = sorted(ord(c) for c in (*one, *other))
        self.one = one
        self.other = other
        self.bmp = re.compile(f"[{_ranges([p for p in points if p < 0x10000])}]")
        self.astral = _runs(_ranges([p for p in points if p >= 0x10000]))
        removed = sorted(ord(c) for c, f in other.items() if not f)
        #: What a gap is made of: spaces, tabs and characters that are removed.
        self.skip = frozenset(" \t").union(chr(p) for p in removed)
        #: Characters that are not Chinese but whose fold ends with a Chinese character (㍻ → 平成).
        self.cjk_end = frozenset(c for c, f in other.items() if f and _is_cjk(f[-1]))
        starts = sorted(ord(c) for c, f in other.items() if f and _is_cjk(f[0]))
        ahead = rf"[ \t]*(?=[ \t{_ranges(removed)}]*[{_CJK}{_ranges(starts)}])"
        # One search per first character: a search for a pattern opening with a plain character
        # skips to that character several times faster than to one of a class (a sheet's text
        # has a tab between every two cells).
        self.gaps = (re.compile(" " + ahead), re.compile("\t" + ahead))


def _runs(ranges: str) -> re.Pattern[str]:
    """Runs of the characters of a class, written ``[c][c]*`` rather than ``[c]+``.

    A pattern that opens with a plain character class lets the regular-expression engine skip
    to the next candidate character in its search loop; one that opens with a repeat (or a
    lookbehind) is tried at every position, two to four times slower on Chinese text.
    """
    return re.compile(f"[{ranges}][{ranges}]*")


@functools.cache
def _tables() -> _Tables:
    return _Tables()


_CJK: Final = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or "\uf900" <= char <= "\ufaff"


@functools.lru_cache(maxsize=256)
def _lengthy_runs(lengthy: frozenset[str]) -> re.Pattern[str]:
    """Runs of the length-changing characters of a text."""
    return _runs(_ranges(sorted(ord(c) for c in lengthy)))


def _gaps(work: str, tables: _Tables) -> list[tuple[int, int]]:
    """Runs of spaces and tabs between two Chinese characters, removed characters between ignored.

    A gap lies in a stretch of spaces, tabs and removed characters (zero-width space, soft
    hyphen…) with a Chinese character, or a character folding to one, on either side: ``机 密``,
    ``机\u200b 密``. The searches find the runs of spaces and tabs followed by such a stretch
    and a Chinese character, by their first character; the side before is tested here (a
    lookbehind in front would cost the search loop its fast skip, see :func:`_runs`).
    """
    skip = tables.skip
    cjk_end = tables.cjk_end
    gaps: list[tuple[int, int]] = []
    for pattern in tables.gaps:
        for match in pattern.finditer(work):
            j = match.start()
            if j and work[j - 1] in " \t":
                continue  # the end of a longer run, found from its first character
            while j and work[j - 1] in skip:
                j -= 1
            if j:
                before = work[j - 1]
                if _is_cjk(before) or before in cjk_end:
                    gaps.append(match.span())
    gaps.sort()
    return gaps


def _edits(work: str, tables: _Tables, lengthy: frozenset[str]) -> list[tuple[int, int]]:
    """Spans to edit, in order: spaces between Chinese characters, runs of length-changing characters.

    The two never overlap (a space is not length-changing), so merging them by start keeps order.
    """
    gaps = _gaps(work, tables) if " " in work or "\t" in work else []
    if not lengthy:
        return gaps
    runs = [m.span() for m in _lengthy_runs(lengthy).finditer(work)]
    if not gaps:
        return runs
    return sorted(gaps + runs)


@final
class Normalized:
    """A normalised text and the replacements that made it from the original.

    ``replacements`` holds ``(norm_start, norm_end, orig_start, orig_end)`` in order: the original
    ``[orig_start, orig_end)`` became the normalised ``[norm_start, norm_end)`` (empty for a
    removal). Between replacements the two texts have the same length character for character
    (a character folded to one character keeps its offset).
    """

    __slots__ = ("_shift", "_starts", "_tail", "original", "replacements", "text")

    def __init__(self, original: str, text: str, replacements: list[tuple[int, int, int, int]]) -> None:
        self.original = original
        self.text = text
        self.replacements = replacements
        self._starts = [r[0] for r in replacements]
        # Past the end of the last replacement, an offset maps by one shift.
        self._tail = replacements[-1][1] if replacements else 0
        self._shift = replacements[-1][3] - replacements[-1][1] if replacements else 0

    @property
    def changed(self) -> bool:
        """Whether offsets differ between the two texts (a removal or an expansion)."""
        return bool(self.replacements)

    def start_to_original(self, offset: int) -> int:
        """The original offset of a span starting at ``offset`` in the normalised text."""
        i = bisect.bisect_right(self._starts, offset) - 1
        if i < 0:
            return offset
        _ns, ne, os_, oe = self.replacements[i]
        if offset < ne:
            return os_
        return oe + (offset - ne)

    def end_to_original(self, offset: int) -> int:
        """The original offset of a span ending (exclusive) at ``offset`` in the normalised text."""
        i = bisect.bisect_left(self._starts, offset) - 1
        if i < 0:
            return offset
        _ns, ne, _os, oe = self.replacements[i]
        if offset <= ne:
            return oe
        return oe + (offset - ne)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """A span of the normalised text as a span of the original text."""
        if not self.replacements:
            return start, end
        if start >= self._tail and end > start:  # after every replacement (a sheet's header has them)
            return start + self._shift, end + self._shift
        first = self.start_to_original(start)
        return first, max(first, self.end_to_original(end))


def normalize(text: str) -> Normalized:
    """``text`` normalised for matching (see the module documentation), with its offset map."""
    if text.isascii():
        return Normalized(text, text, [])
    tables = _tables()
    one = tables.one
    work = text
    lengthy: set[str] = set()
    # One pass of one search: a one-for-one fold is made in the whole text at once (offsets
    # stay), so the search meets each such character once; folds are fixed points, so a folded
    # character is never met again. Length-changing characters are only collected here.
    search = tables.bmp.search
    match = search(work)
    while match is not None:
        char = match.group()
        folded = one.get(char)
        if folded is not None:
            work = work.replace(char, folded)
        else:
            lengthy.add(char)
        match = search(work, match.end())
    # Encoding to UTF-16 is a cheap test for characters outside the BMP (they take two units).
    if len(work.encode("utf-16-le", "surrogatepass")) != 2 * len(work):
        for char in set("".join(tables.astral.findall(work))):
            folded = one.get(char)
            if folded is not None:
                work = work.replace(char, folded)
            elif char in tables.other:
                lengthy.add(char)
    if not lengthy and " " not in work and "\t" not in work:
        return Normalized(text, work, [])
    pieces: list[str] = []
    replacements: list[tuple[int, int, int, int]] = []
    last = 0
    shift = 0  # normalised offset minus original offset, so far
    for start, end in _edits(work, tables, frozenset(lengthy)):
        run = work[start:end]
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
    if not replacements:
        return Normalized(text, work, [])
    pieces.append(work[last:])
    return Normalized(text, "".join(pieces), replacements)


def normalize_term(term: str) -> str:
    """A rule's word normalised the way texts are, so the two still meet."""
    return normalize(term).text


__all__ = ["TRADITIONAL", "Normalized", "normalize", "normalize_term"]
