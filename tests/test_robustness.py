"""Bad and hostile input: cilint never crashes, never hangs, and never loses a finding because
another file was bad. Each unusable file is one `parse-error` naming the file and line.

Bounds are asserted through the loader's own limits (the message says which limit stopped it),
never through timings: a machine under load must not fail these tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cilint.linter import engine, loadutil, yamlsrc
from cilint.linter.cli import main
from cilint.linter.engine import Rule
from cilint.linter.findings import Finding
from cilint.linter.model import Project

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
GITHUB = ".github/workflows/ci.yml"
CIRCLECI = ".circleci/config.yml"


def make_repo(root: Path, files: dict[str, str | bytes]) -> Path:
    """A repository (with `.git`) holding `files` (path -> text or bytes)."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def check(*args: Any, fmt: str = "json") -> tuple[int, Any]:
    """`cilint check --format <fmt> ARGS` in-process: exit code and the parsed JSON (or text)."""
    result = CliRunner().invoke(main, ["check", "--format", fmt, *map(str, args)], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout) if fmt == "json" else result.stdout


def parse_errors(report: Any) -> list[tuple[str, int, str]]:
    return [(f["path"], f["line"], f["message"]) for f in report["findings"] if f["rule"] == "parse-error"]


def only_parse_error(report: Any, path: str) -> tuple[int, str]:
    """The line and message of the one finding of `path`, which must be a parse-error."""
    found = [f for f in report["findings"] if f["path"] == path]
    assert [f["rule"] for f in found] == ["parse-error"], found
    assert "errors" not in report, report["errors"]
    return found[0]["line"], found[0]["message"]


# -- the hostile fixture repository ----------------------------------------------------------

HOSTILE = {  # path -> (line, what the message says)
    ".circleci/commands.yml": (4, "more than 100,000 job runs, steps and dependencies"),
    ".github/workflows/binary.yml": (5, "control character U+0000"),
    ".github/workflows/comment-only.yml": (1, "the file is empty"),
    ".github/workflows/complex-key.yml": (5, "a mapping key must be a string, not a list"),
    ".github/workflows/documents.yml": (101, "more than 100 YAML documents"),
    ".github/workflows/dup.yml": (6, "duplicate key `runs-on` (first at line 4)"),
    ".github/workflows/empty.yml": (1, "the file is empty"),
    ".github/workflows/laughs.yml": (8, "more than 250,000 nodes (aliases of aliases"),
    ".github/workflows/list.yml": (1, "must be a mapping of keys, not a list"),
    ".github/workflows/scalar.yml": (1, "must be a mapping of keys, not a string"),
    ".github/workflows/tabs.yml": (4, "(a tab: YAML indents with spaces)"),
    ".github/workflows/undecodable.yml": (4, "not valid UTF-8 (byte 0xff)"),
}


def test_hostile_fixtures_are_each_one_parse_error_and_the_rest_is_checked() -> None:
    code, report = check(FIXTURES / "hostile")
    assert code == 1
    assert "errors" not in report
    assert {(p, line) for p, line, _ in parse_errors(report)} == {(p, v[0]) for p, v in HOSTILE.items()}
    for path, _, message in parse_errors(report):
        assert HOSTILE[path][1] in message, (path, message)
    # The valid files beside them are loaded and checked: a finding on one, none on the other
    # (whose anchor, defined twice, is the node image when the job reads it).
    rules = {(f["path"], f["rule"]) for f in report["findings"]}
    assert (".github/workflows/ok.yml", "warnings-as-errors") in rules
    platforms = {f["path"]: f["platform"] for f in report["files"]}
    assert platforms[".circleci/config.yml"] == "circleci"
    assert platforms[".github/workflows/big-number.yml"] == "github"  # 5,000 digits: a crash once
    assert not [f for f in report["findings"] if f["path"] == ".circleci/config.yml"]


def test_a_redefined_anchor_means_its_latest_definition() -> None:
    text = (FIXTURES / "hostile" / ".circleci" / "config.yml").read_text()
    root = yamlsrc.load(text)[0].root
    assert root["jobs"]["test"]["docker"] == [{"image": "cimg/node:20.11.1"}]


# -- alias bombs in every position a rule may walk -------------------------------------------

# kind -> (levels, how many of the last level *top holds: within the limits, over them)
SIZES = {"list": (4, 9, 18), "map": (4, 2, 4), "step": (4, 3, 6), "text": (3, 3, 4)}


def laughs(kind: str, top: int, levels: int, fanout: int = 10) -> str:
    """`x-laughs:` defining &b0..&b<levels>, each `fanout` aliases of the one before, and &top,
    `top` aliases of the last. The definitions stay within the limits; a use of *top adds as
    much again, so the "over" size goes over them exactly where *top is used."""
    first = {"list": '"lol"', "map": "{a: lol}", "step": "{run: make build}", "text": "'" + "x" * 1000 + "'"}
    lines = ["x-laughs:", f"  - &b0 {first[kind]}"]
    for i in range(1, levels + 1):
        if kind == "map":
            lines.append(f"  - &b{i} {{" + ", ".join(f"k{j}: *b{i - 1}" for j in range(fanout)) + "}")
        else:
            lines.append(f"  - &b{i} [" + ", ".join([f"*b{i - 1}"] * fanout) + "]")
    if kind == "map":
        lines.append("  - &top {" + ", ".join(f"t{j}: *b{levels}" for j in range(top)) + "}")
    else:
        lines.append("  - &top [" + ", ".join([f"*b{levels}"] * top) + "]")
    return "\n".join(lines) + "\n"


_JOB = "  build:\n    runs-on: ubuntu-latest\n"
_CCI_JOB = "  build:\n    docker: [{image: 'cimg/base:2024.01'}]\n"
_CCI_WF = "workflows:\n  w:\n    jobs: [build]\n"
# (platform, position) -> (kind of bomb, a document using *top once, on the line marked `# here`)
POSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("github", "mapping value"): ("map", "on: push\njobs:\n" + _JOB + "    steps:\n"
                                  "      - uses: actions/cache@v4\n        with: *top  # here\n"),
    ("github", "list item"): ("list", "on: push\njobs:\n  build:\n    runs-on: [self-hosted, *top]  # here\n"
                              "    steps: [{run: make}]\n"),
    ("github", "key"): ("list", "on: push\njobs:\n" + _JOB + "    steps: [{run: make}]\n    outputs:\n"
                        "      ? *top  # here\n      : x\n"),
    ("github", "merge"): ("map", "on: push\njobs:\n  build:\n    <<: *top  # here\n    runs-on: x\n"
                          "    steps: [{run: make}]\n"),
    ("github", "workflow env"): ("map", "on: push\nenv: *top  # here\njobs:\n" + _JOB
                                 + "    steps: [{run: make}, {run: make test}]\n"),
    ("github", "step env"): ("map", "on: push\njobs:\n" + _JOB + "    steps:\n      - run: make\n"
                             "        env: *top  # here\n"),
    ("github", "steps"): ("step", "on: push\njobs:\n" + _JOB + "    steps: *top  # here\n"),
    ("github", "step list item"): ("step", "on: push\njobs:\n" + _JOB
                                   + "    steps: [{run: a}, *top]  # here\n"),
    ("github", "matrix values"): ("list", "on: push\njobs:\n" + _JOB + "    strategy:\n      matrix:\n"
                                  "        os: [a, b, *top]  # here\n        v: [1, 2]\n"
                                  "    steps: [{run: 'echo ${{ matrix.os }}'}]\n"),
    ("github", "matrix include"): ("map", "on: push\njobs:\n" + _JOB + "    strategy:\n      matrix:\n"
                                   "        os: [a, b]\n        include: [{os: a, x: *top}]  # here\n"
                                   "    steps: [{run: 'echo ${{ matrix.x }}'}]\n"),
    ("github", "triggers"): ("list", "on:\n  push:\n    branches: *top  # here\njobs:\n" + _JOB
                             + "    steps: [{run: make}]\n"),
    ("github", "needs"): ("list", "on: push\njobs:\n" + _JOB
                          + "    needs: *top  # here\n    steps: [{run: make}]\n"),
    ("github", "long text"): ("text", "on: push\njobs:\n" + _JOB + "    steps:\n      - run: make\n"
                              "        with: {a: *top}  # here\n"),
    ("circleci", "pipeline parameters"): ("map", "version: 2.1\nparameters: *top  # here\njobs:\n" + _CCI_JOB
                                          + "    steps: [checkout]\n" + _CCI_WF),
    ("circleci", "job parameters"): ("list", "version: 2.1\njobs:\n" + _CCI_JOB + "    parameters:\n"
                                     "      p: {type: enum, default: x, enum: *top}  # here\n"
                                     "    steps: [{run: 'echo << parameters.p >>'}]\n" + _CCI_WF),
    ("circleci", "parameter value"): ("step", "version: 2.1\njobs:\n" + _CCI_JOB + "    parameters:\n"
                                      "      s: {type: steps, default: []}\n"
                                      "    steps: [checkout, << parameters.s >>]\n"
                                      "workflows:\n  w:\n    jobs:\n      - build:\n"
                                      "          s: *top  # here\n"),
    ("circleci", "steps"): ("step", "version: 2.1\njobs:\n" + _CCI_JOB + "    steps: *top  # here\n"
                            + _CCI_WF),
    ("circleci", "environment"): ("map", "version: 2.1\njobs:\n" + _CCI_JOB
                                  + "    environment: *top  # here\n"
                                  "    steps: [checkout, {run: make}]\n" + _CCI_WF),
    ("circleci", "matrix values"): ("list", "version: 2.1\njobs:\n" + _CCI_JOB
                                    + "    parameters: {v: {type: string}}\n    steps: [checkout]\n"
                                    "workflows:\n  w:\n    jobs:\n      - build:\n          matrix:\n"
                                    "            parameters:\n              v: [a, *top]  # here\n"),
    ("circleci", "requires"): ("list", "version: 2.1\njobs:\n" + _CCI_JOB + "    steps: [checkout]\n"
                               "workflows:\n  w:\n    jobs:\n      - build:\n"
                               "          requires: *top  # here\n"),
    ("circleci", "merge"): ("map", "version: 2.1\njobs:\n  build:\n    <<: *top  # here\n"
                            "    docker: [{image: 'cimg/base:2024.01'}]\n    steps: [checkout]\n" + _CCI_WF),
    ("circleci", "commands"): ("map", "version: 2.1\ncommands: *top  # here\njobs:\n" + _CCI_JOB
                               + "    steps: [checkout, k0]\n" + _CCI_WF),
}


def _bomb(position: tuple[str, str], over: bool) -> tuple[str, str, int]:
    kind, document = POSITIONS[position]
    levels, within, beyond = SIZES[kind]
    text = laughs(kind, beyond if over else within, levels) + document
    here = next(n for n, line in enumerate(text.splitlines(), 1) if "# here" in line)
    return (GITHUB if position[0] == "github" else CIRCLECI), text, here


@pytest.mark.parametrize("position", POSITIONS, ids=[f"{p}-{w}" for p, w in POSITIONS])
def test_an_alias_bomb_is_refused_where_it_goes_over_the_limit(tmp_path: Path,
                                                                position: tuple[str, str]) -> None:
    path, text, here = _bomb(position, over=True)
    code, report = check(make_repo(tmp_path, {path: text}))
    assert code == 1
    line, message = only_parse_error(report, path)
    assert line == here
    assert "aliases of aliases" in message or "a long value aliased many times" in message


@pytest.mark.parametrize("position", POSITIONS, ids=[f"{p}-{w}" for p, w in POSITIONS])
def test_an_alias_bomb_within_the_limits_is_checked(tmp_path: Path, position: tuple[str, str]) -> None:
    """Just under the limits (a few hundred thousand nodes, millions of characters): loaded,
    every rule run on it, without an internal error."""
    path, text, here = _bomb(position, over=False)
    code, report = check(make_repo(tmp_path, {path: text}))
    if position == ("github", "key"):  # a list as a key has no string form: refused as such
        assert only_parse_error(report, path) == (here, "a mapping key must be a string, not a list")
        return
    assert "errors" not in report, report.get("errors")
    assert code in (0, 1)
    assert report["files"] == [{"path": path, "platform": position[0]}]


# -- depth, size, bytes, shapes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("flow", "on: " + "[" * 20_000 + "]" * 20_000 + "\n", 1),
        ("block sequences", "on: push\njobs:\n  x:\n    steps:\n      " + "- " * 20_000 + "x\n", 5),
        ("block mappings", "on: push\njobs:\n" + "".join(" " * (2 * i) + f"k{i}:\n" for i in range(1, 2_000)),
         202),
    ],
    ids=["flow", "block sequences", "block mappings"],
)
def test_20000_deep_nesting_is_refused_at_the_depth_limit(tmp_path: Path, name: str, text: str,
                                                           line: int) -> None:
    code, report = check(make_repo(tmp_path, {GITHUB: text}))
    assert code == 1
    found_line, message = only_parse_error(report, GITHUB)
    assert (found_line, message) == (line, f"nesting deeper than {yamlsrc.MAX_DEPTH} levels")


def test_libyamls_own_depth_limit_reads_as_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    """Newer libyaml (PyYAML 6.0.4 wheels) stops deep flow nesting itself, before our limit."""
    import yaml

    def refuse(*args: Any) -> None:
        raise yaml.MarkedYAMLError("while increasing flow level", None, "exceeded maximum nesting depth",
                                   yaml.Mark("x", 4000, 0, 4000, None, None))

    monkeypatch.setattr(yamlsrc, "_compose", refuse)
    with pytest.raises(yamlsrc.YamlError) as raised:
        yamlsrc.load("on: [[[]]]\n")
    assert str(raised.value).startswith(f"nesting deeper than {yamlsrc.MAX_DEPTH} levels")
    assert raised.value.pos.line == 1


def test_a_50_mb_file_is_refused_by_its_size_without_being_read(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, {".github/workflows/ok.yml": WORKFLOW})
    with open(repo / GITHUB, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB of NULs without writing them
    reads: list[int] = []
    real_read = os.read

    def counting_read(fd: int, n: int) -> bytes:
        reads.append(n)
        return real_read(fd, n)

    monkeypatch.setattr(os, "read", counting_read)  # what a buffered read of the file would call
    code, report = check(repo)
    assert code == 1
    assert only_parse_error(report, GITHUB) == (1, "the file is 50.0 MB, over the 4.0 MB limit; not read")
    assert sum(reads) < yamlsrc.MAX_FILE_BYTES  # the other file's bytes only
    assert {f["path"] for f in report["files"]} == {GITHUB, ".github/workflows/ok.yml"}


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        (b"on: push\njobs:\n  b: {runs-on: \"\xc3\x28\"}\n", 3, "not valid UTF-8 (byte 0xc3)"),
        (b"\xff\xfeo\x00n\x00:\x00 \x00\xff\xdf\n\x00", 1, "not valid UTF-16"),
        (b"on: push\n\x1b[31mjobs: {}\n", 2, "control character U+001B"),
        (b"on: push\njobs:\n  b:\n    runs-on: x\n\tsteps: []\n", 5, "a tab: YAML indents with spaces"),
        (b"on: [push\njobs: {}\n", 2, "YAML syntax error"),
    ],
)
def test_undecodable_and_malformed_bytes(tmp_path: Path, data: bytes, line: int, message: str) -> None:
    code, report = check(make_repo(tmp_path, {GITHUB: data}))
    assert code == 1
    found_line, found = only_parse_error(report, GITHUB)
    assert found_line == line and message in found


def test_utf16_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    text = "on: push\njobs:\n  b:\n    runs-on: x\n    steps: [{run: cargo build}]\npermissions: {}\n"
    code, report = check(make_repo(tmp_path, {GITHUB: b"\xff\xfe" + text.encode("utf-16-le")}))
    assert code == 1
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("warnings-as-errors", 5)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- on: push\n- jobs: {}\n", "the file must be a mapping of keys, not a list"),
        ("on\n", "the file must be a mapping of keys, not a string"),
        ("42\n", "the file must be a mapping of keys, not a number"),
        ("", "the file is empty"),
        ("---\n...\n", "the file is empty"),
        ("# only\n# comments\n", "the file is empty"),
    ],
)
@pytest.mark.parametrize("path", [GITHUB, CIRCLECI, ".github/actions/setup/action.yml"])
def test_a_pipeline_that_is_not_a_mapping(tmp_path: Path, path: str, text: str, message: str) -> None:
    code, report = check(make_repo(tmp_path, {path: text}))
    assert code == 1
    assert only_parse_error(report, path) == (1, message)


def test_keys_stay_strings_and_complex_keys_are_refused(tmp_path: Path) -> None:
    # `on` is the boolean true of YAML 1.1 (PyYAML's default), a string for GitHub; `1:` is a key.
    ok = "on: push\njobs:\n  1:\n    runs-on: x\n    steps: [{run: cargo build}]\npermissions: {}\n"
    flow = "on: push\njobs: {build: {runs-on: x, steps: [{run: make}]}, {a: b}: c}\n"
    code, report = check(make_repo(tmp_path, {GITHUB: ok, ".github/workflows/flow.yml": flow}))
    assert code == 1
    assert [(f["rule"], f["line"], f["job"]) for f in report["findings"] if f["path"] == GITHUB] == [
        ("warnings-as-errors", 5, f"{GITHUB}:{GITHUB}/1")]
    assert only_parse_error(report, ".github/workflows/flow.yml") == (
        2, "a mapping key must be a string, not a mapping")


def test_duplicate_keys_are_reported_and_the_file_still_checked(tmp_path: Path) -> None:
    text = "on: push\njobs:\n  b:\n    runs-on: x\n    steps: [{run: make}]\n  b:\n    runs-on: y\n" \
           "    steps: [{run: cargo build}]\npermissions: {}\n"
    code, report = check(make_repo(tmp_path, {GITHUB: text}))
    assert code == 1
    found = [(f["rule"], f["line"]) for f in report["findings"]]
    assert found == [("parse-error", 6), ("warnings-as-errors", 8)]
    assert "duplicate key `b` (first at line 3)" in report["findings"][0]["message"]


def test_a_huge_integer_is_text_not_a_crash() -> None:
    # Python refuses int() of more than 4,300 digits (a ValueError escaped the composer once).
    assert yamlsrc.load("a: " + "9" * 5000)[0].root["a"] == "9" * 5000
    assert yamlsrc.load("a: " + "9" * 4300)[0].root["a"] == int("9" * 4300)


def test_multiple_documents_are_bounded() -> None:
    assert len(yamlsrc.load("--- 1\n" * 100)) == 100
    with pytest.raises(yamlsrc.YamlError, match="more than 100 YAML documents") as caught:
        yamlsrc.load("--- 1\n" * 10_000)
    assert caught.value.pos.line == 101


def test_a_large_plain_file_is_refused_by_node_count_not_called_a_bomb() -> None:
    with pytest.raises(yamlsrc.YamlError, match=r"more than 250,000 nodes \(too large to check\)"):
        yamlsrc.load("[" + "1," * 300_000 + "]")


# -- amplification: matrices, commands, calls -------------------------------------------------


def test_commands_calling_commands_are_bounded_by_the_model_limit(tmp_path: Path) -> None:
    commands = "".join(f"  c{i}: {{steps: [" + ", ".join([f"c{i - 1}"] * 10) + "]}\n" for i in range(1, 6))
    text = ("version: 2.1\ncommands:\n  c0: {steps: [{run: make}]}\n" + commands + "jobs:\n"
            + "".join(f"  j{i}: {{docker: [{{image: 'cimg/base:2024.01'}}], steps: [c5]}}\n"
                      for i in range(10))
            + "workflows:\n  w:\n    jobs: [" + ", ".join(f"j{i}" for i in range(10)) + "]\n")
    code, report = check(make_repo(tmp_path, {CIRCLECI: text}))
    assert code == 1
    _line, message = only_parse_error(report, CIRCLECI)
    assert f"more than {loadutil.MAX_MODEL_ITEMS:,} job runs, steps and dependencies" in message


def test_matrices_requiring_matrices_are_bounded_by_the_model_limit(tmp_path: Path) -> None:
    values = "[" + ", ".join(map(str, range(44))) + "]"  # 44 x 44 = 1,936 legs each
    entries = "".join(
        f"      - j:\n          name: j{i}-<< matrix.a >>-<< matrix.b >>\n"
        f"          matrix: {{alias: m{i}, parameters: {{a: {values}, b: {values}}}}}\n"
        + (f"          requires: [m{i - 1}]\n" if i else "")
        for i in range(3)
    )
    text = ("version: 2.1\njobs:\n  j:\n    parameters: {a: {type: integer}, b: {type: integer}}\n"
            "    docker: [{image: 'cimg/base:2024.01'}]\n    steps: [checkout]\n"
            "workflows:\n  w:\n    jobs:\n" + entries)
    code, report = check(make_repo(tmp_path, {CIRCLECI: text}))
    assert code == 1
    line, message = only_parse_error(report, CIRCLECI)
    assert line == 16 and "more than 100,000 job runs, steps and dependencies" in message


def test_scripts_copied_into_every_matrix_leg_are_bounded(tmp_path: Path) -> None:
    script = "".join(f"          npm run build{i} -- --prod && cargo build --release\n" for i in range(200))
    text = ("version: 2.1\njobs:\n  build:\n    parameters: {a: {type: string}, b: {type: string}}\n"
            "    docker: [{image: 'cimg/base:2024.01'}]\n    steps:\n      - run: |\n" + script
            + "workflows:\n  w:\n    jobs:\n      - build:\n          matrix:\n            parameters:\n"
            "              a: [" + ",".join(map(str, range(40))) + "]\n"
            "              b: [" + ",".join(map(str, range(50))) + "]\n")
    code, report = check(make_repo(tmp_path, {CIRCLECI: text}))
    assert code == 1
    line, message = only_parse_error(report, CIRCLECI)
    assert line == 7 and f"more than {loadutil.MAX_MODEL_SCRIPT_CHARS:,} characters" in message


def test_github_matrices_needing_matrices_are_bounded(tmp_path: Path) -> None:
    legs = "    strategy: {matrix: {a: [" + ",".join(map(str, range(16))) + "], b: [" \
           + ",".join(map(str, range(16))) + "]}}\n"
    jobs = "".join(f"  j{i}:\n    runs-on: x\n" + (f"    needs: j{i - 1}\n" if i else "") + legs
                   + "    steps: [{run: make}]\n" for i in range(4))
    code, report = check(make_repo(tmp_path, {GITHUB: "on: push\njobs:\n" + jobs}))
    assert code == 1
    _line, message = only_parse_error(report, GITHUB)
    assert "more than 100,000 job runs, steps and dependencies" in message


def test_a_workflow_over_githubs_size_limit_is_reported_and_checked(tmp_path: Path) -> None:
    padding = "# " + "x" * 98 + "\n"
    text = "on: push\njobs:\n  b:\n    runs-on: x\n    steps: [{run: cargo build}]\npermissions: {}\n" + padding * 5200
    code, report = check(make_repo(tmp_path, {GITHUB: text}))
    assert code == 1
    found = [(f["rule"], f["line"]) for f in report["findings"]]
    assert found == [("parse-error", 1), ("warnings-as-errors", 5)]
    message = report["findings"][0]["message"]
    assert "GitHub does not start runs of workflow files over 512,000 bytes" in message


# -- the file system: links, pipes, permissions ------------------------------------------------

WORKFLOW = "on: push\njobs:\n  b:\n    runs-on: x\n    steps: [{run: cargo build}]\npermissions: {}\n"


def test_symbolic_links_out_of_the_tree_are_reported_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "secret.yml").write_text(WORKFLOW)  # would be a finding if it were read
    (outside / "dir" / "ci.yml").write_text(WORKFLOW)
    repo = make_repo(tmp_path / "repo", {".github/workflows/ok.yml": WORKFLOW})
    workflows = repo / ".github" / "workflows"
    (workflows / "escape.yml").symlink_to(outside / "secret.yml")
    (workflows / "loop.yml").symlink_to(workflows / "loop.yml")
    (workflows / "dangling.yml").symlink_to(workflows / "missing.yml")
    (workflows / "inside.yml").symlink_to(workflows / "ok.yml")  # inside: the same file, once
    (repo / ".github" / "linked").symlink_to(outside / "dir")  # a directory: not descended into
    code, report = check(repo)
    assert code == 1
    assert parse_errors(report) == [
        (".github/workflows/dangling.yml", 1, "a symbolic link to a missing file: No such file or directory"),
        (".github/workflows/escape.yml", 1, f"a symbolic link to {outside / 'secret.yml'}, outside the "
                                            "repository; not followed"),
        (".github/workflows/loop.yml", 1, "a symbolic link that loops; not followed"),
    ]
    checked = [(f["path"], f["rule"]) for f in report["findings"] if f["rule"] != "parse-error"]
    assert checked == [(".github/workflows/ok.yml", "warnings-as-errors")]
    # Named on the command line, a link out of the tree is not followed either.
    code, report = check(repo, workflows / "escape.yml")
    assert (".github/workflows/escape.yml", 1) in [(p, line) for p, line, _ in parse_errors(report)]


@pytest.mark.skipif(sys.platform != "linux", reason="file names are bytes on Linux")
def test_a_file_name_that_is_not_utf8_is_shown_escaped_in_every_format(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {".github/workflows/ok.yml": WORKFLOW})
    name = os.path.join(os.fsencode(repo / ".github" / "workflows"), b"\xff\xfe-bad.yml")
    with open(name, "wb") as handle:  # the fingerprint and every report failed to encode it once
        handle.write(WORKFLOW.encode())
    code, report = check(repo)
    assert code == 1
    assert sorted(f["path"] for f in report["findings"]) == [
        ".github/workflows/\\xff\\xfe-bad.yml", ".github/workflows/ok.yml"]
    for fmt, shown in (("text", "\\xff\\xfe-bad.yml"), ("github", "\\xff\\xfe-bad.yml"),
                       ("sarif", "%5Cxff%5Cxfe-bad.yml")):  # a URI: the backslashes percent-encoded
        code, out = check(repo, fmt=fmt)
        assert code == 1 and shown in out, fmt


def _finishes(action: Callable[[], Any], seconds: float = 120) -> Any:
    """`action()`, in a thread so that a hang fails the test instead of the whole run. The bound
    is generous: the checks themselves take milliseconds."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(action()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "cilint hung"
    return result[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_in_a_pipelines_place_is_reported_not_opened(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {".github/workflows/ok.yml": WORKFLOW})
    os.mkfifo(repo / GITHUB)  # reading it would block until someone writes: forever
    code, report = _finishes(lambda: check(repo))
    assert code == 1
    assert only_parse_error(report, GITHUB) == (1, "not a regular file (a named pipe); not read")
    code, report = _finishes(lambda: check(repo / GITHUB, repo / ".github/workflows/ok.yml"))
    assert only_parse_error(report, GITHUB) == (1, "not a regular file (a named pipe); not read")


# Tests run as root in CI, where `chmod 000` does not stop reading: unreadable files and
# directories are simulated by making the calls fail as they would for another user.


def test_an_unreadable_file_is_reported_and_the_others_checked(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, {GITHUB: WORKFLOW, ".github/workflows/ok.yml": WORKFLOW})
    real_open = os.open

    def denying_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path).endswith(GITHUB):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", denying_open)
    code, report = check(repo)
    assert code == 1
    assert only_parse_error(report, GITHUB) == (1, "cannot read the file: Permission denied")
    assert [f["rule"] for f in report["findings"] if f["path"] != GITHUB] == ["warnings-as-errors"]


def test_an_unlistable_pipeline_directory_is_reported(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, {GITHUB: WORKFLOW, CIRCLECI: "version: 2.1\njobs: {}\n", "docs/a/b.txt": "x"})
    real_scandir = os.scandir
    denied = {repo / ".github" / "workflows", repo / "docs"}

    def denying_scandir(path: Any = ".") -> Any:
        if Path(os.fsdecode(path)) in denied:
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", denying_scandir)  # what os.walk lists directories with
    code, report = check(repo)
    assert code == 1
    # `docs` holds no pipelines' place: skipped like any other directory without them.
    assert parse_errors(report) == [(".github/workflows", 1, "cannot list the directory: Permission denied")]
    assert {f["path"]: f["platform"] for f in report["files"]}[CIRCLECI] == "circleci"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their mode")
def test_chmod_000_for_users_other_than_root(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {GITHUB: WORKFLOW})
    (repo / GITHUB).chmod(0)
    try:
        code, report = check(repo)
        assert code == 1
    finally:
        (repo / GITHUB).chmod(0o644)
    assert only_parse_error(report, GITHUB) == (1, "cannot read the file: Permission denied")


def test_a_loader_failure_is_an_internal_error_for_that_file_only(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from cilint.linter import load_circleci

    def broken(*args: Any) -> Any:
        raise KeyError("surprise")

    raised_at = broken.__code__.co_firstlineno + 1
    monkeypatch.setattr(load_circleci, "load_circleci", broken)
    repo = make_repo(tmp_path, {GITHUB: WORKFLOW, CIRCLECI: "version: 2.1\njobs: {}\n"})
    code, report = check(repo)
    assert code == 2
    assert report["errors"] == [{"rule": "loader", "path": CIRCLECI,
                                 "message": f"KeyError: 'surprise' (test_robustness.py:{raised_at})"}]
    assert [(f["path"], f["rule"]) for f in report["findings"]] == [(GITHUB, "warnings-as-errors")]


# -- a rule that fails ---------------------------------------------------------------------------


def _exploding(fail_on: str) -> Rule:
    def check_(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
        for pipeline in project.pipelines:
            if pipeline.path == fail_on:
                raise RuntimeError("boom")
            yield Finding("seen", pipeline.workflows[0].span if pipeline.workflows else pipeline.span)

    return Rule(id="CIL999", name="exploding", level="warning", summary="fails on one file",
                doc="Fails.\n\nFailing example, passing example, how to fix: none.", options={}, check=check_)


def test_an_internal_error_in_a_rule_is_contained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, {GITHUB: WORKFLOW, ".github/workflows/z.yml": WORKFLOW})
    rules = [*engine.all_rules(), _exploding(fail_on=GITHUB)]
    monkeypatch.setattr(engine, "_RULES", rules)
    code, report = check(repo)
    assert code == 2
    assert [(e["rule"], e["path"]) for e in report["errors"]] == [("exploding", GITHUB)]
    assert report["errors"][0]["message"].startswith("RuntimeError: boom (test_robustness.py:")
    # The other rules still ran on every file.
    assert [(f["path"], f["rule"]) for f in report["findings"]] == [
        (GITHUB, "warnings-as-errors"), (".github/workflows/z.yml", "warnings-as-errors")]
    code, text = check(repo, fmt="text")
    assert code == 2
    assert f"cilint: internal error in rule exploding ({GITHUB}): RuntimeError: boom" in text


# -- determinism -----------------------------------------------------------------------------------


def _cli(*args: str, seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([sys.executable, "-m", "cilint", "check", *args], capture_output=True, env=env,
                          cwd=ROOT, check=False)
    assert done.returncode in (0, 1) and b"Traceback" not in done.stderr, done.stderr
    return done.stdout


# Each format over part of the fixtures (the rules' fixtures: hundreds of findings; the loaders'
# GitHub fixtures: odd shapes), to keep the fast tier fast.
@pytest.mark.parametrize("fmt, path", [("json", "fixtures/rules"), ("sarif", "fixtures/rules"),
                                       ("sarif", "fixtures/github")])
def test_same_input_same_bytes_across_processes(fmt: str, path: str) -> None:
    # Different hash seeds change the order of sets and of dicts built from them: the report
    # must not depend on it.
    first = _cli("--format", fmt, "--nested", path, seed="1")
    assert first == _cli("--format", fmt, "--nested", path, seed="12345")
    assert len(first) > 50_000


def test_fingerprints_survive_unrelated_lines_added_above(tmp_path: Path) -> None:
    source = FIXTURES / "rules" / "secrets-via-contexts" / "fire" / "github"
    before = shutil.copytree(source, tmp_path / "before")
    after = shutil.copytree(source, tmp_path / "after")
    _, old = check(before)
    assert len(old["findings"]) >= 3
    moved: dict[str, dict[int, int]] = {}  # path -> old line -> new line
    for path in sorted((after / ".github" / "workflows").glob("*.yml")):
        rel = path.relative_to(after).as_posix()
        # Comments and a blank line on top, and a comment above each top-level key (never inside
        # a block scalar, where it would change a value).
        new = ["# a comment added on top\n", "\n", "# and another\n"]
        moved[rel] = {}
        for number, line in enumerate(path.read_text().splitlines(keepends=True), 1):
            if line[:1].isalpha():
                new.append("# an unrelated comment\n")
            new.append(line)
            moved[rel][number] = len(new)
        path.write_text("".join(new))
    _, new_report = check(after)
    assert {f["path"] for f in old["findings"]} <= set(moved)

    def key(finding: dict[str, Any]) -> tuple[str, str, str, str]:
        return finding["fingerprint"], finding["path"], finding["rule"], finding["message"]

    # The same findings with the same fingerprints, each on its moved line.
    assert sorted(map(key, old["findings"])) == sorted(map(key, new_report["findings"]))
    lines = {key(f): f["line"] for f in new_report["findings"]}
    assert all(lines[key(f)] == moved[f["path"]][f["line"]] for f in old["findings"])
    assert any(lines[key(f)] != f["line"] for f in old["findings"])
