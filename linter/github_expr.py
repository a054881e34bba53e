"""GitHub Actions expressions (`${{ ... }}`), read just far enough to lint.

Two uses:
* `substitute(text, values)` replaces `${{ matrix.x }}`-style references whose value is known
  (matrix values, literal inputs) and leaves the rest as written;
* `evaluate(expression, context)` evaluates an `if:` condition in three-valued logic: True, False,
  or UNKNOWN when it depends on something we cannot know from the files (a PR's labels, secrets,
  step outputs). Strings compare case-insensitively, as GitHub does.

The grammar is GitHub's: literals, property access (`a.b`, `a['b']`, `a.*`), function calls,
`!`, `<`, `<=`, `>`, `>=`, `==`, `!=`, `&&`, `||`, parentheses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

from .lazyre import lazy
from .loadutil import TemplatePattern, scalar_str
from .model import JobRun


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:  # pragma: no cover - guard against silent misuse
        raise TypeError("UNKNOWN has no truth value; use truth()")


UNKNOWN: Any = _Unknown()


@dataclass(frozen=True)
class Pattern:
    """A string known only up to a glob (`refs/heads/*`): a ref we cannot pin down."""

    glob: str

    def prefix(self) -> str:
        match = re.match(r"[^*?\[]*", self.glob)
        return match.group(0) if match else ""


# (linear where `re.compile` of it is quadratic in a text of unclosed `${{`: loadutil.TemplatePattern)
EXPRESSION = TemplatePattern(r"\$\{\{(.*?)\}\}", "}}")
_TOKEN = lazy(
    r"\s*(?:(?P<num>-?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?))"
    r"|(?P<str>'(?:[^']|'')*')"
    r"|(?P<op>&&|\|\||==|!=|<=|>=|[!<>()\[\].,*])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)


def strip(condition: str) -> str:
    """`${{ x }}` -> `x` when the whole condition is one expression (GitHub allows both forms)."""
    text = condition.strip()
    match = EXPRESSION.fullmatch(text)
    return match.group(1).strip() if match else text


def substitute(text: str, lookup: Callable[[str], Any]) -> tuple[str, bool]:
    """Replace each `${{ expr }}` whose value `lookup` knows; (result, fully resolved)."""
    resolved = True

    def replace(match: re.Match[str]) -> str:
        nonlocal resolved
        value = lookup(match.group(1).strip())
        if value is UNKNOWN:
            resolved = False
            return match.group(0)
        return to_str(value)

    return EXPRESSION.sub(replace, text), resolved


def to_str(value: Any) -> str:
    """A value as an expression turns it into text (as a YAML scalar reads; a Pattern as its glob)."""
    return value.glob if isinstance(value, Pattern) else scalar_str(value)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if not match or match.end() == pos:
                raise ValueError(f"cannot read expression at {text[pos:pos + 10]!r}")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            pos = match.end()
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, value: str) -> None:
        if self.peek() != value:
            raise ValueError(f"expected {value!r}")
        self.i += 1


# The AST is nested tuples: ("lit", v), ("ctx", [path...]), ("call", name, [args]), ("not", x),
# ("op", op, a, b), ("and", a, b), ("or", a, b).
Node = tuple[Any, ...]
_COMPARE = ("==", "!=", "<", "<=", ">", ">=")


@lru_cache(maxsize=4096)
def _parsed(text: str) -> Node:
    """`parse`, once per text: the same conditions come back for every trigger and matrix leg
    (and across workflows). The tree is not changed by evaluation. Errors are not cached."""
    return parse(text)


def parse(text: str) -> Node:
    parser = _Parser(text)
    node = _or(parser)
    if parser.peek() is not None:
        raise ValueError(f"unexpected {parser.peek()!r}")
    return node


def _or(p: _Parser) -> Node:
    node = _and(p)
    while p.peek() == "||":
        p.take()
        node = ("or", node, _and(p))
    return node


def _and(p: _Parser) -> Node:
    node = _compare(p)
    while p.peek() == "&&":
        p.take()
        node = ("and", node, _compare(p))
    return node


def _compare(p: _Parser) -> Node:
    node = _unary(p)
    while p.peek() in _COMPARE:
        op = p.take()[1]
        node = ("op", op, node, _unary(p))
    return node


def _unary(p: _Parser) -> Node:
    if p.peek() == "!":
        p.take()
        return ("not", _unary(p))
    return _primary(p)


def _primary(p: _Parser) -> Node:
    kind, value = p.take()
    if value == "(":
        node = _or(p)
        p.expect(")")
        return node
    if kind == "num":
        return ("lit", float(int(value, 16)) if value.startswith("0x") else float(value))
    if kind == "str":
        return ("lit", value[1:-1].replace("''", "'"))
    if kind != "name":
        raise ValueError(f"unexpected {value!r}")
    lowered = value.lower()
    if lowered in ("true", "false"):
        return ("lit", lowered == "true")
    if lowered == "null":
        return ("lit", None)
    if p.peek() == "(":
        p.take()
        args: list[Node] = []
        while p.peek() != ")":
            args.append(_or(p))
            if p.peek() == ",":
                p.take()
        p.expect(")")
        return ("call", lowered, args)
    path = [value]
    while p.peek() in (".", "["):
        if p.take()[1] == ".":
            path.append(p.take()[1])
        else:
            index = _or(p)
            p.expect("]")
            path.append(to_str(index[1]) if index[0] == "lit" else "*")
    return ("ctx", path)


def truth(value: Any) -> Any:
    """GitHub truthiness, or UNKNOWN."""
    if value is UNKNOWN or isinstance(value, Pattern):
        return UNKNOWN
    return value not in (None, False, 0, 0.0, "")


def _not(value: Any) -> Any:
    value = truth(value)
    return UNKNOWN if value is UNKNOWN else not value


def _equal(a: Any, b: Any) -> Any:
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    if isinstance(a, Pattern) or isinstance(b, Pattern):
        pattern, other = (a, b) if isinstance(a, Pattern) else (b, a)
        if isinstance(other, Pattern):
            return UNKNOWN
        return UNKNOWN if fnmatchcase(to_str(other).lower(), pattern.glob.lower()) else False
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return UNKNOWN  # equal only as the same instance
    if type(a) is not type(b):  # GitHub's loose equality: both as numbers
        x, y = _number(a), _number(b)
        return x == y  # NaN equals nothing
    return a == b


def _number(value: Any) -> float:
    """GitHub's coercion to a number ("Operators": null 0, true 1, false 0, a string parsed as a
    JSON number, the empty string 0, anything else NaN)."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if text == "":
        return 0.0
    try:
        return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
    except ValueError:
        return float("nan")


def _starts_with(a: Any, b: Any) -> Any:
    if a is UNKNOWN or b is UNKNOWN or isinstance(b, Pattern):
        return UNKNOWN
    needle = to_str(b).lower()
    if isinstance(a, Pattern):
        prefix = a.prefix().lower()
        if prefix.startswith(needle):
            return True
        if not needle.startswith(prefix):
            return False
        # `[0-9]*/merge` (a pull request's ref name) cannot start with `v4`.
        rest = a.glob[len(prefix):]
        char_class = rest[: rest.index("]") + 1] if rest.startswith("[") and "]" in rest else None
        if char_class is not None and not fnmatchcase(needle[len(prefix)], char_class):
            return False
        return UNKNOWN
    return to_str(a).lower().startswith(needle)


def _ends_with(a: Any, b: Any) -> Any:
    if a is UNKNOWN or b is UNKNOWN or isinstance(a, Pattern) or isinstance(b, Pattern):
        return UNKNOWN
    return to_str(a).lower().endswith(to_str(b).lower())


def _contains(a: Any, b: Any) -> Any:
    if a is UNKNOWN or b is UNKNOWN or isinstance(a, Pattern) or isinstance(b, Pattern):
        return UNKNOWN
    if isinstance(a, list):
        return any(_equal(item, b) is True for item in a)
    return to_str(b).lower() in to_str(a).lower()


# Status functions, as seen when deciding whether a job can run at all.
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "success": lambda: True,
    "always": lambda: True,
    "cancelled": lambda: False,
    "failure": lambda: UNKNOWN,
    "startswith": _starts_with,
    "endswith": _ends_with,
    "contains": _contains,
}


# The same, in the run where a need failed (an approval was rejected, a test went red).
_AFTER_FAILURE: dict[str, Callable[..., Any]] = {
    **_FUNCTIONS,
    "success": lambda: False,
    "failure": lambda: True,
}


def evaluate(
    node: Node, context: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]] = _FUNCTIONS
) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "ctx":
        return _lookup(context, node[1])
    if kind == "not":
        return _not(evaluate(node[1], context, functions))
    if kind == "and":
        left = truth(evaluate(node[1], context, functions))
        if left is False:
            return False
        right = truth(evaluate(node[2], context, functions))
        if right is False:
            return False
        return UNKNOWN if UNKNOWN in (left, right) else True
    if kind == "or":
        left = truth(evaluate(node[1], context, functions))
        if left is True:
            return True
        right = truth(evaluate(node[2], context, functions))
        if right is True:
            return True
        return UNKNOWN if UNKNOWN in (left, right) else False
    if kind == "op":
        a, b = evaluate(node[2], context, functions), evaluate(node[3], context, functions)
        if node[1] == "==":
            return _equal(a, b)
        if node[1] == "!=":
            return _not(_equal(a, b))
        return UNKNOWN
    if kind == "call":
        function = functions.get(node[1])
        if function is None:
            return UNKNOWN
        args = [evaluate(arg, context, functions) for arg in node[2]]
        try:
            return function(*args)
        except TypeError:
            return UNKNOWN
    return UNKNOWN


def _lookup(context: Mapping[str, Any], path: list[str]) -> Any:
    value: Any = context
    for part in path:
        if isinstance(value, Every):
            value = value.value
        elif value is None:  # a property of null is null
            return None
        elif isinstance(value, Mapping):
            lowered = {str(k).lower(): v for k, v in value.items()}
            if part.lower() not in lowered:
                return UNKNOWN
            value = lowered[part.lower()]
        else:
            return UNKNOWN
    return value


def condition_value(condition: str, context: Mapping[str, Any]) -> Any:
    """Truth of an `if:` condition in `context`; UNKNOWN when unreadable."""
    try:
        return truth(evaluate(_parsed(strip(condition)), context))
    except (ValueError, IndexError, RecursionError):
        return UNKNOWN


def runs_after_failed_need(condition: str | None) -> Any:
    """Whether a job still runs when one of its needs failed (True, False or UNKNOWN).

    A rejected deployment approval fails the job that waits for it; a job whose `if:` holds
    after a failure (`always()`, `failure()`, `!cancelled()`) runs anyway, so an approval
    upstream does not gate it. The needs' results are taken as failed (`needs.x.result`).
    Without `if:` GitHub uses `success()`: the job is skipped."""
    if condition is None or condition.strip() == "" or not uses_status_function(condition):
        return False
    context = {"needs": _failed_needs()}
    try:
        return truth(evaluate(_parsed(strip(condition)), context, _AFTER_FAILURE))
    except (ValueError, IndexError, RecursionError):
        return UNKNOWN


@dataclass(frozen=True)
class Every:
    """A context object whose every key holds the same value (`needs.<any>`, or `inputs` of an
    event that has none, where every input reads as null)."""

    value: Any


def _failed_needs() -> Every:
    """`needs.<any>.result` is `failure`; other fields are unknown."""
    return Every({"result": "failure"})


def uses_status_function(condition: str) -> bool:
    """`always()`, `failure()`, `cancelled()`: the job may run although a need did not succeed."""
    return bool(re.search(r"\b(always|failure|cancelled)\s*\(", condition))


# -- facts of a job, read once by the loader -----------------------------------------------

# `github.event.workflow_run.conclusion == 'success'`: the run follows only a successful one.
_CONCLUSION_SUCCESS = lazy(r"workflow_run\s*\.\s*conclusion\s*==\s*'success'", re.I)
_QUOTED = lazy(r"'([^']+)'")


def read_job_facts(run: JobRun) -> None:
    """Set what rules read of a job's `if:` and `environment` (see `JobRun`)."""
    condition = run.condition.value if run.condition is not None else None
    after = runs_after_failed_need(condition)
    run.runs_after_failed_need = None if after is UNKNOWN else bool(after)
    run.requires_upstream_success = condition is not None and _CONCLUSION_SUCCESS.search(condition) is not None
    if run.environment is not None:
        run.environment_names, run.environment_chosen_at_run_time = environment_names(run.environment.value)


def environment_names(value: str) -> tuple[list[str], bool]:
    """The environments a job's `environment` can name, and whether an expression chooses among
    them at run time (then: the quoted names it mentions, none when it mentions none)."""
    if "${{" in value:
        return _QUOTED.findall(value), True
    name = value.strip()
    return ([name] if name else []), False
