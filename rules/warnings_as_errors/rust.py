"""Rust: `cargo build|check|test|clippy`; RUSTFLAGS, `.cargo/config.toml`, `[lints.rust]`, `#![deny(warnings)]`."""

from __future__ import annotations

import re

from .call import OK, Call, Unknown, Verdict


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
    data = call.repo.toml(call.cwd, "Cargo.toml")
    if data is not None:
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
        for directory in call.repo.up(call.cwd, name):
            data = call.repo.toml(directory, name) or {}
            tables = [data.get("build", {}), *data.get("target", {}).values()]
            for table in tables:
                flags = table.get("rustflags") if isinstance(table, dict) else None
                if isinstance(flags, str):
                    flags = flags.split()
                if isinstance(flags, list) and _denies_warnings([str(f) for f in flags]):
                    return True
    return False


def cargo(call: Call) -> Verdict:
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
        if isinstance(value, Unknown):
            return OK
        flags = value.split("\x1f") if name.startswith("CARGO_ENCODED") else value.split()
        decided = _denies_warnings(flags)
        if decided is not None:
            return OK if decided else f"{name} allows warnings (`{value}`)"
    if not call.repo.visible or isinstance(call.cwd, Unknown):
        return OK
    if _rust_files_deny(call):
        return OK
    if flags is None:
        build_flags = call.env.get("CARGO_BUILD_RUSTFLAGS")
        if isinstance(build_flags, Unknown) or (build_flags and _denies_warnings(build_flags.split())):
            return OK
        if _cargo_config_denies(call):
            return OK
        return "RUSTFLAGS has no `-D warnings`"
    if not flags or flags == [""]:
        return f"{name} is set empty, which also overrides any rustflags in .cargo/config.toml"
    return f"{name} is `{' '.join(flags)}`, without `-D warnings`"


# ---------------------------------------------------------------------------------------------
# C and C++
