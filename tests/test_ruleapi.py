"""Plug-in rules are checked against `ruleapi.RuleModule` when loaded; built-in ones by mypy."""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

import pytest

from cilint.linter.findings import Finding
from cilint.linter.model import Project
from cilint.linter.ruleapi import RuleShapeError, plugin_rule


def _check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
    yield from ()


def _plugin(**attributes: Any) -> types.SimpleNamespace:
    base: dict[str, Any] = {"ID": "X100", "NAME": "x-rule", "LEVEL": "warning", "SUMMARY": "x", "check": _check}
    plugin = types.SimpleNamespace(**{k: v for k, v in {**base, **attributes}.items() if v is not None})
    plugin.__doc__ = "What x-rule finds."
    return plugin


def test_a_plugin_without_the_optional_attributes_gets_their_defaults() -> None:
    rule = plugin_rule(_plugin())
    assert (rule.ID, rule.NAME, rule.LEVEL, rule.SUMMARY) == ("X100", "x-rule", "warning", "x")
    assert (rule.OPTIONS, rule.TAGS, rule.SECURITY_SEVERITY, rule.PRECISION) == ({}, (), None, "high")
    assert rule.check is _check and rule.__doc__ == "What x-rule finds."


def test_a_plugin_keeps_its_own_optional_attributes() -> None:
    rule = plugin_rule(_plugin(OPTIONS={"n": 1}, TAGS=["security"], SECURITY_SEVERITY="5.0", PRECISION="low"))
    assert (rule.OPTIONS, rule.TAGS, rule.SECURITY_SEVERITY, rule.PRECISION) == ({"n": 1}, ("security",), "5.0",
                                                                                 "low")


@pytest.mark.parametrize(("attributes", "message"), [
    ({"SUMMARY": None}, "`SUMMARY` must be a non-empty string"),
    ({"ID": 100}, "`ID` must be a non-empty string"),
    ({"LEVEL": "fatal"}, "`LEVEL` must be one of error, warning, note"),
    ({"check": None}, "`check` must be a function"),
    ({"OPTIONS": ["n"]}, "`OPTIONS` must be a mapping"),
    ({"TAGS": "security"}, "`TAGS` must be a tuple of strings"),
    ({"SECURITY_SEVERITY": 7.5}, "`SECURITY_SEVERITY` must be a string"),
])
def test_a_plugin_that_is_not_a_rule_is_refused_naming_the_attribute(attributes: dict[str, Any],
                                                                     message: str) -> None:
    with pytest.raises(RuleShapeError, match=message):
        plugin_rule(_plugin(**attributes))
