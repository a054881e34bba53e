"""Well-known GitHub actions that set the environment of the later steps of their job.

A table of data, one entry per action: the variables the action writes to `$GITHUB_ENV` (so the
job's later steps start with them), the input that changes each value, its default, and the
documentation that says so. `github_env` reads it with the job's steps; rules see the result in
`Step.environment` like any other exported variable.

Only variables some rule reads are listed (RUSTFLAGS, CFLAGS and the like); an action that
exports only others (`CARGO_INCREMENTAL`, `CARGO_TERM_COLOR`...) needs no entry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SetupExport:
    """One variable an action exports."""

    name: str  # the variable
    input: str  # the `with:` input that gives its value
    default: str  # the value when the input is not given
    only_if_unset: bool  # the action leaves a variable the step's environment already has
    empty_is_unset: bool  # an empty input: the action sets nothing


@dataclass(frozen=True)
class SetupAction:
    exports: tuple[SetupExport, ...]
    source: str  # where the action documents it


SETUP_ACTIONS: dict[str, SetupAction] = {
    # README "RUSTFLAGS": "By default, this action sets the RUSTFLAGS environment variable to
    # -D warnings"; already set: left as it is; `rustflags: ""`: left unset.
    "actions-rust-lang/setup-rust-toolchain": SetupAction(
        exports=(SetupExport("RUSTFLAGS", "rustflags", "-D warnings", only_if_unset=True, empty_is_unset=True),),
        source="https://github.com/actions-rust-lang/setup-rust-toolchain#rustflags",
    ),
}
