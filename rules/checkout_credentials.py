"""A checkout that leaves the job's token on disk, in a job that then exposes the checkout.

`actions/checkout` writes the job's token into the checkout's `.git/config` (an `extraheader`)
and leaves it there for the rest of the job unless `persist-credentials: false` is given. That is
convenient for a later `git push`, but the token is then a file of the workspace: an artifact
of the workspace (`actions/upload-artifact` with `path: .`) publishes it to anyone who can
download the run's artifacts, and code of a pull request that the job runs can read it.

Reported (warning), at the checkout: a checkout without `persist-credentials: false` in a job
that later uploads the workspace as an artifact (`path: .` or the workspace, with
`include-hidden-files: true`, or with an `actions/upload-artifact` older than v4.4.0, which took
hidden files, `.git/` included, by default), or that an outsider can start and that runs a pull
request's code (its head or merge ref checked out, then installed, built or tested) with a
token worth taking (`pull_request_target`, comments, `workflow_run`...: not a fork's
`pull_request`, whose token is read-only). A checkout
in a job that does neither is not reported (zizmor's `artipacked` reports every checkout without
the option; cilint only where the token leaves the job's control).

GitHub only: CircleCI's `checkout` authenticates with an SSH key kept outside the checkout
(`~/.ssh`), not in `.git/config`.

Examples: a failing and a passing repository, in `rules/examples/checkout-credentials/`;
`cilint explain CIL112` and docs/rules/checkout-credentials.md show them with what cilint reports.

How to fix: add `with: persist-credentials: false` to the checkout; a step that must push can
authenticate itself (`git push https://x-access-token:${TOKEN}@github.com/...`) or use a
separate checkout.

Sources: actions/upload-artifact README ("Uploading hidden files": excluded by default since
v4.4.0); actions/checkout README ("The auth token is persisted in the local git config ... Set
`persist-credentials: false` to opt-out"); Palo Alto Unit 42, "ArtiPACKED: Hacking Giants
Through a Race Condition in GitHub Actions Artifacts" (2024); zizmor's `artipacked` audit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..linter.findings import Finding
from ..linter.model import Project, Span

ID = "CIL112"
NAME = "checkout-credentials"
LEVEL = "warning"
LEVELS = ("warning",)
SUMMARY = "a checkout leaves the token in .git/config in a job that uploads the workspace or runs a pull request's code"
OPTIONS: dict[str, Any] = {}
TAGS = ("security",)
SECURITY_SEVERITY = "5.5"
PRECISION = "high"


def check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
    for workflow in project.workflows():
        for job in workflow.jobs():
            if not job.credential_checkouts:
                continue
            for index in job.credential_checkouts:
                uploads = [i for i in job.workspace_uploads if i > index]
                runs = job.runs_pr_code if job.runs_pr_code is not None and job.runs_pr_code > index else None
                if not any(t.outsider and t.privileged for t in job.triggers):
                    # Only members cause the other events (a pull request's refs are empty then);
                    # a fork's pull request gets a read-only token, worth nothing to its author.
                    runs = None
                if not uploads and runs is None:
                    continue
                checkout = job.steps[index]
                related: list[tuple[Span, str]] = []
                exposed: list[str] = []
                if uploads:
                    upload = job.steps[uploads[0]]
                    exposed.append(f"uploads the workspace as an artifact (line {upload.span.line})")
                    related.append((upload.span, "uploads the workspace, `.git/config` included"))
                if runs is not None:
                    run = job.steps[runs]
                    exposed.append(f"runs a pull request's code (line {run.span.line})")
                    related.append((run.span, "runs code that can read `.git/config`"))
                yield Finding(
                    f"this checkout leaves the job's token in `.git/config`, and `{job.name}` then "
                    f"{' and '.join(exposed)}: set `persist-credentials: false` on the checkout",
                    checkout.span, job=job.qualified, related=related)
