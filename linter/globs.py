"""Path globs: the one translation of `*`, `?` and `**` into regular expressions.

Two readings are built on it, on purpose different, for two kinds of pattern:

* `glob_regex`, the model's glob form (`HashedFile.glob`, `Project.repo_glob`): a pattern is a
  path from the root of the repository. Loaders translate each platform's file patterns into it
  (GitHub's `hashFiles` reads globs this way; a CircleCI `checksum` file is a plain path).
* `gitignore_regex`, how users write paths in cilint's configuration (`per-path-ignores`): as in
  `.gitignore`, a pattern without `/` names a file anywhere, and a trailing `/` everything below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

# `**/` any number of folders (none too), `**` anything, `*` and `?` within one folder.
_WILDCARDS = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
_WILDCARD = re.compile(r"(\*\*/|\*\*|\*|\?)")  # longest first


def _translate(pattern: str) -> str:
    return "".join(_WILDCARDS.get(part, re.escape(part)) for part in _WILDCARD.split(pattern))


def glob_regex(pattern: str) -> re.Pattern[str]:
    """The model's glob form, relative to the root: `**/` matches zero or more folders, `*` and
    `?` stay within one path segment; a leading `./` is the root."""
    return re.compile(_translate(pattern.removeprefix("./")))


@cache  # (asked once per finding and configured pattern)
def gitignore_regex(pattern: str) -> re.Pattern[str]:
    """A gitignore-like glob: the model's glob form, and besides a trailing `/` means everything
    below, and a pattern without `/` matches the file name anywhere."""
    pattern = pattern.removeprefix("./")
    if pattern.endswith("/"):
        pattern += "**"
    anywhere = "/" not in pattern
    return re.compile(("(?:.*/)?" if anywhere else "") + _translate(pattern))


@dataclass(frozen=True)
class IgnorePattern:
    """One line of a `.gitignore`: `regex` matches a path relative to the file's directory."""

    regex: re.Pattern[str]
    negated: bool
    directory_only: bool


def gitignore_patterns(text: str) -> list[IgnorePattern]:
    """The patterns of a `.gitignore` file (git-scm.com/docs/gitignore): `#` comments, `!`
    negation, a trailing `/` for directories only, a `/` at the start or in the middle anchors
    the pattern to the file's directory, otherwise it matches a name at any depth; `*`, `?` and
    `**` as in `glob_regex` (bracket classes are read literally)."""
    patterns = []
    for line in text.splitlines():
        line = line.rstrip()
        if line.endswith("\\"):  # an escaped trailing space
            line += " "
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        line = line[1:] if negated else line.removeprefix("\\")
        directory_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        body = _translate(line.removeprefix("/").replace("\\ ", " "))
        patterns.append(IgnorePattern(re.compile(body if anchored else "(?:.*/)?" + body), negated, directory_only))
    return patterns
