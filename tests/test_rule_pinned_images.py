"""CIL102 pinned-images: every finding of the fixtures, exactly, and the tag classification."""

from __future__ import annotations

import pytest

from cilint.rules.pinned_images import ImageRef, judge
from helpers import findings, where

RULE = "pinned-images"
FIRE = "rules/pinned-images/fire"
QUIET = "rules/pinned-images/quiet"
CI = ".github/workflows/ci.yml"
CIRCLE = ".circleci/config.yml"


def test_github_fires() -> None:
    found = findings(RULE, f"{FIRE}/github")
    assert where(found) == [
        (CI, 6, "error"),  # container: node
        (CI, 12, "error"),  # node:latest
        (CI, 15, "warning"),  # postgres:16
        (CI, 17, "warning"),  # redis:7-alpine
        (CI, 25, "error"),  # matrix leg node:lts (the other leg is pinned)
        (CI, 27, "warning"),  # docker://alpine:3
        (CI, 28, "error"),  # docker://registry.local:5000/team/builder: a port is not a tag
        (CI, 31, "note"),  # only known at run time
        ("tools/lint/action.yml", 5, "warning"),  # docker action runs.image debian:bookworm
    ]
    messages = [f.message for f in found]
    assert "has no tag, so it pulls `latest`" in messages[0]
    assert "moving tag `latest`" in messages[1]
    assert "partial version `16`" in messages[2]
    assert "`node:lts` (from `matrix.image`)" in messages[4] and "moving tag `lts`" in messages[4]
    assert "`registry.local:5000/team/builder` has no tag" in messages[6]
    assert "only known at run time" in messages[7]
    assert "a release line named by its codename" in messages[8]
    assert found[4].job == f"{CI}:CI/matrix"
    # The matrix value the image came from is pointed at too.
    related = [(s.line, s.column, m) for s, m in found[4].related]
    assert related == [(23, 33, "the value `node:lts` is set here")]


def test_github_quiet_digests_and_full_versions() -> None:
    assert findings(RULE, f"{QUIET}/github") == []


def test_require_digest() -> None:
    found = findings(RULE, f"{QUIET}/github", options={"require": "digest"})
    assert {f.level for f in found} == {"error"}
    assert [f.span.line for f in found] == [17, 20, 20, 22, 24, 26, 28, 30]
    assert all("not pinned by digest" in f.message for f in found)


def test_circleci_fires_through_parameters() -> None:
    found = findings(RULE, f"{FIRE}/circleci")
    assert where(found) == [
        (CIRCLE, 11, "error"),  # cimg/elixir:<< pipeline.parameters.elixir_image_tag >> = latest
        (CIRCLE, 24, "error"),  # cimg/base:stable
        (CIRCLE, 25, "warning"),  # cimg/postgres:<< parameters.pg >>, default "16"
        (CIRCLE, 26, "error"),  # redis
        (CIRCLE, 31, "error"),  # machine ubuntu-2204:current
        (CIRCLE, 36, "warning"),  # cimg/node:20.11 moves to the latest patch
    ]
    elixir, _, postgres, *_, node = found
    assert "`cimg/elixir:latest` (from `pipeline.parameters.elixir_image_tag`)" in elixir.message
    assert [(s.line, m) for s, m in elixir.related] == [(6, "the value `latest` is set here")]
    # Only the invocation that keeps the default "16" fires; `pg: "16.3"` is a full version.
    assert postgres.job == f"{CIRCLE}:ci/db"
    assert [f.job for f in found if f.span.line == 25] == [f"{CIRCLE}:ci/db"]
    assert [s.line for s, _ in postgres.related] == [22]
    assert "CircleCI convenience-image tag that moves to the latest patch" in node.message


def test_circleci_quiet() -> None:
    assert findings(RULE, f"{QUIET}/circleci") == []


@pytest.mark.parametrize("ref", [
    "cimg/elixir:1.19.0-node", "postgres:16.3", "cimg/postgres:16.3", "bitnami/postgresql:16.3.0",
    "clickhouse/clickhouse-server:24.12.2.29-alpine", "example/tool:2024.06.1", "cimg/base:2024.06",
    "ubuntu:22.04", "ubuntu-2204:2024.01.1", "ubuntu-2004:202010-01", "ubuntu:jammy-20240227",
    "localhost:5000/img:1.2.3", "presto:332-e.9", "ruby:2.6-gcc-g6cd77b11e598a108c8a13dda1398462cf05d5080",
    "cypress/browsers:node-20.12.0-chrome-123.0.6312.86-1-ff-124.0.2-edge-123.0.2420.65-1",
    "cypress/browsers:node16.16.0-chrome107-ff107-edge",  # the Edge browser, after full versions
    "node:latest@sha256:" + "a" * 64,
    # an organisation's own image: a bare number is one of a sequence of builds, not a major
    "fishtownanalytics/test-container:9", "ghcr.io/acme/ci-image:42",
])
def test_pinned(ref: str) -> None:
    assert judge(ImageRef.parse(ref), "tag") is None


@pytest.mark.parametrize("ref, level", [
    ("node", "error"), ("node:latest", "error"), ("cimg/base:current", "error"), ("x:latest-dev", "error"),
    ("mcr.microsoft.com/mssql/server:2019-latest", "error"), ("cimg/node:lts-browsers", "error"),
    ("reg.example:443/a/b", "error"), ("node@sha256:abc", "error"),
    ("postgres:16", "warning"), ("postgres:9.6", "warning"), ("node:20-alpine", "warning"),
    ("cimg/elixir:1.19", "warning"), ("python:3.12", "warning"), ("node:v20", "warning"),
    ("debian:bookworm", "warning"), ("x:1.2-latest", "error"), ("debian:stretch-slim", "warning"),
    ("snyk/snyk:linux", "error"), ("node:alpine", "error"), ("debian:testing", "error"),
    # a bare number is a major where images are versioned by release line
    ("circleci/node:14", "warning"), ("i386/node:18", "warning"), ("valkey/valkey:8", "warning"),
    ("acme/node:18", "warning"), ("mcr.microsoft.com/dotnet/sdk:8", "warning"),
    ("docker.mirror.hashicorp.services/circleci/node:14", "warning"),
])
def test_not_pinned(ref: str, level: str) -> None:
    verdict = judge(ImageRef.parse(ref), "tag")
    assert verdict is not None and verdict.level == level


def test_image_ref_parsing() -> None:
    assert ImageRef.parse("docker://registry.local:5000/team/app:1.2@sha256:" + "b" * 64) == ImageRef(
        "registry.local:5000/team/app", "1.2", "sha256:" + "b" * 64)
    assert ImageRef.parse("ghcr.io/o/x:1").repository == "o/x"
    assert ImageRef.parse("docker.io/library/node:20").repository == "node"
