"""CIL109 least-privilege: every finding of the fixtures, exactly, and the permissions facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import findings, project_for, where

RULE = "least-privilege"
FIRE = "rules/least-privilege/fire"
QUIET = "rules/least-privilege/quiet"
CI = ".github/workflows/ci.yml"
PUBLISH = ".github/workflows/publish.yml"
CIRCLE = ".circleci/config.yml"
CONTEXTS = {"npm": ["NPM_TOKEN"], "aws-credentials": ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
            "prod-deploy": ["DEPLOY_TOKEN"]}


def test_github_fires() -> None:
    found = findings(RULE, f"{FIRE}/github")
    assert where(found) == [
        (CI, 1, "warning"),  # no top-level permissions; `test` sets none
        (CI, 12, "warning"),  # lint: contents: write, no push
        (CI, 13, "warning"),  # lint: pull-requests: write, no comment
        (CI, 19, "warning"),  # permissions: write-all
        (PUBLISH, 8, "warning"),  # id-token: write, only a registry push
    ]
    messages = [f.message for f in found]
    assert "sets no top-level `permissions:`" in messages[0]
    assert [(s.line, m) for s, m in found[0].related] == [(4, "job `test` sets no `permissions:`")]
    assert "`contents: write` is granted to job `lint`" in messages[1]
    assert "`pull-requests: write`" in messages[2]
    assert "write-all" in messages[3] and "contents (`git push`)" in messages[3]
    assert "`id-token: write`" in messages[4] and "packages (a registry login" in messages[4]
    assert found[1].job == f"{CI}:ci/lint"


def test_github_quiet() -> None:
    # writes each used (a release action, github-script, trusted publishing), a token handed to
    # an unknown action, a remote reusable workflow, a workflow only called (its caller's token)
    assert findings(RULE, f"{QUIET}/github") == []


def test_circleci_fires() -> None:
    found = findings(RULE, f"{FIRE}/circleci", context_variables=CONTEXTS)
    assert where(found) == [
        (CIRCLE, 22, "warning"),  # aws-credentials given to `test`, which reads only NPM_TOKEN
        (CIRCLE, 24, "warning"),  # prod-deploy on a job with no branch filter
    ]
    assert "context `aws-credentials`" in found[0].message and "it reads `$NPM_TOKEN`" in found[0].message
    assert "deploy context `prod-deploy`" in found[1].message and "any branch" in found[1].message


def test_circleci_quiet() -> None:
    # each context read (`aws` reads AWS_* itself); the deploy context filtered to main
    assert findings(RULE, f"{QUIET}/circleci", context_variables=CONTEXTS) == []


def test_circleci_without_a_contexts_map_reports_only_deploy_contexts() -> None:
    found = findings(RULE, f"{FIRE}/circleci")
    assert where(found) == [(CIRCLE, 24, "warning")]


def test_the_loader_reads_permissions_and_job_overrides_workflow() -> None:
    project = project_for(f"{FIRE}/github")
    by_file = {p.path: p for p in project.pipelines}
    ci, publish = by_file[CI], by_file[PUBLISH]
    assert ci.permissions is None
    assert publish.permissions is not None and publish.permissions.kind == "map"
    assert publish.permissions.scopes == {"contents": "read", "packages": "write", "id-token": "write"}
    assert publish.permissions.level("issues") == "none"  # a scope not listed
    assert publish.permissions.span_of("id-token").line == 8
    runs = {run.job_id: run for run in ci.workflows[0].jobs()}
    assert runs["test"].permissions is None
    lint = runs["lint"].permissions
    assert lint is not None and lint.level("contents") == "write" and lint.level("packages") == "none"
    everything = runs["everything"].permissions
    assert everything is not None and everything.kind == "all" and everything.level("packages") == "write"
    image = next(publish.workflows[0].jobs())
    assert image.permissions is publish.permissions  # no job-level block: the workflow's
    assert {u.scope for u in image.token_uses if u.certain} == {"packages"}



@pytest.mark.parametrize("script, what", [
    ("gh api repos/o/r/issues", "`gh api`"),
    ("gh extension install actions/gh-actions-cache && gh actions-cache delete k --confirm", "`gh extension`"),
])
def test_gh_commands_that_call_any_endpoint_name_no_scope_as_used(tmp_path: Path, script: str, what: str) -> None:
    # `gh api` may read or write anything, an extension likewise: the message says what it may
    # write with cannot be told, and names the command seen, never a list of every scope
    workflow = tmp_path / ".github/workflows/clean.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("on: push\njobs:\n  clean:\n    runs-on: ubuntu-latest\n    steps:\n"
                        f"      - run: {script}\n        env:\n          GH_TOKEN: ${{{{ github.token }}}}\n")
    [finding] = findings(RULE, tmp_path)
    assert (finding.span.line, finding.level) == (1, "warning")
    assert f"what it may write with cannot be told ({what})" in finding.message
    assert "actions (" not in finding.message
