"""The one CircleCI config being loaded: the state every part of the loader shares.

A `Config` is passed explicitly to the functions of the other modules. It holds the source (and its
problems), the pipeline being built, the definitions of jobs, commands and executors (the config's
own and those of inline orbs, see `orbs`), the registry orbs declared, and the pipeline parameters'
defaults (see `parameters`). Problems are reported through it, once each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..loadutil import Source
from ..model import Pipeline, ProblemKind, Reference, Span, Text
from ..yamlsrc import Pos, YMap, YStr
from .secrets import BUILTIN_PREFIXES
from .values import CHECKOUT_DIRECTORIES, STATUS_CONTEXT, STATUS_PREFIX, TEMPLATE_OPENERS


@dataclass
class Arg:
    """A parameter's value in one invocation."""

    value: Any  # substituted string, other scalar, or a YAML list/map (steps, executor)
    via: list[Text]  # where it was written, then the parameter values that supplied it
    scope: Scope | None = None  # where a steps/executor value was written (its own parameters)


@dataclass
class Scope:
    """What `<< parameters.x >>` and `<< matrix.x >>` mean where a value is written."""

    params: dict[str, Arg] = field(default_factory=dict)
    matrix: dict[str, Arg] = field(default_factory=dict)
    origin: str | None = None  # Step.origin of steps written here
    namespace: str | None = None


@dataclass
class Leg:
    """One run of a workflow job entry (one matrix leg)."""

    job_ref: str
    conf: YMap
    entry: Pos  # the entry's job name in the workflow's jobs list
    scope: Scope
    name: str
    explicit: bool  # named by `name:`: a repeated name is an error (generated ones are renamed)
    alias: str | None = None
    requires: list[tuple[str, Pos, list[str]]] = field(default_factory=list)
    key: str = ""


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
            platform="circleci", path=source.path, name=source.path, span=source.span(root.pos),
            template_openers=TEMPLATE_OPENERS, checkout_directories=CHECKOUT_DIRECTORIES,
            status_context=STATUS_CONTEXT, status_prefix=STATUS_PREFIX, builtin_prefixes=BUILTIN_PREFIXES,
        )
        self.jobs: dict[str, Def] = {}
        self.commands: dict[str, Def] = {}
        self.executors: dict[str, Def] = {}
        self.orbs: dict[str, Reference] = {}  # alias (`<inline orb>/<alias>` inside one) -> orb
        self.inline_orbs: set[str] = set()
        self.pipeline_args: dict[str, Arg] = {}
        self.base = Scope()
        self.reported: set[tuple[str, str, Pos]] = set()
        # Spans and Texts by position: a command's steps are read again for every job that uses
        # it (5,000 times in a generated 5,000-job config), each time at the same place.
        self.spans: dict[Pos, Span] = {}
        self.texts: dict[int, tuple[YStr, Text]] = {}  # by id() of the string as written

    def report(self, kind: ProblemKind, message: str, pos: Pos, job: str | None = None) -> None:
        """Report once: a definition used by many invocations is broken only once."""
        key = (kind, message, pos)
        if key not in self.reported:
            self.reported.add(key)
            self.src.problem(kind, message, pos, job=job)

    def parse_error(self, message: str, pos: Pos, job: str | None = None) -> None:
        self.report(ProblemKind.PARSE, message, pos, job)

    def invalid(self, message: str, pos: Pos, job: str | None = None) -> None:
        self.report(ProblemKind.REFERENCE, message, pos, job)

    def text(self, raw: Any, pos: Pos) -> Text:
        """`Source.text`, memoised for strings (a YStr's Text is made from the YStr alone)."""
        if type(raw) is not YStr:
            return self.src.text(raw, pos)
        cached = self.texts.get(id(raw))
        if cached is None or cached[0] is not raw:
            cached = self.texts[id(raw)] = (raw, self.src.text(raw, pos))
        return cached[1]

    def span(self, pos: Pos) -> Span:
        """Source.span, also pulling a block node's end back from where the next item's `- ` or
        key starts (the composer ends a block mapping at the next token); memoised."""
        found = self.spans.get(pos)
        if found is None:
            found = self.spans[pos] = self._span(pos)
        return found

    def _span(self, pos: Pos) -> Span:
        line, column, end_line, end_column = pos
        if end_line > line and end_column > 1:
            lines = self.src.lines
            before = lines[end_line - 1][: end_column - 1] if end_line <= len(lines) else ""
            if before.strip() in ("", "-"):
                pos = Pos(line, column, end_line, 1)
        return self.src.span(pos)
