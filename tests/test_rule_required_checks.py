"""CIL106 required-checks: fixtures on both platforms and every protection source, to the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cilint.linter.deploy import annotate_deploys
from cilint.linter.engine import find_rule, run_rules
from cilint.linter.findings import Finding
from cilint.linter.project import LoadSettings, build_project
from cilint.linter.run import load_for
from helpers import FIXTURES, findings, where

RULE = "required-checks"
BASE = "rules/required-checks"


def run(name: str, **settings: Any) -> list[Finding]:
    return findings(RULE, f"{BASE}/{name}", **settings)


def with_protection(name: str, *files: str, options: dict[str, Any] | None = None) -> list[Finding]:
    """As `cilint check <fixture> --protection <file>...`."""
    root = FIXTURES / name
    project = build_project([root], LoadSettings(protection_files=[root / f for f in files]))
    annotate_deploys(project)
    rule = find_rule(RULE)
    assert rule is not None
    result = run_rules(project, [rule], {rule.id: options or {}}, {})
    assert result.errors == []
    return result.findings


# -- GitHub names ---------------------------------------------------------------------------------


def test_matrix_reusable_and_typo_names_are_never_reported_with_near_misses() -> None:
    found = run("gh-names")
    assert where(found) == [
        (".github/settings.yml", 8, "error"),
        (".github/settings.yml", 9, "error"),
        (".github/settings.yml", 11, "error"),
        (".github/workflows/ci.yml", 15, "note"),
    ]
    test, lint, typo, note = (f.message for f in found)
    # The matrix job reports `test (3.11)` and `test (3.12)`, never `test`.
    assert "required check `test`" in test and "never reported" in test
    assert "`test (3.11)`, `test (3.12)`" in test
    # A reusable workflow's job reports `<caller name> / <job name>`.
    assert "reported instead: `Checks / Lint`" in lint
    assert "reported instead: `typo_job`" in typo
    # `Checks / test` is required and reported; `codecov/patch` is another app's: no finding.
    assert not [f for f in found if f.message.startswith("required check `Checks / test`")]
    assert not [f for f in found if "codecov" in f.message]
    # `security` looks like a gate and nobody requires it; the near misses are not noted again.
    assert note.startswith("`security` looks like a gate but no branch protection requires it") and "`main`" in note


def test_gate_names_option() -> None:
    assert where(run("gh-names", options={"gate_names": r"^$"}))[-1][2] == "error"
    quiet = run("gh-names", options={"gate_names": r"(?i)^lint$"})
    assert [f.level for f in quiet] == ["error", "error", "error"]


def test_ruleset_in_evaluate_mode_is_at_most_a_warning() -> None:
    found = with_protection(f"{BASE}/gh-names", "protection/evaluate.json")
    evaluate = [f for f in found if f.span.path == "protection/evaluate.json"]
    assert where(evaluate) == [("protection/evaluate.json", 9, "warning")]
    assert "evaluate mode" in evaluate[0].message
    # The other protection still requires `Checks / test`: `checks.yml`'s jobs are not noted.
    assert [f.span.path for f in found if f.level == "note"] == [".github/workflows/ci.yml"]


# -- filters, ambiguity, vacuous passes -----------------------------------------------------------


def test_path_filtered_branch_filtered_and_ambiguous_checks() -> None:
    found = run("gh-filters")
    assert where(found) == [
        (".github/settings.yml", 8, "warning"),
        (".github/settings.yml", 10, "error"),
        (".github/settings.yml", 11, "warning"),
    ]
    build, docs, test = (f.message for f in found)
    assert "`paths` filters" in build and "waits for the check forever" in build
    # `lint`: the real workflow has `paths`, its twin `paths-ignore` the same: GitHub's workaround.
    assert "does not run on pull requests to this branch" in docs
    assert "reported by 2 different jobs" in test


def test_ruleset_that_excludes_a_branch_the_workflow_ignores() -> None:
    found = with_protection(f"{BASE}/gh-ruleset-exclude", "protection/rulesets.json")
    # `~ALL` minus `docs/**` matches the workflow's `branches-ignore`; `~ALL` alone does not;
    # `~DEFAULT_BRANCH` is main, which the workflow covers.
    assert where(found) == [("protection/rulesets.json", 21, "warning")]
    assert "pull requests to `~ALL`" in found[0].message
    assert "covers only part of `~ALL`" in found[0].message


def test_vacuous_passes_skipped_jobs_and_aggregators() -> None:
    found = run("gh-vacuous")
    assert where(found) == [
        (".github/settings.yml", 8, "warning"),
        (".github/settings.yml", 9, "warning"),
        (".github/settings.yml", 11, "warning"),
    ]
    smoke, aggregator, matrix = (f.message for f in found)
    assert "passes without running" in smoke and "skipped job counts as success" in smoke
    assert "passes when `test` fails" in aggregator and "if: always()" in aggregator
    # `ci-ok` runs `if: always()` and fails on needs' results: quiet.
    assert "only when the whole matrix job is skipped" in matrix


def test_merge_queue_needs_merge_group_trigger() -> None:
    found = with_protection(f"{BASE}/gh-merge-queue", "protection/ruleset.json")
    assert where(found) == [(".github/workflows/ci.yml", 3, "error")]
    assert "no `merge_group` trigger" in found[0].message and "`all-green`" in found[0].message
    assert found[0].related[0][0].path == "protection/ruleset.json"


def test_app_id_pinning() -> None:
    found = run("gh-app-id")
    assert where(found) == [(".github/settings.yml", 8, "error"), (".github/settings.yml", 10, "error")]
    assert "is pinned to app 4242, but only GitHub Actions reports it" in found[1].message
    # With CircleCI's GitHub Checks, the CircleCI workflow `build` reports a check `build`; it
    # does not satisfy a check pinned to GitHub Actions.
    checks = run("gh-app-id", circleci_checks="checks-oauth")
    assert where(checks) == [(".github/settings.yml", 8, "error"), (".github/settings.yml", 10, "error")]
    assert "pinned to GitHub Actions (15368), but only CircleCI reports it" in checks[0].message


def test_protection_from_the_cilint_config() -> None:
    project, _ = load_for([FIXTURES / BASE / "config"], None, [])
    rule = find_rule(RULE)
    assert rule is not None
    found = run_rules(project, [rule], {}, {}).findings
    assert where(found) == [(".cilint.yml", 5, "error")]
    assert "required check `lint`" in found[0].message


# -- CircleCI -------------------------------------------------------------------------------------


def test_circleci_status_names() -> None:
    found = run("cci-status")
    assert where(found) == [
        (".github/settings.yml", 9, "error"),
        (".github/settings.yml", 10, "error"),
        (".github/settings.yml", 11, "error"),
    ]
    deploy, typo, bare = (f.message for f in found)
    assert "its filters keep it off pull-request branches" in deploy
    assert "reported instead: `ci/circleci: test`" in typo
    assert "reported instead: `ci/circleci: build`" in bare


# -- seeds ----------------------------------------------------------------------------------------

SEEDS = FIXTURES / "seeds"


@pytest.mark.skipif(not (SEEDS / "qusto" / ".github").is_dir(), reason="seed fixture absent")
def test_seed_001_build_static_security() -> None:
    found = findings(RULE, "seeds/qusto")
    # `build` is met by Node CI's `build` alone; Elixir CI's matrix `build` is not covered.
    assert where(found) == [(".github/settings.yml", line, "warning") for line in (13, 27, 41, 52)]
    assert all("the matrix job `build` in `.github/workflows/elixir.yml`" in f.message for f in found)
    assert all("`build (test, postgres:18, 1)`" in f.message for f in found)


@pytest.mark.skipif(not (SEEDS / "autogit" / "protection").is_dir(), reason="seed fixture absent")
def test_seed_003_protection_files() -> None:
    files = ("protection/main.json", "protection/release-branches.ruleset.json")
    found = with_protection("seeds/autogit", *files)
    assert where(found) == [
        (".github/workflows/ci.yml", 76, "note"),
        (".github/workflows/ci.yml", 105, "note"),
        (".github/workflows/ci.yml", 119, "note"),
        ("protection/release-branches.ruleset.json", 27, "warning"),
        ("protection/release-branches.ruleset.json", 28, "warning"),
    ]
    assert "passes when `build` fails" in found[3].message


def test_no_pipelines_or_no_protection_no_findings(tmp_path: Path) -> None:
    settings = tmp_path / "settings.yml"
    settings.write_text("branches:\n  - name: main\n    protection:\n      required_status_checks:\n"
                        "        contexts: [test]\n      required_pull_request_reviews: null\n"
                        "      enforce_admins: null\n      restrictions: null\n")
    project = build_project([settings])
    rule = find_rule(RULE)
    assert rule is not None
    assert run_rules(project, [rule], {}, {}).findings == []
    assert findings(RULE, "rules/approval-before-deploy/gh-ungated") == []


# -- checks that GitHub Apps report ----------------------------------------------------------------


_APP_NOTE = "is reported by no pipeline here; it is expected from {}, and cilint cannot see what apps report"


def test_checks_of_apps_are_a_note_unless_a_near_miss_github() -> None:
    found = with_protection(f"{BASE}/gh-apps", "protection/main.json")
    assert where(found) == [
        (".github/settings.yml", 8, "note"),
        (".github/settings.yml", 9, "note"),
        (".github/settings.yml", 10, "error"),
        ("protection/main.json", 8, "note"),
        ("protection/main.json", 10, "error"),
    ]
    dco, codeql, test, app, pinned_test = (f.message for f in found)
    # `DCO` and `CodeQL` are the names apps post their checks under (load_protection.APP_CHECKS).
    assert dco.startswith("required check `DCO` (pull requests to `main`) " + _APP_NOTE.format("the DCO app"))
    assert _APP_NOTE.format("GitHub code scanning") in codeql
    # REST JSON: pinned to an app that is not GitHub Actions (15368).
    assert app.startswith("required check `license-check` (pull requests to `main`) " + _APP_NOTE.format("app 46398"))
    # A near miss of a workflow's check is still an error, pinned to an app or not.
    for message in (test, pinned_test):
        assert "never reported on pull requests; reported instead: `test (3.11)`, `test (3.12)`" in message


def test_checks_of_apps_are_a_note_unless_a_near_miss_circleci() -> None:
    found = run("cci-apps")
    assert where(found) == [
        (".github/settings.yml", 10, "error"),
        (".github/settings.yml", 12, "note"),
        (".github/settings.yml", 15, "note"),
    ]
    typo, semantic, dco = (f.message for f in found)
    assert "`ci/circleci: lint_code`" in typo and "reported instead: `ci/circleci: lint-code`" in typo
    assert semantic.startswith("required check `Semantic Pull Request` (pull requests to `main`) "
                               + _APP_NOTE.format("app 24581"))
    assert dco.startswith("required check `DCO` (pull requests to `main`) " + _APP_NOTE.format("the DCO app"))
