"""A file that cannot be read or loaded.

cilint reports the file instead of stopping: every other file is still checked. Causes: a YAML
syntax error, bytes that are not UTF-8, a document that is not a mapping (a list, a scalar, an
empty file), duplicate keys (GitHub rejects the file), an unknown CircleCI `version`, or a file
over the limits that keep hostile input safe (size, nesting depth, alias expansion).

Failing example (a tab where YAML needs spaces)::

    jobs:
    \tbuild:
        runs-on: ubuntu-latest

Passing example::

    jobs:
      build:
        runs-on: ubuntu-latest

How to fix: correct the file at the line given; for limits, split the file or remove the
aliases that expand it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..linter.findings import Finding
from ..linter.model import Project

ID = "CIL001"
NAME = "parse-error"
LEVEL = "error"
SUMMARY = "a pipeline file cannot be read or loaded"
OPTIONS: dict[str, Any] = {}
TAGS = ("correctness",)


def check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
    for problem in project.problems:
        if problem.rule == NAME:
            yield Finding(problem.message, problem.span, job=problem.job, related=list(problem.related))
