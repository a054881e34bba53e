"""Reading a file named by someone else: the one function every reader of input files uses.

Pipeline files, the configuration, the policy files it names and `--protection` files are all
read here, with the same checks: opened without blocking (a named pipe or `/dev/stdin` would wait
forever), checked to be a regular file once open (a device such as `/dev/zero` would fill memory),
and refused by size before reading, with at most `limit + 1` bytes read should it grow meanwhile.
A refusal says why in terms of the file, never its content (see docs/security.md).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PureWindowsPath

from .yamlsrc import MAX_FILE_BYTES


class ReadRefused(Exception):
    """The file was not read: the message says why (never what it holds)."""


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, for messages."""
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "a special file"


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def read_bounded(path: Path | str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, or ReadRefused: not a regular file, over `limit`, or unreadable."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ReadRefused(f"not a regular file ({kind_of(info.st_mode)}); not read")
            if info.st_size > limit:
                raise ReadRefused(f"the file is {megabytes(info.st_size)}, over the {megabytes(limit)} limit; not read")
            # Asked for the size fstat gave (and one more byte): asking for `limit + 1` at once
            # would allocate that much for every file. A file grown since fstat is read on, and
            # still stops at `limit + 1`.
            data = handle.read(info.st_size + 1)
            if len(data) > info.st_size:
                data += handle.read(limit + 1 - len(data))
    except OSError as exc:
        raise ReadRefused(f"cannot read the file: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise ReadRefused(f"the file is over the {megabytes(limit)} limit; not read")
    return data


def read_text_bounded(path: Path | str, limit: int = MAX_FILE_BYTES) -> str:
    """The file's text (UTF-8, BOM allowed), or ReadRefused as `read_bounded`, or for bad UTF-8."""
    data = read_bounded(path, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadRefused(f"not UTF-8 text (byte {exc.start})") from exc


def contained(name: str, base: Path, root: Path) -> Path:
    """`base / name`, which must lie inside `root` once links are followed: ReadRefused for an
    absolute name, a `..` that leaves the root, or a link pointing out of it."""
    if Path(name).is_absolute() or PureWindowsPath(name).drive or PureWindowsPath(name).is_absolute():
        raise ReadRefused("an absolute path; a configuration inside the repository may name only files inside it")
    target = base / name
    try:
        resolved = target.resolve()
        top = root.resolve()
    except (OSError, RuntimeError) as exc:
        raise ReadRefused(f"cannot resolve the path: {getattr(exc, 'strerror', None) or exc}") from exc
    if resolved != top and top not in resolved.parents:
        raise ReadRefused("outside the repository; a configuration inside the repository may name only files "
                          "inside it")
    return target
