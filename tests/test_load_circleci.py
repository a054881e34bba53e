"""The CircleCI loader: one small fixture per feature (fixtures/circleci/), exact values."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cilint.linter.load_circleci import load_circleci
from cilint.linter.loadutil import Source
from cilint.linter.model import JobRun, Pipeline, Problem, Step, Workflow
from cilint.linter.yamlsrc import YMap, YSeq, YStr, load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "circleci"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def load_text(text: str, path: str = "config.yml") -> tuple[Pipeline, list[Problem]]:
    problems: list[Problem] = []
    root = load(text)[0].root
    assert isinstance(root, YMap)
    return load_circleci(Source(path, text.splitlines(), problems), root), problems


def load_fixture(name: str) -> tuple[Pipeline, list[Problem]]:
    return load_text((FIXTURES / name).read_text(encoding="utf-8"), f"circleci/{name}")


def workflow(pipeline: Pipeline, name: str) -> Workflow:
    (found,) = [w for w in pipeline.workflows if w.name == name]
    return found


def edges(wf: Workflow) -> list[tuple[str, str]]:
    return sorted(wf.graph.edges)


def problem_list(problems: list[Problem]) -> list[tuple[str, int, str]]:
    return [(p.kind, p.span.line, p.message) for p in problems]


def triggers(job: JobRun | Workflow) -> list[tuple[Any, ...]]:
    return [(t.event, t.branches, t.branches_ignore, t.tags) for t in job.triggers]


def step_summary(steps: list[Step]) -> list[tuple[Any, ...]]:
    """(kind, first line, last line, origin, script or cache key or uses)"""
    out: list[tuple[Any, ...]] = []
    for step in steps:
        what: Any = None
        if step.run is not None:
            what = step.run.value
        elif step.cache is not None:
            what = step.cache.key.value if step.cache.key else None
        elif step.uses is not None:
            what = step.uses.text.value
        out.append((step.kind, step.span.line, step.span.end_line, step.origin, what))
    return out


# -- the DAG ---------------------------------------------------------------------------------


def test_basic_dag_kinds_checks_and_contexts() -> None:
    pipeline, problems = load_fixture("basic.yml")
    assert problems == []
    assert (pipeline.platform, pipeline.path, pipeline.name) == (
        "circleci",
        "circleci/basic.yml",
        "circleci/basic.yml",
    )
    wf = workflow(pipeline, "release")
    assert list(wf.graph.nodes) == ["build", "hold", "package", "deploy"]
    assert edges(wf) == [("build", "deploy"), ("build", "hold"), ("hold", "package"), ("package", "deploy")]
    assert wf.graph.edges["build", "deploy"]["statuses"] == ["success", "failed"]
    assert wf.graph.edges["hold", "package"]["statuses"] == ["success"]
    assert [(j.key, j.kind, j.job_id) for j in wf.jobs()] == [
        ("build", "job", "build"),
        ("hold", "approval", "hold"),
        ("package", "job", "package"),
        ("deploy", "job", "deploy"),
    ]
    assert [c.name for j in wf.jobs() for c in j.checks] == [
        "ci/circleci: build",
        "ci/circleci: release/hold",
        "ci/circleci: package",
        "ci/circleci: deploy",
    ]
    assert [(c.kind, c.span.line) for c in wf.job("hold").checks] == [("status", 38)]
    assert [(c.name, c.kind, c.span.line) for c in wf.checks] == [("release", "workflow-check", 35)]
    # The approval gates deploy two levels up.
    assert [j.key for j in wf.ancestors("deploy")] == ["build", "hold", "package"]
    deploy = wf.job("deploy")
    assert (deploy.span.line, deploy.span.column, deploy.definition and deploy.definition.line) == (44, 9, 28)
    assert deploy.qualified == "circleci/basic.yml:release/deploy"
    assert [(c.value, c.span.line) for c in deploy.contexts] == [("prod-deploy", 49), ("aws", 50)]
    assert deploy.branch_filter == {"branches_only": ["main"]}
    assert triggers(deploy) == [("push", ["main"], None, None)]
    assert triggers(wf.job("build")) == [("push", None, None, None), ("pull_request", None, None, None)]
    assert triggers(wf) == [("push", None, None, None), ("pull_request", None, None, None)]
    assert wf.job("hold").definition is None


def test_basic_steps_spans_and_caches() -> None:
    pipeline, _ = load_fixture("basic.yml")
    build = workflow(pipeline, "release").job("build")
    assert step_summary(build.steps) == [
        ("checkout", 8, 8, None, None),
        ("cache", 9, 12, None, 'v1-deps-{{ checksum "package-lock.json" }}'),
        ("run", 13, 13, None, "npm ci"),
        ("cache", 14, 17, None, 'v1-deps-{{ checksum "package-lock.json" }}'),
        ("run", 18, 22, None, "npm run lint\nnpm run build -- --prod\n"),
    ]
    restore, save = build.steps[1].cache, build.steps[3].cache
    assert restore is not None and save is not None
    assert restore.action == "restore"
    assert [k.value for k in restore.restore_keys] == [
        'v1-deps-{{ checksum "package-lock.json" }}',
        "v1-deps-",
    ]
    assert [k.span.line for k in restore.restore_keys] == [11, 12]
    assert (save.action, [p.value for p in save.paths], save.key and save.key.span.line) == (
        "save",
        ["node_modules"],
        15,
    )
    script = build.steps[4]
    assert script.name == "Build"
    # Each command of a `run: |` block points at its own source line.
    assert [(c.argv[:2], c.span.line, c.span.column) for c in script.commands] == [
        (["npm", "run"], 21, 13),
        (["npm", "run"], 22, 13),
    ]
    assert [(i.kind, i.ref, i.span.line) for i in build.images] == [("docker", "cimg/node:20.11.1", 6)]


def test_anchors_merge_keys_and_a_redefined_anchor() -> None:
    pipeline, problems = load_fixture("anchors.yml")
    assert problems == []
    wf = workflow(pipeline, "checks")
    unit, lint, integration = wf.job("unit"), wf.job("lint"), wf.job("integration")
    assert [(k, v.value.value, v.level, v.value.span.line) for k, v in unit.env.items()] == [
        ("MODE", "test", "job", 7)
    ]
    assert [(k, v.value.value, v.value.span.line) for k, v in lint.env.items()] == [("MODE", "lint", 20)]
    assert [i.ref for i in unit.images] == [i.ref for i in lint.images] == ["cimg/python:3.12.4"]
    assert step_summary(unit.steps) == [("checkout", 10, 10, None, None), ("run", 11, 11, None, "pytest")]
    # `&steps` is defined again on lint's steps: the later alias means the later anchor.
    assert step_summary(integration.steps) == [("run", 22, 22, None, "ruff check .")]
    assert [i.ref for i in integration.images] == ["cimg/python:3.11.9"]


def test_matrix_names_exclude_alias_and_images() -> None:
    pipeline, problems = load_fixture("matrix.yml")
    assert problems == []
    wf = workflow(pipeline, "ci")
    assert list(wf.graph.nodes) == [
        "test-18.20.4-docker",
        "test-20.17.0-docker",
        "test-20.17.0-macos",
        "build-v1.22.7",
        "build-v1.23.1",
        "report",
    ]
    # `requires: [test]` (the default alias) and `[builds]` (an alias) wait for every leg.
    assert edges(wf) == [
        ("build-v1.22.7", "report"),
        ("build-v1.23.1", "report"),
        ("test-18.20.4-docker", "report"),
        ("test-20.17.0-docker", "report"),
        ("test-20.17.0-macos", "report"),
    ]
    leg = wf.job("test-20.17.0-macos")
    assert (leg.job_id, leg.span.line, leg.definition and leg.definition.line) == ("test", 31, 4)
    assert leg.matrix == {"node-version": "20.17.0", "os": "macos"}
    assert leg.parameters == {"os": "macos", "node-version": "20.17.0"}
    assert [c.name for c in leg.checks] == ["ci/circleci: test-20.17.0-macos"]
    (image,) = leg.images
    assert (image.ref, image.written, image.resolved, image.span.line, image.span.column) == (
        "cimg/node:20.17.0",
        "cimg/node:<< parameters.node-version >>",
        True,
        11,
        16,
    )
    assert [(v.value, v.span.line, v.span.column) for v in image.via] == [("20.17.0", 35, 41)]
    assert [s.run.value for s in leg.steps if s.run] == ["npm test --os=macos"]
    build = wf.job("build-v1.23.1")
    assert [(i.ref, [v.span.line for v in i.via]) for i in build.images] == [("cimg/go:1.23.1", [44])]


def test_pipeline_parameter_image_tag() -> None:
    pipeline, problems = load_fixture("pipeline_params.yml")
    assert problems == []
    assert pipeline.parameters == {"elixir_image_tag": "latest", "run_deploy": False}
    job = workflow(pipeline, "main").job("compile")
    elixir, postgres, tools = job.images
    assert (elixir.ref, elixir.written, elixir.resolved, elixir.span.line) == (
        "cimg/elixir:latest",
        "cimg/elixir:<< pipeline.parameters.elixir_image_tag >>",
        True,
        14,
    )
    # `via` points at the parameter's default: where the tag is actually chosen.
    assert [(v.value, v.span.line, v.span.column) for v in elixir.via] == [("latest", 6, 14)]
    assert (postgres.ref, postgres.via) == ("postgres:16.4", [])
    # Pipeline values (and env vars) are not known before the pipeline runs.
    assert (tools.ref, tools.resolved) == ("$ECR_REGISTRY/tools:<< pipeline.git.revision >>", False)
    assert [s.run.value for s in job.steps if s.run] == [
        "mix compile --warnings-as-errors",
        'echo "deploy=false on << pipeline.git.branch >>"',
        "./release.sh --dry-run",  # `<<# x >>` / `<<^ x >>` sections of a false boolean
    ]


def test_executor_parameters_env_levels_and_machine() -> None:
    pipeline, problems = load_fixture("executors.yml")
    assert problem_list(problems) == [("invalid-reference", 49, "undefined executor 'nowhere'")]
    assert problems[0].job == "circleci/executors.yml:tests/missing"
    wf = workflow(pipeline, "tests")
    test = wf.job("test")
    (python,) = test.images
    assert (python.ref, python.written) == ("cimg/python:3.11.9", "cimg/python:<< parameters.tag >>")
    # The executor's `tag` is the job's `py`, whose default is on line 29.
    assert [(v.value, v.span.line) for v in python.via] == [("<< parameters.py >>", 32), ("3.11.9", 29)]
    assert {k: v.value for k, v in python.auth.items()} == {
        "username": "bot",
        "password": "$DOCKERHUB_PASSWORD",
    }
    assert [t.value for t in test.runs_on] == ["large"]
    assert test.parameters == {"py": "3.11.9"}
    assert [(k, v.value.value, v.level) for k, v in test.env.items()] == [
        ("LEVEL", "executor", "executor"),
        ("SHARED", "job", "job"),
        ("PIP_NO_CACHE_DIR", "1", "image"),
    ]
    (step,) = test.steps
    assert (step.span.line, step.span.end_line) == (36, 39)
    assert {k: (v.value.value, v.level) for k, v in step.env.items()} == {
        "LEVEL": ("step", "step"),
        "SHARED": ("job", "job"),
        "PIP_NO_CACHE_DIR": ("1", "image"),
    }
    named = wf.job("test-313")
    assert [(i.ref, [(v.value, v.span.line) for v in i.via]) for i in named.images] == [
        ("cimg/python:3.13.0", [("<< parameters.py >>", 32), ("3.13.0", 59)])
    ]
    assert [c.name for c in named.checks] == ["ci/circleci: test-313"]
    default = wf.job("default-tag")
    assert [(i.ref, [(v.value, v.span.line) for v in i.via]) for i in default.images] == [
        ("cimg/python:3.12.4", [("3.12.4", 8)])
    ]
    assert [(i.kind, i.ref, i.span.line) for i in wf.job("machine-job").images] == [
        ("machine", "ubuntu-2204:2024.05.1", 22)
    ]
    assert wf.job("missing").images == []


def test_commands_parameters_steps_splicing_and_recursion() -> None:
    pipeline, problems = load_fixture("commands.yml")
    assert problem_list(problems) == [
        ("invalid-reference", 60, "undefined command 'undefined-thing'"),
        ("invalid-reference", 45, "command 'loop' calls itself: loop -> loop-back -> loop"),
    ]
    wf = workflow(pipeline, "main")
    build = wf.job("build")
    assert build.parameters == {"greeting": "hi"}
    assert step_summary(build.steps) == [
        ("run", 73, 73, "pre-steps", "echo pre"),
        ("checkout", 56, 56, None, None),
        ("run", 59, 59, None, "echo hi"),  # a `steps` parameter, written in the job
        ("cache", 10, 11, "command:install", 'deps-{{ checksum "yarn.lock" }}'),
        ("run", 12, 16, "command:install", 'npm ci\necho "installed from yarn.lock"\n'),
        ("cache", 17, 19, "command:install", 'deps-{{ checksum "yarn.lock" }}'),
        # `notify` defaults to true: the `when` body runs, the `unless` body never does
        ("run", 35, 35, "command:with-hooks", "./notify.sh"),
        ("run", 75, 75, "post-steps", "echo post"),
    ]
    install = build.steps[4]
    assert install.name == "Install"
    assert [(c.text, c.span.line) for c in install.commands] == [
        ("npm ci", 15),
        ('echo "installed from yarn.lock"', 16),
    ]
    save = build.steps[5].cache
    assert save is not None and [p.value for p in save.paths] == ["node_modules"]
    assert wf.job("spin").steps == []


def test_orbs_references_jobs_commands_and_inline_orbs() -> None:
    pipeline, problems = load_fixture("orbs.yml")
    assert [(r.kind, r.name, r.version, r.text.value, r.text.span.line) for r in pipeline.references] == [
        ("orb", "circleci/node", "5.0.3", "circleci/node@5.0.3", 4),
        ("orb", "circleci/slack", "4", "circleci/slack@4", 5),
        ("orb", "circleci/aws-cli", None, "circleci/aws-cli", 6),
        ("orb", "https://example.com/orbs/platform.yml", None, "https://example.com/orbs/platform.yml", 7),
    ]
    assert problem_list(problems) == [
        (
            "invalid-reference",
            40,
            "command 'ghost/do-thing' comes from orb 'ghost', which is not declared under `orbs`",
        ),
        (
            "invalid-reference",
            50,
            "job 'other/job' comes from orb 'other', which is not declared under `orbs`",
        ),
    ]
    wf = workflow(pipeline, "main")
    assert [(j.key, j.kind) for j in wf.jobs()] == [
        ("build", "job"),
        ("node/test", "orb"),
        ("local/hello", "job"),
        ("other/job", "job"),
    ]
    assert edges(wf) == [("build", "node/test")]
    build = wf.job("build")
    assert build.images == []  # an orb executor is opaque
    assert step_summary(build.steps) == [
        ("checkout", 32, 32, None, None),
        ("uses", 33, 35, None, "node/install-packages"),
        ("run", 20, 20, "command:local/greet", "echo hello ci"),
        ("uses", 38, 39, None, "slack/notify"),
    ]
    uses = build.steps[1].uses
    assert uses is not None
    assert (uses.kind, uses.name, uses.version, uses.text.span.line, uses.job) == (
        "orb",
        "circleci/node",
        "5.0.3",
        33,
        "circleci/orbs.yml:main/build",
    )
    assert {k: v.value for k, v in build.steps[1].inputs.items()} == {
        "pkg-manager": "yarn",
        "cache-version": "v2",
    }
    orb_job = wf.job("node/test")
    assert orb_job.uses is not None
    assert (orb_job.uses.name, orb_job.uses.version, orb_job.uses.text.value) == (
        "circleci/node",
        "5.0.3",
        "node/test",
    )
    assert orb_job.parameters == {"version": "20.11"}
    assert orb_job.steps == [] and orb_job.definition is None
    assert [c.name for c in orb_job.checks] == ["ci/circleci: node/test"]
    hello = wf.job("local/hello")
    assert (hello.definition and hello.definition.line, [i.ref for i in hello.images]) == (
        22,
        ["cimg/base:2024.02"],
    )
    assert step_summary(hello.steps) == [
        ("run", 20, 20, "command:local/greet", "echo hello world"),
        ("uses", 26, 26, None, "node/install"),
    ]


def test_scheduled_workflow() -> None:
    pipeline, problems = load_fixture("scheduled.yml")
    assert problems == []
    wf = workflow(pipeline, "nightly")
    assert [(t.event, t.cron, t.branches, t.span.line) for t in wf.triggers] == [
        ("schedule", "0 3 * * *", ["main"], 13)
    ]
    assert [(t.event, t.cron, t.branches) for t in wf.job("nightly").triggers] == [
        ("schedule", "0 3 * * *", ["main"])
    ]


def test_tag_filters_triggers_and_unreachable_tags() -> None:
    pipeline, problems = load_fixture("tags.yml")
    assert problem_list(problems) == [
        (
            "invalid-reference",
            40,
            "job 'docs' has tag filters but the jobs it requires (lint) have none: it can never run on tags",
        ),
    ]
    wf = workflow(pipeline, "release")
    assert triggers(wf.job("build")) == [
        ("push", None, None, None),
        ("pull_request", None, None, None),
        ("push", None, None, ["/^v.*/"]),
    ]
    assert triggers(wf.job("test")) == triggers(wf.job("build"))
    publish = wf.job("publish")
    assert publish.branch_filter == {"branches_ignore": ["/.*/"], "tags_only": [r"/^v\d+\.\d+\.\d+$/"]}
    assert triggers(publish) == [("push", None, None, [r"/^v\d+\.\d+\.\d+$/"])]
    assert [t.span.line for t in publish.triggers] == [35]
    assert triggers(wf.job("docs")) == [("push", None, None, None), ("pull_request", None, None, None)]
    assert triggers(wf) == [
        ("push", None, None, None),
        ("pull_request", None, None, None),
        ("push", None, None, ["/^v.*/", r"/^v\d+\.\d+\.\d+$/"]),
    ]


def test_workflow_conditions_and_expression_filters() -> None:
    pipeline, problems = load_fixture("conditions.yml")
    assert problems == []
    main_only = workflow(pipeline, "main-only")
    assert main_only.condition is not None
    assert (main_only.condition.value, main_only.condition.span.line) == (
        "{equal: [main, << pipeline.git.branch >>]}",
        22,
    )
    # Only the default branch: pull-request branches never start it.
    assert triggers(main_only) == [("push", ["main"], None, None)]
    assert triggers(main_only.job("build")) == [("push", ["main"], None, None)]
    nightly = workflow(pipeline, "not-nightly")
    assert (
        nightly.condition is not None
        and nightly.condition.value == "{not: << pipeline.parameters.nightly >>}"
    )
    assert triggers(nightly) == [("push", None, None, None), ("pull_request", None, None, None)]
    deploy = nightly.job("deploy")
    assert deploy.condition is not None and deploy.condition.value == 'pipeline.git.branch == "main"'
    assert (deploy.branch_filter, triggers(deploy)) == ({}, [("push", ["main"], None, None)])
    preview = nightly.job("preview")
    assert preview.branch_filter == {"branches_only": ["develop", r"/feature\/.*/"]}
    assert triggers(preview) == [
        ("push", ["develop", r"/feature\/.*/"], None, None),
        ("pull_request", None, None, None),
    ]
    # `unless: false` by default: it runs, and the parameter can only stop it.
    assert [t.certain for t in nightly.triggers] == [True, True]
    release = workflow(pipeline, "release-branches")
    assert triggers(release) == [
        ("push", ["/^release/.*$/"], ["main"], None),
        ("pull_request", None, None, None),
    ]


def test_unreadable_conditions_leave_jobs_reachable_but_uncertain() -> None:
    pipeline, _ = load_fixture("conditions.yml")
    # `when: << pipeline.parameters.nightly >>`, false by default: a push never runs it, an API
    # call (or a scheduled pipeline) that sets the parameter does.
    gated = workflow(pipeline, "parameter-gated")
    assert [(t.label(), t.certain) for t in gated.triggers] == [("api(nightly=true)", True)]
    assert [(t.label(), t.certain) for t in gated.job("build").triggers] == [("api(nightly=true)", True)]
    # A scheduled pipeline's values (`trigger_source`, `schedule.name`): the schedule starts it.
    assert [(t.label(), t.certain) for t in workflow(pipeline, "scheduled-only").triggers] == [
        ("schedule(schedule.name=nightly)", True)
    ]
    assert [t.label() for t in workflow(pipeline, "not-scheduled").triggers] == ["push", "pull_request"]
    # Either of two: each trigger that can start it.
    either = workflow(pipeline, "nightly-or-manual")
    assert [t.label() for t in either.triggers] == ["api(nightly=true)", "schedule(schedule.name=nightly)"]
    assert [t.label() for t in either.job("build").triggers] == [t.label() for t in either.triggers]
    deploy = gated.job("deploy")
    # (its expression filter reads the parameter too, which expression filters do not decide)
    assert [(t.event, t.branches, t.certain) for t in deploy.triggers] == [("api", ["main"], False)]
    assert all(t.certain for w in pipeline.workflows[:3] for j in w.jobs() for t in j.triggers)


def test_secrets_referenced_by_a_job() -> None:
    pipeline, problems = load_fixture("secrets.yml")
    assert problems == []
    job = workflow(pipeline, "release").job("publish")
    assert [(c.value, c.span.line) for c in job.contexts] == [("npm", 32)]
    assert [
        (s.name, s.where, s.via, s.step, s.span.line, s.span.column, s.span.end_column) for s in job.secrets
    ] == [
        ("NPM_TOKEN", "env", "variable", None, 12, 19, 29),
        ("DOCKER_USER", "auth", "variable", None, 8, 21, 33),
        ("DOCKER_PASS", "auth", "variable", None, 9, 21, 35),
        ("NPM_TOKEN", "run", "variable", 0, 18, 52, 64),
        ("SLACK_TOKEN", "run", "variable", 0, 22, 44, 56),
        ("AWS_SECRET_ACCESS_KEY", "env", "variable", 1, 26, 36, 58),
    ]
    assert {k: v.reference for k, v in job.env.items()} == {
        "NPM_CONFIG_REGISTRY": False,
        "TOKEN_COPY": True,
        "LOCAL": True,
    }


def test_secret_column_after_substitution() -> None:
    pipeline, _ = load_fixture("realistic.yml")
    wf = workflow(pipeline, "ci")
    for key in ("deploy-staging", "deploy-production"):
        (token,) = [s for s in wf.job(key).secrets if s.name == "FLY_API_TOKEN"]
        # Where `$FLY_API_TOKEN` is written, whatever `<< parameters.target >>` became.
        assert (token.span.line, token.span.column, token.span.end_column) == (83, 85, 99)


# -- versions ------------------------------------------------------------------------------


def test_version_2_0_without_workflows_runs_build() -> None:
    pipeline, problems = load_fixture("v20.yml")
    assert problems == []
    (wf,) = pipeline.workflows
    assert (wf.name, list(wf.graph.nodes), wf.span.line) == ("workflow", ["build"], 3)
    build = wf.job("build")
    assert (build.kind, [c.name for c in build.checks], build.span.line) == ("job", ["ci/circleci: build"], 3)
    assert step_summary(build.steps) == [
        ("checkout", 7, 7, None, None),
        ("run", 8, 8, None, "bundle exec rake"),
    ]


def test_version_2_0_with_workflows() -> None:
    pipeline, problems = load_fixture("v20_workflows.yml")
    assert problems == []
    (wf,) = pipeline.workflows  # `workflows.version` is not a workflow
    assert (wf.name, edges(wf)) == ("build_and_test", [("build", "test")])
    # CircleCI 2.0 reads `restore-cache` as `restore_cache`, and `environment: KEY=value`.
    assert step_summary(wf.job("build").steps)[1] == (
        "cache",
        8,
        9,
        None,
        'gems-{{ checksum "Gemfile.lock" }}',
    )
    assert {k: (v.value.value, v.level) for k, v in wf.job("test").env.items()} == {
        "RAILS_ENV": ("test", "job")
    }


@pytest.mark.parametrize("version", ["2", "2.0", "2.1", "'2.1'", '"2"'])
def test_accepted_versions(version: str) -> None:
    pipeline, problems = load_text(
        f"version: {version}\njobs:\n  build:\n    docker: [{{image: x:1.0.0}}]\n"
        "    steps: [checkout]\nworkflows:\n  w:\n    jobs: [build]\n"
    )
    assert problems == []
    assert [w.name for w in pipeline.workflows] == ["w"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "bad_version.yml",
            ("parse-error", 1, 10, "unsupported CircleCI config version '3' (expected 2, 2.0 or 2.1)"),
        ),
        (
            "no_version.yml",
            ("parse-error", 1, 1, "no `version`: a CircleCI config starts with `version: 2.1`"),
        ),
    ],
)
def test_bad_or_missing_version(name: str, expected: tuple[str, int, int, str]) -> None:
    pipeline, problems = load_fixture(name)
    assert [(p.kind, p.span.line, p.span.column, p.message) for p in problems] == [expected]
    assert pipeline.workflows == []


# -- broken configs ------------------------------------------------------------------------


def test_dag_problems() -> None:
    pipeline, problems = load_fixture("problems.yml")
    assert [(p.kind, p.span.line, p.span.column, p.message, p.job) for p in problems] == [
        (
            "invalid-reference",
            23,
            9,
            "duplicate job name 'dup' in workflow 'broken': give each invocation a unique `name`",
            "circleci/problems.yml:broken/dup",
        ),
        (
            "invalid-reference",
            18,
            9,
            "approval job 'hold' is named like the job defined on line 8: an approval's"
            " name must not be a job's name",
            "circleci/problems.yml:broken/hold",
        ),
        (
            "invalid-reference",
            20,
            9,
            "undefined job 'missing-job'",
            "circleci/problems.yml:broken/missing-job",
        ),
        (
            "invalid-reference",
            17,
            22,
            "job 'build' requires 'buidl', which is not a job of workflow 'broken'",
            "circleci/problems.yml:broken/build",
        ),
        (
            "invalid-reference",
            27,
            9,
            "requires cycle in workflow 'cyclic': a -> b -> c -> a",
            "circleci/problems.yml:cyclic/a",
        ),
        (
            "invalid-reference",
            33,
            9,
            "requires cycle in workflow 'cyclic': build -> build",
            "circleci/problems.yml:cyclic/build",
        ),
        (
            "invalid-reference",
            40,
            22,
            "job 'deploy' requires 'build', which workflow 'repeats' runs 2 times"
            " without `name`: name the invocations",
            "circleci/problems.yml:repeats/deploy",
        ),
    ]
    broken = workflow(pipeline, "broken")
    assert list(broken.graph.nodes) == ["build", "hold", "missing-job", "dup", "dup#2"]
    assert (broken.job("dup").job_id, broken.job("dup#2").job_id) == ("build", "deploy")
    assert broken.job("hold").kind == "approval"
    # Unnamed repeats are numbered as CircleCI numbers them.
    assert list(workflow(pipeline, "repeats").graph.nodes) == ["build-1", "build-2", "deploy"]


def test_bad_shapes_are_problems_not_exceptions() -> None:
    pipeline, problems = load_fixture("bad_shapes.yml")
    assert problem_list(problems) == [
        ("parse-error", 9, "job 'scalar-job' must be a mapping"),
        ("parse-error", 6, "command 'broken' must be a mapping"),
        ("parse-error", 3, "`executors` must be a mapping"),
        ("parse-error", 34, "workflow 'listy' must be a mapping with `jobs`"),
        ("parse-error", 35, "workflow 'empty' needs a list of `jobs`"),
        ("parse-error", 39, "the settings of job 'odd-steps' in workflow 'shapes' must be a mapping"),
        ("parse-error", 40, "workflow 'shapes': a job entry is a job name or a one-key mapping"),
        (
            "parse-error",
            42,
            "workflow 'shapes': a job entry has one key, the job name (found misindented,"
            " requires); are its settings indented under it?",
        ),
        ("parse-error", 48, "a `requires` item is a job name or `{job: status}`"),
        ("parse-error", 14, "`steps` must be a list"),
        ("parse-error", 17, "`environment` must be a mapping"),
        ("parse-error", 16, "`docker` must be a list of images"),
        ("parse-error", 19, "a step is a name or a one-key mapping"),
        ("parse-error", 20, "a step is a name or a one-key mapping"),
        ("parse-error", 21, "a `run` step needs a `command`"),
        ("parse-error", 23, "a step has one key, its type (found run, name)"),
        ("invalid-reference", 41, "undefined job 'scalar-job'"),
        ("parse-error", 29, "each `docker` entry needs an `image`"),
        ("parse-error", 46, "`filters` must be a mapping (branches, tags) or an expression"),
    ]
    shapes = workflow(pipeline, "shapes")
    assert list(shapes.graph.nodes) == ["steps-map", "odd-steps", "scalar-job", "misindented", "bad-filters"]
    assert step_summary(shapes.job("odd-steps").steps) == [
        ("run", 23, 24, None, "echo ok"),
        ("checkout", 25, 25, None, None),
    ]
    assert [w.name for w in pipeline.workflows] == ["empty", "shapes"]


# -- the whole thing -----------------------------------------------------------------------


def test_realistic_config() -> None:
    pipeline, problems = load_fixture("realistic.yml")
    assert problems == []
    assert [(r.name, r.version) for r in pipeline.references] == [
        ("circleci/slack", "4.13.3"),
        ("circleci/aws-cli", "4.1"),
    ]
    wf = workflow(pipeline, "ci")
    assert edges(wf) == [
        ("approve-production", "deploy-production"),
        ("compile", "test-1"),
        ("compile", "test-2"),
        ("deploy-staging", "approve-production"),
        ("test-1", "deploy-staging"),
        ("test-2", "deploy-staging"),
    ]
    assert [c.name for j in wf.jobs() for c in j.checks] == [
        "ci/circleci: compile",
        "ci/circleci: test-1",
        "ci/circleci: test-2",
        "ci/circleci: deploy-staging",
        "ci/circleci: ci/approve-production",
        "ci/circleci: deploy-production",
    ]
    compile_job = wf.job("compile")
    assert [(i.ref, [(v.value, v.span.line) for v in i.via]) for i in compile_job.images] == [
        ("cimg/elixir:1.17.2-erlang-27.0.1-node", [("1.17.2-erlang-27.0.1-node", 11)]),
        ("cimg/postgres:16.4", [("16.4", 23)]),
    ]
    assert {k: (v.value.value, v.level) for k, v in compile_job.env.items()} == {"MIX_ENV": ("test", "image")}
    assert step_summary(compile_job.steps) == [
        ("checkout", 50, 50, None, None),
        ("cache", 37, 40, "command:deps", 'v2-mix-{{ checksum "mix.lock" }}'),
        ("run", 41, 41, "command:deps", "mix deps.get"),
        ("cache", 42, 44, "command:deps", 'v2-mix-{{ checksum "mix.lock" }}'),
        ("run", 52, 56, None, "mix compile --warnings-as-errors\nmix credo --strict\n"),
    ]
    assert [(s.name, s.where) for s in compile_job.secrets] == [
        ("DOCKERHUB_USER", "auth"),
        ("DOCKERHUB_PASSWORD", "auth"),
    ]
    test_2 = wf.job("test-2")
    assert (test_2.matrix, test_2.parameters) == ({"partition": 2}, {"partition": 2})
    assert [i.ref for i in test_2.images] == ["cimg/elixir:1.17.2-erlang-27.0.1-node", "cimg/postgres:15.8"]
    assert test_2.steps[-1].run is not None and test_2.steps[-1].run.value == "mix test --partitions 2"
    production = wf.job("deploy-production")
    assert production.parameters == {"target": "production"}
    assert [c.value for c in production.contexts] == ["fly-production"]
    assert "approve-production" in [j.key for j in wf.ancestors("deploy-production")]
    assert triggers(production) == [("push", ["main"], None, None)]
    assert triggers(wf.job("approve-production")) == [("push", ["main"], None, None)]
    assert [(s.name, s.where, s.step) for s in production.secrets] == [
        ("AWS_ROLE_ARN", "with", 1),
        ("FLY_API_TOKEN", "run", 2),
    ]
    deploy = production.steps[2]
    assert deploy.run is not None
    assert deploy.run.value == "flyctl deploy --app myapp-production --access-token $FLY_API_TOKEN"
    # Every `key: string` pair, for literal-secret scans; references are marked.
    assert [(e.name, e.value.value, e.reference, e.value.span.line) for e in pipeline.literals[7:12]] == [
        ("image", "cimg/elixir:<< pipeline.parameters.elixir_image_tag >>", True, 25),
        ("MIX_ENV", "test", False, 27),
        ("image", "cimg/postgres:<< parameters.postgres >>", True, 28),
        ("username", "$DOCKERHUB_USER", True, 30),
        ("password", "$DOCKERHUB_PASSWORD", True, 31),
    ]


def test_large_config_stays_fast() -> None:
    jobs = "".join(
        f"  job{i}:\n    executor: e\n    steps:\n      - c:\n          n: '{i}'\n" for i in range(300)
    )
    entries = "".join(
        f"      - job{i}:\n          requires: [job{i - 1}]\n" if i else "      - job0\n" for i in range(300)
    )
    text = (
        "version: 2.1\nexecutors:\n  e:\n    docker: [{image: 'cimg/base:2024.01'}]\n"
        "commands:\n  c:\n    parameters: {n: {type: string}}\n"
        "    steps:\n      - d\n      - run: echo << parameters.n >>\n"
        "  d:\n    steps: [{run: make}, checkout]\n"
        f"jobs:\n{jobs}workflows:\n" + "".join(f"  w{w}:\n    jobs:\n{entries}" for w in range(4))
    )
    start = time.perf_counter()
    pipeline, problems = load_text(text)
    assert problems == []
    assert time.perf_counter() - start < 10
    assert sum(len(w.graph) for w in pipeline.workflows) == 1200
    assert [s.run.value for s in workflow(pipeline, "w3").job("job299").steps if s.run] == [
        "make",
        "echo 299",
    ]


# -- robustness ----------------------------------------------------------------------------


def test_command_expansion_is_bounded() -> None:
    # Each command calls the next twice: 2**24 steps if expanded naively.
    doubling = "".join(f"  c{i}:\n    steps: [c{i + 1}, c{i + 1}]\n" for i in range(24))
    chain = "".join(f"  d{i}:\n    steps: [d{i + 1}]\n" for i in range(40))
    text = (
        f"version: 2.1\ncommands:\n{doubling}  c24:\n    steps: [{{run: x}}]\n{chain}  d40:\n    steps: []\n"
        "jobs:\n  wide:\n    docker: [{image: 'a:1.0.0'}]\n    steps: [c0]\n"
        "  deep:\n    docker: [{image: 'a:1.0.0'}]\n    steps: [d0]\n"
        "workflows:\n  w:\n    jobs: [wide, deep]\n"
    )
    start = time.perf_counter()
    pipeline, problems = load_text(text)
    assert time.perf_counter() - start < 10
    assert problem_list(problems) == [
        ("parse-error", 50, "job expands to more than 20000 steps; the rest is not read"),
        ("invalid-reference", 104, "commands nested more than 25 deep"),
    ]
    assert len(workflow(pipeline, "w").job("wide").steps) < 20_000


_KEYS = [
    "version",
    "jobs",
    "workflows",
    "steps",
    "run",
    "requires",
    "matrix",
    "parameters",
    "executor",
    "docker",
    "image",
    "commands",
    "executors",
    "orbs",
    "filters",
    "branches",
    "tags",
    "only",
    "name",
    "type",
    "context",
    "default",
    "command",
    "environment",
    "when",
    "condition",
    "save_cache",
    "key",
    "paths",
    "triggers",
    "schedule",
    "exclude",
    "alias",
    "pre-steps",
    "machine",
    "build",
    "a/b",
]
_WORDS = [
    "build",
    "approval",
    "<< parameters.x >>",
    "<< matrix.y >>",
    "$TOKEN",
    "a/b",
    "2.1",
    "/.*/",
    "checkout",
    "x",
]


def _yaml_values() -> st.SearchStrategy[Any]:
    def ymap(pairs: list[tuple[str, Any]]) -> YMap:
        out = YMap()
        for key, value in pairs:
            out[key] = value
        return out

    def yseq(items: list[Any]) -> YSeq:
        out = YSeq()
        out.extend(items)
        out.item_pos.extend(out.pos for _ in items)
        return out

    leaves = st.one_of(st.sampled_from(_WORDS).map(YStr), st.integers(-2, 3), st.booleans(), st.none())
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(st.tuples(st.sampled_from(_KEYS), inner), max_size=5).map(ymap),
            st.lists(inner, max_size=4).map(yseq),
        ),
        max_leaves=40,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_yaml_values(), version=st.sampled_from(["2.1", "2", "3"]))
def test_arbitrary_shapes_never_raise(body: Any, version: str) -> None:
    root = body if isinstance(body, YMap) else YMap()
    root["version"] = YStr(version)
    load_circleci(Source("c.yml", [], []), root)


def test_step_conditions_decided_by_the_invocation_leave_steps_out() -> None:
    """`when`/`unless` steps: parameters resolved per invocation; an excluded step never runs, an
    undecided condition (the pipeline's branch) keeps the step and records the condition."""
    pipeline, problems = load_fixture("step_conditions.yml")
    assert problems == []
    wf = workflow(pipeline, "main")

    def runs(key: str) -> list[tuple[str, int, str | None]]:
        return [(s.run.value, s.span.line, s.condition.value if s.condition else None)
                for s in wf.job(key).steps if s.run is not None]

    assert runs("build-only") == [("make build", 13, None)]
    assert runs("build-and-deploy") == [
        ("make build", 13, None),
        ("make deploy", 17, None),
        ("make release", 29, "{and: [<< parameters.deploy >>, {equal: [main, << pipeline.git.branch >>]}]}"),
    ]
