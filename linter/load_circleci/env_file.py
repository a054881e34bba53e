"""What a CircleCI step leaves in the environment of the later steps of its job.

A step sets a variable for the steps after it by appending `export NAME=value` to the file
`$BASH_ENV` names (`echo 'export RUSTFLAGS="-D warnings"' >> "$BASH_ENV"`): each later `run`
step's shell sources that file when it starts, so its exports win over the job's and the step's
configured `environment` (`ExportedVar.overrides` True).
"""

from __future__ import annotations

from ..envfiles import carry_exports
from ..model import Step

ENV_FILE = "BASH_ENV"  # the variable naming the file


def carry_bash_env(steps: list[Step]) -> None:
    """Fill `Step.exported` of a job's steps (pre-steps, steps, post-steps), in order."""
    carry_exports(steps, ENV_FILE, overrides=True)
