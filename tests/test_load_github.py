"""The GitHub Actions loader: what the DAG looks like for each platform feature."""

from __future__ import annotations

from pathlib import Path

import pytest

from cilint.linter.model import JobRun, Pipeline, Project
from cilint.linter.project import build_project
from helpers import findings, project_for, where

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github"


def load(name: str) -> Project:
    return build_project([FIXTURES / name])


def pipeline(project: Project, path: str) -> Pipeline:
    return next(p for p in project.pipelines if p.path == path)


def jobs(project: Project, path: str) -> dict[str, JobRun]:
    return {job.key: job for job in pipeline(project, path).workflows[0].jobs()}


def problems(project: Project) -> list[tuple[str, str, int, int]]:
    return [(p.kind, p.span.path, p.span.line, p.span.column) for p in project.problems]


def labels(job: JobRun) -> list[str]:
    return [t.label() + ("" if t.certain else "?") for t in job.triggers]


@pytest.fixture(scope="module")
def basic() -> Project:
    return load("basic")


@pytest.fixture(scope="module")
def matrix() -> Project:
    return load("matrix")


@pytest.fixture(scope="module")
def reusable() -> Project:
    return load("reusable")


@pytest.fixture(scope="module")
def broken() -> Project:
    return load("broken")


def test_project_root_and_files(basic: Project) -> None:
    assert basic.root == FIXTURES / "basic"
    assert basic.is_repository
    assert [(f.path, f.platform) for f in basic.files] == [(".github/workflows/ci.yml", "github")]
    assert basic.problems == []


def test_triggers_with_filters(basic: Project) -> None:
    ci = pipeline(basic, ".github/workflows/ci.yml")
    assert [(t.event, t.branches, t.span.line) for t in ci.triggers] == [
        ("push", ["main"], 3),
        ("pull_request", None, 5),
    ]


def test_matrix_legs_edges_and_if_narrowing(basic: Project) -> None:
    found = jobs(basic, ".github/workflows/ci.yml")
    assert sorted(found) == ["build (1.17, 26)", "build (1.18, 27)", "build (1.19, 27)", "deploy"]
    graph = pipeline(basic, ".github/workflows/ci.yml").workflows[0].graph
    assert sorted(graph.edges) == [
        ("build (1.17, 26)", "deploy"), ("build (1.18, 27)", "deploy"), ("build (1.19, 27)", "deploy"),
    ]
    deploy = found["deploy"]
    # `if: github.ref == 'refs/heads/main' && github.event_name == 'push'` leaves push(main) only.
    assert labels(deploy) == ["push(main)"]
    assert labels(found["build (1.19, 27)"]) == ["push(main)", "pull_request"]
    assert deploy.environment is not None and deploy.environment.value == "production"
    assert deploy.environment.span.line == 33
    assert [(i.ref, i.kind, i.span.line) for i in deploy.images] == [("node:20", "container", 35)]
    assert deploy.qualified == ".github/workflows/ci.yml:CI/deploy"


def test_steps_commands_lines_env_secrets_cache(basic: Project) -> None:
    build = jobs(basic, ".github/workflows/ci.yml")["build (1.19, 27)"]
    kinds = [s.kind for s in build.steps]
    assert kinds == ["checkout", "uses", "run"]
    run = build.steps[2]
    assert [(c.argv, c.span.line, c.span.column) for c in run.commands] == [
        (["mix", "deps.get"], 26, 11),
        (["mix", "compile", "--warnings-as-errors"], 27, 11),
    ]
    assert run.env["MIX_ENV"].level == "workflow" and run.env["MIX_ENV"].value.value == "test"
    assert run.env["TOKEN"].reference
    assert [(s.name, s.via, s.where, s.span.line) for s in build.secrets] == [
        ("HEX_TOKEN", "expression", "env", 29)
    ]
    cache = build.steps[1].cache
    assert cache is not None and cache.action == "save+restore"
    assert cache.key is not None and "hashFiles('**/mix.lock')" in cache.key.value
    assert cache.key.span.line == 24
    assert [p.value for p in cache.paths] == ["deps"]


def test_matrix_check_names(matrix: Project) -> None:
    found = jobs(matrix, ".github/workflows/matrix.yml")
    checks = {key: [(c.name, c.pattern, c.when_skipped) for c in job.checks] for key, job in found.items()}
    # Declared order of dimensions; exclude removes one leg; include extends one (its added
    # value is part of the name) and adds one; the unquoted 3.10 is the float 3.1, as GitHub reads it.
    assert checks["test (ubuntu-latest, 3.11, true)"] == [("test (ubuntu-latest, 3.11, true)", False, False)]
    assert "test (ubuntu-latest, 3.1)" in checks
    assert "test (macos-latest, 3.1)" not in checks
    assert checks["test (windows-latest, 3.12)"] == [("test (windows-latest, 3.12)", False, False)]
    assert found["test (ubuntu-latest, 3.11, true)"].matrix["experimental"] is True
    # A name with an expression gets no suffix; it is evaluated per leg.
    assert checks["e2e (chrome)"] == [("E2E chrome", False, False)]
    # A matrix job with `if:` also reports its raw name when skipped.
    assert checks["lint"] == [("Lint (ruff)", False, False), ("Lint", False, True)]
    # A matrix from an expression: the name is only known as a pattern.
    assert checks["dynamic"] == [("dynamic (*)", True, False)]
    # Object values are flattened to their leaves.
    assert checks["objects"] == [("objects (core, tests/core)", False, False)]


def test_matrix_values_resolve_images(matrix: Project) -> None:
    found = jobs(matrix, ".github/workflows/matrix.yml")
    image = found["test (ubuntu-latest, 3.1)"].images[0]
    assert (image.ref, image.written, image.resolved) == ("python:3.1-slim", "python:${{ matrix.python }}-slim", True)
    assert image.span.line == 19


def test_reusable_workflow_callee_jobs_in_caller_dag(reusable: Project) -> None:
    found = jobs(reusable, ".github/workflows/ci.yml")
    assert found["checks"].kind == "call" and found["checks"].checks == []
    lint, test = found["checks/lint"], found["checks/test"]
    # `<caller name> / <callee name>`, inputs passed by the caller evaluated.
    assert [c.name for c in lint.checks] == ["Checks / Lint (strict)"]
    assert [c.name for c in test.checks] == ["Checks / test"]
    assert lint.span.path == ".github/workflows/checks.yml" and lint.span.line == 9
    graph = pipeline(reusable, ".github/workflows/ci.yml").workflows[0].graph
    assert sorted(graph.edges) == [
        ("checks", "checks/lint"), ("checks/lint", "checks/test"), ("checks/test", "deploy"), ("setup", "checks"),
    ]
    assert labels(lint) == ["push(main)", "pull_request"]
    assert [(s.via, s.span.line) for s in found["checks"].secrets] == [("inherit", 19)]


def test_remote_reusable_workflow_and_references(reusable: Project) -> None:
    found = jobs(reusable, ".github/workflows/ci.yml")
    assert [(c.name, c.pattern) for c in found["external"].checks] == [("external / *", True)]
    refs = {(r.kind, r.name, r.version, r.comment) for r in pipeline(reusable, ".github/workflows/ci.yml").references}
    assert ("workflow", "octo-org/shared/.github/workflows/build.yml", "main", None) in refs
    assert ("action", "actions/checkout", "b4ffde65f46336ab88eb53be808477a3936bae11", "v4.1.1") in refs


def test_missing_local_workflow_is_invalid_reference(reusable: Project) -> None:
    assert problems(reusable) == [("invalid-reference", ".github/workflows/ci.yml", 31, 11)]


def test_composite_action_steps_inlined(reusable: Project) -> None:
    setup = jobs(reusable, ".github/workflows/ci.yml")["setup"]
    assert [(s.kind, s.origin) for s in setup.steps] == [
        ("uses", None),
        ("uses", "composite:.github/actions/setup"),
        ("run", "composite:.github/actions/setup"),
        ("checkout", None),
    ]
    cache = setup.steps[1].cache
    assert cache is not None and (cache.action, cache.tool, cache.key_files) == (
        "builtin", "npm", ["package-lock.json", "npm-shrinkwrap.json"])
    assert setup.steps[2].span.path == ".github/actions/setup/action.yml"
    action = pipeline(reusable, ".github/actions/setup/action.yml")
    assert action.platform == "action" and len(action.action_steps) == 2


def test_environment_mapping_and_workflow_run_link(reusable: Project) -> None:
    deploy = jobs(reusable, ".github/workflows/ci.yml")["deploy"]
    assert deploy.environment is not None and deploy.environment.value == "production"
    assert [(link.upstream.name, link.downstream.name) for link in reusable.links] == [("CI", "After CI")]


def test_broken_files_are_problems_not_crashes(broken: Project) -> None:
    assert problems(broken) == [
        ("parse-error", ".github/workflows/bytes.yml", 4, 15),
        ("parse-error", ".github/workflows/dup.yml", 7, 3),
        ("parse-error", ".github/workflows/empty.yml", 1, 1),
        ("parse-error", ".github/workflows/list.yml", 1, 1),
        ("invalid-reference", ".github/workflows/merge.yml", 6, 5),
        ("invalid-reference", ".github/workflows/needs.yml", 3, 3),
        ("invalid-reference", ".github/workflows/needs.yml", 8, 12),
        ("parse-error", ".github/workflows/tabs.yml", 4, 1),
    ]
    messages = {p.span.path: p.message for p in broken.problems}
    assert "needs `tests`" in next(p.message for p in broken.problems if p.span.line == 8)
    assert "a -> c -> a" in next(p.message for p in broken.problems if p.span.line == 3 and "cycle" in p.message)
    assert "not a list" in messages[".github/workflows/list.yml"]
    # The other files still load.
    assert {p.path for p in broken.pipelines} == {
        ".github/workflows/dup.yml", ".github/workflows/merge.yml", ".github/workflows/needs.yml"}


# -- issue 14: steps of `parallel:` groups, checked-out local actions, setup actions' exports --

STEPS = "github/steps"
STEPS_CI = ".github/workflows/ci.yml"


def test_parallel_group_steps_are_steps_of_the_job() -> None:
    (pipeline,) = [p for p in project_for(STEPS).pipelines if p.path == STEPS_CI]
    grouped = pipeline.workflows[0].job("grouped")
    assert [(s.name, s.span.line) for s in grouped.steps] == [(None, 7), ("Lint", 9), ("Docs", 11)]
    found = findings("warnings-as-errors", STEPS)
    assert (STEPS_CI, 10, "warning") in where(found)  # `cargo clippy` inside the group


def test_setup_rust_toolchain_exports_rustflags_unless_its_input_is_empty() -> None:
    lines = {f.span.line for f in findings("warnings-as-errors", STEPS) if f.span.path == STEPS_CI}
    assert 18 not in lines  # default inputs: RUSTFLAGS=-D warnings for the later steps
    assert 26 in lines  # `rustflags: ""`: the action sets nothing


def test_local_actions_under_a_checkout_path() -> None:
    found = findings("invalid-reference", STEPS)
    # `./main/...` after a checkout with `path: main` is `.github/actions/setup` of the repository
    # (inlined); `./tools/build` is another repository's: nothing certain; a missing one of ours is.
    assert where(found) == [(STEPS_CI, 39, "error")]
    assert "./main/.github/actions/missing" in found[0].message


def test_missing_local_files_are_notes_in_a_tree_of_pipelines_alone() -> None:
    """A copy of `.github/` alone says nothing certain about the repository's other files: a local
    action or reusable workflow it lacks is one note per place; with any other file (README.md)
    the tree is a repository, and what it lacks is missing."""
    from helpers import findings, project_for, where

    ci_file = ".github/workflows/ci.yml"
    # .github/dependabot.yml and samples/sample-workflow.yaml (YAML) do not count
    assert not project_for("github/contents/pipelines-only").holds_repository_contents
    assert project_for("github/contents/with-readme").holds_repository_contents
    notes = findings("invalid-reference", "github/contents/pipelines-only")
    assert where(notes) == [(ci_file, 8, "note"), (ci_file, 9, "note"), (ci_file, 12, "note")]
    assert notes[0].message.startswith("cannot check `./.github/actions/setup`: the files checked are pipelines only")
    assert where(findings("invalid-reference", "github/contents/with-readme")) == [
        (ci_file, 8, "error"), (ci_file, 9, "error"), (ci_file, 12, "error")]
