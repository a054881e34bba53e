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
from cilint.linter.model import Project
from cilint.linter.project import build_project

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
