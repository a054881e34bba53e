"""CIL107 pinned-actions: every finding of the fixtures, exactly."""

from __future__ import annotations

import pytest

from cilint.linter.model import Reference, Span, Text
from cilint.rules.pinned_actions import judge_github, judge_orb
from helpers import findings, where

RULE = "pinned-actions"
FIRE = "rules/pinned-actions/fire"
QUIET = "rules/pinned-actions/quiet"
CI = ".github/workflows/ci.yml"
CIRCLE = ".circleci/config.yml"


def test_github_fires_once_per_place() -> None:
    found = findings(RULE, f"{FIRE}/github")
    assert where(found) == [
        (CI, 11, "error"),  # @main
        (CI, 12, "error"),  # no ref
        (CI, 13, "warning"),  # codecov/codecov-action@v4
        (CI, 14, "warning"),  # docker/login-action@v3.1.0
        (CI, 15, "error"),  # abbreviated SHA
        (CI, 16, "error"),  # actions/setup-node@main: allowed owners may use tags, not branches
        (CI, 17, "warning"),  # monorepo tag publish-v1.2.0
        (CI, 19, "error"),  # reusable workflow @main
        (CI, 21, "warning"),  # reusable workflow @v1
    ]  # the matrix job's two legs share their places: one finding each
    messages = [f.message for f in found]
    assert "`some-owner/deploy-action@main` follows `main`" in messages[0]
    assert "names no ref" in messages[1]
    assert "pinned to `v4`, a version tag" in messages[2] and "40-character commit SHA" in messages[2]
    assert "abbreviated SHA `abc1234`" in messages[4]
    assert messages[7].startswith("reusable workflow `some-org/shared/.github/workflows/ci.yml@main`")
    assert found[7].job == f"{CI}:CI/shared"
    assert (found[0].span.line, found[0].span.column) == (11, 15)


def test_allow_tags_for_owners_and_patterns() -> None:
    options = {"allow_tags_for": ["actions", "github", "codecov", "some-org/shared/*"]}
    found = findings(RULE, f"{FIRE}/github", options=options)
    assert [f.span.line for f in found] == [11, 12, 14, 15, 16, 17, 19]


def test_github_quiet() -> None:
    # Full SHAs with or without a comment, allowed owners' tags, local actions and workflows,
    # docker:// (pinned-images' concern), and the local composite action's own uses.
    assert findings(RULE, f"{QUIET}/github") == []


def test_circleci_orbs() -> None:
    found = findings(RULE, f"{FIRE}/circleci")
    assert where(found) == [
        (CIRCLE, 4, "warning"),  # circleci/node@5
        (CIRCLE, 5, "warning"),  # circleci/slack@4.12
        (CIRCLE, 6, "error"),  # @volatile
        (CIRCLE, 7, "error"),  # dev:alpha
        (CIRCLE, 9, "error"),  # no version
    ]
    assert "orb `circleci/node@5` uses `@5`" in found[0].message and "x.y.z" in found[0].message
    assert "`@volatile`" in found[2].message
    assert "development version `dev:alpha`" in found[3].message
    assert "names no version" in found[4].message


def test_circleci_quiet() -> None:
    assert findings(RULE, f"{QUIET}/circleci") == []


def ref(kind: str, written: str) -> Reference:
    """A reference as a loader gives it; `dynamic` is the loaders' to set (tests/test_model_facts_refs.py)."""
    name, _, version = written.partition("@")
    return Reference(kind, name, version or None, Text(written, Span("x.yml", 1, 1, 1, 1)),
                     dynamic=version.startswith(("${{", "<<")))


@pytest.mark.parametrize("written, level", [
    ("o/a@releases/v1", "error"), ("o/a@latest", "error"), ("o/a@v1", "warning"),
    ("o/a@1.0.4-beta", "warning"),
    ("o/a@" + "0" * 40, None), ("actions/cache@v4", None), ("o/a@${{ inputs.ref }}", "note"),
])
def test_github_refs(written: str, level: str | None) -> None:
    verdict = judge_github(ref("action", written), ["actions", "github"])
    assert (verdict.level if verdict else None) == level


@pytest.mark.parametrize("written, level", [
    ("circleci/node@5.2.0", None), ("circleci/node@5", "warning"), ("circleci/node@volatile", "error"),
    ("circleci/node@dev:1a2b", "error"), ("circleci/node@<< pipeline.parameters.v >>", "note"),
    ("https://example.com/orb.yml", "error"),
])
def test_orb_versions(written: str, level: str | None) -> None:
    reference = ref("orb", written) if "://" not in written else Reference(
        "orb", written, None, Text(written, Span("x.yml", 1, 1, 1, 1)))
    verdict = judge_orb(reference, [])
    assert (verdict.level if verdict else None) == level
