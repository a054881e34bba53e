"""A compile, build, lint or docs step that lets warnings pass.

A warning that does not fail CI is read by nobody: it piles up until the real problem hides among
a hundred old ones. Every compile/build/lint step of a recognised toolchain should fail on
warnings. cilint reads each `run` script command by command (continuations, `&&`, `||`, `;`,
pipes, `VAR=x cmd`, `env`, `cd dir &&`, `bash -c`), takes the environment from the workflow, job,
executor and step (and `export`s and `$GITHUB_ENV` / `$BASH_ENV` writes before it), and looks
at the repository's own files where they decide it (`mix.exs`, `.credo.exs`, `Cargo.toml`,
`.cargo/config.toml`, `package.json` scripts, `Directory.Build.props`, `mkdocs.yml`, pytest
configuration). What each command needs:

* Elixir: `mix compile` needs `--warnings-as-errors` (or `elixirc_options: [warnings_as_errors:
  true]` in mix.exs); `mix credo` needs `--strict` (or `strict: true` in `.credo.exs`).
* Rust: `cargo build|check|test|clippy` need `-D warnings` in `RUSTFLAGS` (or in
  `.cargo/config.toml`, `[lints.rust] warnings = "deny"`, `#![deny(warnings)]`); clippy may
  instead take `cargo clippy -- -D warnings`. An empty `RUSTFLAGS` overrides `.cargo/config.toml`.
* C/C++: `gcc`, `g++`, `clang`, `cc`, `c++` compiling need `-Werror`; a `cmake` configure needs
  `-DCMAKE_COMPILE_WARNING_AS_ERROR=ON` or `-Werror` in `CFLAGS`/`CXXFLAGS`.
* JavaScript: `eslint` needs `--max-warnings 0`; `npm run X`, `yarn X`, `pnpm X` are followed to
  the `package.json` script and its commands checked.
* .NET: `dotnet build` needs `-warnaserror` or `-p:TreatWarningsAsErrors=true`.
* Docs: `sphinx-build` needs `-W`; `mkdocs build` needs `--strict`.
* Swift: `swift build` needs `-Xswiftc -warnings-as-errors`.
* Python (off by default): `pytest` needs `-W error` (or `PYTHONWARNINGS=error`, or
  `filterwarnings = ["error"]` in its configuration).

Linters that already fail on any finding (ruff, flake8, mypy, go vet, shellcheck) need nothing.
Not taken as enough: `mix test --warnings-as-errors` (test files only), `-Wall`/`-Wextra` (they
only show warnings), `-Werror=<one>` and `--max-warnings 10` (partial), Gradle
`--warning-mode fail` (Gradle's own deprecations only). A command cilint cannot see into (`make`,
a script, an alias, a value only known at run time) is never guessed at: no finding.

Examples: a failing and a passing repository per platform, in `rules/examples/warnings-as-errors/`;
`cilint explain CIL101` and docs/rules/warnings-as-errors.md show them with what cilint reports.

How to fix: add the flag the message names, or set it once where the toolchain reads it (env at
workflow level for `RUSTFLAGS`, `mix.exs`, `.cargo/config.toml`).

Options: `toolchains` turns toolchains on or off (`{python: true}`; the others keep their
defaults); `commands` adds commands of your own, each with a regular expression its arguments must
match, e.g. `{"golangci-lint run": "--max-issues-per-linter[= ]0"}`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...linter.findings import Finding
from ...linter.model import Project
from .checker import Checker
from .toolchains import TOOLCHAINS

ID = "CIL101"
NAME = "warnings-as-errors"
LEVEL = "warning"
LEVELS = ("warning",)  # every level its findings take, the default first
SUMMARY = "a compile, build, lint or docs step of a known toolchain does not fail on warnings"
TAGS = ("quality", "ci")
SECURITY_SEVERITY = None
PRECISION = "high"
OPTIONS: dict[str, Any] = {"toolchains": dict(TOOLCHAINS), "commands": {}}


def check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
    yield from Checker(project, options).findings()
