"""A command being judged (`Call`), what a judge answers (`Verdict`), what a kind of command needs
(`Need`), and the repository files a judge may read (`Files`)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ...linter.lazyre import lazy
from ...linter.model import Project, toml_table


class Unknown:
    """A value cilint cannot know before run time."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()
Env = dict[str, "str | Unknown"]


def known(value: str, template_openers: tuple[str, ...]) -> str | Unknown:
    """A value written in a script (`VAR=x cmd`, `export VAR=x`): unknown when the shell expands
    something in it or a template of the platform (`Pipeline.template_openers`) is left in it."""
    return UNKNOWN if "$" in value or any(opener in value for opener in template_openers) else value


@dataclass
class Call:
    """A command as judged: its words (launchers removed), environment and directory."""

    argv: list[str]
    env: Env
    cwd: str | Unknown  # relative to the repository root, "" for the root
    repo: Files
    interpreter: list[str] = field(default_factory=list)  # `python -W error -m pytest`: the -W
    checkout: tuple[str, ...] = ()  # how scripts name the checkout (`Pipeline.checkout_directories`)

    @property
    def args(self) -> list[str]:
        return self.argv[1:]


# A judge's verdict: None when the command fails on warnings or cannot be judged (nothing to
# report), else why it does not.
Verdict = str | None
OK: Verdict = None


@dataclass(frozen=True)
class Need:
    """What one kind of command needs. `words` are regular expressions its first words match."""

    toolchain: str
    words: tuple[str, ...]
    judge: Callable[[Call], Verdict]
    fix: str
    args_decide: bool = True  # the flag is an argument: an unknown `$VAR` argument may hold it
    files: tuple[str, ...] = ()  # the repository files where the setting may be instead (the judge reads them)
    # `words` compiled once: `re.fullmatch(pattern, word)` looks the pattern up in re's cache on
    # each of the ~400,000 calls of a corpus run.
    patterns: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "patterns", tuple(lazy(word) for word in self.words))

    def matches(self, argv: list[str]) -> bool:
        return len(argv) >= len(self.patterns) and all(
            pattern.fullmatch(word) for pattern, word in zip(self.patterns, argv, strict=False))


# ---------------------------------------------------------------------------------------------
# The repository's files


class Files:
    """The files of the repository being checked, by directory, through the project's memoised
    view (`Project.repo_file`). `visible` is False when cilint checks single files outside a
    repository: then no file decides anything and such verdicts are unknown."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.visible = project.is_repository

    @staticmethod
    def path(directory: str, name: str) -> str:
        return posixpath.normpath(posixpath.join(directory, name)) if directory else name

    def read(self, directory: str, name: str) -> str | None:
        return self.project.repo_file(self.path(directory, name))

    def toml(self, directory: str, name: str) -> dict[str, Any] | None:
        """The file's TOML table ({} when it does not parse), None when there is no such file."""
        return self.project.repo_parsed(self.path(directory, name), toml_table)

    def up(self, directory: str, name: str) -> Iterator[str]:
        """`directory` and each parent up to the root ("") that holds `name`."""
        while True:
            if self.read(directory, name) is not None:
                yield directory
            if not directory:
                return
            directory = posixpath.dirname(directory)

    def glob(self, pattern: str) -> list[str]:
        return self.project.repo_glob(pattern)


def repo_dir(cwd: str | None, checkout: tuple[str, ...]) -> str | Unknown:
    """A command's working directory relative to the root, or UNKNOWN; `checkout`: how the
    platform's scripts name the root (`Pipeline.checkout_directories`)."""
    if cwd is None:
        return ""
    for prefix in checkout:
        if cwd == prefix or cwd.startswith(prefix + "/"):
            cwd = cwd[len(prefix):].lstrip("/") or "."
            break
    if cwd.startswith(("/", "~", "-")) or "$" in cwd:
        return UNKNOWN
    normal = posixpath.normpath(cwd)
    if normal.startswith(".."):
        return UNKNOWN
    return "" if normal == "." else normal


def text_or_unknown(call: Call, name: str) -> str | Unknown | None:
    """A file in the command's directory (the root unless a `cd` moved it): its text, None if
    absent, UNKNOWN if the repository or the directory cannot be seen."""
    if not call.repo.visible or isinstance(call.cwd, Unknown):
        return UNKNOWN
    return call.repo.read(call.cwd, name)
