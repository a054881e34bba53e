"""Declarative policies (linter/policies.py) and the model view they read (linter/view.py).

The examples of fixtures/policies/ run from the command line as a user runs them: each
`<example>/fire` repository must give exactly the findings listed, each `<example>/quiet` none of
the ACME policies', with fixtures/policies/.cilint.yml (ACME's policy pack) found upward.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cilint.linter.cli import main
from cilint.linter.imageref import ImageRef
from cilint.linter.policies import Policy, policies_from_text, render_message
from cilint.linter.view import project_view

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
EXAMPLES = FIXTURES / "policies"
WORKFLOW = ".github/workflows/ci.yml"


def run(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    old = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.output


def policy_findings(path: Path, *options: str) -> list[tuple[str, str, int, str]]:
    """(rule id, path, line, level) of the findings of policies (not built-in rules)."""
    code, out = run("check", "--format", "json", *options, str(path))
    assert code in (0, 1), out
    return [(f["rule_id"], f["path"], f["line"], f["level"])
            for f in json.loads(out)["findings"] if not f["rule_id"].startswith("CIL")]


# -- the examples, from the command line ---------------------------------------------------

FIRE = {
    "job-timeout": [("ACME001", ".github/workflows/ci.yml", 11, "warning")],  # the matrix job, once
    "image-registry": [("ACME002", ".circleci/config.yml", 7, "error"),  # postgres, in the executor
                       ("ACME002", ".github/workflows/ci.yml", 10, "error")],  # a quay.io service
    "deploy-from-main": [("ACME003", ".github/workflows/deploy.yml", 3, "error"),  # push: release/**
                         ("ACME003", ".github/workflows/deploy.yml", 5, "error")],  # workflow_dispatch
    "self-hosted-pull-requests": [("ACME004", ".github/workflows/ci.yml", 12, "error")],
    "deploy-concurrency": [("ACME005", ".github/workflows/release.yml", 1, "warning")],
}


@pytest.mark.parametrize("example", sorted(FIRE))
def test_example_fires(example: str) -> None:
    assert policy_findings(EXAMPLES / example / "fire") == FIRE[example]


@pytest.mark.parametrize("example", sorted(FIRE))
def test_example_stays_quiet(example: str) -> None:
    assert policy_findings(EXAMPLES / example / "quiet") == []


def test_every_example_has_fire_and_quiet() -> None:
    examples = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
    assert examples == sorted(FIRE)
    assert len(examples) >= 5


def test_text_output_names_policy_job_and_line_and_exit_code() -> None:
    code, out = run("check", str(EXAMPLES / "job-timeout" / "fire"))
    assert code == 1
    assert (".github/workflows/ci.yml:11:3: warning ACME001 [job-timeout] job `test` has no `timeout-minutes` "
            "(GitHub's default is 6 hours): set one\n") in out
    full = run("check", "--format", "full", str(EXAMPLES / "job-timeout" / "fire"))[1]
    assert "   = job: .github/workflows/ci.yml:CI/test\n" in full
    assert run("check", "--select", "ACME001", "--fail-on", "error",
               str(EXAMPLES / "job-timeout" / "fire"))[0] == 0


def test_message_fields_and_escaped_braces() -> None:
    _, out = run("check", "--select", "ACME004", str(EXAMPLES / "self-hosted-pull-requests" / "fire"))
    assert "job `gpu` runs on a self-hosted runner (self-hosted, linux, gpu)" in out
    _, out = run("check", "--select", "ACME005", str(EXAMPLES / "deploy-concurrency" / "fire"))
    assert "add `concurrency: {group: production, cancel-in-progress: false}`" in out


def test_rules_and_explain_include_the_configurations_policies() -> None:
    code, out = run("rules", cwd=EXAMPLES)
    assert code == 0
    ids = [line.split()[0] for line in out.splitlines()]
    assert ids[-5:] == ["ACME001", "ACME002", "ACME003", "ACME004", "ACME005"] and "CIL101" in ids
    code, out = run("rules", "--config", str(EXAMPLES / ".cilint.yml"))
    assert "ACME004  no-self-hosted-on-pull-requests error" in out
    code, out = run("explain", "deploy-from-main", cwd=EXAMPLES)
    assert code == 0
    assert out.startswith("ACME003 deploy-from-main (default level: error)")
    assert "defined in acme.yml:33" in out
    assert "Selects: $.pipelines[*].workflows[*].jobs[?(@.deploy.production == true)].triggers[*]" in out
    assert "`event` !~ /^pull_request/" in out
    assert run("explain", "ACME003")[0] == 2  # no configuration here defines it


def test_sarif_lists_policies_as_rules() -> None:
    import jsonschema

    _, out = run("check", "--format", "sarif", str(EXAMPLES / "self-hosted-pull-requests" / "fire"))
    sarif = json.loads(out)
    jsonschema.validate(sarif, json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text()))
    driver = sarif["runs"][0]["tool"]["driver"]
    rules = {rule["id"]: rule for rule in driver["rules"]}
    policy = rules["ACME004"]
    assert policy["name"] == "no-self-hosted-on-pull-requests"
    assert policy["shortDescription"]["text"].startswith("jobs that pull requests can start")
    assert policy["properties"]["security-severity"] == "8.0"
    assert policy["properties"]["tags"] == ["policy", "security"]
    assert policy["helpUri"].endswith("README.md#custom-policies")
    [result] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "ACME004"]
    assert driver["rules"][result["ruleIndex"]]["id"] == "ACME004"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 12


# -- findings go through the configuration, suppressions and baselines like built-in ones --


def _repo(tmp_path: Path, config: str, workflow: str | None = None) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".cilint.yml").write_text(config)
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(workflow if workflow is not None else (
        "on: push\n"
        "jobs:\n"
        "  build:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: make\n"
        "  lint:\n"
        "    runs-on: ubuntu-latest\n"
        "    timeout-minutes: 5\n"
        "    steps:\n"
        "      - run: make lint\n"))
    return tmp_path


TIMEOUT = """\
policies:
  - id: ORG1
    name: job-timeout
    message: "job `{id}` has no timeout"
    select: "$..jobs[*]"
    require: timeout
"""


def test_inline_suppression_and_baseline(tmp_path: Path) -> None:
    repo = _repo(tmp_path, TIMEOUT)
    assert policy_findings(repo) == [("ORG1", WORKFLOW, 3, "warning")]
    workflow = repo / WORKFLOW
    comment = "  # cilint: ignore[ORG1] -- legacy"
    workflow.write_text(workflow.read_text().replace("  build:\n", f"  build:{comment}\n"))
    _, out = run("check", "--format", "json", str(repo))
    assert [f for f in json.loads(out)["findings"] if f["rule_id"] == "ORG1"] == []
    [finding] = [f for f in json.loads(out)["suppressed"] if f["rule_id"] == "ORG1"]
    assert finding["suppressed"]["kind"] == "inSource"
    workflow.write_text(workflow.read_text().replace(comment, ""))
    baseline = tmp_path / "baseline.json"
    run("check", "--select", "ORG1", "--write-baseline", str(baseline), str(repo))
    assert run("check", "--select", "ORG1", "--baseline", str(baseline), str(repo))[0] == 0


@pytest.mark.parametrize(("extra", "expected"), [
    ("select: [CIL101]\n", [("ORG1", WORKFLOW, 3, "warning")]),  # a select of built-in rules keeps policies
    ("select: [CIL101, ORG2]\n", []),  # ... one naming policies chooses among them
    ("ignore: [ORG1]\n", []),
    ("rules:\n  job-timeout: off\n", []),
    ("rules:\n  ORG1: {level: error}\n", [("ORG1", WORKFLOW, 3, "error")]),
    ("per_path_ignores:\n  '.github/**': [ORG1]\n", []),
])
def test_configuration_applies_to_policies(tmp_path: Path, extra: str, expected: list[Any]) -> None:
    second = ("  - id: ORG2\n    name: no-lint\n    message: lint\n"
              "    select: \"$..jobs[?(@.id == 'lint')]\"\n    forbid: id\n")
    repo = _repo(tmp_path, extra + TIMEOUT + second)
    assert [f for f in policy_findings(repo) if f[0] == "ORG1"] == expected


def test_command_line_select_and_ignore_know_policies(tmp_path: Path) -> None:
    repo = _repo(tmp_path, TIMEOUT)
    _, out = run("check", "--format", "json", "--select", "job-timeout", str(repo))
    assert {f["rule_id"] for f in json.loads(out)["findings"]} == {"ORG1"}
    assert policy_findings(repo, "--ignore", "ORG1") == []
    _, out = run("config", "--show", str(repo))
    shown = json.loads(out)
    assert shown["rules"]["ORG1"] == {"name": "job-timeout", "enabled": True, "level": "warning",
                                      "options": {}}
    assert shown["policies"][0]["id"] == "ORG1"


def test_policy_file_and_toml_configuration(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "policies:\n  - org/policies.yml\n")
    (repo / "org").mkdir()
    (repo / "org" / "policies.yml").write_text(TIMEOUT)  # a mapping with only `policies`, or a list
    assert policy_findings(repo) == [("ORG1", WORKFLOW, 3, "warning")]
    (repo / ".cilint.yml").unlink()
    (repo / "pyproject.toml").write_text(
        '[tool.cilint]\n[[tool.cilint.policies]]\nid = "ORG1"\nname = "job-timeout"\n'
        'message = "job {id} has no timeout"\nselect = "$..jobs[*]"\nrequire = "timeout"\n')
    assert policy_findings(repo) == [("ORG1", WORKFLOW, 3, "warning")]


def test_no_span_points_at_the_policy(tmp_path: Path) -> None:
    config = ("policies:\n  - id: ORG9\n    name: trunk\n"
              "    message: the default branch is {default_branch}\n"
              "    select: $\n    in: {default_branch: [trunk]}\n")
    repo = _repo(tmp_path, config)
    _, out = run("check", "--select", "ORG9", str(repo))
    assert ".cilint.yml:2:1: warning ORG9 [trunk] the default branch is main" in out


# -- bad policies fail fast, at their own file and line -----------------------------------

BAD = [
    ("select: '$..jobs[?(@.kind == )]'\n    require: timeout", 6, "invalid JSONPath"),
    ("select: '$..jobs[*]'\n    requires: timeout", 7, "unknown key or condition `requires`"),
    ("select: '$..jobs[*]'\n    any:\n      - {require: timeout, regex: x}", 8, "unknown condition `regex`"),
    ("select: '$..jobs[*]'\n    match: {name: '(unclosed'}", 7, "invalid regular expression"),
    ("select: \"$..jobs[?(@.name =~ '[')]\"", 6, "invalid regular expression"),
    ("select: '$..jobs[*]'\n    require: $.timeout", 7, "relative to the selected element"),
    ("select: '$..jobs[*]'\n    in: {runs_on: {a: b}}", 7, "must be a list"),
    ("select: '$..jobs[*]'\n    match: ubuntu", 7, "must map sub-paths"),
    ("select: '$..jobs[*]'\n    any: []", 7, "non-empty list"),
    ("select: '$..jobs[*]'\n    level: fatal", 7, "must be one of error, warning, note"),
]


@pytest.mark.parametrize(("body", "line", "message"), BAD)
def test_bad_policy_is_a_usage_error_at_its_line(tmp_path: Path, body: str, line: int, message: str) -> None:
    config = f"# ACME's policies\npolicies:\n  - id: ORG1\n    name: x-rule\n    message: m\n    {body}\n"
    repo = _repo(tmp_path, config)
    code, out = run("check", str(repo))
    assert code == 2
    assert ".cilint.yml:" + str(line) + ":" in out and message in out, out


@pytest.mark.parametrize(("policy", "line", "message"), [
    ("  - id: ORG1\n    name: x-rule\n    select: $\n", 3, "policy ORG1 has no `message`"),
    ("  - id: CIL901\n    name: x-rule\n    message: m\n    select: $\n", 3, "`CIL` is cilint's"),
    ("  - id: ORG1\n    name: pinned-images\n    message: m\n    select: $\n", 4, "built-in rule CIL102"),
    ("  - id: ORG1\n    name: X_Rule\n    message: m\n    select: $\n", 4, "kebab-case"),
    ("  - id: ORG1\n    name: a\n    message: m\n    select: $\n  - id: ORG1\n    name: b\n    message: m\n"
     "    select: $\n", 7, "already used by policy ORG1"),
    ("  - missing.yml\n", 3, "cannot read policy file `missing.yml`"),
    ("  - 42\n", 3, "a policy (a mapping) or the name of a policy file"),
])
def test_bad_policy_entries(tmp_path: Path, policy: str, line: int, message: str) -> None:
    repo = _repo(tmp_path, "#\npolicies:\n" + policy)
    code, out = run("check", str(repo))
    assert code == 2
    assert f".cilint.yml:{line}:" in out and message in out, out


def test_bad_policy_in_a_policy_file_names_that_file(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "policies: [org.yml]\n")
    (repo / "org.yml").write_text(
        "- id: ORG1\n  name: x-rule\n  select: $\n  message: m\n  forbid: 'steps[?('\n")
    code, out = run("check", str(repo))
    assert code == 2 and "org.yml:5:" in out and "invalid JSONPath" in out


# -- condition semantics -------------------------------------------------------------------


def one(conditions: str) -> Policy:
    [policy] = policies_from_text(f"- id: T1\n  name: t\n  message: m\n  select: $\n  {conditions}\n")
    return policy


JOB = {"name": "deploy", "timeout": None, "runs_on": ["self-hosted", "linux"], "env": {}, "retries": 3,
       "approval": False, "images": [{"registry": "ghcr.io"}, {"registry": "docker.io"}]}


@pytest.mark.parametrize(("conditions", "holds"), [
    ("require: name", True),
    ("require: timeout", False),  # null
    ("require: env", False),  # empty
    ("require: approval", False),  # false
    ("require: [name, runs_on]", True),
    ("require: [name, timeout]", False),  # every path listed
    ("require: 'images[*].registry'", True),
    ("forbid: timeout", True),
    ("forbid: nothing.here", True),
    ("forbid: runs_on", False),
    ("match: {name: '^dep'}", True),
    ("match: {runs_on: '^(self-hosted|linux)$'}", True),  # every value
    ("match: {runs_on: '^linux$'}", False),
    ("match: {timeout: '.'}", False),  # nothing found does not match
    ("match: {retries: '^3$'}", True),  # numbers as text
    ("not_match: {runs_on: '^self-hosted$'}", False),
    ("not_match: {timeout: '.'}", True),
    ("in: {'images[*].registry': [ghcr.io, docker.io]}", True),
    ("in: {'images[*].registry': [ghcr.io]}", False),
    ("in: {retries: [3, 5]}", True),
    ("in: {approval: [false]}", True),
    ("not_in: {'images[*].registry': [quay.io]}", True),
    ("not_in: {runs_on: [self-hosted]}", False),
    ("any: [{require: timeout}, {match: {name: deploy}}]", True),
    ("any: [{require: timeout}, {forbid: name}]", False),
    ("all: [{require: name}, {forbid: timeout}]", True),
    ("all: [{require: name}, {require: timeout}]", False),
    ("require: '@'", True),
    ("require: name\n  forbid: name", False),  # the conditions of a mapping all hold
])
def test_conditions(conditions: str, holds: bool) -> None:
    assert one(conditions).condition.holds(JOB) is holds


def test_render_message() -> None:
    element = {"name": "deploy", "runs_on": ["self-hosted", "linux"], "deploy": {"target": "production"},
               "timeout": None, "steps": [{"name": "a"}]}
    assert render_message("{name} on {runs_on} to {deploy.target}", element) == \
        "deploy on self-hosted, linux to production"
    assert render_message("{steps.0.name} {timeout} {{literal}} {typo}", element) == "a null {literal} {typo}"


def test_filters_do_not_stop_on_null_or_mixed_types(tmp_path: Path) -> None:
    workflow = ("on: push\njobs:\n"
                "  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: 90\n    steps: [{run: x}]\n"
                "  b:\n    runs-on: ubuntu-latest\n    steps: [{run: x}]\n")
    config = ("policies:\n  - id: ORG1\n    name: short-jobs\n    message: '{id} runs {timeout} minutes'\n"
              "    select: '$..jobs[?(@.timeout > 60)]'\n")
    repo = _repo(tmp_path, config, workflow)
    assert policy_findings(repo) == [("ORG1", WORKFLOW, 3, "warning")]


def test_runs_without_policies_do_not_import_jsonpath() -> None:
    script = ("import sys\nfrom pathlib import Path\nfrom cilint.linter.run import CheckRequest, run_check\n"
              f"run_check(CheckRequest(paths=[Path({str(FIXTURES / 'seeds' / 'net_auto')!r})]))\n"
              "assert 'jsonpath_ng' not in sys.modules, 'jsonpath_ng imported'\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# -- the view ------------------------------------------------------------------------------


def _views() -> list[tuple[str, dict[str, Any]]]:
    from cilint.linter.run import load_for

    folders = [*sorted((FIXTURES / "seeds").iterdir()), *sorted(EXAMPLES.glob("*/*")),
               *(FIXTURES / name for name in ("circleci", "github", "protection"))]
    folders += sorted(p for p in (FIXTURES / "rules").glob("*/*") if p.is_dir())
    out = []
    for folder in folders:
        project, _ = load_for([folder], None, [])
        out.append((str(folder.relative_to(FIXTURES)), json.loads(json.dumps(project_view(project)))))
        out.append((f"{folder.relative_to(FIXTURES)} (collapsed)",
                    json.loads(json.dumps(project_view(project, collapse=True)))))
    return out


def test_view_matches_its_schema() -> None:
    import jsonschema

    schema = json.loads((ROOT / "docs" / "model.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for name, view in _views():
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(view)]
        assert errors == [], (name, errors[:5])


def test_graph_json_is_the_view() -> None:
    _, out = run("graph", "--format", "json", str(EXAMPLES / "deploy-from-main" / "quiet"))
    view = json.loads(out)
    assert view["version"] == 1
    [workflow] = view["pipelines"][0]["workflows"]
    jobs = {job["key"]: job for job in workflow["jobs"]}
    deploy = jobs["deploy"]
    assert deploy["qualified"] == ".github/workflows/deploy.yml:Deploy/deploy"
    assert deploy["span"] == {"path": ".github/workflows/deploy.yml", "line": 15, "column": 3,
                              "end_line": 15, "end_column": 9}
    assert deploy["needs"] == ["test"] and deploy["environment"] == "production"
    assert deploy["timeout"] == "15" and deploy["concurrency"] == "production"
    assert deploy["deploy"]["production"] is True
    assert [t["event"] for t in deploy["triggers"]] == ["push", "schedule"]  # the `if:` drops pull_request
    assert deploy["gates"][0]["kind"] == "environment" and deploy["gates"][0]["protected"] is None
    assert ["test", "deploy"] in workflow["edges"]
    assert deploy["steps"][1]["commands"][0]["argv"][:2] == ["flyctl", "deploy"]


@pytest.mark.parametrize(("ref", "parts"), [
    ("postgres:16.4", ("docker.io", "library/postgres", "16.4", None)),
    ("cimg/elixir:1.17.3-node", ("docker.io", "cimg/elixir", "1.17.3-node", None)),
    ("ghcr.io/acme/app:1.2@sha256:" + "a" * 64, ("ghcr.io", "acme/app", "1.2", "sha256:" + "a" * 64)),
    ("localhost:5000/app", ("localhost:5000", "app", None, None)),
    ("registry.acme.dev/team/app", ("registry.acme.dev", "team/app", None, None)),
])
def test_image_parts(ref: str, parts: tuple[str, str, str | None, str | None]) -> None:
    assert ImageRef.parse(ref).docker_parts() == parts


@pytest.mark.parametrize("written", [
    "$..images[?(@.kind != 'machine' && @.resolved == true)]",
    "$..images[?(@.kind != 'machine' & @.resolved == true)]",  # jsonpath-ng before 1.13; deprecated after
])
def test_filters_join_conditions_with_either_and(written: str) -> None:
    """`&&` (as documented) and `&` (as older policies write it) select the same, on every
    jsonpath-ng the dependency allows, and a `&` inside a quoted string stays as written."""
    from cilint.linter.policies import _parser, as_installed_parser_reads

    data = {"images": [{"kind": "docker", "resolved": True}, {"kind": "machine", "resolved": True},
                       {"kind": "docker", "resolved": False}]}
    found = [match.value for match in _parser().parse(as_installed_parser_reads(written)).find(data)]
    assert found == [{"kind": "docker", "resolved": True}]
    assert as_installed_parser_reads("$[?(@.a == 'x & y' && @.b =~ \"&&\")]").count("'x & y'") == 1
    assert "\"&&\"" in as_installed_parser_reads("$[?(@.a == 'x & y' & @.b =~ \"&&\")]")
