"""Benchmark: negative-list scan throughput on 20 MB of Chinese text, against the bare alternatives.

Five ways of searching the same generated text (bureau prose from the test corpus, with 2,000
dictionary terms, ID numbers, mobiles, bank cards, landlines and e-mails written into it), side
by side in one run:

* **naive keyword loop** — ``str.find`` over the text once per term (every occurrence);
* **regex alternation** — one compiled ``re`` alternation of every term, longest first;
* **pyahocorasick** — a bare ``ahocorasick.Automaton`` (every occurrence, overlapping);
* **ahocorasick-rs** — a bare ``ahocorasick_rs.AhoCorasick`` (every occurrence, overlapping);
* **ahocorasick-rs UTF-16** — for comparison only: a bare ``BytesAhoCorasick`` over the text's
  UTF-16 bytes, the way the plugin feeds its automaton (byte offset = 2 × character offset for
  text without characters outside the BMP); the target is stated against the libraries' own
  ``str`` search, and this row shows the plugin's cost over the same trick;
* **plugin** — the full :class:`gongkai_flow.plugins.negative_list.Scanner`: the 2,000 terms as a
  bureau's custom rule plus every shipped rule and every PII validator. A scan decides every
  finding (rule, place, severity; how many block) and returns them as a ``ScanResult`` that
  builds the ``Finding`` objects, with their messages and masked excerpts, when first read;
* **plugin, findings built** — the same scan with every ``Finding`` built in the timed run (what
  a caller that reads all of them pays), shown beside it; the target is about the scan.

The dictionary hits of the naive loop and of both automata must be identical; the alternation's
(leftmost-longest, non-overlapping) must be a subset of them; the plugin's must be a subset too,
and it must find every inserted personal number. Every timed run gets a fresh copy of the text,
so no path profits from the UTF-8 form CPython caches on a string that was encoded before.
Throughput is UTF-8 megabytes (10^6 bytes) per second of the process's CPU time (the machines
this runs on are shared, and CPU time is what a busy neighbour disturbs least); wall-clock
figures are printed beside it. The automata and the plugin take the best of ``--repeat``
interleaved runs, the two slow baselines run once.

Target: the plugin reaches at least 50 % of the fastest bare automaton.

``--formats`` runs instead, side by side in one run, the file readers against the bare libraries
(see :func:`formats`): a 100,000-row .xlsx 公示名单 (name, ID number, amount) in rows/s against
a bare ``python-calamine`` read; a 200-page text PDF in pages/s against bare ``pypdfium2``
extraction; the dense text (``--density 0.25``), normalisation included, against the bare
automaton (each also with every finding built, for comparison); and ``gongkai check``
printing JSON and the table for a 50 MB text dense with findings, against reading and scanning
it with every finding built (the work the command must do before it prints anything).
Targets: read plus scan within 2× the bare read, the dense scan at ≥ 50 % of the bare
automaton, output under 3× the scan.

Run ``.venv/bin/python bench/bench_negative_list.py`` (20 MB, 2,000 terms, a term in 2 % of the
sentences); ``--mb``, ``--terms`` and ``--density`` change that (``--density 0.25``: a term in
every fourth sentence, a worst case where building findings dominates), ``--quick`` is a 2 MB
smoke run, ``--json PATH`` keeps the figures.
The exit status is 0 whether the target is met or not (it prints PASS or FAIL).
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import random
import re
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Final

import ahocorasick  # type: ignore[import-not-found]
import ahocorasick_rs

from gongkai_flow.plugins.negative_list import ScanContext, Scanner, Settings
from gongkai_flow.plugins.negative_list import validators as v

ROOT: Final = Path(__file__).resolve().parent.parent
CORPUS: Final = ROOT / "tests" / "negative_list" / "corpus" / "near_miss"
DEFAULT_MB: Final = 20.0
DEFAULT_TERMS: Final = 2000
TARGET: Final = 0.5
CUSTOM_RULE: Final = "bench.dictionary"
#: Characters the dictionary terms are made of: common CJK characters.
_TERM_CHARS: Final = [chr(c) for c in range(0x4E00, 0x4E00 + 2500)]

Hit = tuple[int, int]  # (start, term index)


@dataclass
class Result:
    """One path's figures: best CPU time and best wall time of its runs, and MB/s for each."""

    name: str
    cpu_seconds: float
    wall_seconds: float
    mb_per_s: float
    mb_per_s_wall: float
    hits: int
    runs: int


def make_terms(count: int, rng: random.Random) -> list[str]:
    """``count`` distinct dictionary terms of 3–6 CJK characters."""
    terms: dict[str, None] = {}
    while len(terms) < count:
        terms["".join(rng.choices(_TERM_CHARS, k=rng.randint(3, 6)))] = None
    return list(terms)


def _personal_numbers(rng: random.Random) -> tuple[str, str]:
    """One personal number written the way documents do, with the rule that must find it."""
    kind = rng.randrange(5)
    if kind == 0:
        first17 = f"37{rng.randrange(10000):04d}19{rng.randrange(50, 99)}0{rng.randrange(1, 10)}1{rng.randrange(10)}"
        first17 += f"{rng.randrange(1000):03d}"
        return f"身份证号{first17}{v.id18_check_char(first17)}，", "negative_list.pii.id_card"
    if kind == 1:
        return f"联系电话1{rng.choice('3589')}{rng.randrange(10**9):09d}，", "negative_list.pii.mobile"
    if kind == 2:
        payload = f"6222{rng.randrange(10**14):014d}"
        return f"卡号{payload}{v.luhn_check_digit(payload)}，", "negative_list.pii.bank_card"
    if kind == 3:
        return f"电话0633-{rng.randrange(2, 9)}{rng.randrange(10**6):06d}，", "negative_list.pii.landline"
    return f"邮箱user{rng.randrange(10**6)}@example.com，", "negative_list.pii.email"


def make_text(
    megabytes: float, terms: list[str], rng: random.Random, density: float = 0.02
) -> tuple[str, dict[str, int]]:
    """Bureau prose of about ``megabytes`` MB (UTF-8) with terms and personal numbers written in.

    ``density`` is the share of sentences that get a dictionary term in front; one sentence in
    200 gets a personal number. Returns the text and how many numbers of each rule it holds.
    """
    sentences: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        for part in re.split(r"(?<=[。；！？\n])", path.read_text(encoding="utf-8")):
            if part.strip():
                sentences.append(part)
    target = int(megabytes * 1_000_000)
    parts: list[str] = []
    planted: dict[str, int] = {}
    size = 0
    while size < target:
        piece = rng.choice(sentences)
        roll = rng.random()
        if roll < density:
            piece = rng.choice(terms) + piece
        elif roll < density + 0.005:
            number, rule = _personal_numbers(rng)
            planted[rule] = planted.get(rule, 0) + 1
            piece = number + piece
        parts.append(piece)
        size += len(piece.encode("utf-8"))
    return "".join(parts), planted


def fresh(text: str) -> str:
    """An equal string object without CPython's cached UTF-8 form."""
    return "".join([text[:1], text[1:]])


def timed(run: Callable[[str], Any], text: str) -> tuple[float, float, Any]:
    """CPU and wall time of one run on a fresh copy of ``text``, and its result."""
    copy = fresh(text)
    cpu, wall = time.process_time(), time.perf_counter()
    result = run(copy)
    return time.process_time() - cpu, time.perf_counter() - wall, result


def naive(terms: list[str]) -> Callable[[str], set[Hit]]:
    """Find every occurrence of every term with ``str.find``."""

    def run(text: str) -> set[Hit]:
        hits: set[Hit] = set()
        for index, term in enumerate(terms):
            at = text.find(term)
            while at != -1:
                hits.add((at, index))
                at = text.find(term, at + 1)
        return hits

    return run


def alternation(terms: list[str]) -> Callable[[str], set[Hit]]:
    """One compiled alternation, longest terms first (leftmost-longest, non-overlapping)."""
    order = sorted(range(len(terms)), key=lambda i: -len(terms[i]))
    pattern = re.compile("|".join(re.escape(terms[i]) for i in order))
    index = {term: i for i, term in enumerate(terms)}

    def run(text: str) -> set[Hit]:
        return {(m.start(), index[m.group()]) for m in pattern.finditer(text)}

    return run


def pyahocorasick(terms: list[str]) -> Callable[[str], set[Hit]]:
    """A bare pyahocorasick automaton (overlapping)."""
    automaton = ahocorasick.Automaton()
    for i, term in enumerate(terms):
        automaton.add_word(term, (i, len(term)))
    automaton.make_automaton()

    def run(text: str) -> set[Hit]:
        return {(end - length + 1, i) for end, (i, length) in automaton.iter(text)}

    return run


def ahocorasick_rust(terms: list[str]) -> Callable[[str], set[Hit]]:
    """A bare ahocorasick-rs automaton (overlapping)."""
    automaton = ahocorasick_rs.AhoCorasick(terms)

    def run(text: str) -> set[Hit]:
        return {(start, i) for i, start, _ in automaton.find_matches_as_indexes(text, overlapping=True)}

    return run


def ahocorasick_rust_utf16(terms: list[str]) -> Callable[[str], set[Hit]]:
    """A bare ahocorasick-rs automaton over UTF-16 bytes: the plugin's own trick, for comparison."""
    automaton = ahocorasick_rs.BytesAhoCorasick([t.encode("utf-16-le") for t in terms])

    def run(text: str) -> set[Hit]:
        data = text.encode("utf-16-le", "surrogatepass")
        assert len(data) == 2 * len(text), "the generated text has characters outside the BMP"
        matches = automaton.find_matches_as_indexes(data, overlapping=True)
        return {(start >> 1, i) for i, start, _ in matches if not start & 1}

    return run


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--mb", type=float, default=DEFAULT_MB, help="text size in MB of UTF-8 (default 20)")
    parser.add_argument("--terms", type=int, default=DEFAULT_TERMS, help="dictionary terms (default 2000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the automata and the plugin (best is kept)")
    parser.add_argument(
        "--density", type=float, default=0.02, help="share of sentences carrying a dictionary term (default 0.02)"
    )
    parser.add_argument("--quick", action="store_true", help="2 MB smoke run")
    parser.add_argument("--seed", type=int, default=20190628)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--formats", action="store_true", help="benchmark the file readers and the CLI output instead")
    parser.add_argument("--rows", type=int, default=100_000, help="--formats: rows of the .xlsx (default 100000)")
    parser.add_argument("--pages", type=int, default=200, help="--formats: pages of the PDF (default 200)")
    parser.add_argument("--output-mb", type=float, default=50.0, help="--formats: size of the output text (default 50)")
    args = parser.parse_args(argv)
    if args.formats:
        return formats(args)
    megabytes = 2.0 if args.quick else args.mb

    rng = random.Random(args.seed)
    terms = make_terms(args.terms, rng)
    started = time.perf_counter()
    text, planted = make_text(megabytes, terms, rng, args.density)
    size_mb = len(text.encode("utf-8")) / 1_000_000
    print(
        f"text: {size_mb:.1f} MB UTF-8, {len(text):,} characters, {args.terms:,} terms, "
        f"{sum(planted.values()):,} personal numbers (generated in {time.perf_counter() - started:.1f} s)"
    )

    settings = Settings.from_config(
        {
            # The bureau's own contacts, as a bureau configures them (they recur in the corpus prose).
            "allow": {"names": ["张敏"], "phones": ["0633-8781234"], "emails": ["rzjyfw@126.com"]},
            "custom_rules": [
                {
                    "id": CUSTOM_RULE,
                    "category": "c09_internal_unit",
                    "severity": "review",
                    "message": "词典词“{term}”",
                    "terms": terms,
                }
            ],
        }
    )
    scanner = Scanner(settings)
    context = ScanContext()
    print(f"plugin: {len(scanner.rules)} rules, {len(scanner.words):,} automaton words")

    # The fast paths run in interleaved rounds, so a busy moment of the machine hits them alike.
    fast: dict[str, Callable[[str], Any]] = {
        "ahocorasick-rs (bare)": ahocorasick_rust(terms),
        "pyahocorasick (bare)": pyahocorasick(terms),
        "ahocorasick-rs UTF-16": ahocorasick_rust_utf16(terms),
        "plugin (all scanners)": lambda t: scanner.scan(t, context),
        "plugin, findings built": lambda t: scanner.scan(t, context).to_list(),
    }
    best_cpu = dict.fromkeys(fast, float("inf"))
    best_wall = dict.fromkeys(fast, float("inf"))
    outputs: dict[str, Any] = {}
    for _ in range(args.repeat):
        for name, run in fast.items():
            cpu, wall, outputs[name] = timed(run, text)
            best_cpu[name] = min(best_cpu[name], cpu)
            best_wall[name] = min(best_wall[name], wall)
    slow = {"regex alternation": alternation(terms), "naive keyword loop": naive(terms)}
    for name, run in slow.items():
        best_cpu[name], best_wall[name], outputs[name] = timed(run, text)

    results: list[Result] = []
    hits: dict[str, set[Hit]] = {}
    print(f"  {'path':<24} {'CPU s':>8} {'MB/s':>8} {'wall s':>8} {'MB/s':>8} {'found':>9}")
    for name in (*fast, *slow):
        cpu, wall = best_cpu[name], best_wall[name]
        count = len(outputs[name])
        if not name.startswith("plugin"):
            hits[name] = outputs[name]
        unit = "findings" if name.startswith("plugin") else "hits"
        runs = args.repeat if name in fast else 1
        results.append(Result(name, cpu, wall, size_mb / cpu, size_mb / wall, count, runs))
        print(f"  {name:<24} {cpu:8.3f} {size_mb / cpu:8.1f} {wall:8.3f} {size_mb / wall:8.1f} {count:>9,} {unit}")
    findings = outputs["plugin (all scanners)"]
    plugin_hits = {f.span[0] for f in findings if f.rule_id == CUSTOM_RULE and f.span}

    # Agreement of the dictionary hits.
    reference = hits["naive keyword loop"]
    assert hits["ahocorasick-rs (bare)"] == reference, "ahocorasick-rs disagrees with the naive loop"
    assert hits["pyahocorasick (bare)"] == reference, "pyahocorasick disagrees with the naive loop"
    assert hits["ahocorasick-rs UTF-16"] == reference, "ahocorasick-rs over UTF-16 disagrees with the naive loop"
    assert hits["regex alternation"] <= reference, "the alternation found something the others did not"
    assert plugin_hits <= {start for start, _ in reference}, "the plugin found a dictionary hit nobody else did"
    assert len(plugin_hits) >= len(hits["regex alternation"]) * 0.99, "the plugin missed dictionary hits"
    for rule, count in planted.items():
        found_count = sum(1 for f in findings if f.rule_id == rule)
        assert found_count >= count, f"{rule}: planted {count}, found {found_count}"
    print(
        "agreement: naive = pyahocorasick = ahocorasick-rs; alternation and plugin ⊆ them; every planted number found"
    )

    automata = [r for r in results if "(bare)" in r.name]
    fastest = max(automata, key=lambda r: r.mb_per_s)
    plugin = next(r for r in results if r.name.startswith("plugin"))
    ratio = plugin.mb_per_s / fastest.mb_per_s
    verdict = "PASS" if ratio >= TARGET else "FAIL"
    rs, py = automata
    print(f"ahocorasick-rs / pyahocorasick: {rs.mb_per_s / py.mb_per_s:.1f}×")
    print(f"plugin / fastest bare automaton ({fastest.name}): {ratio:.0%} (target ≥ {TARGET:.0%}) {verdict}")
    utf16 = next(r for r in results if r.name == "ahocorasick-rs UTF-16")
    utf16_ratio = plugin.mb_per_s / utf16.mb_per_s
    print(
        f"for comparison, plugin / ahocorasick-rs over UTF-16 bytes (the search the plugin itself uses): "
        f"{utf16_ratio:.0%}"
    )
    built = next(r for r in results if r.name == "plugin, findings built")
    built_ratio = built.mb_per_s / fastest.mb_per_s
    print(f"for comparison, plugin with every finding built / fastest bare automaton: {built_ratio:.0%}")

    if args.json:
        report = {
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "versions": {p: version(p) for p in ("ahocorasick-rs", "pyahocorasick")},
            "text_mb": size_mb,
            "terms": args.terms,
            "density": args.density,
            "results": [asdict(r) for r in results],
            "plugin_vs_fastest_automaton": ratio,
            "plugin_vs_ahocorasick_rs_utf16": utf16_ratio,
            "plugin_findings_built_vs_fastest_automaton": built_ratio,
            "verdict": verdict,
        }
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


def _best(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best CPU time of ``repeat`` runs (the machine is shared: CPU time is steadier), and the last result."""
    best = float("inf")
    result: Any = None
    for _ in range(repeat):
        started = time.process_time()
        result = run()
        best = min(best, time.process_time() - started)
    return best, result


def _best_of(runs: list[Callable[[], Any]], repeat: int) -> list[tuple[float, Any]]:
    """:func:`_best` of several runs, interleaved round by round; each run's best CPU time and last result."""
    best = [float("inf")] * len(runs)
    results: list[Any] = [None] * len(runs)
    for _ in range(repeat):
        for i, run in enumerate(runs):
            started = time.process_time()
            results[i] = run()
            best[i] = min(best[i], time.process_time() - started)
    return list(zip(best, results, strict=True))


def _xlsx(rows: int, rng: random.Random) -> bytes:
    """A 公示名单 workbook: name, ID number (valid check character), amount."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("公示名单")
    sheet.append(["姓名", "公民身份号码", "补贴金额（元）"])
    surnames, given = "王李张刘陈杨赵黄周吴", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
    for _ in range(rows):
        first17 = f"3711{rng.randrange(100):02d}19{rng.randrange(50, 99)}0{rng.randrange(1, 10)}1{rng.randrange(10)}"
        first17 += f"{rng.randrange(1000):03d}"
        name = rng.choice(surnames) + "".join(rng.choices(given, k=rng.randint(1, 2)))
        sheet.append([name, first17 + v.id18_check_char(first17), rng.randrange(500, 5000) + 0.5])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _pdf(pages: int, rng: random.Random) -> bytes:
    """A text PDF of ``pages`` pages, 40 lines each (Helvetica, ASCII), one ID number per page."""
    objects: list[bytes] = [b"", b""]
    font = len(objects) + 1
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    kids = []
    for page in range(pages):
        first17 = f"371102198{rng.randrange(10)}0{rng.randrange(1, 10)}1{rng.randrange(10)}{rng.randrange(1000):03d}"
        lines = [f"Line {i} of page {page + 1}: payment record {rng.randrange(10**6)} approved." for i in range(39)]
        lines.append(f"ID {first17}{v.id18_check_char(first17)}")
        stream = ("BT /F1 10 Tf 12 TL 40 760 Td " + " T* ".join(f"({line}) Tj" for line in lines) + " ET").encode()
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >> "
            b"/Contents %d 0 R >>" % (font, content)
        )
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _bare_calamine(data: bytes) -> int:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = 0
    for name in book.sheet_names:
        rows += len(book.get_sheet_by_name(name).to_python(skip_empty_area=False))
    return rows


def _bare_pdfium(data: bytes) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    chars = 0
    for i in range(len(pdf)):
        page = pdf[i]
        textpage = page.get_textpage()
        chars += len(textpage.get_text_bounded())
        textpage.close()
        page.close()
    pdf.close()
    return chars


def formats(args: argparse.Namespace) -> int:
    """The file readers and the CLI output, each against its bare baseline (see the module doc)."""
    import contextlib
    import os
    import tempfile

    from gongkai_flow.cli import main as cli_main
    from gongkai_flow.plugins.negative_list import read_document, read_file, scan_document

    rng = random.Random(args.seed)
    repeat = max(1, args.repeat)
    scanner = Scanner()
    rows: list[tuple[str, float, float, float, str]] = []  # what, bare s, ours s, ours with findings built s, unit
    report: dict[str, Any] = {"command": " ".join([Path(sys.executable).name, *sys.argv])}

    # Each case: the bare library, ours (the findings decided, built when read), and ours with
    # every finding built, interleaved round by round so a busy moment hits all three alike.
    data = _xlsx(args.rows, rng)
    (bare_s, bare_rows), (ours_s, found), (built_s, _) = _best_of(
        [
            lambda: _bare_calamine(data),
            lambda: scan_document(scanner, read_document(data, "公示名单.xlsx")),
            lambda: scan_document(scanner, read_document(data, "公示名单.xlsx")).to_list(),
        ],
        repeat,
    )
    ids = sum(1 for f in found if f.finding.rule_id == "negative_list.pii.id_card")
    assert ids == args.rows, f"xlsx: {ids} ID numbers found of {args.rows}"
    assert found.blocking == args.rows, f"xlsx: {found.blocking} blocking of {args.rows}"
    print(f"xlsx: {len(data) / 1e6:.1f} MB, {bare_rows:,} rows; every ID number found ({ids:,}), each blocking")
    rows.append(("xlsx 公示名单 (rows/s)", bare_s, ours_s, built_s, f"{bare_rows}"))

    data = _pdf(args.pages, rng)
    (bare_s, _), (ours_s, found), (built_s, _) = _best_of(
        [
            lambda: _bare_pdfium(data),
            lambda: scan_document(scanner, read_document(data, "名单.pdf")),
            lambda: scan_document(scanner, read_document(data, "名单.pdf")).to_list(),
        ],
        repeat,
    )
    ids = sum(1 for f in found if f.finding.rule_id == "negative_list.pii.id_card")
    assert ids == args.pages, f"pdf: {ids} ID numbers found of {args.pages}"
    print(f"pdf: {len(data) / 1e6:.1f} MB, {args.pages} pages; every ID number found ({ids})")
    rows.append(("text PDF (pages/s)", bare_s, ours_s, built_s, f"{args.pages}"))

    terms = make_terms(args.terms, rng)
    text, _ = make_text(args.mb if args.mb != DEFAULT_MB else 5.0, terms, rng, 0.25)
    dense = Scanner(
        Settings.from_config(
            {
                "custom_rules": [
                    {
                        "id": CUSTOM_RULE,
                        "category": "c09_internal_unit",
                        "severity": "review",
                        "message": "词典词“{term}”",
                        "terms": terms,
                    }
                ]
            }
        )
    )
    automaton = ahocorasick_rust(terms)
    (bare_s, _), (ours_s, _), (built_s, _) = _best_of(
        [lambda: automaton(fresh(text)), lambda: dense.scan(fresh(text)), lambda: dense.scan(fresh(text)).to_list()],
        repeat,
    )
    size_mb = len(text.encode()) / 1e6
    rows.append((f"dense text {size_mb:.0f} MB, density 0.25 (MB/s)", bare_s, ours_s, built_s, f"{size_mb}"))

    print(
        f"  {'case':<40} {'bare s':>8} {'ours s':>8} {'built s':>8} {'bare rate':>12} {'ours rate':>12} "
        f"{'ours/bare':>10} {'built/bare':>11}"
    )
    for what, bare, ours, built, amount in rows:
        n = float(amount)
        print(
            f"  {what:<40} {bare:8.3f} {ours:8.3f} {built:8.3f} {n / bare:12,.1f} {n / ours:12,.1f} "
            f"{ours / bare:9.2f}× {built / bare:10.2f}×"
        )
    report["readers"] = [
        {"case": w, "bare_seconds": b, "ours_seconds": o, "built_seconds": t, "amount": float(a), "ratio": o / b}
        for w, b, o, t, a in rows
    ]
    dense_ratio = rows[2][1] / rows[2][2]
    xlsx_ratio = rows[0][2] / rows[0][1]
    pdf_ratio = rows[1][2] / rows[1][1]
    print(f"xlsx read+scan / bare calamine: {xlsx_ratio:.2f}× (target ≤ 2×) {'PASS' if xlsx_ratio <= 2 else 'FAIL'}")
    print(f"pdf read+scan / bare pypdfium2: {pdf_ratio:.2f}× (target ≤ 2×) {'PASS' if pdf_ratio <= 2 else 'FAIL'}")
    print(
        f"dense scan, normalisation included / bare automaton: {dense_ratio:.0%} of its speed (target ≥ 50 %) "
        f"{'PASS' if dense_ratio >= TARGET else 'FAIL'}"
    )
    print(
        f"for comparison, with every finding built: xlsx {rows[0][3] / rows[0][1]:.2f}×, "
        f"dense {rows[2][1] / rows[2][3]:.0%} of the automaton's speed"
    )

    # Output: gongkai check on a big text dense with findings, JSON and table, against the scan.
    pieces = []
    size = 0
    target = int(args.output_mb * 1e6)
    while size < target:
        first17 = f"3711{rng.randrange(100):02d}19{rng.randrange(50, 99)}0{rng.randrange(1, 10)}1{rng.randrange(10)}"
        first17 += f"{rng.randrange(1000):03d}"
        number = first17 + v.id18_check_char(first17)
        piece = f"经审核，第{rng.randrange(10**5)}号申请人身份证号{number}，内部资料，现予公示。\n"
        pieces.append(piece + "公示期为五个工作日，如有异议请向本局反映。" * 3 + "\n")
        size += len(pieces[-1].encode())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dense.txt"
        path.write_text("".join(pieces), encoding="utf-8")
        # The scan with every finding built: what the command must do before it prints (a
        # ScanResult would otherwise leave that to the output, and the ratio would say nothing).
        scan_s, found = _best(lambda: scan_document(scanner, read_file(path)).to_list(), 1)
        timings = {}
        for fmt in ("json", "table"):
            started = time.process_time()
            with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.suppress(SystemExit):
                cli_main(["check", "--format", fmt, "--max-file-mb", str(args.output_mb * 2), str(path)])
            timings[fmt] = time.process_time() - started
    print(
        f"output: {path.stat().st_size / 1e6 if path.exists() else args.output_mb:.0f} MB text, {len(found):,} findings"
    )
    print(
        f"  read + scan, every finding built {scan_s:.2f} s; gongkai check --format json {timings['json']:.2f} s; "
        f"table {timings['table']:.2f} s"
    )
    for fmt in ("json", "table"):
        ratio = timings[fmt] / scan_s
        print(f"  {fmt}: whole command / scan {ratio:.2f}× (target < 3×) {'PASS' if ratio < 3 else 'FAIL'}")
    report["output"] = {
        "findings": len(found),
        "scan_seconds": scan_s,
        **{f"{k}_seconds": t for k, t in timings.items()},
    }
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
