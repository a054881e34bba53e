"""What a rule reports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from .model import ProblemKind, Project, Span

LEVELS = ("note", "warning", "error")
# How a finding was suppressed, as SARIF names it: by a comment in the file, by the baseline
Suppression = Literal["inSource", "external"]


def level_rank(level: str) -> int:
    return LEVELS.index(level)


@dataclass
class Finding:
    """One problem at one place. Rules fill `message`, `span`, optionally `job`, `level` (else the
    rule's level) and `related` (annotated locations, e.g. the jobs of an unapproved path); the
    engine fills the rule id and name, the configured level and the fingerprint."""

    message: str
    span: Span
    job: str | None = None
    level: str | None = None
    related: list[tuple[Span, str]] = field(default_factory=list)
    rule_id: str = ""
    rule: str = ""
    fingerprint: str = ""
    suppressed: Suppression | None = None
    justification: str = ""

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.path, self.span.line, self.span.column, self.rule_id, self.message)


def problem_findings(project: Project, kind: ProblemKind) -> Iterator[Finding]:
    """The loaders' problems of one kind as findings (what CIL001 and CIL002 report). A problem
    that asserts a repository file is absent is, when the tree holds only pipeline files
    (`Project.holds_repository_contents`), one note per place that cilint cannot tell."""
    unsure: set[tuple[Span, str]] = set()
    for problem in project.problems:
        if problem.kind != kind:
            continue
        if problem.absent is not None and not project.holds_repository_contents:
            if (problem.span, problem.absent) not in unsure:
                unsure.add((problem.span, problem.absent))
                yield Finding(f"cannot check `{problem.absent}`: the files checked are pipelines only, not the "
                              "repository's other files, so whether it exists is unknown", problem.span,
                              job=problem.job, level="note")
            continue
        yield Finding(problem.message, problem.span, job=problem.job, related=list(problem.related))
