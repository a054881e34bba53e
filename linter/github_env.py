"""What a GitHub Actions step leaves in the environment of the later steps of its job.

A step sets a variable for the steps after it by appending `NAME=value` to the file `$GITHUB_ENV`
names (`echo "RUSTFLAGS=-D warnings" >> "$GITHUB_ENV"`); the runner reads the file after the step
and sets the variables in the environment of the job's later steps. Whether such a value or an
`env:` of a later step wins is not something cilint guesses at: where both set a variable, its
value is unknown (`ExportedVar.overrides` False).

Actions write the same file: what the well-known setup actions export (`github_setup_actions`,
a table with its sources) is carried to the later steps the same way.
"""

from __future__ import annotations

from .envfiles import carry_exports
from .github_setup_actions import SETUP_ACTIONS
from .model import ExportedVar, Step

ENV_FILE = "GITHUB_ENV"  # the variable naming the file


def carry_github_env(steps: list[Step]) -> None:
    """Fill `Step.exported` of a job's (or a composite action's) steps, in order."""
    carry_exports(steps, ENV_FILE, overrides=False)
    _carry_setup_actions(steps)


def _carry_setup_actions(steps: list[Step]) -> None:
    """Add what the table's actions export to the later steps. A script's write after the action
    wins (the later write is the one the runner keeps): each action's variable is carried while
    the script-written one is still the one the action's step saw."""
    carried: _Carried = {}
    last: tuple[int, dict[str, ExportedVar]] | None = None  # (id of a script-made dict, merged): shared
    for step in steps:
        if carried:
            if last is not None and last[0] == id(step.exported):
                step.exported = last[1]
            else:
                merged = dict(step.exported)
                for name, (var, then) in carried.items():
                    if step.exported.get(name) is then:
                        merged[name] = var
                last = (id(step.exported), merged)
                step.exported = merged
        for var in _exports(step):
            carried[var.name] = (var, _scripts_value(step, var.name, carried))


_Carried = dict[str, tuple[ExportedVar, ExportedVar | None]]  # name: (the action's, the scripts' then)


def _scripts_value(step: Step, name: str, carried: _Carried) -> ExportedVar | None:
    """The script-written `name` the step saw (before the action's own was merged in)."""
    if name in carried and step.exported.get(name) is carried[name][0]:
        return carried[name][1]
    return step.exported.get(name)


def _exports(step: Step) -> list[ExportedVar]:
    if step.uses is None:
        return []
    action = SETUP_ACTIONS.get(step.uses.name.lower())
    if action is None:
        return []
    out: list[ExportedVar] = []
    environment = step.environment
    for export in action.exports:
        if export.only_if_unset and export.name in environment:
            continue
        given = step.inputs.get(export.input)
        written = given.value if given is not None else export.default
        if export.empty_is_unset and given is not None and written.strip() == "":
            continue
        value = None if "${{" in written else written
        span = given.span if given is not None else step.uses.text.span
        out.append(ExportedVar(export.name, value, span, overrides=False))
    return out
