"""Credentials that can do more than the job needs.

A job's credentials should allow what the job does and no more: a compromised step, action or
dependency can do whatever its token or context allows. cilint reads what each job is granted
and what it visibly does, and reports grants nothing in the job uses.

GitHub Actions (the job's `GITHUB_TOKEN`):

* a workflow without a top-level `permissions:` (when some of its jobs set none either): those
  jobs get the repository's default token, which is read/write on every scope unless the
  repository or organisation is set to the restricted default (GitHub's default for repositories
  created before February 2023, and still the setting of many organisations). A workflow only
  another workflow calls (`on: workflow_call`) is not reported: it gets its caller's permissions;
* `permissions: write-all`, at the top of a workflow or on a job;
* a write scope (`contents: write`, `pull-requests: write`, `packages: write`, `id-token: write`,
  ...) that no job it applies to shows a use for: no release, tag, commit or push for `contents`;
  no comment, label or review for `pull-requests`/`issues`; no registry login or push for
  `packages`; no OIDC consumer (a cloud login action, `pypa/gh-action-pypi-publish`, signing,
  attestations) for `id-token`. The evidence is a table of actions and commands with their
  sources (`linter/github_token_uses.py`). A job that hands the token to an action or script the
  table does not know, runs an unknown action whose name says it may write (`...-release`,
  `...-comment`, `...-deploy`), calls a reusable workflow cilint cannot read, or uses
  `actions/github-script` or `gh api`, may use any scope: nothing is reported for it.

  A job's `permissions:` replaces the workflow's (GitHub docs, "Assigning permissions to jobs").
  A local reusable workflow's jobs get their own, else their file's top-level ones, else the
  caller job's; the caller's cap them (a called workflow can only lower them): cilint reports a
  called workflow's scopes in its own file, and a caller job's scopes when none of the called
  jobs uses them.

CircleCI (contexts, when `.cilint.yml` says which variables each context provides, `contexts:`):

* a context given to a job that reads none of the variables it provides (the job's `$VARS` in
  scripts, `environment` values and image `auth`). A job that runs orb commands or a repository
  script (`./deploy.sh`, `make`, `bash x.sh`), which may read them unseen, is not reported;
* a deploy context (one named for deployment, production, release or publishing: `deploy`,
  `prod`, `production`, `release`, `publish`, `live`) given to a job that can run on any branch
  (no branch filter on a push): any branch pushed gets the deployment's credentials.

Every finding is a warning. Messages name the scope or context and what the job does use.

Examples: a failing and a passing repository per platform, in `rules/examples/least-privilege/`;
`cilint explain CIL109` and docs/rules/least-privilege.md show them with what cilint reports.

How to fix: on GitHub, put `permissions: contents: read` (or `{}`) at the top of each workflow
and grant each write scope on the job that uses it; on CircleCI, give each job only the contexts
whose variables it reads, and filter jobs holding deploy contexts to the branches that deploy
(`filters: branches: only: main`).

Sources: GitHub docs, "Assigning permissions to jobs", "Automatic token authentication"
(GITHUB_TOKEN reference: permissive and restricted defaults), "Reusing workflows" (the called
workflow's permissions can only be downgraded); CircleCI docs, "Using contexts" (restricting
contexts to branches and groups).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..linter.findings import Finding
from ..linter.lazyre import lazy
from ..linter.model import JobRun, Permissions, Pipeline, Project, Span, Workflow

ID = "CIL109"
NAME = "least-privilege"
LEVEL = "warning"
LEVELS = ("warning",)  # every level its findings take, the default first
SUMMARY = "a job's token or context can do more than the job shows a use for"
OPTIONS: dict[str, Any] = {}
TAGS = ("security",)
SECURITY_SEVERITY = "5.0"
PRECISION = "medium"

# What a write scope is for: how messages say what was not found.
_EXPECTED: dict[str, str] = {
    "contents": "no release, tag, commit or push",
    "pull-requests": "no comment, label, review or pull request made",
    "issues": "no issue, comment or label made",
    "packages": "no registry login or push",
    "id-token": "no OIDC consumer such as a cloud login, trusted publishing, signing or an attestation",
    "actions": "no run, cache or artifact changed",
    "checks": "no check run made",
    "statuses": "no commit status set",
    "deployments": "no deployment made",
    "pages": "no Pages deployment",
    "security-events": "no code-scanning upload",
    "attestations": "no attestation made",
    "discussions": "no discussion changed",
    "repository-projects": "no project changed",
}

# Contexts named for deployment: their credentials reach production or publish.
_DEPLOY_CONTEXT = lazy(
    r"(?:^|[^a-z])(?:deploy|deploys|deployment|deployments|prod|production|release|releases|publish|publishing|live)"
    r"(?:[^a-z]|$)", re.I)
# A branch no filter meant for deployments admits: a job whose triggers admit it runs on any branch.
_ANY_BRANCH = "cilint-example/any-feature-branch"
# Commands that run a repository script, which may read variables the configuration does not show.
_SCRIPT = lazy(r"^(?:\.{0,2}/\S+|\S+\.(?:sh|bash|py|rb|js|ts|pl)\b|(?:make|just|task|rake)\b|(?:bash|sh)\s+\S)")
# Tools that read their credentials from the environment without a `$NAME` in the script: a
# variable whose name starts with the key counts as read by a job that runs one of the tools.
_TOOL_VARIABLES: dict[str, tuple[str, ...]] = {
    "AWS_": ("aws", "sam", "cdk", "terraform", "serverless", "sls", "eb"),
    "GOOGLE_": ("gcloud", "gsutil", "terraform"), "GCLOUD_": ("gcloud", "gsutil"),
    "AZURE_": ("az", "terraform"), "ARM_": ("terraform",),
    "HEROKU_": ("heroku", "git"), "NPM_": ("npm", "npx", "yarn", "pnpm"), "NODE_AUTH_": ("npm", "yarn", "pnpm"),
    "DOCKER": ("docker",), "GITHUB_": ("gh", "git", "ghr"), "GH_": ("gh", "ghr"),
    "CODECOV_": ("codecov",), "SENTRY_": ("sentry-cli",), "TWINE_": ("twine",), "NETLIFY_": ("netlify",),
    "VERCEL_": ("vercel",), "CLOUDFLARE_": ("wrangler",), "FIREBASE_": ("firebase",), "SNYK_": ("snyk",),
    "SONAR_": ("sonar-scanner",), "TF_": ("terraform",), "KUBE": ("kubectl", "helm"),
}


def check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
    seen: set[tuple[Span, str]] = set()
    for pipeline in project.pipelines:
        if pipeline.platform == "github":
            found = _github(pipeline)
        elif pipeline.platform == "circleci":
            found = _circleci(project, pipeline)
        else:
            continue
        for finding in found:
            if (finding.span, finding.message) not in seen:
                seen.add((finding.span, finding.message))
                yield finding


# -- GitHub ------------------------------------------------------------------------------------


def _own_jobs(pipeline: Pipeline) -> list[JobRun]:
    """The file's own jobs (not those of workflows it calls, checked in their own files), one run
    per job (matrix legs share their permissions and steps)."""
    runs: dict[str, JobRun] = {}
    for workflow in pipeline.workflows:
        for run in workflow.jobs():
            if run.caller is None:
                runs.setdefault(run.job_id, run)
    return list(runs.values())


def _used(runs: list[JobRun]) -> dict[str, list[str]]:
    """Scope -> what the jobs do that needs it (certain uses only), in order, once each."""
    used: dict[str, list[str]] = {}
    for run in runs:
        for use in run.token_uses:
            if use.certain and use.what not in used.setdefault(use.scope, []):
                used[use.scope].append(use.what)
    return used


def _uses_text(runs: list[JobRun]) -> str:
    used = _used(runs)
    unknown = list(dict.fromkeys(use.what for run in runs for use in run.token_uses if not use.certain))
    if not used and unknown:
        return f"what {'they' if len(runs) > 1 else 'it'} may write with cannot be told ({', '.join(unknown[:2])})"
    if not used:
        return "none of the jobs shows a use for a write scope" if len(runs) > 1 else \
            "the job shows a use for no write scope"
    parts = [f"{scope} ({', '.join(whats[:2])})" for scope, whats in sorted(used.items())]
    return ("what they use: " if len(runs) > 1 else "what it uses: ") + "; ".join(parts[:4]) + (
        "; ..." if len(parts) > 4 else "")


def _jobs_text(runs: list[JobRun]) -> str:
    names = [f"`{run.job_id}`" for run in runs]
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    return ("job " if len(names) == 1 else "jobs ") + shown


def _github(pipeline: Pipeline) -> Iterator[Finding]:
    runs = _own_jobs(pipeline)
    if not runs:
        return
    only_called = bool(pipeline.triggers) and all(t.event == "workflow_call" for t in pipeline.triggers)
    bare = [run for run in runs if run.permissions is None]
    if pipeline.permissions is None and bare and not only_called:
        yield Finding(
            f"workflow `{pipeline.name}` sets no top-level `permissions:`, so its jobs that set none of their "
            "own get the "
            "repository's default token, which is read/write on every scope (write-all) unless the repository "
            f"or organisation restricts it; {_uses_text(bare)}. Add `permissions: contents: read` at the top "
            "and grant write scopes on the jobs that use them",
            pipeline.span, level="warning",
            related=[(run.span, f"job `{run.job_id}` sets no `permissions:`") for run in bare])
    by_block: dict[Span, tuple[Permissions, list[JobRun]]] = {}
    for run in runs:
        if run.permissions is not None and run.kind in ("job", "call"):
            by_block.setdefault(run.permissions.span, (run.permissions, []))[1].append(run)
    for permissions, holders in by_block.values():
        yield from _block_findings(pipeline, permissions, holders)


def _block_findings(pipeline: Pipeline, permissions: Permissions, runs: list[JobRun]) -> Iterator[Finding]:
    workflow_level = permissions is pipeline.permissions
    where = f"workflow `{pipeline.name}`" if workflow_level else _jobs_text(runs)
    job = runs[0].qualified if len(runs) == 1 and not workflow_level else None
    if permissions.kind == "all" and permissions.default == "write":
        yield Finding(
            f"`permissions: write-all` gives the token of {where} write access to every scope; "
            f"{_uses_text(runs)}: grant only those",
            permissions.span, job=job, level="warning")
        return
    if permissions.kind != "map":
        return
    for scope, level in permissions.scopes.items():
        if level != "write" or scope not in _EXPECTED or any(_capped(run, scope) for run in runs):
            # (a scope cilint does not know, or spelled wrong, is the schema's business)
            continue
        if any(use.scope == scope for run in runs for use in run.token_uses):
            continue  # used, or possibly used by something cilint cannot see into
        expected = _EXPECTED.get(scope, "no step that needs it")
        yield Finding(
            f"`{scope}: write` is granted to {where}, which "
            f"{'show' if len(runs) > 1 else 'shows'} no use for it ({expected}); {_uses_text(runs)}. "
            + ("Drop it" if scope == "id-token" else f"Lower it to `{scope}: read` (or drop it)"),
            permissions.span_of(scope), job=job, level="warning")


def _capped(run: JobRun, scope: str) -> bool:
    """The caller of a called workflow does not grant the scope: the callee's write is not given."""
    return run.permissions_cap is not None and run.permissions_cap.level(scope) != "write"


# -- CircleCI ----------------------------------------------------------------------------------


def _circleci(project: Project, pipeline: Pipeline) -> Iterator[Finding]:
    provides = {**pipeline.contexts_declared, **project.context_variables}
    for workflow in pipeline.workflows:
        for run in workflow.jobs():
            if run.kind != "job" or not run.contexts:
                continue
            yield from _unread_contexts(run, workflow, provides)
            yield from _deploy_contexts(run, workflow)


def _reads(run: JobRun) -> list[str]:
    return list(dict.fromkeys(ref.name for ref in run.secrets))


def _read_by_tool(run: JobRun, name: str) -> bool:
    """A tool the job runs reads the variable from the environment (`aws` reads `AWS_*`)."""
    tools = {word.rsplit("/", 1)[-1] for step in run.steps for command in step.commands
             for word in command.argv[:1]}
    return any(name.startswith(prefix) and tools.intersection(names) for prefix, names in _TOOL_VARIABLES.items())


def _opaque(run: JobRun) -> bool:
    """The job may read variables cilint does not see: orb commands, repository scripts."""
    return any(step.uses is not None for step in run.steps) or any(
        _SCRIPT.match(command.text) for step in run.steps for command in step.commands)


def _unread_contexts(run: JobRun, workflow: Workflow, provides: dict[str, list[str]]) -> Iterator[Finding]:
    reads = _reads(run)
    for context in run.contexts:
        variables = provides.get(context.value)
        if not variables or any(name in reads or _read_by_tool(run, name) for name in variables) or _opaque(run):
            continue
        given = ", ".join(f"`${name}`" for name in variables[:4]) + (", ..." if len(variables) > 4 else "")
        read = ", ".join(f"`${name}`" for name in reads[:4]) if reads else "no variable from a context"
        yield Finding(
            f"workflow `{workflow.name}` gives job `{run.job_id}` context `{context.value}`, which provides "
            f"{given}, but the job reads none of them (it reads {read}); take the context off this job",
            context.span, job=run.qualified, level="warning")


def _deploy_contexts(run: JobRun, workflow: Workflow) -> Iterator[Finding]:
    any_branch = [t for t in run.triggers if t.event == "push" and t.certain and t.admits(_ANY_BRANCH)]
    if not any_branch:
        return
    for context in run.contexts:
        if not _DEPLOY_CONTEXT.search(context.value):
            continue
        reads = _reads(run)
        read = f"it reads {', '.join(f'`${n}`' for n in reads[:4])}" if reads else "it reads no variable from it"
        yield Finding(
            f"deploy context `{context.value}` is given to job `{run.job_id}` in workflow `{workflow.name}`, "
            f"which runs on pushes to any branch ({read}): anyone who can push a branch gets the context's "
            "credentials; filter the job to the deploying branches (`filters: branches: only: main`) or restrict "
            "the context to them",
            context.span, job=run.qualified, level="warning")
