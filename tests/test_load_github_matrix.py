"""GitHub matrices as GitHub documents them (`jobs.<job_id>.strategy.matrix`, `include`, `exclude`):
the combinations, their check names, and the images of their legs; then two rules whose findings
depend on them, to the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cilint.linter.loadutil import scalar_str
from cilint.linter.model import JobRun, Project
from cilint.linter.project import build_project
from helpers import findings, where

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CI = ".github/workflows/ci.yml"


@pytest.fixture(scope="module")
def project() -> Project:
    return build_project([FIXTURES / "github" / "matrix-include"])


def legs(project: Project, job_id: str) -> list[JobRun]:
    pipeline = next(p for p in project.pipelines if p.path == ".github/workflows/include.yml")
    return [job for job in pipeline.workflows[0].jobs() if job.job_id == job_id]


def values(job: JobRun) -> dict[str, str]:
    return {key: scalar_str(value) for key, value in job.matrix.items()}


def checks(project: Project, job_id: str) -> list[str]:
    return [check.name for job in legs(project, job_id) for check in job.checks]


def test_github_fruit_animal_example_is_six_jobs(project: Project) -> None:
    # The example of GitHub's docs, combination for combination and in its order.
    expected: list[dict[str, Any]] = [
        {"fruit": "apple", "animal": "cat", "color": "pink", "shape": "circle"},
        {"fruit": "apple", "animal": "dog", "color": "green", "shape": "circle"},
        {"fruit": "pear", "animal": "cat", "color": "pink"},
        {"fruit": "pear", "animal": "dog", "color": "green"},
        {"fruit": "banana"},
        {"fruit": "banana", "animal": "cat"},  # not merged into `{fruit: banana}`: include made that one
    ]
    assert [values(job) for job in legs(project, "fruit")] == expected
    assert checks(project, "fruit") == [
        "fruit (apple, cat, pink, circle)",
        "fruit (apple, dog, green, circle)",
        "fruit (pear, cat, pink)",
        "fruit (pear, dog, green)",
        "fruit (banana)",
        "fruit (banana, cat)",
    ]


def test_include_only_matrix_has_one_job_per_entry(project: Project) -> None:
    found = legs(project, "sites")
    assert [values(job) for job in found] == [
        {"site": "production", "datacenter": "site-a"},
        {"site": "staging", "datacenter": "site-b"},
    ]
    assert checks(project, "sites") == ["sites (production, site-a)", "sites (staging, site-b)"]
    assert [job.key for job in found] == ["sites (production, site-a)", "sites (staging, site-b)"]


def test_include_extends_some_combinations_and_adds_one(project: Project) -> None:
    # `{node: 20, coverage: true}` extends both node-20 combinations (its added value is part of
    # their check names); `{os: macos-latest, node: 20}` overwrites every `os`: a new combination,
    # which the earlier entry does not extend.
    assert [values(job) for job in legs(project, "test")] == [
        {"os": "ubuntu-latest", "node": "18"},
        {"os": "ubuntu-latest", "node": "20", "coverage": "true"},
        {"os": "windows-latest", "node": "18"},
        {"os": "windows-latest", "node": "20", "coverage": "true"},
        {"os": "macos-latest", "node": "20"},
    ]
    assert checks(project, "test") == [
        "test (ubuntu-latest, 18)",
        "test (ubuntu-latest, 20, true)",
        "test (windows-latest, 18)",
        "test (windows-latest, 20, true)",
        "test (macos-latest, 20)",
    ]


def test_exclude_matches_partially_before_include(project: Project) -> None:
    # GitHub's exclude example: nine of twelve; include (after exclude) adds windows/16/staging back.
    found = [(v["os"], v["version"], v["environment"]) for v in map(values, legs(project, "versions"))]
    assert found == [
        ("macos-latest", "12", "staging"),
        ("macos-latest", "14", "staging"),
        ("macos-latest", "14", "production"),
        ("macos-latest", "16", "staging"),
        ("macos-latest", "16", "production"),
        ("windows-latest", "12", "staging"),
        ("windows-latest", "12", "production"),
        ("windows-latest", "14", "staging"),
        ("windows-latest", "14", "production"),
        ("windows-latest", "16", "staging"),
    ]


def test_empty_container_runs_on_the_host(project: Project) -> None:
    build = legs(project, "build")
    assert [job.key for job in build] == ["build (host)", "build (node:20.11.1-bookworm, node)"]
    assert [[image.ref for image in job.images] for job in build] == [[], ["node:20.11.1-bookworm"]]
    image = build[1].images[0]
    assert (image.span.line, [(t.value, t.span.line) for t in image.via]) == (
        72, [("${{ matrix.image }}", 72), ("node:20.11.1-bookworm", 78)])
    assert [job.images for job in legs(project, "literal")] == [[]]


def test_a_key_a_leg_lacks_is_null(project: Project) -> None:
    # `matrix.image` of the entry without `image` is null: empty text, so that leg runs on the host
    # and its name is known (not a pattern).
    release = legs(project, "release")
    assert [[image.ref for image in job.images] for job in release] == [["node:20.11.1-bookworm"], []]
    assert [(c.name, c.pattern) for job in release for c in job.checks] == [
        ("Release ubuntu-latest (node)", False), ("Release macos-14", False)]


# -- rules whose findings depend on it -----------------------------------------------------------


def test_required_checks_of_include_matrices_to_the_line() -> None:
    # Required: both include-only legs, the node 20 leg with and without its added value, the
    # include-made leg and `fruit (banana)` / `fruit (banana, cat)`. Only the name without the
    # added value is never reported (before: the first include-only leg, the leg with the added
    # value and `fruit (banana)` were reported missing instead).
    found = findings("required-checks", "rules/required-checks/gh-matrix-include")
    assert where(found) == [(".github/settings.yml", 12, "error")]
    assert found[0].message.startswith("required check `unit (ubuntu-latest, 20)` (pull requests to `main`) "
                                       "is never reported")
    assert "`unit (ubuntu-latest, 20, true)`" in found[0].message


def test_pinned_images_of_every_include_only_leg_to_the_line() -> None:
    # The `node:lts` leg is an entry before the last one (before: only the last, pinned, leg was
    # checked); the `container: ""` legs have no image to judge.
    found = findings("pinned-images", "rules/pinned-images/matrix-host/github")
    assert where(found) == [(CI, 8, "error")]
    assert "`node:lts` (from `matrix.image`)" in found[0].message
    assert [(s.line, m) for s, m in found[0].related] == [(14, "the value `node:lts` is set here")]
    # (Before: the `release` leg without `image` was a note, "only known at run time", at line 38.)
