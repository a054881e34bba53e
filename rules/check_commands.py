"""What masked-failures (CIL108) knows of checking tools beyond their names: the invocations that
rewrite files instead of checking them, and the commands that test a check's saved output.

A fixer's status is not a verdict: `jest -u` rewrites the snapshots that differ, `eslint --fix`
and `cargo fmt` rewrite the sources, and a pre-commit hook that rewrites a file fails the run
because it changed something. A job that runs one with `|| true` or `continue-on-error` and then
commits the result masks nothing. A check whose output is saved (`cmd | tee log`, `cmd > out`)
and then tested (`test ! -s log`, `grep -q FAIL log && exit 1`, `diff before after`) has its
result read through the file, not its status.

Sources are given per row: each tool's command-line reference.
"""

from __future__ import annotations

# Options with which a checking tool rewrites files (snapshots, sources) rather than only
# reporting: program -> the options.
FIX_OPTIONS: dict[str, frozenset[str]] = {
    # https://jestjs.io/docs/cli#--updatesnapshot
    "jest": frozenset({"-u", "--updateSnapshot", "--update-snapshot"}),
    # https://vitest.dev/guide/cli.html#update
    "vitest": frozenset({"-u", "--update"}),
    # https://playwright.dev/docs/test-cli (`-u, --update-snapshots`)
    "playwright": frozenset({"-u", "--update-snapshots"}),
    # syrupy (`--snapshot-update`), pytest-regressions (`--force-regen`), pytest-snapshot (`--snapshot-update`)
    "pytest": frozenset({"--snapshot-update", "--force-regen", "--regen-all"}),
    "py.test": frozenset({"--snapshot-update", "--force-regen", "--regen-all"}),
    # https://eslint.org/docs/latest/use/command-line-interface#--fix
    "eslint": frozenset({"--fix"}),
    # https://docs.astral.sh/ruff/linter/#fixes
    "ruff": frozenset({"--fix", "--unsafe-fixes"}),
    # https://stylelint.io/user-guide/cli#--fix
    "stylelint": frozenset({"--fix"}),
    # https://golangci-lint.run/usage/configuration/#command-line-options (`--fix`)
    "golangci-lint": frozenset({"--fix"}),
    # https://docs.rubocop.org/rubocop/usage/autocorrect.html
    "rubocop": frozenset({"-a", "-A", "--autocorrect", "--autocorrect-all", "--auto-correct", "--auto-correct-all"}),
    # https://github.com/realm/SwiftLint#autocorrect (`swiftlint --fix`)
    "swiftlint": frozenset({"--fix", "--autocorrect"}),
    # https://pinterest.github.io/ktlint/latest/install/cli/ (`-F, --format`)
    "ktlint": frozenset({"-F", "--format"}),
    # https://github.com/igorshubovych/markdownlint-cli (`-f, --fix`)
    "markdownlint": frozenset({"-f", "--fix"}),
    # https://clang.llvm.org/extra/clang-tidy/ (`--fix`, `--fix-errors`)
    "clang-tidy": frozenset({"--fix", "-fix", "--fix-errors", "-fix-errors"}),
    # https://doc.rust-lang.org/cargo/commands/cargo-fix.html, `cargo clippy --fix`
    "cargo": frozenset({"--fix"}),
    # https://psalm.dev/docs/manipulating_code/fixing/ (`--alter`)
    "psalm": frozenset({"--alter"}),
    # https://phpstan.org/user-guide/command-line-usage (`--generate-baseline` writes a baseline)
    "phpstan": frozenset({"--generate-baseline"}),
}

# Subcommands that rewrite the sources unless an option asks for a check:
# (program, subcommand) -> the options that make it a check.
REWRITES_UNLESS: dict[tuple[str, str], frozenset[str]] = {
    # https://github.com/rust-lang/rustfmt#checking-style-on-a-ci-server
    ("cargo", "fmt"): frozenset({"--check"}),
    # https://hexdocs.pm/mix/Mix.Tasks.Format.html (`--check-formatted`, `--dry-run`)
    ("mix", "format"): frozenset({"--check-formatted", "--dry-run"}),
    # https://docs.astral.sh/ruff/formatter/ (`ruff format --check`, `--diff`)
    ("ruff", "format"): frozenset({"--check", "--diff"}),
}

# Subcommand words after a check's own that make it a fix:
# https://docs.npmjs.com/cli/commands/npm-audit (`npm audit fix`; yarn and pnpm alike).
FIX_SUBCOMMANDS: frozenset[tuple[str, str]] = frozenset({("audit", "fix")})

# Options passed to a project's script (`npm run lint -- --fix`, `yarn lint --fix`, `pnpm test -u`)
# that ask the tool behind it to rewrite files: the common spellings of the rows above.
SCRIPT_FIX_OPTIONS: frozenset[str] = frozenset({
    "--fix", "--write", "-u", "--updateSnapshot", "--update-snapshots", "--update", "--snapshot-update",
})

# Words in a project script's name that say it rewrites (`lint:fix`, `format`, `test:update`,
# `update-snapshots`, `prettier:write`), unless the name also says `check`.
SCRIPT_FIX_WORDS: frozenset[str] = frozenset({"fix", "format", "fmt", "write", "update", "autofix", "prettify"})

# pre-commit hooks whose purpose is to rewrite files: pre-commit fails a hook that changed a file,
# so running one of these alone (`pre-commit run trailing-whitespace`) with its status ignored is
# how a job applies it. https://github.com/pre-commit/pre-commit-hooks#hooks-available (the
# fixers among them), and the formatters' own hooks (black, ruff-format, isort, prettier, ...).
FIXER_HOOKS: frozenset[str] = frozenset({
    # pre-commit/pre-commit-hooks
    "trailing-whitespace", "end-of-file-fixer", "mixed-line-ending", "fix-byte-order-marker",
    "requirements-txt-fixer", "sort-simple-yaml", "fix-encoding-pragma", "double-quote-string-fixer",
    "file-contents-sorter", "pretty-format-json",
    # formatters' and rewriters' hooks
    "black", "black-jupyter", "ruff-format", "isort", "autopep8", "yapf", "autoflake", "pyupgrade",
    "add-trailing-comma", "reorder-python-imports", "docformatter", "blacken-docs", "prettier",
    "clang-format", "gofmt", "goimports", "go-fmt", "rustfmt", "fmt", "shfmt", "terraform_fmt",
    "insert-license", "nbstripout",
})

# Commands that test a file a check's output was saved to, so that the check's result is read
# through it: `test ! -s log`, `[ -s log ]`, `grep -q FAIL log && exit 1`, `diff before after`,
# `cmp`, `comm` (POSIX utilities: test, grep, diff, cmp, comm).
OUTPUT_TESTS: frozenset[str] = frozenset({
    "test", "[", "grep", "egrep", "fgrep", "rg", "diff", "cmp", "comm",
})

# Subcommands of a checking tool that show its configuration or list what it would run, without
# running a check: https://tox.wiki/en/latest/cli_interface.html (`config`, `list`, `depends`,
# `quickstart`, `schema`, and their short forms).
SHOWS_ONLY: frozenset[tuple[str, str]] = frozenset({
    ("tox", "c"), ("tox", "config"), ("tox", "l"), ("tox", "list"), ("tox", "de"), ("tox", "depends"),
    ("tox", "q"), ("tox", "quickstart"), ("tox", "schema"),
})
