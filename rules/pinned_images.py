"""A container or machine image that is not pinned.

A tag is a name someone can point elsewhere. `latest`, `stable` or no tag at all means every run
may get a different image, so a build that passed yesterday fails today, or a compromised
upstream image runs with your secrets. cilint checks every image a job runs in or next to:
CircleCI `docker[].image` (in jobs and executors, with pipeline and job parameters and matrix
values resolved per invocation) and `machine.image`; GitHub `container`, `services`,
`uses: docker://...` and docker actions' `runs.image` (matrix values resolved per leg).

* error: no tag (Docker pulls `latest`), or a moving tag: `latest`, `stable`, `edge`, `current`,
  `lts`, `main`, `master`, `nightly`, `dev` (and `latest-alpine`, `lts-browsers`, ...);
* warning: a partial version that moves to each new release: `postgres:16`, `node:20-alpine`,
  `python:3.12`; CircleCI's `cimg/*` `x.y` tags move to the latest patch. Full versions do not:
  `cimg/elixir:1.19.0-node`, `postgres:16.3` (PostgreSQL versions have two parts),
  `clickhouse/clickhouse-server:24.12.2.29-alpine`, dated tags like `cimg/base:2024.06` and
  `ubuntu:22.04`;
* note: an image only known at run time (an expression or parameter cilint cannot resolve).

A digest (`name@sha256:<64 hex>`) is accepted anywhere, whatever the tag.

Examples: a failing and a passing repository per platform, in `rules/examples/pinned-images/`;
`cilint explain CIL102` and docs/rules/pinned-images.md show them with what cilint reports.

How to fix: pin the full version (`cimg/elixir:1.19.0-node`) or, strictest, the digest
(`cimg/elixir@sha256:...`), and let a bot such as Renovate or Dependabot propose updates.

Options: `require` — `tag` (default: a full version tag is enough) or `digest` (anything without
`@sha256:` is an error).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..linter.findings import Finding
from ..linter.model import Image, Project, Span

ID = "CIL102"
NAME = "pinned-images"
LEVEL = "error"
SUMMARY = "a container or machine image has no tag, a moving tag or a partial version"
OPTIONS: dict[str, Any] = {"require": "tag"}
TAGS = ("security", "supply-chain", "reproducibility")
SECURITY_SEVERITY = "6.5"
PRECISION = "high"

# Tags that name no release, only a channel that moves (the first word of the tag decides:
# `latest-alpine`, `lts-browsers`).
FLOATING = frozenset({"latest", "stable", "edge", "current", "lts", "main", "master", "nightly", "dev",
                      "develop", "rolling", "canary", "next", "unstable", "head", "trunk", "mainline"})
# Images whose versions have two parts, so `x.y` is a full version (PostgreSQL since 10).
TWO_PART_VERSIONS = frozenset({"postgres", "postgresql"})
# Images versioned by date `YY.MM` / `YYYY.MM`: a dated tag names one snapshot.
CALENDAR_VERSIONS = frozenset({"ubuntu", "cimg/base"})
# Prefixes of an image only written in the configuration for run time.
_EXPRESSION = re.compile(r"\$\{\{|<<|\$")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128}")
_VERSION = re.compile(r"v?(\d+(?:\.\d+)*)(.*)")
# A date (`20240601`, `2024-06-01`, `2024.06`, CircleCI machine images' `202010-01`).
_DATED = re.compile(r"(19|20)\d\d([-.]?(0[1-9]|1[0-2]))([-.]?\d\d)?(?!\d)")
_COMMIT = re.compile(r"g?(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}")  # a commit id inside a tag
_NAMES = re.compile(r"<<\s*([\w.-]+)\s*>>|\$\{\{\s*(.*?)\s*\}\}")


@dataclass(frozen=True)
class ImageRef:
    """`registry:port/path/name:tag@digest`, split (the tag is after the last `:` of the last
    path segment, so a registry port is not taken for one)."""

    name: str
    tag: str | None
    digest: str | None

    @classmethod
    def parse(cls, ref: str) -> ImageRef:
        ref = ref.strip().removeprefix("docker://")
        name, _, digest = ref.partition("@")
        head, slash, last = name.rpartition("/")
        tag: str | None = None
        if ":" in last:
            last, tag = last.split(":", 1)
        return cls(head + slash + last, tag, digest or None)

    @property
    def repository(self) -> str:
        """The name without a registry host (`ghcr.io/o/x` -> `o/x`, `docker.io/library/x` -> `x`)."""
        first, _, rest = self.name.partition("/")
        name = rest if rest and ("." in first or ":" in first or first == "localhost") else self.name
        return name.removeprefix("library/")


@dataclass(frozen=True)
class Verdict:
    level: str
    problem: str  # what is wrong, completed by the message


def judge(ref: ImageRef, require: str) -> Verdict | None:
    """How an image reference falls short, or None when it is pinned."""
    if ref.digest is not None:
        if _DIGEST.fullmatch(ref.digest):
            return None
        return Verdict("error", f"has a malformed digest `{ref.digest}`")
    if require == "digest":
        return Verdict("error", "is not pinned by digest (`require: digest`)")
    if not ref.tag:
        return Verdict("error", "has no tag, so it pulls `latest`")
    kind = tag_kind(ref)
    if kind == "floating":
        return Verdict("error", f"uses the moving tag `{ref.tag}`")
    if kind == "partial":
        return Verdict("warning", _partial(ref))
    if kind == "versionless":
        return Verdict("warning", f"uses the tag `{ref.tag}`, which names no version and moves")
    return None


def tag_kind(ref: ImageRef) -> str:
    """`floating`, `partial`, `versionless` or `pinned`."""
    assert ref.tag is not None
    tag = ref.tag.lower()
    words = re.split(r"[-_]", tag)
    # `latest-alpine`, `2019-latest`; a word inside names a variant (`node-20-chrome-edge-123`).
    if words[0] in FLOATING or (len(words) > 1 and words[-1] in FLOATING - {"dev"}):
        return "floating"
    if _DATED.match(tag) or any(_COMMIT.fullmatch(w) for w in words):
        return "pinned"
    match = _VERSION.fullmatch(tag)
    if match is None:
        # Digits in another scheme (`alpine3.19`, `build-123`) are not guessed at.
        return "pinned" if re.search(r"\d", tag) else "versionless"
    parts = match.group(1).split(".")
    if len(parts) >= 3 or (len(parts) == 1 and int(parts[0]) >= 100):
        return "pinned"  # a full version, or a release number (`presto:332`), not a major
    repository = ref.repository
    base = repository.rsplit("/", 1)[-1]
    if len(parts) == 2 and _calendar(repository, parts):
        return "pinned"
    if len(parts) == 2 and base in TWO_PART_VERSIONS and int(parts[0]) >= 10:
        return "pinned"
    return "partial"


def _calendar(repository: str, parts: list[str]) -> bool:
    year, month = parts
    return (len(year) == 4 and year.startswith(("19", "20"))) or (
        len(month) == 2 and month.startswith("0")) or repository in CALENDAR_VERSIONS


def _partial(ref: ImageRef) -> str:
    version = _VERSION.fullmatch((ref.tag or "").lower())
    shown = version.group(1) if version else ref.tag
    if ref.repository.startswith("cimg/") and shown and shown.count(".") == 1:
        return f"uses `{shown}`, a CircleCI convenience-image tag that moves to the latest patch release"
    return f"uses the partial version `{shown}`, which moves to each new release"


_FIX = "pin the full version or a digest (`@sha256:...`)"


def check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
    require = str(options.get("require", "tag"))
    seen: set[tuple[Span, str]] = set()
    for image, job in _images(project):
        finding = _finding(image, job, require)
        if finding is not None and (finding.span, finding.message) not in seen:
            seen.add((finding.span, finding.message))
            yield finding


def _images(project: Project) -> Iterator[tuple[Image, str | None]]:
    for pipeline in project.pipelines:
        for workflow in pipeline.workflows:
            for job in workflow.jobs():
                for image in job.images:
                    yield image, job.qualified
        for image in pipeline.action_images:
            yield image, None


def _finding(image: Image, job: str | None, require: str) -> Finding | None:
    related = [(text.span, f"the value `{text.value}` is set here") for text in image.via
               if text.span != image.span]
    source = _source(image)
    if not image.ref.strip():
        return None  # an expression that gives no image (`container: ${{ matrix.c }}` with c empty)
    if not image.resolved or _EXPRESSION.search(image.ref):
        message = (f"image `{image.written}` is only known at run time{source}: cilint cannot tell "
                   "whether it is pinned; prefer a pinned value")
        return Finding(message, image.span, job=job, level="note", related=related)
    verdict = judge(ImageRef.parse(image.ref), require)
    if verdict is None:
        return None
    message = f"image `{image.ref}`{source} {verdict.problem}: {_FIX}"
    return Finding(message, image.span, job=job, level=verdict.level, related=related)


def _source(image: Image) -> str:
    """` (from `pipeline.parameters.x`)`: what supplied the value, when it was not written out."""
    names = [a or b for a, b in _NAMES.findall(image.written)]
    return f" (from {', '.join(f'`{n}`' for n in dict.fromkeys(names))})" if names else ""
