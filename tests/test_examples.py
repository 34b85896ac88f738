"""Every example script runs, as a user would run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


def test_examples_exist() -> None:
    """The examples folder is not silently empty (the parametrised test would then run nothing)."""
    assert any(p.name == "full_publication.py" for p in EXAMPLES)


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script: Path) -> None:
    """The script exits 0 and prints no traceback."""
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_full_publication_publishes_both_items() -> None:
    """The full publication ends with the policy and its interpretation published."""
    sys.path.insert(0, str(EXAMPLES[0].parent))
    try:
        import full_publication
    finally:
        sys.path.pop(0)
    states = full_publication.main()
    assert sorted(states.values()) == ["published", "published"]
