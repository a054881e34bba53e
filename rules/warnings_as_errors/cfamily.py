"""C and C++: compiler drivers (`gcc`, `clang`, `cc`, ...) and `cmake` configures."""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace

from ...linter.lazyre import lazy
from .call import OK, Call, Unknown, Verdict, repo_dir, text_or_unknown

_NOT_COMPILING = frozenset({"-E", "-M", "-MM", "--version", "-v", "-dumpversion", "-dumpmachine",
                            "--help", "-###", "-print-search-dirs", "-print-file-name"})
_SOURCE = lazy(r".+\.(c|cc|cpp|cxx|c\+\+|C|m|mm)$")


def _werror(flags: list[str]) -> bool:
    verdict = False
    for flag in flags:
        if flag in ("-Werror", "/WX"):
            verdict = True
        elif flag == "-Wno-error":
            verdict = False
    return verdict


def compiler(call: Call) -> Verdict:
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
_CMAKE_WAE = lazy(r"-DCMAKE_COMPILE_WARNING_AS_ERROR(:BOOL)?=(ON|TRUE|1|YES|Y)$", re.IGNORECASE)
_CMAKE_FLAGS = lazy(r"-DCMAKE_(C|CXX)_FLAGS(:STRING)?=(.*)")
# A project's own switch, conventionally named so (`-DCURL_WERROR=ON`, `-DWARNINGS_AS_ERRORS=ON`).
_CMAKE_PROJECT_SWITCH = lazy(
    r"-D\w*(WERROR|WARNINGS?_AS_ERRORS?|FATAL_WARNINGS)\w*(:BOOL)?=(ON|TRUE|1|YES|Y)$", re.IGNORECASE)


def cmake(call: Call) -> Verdict:
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
        if isinstance(value, Unknown) or (value and _werror(value.split())):
            return OK
    source = _cmake_source(call)
    if source is None:
        return OK
    lists = text_or_unknown(replace(call, cwd=source), "CMakeLists.txt")
    if not isinstance(lists, str) or re.search(r"Werror|COMPILE_WARNING_AS_ERROR|/WX", lists):
        return OK  # the project may set it itself: not ours to guess
    return "no `-DCMAKE_COMPILE_WARNING_AS_ERROR=ON` (nor `-Werror` in CFLAGS/CXXFLAGS or CMakeLists.txt)"


def _cmake_source(call: Call) -> str | None:
    """The source directory a configure reads, relative to the root (None: unknown)."""
    if isinstance(call.cwd, Unknown):
        return None
    args = call.args
    for index, arg in enumerate(args):
        if arg == "-S" and index + 1 < len(args):
            given = args[index + 1]
        elif arg.startswith("-S") and len(arg) > 2:
            given = arg[2:]
        else:
            continue
        found = repo_dir(posixpath.join(call.cwd, given) if call.cwd else given, call.checkout)
        return found if isinstance(found, str) else None
    positional = [a for i, a in enumerate(args) if not a.startswith("-")
                  and not (i > 0 and args[i - 1] in ("-B", "-G", "-T", "-A", "-C", "-D"))]
    if positional:
        found = repo_dir(posixpath.join(call.cwd, positional[0]) if call.cwd else positional[0],
                         call.checkout)
        return found if isinstance(found, str) else None
    return call.cwd


# ---------------------------------------------------------------------------------------------
# JavaScript
