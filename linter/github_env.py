"""What a GitHub Actions step leaves in the environment of the later steps of its job.

A step sets a variable for the steps after it by appending `NAME=value` to the file `$GITHUB_ENV`
names (`echo "RUSTFLAGS=-D warnings" >> "$GITHUB_ENV"`); the runner reads the file after the step
and sets the variables in the environment of the job's later steps. Whether such a value or an
`env:` of a later step wins is not something cilint guesses at: where both set a variable, its
value is unknown (`ExportedVar.overrides` False).
"""

from __future__ import annotations

from .envfiles import carry_exports
from .model import Step

ENV_FILE = "GITHUB_ENV"  # the variable naming the file


def carry_github_env(steps: list[Step]) -> None:
    """Fill `Step.exported` of a job's (or a composite action's) steps, in order."""
    carry_exports(steps, ENV_FILE, overrides=False)
