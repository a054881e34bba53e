"""The job DAG is broken: something refers to what does not exist, or cannot run.

A typo in `needs`/`requires` silently changes what gates what, so each of these is an error:

* `needs` / `requires` naming a job that does not exist, or forming a cycle;
* a workflow invoking an undefined job, executor, command or orb (CircleCI);
* a local reusable workflow or action that does not exist in the repository;
* duplicate job names in one workflow; an approval job named like a defined job (CircleCI);
* a tag-filtered CircleCI job whose upstream job has no tag filters (it can never run on tags);
* `<<` merge keys in a GitHub workflow (GitHub supports anchors, not merge keys).

Examples: a failing and a passing repository per platform, in `rules/examples/invalid-reference/`;
`cilint explain CIL002` and docs/rules/invalid-reference.md show them with what cilint reports.

How to fix: name the job as it is defined, or define what is referred to.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..linter.findings import Finding, problem_findings
from ..linter.model import ProblemKind, Project

ID = "CIL002"
NAME = "invalid-reference"
LEVEL = "error"
LEVELS = ("error",)  # every level its findings take, the default first
SUMMARY = "needs/requires, jobs, executors, commands or reusable workflows that do not exist"
OPTIONS: dict[str, Any] = {}
TAGS = ("correctness",)
SECURITY_SEVERITY = None
PRECISION = "high"


def check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
    return problem_findings(project, ProblemKind.REFERENCE)
