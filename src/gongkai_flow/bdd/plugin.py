"""The pytest plugin (entry point ``pytest11``: ``gongkai_flow``): collects ``.feature`` files.

Switched on by one line of pytest configuration, ``gongkai_bdd = true`` (in ``pytest.ini`` under
``[pytest]``, or ``[tool.pytest.ini_options]`` in ``pyproject.toml``). Then every ``.feature``
file pytest is pointed at runs with the step library — no Python written by the bureau.
Without that line, or without pytest-bdd installed, the plugin does nothing.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

INI = "gongkai_bdd"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the one configuration line."""
    parser.addini(INI, type="bool", default=False, help="收集并运行 .feature 场景（gongkai_flow 中文步骤库）")


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getini(INI)) and importlib.util.find_spec("pytest_bdd") is not None


def pytest_configure(config: pytest.Config) -> None:
    """Load the steps and the scenario hooks when switched on."""
    if _enabled(config) and not config.pluginmanager.has_plugin("gongkai_flow.bdd.runner"):
        from . import runner

        config.pluginmanager.register(runner, "gongkai_flow.bdd.runner")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Any:
    """A ``.feature`` file becomes a module of scenarios."""
    if file_path.suffix == ".feature" and _enabled(parent.config):
        from .runner import FeatureFile

        return FeatureFile.from_parent(parent, path=file_path)
    return None
