"""Every rule fixture and rule example against its snapshot: the text `cilint check` prints on it.

A snapshot lies next to its repository (`fixtures/rules/pinned-images/fire/github.snap` for
`fixtures/rules/pinned-images/fire/github/`, `rules/examples/<rule>/github/fail.snap`): the command
on its first line, then the report, with paths relative to the repository. Any change in what a
rule finds on its fixtures is a visible diff there. After a deliberate change, rewrite them with

    CILINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_snapshots.py

and read the diff; a new fixture gets its snapshot the same way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cilint.linter.examples import SNAPSHOT_SUFFIX, check_output, snapshot_path

ROOT = Path(__file__).resolve().parents[1]
UPDATE = os.environ.get("CILINT_UPDATE_SNAPSHOTS") == "1"
TOPS = [ROOT / "fixtures" / "rules", ROOT / "rules" / "examples"]
PIPELINE_DIRS = (".github", ".circleci")


def repositories(directory: Path) -> Iterator[Path]:
    """The repositories under a directory: the outermost folders holding `.github` or `.circleci`."""
    for child in sorted(p for p in directory.iterdir() if p.is_dir()):
        if any((child / name).is_dir() for name in PIPELINE_DIRS):
            yield child
        else:
            yield from repositories(child)


CASES = [repository for top in TOPS for repository in repositories(top)]


@pytest.mark.parametrize("repository", CASES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_snapshot(repository: Path) -> None:
    actual = check_output(repository)
    snapshot = snapshot_path(repository)
    if UPDATE:
        snapshot.write_text(actual, encoding="utf-8")
    assert snapshot.is_file(), f"no snapshot {snapshot.relative_to(ROOT)}; run with CILINT_UPDATE_SNAPSHOTS=1"
    assert actual == snapshot.read_text(encoding="utf-8")


def test_every_snapshot_has_its_repository() -> None:
    expected = {snapshot_path(repository) for repository in CASES}
    found = {path for top in TOPS for path in top.rglob(f"*{SNAPSHOT_SUFFIX}")}
    assert sorted(p.relative_to(ROOT).as_posix() for p in found - expected) == []


def test_snapshots_are_deterministic_and_relative() -> None:
    for repository in CASES[:3]:
        assert check_output(repository) == check_output(repository)
    for snapshot in (snapshot_path(repository) for repository in CASES):
        if snapshot.is_file():
            text = snapshot.read_text(encoding="utf-8")
            assert str(ROOT) not in text and "\x1b[" not in text, snapshot
