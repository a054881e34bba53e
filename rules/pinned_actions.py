"""An action, reusable workflow or orb that is not pinned to an immutable version.

Code fetched at run time runs with the job's token and secrets. A branch (`@main`) runs whatever
was pushed last; a tag (`@v4`) is moved by whoever controls the repository, as the tj-actions
compromise of March 2025 showed. Only a full commit SHA is immutable on GitHub.

GitHub (`uses:` of steps, and `jobs.<id>.uses` reusable workflows):

* error: no ref, a branch or anything that is neither a version tag nor a full SHA (`@main`,
  `@master`, `@releases/v1`), or an abbreviated SHA;
* warning: a version tag (`@v4`, `@v4.1.1`), unless the owner is allowed to use tags (option
  `allow_tags_for`, default `actions` and `github`);
* note: a ref only known at run time (an expression or parameter);
* fine: a full 40-hex commit SHA (a trailing `# v4.1.1` comment is the convention), a local
  `./path`. `docker://` images are checked by pinned-images.

CircleCI orbs must name an exact `x.y.z`: `@volatile`, `dev:` versions, a URL orb or no version
are errors; `@x` and `@x.y` (which move to the newest release) are warnings.

Examples: a failing and a passing repository per platform, in `rules/examples/pinned-actions/`;
`cilint explain CIL107` and docs/rules/pinned-actions.md show them with what cilint reports.

How to fix: replace the ref with the commit SHA it points at (and keep the version in a comment
for humans and update bots); for orbs, write the full `x.y.z` version.

Options: `allow_tags_for` — GitHub owners (or orb namespaces) whose tags are trusted; an entry
with a `/` is matched against the whole name (`my-org/*`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from ..linter.findings import Finding
from ..linter.lazyre import lazy
from ..linter.limits import MAX_VERSION_REF_CHARS
from ..linter.model import Project, Reference, Span

ID = "CIL107"
NAME = "pinned-actions"
LEVEL = "error"
LEVELS = ("error", "warning", "note")  # every level its findings take, the default first
SUMMARY = "an action, reusable workflow or orb is not pinned to a commit SHA or exact version"
OPTIONS: dict[str, Any] = {"allow_tags_for": ["actions", "github"]}
TAGS = ("security", "supply-chain")
SECURITY_SEVERITY = "7.5"
PRECISION = "high"

_FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_SHORT_SHA = lazy(r"[0-9a-f]{7,39}")
# `v4`, `v4.1.1`, `1.0.4-beta`, and monorepo tags `contract-tests-v1.1.0` (no `/`: `releases/v1` is a
# branch).
_VERSION_TAG = lazy(r"([\w.-]*[-_])?v?\d+(\.\d+)*([-+.][0-9A-Za-z.-]+)?")
_ORB_EXACT = lazy(r"\d+\.\d+\.\d+")
_ORB_PARTIAL = lazy(r"\d+(\.\d+)?")


@dataclass(frozen=True)
class Verdict:
    level: str
    problem: str


def judge_github(ref: Reference, allowed: list[str]) -> Verdict | None:
    version = ref.version
    if ref.dynamic:
        return Verdict("note", f"takes its ref from `{version}`, only known when the workflow runs")
    if version is None:
        return Verdict("error", "names no ref, so it runs the default branch")
    if _FULL_SHA.fullmatch(version):
        return None
    if _SHORT_SHA.fullmatch(version) and re.search(r"\d", version):
        return Verdict("error", f"uses the abbreviated SHA `{version}`, which is not accepted as a pin")
    if len(version) > MAX_VERSION_REF_CHARS:  # (the tag pattern would backtrack on it: not read as one)
        return Verdict("error", f"follows a ref of {len(version):,} characters, longer than any version tag "
                       f"cilint reads ({MAX_VERSION_REF_CHARS}): a branch or other moving ref as far as it can tell")
    if _VERSION_TAG.fullmatch(version):
        if _allowed(ref.name, allowed):
            return None
        # Tag or branch is not in the YAML (`ruby/setup-ruby@v1` is a branch): say what is known.
        return Verdict("warning", f"is pinned to `{version}`, a version tag (or a branch named like one) "
                       "that its owner can move")
    return Verdict("error", f"follows `{version}`, a branch or other moving ref")


def judge_orb(ref: Reference, allowed: list[str]) -> Verdict | None:
    version = ref.version
    if ref.dynamic:
        return Verdict("note", f"takes its version from `{version}`, only known when the pipeline runs")
    if "://" in ref.name:
        return Verdict("error", "is fetched from a URL, whose content can change")
    if version is None:
        return Verdict("error", "names no version")
    if _ORB_EXACT.fullmatch(version):
        return None
    if version == "volatile":
        return Verdict("error", "uses `@volatile`, the newest release whatever it is")
    if version.startswith("dev:"):
        return Verdict("error", f"uses the development version `{version}`, which is mutable and expires")
    if _ORB_PARTIAL.fullmatch(version):
        if _allowed(ref.name, allowed):
            return None
        return Verdict("warning", f"uses `@{version}`, which moves to each new release")
    return Verdict("error", f"uses `@{version}`, which is not an exact `x.y.z` version")


def _allowed(name: str, allowed: list[str]) -> bool:
    owner = name.split("/", 1)[0].lower()
    return any(fnmatchcase(name.lower(), entry.lower()) if "/" in entry else owner == entry.lower()
               for entry in allowed)


def _fix(ref: Reference) -> str:
    if ref.kind == "orb":
        return "pin an exact `x.y.z` version"
    return "pin a full 40-character commit SHA (with the version in a comment: `@<sha> # v1.2.3`)"


def check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
    allowed = [str(entry) for entry in options.get("allow_tags_for") or []]
    seen: set[tuple[Span, str]] = set()
    for pipeline in project.pipelines:
        for ref in pipeline.references:
            verdict = _judge(ref, allowed)
            if verdict is None:
                continue
            what = {"workflow": "reusable workflow", "orb": "orb"}.get(ref.kind, "action")
            message = f"{what} `{ref.text.value.strip()}` {verdict.problem}: {_fix(ref)}"
            if (ref.text.span, message) in seen:
                continue
            seen.add((ref.text.span, message))
            yield Finding(message, ref.text.span, job=ref.job, level=verdict.level)


def _judge(ref: Reference, allowed: list[str]) -> Verdict | None:
    if ref.kind == "orb":
        return judge_orb(ref, allowed)
    if ref.kind in ("action", "workflow") and not ref.local:
        return judge_github(ref, allowed)
    return None  # local actions are part of the repository; docker:// is pinned-images' concern
