"""The command line never answers bad input with exit 70 or a traceback, and a refusal changes nothing.

Every named case, then hypothesis over each command's options with hostile values (lone
surrogates, control characters, very long strings, extreme dates and numbers, foreign URLs,
paths that cannot be written).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai_flow.cli._app import EXIT_INTERNAL
from gongkai_flow.cli._output import write_output
from gongkai_flow.errors import OutputError
from gongkai_flow.service import Flow
from gongkai_flow.testing import run_cli_output

ACTORS = """
[[actors]]
id = "zhaoli"
name = "赵丽"
section = "局办公室"
roles = ["request_officer"]
"""


def gongkai(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run the CLI in-process; return (exit code, stdout + stderr)."""
    code, out, err = run_cli_output(capsys, *args)
    return code, out + err


def dump(path: Path) -> list[str]:
    """Every row of every table of a SQLite file, as text (to compare before and after a refusal)."""
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return [f"{n}:{row!r}" for n in names for row in conn.execute(f'SELECT * FROM "{n}" ORDER BY 1')]
    finally:
        conn.close()


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hostile values name relative output paths too: every file a command writes lands in tmp_path."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A current database with one request officer in its directory."""
    path = tmp_path / "bureau.db"
    Flow(database=path).close()
    actors = tmp_path / "actors.toml"
    actors.write_text(ACTORS, encoding="utf-8")
    assert gongkai(capsys, "actors", "import", "--db", str(path), str(actors))[0] == 0
    return path


def _clean_refusal(code: int, output: str) -> None:
    assert code != EXIT_INTERNAL, output
    assert "Traceback" not in output, output
    assert "内部错误" not in output, output


# --- the named cases ----------------------------------------------------------------------------

REGISTER = ["--actor", "zhaoli", "--applicant", "王某", "--contact", "1", "--description", "x", "--channel", "online"]


@pytest.mark.parametrize(
    "args",
    [
        ["requests", "register", *REGISTER, "--received", "9999-12-31"],
        ["requests", "register", *REGISTER, "--received", "0001-01-01"],
        ["report", "annual", "--year", "99999"],
        ["report", "annual", "--year", "-1"],
        ["dispatch", "--max-attempts", "0"],
        ["dispatch", "--loop", "--interval", "-1"],
        ["dispatch", "--loop", "--interval", "0"],
        ["dispatch", "--loop", "--interval", "nan"],
        ["dispatch", "--purge-days", "-1"],
        ["dispatch", "--unhandled-days", "99999999999"],
        ["records", "figure", "--year", "2019", "--row", "r", "--column", "c", "--value", "nan"],
        ["records", "meeting", "--held", "2019-05-01", "--title", "会\x1b议", "--representatives", "-3"],
        ["ledger", "--from", "2019-01-01", "--to", "2019-12-31", "-o", "{tmp}/missing/x.xlsx"],
        ["ledger", "--from", "2019-01-01", "--to", "2019-12-31", "-o", "/dev/full"],
        ["report", "annual", "--year", "2019", "--format", "html", "-o", "/dev/full"],
        ["portal", "build", "/proc/x"],
        ["opinions", "register", "e\x00vent", "--severity", "other"],
    ],
)
def test_named_bad_inputs_are_refused_cleanly(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, args: list[str]
) -> None:
    """Each case the command line used to answer with exit 70, a traceback or a silent harm."""
    before = dump(db)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code, output = gongkai(capsys, *args, "--db", str(db))
    assert code != 0, output
    _clean_refusal(code, output)
    assert dump(db) == before


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url ://", "postgresql+asyncpg://u@h/db", "a\x00b"])
@pytest.mark.parametrize("command", [["db", "upgrade"], ["db", "status"], ["deadlines"]])
def test_a_foreign_or_malformed_database_url_is_a_typed_error(
    capsys: pytest.CaptureFixture[str], url: str, command: list[str]
) -> None:
    """mysql://…, a non-URL or a NUL: 「不支持数据库」 or 「无法识别数据库地址」, exit 1."""
    code, output = gongkai(capsys, *command, "--db", url)
    _clean_refusal(code, output)
    assert code == 1, output
    assert "storage.bad_url" in output


@pytest.mark.parametrize(
    "content",
    [
        "[[actors]]\nid = 'a'\nsection = 3\n",
        "[[actors]]\nid = 'a'\nsection = 's'\nroles = 'drafter'\n",
        "[[actors]]\nid = 'a'\nsection = 's'\nin_charge_of = [{x = 1}]\n",
        "[[actors]]\nid = 'a'\nsection = 's'\nroles = [1]\n",
        "[[actors]]\nid = \"a\\u001b\"\nsection = 's'\n",
        "[[actors]]\nid = true\nsection = 's'\n",
        "[[actors]]\nid = 'a'\nname = '" + "x" * 300 + "'\nsection = 's'\n",
        "actors = [1, 2]\n",
        "actors = 5\n",
    ],
)
def test_malformed_actor_files_are_refused_and_change_nothing(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, content: str
) -> None:
    """A wrong type, a control character or an over-long name in the list: one line, exit 1."""
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    before = dump(db)
    code, output = gongkai(capsys, "actors", "import", "--db", str(db), str(path))
    _clean_refusal(code, output)
    assert code == 1, output
    assert dump(db) == before


def test_an_actor_file_that_is_not_utf8_or_not_a_file_is_refused(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path
) -> None:
    """Unreadable input fails closed with a typed error."""
    path = tmp_path / "bad.toml"
    path.write_bytes(b"\xff\xfe[[actors]]")
    for target in (path, tmp_path):
        code, output = gongkai(capsys, "actors", "import", "--db", str(db), str(target))
        _clean_refusal(code, output)
        assert code == 1, output


def test_a_full_disk_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC halfway through: an OutputError, the target untouched, no temporary file left."""
    target = tmp_path / "台账.xlsx"
    target.write_bytes(b"the old ledger")

    def half_then_full(path: Path) -> None:
        path.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match="磁盘已满"):
        write_output(target, half_then_full)
    assert target.read_bytes() == b"the old ledger"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["台账.xlsx"]


def test_a_written_file_is_complete_and_has_the_usual_mode(tmp_path: Path) -> None:
    """The temporary file is renamed into place whole, readable like any other file the user makes."""
    target = tmp_path / "out.md"
    write_output(target, lambda p: p.write_text("正文", encoding="utf-8"))
    assert target.read_text(encoding="utf-8") == "正文"
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]


def test_the_dispatch_loop_refuses_a_non_positive_interval() -> None:
    """A zero or negative wait would spin: the library refuses it too, not only the command line."""
    from gongkai_flow.errors import InvalidFieldError

    flow = Flow()
    try:
        for interval in (-1, float("nan"), float("inf")):
            with pytest.raises(InvalidFieldError):
                flow.dispatcher.run_loop(interval=interval, max_rounds=1)
        with pytest.raises(InvalidFieldError):  # no wait and no end: a busy loop
            flow.dispatcher.run_loop(interval=0)
        flow.dispatcher.run_loop(interval=0, max_rounds=1)  # a bounded run may skip the wait
    finally:
        flow.close()


def test_error_lines_show_control_characters_as_codes(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    """A refused value never reaches the terminal raw (no ESC sequences, no surrogates that cannot print)."""
    code, output = gongkai(capsys, "requests", "show", "a\x1b[31mb\udcff", "--db", str(db))
    _clean_refusal(code, output)
    assert "\x1b[31m" not in output.replace("\x1b[31m错误", "")
    assert "\udcff" not in output


# --- hypothesis over each command's options -------------------------------------------------------

hostile_text = st.one_of(
    st.sampled_from(
        [
            "\udcff",
            "a\x1bb",
            "a\x7f",
            "",
            "-1",
            "0",
            "99999",
            "9999-12-31",
            "0001-01-01",
            "nan",
            "inf",
            "1e400",
            "x" * 1_000_000,
            "mysql://u@h/db",
            "/proc/x/y",
            "/dev/full",
        ]
    ),
    st.text(alphabet=st.sampled_from("a1-\x01\x1b\udcff:/."), max_size=6),
)

#: Kept modest so the suite stays fast; raise GONGKAI_HYPOTHESIS_EXAMPLES to search harder.
_EXAMPLES = int(os.environ.get("GONGKAI_HYPOTHESIS_EXAMPLES", "120"))

#: command line → the option or argument that takes the hostile value ({} marks where).
COMMANDS: list[list[str]] = [
    ["requests", "register", *REGISTER[:-2], "--channel", "{}", "--received", "2019-06-03"],
    ["requests", "register", *REGISTER, "--received", "{}"],
    ["requests", "register", "--actor", "zhaoli", "--applicant", "{}", *REGISTER[4:], "--received", "2019-06-03"],
    ["requests", "register", *REGISTER, "--received", "2019-06-03", "--id", "{}"],
    ["requests", "register", *REGISTER, "--received", "2019-06-03", "--now", "{}"],
    ["requests", "act", "{}", "accept", "--actor", "zhaoli"],
    ["requests", "act", "x", "extend", "--actor", "zhaoli", "--days", "{}"],
    ["requests", "show", "{}"],
    ["report", "annual", "--year", "{}"],
    ["report", "annual", "--year", "2019", "--format", "html", "-o", "{}"],
    ["records", "figure", "--year", "2019", "--row", "r", "--column", "c", "--value", "{}"],
    ["records", "figure", "--year", "{}", "--row", "r", "--column", "c", "--value", "1"],
    ["records", "meeting", "--held", "{}", "--title", "会议", "--representatives", "1"],
    ["records", "meeting", "--held", "2019-05-01", "--title", "{}", "--representatives", "1"],
    ["records", "case", "--kind", "review", "--filed", "2019-05-01", "--note", "{}"],
    ["dispatch", "--max-attempts", "{}"],
    ["dispatch", "--purge-days", "{}"],
    ["dispatch", "--retry-dead", "--event", "{}"],
    ["ledger", "--from", "{}", "--to", "2019-12-31", "-o", "{tmp}/l.xlsx"],
    ["ledger", "--from", "2019-01-01", "--to", "2019-12-31", "-o", "{}"],
    ["form", "{}", "-o", "{tmp}/f.docx"],
    ["opinions", "register", "{}", "--severity", "other"],
    ["opinions", "register", "e1", "--severity", "other", "--section", "{}"],
    ["tick", "--now", "{}"],
    ["tick", "--batch", "{}"],
    ["deadlines", "--within", "{}"],
    ["tasks", "--actor", "{}"],
    ["tasks", "--actor", "zhaoli", "--limit", "{}"],
    ["items", "list", "{}"],
    ["portal", "build", "{}"],
]


@settings(max_examples=_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(COMMANDS), value=hostile_text)
def test_hostile_option_values_never_exit_70(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, command: list[str], value: str
) -> None:
    """Hypothesis over (command, option, hostile value): never exit 70 or a traceback; a refusal changes nothing."""
    args = [value if a == "{}" else a.replace("{tmp}", str(tmp_path)) for a in command]
    before = dump(db)
    code, output = gongkai(capsys, *args, "--db", str(db))
    _clean_refusal(code, output)
    if code != 0:
        assert dump(db) == before, f"{args!r:.200} was refused but changed the database"
