"""Running the rules in two processes: the same findings as one, and nothing lost when the fork fails."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cilint.linter import share
from cilint.linter.deploy import annotate_deploys
from cilint.linter.engine import Rule, all_rules, run_rules
from cilint.linter.findings import Finding
from cilint.linter.model import Project, Span
from cilint.linter.project import build_project
from cilint.linter.run import SHARE_FROM_JOBS, share_rules
from helpers import FIXTURES, project_for

needs_fork = pytest.mark.skipif(not share.CAN_FORK, reason="two processes only where fork is safe (Linux)")
PARENT = os.getpid()


def _in_child() -> bool:
    return os.getpid() != PARENT


@needs_fork
def test_pieces_come_back_in_order_and_the_child_does_some() -> None:
    def work(index: int) -> tuple[int, int]:
        time.sleep(0.01)  # long enough that both processes take pieces
        return index * index, os.getpid()

    results = share.in_two_processes(work, 20)
    assert [square for square, _ in results] == [i * i for i in range(20)]
    pids = {pid for _, pid in results}
    assert PARENT in pids and len(pids) == 2


@needs_fork
def test_a_child_that_crashes_costs_only_time() -> None:
    def work(index: int) -> int:
        time.sleep(0.01)
        if _in_child():
            raise RuntimeError("the child fails")
        return index

    assert share.in_two_processes(work, 10) == list(range(10))


@needs_fork
def test_a_result_that_cannot_be_pickled_is_redone_here() -> None:
    def work(index: int) -> Any:
        time.sleep(0.01)
        if _in_child():
            return lambda: index  # not picklable
        return index

    assert share.in_two_processes(work, 10) == list(range(10))


def test_without_fork_or_with_one_piece_it_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    assert share.in_two_processes(lambda i: os.getpid(), 1) == [PARENT]
    monkeypatch.setattr(share, "CAN_FORK", False)
    assert share.in_two_processes(lambda i: os.getpid(), 5) == [PARENT] * 5


def _failing_rule() -> Rule:
    def check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
        yield Finding("found before failing", Span("x.yml", 1, 1, 1, 1))
        raise ValueError("broken rule")

    return Rule(id="CIL999", name="broken", level="warning", summary="", doc="", options={}, check=check)


def _outcome(project: Project, share_: bool) -> tuple[list[tuple[Any, ...]], list[tuple[str, str, str]]]:
    rules = [*all_rules(), _failing_rule()]
    result = run_rules(project, rules, {}, {}, share=share_)
    findings = [(f.rule_id, f.span, f.message, f.level, f.job, f.related, f.fingerprint) for f in result.findings]
    return findings, [(e.rule, e.path, e.message) for e in result.errors]


def _fixture_projects(*names: str) -> list[Project]:
    """Every project under these fixture folders, each on its own as `check --nested` builds them
    (each fixture repository is a nested project of cilint's checkout, with its own pipelines)."""
    queue = [FIXTURES / name for name in names]
    projects = []
    while queue:
        nested: list[Path] = []
        project = build_project([queue.pop(0)], nested=nested)
        annotate_deploys(project)
        projects.append(project)
        queue += nested
    return [project for project in projects if project.files]


def test_two_processes_find_what_one_finds() -> None:
    projects = _fixture_projects("rules", "seeds")
    assert len(projects) >= 40  # the rule fixture repositories and the seeds
    fired: set[str] = set()
    for project in projects:
        one = _outcome(project, False)
        two = _outcome(project, True)
        assert two == one, project.root
        fired |= {rule for rule, *_ in one[0]}
        errors = [(rule, message.split(" (")[0]) for rule, _, message in one[1]]
        assert errors == [("broken", "ValueError: broken rule")], project.root
        assert ("CIL999", Span("x.yml", 1, 1, 1, 1), "found before failing") in [f[:3] for f in one[0]]
    assert len(fired - {"CIL999"}) >= 8  # most rules fire on these fixtures


def _project_with_jobs(tmp_path: Path, jobs: int) -> Project:
    lines = ["on: push", "jobs:"]
    for index in range(jobs):
        lines += [f"  j{index}:", "    runs-on: ubuntu-24.04", "    steps:", "      - run: make"]
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "many.yml").write_text("\n".join(lines) + "\n")
    return project_for(tmp_path)


def test_only_large_projects_share_the_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CILINT_PROCESSES", raising=False)
    assert share_rules(_project_with_jobs(tmp_path / "small", SHARE_FROM_JOBS - 1)) is False
    large = _project_with_jobs(tmp_path / "large", SHARE_FROM_JOBS)
    assert share_rules(large) is True
    monkeypatch.setenv("CILINT_PROCESSES", "1")
    assert share_rules(large) is False
