"""The docs: every ```python block runs, the chain page is generated, and the site builds.

Blocks of one file run in order in one namespace, in a temporary working directory, so later
blocks can use names from earlier ones. A block preceded by an HTML comment ``<!-- not-run: why -->``
is a fragment of a host's code and is skipped; ``test_not_run_blocks_are_few`` keeps those rare.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gongkai_flow import docs_gen

ROOT = Path(__file__).parent.parent
DOC_FILES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
BLOCK = re.compile(r"(?P<marker><!-- not-run:[^>]*-->\s*\n)?^```python[^\n]*\n(?P<code>.*?)^```", re.S | re.M)


def blocks(path: Path) -> list[tuple[int, str, bool]]:
    """The ```python blocks of ``path``: (line number, code, runnable) in document order."""
    text = path.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, m.start("code")) + 1, m.group("code"), m.group("marker") is None)
        for m in BLOCK.finditer(text)
    ]


@pytest.mark.parametrize("path", [p for p in DOC_FILES if blocks(p)], ids=lambda p: p.name)
def test_python_blocks_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every runnable python block of the file executes without an error, in order, in one namespace."""
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{path.stem}"}
    try:
        for line, code, runnable in blocks(path):
            if runnable:
                exec(compile(code, f"{path.name}:{line}", "exec"), namespace)
    finally:
        for value in namespace.values():
            close = getattr(value, "close", None)
            if type(value).__name__ == "Flow" and callable(close):
                close()


def test_not_run_blocks_are_few() -> None:
    """At most a handful of python blocks are marked not-run, each with a reason."""
    skipped = [(p.name, line) for p in DOC_FILES for line, _, runnable in blocks(p) if not runnable]
    assert len(skipped) <= 6, skipped
    for path in DOC_FILES:
        for marker in re.findall(r"<!-- not-run:([^>]*)-->", path.read_text(encoding="utf-8")):
            assert marker.strip(), f"{path.name}: a not-run marker needs a reason"


def test_block_extraction_sees_the_readme_example() -> None:
    """The extractor finds the README's quick-start block, so the parametrised test is not vacuous."""
    assert any("flow.draft" in code for _, code, _ in blocks(ROOT / "README.md"))


def test_chain_page_matches_generator() -> None:
    """docs/chains.md is exactly what the generator writes from the chain definitions (run `make docs`)."""
    assert (ROOT / "docs" / "chains.md").read_text(encoding="utf-8") == docs_gen.render()


def test_generator_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m gongkai_flow.docs_gen OUT` writes the rendered page to OUT and says so."""
    out = tmp_path / "chains.md"
    assert docs_gen.main([str(out)]) == 0
    assert out.read_text(encoding="utf-8") == docs_gen.render()
    assert str(out) in capsys.readouterr().out


def test_chain_page_has_a_diagram_per_chain() -> None:
    """The generated page has one Mermaid state diagram for each standard chain."""
    page = docs_gen.render()
    assert page.count("```mermaid\nstateDiagram-v2") == 3
    assert "业务分管领导审签" in page


@pytest.mark.skipif(shutil.which("mkdocs", path=str(Path(sys.executable).parent)) is None, reason="docs extra absent")
def test_site_builds_strict(tmp_path: Path) -> None:
    """`mkdocs build --strict` succeeds: no broken link, no page missing from the nav."""
    mkdocs = str(Path(sys.executable).parent / "mkdocs")
    result = subprocess.run(
        [mkdocs, "build", "--strict", "--quiet", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": str(Path(sys.executable).parent)},
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "chains" / "index.html").is_file()
