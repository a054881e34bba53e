"""Commands that run another command: launchers (`npx eslint`, `poetry run pytest`, `python -m
pytest`), whose command is judged in their place, and package.json script runners (`npm run
lint`, `yarn lint`, `pnpm lint`), whose script the checker follows."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ...linter.lazyre import lazy
from ...linter.shell import launched, python_module

_MODULES = {"pytest": "pytest", "sphinx": "sphinx-build", "sphinx.cmd.build": "sphinx-build",
            "mkdocs": "mkdocs"}


def unwrap(argv: list[str]) -> tuple[list[str], list[str]]:
    """The command a launcher runs (`shell.launched`), and interpreter flags (`python -W error -m
    pytest`, for the modules this rule knows)."""
    argv = launched(argv)
    module = python_module(argv)
    if module is not None and module[0] in _MODULES:
        name, rest, flags = module
        return [_MODULES[name], *rest], flags
    if argv and argv[0] == "cargo":  # `cargo +nightly build`
        argv = ["cargo", *[a for a in argv[1:2] if not a.startswith("+")], *argv[2:]]
    return argv, []


# `npm run X`, `yarn X`, `pnpm run X`: (words before the script name, whether the name may be a
# binary instead of a script).
_RUNNERS: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("npm", "run"), False), (("npm", "run-script"), False), (("pnpm", "run"), False),
    (("yarn", "run"), True), (("bun", "run"), True), (("yarn",), True), (("pnpm",), True),
)
_NPM_SHORTCUTS = {"test": "test", "t": "test", "tst": "test", "start": "start", "stop": "stop"}
_WORKSPACE_FLAGS = lazy(r"-w|-ws|--workspaces?(=.*)?|--filter(=.*)?|-F|-r|--recursive|--if-present"
                              r"|--prefix(=.*)?|-C|--dir(=.*)?|--cwd(=.*)?")
_YARN_COMMANDS = frozenset({"install", "add", "remove", "upgrade", "why", "info", "init", "publish", "pack",
                            "config", "cache", "global", "link", "unlink", "workspace", "workspaces", "dlx",
                            "set", "plugin", "dedupe", "audit", "outdated", "list", "import", "licenses",
                            "login", "logout", "owner", "tag", "team", "version", "versions", "bin", "node",
                            "patch", "constraints", "npm", "up", "explain", "create", "store", "fetch",
                            "prune", "rebuild", "setup", "env", "i", "update", "ci"})


@dataclass(frozen=True)
class ScriptCall:
    name: str  # the package.json script
    extra: list[str]  # arguments passed on to it
    may_be_binary: bool  # `yarn eslint`: a binary when there is no such script
    runner: str  # `npm run lint`, for messages


_RUNNER_FIRST = frozenset({"npm", *(prefix[0] for prefix, _ in _RUNNERS)})  # npm: `npm test`...


def script_call(argv: list[str]) -> ScriptCall | None:
    """What `argv` runs when it runs a package.json script."""
    if not argv or argv[0] not in _RUNNER_FIRST:  # most commands: no runner to compare
        return None
    if len(argv) >= 2 and argv[0] == "npm" and argv[1] in _NPM_SHORTCUTS:
        return ScriptCall(_NPM_SHORTCUTS[argv[1]], _extra(argv[2:]), False, " ".join(argv[:2]))
    for prefix, binary in _RUNNERS:
        if tuple(argv[: len(prefix)]) != prefix or len(argv) <= len(prefix):
            continue
        rest = argv[len(prefix):]
        if any(_WORKSPACE_FLAGS.fullmatch(w) for w in rest):
            return None  # runs in other packages: not followed
        name = rest[0]
        if name.startswith("-") or (len(prefix) == 1 and name in _YARN_COMMANDS):
            return None
        return ScriptCall(name, _extra(rest[1:]), binary, " ".join(argv[: len(prefix) + 1]))
    return None


def _extra(words: list[str]) -> list[str]:
    return words[1:] if words[:1] == ["--"] else words


# ---------------------------------------------------------------------------------------------


def package_scripts(text: str) -> dict[str, str] | None:
    """The `scripts` of a package.json ({} when it has none), None when it is not JSON (or nests
    deeper than the parser's recursion allows: read as unreadable, like broken JSON)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    scripts = data.get("scripts") if isinstance(data, dict) else None
    if not isinstance(scripts, dict):
        return {}
    return {str(k): v for k, v in scripts.items() if isinstance(v, str)}


def quote(word: str) -> str:
    """`word` as one shell word (arguments appended to a script: `npm run lint -- --max-warnings 0`)."""
    return word if re.fullmatch(r"[\w@%+=:,./-]+", word) else "'" + word.replace("'", "'\\''") + "'"
