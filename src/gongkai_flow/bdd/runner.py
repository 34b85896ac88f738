"""Running ``.feature`` files: the collector, the Chinese failure messages, the scenario hooks.

Registered as a plugin by :mod:`gongkai_flow.bdd.plugin` only when ``gongkai_bdd = true`` (it needs
pytest-bdd). It registers :mod:`gongkai_flow.bdd.steps` as a plugin too, so pytest sees the step
definitions, which are fixtures, in every directory.
"""

from __future__ import annotations

import os
import types
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
import pytest_bdd.feature
from pytest_bdd import exceptions, scenario
from pytest_bdd.gherkin_parser import GherkinDocument
from pytest_bdd.parser import Feature, FeatureParser, Scenario, Step

from . import steps
from .catalogue import not_found_message
from .errors import ScenarioError, StepNotFoundError
from .text import FeatureSyntaxError, normalise, parse_document
from .world import World


def pytest_configure(config: pytest.Config) -> None:
    """Register the step definitions as a plugin so pytest sees their fixtures."""
    if not config.pluginmanager.is_registered(steps):
        config.pluginmanager.register(steps, "gongkai_flow.bdd.steps")


class UnknownStepError(StepNotFoundError, exceptions.StepDefinitionNotFoundError):
    """pytest-bdd's "step definition not found", with the Chinese message and the closest steps."""


def read_feature(path: Path) -> str:
    """The text of a ``.feature`` file: UTF-8 (with or without a byte-order mark), else GB 18030."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FeatureSyntaxError(f"{path.name}：文件既不是 UTF-8 也不是 GBK 编码，请用记事本“另存为”UTF-8 编码。")


class _ForgivingParser(FeatureParser):
    """pytest-bdd's feature parser, reading the file through :func:`~gongkai_flow.bdd.text.normalise`."""

    def _parse_feature_file(self) -> GherkinDocument:
        text = normalise(read_feature(Path(self.abs_filename)))
        return GherkinDocument.from_dict(parse_document(text, Path(self.abs_filename).name))


class FeatureFile(pytest.Module):
    """A ``.feature`` file collected as a module whose tests are its scenarios."""

    def _getobj(self) -> types.ModuleType:
        module = types.ModuleType(self.path.stem)
        module.__file__ = str(self.path)
        base = str(self.path.parent)
        feature = _ForgivingParser(base, self.path.name).parse()
        # pytest-bdd's scenario() looks the file up in its cache: give it the forgiving parse.
        pytest_bdd.feature.features[os.path.abspath(self.path)] = feature
        for n, name in enumerate(feature.scenarios, start=1):
            test = scenario(str(self.path), name, features_base_dir=base)(_noop)
            setattr(module, f"test_{n:02d}_{name}", test)
        return module

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]  # as Collector
        """A file that cannot be read is reported in one Chinese line."""
        if isinstance(excinfo.value, ScenarioError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


def _noop() -> None:
    """The body of every collected scenario: all the work is in its steps."""


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_step_func_lookup_error(
    request: pytest.FixtureRequest, feature: Feature, scenario: Scenario, step: Step, exception: Exception
) -> None:
    """A step that matches nothing: fail with the closest available steps, in Chinese."""
    world = _world(request)
    names = list(world.people) if world is not None else []
    raise UnknownStepError(
        not_found_message(step.name, line=step.line_number, filename=feature.rel_filename, names=names)
    )


def pytest_bdd_step_error(request: pytest.FixtureRequest, **kwargs: Any) -> None:
    """Remember that the scenario already failed (the after-scenario check stays quiet)."""
    world = _world(request)
    if world is not None:
        world.failed = True


def pytest_bdd_after_scenario(request: pytest.FixtureRequest, feature: Feature, scenario: Scenario) -> None:
    """A refusal nobody checked fails the scenario at its end."""
    world = _world(request)
    if world is not None and not world.failed:
        world.check_pending()


def _world(request: pytest.FixtureRequest) -> World | None:
    if "gongkai_world" not in request.fixturenames:
        return None
    value = request.getfixturevalue("gongkai_world")
    return value if isinstance(value, World) else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Show a :class:`ScenarioError` as its Chinese message only, without a Python traceback."""
    report = yield
    if call.excinfo is not None and isinstance(call.excinfo.value, ScenarioError):
        report.longrepr = f"{item.nodeid}\n{call.excinfo.value}"
    return report
