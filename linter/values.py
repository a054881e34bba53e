"""The values at the bottom of the model: where a value stands (`Span`), a string and where it was
written (`Text`), one simple command of a script (`Command`).

Their own module so that `shell`, which makes `Command`s, and `model`, whose `Step.commands` calls
it, both import them without importing each other; `model` re-exports them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from .yamlsrc import Pos


class Span(NamedTuple):
    """Where a value stands: path relative to the project root, 1-based lines and columns.

    A named tuple rather than a frozen dataclass (same fields, equality and hash): every value
    of the model has one, 300,000 for the 1,448 corpus workflows, and a tuple is made about
    three times faster."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def at(cls, path: str, pos: Pos) -> Span:
        return cls(path, pos.line, pos.column, pos.end_line, pos.end_column)

    def sort_key(self) -> tuple[str, int, int]:
        return (self.path, self.line, self.column)


@dataclass(frozen=True, slots=True)
class Text:
    """A string from the configuration and where it was written."""

    value: str
    span: Span
    # For a literal block scalar (`run: |`): line k of the value stands at source line
    # body_line + k, its text starting at body_column. None where lines are folded.
    body_line: int | None = None
    body_column: int = 1

    def __str__(self) -> str:
        return self.value

    def line_span(self, index: int, start: int = 0, end: int | None = None) -> Span:
        """The span of line `index` of the value (columns `start`..`end` of that line)."""
        if self.body_line is None:
            return self.span
        if end is None:  # (only then is the value split: callers ask for each variable of each line)
            lines = self.value.split("\n")
            end = len(lines[index]) if 0 <= index < len(lines) else 0
        line = self.body_line + index
        return Span(self.span.path, line, self.body_column + start, line, self.body_column + end)


@dataclass
class Command:
    """One simple command of a `run` script."""

    argv: list[str]
    assignments: dict[str, str]  # `VAR=x cmd` and `env VAR=x cmd`
    span: Span  # its own line inside the script
    text: str
    cwd: str | None = None  # from a preceding `cd dir &&`
    masked: bool = False  # followed by `|| true` or similar: failure does not fail the step
    # How the script treats its failure (see `shell`): the commands run when it fails (after
    # `||`, up to the end of that list; None: not followed by `||`), whether its output is piped
    # to another command (its status is then the pipeline's only under `pipefail`), `set -e` and
    # `set -o pipefail` as the script set them before it (None: left at the shell's default),
    # whether its status is read (by the next command: `$?`, `PIPESTATUS`; by `if`, `while`, `!`), and whether it is the
    # script's last command (whose status is the script's).
    fallback: tuple[tuple[str, ...], ...] | None = None
    piped: bool = False
    errexit: bool | None = None
    pipefail: bool | None = None
    status_read: bool = False
    last: bool = False
    # The file the output of its pipeline goes to: what the first `tee` after it writes, or the
    # stdout redirection (`> f`, `>> f`) of the pipeline's last command, as written (None: the
    # terminal, `/dev/null`, or not known). A later command that tests that file reads its result.
    output: str | None = None


# What refers to a value filled in elsewhere in any shell or template language (no platform's own
# syntax): a shell variable or command substitution (`$VAR`, `${VAR}`, `$(cmd)`), a mustache,
# Jinja or Go template placeholder (`{{ x }}`), a Windows `cmd` variable (`%VAR%`).
_PLACEHOLDER = re.compile(r"\$|\{\{|%[A-Za-z_]+%")


def refers_elsewhere(text: str, template_openers: tuple[str, ...] = ()) -> bool:
    """Whether `text` refers to a value filled in elsewhere rather than being one: a shell or
    template placeholder, or a template of the platform (`Pipeline.template_openers`)."""
    return _PLACEHOLDER.search(text) is not None or any(opener in text for opener in template_openers)
