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
_ANYWHERE = "**/"  # what a gitignore-like pattern without `/` is read as starting with
_UNBOUNDED = frozenset({"**/", "**", "*"})


def _parts(pattern: str) -> list[str]:
    """The pattern as wildcards and literal text, runs of wildcards that mean one simplified
    (`**` next to `*`, `**/` or `**` is `**`; `**/**/` is `**/`)."""
    parts: list[str] = []
    for part in _WILDCARD.split(pattern):
        if not part:
            continue
        previous = parts[-1] if parts else None
        if part in _UNBOUNDED and previous in _UNBOUNDED:
            if part == previous == "**/":
                continue
            if "**" in (part, previous):
                parts[-1] = "**"
                continue
        parts.append(part)
    return parts


class Glob:
    """A compiled glob, matched in time linear in the path (times the pattern's length over
    the machine word), whatever the pattern: `fullmatch` as a regular expression's.

    Python's regular expressions backtrack: `*a*a*a…` against a long name tries every way of
    splitting it, exponential in the number of stars. A pattern with at most one unbounded
    wildcard cannot do that (its one split point is tried at each position once) and is
    matched by the regular expression; any other by simulating the pattern's automaton on
    every position at once, one bit per position (the "shift-and" method)."""

    __slots__ = ("_accept", "_literals", "_other", "_prefix", "_regex", "_skip1", "_skip2", "_steps",
                 "_suffix", "pattern")

    def __init__(self, pattern: str, parts: list[str]) -> None:
        self.pattern = pattern
        self._regex: re.Pattern[str] | None = None
        if sum(part in _UNBOUNDED for part in parts) <= 1:
            self._regex = re.compile("".join(_WILDCARDS.get(p, re.escape(p)) for p in parts))
            return
        # What every match holds, checked first (in C) so that most paths are turned down
        # without running the automaton: each literal part, the leading and trailing ones in place.
        self._literals = [p for p in parts if p not in _WILDCARDS]
        self._prefix = parts[0] if parts[0] not in _WILDCARDS else ""
        self._suffix = parts[-1] if parts[-1] not in _WILDCARDS else ""
        # Positions: one per literal character or wildcard, two for `**/` (entering it, then
        # inside it until a `/`); bit i set: the pattern matched up to position i.
        kinds: list[str] = []
        for part in parts:
            if part == "**/":
                kinds += ["enter", "inside"]
            elif part in _WILDCARDS:
                kinds.append(part)
            else:
                kinds += list(part)
        chars = {k for k in kinds if len(k) == 1 and k not in "*?"} | {"/"}
        self._steps = {c: self._step(kinds, c) for c in chars}
        self._other = self._step(kinds, "")  # a character the pattern does not name
        self._skip1 = sum(1 << i for i, k in enumerate(kinds) if k in ("*", "**", "enter"))
        self._skip2 = sum(1 << i for i, k in enumerate(kinds) if k == "enter")
        self._accept = 1 << len(kinds)

    @staticmethod
    def _step(kinds: list[str], c: str) -> tuple[int, int]:
        """(positions that move on by reading c, positions that stay)."""
        slash = c == "/"
        advance = stay = 0
        for i, kind in enumerate(kinds):
            if kind == c or (kind == "?" and not slash) or (kind == "inside" and slash):
                advance |= 1 << i
            if (kind == "*" and not slash) or kind in ("**", "inside"):
                stay |= 1 << i
        return advance, stay

    def _closure(self, state: int) -> int:
        while True:
            grown = state | ((state & self._skip1) << 1) | ((state & self._skip2) << 2)
            if grown == state:
                return state
            state = grown

    def fullmatch(self, path: str) -> bool:
        if self._regex is not None:
            return self._regex.fullmatch(path) is not None
        if not (path.startswith(self._prefix) and path.endswith(self._suffix)
                and all(literal in path for literal in self._literals)):
            return False
        steps, other = self._steps, self._other
        state = self._closure(1)
        for c in path:
            advance, stay = steps.get(c, other)
            state = ((state & advance) << 1) | (state & stay)
            if not state:
                return False
            state = self._closure(state)
        return bool(state & self._accept)


def glob_regex(pattern: str) -> Glob:
    """The model's glob form, relative to the root: `**/` matches zero or more folders, `*` and
    `?` stay within one path segment; a leading `./` is the root."""
    pattern = pattern.removeprefix("./")
    return Glob(pattern, _parts(pattern))


@cache  # (asked once per finding and configured pattern)
def gitignore_regex(pattern: str) -> Glob:
    """A gitignore-like glob: the model's glob form, and besides a trailing `/` means everything
    below, and a pattern without `/` matches the file name anywhere."""
    pattern = pattern.removeprefix("./")
    if pattern.endswith("/"):
        pattern += "**"
    anywhere = "/" not in pattern
    return Glob(pattern, _parts((_ANYWHERE if anywhere else "") + pattern))


@dataclass(frozen=True)
class IgnorePattern:
    """One line of a `.gitignore`: `regex` matches a path relative to the file's directory."""

    regex: Glob
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
        body = line.removeprefix("/").replace("\\ ", " ")
        patterns.append(IgnorePattern(Glob(line, _parts(body if anchored else _ANYWHERE + body)), negated,
                                      directory_only))
    return patterns
