"""Branch protection's required status checks must match the checks the pipelines report on
pull requests to that branch.

A required check that never reports keeps every pull request "Expected — Waiting for status to be
reported" forever; one that reports "skipped" passes without testing anything. cilint computes,
per protected branch, the exact check names the pipelines report on pull requests to it and
compares them with the required ones from probot/safe-settings `.github/settings.yml`, the REST
branch-protection JSON and rulesets JSON given with `--protection` (rulesets' `ref_name`
include/exclude, `~DEFAULT_BRANCH`, `~ALL`), and the configuration's `protection`.

How the platforms name checks, and where it is written:

* GitHub Actions reports one check run per job, named by the job's `name` or else its id; the
  workflow's name is not part of it ("`jobs.<job_id>.name` ... displayed in the GitHub UI",
  https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idname).
* Matrix jobs (GitHub does not document this; it is what GitHub does, seen in many public
  reports and in reimplementations such as ChristopherHX/runner.server): a `name` without an
  expression gets the leg's values appended, `name (v1, v2)`, in matrix order; a `name` with an
  expression is evaluated per leg and gets nothing appended; a matrix job skipped as a whole (by
  its `if:`, or because a need failed) is not expanded and reports one check under its
  unexpanded name (actions/runner#952).
* A job of a called reusable workflow reports `<caller name> / <job name>` (space, slash, space;
  the runner prefixes the caller's display name, actions/runner#1917).
* "If a workflow is skipped due to path filtering, branch filtering or a commit message, then
  checks associated with that workflow will remain in a 'Pending' state"; "If ... a job within a
  workflow is skipped due to a conditional, it will report its status as 'Success'"; "When a job
  fails, any jobs that depend on the failed job are skipped and do not report a failure ... use
  the `always()` conditional expression in addition to `needs`"; "You must use the `merge_group`
  event to trigger your GitHub Actions workflow when a pull request is added to a merge queue"
  (https://docs.github.com/en/pull-requests/collaborating-with-pull-requests/collaborating-on-repositories-with-code-quality-features/troubleshooting-required-status-checks).
* A required check may name the app that must report it (`app_id`; rulesets' `integration_id`;
  GitHub Actions is 15368): "Required status check ... was not set by the expected GitHub App"
  (same page).
* CircleCI, per the configured integration (`circleci.checks` in the configuration): commit
  statuses `ci/circleci: <job>`, approval and no-op jobs `ci/circleci: <workflow>/<job>`
  (https://circleci.com/docs/guides/integration/status-updates/), the default; or GitHub Checks
  per workflow: "GitHub Checks from OAuth integrations have the same name as the associated
  workflow", the GitHub App adding the pipeline definition id
  (https://circleci.com/docs/guides/integration/enable-checks/). A job filtered out by branch or
  tag filters runs, and so reports, nothing.

What is reported:

* error: a required check that no pipeline reports on pull requests to that branch; the message
  names the near misses (`build` required, `build (test)` and `build (ce_test)` reported), or the
  reason (the workflow does not run on pull requests to that branch, the job is skipped there).
* error: a check pinned to an app (GitHub Actions) that only another app (CircleCI) reports.
* error: the branch uses a merge queue but a workflow reporting a required check has no
  `merge_group` trigger.
* warning: a required check reported only by workflows with `paths`/`paths-ignore` (or `types`
  without `synchronize`, or branch filters that cover only part of a branch pattern) that can
  skip it; or by two different jobs (ambiguous: either satisfies it); or by a job with the same
  name as an unrequired matrix job (`build` required, the matrix job `build` reports
  `build (test)`...).
* warning: a required check that passes vacuously: its job is skipped on pull requests by its
  `if:`, or it needs jobs that are not required themselves and does not run `if: always()` and
  fail on their results (when a need fails, it is skipped, and skipped is success).
* note: a required check that no pipeline reports but a GitHub App does: one pinned to an app
  other than GitHub Actions (an `app_id`/`integration_id` that is not 15368), or named as a known
  app names its check (`DCO`, `CodeQL`, `EasyCLA`...; `load_protection.APP_CHECKS`). cilint cannot
  see what apps report, so it says so instead of calling the check never reported; a name that is
  a near miss of a check a pipeline reports (`lint_code` for `lint-code`) is still an error.
* note: a job that looks like a gate (`gate_names`) reported on pull requests to a protected
  branch, required neither itself nor through a required job that needs it.

Checks whose names no pipeline here could produce (another app's, like `codecov/patch`, or a
platform whose files are not being checked) are left alone, as are names known only as a
pattern (a name computed at run time). A ruleset in `evaluate` mode is reported at most as a
warning.

Examples: a failing and a passing repository per platform, in `rules/examples/required-checks/`;
`cilint explain CIL106` and docs/rules/required-checks.md show them with what cilint reports.

How to fix: require the names exactly as reported (see `cilint graph --format json`), run required
workflows on every pull request (filter steps, not workflows), and require one aggregator job
that runs `if: always()` and fails on its needs' results.

Options:

* `gate_names` (regular expression): which job names look like a gate for the note
  (default: words like test, lint, build, check, security, static, e2e, integration).
* Configuration, outside the rule: `protection` (required checks per branch), `circleci.checks`
  (`status`, `checks-oauth`, `checks-app`), `default_branch`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..linter.findings import Finding
from ..linter.lazyre import lazy
from ..linter.model import (
    BranchPattern,
    CheckName,
    JobRun,
    PipelinePlatform,
    Project,
    Protection,
    RequiredCheck,
    Span,
    Trigger,
    Workflow,
)

ID = "CIL106"
NAME = "required-checks"
LEVEL = "error"
LEVELS = ("error", "warning", "note")  # every level its findings take, the default first
SUMMARY = "required status checks that are never reported, or pass without running"
OPTIONS: dict[str, Any] = {
    "gate_names": r"(?i)(^|[^a-z])(tests?|lint(ing)?|build|checks?|security|static|typecheck|e2e|integration"
                  r"|unit)([^a-z]|$)",
}
TAGS = ("correctness", "policy", "branch-protection")
SECURITY_SEVERITY = None
PRECISION = "high"

PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
# A status another app posts (`codecov/patch`, `license/cla`, `continuous-integration/travis-ci`):
# a slash, but not a reusable-workflow ` / ` (statuses of a platform checked here are told first,
# by `Pipeline.status_context`).
_OTHER_APP = lazy(r"^[^ /][^/]*/(?! )")
MAX_NAMES = 5


# ---------------------------------------------------------------------------------------------
# Branch patterns


@dataclass(frozen=True)
class _Target:
    """A branch (or branch pattern) a protection covers, minus what it excludes."""

    branches: BranchPattern
    exclude: tuple[BranchPattern, ...] = ()
    label: str = ""  # as the protection writes it (`~ALL`, `release/*`), the default branch by name
    every: bool = False  # every branch

    @property
    def pattern(self) -> str:
        return self.branches.written

    @property
    def is_glob(self) -> bool:
        return self.branches.is_glob

    def samples(self, default_branch: str, hints: Iterable[str] = ()) -> list[str]:
        """Branch names standing for the pattern: itself, or a few names it matches, among them
        names made from `hints` (a workflow's filter patterns) that fall inside it."""
        if not self.is_glob:
            return [self.pattern]
        made = {*self.branches.examples, *hints}
        if self.every:
            made.add(default_branch)
        return sorted(n for n in made if self.branches.matches(n) and not any(e.matches(n) for e in self.exclude))


def _targets(project: Project, protection: Protection) -> list[_Target]:
    default = project.default_branch
    exclude = tuple(e.resolve(default) for e in protection.excluded)
    out = []
    resolved = {b.resolve(default).written: b for b in protection.branches}  # (the last of equal ones)
    for branches in resolved.values():
        target = _Target(branches.resolve(default), exclude, branches.label(default), branches.every)
        if target.is_glob or not any(e.matches(target.pattern) for e in exclude):
            out.append(target)
    return out


def _coverage(trigger: Trigger, target: _Target, default_branch: str) -> str:
    """How much of the target branch pattern a pull-request trigger runs for: all, some, none."""
    if trigger.branches is not None and any(p == target.pattern for p in trigger.branches):
        return "all"
    hints = trigger.branch_filter.examples if trigger.branch_filter is not None else ()
    verdicts = {trigger.admits(b) for b in target.samples(default_branch, hints)}
    if verdicts == {True}:
        return "all"
    if True in verdicts:
        return "some"
    admitted = trigger.branch_filter.only if trigger.branch_filter is not None else None
    literal = any(target.branches.matches(p.written) for p in admitted or () if not p.negated)
    return "some" if target.is_glob and literal else "none"


# ---------------------------------------------------------------------------------------------
# What the pipelines report on pull requests to a branch


@dataclass
class _Report:
    """One check name a job may report on pull requests to the target branch."""

    check: CheckName
    job: JobRun
    workflow: Workflow
    reaches: bool  # the workflow runs on pull requests to the target (maybe filtered)
    state: str  # "runs", "skipped" (by its `if:` or a skipped need: success), "when-skipped"
    filtered: str = ""  # why the workflow may not run although it reaches the branch
    trigger: Trigger | None = None

    @property
    def name(self) -> str:
        return self.check.name

    @property
    def github(self) -> bool:
        return self.workflow.pipeline.platform == "github"

    def describe(self) -> str:
        """The job (a matrix job as a whole) and its file."""
        key = self.job.key.split(" (")[0] if self.job.matrix else self.job.key
        return f"`{key}` in `{self.job.span.path}`"


def _github_reports(project: Project, workflow: Workflow, target: _Target) -> Iterator[_Report]:
    triggers = [t for t in workflow.triggers if t.event in PULL_REQUEST_EVENTS]
    coverages = [(t, _coverage(t, target, project.default_branch)) for t in triggers]
    reaching = [(t, c) for t, c in coverages if c != "none"]
    best = min(reaching, key=lambda tc: (tc[1] != "all", bool(_trigger_filters(tc[0]))), default=None)
    reaches = best is not None
    filtered = ""
    if best is not None:
        filtered = _trigger_filters(best[0])
        if best[1] == "some":
            partly = f"its `{best[0].event}` branch filter covers only part of `{target.label}`"
            filtered = filtered or partly
    for job in workflow.jobs():
        runs = any(t.is_pull_request for t in job.triggers)
        for check in job.checks:
            if check.when_skipped:
                state = "when-skipped"
            elif runs:
                state = "runs"
            elif job.matrix:
                continue  # a skipped matrix job reports only its unexpanded name
            else:
                state = "skipped"
            yield _Report(check, job, workflow, reaches, state, filtered, best[0] if best else None)


def _trigger_filters(trigger: Trigger) -> str:
    if trigger.paths or trigger.paths_ignore:
        key = "paths" if trigger.paths else "paths-ignore"
        return f"its `{trigger.event}` trigger has `{key}` filters"
    if trigger.types is not None and "synchronize" not in trigger.types:
        return f"its `{trigger.event}` trigger does not run on new commits (`types` without `synchronize`)"
    return ""


def _circleci_reports(project: Project, workflow: Workflow) -> Iterator[_Report]:
    """CircleCI builds the pull request's branch; filtered-out jobs report nothing."""
    if project.circleci_checks != "status":
        oauth = project.circleci_checks == "checks-oauth"
        reaches = any(t.is_pull_request for t in workflow.triggers)
        for check in workflow.checks:
            named = check if oauth or check.app_name is None else CheckName(
                check.app_name, check.kind, check.span, pattern=True)
            yield _Report(named, _workflow_holder(workflow), workflow, reaches, "runs")
    for job in workflow.jobs():
        reaches = any(t.is_pull_request for t in job.triggers)
        for check in job.checks:
            yield _Report(check, job, workflow, reaches, "runs")


def _workflow_holder(workflow: Workflow) -> JobRun:
    return JobRun(key=workflow.name, job_id=workflow.name, name=workflow.name, span=workflow.span,
                  qualified=f"{workflow.pipeline.path}:{workflow.name}")


def _reports(project: Project, target: _Target) -> list[_Report]:
    out: list[_Report] = []
    for workflow in project.workflows():
        platform = workflow.pipeline.platform
        if platform == "github" and not _only_called(workflow):
            out.extend(_github_reports(project, workflow, target))
        elif platform == "circleci":
            out.extend(_circleci_reports(project, workflow))
    return out


def _only_called(workflow: Workflow) -> bool:
    """A reusable workflow reports through its callers (`caller / job`), not on its own."""
    return bool(workflow.triggers) and all(t.event == "workflow_call" for t in workflow.triggers)


# ---------------------------------------------------------------------------------------------
# Verdicts


@dataclass
class _Verdict:
    level: str
    text: str  # what is wrong, without the branch
    related: list[tuple[Span, str]] = field(default_factory=list)
    mentioned: list[JobRun] = field(default_factory=list)  # jobs the verdict speaks for


@dataclass
class _Scope:
    """One protection and one of its branch patterns, with what is reported there."""

    project: Project
    protection: Protection
    target: _Target
    reports: list[_Report]
    required: set[str]
    by_name: dict[str, list[_Report]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for report in self.reports:
            self.by_name.setdefault(report.name, []).append(report)

    def is_required(self, name: str) -> bool:
        return name in self.required


def _judge(scope: _Scope, check: RequiredCheck) -> list[_Verdict]:
    exact = scope.by_name.get(check.context, [])
    reaching = [r for r in exact if r.reaches]
    if not reaching:
        if any(r.reaches and r.check.pattern and r.check.matches(check.context) for r in scope.reports):
            return []  # a name only known at run time may be this one
        app = _reporting_app(check)
        if app and not exact and not _near_misses(check.context, [r for r in scope.reports if r.reaches],
                                                  _status_prefixes(scope.project)):
            return [_app_note(app)]
        return [_never(scope, check, exact)]
    fitting = [r for r in reaching if _app_fits(check, r)]
    if not fitting:
        return [_wrong_app(check, reaching)]
    verdicts: list[_Verdict] = []
    live = [r for r in fitting if r.state == "runs"]
    if not live:
        return [_vacuous_skip(fitting)]
    steady = [r for r in live if not r.filtered]
    if not steady and not _complementary(live):
        verdicts.append(_filtered(live))
    verdicts.extend(_ambiguous(steady))
    verdicts.extend(_vacuous_needs(scope, live))
    verdicts.extend(_shadowed_matrix(scope, check, live))
    return verdicts


def _never(scope: _Scope, check: RequiredCheck, elsewhere: list[_Report]) -> _Verdict:
    """No report reaches the branch: say why, or which names come close."""
    related = [(r.check.span, f"reports `{r.name}`") for r in elsewhere]
    reasons = sorted({_off_branch(r) for r in elsewhere if not r.reaches})
    near = _near_misses(check.context, [r for r in scope.reports if r.reaches], _status_prefixes(scope.project))
    text = "is never reported on pull requests"
    if reasons:
        text += f": {reasons[0]}"
    elif not near:
        text += ": no job of the pipelines checked here reports it"
    if near:
        text += "; reported instead: " + _names(r.name for r in near)
        related.extend((r.check.span, f"reports `{r.name}`") for r in near[:MAX_NAMES])
    return _Verdict("error", text + "; pull requests wait for it forever", related, [r.job for r in near])


def _reporting_app(check: RequiredCheck) -> str:
    """The GitHub App expected to report the check, when it is not a platform checked here: the
    app it is pinned to (an `app_id` cilint does not know), or the app known to post a check of
    that name (`RequiredCheck.known_app`). "" when a pipeline is expected to report it."""
    if check.app_id is not None and check.app_platform is None:
        return f"app {check.app_id}"
    return check.known_app or ""


def _app_note(app: str) -> _Verdict:
    """No workflow reports a check that an app reports: cilint cannot see apps, so it says so
    once, as a note, instead of calling the check never reported."""
    text = (f"is reported by no pipeline here; it is expected from {app}, and cilint cannot see what "
            "apps report: make sure the app is installed and reports it under this name")
    return _Verdict("note", text)


def _off_branch(report: _Report) -> str:
    if report.github:
        return (f"{report.describe()} reports it, but its workflow does not run on pull requests to this "
                "branch")
    return f"{report.describe()} reports it, but its filters keep it off pull-request branches"


def _status_prefixes(project: Project) -> tuple[str, ...]:
    """The prefixes of the statuses the platforms checked here post (`Pipeline.status_prefix`)."""
    return tuple(sorted({p.status_prefix for p in project.pipelines if p.status_prefix}))


def _unprefixed(name: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return name


def _near_misses(name: str, reports: list[_Report], prefixes: tuple[str, ...]) -> list[_Report]:
    """Names a typo, a matrix suffix, a reusable-workflow prefix or a platform prefix away
    (`prefixes`: the platforms' status prefixes, `Pipeline.status_prefix`)."""
    lowered = name.lower()
    lowered_prefixes = tuple(prefix.lower() for prefix in prefixes)
    bare = _unprefixed(lowered, lowered_prefixes)

    def close(other: str) -> bool:
        low = other.lower()
        return (low.startswith(lowered + " (") or low.endswith(" / " + lowered)
                or lowered.endswith(" / " + low) or low == lowered
                or _unprefixed(low, lowered_prefixes) == bare or low.split(" (")[0] == lowered.split(" (")[0])

    names = sorted({r.name for r in reports if not r.check.pattern})
    picked = [n for n in names if close(n)]
    # Typos, compared without the prefix every status of a platform shares.
    bares = {_unprefixed(n, prefixes): n for n in names}
    typos = difflib.get_close_matches(_unprefixed(name, prefixes), list(bares), n=3, cutoff=0.75)
    picked += [bares[t] for t in typos if bares[t] not in picked]
    first: dict[str, _Report] = {}
    for report in reports:
        if report.name in picked:
            first.setdefault(report.name, report)
    return [first[n] for n in picked]


def _app_fits(check: RequiredCheck, report: _Report) -> bool:
    if check.app_id is None:
        return True
    if report.check.app_id is not None:
        return report.check.app_id == check.app_id
    # The reporter's app id is not known (CircleCI's): it may be the app pinned, unless that is
    # an app known to report for another platform.
    return check.app_platform is None


def _wrong_app(check: RequiredCheck, reports: list[_Report]) -> _Verdict:
    app = f"{check.app_name} ({check.app_id})" if check.app_name else f"app {check.app_id}"
    others = "GitHub Actions" if reports[0].github else "CircleCI"
    related = [(r.check.span, f"reports `{r.name}` from {others}") for r in reports]
    return _Verdict("error", f"is pinned to {app}, but only {others} reports it ({reports[0].describe()}); "
                    "the check never counts: pin the app that reports it", related)


def _vacuous_skip(reports: list[_Report]) -> _Verdict:
    report = reports[0]
    if report.state == "when-skipped":
        text = (f"is the name {report.describe()} reports only when the whole matrix job is skipped; when it "
                "runs it reports the expanded names, and when it is skipped the check passes without running")
    else:
        text = (f"passes without running: {report.describe()} is skipped on pull requests (by its `if:` or a "
                "skipped need), and a skipped job counts as success")
    return _Verdict("warning", text, [(r.check.span, "reported as skipped") for r in reports], [report.job])


def _filtered(reports: list[_Report]) -> _Verdict:
    report = reports[0]
    text = (f"is reported only by {report.describe()}, and {report.filtered}: when the workflow does not "
            "run, the pull request waits for the check forever")
    return _Verdict("warning", text, [(r.check.span, f"reports `{r.name}`") for r in reports])


def _complementary(reports: list[_Report]) -> bool:
    """GitHub's workaround: the same check from a workflow with `paths` and from a twin with the
    same `paths-ignore` that always passes."""
    triggers = [r.trigger for r in reports if r.trigger is not None]
    return any(a.paths and b.paths_ignore and set(a.paths) == set(b.paths_ignore)
               for a in triggers for b in triggers)


def _ambiguous(reports: list[_Report]) -> list[_Verdict]:
    jobs: dict[tuple[str, str], _Report] = {}
    for report in reports:
        # A CircleCI job run by two workflows posts one status: the same job, not two.
        workflow = report.workflow.name if report.github else ""
        key = (f"{report.workflow.pipeline.path}:{workflow}", report.job.job_id)
        jobs.setdefault(key, report)
    if len(jobs) < 2:
        return []
    listed = ", ".join(r.describe() for r in jobs.values())
    text = f"is reported by {len(jobs)} different jobs ({listed}): whichever finishes satisfies it"
    return [_Verdict("warning", text, [(r.check.span, f"reports `{r.name}`") for r in jobs.values()])]


def _vacuous_needs(scope: _Scope, reports: list[_Report]) -> list[_Verdict]:
    """A job that needs unrequired jobs and is skipped when they fail: skipped is success."""
    for report in reports:
        if not report.github or report.job.needs_results_checked:
            continue
        unrequired = _unrequired_ancestors(scope, report)
        if unrequired:
            names = _names(j.key for j in unrequired)
            text = (f"passes when {names} fails: {report.describe()} needs it, so it is skipped, and a "
                    "skipped job counts as success; run it with `if: always()` and fail on `needs.*.result`, "
                    f"or require {names} too")
            related = [(j.span, f"`{j.key}` is needed but not required") for j in unrequired[:MAX_NAMES]]
            return [_Verdict("warning", text, related)]
    return []


def _unrequired_ancestors(scope: _Scope, report: _Report) -> list[JobRun]:
    graph = report.workflow.dag
    if report.job.key not in graph:
        return []
    out = []
    for key in sorted(graph.ancestors(report.job.key)):
        job = report.workflow.job(key)
        if job.kind == "call" or not job.checks:
            continue
        if not any(scope.is_required(c.name) for c in job.checks if not c.when_skipped):
            out.append(job)
    return out


def _shadowed_matrix(scope: _Scope, check: RequiredCheck, reports: list[_Report]) -> list[_Verdict]:
    """`build` is required and reported, but a matrix job also named `build` reports
    `build (a, b)`, and none of those is required: the requirement does not cover it."""
    producers = {r.job.qualified for r in reports}
    prefix = check.context + " ("
    legs = [r for r in scope.reports if r.reaches and r.state == "runs" and r.name.startswith(prefix)
            and r.job.qualified not in producers]
    if not legs or any(scope.is_required(r.name) for r in legs):
        return []
    text = (f"is reported by {reports[0].describe()}, but the matrix job {legs[0].describe()} reports "
            f"{_names(r.name for r in legs)}, none of them required: the requirement does not cover that job")
    related = [(r.check.span, f"reports `{r.name}`, not required") for r in legs[:MAX_NAMES]]
    return [_Verdict("warning", text, related, [r.job for r in legs])]


def _names(names: Iterable[str]) -> str:
    unique = list(dict.fromkeys(names))
    shown = ", ".join(f"`{n}`" for n in unique[:MAX_NAMES])
    return shown + (f" and {len(unique) - MAX_NAMES} more" if len(unique) > MAX_NAMES else "")


# ---------------------------------------------------------------------------------------------
# The rule


def check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
    platforms = {p.platform for p in project.pipelines}
    if not project.protections or not platforms & {"github", "circleci"}:
        return
    gate = re.compile(str(options.get("gate_names") or OPTIONS["gate_names"]))
    notes = _Notes()
    own_statuses = {p.status_context for p in project.pipelines if p.status_context}
    queue: dict[tuple[str, str], _Queue] = {}
    for protection in project.protections:
        if not protection.checks:
            continue
        by_check: dict[tuple[int, str, str], _Grouped] = {}
        for target in _targets(project, protection):
            scope = _Scope(project, protection, target, _reports(project, target),
                           {c.context for c in protection.checks})
            mentioned: set[str] = set()
            for required in protection.checks:
                if not _judgeable(required, platforms, own_statuses):
                    continue
                for verdict in _judge(scope, required):
                    key = (id(required), verdict.level, verdict.text)
                    by_check.setdefault(key, _Grouped(required, verdict)).branches.append(target.label)
                    mentioned.update(j.qualified for j in verdict.mentioned)
                _merge_queue(scope, required, queue)
            _gate_notes(scope, gate, mentioned, notes)
        for grouped in by_check.values():
            yield grouped.finding(protection)
    for item in queue.values():
        yield item.finding()
    yield from notes.findings()


def _judgeable(check: RequiredCheck, platforms: set[PipelinePlatform], own_statuses: set[str]) -> bool:
    """Only names a pipeline being checked could report: not another app's statuses (a CircleCI
    status when no CircleCI config is loaded is one), not a GitHub name without workflows.
    `own_statuses`: the status contexts of the platforms checked here (`Pipeline.status_context`)."""
    name = check.context
    for context in sorted(own_statuses):
        if name.startswith(context):
            return name != context  # the platform's old single status is deprecated
    if _OTHER_APP.match(name) and " / " not in name:
        return False
    if check.app_platform is not None:  # pinned to a known app: only its platform reports it
        return check.app_platform in platforms
    return True  # an app not known here: CircleCI's (its app ids are not known), or another's


@dataclass
class _Grouped:
    """One verdict on one required check, for every branch pattern it holds on."""

    check: RequiredCheck
    verdict: _Verdict
    branches: list[str] = field(default_factory=list)

    def finding(self, protection: Protection) -> Finding:
        level = self.verdict.level
        where = _names(self.branches)
        if not protection.enforced:
            where += ", once the ruleset in evaluate mode is enforced"
            level = "warning" if level == "error" else level  # it blocks nothing yet
        message = f"required check `{self.check.context}` (pull requests to {where}) {self.verdict.text}"
        return Finding(message, self.check.span, level=level, related=self.verdict.related)


# -- merge queue ------------------------------------------------------------------------------


@dataclass
class _Queue:
    workflow: Workflow
    checks: list[str] = field(default_factory=list)
    branches: list[str] = field(default_factory=list)
    related: list[tuple[Span, str]] = field(default_factory=list)

    def finding(self) -> Finding:
        span = self.workflow.triggers[0].span if self.workflow.triggers else self.workflow.span
        message = (f"workflow `{self.workflow.name}` reports required check(s) {_names(self.checks)}, but "
                   f"has no `merge_group` trigger: the merge queue of {_names(self.branches)} waits for them "
                   "forever; add `merge_group:` to its `on:`")
        return Finding(message, span, level="error", related=self.related)


def _merge_queue(scope: _Scope, check: RequiredCheck, queue: dict[tuple[str, str], _Queue]) -> None:
    if not scope.protection.merge_queue:
        return
    for report in scope.by_name.get(check.context, []):
        workflow = report.workflow
        queued = any(t.event == "merge_group" for t in workflow.triggers)
        if not report.reaches or not report.github or queued:
            continue
        item = queue.setdefault((workflow.pipeline.path, workflow.name), _Queue(workflow))
        if check.context not in item.checks:
            item.checks.append(check.context)
            item.related.append((check.span, f"`{check.context}` is required"))
        if scope.target.label not in item.branches:
            item.branches.append(scope.target.label)


# -- gate-looking jobs nobody requires -----------------------------------------------------------


@dataclass
class _Note:
    job: JobRun
    span: Span
    names: list[str] = field(default_factory=list)
    branches: list[str] = field(default_factory=list)

    def finding(self) -> Finding:
        one = len(self.names) == 1
        message = (f"{_names(self.names)} {'looks' if one else 'look'} like a gate but no branch protection "
                   f"requires {'it' if one else 'them'} on pull requests to {_names(self.branches)}: a failure "
                   f"does not block merging; require {'it' if one else 'them'}, or require an aggregator job "
                   f"that needs {'it' if one else 'them'}")
        return Finding(message, self.span, job=self.job.qualified, level="note")


@dataclass
class _Notes:
    """Gate-looking jobs per branch, and the jobs some protection of that branch covers: a job
    is noted for a branch only when no protection of it covers the job."""

    candidates: dict[Span, _Note] = field(default_factory=dict)
    seen: dict[tuple[Span, str], str] = field(default_factory=dict)  # (job, branch) -> job name
    covered: set[tuple[str, str]] = field(default_factory=set)  # (qualified job, branch)

    def findings(self) -> Iterator[Finding]:
        for note in self.candidates.values():
            note.branches = [b for b in note.branches if (note.job.qualified, b) not in self.covered]
            if note.branches:
                yield note.finding()


def _gate_notes(scope: _Scope, gate: re.Pattern[str], mentioned: set[str], notes: _Notes) -> None:
    branch = scope.target.label
    notes.covered.update((q, branch) for q in _covered_jobs(scope) | mentioned)
    by_job: dict[str, list[_Report]] = {}
    for report in scope.reports:
        plain = not report.check.pattern and report.job.kind == "job"
        if report.reaches and report.state == "runs" and plain:
            by_job.setdefault(report.job.qualified, []).append(report)
    for reports in by_job.values():
        if not any(gate.search(r.name.rsplit(" / ", 1)[-1].split(" (")[0]) for r in reports):
            continue
        span = reports[0].check.span
        note = notes.candidates.setdefault(span, _Note(reports[0].job, span))
        note.names.extend(r.name for r in reports if r.name not in note.names)
        if branch not in note.branches:
            note.branches.append(branch)


def _covered_jobs(scope: _Scope) -> set[str]:
    """Jobs a required job needs (they block it), and jobs of which any leg is required: by
    qualified name (matrix legs share it)."""
    covered = {r.job.qualified for r in scope.reports if scope.is_required(r.name)}
    patterns = [r for r in scope.reports if r.check.pattern]
    for name in scope.required:
        for report in scope.by_name.get(name, []) + [r for r in patterns if r.check.matches(name)]:
            covered.add(report.job.qualified)
            if report.check.kind == "workflow-check":  # a required CircleCI workflow covers its jobs
                covered.update(job.qualified for job in report.workflow.jobs())
            graph = report.workflow.dag
            if report.job.key in graph:
                covered.update(report.workflow.job(k).qualified for k in graph.ancestors(report.job.key))
    return covered
