"""Declarative policies: an organisation's own rules, written in the configuration as JSONPath over
the model view (`linter/view.py`, docs/model.md) instead of Python.

```yaml
policies:
  - id: ACME001                      # the organisation's prefix, not CIL
    name: job-timeout                # kebab-case, unique
    level: warning                   # error, warning (default) or note
    message: "job `{name}` has no timeout-minutes"
    select: "$.pipelines[?(@.platform == 'github')].workflows[*].jobs[?(@.kind == 'job')]"
    require: timeout
  - policies/acme.yml                # or a file holding a list of them
```

`select` picks elements of the view; every selected element that fails the conditions is a
finding at the element's span (a selected plain value, which has no span, is reported at the
nearest element holding it). The conditions, all of which must hold (a mapping is a conjunction):

* `require: PATH` (or a list): the sub-path finds a value that is not null, false or empty;
* `forbid: PATH` (or a list): it finds none;
* `match: {PATH: REGEX}`: it finds at least one value and every value matches (`re.search`);
* `not_match: {PATH: REGEX}`: no value found matches;
* `in: {PATH: [values]}`: it finds at least one value and every value is in the list;
* `not_in: {PATH: [values]}`: no value found is in the list;
* `all: [conditions...]`, `any: [conditions...]`: each item a mapping of conditions.

Sub-paths are JSONPath relative to the selected element (`@` is the element itself); lists found
are flattened, and values are compared as strings (`30` and `"30"` are equal, `true` is `true`).
A policy without conditions reports every element it selects. `message` may name fields of the
element: `{name}`, `{deploy.target}`, `{runs_on}` (lists are joined with `, `).

A policy compiles into an `engine.Rule`, so the engine runs, levels, suppresses, baselines and
reports it like a built-in rule. Mistakes (an unknown key or condition, a JSONPath or regular
expression that does not parse, a missing `message`) are `ConfigError`s at the policy's own file
and line: a policy that silently never fires is worse than a refusal to start.

jsonpath-ng is imported here, and this module only when a configuration has policies, so a run
without policies does not pay for it (building its parser takes tens of milliseconds; one parser
is built and reused).
"""

from __future__ import annotations

import json
import re
import signal
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .configerror import ConfigError
from .engine import Rule, all_rules
from .findings import Finding
from .limits import MAX_POLICY_CPU_SECONDS
from .model import Project, Span
from .yamlsrc import NOWHERE, Pos, YamlError, YMap, YSeq, pos_of

LEVELS = ("error", "warning", "note")
CONDITIONS = ("require", "forbid", "match", "not_match", "in", "not_in", "all", "any")
FIELDS = ("id", "name", "level", "message", "select", "summary", "description", "help_uri", "tags",
          "security_severity")
# Where SARIF's `helpUri` points for a policy that names no page of its own: how policies work
# (docs/rules/ has a page for each built-in rule only).
POLICY_HELP_URI = "https://github.com/cilint/cilint/blob/main/README.md#custom-policies"
_ID = re.compile(r"[A-Z][A-Z0-9_-]*[0-9]")
_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_.]*)\}")


# -- JSONPath ------------------------------------------------------------------------------

_PARSER: Any = None


def _parser() -> Any:
    """One extended parser (filters, `=~`, arithmetic), built on first use and reused: building
    it takes longer than parsing with it."""
    global _PARSER
    if _PARSER is None:
        from jsonpath_ng.ext import parser as ext

        # 1.6 spells the class `ExtentedJsonPathParser`; later versions fix the name and keep an alias.
        cls: Any = getattr(ext, "ExtendedJsonPathParser", None) or ext.ExtentedJsonPathParser
        _PARSER = cls()
    return _PARSER


# `&&` joins the conditions of a filter (`[?(@.a == 1 && @.b == 2)]`), as cilint documents it.
# jsonpath-ng reads it from 1.13 on and deprecates the `&` it read before (gone in 2.0); versions
# 1.6 to 1.12 read only `&`. A policy may be written either way: each `&` or `&&` outside a quoted
# string is written as the installed parser reads it, so that both spellings work on every version
# the dependency allows and neither draws jsonpath-ng's DeprecationWarning.
_AND = re.compile(r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|&&?""")
_AND_OPERATOR: str | None = None


def _and_operator() -> str:
    """The installed parser's `and` in filters: `&&` where it reads it, else `&`."""
    global _AND_OPERATOR
    if _AND_OPERATOR is None:
        try:
            _parser().parse("$[?(@.a == 1 && @.b == 2)]")
            _AND_OPERATOR = "&&"
        except Exception:  # (jsonpath-ng 1.6 to 1.12: a parse error at the second `&`)
            _AND_OPERATOR = "&"
    return _AND_OPERATOR


def as_installed_parser_reads(text: str) -> str:
    """`text` with the `and` of its filters spelt as the installed jsonpath-ng reads it."""
    if "&" not in text:
        return text
    operator = _and_operator()
    return _AND.sub(lambda match: match.group(1) or operator, text)


_SAFE_EXPRESSION: type | None = None


def _safe_expression() -> type:
    """A filter expression (`[?(@.timeout > 60)]`) that treats a comparison it cannot make (a
    null or a string compared with a number) as false, instead of jsonpath-ng's TypeError that
    would stop the policy on the first job without the field."""
    global _SAFE_EXPRESSION
    if _SAFE_EXPRESSION is None:
        from jsonpath_ng.ext.filter import OPERATOR_MAP, Expression
        from jsonpath_ng.jsonpath import DatumInContext

        base: Any = Expression  # typed in newer jsonpath-ng, untyped in older ones

        class SafeExpression(base):  # type: ignore[misc]
            def find(self, datum: Any) -> list[Any]:
                found = self.target.find(DatumInContext.wrap(datum))
                if not found or self.op is None:
                    return list(found)
                kept = []
                for data in found:
                    value = data.value
                    try:
                        if type(self.value) is int:
                            value = int(value)
                        if OPERATOR_MAP[self.op](value, self.value):
                            kept.append(data)
                    except (TypeError, ValueError):
                        continue
                return kept

        _SAFE_EXPRESSION = SafeExpression
    return _SAFE_EXPRESSION


def _harden(node: Any, seen: set[int] | None = None) -> None:
    """Swap every filter expression of a parsed path for the safe one, checking the regular
    expressions of `=~` now rather than when the policy first runs."""
    from jsonpath_ng.ext.filter import Expression, Filter

    seen = set() if seen is None else seen
    if id(node) in seen or not hasattr(node, "__dict__"):
        return
    seen.add(id(node))
    if isinstance(node, Filter):
        safe = _safe_expression()
        for index, expression in enumerate(node.expressions):
            if isinstance(expression, Expression) and not isinstance(expression, safe):
                if expression.op == "=~":
                    re.compile(str(expression.value))
                node.expressions[index] = safe(expression.target, expression.op, expression.value)
    for value in vars(node).values():
        for item in value if isinstance(value, list) else [value]:
            if hasattr(item, "find"):
                _harden(item, seen)


@dataclass(frozen=True)
class JsonPath:
    """A compiled JSONPath and the text it was written as (for messages and `explain`)."""

    text: str
    compiled: Any

    def find(self, data: Any) -> list[Any]:
        return list(self.compiled.find(data))

    def values(self, data: Any) -> list[Any]:
        """The values found, lists flattened, nulls left out."""
        out: list[Any] = []
        for match in self.find(data):
            _flatten(match.value, out)
        return out


def _flatten(value: Any, out: list[Any]) -> None:
    if isinstance(value, list):
        for item in value:
            _flatten(item, out)
    elif value is not None:
        out.append(value)


def _as_text(value: Any) -> str:
    """How values are compared and shown: strings as they are, JSON for everything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return json.dumps(value)


def _present(value: Any) -> bool:
    return value not in (None, False, "") and value != [] and value != {}


# -- conditions ----------------------------------------------------------------------------


class Condition:
    """A test on one selected element; `describe()` says it back for `explain`."""

    def holds(self, element: Any) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


@dataclass
class _Require(Condition):
    paths: list[JsonPath]
    negate: bool

    def holds(self, element: Any) -> bool:
        found = [any(_present(v) for v in path.values(element)) for path in self.paths]
        return not any(found) if self.negate else all(found)

    def describe(self) -> str:
        return " and ".join(f"`{p.text}` is {'not ' if self.negate else ''}set" for p in self.paths)


@dataclass
class _Test(Condition):
    """`match`/`in` (every value found passes, and there is one) or, negated, `not_match`/
    `not_in` (no value found passes)."""

    key: str
    tests: list[tuple[JsonPath, Callable[[str], bool], str]]
    negate: bool

    def holds(self, element: Any) -> bool:
        for path, test, _ in self.tests:
            values = [_as_text(v) for v in path.values(element)]
            passed = [test(v) for v in values]
            if self.negate and any(passed):
                return False
            if not self.negate and (not values or not all(passed)):
                return False
        return True

    def describe(self) -> str:
        return " and ".join(f"`{path.text}` {shown}" for path, _, shown in self.tests)


@dataclass
class _All(Condition):
    """`all:` (`word` set) or the conditions of one mapping (`word` empty: an implicit `and`)."""

    items: list[Condition]
    word: str = ""

    def holds(self, element: Any) -> bool:
        return all(item.holds(element) for item in self.items)

    def describe(self) -> str:
        if not self.word:
            return " and ".join(item.describe() for item in self.items)
        return f"{self.word} of (" + "; ".join(item.describe() for item in self.items) + ")"


@dataclass
class _Any(_All):
    word: str = "any"

    def holds(self, element: Any) -> bool:
        return any(item.holds(element) for item in self.items)


# -- compiling -----------------------------------------------------------------------------


class _Compiler:
    """Reads the policies of one file, raising a ConfigError at the first mistake."""

    def __init__(self, display: str) -> None:
        self.display = display  # the file, as the user named it

    def error(self, message: str, pos: Pos) -> ConfigError:
        return ConfigError(message, self.display, pos.line if pos is not NOWHERE else None)

    def string(self, value: Any, what: str, pos: Pos) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"`{what}` must be a non-empty string", pos_of(value, pos))
        return str(value)

    def jsonpath(self, text: str, what: str, pos: Pos, relative: bool) -> JsonPath:
        if relative and text.lstrip().startswith("$"):
            raise self.error(f"`{what}`: sub-paths are relative to the selected element; write "
                             f"`{text.lstrip()[1:].lstrip('.') or '@'}` or `@.…`, not `$…`", pos)
        try:
            compiled = _parser().parse(as_installed_parser_reads(text))
            _harden(compiled)
        except re.error as exc:
            raise self.error(f"`{what}`: invalid regular expression in `{text}`: {exc}", pos) from exc
        except Exception as exc:  # jsonpath-ng raises several types (lexer, parser, ply's own)
            raise self.error(f"`{what}`: invalid JSONPath `{text}`: {exc}", pos) from exc
        return JsonPath(text, compiled)

    def paths(self, value: Any, what: str, pos: Pos) -> list[JsonPath]:
        items = value if isinstance(value, list) else [value]
        if not items:
            raise self.error(f"`{what}` must name at least one sub-path", pos)
        item_pos = value.pos_of if isinstance(value, YSeq) else (lambda _index: pos)
        out = []
        for index, item in enumerate(items):
            at = pos_of(item, item_pos(index))
            out.append(self.jsonpath(self.string(item, what, at), what, at, True))
        return out

    def pairs(self, value: Any, key: str, pos: Pos) -> list[tuple[str, Any, Pos]]:
        if not isinstance(value, YMap) or not value:
            regex = "match" in key
            example = "{ref: '^ghcr\\.io/acme/'}" if regex else "{registry: [ghcr.io]}"
            to = "a regular expression" if regex else "a list"
            raise self.error(f"`{key}` must map sub-paths to {to}, e.g. `{key}: {example}`",
                             pos_of(value, pos))
        return [(str(sub), item, value.pos_of(sub)) for sub, item in value.items()]

    def condition(self, key: str, value: Any, pos: Pos) -> Condition:
        if key in ("require", "forbid"):
            return _Require(self.paths(value, key, pos), negate=key == "forbid")
        if key in ("match", "not_match"):
            tests = []
            for sub, regex, at in self.pairs(value, key, pos):
                numeric = isinstance(regex, (int, float)) and not isinstance(regex, bool)
                pattern = str(regex) if numeric else self.string(regex, f"{key}.{sub}", at)
                try:
                    compiled = re.compile(pattern)
                except re.error as exc:
                    message = f"`{key}.{sub}`: invalid regular expression `{pattern}`: {exc}"
                    raise self.error(message, at) from exc
                shown = f"{'!~' if key == 'not_match' else '=~'} /{pattern}/"
                tests.append((self.jsonpath(sub, key, at, True), _searcher(compiled), shown))
            return _Test(key, tests, negate=key == "not_match")
        if key in ("in", "not_in"):
            tests = []
            for sub, allowed, at in self.pairs(value, key, pos):
                items = allowed if isinstance(allowed, list) else [allowed]
                if any(isinstance(item, (dict, list)) or item is None for item in items):
                    raise self.error(f"`{key}.{sub}` must be a list of strings, numbers or booleans", at)
                texts = frozenset(_as_text(item) for item in items)
                shown = f"{'not in' if key == 'not_in' else 'in'} [{', '.join(sorted(texts))}]"
                tests.append((self.jsonpath(sub, key, at, True), texts.__contains__, shown))
            return _Test(key, tests, negate=key == "not_in")
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                raise self.error(f"`{key}` must be a non-empty list of conditions", pos_of(value, pos))
            item_pos = value.pos_of if isinstance(value, YSeq) else (lambda _index: pos)
            items = [self.conditions(item, item_pos(i), strict=True) for i, item in enumerate(value)]
            return _All(items, word="all") if key == "all" else _Any(items)
        raise AssertionError(key)

    def conditions(self, mapping: Any, pos: Pos, strict: bool) -> _All:
        """The conditions of a mapping (a policy, or an item of `all`/`any`), as a conjunction."""
        if not isinstance(mapping, YMap):
            raise self.error("a condition must be a mapping such as `{require: timeout}`",
                             pos_of(mapping, pos))
        items = []
        for key, value in mapping.items():
            if key in CONDITIONS:
                items.append(self.condition(key, value, mapping.pos_of(key)))
            elif strict:
                raise self.error(f"unknown condition `{key}` (expected one of: {', '.join(CONDITIONS)})",
                                 mapping.key_pos_of(key))
        if strict and not items:
            raise self.error("an empty condition", pos_of(mapping, pos))
        return _All(items)

    def policy(self, entry: YMap, taken: dict[str, str]) -> Policy:
        for key in entry:
            if key not in FIELDS and key not in CONDITIONS:
                message = (f"unknown key or condition `{key}` in a policy (fields: {', '.join(FIELDS)}; "
                           f"conditions: {', '.join(CONDITIONS)})")
                raise self.error(message, entry.key_pos_of(key))
        where = entry.pos
        for required in ("id", "name", "message", "select"):
            if required not in entry:
                label = f"policy {entry['id']}" if isinstance(entry.get("id"), str) else "a policy"
                raise self.error(f"{label} has no `{required}`", where)
        policy_id = self.string(entry["id"], "id", entry.pos_of("id"))
        if not _ID.fullmatch(policy_id) or policy_id.upper().startswith("CIL"):
            raise self.error(f"policy id `{policy_id}` must be your own prefix and a number, e.g. `ACME001` "
                             "(upper case, ending in a digit; `CIL` is cilint's)", entry.pos_of("id"))
        name = self.string(entry["name"], "name", entry.pos_of("name"))
        if not _NAME.fullmatch(name):
            raise self.error(f"policy name `{name}` must be kebab-case, e.g. `job-timeout`",
                             entry.pos_of("name"))
        for key, value in (("id", policy_id), ("name", name)):
            if value in taken:
                raise self.error(f"policy {key} `{value}` is already used by {taken[value]}",
                                 entry.pos_of(key))
        level = str(entry.get("level", "warning"))
        if level not in LEVELS:
            raise self.error(f"`level` of {policy_id} must be one of {', '.join(LEVELS)}",
                             entry.pos_of("level"))
        message = self.string(entry["message"], "message", entry.pos_of("message"))
        select = self.jsonpath(self.string(entry["select"], "select", entry.pos_of("select")), "select",
                               entry.pos_of("select"), relative=False)
        optional = {key: self.string(entry[key], key, entry.pos_of(key))
                    for key in ("summary", "description", "help_uri") if key in entry}
        tags = tuple(self.string(t, "tags", entry.pos_of("tags")) for t in _items(entry.get("tags")))
        severity = None
        if "security_severity" in entry:
            severity = str(entry["security_severity"])
            try:
                ok = 0.0 <= float(severity) <= 10.0
            except ValueError:
                ok = False
            if not ok:
                raise self.error("`security_severity` must be a number from 0.0 to 10.0",
                                 entry.pos_of("security_severity"))
        return Policy(
            id=policy_id, name=name, level=level, message=message, select=select,
            condition=self.conditions(entry, where, strict=False), path=self.display, line=where.line,
            summary=optional.get("summary"), description=optional.get("description"),
            help_uri=optional.get("help_uri"), tags=tags, security_severity=severity,
        )


def _items(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def _searcher(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda text: pattern.search(text) is not None


# -- the time a policy may take -------------------------------------------------------------


class OverBudget(BaseException):  # (not an Exception: jsonpath-ng's and the conditions' handlers let it through)
    """A policy went over its CPU time (MAX_POLICY_CPU_SECONDS)."""


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Raise OverBudget in the block once the process has spent `seconds` of CPU time in it.

    A repository's policies are its own regular expressions and JSONPaths, evaluated on its own
    pipelines: Python's `re` backtracks without bound (`.*.*x` is cubic in `re.search`), and each
    `..` of a path multiplies what it finds. No cap on their inputs bounds that; a timer does. It
    counts CPU time (ITIMER_VIRTUAL), so a loaded machine does not stop a policy that would finish,
    and it interrupts `re`'s matching loop too. Where there is no such timer (Windows) or off the
    main thread (signals reach only it), or when SIGVTALRM already has a handler, there is no
    budget."""
    usable = (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
              and signal.getsignal(signal.SIGVTALRM) in (signal.SIG_DFL, None))
    if not usable:
        yield
        return

    def over(signum: int, frame: Any) -> None:
        raise OverBudget

    previous = signal.signal(signal.SIGVTALRM, over)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


# -- policies as rules ---------------------------------------------------------------------


@dataclass
class Policy:
    id: str
    name: str
    level: str
    message: str
    select: JsonPath
    condition: _All
    path: str  # the file it is written in, as the user named it
    line: int
    summary: str | None = None
    description: str | None = None
    help_uri: str | None = None
    tags: tuple[str, ...] = ()
    security_severity: str | None = None

    def doc(self) -> str:
        """What `cilint explain` prints and SARIF carries as help."""
        head = self.description or self.summary or self.message
        conditions = "\n".join(f"  {item.describe()}" for item in self.condition.items) or (
            "  (none: every selected element is reported)")
        return (f"{head.strip()}\n\nA policy of this repository, defined in {self.path}:{self.line}.\n\n"
                f"Selects: {self.select.text}\n"
                f"Conditions each selected element must meet (a finding when one fails):\n{conditions}\n"
                f"Message: {self.message}")

    def rule(self) -> Rule:
        return Rule(
            id=self.id, name=self.name, level=self.level,
            summary=self.summary or _first_line(self.description) or self.message,
            doc=self.doc(), options={}, check=self.check,
            tags=("policy", *self.tags), security_severity=self.security_severity,
            help_uri=self.help_uri or POLICY_HELP_URI,
        )

    def check(self, project: Project, options: dict[str, Any]) -> Iterator[Finding]:
        view = _view_for(project)
        try:
            with cpu_budget(MAX_POLICY_CPU_SECONDS):
                found = list(self._findings(project, view))
        except OverBudget:
            raise RuntimeError(
                f"policy {self.id} ({self.path}:{self.line}): stopped after {MAX_POLICY_CPU_SECONDS:g} s of "
                "CPU time (the limit of one policy): a regular expression that backtracks (`(a+)+`, `.*.*x`) "
                "or a `select` whose `..` multiply (`$..[*]..[*]`); simplify it") from None
        yield from found

    def _findings(self, project: Project, view: Any) -> Iterator[Finding]:
        try:
            matches = self.select.find(view)
        except Exception as exc:  # a policy's own mistake, named as such in the internal error
            raise RuntimeError(f"policy {self.id} ({self.path}:{self.line}): `select` failed: {exc}") from exc
        # One finding per node and message, as the built-in rules do: an executor's image is
        # selected once per job using it, a matrix job once per leg, and `$..` may reach an
        # element twice.
        seen: set[tuple[Span, str]] = set()
        for match in matches:
            try:  # without conditions, the selection itself is what the policy reports
                holds = bool(self.condition.items) and self.condition.holds(match.value)
            except Exception as exc:
                raise RuntimeError(f"policy {self.id} ({self.path}:{self.line}): {exc}") from exc
            if holds:
                continue
            span, job = self._location(project, match)
            message = render_message(self.message, match.value)
            if (span, message) not in seen:
                seen.add((span, message))
                yield Finding(message, span, job=job)

    def _location(self, project: Project, match: Any) -> tuple[Span, str | None]:
        """The span of the nearest element holding the match (itself, when it is one), and the
        qualified job around it."""
        span: Span | None = None
        job: str | None = None
        datum = match
        while datum is not None:
            value = datum.value
            if isinstance(value, dict):
                if span is None and isinstance(value.get("span"), dict):
                    span = Span(**value["span"])
                if job is None and isinstance(value.get("qualified"), str):
                    job = value["qualified"]
            datum = datum.context
        if span is None:  # nothing selected stands in a pipeline file: point at the policy
            span = Span(_relative(self.path, project.root), self.line, 1, self.line, 1)
        return span, job


def _display(path: Path) -> str:
    """A file as messages name it: relative to the working directory when it is below it (the
    configuration is found as an absolute path)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return path.as_posix()


def _first_line(text: str | None) -> str | None:
    return text.strip().splitlines()[0] if text and text.strip() else None


def _relative(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def render_message(template: str, element: Any) -> str:
    """`{field.sub}` replaced by the element's value (lists joined with `, `); `{{`/`}}` are
    braces; a placeholder the element does not have is left as written, so a typo shows."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        value: Any = element
        for part in match.group(1).split("."):
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return match.group(0)
        if isinstance(value, list):
            return ", ".join(_as_text(item) for item in value)
        return _as_text(value)

    return _PLACEHOLDER.sub(replace, template)


# The view of the project being checked, built once for all its policies.
_VIEW: tuple[weakref.ref[Project], dict[str, Any]] | None = None


def _view_for(project: Project) -> dict[str, Any]:
    global _VIEW
    if _VIEW is None or _VIEW[0]() is not project:
        from .view import project_view

        _VIEW = (weakref.ref(project), project_view(project))
    return _VIEW[1]


# -- from the configuration ----------------------------------------------------------------


def compile_policies(entries: list[Any], config_path: Path | None, confined_to: Path | None = None) -> list[Rule]:
    """The `policies` of a configuration as rules: each entry a policy mapping, or a string naming
    a YAML file (relative to the configuration) that holds a list of policies (or a mapping with a
    `policies` list). ConfigError at the first mistake, with its file and line. With `confined_to`
    (a configuration found in the checked repository), a file must lie inside that directory."""
    here = _Compiler(_display(config_path) if config_path is not None else "<config>")
    taken: dict[str, str] = {}
    for rule in all_rules():
        taken[rule.id] = taken[rule.name] = f"built-in rule {rule.id} {rule.name}"
    compiled: list[Policy] = []
    for index, entry in enumerate(entries):
        pos = entries.pos_of(index) if isinstance(entries, YSeq) else NOWHERE
        if isinstance(entry, YMap):
            found = [(here, entry)]
        elif isinstance(entry, str):
            found = _file_entries(here, entry, config_path, pos, confined_to)
        else:
            raise here.error("each of `policies` must be a policy (a mapping) or the name of a policy file",
                             pos_of(entry, pos))
        for compiler, item in found:
            policy = compiler.policy(item, taken)
            taken[policy.id] = taken[policy.name] = f"policy {policy.id} ({policy.path}:{policy.line})"
            compiled.append(policy)
    return [policy.rule() for policy in compiled]


def _file_entries(
    here: _Compiler, name: str, config_path: Path | None, pos: Pos, confined_to: Path | None = None,
) -> list[tuple[_Compiler, YMap]]:
    """A policy file's entries, read as pipeline files are (`readfile`): the message of a refusal
    names the file and why, never its content."""
    from .printable import printable
    from .readfile import ReadRefused, contained, read_text_bounded

    base = config_path.parent if config_path is not None else Path(".")
    shown = printable(name)
    try:
        path = contained(name, base, confined_to) if confined_to is not None else base / name
        text = read_text_bounded(path)
    except ReadRefused as exc:
        raise here.error(f"cannot read policy file `{shown}`: {exc}", pos) from exc
    except ValueError as exc:  # a NUL in the name
        raise here.error(f"cannot read policy file `{shown}`: {exc}", pos) from exc
    there = _Compiler(_display(path))
    return [(there, item) for item in _entries_of(there, text)]


def _entries_of(there: _Compiler, text: str) -> list[YMap]:
    """The policies of a policy file: a list of them, or a mapping with only a `policies` list."""
    from .yamlsrc import load

    try:
        documents = load(text)
    except YamlError as exc:
        raise there.error(exc.message, exc.pos) from exc
    if len(documents) != 1 or documents[0].root is None:
        raise there.error("a policy file must be one YAML document: a list of policies", NOWHERE)
    for key, where, _first in documents[0].duplicate_keys:
        raise there.error(f"duplicate key `{key}`", where)
    root = documents[0].root
    if isinstance(root, YMap) and set(root) == {"policies"}:
        root = root["policies"]
    if not isinstance(root, YSeq):
        raise there.error("a policy file must hold a list of policies (or a `policies:` list)", pos_of(root))
    for index, item in enumerate(root):
        if not isinstance(item, YMap):
            raise there.error("each item of a policy file must be a policy (a mapping)", root.pos_of(index))
    return list(root)


def policies_from_text(text: str, display: str = "<policies>") -> list[Policy]:
    """The policies of a policy file's text, compiled (ConfigError at the first mistake): for
    tests and tools that check a policy pack on its own."""
    there = _Compiler(display)
    taken: dict[str, str] = {}
    out = []
    for entry in _entries_of(there, text):
        policy = there.policy(entry, taken)
        taken[policy.id] = taken[policy.name] = f"policy {policy.id} ({policy.path}:{policy.line})"
        out.append(policy)
    return out
