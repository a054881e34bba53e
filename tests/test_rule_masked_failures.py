"""CIL108 masked-failures: every finding of the fixtures, exactly, and the shell facts it reads."""

from __future__ import annotations

import pytest

from cilint.linter.model import Span, Text
from cilint.linter.shell import shell_options, split_script
from cilint.rules.masked_failures import check_kind
from helpers import findings, where

RULE = "masked-failures"
CI = ".github/workflows/ci.yml"
RELEASE = ".github/workflows/release.yml"
CIRCLE = ".circleci/config.yml"


def test_github_fires_on_each_masked_check_and_stays_quiet_elsewhere() -> None:
    found = findings(RULE, "rules/masked-failures/github")
    assert where(found) == [
        (CI, 8, "warning"),  # pytest || true
        # 9: grep -q ... || true (a search), 10: rm -f ... || true (not a check): quiet
        (CI, 11, "warning"),  # npm test | tee: the default `bash -e {0}` has no pipefail
        # 12: the same under `shell: bash` (-eo pipefail): quiet
        (CI, 16, "warning"),  # set +e; go test; echo done
        # 18-22: set +e; go test; status=$?: its status is read
        # 23: make lint || { echo; exit 1; }: the fallback fails
        (CI, 24, "warning"),  # ruff check . || echo
        # 25-26: mypy src; exit 0 under `bash -e`: mypy's failure stops the script first
        (CI, 27, "warning"),  # continue-on-error step running cargo test
        (CI, 30, "note"),  # continue-on-error on the experimental matrix leg, which gates nothing
        (RELEASE, 9, "error"),  # eslint || true in a job the production deploy needs
        (RELEASE, 10, "error"),  # the deploy runs `if: always()` without reading needs.lint.result
    ]
    messages = [f.message for f in found]
    assert messages[0] == ("the test `pytest` cannot fail the job: it is followed by `|| true`, which succeeds "
                           "whatever it did")
    assert "has no `pipefail`" in messages[1]
    assert "`set +e` is in effect" in messages[2]
    assert messages[6].endswith("it gates the production deploy `deploy`")
    assert "runs even when a job it needs (`lint`) failed" in messages[7]


def test_circleci_fires_on_each_masked_check_and_stays_quiet_elsewhere() -> None:
    found = findings(RULE, "rules/masked-failures/circleci")
    assert where(found) == [
        (CIRCLE, 8, "warning"),  # pytest || true
        # 9: grep -q || true, 10: docker rm -f || true, 11: a pipe under /bin/bash -eo pipefail: quiet
        (CIRCLE, 13, "warning"),  # a pipe under `shell: /bin/sh`
        (CIRCLE, 18, "warning"),  # `shell: /bin/bash` has no -e: make test, then echo
        # 20-21: mypy src; exit 0 under the default -e: quiet
        (CIRCLE, 27, "error"),  # ruff || echo in a job the production deploy requires
        (CIRCLE, 41, "error"),  # the deploy requires lint: [success, failed]
    ]
    assert "(`/bin/sh`)" in found[1].message


@pytest.mark.parametrize(("command", "expected"), [
    ("bash --noprofile --norc -eo pipefail {0}", (True, True)),
    ("bash -e {0}", (True, False)),
    ("/bin/bash -eo pipefail", (True, True)),
    ("/bin/sh", (False, False)),
    ("bash {0}", (False, False)),
    ("pwsh -command \". '{0}'\"", (None, None)),
    ("python {0}", (None, None)),
])
def test_shell_options(command: str, expected: tuple[bool | None, bool | None]) -> None:
    assert shell_options(command) == expected


@pytest.mark.parametrize(("argv", "kind"), [
    ("pytest -q", "test"), ("python -m pytest", "test"), ("poetry run pytest", "test"),
    ("go test ./...", "test"), ("go mod download", None), ("npm test", "test"), ("npm ci", None),
    ("npm run lint", "lint"), ("yarn test:unit", "test"), ("yarn install", None), ("npx jest", "test"),
    ("cargo clippy", "test"), ("mix credo --strict", "test"), ("make -C src test", "test"),
    ("make clean", None), ("trivy image x", "security scan"), ("snyk test", "security scan"),
    ("snyk auth", None), ("grep -q x f", None), ("rm -f x", None), ("docker rm web", None),
])
def test_check_kind(argv: str, kind: str | None) -> None:
    assert check_kind(argv.split()) == kind


def _commands(script: str) -> list[tuple[str, bool, bool | None, bool, bool]]:
    out = split_script(Text(script, Span("x", 1, 1, 1, 1), 1, 1))
    return [(c.argv[0], c.piped, c.errexit, c.status_read, c.last) for c in out]


def test_shell_reads_set_options_pipes_and_status_reads() -> None:
    assert _commands("set -euo pipefail\npytest | tee log\nset +e\nmake test\nrc=$?\necho $rc") == [
        ("set", False, None, False, False), ("pytest", True, True, False, False), ("tee", False, True, False, False),
        ("set", False, True, False, False), ("make", False, False, True, False), ("echo", False, False, False, True),
    ]
    fallback = split_script(Text("make lint || { echo bad; exit 1; }", Span("x", 1, 1, 1, 1), 1, 1))[0].fallback
    assert fallback == (("echo", "bad"), ("exit", "1"))
    assert split_script(Text("if pytest; then echo ok; fi", Span("x", 1, 1, 1, 1), 1, 1))[0].status_read


def test_a_failure_joined_by_and_to_the_last_command_is_the_scripts() -> None:
    script = "if [ -n x ]; then make test && make clean; fi"
    [_, make_test, make_clean] = split_script(Text(script, Span("x", 1, 1, 1, 1), 1, 1))
    assert make_test.last and make_clean.last
    assert check_kind(["pytest", "--collect-only"]) is None


RESULTS = "rules/masked-failures/results"


def test_github_fixers_and_results_read_another_way_stay_quiet() -> None:
    found = findings(RULE, f"{RESULTS}/github")
    assert where(found) == [
        # 8: yarn jest -u || true, 9: pre-commit run trailing-whitespace || true, 10: eslint --fix || true:
        # fixers, not checks
        (CI, 11, "warning"),  # pre-commit run --all-files || true: every hook, a check
        # 13: shellcheck | tee sc.log; test ! -s sc.log: the log is tested
        # 16: go test | tee "$RUNNER_TEMP/test.log"; grep -q FAIL ... && exit 1
        # 19, 21: mypy | sort > errors-*.txt; diff errors-main.txt errors-head.txt: compared
        (CI, 24, "warning"),  # go test | tee test.log; cat test.log: the log is only printed
        # 26: ruff check . | tee ruff.log, tested by the next step (`test ! -s ruff.log`)
        # 30: set +e; pytest > report.txt; ...; if grep -q failed report.txt; then exit 1
        # 33: cat | grep -c under the default `bash -e {0}`: a pipe, but of no check
        # 34: continue-on-error, and a later step reads steps.linkcheck.outcome and fails
        (CI, 39, "warning"),  # continue-on-error; the later step reads `conclusion`, which is success
        # 48-49: pnpm audit --fix=override, then pnpm audit || true: the report of a fixing job
        # 55: snyk test --sarif | tee snyk.sarif, uploaded to code scanning by a later step
        (CI, 59, "warning"),  # trivy | tee trivy.sarif, only uploaded as an artifact
    ]
    assert "`pre-commit run --all-files`" in found[0].message
    assert "has no `pipefail`" in found[1].message


def test_circleci_fixers_and_results_read_another_way_stay_quiet() -> None:
    found = findings(RULE, f"{RESULTS}/circleci")
    assert where(found) == [
        # 8: yarn jest -u || true, 9: pre-commit run end-of-file-fixer || true, 10: mix format || true
        (CIRCLE, 11, "warning"),  # cargo fmt -- --check || true: a format check
        # 15: shellcheck | tee sc.log; test ! -s sc.log under /bin/sh
        (CIRCLE, 20, "warning"),  # pytest | tee pytest.log under /bin/sh: the log is not tested
        # 25: mypy src | sort > head.txt; comm -13 base.txt head.txt: compared
        (CIRCLE, 31, "warning"),  # go test > test.log under /bin/sh (no -e); the log is only printed
        # 36: cat | grep -c: a pipe of no check
        # 44: eslint --fix, then eslint . || true: the report of a fixing job
        (CIRCLE, 45, "warning"),  # stylelint || true in that job: nothing fixes what it reports
    ]
    assert "(`/bin/sh`) has no `-e`" in found[2].message


@pytest.mark.parametrize(("argv", "kind"), [
    ("jest -u", None), ("npx jest --updateSnapshot", None), ("yarn jest -u --ci", None), ("yarn jest --ci", "test"),
    ("npx eslint --fix .", None), ("ruff check --fix .", None), ("ruff format", None), ("ruff format --check", "lint"),
    ("cargo fmt", None), ("cargo fmt -- --check", "test"), ("mix format", None),
    ("mix format --check-formatted", "test"), ("rubocop -A", None), ("npm audit fix", None),
    ("npm run lint -- --fix", None), ("yarn lint:fix", None), ("npm run format:check", "lint"),
    ("pre-commit run trailing-whitespace --all-files", None), ("hatch run pre-commit run end-of-file-fixer", None),
    ("pre-commit run --all-files", "lint"), ("pre-commit run flake8", "lint"), ("tox c -e py", None),
    ("tox -e py", "test"),
])
def test_fixer_invocations_are_not_checks(argv: str, kind: str | None) -> None:
    assert check_kind(argv.split()) == kind


@pytest.mark.parametrize(("script", "outputs"), [
    ("shellcheck a.sh | tee -a sc.log", ["sc.log", None]),
    ("mypy | sort | grep -v x > a.txt", ["a.txt", "a.txt", "a.txt"]),
    ("go test > /dev/null 2>&1", [None]),
    ("pytest 2> err.txt", [None]),
    ("pytest >> 'r.txt'", ["r.txt"]),
    ("echo x >&2", [None]),
])
def test_shell_reads_where_a_pipelines_output_goes(script: str, outputs: list[str | None]) -> None:
    assert [c.output for c in split_script(Text(script, Span("x", 1, 1, 1, 1), 1, 1))] == outputs
