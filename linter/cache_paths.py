"""Where the files of a cache lie (`Cache.cached_paths`, `HashedFile.outside_checkout`), by the
conventions the runners of every platform share: a shell's `~` and `$HOME`, Windows'
`%USERPROFILE%` and drives, the home folders of Linux and macOS. Each platform's module adds the
names it gives the checkout (`github_cache`, `load_circleci.cache_keys`) and what it cannot read."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .model import CachedPath, PathRoot, Text

HOME = (r"~", r"\$HOME", r"\$\{HOME\}", r"%USERPROFILE%", r"/home/[^/]+", r"/Users/[^/]+", r"/root")
_DRIVE = r"C:"


def prefixes(checkout: Sequence[str], home: Sequence[str] = ()) -> re.Pattern[str]:
    """The prefixes of a path that say where it lies: the platform's names of the checkout and of
    the home directory (followed by `/` or nothing), or the file system's root (`/`, `C:/`).
    The checkout comes first: CircleCI's `~/project` is in the home directory too."""
    return re.compile(
        rf"^(?:(?:(?P<checkout>{'|'.join(checkout) or '(?!)'})|(?P<home>{'|'.join((*HOME, *home))}))(?:/+|$)"
        rf"|(?P<filesystem>{_DRIVE})?/+)"
    )


def read_path(written: Text, where: re.Pattern[str], relative: PathRoot, *, exclusions: bool = False,
              unreadable: Sequence[str] = ()) -> CachedPath:
    """A cached path: its root by `where` (else `relative`), below it `/`-separated, without a
    leading `./`, or a trailing `/` or `/**`. With `exclusions`, a leading `!` excludes; a path
    holding one of `unreadable` (an expression) is a value cilint cannot read."""
    path = written.value.strip().strip("'\"").replace("\\", "/")
    excluded = exclusions and path.startswith("!")
    path = path[1:] if excluded else path
    root = relative
    match = where.match(path)
    if match is not None:
        root = "checkout" if match["checkout"] is not None else "home" if match["home"] is not None else "filesystem"
        path = path[match.end():]
    path = re.sub(r"^(\./)+", "", path)
    path = re.sub(r"(/\*\*?)+$", "", path).rstrip("/")
    return CachedPath(written, path, root, excluded, any(mark in path for mark in unreadable))


def outside_checkout(glob: str) -> bool:
    """Whether a file pattern names a file outside the checkout: absolute, from home, or from a
    variable (`/tmp/x`, `~/x`, `$HOME/x`, `%TEMP%\\x`, `C:/x`)."""
    return glob.startswith(("/", "~", "$", "%")) or re.match(r"^[A-Za-z]:", glob) is not None
