"""Mutation fuzzing of the loaders and the rules, seeded from the fixtures and the corpus.

Each example takes a real pipeline (a fixture, or a corpus file when ../shared/corpus is
present), breaks it the way people and tools break YAML (lines deleted, duplicated, swapped or
re-indented, YAML syntax inserted, text truncated, bytes flipped), puts it where a platform
looks for it, and runs `cilint check` end to end: discovery, loading, every rule, the reports.
Nothing may raise, no rule may fail, and every finding must point inside its file.

In CI the run is deterministic and bounded: `derandomize=True` (examples derived from the test,
not from a random seed), no example database, and a fixed number of examples per test (430 in
all, about 4 s on a CI machine: the fast tier stays under 30 s; the deep run is the command
below). There is no per-example deadline: it would fail on a loaded machine, and it cannot stop a
hang anyway; what bounds each example is the loader's own limits (yamlsrc, loadutil), which the
examples run into. To fuzz longer, locally:

    CILINT_FUZZ_EXAMPLES=20000 CILINT_FUZZ_RANDOM=1 CILINT_FUZZ_SEED_BYTES=200000 \
        python -m pytest tests/test_fuzz.py

Every crash found this way is kept below as an explicit regression example.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cilint.linter import yamlsrc
from cilint.linter.run import CheckRequest, run_check

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

FUZZ_EXAMPLES = int(os.environ.get("CILINT_FUZZ_EXAMPLES", "0")) or None
RANDOM = os.environ.get("CILINT_FUZZ_RANDOM") == "1"


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=FUZZ_EXAMPLES or examples,
        derandomize=not RANDOM,
        database=None,
        deadline=None,  # load varies on CI machines; the budget is the number of examples
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        print_blob=True,
    )


MAX_SEED_BYTES = int(os.environ.get("CILINT_FUZZ_SEED_BYTES", "24000"))  # larger ones only slow examples down


def _seed_files() -> list[Path]:
    files = [p for p in sorted((ROOT / "fixtures").rglob("*")) if p.suffix in (".yml", ".yaml", ".json")]
    if (CORPUS / "MANIFEST.tsv").is_file():
        corpus = [p for p in sorted(CORPUS.rglob("*")) if p.suffix in (".yml", ".yaml", ".json")]
        files += corpus[::7]  # a fixed sample of every kind: circleci, github, settings, peers
    return [p for p in files if p.is_file() and p.stat().st_size <= MAX_SEED_BYTES]


SEEDS: list[bytes] = [path.read_bytes() for path in _seed_files()]

# What YAML and the platforms give meaning to: inserted at random places.
TOKENS = [
    ": ", "- ", "? ", "&a ", "*a", "<<: *a", "&a [*a]", "{", "}", "[", "]", ",", "\t", "'", '"',
    "|\n", ">-\n",
    "---\n", "...\n", "!!str ", "!!binary ", "!custom ", "%YAML 1.2\n", "#", "\x00", "\ufeff", "\r\n", "\\",
    "${{ matrix.os }}", "${{ secrets.TOKEN }}", "<< parameters.x >>", "<< pipeline.git.branch >>",
    "on: ", "jobs: ", "steps: ", "needs: ", "requires: ", "uses: ./", "uses: ./.github/workflows/ci.yml",
    "matrix: ", "include: ", "exclude: ", "environment: production", "run: ", "version: 2.1\n",
    "type: approval", "context: prod", "parameters: ", "when: ", "unless: ", "filters: ", "alias: ",
    "1e999", "-0", "0x", "9" * 5000, "null", "~", "true", "on", "&", "*", "\n  ", "\n- ", "x" * 300,
]

PLACES = [".github/workflows/ci.yml", ".circleci/config.yml", "action.yml", ".github/settings.yml",
          "named/file.yml", "protection.json"]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        data = draw(_mutation(data))
    return data


def _mutation(data: bytes) -> st.SearchStrategy[bytes]:
    lines = data.splitlines(keepends=True) or [b""]
    index = st.integers(0, max(len(lines) - 1, 0))
    at = st.integers(0, len(data))

    def with_lines(new: list[bytes]) -> bytes:
        return b"".join(new)

    return st.one_of(
        index.map(lambda i: with_lines(lines[:i] + lines[i + 1 :])),  # delete a line
        index.map(lambda i: with_lines(lines[: i + 1] + lines[i:])),  # duplicate a line
        st.tuples(index, index).map(lambda ij: with_lines(_swap(lines, *ij))),  # swap two lines
        st.tuples(index, st.sampled_from([b"  ", b" ", b"\t"]), st.booleans()).map(
            lambda t: with_lines(_indent(lines, *t))),  # re-indent a line
        st.tuples(at, st.sampled_from(TOKENS)).map(lambda t: data[: t[0]] + t[1].encode() + data[t[0]:]),
        at.map(lambda k: data[:k]),  # truncated
        st.tuples(at, st.integers(0, 255)).map(lambda t: data[: t[0]] + bytes([t[1]]) + data[t[0] + 1:]),
        st.tuples(at, st.text(max_size=20)).map(lambda t: data[: t[0]] + t[1].encode() + data[t[0]:]),
    )


def _swap(lines: list[bytes], i: int, j: int) -> list[bytes]:
    out = list(lines)
    out[i], out[j] = out[j], out[i]
    return out


def _indent(lines: list[bytes], i: int, unit: bytes, deeper: bool) -> list[bytes]:
    out = list(lines)
    out[i] = unit + out[i] if deeper else out[i].removeprefix(unit)
    return out


_WORK = Path(tempfile.mkdtemp(prefix="cilint-fuzz-"))


@pytest.fixture(scope="module", autouse=True)
def _cleanup() -> Iterator[None]:
    yield
    shutil.rmtree(_WORK, ignore_errors=True)


def check_bytes(data: bytes, place: str, companion: bytes | None = None) -> dict[str, Any]:
    """`cilint check --format json` of a repository holding `data` at `place` (and a valid
    companion workflow, whose findings must survive the broken file beside it)."""
    repo = Path(tempfile.mkdtemp(dir=_WORK))
    try:
        (repo / ".git").mkdir()
        target = repo / place
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if companion is not None:
            (repo / ".github" / "workflows").mkdir(parents=True, exist_ok=True)
            (repo / ".github" / "workflows" / "companion.yml").write_bytes(companion)
        paths = [repo]
        protection: list[Path] = []
        if place == "named/file.yml":
            paths.append(target)
        if place == "protection.json":
            protection.append(target)
        report, code = run_check(CheckRequest(paths=paths, output_format="json", protection_files=protection))
        parsed: dict[str, Any] = json.loads(report)
        assert "errors" not in parsed, parsed["errors"]  # an internal error is a bug
        assert code in (0, 1)
        _assert_spans_inside(repo, parsed)
        return parsed
    finally:
        shutil.rmtree(repo, ignore_errors=True)


def _assert_spans_inside(repo: Path, report: dict[str, Any]) -> None:
    """Every finding points at a line of its file (the line after the last, for a missing end)."""
    for finding in report["findings"]:
        path = repo / finding["path"]
        if not path.is_file():  # the configuration's own findings, or a path outside the tree
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        # Line breaks as YAML counts them (CR, LF, CRLF); a final one opens an empty last line.
        lines = len(text.splitlines()) + (1 if text.endswith(("\n", "\r")) else 0)
        assert 1 <= finding["line"] <= max(lines, 1), finding
        assert finding["line"] <= finding["end_line"] or finding["end_line"] == 0, finding


COMPANION = b"on: push\njobs:\n  b:\n    runs-on: x\n    steps: [{run: cargo build}]\n"


@fuzz_settings(examples=120)
@given(data=mutated(), place=st.sampled_from(PLACES))
# Crashes this fuzzer found, kept as regressions:
@example(data=b"on: push\njobs:\n  b:\n    timeout-minutes: " + b"9" * 5000 + b"\n", place=PLACES[0])  # int()
@example(data=b"on: push\njobs:\n  b: {runs-on: x, ? [a] : b}\n", place=PLACES[0])  # complex key
@example(data=b"on: push\njobs:\n  b:\n    steps: [{uses: \"./a\\0b\"}]\n", place=PLACES[0])  # NUL in a path
@example(data=b"{", place=PLACES[0])  # an error at the end of the stream was on the line after the last
@example(data=b"\r:", place=PLACES[0])  # a CR alone is a line break
def test_mutated_pipelines_never_crash(data: bytes, place: str) -> None:
    report = check_bytes(data, place, companion=COMPANION)
    # The broken file never costs the valid one beside it its finding.
    assert any(f["path"] == ".github/workflows/companion.yml" and f["rule"] == "warnings-as-errors"
               for f in report["findings"])


# Structure fuzzing: well-formed documents of every shape the platforms' keys could take (a
# `needs` that is a mapping, `steps` a string, a matrix of matrices), which byte mutations of
# real files rarely produce. JSON is YAML.
KEYS = [
    "on", "jobs", "steps", "run", "uses", "with", "env", "needs", "if", "name", "runs-on", "strategy",
    "matrix", "include", "exclude", "environment", "container", "services", "image", "secrets",
    "outputs", "permissions", "concurrency", "workflow_call", "inputs", "push", "pull_request",
    "branches", "tags", "paths", "merge_group", "workflow_run", "workflows", "version", "orbs",
    "commands", "executors", "parameters", "docker", "machine", "requires", "context", "filters",
    "type", "approval", "when", "unless", "and", "or", "not", "equal", "matches", "pattern", "value",
    "save_cache", "restore_cache", "key", "keys", "paths", "checkout", "default", "enum", "alias",
    "runs", "using", "shell", "working-directory", "timeout-minutes", "continue-on-error", "build",
    "deploy", "test", "main", "rulesets", "rules", "required_status_checks", "contexts", "checks",
    "protection", "repository", "enforcement", "conditions", "ref_name", "target", "strict",
]
SCALARS = st.one_of(
    st.sampled_from(["ubuntu-latest", "./", "./.github/workflows/ci.yml", "actions/checkout@v4", "make",
                     "cargo build", "${{ matrix.os }}", "${{ secrets.T }}", "<< parameters.x >>",
                     "production", "approval", "build", "deploy", "main", "2.1", "*", "**",
                     "refs/heads/main"]),
    st.text(max_size=12), st.integers(-2, 300), st.booleans(), st.none(), st.floats(allow_nan=True),
)
SHAPES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=5)),
    max_leaves=40,
)


@fuzz_settings(examples=80)
@given(document=st.dictionaries(st.sampled_from(KEYS), SHAPES, min_size=1, max_size=6),
       place=st.sampled_from(PLACES))
def test_documents_of_any_shape_never_crash(document: dict[str, Any], place: str) -> None:
    check_bytes(json.dumps(document).encode(), place, companion=COMPANION)


@fuzz_settings(examples=150)
@given(text=st.one_of(st.text(max_size=300), mutated().map(lambda b: b.decode("utf-8", "replace"))))
def test_the_composer_returns_documents_or_a_positioned_error(text: str) -> None:
    try:
        documents = yamlsrc.load(text)
    except yamlsrc.YamlError as exc:
        lines = text.count("\n") + 1
        assert 1 <= exc.pos.line <= lines + 1, (exc.message, exc.pos)
        return
    for document in documents:
        assert document.nodes <= yamlsrc.MAX_EXPANDED_NODES


@fuzz_settings(examples=80)
@given(data=st.binary(max_size=200))
def test_any_bytes_decode_or_fail_with_a_position(data: bytes) -> None:
    try:
        text = yamlsrc.decode(data)
    except yamlsrc.YamlError as exc:
        assert exc.pos.line >= 1
        return
    assert isinstance(text, str)
