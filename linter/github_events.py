"""Which GitHub events someone outside the team can cause, and what their runs hold.

A table of data, one entry per event: `outsider` when a person without write access to the
repository can make the event happen (open a pull request from a fork, comment, open an issue,
star the repository); `privileged` when such a run still gets the base repository's secrets and a
job token that can write (it runs in the base repository's context, not the fork's). The loader
copies both onto each `Trigger`; rules read `Trigger.outsider` / `Trigger.privileged`.

Events not listed (push, schedule, workflow_dispatch, release, merge_group, ...) need write access
or an administrator. `workflow_run` and `workflow_call` take their caller's: the table says
`privileged` for `workflow_run` (it runs in the base repository), whether an outsider can start
the chain is decided from the upstream workflow's triggers.

Sources:
- https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows
  ("Workflows in forked repositories": fork pull requests get a read-only token and no secrets,
  except `pull_request_target`, which "runs in the context of the base of the pull request").
- https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/
- https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventReach:
    outsider: bool  # a person without write access can cause it
    privileged: bool  # even then, the run has the base repository's secrets and a writable token


EVENTS: dict[str, EventReach] = {
    # A fork's pull request runs with a read-only token and no secrets.
    "pull_request": EventReach(outsider=True, privileged=False),
    # The base repository's context: secrets and a writable token, whoever opened the pull request.
    "pull_request_target": EventReach(outsider=True, privileged=True),
    # Reviews and review comments on a fork's pull request run like `pull_request`, but anyone can
    # review a pull request opened from a branch of the repository itself, which runs privileged.
    "pull_request_review": EventReach(outsider=True, privileged=True),
    "pull_request_review_comment": EventReach(outsider=True, privileged=True),
    # Anyone who can read a public repository can comment, open an issue or a discussion, star it
    # or fork it; these runs are always in the base repository's context.
    "issue_comment": EventReach(outsider=True, privileged=True),
    "issues": EventReach(outsider=True, privileged=True),
    "discussion": EventReach(outsider=True, privileged=True),
    "discussion_comment": EventReach(outsider=True, privileged=True),
    "fork": EventReach(outsider=True, privileged=True),
    "watch": EventReach(outsider=True, privileged=True),
    # Runs in the base repository; an outsider starts it when the upstream workflow is theirs to
    # start (decided across workflows, not here).
    "workflow_run": EventReach(outsider=False, privileged=True),
}
