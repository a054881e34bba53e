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
        f"{CI}:41:3: warning CIL101 [warnings-as-errors] `mix compile` without --warnings-as-errors",
        f"{CI}:41:3: note CIL104 [secret-handling] a note",
        f"{WF}:20:3: error CIL106 [required-checks] problem at 20",
        "1 error, 1 warning, 1 note in 2 files (1 suppressed)",
    ]
    assert rendered("concise") == rendered("text")


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
    assert list(document) == ["files", "findings", "summary", "suppressed", "version"]
    # `findings` is what counts toward the exit code; the suppressed finding is listed apart
    assert [(f["rule_id"], f["line"]) for f in document["findings"]] == [
        ("CIL101", 41), ("CIL104", 41), ("CIL106", 20)]
    assert document["summary"] == {"error": 1, "warning": 1, "note": 1,
                                   "by_rule": {"required-checks": 1, "secret-handling": 1,
                                               "warnings-as-errors": 1}}
    [first] = document["suppressed"]
    assert document["version"] == 1
    assert document["files"] == [{"path": CI, "platform": "circleci"}, {"path": WF, "platform": "github"}]
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
    assert "related" in keys and "suppressed" not in keys
    assert [set(item) - {"related"} for item in document["findings"]] == [set(first) - {"suppressed"}] * 3
    assert document["findings"][2]["related"][1] == {
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


# -- full text, statistics, escaping --------------------------------------------------------

SOURCE = "jobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: mix compile\n"


def full(findings: list[Finding], files: list[SourceFile] | None = None, **options: Any) -> str:
    return render("full", findings, files or [SourceFile(CI, "circleci", SOURCE)], RULES, [], "1", **options)


def test_full_marks_the_span_under_the_source_line() -> None:
    item = finding(CI, 5, message="compile", job=f"{CI}:ci/test")
    item.span = Span(CI, 5, 14, 5, 25)
    assert full([item]).splitlines() == [
        f"{CI}:5:14: warning CIL101 [warnings-as-errors] compile",
        "  |",
        "5 |       - run: mix compile",
        "  |              ^^^^^^^^^^^",
        f"  = job: {CI}:ci/test",
        "",
        "0 errors, 1 warning, 0 notes in 1 file",
    ]


def test_full_labels_related_locations_in_line_order_and_other_files() -> None:
    item = finding(CI, 5, related=[(Span(CI, 2, 3, 2, 7), "the job"), (Span(WF, 1, 1, 1, 4), "elsewhere"),
                                   (Span("protection.json", 3, 1, 3, 2), "required here")])
    item.span = Span(CI, 5, 14, 5, 25)
    files = [SourceFile(CI, "circleci", SOURCE), SourceFile(WF, "github", "on: push\n")]
    assert full([item], files, quiet=True).splitlines() == [
        f"{CI}:5:14: warning CIL101 [warnings-as-errors] problem at 5",
        "  |",
        "2 |   test:",
        "  |   ---- the job",
        "...",
        "5 |       - run: mix compile",
        "  |              ^^^^^^^^^^^",
        f"  ::: {WF}",
        "  |",
        "1 | on: push",
        "  | --- elsewhere",
        "  = protection.json:3:1: required here",  # a file without source: a note
    ]


def test_full_windows_wide_lines_and_marks_multi_line_spans_to_the_line_end() -> None:
    wide = "      - run: " + "x" * 200 + " SECRET " + "y" * 200
    item = finding(CI, 1)
    item.span = Span(CI, 1, 215, 1, 221)
    lines = full([item], [SourceFile(CI, "circleci", wide + "\n")], quiet=True).splitlines()
    assert lines[2].startswith("1 | ...") and lines[2].endswith("...") and "SECRET" in lines[2]
    assert len(lines[2]) <= report.SNIPPET_WIDTH + 10
    assert lines[3].index("^") == lines[2].index("SECRET") and lines[3].count("^") == 6
    item.span = Span(CI, 2, 3, 4, 10)
    lines = full([item], quiet=True).splitlines()
    assert lines[2:4] == ["2 |   test:", "  |   ^^^^^"]


def test_full_aligns_marks_after_tabs_wide_characters_and_escapes() -> None:
    source = "a\tb: 漢字 \x1b[2J ok\n"
    item = finding(CI, 1)
    item.span = Span(CI, 1, source.index("ok") + 1, 1, source.index("ok") + 3)
    lines = full([item], [SourceFile(CI, "circleci", source)], quiet=True).splitlines()
    assert lines[2] == "1 | a    b: 漢字 \\x1b[2J ok"
    # 漢字 take two columns each on a terminal: the carets stand under `ok` as displayed
    assert lines[3] == "  | " + " " * (len("a    b: ") + 4 + len(" \\x1b[2J ")) + "^^"


def test_full_without_source_is_the_concise_line() -> None:
    item = finding(WF, 3)
    assert full([item], quiet=True) == f"{WF}:3:3: warning CIL101 [warnings-as-errors] problem at 3\n"


def test_control_characters_are_escaped_in_text() -> None:
    odd = finding("a\x1b]0;title\x07.yml", 1, message="bad \x1b[31mred\x9b\u202eevil\r\nnext\tx",
                  job="j\x00")
    concise = rendered("text", [odd], quiet=True)
    assert concise == ("a\\x1b]0;title\\x07.yml:1:3: warning CIL101 [warnings-as-errors] "
                       "bad \\x1b[31mred\\x9b\\u202eevil\\r\\nnext\\tx\n")
    assert report._safe("plain 漢字 ünïcode 😀") == "plain 漢字 ünïcode 😀"
    coloured = full([odd], [], color=True)
    assert "\x07" not in coloured and "\x9b" not in coloured and "\u202e" not in coloured and "\x00" not in coloured


def test_statistics_count_per_rule_most_frequent_first() -> None:
    many = [finding(CI, line) for line in range(1, 4)] + [finding(WF, 9, "CIL104", "error"),
                                                          finding(WF, 10, "CIL104", "note")]
    assert rendered("text", many, statistics=True).splitlines() == [
        "3  CIL101  warnings-as-errors  (3 warnings)",
        "2  CIL104  secret-handling     (1 error, 1 note)",
        "1 error, 3 warnings, 1 note in 2 files",
    ]
    assert rendered("full", many, statistics=True, quiet=True) == rendered("text", many, statistics=True,
                                                                           quiet=True)
    assert rendered("text", [], statistics=True) == "No findings in 2 files\n"
    with pytest.raises(ValueError, match="statistics"):
        rendered("json", many, statistics=True)


def test_many_findings_are_summed_up_by_rule() -> None:
    assert report.MANY_FINDINGS == 10
    few = [finding(CI, line) for line in range(1, 10)]
    assert "By rule:" not in rendered("text", few)
    many = [*few, finding(WF, 1, "CIL106", "error")]
    lines = rendered("text", many).splitlines()
    assert len(lines) == 10 + 5
    assert lines[-5:] == [
        "",
        "By rule:",
        "  9  CIL101  warnings-as-errors  (9 warnings)",
        "  1  CIL106  required-checks     (1 error)",
        "1 error, 9 warnings, 0 notes in 2 files",
    ]
    assert "By rule:" not in rendered("text", many, quiet=True)
