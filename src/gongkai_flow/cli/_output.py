"""Writing the command line's output files: whole or not at all, and a clear error instead of a traceback.

A file is written to a temporary file in the target's own folder and renamed over the target
only when it is complete, so a full disk or an interrupted run never leaves half a ledger behind.
A target that exists and is not a regular file (a device such as ``/dev/stdout``) is written
directly: renaming over it would replace the device.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..errors import OutputError

_REASONS = {
    errno.ENOENT: "所在文件夹不存在",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.ENOSPC: "磁盘已满",
    errno.EDQUOT: "磁盘配额已用完",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EROFS: "所在磁盘是只读的",
    errno.EISDIR: "这是一个文件夹",
    errno.ENAMETOOLONG: "文件名太长",
    errno.EEXIST: "已存在同名的文件",
}


def output_error(target: Path, exc: OSError) -> OutputError:
    """The typed error for a failed write of ``target``, in words a clerk understands."""
    reason = _REASONS.get(exc.errno or 0) or exc.strerror or type(exc).__name__
    shown = os.fsdecode(target)
    shown = shown if len(shown) <= 200 else shown[:100] + "…" + shown[-20:]
    return OutputError(f"无法写入 {shown!r}：{reason}，未生成文件。", path=str(target), reason=reason)


def write_output(target: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(path)`` on a temporary file next to ``target``, then rename it to ``target``.

    Any ``OSError`` — a missing folder, a full disk, no permission — is an :class:`OutputError`
    and leaves no file behind (an existing ``target`` is kept as it was).
    """
    try:
        device = target.exists() and not target.is_file() and not target.is_dir()
    except OSError as exc:  # e.g. a name too long to look up
        raise output_error(target, exc) from exc
    if device:
        _write_device(target, write)
        return
    folder = target.parent
    try:
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
        fd, name = tempfile.mkstemp(dir=folder, prefix=f".{target.name[:50]}.", suffix=f".part{target.suffix}")
    except OSError as exc:
        raise output_error(target, exc) from exc
    os.close(fd)
    temp = Path(name)
    try:
        write(temp)
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp made it private; the result gets the usual mode
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise output_error(target, exc) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _write_device(target: Path, write: Callable[[Path], object]) -> None:
    """A device or a pipe: build the output in a private temporary folder, then copy it unbuffered."""
    with tempfile.TemporaryDirectory(prefix="gongkai-") as folder:
        temp = Path(folder) / f"output{target.suffix}"
        try:
            write(temp)
            data = temp.read_bytes()
            # Unbuffered, so a refused write (a full disk) fails here and nothing is left to flush later.
            with open(target, "wb", buffering=0) as out:
                view = memoryview(data)
                while view:
                    view = view[out.write(view) or 0 :]
        except OSError as exc:
            raise output_error(target, exc) from exc


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text_output(target: Path, text: str) -> None:
    """Write ``text`` as UTF-8 to ``target`` with :func:`write_output`."""
    write_output(target, lambda path: path.write_text(text, encoding="utf-8"))


def write_bytes_output(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` with :func:`write_output`."""
    write_output(target, lambda path: path.write_bytes(data))
