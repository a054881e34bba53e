"""The command line as users run it: commands, formats, exit codes (CONTRACT.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import cli

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


def run(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    code, out, err = cli(*args, cwd=cwd)
    return code, out + err


def test_rules_lists_every_rule_with_id_name_level() -> None:
    code, out = run("rules")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "CIL001", "CIL002", "CIL003", "CIL101", "CIL102", "CIL103", "CIL104", "CIL105", "CIL106", "CIL107", "CIL108",
        "CIL109", "CIL110", "CIL111", "CIL112"]
    assert lines[0].split()[1:3] == ["parse-error", "error"]


@pytest.mark.parametrize("key", ["CIL105", "approval-before-deploy"])
def test_explain_by_id_or_name(key: str) -> None:
    code, out = run("explain", key)
    assert code == 0
    assert out.startswith("CIL105 approval-before-deploy (default level: error; also reports note findings)")
    assert "example" in out.lower()


def test_explain_unknown_rule_is_usage_error() -> None:
    code, _ = run("explain", "CIL999")
    assert code == 2


def test_every_rule_documents_a_failing_and_a_passing_example() -> None:
    from cilint.linter.engine import all_rules

    for rule in all_rules():
        doc = rule.doc.lower()
        assert "fail" in doc and "pass" in doc, rule.id
        assert "fix" in doc, rule.id


def test_check_clean_tree_exits_zero(tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n"
        "permissions:\n  contents: read\n")
    code, out = run("check", str(tmp_path))
    assert code == 0
    assert "No findings" in out


def test_check_findings_exit_one_and_fail_on(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: docker/login-action@v3\npermissions:\n  contents: read\n")
    code, out = run("check", str(tmp_path))
    assert code == 1  # a tag-pinned action is a warning; --fail-on defaults to warning
    assert ".github/workflows/ci.yml:6:" in out and "CIL107" in out
    assert run("check", "--fail-on", "error", str(tmp_path))[0] == 0
    assert run("check", "--exit-zero", str(tmp_path))[0] == 0
    assert run("check", "--ignore", "pinned-actions", str(tmp_path))[0] == 0
    assert run("check", "--select", "CIL001", str(tmp_path))[0] == 0


def test_parse_error_is_a_finding_and_other_files_still_checked() -> None:
    code, out = run("check", "--format", "json", str(FIXTURES / "github" / "broken"))
    assert code == 1
    data = json.loads(out)
    rules = {(f["path"], f["rule"]) for f in data["findings"]}
    assert (".github/workflows/tabs.yml", "parse-error") in rules
    assert (".github/workflows/needs.yml", "invalid-reference") in rules
    assert {f["path"] for f in data["files"]} >= {".github/workflows/needs.yml", ".github/workflows/tabs.yml"}


def test_json_output_is_the_contract_and_deterministic() -> None:
    target = str(FIXTURES / "seeds" / "autogit")
    first = run("check", "--format", "json", target)[1]
    second = run("check", "--format", "json", target)[1]
    assert first == second
    data = json.loads(first)
    assert data["version"] == 1
    finding = data["findings"][0]
    assert set(finding) >= {"rule_id", "rule", "level", "path", "line", "column", "end_line", "end_column",
                            "job", "message", "fingerprint"}
    keys = [(f["path"], f["line"], f["column"], f["rule_id"]) for f in data["findings"]]
    assert keys == sorted(keys)


def test_sarif_output_is_valid(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    out_file = tmp_path / "out.sarif"
    code, _ = run("check", "--format", "sarif", "-o", str(out_file), str(FIXTURES / "seeds" / "autogit"))
    assert code == 1
    sarif = json.loads(out_file.read_text())
    jsonschema.validate(sarif, schema)
    result = sarif["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"


def test_github_annotations() -> None:
    code, out = run("check", "--format", "github", str(FIXTURES / "seeds" / "autogit"))
    assert code == 1
    assert any(line.startswith("::error file=.github/workflows/ci.yml,line=") for line in out.splitlines())


def test_missing_path_and_bad_config_are_usage_errors(tmp_path: Path) -> None:
    assert run("check", str(tmp_path / "nope"))[0] == 2
    bad = tmp_path / ".cilint.yml"
    bad.write_text("selectt: [CIL101]\n")
    code, out = run("check", "--config", str(bad), str(tmp_path))
    assert code == 2
    assert "selectt" in out and ":1" in out


def test_single_files_as_pre_commit_passes_them() -> None:
    base = FIXTURES / "github" / "basic" / ".github" / "workflows" / "ci.yml"
    code, out = run("check", "--format", "json", str(base))
    data = json.loads(out)
    assert [f["path"] for f in data["files"]] == [".github/workflows/ci.yml"]
    assert code in (0, 1)


def test_protection_file_alone_does_not_crash() -> None:
    target = FIXTURES / "seeds" / "autogit" / "protection" / "main.json"
    code, _ = run("check", str(target))
    assert code in (0, 1)


def test_graph_circleci_shows_workflows_approvals_and_requires() -> None:
    code, out = run("graph", str(FIXTURES / "circleci" / "basic.yml"))
    assert code == 0
    assert out.startswith("flowchart LR")
    assert "subgraph" in out and "release" in out
    assert '{{"approval: hold"}}' in out
    assert "-->" in out
    dot = run("graph", "--format", "dot", str(FIXTURES / "circleci" / "basic.yml"))[1]
    assert dot.startswith("digraph cilint {") and "shape=hexagon" in dot
    view = json.loads(run("graph", "--format", "json", str(FIXTURES / "circleci" / "basic.yml"))[1])
    workflow = view["pipelines"][0]["workflows"][0]
    assert workflow["name"] == "release"
    kinds = {job["key"]: job["kind"] for job in workflow["jobs"]}
    assert kinds["hold"] == "approval"
    assert ["hold", "package"] in workflow["edges"]


def test_console_script_runs_as_a_process() -> None:
    done = subprocess.run([sys.executable, "-m", "cilint", "check", "--format", "json",
                           str(FIXTURES / "seeds" / "net_auto")], capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    json.loads(done.stdout)
