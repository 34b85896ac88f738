"""The layers of ARCHITECTURE §2: imports point down, transitions stays behind engine.py."""

from __future__ import annotations

import ast
import subprocess
import sys
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
