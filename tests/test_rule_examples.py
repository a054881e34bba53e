"""Every built-in rule's examples (rules/examples/<name>/) as repositories that cilint checks.

A failing example reports exactly the findings its examples.toml lists (path, line, column, level
and rule: the place the documentation shows), a passing one reports nothing; `cilint explain`
shows the files themselves, and SARIF's `helpUri` names the rule's generated page.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

import pytest

from cilint.linter.engine import all_rules
from cilint.linter.examples import Example, examples_of, examples_root
from cilint.linter.report import HELP_URI, INFORMATION_URI
from cilint.linter.run import CheckRequest, run_check
from cilint.rules import BUILTIN
from helpers import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "rules" / "examples"
BUILTIN_NAMES = sorted(module.NAME for module in BUILTIN)
ALL_EXAMPLES = [example for name in BUILTIN_NAMES for example in examples_of(name, EXAMPLES)]


def reported(example: Example) -> list[str]:
    """`path:line:col: level RULE` of every finding `cilint check` reports (not suppressed)."""
    report, _code = run_check(CheckRequest(paths=[example.root], output_format="json"))
    findings = [f for f in json.loads(report)["findings"] if not f.get("suppressed")]
    return [f"{f['path']}:{f['line']}:{f['column']}: {f['level']} {f['rule_id']}" for f in findings]


def test_the_examples_are_the_ones_the_package_ships() -> None:
    assert examples_root() == EXAMPLES


def test_every_builtin_rule_has_a_failing_and_a_passing_example_per_platform() -> None:
    assert sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()) == BUILTIN_NAMES
    for name in BUILTIN_NAMES:
        examples = examples_of(name, EXAMPLES)
        on_disk = sorted(p.relative_to(EXAMPLES / name).as_posix() for p in (EXAMPLES / name).glob("*/*")
                         if p.is_dir())
        assert sorted(e.path for e in examples) == on_disk, name
        for platform in {e.platform for e in examples}:
            kinds = sorted(e.root.name for e in examples if e.platform == platform)
            assert kinds == ["fail", "pass"], (name, platform)
        assert all(e.caption.strip() for e in examples), name


@pytest.mark.parametrize("example", ALL_EXAMPLES, ids=lambda e: f"{e.rule}/{e.path}")
def test_example(example: Example) -> None:
    rule_id = next(module.ID for module in BUILTIN if example.rule == module.NAME)
    if example.failing:
        assert example.reports, "a failing example lists what it reports"
        assert all(line.endswith(f" {rule_id}") for line in example.reports), "only its own rule fires"
        assert reported(example) == list(example.reports)
    else:
        assert example.reports == ()
        assert reported(example) == []


@pytest.mark.parametrize("key", ["CIL101", "pinned-images"])
def test_explain_shows_the_example_files_and_what_cilint_reports(key: str) -> None:
    code, out, _err = cli("explain", key)
    assert code == 0
    name = next(r.name for r in all_rules() if key in (r.id, r.name))
    for example in examples_of(name, EXAMPLES):
        assert f"{example.title}: {example.caption}" in out
        for path, text in example.files():
            assert f"  {path}:\n" in out
            assert all(f"    {line}".rstrip() in out for line in text.splitlines())
        for line in example.reports:
            location, level_rule = line.split(": ", 1)
            level, rule_id = level_rule.split()
            assert f"    {location}: {level} {rule_id} [{name}]" in out


# The two prose examples these replaced were wrong as written: CIL101's failing one gave no finding
# without a mix.exs (no Mix project, no `mix compile` to judge), CIL103's passing one an error
# without a requirements.txt (`hashFiles()` of a pattern that matches nothing). The partial copy
# keeps a README.md: a tree of pipelines alone is not a repository whose files cilint knows
# (`Project.holds_repository_contents`), and says nothing certain about absent files.
@pytest.mark.parametrize(("rule", "path", "left_out", "expected"), [
    ("warnings-as-errors", "github/fail", "mix.exs", []),
    ("cache-key-lockfile", "github/pass", "requirements.txt", ["error CIL103"]),
])
def test_an_example_needs_the_whole_repository(rule: str, path: str, left_out: str, expected: list[str],
                                                 tmp_path: Path) -> None:
    (example,) = [e for e in examples_of(rule, EXAMPLES) if e.path == path]
    for name, text in example.files():
        if name != left_out:
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "README.md").write_text("A repository, not only its pipelines.\n", encoding="utf-8")
    partial = Example(rule, path, tmp_path, example.caption, ())
    assert [line.split(": ", 1)[1] for line in reported(partial)] == expected


def test_sarif_help_uri_is_absolute_and_names_the_rules_generated_page() -> None:
    for rule in all_rules():
        uri = HELP_URI.format(name=rule.name)
        assert urlparse(uri).scheme == "https" and uri.startswith(INFORMATION_URI + "/blob/main/"), uri
        page = ROOT / uri.removeprefix(INFORMATION_URI + "/blob/main/")
        assert page.is_file(), page
    report, _code = run_check(CheckRequest(paths=[EXAMPLES / "pinned-images/github/fail"], output_format="sarif"))
    rules = json.loads(report)["runs"][0]["tool"]["driver"]["rules"]
    help_uri = {r["id"]: r["helpUri"] for r in rules}["CIL102"]
    assert help_uri == "https://github.com/cilint/cilint/blob/main/docs/rules/pinned-images.md"
