"""The one CircleCI config being loaded: the state every part of the loader shares.

A `Config` is passed explicitly to the functions of the other modules. It holds the source (and its
problems), the pipeline being built, the definitions of jobs, commands and executors (the config's
own and those of inline orbs, see `orbs`), the registry orbs declared, and the pipeline parameters'
defaults (see `parameters`). Problems are reported through it, once each.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..loadutil import Source
from ..model import Pipeline, Reference, Span
from ..yamlsrc import Pos, YMap
from .parameters import Arg, Scope


@dataclass
class Def:
    """A job, command or executor definition (inline-orb ones are named `<orb>/<name>`)."""

    name: str
    body: YMap
    key: Pos  # where its name is written
    namespace: str | None  # the inline orb defining it: its own elements are found by bare name


class Config:
    """One CircleCI config being loaded into `pipeline`."""

    def __init__(self, source: Source, root: YMap) -> None:
        self.src = source
        self.root = root
        self.pipeline = Pipeline(
            platform="circleci", path=source.path, name=source.path, span=source.span(root.pos)
        )
        self.jobs: dict[str, Def] = {}
        self.commands: dict[str, Def] = {}
        self.executors: dict[str, Def] = {}
        self.orbs: dict[str, Reference] = {}  # alias (`<inline orb>/<alias>` inside one) -> orb
        self.inline_orbs: set[str] = set()
        self.pipeline_args: dict[str, Arg] = {}
        self.base = Scope()
        self.reported: set[tuple[str, str, Pos]] = set()

    def report(self, rule: str, message: str, pos: Pos, job: str | None = None) -> None:
        """Report once: a definition used by many invocations is broken only once."""
        key = (rule, message, pos)
        if key not in self.reported:
            self.reported.add(key)
            self.src.problem(rule, message, pos, job=job)

    def parse_error(self, message: str, pos: Pos, job: str | None = None) -> None:
        self.report("parse-error", message, pos, job)

    def invalid(self, message: str, pos: Pos, job: str | None = None) -> None:
        self.report("invalid-reference", message, pos, job)

    def span(self, pos: Pos) -> Span:
        """Source.span, also pulling a block node's end back from where the next item's `- ` or
        key starts (the composer ends a block mapping at the next token)."""
        line, column, end_line, end_column = pos
        if end_line > line and end_column > 1:
            lines = self.src.lines
            before = lines[end_line - 1][: end_column - 1] if end_line <= len(lines) else ""
            if before.strip() in ("", "-"):
                pos = Pos(line, column, end_line, 1)
        return self.src.span(pos)
