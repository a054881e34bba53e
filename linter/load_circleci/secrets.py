"""Secrets: the variables a job reads that it does not set itself (`JobRun.secrets`).

What is left after the job's and steps' `environment`, the names its scripts assign and the
variables the executor provides (`BUILTIN_VARS`, `CIRCLE_*`) must come from a context or the
project settings. Which of those names look secret is the rule's call, not the loader's.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ..model import JobRun, SecretRef, SecretWhere, Span, Text

# Variables the executor provides: a `$NAME` of these is not a secret from a context.
BUILTIN_VARS = frozenset({
    "HOME", "PATH", "PWD", "OLDPWD", "BASH_ENV", "USER", "SHELL", "CI", "CIRCLECI", "HOSTNAME",
    "TERM", "LANG", "LC_ALL", "TMPDIR", "RANDOM", "UID", "EUID", "PPID", "SECONDS", "LINENO",
    "IFS", "OSTYPE", "HOSTTYPE", "BASH_SOURCE", "BASH_VERSION", "BASH_REMATCH", "PIPESTATUS",
    "FUNCNAME", "REPLY", "OPTARG", "OPTIND", "GOPATH", "JAVA_HOME",
})
BUILTIN_PREFIXES = ("CIRCLE_",)

# `$NAME` and `${NAME...}` (up to the next `}`), not `\$NAME` nor `$$`. The search for that `}`
# is done in `_variables`, once for the whole text: in a pattern (`${NAME[^}]*}`) each `${` of a
# text without one more `}` would scan to its end again.
_VAR = re.compile(r"(?<![\\$])\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")
# Names a script sets itself: `NAME=`, `export NAME=`, `for NAME in`, `read [-r] NAME`.
_ASSIGNED = re.compile(
    r"(?:^|[\s;&|(`])(?:export\s+|local\s+|readonly\s+|declare\s+(?:-\w+\s+)*)?([A-Za-z_]\w*)\+?="
    r"|\bfor\s+([A-Za-z_]\w*)\s+in\b"
    r"|\bread\s+(?:-\w+\s+)*([A-Za-z_]\w*)"
)
_NOTHING: frozenset[str] = frozenset()


def _builtin(name: str) -> bool:
    return name in BUILTIN_VARS or name.startswith(BUILTIN_PREFIXES)


# Both scan the scripts of every step of every job, and inlined commands repeat the same scripts
# and lines in many jobs (22,341 scripts and 131,649 lines for the 151 corpus configs, most of
# them repeats): each text is scanned once.
@lru_cache(maxsize=16384)
def _variables(value: str) -> tuple[tuple[str, int, int], ...]:
    """`$NAME` / `${NAME}` uses in a string: (name, start, end)."""
    found = []
    close = -1  # the next `}` at or after the last place looked from (len: none)
    position = 0
    while (m := _VAR.search(value, position)) is not None:
        position = m.end()
        if m.group(2) is not None:
            found.append((m.group(2), m.start(), m.end()))
            continue
        if close < m.end():
            close = value.find("}", m.end())
            close = len(value) if close < 0 else close
        if close < len(value):  # `${NAME…}`: it ends at the `}`, and the search goes on after it
            position = close + 1
            found.append((m.group(1), m.start(), position))
        else:  # no `}` after it: not a use
            position = m.start() + 1
    return tuple(found)


@lru_cache(maxsize=4096)
def _assigned(script: str) -> frozenset[str]:
    # Every match holds `=`, `for` or `read` (one per branch of the pattern): a script with none
    # of them (`npm ci`, `echo ...`) is not searched.
    if "=" not in script and "for" not in script and "read" not in script:
        return _NOTHING
    return frozenset(next(g for g in m.groups() if g) for m in _ASSIGNED.finditer(script))


def _line_span(lines: list[str], text: Text, index: int, line: str, start: int, end: int) -> Span:
    """Where `line[start:end]` of a (substituted) script stands in the source: substitution moves
    columns, so find the same token on the written line when the line was changed."""
    span = text.line_span(index, start, end)
    if text.body_line is None or not 0 < span.line <= len(lines):
        return span
    written = lines[span.line - 1][text.body_column - 1:]
    if written.startswith(line):
        return span
    token = line[start:end]
    column = -1
    for _ in range(line.count(token, 0, start) + 1):
        column = written.find(token, column + 1)
        if column < 0:
            return span  # it came from a parameter value: the line is the best we can say
    first = text.body_column + column
    return Span(span.path, span.line, first, span.line, first + len(token))


def job_secrets(job: JobRun, lines: list[str]) -> list[SecretRef]:
    """Every variable the job reads that it does not set itself: what must come from a context or
    the project settings. Built-ins are left out; which names are secret-like is the rule's call."""
    defined = set(job.env)
    for step in job.steps:
        defined.update(step.env)
        if step.run is not None:
            defined.update(_assigned(step.run.value))
    found: dict[tuple[str, Any, str], SecretRef] = {}

    def add(name: str, span: Any, where: SecretWhere, step: int | None = None, setting: str | None = None) -> None:
        # `TOKEN: $TOKEN` sets TOKEN from the context's TOKEN: a use, not a definition.
        if (name not in defined or name == setting) and not _builtin(name):
            found.setdefault((name, span, where), SecretRef(name, span, "variable", where, step))

    for var in job.env.values():
        for name, _, _ in _variables(var.value.value):
            add(name, var.value.span, "env", setting=var.name)
    for image in job.images:
        for name, _, _ in _variables(image.ref):
            add(name, image.span, "image")
        for text in image.auth.values():
            for name, _, _ in _variables(text.value):
                add(name, text.span, "auth")
    for index, step in enumerate(job.steps):
        for var in step.env.values():
            if var.level == "step":
                for name, _, _ in _variables(var.value.value):
                    add(name, var.value.span, "env", index, var.name)
        for text in step.inputs.values():
            for name, _, _ in _variables(text.value):
                add(name, text.span, "with", index)
        # Every variable use has a `$`: most scripts and lines have none to look for.
        if step.run is not None and "$" in step.run.value:
            for line_no, line in enumerate(step.run.value.split("\n")):
                if "$" not in line or line.lstrip().startswith("#"):
                    continue
                for name, start, end in _variables(line):
                    add(name, _line_span(lines, step.run, line_no, line, start, end), "run", index)
    return list(found.values())
