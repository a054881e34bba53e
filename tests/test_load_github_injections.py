"""`Step.injections`: what the GitHub loader finds pasted into code (github_injection.py)."""

from __future__ import annotations

from cilint.linter.model import Injection, Pipeline
from helpers import action_pipeline, github_pipeline


def _injections(pipeline: Pipeline) -> list[Injection]:
    job = next(pipeline.workflows[0].jobs())
    return [injection for step in job.steps for injection in step.injections]


def _workflow(run: str, extra: str = "") -> Pipeline:
    return github_pipeline(f"""on: issues
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
{extra}      - run: {run}
""")


def test_only_what_can_be_the_result_counts() -> None:
    pasted = {
        "${{ github['head_ref'] }}": "github.head_ref",
        "${{ github.event.commits[0].message }}": "github.event.commits.*.message",
        "${{ 'x' && github.event.issue.title }}": "github.event.issue.title",
        "${{ github.event.issue.body || 'none' }}": "github.event.issue.body",
        "${{ fromJSON(github.event.comment.body).x }}": None,  # a property of a call: not followed
        "${{ format('{0}!', github.event.issue.title) }}": "github.event.issue.title",
        "${{ github.event.issue.title && 'x' }}": None,  # the title only when empty
        "${{ !github.event.issue.title }}": None,
        "${{ startsWith(github.event.issue.title, 'bug') }}": None,
        "${{ github.event.issue.user.login }}": None,  # logins cannot hold shell syntax
        "${{ github.event.issue.title ) }}": None,  # unreadable: left out
    }
    for written, source in pasted.items():
        found = _injections(_workflow(f'echo "{written}"'))
        assert [i.source for i in found] == ([source] if source else []), written


def test_span_is_the_expression_inside_a_quoted_scalar() -> None:
    [found] = _injections(_workflow("'echo \"${{ github.event.issue.title }}\"'"))
    assert (found.span.line, found.span.column) == (6, 21)  # after `run: 'echo "`
    assert found.expression == "${{ github.event.issue.title }}"
    assert found.events is not None and "issues" in found.events and "workflow_call" in found.events


def test_outputs_written_by_set_output_and_from_env() -> None:
    extra = """      - id: m
        env:
          BODY: ${{ github.event.issue.body }}
        run: |
          echo "::set-output name=title::${{ github.event.issue.title }}"
          echo "body=$BODY" >> $GITHUB_OUTPUT
          echo "number=${{ github.event.issue.number }}" >> $GITHUB_OUTPUT
"""
    found = _injections(_workflow('echo "${{ steps.m.outputs.title }} ${{ steps.m.outputs.body }} '
                                  '${{ steps.m.outputs.number }}"', extra))
    assert [(i.via, i.source, i.span.line) for i in found] == [
        (None, "github.event.issue.title", 10),  # pasted into step m's own script
        ("steps.m.outputs.title", "github.event.issue.title", 13),
        ("steps.m.outputs.body", "github.event.issue.body", 13),  # through `$BODY`
    ]
    assert [i.via_span.line if i.via_span else None for i in found] == [None, 10, 11]


def test_composite_action_steps() -> None:
    action = action_pipeline("""name: a
runs:
  using: composite
  steps:
    - shell: bash
      run: echo "${{ github.head_ref }} ${{ inputs.name }}"
    - uses: actions/github-script@v7
      with:
        script: console.log("${{ github.event.pull_request.body }}")
""")
    found = [i for step in action.action_steps for i in step.injections]
    assert [(i.source, i.sink, i.input, i.span.line) for i in found] == [
        ("github.head_ref", "run", None, 6),
        ("github.event.pull_request.body", "github-script", "script", 9),
    ]
