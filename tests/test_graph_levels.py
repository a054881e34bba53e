"""Issue 16: `cilint graph` collapses matrix legs, writes readable labels and files, and keeps its
JSON view growing with the YAML; `cilint rules`/`explain` show every level a rule reports and take
ids and names in any case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cilint.linter.ruleapi import RuleShapeError, plugin_rule
from cilint.linter.run import load_for
from cilint.linter.view import project_view
from helpers import cli

ROOT = Path(__file__).resolve().parents[1]
MATRIX = ROOT / "fixtures" / "github" / "matrix"

DEPLOY = """\
name: CD
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        node: [18, 20, 22]
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
      - uses: ./.github/actions/setup
      - run: npm test
  deploy:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: echo deploying
"""

SETUP = """\
name: setup
runs:
  using: composite
  steps:
    - run: npm ci
      shell: bash
    - run: npm run build
      shell: bash
"""


def _repo(tmp_path: Path) -> Path:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "cd.yml").write_text(DEPLOY)
    (tmp_path / ".github" / "actions" / "setup").mkdir(parents=True)
    (tmp_path / ".github" / "actions" / "setup" / "action.yml").write_text(SETUP)
    return tmp_path


def _jobs(view: dict[str, Any], path: str) -> dict[str, Any]:
    [pipeline] = [p for p in view["pipelines"] if p["path"] == path]
    [workflow] = pipeline["workflows"]
    return {job["key"]: job for job in workflow["jobs"]} | {"<edges>": workflow["edges"]}


def test_mermaid_draws_a_matrix_job_once_with_readable_values() -> None:
    code, out, _ = cli("graph", str(MATRIX))
    assert code == 0
    assert '    w0_4["test (4 legs: experimental, os, python)"]\n' in out
    assert '    w0_2["e2e (2 legs: browser)"]\n' in out
    # a matrix of one leg shows its values; mappings as key=value, not Python's dict text
    assert '    w0_3["objects (target={name=core, path=tests/core})"]\n' in out
    assert "{'" not in out and "True" not in out
    expanded = cli("graph", "--expand-matrix", str(MATRIX))[1]
    assert '["test (os=macos-latest, python=3.11)"]' in expanded
    assert '["test (experimental=true, os=ubuntu-latest, python=3.11)"]' in expanded
    assert "legs" not in expanded


def test_collapsed_edges_and_output_file(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    target = tmp_path / "dag.mmd"
    code, out, _ = cli("graph", str(repo), "-o", str(target))
    assert code == 0 and out == ""
    text = target.read_text()
    assert '    w0_0["build (3 legs: node)"]\n' in text
    assert text.count(" --> ") == 1 and "  w0_0 --> w0_1\n" in text
    dot = cli("graph", "--format", "dot", "--output", str(tmp_path / "dag.dot"), str(repo))[1]
    assert dot == "" and '"0:build" -> "0:deploy";' in (tmp_path / "dag.dot").read_text()
    assert (tmp_path / "dag.dot").read_text().count(" -> ") == 1


def test_json_collapses_legs_and_composite_steps(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    out = cli("graph", "--format", "json", str(repo))[1]
    assert out.count("\n") == 1  # compact: one line
    jobs = _jobs(json.loads(out), ".github/workflows/cd.yml")
    assert sorted(jobs) == ["<edges>", "build", "deploy"]
    build = jobs["build"]
    assert [leg["key"] for leg in build["legs"]] == ["build (18)", "build (20)", "build (22)"]
    assert [leg["matrix"] for leg in build["legs"]] == [{"node": 18}, {"node": 20}, {"node": 22}]
    assert [step["kind"] for step in build["steps"]] == ["checkout", "uses", "run"]  # the action's steps left out
    assert jobs["deploy"]["needs"] == ["build"] and jobs["deploy"]["ancestors"] == ["build"]
    assert jobs["<edges>"] == [["build", "deploy"]]
    # --expand-matrix: the full view, exactly what policies select on
    full = json.loads(cli("graph", "--format", "json", "--expand-matrix", str(repo))[1])
    project, _ = load_for([repo], None, [])
    assert full == json.loads(json.dumps(project_view(project)))
    legs = _jobs(full, ".github/workflows/cd.yml")
    assert sorted(legs) == ["<edges>", "build (18)", "build (20)", "build (22)", "deploy"]
    assert [s["origin"] for s in legs["build (18)"]["steps"]].count("composite:.github/actions/setup") == 2
    assert "legs" not in legs["build (18)"]


def test_mermaid_over_its_size_limit_warns(tmp_path: Path) -> None:
    jobs = "".join(f"  job{i:04}:\n    name: a rather long job name number {i:04}\n    runs-on: ubuntu-latest\n"
                   "    steps:\n      - run: make\n" for i in range(1200))
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "big.yml").write_text(f"on: push\njobs:\n{jobs}")
    code, out, err = cli("graph", str(tmp_path))
    assert code == 0 and len(out) > 50_000
    assert "more than Mermaid draws by default (50,000, `maxTextSize`)" in err
    assert cli("graph", "--format", "dot", str(tmp_path))[2] == ""


def test_rules_show_every_level_a_rule_reports() -> None:
    code, out, _ = cli("rules")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert lines["CIL105"].startswith("CIL105  approval-before-deploy   error/note ")
    assert lines["CIL106"].startswith("CIL106  required-checks          error/warning/note ")
    assert lines["CIL101"].startswith("CIL101  warnings-as-errors       warning ")
    explained = cli("explain", "CIL106")[1].splitlines()[0]
    assert explained == "CIL106 required-checks (default level: error; also reports warning and note findings)"


@pytest.mark.parametrize("name", ["cil105", "CIL105", "Approval-Before-Deploy", "approval-before-deploy"])
def test_explain_takes_ids_and_names_in_any_case(name: str) -> None:
    code, out, _ = cli("explain", name)
    assert code == 0 and out.startswith("CIL105 approval-before-deploy (default level: error; also reports note")


def test_select_and_ignore_take_any_case() -> None:
    autogit = str(ROOT / "fixtures" / "seeds" / "autogit")
    upper = cli("check", autogit, "--format", "json", "--select", "CIL107")[1]
    lower = cli("check", autogit, "--format", "json", "--select", "cil107")[1]
    name = cli("check", autogit, "--format", "json", "--select", "Pinned-Actions")[1]
    assert json.loads(upper)["findings"] and upper == lower == name
    ignored = json.loads(cli("check", autogit, "--format", "json", "--ignore", "cil1")[1])["findings"]
    assert {f["rule_id"] for f in ignored} <= {"CIL001", "CIL002", "CIL003"}


class _Plugin:
    ID = "ACME900"
    NAME = "acme-rule"
    LEVEL = "warning"
    SUMMARY = "a plug-in"

    @staticmethod
    def check(project: Any, options: Any) -> Any:
        return iter(())


def test_plugin_levels_default_to_its_level_and_are_checked() -> None:
    assert plugin_rule(_Plugin).LEVELS == ("warning",)
    both = type("Both", (_Plugin,), {"LEVELS": ("warning", "note")})
    assert plugin_rule(both).LEVELS == ("warning", "note")
    for bad in (("note", "warning"), ("warning", "fatal"), "warning", ()):
        with pytest.raises(RuleShapeError, match="LEVELS"):
            plugin_rule(type("Bad", (_Plugin,), {"LEVELS": bad}))
