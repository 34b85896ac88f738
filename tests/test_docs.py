"""The docs: every ```python block runs, the chain page is generated, and the site builds.

Blocks of one file run in order in one namespace, in a temporary working directory, so later
blocks can use names from earlier ones. A block preceded by an HTML comment ``<!-- not-run: why -->``
is a fragment of a host's code and is skipped; ``test_not_run_blocks_are_few`` keeps those rare.
"""

from __future__ import annotations

import os
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
    assert_offline(tmp_path / "site")
    chains = (tmp_path / "site" / "chains" / "index.html").read_text(encoding="utf-8")
    assert '<script src="../assets/javascripts/mermaid.min.js"></script>' in chains
    api = (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8")
    # The API reference shows the signature as written, through the storage-error decorator.
    assert 'id="gongkai_flow.storage.SqlRepository.worklist"' in api
    assert re.search(r"worklist\(\s*actor: .*Actor.*limit: int \| None = None", re.sub(r"<[^>]+>", "", api), re.S)
    for name in ("gongkai_flow.service.Flow", "gongkai_flow.engine.Workflow", "gongkai_flow.errors.http_status"):
        assert f'id="{name}"' in api, name


#: What a page may load from elsewhere: nothing (an intranet has no internet).
_REMOTE = re.compile(r"""<(?:script|link|img)\b[^>]*\b(?:src|href)=["']((?:https?:)?//[^"']+)""", re.I)


def assert_offline(site: Path) -> None:
    """No page of ``site`` loads a script, a stylesheet, a font or an image from another host."""
    pages = list(site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        remote = [url for url in _REMOTE.findall(text) if not url.startswith("http://www.w3.org/")]
        assert not remote, (page, remote)
        assert "fonts.googleapis" not in text, page
        assert "fonts.gstatic" not in text, page
    for css in site.rglob("*.css"):
        assert "fonts.googleapis" not in css.read_text(encoding="utf-8"), css


def test_assert_offline_fails_on_a_cdn(tmp_path: Path) -> None:
    """The offline check is not vacuous: a page loading a CDN script fails it."""
    for i in range(11):
        (tmp_path / f"p{i}.html").write_text("<p>x</p>", encoding="utf-8")
    (tmp_path / "p0.html").write_text('<script src="https://unpkg.com/mermaid@11/dist/mermaid.min.js"></script>')
    with pytest.raises(AssertionError):
        assert_offline(tmp_path)


def test_site_config_is_offline() -> None:
    """mkdocs.yml turns the theme's web fonts off and serves Mermaid from the site, vendored by `make docs`."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^  font: false$", config, re.M)
    assert "- assets/javascripts/mermaid.min.js" in config
    assert "scripts/vendor-mermaid" in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_mermaid_is_vendored() -> None:
    """The site's Mermaid is the npm package's bundle (`make docs` vendors it; CI runs that first)."""
    vendored = ROOT / "docs" / "assets" / "javascripts" / "mermaid.min.js"
    if not vendored.is_file():
        if os.environ.get("CI"):
            pytest.fail("docs/assets/javascripts/mermaid.min.js is missing: `make docs` vendors it")
        pytest.skip("Mermaid not vendored yet: run `make docs`")
    head = vendored.read_text(encoding="utf-8", errors="replace")[:200_000]
    assert "mermaid" in head
    assert vendored.stat().st_size > 500_000


def _typecheck(modules: dict[str, str], where: Path) -> subprocess.CompletedProcess[str]:
    """Run ``mypy --strict`` on ``modules`` (name → source) written as one package under ``where``."""
    package = where / "doc_snippets"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    for name, source in modules.items():
        (package / f"{name}.py").write_text(source, encoding="utf-8")
    options = ["--strict", "--python-version", "3.11", "--config-file", "/dev/null"]
    return subprocess.run(
        [sys.executable, "-m", "mypy", *options, "--cache-dir", str(where / "cache"), "-p", "doc_snippets"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "MYPYPATH": str(ROOT / "src")},
    )


def doc_modules() -> dict[str, str]:
    """Each doc file's runnable python blocks as one module (they run in order in one namespace)."""
    modules = {}
    for path in DOC_FILES:
        code = [block for _, block, runnable in blocks(path) if runnable]
        if code:
            modules[re.sub(r"\W", "_", path.stem.lower())] = "\n".join(code)
    return modules


def test_python_blocks_type_check(tmp_path: Path) -> None:
    """The docs' python blocks pass ``mypy --strict``: the API they show has the types they use."""
    modules = doc_modules()
    assert len(modules) >= 6, modules.keys()
    result = _typecheck(modules, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"no issues found in {len(modules) + 1} source files" in result.stdout


def test_type_check_of_blocks_finds_errors(tmp_path: Path) -> None:
    """The check is not vacuous: a block calling the API with a wrong type fails it."""
    bad = "from gongkai_flow import Flow\n\nflow = Flow()\nflow.get(42)\n"
    result = _typecheck({"bad": bad}, tmp_path)
    assert result.returncode == 1
    assert "bad.py:4" in result.stdout
