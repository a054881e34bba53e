"""CIL110 untrusted-trigger and CIL112 checkout-credentials: every finding of the fixtures, exactly."""

from __future__ import annotations

from pathlib import Path

from cilint.linter.engine import find_rule, run_rules
from cilint.linter.findings import Finding
from cilint.linter.load_circleci import fork_secrets
from helpers import FIXTURES, cli, project_for, where

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
        (f"{WF}/build-preview.yml", 8, "error"),  # a local reusable workflow called on pull_request_target
        (f"{WF}/ci.yml", 12, "warning"),  # pull_request on a self-hosted runner
        (f"{WF}/ci.yml", 17, "warning"),  # ... a label chosen by an expression that can be self-hosted
        (f"{WF}/comment.yml", 12, "warning"),  # issue_comment, gh pr checkout, default token
        (f"{WF}/pwn.yml", 10, "error"),  # pull_request_target, head.sha, a secret
    ]
    chain = found[0]
    assert "`pull_request` of `CI` (.github/workflows/ci.yml) -> `workflow_run`" in chain.message
    assert [(s.path, s.line) for s, _ in chain.related][:2] == [(f"{WF}/after-ci.yml", 3), (f"{WF}/ci.yml", 3)]
    assert "`contents`" in chain.message
    assert "`pull_request_target`" in found[1].message and "`NETLIFY_TOKEN`" in found[1].message
    assert found[1].related[0][0].path == f"{WF}/preview.yml"  # the caller's trigger
    assert "self-hosted runner" in found[2].message
    assert "`issue_comment`" in found[4].message and "default permissions" in found[4].message
    assert "the secrets `NPM_TOKEN`" in found[5].message and "runs it (line 13)" in found[5].message


def test_github_quiet() -> None:
    # the labeller with a read token, a label gate, the pull request's files read by the base's
    # script, push only (even on a self-hosted runner), a workflow_run after a push-only workflow,
    # a runner chosen by whether the pull request comes from a fork
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
    assert where(found) == [
        (f"{WF}/after-ci.yml", 12, "warning"),  # include-hidden-files: true, and runs the pull request's code
        (f"{WF}/pwn.yml", 10, "warning"),  # runs the pull request's code
        (f"{WF}/site.yml", 11, "warning"),  # upload-artifact@v3 of the workspace
    ]
    assert "uploads the workspace as an artifact (line 16)" in found[0].message
    assert "runs a pull request's code" in found[1].message and "uploads" not in found[1].message
    # quiet: push-only jobs running a "head" checkout; upload-artifact@v4 and v4.6.2 leave `.git/` out
    assert _findings("checkout-credentials", f"{QUIET}/github") == []
    assert _findings("checkout-credentials", f"{FIRE}/circleci", passes_secrets=True) == []


def test_chain_is_decided_across_workflows() -> None:
    for path, chained in ((f"{FIRE}/github", True), (f"{QUIET}/github", False)):
        project = project_for(path)
        outsider = [t.outsider for w in project.workflows() for t in w.triggers if t.event == "workflow_run"]
        assert outsider == [chained]


def test_fork_secrets_setting_reaches_the_rule(tmp_path: Path) -> None:
    """`circleci: {fork_secrets: true}` in `.cilint.yml`, as `cilint check` reads it."""
    fixture = FIXTURES / FIRE / "circleci"
    for name in (".cilint.yml", ".circleci/config.yml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text((fixture / name).read_text())
    (tmp_path / ".git").mkdir()
    code, out, _ = cli("check", "--select", "CIL110", ".", cwd=tmp_path)
    assert ".circleci/config.yml:7:9: error CIL110" in out
    (tmp_path / ".cilint.yml").write_text("circleci:\n  fork_secrets: false\n")
    code, out, _ = cli("check", "--select", "CIL110", ".", cwd=tmp_path)
    assert "CIL110" not in out and code == 0
