"""A container or machine image that is not pinned.

A tag is a name someone can point elsewhere. `latest`, `stable` or no tag at all means every run
may get a different image, so a build that passed yesterday fails today, or a compromised
upstream image runs with your secrets. cilint checks every image a job runs in or next to:
CircleCI `docker[].image` (in jobs and executors, with pipeline and job parameters and matrix
values resolved per invocation) and `machine.image`; GitHub `container`, `services`,
`uses: docker://...` and docker actions' `runs.image` (matrix values resolved per leg).

* error: no tag (Docker pulls `latest`), or a moving tag: `latest`, `stable`, `edge`, `current`,
  `lts`, `main`, `master`, `nightly`, `dev` (and `latest-alpine`, `lts-browsers`, ...);
* error too: a tag that names no version at all (`node:alpine`, `snyk/snyk:linux`): it moves like
  `latest`.
* warning: a partial version that moves to each new release: `postgres:16`, `node:20-alpine`,
  `python:3.12`, or a release codename (`debian:bookworm`, `ubuntu:jammy`); CircleCI's `cimg/*`
  `x.y` tags move to the latest patch. Full versions do not:
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

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..linter.findings import Finding
from ..linter.imageref import VERSION, ImageRef, tag_kind
from ..linter.lazyre import lazy
from ..linter.model import Image, Project, Span
from ..linter.printable import clip

ID = "CIL102"
NAME = "pinned-images"
LEVEL = "error"
LEVELS = ("error", "warning", "note")  # every level its findings take, the default first
SUMMARY = "a container or machine image has no tag, a moving tag or a partial version"
OPTIONS: dict[str, Any] = {"require": "tag"}
TAGS = ("security", "supply-chain", "reproducibility")
SECURITY_SEVERITY = "6.5"
PRECISION = "high"

_DIGEST = lazy(r"sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128}")


@dataclass(frozen=True)
class Verdict:
    level: str
    problem: str  # what is wrong, completed by the message


def judge(ref: ImageRef, require: str) -> Verdict | None:
    """How an image reference falls short, or None when it is pinned."""
    if ref.digest is not None:
        if _DIGEST.fullmatch(ref.digest):
            return None
        return Verdict("error", f"has a malformed digest `{clip(ref.digest)}`")
    if require == "digest":
        return Verdict("error", "is not pinned by digest (`require: digest`)")
    if not ref.tag:
        return Verdict("error", "has no tag, so it pulls `latest`")
    kind = tag_kind(ref)
    if kind == "floating":
        return Verdict("error", f"uses the moving tag `{clip(ref.tag)}`")
    if kind == "partial":
        return Verdict("warning", _partial(ref))
    if kind == "codename":
        return Verdict("warning", f"uses `{clip(ref.tag)}`, a release line named by its codename, which moves to each "
                       "new point release")
    if kind == "versionless":
        return Verdict("error", f"uses the tag `{clip(ref.tag)}`, which names no version: it moves like `latest`")
    return None


def _partial(ref: ImageRef) -> str:
    version = VERSION.fullmatch((ref.tag or "").lower())
    shown = version.group(1) if version else ref.tag
    if ref.repository.startswith("cimg/") and shown and shown.count(".") == 1:
        return f"uses `{clip(shown)}`, a CircleCI convenience-image tag that moves to the latest patch release"
    return f"uses the partial version `{clip(str(shown))}`, which moves to each new release"


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
    related = [(text.span, f"the value `{clip(text.value)}` is set here") for text in image.via
               if text.span != image.span]
    source = _source(image)
    if not image.ref.strip():
        return None  # an expression that gives no image (`container: ${{ matrix.c }}` with c empty)
    if not image.resolved:
        message = (f"image `{clip(image.written)}` is only known at run time{source}: cilint cannot tell "
                   "whether it is pinned; prefer a pinned value")
        return Finding(message, image.span, job=job, level="note", related=related)
    verdict = judge(ImageRef.parse(image.ref), require)
    if verdict is None:
        return None
    message = f"image `{clip(image.ref)}`{source} {verdict.problem}: {_FIX}"
    return Finding(message, image.span, job=job, level=verdict.level, related=related)


def _source(image: Image) -> str:
    """` (from `pipeline.parameters.x`)`: what supplied the value, when it was not written out."""
    names = image.supplied_by
    return f" (from {', '.join(f'`{n}`' for n in names)})" if names else ""
