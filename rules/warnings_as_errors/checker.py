"""Walking the pipelines: each shell step's commands, in the environment the step sees (the
model's `Step.environment`: configured `env` and what earlier steps exported) and what earlier
commands of its script `export`ed, judged by the need of their toolchain."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from ...linter.findings import Finding
from ...linter.lazyre import lazy
from ...linter.model import Command, Project, Span, Step, Text
from ...linter.shell import is_shell, split_script
from .call import UNKNOWN, Call, Env, Files, Unknown, known, repo_dir
from .elixir import mix_tasks
from .launchers import ScriptCall, package_scripts, quote, script_call, unwrap
from .toolchains import NEEDS, TOOLCHAINS, custom

MAX_SCRIPT_DEPTH = 5  # package.json scripts calling scripts


@dataclass
class _Lack:
    """A command that does not fail on warnings: what it is, why, and the fix."""

    shown: str  # "`cargo build`", "`npm run lint` (package.json script `lint`: `eslint`)"
    reason: str
    fix: str

    @property
    def message(self) -> str:
        return f"{self.shown} does not fail on warnings: {self.reason}; {self.fix}"


@dataclass
class _Report:
    message: str
    command: Command


class Checker:
    def __init__(self, project: Project, options: dict[str, Any]) -> None:
        self.project = project
        self.repo = Files(project)
        toolchains = {**TOOLCHAINS, **(options.get("toolchains") or {})}
        self.needs = [n for n in NEEDS if toolchains.get(n.toolchain, False)]
        commands = options.get("commands") or {}
        self.needs += [custom(str(words), str(pattern)) for words, pattern in commands.items()]
        # The first word of every need in one pattern: most commands (`echo`, `npm ci`, ...) need
        # nothing, and one match rejects them instead of one per need. A word fully matches the
        # alternation exactly when it fully matches one of its branches.
        firsts = [need.words[0] for need in self.needs if need.words]
        self.first_word: re.Pattern[str] | None = (
            re.compile("|".join(f"(?:{word})" for word in firsts)) if len(firsts) == len(self.needs) else None)
        # What the loader says of the platform of the pipeline being checked (set in `findings`):
        # how its templates open (`Pipeline.template_openers`) and how its scripts name the
        # checkout (`Pipeline.checkout_directories`).
        self.openers: tuple[str, ...] = ()
        self.checkout: tuple[str, ...] = ()

    def findings(self) -> Iterator[Finding]:
        seen: set[tuple[Any, str]] = set()
        inlined: set[str] | None = None  # the files steps were read from (made for an action only)
        for pipeline in self.project.pipelines:
            self.openers, self.checkout = pipeline.template_openers, pipeline.checkout_directories
            runs: list[tuple[list[Step], str | None]] = [
                (job.steps, job.qualified) for workflow in pipeline.workflows for job in workflow.jobs()]
            if pipeline.platform == "action":
                if inlined is None:
                    inlined = {step.span.path for w in self.project.workflows() for job in w.jobs()
                               for step in job.steps}
                if pipeline.path not in inlined:
                    runs.append((pipeline.action_steps, None))  # checked where it is used, else here
            done: set[tuple[int, str | None]] = set()
            for steps, job in runs:
                # Matrix legs of a job share one list of steps (load_github._StepLog): what it
                # reports is the same for each, and only the first report of each is kept anyway.
                if (id(steps), job) in done:
                    continue
                done.add((id(steps), job))
                for report in self.job(steps):
                    key = (report.command.span, report.message)
                    if key not in seen:
                        seen.add(key)
                        yield Finding(report.message, report.command.span, job=job)

    def job(self, steps: list[Step]) -> Iterator[_Report]:
        for step in steps:
            if step.run is None or not is_shell(step.shell):
                continue
            # The step's environment is made at its first command that changes it or is judged:
            # most steps have neither (`npm ci`, `echo ...`), and their commands report nothing.
            env: Env | None = None
            for command in step.commands:
                judged = [argv for argv in mix_tasks(command.argv) if self.may_judge(argv)]
                if env is None:
                    if not judged and command.argv[0] not in ("export", "unset"):
                        continue
                    env = {name: UNKNOWN if value is None else value for name, value in step.environment.items()}
                _exports(command, env, self.openers)
                if judged:
                    yield from self.command(command, env, step.checkout_names, judged)

    def command(self, command: Command, env: Env, roots: tuple[str, ...] = (),
                judged: list[list[str]] | None = None) -> Iterator[_Report]:
        """The reports of `command`'s tasks that `may_judge` (`judged`: those tasks, when the
        caller has them already)."""
        scope: Env | None = None
        cwd: str | Unknown = ""
        if judged is None:
            judged = [argv for argv in mix_tasks(command.argv) if self.may_judge(argv)]
        for argv in judged:
            if scope is None:  # built for the few commands that are judged, not for each one
                scope = {**env, **{k: known(v, self.openers) for k, v in command.assignments.items()}}
                cwd = repo_dir(command.cwd, roots or self.checkout)
            lack = self.judge(argv, scope, cwd, depth=0)
            if lack is not None:
                yield _Report(lack.message, command)

    def may_judge(self, argv: list[str]) -> bool:
        """False when `judge` would find nothing to judge in `argv` (neither a package.json
        script nor a command a need names), whatever the environment and directory."""
        argv, _ = unwrap(argv)
        if not argv:
            return False
        if script_call(argv) is not None:
            return True
        return self.first_word is None or self.first_word.fullmatch(argv[0]) is not None

    def judge(self, argv: list[str], env: Env, cwd: str | Unknown, depth: int) -> _Lack | None:
        argv, interpreter = unwrap(argv)
        if not argv:
            return None
        script = script_call(argv)
        if script is not None:
            return self.follow(script, env, cwd, depth)
        if self.first_word is not None and not self.first_word.fullmatch(argv[0]):
            return None
        need = next((n for n in self.needs if n.matches(argv)), None)
        if need is None:
            return None
        expanded = _expand(argv, env)
        if expanded is None or (need.args_decide and _opaque(expanded[len(need.words):], self.openers)):
            return None  # a value only known at run time may carry the flag
        argv = expanded
        reason = need.judge(Call(argv, env, cwd, self.repo, interpreter, self.checkout))
        if reason is None:
            return None
        return _Lack(f"`{' '.join(argv[: len(need.words)])}`", reason, need.fix)

    def follow(self, script: ScriptCall, env: Env, cwd: str | Unknown, depth: int) -> _Lack | None:
        """Judge the package.json script `npm run X` runs, as if its commands were written here."""
        if isinstance(cwd, Unknown) or not self.repo.visible or depth >= MAX_SCRIPT_DEPTH:
            return None
        scripts = self.project.repo_parsed(Files.path(cwd, "package.json"), package_scripts)
        if scripts is None:
            return None
        name, extra = script.name, script.extra
        if name not in scripts:
            return self.judge([name, *extra], env, cwd, depth + 1) if script.may_be_binary else None
        for part in (f"pre{name}", name, f"post{name}"):
            if part not in scripts:
                continue
            body = scripts[part]
            if part == name and extra:  # `npm run lint -- --max-warnings 0`: appended to the script
                body += " " + " ".join(quote(a) for a in extra)
            for inner in split_script(Text(body, _NOWHERE)):
                scope: Env = {**env, **{k: known(v, self.openers) for k, v in inner.assignments.items()}}
                inner_cwd = repo_dir(posixpath.join(cwd, inner.cwd), self.checkout) if inner.cwd else cwd
                lack = self.judge(inner.argv, scope, inner_cwd, depth + 1)
                if lack is not None:
                    shown = f"`{script.runner}` (package.json script `{part}`: {lack.shown})"
                    return replace(lack, shown=shown)
        return None


_NOWHERE = Span("package.json", 1, 1, 1, 1)  # script commands: the CI command's span is used


def _exports(command: Command, env: Env, openers: tuple[str, ...]) -> None:
    """`export X=y` and `unset X` change the environment of the step's later commands."""
    if command.argv[0] == "export":
        for word in command.argv[1:]:
            name, eq, value = word.partition("=")
            if eq:
                env[name] = known(value, openers)
    elif command.argv[0] == "unset":
        for name in command.argv[1:]:
            env.pop(name, None)


_VARIABLE = lazy(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def _expand(argv: list[str], env: Env) -> list[str] | None:
    """Words that are exactly `$VAR` / `${VAR}` replaced by the variable's known value, split
    (as the shell splits an unquoted expansion); None when such a value is unknown."""
    out: list[str] = []
    for word in argv:
        match = _VARIABLE.fullmatch(word)
        if match is None:
            out.append(word)
            continue
        value = env.get(match.group(1) or match.group(2))
        if value is None:  # not set in the configuration; CI settings may still set it
            out.append(word)
            continue
        if isinstance(value, Unknown):
            return None
        out.extend(value.split())
    return out


def _opaque(args: list[str], openers: tuple[str, ...]) -> bool:
    """An argument whose value is only known at run time (`$FLAGS`, `$(…)`, a template of the
    platform: `Pipeline.template_openers`), not being the value of an option (`--out $DIR`)."""
    for index, arg in enumerate(args):
        option_value = index > 0 and args[index - 1].startswith("-") and "=" not in args[index - 1]
        if ("$" in arg or "`" in arg or any(opener in arg for opener in openers)) and not option_value:
            return True
    return False
