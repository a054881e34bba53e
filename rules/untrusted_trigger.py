"""A job that someone outside the team can start, and that holds something worth taking.

The first question a security review asks of a pipeline is what someone outside the team can
make it do. cilint answers it across the whole project: which jobs an outsider can start, by which
path, and which of those run the outsider's code where it reaches something valuable.

Outsider-startable (`Trigger.outsider`, from the loaders): on GitHub, `pull_request_target`,
`issue_comment`, `pull_request_review*`, `issues`, `discussion*` and other events anyone can
cause; a `workflow_run` that follows a workflow an outsider can start (a fork's pull request
completes `CI`, which starts the workflow that runs after it: the chain is followed across the
repository's workflows); a local reusable workflow's jobs take their callers' triggers. On
CircleCI, a pull request (from a fork, when the project builds forked pull requests).

Reported:

* error: a job that runs in the base repository's context (`pull_request_target`, comments,
  `workflow_run`...; on CircleCI only when the project passes secrets to forked pull requests,
  `.cilint.yml` `circleci: {fork_secrets: true}`) checks out the pull request's code (its head or
  merge ref, the upstream run's head commit, `gh pr checkout`, `refs/pull/N/head`) and then runs
  it (an install, build or test, a script or local action of the checkout), while the job holds
  secrets, contexts, an `id-token: write` or another write scope of its token, or a deploy job
  runs after it. The message gives the path from the trigger to the job and what it holds; the
  SARIF related locations point at the trigger, the checkout, the step that runs the code and
  what is exposed;
* warning: the same job holding nothing of that kind: its token has the repository's default
  permissions (write on every scope unless the repository or organisation restricted them), or
  is read-only, but code it runs can still write the base branch's caches, which later runs,
  releases included, restore (cache poisoning);
* warning: a job that a fork's pull request starts on a self-hosted runner (`runs-on:
  self-hosted`, or an expression that can choose the `self-hosted` label, unless it chooses by
  whether the pull request comes from a fork): a fork's pull request runs its own version of the
  workflow, so its author runs any code on the machine.

Not reported: a privileged job that never checks out the pull request's code (a labeller, a
commenter: it reads the event, not the code); a job whose condition keeps outsiders out (only
same-repository pull requests, the author's association, a label that only maintainers can set,
a named actor), or that needs such a job; a job in a protected environment
(`protected_environments`; when it is not said, any job with an environment is taken as
protected); pull requests on GitHub-hosted runners (no secrets, a read-only token).

Examples: a failing and a passing repository per platform, in `rules/examples/untrusted-trigger/`;
`cilint explain CIL110` and docs/rules/untrusted-trigger.md show them with what cilint reports.

How to fix: run the pull request's code under `pull_request` (no secrets, read-only token), and
do the privileged part (comment, label, upload) in a separate `workflow_run` workflow that only
reads the first one's artifacts as data; or gate the job on a label only maintainers set, or on
an environment with required reviewers. On CircleCI, turn off "Pass secrets to builds from forked
pull requests" and keep secrets in restricted contexts.

Sources: GitHub Security Lab, "Keeping your GitHub Actions and workflows secure: Preventing pwn
requests" (https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/);
GitHub docs, "Events that trigger workflows" (pull_request_target, workflow_run), "Security
hardening for GitHub Actions", "About self-hosted runners" (self-hosted runner security); Adnan
Khan, "The Monsters in Your Build Cache: GitHub Actions Cache Poisoning"; CircleCI docs, "Pull
request build settings" (pass secrets to builds from forked pull requests); zizmor's
`dangerous-triggers` audit, which flags the trigger wherever it appears.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..linter.findings import Finding
from ..linter.model import JobRun, Permissions, Project, Span, Trigger, Workflow

ID = "CIL110"
NAME = "untrusted-trigger"
LEVEL = "error"
LEVELS = ("error", "warning")
SUMMARY = "a job an outsider can start runs their code with secrets, a write token or a deploy after it"
OPTIONS: dict[str, Any] = {}
TAGS = ("security",)
SECURITY_SEVERITY = "8.8"
PRECISION = "high"

_TOKEN_NAMES = frozenset({"GITHUB_TOKEN", "github.token"})


def _write_scopes(permissions: Permissions | None, cap: Permissions | None) -> list[str] | None:
    """The token's write scopes; None: the repository's default (not set)."""
    if permissions is None:
        return None
    scopes = set(permissions.scopes) if permissions.kind == "map" else set()
    writes = sorted(s for s in scopes if permissions.level(s) == "write")
    if permissions.kind == "all" and permissions.default == "write":
        writes = ["every scope"]
    if cap is not None:
        writes = [s for s in writes if s == "every scope" or cap.level(s) == "write"]
    return writes


def _gated(project: Project, workflow: Workflow, job: JobRun) -> bool:
    for candidate in (job, *workflow.ancestors(job.key)):
        if candidate.outsider_gate is not None:
            return True
        if candidate.environment_names or candidate.environment is not None:
            protected = project.protected_environments
            if protected is None or any(name in protected for name in candidate.environment_names):
                return True
    return False


def _path(project: Project, workflow: Workflow, trigger: Trigger) -> tuple[str, list[tuple[Span, str]]]:
    """How an outsider gets to the workflow: `pull_request` in `CI` -> `workflow_run` -> here."""
    related = [(trigger.span, f"`{trigger.event}`: an outsider can cause it")]
    if trigger.event != "workflow_run":
        return f"`{trigger.event}`", related
    for link in project.links:
        if link.downstream is workflow and link.trigger.span == trigger.span:
            upstream = next((t for t in link.upstream.triggers if t.outsider), None)
            if upstream is not None:
                related.append((upstream.span, f"`{upstream.event}` starts `{link.upstream.name}`"))
                return (f"`{upstream.event}` of `{link.upstream.name}` ({link.upstream.pipeline.path}) "
                        f"-> `workflow_run`"), related
    return "`workflow_run`", related


def _holds(project: Project, workflow: Workflow, job: JobRun) -> tuple[list[str], list[tuple[Span, str]], str]:
    """What valuable the job holds (each for the message), where, and the level."""
    held: list[str] = []
    related: list[tuple[Span, str]] = []
    secrets = sorted({s.name for s in job.secrets if s.name not in _TOKEN_NAMES})
    if secrets:
        held.append("the secrets " + ", ".join(f"`{s}`" for s in secrets[:4]) + (" ..." if len(secrets) > 4 else ""))
        first = next(s for s in job.secrets if s.name not in _TOKEN_NAMES)
        related.append((first.span, "a secret it holds"))
    for context in job.contexts:
        held.append(f"the context `{context.value}`")
        related.append((context.span, "a context it holds"))
    writes = _write_scopes(job.permissions, job.permissions_cap)
    if writes:
        held.append("a token that can write " + ", ".join(f"`{s}`" for s in writes))
        if job.permissions is not None:
            related.append((job.permissions.span, "its token's permissions"))
    deploys: list[JobRun] = []
    for key in sorted(_descendants(workflow, job.key)):
        after = workflow.job(key)
        if after.deploy is not None:
            deploys.append(after)
    if job.deploy is not None:
        deploys.insert(0, job)
    for deploy in deploys[:3]:
        held.append(f"the deploy job `{deploy.name}` after it" if deploy is not job else "a deploy")
        related.append((deploy.span, f"deploys to {deploy.deploy.target if deploy.deploy else ''}"))
    if held:
        return held, related, "error"
    if workflow.pipeline.platform != "github":
        return [], related, ""  # no job token: nothing held
    if writes is None:
        return ["a token with the repository's default permissions (write on every scope unless restricted)"], \
            related, "warning"
    return ["a read-only token, but the base branch's cache scope (cache poisoning)"], related, "warning"


def _descendants(workflow: Workflow, key: str) -> set[str]:
    seen = {key}
    queue = [key]
    for current in queue:
        for child in workflow.dag.successors(current):
            if child not in seen:
                seen.add(child)
                queue.append(child)
    seen.discard(key)
    return seen


def check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
    for workflow in project.workflows():
        for job in workflow.jobs():
            outsider = [t for t in job.triggers if t.outsider]
            if not outsider:
                continue
            privileged = [t for t in outsider if t.privileged]
            if privileged and job.runs_pr_code is not None and job.pr_checkout is not None:
                if _gated(project, workflow, job):
                    continue
                finding = _pwn(project, workflow, job, privileged)
                if finding is not None:
                    yield finding
            elif job.self_hosted and any(not t.privileged for t in outsider):
                trigger = next(t for t in outsider if not t.privileged)
                path, related = _path(project, workflow, trigger)
                if job.runs_on:
                    related.append((job.runs_on[0].span, "a self-hosted runner"))
                yield Finding(
                    f"{path} lets anyone who opens a pull request from a fork start `{job.name}` on a self-hosted "
                    "runner, with the workflow as the fork writes it: they run any code on that machine; use "
                    "GitHub-hosted runners for pull requests, or require approval for all outside contributors",
                    job.span, job=job.qualified, level="warning", related=related)


def _pwn(project: Project, workflow: Workflow, job: JobRun, triggers: list[Trigger]) -> Finding | None:
    assert job.pr_checkout is not None and job.runs_pr_code is not None
    paths = [_path(project, workflow, t) for t in triggers]
    checkout, runs = job.steps[job.pr_checkout], job.steps[job.runs_pr_code]
    held, related, level = _holds(project, workflow, job)
    if not held:
        return None
    spans: list[tuple[Span, str]] = [r for _, rel in paths for r in rel]
    spans.append((checkout.span, "checks out the pull request's code"))
    if runs.span != checkout.span:
        spans.append((runs.span, "runs it"))
    spans.extend(related)
    via = " and ".join(dict.fromkeys(p for p, _ in paths))
    what = "runs it" if runs.span == checkout.span else f"runs it (line {runs.span.line})"
    return Finding(
        f"{via} lets an outsider start `{job.name}`, which checks out the pull request's code and {what} with "
        f"{'; '.join(held)}: the pull request's author can take them; run the pull request's code where it "
        "gets no secrets, or gate this job on a label or an environment with reviewers",
        checkout.span, job=job.qualified, level=level, related=spans)
