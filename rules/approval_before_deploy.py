"""Every production deploy must wait for a human approval on every path that can reach it.

A job deploys when it runs a deploy or publish command (`flyctl deploy`, `kubectl apply`,
`helm upgrade`, `terraform apply`, `npm publish`, `twine upload`, `gh release create`, ...), uses a
deploy or publish action or orb (`superfly/flyctl-actions`, `pypa/gh-action-pypi-publish`,
`softprops/action-gh-release`, `changesets/action` with a `publish` input, ...), has a CircleCI
`deploy` step, runs in a production-named GitHub environment, or has a deploy verb in its id or
name (`deploy`, `promote`, `rollout`). `release`/`publish` in a name is not evidence
(`release_build` running `mix release` builds), nor is `docker push` of a build image, nor a dry
run, nor a draft release (`gh release create --draft`, `draft: true`). A deploy whose target says
`staging`, `dev`, `test`, `qa`, `preview`, `review`, `sandbox` or `docs`/`pages` is not a
production deploy and is left alone: its environment, its name, or what its command or action
deploys to (app, stack, registry, bucket, URL); not notes files (`--notes-file /dev/null`),
release bodies, or CircleCI context names, which name credentials. A documentation site
(`mkdocs gh-deploy`, GitHub Pages) is not production. `cilint graph` shows which jobs were taken
for deploys and why.

What counts as the approval:

* CircleCI: a `type: approval` job among the jobs the deploy `requires`, directly or further up,
  in that workflow. Requirements are conjunctive, so one approval upstream gates every path,
  except where the approval is filtered out: CircleCI ignores a requirement that does not run
  ("When jobs you list as dependencies do not execute (due to filters, for example), CircleCI
  ignores them as dependencies", https://circleci.com/docs/reference/configuration-reference/,
  `requires`). Each workflow that runs
  the deploy is checked on its own, and reported at that invocation.
* GitHub Actions: the deploy job, or a job it `needs` (directly or further up, through the
  jobs that call a local reusable workflow and through `workflow_run` chains), has an
  `environment` with required reviewers ("All deployment protection rules must pass before a job
  referencing the environment is sent to a runner",
  https://docs.github.com/en/actions/reference/workflows-and-actions/deployments-and-environments).
  Reviewers live in the repository settings, not in YAML: list the protected
  environments in the configuration (`protected_environments`). Without that list any
  environment counts, and the finding is a note saying that its protection cannot be verified.
  A job whose `if:` holds after a need failed (`always()`, `failure()`, `!cancelled()`) is not
  gated by an approval upstream: a rejected approval fails the job waiting for it, and such a
  job runs anyway. A workflow started by `workflow_run` is gated by an approval in the workflow
  it follows only when it checks `github.event.workflow_run.conclusion == 'success'` (the
  event fires on every completion).
* With the option `manual_is_approval`, a run started by hand (`workflow_dispatch`) counts as
  approved.

Which events reach a job: the workflow's triggers narrowed by the job's `if:` in its common forms
(`github.event_name`, `github.ref`, `startsWith(github.ref, 'refs/tags/')`, `github.ref_name`,
joined with `&&`, `||`, `!`) and by its needs, and CircleCI's branch and tag filters and workflow
`when`. A condition cilint cannot read leaves the job reachable.

A production deploy reachable from a pull request (`pull_request*`, or for CircleCI a branch
filter that admits pull-request branches) is an error even when it is gated: unmerged code must
not reach production, approved or not. Preview deploys on pull requests are not production
deploys and are fine.

The message names one unapproved path, e.g. `push(main) -> build -> deploy`; SARIF output carries
its jobs as related locations (up to 20 per finding: the first ones and the deploy). The walk back
from a deploy stops at 50 jobs: a path that long is shown as its last jobs (`push -> ... -> e -> deploy`).

Examples: a failing and a passing repository per platform, in `rules/examples/approval-before-deploy/`;
`cilint explain CIL105` and docs/rules/approval-before-deploy.md show them with what cilint reports.

How to fix: put an approval in front of the deploy (a CircleCI `type: approval` job it requires,
a GitHub environment with required reviewers on the job or on a job it needs), and run
production deploys only from the default branch or tags. If the job is not a production deploy,
name its target (`environment: staging`) or tune the `deploy` section of the configuration
(`verbs`, `commands`, `actions`, `non_production`).

Options:

* `manual_is_approval` (default false): a run started by hand (`workflow_dispatch`) counts as
  approved.
* Configuration, outside the rule: `protected_environments` (GitHub environments with required
  reviewers) and `deploy` (how deploys and their targets are recognised).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..linter.findings import Finding
from ..linter.model import JobGraph, JobRun, Project, Span, Trigger, Workflow

ID = "CIL105"
NAME = "approval-before-deploy"
LEVEL = "error"
LEVELS = ("error", "note")  # every level its findings take, the default first
SUMMARY = "a production deploy can run without an approval on every path to it"
OPTIONS: dict[str, Any] = {"manual_is_approval": False}
TAGS = ("security", "policy", "deploy")
SECURITY_SEVERITY = "8.0"
PRECISION = "high"

# How well a GitHub job is gated: by an environment known to have reviewers, by an environment
# whose protection we cannot see, or not at all.
APPROVED, UNVERIFIED, UNGATED = 2, 1, 0
MANUAL_EVENTS = ("workflow_dispatch", "manual")
MAX_PATH = 12  # jobs shown in a path; longer ones are elided in the middle
# Jobs shown of a path cut short: the walk back from a deploy stops at MAX_WALK + 2 jobs, since a
# chain of N deploy jobs would otherwise cost N^2 in time, memory and related locations (2,000
# jobs: 8.7 GB); a path that long is shown as its last MAX_WALK jobs.
MAX_WALK = 48
# Evidence that never makes the pull-request claim: a name, and CircleCI's `deploy` step, whose
# script often deploys only on some branches (`if [ "$CIRCLE_BRANCH" == "master" ]`).
WEAK_EVIDENCE = ("job name", "`deploy` step")


@dataclass
class _Gate:
    """A GitHub job's gating, from a topological pass over its workflow."""

    rank: int
    via: JobRun | None = None  # the job whose environment gates it
    parent: str | None = None  # the least-gated job it needs: the path goes through it


@dataclass
class _Miss:
    """One trigger on which a deploy runs without an approval."""

    trigger: Trigger
    kind: str  # a key of _MESSAGES
    path: list[JobRun]
    upstream: str = ""  # `push(main) -> CI` for workflow_run chains
    environment: str = ""  # the unverified environment and the job that has it

    @property
    def cut(self) -> bool:
        """The path was walked back further than MAX_WALK + 1 jobs and goes on: its start is not
        shown (the walks stop at MAX_WALK + 2 jobs, one more than a whole path that is shown)."""
        return len(self.path) > MAX_WALK + 1

    @property
    def level(self) -> str:
        return _MESSAGES[self.kind][0]


# (level, message) by kind of miss; `{fix}` is platform-specific.
_MESSAGES: dict[str, tuple[str, str]] = {
    "ungated": ("error", "production deploy `{job}` ({evidence}{where}) can run without an approval: "
                         "{path}{also}; {fix}"),
    "unverified": ("note", "production deploy `{job}` ({evidence}{where}) is gated only by {environment}, "
                           "whose required reviewers cannot be verified from YAML: {path}{also}; list the "
                           "environments that have required reviewers in `protected_environments`"),
    "external": ("note", "production deploy `{job}` ({evidence}{where}) is in a reusable workflow called "
                         "from outside this repository, whose callers' approvals cannot be seen: "
                         "{path}{also}"),
    "remote": ("note", "production deploy `{job}` ({evidence}) runs reusable workflow `{uses}`, whose "
                       "environments cannot be seen from here: {path}{also}; if its jobs have no environment "
                       "with required reviewers, gate this job behind one"),
    "pull_request": ("error", "pull requests can reach production deploy `{job}` ({evidence}{where}): "
                              "{path}; unmerged code must not reach production, even behind an approval: "
                              "deploy from pushes to the default branch or from tags"),
}


@dataclass
class _Context:
    project: Project
    manual: bool
    protected: set[str] | None
    called_locally: set[str] = field(default_factory=set)  # paths of locally called workflows
    upstream_rank: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, project: Project, options: dict[str, Any]) -> _Context:
        protected = project.protected_environments
        context = cls(project, bool(options.get("manual_is_approval")),
                      None if protected is None else {p.lower() for p in protected})
        for workflow in project.workflows():
            for job in workflow.jobs():
                if job.caller is not None and job.span.path != workflow.pipeline.path:
                    context.called_locally.add(job.span.path)
        return context


def check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
    context = _Context.of(project, options)
    for workflow in project.workflows():
        deploys = [job for job in workflow.jobs() if job.deploy is not None and job.deploy.production]
        if not deploys:
            continue
        if workflow.pipeline.platform == "circleci":
            yield from _circleci(workflow, deploys)
        elif workflow.pipeline.platform == "github" and not _only_called_locally(context, workflow):
            yield from _github(context, workflow, deploys)


# ---------------------------------------------------------------------------------------------
# CircleCI: an approval among the requirements, trigger by trigger


def _circleci(workflow: Workflow, deploys: list[JobRun]) -> Iterator[Finding]:
    covered, gate_upstream = _circleci_pass(workflow)
    for job in deploys:
        misses: list[_Miss] = []
        any_branch = _any_branch(job)
        for index, trigger in enumerate(job.triggers):
            if trigger.is_pull_request and trigger.certain and any_branch and _strong(job):
                path = _circleci_path(workflow, covered, job.key, trigger, uncovered_only=False)
                yield _finding(workflow, job, [_Miss(trigger, "pull_request", path)])
            elif not covered[job.key][index] and not trigger.is_pull_request:
                # A CircleCI "pull request" is a push to its branch: the push triggers cover it.
                path = _circleci_path(workflow, covered, job.key, trigger, uncovered_only=True)
                misses.append(_Miss(trigger, "ungated", path))
        if misses:
            hint = ("an approval upstream is filtered out on this trigger, and CircleCI ignores "
                    "requirements that do not run; " if gate_upstream[job.key] else "")
            fix = (f"{hint}add a `type: approval` job to what `{job.key}` requires (directly or further up) "
                   f"in workflow `{workflow.name}`")
            yield _finding(workflow, job, misses, fix)


def _any_branch(job: JobRun) -> bool:
    """CircleCI builds pushes; a pull request is a push to its branch. Only a job that runs on
    any branch is claimed to run for pull requests: `only: [main, release]` admits branches a
    pull request may come from, but those are branches the team controls."""
    return any(t.event == "push" and t.tags is None and t.branches is None for t in job.triggers)


def _circleci_pass(workflow: Workflow) -> tuple[dict[str, list[bool]], dict[str, bool]]:
    """One topological pass: for each job, which of its triggers are covered by an approval
    upstream, and whether any approval stands upstream at all."""
    graph = workflow.dag
    covered: dict[str, list[bool]] = {}
    gate_upstream: dict[str, bool] = {}
    for key in _order(graph):
        job = workflow.job(key)
        preds = list(graph.predecessors(key))
        preds = [p for p in preds if p in covered]  # all of them, unless a cycle was left in
        gate_upstream[key] = any(workflow.job(p).is_approval or gate_upstream[p] for p in preds)
        if job.is_approval:
            covered[key] = [True] * len(job.triggers)
            continue
        gated = [t for p in preds for t, ok in zip(workflow.job(p).triggers, covered[p], strict=True) if ok]
        covered[key] = [any(_covers(g, t) for g in gated) for t in job.triggers]
    return covered, gate_upstream


def _circleci_path(workflow: Workflow, covered: dict[str, list[bool]], key: str, trigger: Trigger,
                   uncovered_only: bool) -> list[JobRun]:
    """Back from `key` through requirements that run on `trigger` without an approval."""
    path = [workflow.job(key)]
    seen = {key}
    while True:
        step = None
        for pred in sorted(workflow.dag.predecessors(key)):
            job = workflow.job(pred)
            if pred in seen or (job.is_approval and uncovered_only):
                continue
            flags = zip(job.triggers, covered.get(pred, []), strict=False)
            if any(_same_scope(t, trigger) and not (flag and uncovered_only) for t, flag in flags):
                step = pred
                break
        if step is None or len(path) > MAX_WALK + 1:  # `_Miss.cut`
            return list(reversed(path))
        seen.add(step)
        path.append(workflow.job(step))
        key = step


def _covers(gate: Trigger, trigger: Trigger) -> bool:
    """The gate runs whenever `trigger` starts the job: same event, and its filters admit at
    least what the job's admit (patterns compared as written)."""
    return _same_scope(gate, trigger) and _filter_covers(
        gate.branches, gate.branches_ignore, trigger.branches, trigger.branches_ignore
    ) and _filter_covers(gate.tags, gate.tags_ignore, trigger.tags, trigger.tags_ignore)


def _same_scope(a: Trigger, b: Trigger) -> bool:
    # A CircleCI push trigger with tags is a tag push; one without is a branch push.
    return a.event == b.event and (a.tags is None) == (b.tags is None)


def _filter_covers(only: list[str] | None, ignore: list[str] | None,
                   their_only: list[str] | None, their_ignore: list[str] | None) -> bool:
    if only is not None and (their_only is None or not set(their_only) <= set(only)):
        return False
    if not ignore:
        return True
    if their_only is not None:
        return not set(their_only) & set(ignore)
    return set(ignore) <= set(their_ignore or [])


# ---------------------------------------------------------------------------------------------
# GitHub: environments with reviewers on the job or upstream


def _only_called_locally(context: _Context, workflow: Workflow) -> bool:
    """A reusable workflow called from this repository is checked inside its callers."""
    events = {t.event for t in workflow.triggers}
    return events == {"workflow_call"} and workflow.pipeline.path in context.called_locally


def _github(context: _Context, workflow: Workflow, deploys: list[JobRun]) -> Iterator[Finding]:
    gates = _github_pass(context, workflow)
    for job in deploys:
        gate = gates[job.key]
        if _self_gated(job) and gate.rank == UNVERIFIED:
            continue  # only its environment says it deploys, and that environment gates it
        misses: list[_Miss] = []
        for trigger in job.triggers:
            if trigger.is_pull_request and trigger.certain and _strong(job):
                path = _github_path(workflow, gates, job)
                yield _finding(workflow, job, [_Miss(trigger, "pull_request", path)])
                continue
            miss = _github_miss(context, workflow, gates, job, trigger)
            if miss is not None:
                misses.append(miss)
        if misses:
            yield _finding(workflow, job, misses, _github_fix(context, job, gate))


def _strong(job: JobRun) -> bool:
    """Evidence beyond the job's name: a job named `deploy` that runs on pull requests usually
    builds there and deploys elsewhere, so a name alone never makes the pull-request claim."""
    assert job.deploy is not None
    return any(not what.startswith(WEAK_EVIDENCE) for what, _ in job.deploy.evidence)


def _self_gated(job: JobRun) -> bool:
    assert job.deploy is not None
    environment = job.environment
    return environment is not None and all(span == environment.span for _, span in job.deploy.evidence)


def _github_miss(context: _Context, workflow: Workflow, gates: dict[str, _Gate], job: JobRun,
                 trigger: Trigger) -> _Miss | None:
    gate = gates[job.key]
    if gate.rank == APPROVED or (context.manual and trigger.event in MANUAL_EVENTS):
        return None
    path = _github_path(workflow, gates, job)
    if job.kind == "call" and gate.rank == UNGATED:
        return _Miss(trigger, "remote", path)  # its jobs, and their environments, are elsewhere
    if trigger.event == "workflow_call":
        if workflow.pipeline.path in context.called_locally:
            return None  # checked inside the callers
        return _Miss(trigger, "external", path)
    rank, upstream = gate.rank, ""
    if trigger.event == "workflow_run":
        upstream_rank, upstream = _upstream(context, workflow, job, trigger, gates)
        rank = max(rank, upstream_rank)
    if rank == APPROVED:
        return None
    if rank == UNVERIFIED and gate.via is not None and gate.via.environment is not None:
        environment = f"environment `{gate.via.environment.value}`"
        if gate.via is not job:
            environment += f" (on `{gate.via.key}`)"
        return _Miss(trigger, "unverified", path, upstream, environment)
    if rank == UNVERIFIED:
        return _Miss(trigger, "unverified", path, upstream, f"the approvals of `{upstream}`")
    return _Miss(trigger, "ungated", path, upstream)


def _github_pass(context: _Context, workflow: Workflow) -> dict[str, _Gate]:
    """One topological pass: each job's best gate, taken from its environment or from the jobs
    it needs (unless it runs when a need failed)."""
    gates: dict[str, _Gate] = {}
    for key in _order(workflow.dag):
        job = workflow.job(key)
        own = _environment_rank(context, job)
        best = _Gate(own, job if own > UNGATED else None)
        preds = sorted(p for p in workflow.dag.predecessors(key) if p in gates)
        if preds:
            weakest = min(preds, key=lambda p: gates[p].rank)
            best.parent = weakest
            if job.runs_after_failed_need is False:
                strongest = max(preds, key=lambda p: gates[p].rank)
                if gates[strongest].rank > best.rank:
                    best = _Gate(gates[strongest].rank, gates[strongest].via, weakest)
        gates[key] = best
    return gates


def _environment_rank(context: _Context, job: JobRun) -> int:
    names = job.environment_names
    if not names and not job.environment_chosen_at_run_time:
        return UNGATED
    if context.protected is None:
        return UNVERIFIED
    protected = bool(names) and all(n.lower() in context.protected for n in names)
    if job.environment_chosen_at_run_time:  # approved only if every name it can take is protected
        return APPROVED if protected else UNVERIFIED
    return APPROVED if protected else UNGATED


def _github_path(workflow: Workflow, gates: dict[str, _Gate], job: JobRun) -> list[JobRun]:
    path = [job]
    key: str | None = gates[job.key].parent
    seen = {job.key}
    while key is not None and key not in seen and len(path) <= MAX_WALK + 1:  # `_Miss.cut`
        seen.add(key)
        path.append(workflow.job(key))
        key = gates[key].parent
    return list(reversed(path))


def _upstream(context: _Context, workflow: Workflow, job: JobRun, trigger: Trigger,
              gates: dict[str, _Gate]) -> tuple[int, str]:
    """How well the workflows a `workflow_run` trigger follows gate this job: the weakest of
    them decides (each can start it), and it counts only when the run checks that the upstream
    run succeeded. Returns the rank and the upstream part of the path (`push(main) -> CI`)."""
    links = [link for link in context.project.links
             if link.downstream is workflow and link.trigger.span == trigger.span]
    if not links:
        return UNGATED, ""
    checked = _checks_conclusion(workflow, job)
    worst = min(links, key=lambda link: _workflow_rank(context, link.upstream, 0))
    rank = _workflow_rank(context, worst.upstream, 0) if checked else UNGATED
    start = worst.upstream.triggers[0].label() if worst.upstream.triggers else "?"
    return rank, f"{start} -> {worst.upstream.name}"


def _checks_conclusion(workflow: Workflow, job: JobRun) -> bool:
    return any(j.requires_upstream_success for j in [job, *workflow.ancestors(job.key)])


def _workflow_rank(context: _Context, workflow: Workflow, depth: int) -> int:
    """The best gate anywhere in a workflow (a rejected approval fails the whole run), or in the
    workflows it follows; GitHub chains `workflow_run` at most three levels deep."""
    cached = context.upstream_rank.get(id(workflow))
    if cached is not None:
        return cached
    rank = max((_environment_rank(context, job) for job in workflow.jobs()), default=UNGATED)
    if depth < 3:
        for link in context.project.links:
            if link.downstream is workflow:
                rank = max(rank, _workflow_rank(context, link.upstream, depth + 1))
    context.upstream_rank[id(workflow)] = rank
    return rank


def _github_fix(context: _Context, job: JobRun, gate: _Gate) -> str:
    environment = job.environment.value if job.environment is not None else None
    if environment and context.protected is not None and gate.rank == UNGATED:
        return (f"environment `{environment}` is not listed in `protected_environments`: give it required "
                "reviewers and list it, or gate the job behind one that has them")
    return ("give the job (or a job it needs) a GitHub environment with required reviewers and list "
            "it in `protected_environments`")


# ---------------------------------------------------------------------------------------------
# Findings


def _finding(workflow: Workflow, job: JobRun, misses: list[_Miss], fix: str = "") -> Finding:
    """One finding per deploy and kind: the worst miss's path in full, the other triggers named."""
    first = min(misses, key=lambda m: ("error", "note").index(m.level))
    others = [m.trigger.label() for m in misses if m is not first]
    level, template = _MESSAGES[first.kind]
    message = template.format(
        job=job.key, where=_where(workflow, job), evidence=_evidence(job), path=_path_text(first),
        also=f" (also from {', '.join(dict.fromkeys(others))})" if others else "",
        environment=first.environment, fix=fix, uses=job.uses.text.value if job.uses else "",
    )
    related: list[tuple[Span, str]] = [(first.trigger.span, f"trigger `{first.trigger.label()}`")]
    between = "on the path" if first.kind == "pull_request" else "runs before it, with no approval in between"
    for step in _shown(first)[:-1]:
        related.append((step.span, f"`{step.key}` {between}"))
    assert job.deploy is not None
    what, span = job.deploy.evidence[0]
    related.append((span, f"`{job.key}` deploys to production: {what}"))
    return Finding(message, _invocation(workflow, job).span, job=job.qualified, level=level, related=related)


def _invocation(workflow: Workflow, job: JobRun) -> JobRun:
    """Where to report: a job of a reusable workflow is reported at the caller that runs it in
    this workflow (the gate belongs there), other jobs at themselves."""
    at = job
    while at.caller is not None and at.caller in workflow.dag:
        at = workflow.job(at.caller)
    return at


def _where(workflow: Workflow, job: JobRun) -> str:
    if _invocation(workflow, job) is not job:
        return f", in `{job.span.path}` called from workflow `{workflow.name}`"
    return f", in workflow `{workflow.name}`" if workflow.pipeline.platform == "circleci" else ""


def _evidence(job: JobRun) -> str:
    assert job.deploy is not None
    return job.deploy.evidence[0][0]


def _shown(miss: _Miss) -> list[JobRun]:
    """The jobs of the path that are shown: all of it, or the last MAX_WALK of a longer one."""
    return miss.path[-MAX_WALK:] if miss.cut else miss.path


def _path_text(miss: _Miss) -> str:
    names = [job.key for job in _shown(miss)]
    if miss.cut:
        names = ["...", *names[-MAX_PATH // 2:]]
    elif len(names) > MAX_PATH:
        names = [*names[: MAX_PATH // 2], "...", *names[-MAX_PATH // 2:]]
    start = miss.upstream or miss.trigger.label()
    return " -> ".join([start, *names])


def _order(graph: JobGraph) -> list[str]:
    order = graph.topological_order()
    if order is None:  # a cycle the loader reported; walk what we can
        return list(graph.nodes)
    return order
