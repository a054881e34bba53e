"""Variables a step exports to the later steps of its job through an environment file.

Each platform names its own file (GitHub's `$GITHUB_ENV`, CircleCI's `$BASH_ENV`: see
`github_env` and `load_circleci.env_file`) and says whether what is written there wins over the configured
`env`; reading the writes out of the scripts is the same shell work for both, and is here.
(Not in `shell`, which the model itself imports: this module reads and fills model steps.)
"""

from __future__ import annotations

from .model import ExportedVar, Step
from .shell import appended_assignments, is_shell


def carry_exports(steps: list[Step], variable: str, overrides: bool) -> None:
    """Set each step's `exported` to what the shell steps before it wrote to the file `$variable`
    names (the platform's environment file: the loader says which, and whether it `overrides` the
    configured `env`). A value the shell expands (`$`) or a template left unresolved (`<<`) is
    only known at run time."""
    exported: dict[str, ExportedVar] = {}
    for step in steps:
        step.exported = exported
        if step.run is None or variable not in step.run.value or not is_shell(step.shell):
            continue  # (the text test first: most scripts never name the file)
        for command in step.commands:
            for name, value in appended_assignments(command, variable):
                known = None if "$" in value or "<<" in value else value
                exported = {**exported, name: ExportedVar(name, known, command.span, overrides)}
