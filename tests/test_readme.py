"""The README's console examples are the real commands' output.

Every ```console block of README.md holds commands (`$ cilint ...`) each followed by what it prints.
The test runs each command at the repository's root (in process, not on a terminal: no colour)
and compares: a line of the README may elide part of the real line with `...`, and a line that is
only `...` stands for any number of lines. After a deliberate change of the output, rewrite the
blocks that no longer match from the real output and read the diff:

    CILINT_UPDATE_README=1 python3 -m pytest tests/test_readme.py

(lines that still match keep their elisions).
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import cli

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
_BLOCK = re.compile(r"^```console\n(.*?)^```\n", re.M | re.S)


@dataclass(frozen=True)
class Example:
    command: str  # as written after `$ `
    expected: list[str]  # the lines shown after it


def examples(text: str) -> list[Example]:
    out: list[Example] = []
    for block in _BLOCK.finditer(text):
        for part in re.split(r"^\$ ", block.group(1), flags=re.M)[1:]:
            command, *lines = part.rstrip("\n").split("\n")
            out.append(Example(command, lines))
    return out


def _line_pattern(line: str) -> re.Pattern[str]:
    return re.compile(".*?".join(re.escape(piece) for piece in line.split("...")) + r"\Z", re.S)


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether `actual` is `expected` with its elisions filled in."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head.strip() == "...":
        return any(matches(rest, actual[start:]) for start in range(len(actual) + 1))
    return bool(actual) and bool(_line_pattern(head).match(actual[0])) and matches(rest, actual[1:])


def run(command: str) -> list[str]:
    argv = shlex.split(command)
    assert argv[0] == "cilint", f"a README console example runs cilint, not {argv[0]!r}"
    _, out, _ = cli(*argv[1:], cwd=ROOT)
    return out.rstrip("\n").split("\n") if out.strip() else []


def _refresh(example: Example, actual: list[str]) -> list[str]:
    """The lines to write: the README's where they still match line for line, the real ones else."""
    if len(example.expected) == len(actual) and all(
            _line_pattern(want).match(got) for want, got in zip(example.expected, actual, strict=True)):
        return example.expected
    return actual


def test_readme_has_console_examples() -> None:
    commands = [example.command for example in examples(README.read_text(encoding="utf-8"))]
    assert "cilint check fixtures/seeds/net_auto" in commands
    assert "cilint check fixtures/policies/deploy-from-main/fire --select ACME" in commands


@pytest.mark.parametrize("example", examples(README.read_text(encoding="utf-8")), ids=lambda e: e.command)
def test_readme_example_prints_what_it_shows(example: Example) -> None:
    actual = run(example.command)
    if os.environ.get("CILINT_UPDATE_README") and not matches(example.expected, actual):
        text = README.read_text(encoding="utf-8")
        old = "$ " + "\n".join([example.command, *example.expected]) + "\n"
        new = "$ " + "\n".join([example.command, *_refresh(example, actual)]) + "\n"
        assert text.count(old) == 1, f"cannot find the example {example.command!r} once in README.md"
        README.write_text(text.replace(old, new), encoding="utf-8")
        return
    assert matches(example.expected, actual), (
        f"README.md shows for `$ {example.command}`:\n" + "\n".join(example.expected)
        + "\n\nbut it prints:\n" + "\n".join(actual)
        + "\n\n(after a deliberate change: CILINT_UPDATE_README=1 python3 -m pytest tests/test_readme.py)")


@pytest.mark.parametrize(("expected", "actual", "result"), [
    (["a ... z"], ["a b c z"], True),
    (["a ... z"], ["a b c"], False),
    (["one", "...", "four"], ["one", "two", "three", "four"], True),
    (["one", "..."], ["one"], True),
    (["one"], ["one", "two"], False),
    ([], [], True),
])
def test_elision(expected: list[str], actual: list[str], result: bool) -> None:
    assert matches(expected, actual) is result
