"""Issue 20, crashes and hangs: input written to hurt cilint (a fork's pull request, an audit of
third-party code) must not crash it, lose other files' findings, or take super-linear time.

Each class of the issue has its reproducer here, at a few times the size the issue names, run
under a time bound (tests/bounded.py: the test fails instead of hanging, no speed is asserted);
the shell scanner and the glob translation also have property tests against the straightforward
(recursive, backtracking) readings they replaced. See docs/limits.md for the caps.
"""

from __future__ import annotations

import errno
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from bounded import within
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cilint.linter import engine, globs, shell
from cilint.linter.cli import main
from cilint.linter.findings import Finding
from cilint.linter.limits import MAX_FINGERPRINT_LINE_CHARS, MAX_VERSION_REF_CHARS
from cilint.linter.load_circleci import secrets
from cilint.linter.load_protection import _read_rules
from cilint.linter.loadutil import Source
from cilint.linter.model import Project, Reference, SourceFile, Span, Text, toml_table
from cilint.linter.yamlsrc import Pos, YMap, YSeq
from cilint.rules.pinned_actions import judge_github
from cilint.rules.warnings_as_errors.launchers import package_scripts

ROOT = Path(__file__).resolve().parents[1]
GITHUB = ".github/workflows/ci.yml"
CIRCLECI = ".circleci/config.yml"

_PLAIN_JOB = """on: push
permissions: {}
jobs:
  other:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@main
"""


def _repo(root: Path, files: dict[str, str]) -> Path:
    (root / ".git").mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def _check(*args: Any) -> tuple[int, Any, str]:
    result = CliRunner().invoke(main, ["check", "--format", "json", *map(str, args)], catch_exceptions=False)
    report = json.loads(result.stdout) if result.stdout.startswith("{") else None
    return result.exit_code, report, result.stderr


def _other_file_finding_kept(report: Any) -> None:
    assert "errors" not in report, report["errors"]
    assert any(f["path"] == ".github/workflows/other.yml" and f["rule"] == "pinned-actions"
               for f in report["findings"])


# -- crash: nested quotes and substitutions in a `run:` ----------------------------------------

_NESTED = 3000  # the issue: "a few hundred nested `"$(`" in 1.2 KB


def _nested_script(depth: int) -> str:
    return "echo " + '"$(' * depth + "make" + ')"' * depth + " && npm test"


@pytest.mark.parametrize("where", ["github", "circleci"])
def test_deeply_nested_substitutions_are_read_not_a_crash(tmp_path: Path, where: str) -> None:
    script = _nested_script(_NESTED)
    if where == "github":
        pipeline = {GITHUB: f"on: push\npermissions: {{}}\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
                            f"    steps:\n      - run: '{script}'\n"}
    else:  # (the deploy recogniser read these commands outside the per-file guard)
        pipeline = {CIRCLECI: f"version: 2.1\njobs:\n  a:\n    docker: [{{image: cimg/base:2024.01}}]\n"
                              f"    steps:\n      - run: '{script}'\nworkflows:\n  w:\n    jobs: [a]\n"}
    repo = _repo(tmp_path, {**pipeline, ".github/workflows/other.yml": _PLAIN_JOB})
    code, report, _ = within(lambda: _check(repo))
    assert code == 1
    _other_file_finding_kept(report)


def test_the_nested_script_is_split_where_bash_splits_it() -> None:
    commands = within(lambda: shell.split_script(Text(_nested_script(20000), Span("f", 1, 1, 1, 1))))
    assert [c.argv[0] for c in commands] == ["echo", "npm"]


# -- hangs: the shell lexer ------------------------------------------------------------------

_LEXER_CASES = {  # each quadratic (or worse) before, at a size that took minutes then
    "a run of blanks": '"x"' + " " * 200_000 + '"y"',
    "escaped characters": "echo " + "\\a" * 50_000 + " " * 100_000 + "\\a",  # (the blanks after one)
    "commands on one line": "a;" * 20_000,
    "heredocs": "cat " + "<<EOF " * 20_000 + "\nEOF\n",
    ">& redirections": "echo " + ">&2 " * 50_000,
    "unclosed substitutions": "echo $(" * 50_000,
    "unclosed strings in substitutions": 'echo "$(' * 50_000,
}


@pytest.mark.parametrize("script", list(_LEXER_CASES.values()), ids=list(_LEXER_CASES))
def test_the_shell_lexer_takes_linear_time(script: str) -> None:
    shell._plan.cache_clear()
    within(lambda: shell.split_script(Text(script, Span("f", 1, 1, 1, 1), body_line=1, body_column=1)))


# The scanner as it was: recursive, each construct read by its own function. The iterative one
# must find the same ends wherever the recursive one could read at all.
_OLD_DQ_STOP = re.compile(r'[\\"$`<>]')
_OLD_STOP = {"(": re.compile(r"""[\\'"()]"""), "{": re.compile(r"""[\\'"{}]""")}


def _old_double_quoted_end(s: str, i: int) -> int:
    while (stop := _OLD_DQ_STOP.search(s, i)) is not None:
        i = stop.start()
        if s[i] == "\\":
            i += 2
            continue
        if s[i] == '"':
            return i
        end = _old_expansion_end(s, i)
        i = end if end is not None else i + 1
    return len(s)


def _old_expansion_end(s: str, i: int) -> int | None:
    if s.startswith("${{", i):
        end = s.find("}}", i + 3)
        return len(s) if end < 0 else end + 2
    if s.startswith(("$(", "<(", ">("), i):
        return _old_balanced_end(s, i + 2, "(", ")") + 1
    if s.startswith("${", i):
        return _old_balanced_end(s, i + 2, "{", "}") + 1
    if s[i] == "`":
        end = s.find("`", i + 1)
        return (len(s) if end < 0 else end) + 1
    return None


def _old_balanced_end(s: str, i: int, open_: str, close: str) -> int:
    depth = 1
    while (stop := _OLD_STOP[open_].search(s, i)) is not None:
        i = stop.start()
        c = s[i]
        if c == "\\":
            i += 2
        elif c == "'":
            end = s.find("'", i + 1)
            i = (len(s) if end < 0 else end) + 1
        elif c == '"':
            i = _old_double_quoted_end(s, i + 1) + 1
        else:
            if c == open_:
                depth += 1
            elif c == close:
                depth -= 1
                if depth == 0:
                    return i
            i += 1
    return len(s)


_SHELL_PIECES = st.sampled_from(['"', "'", "$(", "${", "${{", "}}", "(", ")", "{", "}", "`", "\\", "<(",
                                 ">(", "$", "<", ">", " ", "\n", "a", "x=", ";", "&&", "|", "#", "<<E",
                                 "E", ">&", "2>&1", "\t", "$'", "<< parameters.x >>"])
_SCRIPTS = st.lists(_SHELL_PIECES, max_size=40).map("".join)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(_SCRIPTS, st.integers(min_value=0, max_value=40))
def test_the_iterative_scanner_ends_constructs_where_the_recursive_one_did(script: str, start: int) -> None:
    start = min(start, len(script))
    assert shell._double_quoted_end(script, start) == _old_double_quoted_end(script, start)
    for open_, close in (("(", ")"), ("{", "}")):
        assert shell._balanced_end(script, start, open_, close) == _old_balanced_end(script, start, open_, close)
    if start < len(script):
        assert shell._expansion_end(script, start) == _old_expansion_end(script, start)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(_SCRIPTS)
def test_any_script_splits_into_commands_placed_inside_it(script: str) -> None:
    text = Text(script, Span("f", 5, 3, 5, 3), body_line=5, body_column=3)
    lines = script.split("\n")
    for command in shell.split_script(text):
        assert command.argv and all(isinstance(word, str) for word in command.argv)
        line = command.span.line - 5
        assert 0 <= line < len(lines)
        assert 0 <= command.span.column - 3 <= command.span.end_column - 3 <= len(lines[line])


# -- hangs: globs (hashFiles, per-path-ignores, .gitignore) ----------------------------------


def _old_glob(pattern: str) -> re.Pattern[str]:
    table = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
    return re.compile("".join(table.get(p, re.escape(p)) for p in re.split(r"(\*\*/|\*\*|\*|\?)", pattern)))


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(st.lists(st.sampled_from(["*", "**", "**/", "?", "a", "b", "/", "."]), max_size=8).map("".join),
       st.lists(st.text("ab/.", max_size=10), min_size=1, max_size=5))
def test_the_linear_glob_matches_what_the_regular_expression_matched(pattern: str, paths: list[str]) -> None:
    glob, old = globs.glob_regex(pattern), _old_glob(pattern.removeprefix("./"))
    anywhere, old_anywhere = globs.gitignore_regex(pattern), re.compile("(?:.*/)?" + old.pattern)
    for path in paths:
        assert glob.fullmatch(path) == bool(old.fullmatch(path)), (pattern, path)
        if not pattern.endswith("/") and "/" not in pattern:
            assert anywhere.fullmatch(path) == bool(old_anywhere.fullmatch(path)), (pattern, path)


_LONG_NAME = "a" * 3000  # the issue: seconds at 5 repetitions, forever at 14, on "a long file name"


@pytest.mark.parametrize(("pattern", "matching"), [
    ("**a" * 40 + "b", _LONG_NAME + "b"),
    ("*a" * 40 + "b", _LONG_NAME + "b"),
    ("**/" + "*a" * 40 + "/b", "x/y/" + _LONG_NAME + "/b"),
    ("?*" * 40 + "b", _LONG_NAME + "b"),
], ids=["double-stars", "stars", "stars-in-a-folder", "questions-and-stars"])
def test_globs_with_many_wildcards_take_linear_time(pattern: str, matching: str) -> None:
    assert not within(lambda: globs.glob_regex(pattern).fullmatch(_LONG_NAME))
    assert not within(lambda: globs.gitignore_regex(pattern).fullmatch(_LONG_NAME))
    assert within(lambda: globs.glob_regex(pattern).fullmatch(matching))


def test_hashfiles_and_per_path_ignores_with_many_wildcards(tmp_path: Path) -> None:
    stars = "**a" * 30 + "b"
    repo = _repo(tmp_path, {
        GITHUB: ("on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                 "      - uses: actions/cache@v4\n        with:\n          path: ~/.npm\n"
                 f"          key: npm-${{{{ hashFiles('{stars}') }}}}\n      - run: npm ci\n"),
        ".github/workflows/other.yml": _PLAIN_JOB,
        "a" * 200 + ".txt": "",
        ".cilint.yml": f"per_path_ignores:\n  '{stars}': [CIL101]\n",
    })
    code, report, _ = within(lambda: _check(repo))
    assert code == 1
    _other_file_finding_kept(report)


# -- hangs: CircleCI `${…}` and version refs -------------------------------------------------


def test_circleci_variable_uses_are_found_in_linear_time() -> None:
    assert secrets._variables("a ${A:-$B} $C ${D") == (("A", 2, 10), ("C", 11, 13))
    assert secrets._variables("${A} ${B") == (("A", 0, 4),)
    assert secrets._variables("\\$A $$B ${C}}") == (("C", 8, 12),)
    within(lambda: secrets._variables("${A " * 100_000))
    within(lambda: secrets._variables("${A " * 100_000 + "}"))


def test_long_version_refs_are_judged_in_linear_time() -> None:
    def judged(version: str) -> Any:
        text = Text(f"actions/checkout@{version}", Span("f", 1, 1, 1, 1))
        return judge_github(Reference("action", "actions/checkout", version, text), [])

    assert judged("v4.1.1").level == "warning"
    assert judged("a-" + "1." * 100 + "1").level == "warning"  # within the cap: read as a tag
    for hostile in ["1." * 20_000 + "!", "a-1.1" * 10_000 + "!", "1." * 20_000 + "1"]:
        verdict = within(lambda hostile=hostile: judged(hostile))  # type: ignore[misc]
        assert verdict is not None and verdict.level == "error"  # over the cap: a moving ref, saying so
        assert f"longer than any version tag cilint reads ({MAX_VERSION_REF_CHARS})" in verdict.problem
    assert len("1." * 20_000 + "1") > MAX_VERSION_REF_CHARS


# -- hangs: rulesets -------------------------------------------------------------------------


def _rule(context: str) -> YMap:
    """A `required_status_checks` rule, as the loader reads it from JSON."""
    check, checks, parameters, rule = YMap(_AT), YSeq(_AT), YMap(_AT), YMap(_AT)
    check["context"] = context
    checks.append(check)
    checks.item_pos = [_AT]
    parameters["required_status_checks"] = checks
    rule["type"], rule["parameters"] = "required_status_checks", parameters
    return rule


_AT = Pos(1, 1, 1, 1)


@pytest.mark.parametrize("count", [pytest.param(40_000, marks=pytest.mark.slow), 2_000])
def test_many_ruleset_checks_are_merged_in_linear_time(count: int) -> None:
    """`GET /repos/.../rules/branches/<b>`: every ruleset's rules in one list, their checks merged
    (each compared with all those before it, before: a minute for 40,000)."""
    rules = [(_rule(f"check-{i}"), _AT) for i in range(count)] + [(_rule("check-1"), _AT)]
    read = within(lambda: _read_rules(Source("rules.json", [], []), rules))
    assert [check.context for check in read.checks] == [f"check-{i}" for i in range(count)]


def test_findings_on_one_long_line_are_fingerprinted_in_linear_time(tmp_path: Path) -> None:
    """A branch-rules JSON file is one line holding every check: one finding per check."""
    line = json.dumps([{"context": f"check-{i}"} for i in range(100_000)])
    assert len(line) > MAX_FINGERPRINT_LINE_CHARS
    project = Project(root=tmp_path)
    project.files.append(SourceFile("rules.json", "protection", line + "\n"))
    findings = [Finding(f"check-{i} is never reported", Span("rules.json", 1, 10 * i + 1, 1, 10 * i + 5))
                for i in range(20_000)]
    for finding in findings:
        finding.rule_id = "CIL106"
    within(lambda: engine.fingerprint(project, findings))
    assert len({f.fingerprint for f in findings}) == len(findings)


def test_a_short_lines_fingerprint_is_what_it_always_was(tmp_path: Path) -> None:
    project = Project(root=tmp_path)
    project.files.append(SourceFile("ci.yml", "github", "jobs:\n  uses: actions/checkout@main  \n"))
    finding = Finding("message 12", Span("ci.yml", 2, 3, 2, 30))
    finding.rule_id = "CIL102"
    engine.fingerprint(project, [finding])
    import hashlib

    basis = "\0".join(("CIL102", "ci.yml", "", "message #", "uses: actions/checkout@main"))
    assert finding.fingerprint == hashlib.sha256(basis.encode()).hexdigest()[:16] + ":1"


# -- crash: deep package.json, Cargo.toml, [tool.cilint] -------------------------------------


def test_deep_documents_read_as_unreadable() -> None:
    assert within(lambda: package_scripts('{"scripts": {"lint": "x"}, "a": ' + "[" * 100_000)) is None
    assert within(lambda: toml_table("a = " + "[" * 100_000 + "]" * 100_000)) == {}
    assert package_scripts('{"scripts": {"lint": "eslint ."}}') == {"lint": "eslint ."}


@pytest.mark.parametrize("deep", ["package.json", "Cargo.toml"])
def test_a_deep_manifest_costs_warnings_as_errors_nothing_elsewhere(tmp_path: Path, deep: str) -> None:
    nested = ('{"scripts": {"lint": "eslint ."}, "x": ' + "[" * 50_000 + "]" * 50_000 + "}"
              if deep == "package.json" else "[package]\nname = 'a'\nx = " + "[" * 50_000 + "]" * 50_000 + "\n")
    repo = _repo(tmp_path, {
        GITHUB: ("on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                 "      - uses: actions/checkout@v4\n      - run: npm run lint\n      - run: cargo clippy\n"),
        ".github/workflows/other.yml": _PLAIN_JOB + "      - run: cargo clippy\n",
        deep: nested,
    })
    code, report, _ = within(lambda: _check(repo))
    assert code == 1
    _other_file_finding_kept(report)
    assert any(f["rule"] == "warnings-as-errors" and f["path"] == ".github/workflows/other.yml"
               for f in report["findings"])


@pytest.mark.parametrize("table", ["x = " + "[" * 5000 + "]" * 5000, "a." * 5000 + "b = 1"],
                         ids=["arrays", "dotted-keys"])
def test_a_deep_tool_cilint_table_is_a_configuration_error(tmp_path: Path, table: str) -> None:
    repo = _repo(tmp_path, {".github/workflows/other.yml": _PLAIN_JOB,
                            "pyproject.toml": f"[tool.cilint]\n{table}\n"})
    code, _, stderr = within(lambda: _check(repo))
    assert code == 2
    assert "pyproject.toml: the configuration nests deeper than cilint reads" in stderr


# -- crash: writing the report ---------------------------------------------------------------


def test_a_failed_write_to_standard_output_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path, {".github/workflows/other.yml": _PLAIN_JOB})
    echo = click.echo

    def full(message: Any = None, *args: Any, err: bool = False, **kwargs: Any) -> None:
        if not err:
            raise OSError(errno.ENOSPC, "No space left on device")
        echo(message, *args, err=err, **kwargs)

    monkeypatch.setattr(click, "echo", full)
    for command in (["check"], ["graph"], ["inventory"]):
        result = CliRunner().invoke(main, [*command, str(repo)], catch_exceptions=False)
        assert result.exit_code == 2, command
        assert result.stderr == "cilint: cannot write to standard output: No space left on device\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [[], pytest.param(["-o", "/dev/full"], marks=pytest.mark.slow),
                                  pytest.param(["--format", "sarif"], marks=pytest.mark.slow)])
def test_a_full_disk_is_exit_2_with_a_message_in_a_real_process(tmp_path: Path, args: list[str]) -> None:
    repo = _repo(tmp_path, {".github/workflows/other.yml": _PLAIN_JOB})
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "cilint", "check", str(repo), *args], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("cilint: cannot write") and "No space left on device" in done.stderr
    assert "Traceback" not in done.stderr


# -- hangs: a policy's regular expressions and JSONPaths -------------------------------------

_JOBS = "".join(f"  {'j' * 40}{i}:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
                f"      - run: echo {'a' * 3000}\n" for i in range(30))
_POLICY = 'policies:\n  - id: ACME001\n    name: hostile\n    level: error\n    message: "x"\n'


@pytest.mark.parametrize("policy", [
    '    select: "$.pipelines[*].workflows[*].jobs[*]"\n    match: {id: "^(j+)+$"}\n',  # exponential
    '    select: "$..steps[*]"\n    not_match: {run: ".*.*.*x"}\n',  # polynomial, in `re.search`
    '    select: "$..[*]..[*]..[*]..[*]..[*]..[*]"\n',  # each `..` multiplies what the last found
    '    select: "$..steps[?(@.run =~ \'(a|aa)+b$\')]"\n',  # in a filter
], ids=["nested-quantifiers", "search-with-stars", "descendant-chains", "filter-regex"])
def test_a_policy_that_would_run_for_hours_is_stopped_and_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                policy: str) -> None:
    from cilint.linter import policies

    monkeypatch.setattr(policies, "MAX_POLICY_CPU_SECONDS", 0.2)  # (10 s in use)
    repo = _repo(tmp_path, {GITHUB: f"on: push\npermissions: {{}}\njobs:\n{_JOBS}",
                            ".github/workflows/other.yml": _PLAIN_JOB,
                            ".cilint.yml": _POLICY + policy})
    code, report, _ = within(lambda: _check(repo))
    assert code == 2
    assert [e["rule"] for e in report["errors"]] == ["hostile"]
    assert re.match(r"RuntimeError: policy ACME001 \(.*\.cilint\.yml:2\): stopped after 0\.2 s of CPU time "
                    r"\(the limit of one policy\)", report["errors"][0]["message"])
    assert any(f["path"] == ".github/workflows/other.yml" and f["rule"] == "pinned-actions"
               for f in report["findings"])


def test_the_budget_leaves_a_quick_policy_alone(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {GITHUB: f"on: push\npermissions: {{}}\njobs:\n{_JOBS}",
                            ".cilint.yml": _POLICY + '    select: "$.pipelines[*].workflows[*].jobs[*]"\n'
                                                     '    match: {id: "^j+[0-9]+$"}\n'})
    code, report, _ = within(lambda: _check(repo))
    assert code == 0
    assert "errors" not in report
    assert not [f for f in report["findings"] if f["rule"] == "hostile"]


# -- hangs: `${{`, `{{`, `<<` with no closing --------------------------------------------------


def test_unclosed_templates_are_read_in_linear_time(tmp_path: Path) -> None:
    """Each unclosed `${{` (`{{`, `<<`) made its pattern scan to the end of the text (two minutes
    for this repository)."""
    unclosed = "${{ " * 25_000
    key = "{{ " * 20_000 + "<< " * 20_000 + ">>"
    repo = _repo(tmp_path, {
        GITHUB: ("on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
                 f"    env:\n      X: '{unclosed}'\n    steps:\n      - uses: actions/cache@v4\n        with:\n"
                 f"          path: x\n          key: '{unclosed}'\n      - run: |\n          echo {unclosed}\n"),
        CIRCLECI: ("version: 2.1\njobs:\n  a:\n    docker: [{image: cimg/base:2024.01}]\n    steps:\n"
                   f"      - restore_cache:\n          key: '{key}'\n      - run: echo '{'<< ' * 20_000}'\n"
                   f"workflows:\n  w:\n    when: '{'<< ' * 20_000}'\n    jobs: [a]\n"),
        ".github/workflows/other.yml": _PLAIN_JOB,
    })
    code, report, _ = within(lambda: _check(repo))
    assert code == 1
    _other_file_finding_kept(report)


_TEMPLATE_PIECES = st.lists(st.sampled_from(["${{", "}}", "{{", "<<", ">>", "$", "{", "}", "<", ">", "a", " ",
                                             "\n"]), max_size=30).map("".join)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(_TEMPLATE_PIECES)
def test_template_scanning_finds_what_the_patterns_found(text: str) -> None:
    from cilint.linter.github_expr import EXPRESSION
    from cilint.linter.load_circleci.cache_keys import _TEMPLATE
    from cilint.linter.loadutil import TemplatePattern, templates_of_kinds

    def spans(matches: Any) -> list[tuple[int, int, tuple[Any, ...]]]:
        return [(m.start(), m.end(), m.groups()) for m in matches]

    for linear in (EXPRESSION, TemplatePattern(r"<<.*?>>", ">>")):
        plain = re.compile(linear.pattern, re.S)
        assert spans(linear.finditer(text)) == spans(plain.finditer(text))
        assert (linear.search(text) is None) == (plain.search(text) is None)
        assert linear.sub("*", text) == plain.sub("*", text)
        assert linear.sub(lambda m: m.group(0)[::-1], text) == plain.sub(lambda m: m.group(0)[::-1], text)
    kinds = (("{{", "}}"), ("<<", ">>"))
    assert spans(templates_of_kinds(_TEMPLATE, text, kinds)) == spans(_TEMPLATE.finditer(text))


def test_an_error_outside_the_guards_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the nested `"$(` did before (a traceback and exit 1): CONTRACT.md's internal error."""
    from cilint.linter import deploy

    def overflowing(*args: Any) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(deploy, "annotate_deploys", overflowing)
    repo = _repo(tmp_path, {".github/workflows/other.yml": _PLAIN_JOB})
    result = CliRunner().invoke(main, ["check", str(repo)])
    assert result.exit_code == 2
    assert result.stderr == ("cilint: internal error: RecursionError: maximum recursion depth exceeded "
                             "(--debug shows where)\n")
    debugged = CliRunner().invoke(main, ["check", "--debug", str(repo)])
    assert isinstance(debugged.exception, RecursionError)
