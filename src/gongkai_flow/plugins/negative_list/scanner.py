"""The scanner: every rule over a text in two passes, returning :class:`~gongkai_flow.model.Finding`.

1. **One Aho-Corasick pass** (``ahocorasick-rs``, chosen by measurement — see
   ``bench/bench_negative_list.py``) finds every word of every rule at once: keyword lists, 错敏词,
   and the *triggers* of the structural rules (密级 words, 此件, 的请示/的报告, 仅供, labels such as
   举报人：). Each hit is handed to the handlers of its word, which look only at the hit's
   neighbourhood (the same line, a few characters around) to confirm it or dismiss it as a
   near-miss. Nothing loops over keywords and nothing scans the text once per rule. The
   automaton searches the text's UTF-16 bytes when the text has no character outside the BMP
   (a character offset is then half a byte offset), the ``str`` API otherwise.
2. **One regular-expression pass** finds every run of digits that could be a personal number,
   with the separators people put inside numbers (spaces, dots, hyphens, slashes, one line
   break); each run is classified by its shape and validated (GB 11643 check character and birth
   date, Luhn, mobile ranges). E-mail addresses are found from their ``@`` only when the text
   has one.

Both passes run over the text normalised by :func:`.normalize.normalize` (NFKC, format
characters removed, digits of any script folded, spaces between Chinese characters removed);
the rules' own words are normalised the same way. Spans are character offsets into the text
as given (mapped back from the normalised text). Excerpts are cut from the normalised text and
show a few characters of context with personal numbers masked, never the number itself.
"""

from __future__ import annotations

import functools
import operator
import re
import string
from collections.abc import Callable
from typing import Final, final

import ahocorasick_rs
import attrs

from ...model import PUBLIC_PLATFORMS, DisclosureAttribute, DisclosureItem, Finding, NegativeListCategory, Severity
from . import validators as v
from .catalogue import Rule, RuleKind, category
from .normalize import normalize, normalize_term
from .pause import gc_paused
from .results import ScanResult
from .settings import Settings

#: Characters of context shown on each side of a hit in its excerpt.
EXCERPT_CONTEXT: Final = 12
#: Longest line (in characters, stripped) still taken for a title or heading.
HEADING_MAX: Final = 60
#: Longest raw line (with indentation) that may still hold a heading: longer lines are prose.
_HEADING_SPAN: Final = 2 * HEADING_MAX
#: How far before a phone number or e-mail an allow-listed official's name excuses it.
NAME_REACH: Final = 30

_SENTENCE_PUNCT: Final = frozenset("。；！？!?;")
_SPACES: Final = " \t\u3000\r\xa0"
_OPEN: Final = "（(【[〔<《〈"
_CLOSE: Final = "）)】]〕>》〉"
_WORD_ASCII: Final = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ０１２３４５６７８９")
_EMAIL_LOCAL: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")

# A run of digits that may hold separators: the one PII regex pass. Between two digits: up to
# three spaces, dots, hyphens, underscores, slashes or middle dots, and at most one line break
# (two line breaks end a run: documents join their cells and paragraphs with a blank line).
_GAP: Final = r"[ .\-_/·・]{0,3}(?:\r?\n[ ]{0,3})?"
_GAP_NOT_EMPTY: Final = r"(?:[ .\-_/·・]{1,3}(?:\r?\n[ ]{0,3})?|\r?\n[ ]{0,3})"
#: Six digits or more with gaps, then perhaps a check character X. Written as "a digit, or a gap
#: and a digit", repeated possessively: a gap cannot hold a digit, so each step matches one way
#: only and giving one back never helps; the engine then keeps no backtracking state per digit.
#: Not bounded: a bound cut a long run at an arbitrary digit, and the rest of it, starting after
#: a digit, was dismissed, with a number written after the long run and a space in it. Tried
#: first, after the first digit: 18 characters of an ID number that the run cannot go on from,
#: matched as one repeat of a character class (a list of ID numbers is then read twice as fast).
#: A digit after a digit starts no run (the one before it would have had one more digit), so it
#: is dismissed at once (prose is full of short numbers). All this finds the runs of the plain
#: ``[0-9](?:{_GAP}[0-9]){5,}(?:{_GAP}[Xx])?`` (``tests/negative_list/test_fast_paths.py``).
_NUMBER_RUN: Final = re.compile(
    rf"[0-9](?<![0-9]{{2}})(?:[0-9]{{16}}[0-9Xx](?![0-9Xx]|{_GAP_NOT_EMPTY}[0-9Xx])"
    rf"|(?:[0-9]|{_GAP_NOT_EMPTY}[0-9]){{5,}}+(?:{_GAP}[Xx])?)"
)
_GROUPS: Final = re.compile(r"[0-9Xx]+")
_NOT_DIGIT: Final = re.compile(r"[^0-9]+")
_LONG_DIGITS: Final = re.compile(r"[0-9０-９]{6,}")
_UNCLEAN: Final = re.compile(r"[\n\t\r]|[0-9０-９]{6}")
_AREA_CODE_BEFORE: Final = re.compile(r"[（(]0[1-9][0-9]{1,2}[）)][ ]?$")
_LANDLINE_SHAPE: Final = re.compile(r"0[1-9][0-9]{1,2}-[2-9][0-9]{6,7}(?:-[0-9]{1,4})?")
_EMAIL_LOCAL_PART: Final = re.compile(r"[A-Za-z0-9._%+\-]+$")
_EMAIL_DOMAIN: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}")
_PERIOD_AFTER_STAR: Final = re.compile(r"[ \u3000]*(?:[0-9０-９]{1,3}[ \u3000]*(?:年|个月|月)|长期)?")
_LABEL: Final = re.compile(r"此件[\s:·・\-_,、/|]{0,3}(不予公开|不公开|依申请公开|主动公开|公开发布|予以公开)")
_TRAILING_NOTE: Final = re.compile(r"[（(][^（()）]{1,12}[）)]")
_COPY_NUMBER: Final = re.compile(r"[0-9]{6}")

_ID_CARD: Final = "negative_list.pii.id_card"


_WITHHELD_LABELS: Final = {"不予公开": "withheld", "不公开": "withheld", "依申请公开": "on_request"}
_NAME_STOP: Final = frozenset({"本人", "单位", "企业", "公司", "个人", "待定", "不详", "无", "姓名", "男", "女"})
_NAME_NOT_FIRST: Final = frozenset("应须需可如的为在对向将按由及和与等是不无有请系并均")

#: A finding before it is built: a plain tuple, because a scan may find 100,000 of them and
#: building a frozen Finding with its message and excerpt costs more than finding it.
#:
#: 0. start in the scanned (normalised) text;
#: 1. the end, negated: plain tuple order is then the findings' order (by start, longer first);
#: 2. the rule's rank among the rules by id (the last key of that order);
#: 3. the rule; 4. the severity;
#: 5. the message, or ``None``: the rule's message with ``{masked}`` = item 6 when there is one,
#:    else with ``{term}`` = the matched text;
#: 6. what the excerpt shows in place of the match (a masked number), or ``None``;
#: 7. the excerpt, or ``None``: cut from the text around the match (:func:`excerpt`).
#:
#: :meth:`Scanner.findings` builds the findings.
Hit = tuple[int, int, int, Rule, Severity, str | None, str | None, str | None]
_Handler = Callable[[str, int, int, "ScanContext"], "Hit | None"]


@final
@attrs.frozen
class ScanContext:
    """What the scanned text is for: its 公开属性, whether it goes to a public platform, its column.

    The default is the strictest case: 主动公开 content going to the website (what ``gongkai check``
    assumes for a document on its way to drafting).
    """

    attribute: DisclosureAttribute | None = DisclosureAttribute.PROACTIVE
    public: bool = True
    column: str = ""

    @classmethod
    def for_item(cls, item: DisclosureItem) -> ScanContext:
        """The context of a disclosure item on the review chain."""
        return cls(attribute=item.attribute, public=bool(item.platforms & PUBLIC_PLATFORMS), column=item.column)

    @property
    def goes_public(self) -> bool:
        """Whether the text is to be published as 主动公开 on a public platform."""
        return self.public and self.attribute in (None, DisclosureAttribute.PROACTIVE)


def published_text(item: DisclosureItem) -> str:
    """The text of an item as it is checked: its title, a blank line, then its body.

    Spans of the plugin's findings are offsets into this string.
    """
    return f"{item.title}\n\n{item.body}"


class _Format(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


@functools.lru_cache(maxsize=1024)
def _around(message: str, field: str) -> tuple[str, str] | None:
    """The text before and after the one ``{field}`` of a message with no other field, or ``None``.

    Such a message (every personal-number rule's) is then two pieces joined by the value: the
    same as ``format_map``, several times faster on 100,000 findings.
    """
    pieces = list(string.Formatter().parse(message))
    fields = [(name, spec, conversion) for _, name, spec, conversion in pieces if name is not None]
    if fields != [(field, "", None)]:
        return None
    at = next(i for i, piece in enumerate(pieces) if piece[1] is not None)  # the field follows this literal
    head = "".join(literal for literal, _, _, _ in pieces[: at + 1])
    tail = "".join(literal for literal, _, _, _ in pieces[at + 1 :])
    return head, tail


def _stars(match: re.Match[str]) -> str:
    return "*" * (match.end() - match.start())


def _clean(fragment: str) -> str:
    """Line breaks and tabs as spaces, runs of six or more digits as stars."""
    if _UNCLEAN.search(fragment) is None:  # the usual case: one search
        return fragment
    if "\n" in fragment or "\t" in fragment or "\r" in fragment:
        fragment = fragment.replace("\n", " ").replace("\t", " ").replace("\r", " ")
    if _LONG_DIGITS.search(fragment) is None:  # no call back into Python
        return fragment
    return _LONG_DIGITS.sub(_stars, fragment)


def excerpt(text: str, start: int, end: int, shown: str | None = None) -> str:
    """A short excerpt around ``text[start:end]`` (replaced by ``shown``), long digit runs masked."""
    low = start - EXCERPT_CONTEXT if start > EXCERPT_CONTEXT else 0
    high = end + EXCERPT_CONTEXT
    # A blank line ends the context: documents join their cells and paragraphs with one.
    blank = text.rfind("\n\n", low, start)
    if blank != -1:
        low = blank + 2
    blank = text.find("\n\n", end, high)
    if blank != -1:
        high = blank
    lead = "…" if low and text[low - 1] != "\n" else ""
    tail = "…" if high < len(text) and text[high] != "\n" else ""
    if shown is None:
        return lead + _clean(text[low:high]) + tail
    return lead + _clean(text[low:start]) + shown + _clean(text[end:high]) + tail


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, len(text) if line_end == -1 else line_end


def _is_heading(line: str) -> bool:
    stripped = line.strip(_SPACES)
    return (
        0 < len(stripped) <= HEADING_MAX
        and not any(c in _SENTENCE_PUNCT for c in stripped)
        and not stripped.endswith(("，", ",", "：", ":", "、"))
    )


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or char == "·"


@final
class Scanner:
    """All enabled rules of ``settings``, compiled once; :meth:`scan` is thread-safe and pure."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings if settings is not None else Settings.default()
        self.rules: dict[str, Rule] = {rule.id: rule for rule in self.settings.rules if rule.enabled}
        #: Each rule's rank by id: the order of findings of one span.
        self._rank = {rule_id: rank for rank, rule_id in enumerate(sorted(self.rules))}
        self._basis = {rid: self._basis_of(rule) for rid, rule in self.rules.items()}
        self._names = tuple(normalize_term(n) for n in self.settings.allow.names)
        entries: dict[str, list[_Handler]] = {}
        added: set[tuple[str, str]] = set()
        rule_id = ""

        def add(word: str, handler: _Handler) -> None:
            # Words are matched in normalised text, so they are normalised too; two spellings of
            # one word (拟办意见：/拟办意见:) then meet in one entry, handled once per rule.
            word = normalize_term(word)
            if (word, rule_id) not in added:
                added.add((word, rule_id))
                entries.setdefault(word, []).append(handler)

        labels = [r for r in self.rules.values() if r.kind is RuleKind.LABEL]
        if labels:
            add("此件", self._label_handler())
        for rule in self.rules.values():
            rule_id = rule.id
            match rule.kind:
                case RuleKind.KEYWORD:
                    for term in rule.terms:
                        add(term, self._keyword_handler(rule))
                case RuleKind.MARKING:
                    for term in rule.terms:
                        add(term, self._marking_handler(rule))
                case RuleKind.PATTERN:
                    assert rule.trigger is not None  # checked by check_rule
                    assert rule.pattern is not None
                    handler = self._pattern_handler(rule, re.compile(rule.pattern))
                    for trigger in (rule.trigger, *rule.terms):
                        add(trigger, handler)
                case RuleKind.HEADING:
                    for term in rule.terms:
                        add(term, self._heading_handler(rule))
                case RuleKind.PERSON:
                    for term in rule.terms:
                        for colon in ("：", ":"):
                            add(term + colon, self._person_handler(rule))
                case RuleKind.CORRECTION:
                    for wrong, right in rule.corrections:
                        add(wrong, self._correction_handler(rule, right))
                case RuleKind.PII | RuleKind.COPY_NUMBER | RuleKind.LABEL | RuleKind.INPUT:
                    pass  # the number pass, the head of the text, the 此件 trigger, the readers
        self._pii = any(r.kind is RuleKind.PII for r in self.rules.values())
        #: The words the automaton searches for, and the handlers of each (same order).
        self.words: tuple[str, ...] = tuple(entries)
        self._handlers: tuple[tuple[_Handler, ...], ...] = tuple(tuple(entries[w]) for w in self.words)
        self._automaton = ahocorasick_rs.AhoCorasick(self.words) if self.words else None
        # The same words as UTF-16 bytes: for text without characters outside the BMP (nearly all
        # Chinese text) a byte offset is twice a character offset, and searching the bytes saves
        # the str API's conversion of offsets — about twice as fast (bench/bench_negative_list.py).
        self._automaton16 = (
            ahocorasick_rs.BytesAhoCorasick([w.encode("utf-16-le", "surrogatepass") for w in self.words])
            if self.words
            else None
        )
        self._copy_number = self.rules.get("negative_list.secrecy.copy_number")

    # -- public API -----------------------------------------------------------------------

    def scan(self, text: str, context: ScanContext | None = None) -> ScanResult[Finding]:
        """Every finding in ``text``, ordered by position; overlapping hits of one rule counted once.

        The text is normalised first (see the module documentation); spans point into ``text``.
        The findings are built when first read (:class:`.results.ScanResult`); how many there are
        and how many block is known at once.
        """
        with gc_paused():
            normalized = normalize(text)
            hits = self.hits(normalized.text, context)
        to_original = normalized.to_original if normalized.changed else None
        return ScanResult(len(hits), blocking(hits), lambda: self.findings(hits, normalized.text, to_original))

    def scan_normalized(self, text: str, context: ScanContext | None = None) -> ScanResult[Finding]:
        """:meth:`scan` for a text already normalised: spans point into ``text`` itself."""
        with gc_paused():
            hits = self.hits(text, context)
        return ScanResult(len(hits), blocking(hits), lambda: self.findings(hits, text))

    def hits(self, text: str, context: ScanContext | None = None) -> list[Hit]:
        """The findings of a normalised text as :data:`Hit` tuples, ordered, overlaps dropped.

        For callers that place findings elsewhere (:func:`.scan.scan_segments`): build them with
        :meth:`findings` or :meth:`finding`.
        """
        ctx = context if context is not None else ScanContext()
        findings: list[Hit] = []
        if self._automaton is not None and self._automaton16 is not None and text:
            handlers = self._handlers
            data = text.encode("utf-16-le", "surrogatepass")
            halve = len(data) == 2 * len(text)  # no surrogate pairs: offsets map one to one
            if halve:
                matches = self._automaton16.find_matches_as_indexes(data, overlapping=True)
            else:
                matches = self._automaton.find_matches_as_indexes(text, overlapping=True)
            append = findings.append
            for index, start, end in matches:
                if halve:
                    if start & 1:
                        continue  # a match straddling two UTF-16 code units is no match
                    start >>= 1
                    end >>= 1
                for handler in handlers[index]:
                    hit = handler(text, start, end, ctx)
                    if hit is not None:
                        append(hit)
        # Valid ID numbers that are whole runs of digits, in order: they neither overlap another
        # ID-number hit nor lie inside one (runs of digits are disjoint), so dropping overlaps
        # needs only the other hits, and the two ordered lists are merged (a list of residents
        # is nothing but these).
        ids: list[Hit] = []
        if self._pii:
            self._scan_numbers(text, findings, ids)
            if "@" in text:
                self._scan_emails(text, findings)
        if self._copy_number is not None:
            self._scan_copy_number(text, findings)
        found = _dedupe(findings, len(self._rank))
        if not ids:
            return found
        if not found:
            return ids
        found += ids
        found.sort(key=_ORDER)
        return found

    def findings(
        self, hits: list[Hit], text: str, to_original: Callable[[int, int], tuple[int, int]] | None = None
    ) -> list[Finding]:
        """The :class:`~gongkai_flow.model.Finding` of each of ``hits``, found in ``text``.

        Spans are mapped by ``to_original`` when given (from the normalised text to the original).
        """
        messages: dict[tuple[str, str], str] = {}
        build = self.finding
        if to_original is None:
            return [build(hit, (hit[0], -hit[1]), text, messages) for hit in hits]
        return [build(hit, to_original(hit[0], -hit[1]), text, messages) for hit in hits]

    def finding(
        self,
        hit: Hit,
        span: tuple[int, int] | None,
        text: str,
        messages: dict[tuple[str, str], str] | None = None,
    ) -> Finding:
        """The :class:`~gongkai_flow.model.Finding` of ``hit`` (found in ``text``), placed at ``span``.

        ``messages`` keeps the messages made from a matched word, for the next hits of the word.
        """
        start, back, _rank, rule, severity, message, shown, cut = hit
        if message is None:
            if shown is not None:
                around = _around(rule.message, "masked")
                message = rule.message.format_map(_Format(masked=shown)) if around is None else shown.join(around)
            else:
                term = text[start:-back]
                key = (rule.id, term)
                message = messages.get(key) if messages is not None else None
                if message is None:  # one message per word: the words are few, their hits many
                    message = rule.message.format_map(_Format(term=term))
                    if messages is not None:
                        messages[key] = message
        if cut is None:
            cut = excerpt(text, start, -back, shown)
        return Finding(rule.id, severity, message, rule.version, rule.category, span, cut, self._basis[rule.id])

    def scan_item(self, item: DisclosureItem) -> ScanResult[Finding]:
        """Scan an item's :func:`published_text` in the item's own context."""
        return self.scan(published_text(item), ScanContext.for_item(item))

    # -- building findings ----------------------------------------------------------------

    @staticmethod
    def _basis_of(rule: Rule) -> str | None:
        if rule.basis:
            return rule.basis
        return category(rule.category).citation if rule.category is not None else None

    def _hit(
        self,
        rule: Rule,
        span: tuple[int, int],
        *,
        message: str | None = None,
        shown: str | None = None,
        cut: str | None = None,
    ) -> Hit:
        return (span[0], -span[1], self._rank[rule.id], rule, rule.severity, message, shown, cut)

    # -- handlers of automaton hits --------------------------------------------------------

    def _keyword_handler(self, rule: Rule) -> _Handler:
        before = tuple(normalize_term(b) for b in rule.exclude_before)
        after = tuple(normalize_term(a) for a in rule.exclude_after)
        heading_only = rule.heading_only
        consultation = rule.category is NegativeListCategory.PROCESS
        columns = self.settings.consultation_columns
        rank = self._rank[rule.id]
        rule_severity = rule.severity

        def handle(text: str, start: int, end: int, ctx: ScanContext) -> Hit | None:
            if before and any(text.startswith(b, start - len(b)) for b in before if start >= len(b)):
                return None
            if after and any(text.startswith(a, end) for a in after):
                return None
            if heading_only:
                line_start, line_end = _line_bounds(text, start, end)
                if line_end - line_start > _HEADING_SPAN or not _is_heading(text[line_start:line_end]):
                    return None
            severity = rule_severity
            if consultation and ctx.column and any(c in ctx.column for c in columns):
                severity = Severity.INFO
            return (start, -end, rank, rule, severity, None, None, None)

        return handle

    def _marking_handler(self, rule: Rule) -> _Handler:
        before = tuple(normalize_term(b) for b in rule.exclude_before)

        def handle(text: str, start: int, end: int, ctx: ScanContext) -> Hit | None:
            size = len(text)
            j = end
            while j < size and text[j] in " \u3000":
                j += 1
            following = text[j] if j < size else "\n"
            if following in "★☆":
                period = _PERIOD_AFTER_STAR.match(text, j + 1)
                stop = period.end() if period else j + 1
            elif following in "\r\n" or following in _CLOSE:  # cheap test first: most hits are prose
                bracketed = start > 0 and text[start - 1] in _OPEN and end < size and text[end] in _CLOSE
                line_start, line_end = _line_bounds(text, start, end)
                alone = text[line_start:line_end].strip(_SPACES + _OPEN + _CLOSE) == text[start:end]
                if not (bracketed or alone):
                    return None
                stop = end
            else:
                return None
            if any(text.startswith(b, start - len(b)) for b in before if start >= len(b)):
                return None
            return self._hit(rule, (start, stop))

        return handle

    def _pattern_handler(self, rule: Rule, pattern: re.Pattern[str]) -> _Handler:
        def handle(text: str, start: int, end: int, ctx: ScanContext) -> Hit | None:
            match = pattern.match(text, start)
            if match is None or match.end() == start:
                return None
            return self._hit(rule, match.span())

        return handle

    def _heading_handler(self, rule: Rule) -> _Handler:
        allow = tuple(normalize_term(a) for a in rule.allow)

        def handle(text: str, start: int, end: int, ctx: ScanContext) -> Hit | None:
            line_start, line_end = _line_bounds(text, start, end)
            if line_end - line_start > _HEADING_SPAN:
                return None
            rest = text[end:line_end].strip(_SPACES)
            if rest and _TRAILING_NOTE.fullmatch(rest) is None:
                return None
            line = text[line_start:line_end]
            if not _is_heading(line) or any(a in line for a in allow):
                return None
            title = line.strip(_SPACES)
            first = line_start + line.index(title[0])
            return self._hit(rule, (first, first + len(title)), cut=_clean(title))

        return handle

    def _label_handler(self) -> _Handler:
        conflict = self.rules.get("negative_list.label.conflict")
        mismatch = self.rules.get("negative_list.label.mismatch")

        def handle(text: str, start: int, end: int, ctx: ScanContext) -> Hit | None:
            match = _LABEL.match(text, start)
            if match is None:
                return None
            s, e = match.span()
            if s > 0 and text[s - 1] in _OPEN and e < len(text) and text[e] in _CLOSE:
                s, e = s - 1, e + 1
            label = text[s:e]
            said = _WITHHELD_LABELS.get(match.group(1), "proactive")
            if said != "proactive" and ctx.goes_public:
                rule = conflict
            elif ctx.attribute is not None and said != ctx.attribute.value:
                rule = mismatch
            else:
                rule = None
            if rule is None:
                return None
            return self._hit(rule, (s, e), message=rule.message.format_map(_Format(term=label, label=label)))

        return handle

    def _person_handler(self, rule: Rule) -> _Handler:
        names = self._names

        def handle(text: str, start: int, end: int, ctx: ScanContext) -> Hit | None:
            j = end
            while j < len(text) and text[j] in _SPACES:
                j += 1
            k = j
            while k < len(text) and k - j < 4 and _is_cjk(text[k]):
                k += 1
            name = text[j:k]
            if len(name) < 2 or "某" in name or name in _NAME_STOP or name[0] in _NAME_NOT_FIRST:
                return None
            if k < len(text) and text[k] in "*＊×Xx○":
                return None  # already masked (张**)
            if any(name.startswith(n) for n in names):
                return None
            return self._hit(rule, (start, k), shown=text[start:end] + v.mask_name(name))

        return handle

    def _correction_handler(self, rule: Rule, right: str) -> _Handler:
        def handle(text: str, start: int, end: int, ctx: ScanContext) -> Hit | None:
            message = rule.message.format_map(_Format(term=text[start:end], right=right))
            return self._hit(rule, (start, end), message=message)

        return handle

    # -- personal numbers -----------------------------------------------------------------

    def _scan_numbers(self, text: str, findings: list[Hit], ids: list[Hit]) -> None:
        """Personal numbers: each run of digits classified; a valid ID number that is the whole run into ``ids``."""
        n = len(text)
        word = _WORD_ASCII
        id_rule = self.rules.get(_ID_CARD)
        id_rank = self._rank.get(_ID_CARD, -1)
        id_severity = id_rule.severity if id_rule is not None else Severity.BLOCK  # unused without the rule
        area_sum, birth_sum = v.id18_area_sum, v.id18_birth_sum
        sequence_sum, checks = v.ID18_SEQUENCE_SUM, v.ID_CHECK_CHARS
        append = ids.append
        for match in _NUMBER_RUN.finditer(text):
            start, end = match.span()
            if (start and text[start - 1] in word) or (end < n and text[end] in word):
                continue
            token = match.group()
            if end - start == 18 and token[:17].isdigit():
                # 17 digits and a check character, the whole run: a valid ID number is emitted here,
                # as v.id18_shape and _classify_digits would (a list of residents holds 100,000 of
                # them); anything else goes to _classify_digits, as it would from the paths below.
                area_code = token[:6]
                area = area_sum(area_code)
                born = birth_sum(token[6:14]) if area >= 0 else -1
                check = checks[(area + born + sequence_sum[token[14:17]]) % 11] if born >= 0 else ""
                last = token[17]
                if id_rule is not None and check and (check == last or (last == "x" and check == "X")):
                    masked = area_code + "********" + token[14:]  # v.mask_middle(token, 6, 4), without a call
                    append((start, -end, id_rank, id_rule, id_severity, None, masked, None))
                else:
                    self._classify_digits(text, start, token, findings)
            elif token.isdigit():
                if _may_be_personal(token):
                    self._classify_digits(text, start, token, findings)
            else:
                self._classify(text, start, token, findings)

    def _classify(self, text: str, start: int, token: str, findings: list[Hit]) -> None:
        """A run of digits with separators inside: known groupings first, then any grouping."""
        end = start + len(token)
        if _LANDLINE_SHAPE.fullmatch(token):
            self._emit_phone("negative_list.pii.landline", text, start, end, token, findings)
            return
        groups = [(m.start(), m.end(), m.group()) for m in _GROUPS.finditer(token)]
        if groups[0][2] == "86" and len(groups) > 1:
            groups = groups[1:]
        parts = [g[2] for g in groups]
        lengths = [len(p) for p in parts]
        digits = "".join(parts)
        size = len(digits)
        if size == 11 and v.is_mobile(digits):
            self._emit_phone("negative_list.pii.mobile", text, start, end, digits, findings)
            return
        if size in (15, 18) and self._classify_digits(text, start, digits, findings, end=end):
            return
        if (
            16 <= size <= 19
            and (digits.startswith(v.BANK_CARD_PREFIXES) or (len(parts) >= 4 and all(x == 4 for x in lengths[:-1])))
            and v.is_valid_bank_card(digits)
        ):
            self._emit("negative_list.pii.bank_card", text, start, end, v.mask_middle(digits, 4, 4), findings)
            return
        # An ID number among other numbers ("2023.01.05 371102.19900101.1232"): any run of
        # consecutive groups holding 18 characters with a valid check character and birth date.
        found = False
        for i in range(len(groups)):
            total = 0
            for j in range(i, len(groups)):
                total += lengths[j]
                if total > 18:
                    break
                if total == 18 and (i, j) != (0, len(groups) - 1):
                    candidate = "".join(parts[i : j + 1])
                    if v.is_valid_id18(candidate):
                        s, e = start + groups[i][0], start + groups[j][1]
                        self._emit("negative_list.pii.id_card", text, s, e, v.mask_middle(candidate, 6, 4), findings)
                        found = True
        if found:
            return
        for g_start, _, part in groups:
            if len(part) >= 7 and (part.isdigit() or len(part) == 18) and _may_be_personal(part):
                self._classify_digits(text, start + g_start, part, findings)

    def _classify_digits(
        self, text: str, start: int, digits: str, findings: list[Hit], *, end: int | None = None
    ) -> bool:
        stop = start + len(digits) if end is None else end
        size = len(digits)
        if size == 18:
            shape = v.id18_shape(digits)
            if shape == v.ID_VALID:
                return self._emit("negative_list.pii.id_card", text, start, stop, v.mask_middle(digits, 6, 4), findings)
            if v.is_valid_bank_card(digits):
                return self._emit(
                    "negative_list.pii.bank_card", text, start, stop, v.mask_middle(digits, 4, 4), findings
                )
            if shape == v.ID_CHECK_FAILS:
                return self._emit(
                    "negative_list.pii.id_card_suspect", text, start, stop, v.mask_middle(digits, 6, 4), findings
                )
            return False
        if not digits.isdigit():
            return False
        if size == 15 and v.is_valid_id15(digits):
            return self._emit("negative_list.pii.id_card_15", text, start, stop, v.mask_middle(digits, 6, 3), findings)
        if 16 <= size <= 19 and v.is_valid_bank_card(digits):
            return self._emit("negative_list.pii.bank_card", text, start, stop, v.mask_middle(digits, 4, 4), findings)
        if size == 11 and v.is_mobile(digits):
            return self._emit_phone("negative_list.pii.mobile", text, start, stop, digits, findings)
        if size == 13 and digits.startswith("86") and v.is_mobile(digits[2:]):
            return self._emit_phone("negative_list.pii.mobile", text, start, stop, digits[2:], findings)
        if size in (7, 8):
            area = _AREA_CODE_BEFORE.search(text, max(0, start - 8), start)
            if area is not None and digits[0] != "0":
                code = _digits_only(area.group())
                return self._emit_phone(
                    "negative_list.pii.landline", text, area.start(), stop, f"{code}-{digits}", findings
                )
            return False
        if size in (10, 11, 12) and digits[0] == "0" and digits[1] != "0":
            return self._emit_phone("negative_list.pii.landline", text, start, stop, digits, findings)
        return False

    def _near_allowed_name(self, text: str, start: int) -> bool:
        names = self._names
        if not names:
            return False
        window_start = max(0, start - NAME_REACH, text.rfind("\n", 0, start) + 1)
        window = text[window_start:start]
        return any(name in window for name in names)

    def _emit_phone(self, rule_id: str, text: str, start: int, end: int, number: str, findings: list[Hit]) -> bool:
        if self.settings.allow.allows_phone(number) or self._near_allowed_name(text, start):
            return True
        digits = _digits_only(number)
        masked = v.mask_middle(digits, 3, 4) if rule_id.endswith("mobile") else v.mask_middle(digits, 4, 3)
        return self._emit(rule_id, text, start, end, masked, findings)

    def _emit(self, rule_id: str, text: str, start: int, end: int, masked: str, findings: list[Hit]) -> bool:
        rule = self.rules.get(rule_id)
        if rule is not None:
            findings.append((start, -end, self._rank[rule_id], rule, rule.severity, None, masked, None))
        return True

    def _scan_emails(self, text: str, findings: list[Hit]) -> None:
        i = text.find("@")
        while i != -1:
            self._email_at(text, i, findings)
            i = text.find("@", i + 1)

    def _email_at(self, text: str, at: int, findings: list[Hit]) -> None:
        domain = _EMAIL_DOMAIN.match(text, at + 1)
        if domain is None:
            return
        local = _EMAIL_LOCAL_PART.search(text, max(0, at - 65), at)
        if local is None:
            return
        j = local.start()
        if at - j > 64 or (j > 0 and text[j - 1] in _EMAIL_LOCAL):
            return  # a local part longer than RFC 5321 allows: not an address
        address = text[j:at] + "@" + domain.group()
        if self.settings.allow.allows_email(address) or self._near_allowed_name(text, j):
            return
        self._emit("negative_list.pii.email", text, j, domain.end(), v.mask_email(address), findings)

    def _scan_copy_number(self, text: str, findings: list[Hit]) -> None:
        rule = self._copy_number
        assert rule is not None
        offset = 0
        seen = 0
        for line in text[:300].split("\n"):
            stripped = line.strip(_SPACES)
            if stripped:
                seen += 1
                if _COPY_NUMBER.fullmatch(stripped):
                    start = offset + line.index(stripped)
                    findings.append(self._hit(rule, (start, start + 6), cut=stripped))
                if seen >= 3:
                    return
            offset += len(line) + 1


def with_span(finding: Finding, span: tuple[int, int]) -> Finding:
    """``finding`` at another span (built with the constructor: several times cheaper than ``attrs.evolve``)."""
    if span == finding.span:
        return finding
    return Finding(
        finding.rule_id,
        finding.severity,
        finding.message,
        finding.rule_version,
        finding.category,
        span,
        finding.excerpt,
        finding.legal_basis,
    )


def _may_be_personal(digits: str) -> bool:
    """A cheap first look at a run of plain digits: could it be a personal number at all?

    Amounts, statistics, 文号 and codes are dismissed by length and first digits before any
    validator runs: landlines with an area code start with 0, 13-digit mobiles with 86, bank
    cards with a card-scheme prefix.
    """
    size = len(digits)
    if size in (7, 8, 15, 18):
        return True
    if size == 11:
        return digits[0] in "01"
    if size in (10, 12):
        return digits[0] == "0"
    if size == 13:
        return digits.startswith("86")
    if 16 <= size <= 19:
        return digits.startswith(v.BANK_CARD_PREFIXES)
    return False


def _digits_only(text: str) -> str:
    return _NOT_DIGIT.sub("", text)


_ORDER: Final = operator.itemgetter(0, 1, 2)


def _dedupe(findings: list[Hit], ranks: int) -> list[Hit]:
    """Order by position; drop a hit of a rule lying inside an earlier hit of the same rule."""
    findings.sort(key=_ORDER)  # by start, longer first, then by rule id (the rank); stable
    reach = [-1] * ranks  # by rank: the furthest end reached by the rule's hits so far
    out: list[Hit] = []
    append = out.append
    for hit in findings:
        rank = hit[2]
        end = -hit[1]
        if end > reach[rank]:
            reach[rank] = end
            append(hit)
    return out


_SEVERITY: Final = operator.itemgetter(4)


def blocking(hits: list[Hit]) -> int:
    """How many of ``hits`` block publication."""
    return list(map(_SEVERITY, hits)).count(Severity.BLOCK)
