"""``gongkai check`` on hostile paths: FIFOs, devices, symlinks to devices, a 200 MB zip bomb.

The bounds are the checker's own (regular-file checks before opening, size caps counted while
reading and inflating), not the test's: each run returns exit 2 at once.
"""

from __future__ import annotations

import functools
import io
import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .test_cli import run

BOMB_SIZE = 200 * 1024 * 1024


@functools.cache
def _bomb_bytes(member: str) -> bytes:
    """A package whose one large member inflates to 200 MB of zeros (about 200 KB)."""
    chunk = b"\0" * (1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(member, "w", force_zip64=True) as handle:
            for _ in range(BOMB_SIZE // len(chunk)):
                handle.write(chunk)
    return buffer.getvalue()


def _bomb(path: Path, member: str) -> Path:
    path.write_bytes(_bomb_bytes(member))
    return path


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_named_txt_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A FIFO is refused from its stat: nothing opens it, so nothing waits for a writer."""
    fifo = tmp_path / "通知.txt"
    os.mkfifo(fifo)
    code, _, err = run(capsys, "check", str(fifo))
    assert code == 2
    assert "管道（FIFO），不是普通文件" in err


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_device_and_symlink_to_device_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """/dev/zero itself, and a .txt symlink to it, are refused without reading a byte."""
    code, _, err = run(capsys, "check", "/dev/zero")
    assert code == 2
    assert "设备文件" in err
    link = tmp_path / "名单.txt"
    link.symlink_to("/dev/zero")
    code, _, err = run(capsys, "check", str(link))
    assert code == 2
    assert "设备文件" in err


@pytest.mark.parametrize(("name", "member"), [("炸弹.docx", "word/document.xml"), ("炸弹.xlsx", "xl/workbook.xml")])
def test_zip_bomb_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, member: str) -> None:
    """A 200 MB member is refused by the decompressed-size cap."""
    path = _bomb(tmp_path / name, member)
    assert path.stat().st_size < 1024 * 1024
    code, _, err = run(capsys, "check", str(path))
    assert code == 2
    assert "疑似压缩炸弹" in err


def test_zip_bomb_keeps_memory_low(tmp_path: Path) -> None:
    """Checking the bomb in a fresh process peaks well under 500 MB."""
    path = _bomb(tmp_path / "炸弹.docx", "word/document.xml")
    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    code = "import sys; from gongkai_flow.cli import main; main(sys.argv[1:])"
    done = subprocess.run([sys.executable, "-c", code, "check", str(path)], env=env, capture_output=True, check=False)
    # ru_maxrss of children is the largest of any child so far (KiB on Linux): an upper bound.
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert done.returncode == 2, done.stderr.decode()
    assert peak_kib < 500 * 1024


def test_file_over_the_size_cap_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--max-file-mb`` caps a file's size; the default lets an ordinary file through."""
    path = tmp_path / "大文件.txt"
    path.write_bytes("公示名单\n".encode() * 200_000)
    code, _, err = run(capsys, "check", "--max-file-mb", "1", str(path))
    assert code == 2
    assert "大小上限" in err
    assert run(capsys, "check", str(path))[0] == 0
