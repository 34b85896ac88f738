"""用中文写场景：面向政策人员的 BDD 步骤库（pytest-bdd 插件）。

Policy staff state the bureau's rules as ``.feature`` files in Chinese (``# language: zh-CN``);
this package ships the steps those files use, the pytest plugin that collects them, and the
Chinese messages shown when a step matches nothing or names an unknown person, role or state.

Install with ``pip install "gongkai_flow[bdd]"``; the plugin is registered as a ``pytest11``
entry point and switched on by one line of pytest configuration: ``gongkai_bdd = true``.
Importing this package does not import pytest-bdd (see :mod:`gongkai_flow.bdd.catalogue`).
"""

from __future__ import annotations

from .catalogue import CATALOGUE, StepEntry, closest_steps, format_catalogue
from .errors import ScenarioError, StepNotFoundError

__all__ = ["CATALOGUE", "ScenarioError", "StepEntry", "StepNotFoundError", "closest_steps", "format_catalogue"]
