"""Running one rule on a fixture, as the tests of every rule do."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from cilint.linter.cli import main
from cilint.linter.deploy import annotate_deploys
from cilint.linter.engine import find_rule, run_rules
from cilint.linter.findings import Finding
from cilint.linter.load_circleci import load_circleci
from cilint.linter.load_github import load_action, load_workflow
from cilint.linter.loadutil import Source
from cilint.linter.model import Pipeline, Problem, Project
from cilint.linter.project import build_project
from cilint.linter.yamlsrc import load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def project_for(*paths: Path | str, **settings: Any) -> Project:
    """Load fixture paths (relative to fixtures/) as `cilint check` would; `settings` sets
    Project fields the configuration fills (protected_environments, context_variables, ...)."""
    project = build_project([FIXTURES / p for p in paths])
    for key, value in settings.items():
        setattr(project, key, value)
    annotate_deploys(project)
    return project


def findings(rule: str, *paths: Path | str, options: dict[str, Any] | None = None,
             **settings: Any) -> list[Finding]:
    found = find_rule(rule)
    assert found is not None, rule
    project = project_for(*paths, **settings)
    result = run_rules(project, [found], {found.id: options or {}}, {})
    assert result.errors == [], result.errors
    return result.findings


def where(found: list[Finding]) -> list[tuple[str, int, str]]:
    """(path, line, level) of each finding: what tests assert exactly."""
    return [(f.span.path, f.span.line, f.level or "") for f in found]


def cli(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    """`cilint ARGS` in `cwd`, in process: exit code, standard output, standard error."""
    old = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def source_of(text: str, path: str) -> tuple[Source, Any]:
    problems: list[Problem] = []
    return Source(path, text.splitlines(), problems), load(text)[0].root


def github_pipeline(text: str, path: str = ".github/workflows/ci.yml") -> Pipeline:
    """A GitHub workflow's pipeline from its text, loaded alone (no local actions)."""
    source, root = source_of(text, path)
    return load_workflow(source, root, lambda _: None)


def action_pipeline(text: str, path: str = "action.yml") -> Pipeline:
    source, root = source_of(text, path)
    return load_action(source, root)


def circleci_pipeline(text: str, path: str = ".circleci/config.yml") -> Pipeline:
    source, root = source_of(text, path)
    return load_circleci(source, root)
