"""The toolchains CIL101 knows: for each kind of command, the words that start it, what makes it
fail on warnings (the fix a finding names), the repository files that may set it instead, and the
judge that reads all this for one command (in the toolchain's module)."""

from __future__ import annotations

import re

from . import cfamily, docs, dotnet, elixir, javascript, python, rust, swift
from .call import OK, Call, Need, Verdict

# Toolchains checked unless the `toolchains` option says otherwise.
TOOLCHAINS: dict[str, bool] = {
    "elixir": True, "rust": True, "c": True, "javascript": True, "dotnet": True, "docs": True,
    "swift": True, "python": False,
}

_CC = r"(?:[\w.+-]*-)?(?:gcc|g\+\+|clang|clang\+\+|cc|c\+\+)(?:-[\d.]+)?"  # gcc-12, arm-none-eabi-g++

NEEDS: tuple[Need, ...] = (
    Need("elixir", ("mix", "compile"), elixir.mix_compile,
         "add `--warnings-as-errors` (or `elixirc_options: [warnings_as_errors: true]` in mix.exs)",
         files=("mix.exs", "apps/*/mix.exs")),
    Need("elixir", ("mix", "credo"), elixir.credo, "add `--strict`",
         files=(".credo.exs", "config/.credo.exs")),
    Need("rust", ("cargo", "build|check|test"), rust.cargo,
         "set `RUSTFLAGS: -D warnings` in the env of the workflow, job or step", args_decide=False,
         files=("Cargo.toml", ".cargo/config.toml", "src/lib.rs", "src/main.rs")),
    Need("rust", ("cargo", "clippy"), rust.cargo,
         "add `-- -D warnings`, or set `RUSTFLAGS: -D warnings` in the env", args_decide=False,
         files=("Cargo.toml", ".cargo/config.toml", "src/lib.rs", "src/main.rs")),
    Need("c", (_CC,), cfamily.compiler, "add `-Werror`"),
    Need("c", ("cmake",), cfamily.cmake, "add `-DCMAKE_COMPILE_WARNING_AS_ERROR=ON`",
         files=("CMakeLists.txt",)),
    Need("javascript", (r"(?:\S*/)?eslint",), javascript.eslint, "add `--max-warnings 0`"),
    Need("javascript", ("next", "lint"), javascript.eslint, "add `--max-warnings 0`"),
    Need("dotnet", ("dotnet", "build"), dotnet.dotnet, "add `-warnaserror` (or `-p:TreatWarningsAsErrors=true`)",
         files=("Directory.Build.props", "**/*.csproj", "**/*.fsproj", "**/*.vbproj")),
    Need("docs", ("sphinx-build",), docs.sphinx, "add `-W` (with `--keep-going` to see every warning)"),
    Need("docs", ("mkdocs", "build|gh-deploy"), docs.mkdocs, "add `--strict`",
         files=("mkdocs.yml", "mkdocs.yaml")),
    Need("swift", ("swift", "build"), swift.swift, "add `-Xswiftc -warnings-as-errors`",
         files=("Package.swift",)),
    Need("python", ("pytest|py\\.test",), python.pytest, "add `-W error` (or `filterwarnings = [\"error\"]`)",
         files=("pyproject.toml", "pytest.ini", "tox.ini", "setup.cfg")),
)


def custom(words: str, pattern: str) -> Need:
    """A command of the `commands` option: its arguments must match `pattern`."""
    try:
        regex = re.compile(pattern)
    except re.error:  # not a regular expression: taken as the literal text it must contain
        regex = re.compile(re.escape(pattern))

    def judge(call: Call) -> Verdict:
        return OK if regex.search(" ".join(call.args)) else f"its arguments do not match `{pattern}`"

    return Need("custom", tuple(re.escape(w) for w in words.split()), judge,
                "add what the `commands` option requires")
