"""A test, lint, build or security-scan command whose failure cannot fail the job.

A check that cannot fail is a check that is not there: the pipeline stays green, the pull request
merges and the deploy runs, whatever the tests said. cilint reads each `run` script's commands
and the shell the step runs in, and reports a check command (`pytest`, `go test`, `npm test`,
`cargo clippy`, `mix credo`, `eslint`, `ruff`, `make test`, `trivy`, `snyk test`, ... see
`CHECKS`) whose failure is lost:

* `cmd || true`, `cmd || echo ...`, `cmd || exit 0`: the list succeeds whatever `cmd` did (a
  fallback that fails, `cmd || exit 1`, `cmd || { echo bad; exit 1; }`, or reruns a check, is
  fine);
* `cmd | tee log` in a shell without `pipefail`: the pipeline's status is `tee`'s. GitHub's
  default shell on Linux and macOS (no `shell:` key) is `bash -e {0}`, WITHOUT `pipefail`; only
  an explicit `shell: bash` runs `bash --noprofile --norc -eo pipefail {0}` (`shell: sh` is
  `sh -e {0}`; custom shells run as written). GitHub's docs said otherwise until 2022 (github/docs
  #18933, #23853, fixed by pull requests #18934 and #27583), and the belief that "GitHub's
  default bash has pipefail" is common: a check piped under the default shell does lose its
  status. CircleCI's default `/bin/bash -eo pipefail` has it, a `shell:` override may not. A
  `PIPESTATUS` read after it is fine, and so is a pipe of commands that are not checks
  (`cat files | grep -c TODO`) and a check that is the pipe's last command;
* errexit off (`set +e` before it, or a shell started without `-e`, such as CircleCI
  `shell: /bin/bash` or GitHub `shell: bash {0}`) and `cmd` is not the script's last command:
  the script goes on and its status is the last command's (`cmd; exit 0` is this case). Reading
  `$?` right after it, or testing it with `if`, is fine;
* any of the three above, unless the file the check's output was saved to (`| tee log`,
  `> out.txt`) is tested by a later command of the job, in the same step or a later one: `test !
  -s log`, `[ -s log ]`, `grep -q FAIL log && exit 1`, `diff before.txt after.txt`, `comm`,
  `cmp` (`check_commands.OUTPUT_TESTS`): the result is then read through the file. (Any test of
  the file counts, even one whose status is itself ignored: cilint does not follow it further.)
  Likewise when a later step hands the file to a reporter that turns it into a status or alerts
  a merge can be held on (GitHub: a SARIF upload to code scanning, a test reporter's check run;
  `linter/github_reporters.py`); an artifact upload is not one. CircleCI's `store_test_results`
  fails nothing, so it has no such reporter;
* GitHub `continue-on-error: true` on a step that runs a check (unless a later step reads its
  `steps.<id>.outcome`, which stays `failure`, and acts on it), or on a job that runs one;
* a deploy that runs although a job it needs failed (GitHub `if: always()` without reading
  `needs.<job>.result`; CircleCI `requires: [{build: failed}]`).

Levels:

* error: the masked job gates a production deploy (it is the deploy, or an ancestor of it in the
  workflow's DAG), or reports a required status check; a production deploy that runs after a
  failed need;
* warning: otherwise;
* note: `continue-on-error` on a job that is a matrix leg (an experimental leg, `continue-on-error:
  ${{ matrix.experimental }}`) and gates nothing: no deploy follows it and no required check
  is its.

Stays quiet: a command that is not a check (`rm -f x || true`, `docker rm web || true`, a `grep`
that searches: `grep -q x file || true`); a checking tool run to rewrite files, whose status
says only that it changed something (`jest -u`, `vitest -u`, `eslint --fix`, `ruff check --fix`,
`ruff format`, `cargo fmt` and `mix format` without their check options, `rubocop -A`,
`npm audit fix`, a project script named `lint:fix` or `format` or run with `--fix`/`--write`/`-u`,
`pre-commit run <hook>` of a fixer hook such as `trailing-whitespace`, `end-of-file-fixer`,
`black`, `ruff-format`, `prettier`: the tables of `rules/check_commands.py`, with their
sources); a listing (`pytest --collect-only`, `tox config`); in a fixing job, one that runs a
checking tool to rewrite (`pnpm audit --fix`, `eslint --fix`), the same tool run again with its
status ignored: that run reports what the fix left, for the change the job proposes; a pipe
under a shell with `pipefail`; a script whose shell cilint cannot tell (a Windows runner,
PowerShell, a runner chosen by an expression) for the pipe and errexit forms.

Examples: a failing and a passing repository per platform, in `rules/examples/masked-failures/`;
`cilint explain CIL108` and docs/rules/masked-failures.md show them with what cilint reports.

How to fix: let the check fail. If a failure is expected for now, mark it where a reviewer sees
it (a separate non-required job, a skipped test) rather than swallowing the status; keep logs
with `set -o pipefail` (or `shell: bash` on GitHub) before `cmd | tee log`.

Options: none.

Sources: GitHub workflow syntax, `jobs.<job_id>.steps[*].shell` and "Exit codes and error action
preference" (github/docs issues #18933 and #23853, pull requests #18934 and #27583: unspecified is
`bash -e {0}`, no pipefail; `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`),
`jobs.<job_id>.continue-on-error`, the `steps` context (`outcome` before `continue-on-error`,
`conclusion` after); CircleCI configuration reference, "Default shell options" and
`requires` with job statuses; bash manual, "The Set Builtin" (`-e`, `pipefail`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import Any

from ..linter.findings import Finding
from ..linter.lazyre import lazy
from ..linter.model import Command, JobRun, Project, Span, Step, Workflow
from ..linter.shell import launched, python_module
from .check_commands import (
    FIX_OPTIONS,
    FIX_SUBCOMMANDS,
    FIXER_HOOKS,
    OUTPUT_TESTS,
    REWRITES_UNLESS,
    SCRIPT_FIX_OPTIONS,
    SCRIPT_FIX_WORDS,
    SHOWS_ONLY,
)

ID = "CIL108"
NAME = "masked-failures"
LEVEL = "warning"
LEVELS = ("warning", "error", "note")
SUMMARY = "a test, lint, build or security-scan command whose failure cannot fail the job"
OPTIONS: dict[str, Any] = {}
TAGS = ("correctness", "delivery")
SECURITY_SEVERITY: str | None = None
PRECISION = "medium"

# The commands that check: program -> (what it is, the subcommands that check; None: any use).
CHECKS: dict[str, tuple[str, frozenset[str] | None]] = {
    # tests
    "pytest": ("test", None), "py.test": ("test", None), "tox": ("test", None), "nox": ("test", None),
    "jest": ("test", None), "vitest": ("test", None), "mocha": ("test", None), "ava": ("test", None),
    "karma": ("test", frozenset({"start"})), "playwright": ("test", frozenset({"test"})),
    "cypress": ("test", frozenset({"run"})), "rspec": ("test", None), "phpunit": ("test", None),
    "ctest": ("test", None), "busted": ("test", None), "bats": ("test", None),
    "go": ("test", frozenset({"test", "vet", "build"})),
    "cargo": ("test", frozenset({"test", "clippy", "build", "check", "nextest", "fmt", "audit", "deny"})),
    "mix": ("test", frozenset({"test", "credo", "dialyzer", "compile", "format", "sobelow"})),
    "dotnet": ("test", frozenset({"test", "build"})),
    "mvn": ("build", frozenset({"test", "verify", "package", "install", "compile"})),
    "./mvnw": ("build", frozenset({"test", "verify", "package", "install", "compile"})),
    "gradle": ("build", frozenset({"test", "check", "build"})),
    "./gradlew": ("build", frozenset({"test", "check", "build"})),
    "make": ("test", frozenset({"test", "tests", "check", "lint", "build", "unit", "integration", "e2e"})),
    "rake": ("test", frozenset({"test", "spec"})),
    "swift": ("test", frozenset({"test", "build"})),
    "flutter": ("test", frozenset({"test", "analyze"})), "dart": ("test", frozenset({"test", "analyze"})),
    "deno": ("test", frozenset({"test", "lint", "check"})), "bun": ("test", frozenset({"test"})),
    # linters and type checkers
    "eslint": ("lint", None), "ruff": ("lint", None), "mypy": ("lint", None), "flake8": ("lint", None),
    "pylint": ("lint", None), "pyright": ("lint", None), "tsc": ("lint", None), "stylelint": ("lint", None),
    "golangci-lint": ("lint", None), "staticcheck": ("lint", None), "shellcheck": ("lint", None),
    "hadolint": ("lint", None), "rubocop": ("lint", None), "phpstan": ("lint", None), "psalm": ("lint", None),
    "actionlint": ("lint", None), "yamllint": ("lint", None), "markdownlint": ("lint", None),
    "ktlint": ("lint", None), "swiftlint": ("lint", None), "clang-tidy": ("lint", None),
    "pre-commit": ("lint", frozenset({"run"})),
    # security scans
    "trivy": ("security scan", None), "grype": ("security scan", None), "gosec": ("security scan", None),
    "bandit": ("security scan", None), "semgrep": ("security scan", None), "checkov": ("security scan", None),
    "tfsec": ("security scan", None), "safety": ("security scan", frozenset({"check", "scan"})),
    "pip-audit": ("security scan", None), "govulncheck": ("security scan", None),
    "snyk": ("security scan", frozenset({"test", "code", "container", "iac"})),
    "gitleaks": ("security scan", None), "trufflehog": ("security scan", None),
    "bundle-audit": ("security scan", None), "brakeman": ("security scan", None),
}
# Package managers whose `run <script>` (and, for yarn and pnpm, `<script>`) runs a script of the
# project: a check when its name says so (`test`, `lint:js`, `typecheck`, `build`, `audit`).
_SCRIPT_RUNNERS = frozenset({"npm", "yarn", "pnpm", "bun"})
_SCRIPT_KINDS = (("test", lazy(r"(unit|e2e|integration)?[-:_]?test")),
                 ("lint", lazy(r"lint|typecheck|type-check|check|tsc|format:check|prettier:check")),
                 ("build", lazy(r"build")),
                 ("security scan", lazy(r"audit")))
# Fallbacks after `||` that always succeed.
_SUCCEEDS = frozenset({"true", ":", "echo", "printf"})
_RANK = {"note": 0, "warning": 1, "error": 2}


# Options that make a check list what it would do instead of doing it.
_DRY_RUN = frozenset({"--collect-only", "--co", "--listTests", "--list-tests", "--dry-run", "--version", "--help"})


def check_kind(argv: list[str]) -> str | None:
    """What the command checks ("test", "lint", "build", "security scan"), or None (not a check,
    or a checking tool run to rewrite files: `jest -u`, `eslint --fix`, `cargo fmt`, see
    `check_commands`)."""
    argv = _unwrap(argv)
    if not argv or _DRY_RUN.intersection(argv):
        return None
    program = argv[0].rsplit("/", 1)[-1] if not argv[0].startswith("./") else argv[0]
    operands = [a for a in argv[1:] if not a.startswith("-")]
    if program in _SCRIPT_RUNNERS:
        return _script_kind(program, argv, operands)
    entry = CHECKS.get(program)
    if entry is None or _rewrites(program, argv, operands):
        return None
    kind, subcommands = entry
    if subcommands is None:
        return kind
    if program == "make":  # `make -C dir test lint`: any target
        return kind if any(o in subcommands for o in operands) else None
    return kind if operands[:1] and operands[0] in subcommands else None


def _options(argv: list[str]) -> set[str]:
    """The options of a command line by name (`--fix=override`: `--fix`)."""
    return {a.split("=", 1)[0] for a in argv[1:] if a.startswith("-")}


def _script_kind(program: str, argv: list[str], operands: list[str]) -> str | None:
    """What `npm test`, `yarn lint`, `pnpm run build`, `yarn jest` checks, or None."""
    if SCRIPT_FIX_OPTIONS.intersection(_options(argv)) or tuple(operands[:2]) in FIX_SUBCOMMANDS:
        return None  # `npm run lint -- --fix`, `yarn test -u`, `npm audit fix`
    if program == "npm" and operands[:1] in (["test"], ["t"]):
        return "test"
    if program == "npm" and operands[:1] == ["audit"]:
        return "security scan"
    if operands[:1] == ["run"] or (program != "npm" and operands):
        script = operands[1] if operands[:1] == ["run"] and len(operands) > 1 else operands[0]
        if script in ("install", "add", "ci", "run"):
            return None
        if script in CHECKS:  # `yarn jest -u`: the tool itself, with its options
            return check_kind(argv[argv.index(script):])
        words = set(re.split(r"[-:_.]", script))
        if words & SCRIPT_FIX_WORDS and "check" not in words:
            return None  # `lint:fix`, `format`, `test:update`
        return next((kind for kind, pattern in _SCRIPT_KINDS if pattern.match(script)), None)
    return None


def _rewrites(program: str, argv: list[str], operands: list[str]) -> bool:
    """Whether this run of a checking tool rewrites files rather than checks them."""
    if FIX_OPTIONS.get(program, frozenset()).intersection(_options(argv)):
        return True
    unless = REWRITES_UNLESS.get((program, operands[0])) if operands else None
    if unless is not None and not unless.intersection(argv[1:]):
        return True
    if tuple(operands[:2]) in FIX_SUBCOMMANDS or (program, *operands[:1]) in SHOWS_ONLY:
        return True  # (`tox config`: not a run at all)
    return program == "pre-commit" and len(operands) > 1 and operands[1] in FIXER_HOOKS


_ALL_FIX_OPTIONS = SCRIPT_FIX_OPTIONS.union(*FIX_OPTIONS.values())


def _tool(argv: list[str]) -> tuple[str, ...]:
    """The tool a command runs, with its subcommand where it has them (`pnpm audit`, `eslint`)."""
    argv = _unwrap(argv)
    operands = [a for a in argv[1:] if not a.startswith("-")]
    has_subcommands = argv[0] in _SCRIPT_RUNNERS or CHECKS.get(argv[0], ("", None))[1] is not None
    return (argv[0], operands[0]) if has_subcommands and operands else (argv[0],)


def _fixed_tool(argv: list[str]) -> tuple[str, ...] | None:
    """The tool a fixer invocation of a checking tool runs (`pnpm audit --fix=override`,
    `eslint --fix .`), or None; `argv`: a command line that is no check (`check_kind` gave None:
    asked once, by `_Argvs.facts`)."""
    unwrapped = _unwrap(argv)
    operands = [a for a in unwrapped[1:] if not a.startswith("-")]
    if operands and ((unwrapped[0], operands[0]) in REWRITES_UNLESS or tuple(operands[:2]) in FIX_SUBCOMMANDS):
        return (unwrapped[0], operands[0])  # `cargo fmt`, `npm audit fix`
    checking = [a for a in argv if a.split("=", 1)[0] not in _ALL_FIX_OPTIONS]
    return _tool(checking) if checking != argv and check_kind(checking) is not None else None


def _unwrap(argv: list[str]) -> list[str]:
    """The command that runs: launchers peeled (`npx jest`, `poetry run pytest`), and `python -m
    X` read as `X`."""
    argv = launched(argv)
    module = python_module(argv)
    return launched([module[0], *module[1]]) if module is not None else argv


def _masks(fallback: tuple[tuple[str, ...], ...]) -> bool:
    """Whether the commands after `||` always succeed (`true`, `echo ...`, `exit 0`)."""
    for argv in fallback:
        if argv[0] in ("exit", "return"):
            return argv[1:2] == ("0",)
        if argv[0] not in _SUCCEEDS:
            return False
    return True


def _how(command: Command, step: Step, later: list[Command], reporters: list[Step]) -> str | None:
    """How the shell loses the command's failure, or None (`later`: the job's commands after it;
    `reporters`: its later steps that report a file of results)."""
    if command.output is not None and (_tested(command.output, later) or _reported(command.output, reporters)):
        return None  # `cmd | tee log; test ! -s log`: its result is read through the file
    if command.fallback is not None:
        if not _masks(command.fallback):
            return None
        shown = " ".join(command.fallback[0]) if command.fallback else "true"
        return f"it is followed by `|| {shown[:40]}`, which succeeds whatever it did"
    if command.status_read:
        return None
    pipefail = command.pipefail if command.pipefail is not None else step.pipefail
    errexit = command.errexit if command.errexit is not None else step.errexit
    if command.piped and pipefail is False:
        where = "`set +o pipefail` turned `pipefail` off" if command.pipefail is False else \
            f"{_shell(step)} has no `pipefail`"
        return f"its output is piped to another command and {where}: the pipeline's status is the last command's"
    if errexit is False and not command.last:
        where = ("`set +e` is in effect" if command.errexit is False
                 else f"{_shell(step)} has no `-e`")
        return f"{where} and it is not the script's last command: the script goes on and ends with another status"
    return None


def _tested(output: str, later: list[Command]) -> bool:
    """Whether a later command tests the file `output` (`test ! -s log`, `[ -s log ]`,
    `grep -q FAIL log`, `diff before after`)."""
    name = _file_name(output)
    for command in later:
        tests = command.argv[0] in OUTPUT_TESTS or command.argv[-1] in ("]", "]]")  # `[[ -s log ]]`
        if tests and any(_file_name(word) == name for word in command.argv[1:]):
            return True
    return False


def _reported(output: str, reporters: list[Step]) -> bool:
    """Whether a later step hands the file `output` to a reporter (a SARIF upload, a test report)."""
    name = _file_name(output)
    return any(_file_name(value.value) == name for step in reporters for value in step.inputs.values())


def _file_name(word: str) -> str:
    """A file as written, compared by its last part (`${DIR}/out.txt` and `out.txt` are one)."""
    return posixpath.basename(re.sub(r"\$\{(\w+)\}", r"$\1", word.strip("\"'")))


def _shell(step: Step) -> str:
    return f"the step's shell (`{step.shell}`)" if step.shell else "the step's default shell"


class _Gates:
    """What a workflow's jobs gate: production deploys they precede, required checks they report."""

    def __init__(self, project: Project, workflow: Workflow) -> None:
        self.required = [c.context for p in project.protections for c in p.checks]
        deploys = [job for job in workflow.jobs() if job.deploy is not None]
        # job key -> the (first) production deploy it precedes or is; the jobs before any deploy
        self.before = workflow.upstream_first(job.key for job in deploys if job.deploy and job.deploy.production)
        self.any_deploy = set(workflow.upstream_first(job.key for job in deploys))

    def reason(self, job: JobRun) -> str | None:
        """Why a masked failure in this job is an error, or None."""
        if job.key in self.before:
            deploy = self.before[job.key]
            return "it is the production deploy" if deploy == job.key else f"it gates the production deploy `{deploy}`"
        for check in job.checks:
            for context in self.required:
                if check.matches(context):
                    return f"it reports the required check `{context}`"
        return None

    def gates_anything(self, job: JobRun) -> bool:
        return job.key in self.any_deploy or self.reason(job) is not None


class _Argvs:
    """What a command line checks, and which tool it runs or fixes, read once per distinct
    command line (each matrix leg, each inlined command repeats the same ones); which commands
    of a job's steps are checks, once per list of steps (the legs share the job's)."""

    def __init__(self) -> None:
        self.memo: dict[tuple[str, ...], tuple[str | None, tuple[str, ...] | None, tuple[str, ...] | None]] = {}
        self.plans: dict[int, tuple[list[Step], list[Command], list[list[tuple[str, Command, int]]]]] = {}

    def facts(self, argv: list[str]) -> tuple[str | None, tuple[str, ...] | None, tuple[str, ...] | None]:
        """(check_kind, _tool if it is a check, _fixed_tool)."""
        key = tuple(argv)
        known = self.memo.get(key)
        if known is None:
            kind = check_kind(argv)
            known = self.memo[key] = (kind, _tool(argv) if kind is not None else None,
                                      _fixed_tool(argv) if argv and kind is None else None)
        return known

    def plan(self, steps: list[Step]) -> tuple[list[Command], list[list[tuple[str, Command, int]]]]:
        """The job's commands, and each step's checks as (kind, command, its place among the
        commands), read once per list of steps (a job's matrix legs share theirs)."""
        known = self.plans.get(id(steps))
        if known is not None and known[0] is steps:
            return known[1], known[2]
        everything = [c for step in steps for c in step.commands]
        # A job that fixes what a tool reports (`pnpm audit --fix`, `eslint --fix`) and shows what
        # is left with the same tool, status ignored, is a fixing job: that run is its report.
        facts = [self.facts(c.argv) for c in everything]
        fixed = {tool for _, _, tool in facts if tool is not None}
        step_checks: list[list[tuple[str, Command, int]]] = []
        seen = 0
        for step in steps:
            step_checks.append([(kind, c, seen + i) for i, c in enumerate(step.commands)
                                if (kind := facts[seen + i][0]) is not None
                                and (not fixed or facts[seen + i][1] not in fixed)])
            seen += len(step.commands)
        self.plans[id(steps)] = (steps, everything, step_checks)
        return everything, step_checks


def check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
    found: dict[tuple[Span, str], Finding] = {}
    argvs = _Argvs()
    for pipeline in project.pipelines:
        for workflow in pipeline.workflows:
            gates = _Gates(project, workflow)
            for job in workflow.jobs():
                for finding in _job(job, gates, workflow, argvs):
                    key = (finding.span, finding.message)
                    if key not in found or _RANK[finding.level or LEVEL] > _RANK[found[key].level or LEVEL]:
                        found[key] = finding
    yield from sorted(found.values(), key=lambda f: (f.span.sort_key(), f.message))


def _level(reason: str | None) -> tuple[str, str]:
    return ("error", f"; {reason}") if reason else ("warning", "")


def _job(job: JobRun, gates: _Gates, workflow: Workflow, argvs: _Argvs) -> Iterator[Finding]:
    reason = gates.reason(job)
    level, why = _level(reason)
    job_checks: list[tuple[str, Command]] = []
    everything, step_checks = argvs.plan(job.steps)
    for number, step in enumerate(job.steps):
        checks = step_checks[number]
        job_checks.extend((kind, c) for kind, c, _ in checks)
        if checks:  # (most steps run no check)
            reporters = [later for later in job.steps[number + 1:] if later.reports_results]
        for kind, command, place in checks:
            how = _how(command, step, everything[place + 1:], reporters)
            if how is not None:
                yield Finding(f"the {kind} `{_short(command)}` cannot fail the job: {how}{why}", command.span,
                              job=job.qualified, level=level)
        if step.continue_on_error and checks and not step.outcome_read:
            kind, command, _ = checks[0]
            yield Finding(f"the step running the {kind} `{_short(command)}` has `continue-on-error: true`: its "
                          f"failure does not fail the job{why}", step.span, job=job.qualified, level=level)
    if job.continue_on_error and job_checks:
        kind, command = job_checks[0]
        job_level = level
        if job.matrix and not gates.gates_anything(job):
            job_level = "note"
        yield Finding(f"job `{job.name}` runs the {kind} `{_short(command)}` with `continue-on-error: true`: its "
                      f"failure does not fail the workflow{why}", job.span, job=job.qualified, level=job_level)
    if job.deploy is not None and job.runs_after_failed_need and not job.needs_results_checked:
        needs = sorted(workflow.dag.predecessors(job.key))
        if needs:
            level = "error" if job.deploy.production else "warning"
            shown = ", ".join(f"`{n}`" for n in needs[:3]) + (", ..." if len(needs) > 3 else "")
            yield Finding(f"deploy job `{job.name}` runs even when a job it needs ({shown}) failed, and does not "
                          "check their results: a failed check does not stop the deploy", job.span,
                          job=job.qualified, level=level)


def _short(command: Command) -> str:
    text = " ".join(command.argv)
    return text if len(text) <= 40 else text[:37] + "..."
