"""A check of many files split between this process and a fork: each loads and checks its share.

Loading is most of a large check, and its result (the model) is too expensive to hand from one
process to another (pickling it costs about as much as building it: `bench/parallel.py`). A
check whose files do not refer to one another can instead be split at the files: a forked child
loads its share, runs the rules on it, groups and fingerprints their findings (both go by file),
and hands back only those and the files it read; this process does the same with the other share,
then sorts the two lists into one and reports it as one check does.

The output must be byte for byte that of one process, so the split is made only where it cannot
change a finding, and checked after the fact:

* files that may refer to others (a local `uses: ./...`, a reusable workflow, `workflow_run`), an
  action, a CircleCI config, all stay in this process's share; the others are handed out in
  pieces while both load, each to whichever process is free first (`share.piece_queue`);
* no protection input (settings files, protection files, configured protection): required
  checks are compared with every workflow;
* afterwards: neither process read a file of the other share, no `workflow_run` of one names a
  workflow of the other, every finding lies in its process's own files, and no rule failed.

If any of these does not hold, or the child fails, this process checks everything itself (the
split then cost time, never a different answer). `CILINT_PROCESSES=1` turns it off; it needs
`fork` (Linux only, as `share.py`).
"""

from __future__ import annotations

import itertools
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import github_prescan
from .engine import InternalError, RunResult, finish_findings, job_spans, rule_findings
from .findings import Finding
from .model import Problem, Project, SourceFile
from .share import CAN_FORK, Claims, piece_queue

if TYPE_CHECKING:
    from .config import Config
    from .engine import Rule
    from .project import FilePart, Placed

# From this many pipeline files a split pays: the fork and the hand-back cost about 20 ms, a
# file about 2 ms to load and check.
SPLIT_FROM_FILES = 100
# The files that can go to either process are handed out in this many pieces of about equal
# bytes, each to whichever process asks first (`share.piece_queue`): the two finish loading
# within a piece of each other, however the files' costs differ from their sizes and whatever
# else the machine runs. A piece is one read of a pipe; fewer pieces would leave a larger last one.
PIECES = 64
_PRE_READ_LIMIT = 1_000_000


@dataclass
class _Half:
    """What a process found in its share."""

    findings: list[Finding]  # grouped, fingerprinted and sorted
    errors: list[InternalError]
    files: list[SourceFile]
    problems: list[Problem]
    names: set[str]  # its GitHub workflows' names
    wanted: set[str]  # the workflow names its `workflow_run` triggers name
    outside: set[str]  # files it read outside its share


def check_in_two(
    paths: list[Path], nested: list[Path],
    configure: Callable[[], tuple[Config, list[Rule]]],
    load: Callable[[FilePart, list[Path] | None, Config], Project],
) -> tuple[Project, Config, list[Rule], RunResult] | None:
    """The project, configuration, rules and findings of the check of `paths`, split between two
    processes; None when it is not split (too few files, not safe, or the split failed).
    `configure`: the configuration and the rules it selects; `load`: the project of a share of
    the files (`run.load_for`)."""
    if not CAN_FORK or os.environ.get("CILINT_PROCESSES", "").strip() == "1":
        return None
    from .exitcodes import UsageError
    from .project import FilePart, Filter, Skipped, discover, find_root

    if not paths or not all(p.exists() for p in paths):
        return None  # the one-process path warns about missing paths
    try:
        config, rules = configure()
    except UsageError:
        return None  # the one-process path reports it
    if config.protection is not None:
        return None
    root, _ = find_root(paths)
    skipped: list[Skipped] = []
    only = Filter(root, config.exclude, config.extend_exclude)
    found = discover(paths, root, skipped, only)
    if len(found) < SPLIT_FROM_FILES or any(platform in ("settings", "sniff") for _, platform in found):
        return None
    read: dict[Path, bytes] = {}
    free = _free_files(root, found, read)
    if not free:
        return None
    pieces = _pieces(free, read)
    taken = set(free)
    fixed = [path for path, _ in found if path not in taken]  # this process's, whatever happens
    options = {rule.id: config.options_for(rule.id) for rule in rules}
    levels = {rule.id: level for rule in rules if (level := config.level_for(rule.id))}

    def half(part: FilePart, into: list[Path] | None) -> tuple[Project, _Half]:
        part.read = read
        project = load(part, into, config)
        result = rule_findings(project, rules, options, levels)
        # Grouping and fingerprints go by file (`engine.group_findings`, `engine.fingerprint`),
        # and no finding of one share lies in a file of the other (`_own`): each share's own.
        result = finish_findings(project, result, lambda: job_spans(project))
        names = {w.name for w in project.workflows() if w.pipeline.platform == "github"}
        wanted = {name for w in project.workflows() for t in w.triggers if t.event == "workflow_run"
                  for name in t.workflows}
        files = [SourceFile(f.path, f.platform, f.text) for f in project.files]  # not their lines
        return project, _Half(result.findings, result.errors, files, project.problems, names, wanted,
                              part.outside)

    queue = piece_queue(range(1, len(pieces)))  # each piece to whichever process asks first

    def claimed() -> Iterator[Path]:
        for number in Claims(queue):
            yield from pieces[number]

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        # The child starts on the first piece, so which files it checks begins the same way on
        # every run (tests/test_split.py relies on it); the others go to whoever asks first.
        share = itertools.chain(pieces[0], claimed())
        _child(lambda: half(FilePart(found, skipped, only.nested, share, first=False), None)[1], write_end)
    os.close(write_end)
    try:
        share = itertools.chain(fixed, claimed())
        project, ours = half(FilePart(found, skipped, only.nested, share, first=True), nested)
    finally:
        os.close(queue)
        other = _receive(read_end, pid)
    if other is None or not _exact(ours, other):
        return None
    project.files.extend(other.files)
    project.files.sort(key=lambda f: f.path)
    project.problems.extend(other.problems)
    project.problems.sort(key=lambda p: (p.span.sort_key(), p.kind, p.message))
    # Sorted as one process sorts them: findings that compare equal lie in one file, so in one
    # share, which has them in the order one process has.
    findings = sorted([*ours.findings, *other.findings], key=Finding.sort_key)
    return project, config, rules, RunResult(findings, [])


def _free_files(root: Path, found: list[tuple[Path, Placed]], read: dict[Path, bytes]) -> list[Path]:
    """The files either process may load, in the order found: GitHub workflows that refer to no
    other file of the tree and that no `workflow_run` of another names. The bytes read to tell
    go to `read`."""
    names: dict[Path, bytes] = {}
    upstream: set[bytes] = set()  # the names `workflow_run` triggers give
    for path, platform in found:
        data = _pre_read(path)
        if data is None:
            continue
        read[path] = data
        if b"workflow_run" in data:
            upstream.update(github_prescan.upstream_names(data))
        if platform == "github" and not github_prescan.may_refer(root, data):
            names[path] = github_prescan.name_of(data) or path.name.encode()
    return [path for path, name in names.items() if name not in upstream]


def _pieces(files: list[Path], read: dict[Path, bytes]) -> list[list[Path]]:
    """`files` cut in order into at most PIECES runs of about equal bytes."""
    size = max(1, sum(len(read[path]) for path in files) // PIECES)
    pieces: list[list[Path]] = [[]]
    taken = 0
    for path in files:
        if taken >= size * len(pieces) and len(pieces) < PIECES:
            pieces.append([])
        pieces[-1].append(path)
        taken += len(read[path])
    return pieces


def _pre_read(path: Path) -> bytes | None:
    """A file's bytes, never blocking (as `project._Loader` reads); None for anything odd."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > _PRE_READ_LIMIT:
                return None
            data = handle.read(info.st_size + 1)  # (not the limit: that much would be allocated per file)
            if len(data) > info.st_size:  # grown since fstat: read on, up to the limit
                data += handle.read(_PRE_READ_LIMIT + 1 - len(data))
    except OSError:
        return None
    return data if len(data) <= _PRE_READ_LIMIT else None  # (what the loader reads, or nothing)


def _exact(ours: _Half, other: _Half) -> bool:
    """Whether the two shares' findings are those of one check of all the files."""
    if ours.errors or other.errors or ours.outside or other.outside:
        return False
    if ours.wanted & other.names or other.wanted & ours.names:
        return False
    return all(_own(half) for half in (ours, other))


def _own(half: _Half) -> bool:
    paths = {f.path for f in half.files}
    return all(f.span.path in paths and all(span.path in paths for span, _ in f.related)
               for f in half.findings)


def _child(work: Callable[[], _Half], results: int) -> None:
    code = 1
    try:
        import pickle  # (here: a check that is not split never needs it, 2 ms of a cold start)

        payload = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(results, "wb") as out:
            out.write(payload)
        code = 0
    except BaseException:  # whatever happens here, the parent checks everything itself
        pass
    finally:
        os._exit(code)


def _receive(results: int, pid: int) -> _Half | None:
    """The child's half, or None if it failed."""
    import pickle

    chunks = []
    try:
        with os.fdopen(results, "rb") as source:
            while chunk := source.read(1 << 20):
                chunks.append(chunk)
    finally:
        _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return None
    try:
        half = pickle.loads(b"".join(chunks))
    except Exception:  # a broken payload: the parent checks everything itself
        return None
    return half if isinstance(half, _Half) else None
