"""A check of many files split between two processes (`split.py`) reports what one process does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cilint.linter import github_prescan, split
from cilint.linter.run import CheckRequest, run_check
from cilint.linter.share import CAN_FORK, Claims, piece_queue

pytestmark = pytest.mark.skipif(not CAN_FORK, reason="the split needs fork (Linux)")

_WORKFLOW = """\
name: {name}
on: [push, pull_request]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/cache@v4
        with:
          path: ~/.npm
          key: npm-${{{{ runner.os }}}}
      - run: echo "${{{{ secrets.TOKEN_{index} }}}}" && npm publish
        env:
          GITHUB_TOKEN: ${{{{ secrets.GITHUB_TOKEN }}}}
  deploy:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: ./deploy.sh production  # cilint: ignore[CIL999]
"""

_DOWNSTREAM = """\
name: After {upstream}
on:
  workflow_run:
    workflows: [{upstream}]
    types: [completed]
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: actions/checkout@v4
      - run: kubectl apply -f k8s/ --context production
"""


def _project(root: Path, files: int, folded_name: bool = False) -> Path:
    workflows = root / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (root / ".git").mkdir()
    for index in range(files):
        name = f"Build {index}"
        text = _WORKFLOW.format(name=name, index=index)
        if folded_name and index == 0:  # the first files go to the child
            text = text.replace(f"name: {name}\n", f"name: >-\n  {name}\n", 1)  # not read by the pre-scan
        (workflows / f"w{index:03}.yml").write_text(text)
    (workflows / "zz-after.yml").write_text(_DOWNSTREAM.format(upstream="Build 0"))
    (workflows / "zz-reusable.yml").write_text(
        "on: workflow_call\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n")
    (workflows / "zz-caller.yml").write_text(
        "on: push\njobs:\n  call:\n    uses: ./.github/workflows/zz-reusable.yml\n")
    return root


def _outputs(root: Path, monkeypatch: pytest.MonkeyPatch, processes: str | None) -> list[str]:
    if processes is None:
        monkeypatch.delenv("CILINT_PROCESSES", raising=False)
    else:
        monkeypatch.setenv("CILINT_PROCESSES", processes)
    monkeypatch.chdir(root)
    return [run_check(CheckRequest(paths=[Path(".")], output_format=fmt))[0] for fmt in ("json", "sarif", "text")]


def _splits(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each check was split (recorded from `split._exact`)."""
    made: list[bool] = []
    exact = split._exact

    def recorded(ours: split._Half, other: split._Half) -> bool:
        made.append(exact(ours, other))
        return made[-1]

    monkeypatch.setattr(split, "_exact", recorded)
    return made


def test_a_split_check_reports_byte_for_byte_what_one_process_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path, 120)
    one = _outputs(root, monkeypatch, "1")
    made = _splits(monkeypatch)
    two = _outputs(root, monkeypatch, None)
    assert made == [True, True, True]
    assert '"CIL' in one[0]  # the rules found something to compare
    assert two == one


def test_a_link_the_pre_scan_missed_is_checked_in_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path, 120, folded_name=True)
    one = _outputs(root, monkeypatch, "1")
    made = _splits(monkeypatch)
    two = _outputs(root, monkeypatch, None)
    assert made == [False, False, False]  # the child had the upstream of a `workflow_run`
    assert two == one


def test_few_files_are_not_split(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path, split.SPLIT_FROM_FILES - 10)
    made = _splits(monkeypatch)
    _outputs(root, monkeypatch, None)
    assert made == []


def test_the_pre_scan_reads_names_and_upstreams() -> None:
    assert github_prescan.name_of(b"on: push\nname: 'CI / build'  # x\n") == b"CI / build"
    assert github_prescan.name_of(b"name: >-\n  folded\n") is None
    text = b"on:\n  workflow_run:\n    workflows:\n      - \"CI\"\n      - Deploy # x\n    types: [completed]\n"
    assert github_prescan.upstream_names(text) == {b"CI", b"Deploy"}
    assert github_prescan.upstream_names(b"workflows: [A, 'B c']\n") == {b"A", b"B c"}


def test_pieces_cut_the_files_in_order_by_bytes(tmp_path: Path) -> None:
    files = [tmp_path / f"w{index:03}.yml" for index in range(300)]
    read = {path: b"x" * (10 if index % 3 else 400) for index, path in enumerate(files)}
    pieces = split._pieces(files, read)
    assert [path for piece in pieces for path in piece] == files  # all, once, in order
    assert len(pieces) == split.PIECES
    # About equal: each piece ends within one file (400 bytes at most) of its share of the bytes.
    share = sum(len(data) for data in read.values()) // split.PIECES
    ended = 0
    for number, piece in enumerate(pieces[:-1], start=1):
        ended += sum(len(read[path]) for path in piece)
        assert share * number <= ended < share * number + 400
    assert split._pieces(files[:3], read) == [[files[0]], [files[1]], [files[2]]]  # a piece a file at most


def test_each_piece_goes_to_one_process(tmp_path: Path) -> None:
    """Two processes taking pieces at the same time: each piece is taken once, none is lost."""
    files = [tmp_path / f"w{index:04}.yml" for index in range(2000)]
    pieces = split._pieces(files, {path: b"x" for path in files})
    queue = piece_queue(range(1, len(pieces)))
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 1
        try:
            os.close(reader)
            with os.fdopen(writer, "w") as out:
                out.write("\n".join(str(path) for n in Claims(queue) for path in pieces[n]))
            code = 0
        finally:
            os._exit(code)
    os.close(writer)
    mine = [str(path) for n in Claims(queue) for path in pieces[n]]
    os.close(queue)
    with os.fdopen(reader) as source:
        theirs = [line for line in source.read().split("\n") if line]
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    taken = mine + theirs
    assert sorted(taken) == sorted(str(path) for piece in pieces[1:] for path in piece)
    assert len(set(taken)) == len(taken)
