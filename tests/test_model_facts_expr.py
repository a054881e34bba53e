"""Model facts the loaders compute from platform syntax, so that rules need not read it:
`Trigger.admits` (GitHub filter patterns, CircleCI `/regex/` filters), a protection's branch
patterns, the app a required check is pinned to, and what a GitHub job's `if:` and
`environment` say (issue 15)."""

from __future__ import annotations

import pytest

from cilint.linter.load_github import load_workflow
from cilint.linter.load_protection import load_protection_json, protection_from_config
from cilint.linter.loadutil import Source
from cilint.linter.model import CheckName, JobRun, Pipeline, Protection, Span, Trigger
from cilint.linter.yamlsrc import YMap, load
from helpers import circleci_pipeline as circleci
from helpers import github_pipeline as github
from helpers import source_of


def protections(text: str) -> list[Protection]:
    source, root = source_of(text, "protection.json")
    return load_protection_json(source, root)


def job(pipeline: Pipeline, key: str) -> JobRun:
    return pipeline.workflows[0].job(key)


def trigger(pipeline: Pipeline, event: str) -> Trigger:
    return next(t for t in pipeline.triggers if t.event == event)


# -- Trigger.admits: GitHub filter patterns --------------------------------------------------

GITHUB_FILTERS = """
on:
  pull_request:
    branches: ['main', 'release/**', '!release/old-*', 'v+1', 'feature/*', 'hot?fix', 'rc-[0-9]']
  push:
    branches-ignore: ['docs/**', 'wip-*']
  merge_group:
jobs:
  build: {runs-on: ubuntu-latest, steps: [{run: make}]}
"""


@pytest.mark.parametrize(
    ("branch", "admitted"),
    [
        ("main", True),
        ("mainline", False),  # a pattern matches the whole name
        ("release/1.0", True),  # `**` crosses `/`
        ("release/1.0/hotfix", True),
        ("release/old-1", False),  # `!` takes back what `release/**` admitted
        ("release/older", True),
        ("v1", True),  # `+`: one or more of the previous character
        ("vvv1", True),
        ("1", False),
        ("feature/x", True),
        ("feature/x/y", False),  # `*` stays within a segment
        ("hotfix", True),  # `?`: zero or one of the previous character
        ("hofix", True),
        ("hottfix", False),
        ("rc-7", True),
        ("rc-x", False),
    ],
)
def test_github_branch_filters(branch: str, admitted: bool) -> None:
    assert trigger(github(GITHUB_FILTERS), "pull_request").admits(branch) is admitted


def test_github_branches_ignore_and_no_filter() -> None:
    pipeline = github(GITHUB_FILTERS)
    push = trigger(pipeline, "push")
    assert push.admits("main") and push.admits("feature/docs")
    assert not push.admits("docs/a/b") and not push.admits("wip-1")
    assert trigger(pipeline, "merge_group").admits("anything/at/all")


def test_github_tag_filters_alone_keep_branches_out() -> None:
    pipeline = github("on:\n  push:\n    tags: ['v*']\njobs:\n  a: {runs-on: x, steps: [{run: make}]}\n")
    assert not trigger(pipeline, "push").admits("main")


def test_github_examples_stand_for_the_patterns() -> None:
    pull_request = trigger(github(GITHUB_FILTERS), "pull_request")
    assert pull_request.branch_filter is not None
    examples = set(pull_request.branch_filter.examples)
    assert {"release/a/b", "release/x", "release/old-x", "v1", "feature/x", "rc-0"} <= examples


def test_narrowed_job_triggers_are_translated_again() -> None:
    """A job's `if:` narrows its triggers to new branch lists: they are translated too."""
    pipeline = github(
        "on: {push: {branches: [main, dev]}}\njobs:\n"
        "  deploy:\n    if: github.ref == 'refs/heads/main'\n    runs-on: x\n    steps: [{run: make}]\n"
    )
    (push,) = job(pipeline, "deploy").triggers
    assert push.branches == ["main"]
    assert push.admits("main") and not push.admits("dev")


def test_an_untranslated_filter_is_an_error_not_a_guess() -> None:
    span = Span("x", 1, 1, 1, 1)
    assert Trigger("push", span).admits("main")  # no filter at all
    with pytest.raises(ValueError, match="not translated"):
        Trigger("push", span, branches=["main"]).admits("main")


# -- Trigger.admits: CircleCI filters ----------------------------------------------------------

CIRCLECI_FILTERS = """
version: 2.1
jobs:
  build: {docker: [{image: cimg/base:2024.01}], steps: [checkout]}
  deploy: {docker: [{image: cimg/base:2024.01}], steps: [checkout]}
  docs: {docker: [{image: cimg/base:2024.01}], steps: [checkout]}
workflows:
  ship:
    jobs:
      - build:
          filters:
            branches:
              only: [main, '/release\\/v[0-9]+/']
      - deploy:
          filters: {branches: {ignore: /feature-.*/}}
      - docs:
          filters: {tags: {only: /^v.*/}, branches: {ignore: /.*/}}
"""


def test_circleci_branch_filters_names_and_regexes() -> None:
    pipeline = circleci(CIRCLECI_FILTERS)
    (push,) = [t for t in job(pipeline, "build").triggers if t.event == "push"]
    assert push.admits("main") and push.admits("release/v12")
    assert not push.admits("mainline")  # an exact name
    assert not push.admits("release/v12-rc")  # a regex matches the whole name
    deploy = [t for t in job(pipeline, "deploy").triggers if t.event == "push" and t.tags is None]
    assert [t.admits("feature-x") for t in deploy] == [False]
    assert [t.admits("main") for t in deploy] == [True]


def test_circleci_tag_triggers_admit_no_branch() -> None:
    pipeline = circleci(CIRCLECI_FILTERS)
    triggers = job(pipeline, "docs").triggers
    assert triggers and all(t.tags is not None for t in triggers)
    assert not any(t.admits("main") for t in triggers)


# -- Protection: branch patterns, enforcement, apps --------------------------------------------

RULESETS = """[
  {"name": "main", "target": "branch", "enforcement": "active",
   "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH", "refs/heads/release/*"],
                               "exclude": ["refs/heads/release/old"]}},
   "rules": [{"type": "required_status_checks", "parameters": {"required_status_checks": [
     {"context": "build", "integration_id": 15368}, {"context": "ci/circleci: test", "integration_id": 42},
     {"context": "lint"}]}}]},
  {"name": "all", "target": "branch", "enforcement": "evaluate",
   "conditions": {"ref_name": {"include": ["~ALL"], "exclude": []}},
   "rules": [{"type": "required_status_checks", "parameters": {"required_status_checks": [
     {"context": "e2e"}]}}]}
]"""


def test_protection_branch_patterns() -> None:
    main, everything = protections(RULESETS)
    default, release = main.branches
    assert default.written == "~DEFAULT_BRANCH" and default.pattern is None
    assert default.label("trunk") == "trunk" and default.resolve("trunk").matches("trunk")
    assert not default.resolve("trunk").is_glob
    pattern = release.resolve("trunk")
    assert pattern.is_glob and pattern.matches("release/1") and pattern.matches("release/a/b")  # fnmatch `*`
    assert "release/x" in pattern.examples
    assert [e.resolve("main").matches("release/old") for e in main.excluded] == [True]
    (every,) = everything.branches
    assert every.every and every.resolve("main").written == "**" and every.resolve("main").matches("a/b")
    assert main.enforced and not everything.enforced


def test_required_checks_know_the_app_they_are_pinned_to() -> None:
    main, _ = protections(RULESETS)
    apps = [(c.context, c.app_id, c.app_name, c.app_platform) for c in main.checks]
    assert apps == [("build", 15368, "GitHub Actions", "github"), ("ci/circleci: test", 42, None, None),
                    ("lint", None, None, None)]


def test_config_protection_reads_its_patterns_too() -> None:
    root = load("'release/*': [build]\n")[0].root
    assert isinstance(root, YMap)
    (protection,) = protection_from_config("cilint.yml", root)
    (release,) = protection.branches
    assert release.resolve("main").matches("release/2")


# -- JobRun: what a GitHub job's `if:` and `environment` say -----------------------------------

JOBS = """
on: {workflow_run: {workflows: [CI], types: [completed]}}
jobs:
  plain: {runs-on: x, steps: [{run: make}]}
  always: {needs: plain, if: always(), runs-on: x, steps: [{run: make}]}
  failure: {needs: plain, if: "${{ failure() || github.event_name == 'push' }}", runs-on: x, steps: [{run: make}]}
  unknown: {needs: plain, if: "always() && github.event.pull_request.draft", runs-on: x, steps: [{run: make}]}
  green: {if: "${{ github.event.workflow_run.conclusion == 'success' }}", runs-on: x, steps: [{run: make}]}
  prod: {environment: production, runs-on: x, steps: [{run: make}]}
  named: {environment: {name: ' staging '}, runs-on: x, steps: [{run: make}]}
  chosen: {environment: "${{ inputs.prod && 'production' || 'staging' }}", runs-on: x, steps: [{run: make}]}
  opaque: {environment: "${{ inputs.target }}", runs-on: x, steps: [{run: make}]}
"""


def test_runs_after_failed_need() -> None:
    pipeline = github(JOBS)
    facts = {key: job(pipeline, key).runs_after_failed_need for key in ("plain", "always", "failure", "unknown")}
    assert facts == {"plain": False, "always": True, "failure": True, "unknown": None}


def test_requires_upstream_success() -> None:
    pipeline = github(JOBS)
    assert job(pipeline, "green").requires_upstream_success
    assert not job(pipeline, "plain").requires_upstream_success


def test_environment_names() -> None:
    pipeline = github(JOBS)
    facts = {key: (job(pipeline, key).environment_names, job(pipeline, key).environment_chosen_at_run_time)
             for key in ("plain", "prod", "named", "chosen", "opaque")}
    assert facts == {
        "plain": ([], False),
        "prod": (["production"], False),
        "named": (["staging"], False),
        "chosen": (["production", "staging"], True),
        "opaque": ([], True),
    }


def test_check_name_matches_its_glob_only_when_it_is_one() -> None:
    span = Span("x", 1, 1, 1, 1)
    called = CheckName("deploy / *", "check-run", span, pattern=True)
    assert called.matches("deploy / build") and not called.matches("build")
    assert not CheckName("test (*)", "check-run", span).matches("test (3.11)")  # a name, not a glob
    assert CheckName("test (*)", "check-run", span).matches("test (*)")


# -- issue 14: `if:` forms read per trigger (null inputs and pull_request off their events) --

def _job_events(condition: str) -> list[str]:
    text = ("on:\n  push:\n    branches: [main]\n  pull_request:\n  workflow_dispatch:\n"
            f"jobs:\n  j:\n    if: {condition}\n    runs-on: x\n    steps: [{{run: a}}]\n")
    root = load(text)[0].root
    assert isinstance(root, YMap)
    pipeline = load_workflow(Source("w.yml", text.splitlines(), []), root, lambda _: None)
    return sorted(t.event + ("" if t.certain else "?") for t in pipeline.workflows[0].job("j").triggers)


@pytest.mark.parametrize(("condition", "events"), [
    ("inputs.deploy", ["workflow_dispatch?"]),  # null on push and pull_request
    ("${{ inputs.x == 'true' }}", ["workflow_dispatch?"]),
    ("${{ inputs.x != 'true' }}", ["pull_request", "push", "workflow_dispatch?"]),
    ("${{ !github.event.pull_request.draft }}", ["pull_request?", "push", "workflow_dispatch"]),
    ("contains(github.event.pull_request.labels.*.name, 'deploy')", ["pull_request?"]),
])
def test_github_if_forms_narrow_the_triggers(condition: str, events: list[str]) -> None:
    assert _job_events(condition) == events
