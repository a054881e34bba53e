"""What a rule is: the attributes the engine reads of a rule module, as a Protocol.

A built-in rule is a module of `rules/` listed in `rules.BUILTIN` (typed by this Protocol, so mypy
checks each module against it); a plug-in is a module or object registered under the entry-point
group `cilint.rules` and checked against it when it is loaded (`plugin_rule`), a mistake naming
the attribute. Its docstring is its documentation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

from .findings import Finding
from .model import Project

LEVELS = ("error", "warning", "note")


class RuleModule(Protocol):
    """The attributes of a rule. (Properties: a module's `TAGS = ("security",)` is read-only here,
    so its narrower type conforms.)"""

    @property
    def ID(self) -> str: ...  # `CIL107`

    @property
    def NAME(self) -> str: ...  # `pinned-actions`

    @property
    def LEVEL(self) -> str: ...  # its findings' default level: error, warning or note

    @property
    def LEVELS(self) -> tuple[str, ...]: ...  # every level its findings take, LEVEL first (plug-ins: (LEVEL,))

    @property
    def SUMMARY(self) -> str: ...  # one line, for `cilint rules`

    @property
    def OPTIONS(self) -> dict[str, Any]: ...  # option -> default, checked against the configuration

    @property
    def TAGS(self) -> tuple[str, ...]: ...  # SARIF tags: security, supply-chain, correctness...

    @property
    def SECURITY_SEVERITY(self) -> str | None: ...  # SARIF `security-severity` (0.0-10.0); None: not security

    @property
    def PRECISION(self) -> str: ...  # SARIF `precision`: very-high, high, medium, low

    def check(self, project: Project, options: dict[str, Any]) -> Iterator[Finding]: ...


# What a plug-in may leave out, and what that means (built-in rules write every attribute).
PLUGIN_DEFAULTS: dict[str, Any] = {"OPTIONS": {}, "TAGS": (), "SECURITY_SEVERITY": None, "PRECISION": "high"}


class RuleShapeError(Exception):
    """A plug-in that is not a rule: what is missing or of the wrong type."""


class PluginRule:
    """A plug-in's attributes, checked and completed with `PLUGIN_DEFAULTS`: a `RuleModule` (its
    documentation, the plug-in's docstring, as `__doc__`)."""

    def __init__(self, values: dict[str, Any], check: Callable[[Project, dict[str, Any]], Iterator[Finding]],
                 doc: str | None) -> None:
        self.ID: str = values["ID"]
        self.NAME: str = values["NAME"]
        self.LEVEL: str = values["LEVEL"]
        self.LEVELS: tuple[str, ...] = tuple(values["LEVELS"])
        self.SUMMARY: str = values["SUMMARY"]
        self.OPTIONS: dict[str, Any] = dict(values["OPTIONS"])
        self.TAGS: tuple[str, ...] = tuple(values["TAGS"])
        self.SECURITY_SEVERITY: str | None = values["SECURITY_SEVERITY"]
        self.PRECISION: str = values["PRECISION"]
        self.check = check
        self.__doc__ = doc


def plugin_rule(obj: object) -> RuleModule:
    """`obj` as a rule, or RuleShapeError naming what it lacks."""
    values: dict[str, Any] = {}
    for name in ("ID", "NAME", "LEVEL", "SUMMARY"):
        value = getattr(obj, name, None)
        if not isinstance(value, str) or not value:
            raise RuleShapeError(f"`{name}` must be a non-empty string (a rule needs ID, NAME, LEVEL, SUMMARY "
                                 "and check(project, options))")
        values[name] = value
    if values["LEVEL"] not in LEVELS:
        raise RuleShapeError(f"`LEVEL` must be one of {', '.join(LEVELS)}, not {values['LEVEL']!r}")
    check = getattr(obj, "check", None)
    if not callable(check):
        raise RuleShapeError("`check` must be a function check(project, options) yielding findings")
    for name, default in PLUGIN_DEFAULTS.items():
        values[name] = getattr(obj, name, default)
    levels = getattr(obj, "LEVELS", (values["LEVEL"],))
    if (isinstance(levels, str) or not isinstance(levels, (tuple, list)) or not levels
            or levels[0] != values["LEVEL"] or not all(level in LEVELS for level in levels)):
        raise RuleShapeError(f"`LEVELS` must be a tuple of levels ({', '.join(LEVELS)}), `LEVEL` first")
    values["LEVELS"] = tuple(levels)
    if not isinstance(values["OPTIONS"], dict):
        raise RuleShapeError("`OPTIONS` must be a mapping of option names to defaults")
    tags = values["TAGS"]
    if isinstance(tags, str) or not all(isinstance(tag, str) for tag in tags):
        raise RuleShapeError("`TAGS` must be a tuple of strings")
    if values["SECURITY_SEVERITY"] is not None and not isinstance(values["SECURITY_SEVERITY"], str):
        raise RuleShapeError("`SECURITY_SEVERITY` must be a string such as \"7.5\", or None")
    if not isinstance(values["PRECISION"], str):
        raise RuleShapeError("`PRECISION` must be a string: very-high, high, medium or low")
    return PluginRule(values, check, obj.__doc__)
