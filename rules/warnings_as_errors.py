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

Failing example::

    - run: |
        mix deps.get
        mix compile

Passing example::

    - run: |
        mix deps.get
        mix compile --warnings-as-errors

How to fix: add the flag the message names, or set it once where the toolchain reads it (env at
workflow level for `RUSTFLAGS`, `mix.exs`, `.cargo/config.toml`).

Options: `toolchains` turns toolchains on or off (`{python: true}`; the others keep their
defaults); `commands` adds commands of your own, each with a regular expression its arguments must
match, e.g. `{"golangci-lint run": "--max-issues-per-linter[= ]0"}`.
"""

from __future__ import annotations

import configparser
import json
import posixpath
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ..linter.findings import Finding
from ..linter.model import Command, Project, Span, Step, Text
from ..linter.shell import split_script

ID = "CIL101"
NAME = "warnings-as-errors"
LEVEL = "warning"
SUMMARY = "a compile, build, lint or docs step of a known toolchain does not fail on warnings"
TAGS = ("quality", "ci")
SECURITY_SEVERITY = None
PRECISION = "high"
TOOLCHAINS: dict[str, bool] = {
    "elixir": True, "rust": True, "c": True, "javascript": True, "dotnet": True, "docs": True,
    "swift": True, "python": False,
}
OPTIONS: dict[str, Any] = {"toolchains": dict(TOOLCHAINS), "commands": {}}

MAX_SCRIPT_DEPTH = 5  # package.json scripts calling scripts


# ---------------------------------------------------------------------------------------------
# A command being judged, and the verdict


class _Unknown:
    """A value cilint cannot know before run time."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()
Env = dict[str, "str | _Unknown"]


@dataclass
class Call:
    """A command as judged: its words (launchers removed), environment and directory."""

    argv: list[str]
    env: Env
    cwd: str | _Unknown  # relative to the repository root, "" for the root
    repo: Repo
    interpreter: list[str] = field(default_factory=list)  # `python -W error -m pytest`: the -W

    @property
    def args(self) -> list[str]:
        return self.argv[1:]


# A judge's verdict: None when the command fails on warnings or cannot be judged (nothing to
# report), else why it does not.
Verdict = str | None
OK: Verdict = None


@dataclass(frozen=True)
class Need:
    """What one kind of command needs. `words` are regular expressions its first words match."""

    toolchain: str
    words: tuple[str, ...]
    judge: Callable[[Call], Verdict]
    fix: str
    args_decide: bool = True  # the flag is an argument: an unknown `$VAR` argument may hold it
    # `words` compiled once: `re.fullmatch(pattern, word)` looks the pattern up in re's cache on
    # each of the ~400,000 calls of a corpus run.
    patterns: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "patterns", tuple(re.compile(word) for word in self.words))

    def matches(self, argv: list[str]) -> bool:
        return len(argv) >= len(self.patterns) and all(
            pattern.fullmatch(word) for pattern, word in zip(self.patterns, argv, strict=False))


# ---------------------------------------------------------------------------------------------
# The repository's files


class Repo:
    """Files of the repository being checked, read once. `visible` is False when cilint checks
    single files outside a repository: then no file decides anything and such verdicts are
    unknown."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.visible = project.is_repository
        self._cache: dict[str, str | None] = {}
        self._globs: dict[str, list[str]] = {}

    def read(self, directory: str, name: str) -> str | None:
        path = posixpath.normpath(posixpath.join(directory, name)) if directory else name
        if path not in self._cache:
            self._cache[path] = self.project.repo_file(path)
        return self._cache[path]

    def up(self, directory: str, name: str) -> Iterator[tuple[str, str]]:
        """(directory, text) of `name` in `directory` and each parent up to the root."""
        while True:
            text = self.read(directory, name)
            if text is not None:
                yield directory, text
            if not directory:
                return
            directory = posixpath.dirname(directory)

    def glob(self, pattern: str) -> list[str]:
        if pattern not in self._globs:  # each walks the tree: once per pattern
            self._globs[pattern] = self.project.repo_glob(pattern)
        return self._globs[pattern]


# Prefixes that name the repository root in a `cd` (GitHub workspace, CircleCI's default
# working directory).
_ROOT_PREFIXES = ("${{ github.workspace }}", "$GITHUB_WORKSPACE", "${GITHUB_WORKSPACE}",
                  "$CIRCLE_WORKING_DIRECTORY", "${CIRCLE_WORKING_DIRECTORY}", "~/project",
                  "/home/circleci/project")


def repo_dir(cwd: str | None) -> str | _Unknown:
    """A command's working directory relative to the root, or UNKNOWN."""
    if cwd is None:
        return ""
    for prefix in _ROOT_PREFIXES:
        if cwd == prefix or cwd.startswith(prefix + "/"):
            cwd = cwd[len(prefix):].lstrip("/") or "."
            break
    if cwd.startswith(("/", "~", "-")) or "$" in cwd:
        return UNKNOWN
    normal = posixpath.normpath(cwd)
    if normal.startswith(".."):
        return UNKNOWN
    return "" if normal == "." else normal


def _text_or_unknown(call: Call, name: str) -> str | _Unknown | None:
    """A file in the command's directory (the root unless a `cd` moved it): its text, None if
    absent, UNKNOWN if the repository or the directory cannot be seen."""
    if not call.repo.visible or isinstance(call.cwd, _Unknown):
        return UNKNOWN
    return call.repo.read(call.cwd, name)


# ---------------------------------------------------------------------------------------------
# Elixir


_MIX_WAE = re.compile(r"warnings_as_errors:\s*([^,\]\s]+)")


def _mix_exs_setting(text: str) -> bool | _Unknown | None:
    """True/False when mix.exs sets warnings_as_errors literally, UNKNOWN for an expression,
    None when it does not mention it."""
    values = _MIX_WAE.findall(text)
    if not values:
        return None
    if all(v == "true" for v in values):
        return True
    if all(v in ("true", "false") for v in values):
        return False
    return UNKNOWN


def _mix_compile(call: Call) -> Verdict:
    if "--warnings-as-errors" in call.args:
        return OK
    mix_exs = _text_or_unknown(call, "mix.exs")
    if not isinstance(mix_exs, str):
        return OK  # no mix.exs where we can see it: the project is elsewhere
    setting = _mix_exs_setting(mix_exs)
    umbrella = re.search(r"apps_path:\s*\"([^\"]+)\"", mix_exs)
    if setting is None and umbrella and isinstance(call.cwd, str):
        children = [call.repo.read("", p) or "" for p in call.repo.glob(
            posixpath.join(call.cwd, umbrella.group(1), "*", "mix.exs"))]
        settings = [_mix_exs_setting(text) for text in children]
        if settings and all(s is True for s in settings):
            return OK
        if any(isinstance(s, _Unknown) or s is True for s in settings):
            return OK  # some apps decide for themselves: cannot tell which are built
    if setting is True or isinstance(setting, _Unknown):
        return OK
    return "neither `--warnings-as-errors` nor `warnings_as_errors: true` in mix.exs"


_CREDO_INFO = frozenset({"gen.config", "gen.check", "explain", "info", "categories", "version", "help"})


def _credo(call: Call) -> Verdict:
    if "--strict" in call.args or any(a in _CREDO_INFO for a in call.args[1:2]):
        return OK
    if not call.repo.visible or isinstance(call.cwd, _Unknown):
        return OK
    for name in (".credo.exs", "config/.credo.exs"):
        text = call.repo.read(call.cwd, name)
        if text is not None and re.search(r"strict:\s*true", text):
            return OK
    return "no `--strict` (nor `strict: true` in .credo.exs)"


def _mix_tasks(argv: list[str]) -> list[list[str]]:
    """`mix do compile --warnings-as-errors, test` (or `+`) as one `mix` command per task."""
    if argv[:2] != ["mix", "do"]:
        return [argv]
    tasks: list[list[str]] = [[]]
    for word in argv[2:]:
        if word in (",", "+"):
            tasks.append([])
            continue
        ends = word.endswith(",")
        tasks[-1].append(word.rstrip(",") if ends else word)
        if ends:
            tasks.append([])
    return [["mix", *task] for task in tasks if task]


# ---------------------------------------------------------------------------------------------
# Rust


def _denies_warnings(flags: list[str]) -> bool | None:
    """Whether rustc flags make warnings errors: True (`-D warnings`), False (`-A`/`-W`
    warnings, `--cap-lints`), None (they say nothing). The last one wins."""
    verdict: bool | None = None
    for index, flag in enumerate(flags):
        value = flags[index + 1] if index + 1 < len(flags) else ""
        for prefix, meaning in (("-D", True), ("-F", True), ("--deny", True), ("--forbid", True),
                                ("-A", False), ("-W", False), ("--allow", False), ("--warn", False)):
            glued = flag[len(prefix):].lstrip("=")
            if flag.startswith(prefix) and (glued or value) == "warnings" and (
                    glued or flag == prefix):
                verdict = meaning
        if flag.startswith("--cap-lints"):
            verdict = False
    return verdict


def _rust_files_deny(call: Call) -> bool:
    """`[lints.rust] warnings = "deny"` in Cargo.toml or `#![deny(warnings)]` in the crate root."""
    assert isinstance(call.cwd, str)
    manifest = call.repo.read(call.cwd, "Cargo.toml")
    if manifest is not None:
        data = _toml(manifest)
        for table in (data.get("lints"), data.get("workspace", {}).get("lints")):
            rust = table.get("rust", {}) if isinstance(table, dict) else {}
            level = rust.get("warnings") if isinstance(rust, dict) else None
            level = level.get("level") if isinstance(level, dict) else level
            if level in ("deny", "forbid"):
                return True
    for source in ("src/lib.rs", "src/main.rs"):
        text = call.repo.read(call.cwd, source)
        if text is not None and re.search(r"#!\[(deny|forbid)\([^)]*\bwarnings\b", text):
            return True
    return False


def _cargo_config_denies(call: Call) -> bool:
    assert isinstance(call.cwd, str)
    for name in (".cargo/config.toml", ".cargo/config"):
        for _, text in call.repo.up(call.cwd, name):
            data = _toml(text)
            tables = [data.get("build", {}), *data.get("target", {}).values()]
            for table in tables:
                flags = table.get("rustflags") if isinstance(table, dict) else None
                if isinstance(flags, str):
                    flags = flags.split()
                if isinstance(flags, list) and _denies_warnings([str(f) for f in flags]):
                    return True
    return False


def _cargo(call: Call) -> Verdict:
    if call.argv[1] == "clippy" and "--" in call.args:
        after = call.argv[call.argv.index("--") + 1:]
        if _denies_warnings(after):
            return OK
    for index, arg in enumerate(call.args):  # `--config 'build.rustflags=["-D", "warnings"]'`
        setting = arg[len("--config="):] if arg.startswith("--config=") else (
            call.args[index + 1] if arg == "--config" and index + 1 < len(call.args) else "")
        if "rustflags" in setting and re.search(r"-D\W*warnings", setting):
            return OK
    name = next((n for n in ("CARGO_ENCODED_RUSTFLAGS", "RUSTFLAGS") if n in call.env), None)
    flags: list[str] | None = None
    if name is not None:
        value = call.env[name]
        if isinstance(value, _Unknown):
            return OK
        flags = value.split("\x1f") if name.startswith("CARGO_ENCODED") else value.split()
        decided = _denies_warnings(flags)
        if decided is not None:
            return OK if decided else f"{name} allows warnings (`{value}`)"
    if not call.repo.visible or isinstance(call.cwd, _Unknown):
        return OK
    if _rust_files_deny(call):
        return OK
    if flags is None:
        build_flags = call.env.get("CARGO_BUILD_RUSTFLAGS")
        if isinstance(build_flags, _Unknown) or (build_flags and _denies_warnings(build_flags.split())):
            return OK
        if _cargo_config_denies(call):
            return OK
        return "RUSTFLAGS has no `-D warnings`"
    if not flags or flags == [""]:
        return f"{name} is set empty, which also overrides any rustflags in .cargo/config.toml"
    return f"{name} is `{' '.join(flags)}`, without `-D warnings`"


# ---------------------------------------------------------------------------------------------
# C and C++


_NOT_COMPILING = frozenset({"-E", "-M", "-MM", "--version", "-v", "-dumpversion", "-dumpmachine",
                            "--help", "-###", "-print-search-dirs", "-print-file-name"})
_SOURCE = re.compile(r".+\.(c|cc|cpp|cxx|c\+\+|C|m|mm)$")


def _werror(flags: list[str]) -> bool:
    verdict = False
    for flag in flags:
        if flag in ("-Werror", "/WX"):
            verdict = True
        elif flag == "-Wno-error":
            verdict = False
    return verdict


def _compiler(call: Call) -> Verdict:
    args = call.args
    if not args or any(a in _NOT_COMPILING or a.startswith("-print-") for a in args):
        return OK
    if not ("-c" in args or "-o" in args or any(_SOURCE.match(a) for a in args)):
        return OK
    if _werror(args):
        return OK
    partial = [a for a in args if a.startswith("-Werror=")]
    return "only " + ", ".join(f"`{a}`" for a in partial) + " (partial)" if partial else "no `-Werror`"


_CMAKE_NOT_CONFIGURE = frozenset({"--build", "--install", "-E", "-P", "--version", "--help", "--workflow",
                                  "-N", "--find-package", "--preset", "--list-presets", "-L", "-LA", "-LH"})
_CMAKE_WAE = re.compile(r"-DCMAKE_COMPILE_WARNING_AS_ERROR(:BOOL)?=(ON|TRUE|1|YES|Y)$", re.IGNORECASE)
_CMAKE_FLAGS = re.compile(r"-DCMAKE_(C|CXX)_FLAGS(:STRING)?=(.*)")
# A project's own switch, conventionally named so (`-DCURL_WERROR=ON`, `-DWARNINGS_AS_ERRORS=ON`).
_CMAKE_PROJECT_SWITCH = re.compile(
    r"-D\w*(WERROR|WARNINGS?_AS_ERRORS?|FATAL_WARNINGS)\w*(:BOOL)?=(ON|TRUE|1|YES|Y)$", re.IGNORECASE)


def _cmake(call: Call) -> Verdict:
    args = call.args
    if not args or any(a in _CMAKE_NOT_CONFIGURE or a.startswith("--preset=") for a in args):
        return OK
    if "--compile-no-warning-as-error" in args:
        return "`--compile-no-warning-as-error` turns warnings-as-errors off"
    if any(_CMAKE_WAE.match(a) or _CMAKE_PROJECT_SWITCH.match(a) for a in args):
        return OK
    for arg in args:
        match = _CMAKE_FLAGS.match(arg)
        if match and _werror(match.group(3).split()):
            return OK
    for name in ("CFLAGS", "CXXFLAGS"):
        value = call.env.get(name)
        if isinstance(value, _Unknown) or (value and _werror(value.split())):
            return OK
    source = _cmake_source(call)
    if source is None:
        return OK
    lists = _text_or_unknown(replace(call, cwd=source), "CMakeLists.txt")
    if not isinstance(lists, str) or re.search(r"Werror|COMPILE_WARNING_AS_ERROR|/WX", lists):
        return OK  # the project may set it itself: not ours to guess
    return "no `-DCMAKE_COMPILE_WARNING_AS_ERROR=ON` (nor `-Werror` in CFLAGS/CXXFLAGS or CMakeLists.txt)"


def _cmake_source(call: Call) -> str | None:
    """The source directory a configure reads, relative to the root (None: unknown)."""
    if isinstance(call.cwd, _Unknown):
        return None
    args = call.args
    for index, arg in enumerate(args):
        if arg == "-S" and index + 1 < len(args):
            given = args[index + 1]
        elif arg.startswith("-S") and len(arg) > 2:
            given = arg[2:]
        else:
            continue
        found = repo_dir(posixpath.join(call.cwd, given) if call.cwd else given)
        return found if isinstance(found, str) else None
    positional = [a for i, a in enumerate(args) if not a.startswith("-")
                  and not (i > 0 and args[i - 1] in ("-B", "-G", "-T", "-A", "-C", "-D"))]
    if positional:
        found = repo_dir(posixpath.join(call.cwd, positional[0]) if call.cwd else positional[0])
        return found if isinstance(found, str) else None
    return call.cwd


# ---------------------------------------------------------------------------------------------
# JavaScript


def _eslint(call: Call) -> Verdict:
    args = call.args
    for index, arg in enumerate(args):
        if arg == "--max-warnings" and index + 1 < len(args):
            value = args[index + 1]
        elif arg.startswith("--max-warnings="):
            value = arg.partition("=")[2]
        else:
            continue
        if value == "0":
            return OK
        if "$" in value:
            return OK
        return f"`--max-warnings {value}` lets warnings through"
    return "no `--max-warnings 0`"


# ---------------------------------------------------------------------------------------------
# .NET, docs, Swift, Python


_DOTNET_WAE = re.compile(r"[-/]{1,2}(warnaserror|err)$", re.IGNORECASE)
_DOTNET_PROP = re.compile(r"[-/]{1,2}(p|property):TreatWarningsAsErrors=(true)$", re.IGNORECASE)
_TREAT = re.compile(r"<TreatWarningsAsErrors>\s*true\s*</TreatWarningsAsErrors>", re.IGNORECASE)


def _dotnet(call: Call) -> Verdict:
    if any(_DOTNET_WAE.match(a) or _DOTNET_PROP.match(a) for a in call.args):
        return OK
    if not call.repo.visible or isinstance(call.cwd, _Unknown):
        return OK
    for _, text in call.repo.up(call.cwd, "Directory.Build.props"):
        if _TREAT.search(text):
            return OK
    projects = [p for ext in ("csproj", "fsproj", "vbproj") for p in call.repo.glob(f"**/*.{ext}")]
    setting = [bool(_TREAT.search(call.repo.read("", p) or "")) for p in projects]
    if any(setting):
        return OK  # some projects decide for themselves: which are built is not known here
    return "no `-warnaserror` (nor TreatWarningsAsErrors in the project files)"


def _sphinx(call: Call) -> Verdict:
    for arg in call.args:
        if arg == "--fail-on-warning" or re.fullmatch(r"-[a-zA-Z]*W[a-zA-Z]*", arg):
            return OK
    return "no `-W`"


def _mkdocs(call: Call) -> Verdict:
    if "--strict" in call.args or "-s" in call.args:
        return OK
    name = "mkdocs.yml"
    for index, arg in enumerate(call.args):
        if arg in ("-f", "--config-file") and index + 1 < len(call.args):
            name = call.args[index + 1]
    config = _text_or_unknown(call, name)
    if config is None and name == "mkdocs.yml":
        config = _text_or_unknown(call, "mkdocs.yaml")
    if not isinstance(config, str) or re.search(r"^strict:\s*(true|!ENV)", config, re.MULTILINE):
        return OK
    return "no `--strict` (nor `strict: true` in mkdocs.yml)"


_SWIFT_SETTING = re.compile(r"warnings-as-errors|treatAllWarnings\(as:\s*\.error")


def _swift(call: Call) -> Verdict:
    args = call.args
    if any(a == "-warnings-as-errors" and i > 0 and args[i - 1] == "-Xswiftc" for i, a in enumerate(args)):
        return OK
    manifest = _text_or_unknown(call, "Package.swift")
    if not isinstance(manifest, str) or _SWIFT_SETTING.search(manifest):
        return OK
    return "no `-Xswiftc -warnings-as-errors`"


_ALL_ERRORS = frozenset({"error", "error::Warning"})


def _python_w(flags: list[str]) -> bool:
    """`-W error` / `-Werror` (all warnings; `error::DeprecationWarning` is partial)."""
    for index, flag in enumerate(flags):
        value = flags[index + 1] if flag in ("-W", "--pythonwarnings") and index + 1 < len(flags) else (
            flag[2:].lstrip("=") if flag.startswith("-W") else "")
        if value in _ALL_ERRORS:
            return True
    return False


_PYTEST_NO_RUN = frozenset({"--collect-only", "--co", "--version", "-V", "--help", "-h", "--fixtures",
                            "--markers"})


def _pytest(call: Call) -> Verdict:
    if _python_w(call.args) or _python_w(call.interpreter) or _PYTEST_NO_RUN & set(call.args):
        return OK
    warnings = call.env.get("PYTHONWARNINGS")
    if isinstance(warnings, _Unknown) or (warnings and _ALL_ERRORS & set(warnings.split(","))):
        return OK
    if not call.repo.visible or isinstance(call.cwd, _Unknown):
        return OK
    if _pytest_config_errors(call.repo, call.cwd):
        return OK
    return "no `-W error` (nor PYTHONWARNINGS=error or `filterwarnings = error` in the pytest configuration)"


def _pytest_config_errors(repo: Repo, cwd: str) -> bool:
    pyproject = repo.read(cwd, "pyproject.toml")
    if pyproject is not None:
        options = _toml(pyproject).get("tool", {}).get("pytest", {}).get("ini_options", {})
        filters = options.get("filterwarnings", []) if isinstance(options, dict) else []
        if _first_filter_errors(filters if isinstance(filters, list) else [filters]):
            return True
    for name, section in (("pytest.ini", "pytest"), ("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        text = repo.read(cwd, name)
        if text is None:
            continue
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read_string(text)
        except configparser.Error:
            continue
        if parser.has_option(section, "filterwarnings"):
            lines = parser.get(section, "filterwarnings").split("\n")
            if _first_filter_errors([line.strip() for line in lines if line.strip()]):
                return True
    return False


def _first_filter_errors(filters: list[Any]) -> bool:
    """The first filter is `error` (later ones may re-allow chosen warnings, on purpose)."""
    return bool(filters) and str(filters[0]).strip() in ("error", "error::Warning")


# ---------------------------------------------------------------------------------------------
# The table


_CC = r"(?:[\w.+-]*-)?(?:gcc|g\+\+|clang|clang\+\+|cc|c\+\+)(?:-[\d.]+)?"
NEEDS: tuple[Need, ...] = (
    Need("elixir", ("mix", "compile"), _mix_compile,
         "add `--warnings-as-errors` (or `elixirc_options: [warnings_as_errors: true]` in mix.exs)"),
    Need("elixir", ("mix", "credo"), _credo, "add `--strict`"),
    Need("rust", ("cargo", "build|check|test"), _cargo,
         "set `RUSTFLAGS: -D warnings` in the env of the workflow, job or step", args_decide=False),
    Need("rust", ("cargo", "clippy"), _cargo,
         "add `-- -D warnings`, or set `RUSTFLAGS: -D warnings` in the env", args_decide=False),
    Need("c", (_CC,), _compiler, "add `-Werror`"),
    Need("c", ("cmake",), _cmake, "add `-DCMAKE_COMPILE_WARNING_AS_ERROR=ON`"),
    Need("javascript", (r"(?:\S*/)?eslint",), _eslint, "add `--max-warnings 0`"),
    Need("javascript", ("next", "lint"), _eslint, "add `--max-warnings 0`"),
    Need("dotnet", ("dotnet", "build"), _dotnet, "add `-warnaserror` (or `-p:TreatWarningsAsErrors=true`)"),
    Need("docs", ("sphinx-build",), _sphinx, "add `-W` (with `--keep-going` to see every warning)"),
    Need("docs", ("mkdocs", "build|gh-deploy"), _mkdocs, "add `--strict`"),
    Need("swift", ("swift", "build"), _swift, "add `-Xswiftc -warnings-as-errors`"),
    Need("python", ("pytest|py\\.test",), _pytest, "add `-W error` (or `filterwarnings = [\"error\"]`)"),
)


def _custom(words: str, pattern: str) -> Need:
    try:
        regex = re.compile(pattern)
    except re.error:  # not a regular expression: taken as the literal text it must contain
        regex = re.compile(re.escape(pattern))

    def judge(call: Call) -> Verdict:
        return OK if regex.search(" ".join(call.args)) else f"its arguments do not match `{pattern}`"

    return Need("custom", tuple(re.escape(w) for w in words.split()), judge,
                "add what the `commands` option requires")


# ---------------------------------------------------------------------------------------------
# Launchers: commands that run another command


# Prefixes that run the words after them (after their own `-` options).
_LAUNCHERS: tuple[tuple[str, ...], ...] = (
    ("npx",), ("bunx",), ("pnpm", "exec"), ("pnpm", "dlx"), ("npm", "exec"), ("yarn", "exec"),
    ("poetry", "run"), ("uv", "run"), ("uvx",), ("pipenv", "run"), ("pdm", "run"), ("hatch", "run"),
    ("rye", "run"), ("bundle", "exec"), ("xcrun",), ("nix", "develop", "-c"), ("nix", "develop", "--command"),
)
_PYTHON = re.compile(r"python[\d.]*|py")
_MODULES = {"pytest": "pytest", "sphinx": "sphinx-build", "sphinx.cmd.build": "sphinx-build",
            "mkdocs": "mkdocs"}


_LAUNCHER_FIRST = frozenset(prefix[0] for prefix in _LAUNCHERS)


def unwrap(argv: list[str]) -> tuple[list[str], list[str]]:
    """The command a launcher runs, and interpreter flags (`python -W error -m pytest`)."""
    for _ in range(4):
        if not argv or argv[0] not in _LAUNCHER_FIRST:  # most commands: no launcher to compare
            break
        for prefix in _LAUNCHERS:
            if tuple(argv[: len(prefix)]) == prefix:
                rest = argv[len(prefix):]
                while rest and rest[0].startswith("-"):
                    rest = rest[1:]
                argv = rest
                break
        else:
            break
    if argv and "-m" in argv and _PYTHON.fullmatch(argv[0]):  # (the cheap test first)
        at = argv.index("-m")
        if at + 1 < len(argv) and argv[at + 1] in _MODULES:
            return [_MODULES[argv[at + 1]], *argv[at + 2:]], argv[1:at]
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
_WORKSPACE_FLAGS = re.compile(r"-w|-ws|--workspaces?(=.*)?|--filter(=.*)?|-F|-r|--recursive|--if-present"
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
# Walking the pipelines


# Variables written to these files are set for the job's later steps (GitHub `$GITHUB_ENV`,
# CircleCI `$BASH_ENV`, which each step sources).
_ENV_FILE = re.compile(r">>?\s*\"?\$\{?(GITHUB_ENV|BASH_ENV)\b")
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_NON_SHELL = re.compile(r"^(python|node|perl|ruby|pwsh|powershell|cmd)\b")


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


class _Checker:
    def __init__(self, project: Project, options: dict[str, Any]) -> None:
        self.project = project
        self.repo = Repo(project)
        toolchains = {**TOOLCHAINS, **(options.get("toolchains") or {})}
        self.needs = [n for n in NEEDS if toolchains.get(n.toolchain, False)]
        commands = options.get("commands") or {}
        self.needs += [_custom(str(words), str(pattern)) for words, pattern in commands.items()]
        # The first word of every need in one pattern: most commands (`echo`, `npm ci`, ...) need
        # nothing, and one match rejects them instead of one per need. A word fully matches the
        # alternation exactly when it fully matches one of its branches.
        firsts = [need.words[0] for need in self.needs if need.words]
        self.first_word: re.Pattern[str] | None = (
            re.compile("|".join(f"(?:{word})" for word in firsts)) if len(firsts) == len(self.needs) else None)

    def findings(self) -> Iterator[Finding]:
        seen: set[tuple[Any, str]] = set()
        inlined = {step.span.path for w in self.project.workflows() for job in w.jobs() for step in job.steps}
        for pipeline in self.project.pipelines:
            runs: list[tuple[list[Step], str | None]] = [
                (job.steps, job.qualified) for workflow in pipeline.workflows for job in workflow.jobs()]
            if pipeline.platform == "action" and pipeline.path not in inlined:
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
        carried: dict[str, tuple[str | _Unknown, str]] = {}  # name -> (value, file) from earlier steps
        for step in steps:
            if step.run is None or (step.shell and _NON_SHELL.match(step.shell)):
                continue
            env: Env = {name: UNKNOWN if var.reference else var.value.value for name, var in step.env.items()}
            _apply_env_files(env, carried)
            for command in step.commands:
                _exports(command, env)
                yield from self.command(command, env)
                _env_file_writes(command, carried)

    def command(self, command: Command, env: Env) -> Iterator[_Report]:
        scope: Env | None = None
        cwd: str | _Unknown = ""
        for argv in _mix_tasks(command.argv):
            if not self.may_judge(argv):
                continue
            if scope is None:  # built for the few commands that are judged, not for each one
                scope = {**env, **{k: _value(v) for k, v in command.assignments.items()}}
                cwd = repo_dir(command.cwd)
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

    def judge(self, argv: list[str], env: Env, cwd: str | _Unknown, depth: int) -> _Lack | None:
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
        if expanded is None or (need.args_decide and _opaque(expanded[len(need.words):])):
            return None  # a value only known at run time may carry the flag
        argv = expanded
        reason = need.judge(Call(argv, env, cwd, self.repo, interpreter))
        if reason is None:
            return None
        return _Lack(f"`{' '.join(argv[: len(need.words)])}`", reason, need.fix)

    def follow(self, script: ScriptCall, env: Env, cwd: str | _Unknown, depth: int) -> _Lack | None:
        """Judge the package.json script `npm run X` runs, as if its commands were written here."""
        if isinstance(cwd, _Unknown) or not self.repo.visible or depth >= MAX_SCRIPT_DEPTH:
            return None
        scripts = _package_scripts(self.repo.read(cwd, "package.json"))
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
                body += " " + " ".join(_quote(a) for a in extra)
            for inner in split_script(Text(body, _NOWHERE)):
                scope: Env = {**env, **{k: _value(v) for k, v in inner.assignments.items()}}
                inner_cwd = repo_dir(posixpath.join(cwd, inner.cwd)) if inner.cwd else cwd
                lack = self.judge(inner.argv, scope, inner_cwd, depth + 1)
                if lack is not None:
                    shown = f"`{script.runner}` (package.json script `{part}`: {lack.shown})"
                    return replace(lack, shown=shown)
        return None


_NOWHERE = Span("package.json", 1, 1, 1, 1)  # script commands: the CI command's span is used


def _quote(word: str) -> str:
    return word if re.fullmatch(r"[\w@%+=:,./-]+", word) else "'" + word.replace("'", "'\\''") + "'"


def _package_scripts(text: str | None) -> dict[str, str] | None:
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    scripts = data.get("scripts") if isinstance(data, dict) else None
    if not isinstance(scripts, dict):
        return {}
    return {str(k): v for k, v in scripts.items() if isinstance(v, str)}


def _value(value: str) -> str | _Unknown:
    return UNKNOWN if "$" in value or "<<" in value else value


def _exports(command: Command, env: Env) -> None:
    """`export X=y` and `unset X` change the environment of the step's later commands."""
    if command.argv[0] == "export":
        for word in command.argv[1:]:
            name, eq, value = word.partition("=")
            if eq:
                env[name] = _value(value)
    elif command.argv[0] == "unset":
        for name in command.argv[1:]:
            env.pop(name, None)


def _env_file_writes(command: Command, carried: dict[str, tuple[str | _Unknown, str]]) -> None:
    """`echo "X=y" >> $GITHUB_ENV`, `echo 'export X=y' >> $BASH_ENV`: X is set for later steps."""
    written = _ENV_FILE.search(command.text)
    if command.argv[0] not in ("echo", "printf") or written is None:
        return
    for word in command.argv[1:]:
        match = _ENV_LINE.match(word)
        if match:
            carried[match.group(1)] = (_value(match.group(2).strip("'\"")), written.group(1))


def _apply_env_files(env: Env, carried: dict[str, tuple[str | _Unknown, str]]) -> None:
    """$BASH_ENV is sourced by each step's shell, so its exports win over the configured
    environment; whether a $GITHUB_ENV value or a configured `env:` wins is not something to
    guess at, so such a clash makes the value unknown."""
    for name, (value, file) in carried.items():
        if file == "BASH_ENV" or name not in env:
            env[name] = value
        elif env[name] != value:
            env[name] = UNKNOWN


_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


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
        if isinstance(value, _Unknown):
            return None
        out.extend(value.split())
    return out


def _opaque(args: list[str]) -> bool:
    """An argument whose value is only known at run time (`$FLAGS`, `${{ … }}`, `<< … >>`,
    `$(…)`), not being the value of an option (`--out $DIR`)."""
    for index, arg in enumerate(args):
        if ("$" in arg or "<<" in arg or "`" in arg) and not (index > 0 and args[index - 1].startswith("-")
                                                              and "=" not in args[index - 1]):
            return True
    return False


def _toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
    yield from _Checker(project, options).findings()
