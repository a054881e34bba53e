"""The environment each step sees (`Step.environment`), as the loaders compute it: the configured
env plus what earlier steps of the same job exported through the platform's environment file."""

from __future__ import annotations

import textwrap
from pathlib import Path

from cilint.linter.model import Project, Step
from cilint.linter.project import build_project


def _project(root: Path, files: dict[str, str]) -> Project:
    (root / ".git").mkdir()
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return build_project([root])


def _steps(project: Project, job_id: str) -> list[Step]:
    jobs = [job for workflow in project.workflows() for job in workflow.jobs() if job.job_id == job_id]
    assert jobs, job_id
    return jobs[0].steps


GITHUB = {".github/workflows/ci.yml": """\
    on: push
    env:
      CFLAGS: -O2
    jobs:
      build:
        runs-on: ubuntu-latest
        steps:
          - run: cargo build
          - run: |
              echo "RUSTFLAGS=-D warnings" >> "$GITHUB_ENV"
              echo "CFLAGS=-Werror" >> $GITHUB_ENV
              echo "LATER=$(date)" >> ${GITHUB_ENV}
              echo 'export ELSEWHERE=1' >> "$BASH_ENV"
          - run: cargo build
          - run: cargo build
            env:
              RUSTFLAGS: -D warnings
              CFLAGS: -Wall
      other:
        runs-on: ubuntu-latest
        steps:
          - run: cargo build
    """}


def test_github_env_write_is_seen_by_later_steps_only(tmp_path: Path) -> None:
    before, writer, after, _ = _steps(_project(tmp_path, GITHUB), "build")
    assert "RUSTFLAGS" not in before.environment
    assert "RUSTFLAGS" not in writer.environment  # its own write counts from the next step on
    assert after.environment["RUSTFLAGS"] == "-D warnings"
    assert after.exported["RUSTFLAGS"].span.path == ".github/workflows/ci.yml"
    assert after.exported["RUSTFLAGS"].span.line == 10


def test_github_env_values_and_clashes(tmp_path: Path) -> None:
    _, _, after, with_env = _steps(_project(tmp_path, GITHUB), "build")
    assert after.environment["LATER"] is None  # computed when the script runs
    # A workflow `env:` and a $GITHUB_ENV write of the same variable: which wins is not guessed.
    assert after.environment["CFLAGS"] is None
    assert with_env.environment["RUSTFLAGS"] == "-D warnings"  # the same value either way
    assert with_env.environment["CFLAGS"] is None
    assert "ELSEWHERE" not in after.environment  # $BASH_ENV means nothing to GitHub's runner


def test_github_env_stays_in_its_job(tmp_path: Path) -> None:
    (other,) = _steps(_project(tmp_path, GITHUB), "other")
    assert other.environment == {"CFLAGS": "-O2"}


def test_github_composite_action_steps(tmp_path: Path) -> None:
    project = _project(tmp_path, {"action.yml": """\
        name: build
        runs:
          using: composite
          steps:
            - run: cargo build
              shell: bash
            - run: echo "RUSTFLAGS=-D warnings" >> "$GITHUB_ENV"
              shell: bash
            - run: cargo build
              shell: bash
        """})
    (action,) = project.pipelines
    first, _, last = action.action_steps
    assert "RUSTFLAGS" not in first.environment
    assert last.environment["RUSTFLAGS"] == "-D warnings"


CIRCLECI = {".circleci/config.yml": """\
    version: 2.1
    jobs:
      build:
        docker:
          - image: cimg/rust:1.79.0
        environment:
          RUSTFLAGS: ""
        steps:
          - run: cargo build
          - run: |
              echo 'export RUSTFLAGS="-D warnings"' >> "$BASH_ENV"
              echo "export LATER=$CIRCLE_SHA1" >> $BASH_ENV
              echo "ELSEWHERE=1" >> "$GITHUB_ENV"
          - run: cargo build
          - run:
              command: cargo build
              environment:
                RUSTFLAGS: -A warnings
      other:
        docker:
          - image: cimg/rust:1.79.0
        steps:
          - run: cargo build
    workflows:
      main:
        jobs: [build, other]
    """}


def test_bash_env_export_is_seen_by_later_steps_only(tmp_path: Path) -> None:
    before, writer, after, with_env = _steps(_project(tmp_path, CIRCLECI), "build")
    assert before.environment["RUSTFLAGS"] == ""
    assert writer.environment["RUSTFLAGS"] == ""  # its own write counts from the next step on
    assert after.environment["RUSTFLAGS"] == "-D warnings"  # each step's shell sources $BASH_ENV
    assert after.environment["LATER"] is None
    assert "ELSEWHERE" not in after.environment  # $GITHUB_ENV means nothing on CircleCI
    # The sourced file wins over the step's own `environment`.
    assert with_env.environment["RUSTFLAGS"] == "-D warnings"


def test_bash_env_stays_in_its_job(tmp_path: Path) -> None:
    (other,) = _steps(_project(tmp_path, CIRCLECI), "other")
    assert other.environment == {}
    assert other.exported == {}
