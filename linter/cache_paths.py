"""Where the files of a cache lie (`Cache.cached_paths`, `HashedFile.outside_checkout`), by the
conventions the runners of every platform share: a shell's `~` and `$HOME`, Windows'
`%USERPROFILE%` and drives, the home folders of Linux and macOS. Each platform's module adds the
names it gives the checkout (`github_cache`, `load_circleci.cache_keys`) and what it cannot read."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .lazyre import lazy
from .model import CachedPath, PathRoot, Text, VersionPin

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


# A version literal after a name in a key's text: `protoc-3.21.12`, `sccache_0.7.4`, `tool@v1.2`.
# A version has at least two numbers (`v1`, `-311` are cache generations, not versions); a word
# of the name starts with a letter and is not a generation (`v1-tool-1.2`: the name is `tool`).
_LITERAL_PIN = lazy(
    r"(?<![A-Za-z0-9.])(?P<name>[A-Za-z][A-Za-z0-9+]*(?:[-_][A-Za-z][A-Za-z0-9+]*)*)[-_@]v?"
    r"(?P<version>\d+(?:\.\d+)+)(?![.\d])"
)
_GENERATION = lazy(r"^v\d+$", re.I)
# A variable named as a version: `BAZELISK_VERSION`, `node-version`, `protoc_version`.
_VERSION_VARIABLE = lazy(r"^(?P<name>[A-Za-z][\w-]*?)[-_]?version$", re.I)


def _pin_name(name: str) -> str:
    words = [w.lower() for w in re.split(r"[-_]+", name) if w and not _GENERATION.match(w)]
    return "-".join(words)


def literal_pins(text: str) -> list[VersionPin]:
    """The version literals in a key's literal text, each with the name before it."""
    pins = []
    for match in _LITERAL_PIN.finditer(text):
        name = _pin_name(match["name"])
        if name:
            pins.append(VersionPin(name, match.group(0)))
    return pins


def variable_pin(variable: str, written: str) -> VersionPin | None:
    """A pin when the variable's own name (`BAZELISK_VERSION`, without `env.`) says it is a version."""
    match = _VERSION_VARIABLE.match(variable)
    if match is None:
        return None
    name = _pin_name(match["name"])
    return VersionPin(name, written) if name else None
