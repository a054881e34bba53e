"""Python: `pytest` (`-W error`, PYTHONWARNINGS, `filterwarnings` in its configuration files)."""

from __future__ import annotations

import configparser
from typing import Any

from .call import OK, Call, Files, Unknown, Verdict

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


def pytest(call: Call) -> Verdict:
    if _python_w(call.args) or _python_w(call.interpreter) or _PYTEST_NO_RUN & set(call.args):
        return OK
    warnings = call.env.get("PYTHONWARNINGS")
    if isinstance(warnings, Unknown) or (warnings and _ALL_ERRORS & set(warnings.split(","))):
        return OK
    if not call.repo.visible or isinstance(call.cwd, Unknown):
        return OK
    if _pytest_config_errors(call.repo, call.cwd):
        return OK
    return "no `-W error` (nor PYTHONWARNINGS=error or `filterwarnings = error` in the pytest configuration)"


def _pytest_config_errors(repo: Files, cwd: str) -> bool:
    pyproject = repo.toml(cwd, "pyproject.toml")
    if pyproject is not None:
        options = pyproject.get("tool", {}).get("pytest", {}).get("ini_options", {})
        filters = options.get("filterwarnings", []) if isinstance(options, dict) else []
        if _first_filter_errors(filters if isinstance(filters, list) else [filters]):
            return True
    for name, section in (("pytest.ini", "pytest"), ("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        parser = repo.project.repo_parsed(Files.path(cwd, name), _ini)
        if parser is None or parser is _UNREADABLE:
            continue
        if parser.has_option(section, "filterwarnings"):
            lines = parser.get(section, "filterwarnings").split("\n")
            if _first_filter_errors([line.strip() for line in lines if line.strip()]):
                return True
    return False


_UNREADABLE = configparser.ConfigParser()  # what `_ini` gives for a file that does not parse


def _ini(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return _UNREADABLE
    return parser


def _first_filter_errors(filters: list[Any]) -> bool:
    """The first filter is `error` (later ones may re-allow chosen warnings, on purpose)."""
    return bool(filters) and str(filters[0]).strip() in ("error", "error::Warning")
