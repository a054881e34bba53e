"""CIL111 template-injection: every finding of the fixtures, exactly, on both platforms."""

from __future__ import annotations

from helpers import findings, where

RULE = "template-injection"
FIRE = "rules/template-injection/fire"
QUIET = "rules/template-injection/quiet"
WF = ".github/workflows"
CIRCLE = ".circleci/config.yml"


def test_github_fires_at_the_expression() -> None:
    found = findings(RULE, f"{FIRE}/github")
    assert where(found) == [
        (".github/actions/greet/action.yml", 8, "error"),  # composite action, used on pull_request_target
        (f"{WF}/pr.yml", 10, "warning"),  # github.head_ref on pull_request: both matrix legs, one finding
        (f"{WF}/push.yml", 10, "warning"),  # head_commit.message, push only
        (f"{WF}/push.yml", 11, "warning"),  # toJSON(github.event.commits): the messages inside
        (f"{WF}/review.yml", 10, "warning"),  # a review's run holds secrets only for a same-repo PR
        (f"{WF}/review.yml", 11, "error"),  # ... but the review's body is the reviewer's
        (f"{WF}/triage.yml", 18, "error"),  # issue.title in run, line 2 of the block
        (f"{WF}/triage.yml", 19, "error"),  # env.TITLE set from issue.title
        (f"{WF}/triage.yml", 21, "error"),  # issue.body written to GITHUB_OUTPUT
        (f"{WF}/triage.yml", 22, "error"),  # steps.meta.outputs.body
        (f"{WF}/triage.yml", 26, "error"),  # github-script script: comment.body || 'none'
        (f"{WF}/triage.yml", 28, "error"),  # toJSON(github.event): the title and body inside
    ]
    by_line = {(f.span.path.rsplit("/", 1)[-1], f.span.line): f for f in found}
    assert "anyone can start this job with `pull_request_target`" in by_line[("action.yml", 8)].message
    assert "no trigger that starts the job lets an outsider run it with secrets" in by_line[("pr.yml", 10)].message
    assert [(s.line, m) for s, m in by_line[("pr.yml", 10)].related] == [
        (2, "`pull_request` starts the job and carries the value")]
    assert by_line[("pr.yml", 10)].span.column == 34
    assert by_line[("pr.yml", 10)].message.endswith("(in 2 job runs of `pr/test`)")  # the legs, grouped
    assert "`github.event.head_commit.message`" in by_line[("push.yml", 10)].message
    assert "anyone can start this job with `issues`" in by_line[("triage.yml", 18)].message
    assert "`env.TITLE` (set from `github.event.issue.title`" in by_line[("triage.yml", 19)].message
    assert (by_line[("triage.yml", 19)].related[0][0].line, by_line[("triage.yml", 19)].related[0][1]) == (
        13, "`env.TITLE` is set from `github.event.issue.title` here")
    assert "`steps.meta.outputs.body` (set from `github.event.issue.body`" in by_line[("triage.yml", 22)].message
    assert by_line[("triage.yml", 22)].related[0][0].line == 21
    assert "`actions/github-script`'s `script`, which runs as JavaScript" in by_line[("triage.yml", 26)].message
    assert "`issue_comment`" in by_line[("triage.yml", 26)].message  # only issue_comment carries comment.body
    assert "the runs that hold secrets carry it only as a collaborator wrote it" in by_line[("review.yml", 10)].message
    assert "anyone can start this job with `pull_request_review`" in by_line[("review.yml", 11)].message
    assert "`github.event.commits` (an object holding text outsiders write: `*.message`" in \
        by_line[("push.yml", 11)].message


def test_github_quiet() -> None:
    """Values passed through `env:`, only compared or tested, not written by outsiders, not
    carried by the events that reach the job (push; a job narrowed to push by its `if:`, a step
    by its own;
    `toJSON(github.event)` in a job only `workflow_dispatch` starts), and inputs of actions that
    do not run them as code."""
    assert findings(RULE, f"{QUIET}/github") == []


def test_circleci_fires_through_parameters() -> None:
    found = findings(RULE, f"{FIRE}/circleci")
    assert where(found) == [
        (CIRCLE, 8, "warning"),  # << parameters.text >> given << pipeline.event.github.pull_request.head.ref >>
        (CIRCLE, 19, "warning"),  # << pipeline.git.commit.subject >>, line 2 of the command
    ]
    assert "`pipeline.event.github.pull_request.head.ref`" in found[0].message
    assert "`pipeline.git.commit.subject`" in found[1].message


def test_circleci_quiet() -> None:
    """The branch (`pull/<n>` for a fork), numbers, pipeline parameters, a value passed through
    `environment:`."""
    assert findings(RULE, f"{QUIET}/circleci") == []
