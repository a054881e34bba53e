"""Which GitHub expression contexts hold text that someone outside the team writes, and which
events' payloads carry them: a table of data, one row per context, with its sources.

A row is a context path as expressions name it (`*`: any element of an array), the events whose
run has it (any other event leaves it empty, so pasting it into a script is harmless there), and
how messages name whose text it is. `workflow_call` is added to every row by the reader (a called
workflow sees its caller's event). The GitHub loader (`github_injection.py`) matches the
expressions pasted into scripts against it; rules read `Step.injections`.

Only free text an outsider chooses is listed: titles, bodies, comments, branch names of
contributors' forks, commit messages and the author names and e-mail addresses of commits
(which git lets anyone write). Not listed, on purpose:
- user logins (`github.actor`, `*.user.login`): GitHub allows only letters, digits and single
  hyphens in a login, which the shell reads as a word;
- `github.ref`, `github.ref_name`, `github.base_ref`: on `pull_request` the ref is `refs/pull/N/merge`
  and the base branch is the repository's own; a branch or tag of the repository itself needs
  write access to create;
- `inputs.*` of `workflow_dispatch`: starting it needs write access;
- labels, milestone titles, release names: setting them needs triage or write access;
- SHAs, numbers, URLs of the repository, `*.author_association`.

Sources (keys of `SOURCES`):
- hardening: GitHub's "Security hardening for GitHub Actions", "Understanding the risk of script
  injections" (the list of untrusted contexts)
- securitylab: GitHub Security Lab, "Keeping your GitHub Actions and workflows secure Part 2:
  Untrusted input"
- actionlint: rhysd/actionlint, docs/checks.md "Script injection by potentially untrusted
  inputs" and its table of untrusted inputs (`expr_insecure.go`, `BuiltinUntrustedInputs`)
- zizmor: zizmorcore/zizmor `crates/zizmor/data/context-capabilities.csv` (its `arbitrary` rows)
- contexts: GitHub's "Contexts reference" (`github.head_ref`: only on `pull_request` and
  `pull_request_target`)
- webhooks: GitHub's "Webhook events and payloads" (which event's payload has which object)
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCES: dict[str, str] = {
    "hardening": "https://docs.github.com/en/actions/security-for-github-actions/security-guides/"
                 "security-hardening-for-github-actions#understanding-the-risk-of-script-injections",
    "securitylab": "https://securitylab.github.com/resources/github-actions-untrusted-input/",
    "actionlint": "https://github.com/rhysd/actionlint/blob/main/docs/checks.md#untrusted-inputs",
    "zizmor": "https://github.com/zizmorcore/zizmor/blob/main/crates/zizmor/data/context-capabilities.csv",
    "contexts": "https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/"
                "accessing-contextual-information-about-workflow-runs#github-context",
    "webhooks": "https://docs.github.com/en/webhooks/webhook-events-and-payloads",
}

# The events whose payload holds each object (webhooks).
_PULL_REQUEST = ("pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment")
_ISSUE = ("issues", "issue_comment")
_COMMENT = ("issue_comment", "pull_request_review_comment", "discussion_comment", "commit_comment")
_DISCUSSION = ("discussion", "discussion_comment")
_PUSH = ("push",)
_WORKFLOW_RUN = ("workflow_run",)


@dataclass(frozen=True)
class Controllable:
    path: str  # as expressions name it, lower case; `*` any array element
    events: tuple[str, ...]  # the events whose run carries it
    what: str  # for messages: whose text it is
    sources: tuple[str, ...]
    # Events whose runs hold secrets and a writable token only when the value was written by
    # someone with write access: a review of a pull request runs with the base repository's
    # secrets only when the pull request comes from a branch of the repository itself (a fork's
    # runs like `pull_request`), so its title and branch are then a collaborator's.
    insider_when_privileged: tuple[str, ...] = ()


def _rows(paths: tuple[str, ...], events: tuple[str, ...], what: str, *sources: str,
          insider_when_privileged: tuple[str, ...] = ()) -> list[Controllable]:
    return [Controllable(path, events, what, sources, insider_when_privileged) for path in paths]


_REVIEWS = ("pull_request_review", "pull_request_review_comment")


CONTROLLABLE: tuple[Controllable, ...] = (
    *_rows(("github.event.issue.title", "github.event.issue.body"), _ISSUE,
           "written by whoever opens the issue or pull request", "hardening", "securitylab", "actionlint"),
    *_rows(("github.event.pull_request.title", "github.event.pull_request.body"), _PULL_REQUEST,
           "written by whoever opens the pull request", "hardening", "securitylab", "actionlint",
           insider_when_privileged=_REVIEWS),
    *_rows(("github.event.pull_request.head.ref", "github.event.pull_request.head.label",
            "github.event.pull_request.head.repo.default_branch"), _PULL_REQUEST,
           "a branch name chosen by whoever opens the pull request", "hardening", "securitylab", "actionlint",
           insider_when_privileged=_REVIEWS),
    *_rows(("github.head_ref",), ("pull_request", "pull_request_target"),
           "a branch name chosen by whoever opens the pull request", "hardening", "contexts", "actionlint"),
    *_rows(("github.event.comment.body",), _COMMENT, "written by whoever comments",
           "hardening", "securitylab", "actionlint"),
    *_rows(("github.event.review.body",), ("pull_request_review",), "written by whoever reviews",
           "hardening", "securitylab", "actionlint"),
    *_rows(("github.event.review_comment.body",), ("pull_request_review_comment",), "written by whoever comments",
           "hardening", "actionlint"),
    *_rows(("github.event.discussion.title", "github.event.discussion.body"), _DISCUSSION,
           "written by whoever opens the discussion", "actionlint", "zizmor"),
    *_rows(("github.event.pages.*.page_name", "github.event.pages.*.title"), ("gollum",),
           "written by whoever edits the wiki", "hardening", "securitylab", "actionlint"),
    *_rows(("github.event.head_commit.message", "github.event.commits.*.message"), _PUSH,
           "a commit message, written by the commit's author", "hardening", "securitylab", "actionlint"),
    *_rows(("github.event.head_commit.author.name", "github.event.head_commit.author.email",
            "github.event.head_commit.committer.name", "github.event.head_commit.committer.email",
            "github.event.commits.*.author.name", "github.event.commits.*.author.email",
            "github.event.commits.*.committer.name", "github.event.commits.*.committer.email"), _PUSH,
           "a commit's author, which git lets anyone write", "hardening", "securitylab", "actionlint"),
    *_rows(("github.event.merge_group.head_commit.message",), ("merge_group",),
           "a commit message, holding the pull request's title", "zizmor"),
    *_rows(("github.event.workflow_run.head_branch", "github.event.workflow_run.pull_requests.*.head.ref"),
           _WORKFLOW_RUN, "the branch name of the run that started it, a fork's branch for a pull request",
           "actionlint", "zizmor"),
    *_rows(("github.event.workflow_run.head_commit.message", "github.event.workflow_run.display_title",
            "github.event.workflow_run.head_commit.author.name",
            "github.event.workflow_run.head_commit.author.email"), _WORKFLOW_RUN,
           "the commit message or title of the run that started it", "actionlint", "zizmor"),
)

# A called workflow runs with its caller's event: any row may be carried.
CALLER_EVENT = "workflow_call"


def controllable(path: list[str]) -> Controllable | None:
    """The row a context path (its parts as written) reads, or None."""
    parts = [part.lower() for part in path]
    for row in _BY_LENGTH.get(len(parts), ()):
        if all(want in ("*", part) for want, part in zip(row[0], parts, strict=True)):
            return row[1]
    return None


def within(path: list[str]) -> Controllable | None:
    """For an object pasted whole (`toJSON(github.event.commits)`, `toJSON(github.event)`): a row
    below it, with the events of every row below it (the object's text holds their values)."""
    parts = [part.lower() for part in path]
    below = [row for split, row in (item for rows in _BY_LENGTH.values() for item in rows)
             if len(split) > len(parts) and all(want in ("*", part) for want, part in zip(split, parts, strict=False))]
    if not below:
        return None
    events = tuple(dict.fromkeys(event for row in below for event in row.events))
    insider = tuple(event for event in events if all(event in row.insider_when_privileged
                                                     for row in below if event in row.events))
    names = ", ".join(f"`{row.path.removeprefix('.'.join(parts) + '.')}`" for row in below[:3])
    return Controllable(".".join(parts), events, f"an object holding text outsiders write: {names}"
                        + (", ..." if len(below) > 3 else ""), below[0].sources, insider)


_BY_LENGTH: dict[int, list[tuple[list[str], Controllable]]] = {}
for _row in CONTROLLABLE:
    _split = _row.path.split(".")
    _BY_LENGTH.setdefault(len(_split), []).append((_split, _row))


# Action inputs whose text the action runs as code (a script, a command line, a JavaScript
# template it evaluates): an expression pasted into one is code. `actions/github-script`'s
# `script` is the documented one (its README: "the script ... is evaluated as the body of an
# async function"; GitHub's hardening guide names it); the rest are the code-evaluating sinks of
# GitHub's CodeQL models for Actions, as zizmor ships them (`crates/zizmor/data/
# codeql-injection-sinks.json`), less `docker/build-push-action`'s `context` (a path or git URL,
# not code). Keys are lower-case action names without a version.
SCRIPT_INPUTS: dict[str, tuple[str, ...]] = {
    "actions/github-script": ("script",),
    "appleboy/ssh-action": ("script",),
    "azure/cli": ("inlinescript",),
    "azure/powershell": ("inlinescript",),
    "mikefarah/yq": ("cmd",),
    "sergeysova/jq-action": ("cmd",),
    "devorbitus/yq-action-output": ("cmd",),
    "8398a7/action-slack": ("custom_payload",),
    "skitionek/notify-microsoft-teams": ("overwrite",),
    "gautamkrishnar/blog-post-workflow": ("item_exec",),
    "tibdex/backport": ("body_template", "head_template", "labels_template", "title_template"),
    "roots/issue-closer-action": ("issue-close-message", "pr-close-message"),
    "lucasbento/auto-close-issues": ("issue-close-message",),
    "imjohnbo/issue-bot": ("body", "linked-comments-previous-issue-text", "linked-comments-new-issue-text"),
    # its README: "script: the Python script to run" (seen in the corpus, not in CodeQL's list)
    "jannekem/run-python-script-action": ("script",),
}
SCRIPT_INPUT_SOURCES = (
    "https://github.com/actions/github-script#security",
    "https://github.com/github/codeql/tree/main/actions/ql/lib/ext",
    "https://github.com/zizmorcore/zizmor/blob/main/crates/zizmor/data/codeql-injection-sinks.json",
    "https://github.com/jannekem/run-python-script-action#readme",
)
