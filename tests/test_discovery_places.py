"""Discovery's walk places each file by its directory, computed once per directory (`_directory_place`:
its parts below the root, its path relative to the filter's root), not by path operations per
file. This checks it against the per-file reading it replaced (`_reference_walk`, the walk as it
was, with `_platform_by_place`, `Filter.skipped` and the eager `_parts_under` per file) on random
trees: symbolic links to files and directories inside and outside the tree, missing targets and
loops, `.gitignore` files, excludes, nested projects, a root reached through a linked directory
(the files then go the long way), and filters whose root is not the walk's root."""

from __future__ import annotations

import os
import random
import stat
from pathlib import Path

import pytest

from cilint.linter import project
from cilint.linter.project import Filter, Placed, Skipped, discover

NAMES = ["ci.yml", "release.yaml", "config.yml", "action.yml", "action.yaml", "settings.yml", "notes.txt",
         "build.yml", "x.YML"]
DIRS = [".github", ".github/workflows", ".github/workflows/sub", ".circleci", "src", "src/.github/workflows",
        "tools/action", "vendor/lib", "vendor/lib/.circleci", "docs", "ignored", "ignored/.github/workflows"]


def _old_parts_under(path: Path, root: Path) -> tuple[str, ...] | None:
    for candidate in (path, Path(os.path.realpath(path.parent), path.name)):
        if project._inside(candidate, root):
            return candidate.parts[len(root.parts):]
    return None


def _old_platform_by_place(path: Path, root: Path) -> project.FilePlatform | None:
    if not path.name.endswith(project.PIPELINE_SUFFIXES):
        return None
    if path.name in ("action.yml", "action.yaml"):
        return "action"
    parts = _old_parts_under(path, root)
    if parts is None:
        parts = path.parts[-3:]
        if parts[-3:-1] == (".github", "workflows"):
            return "github"
        if parts[-2:-1] == (".circleci",):
            return "circleci"
    if len(parts) == 3 and parts[:2] == (".github", "workflows"):
        return "github"
    if len(parts) == 2 and parts[0] == ".circleci":
        return "circleci"
    if parts in ((".github", "settings.yml"), (".github", "settings.yaml")):
        return "settings"
    return None


def _reference_walk(top: Path, root: Path, found: dict[Path, Placed], skips: list[Skipped], only: Filter) -> None:
    """The walk before the places were computed per directory."""
    def unreadable(error: OSError) -> None:
        where = Path(error.filename) if error.filename else top
        parts = set(where.parts[len(root.parts):]) if project._inside(where, root) else set(where.parts)
        if where == top or parts & project._PIPELINE_DIRS:
            skips.append(Skipped(where, f"cannot list the directory: {error.strerror or error}"))

    for dirpath, dirnames, filenames in os.walk(top, onerror=unreadable):
        dirnames[:] = sorted(d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))
                             and not only.skip_dir(Path(dirpath, d)))
        real_dir: str | None = None
        for name in sorted(filenames):
            path = Path(dirpath, name)
            platform = _old_platform_by_place(path, root)
            if platform is None or only.skipped(path, False):
                continue
            try:
                regular = stat.S_ISREG(os.lstat(path).st_mode)
            except OSError:
                regular = False
            if regular:
                real_dir = real_dir or os.path.realpath(dirpath)
                found[Path(real_dir, name)] = platform
                continue
            target = project._target(path, root, skips, named=False)
            if target is not None:
                found[target] = platform


def _tree(base: Path, rng: random.Random) -> Path:
    """A random repository under `base/repo`, with things outside it at `base/outside`."""
    repo, outside = base / "repo", base / "outside"
    (repo / ".git").mkdir(parents=True)
    (outside / ".github/workflows").mkdir(parents=True)
    (outside / ".github/workflows/out.yml").write_text("on: push\n")
    for directory in rng.sample(DIRS, rng.randint(2, len(DIRS))):
        (repo / directory).mkdir(parents=True, exist_ok=True)
        for name in rng.sample(NAMES, rng.randint(0, 4)):
            (repo / directory / name).write_text("on: push\n")
    if rng.random() < 0.5:
        (repo / "vendor/lib/.git").mkdir(parents=True, exist_ok=True)  # a nested project
    if rng.random() < 0.6:
        (repo / ".gitignore").write_text(rng.choice(["ignored/\n", "*.yaml\n!release.yaml\n", "ci.yml\n",
                                                     ".github/workflows/sub/\n", "build*\n"]))
    if rng.random() < 0.4:
        (repo / ".github").mkdir(exist_ok=True)
        (repo / ".github/.gitignore").write_text(rng.choice(["workflows/ci.yml\n", "settings.yml\n", "*\n"]))
    links = [("inside.yml", "ci.yml"), ("out.yml", str(outside / ".github/workflows/out.yml")),
             ("missing.yml", "nowhere.yml"), ("loop.yml", "loop.yml"), ("dirlink.yml", str(repo / "src")),
             ("up.yml", "../../.circleci/config.yml")]
    for name, target in rng.sample(links, rng.randint(0, len(links))):
        where = repo / rng.choice([".github/workflows", ".circleci", "src"])
        where.mkdir(parents=True, exist_ok=True)
        (where / name).symlink_to(target)
    if rng.random() < 0.3:  # a linked directory inside the tree (walks do not enter it)
        (repo / ".github").mkdir(exist_ok=True)
        (repo / ".github/linked").symlink_to(repo / ".circleci" if (repo / ".circleci").exists() else repo)
    if rng.random() < 0.3 and hasattr(os, "mkfifo"):
        (repo / ".github/workflows").mkdir(parents=True, exist_ok=True)
        os.mkfifo(repo / ".github/workflows/pipe.yml")
    return repo


def _both(paths: list[Path], root: Path, make_filter: object) -> None:
    assert callable(make_filter)
    skipped_new: list[Skipped] = []
    new = discover(paths, root, skipped_new, make_filter())
    walk = project._walk
    project._walk = _reference_walk  # type: ignore[assignment]
    try:
        skipped_old: list[Skipped] = []
        old = discover(paths, root, skipped_old, make_filter())
    finally:
        project._walk = walk  # type: ignore[assignment]
    assert new == old
    assert [(s.path, s.reason) for s in skipped_new] == [(s.path, s.reason) for s in skipped_old]


@pytest.mark.parametrize("seed", range(60))
def test_walk_places_files_as_the_per_file_reading_did(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    repo = _tree(tmp_path, rng)
    root = repo.resolve()
    (tmp_path / "via").symlink_to(repo)  # the same tree reached through a linked directory
    excludes = rng.choice([None, [], ["src/"], ["**/release.yaml"]])
    extend = rng.choice([[], ["docs"], [".github/workflows/sub"]])
    named = [Path(repo), tmp_path / "via", repo / ".github", tmp_path / "via/.github/workflows",
             repo / ".circleci", repo / "src", tmp_path / "outside"]
    for given in [*named, *rng.sample(named, 2)]:
        paths = [given] if given.exists() or given.is_symlink() else [repo]
        _both(paths, root, lambda: Filter(root, excludes, extend))
        _both(paths, root, lambda: Filter(root / "src", excludes, extend))  # a filter rooted elsewhere
        _both(paths, root, lambda: Filter(tmp_path / "via", excludes, extend))
        _both(paths, tmp_path / "via", lambda: Filter(tmp_path / "via", excludes, extend))  # a root as given


def test_walk_from_a_relative_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _tree(tmp_path, random.Random(7))
    (tmp_path / "via").symlink_to(repo)
    monkeypatch.chdir(tmp_path / "via")
    root = repo.resolve()
    _both([Path(".")], root, lambda: Filter(root))
    _both([Path(".github")], root, lambda: Filter(root))
    _both([Path(".")], Path(os.getcwd()), lambda: Filter(Path(os.getcwd())))
