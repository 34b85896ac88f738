"""The layers of docs/architecture.md: imports point down, transitions stays behind engine.py."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import gongkai_flow
from gongkai_flow import signals

SRC = Path(gongkai_flow.__file__).parent
PURE = ("model.py", "chain.py", "events.py", "errors.py")
IO_LIBS = {"transitions", "sqlalchemy", "blinker", "httpx", "click", "rich", "alembic", "psycopg"}


def imported_roots(path: Path) -> set[str]:
    """Top-level package names a module imports (absolute imports only)."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("name", PURE)
def test_pure_layers_do_no_io(name: str) -> None:
    """model, chain, events and errors import no I/O, state-machine or ORM library."""
    assert imported_roots(SRC / name) & IO_LIBS == set()


def test_only_engine_imports_transitions() -> None:
    """``transitions`` is imported by engine.py and nowhere else in the package."""
    users = {p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py") if "transitions" in imported_roots(p)}
    assert users == {"engine.py"}


def test_import_runs_nothing() -> None:
    """Importing the package loads no plugin and imports no CLI or database driver."""
    code = (
        "import sys, gongkai_flow; "
        "bad = [m for m in ('click', 'rich', 'psycopg', 'gongkai_title_rules') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_public_names_are_exported() -> None:
    """Every name in ``__all__`` exists on the package."""
    missing = [name for name in gongkai_flow.__all__ if not hasattr(gongkai_flow, name)]
    assert missing == []


def test_every_signal_has_a_doc() -> None:
    """Each signal declares its phase and payload in ``doc=``."""
    for name, signal in signals.ALL_SIGNALS.items():
        doc = signal.__doc__ or ""
        assert "Check phase" in doc or "Effect phase" in doc, name


def test_every_signal_is_in_the_reference() -> None:
    """docs/signals.md documents every signal the library sends, and no signal that does not exist."""
    text = (SRC.parent.parent / "docs" / "signals.md").read_text(encoding="utf-8")
    documented = {line.split("`")[1] for line in text.splitlines() if line.startswith("### `")}
    assert documented == set(signals.ALL_SIGNALS)


ROOT = SRC.parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def contract_layers() -> list[list[str]]:
    """The layers contract of pyproject.toml, top first, each a list of module names."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (layers,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return [[f"gongkai_flow.{m.strip()}" for m in re.split(r"[:|]", line)] for line in layers["layers"]]


def documented_layers() -> list[list[str]]:
    """The ``| layer | modules | may import |`` table of docs/architecture.md, top first."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    lines = text.split("| layer | modules |", 1)[1].splitlines()[2:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append(re.findall(r"`(gongkai_flow[\w.]*)`", line.split("|")[2]))
    return rows


def test_documented_layers_match_the_contract() -> None:
    """The layer table of docs/architecture.md lists the same modules, in the same order, as the contract."""
    assert documented_layers() == contract_layers()


def test_every_module_belongs_to_a_layer() -> None:
    """Each top-level module and package of gongkai_flow is named in exactly one layer."""
    named = [m for layer in contract_layers() for m in layer]
    modules = {p.stem for p in SRC.glob("*.py") if p.stem != "__init__"}
    packages = {p.parent.name for p in SRC.glob("*/__init__.py")}
    found = {f"gongkai_flow.{name}" for name in modules | packages}
    assert len(named) == len(set(named))
    assert set(named) == found


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_the_contracts_hold(tmp_path: Path) -> None:
    """lint-imports keeps every contract on the package as it is."""
    result = _lint_imports(SRC.parent)
    assert result.returncode == 0, result.stdout[-2000:]


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("model.py", "from gongkai_flow import service as _upward  # noqa"),
        ("storage/base.py", "from gongkai_flow import requests as _service_logic  # noqa"),
        ("clocks.py", "if False:\n    from gongkai_flow.storage import memory as _lazy  # noqa"),
    ],
)
def test_an_upward_import_breaks_the_build(tmp_path: Path, module: str, line: str) -> None:
    """An import that points up a layer (or from storage into service logic) fails lint-imports, lazy ones too."""
    tree = tmp_path / "src"
    shutil.copytree(SRC, tree / "gongkai_flow", ignore=shutil.ignore_patterns("__pycache__"))
    target = tree / "gongkai_flow" / module
    target.write_text(target.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
