"""The five seed pipelines (fixtures/seeds) against their golden reports.

A change in what cilint finds on the pipelines our first users run is always a visible diff in
tests/golden/. After a deliberate change, regenerate with:

    CILINT_UPDATE_GOLDEN=1 python -m pytest tests/test_seeds_golden.py

and read the diff: every finding there must be one we would defend to the pipeline's owner.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from cilint.linter.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "fixtures" / "seeds"
GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("CILINT_UPDATE_GOLDEN") == "1"

# Branch protection given as REST/ruleset JSON, as a user would pass it with --protection.
PROTECTION = {
    "autogit": ["protection/main.json", "protection/release-branches.ruleset.json"],
}
SEED_NAMES = ["net_auto", "qusto", "gatherly", "autogit", "pantstack"]


def report(seed: str, output_format: str) -> str:
    args = ["check", "--format", output_format, "--exit-zero", str(SEEDS / seed)]
    for path in PROTECTION.get(seed, []):
        args += ["--protection", str(SEEDS / seed / path)]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("output_format", ["json", "sarif"])
@pytest.mark.parametrize("seed", SEED_NAMES)
def test_seed_report_matches_golden(seed: str, output_format: str) -> None:
    actual = report(seed, output_format)
    golden = GOLDEN / f"{seed}.{output_format}"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"no golden report {golden}; run with CILINT_UPDATE_GOLDEN=1"
    assert actual == golden.read_text(encoding="utf-8")


def _findings(seed: str) -> list[dict[str, object]]:
    data = json.loads((GOLDEN / f"{seed}.json").read_text(encoding="utf-8"))
    findings: list[dict[str, object]] = data["findings"]
    return findings


def test_net_auto_approval_gate_and_good_practices_are_quiet() -> None:
    # Seed 000: `deploy_gate` (type: approval) stands before `deploy_stub`; compile and credo
    # fail on warnings; caches key on mix.lock; GHCR_PAT comes from the netauto-ci context.
    assert _findings("net_auto") == []


def test_qusto_required_build_against_matrix_job_names() -> None:
    # Seed 001: `build` is required on main/master/stable/develop; Node CI's `build` reports it,
    # while Elixir CI's matrix job `build` reports `build (test, postgres:18, 1)`... and is
    # therefore not what the requirement protects.
    build = [f for f in _findings("qusto") if f["rule"] == "required-checks"]
    assert len(build) == 4
    assert all("`build`" in str(f["message"]) and "matrix" in str(f["message"]) for f in build)


def test_autogit_tag_release_without_approval_and_branch_pinned_action() -> None:
    # Seed 003: the tag-triggered release publishes with no approval; trivy is pinned to master.
    found = {(f["rule"], f["line"], f["level"]) for f in _findings("autogit")}
    assert ("approval-before-deploy", 139, "error") in found
    assert ("pinned-actions", 71, "error") in found


def test_pantstack_production_deploy_without_approval_and_quiet_preview() -> None:
    # Seed 004: main auto-deploys to production with no approval; PR previews are not production.
    deploys = [f for f in _findings("pantstack") if f["rule"] == "approval-before-deploy"]
    assert [(f["path"], f["level"]) for f in deploys] == [(".github/workflows/auto-deploy-main.yml", "error")]
