"""Running a folder of ``.feature`` files for people who are not programmers: a summary and an HTML report.

:func:`run_folder` runs every ``.feature`` file under a folder with the step library — pytest is
the engine underneath, configured here, so the folder needs no ``pytest.ini`` — and returns one
:class:`ScenarioResult` per scenario (and per example row of a 场景大纲) and one
:class:`FileProblem` per file that could not be read. :func:`format_summary` says what happened
in Chinese, in plain words; :func:`render_html` writes the same as a page staff can open or
e-mail. ``gongkai bdd`` (docs/cli.md) is the command on top.
"""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
from collections.abc import Generator
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import attrs
import pytest

from ..errors import GongkaiFlowError
from .errors import ScenarioError
from .world import BEIJING, show_moment


class BddInputError(GongkaiFlowError):
    """The folder to run does not exist or holds no ``.feature`` file."""

    code = "bdd.bad_input"


@attrs.frozen
class ScenarioResult:
    """One scenario (one example row of an outline): passed or not, and if not, where and why."""

    file: str
    name: str
    passed: bool
    step: str | None = None
    line: int | None = None
    reason: str | None = None


@attrs.frozen
class FileProblem:
    """A ``.feature`` file none of whose scenarios could run, and why."""

    file: str
    reason: str


@attrs.frozen
class RunResult:
    """What a run of a folder found."""

    folder: Path
    started: datetime
    scenarios: tuple[ScenarioResult, ...]
    problems: tuple[FileProblem, ...]

    @property
    def passed(self) -> int:
        """How many scenarios passed."""
        return sum(1 for s in self.scenarios if s.passed)

    @property
    def failed(self) -> int:
        """How many scenarios failed."""
        return sum(1 for s in self.scenarios if not s.passed)

    @property
    def ok(self) -> bool:
        """Whether every scenario passed, at least one ran, and every file could be read."""
        return bool(self.scenarios) and not self.failed and not self.problems


_CJK = re.compile(r"[\u4e00-\u9fff]")
_INTERNAL: Final = "运行这一步时程序出错（不是场景写法的问题），请把本报告发给信息中心或技术人员。"


def _reason(exc: BaseException) -> str:
    """What went wrong, for staff: the Chinese message of a scenario error, never a Python repr."""
    if isinstance(exc, ScenarioError | GongkaiFlowError):
        return str(exc)
    text = str(exc)
    return f"{_INTERNAL}（{text}）" if _CJK.search(text) and "Traceback" not in text else _INTERNAL


class _Collector:
    """A pytest plugin object that records each scenario's outcome, its failing step and the reason."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.scenarios: list[ScenarioResult] = []
        self.problems: list[FileProblem] = []
        self._names: dict[str, tuple[str, str]] = {}
        self._steps: dict[str, tuple[str, int]] = {}
        self._errors: dict[str, str] = {}

    def _file(self, path: Path | str) -> str:
        try:
            return Path(path).resolve().relative_to(self.folder).as_posix()
        except ValueError:
            return Path(path).name

    def pytest_bdd_before_scenario(self, request: Any, feature: Any, scenario: Any) -> None:
        """Remember the scenario's file and name for its test."""
        node = request.node
        name = scenario.name
        example = getattr(getattr(node, "callspec", None), "params", {}).get("_pytest_bdd_example")
        if example:
            name += "（例子：" + "，".join(f"{k}={v}" for k, v in example.items()) + "）"
        self._names[node.nodeid] = (self._file(feature.filename), name)

    def pytest_bdd_step_error(self, request: Any, feature: Any, scenario: Any, step: Any, **kwargs: Any) -> None:
        """The step that failed."""
        self._steps[request.node.nodeid] = (f"{step.keyword}{step.name}", step.line_number)

    @pytest.hookimpl(wrapper=True)
    def pytest_bdd_step_func_lookup_error(self, request: Any, step: Any, **kwargs: Any) -> Generator[None, Any, Any]:
        """A step matching no wording is the failing step (the runner's hook then raises)."""
        self._steps[request.node.nodeid] = (f"{step.keyword}{step.name}", step.line_number)
        return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: Any, call: Any) -> Generator[None, Any, Any]:
        """Keep the exception's message (the report holds only its text)."""
        if call.excinfo is not None:
            self._errors[item.nodeid] = _reason(call.excinfo.value)
        return (yield)

    def pytest_runtest_logreport(self, report: Any) -> None:
        """One scenario's result: its call phase, or a failed setup or teardown."""
        if report.when == "call" or (report.when != "call" and report.failed):
            file, name = self._names.get(report.nodeid, (report.nodeid.split("::")[0], report.nodeid))
            if report.passed:
                self.scenarios.append(ScenarioResult(file, name, True))
                return
            if report.skipped:
                return
            step = self._steps.get(report.nodeid)
            reason = self._errors.get(report.nodeid, _INTERNAL)
            self.scenarios.append(
                ScenarioResult(file, name, False, step[0] if step else None, step[1] if step else None, reason)
            )

    def pytest_collectreport(self, report: Any) -> None:
        """A file that could not be read."""
        if report.failed:
            text = str(report.longrepr)
            file = self._file(report.fspath) if report.fspath else report.nodeid
            reason = text.strip() if _CJK.search(text) and "Traceback" not in text else "无法读取这个文件。"
            self.problems.append(FileProblem(file, reason.splitlines()[-1] if "\n" in reason else reason))


def feature_files(folder: Path) -> list[Path]:
    """The ``.feature`` files under ``folder`` (a :class:`BddInputError` when there are none)."""
    if not folder.exists():
        raise BddInputError(f"找不到文件夹“{folder}”，请检查路径。", path=str(folder))
    if folder.is_file():
        if folder.suffix != ".feature":
            raise BddInputError(f"“{folder}”不是场景文件（.feature）。", path=str(folder))
        return [folder]
    files = sorted(p for p in folder.rglob("*.feature") if not any(part.startswith(".") for part in p.parts))
    if not files:
        raise BddInputError(f"文件夹“{folder}”中没有场景文件（.feature）。", path=str(folder))
    return files


@contextlib.contextmanager
def _quiet() -> Generator[None, None, None]:
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        yield


def run_folder(path: Path, *, now: datetime | None = None) -> RunResult:
    """Run every ``.feature`` file under ``path`` with the step library; see the module doc."""
    path = path.resolve()
    files = feature_files(path)
    folder = path if path.is_dir() else path.parent
    collector = _Collector(folder)
    started = now or datetime.now(BEIJING)
    with tempfile.TemporaryDirectory(prefix="gongkai-bdd-") as tmp:
        ini = Path(tmp) / "pytest.ini"
        ini.write_text("[pytest]\ngongkai_bdd = true\n", encoding="utf-8")
        args = [
            *(str(f) for f in files),
            "-c",
            str(ini),
            "--rootdir",
            str(folder),
            "--noconftest",
            "--continue-on-collection-errors",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:gongkai_flow",  # the entry point's name; the plugin is loaded once, below
            "-p",
            "gongkai_flow.bdd.plugin",
            f"--basetemp={Path(tmp) / 'run'}",
            "-q",
        ]
        with _quiet():
            pytest.main(args, plugins=[collector])
    return RunResult(path, started, tuple(collector.scenarios), tuple(collector.problems))


def format_summary(run: RunResult) -> str:
    """The run in Chinese, for a terminal: each scenario 通过/失败; for a failure the step and why."""
    lines = [f"运行场景：{run.folder}"]
    for problem in run.problems:
        lines.append(f"  无法读取  {problem.file}：{problem.reason}")
    for n, s in enumerate(run.scenarios, start=1):
        lines.append(f"{n:>3}. {'通过' if s.passed else '失败'}  {s.file} · {s.name}")
        if not s.passed:
            where = f"第{s.line}行 “{s.step}”" if s.step else "场景结束时"
            lines.append(f"       失败的步骤：{where}")
            reason = (s.reason or "").strip().splitlines()
            lines.append(f"       原因：{reason[0] if reason else ''}")
            lines.extend(f"             {more}" for more in reason[1:])
    lines.append(_totals(run))
    return "\n".join(lines) + "\n"


def _totals(run: RunResult) -> str:
    text = f"共 {len(run.scenarios)} 个场景：通过 {run.passed} 个，失败 {run.failed} 个"
    if run.problems:
        text += f"；{len(run.problems)} 个文件无法读取"
    return text + "。"


_TEMPLATE: Final = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>场景运行报告</title>
<style>
body { font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; }
.summary { font-size: 1.1em; margin: 1em 0; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ccc; padding: .4em .6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.passed { color: #1a7f37; font-weight: bold; }
.failed { color: #c62828; font-weight: bold; }
.reason { white-space: pre-wrap; }
</style>
</head>
<body>
<h1>场景运行报告</h1>
<p>运行时间：{{ started }}（北京时间）<br>场景文件夹：{{ folder }}</p>
<p class="summary" id="summary">{{ totals }}</p>
{% if problems %}
<h2>无法读取的文件</h2>
<ul id="problems">
{% for p in problems %}<li><strong>{{ p.file }}</strong>：{{ p.reason }}</li>
{% endfor %}
</ul>
{% endif %}
<table id="scenarios">
<thead><tr><th>序号</th><th>文件</th><th>场景</th><th>结果</th><th>失败的步骤</th><th>原因</th></tr></thead>
<tbody>
{% for s in scenarios %}<tr class="{{ 'passed' if s.passed else 'failed' }}-row">
<td>{{ loop.index }}</td><td>{{ s.file }}</td><td>{{ s.name }}</td>
<td class="{{ 'passed' if s.passed else 'failed' }}">{{ '通过' if s.passed else '失败' }}</td>
<td>{% if not s.passed %}{% if s.step %}第{{ s.line }}行：{{ s.step }}{% else %}场景结束时{% endif %}{% endif %}</td>
<td class="reason">{{ s.reason or '' }}</td>
</tr>
{% endfor %}
</tbody>
</table>
</body>
</html>
"""


def render_html(run: RunResult) -> str:
    """The run as a self-contained HTML page (everything staff wrote is escaped)."""
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_TEMPLATE).render(
        started=show_moment(run.started),
        folder=str(run.folder),
        totals=_totals(run),
        scenarios=run.scenarios,
        problems=run.problems,
    )


__all__ = [
    "BddInputError",
    "FileProblem",
    "RunResult",
    "ScenarioResult",
    "feature_files",
    "format_summary",
    "render_html",
    "run_folder",
]
