"""CIL105 approval-before-deploy: fixtures on both platforms, asserted to the line."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from cilint.linter.deploy import DeployRecogniser, annotate_deploys
from cilint.linter.engine import find_rule, run_rules
from cilint.linter.findings import Finding
from cilint.linter.model import JobRun, Span, Step, Text
from cilint.linter.project import build_project
from helpers import FIXTURES, findings, project_for, where

RULE = "approval-before-deploy"
BASE = "rules/approval-before-deploy"


def run(name: str, **settings: Any) -> list[Finding]:
    return findings(RULE, f"{BASE}/{name}", **settings)


# -- GitHub ---------------------------------------------------------------------------------------


def test_ungated_deploy_names_the_path_and_preview_stays_quiet() -> None:
    found = run("gh-ungated")
    assert where(found) == [(".github/workflows/ship.yml", 11, "error")]
    message = found[0].message
    assert "push(main) -> build -> deploy" in message
    assert "`flyctl deploy`" in message  # the setup action is not the evidence
    assert found[0].job == ".github/workflows/ship.yml:Ship/deploy"
    # SARIF related locations: the trigger, every job of the path, the deploy evidence.
    assert [(s.line, m.split(" ")[0]) for s, m in found[0].related] == [
        (3, "trigger"), (7, "`build`"), (17, "`deploy`"),
    ]


def test_environment_on_an_ancestor_gates_unless_the_job_runs_after_failure() -> None:
    # Without `protected_environments` the environment counts, but cannot be verified: a note.
    found = run("gh-env-ancestor")
    assert where(found) == [
        (".github/workflows/release.yml", 16, "note"),
        (".github/workflows/release.yml", 21, "error"),
    ]
    assert "environment `production` (on `approve`)" in found[0].message
    assert "cannot be verified from YAML" in found[0].message
    # `announce` has `if: always()`: a rejected approval does not stop it.
    assert "push(tags: v*) -> build -> approve -> announce" in found[1].message
    protected = run("gh-env-ancestor", protected_environments=["production"])
    assert where(protected) == [(".github/workflows/release.yml", 21, "error")]


def test_environment_not_listed_as_protected_is_no_gate() -> None:
    found = run("gh-env-ancestor", protected_environments=["prod-eu"])
    assert where(found) == [
        (".github/workflows/release.yml", 10, "error"),
        (".github/workflows/release.yml", 16, "error"),
        (".github/workflows/release.yml", 21, "error"),
    ]
    assert "environment `production` is not listed in `protected_environments`" in found[0].message


def test_reusable_deploy_reached_by_two_workflows_one_without_the_gate() -> None:
    found = run("gh-reusable", protected_environments=["production"])
    # Reported at the caller that lacks the gate, naming the callee job.
    assert where(found) == [(".github/workflows/hotfix.yml", 10, "error")]
    message = found[0].message
    assert "push(hotfix/**) -> test -> deploy -> deploy/ship" in message
    assert "`.github/workflows/deploy.yml` called from workflow `Hotfix`" in message
    assert found[0].related[-1][0].path == ".github/workflows/deploy.yml"
    unverified = run("gh-reusable")
    assert where(unverified) == [
        (".github/workflows/hotfix.yml", 10, "error"),
        (".github/workflows/release.yml", 11, "note"),
    ]


def test_workflow_run_chain_is_gated_by_the_upstream_that_has_the_gate_only() -> None:
    found = run("gh-workflow-run", protected_environments=["production"])
    assert where(found) == [(".github/workflows/deploy.yml", 7, "error")]
    assert "schedule -> Nightly -> deploy" in found[0].message


def test_production_deploy_on_pull_requests_is_an_error_even_when_gated() -> None:
    found = run("gh-pull-request", protected_environments=["production"])
    assert where(found) == [(".github/workflows/deploy.yml", 7, "error")]
    assert found[0].message.startswith("pull requests can reach production deploy `deploy`")
    assert "pull_request -> deploy" in found[0].message
    # The preview deploy (pulumi up to a preview stack) on pull requests stays quiet.
    assert all("preview" not in f.message for f in found)


def test_manual_only_trigger_counts_as_approval_only_with_the_option() -> None:
    assert where(run("gh-manual")) == [(".github/workflows/publish.yml", 5, "error")]
    assert run("gh-manual", options={"manual_is_approval": True}) == []


def test_builds_image_pushes_dry_runs_and_docs_are_not_production_deploys() -> None:
    assert run("not-deploys") == []
    project = project_for(f"{BASE}/not-deploys")
    jobs = {job.key: job.deploy for w in project.workflows() for job in w.jobs()}
    assert jobs["release_build"] is None  # `mix release` builds
    assert jobs["image"] is None  # `docker push` of a build image
    assert jobs["check-publish"] is None  # dry runs
    docs = jobs["docs"]
    assert docs is not None and not docs.production and docs.target == "pages"


# -- CircleCI -------------------------------------------------------------------------------------


def test_circleci_approval_two_levels_up_gates_and_the_other_workflow_is_reported() -> None:
    found = run("cci-two-levels")
    # `release` has hold -> push_image -> deploy; `hotfix` runs the same job with no approval.
    assert where(found) == [(".circleci/config.yml", 32, "error")]
    assert "in workflow `hotfix`" in found[0].message
    assert "push(/hotfix\\/.*/) -> build -> deploy" in found[0].message
    assert "type: approval" in found[0].message


def test_circleci_approval_filtered_out_on_a_branch_does_not_gate_it() -> None:
    found = run("cci-filtered-gate")
    assert where(found) == [(".circleci/config.yml", 17, "error")]
    assert "filtered out" in found[0].message
    assert "push(main, release) -> build -> deploy" in found[0].message


def test_circleci_deploy_on_every_branch_reaches_pull_requests() -> None:
    found = run("cci-pr-deploy")
    assert where(found) == [(".circleci/config.yml", 21, "error")]
    assert "pull requests can reach production deploy `deploy`" in found[0].message
    assert "pull_request -> build -> hold -> deploy" in found[0].message


def test_large_circleci_workflow_checks_in_linear_time(tmp_path: Path) -> None:
    """5,000 jobs, each requiring the two before it, an approval near the top: one pass."""
    lines = ["version: 2.1", "jobs:", "  work:", "    docker: [{image: cimg/base:2024.01}]",
             "    steps: [{run: make}]", "  ship:", "    docker: [{image: cimg/base:2024.01}]",
             "    steps: [{run: helm upgrade --install app ./chart}]", "workflows:", "  big:", "    jobs:",
             "      - work: {name: j0}", "      - hold: {type: approval, requires: [j0]}",
             "      - work: {name: j1, requires: [hold]}"]
    for i in range(2, 5000):
        lines.append(f"      - work: {{name: j{i}, requires: [j{i - 1}, j{i - 2}]}}")
    lines.append("      - ship: {name: deploy-a, requires: [j4999]}")
    lines.append("      - ship: {name: deploy-b, requires: [j0]}")
    config = tmp_path / ".circleci" / "config.yml"
    config.parent.mkdir()
    config.write_text("\n".join(lines) + "\n")
    project = build_project([tmp_path])
    annotate_deploys(project)
    rule = find_rule(RULE)
    assert rule is not None
    start = time.perf_counter()
    result = run_rules(project, [rule], {}, {})
    elapsed = time.perf_counter() - start
    assert elapsed < 3, elapsed
    # deploy-a is gated by `hold` 5,000 jobs up; deploy-b is not. Both run on every branch.
    unapproved = [f for f in result.findings if "without an approval" in f.message]
    assert [(f.span.line, "`deploy-b`" in f.message) for f in unapproved] == [(len(lines), True)]
    assert len([f for f in result.findings if f.message.startswith("pull requests")]) == 2


# -- seeds ----------------------------------------------------------------------------------------

SEEDS = FIXTURES / "seeds"


@pytest.mark.skipif(not (SEEDS / "net_auto" / ".circleci").is_dir(), reason="seed fixture absent")
def test_seed_000_release_waits_for_deploy_gate() -> None:
    assert findings(RULE, "seeds/net_auto") == []
    project = project_for("seeds/net_auto")
    release = next(w for w in project.workflows() if w.name == "release")
    stub = release.job("deploy_stub")
    assert stub.deploy is not None and stub.deploy.production
    assert [j.key for j in release.ancestors("deploy_stub") if j.is_approval] == ["deploy_gate"]
    assert release.job("docker_build_push").deploy is None


@pytest.mark.skipif(not (SEEDS / "autogit" / ".github").is_dir(), reason="seed fixture absent")
def test_seed_003_tag_release_without_approval() -> None:
    found = findings(RULE, "seeds/autogit")
    assert where(found) == [(".github/workflows/ci.yml", 139, "error")]
    assert "production deploy `release`" in found[0].message
    assert found[0].message.count("push(tags: v*)") == 1


@pytest.mark.skipif(not (SEEDS / "qusto" / ".github").is_dir(), reason="seed fixture absent")
def test_seed_001_production_environment_is_the_gate() -> None:
    found = findings(RULE, "seeds/qusto")
    assert where(found) == [(".github/workflows/deploy.yml", 68, "note")]
    assert findings(RULE, "seeds/qusto", protected_environments=["production"]) == []


# -- deploy recognition ---------------------------------------------------------------------------


def _job(*scripts: str, name: str = "job") -> JobRun:
    span = Span("x.yml", 1, 1, 1, 1)
    steps = [Step(span, "run", run=Text(script, span)) for script in scripts]
    return JobRun(key=name, job_id=name, name=name, span=span, qualified=f"x.yml:w/{name}", steps=steps)


@pytest.mark.parametrize(("script", "what"), [
    ("kubectl -n prod apply -f k8s/", "`kubectl apply`"),
    ("aws --region eu-west-1 ecs update-service --cluster c --service s", "`aws ecs update-service`"),
    ("bundle exec cap production deploy", "`cap production deploy`"),
    ("npx vercel deploy --prod", "`vercel deploy`"),
    ("~/.fly/bin/flyctl deploy --remote-only", "`flyctl deploy`"),
    ("npm run publish", None),
    ("npm publish --dry-run", None),
    ("MIX_ENV=prod mix release", None),
    ("docker push ghcr.io/acme/app:latest", None),
    ("kubectl rollout status deploy/app", None),
])
def test_deploy_commands(script: str, what: str | None) -> None:
    deploy = DeployRecogniser().recognise(_job(script))
    assert (deploy.evidence[0][0] if deploy else None) == what


def test_deploy_names_and_targets() -> None:
    recognise = DeployRecogniser().recognise
    assert recognise(_job(name="release_build")) is None
    assert recognise(_job(name="deployment-status")) is None  # a noun, not the verb
    named = recognise(_job(name="deployProd"))
    assert named is not None and named.production
    staging = recognise(_job("flyctl deploy --config fly.staging.toml"))
    assert staging is not None and staging.target == "staging"
    docs = recognise(_job(name="deploy"), "Deploy docs preview")
    assert docs is not None and not docs.production
    assert recognise(_job("kubectl apply -f x", name="deploy"), "CI") is not None
    # `test` in a workflow name says nothing about the target.
    tested = recognise(_job(name="deploy"), "Build, test and deploy")
    assert tested is not None and tested.production
    kind = recognise(_job("kind create cluster", "helm install app ./chart"))
    assert kind is not None and not kind.production
    custom = DeployRecogniser({"verbs": ["ship"], "non_production": "canary"}).recognise
    assert custom(_job(name="ship-it")) is not None
    assert custom(_job(name="deploy")) is None
    canary = custom(_job("flyctl deploy --app canary"))
    assert canary is not None and canary.target == "canary"


def test_configured_deploy_command_matches_by_program_file_name() -> None:
    recogniser = DeployRecogniser({"commands": ["./scripts/ship.sh"]})
    for script in ("./scripts/ship.sh --prod", "bash -c 'scripts/ship.sh'", "ship.sh"):
        deploy = recogniser.recognise(_job(script, name="job"))
        assert deploy is not None and deploy.evidence[0][0] == "`./scripts/ship.sh`", script
    assert recogniser.recognise(_job("./scripts/test.sh", name="job")) is None


def test_circleci_workflow_gated_on_a_pipeline_parameter_is_started_by_that_trigger() -> None:
    """`when: << pipeline.parameters.run-deploy >>` (default false) and `equal: [deploy, <<
    pipeline.parameters.action >>]`: the path starts at the API call that sets it, not at a push."""
    found = run("cci-api-deploy")
    assert where(found) == [(".circleci/config.yml", 24, "error"), (".circleci/config.yml", 32, "error")]
    assert "can run without an approval: api(run-deploy=true) -> build -> deploy;" in found[0].message
    assert "can run without an approval: api(main; action=deploy) -> deploy;" in found[1].message


def test_circleci_step_condition_leaves_the_deploy_out_of_an_invocation() -> None:
    """`when: {condition: << parameters.deploy >>}` around the deploy step: `build-only` (deploy
    false) deploys nothing and needs no approval; the invocations with `deploy: true` do."""
    found = run("cci-step-condition")
    assert where(found) == [(".circleci/config.yml", 24, "error"), (".circleci/config.yml", 30, "error"),
                            (".circleci/config.yml", 30, "error")]
    assert not any("build-only`" in f.message.split(":")[0] for f in found)
    assert "can run without an approval: push -> build;" in found[1].message


# -- targets, drafts, docs, publishing actions, CircleCI `deploy` steps (issue 14) -----------------


def test_github_target_drafts_docs_and_publishing_inputs() -> None:
    found = run("gh-targets")
    # `--notes-file /dev/null` and a release body say nothing about the target; changesets/action
    # publishes through `publish`; `gh release edit --draft=false` publishes a draft. Drafts, a
    # version pull request, a no-op `publish`, `mkdocs gh-deploy` and TestPyPI stay quiet.
    assert where(found) == [
        (".github/workflows/release.yml", 7, "error"),
        (".github/workflows/release.yml", 12, "error"),
        (".github/workflows/release.yml", 20, "error"),
        (".github/workflows/release.yml", 28, "error"),
    ]
    assert [m.message.split(" (")[1].split(")")[0] for m in found] == [
        "`gh release create`", "`softprops/action-gh-release`", "`changesets/action`", "`gh release edit`",
    ]


def test_circleci_contexts_drafts_docs_orbs_and_the_deploy_step() -> None:
    found = run("cci-targets")
    # Contexts `gcp-dev-tools`/`npm-ci-test` are credentials, not targets; `/dev/null` is no
    # target; the `deploy` step deploys; promoting a dev orb makes a production version. A dev
    # orb version, a draft release and `mkdocs gh-deploy` stay quiet.
    assert where(found) == [
        (".circleci/config.yml", 32, "error"),
        (".circleci/config.yml", 35, "error"),
        (".circleci/config.yml", 37, "error"),
        (".circleci/config.yml", 39, "error"),
    ]
    assert "(`npm publish`, in workflow `release`)" in found[0].message
    assert "(`deploy` step, in workflow `release`)" in found[2].message
    assert "(`circleci orb publish promote`, in workflow `release`)" in found[3].message


@pytest.mark.parametrize(("script", "target"), [
    ("gh release create v1 --notes-file /dev/null", "production"),
    ("gh release create v1 --title 'Dev build'", "production"),
    ("flyctl deploy --app web-staging", "staging"),
    ("kubectl apply -f k8s/overlays/dev/", "dev"),
    ("mkdocs gh-deploy --force", "pages"),
    ("circleci orb publish promote acme/x@dev:abc patch", "production"),
    ("circleci orb publish orb.yml acme/x@dev:abc", "dev"),
])
def test_targets_come_from_the_deploy_target(script: str, target: str) -> None:
    deploy = DeployRecogniser().recognise(_job(script))
    assert deploy is not None and deploy.target == target


def test_draft_releases_are_no_deploys_and_contexts_are_no_targets() -> None:
    recognise = DeployRecogniser().recognise
    assert recognise(_job("gh release create v1 --draft")) is None
    assert recognise(_job("gh release create -d v1")) is None
    assert recognise(_job("gh release edit v1 --title x")) is None
    job = _job("npm publish")
    job.contexts = [Text("gcp-dev-tools", job.span), Text("AWS__x__circle-ci-test", job.span)]
    deploy = recognise(job)
    assert deploy is not None and deploy.production
    # A name that says production as well (`dev-promote-prod` promotes a dev version) is production.
    promoted = recognise(_job(name="dev-promote-prod"))
    assert promoted is not None and promoted.production


def test_every_deploying_step_must_name_a_non_production_target() -> None:
    recognise = DeployRecogniser().recognise
    both = recognise(_job("twine upload --repository-url https://test.pypi.org/legacy/ dist/*",
                          "twine upload dist/*"))
    assert both is not None and both.production  # TestPyPI, then PyPI
    test_only = recognise(_job("twine upload --repository-url https://test.pypi.org/legacy/ dist/*"))
    assert test_only is not None and test_only.target == "test"
