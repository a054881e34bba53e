"""Reporters: text, JSON, SARIF (checked against the official schema) and GitHub annotations."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from cilint.linter import report
from cilint.linter.engine import InternalError, Rule
from cilint.linter.findings import Finding
from cilint.linter.model import SourceFile, Span
from cilint.linter.report import render

SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
CI = ".circleci/config.yml"
WF = ".github/workflows/ci.yml"


def _rule(rule_id: str, name: str, level: str, **extra: Any) -> Rule:
    return Rule(
        id=rule_id,
        name=name,
        level=level,
        summary=f"{name} summary",
        doc=f"What {name} checks.\n\nWhy it matters.\n\n```yaml\nrun: x\n```",
        options={},
        check=lambda project, options: iter(()),
        **extra,
    )


RULES = [
    _rule("CIL101", "warnings-as-errors", "warning", tags=("quality",)),
    _rule("CIL104", "secret-handling", "error", tags=("secrets",), security_severity="8.5"),
    _rule("CIL106", "required-checks", "error", precision="medium"),
]
FILES = [SourceFile(WF, "github"), SourceFile(CI, "circleci")]


def finding(path: str, line: int, rule_id: str = "CIL101", level: str = "warning", **extra: Any) -> Finding:
    names = {rule.id: rule.name for rule in RULES}
    defaults: dict[str, Any] = {"message": f"problem at {line}", "fingerprint": f"fp{line}"}
    defaults.update(extra)
    return Finding(
        span=Span(path, line, 3, line, 12), rule_id=rule_id, rule=names[rule_id], level=level, **defaults
    )


def sample() -> list[Finding]:
    return [
        finding(
            WF,
            20,
            "CIL106",
            "error",
            job=f"{WF}:ci/test",
            related=[(Span(WF, 5, 1, 5, 9), "reported here"), (Span(CI, 2, 1, 2, 4), "and here")],
        ),
        finding(CI, 41, job=f"{CI}:ci/lint", message="`mix compile` without --warnings-as-errors"),
        finding(CI, 7, "CIL104", "error", suppressed="inSource", justification="test key"),
        finding(CI, 41, "CIL104", "note", message="a note"),
    ]


def rendered(
    fmt: str, findings: list[Finding] | None = None, errors: list[InternalError] | None = None, **options: Any
) -> str:
    return render(
        fmt, sample() if findings is None else findings, FILES, RULES, errors or [], "0.1.0", **options
    )


# -- text --------------------------------------------------------------------------------


def test_text_lines_and_summary() -> None:
    lines = rendered("text").splitlines()
    assert lines == [
        f"{CI}:41:3: warning CIL101[warnings-as-errors] `mix compile` without --warnings-as-errors"
        f" ({CI}:ci/lint)",
        f"{CI}:41:3: note CIL104[secret-handling] a note",
        f"{WF}:20:3: error CIL106[required-checks] problem at 20 ({WF}:ci/test)",
        "1 error, 1 warning, 1 note in 2 files (1 suppressed)",
    ]


def test_text_no_findings_and_no_colour_unless_asked() -> None:
    assert rendered("text", []) == "No findings in 2 files\n"
    assert "\x1b[" not in rendered("text")
    coloured = rendered("text", color=True)
    assert "\x1b[31merror\x1b[0m" in coloured and "\x1b[33mwarning\x1b[0m" in coloured


def test_text_reports_internal_errors() -> None:
    text = rendered("text", [], [InternalError("required-checks", "<project>", "KeyError: 'x'")])
    assert "internal error in rule required-checks" in text


def test_level_falls_back_to_the_rule() -> None:
    item = finding(CI, 1, "CIL104")
    item.level = None
    assert " error CIL104" in rendered("text", [item])


# -- json --------------------------------------------------------------------------------


def test_json_matches_the_contract() -> None:
    document = json.loads(rendered("json"))
    assert list(document) == ["files", "findings", "version"]
    assert document["version"] == 1
    assert document["files"] == [{"path": CI, "platform": "circleci"}, {"path": WF, "platform": "github"}]
    first = document["findings"][0]
    assert first == {
        "rule_id": "CIL104",
        "rule": "secret-handling",
        "level": "error",
        "path": CI,
        "line": 7,
        "column": 3,
        "end_line": 7,
        "end_column": 12,
        "job": None,
        "message": "problem at 7",
        "fingerprint": "fp7",
        "suppressed": {"kind": "inSource", "justification": "test key"},
    }
    keys = {key for item in document["findings"] for key in item}
    assert "related" in keys
    assert [set(item) - {"related", "suppressed"} for item in document["findings"]] == [
        set(first) - {"suppressed"}
    ] * 4
    assert document["findings"][3]["related"][1] == {
        "path": CI,
        "line": 2,
        "column": 1,
        "end_line": 2,
        "end_column": 4,
        "message": "and here",
    }


def test_json_order_and_bytes_are_deterministic() -> None:
    shuffled = sample()
    random.Random(7).shuffle(shuffled)
    once, again = rendered("json"), rendered("json", shuffled)
    assert once == again
    assert once.encode() == rendered("json").encode()
    order = [(f["path"], f["line"], f["column"], f["rule_id"]) for f in json.loads(once)["findings"]]
    assert order == sorted(order)


def test_json_errors_only_when_there_are_some() -> None:
    assert "errors" not in json.loads(rendered("json"))
    document = json.loads(rendered("json", errors=[InternalError("x", "a.yml", "boom")]))
    assert document["errors"] == [{"rule": "x", "path": "a.yml", "message": "boom"}]


# -- sarif -------------------------------------------------------------------------------


def validate(document: dict[str, Any]) -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(document)


def test_sarif_is_valid_and_complete() -> None:
    document = json.loads(rendered("sarif"))
    validate(document)
    assert list(document)[:2] == ["$schema", "version"] and document["version"] == "2.1.0"
    [run] = document["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["informationUri"]) == (
        "cilint",
        "0.1.0",
        "https://github.com/cilint/cilint",
    )
    assert [r["id"] for r in driver["rules"]] == ["CIL101", "CIL104", "CIL106"]
    secret = driver["rules"][1]
    assert secret["name"] == "secret-handling"
    assert secret["shortDescription"]["text"] == "secret-handling summary"
    assert secret["fullDescription"]["text"] == "What secret-handling checks."
    assert secret["help"]["markdown"].startswith("What secret-handling") and secret["help"]["text"]
    assert secret["helpUri"].startswith("https://github.com/cilint/cilint")
    assert secret["defaultConfiguration"] == {"level": "error"}
    assert secret["properties"] == {
        "tags": ["secrets", "security"],
        "precision": "high",
        "security-severity": "8.5",
    }
    assert "security-severity" not in driver["rules"][0]["properties"]
    assert driver["rules"][2]["properties"]["precision"] == "medium"
    assert run["automationDetails"] == {"id": "cilint/"}
    assert "%SRCROOT%" in run["originalUriBaseIds"]
    assert [a["location"]["uri"] for a in run["artifacts"]] == [CI, WF]
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_sarif_results() -> None:
    results = json.loads(rendered("sarif"))["runs"][0]["results"]
    assert [(r["ruleId"], r["ruleIndex"], r["level"]) for r in results] == [
        ("CIL104", 1, "error"),
        ("CIL101", 0, "warning"),
        ("CIL104", 1, "note"),
        ("CIL106", 2, "error"),
    ]
    suppressed, warning, _note, required = results
    assert suppressed["suppressions"] == [{"kind": "inSource", "justification": "test key"}]
    assert "suppressions" not in warning
    assert warning["message"] == {"text": "`mix compile` without --warnings-as-errors"}
    [location] = warning["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": CI, "uriBaseId": "%SRCROOT%", "index": 0},
        "region": {"startLine": 41, "startColumn": 3, "endLine": 41, "endColumn": 12},
    }
    assert warning["partialFingerprints"] == {"cilintFingerprint/v1": "fp41"}
    related = required["relatedLocations"]
    assert [(r["id"], r["message"]["text"]) for r in related] == [(1, "reported here"), (2, "and here")]
    assert related[1]["physicalLocation"]["artifactLocation"]["uri"] == CI


def test_sarif_root_and_escaped_uris(tmp_path: Path) -> None:
    spaced = finding("docs/my file.yml", 1)
    run = json.loads(render("sarif", [spaced], FILES, RULES, [], "1", root=tmp_path))["runs"][0]
    validate({"version": "2.1.0", "runs": [run]})
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    assert (
        run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "docs/my%20file.yml"
    )


def test_sarif_internal_errors_mark_the_run_failed() -> None:
    document = json.loads(rendered("sarif", errors=[InternalError("required-checks", "<project>", "boom")]))
    validate(document)
    invocation = document["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "boom" in note["message"]["text"]
    assert note["descriptor"] == {"id": "internal-error"}


def test_sarif_empty_run_keeps_results_and_rules() -> None:
    document = json.loads(render("sarif", [], [], [], [], "1"))
    validate(document)
    run = document["runs"][0]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []


def test_sarif_truncates_to_github_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "MAX_RESULTS", 2)
    monkeypatch.setattr(report, "MAX_LOCATIONS", 1)
    document = json.loads(rendered("sarif"))
    validate(document)
    run = document["runs"][0]
    # the two errors survive, the warning and the note go
    assert [(r["ruleId"], r["level"]) for r in run["results"]] == [("CIL104", "error"), ("CIL106", "error")]
    assert len(run["results"][1]["relatedLocations"]) == 1
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert {n["descriptor"]["id"] for n in notes} == {"results-truncated", "related-locations-truncated"}
    assert run["invocations"][0]["executionSuccessful"] is True


def test_sarif_is_deterministic() -> None:
    shuffled = sample()
    random.Random(3).shuffle(shuffled)
    assert rendered("sarif") == rendered("sarif", shuffled)


def test_github_code_scanning_limits_are_the_documented_ones() -> None:
    assert (report.MAX_RESULTS, report.MAX_RULES, report.MAX_LOCATIONS, report.MAX_TAGS) == (
        25_000,
        25_000,
        1_000,
        20,
    )


# -- github ------------------------------------------------------------------------------


def test_github_workflow_commands() -> None:
    lines = rendered("github").splitlines()
    assert lines == [
        f"::warning file={CI},line=41,col=3,endLine=41,endColumn=12,title=CIL101 warnings-as-errors::"
        f"`mix compile` without --warnings-as-errors ({CI}:ci/lint)",
        f"::notice file={CI},line=41,col=3,endLine=41,endColumn=12,title=CIL104 secret-handling::a note",
        f"::error file={WF},line=20,col=3,endLine=20,endColumn=12,title=CIL106 required-checks::"
        f"problem at 20 ({WF}:ci/test)",
    ]  # the suppressed finding is not annotated


def test_github_escaping() -> None:
    odd = finding("a,b:c.yml", 1, message="100% sure\r\nsecond line")
    [line] = rendered("github", [odd]).splitlines()
    assert line == (
        "::warning file=a%2Cb%3Ac.yml,line=1,col=3,endLine=1,endColumn=12,"
        "title=CIL101 warnings-as-errors::100%25 sure%0D%0Asecond line"
    )


def test_github_internal_error() -> None:
    out = rendered("github", [], [InternalError("x", "p.yml", "boom")])
    assert out == "::error title=cilint internal error::rule x (p.yml): boom\n"


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        rendered("xml")


def test_quiet_text_has_no_summary_and_version_defaults_to_cilint() -> None:
    from cilint import __version__

    quiet = render("text", sample(), FILES, RULES, [], quiet=True)
    assert quiet.splitlines() == rendered("text").splitlines()[:-1]
    assert render("text", [], FILES, RULES, [], quiet=True) == ""
    driver = json.loads(render("sarif", [], FILES, RULES, []))["runs"][0]["tool"]["driver"]
    assert driver["version"] == __version__
