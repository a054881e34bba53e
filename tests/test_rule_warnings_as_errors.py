"""CIL101 warnings-as-errors: every finding of the fixtures, exactly, and what must stay quiet."""

from __future__ import annotations

import pytest

from cilint.linter.findings import Finding
from helpers import FIXTURES, findings, where

RULE = "warnings-as-errors"
FIRE = "rules/warnings-as-errors/fire"
QUIET = "rules/warnings-as-errors/quiet"
CI = ".github/workflows/ci.yml"
CIRCLE = ".circleci/config.yml"


def messages(found: list[Finding]) -> dict[int, str]:
    return {f.span.line: f.message for f in found}


def test_github_fires_on_each_command_at_its_own_line() -> None:
    found = findings(RULE, f"{FIRE}/github")
    assert where(found) == [(CI, line, "warning") for line in
                            (10, 12, 13, 21, 22, 29, 34, 35, 36, 40, 41, 42, 45, 49, 50, 51, 52)]
    by_line = messages(found)
    # A multi-line script: the finding is on `mix compile`'s own line and column.
    assert (found[0].span.line, found[0].span.column) == (10, 11)
    assert by_line[10].startswith("`mix compile` does not fail on warnings")
    assert "--warnings-as-errors" in by_line[10]
    assert "`mix credo`" in by_line[12] and "--strict" in by_line[12]
    assert "`mix compile`" in by_line[13]  # `mix do compile, test --warnings-as-errors`
    assert "RUSTFLAGS is set empty" in by_line[21] and ".cargo/config.toml" in by_line[21]
    assert "`cargo clippy`" in by_line[22] and "-- -D warnings" in by_line[22]
    assert "`cargo test`" in by_line[29]
    assert "`gcc`" in by_line[34] and "no `-Werror`" in by_line[34]
    assert "`-Werror=return-type` (partial)" in by_line[35]
    assert "`cmake`" in by_line[36] and "CMAKE_COMPILE_WARNING_AS_ERROR" in by_line[36]
    assert "`--max-warnings 10`" in by_line[40]
    assert by_line[41].startswith("`npm run lint` (package.json script `lint`: `eslint`)")
    assert by_line[42].startswith("`yarn lint` (package.json script `lint`: `eslint`)")
    assert "`sphinx-build`" in by_line[49] and "`-W`" in by_line[49]
    assert "`mkdocs build`" in by_line[50] and "--strict" in by_line[50]
    assert "`dotnet build`" in by_line[51] and "-warnaserror" in by_line[51]
    assert "`swift build`" in by_line[52] and "-Xswiftc -warnings-as-errors" in by_line[52]


def test_github_continuation_line_and_job() -> None:
    found = {f.span.line: f for f in findings(RULE, f"{FIRE}/github")}
    # `cd web && \` then `npx eslint src` on the next line: the finding is on the second line.
    assert (found[45].span.line, found[45].span.column) == (45, 13)
    assert found[45].job == f"{CI}:CI/javascript"


def test_matrix_legs_give_one_finding() -> None:
    found = [f for f in findings(RULE, f"{FIRE}/github") if f.job and f.job.endswith("/rust-matrix")]
    assert len(found) == 1


def test_traps_stay_quiet_in_the_fire_fixture() -> None:
    lines = {f.span.line for f in findings(RULE, f"{FIRE}/github")}
    assert 11 not in lines  # `mix test --warnings-as-errors`: tests only, nothing required
    assert 15 not in lines  # `cd apps/core && mix compile`: that mix.exs sets warnings_as_errors


def test_github_quiet() -> None:
    assert findings(RULE, f"{QUIET}/github") == []


def test_python_toolchain_is_off_by_default_and_can_be_turned_on() -> None:
    found = findings(RULE, f"{QUIET}/github", options={"toolchains": {"python": True}})
    assert where(found) == [(CI, 60, "warning")]
    assert "`pytest`" in found[0].message and "-W error" in found[0].message


def test_a_toolchain_can_be_turned_off() -> None:
    found = findings(RULE, f"{FIRE}/github", options={"toolchains": {"rust": False, "c": False}})
    assert {f.span.line for f in found} == {10, 12, 13, 40, 41, 42, 45, 49, 50, 51, 52}


def test_extra_commands_option() -> None:
    options = {"commands": {"ruff check": "--exit-non-zero-on-fix", "go vet": "./\\.\\.\\."}}
    found = findings(RULE, f"{QUIET}/github", options=options)
    assert where(found) == [(CI, 61, "warning")]
    assert "`ruff check`" in found[0].message and "--exit-non-zero-on-fix" in found[0].message


def test_circleci_fires_with_parameters_executor_and_step_environment() -> None:
    found = findings(RULE, f"{FIRE}/circleci")
    assert where(found) == [(CIRCLE, line, "warning") for line in (17, 35, 39, 42, 49, 50)]
    by_line = messages(found)
    # `mix compile << parameters.flags >>` with the default "": only the default invocation fires.
    assert "`mix compile`" in by_line[17]
    assert [f.job for f in found if f.span.line == 17] == [f"{CIRCLE}:ci/elixir"]
    assert "`mix credo`" in by_line[35]
    assert "RUSTFLAGS is set empty" in by_line[39]  # from the executor's environment
    assert "RUSTFLAGS allows warnings (`-W warnings`)" in by_line[42]  # the step's environment
    assert by_line[49].startswith("`npm run lint` (package.json script `lint`: `eslint`)")
    assert "`--max-warnings 5`" in by_line[50]


def test_circleci_quiet() -> None:
    # Parameters resolved to `--warnings-as-errors`, RUSTFLAGS from the executor and from
    # $BASH_ENV, `.credo.exs` strict, `npm run lint -- --max-warnings 0`, `make`, scripts.
    assert findings(RULE, f"{QUIET}/circleci") == []


@pytest.mark.skipif(not (FIXTURES / "seeds" / "net_auto").is_dir(), reason="seed fixture not present")
def test_seed_net_auto_compiles_with_warnings_as_errors() -> None:
    found = findings(RULE, "seeds/net_auto")
    assert not [f for f in found if "`mix compile`" in f.message], [f.message for f in found]


def test_working_directory_decides_which_mix_exs() -> None:
    # `defaults.run.working-directory`, step `working-directory` (GitHub) and job/step
    # `working_directory` (CircleCI) say where `mix compile` runs: app/mix.exs sets
    # warnings_as_errors, the root's does not.
    found = findings(RULE, "rules/warnings-as-errors/workdir/github")
    assert where(found) == [(".github/workflows/ci.yml", 16, "warning")]
    found = findings(RULE, "rules/warnings-as-errors/workdir/circleci")
    assert where(found) == [(".circleci/config.yml", 13, "warning")]


def test_checkout_location_decides_which_mix_exs() -> None:
    # CircleCI's `checkout` puts the repository in the job's `working_directory` (or its `path`):
    # with `working_directory: ~/app`, `cd ~/app/api` is api/ (no warnings_as_errors: fires) and
    # `cd ~/app/web` is web/ (quiet); with `working_directory: ~/project/api` the root's mix.exs is
    # read (quiet); after `checkout: {path: ~/src}`, `~/src/api` is api/ and `~/project/api` is not
    # the repository (quiet). GitHub: `$GITHUB_WORKSPACE` and `working-directory` name the checkout.
    found = findings(RULE, "rules/warnings-as-errors/checkout-dir/circleci")
    assert [(f.span.line, f.span.column, f.job) for f in found] == [
        (9, 30, ".circleci/config.yml:ci/api"),
        (24, 30, ".circleci/config.yml:ci/elsewhere"),
    ]
    found = findings(RULE, "rules/warnings-as-errors/checkout-dir/github")
    assert [(f.span.line, f.span.column) for f in found] == [(7, 42), (9, 14)]
