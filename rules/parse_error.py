"""A file that cannot be read or loaded.

cilint reports the file instead of stopping: every other file is still checked. Causes: a YAML
syntax error, bytes that are not UTF-8, a document that is not a mapping (a list, a scalar, an
empty file), duplicate keys (GitHub rejects the file), an unknown CircleCI `version`, a GitHub
workflow over GitHub's 512,000-byte limit, a file cilint will not open (a symbolic link out of the
repository, a named pipe, a file it may not read), or a file over the limits that keep hostile
input safe: 4 MB; nesting 200 levels deep; 250,000 nodes or 8 MB of text once aliases are
expanded; 100 documents; 100,000 job runs, steps and dependencies, or 8 million characters of
`run` scripts, once matrices, commands and calls are expanded. A file over a limit is not checked
at all, rather than checked in part.

Examples: a failing and a passing repository per platform, in `rules/examples/parse-error/`;
`cilint explain CIL001` and docs/rules/parse-error.md show them with what cilint reports.

How to fix: correct the file at the line given; for limits, split the file or remove the
aliases that expand it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..linter.findings import Finding, problem_findings
from ..linter.model import ProblemKind, Project

ID = "CIL001"
NAME = "parse-error"
LEVEL = "error"
LEVELS = ("error",)  # every level its findings take, the default first
SUMMARY = "a pipeline file cannot be read or loaded"
OPTIONS: dict[str, Any] = {}
TAGS = ("correctness",)
SECURITY_SEVERITY = None
PRECISION = "high"


def check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
    return problem_findings(project, ProblemKind.PARSE)
