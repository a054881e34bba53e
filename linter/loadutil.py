"""Small helpers both platform loaders use to turn positioned YAML into model values."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from .model import EnvLevel, EnvVar, Literal, Problem, ProblemKind, Span, Text
from .yamlsrc import NOWHERE, Pos, YMap, YSeq, YStr, pos_of

# Job runs, steps and `needs`/`requires` edges one file may expand to. Matrices, CircleCI commands
# and parameters, reusable workflows and composite actions multiply what is written: a 4 KB config
# of commands that each call the previous one ten times is millions of steps, and a 2 KB one of
# matrices requiring matrices millions of edges; every rule visits each. The largest real
# configuration of the test corpus makes 8,566 steps in 481 job runs.
MAX_MODEL_ITEMS = 100_000
# Characters of `run:` scripts over all steps of one file, for the same reason: each leg of a
# matrix has its own copy of a script and the shell parser and the rules read each (the corpus'
# largest: 2.2 million, checked in about a second).
MAX_MODEL_SCRIPT_CHARS = 8_000_000


_new_tuple = tuple.__new__


class Source:
    """One file being loaded: its path, its lines, and the problems found in it."""

    def __init__(self, path: str, lines: list[str], problems: list[Problem]) -> None:
        self.path = path
        self.lines = lines
        self.problems = problems

    def span(self, pos: Pos) -> Span:
        """A span, with a block node's end pulled back from the start of the next line."""
        line, column, end_line, end_column = pos
        if end_line == line:  # most values: on one line, nothing to pull back
            # (The tuple's own `__new__`: the named tuple's is a Python call, per value.)
            return _new_tuple(Span, (self.path, line, column, line, end_column))
        # A block node ends where the next token starts: at column 1 of the next line, or at
        # the `- ` of the next list item. Pull it back to the end of its own last line.
        before = self._line(end_line)[: end_column - 1]
        if end_line > line and not before.strip(" -"):
            end_line -= 1
            while end_line > line and not self._line(end_line).strip():
                end_line -= 1
            end_column = len(self._line(end_line).rstrip()) + 1
        return Span(self.path, line, column, end_line, end_column)

    def _line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    def text(self, value: Any, default: Pos | None = None) -> Text:
        """A scalar as a `Text`; literal block scalars remember where their lines are."""
        if type(value) is YStr:  # most values: no lookups for what a YStr carries
            pos, string, style = value.pos, str(value), value.style
        else:
            pos, string, style = pos_of(value, default or NOWHERE), scalar_str(value), getattr(value, "style", None)
        span = self.span(pos)
        if style == "|":
            first = pos.line + 1
            column = 1
            for offset, line in enumerate(string.split("\n")):
                if line.strip():
                    source_line = self._line(first + offset)
                    column = len(source_line) - len(source_line.lstrip()) + 1
                    break
            return Text(string, span, first, column)
        if "\n" not in string and style != ">":
            quote = 1 if style in ("'", '"') else 0
            return Text(string, span, pos.line, pos.column + quote)
        return Text(string, span)

    def problem(self, kind: ProblemKind | str, message: str, pos: Pos, job: str | None = None,
                absent: str | None = None) -> None:
        """Record a problem. (`kind` as a string, `"parse-error"`, is its value: load_protection
        still names kinds so.) `absent`: the repository path whose absence it asserts."""
        self.problems.append(Problem(ProblemKind(kind), message, self.span(pos), job, absent=absent))


@dataclass
class Budget:
    """What one file has expanded to so far; `over` is where it went over MAX_MODEL_ITEMS."""

    source: Source
    items: int = 0
    over: tuple[Source, Pos] | None = None
    called_runs: int = 0  # job runs made from calls of local reusable workflows
    calls_cut: bool = False  # a call was left unexpanded for MAX_CALLED_RUNS (said once)


_BUDGET: ContextVar[Budget | None] = ContextVar("cilint_load_budget", default=None)


@contextmanager
def budget_for(source: Source) -> Iterator[Budget]:
    """Count what loading `source` makes, including the local files it pulls in (composite
    actions, reusable workflows), against one budget; the caller decides what exceeding means."""
    budget = Budget(source)
    token = _BUDGET.set(budget)
    try:
        yield budget
    finally:
        _BUDGET.reset(token)


# Job runs one file may pull in by calling local reusable workflows (and what they call in turn).
# Calls multiply (10 calls a level, 4 levels: 10,000 runs of one job from a few KB, and as many
# findings); each called workflow is also checked as a file of its own, so a call past this is left
# unexpanded, as a call to another repository is, and said once per file (docs/limits.md).
MAX_CALLED_RUNS = 2_000


def may_expand_call() -> bool:
    """Whether the file being loaded may expand one more reusable-workflow call; the first time it
    may not, `Budget.calls_cut` is still False (the caller says so and sets it)."""
    budget = _BUDGET.get()
    return budget is None or budget.called_runs < MAX_CALLED_RUNS


def first_call_cut() -> bool:
    """True the first time a call is cut in the file being loaded (to report it once)."""
    budget = _BUDGET.get()
    if budget is None or budget.calls_cut:
        return False
    budget.calls_cut = True
    return True


def count_called_runs(runs: int) -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.called_runs += runs


def spend(source: Source, pos: Pos) -> bool:
    """Count one job run or step a loader is about to make at `pos` of `source`; False once the
    file being loaded went over MAX_MODEL_ITEMS (the loader then stops expanding). Loaders called
    outside `budget_for` (tests) are not limited."""
    budget = _BUDGET.get()
    if budget is None:
        return True
    budget.items += 1
    if budget.items <= MAX_MODEL_ITEMS:
        return True
    if budget.over is None:
        budget.over = (source, pos)
    return False


def scalar_str(value: Any) -> str:
    """How a scalar reads as text in a check name or a command (YAML 1.2 / JavaScript style)."""
    if isinstance(value, str):  # most values
        return str(value)
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dict, list)):
        return _container_text(value)
    return str(value)


MAX_CONTAINER_TEXT = 1000


def _container_text(value: dict[Any, Any] | list[Any]) -> str:
    """`str()` of a mapping or list where a scalar was expected (a matrix value, a name written as
    a list), cut after MAX_CONTAINER_TEXT characters: `str()` would write out every alias in full,
    and loaders call this once per matrix leg. Cached on YAML nodes, which do not change once
    composed."""
    cached: str | None = getattr(value, "_cilint_text", None)
    if cached is not None:
        return cached
    parts: list[str] = []
    budget = [MAX_CONTAINER_TEXT]

    def emit(text: str) -> None:
        parts.append(text)
        budget[0] -= len(text)
        if budget[0] < 0:
            raise _Full

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            emit("{")
            for index, (key, child) in enumerate(item.items()):
                emit(", " if index else "")
                emit(repr(key) + ": ")
                walk(child)
            emit("}")
        elif isinstance(item, list):
            emit("[")
            for index, child in enumerate(item):
                emit(", " if index else "")
                walk(child)
            emit("]")
        else:
            emit(repr(item))

    try:
        walk(value)
        text = "".join(parts)
    except _Full:
        text = "".join(parts)[:MAX_CONTAINER_TEXT] + "..."
    if isinstance(value, (YMap, YSeq)):
        value._cilint_text = text  # type: ignore[union-attr]
    return text


class _Full(Exception):
    """The text of a container reached MAX_CONTAINER_TEXT."""


def as_list(value: Any) -> list[Any]:
    """A string or list (as GitHub and CircleCI accept for many keys) as a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return list(value)
    return [value]


def items_with_pos(value: Any) -> Iterator[tuple[Any, Pos]]:
    """Items of a list (or the single value) with their positions."""
    if isinstance(value, YSeq):
        for index, item in enumerate(value):
            yield item, value.pos_of(index)
    elif isinstance(value, list):
        for item in value:
            yield item, pos_of(item)
    elif value is not None:
        yield value, pos_of(value)


def str_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    return [scalar_str(item) for item in as_list(value)]


def env_map(
    source: Source, value: Any, level: EnvLevel, is_reference: Callable[[str], bool]
) -> dict[str, EnvVar]:
    """An `env:`/`environment:` mapping (CircleCI also allows a list of `K=V`)."""
    out: dict[str, EnvVar] = {}
    if isinstance(value, YMap):
        for key, item in value.items():
            text = source.text(item, value.pos_of(key))
            out[key] = EnvVar(key, text, is_reference(text.value), level)
    elif isinstance(value, YSeq):
        for index, item in enumerate(value):
            if isinstance(item, str) and "=" in item:
                key, _, rest = item.partition("=")
                text = Text(rest, source.span(value.pos_of(index)))
                out[key] = EnvVar(key, text, is_reference(rest), level)
    return out


def walk_literals(
    source: Source, node: Any, is_reference: Callable[[str], bool], limit: int = 200_000
) -> list[EnvVar]:
    """Every `key: string` pair (and list item, under its list's key) of a document, once each
    even when aliased, in the order of where they stand: what literal-secret scans read. Each
    pair's `Text` is made only when a rule reads it (see `Literal`)."""
    out: list[EnvVar] = []
    containers = (YMap, YSeq)
    if not isinstance(node, containers):
        return out
    starts: list[Pos] = []  # where each string of `out` stands (a YStr's own position)
    seen: set[int] = set()
    stack: list[tuple[str, YMap | YSeq]] = [("", node)]
    # Every node of every file passes here: exact type tests for strings (the composer makes
    # only YStr) and positions read from the node's own tables.
    while stack and len(out) < limit:
        key, item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, YMap):
            value_pos = item.value_pos
            for child_key, child in item.items():
                if type(child) is YStr:
                    out.append(Literal(child_key, child, is_reference(child), source,
                                       value_pos.get(child_key, item.pos)))
                    starts.append(child.pos)
                elif isinstance(child, containers):
                    stack.append((child_key, child))
        else:
            item_pos = item.item_pos
            for index, child in enumerate(item):
                if type(child) is YStr:
                    out.append(Literal(key, child, is_reference(child), source,
                                       item_pos[index] if index < len(item_pos) else item.pos))
                    starts.append(child.pos)
                elif isinstance(child, containers):
                    stack.append((key, child))
    # In the order of where the strings start (`Source.text` puts their spans there). Two strings
    # starting at one place are one node, aliased: their ends never decide, the sort is stable.
    order = sorted(range(len(out)), key=starts.__getitem__)
    return [out[index] for index in order]


# -- templates in text: `${{ … }}`, `{{ … }}`, `<< … >>` -------------------------------------
#
# A pattern `open(.*?)close` tries each `open` of a text, and one with no `close` after it scans
# to the text's end: a text of many unclosed `${{` takes time quadratic in its length (an 80 KB
# `run:` of them: a minute). Here no match can end past the last `close`, so the search stops
# there, and each `open` before it is closed by the first `close` after it: every character is
# scanned once. For several kinds of template at once, each kind's next opening and closing are
# remembered, and a kind is given up once it has no closing left.


class TemplatePattern:
    """A pattern `open(.*?)close` (re.S) whose `finditer`, `search` and `sub` take linear time
    (see above); otherwise a compiled pattern's methods, results and matches."""

    __slots__ = ("close", "regex")

    def __init__(self, pattern: str, close: str) -> None:
        self.regex = re.compile(pattern, re.S)
        self.close = close

    @property
    def pattern(self) -> str:
        return self.regex.pattern

    def _end(self, text: str) -> int:
        """Where the last match can end: after the last closing (-1: no match at all)."""
        end = text.rfind(self.close)
        return end + len(self.close) if end >= 0 else -1

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        end = self._end(text)
        return self.regex.finditer(text, 0, end) if end >= 0 else iter(())

    def search(self, text: str) -> re.Match[str] | None:
        end = self._end(text)
        return self.regex.search(text, 0, end) if end >= 0 else None

    def fullmatch(self, text: str) -> re.Match[str] | None:  # (one start: linear already)
        return self.regex.fullmatch(text)

    def sub(self, replace: str | Callable[[re.Match[str]], str], text: str) -> str:
        end = self._end(text)
        return self.regex.sub(replace, text[:end]) + text[end:] if end >= 0 else text


def templates_of_kinds(pattern: re.Pattern[str], text: str,
                       kinds: tuple[tuple[str, str], ...]) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)` for a pattern `open1(.*?)close1|open2(.*?)close2|…` (re.S) whose
    (open, close) pairs are `kinds`, in linear time."""
    opened = [-1] * len(kinds)  # the next opening of each kind at or after `at`
    closed = [-1] * len(kinds)  # the next closing after that opening
    live = [True] * len(kinds)
    at = 0
    while True:
        best: tuple[int, int] | None = None
        for k, (open_, close) in enumerate(kinds):
            if not live[k]:
                continue
            if opened[k] < at:
                opened[k] = text.find(open_, at)
                if opened[k] < 0:
                    live[k] = False
                    continue
            if closed[k] < opened[k] + len(open_):
                closed[k] = text.find(close, opened[k] + len(open_))
                if closed[k] < 0:  # no closing after it: none after any later opening either
                    live[k] = False
                    continue
            if best is None or opened[k] < best[0]:
                best = (opened[k], k)
        if best is None:
            return
        start, k = best
        end = closed[k] + len(kinds[k][1])
        match = pattern.match(text, start, end)
        if match is None or match.end() != end:  # (not a pattern of these kinds: as it is)
            yield from pattern.finditer(text, at)
            return
        yield match
        at = end
