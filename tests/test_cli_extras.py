"""The command line with only some extras installed: each command needs only its own.

Each case runs in a subprocess whose import system refuses the modules of the extras not in the
set (a meta-path finder raising ``ModuleNotFoundError``), as a fresh virtual environment with only
those extras would. `.ci/extras` does the same in real virtual environments.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gongkai_flow.cli._app import COMMANDS
from gongkai_flow.registry import EXTRA_MODULES

#: Runs ``gongkai`` calls in one process with some top-level modules blocked; prints JSON results.
_RUNNER = r"""
import contextlib, importlib.abc, io, json, sys

blocked = set(json.loads(sys.argv[1]))
calls = json.loads(sys.argv[2])


class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, Blocker())
from gongkai_flow.cli import main

results = []
for argv in calls:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    results.append([code, out.getvalue(), err.getvalue()])
print(json.dumps(results))
"""

#: The extras a user may install the command line with (``cli`` always, plus these).
EXTRA_SETS: dict[str, tuple[str, ...]] = {
    "cli": (),
    "cli+postgres": ("postgres",),
    "cli+negative-list": ("negative-list",),
    "cli+website": ("website",),
    "cli+reports": ("reports",),
    "cli+bdd": ("bdd",),
}

#: Every module an optional extra installs (the command line's own excepted).
_OPTIONAL = set().union(*(mods for extra, mods in EXTRA_MODULES.items() if extra != "cli"))


def blocked_for(extras: tuple[str, ...]) -> set[str]:
    """The optional modules a virtual environment with ``cli`` and ``extras`` lacks."""
    return _OPTIONAL - set().union(set(), *(EXTRA_MODULES[e] for e in extras))


def run_calls(blocked: set[str], calls: list[list[str]], cwd: Path) -> list[tuple[int, str, str]]:
    """Run each ``gongkai`` argument list with ``blocked`` modules missing."""
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, json.dumps(sorted(blocked)), json.dumps(calls)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.returncode == 0, proc.stderr
    return [(r[0], r[1], r[2]) for r in json.loads(proc.stdout)]


def installed(command: str, extras: tuple[str, ...]) -> bool:
    """Whether every module ``command``'s extras install is present with ``extras``."""
    have = set().union(EXTRA_MODULES["cli"], *(EXTRA_MODULES[e] for e in extras))
    return all(EXTRA_MODULES[e] <= have for e in COMMANDS[command].extras)


def assert_names_missing_extra(code: int, out: str, err: str, command: str, extras: tuple[str, ...]) -> None:
    """One line on stderr, exit 2, naming the pip install of an extra the command needs and the set lacks."""
    assert code == 2, (command, out, err)
    assert len(err.strip().splitlines()) == 1, err
    assert "dependency.missing" in err
    named = [e for e in COMMANDS[command].extras if f"pip install 'gongkai_flow[{e}]'" in err]
    assert named, err
    assert all(e not in extras for e in named)
    assert "Traceback" not in err


@pytest.mark.parametrize("extras", list(EXTRA_SETS.values()), ids=list(EXTRA_SETS))
def test_every_command_help_with_some_extras(extras: tuple[str, ...], tmp_path: Path) -> None:
    """``gongkai --help`` lists every command; each command's ``--help`` works or names its extra."""
    names = sorted(COMMANDS)
    results = run_calls(blocked_for(extras), [["--help"], *([name, "--help"] for name in names)], tmp_path)
    code, out, err = results[0]
    assert code == 0, err
    for name in names:
        assert f"\n  {name} " in out
    for name, (code, out, err) in zip(names, results[1:], strict=True):
        if code == 0:
            assert f"gongkai {name}" in out, (name, err)
        else:
            assert not installed(name, extras), (name, err)
            assert_names_missing_extra(code, out, err, name, extras)


def test_help_lists_the_commands_without_importing_them(tmp_path: Path) -> None:
    """With every optional extra missing, ``gongkai --help`` still lists ``demo`` (which needs the website's)."""
    (code, out, err), (dcode, dout, derr) = run_calls(_OPTIONAL, [["--help"], ["demo"]], tmp_path)
    assert code == 0, err
    assert "demo" in out
    assert_names_missing_extra(dcode, dout, derr, "demo", ())


#: One real call per extra set, that must work with it; and one that needs an extra it lacks.
REAL_CALLS: dict[str, tuple[list[str], list[str], str]] = {
    "cli": (["db", "upgrade", "--db", "g.db"], ["check", "t.txt"], "negative-list"),
    "cli+postgres": (["chain", "show", "--format", "mermaid"], ["portal", "build", "--db", "g.db", "site"], "website"),
    "cli+negative-list": (
        ["check", "t.txt"],
        ["ledger", "--db", "g.db", "--from", "2024-01-01", "--to", "2024-12-31"],
        "reports",
    ),
    # The portal's last gate is the negative list: without it the build names that extra.
    "cli+website": (
        ["dispatch", "--status", "--db", "g.db", "--plugin", "website"],
        ["portal", "build", "--db", "g.db", "site"],
        "negative-list",
    ),
    "cli+reports": (["ledger", "--db", "g.db", "--from", "2024-01-01", "--to", "2024-12-31"], ["demo"], "website"),
    "cli+bdd": (
        ["steps", "--group", "人员"],
        ["ledger", "--db", "g.db", "--from", "2024-01-01", "--to", "2024-12-31"],
        "reports",
    ),
}


@pytest.mark.parametrize("name", list(EXTRA_SETS))
def test_one_real_call_with_some_extras(name: str, tmp_path: Path) -> None:
    """A command works with its extra; one that needs a missing extra says which (one line, exit 2)."""
    extras = EXTRA_SETS[name]
    works, lacks, extra = REAL_CALLS[name]
    assert extra not in extras
    (tmp_path / "t.txt").write_text("关于开展就业援助月活动的通知。\n", encoding="utf-8")
    calls = [["db", "upgrade", "--db", "g.db"], works, lacks]
    (_, _, err0), (code, out, err), (lcode, lout, lerr) = run_calls(blocked_for(extras), calls, tmp_path)
    assert code == 0, (works, out, err, err0)
    assert f"pip install 'gongkai_flow[{extra}]'" in lerr, (lacks, lout, lerr)
    assert lcode == 2
    assert len(lerr.strip().splitlines()) == 1


def test_the_script_without_click_names_the_cli_extra(tmp_path: Path) -> None:
    """Without click and rich, ``gongkai`` prints one line naming ``[cli]`` and exits 2."""
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, json.dumps(["click", "rich"]), json.dumps([["--help"]])],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    (code, out, err) = json.loads(proc.stdout)[0]
    assert code == 2
    assert out == ""
    assert err.strip() == "gongkai 命令行缺少可选依赖 click，请安装：pip install 'gongkai_flow[cli]'"


def test_lazy_commands_match_their_modules() -> None:
    """Every command module is listed with each command it defines, under its own first help paragraph."""
    import importlib
    import pkgutil

    import gongkai_flow.cli as package
    from gongkai_flow.cli._app import cli

    modules = {m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_")}
    assert modules == {entry.module for entry in COMMANDS.values()}
    for module in modules:
        importlib.import_module(f"gongkai_flow.cli.{module}")
    assert set(cli.commands) == set(COMMANDS)
    for name, command in cli.commands.items():
        first = (command.help or "").split("\n\n")[0].replace("\n", " ").strip()
        assert COMMANDS[name].help == first, name
        assert command.callback is not None
        assert command.callback.__module__ == f"gongkai_flow.cli.{COMMANDS[name].module}", name


_LOAD_PLUGIN = r"""
import importlib.abc, json, sys

blocked = set(json.loads(sys.argv[1]))


class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, Blocker())
from gongkai_flow import PluginRegistry, Workflow
from gongkai_flow.errors import MissingExtraError

try:
    PluginRegistry(Workflow()).load([sys.argv[2]])
except MissingExtraError as exc:
    print(json.dumps({"code": exc.code, "message": exc.message, **exc.to_dict()}))
else:
    print(json.dumps({"code": None}))
"""


@pytest.mark.parametrize(
    ("plugin", "blocked", "extra"),
    [
        ("negative_list", ["ahocorasick_rs"], "negative-list"),
        ("website", ["httpx"], "website"),
        ("new_media", ["httpx"], "new-media"),
    ],
)
def test_a_plugin_missing_its_dependency_names_the_extra(
    plugin: str, blocked: list[str], extra: str, tmp_path: Path
) -> None:
    """Loading a built-in plugin without its extra is ``dependency.missing`` naming the pip install."""
    proc = subprocess.run(
        [sys.executable, "-c", _LOAD_PLUGIN, json.dumps(blocked), plugin],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["code"] == "dependency.missing", result
    assert f"pip install 'gongkai_flow[{extra}]'" in result["message"]
    assert result["plugin"] == plugin
    assert result["module"] == blocked[0]


def test_every_built_in_plugin_with_a_dependency_has_an_extra() -> None:
    """PLUGIN_EXTRAS names an extra for each built-in plugin but ``log``, and each is an extra of the package."""
    import tomllib

    from gongkai_flow.registry import PLUGIN_EXTRAS, available_plugins

    extras = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    built_in = {name for name, target in available_plugins().items() if target.startswith("gongkai_flow.")}
    assert built_in - {"log"} == set(PLUGIN_EXTRAS)
    assert set(PLUGIN_EXTRAS.values()) <= set(extras)
    assert set(EXTRA_MODULES) <= set(extras)
