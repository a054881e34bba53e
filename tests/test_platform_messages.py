"""Messages name the platform of the file they are about: a CircleCI config is not "rejected by
GitHub", a workflow is not told to use a CircleCI context. Branch protection and its required
checks are GitHub's on both platforms (CircleCI reports to GitHub), so required-checks may name
GitHub anywhere."""

from __future__ import annotations

from pathlib import Path

from cilint.linter.engine import all_rules, run_rules
from helpers import FIXTURES, project_for

# The platform other than the file's, as messages would name it.
_FOREIGN = {".circleci/": "GitHub", ".github/": "CircleCI"}
_ANY_PLATFORM = {"required-checks"}


def _repositories() -> list[Path]:
    found = {p.parent.parent.parent for p in FIXTURES.rglob(".github/workflows/*.yml")}
    found |= {p.parent.parent for p in FIXTURES.rglob(".circleci/config.yml")}
    return sorted(p for p in found if "hostile" not in p.parts)


def test_no_finding_names_the_other_platform() -> None:
    wrong = []
    for repo in _repositories():
        project = project_for(repo)
        rules = all_rules()
        for finding in run_rules(project, rules, {r.id: dict(r.options) for r in rules}, {}).findings:
            if finding.rule in _ANY_PLATFORM:
                continue
            for prefix, foreign in _FOREIGN.items():
                if finding.span.path.startswith(prefix) and foreign in finding.message:
                    wrong.append(f"{repo.relative_to(FIXTURES)}/{finding.span.path}:{finding.span.line}: "
                                 f"{finding.rule}: {finding.message}")
    assert wrong == []


def test_a_duplicate_key_names_the_platform_that_reads_the_file(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".circleci").mkdir()
    (tmp_path / ".circleci" / "config.yml").write_text(
        "version: 2.1\njobs:\n  a:\n    docker: [{image: cimg/base:2024.01}]\n    steps: [checkout]\n"
        "workflows:\n  w:\n    jobs: [a]\n    jobs: [a]\n")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\non: pull_request\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps: [{run: make}]\n")
    messages = {(p.span.path, p.message) for p in project_for(tmp_path).problems}
    assert (".circleci/config.yml", "duplicate key `jobs` (first at line 8): YAML readers keep only one "
            "of them, silently, and not all the same one") in messages
    assert (".github/workflows/ci.yml",
            "duplicate key `on` (first at line 1): GitHub rejects the workflow file") in messages
