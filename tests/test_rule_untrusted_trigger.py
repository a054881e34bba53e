"""CIL110 untrusted-trigger and CIL112 checkout-credentials: every finding of the fixtures, exactly."""

from __future__ import annotations

from cilint.linter.engine import find_rule, run_rules
from cilint.linter.findings import Finding
from cilint.linter.load_circleci import fork_secrets
from helpers import project_for, where

FIRE = "rules/untrusted-trigger/fire"
QUIET = "rules/untrusted-trigger/quiet"
WF = ".github/workflows"
CIRCLE = ".circleci/config.yml"


def _findings(rule: str, path: str, passes_secrets: bool = False) -> list[Finding]:
    found = find_rule(rule)
    assert found is not None
    project = project_for(path)
    fork_secrets(project, passes_secrets)
    result = run_rules(project, [found], {found.id: {}}, {})
    assert result.errors == []
    return result.findings


def test_github_fires() -> None:
    found = _findings("untrusted-trigger", f"{FIRE}/github")
    assert where(found) == [
        (f"{WF}/after-ci.yml", 12, "error"),  # workflow_run after a pull_request workflow, contents: write
        (f"{WF}/ci.yml", 12, "warning"),  # pull_request on a self-hosted runner
        (f"{WF}/comment.yml", 12, "warning"),  # issue_comment, gh pr checkout, default token
        (f"{WF}/pwn.yml", 10, "error"),  # pull_request_target, head.sha, a secret
    ]
    chain = found[0]
    assert "`pull_request` of `CI` (.github/workflows/ci.yml) -> `workflow_run`" in chain.message
    assert [(s.path, s.line) for s, _ in chain.related][:2] == [(f"{WF}/after-ci.yml", 3), (f"{WF}/ci.yml", 3)]
    assert "`contents`" in chain.message
    assert "self-hosted runner" in found[1].message
    assert "`issue_comment`" in found[2].message and "default permissions" in found[2].message
    assert "the secrets `NPM_TOKEN`" in found[3].message and "runs it (line 13)" in found[3].message


def test_github_quiet() -> None:
    # the labeller with a read token, a label gate, the pull request's files read by the base's
    # script, push only (even on a self-hosted runner), a workflow_run after a push-only workflow
    assert _findings("untrusted-trigger", f"{QUIET}/github") == []


def test_circleci_fires_when_forks_get_secrets() -> None:
    found = _findings("untrusted-trigger", f"{FIRE}/circleci", passes_secrets=True)
    assert where(found) == [(CIRCLE, 7, "error")]
    assert "the context `npm-registry`" in found[0].message


def test_circleci_quiet() -> None:
    # without the setting, forks get no secrets; with it, the job holding the context runs on main only
    assert _findings("untrusted-trigger", f"{FIRE}/circleci") == []
    assert _findings("untrusted-trigger", f"{QUIET}/circleci", passes_secrets=True) == []


def test_checkout_credentials() -> None:
    found = _findings("checkout-credentials", f"{FIRE}/github")
    assert where(found) == [(f"{WF}/after-ci.yml", 12, "warning"), (f"{WF}/pwn.yml", 10, "warning")]
    assert "uploads the workspace as an artifact (line 16)" in found[0].message
    assert _findings("checkout-credentials", f"{QUIET}/github") == []
    assert _findings("checkout-credentials", f"{FIRE}/circleci", passes_secrets=True) == []


def test_chain_is_decided_across_workflows() -> None:
    for path, chained in ((f"{FIRE}/github", True), (f"{QUIET}/github", False)):
        project = project_for(path)
        outsider = [t.outsider for w in project.workflows() for t in w.triggers if t.event == "workflow_run"]
        assert outsider == [chained]
