"""One finding per place: the same rule, place and cause reached through N matrix legs or N
calling jobs is one finding, whose message says in how many jobs (`engine.group_findings`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from cilint.linter.engine import all_rules, fingerprint, group_findings, run_rules
from cilint.linter.findings import Finding
from cilint.linter.values import Span
from helpers import FIXTURES, cli, findings, project_for, where

GITHUB = "github/grouped"
CIRCLECI = "circleci/grouped"
CI = ".github/workflows/ci.yml"
BUILD = ".github/workflows/build.yml"
CONFIG = ".circleci/config.yml"


def _at(found: list[Finding], suffix: str, line: int) -> list[Finding]:
    return [f for f in found if f.span.path.endswith(suffix) and f.span.line == line]


def test_a_step_of_a_matrix_job_is_one_finding_for_all_its_legs() -> None:
    found = findings("invalid-reference", GITHUB)
    assert where(found) == [(BUILD, 11, "error"), (CI, 15, "error")]
    (legs,) = _at(found, "ci.yml", 15)
    assert legs.message == ("local action `./.github/actions/report-coverage` has no action.yml in the "
                            "repository (in 3 job runs of `CI/test`)")
    assert legs.job is not None and legs.job.endswith(":CI/test")


def test_a_step_of_a_reusable_workflow_is_one_finding_for_all_its_callers() -> None:
    (called,) = _at(findings("invalid-reference", GITHUB), "build.yml", 11)
    # the three callers, and the workflow as the model also reads it on its own
    assert called.message.endswith("(in 4 jobs: `Build/build`, `CI/call-linux/build`, `CI/call-macos/build` "
                                   "and 1 more)")
    assert called.job is not None and called.job.endswith(":Build/build")  # the first job, sorted
    # the other jobs are related locations: the jobs that call the workflow
    assert [(span.path, span.line, text) for span, text in called.related] == [
        (CI, 16, "also reached in job `CI/call-linux/build`"),
        (CI, 18, "also reached in job `CI/call-macos/build`"),
        (CI, 20, "also reached in job `CI/call-windows/build`"),
    ]


def test_circleci_matrix_legs_of_one_invocation_are_one_finding() -> None:
    found = findings("approval-before-deploy", CIRCLECI)
    # the matrix (line 15) is one invocation; the two hotfix entries are two places
    assert where(found) == [(CONFIG, line, "error") for line in (15, 24, 30)]
    legs = found[0]
    # the messages name their own leg: grouped all the same, and the first leg's is kept
    assert legs.message.startswith("production deploy `publish-github` (`npm publish`, in workflow `release`)")
    assert legs.message.endswith(
        "(in 3 jobs: `release/publish-github`, `release/publish-gitlab`, `release/publish-npmjs`)")
    assert "in 2 jobs" not in found[1].message and "jobs:" not in found[2].message


def test_a_job_name_inside_another_is_not_taken_for_it() -> None:
    # `publish-hotfix` is a prefix of `publish-hotfix-mirror`: two causes, two findings
    found = findings("approval-before-deploy", CIRCLECI)
    assert "`publish-hotfix`" in found[1].message and "`publish-hotfix-mirror`" in found[2].message


def _copy(tmp_path: Path, fixture: str) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / fixture, repo)
    (repo / ".git").mkdir()
    return repo


def test_every_format_sees_one_finding(tmp_path: Path) -> None:
    repo = _copy(tmp_path, GITHUB)
    _, out, _ = cli("check", "--format", "json", "--exit-zero", str(repo))
    found = json.loads(out)["findings"]
    assert [(f["path"], f["line"]) for f in found] == [(".github/workflows/build.yml", 11),
                                                      (".github/workflows/ci.yml", 15)]
    _, out, _ = cli("check", "--format", "sarif", "--exit-zero", str(repo))
    results = json.loads(out)["runs"][0]["results"]
    assert len(results) == 2
    assert len({r["partialFingerprints"]["cilintFingerprint/v1"] for r in results}) == 2
    _, out, _ = cli("check", "--format", "github", "--exit-zero", str(repo))
    assert out.count("::error ") == 2
    _, out, _ = cli("check", "--format", "text", "--exit-zero", str(repo))
    assert out.count("CIL002 [invalid-reference]") == 2


def test_an_inline_suppression_suppresses_the_grouped_finding(tmp_path: Path) -> None:
    repo = _copy(tmp_path, GITHUB)
    workflow = repo / ".github/workflows/ci.yml"
    workflow.write_text(workflow.read_text().replace(
        "report-coverage\n", "report-coverage  # cilint: ignore[invalid-reference] -- made by an earlier job\n"))
    _, out, _ = cli("check", "--format", "json", "--exit-zero", str(repo))
    data = json.loads(out)
    found = [(f["path"], f["line"], f.get("suppressed")) for f in [*data["findings"], *data["suppressed"]]]
    assert found == [(BUILD, 11, None),
                     (CI, 15, {"justification": "made by an earlier job", "kind": "inSource"})]
    assert "unused-suppression" not in out


def test_the_fingerprint_is_the_one_the_first_leg_had_alone() -> None:
    """A baseline written before grouping (one fingerprint per job run) still matches."""
    project = project_for(GITHUB)
    rule = next(r for r in all_rules() if r.name == "invalid-reference")
    alone = list(rule.check(project, dict(rule.options)))
    for finding in alone:
        finding.rule_id = rule.id
    fingerprint(project, alone)
    grouped = run_rules(project, [rule], {}, {}).findings
    assert {f.fingerprint for f in grouped} <= {f.fingerprint for f in alone}
    assert run_rules(project, [rule], {}, {}).findings[0].fingerprint == grouped[0].fingerprint  # stable


def _finding(message: str, job: str | None, line: int = 3, level: str = "warning",
             related: list[tuple[Span, str]] | None = None) -> Finding:
    return Finding(message, Span("a.yml", line, 5, line, 9), job=job, level=level, related=related or [],
                   rule_id="CIL999")


def test_grouping_keys_on_rule_place_and_cause() -> None:
    groups = group_findings([
        _finding("x is wrong", "a.yml:W/b"),
        _finding("x is wrong", "a.yml:W/a"),
        _finding("x is wrong", "a.yml:W/a", line=4),  # another place
        _finding("y is wrong", "a.yml:W/a"),  # another cause
        _finding("job `c` is wrong", "a.yml:W/c"),
        _finding("job `d` is wrong", "a.yml:W/d"),  # the same cause, its own job named
        _finding("job `e` is wrong", "a.yml:W/f"),  # names a job that is not its own
    ])
    assert [[(f.message, f.job) for f in members] for members in groups] == [
        [("x is wrong", "a.yml:W/a"), ("x is wrong", "a.yml:W/b")],
        [("x is wrong", "a.yml:W/a")],
        [("y is wrong", "a.yml:W/a")],
        [("job `c` is wrong", "a.yml:W/c"), ("job `d` is wrong", "a.yml:W/d")],
        [("job `e` is wrong", "a.yml:W/f")],
    ]


def test_a_grouped_finding_keeps_the_highest_level_and_bounded_related() -> None:
    from cilint.linter.engine import MAX_GROUP_RELATED, merge_group

    shared = (Span("b.yml", 1, 1, 1, 9), "the cache key")
    members = [_finding("x", f"a.yml:W/j{i:02}", level="error" if i == 7 else "warning",
                        related=[shared, (Span("b.yml", i + 2, 1, i + 2, 9), f"step {i}")]) for i in range(20)]
    merged = merge_group(members, {})
    assert merged.level == "error" and merged.job == "a.yml:W/j00"
    assert merged.related[0] == shared and len(merged.related) == MAX_GROUP_RELATED
    assert len(set(merged.related)) == len(merged.related)
    assert merged.message == "x (in 20 jobs: `W/j00`, `W/j01`, `W/j02` and 17 more)"


def test_copies_without_a_job_are_one_finding_with_its_message_unchanged() -> None:
    from cilint.linter.engine import merge_group

    assert merge_group([_finding("x", None), _finding("x", None)], {}).message == "x"
