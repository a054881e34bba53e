"""Adopting cilint as a user would, from the command line: annotations, configuration, inline
suppressions, baselines, code scanning (SARIF and the workflow in docs/code-scanning.md), the
graph and the inventory. The repository under test is fixtures/ecosystem/shop, copied so that
each test can add a configuration or edit a pipeline."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cilint.linter import report
from helpers import cli

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "fixtures" / "ecosystem" / "shop"
SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"

WF = ".github/workflows/ci.yml"
CCI = ".circleci/config.yml"


run = cli


def check_json(repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = run("check", "--format", "json", *args, str(repo))
    return code, json.loads(out)


def where(data: dict[str, Any], active_only: bool = True) -> list[tuple[str, int, str, str]]:
    """(path, line, rule id, level) of the findings, the suppressed ones (listed apart) left out
    unless asked for."""
    assert not [f for f in data["findings"] if "suppressed" in f]  # `findings` is what counts
    listed = data["findings"] if active_only else sorted(
        [*data["findings"], *data["suppressed"]], key=lambda f: (f["path"], f["line"], f["column"], f["rule_id"]))
    return [(f["path"], f["line"], f["rule_id"], f["level"]) for f in listed]


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A copy of the shop repository, a repository root of its own (`.git`), so that neither
    the configuration search nor the root detection leaves it."""
    repo = tmp_path / "shop"
    shutil.copytree(SHOP, repo)
    (repo / ".git").mkdir()
    return repo


SHOP_FINDINGS = [
    (CCI, 4, "CIL107", "warning"),
    (CCI, 15, "CIL102", "error"),
    (CCI, 27, "CIL105", "error"),
    (CCI, 29, "CIL109", "warning"),  # deploy context `prod-deploy` on a job of any branch
    (WF, 1, "CIL109", "warning"),  # no top-level `permissions:`
    (WF, 11, "CIL102", "warning"),
    (WF, 14, "CIL107", "warning"),
    (WF, 17, "CIL105", "note"),
    (WF, 17, "CIL105", "error"),
]


def test_the_shop_as_it_is(shop: Path) -> None:
    code, data = check_json(shop)
    assert code == 1
    assert where(data) == SHOP_FINDINGS


# -- GitHub annotations ------------------------------------------------------------------------


def test_github_annotations_from_the_command_line(shop: Path) -> None:
    code, out, _ = run("check", "--format", "github", str(shop))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == len(SHOP_FINDINGS)
    assert lines[1].startswith(
        "::error file=.circleci/config.yml,line=15,col=16,endLine=15,endColumn=33,"
        "title=CIL102 pinned-images::image `cimg/base:current` uses the moving tag `current`")
    commands = [line.split(" ", 1)[0] for line in lines]
    assert commands == ["::warning", "::error", "::error", "::warning", "::warning", "::warning", "::warning",
                        "::notice", "::error"]
    # every line: the command, where (as the runner reads it), the rule as the title, the message
    command = re.compile(r"::\w+ file=[^:,]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,"
                         r"title=CIL\d{3} [\w-]+::\S")
    assert all(command.match(line) for line in lines)
    assert run("check", "--format", "github", "--exit-zero", str(shop))[0] == 0


# -- configuration -------------------------------------------------------------------------------


def configure(repo: Path, text: str) -> None:
    (repo / ".cilint.yml").write_text(text)


def test_config_select_and_ignore(shop: Path) -> None:
    configure(shop, "select: [CIL102]\n")
    assert {f[2] for f in where(check_json(shop)[1])} == {"CIL102"}
    # the command line's --select replaces the file's
    assert {f[2] for f in where(check_json(shop, "--select", "CIL105")[1])} == {"CIL105"}
    configure(shop, "ignore: [pinned-images, CIL105]\n")
    assert {f[2] for f in where(check_json(shop)[1])} == {"CIL107", "CIL109"}
    # --ignore adds to the file's
    assert where(check_json(shop, "--ignore", "CIL107,CIL109")[1]) == []


def test_config_rule_level_and_options(shop: Path) -> None:
    configure(shop, "rules:\n  pinned-actions: {level: error}\n  CIL105: off\n")
    data = check_json(shop)[1]
    assert [(f[1], f[3]) for f in where(data) if f[2] == "CIL107"] == [(4, "error"), (14, "error")]
    assert "CIL105" not in {f[2] for f in where(data)}
    configure(shop, "rules:\n  pinned-actions: {allow_tags_for: [docker]}\n"
                    "  pinned-images: {require: digest}\n")
    found = where(check_json(shop)[1])
    assert (WF, 14, "CIL107", "warning") not in found  # docker/ tags are now trusted
    assert (CCI, 9, "CIL102", "error") in found  # cimg/node:20.11.1 has no digest


def test_config_per_path_ignores(shop: Path) -> None:
    configure(shop, 'per_path_ignores:\n  ".circleci/**": [ALL]\n  "*.yml": [CIL107]\n')
    assert where(check_json(shop)[1]) == [f for f in SHOP_FINDINGS if f[0] == WF and f[2] != "CIL107"]


def test_config_protected_environments(shop: Path) -> None:
    configure(shop, "protected_environments: [production]\n")
    found = where(check_json(shop)[1])
    assert (WF, 17, "CIL105", "note") not in found  # the environment's reviewers are now known
    _, graph, _ = run("graph", str(shop))
    assert "environment: production (protected)" in graph


def test_config_contexts(shop: Path) -> None:
    configure(shop, "contexts:\n  prod-deploy: [AWS_ACCESS_KEY_ID]\n")
    found = check_json(shop)[1]["findings"]
    [secret] = [f for f in found if f["rule_id"] == "CIL104"]
    assert (secret["path"], secret["line"]) == (CCI, 27)
    assert "$HELM_TOKEN" in secret["message"] and "prod-deploy" in secret["message"]
    configure(shop, "contexts:\n  prod-deploy: [HELM_TOKEN]\n")
    assert "CIL104" not in {f[2] for f in where(check_json(shop)[1])}
    _, out, _ = run("inventory", str(shop))
    assert re.search(r"HELM_TOKEN +context `prod-deploy` +release/deploy", out)


def test_config_protection(shop: Path) -> None:
    configure(shop, "protection:\n  main: [test, lint]\n")
    found = check_json(shop)[1]["findings"]
    required = [(f["path"], f["line"], f["level"]) for f in found if f["rule_id"] == "CIL106"]
    # `lint` is required but reported by no job; CircleCI's `build` looks like a gate nobody requires
    assert required == [(".cilint.yml", 2, "error"), (CCI, 23, "note")]


def test_config_deploy_recognition(shop: Path) -> None:
    workflow = shop / WF
    workflow.write_text(workflow.read_text().replace("npm ci && npm test", "npm ci && ./ship.sh"))
    def deploys() -> list[tuple[str, str, bool]]:
        data = json.loads(run("inventory", "--format", "json", str(shop))[1])
        return [(d["job"], d["target"], d["production"]) for p in data["pipelines"] for d in p["deploys"]]

    assert (f"{WF}:CI/test", "test", False) not in deploys()
    configure(shop, "deploy:\n  commands: [ship.sh]\n")  # the program's name, without its folder
    assert (f"{WF}:CI/test", "test", False) in deploys()  # a deploy, to what the job's name says
    assert (WF, 9, "CIL105", "error") not in where(check_json(shop)[1])
    configure(shop, "deploy:\n  commands: [ship.sh]\n  non_production: staging\n")
    assert (f"{WF}:CI/test", "production", True) in deploys()
    assert (WF, 9, "CIL105", "error") in where(check_json(shop)[1])


def test_config_in_pyproject(shop: Path) -> None:
    (shop / "pyproject.toml").write_text('[project]\nname = "shop"\n\n[tool.cilint]\nignore = ["CIL105"]\n')
    assert {f[2] for f in where(check_json(shop)[1])} == {"CIL102", "CIL107", "CIL109"}


@pytest.mark.parametrize(("text", "where_", "words"), [
    ("select: [CIL102]\nrules:\n  pinned-images: {requires: digest}\n", ":3", "unknown option `requires`"),
    ("select: [CIL102]\n\nprotected_environment: [prod]\n", ":3", "unknown key `protected_environment`"),
    ("deploy:\n  verbs: [ship]\n  command: [x]\n", ":3", "unknown key `command`"),
    ("rules:\n  CIL999: {level: error}\n", ":2", "unknown rule `CIL999`"),
])
def test_config_unknown_keys_are_errors_at_their_line(shop: Path, text: str, where_: str, words: str) -> None:
    configure(shop, text)
    code, out, err = run("check", str(shop))
    assert code == 2 and out == ""
    assert f".cilint.yml{where_}: " in err and words in err
    assert "Traceback" not in err


def test_config_unknown_key_in_pyproject_is_an_error_at_its_line(shop: Path) -> None:
    (shop / "pyproject.toml").write_text('[project]\nname = "shop"\n\n[tool.cilint]\nselectt = ["CIL105"]\n')
    code, _, err = run("check", str(shop))
    assert code == 2 and "pyproject.toml:5: " in err and "`selectt`" in err


def test_config_show_prints_the_effective_configuration(shop: Path) -> None:
    configure(shop, "ignore: [CIL105]\nrules:\n  pinned-images: {level: warning, require: digest}\n"
                    "protected_environments: [production]\ncontexts:\n  prod-deploy: [HELM_TOKEN]\n")
    code, out, _ = run("config", "--show", cwd=shop)
    assert code == 0
    shown = json.loads(out)
    assert shown["path"].endswith(".cilint.yml")
    assert shown["rules"]["CIL102"] == {"name": "pinned-images", "enabled": True, "level": "warning",
                                        "options": {"require": "digest"}}
    assert shown["rules"]["CIL105"]["enabled"] is False
    assert shown["protected_environments"] == ["production"]
    assert shown["contexts"] == {"prod-deploy": ["HELM_TOKEN"]}
    # the defaults, where there is no configuration
    (shop / ".cilint.yml").unlink()
    defaults = json.loads(run("config", "--show", str(shop))[1])
    assert defaults["path"] is None and defaults["rules"]["CIL003"]["level"] == "note"


# -- inline suppressions -------------------------------------------------------------------------


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_inline_suppressions(shop: Path) -> None:
    # on the finding's line, with a reason; on the line above, by rule name
    edit(shop / WF, "container: node:20\n",
         "container: node:20  # cilint: ignore[CIL102] -- node 20 LTS line\n")
    edit(shop / CCI, "      - image: cimg/base:current\n",
         "      # cilint: ignore[pinned-images]\n      - image: cimg/base:current\n")
    data = check_json(shop)[1]
    suppressed = {(f["path"], f["line"]): f["suppressed"] for f in data["suppressed"]}
    assert suppressed == {
        (WF, 11): {"kind": "inSource", "justification": "node 20 LTS line"},
        (CCI, 16): {"kind": "inSource", "justification": ""},
    }
    assert [f for f in where(data) if f[2] in ("CIL102", "CIL003")] == []
    out = run("check", str(shop))[1]
    assert "2 suppressed" in out.splitlines()[-1] and "CIL102" not in out
    sarif = json.loads(run("check", "--format", "sarif", str(shop))[1])
    kinds = [r.get("suppressions") for r in sarif["runs"][0]["results"] if r["ruleId"] == "CIL102"]
    assert kinds == [[{"kind": "inSource"}], [{"kind": "inSource", "justification": "node 20 LTS line"}]]


def test_suppressions_name_rules_in_any_case(shop: Path) -> None:
    edit(shop / WF, "    runs-on: ubuntu-latest\n    container",
         "    runs-on: ubuntu-latest  # cilint: ignore[Pinned-Images]\n    container")
    edit(shop / CCI, "      - image: cimg/base:current\n",
         "      # cilint: ignore[cil102]\n      - image: cimg/base:current\n")
    data = check_json(shop)[1]
    assert {(f["path"], f["line"]) for f in data["suppressed"]} == {(WF, 11), (CCI, 16)}
    assert [f for f in where(data) if f[2] in ("CIL102", "CIL003")] == []


def test_unused_unknown_and_malformed_suppressions_are_notes(shop: Path) -> None:
    edit(shop / WF, "    runs-on: ubuntu-latest\n    container",
         "    runs-on: ubuntu-latest  # cilint: ignore[pinned-actions, CIL102] -- wrong line\n    container")
    edit(shop / WF, "      - run: npm ci && npm test\n",
         "      - run: npm ci && npm test  # cilint: ignore[no-such-rule]\n")
    edit(shop / CCI, "      - run: npm ci\n", "      - run: npm ci  # cilint: disable CIL102\n")
    data = check_json(shop)[1]
    unused = [(f["path"], f["line"], f["column"], f["end_column"], f["level"], f["message"].split(":")[0])
              for f in data["findings"] if f["rule_id"] == "CIL003"]
    assert unused == [
        (CCI, 12, 22, 46, "note", "this `# cilint"),
        (WF, 10, 46, 60, "note", "suppression of `pinned-actions` is unused"),
        (WF, 15, 51, 63, "note", "suppression names `no-such-rule`, which is no rule"),
    ]
    # CIL102 on the line above the `container:` line was used: the image is suppressed
    assert (WF, 11, "CIL102", "warning") not in where(data)
    assert all(f["rule"] == "unused-suppression" for f in data["findings"] if f["rule_id"] == "CIL003")
    # notes do not fail the default --fail-on warning, but do fail --fail-on note
    configure(shop, "ignore: [CIL102, CIL105, CIL107, CIL109]\n")
    assert run("check", str(shop))[0] == 0
    assert run("check", "--fail-on", "note", str(shop))[0] == 1


def test_suppressions_of_rules_that_did_not_run_are_not_called_unused(shop: Path) -> None:
    edit(shop / WF, "    runs-on: ubuntu-latest\n    container",
         "    runs-on: ubuntu-latest  # cilint: ignore[pinned-actions]\n    container")
    assert "CIL003" not in {f[2] for f in where(check_json(shop, "--select", "CIL003,CIL102")[1])}
    assert "CIL003" in {f[2] for f in where(check_json(shop)[1])}
    # and the rule itself can be switched off like any other
    assert "CIL003" not in {f[2] for f in where(check_json(shop, "--ignore", "unused-suppression")[1])}


# -- baselines -----------------------------------------------------------------------------------


def test_baseline_reports_only_new_findings_and_survives_line_shifts(shop: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    code, out, _ = run("check", "--write-baseline", str(baseline), str(shop))
    assert code == 0 and "9 suppressed" in out
    recorded = json.loads(baseline.read_text())
    assert recorded["version"] == 1 and len(recorded["findings"]) == len(SHOP_FINDINGS)
    assert "line" not in recorded["findings"][0]  # no line numbers: nothing to churn

    code, out, _ = run("check", "--baseline", str(baseline), str(shop))
    assert (code, out) == (0, "No findings in 2 files (9 suppressed)\n")

    # lines inserted above every finding, and a job in front of the others: nothing is new
    for path in (shop / WF, shop / CCI):
        path.write_text("# maintained by the platform team\n\n" + path.read_text())
    edit(shop / WF, "jobs:\n",
         "jobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo lint\n\n")
    edit(shop / CCI, "jobs:\n", "jobs:\n  lint:\n    docker:\n      - image: cimg/node:20.11.1\n"
                                "    steps:\n      - run: echo lint\n")
    code, data = check_json(shop, "--baseline", str(baseline))
    assert (code, where(data)) == (0, [])
    assert len([f for f in data["suppressed"] if f["suppressed"]["kind"] == "external"]) == 9
    assert data["summary"] == {"error": 0, "warning": 0, "note": 0, "by_rule": {}}

    # a new finding is reported, alone, at its new place
    edit(shop / WF, "      - run: echo lint\n", "      - run: echo lint\n      - uses: actions/cache@main\n")
    code, data = check_json(shop, "--baseline", str(baseline))
    assert code == 1
    assert where(data) == [(WF, 15, "CIL107", "error")]


def test_baseline_in_sarif_and_fixed_findings(shop: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    run("check", "--write-baseline", str(baseline), str(shop))
    sarif = json.loads(run("check", "--format", "sarif", "--baseline", str(baseline), str(shop))[1])
    results = sarif["runs"][0]["results"]
    assert len(results) == 9
    assert all(r["suppressions"][0]["kind"] == "external" for r in results)
    # fixing one is said on standard error, and the baseline can be written anew
    edit(shop / WF, "docker/setup-buildx-action@v3",
         "docker/setup-buildx-action@c47758b77c9736f4b2ef4073d4d51994fabfe349 # v3.7.1")
    code, _, err = run("check", "--baseline", str(baseline), str(shop))
    assert code == 0 and "1 finding(s) recorded in" in err
    run("check", "--write-baseline", str(baseline), str(shop))
    assert len(json.loads(baseline.read_text())["findings"]) == 8


def test_baseline_writing_is_deterministic_and_a_bad_one_is_a_usage_error(shop: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    run("check", "--write-baseline", str(first), str(shop))
    (shop / WF).write_text("\n\n" + (shop / WF).read_text())
    run("check", "--write-baseline", str(second), str(shop))
    assert first.read_bytes() == second.read_bytes()
    (tmp_path / "bad.json").write_text('{"findings": 3}')
    for bad in (tmp_path / "bad.json", tmp_path / "missing.json"):
        code, _, err = run("check", "--baseline", str(bad), str(shop))
        assert code == 2 and err.startswith("cilint: ") and "Traceback" not in err


# -- SARIF for code scanning ---------------------------------------------------------------------


def validate(document: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(document)


def test_sarif_for_code_scanning(shop: Path) -> None:
    code, out, _ = run("check", "--format", "sarif", "--sarif-category", "cilint-shop", str(shop))
    assert code == 1
    document = json.loads(out)
    validate(document)
    [run_] = document["runs"]
    assert run_["automationDetails"] == {"id": "cilint-shop/"}
    rules = {rule["id"]: rule for rule in run_["tool"]["driver"]["rules"]}
    severities = {rule_id: rule["properties"].get("security-severity") for rule_id, rule in rules.items()}
    assert severities == {"CIL001": None, "CIL002": None, "CIL003": None, "CIL101": None, "CIL102": "6.5",
                          "CIL103": None, "CIL104": "8.0", "CIL105": "8.0", "CIL106": None, "CIL107": "7.5",
                          "CIL108": None, "CIL109": "5.0", "CIL110": "8.8", "CIL111": "9.0", "CIL112": "5.5"}
    assert all("security" in rules[r]["properties"]["tags"] for r, s in severities.items() if s)
    results = run_["results"]
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
               for r in results)
    # a deploy reachable from pull requests: the path's jobs are related locations
    [pr_deploy] = [r for r in results if r["ruleId"] == "CIL105" and r["level"] == "error"
                   and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == CCI]
    related = [loc["physicalLocation"]["region"]["startLine"] for loc in pr_deploy["relatedLocations"]]
    assert related and all(isinstance(line, int) for line in related)
    assert len({r["partialFingerprints"]["cilintFingerprint/v1"] for r in results}) == len(results)


def test_sarif_fits_the_upload_size_limit(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    full = run("check", "--format", "sarif", str(shop))[1]
    assert len(full.encode()) < report.MAX_GZIP_BYTES
    # with a limit the full file is over, related locations go first, then the least severe results
    import gzip

    monkeypatch.setattr(report, "MAX_GZIP_BYTES", len(gzip.compress(full.encode())) - 1)
    document = json.loads(run("check", "--format", "sarif", str(shop))[1])
    validate(document)
    run_ = document["runs"][0]
    assert all("relatedLocations" not in r for r in run_["results"])
    notes = run_["invocations"][0]["toolExecutionNotifications"]
    assert [n["descriptor"]["id"] for n in notes] == ["sarif-too-large"]
    # a little less, and the least severe results go too (a quarter at a time), the errors stay
    without_related = run("check", "--format", "sarif", str(shop))[1]
    limit = len(gzip.compress(without_related.encode())) - 1
    monkeypatch.setattr(report, "MAX_GZIP_BYTES", limit)
    out = run("check", "--format", "sarif", str(shop))[1]
    assert len(gzip.compress(out.encode())) <= limit
    levels = [r["level"] for r in json.loads(out)["runs"][0]["results"]]
    assert levels.count("error") == 3 and "note" not in levels and len(levels) in (5, 6)


def test_a_full_run_of_results_stays_far_below_the_upload_size() -> None:
    """25,000 results (GitHub's most per run) of realistic size, extrapolated from 2,500: about
    1 MB compressed, a tenth of the limit, so the size guard is a safety net, not the rule."""
    import gzip

    from cilint.linter.engine import all_rules
    from cilint.linter.findings import Finding
    from cilint.linter.model import Span

    rules = all_rules()
    findings = []
    for i in range(2_500):
        path = f"services/s{i % 40}/.github/workflows/w{i % 300}.yml"
        findings.append(Finding(
            f"action `some-owner/action-{i}@v{i % 7}` is pinned to the tag `v{i % 7}`, which its owner can "
            "move: pin a full 40-character commit SHA (with the version in a comment)",
            Span(path, i % 900 + 1, 9, i % 900 + 1, 40), job=f"{path}:CI/job{i % 12}",
            related=[(Span(path, 3, 3, 3, 9), "needs this")], rule_id=rules[i % len(rules)].id,
            rule=rules[i % len(rules)].name, level="warning", fingerprint=f"{i:016x}:1"))
    text = report.render("sarif", findings, [], rules, [])
    assert len(gzip.compress(text.encode())) * (report.MAX_RESULTS // 2_500) < report.MAX_GZIP_BYTES / 5


def test_github_limits_are_the_documented_ones() -> None:
    assert report.MAX_GZIP_BYTES == 10_000_000
    doc = (ROOT / "docs" / "code-scanning.md").read_text()
    for limit in ("10 MB", "25,000", "1,000", "20"):
        assert limit in doc


# -- the code-scanning workflow ------------------------------------------------------------------

_PINNED = re.compile(r"uses: ([\w./-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+$", re.M)


def _docs_workflow() -> str:
    text = (ROOT / "docs" / "code-scanning.md").read_text()
    match = re.search(r"```yaml\n(name: cilint\n.*?)```", text, re.S)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize("source", ["docs", "project"])
def test_the_code_scanning_workflow_is_pinned_and_quiet(tmp_path: Path, source: str) -> None:
    if source == "docs":
        repo = tmp_path / "repo"
        (repo / ".github" / "workflows").mkdir(parents=True)
        (repo / ".git").mkdir()
        (repo / ".github" / "workflows" / "cilint.yml").write_text(_docs_workflow())
        text, target = _docs_workflow(), repo
    else:
        text, target = (ROOT / ".github" / "workflows" / "cilint.yml").read_text(), ROOT / ".github"
    actions = dict(_PINNED.findall(text))
    assert set(actions) == {"actions/checkout", "actions/setup-python", "github/codeql-action/upload-sarif"}
    assert text.count("uses:") == 3
    assert "cilint check --format sarif" in text and "category: cilint" in text
    assert "security-events: write" in text
    code, out, _ = run("check", "--select", "ALL", "--fail-on", "note", str(target))
    assert (code, out) == (0, "No findings in 1 file\n")


def test_the_projects_workflow_is_the_documented_one() -> None:
    own = (ROOT / ".github" / "workflows" / "cilint.yml").read_text()
    for line in _docs_workflow().splitlines():
        if "uses:" in line or "category:" in line or "permissions:" in line:
            assert line in own


# -- graph -------------------------------------------------------------------------------------


def test_graph_mermaid_shows_approvals_deploys_contexts_environments(shop: Path) -> None:
    code, out, _ = run("graph", "--markdown", str(shop))
    assert code == 0
    assert out.startswith("```mermaid\nflowchart LR\n") and out.endswith("```\n")
    assert '{{"approval: hold"}}' in out
    assert '[/"deploy<br/>deploy: production<br/>context: prod-deploy"/]' in out
    assert '[/"deploy<br/>deploy: production<br/>environment: production"/]' in out
    assert 'subgraph w1[".github/workflows/ci.yml: CI (push(main), pull_request)"]' in out
    assert re.search(r"class w0_\d approval", out) and re.search(r"class w1_\d deploy", out)


def test_graph_escapes_labels_and_links_workflows(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".git").mkdir()
    (repo / ".github" / "workflows" / "ci.yml").write_text(
        'name: CI\non: push\njobs:\n  build:\n    name: build "<all>"\n    runs-on: ubuntu-latest\n'
        "    steps: [{run: make}]\n")
    (repo / ".github" / "workflows" / "after.yml").write_text(
        "name: After\non:\n  workflow_run:\n    workflows: [CI]\n    types: [completed]\n"
        "jobs:\n  report:\n    runs-on: ubuntu-latest\n    steps: [{run: echo}]\n")
    out = run("graph", str(repo))[1]
    assert '"build #quot;#lt;all#gt;#quot;"' in out and "<all>" not in out
    assert "  w1 -. workflow_run .-> w0\n" in out  # after.yml sorts first: w0 is After
    dot = run("graph", "--format", "dot", str(repo))[1]
    assert 'label="build \\"<all>\\""' in dot and "lhead=cluster_0" in dot


def test_graph_dot_and_json(shop: Path) -> None:
    dot = run("graph", "--format", "dot", str(shop))[1]
    assert dot.startswith("digraph cilint {") and dot.rstrip().endswith("}")
    assert 'label="deploy\\ndeploy: production\\ncontext: prod-deploy", shape=parallelogram' in dot
    assert "shape=hexagon" in dot
    view = json.loads(run("graph", "--format", "json", str(shop))[1])
    assert [p["path"] for p in view["pipelines"]] == [CCI, WF]
    if shutil.which("dot"):
        done = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr


# -- inventory -------------------------------------------------------------------------------


def test_inventory_text(shop: Path) -> None:
    code, out, _ = run("inventory", str(shop))
    assert code == 0
    assert out.splitlines()[0] == ".circleci/config.yml (circleci)"
    for expected in (
        r"release: +build, hold \[approval\], deploy",
        r"cimg/base:current +floating +release/deploy",
        r"cimg/node:20\.11\.1 +version +release/build",
        r"circleci/node@5 +orb +tag$",
        r"HELM_TOKEN +context `prod-deploy` \(not described in the configuration\), else project settings",
        r"release/deploy +-> production \(production\) +gates: approval `hold`",
        r"actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 +action +sha # v4\.2\.2 +"
        r"CI/deploy, CI/test",
        r"docker/setup-buildx-action@v3 +action +tag +CI/test",
        r"node:20 +partial +CI/test",
        r"FLY_API_TOKEN +environment `production`, else repository or organization secrets +CI/deploy",
        r"CI/deploy +-> production \(production\) +gates: environment `production` \(protection unknown\)",
    ):
        assert re.search(expected, out, re.M), expected


def test_inventory_json(shop: Path) -> None:
    configure(shop, "protected_environments: [production]\n")
    data = json.loads(run("inventory", "--format", "json", str(shop))[1])
    assert data["version"] == 1
    circleci, github = data["pipelines"]
    assert circleci["references"] == [{"kind": "orb", "name": "circleci/node", "version": "5", "pin": "tag",
                                       "comment": None, "jobs": [], "lines": [4]}]
    assert [(i["image"], i["pin"]) for i in circleci["images"]] == [("cimg/base:current", "floating"),
                                                                    ("cimg/node:20.11.1", "version")]
    [deploy] = github["deploys"]
    assert deploy["gates"] == [{"kind": "environment", "job": "deploy", "environment": "production",
                                "protected": True}]
    assert deploy["evidence"] and deploy["production"] is True
    assert [s["name"] for s in github["secrets"]] == ["FLY_API_TOKEN"]
    assert [j["name"] for j in github["jobs"]] == ["test", "deploy"]


# -- start-up ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "heavy"), [("text", set()), ("github", set()), ("sarif", {"sarif_om"})])
def test_check_imports_only_what_the_format_needs(fmt: str, heavy: set[str]) -> None:
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from cilint.linter.cli import main\n"
        f"CliRunner().invoke(main, ['check', '--format', '{fmt}', {str(SHOP)!r}])\n"
        "print(sorted(m for m in ('sarif_om', 'jsonschema', 'jsonpath_ng') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout.strip().replace("'", '"'))) == heavy
