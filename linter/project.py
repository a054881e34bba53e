"""Discovery and loading: from the paths a user gives to a `Project`.

Which files are pipelines is decided by their place (`.github/workflows/*.yml`, `action.yml`,
`.circleci/*.yml`, `.github/settings.yml`) or, for a file named explicitly elsewhere, by their
content. Each file is read with limits; one that cannot be loaded becomes one `parse-error`
problem and the others are still loaded. Nothing is executed, fetched, or followed out of the
tree.

What users' trees hold, and what becomes of it:

* a symbolic link in a pipeline's place (or named) that leaves the tree, loops or dangles: a
  `parse-error` saying so; the target is not read. Links to directories are not descended into
  (they could leave the tree or loop).
* a named pipe, socket or device in a pipeline's place: a `parse-error`; never opened for
  reading, which could block forever.
* a directory that cannot be listed: a `parse-error` when it is (or is inside) `.github` or
  `.circleci`, where pipelines live; elsewhere it is skipped like any directory without them.
* a file over `yamlsrc.MAX_FILE_BYTES`: refused from its size, without reading it.
* a file that expands, through matrices, commands, calls and aliases, to more than the model
  limits of `loadutil`: one `parse-error` where it went over, and none of its pipelines is
  checked (a partial job graph would give wrong findings about approvals and checks).
"""

from __future__ import annotations

import errno
import os
import stat
import traceback
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import yamlsrc
from .globs import IgnorePattern, gitignore_patterns, gitignore_regex
from .loadutil import MAX_MODEL_ITEMS, MAX_MODEL_SCRIPT_CHARS, Budget, Source, budget_for
from .model import (
    SKIP_DIRS,
    FilePlatform,
    Pipeline,
    PipelinePlatform,
    Problem,
    ProblemKind,
    Project,
    SourceFile,
    Span,
    WorkflowLink,
)
from .readfile import ReadRefused, kind_of, read_bounded
from .yamlsrc import NOWHERE, Document, Pos, YamlError, YMap, YSeq, YStr

# GitHub does not start runs of a workflow file over 500 KB (docs.github.com/en/actions/reference/limits).
GITHUB_MAX_WORKFLOW_BYTES = 512_000
# The kind of problem of a file a loader failed on (an exception: a bug in cilint, not in the file).
INTERNAL_ERROR = ProblemKind.INTERNAL
# Directories where a listing error may hide pipelines (elsewhere only `action.yml` could be).
_PIPELINE_DIRS = {".github", ".circleci"}

PIPELINE_SUFFIXES = (".yml", ".yaml")


# A directory holding one of these is a project root (find_root), and a nested one is another
# project: GitHub runs only the root's `.github/workflows`, CircleCI only the root's `.circleci`.
PROJECT_MARKERS = (".git", ".github", ".circleci")


@dataclass
class LoadSettings:
    """What loading needs from the configuration."""

    default_branch: str = "main"
    protection_files: list[Path] = field(default_factory=list)
    # Globs (gitignore-like, relative to the root) of what discovery skips: `exclude` replaces
    # the default directory names (None: keep them), `extend_exclude` adds to them.
    exclude: list[str] | None = None
    extend_exclude: list[str] = field(default_factory=list)


def is_project_root(directory: Path) -> bool:
    """Whether a directory is the root of a repository or of pipelines of its own."""
    try:
        return (directory / ".git").exists() or (directory / ".github").is_dir() or (directory / ".circleci").is_dir()
    except OSError:
        return False


def find_root(paths: list[Path]) -> tuple[Path, bool]:
    """The repository root findings are relative to, and whether a repository is being checked
    (so that the rules may look at its lockfiles and build files)."""
    given = paths[0] if paths else Path(".")
    # a link named is placed where it lies, not where it points (which may be outside the tree)
    first = _resolved(given.parent) / given.name if given.is_symlink() else _resolved(given)
    start = first if first.is_dir() else first.parent
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate, True
        if candidate.name in (".github", ".circleci", "workflows"):
            continue
        if (candidate / ".github").is_dir() or (candidate / ".circleci").is_dir():
            return candidate, True
        if candidate == start and first.is_dir():
            break
    cwd = Path.cwd().resolve()
    if all(_inside(_resolved(p), cwd) for p in paths):
        return cwd, False
    return start, False


def _resolved(path: Path) -> Path:
    """`path.resolve()`, or its absolute form when it is a symbolic link loop (discovery then
    reports it)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


@dataclass
class Skipped:
    """A path discovery did not read, and why (reported as a `parse-error`)."""

    path: Path  # absolute, not resolved: where the user sees it
    reason: str


# A discovered file's platform: by its place, or "sniff" (a file named explicitly: its content says)
Placed = typing.Literal[FilePlatform, "sniff"]


class Filter:
    """What a walk of a project skips: nested projects (collected in `nested`), what the
    project's `.gitignore` files ignore, and the configured `exclude`/`extend_exclude` globs.
    Paths named on the command line are not filtered (as ruff does without `--force-exclude`)."""

    def __init__(self, root: Path, exclude: list[str] | None = None, extend_exclude: Iterable[str] = ()) -> None:
        self.root = root
        # `.git` is never a place of pipelines, whatever `exclude` says
        self.names = frozenset({".git"} | (set(SKIP_DIRS) if exclude is None else set()))
        self.globs = [gitignore_regex(g) for g in [*(exclude or []), *extend_exclude]]
        self.ignore_files: dict[str, list[IgnorePattern]] = {}
        self.nested: list[Path] = []

    def relative(self, path: Path) -> str | None:
        """`path` relative to the filter's root, as git writes it; None outside it."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return None

    def skip_dir(self, path: Path) -> bool:
        if path.name in self.names:
            return True
        if path != self.root and is_project_root(path):
            self.nested.append(path)
            return True
        return self.skipped(path, True)

    def skipped(self, path: Path, directory: bool) -> bool:
        """Whether a file (or directory) under the root is excluded or git-ignored."""
        return self.skipped_rel(self.relative(path), directory)

    def skipped_rel(self, rel: str | None, directory: bool) -> bool:
        """`skipped` for the path's `relative` path (a walk computes it once per directory)."""
        if rel is None or rel == ".":
            return False
        if any(g.fullmatch(rel) or (directory and g.fullmatch(rel + "/")) for g in self.globs):
            return True
        return self._ignored(rel, directory)

    def _ignored(self, rel: str, directory: bool) -> bool:
        """git's reading: the last matching pattern wins, from the `.gitignore` of the root down to
        the one of the path's own directory (the directories above were pruned when ignored)."""
        parts = rel.split("/")
        ignored = False
        for depth in range(len(parts)):
            base = "/".join(parts[:depth])
            below = "/".join(parts[depth:])
            for pattern in self._patterns(base):
                if (directory or not pattern.directory_only) and pattern.regex.fullmatch(below):
                    ignored = not pattern.negated
        return ignored

    def _patterns(self, base: str) -> list[IgnorePattern]:
        if base not in self.ignore_files:
            path = self.root / base / ".gitignore" if base else self.root / ".gitignore"
            try:  # a regular file only, of a sane size: never a pipe or a link out of the tree
                info = os.lstat(path)
                text = read_bounded(path, 1_000_000).decode("utf-8", "replace") \
                    if stat.S_ISREG(info.st_mode) else ""  # (checked again once open: `read_bounded`)
            except (OSError, ReadRefused):
                text = ""
            self.ignore_files[base] = gitignore_patterns(text)
        return self.ignore_files[base]


def discover(paths: list[Path], root: Path, skipped: list[Skipped] | None = None,
             only: Filter | None = None) -> list[tuple[Path, Placed]]:
    """(file, platform by its place or 'sniff') for every pipeline file under `paths`, sorted;
    what could not be read goes to `skipped`. Directories are walked through `only` (by default
    the root's nested projects and git-ignored files are skipped); files named are always read."""
    found: dict[Path, Placed] = {}
    skips: list[Skipped] = [] if skipped is None else skipped
    only = only or Filter(root)
    for given in paths:
        given = Path(os.path.abspath(given))
        if given.is_dir() and not given.is_symlink():
            _walk(given, root, found, skips, only)
            continue
        target = _target(given, root, skips, named=True)
        if target is None:
            continue
        if target.is_dir():  # a link to a directory inside the tree: as if named directly
            _walk(target, root, found, skips, only)
        else:
            found[target] = _platform_by_place(given, root) or _platform_by_place(target, root) or "sniff"
    return sorted(found.items(), key=lambda item: str(item[0]))


def _walk(top: Path, root: Path, found: dict[Path, Placed], skips: list[Skipped], only: Filter) -> None:
    def unreadable(error: OSError) -> None:
        where = Path(error.filename) if error.filename else top
        parts = set(where.parts[len(root.parts):]) if _inside(where, root) else set(where.parts)
        if where == top or parts & _PIPELINE_DIRS:
            skips.append(Skipped(where, f"cannot list the directory: {error.strerror or error}"))

    for dirpath, dirnames, filenames in os.walk(top, onerror=unreadable):
        dirnames[:] = sorted(d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))
                             and not only.skip_dir(Path(dirpath, d)))
        real_dir: str | None = None  # the directory resolved, once for all its files
        # Where the directory lies, once for all its files: its parts below the root and its path
        # relative to the filter's root (None: not below as given; each file then goes the long
        # way). A file's are its directory's and its name (`tests/test_discovery_places.py`).
        here: tuple[tuple[str, ...] | None, str | None] | None = None
        for name in sorted(filenames):
            if not name.endswith(PIPELINE_SUFFIXES):  # (`_platform_by_place` would say None)
                continue
            if here is None:
                here = _directory_place(Path(dirpath), root, only)
            dir_parts, dir_rel = here
            path: Path | None = None
            if name in ("action.yml", "action.yaml"):
                platform: FilePlatform | None = "action"
            elif dir_parts is not None:
                platform = _platform_under((*dir_parts, name))
            else:
                path = Path(dirpath, name)
                platform = _platform_by_place(path, root)
            if platform is None:
                continue
            if dir_rel is not None:
                skip = only.skipped_rel(name if dir_rel == "." else f"{dir_rel}/{name}", False)
            else:
                path = path or Path(dirpath, name)
                skip = only.skipped(path, False)
            if skip:
                continue
            file = os.path.join(dirpath, name)
            try:
                regular = stat.S_ISREG(os.lstat(file).st_mode)
            except OSError:
                regular = False
            if regular:  # not a link: resolving it is resolving its directory
                real_dir = real_dir or os.path.realpath(dirpath)
                found[Path(real_dir, name)] = platform
                continue
            target = _target(path or Path(dirpath, name), root, skips, named=False)
            if target is not None:
                found[target] = platform


def _directory_place(directory: Path, root: Path, only: Filter) -> tuple[tuple[str, ...] | None, str | None]:
    """A walked directory's parts below `root` as given (None when it is not inside it as given)
    and its path relative to the filter's root (`Filter.relative`). A file in it, `directory/name`,
    is inside the root as given exactly when the directory is (it cannot be the root itself: the
    root is longer than the directory only if the directory is one of its parents), and then its
    parts below the root are the directory's and its name; likewise for `relative_to`."""
    parts = directory.parts[len(root.parts):] if _inside(directory, root) else None
    return parts, only.relative(directory)


def _target(path: Path, root: Path, skips: list[Skipped], named: bool) -> Path | None:
    """The file to read for `path`, resolved; None (and why, in `skips`) when it must not be read.
    Files in a pipeline's place are reported as named ones are: silently skipping them would
    hide a pipeline from the check."""
    try:
        target = path.resolve()
    except RuntimeError:  # a symbolic link loop (Python < 3.13 raises this, later ones OSError)
        skips.append(Skipped(path, "a symbolic link that loops; not followed"))
        return None
    except OSError as exc:
        reason = "a symbolic link that loops; not followed" if exc.errno == errno.ELOOP else \
            f"cannot resolve the path: {exc.strerror or exc}"
        skips.append(Skipped(path, reason))
        return None
    if path.is_symlink() and not _inside(target, root):
        skips.append(Skipped(path, f"a symbolic link to {target}, outside the repository; not followed"))
        return None
    try:
        mode = os.stat(target).st_mode
    except OSError as exc:
        what = "a symbolic link to a missing file" if path.is_symlink() else "cannot read the file"
        skips.append(Skipped(path, f"{what}: {exc.strerror or exc}"))
        return None
    if stat.S_ISDIR(mode) and named:
        return target
    if not stat.S_ISREG(mode):
        skips.append(Skipped(path, f"not a regular file ({kind_of(mode)}); not read"))
        return None
    return target


def _platform_by_place(path: Path, root: Path) -> FilePlatform | None:
    """A file's platform by its place in the project: the root's `.github/workflows/*.yml`,
    `.circleci/*.yml` and `.github/settings.yml` (the platforms read no other), and `action.yml`
    anywhere (a nested project's files never get here: walks do not enter them, and a file
    named in one has that project's root)."""
    if not path.name.endswith(PIPELINE_SUFFIXES):
        return None
    if path.name in ("action.yml", "action.yaml"):
        return "action"
    parts = _parts_under(path, root)
    if parts is None:  # named outside the root: by the tail of its path
        parts = path.parts[-3:]
        if parts[-3:-1] == (".github", "workflows"):
            return "github"
        if parts[-2:-1] == (".circleci",):
            return "circleci"
    return _platform_under(parts)


def _platform_under(parts: tuple[str, ...]) -> FilePlatform | None:
    """The platform of a pipeline-named file (not an action) by its parts below the root."""
    if len(parts) == 3 and parts[:2] == (".github", "workflows"):
        return "github"
    if len(parts) == 2 and parts[0] == ".circleci":
        return "circleci"
    if parts in ((".github", "settings.yml"), (".github", "settings.yaml")):
        return "settings"
    return None


def _parts_under(path: Path, root: Path) -> tuple[str, ...] | None:
    """The parts of `path` below `root` (itself resolved), as given or with its directory
    resolved; None outside the root. (The directory is resolved only when the path as given is
    not inside: `realpath` costs an `lstat` per component.)"""
    if _inside(path, root):
        return path.parts[len(root.parts):]
    resolved = Path(os.path.realpath(path.parent), path.name)
    if _inside(resolved, root):
        return resolved.parts[len(root.parts):]
    return None


def sniff(root: Any) -> FilePlatform:
    """A file's platform from its content, for files named explicitly."""
    from .load_github import is_action, is_workflow

    if not isinstance(root, (YMap, list)):
        return "unknown"
    if is_workflow(root):
        return "github"
    if is_action(root):
        return "action"
    if isinstance(root, YMap):
        if "version" in root and any(k in root for k in ("jobs", "workflows", "orbs")):
            return "circleci"
        if _looks_like_settings(root):
            return "settings"
    return "protection" if _looks_like_protection(root) else "unknown"


# Sniffing asks for the shapes, not only the key names: files users name are often other tools'
# configurations (zizmor's `rules:` mapping, semantic-release's `branches: [main]`), which must
# stay "unknown" rather than become protection files full of errors.


def _looks_like_settings(root: YMap) -> bool:
    branches = root.get("branches")
    if isinstance(branches, YSeq) and branches and all(isinstance(b, YMap) and "name" in b for b in branches):
        return True
    return isinstance(root.get("rulesets"), YSeq) or isinstance(root.get("repository"), YMap)


def _looks_like_protection(root: Any) -> bool:
    if isinstance(root, YSeq):  # rulesets, or the rules that apply to a branch
        return bool(root) and all(
            isinstance(item, YMap) and (_is_ruleset(item) or isinstance(item.get("type"), str))
            for item in root
        )
    if not isinstance(root, YMap):
        return False
    if "required_status_checks" in root and isinstance(root["required_status_checks"], (YMap, type(None))):
        return True  # the REST branch protection response
    if isinstance(root.get("checks"), YSeq) or isinstance(root.get("contexts"), YSeq):
        return True  # its `required_status_checks` sub-endpoint
    if "message" in root and "documentation_url" in root:
        return True  # the API's answer for an unprotected branch
    return _is_ruleset(root)


def _is_ruleset(item: YMap) -> bool:
    shaped = any(key in item for key in ("target", "enforcement", "conditions"))
    return shaped and isinstance(item.get("rules"), YSeq)


class _Loader:
    """Reads and composes files once each, for the project and for local lookups."""

    def __init__(self, project: Project, read: dict[Path, bytes] | None = None) -> None:
        self.project = project
        self.preread = read or {}  # bytes read before (`FilePart.read`)
        self.docs: dict[str, tuple[Source, Document] | None] = {}
        # The root resolved once, and `load_local` answers by reference: composite actions are
        # looked up once per step that uses them (5,720 times for the 1,448 corpus workflows),
        # and each lookup resolved the root and the target again (99,000 `lstat` calls in all).
        self.root = project.root.resolve()
        self.locals: dict[str, tuple[Source, YMap] | None] = {}

    def relpath(self, path: Path) -> str:
        """The name of a resolved path in findings: relative to the root when inside it."""
        try:
            return _printable(path.relative_to(self.root).as_posix())
        except ValueError:
            return _printable(path.as_posix())

    def read(self, path: Path, rel: str) -> tuple[Source, Document] | None:
        if rel in self.docs:
            return self.docs[rel]
        result = self._read(path, rel)
        self.docs[rel] = result
        return result

    def _read(self, path: Path, rel: str) -> tuple[Source, Document] | None:
        problems = self.project.problems
        data = self.preread.pop(path, None)
        if data is None:
            data = self._bytes(path, rel)
        if data is None:
            return None
        try:
            text = yamlsrc.decode(data)
        except YamlError as exc:
            self._fail(rel, exc.message, exc.pos)
            return None
        source_file = SourceFile(rel, "unknown", text)
        self.project.files.append(source_file)
        source = Source(rel, source_file.lines, problems)
        try:
            documents = yamlsrc.load(text)
        except YamlError as exc:
            source.problem(ProblemKind.PARSE, exc.message, exc.pos)
            return None
        document = next((d for d in documents if d.root is not None), None)
        if document is None:
            source.problem(ProblemKind.PARSE, "the file is empty", NOWHERE)
            return None
        return source, document

    def _bytes(self, path: Path, rel: str) -> bytes | None:
        """The file's bytes, refused by size before reading and never blocking: the file is
        opened non-blocking and checked to be a regular file again once open, in case it was
        replaced by a named pipe since discovery (`readfile.read_bounded`)."""
        try:
            return read_bounded(path, yamlsrc.MAX_FILE_BYTES)
        except ReadRefused as exc:
            self._fail(rel, str(exc), NOWHERE)
            return None

    def _fail(self, rel: str, message: str, pos: Pos) -> None:
        if self.project.file(rel) is None:
            self.project.files.append(SourceFile(rel, "unknown"))
        self.project.problems.append(
            Problem(ProblemKind.PARSE, message, Span(rel, pos.line, pos.column, pos.end_line, pos.end_column)))

    def skipped(self, skip: Skipped) -> None:
        self._fail(_display(skip.path, self.project.root), skip.reason, NOWHERE)

    def load_local(self, relpath: str) -> tuple[Source, YMap] | None:
        """A file of the repository another file refers to (`./.github/workflows/x.yml`)."""
        if relpath not in self.locals:
            self.locals[relpath] = self._load_local(relpath)
        return self.locals[relpath]

    def _load_local(self, relpath: str) -> tuple[Source, YMap] | None:
        root = self.root
        try:  # the reference is text from the file: it may hold a NUL, `..` or a loop
            path = (root / relpath).resolve()
            if not _inside(path, root) or not path.is_file():
                return None
        except (OSError, ValueError, RuntimeError):
            return None
        loaded = self.read(path, self.relpath(path))
        if loaded is None or not isinstance(loaded[1].root, YMap):
            return None
        _duplicate_keys(loaded[0], loaded[1], "github")  # an action or reusable workflow: GitHub's
        return loaded[0], loaded[1].root


def _display(path: Path, root: Path) -> str:
    """`path` relative to the root as the user sees it: a link's own place, not its target's."""
    for candidate in (path, Path(os.path.realpath(path.parent)) / path.name):
        try:
            return _printable(candidate.relative_to(root).as_posix())
        except ValueError:
            continue
    return _printable(path.as_posix())


def _printable(path: str) -> str:
    """A file name that is not UTF-8 (Python keeps its bytes as lone surrogates, which no report
    can encode) with those bytes written as `\\xff`. Paths are only shown, never opened again."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")
    return path


def project_groups(paths: Iterable[Path]) -> list[tuple[Path, list[Path]]]:
    """The paths by the project they belong to (its root, as `find_root` finds it for each), in
    the order first named: each project is checked on its own."""
    groups: dict[Path, list[Path]] = {}
    for path in paths:
        groups.setdefault(find_root([path])[0], []).append(path)
    return list(groups.items())


# What a tree of pipelines alone holds, which says nothing of the repository's other files
# (`Project.holds_repository_contents`): everything under a `.github` or `.circleci` folder (at any
# depth: a copy of the CI folders of a monorepo's packages), YAML files anywhere (action metadata,
# cilint's own configuration, pipelines kept as test data or samples: a collection of pipelines,
# such as a linter's test suite, is YAML all through), JSON files anywhere (branch protection and
# rulesets as the REST API gives them, kept beside the pipelines as samples), the files cilint was
# given to read (named explicitly, protection files), and the metadata files file managers leave.
# Any other file (a README, a licence, `.gitignore`, a source file, a text or TOML lockfile) makes
# the tree a repository's contents: every checkout of a real repository has one.
CONTENTS_EXCLUDED_DIRS = frozenset({".github", ".circleci"})
CONTENTS_EXCLUDED_SUFFIXES = (".yml", ".yaml", ".json")
CONTENTS_EXCLUDED_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
_CONTENTS_MAX_DIRS = 20_000  # a tree this large without any other file is not a copy of pipelines


def holds_repository_contents(root: Path, inputs: set[str]) -> bool:
    """Whether the tree under `root` holds a file other than pipelines, YAML and cilint's inputs
    (`inputs`: paths relative to the root), by a walk that stops at the first such file."""
    top = str(root)
    for count, (dirpath, dirnames, filenames) in enumerate(os.walk(top)):
        if count > _CONTENTS_MAX_DIRS:
            return True
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and d not in CONTENTS_EXCLUDED_DIRS)
        rel = os.path.relpath(dirpath, top).replace(os.sep, "/")
        for name in filenames:
            if (name in CONTENTS_EXCLUDED_NAMES or name.endswith(CONTENTS_EXCLUDED_SUFFIXES)
                    or (name if rel == "." else f"{rel}/{name}") in inputs):
                continue
            return True
    return False


@dataclass
class FilePart:
    """The share of a project's files one process loads when a check is split between two
    (`split.py`): what discovery found (done once, before the split), the files of this share
    in the order to load them (taken one by one as loading goes: `split.py` hands them out
    while both processes load), and whether this process reports what discovery skipped. Set by
    loading: `loaded`, the files of the share it loaded, and `outside`, the files it read that
    are not in its share (a local reference into the other share)."""

    found: list[tuple[Path, Placed]]
    skipped: list[Skipped]
    nested: list[Path]
    share: Iterable[Path]
    first: bool
    loaded: list[Path] = field(default_factory=list)
    outside: set[str] = field(default_factory=set)
    # The bytes of files already read in full to make the split (regular files within the size
    # limit): not read a second time.
    read: dict[Path, bytes] = field(default_factory=dict)


def build_project(paths: Iterable[Path], settings: LoadSettings | None = None,
                  nested: list[Path] | None = None, part: FilePart | None = None) -> Project:
    """The project of `paths` (its root found from the first); the roots of the nested projects
    its walks skipped are added to `nested`. With `part`, only that share of its files."""
    settings = settings or LoadSettings()
    paths = list(paths) or [Path(".")]
    root, is_repository = find_root(paths)
    project = Project(root=root, default_branch=settings.default_branch, is_repository=is_repository)
    loader = _Loader(project, part.read if part is not None else None)
    skipped: list[Skipped] = []
    only = Filter(root, settings.exclude, settings.extend_exclude)
    found: Iterable[tuple[Path, Placed]]
    if part is None:
        found = discover(paths, root, skipped, only)
    else:
        found = _taken(part)
        skipped = part.skipped if part.first else []
        only.nested = part.nested if part.first else []
    for path, platform in found:
        rel = loader.relpath(path)
        loaded = loader.read(path, rel)
        if loaded is None:
            continue
        source, document = loaded
        if platform == "sniff":
            platform = sniff(document.root)
            if platform == "unknown" and not isinstance(document.root, (YMap, YSeq)):
                # A file named explicitly that holds a lone scalar is nothing cilint reads (other
                # tools' configurations are mappings): say so rather than list it as checked.
                _not_a_mapping(source, document.root)
        _load_one(project, loader, source, document, platform)
    for skip in skipped:
        loader.skipped(skip)
    if nested is not None:
        nested.extend(only.nested)
    for path in settings.protection_files:
        path = _resolved(path)
        rel = loader.relpath(path)
        loaded = loader.read(path, rel)
        if loaded is not None:
            _load_one(project, loader, loaded[0], loaded[1], "protection")
    if part is not None:
        part.outside = set(loader.docs) - {loader.relpath(path) for path in part.loaded}
    _link_workflows(project)
    project.holds_repository_contents = is_repository and holds_repository_contents(
        loader.root, {source.path for source in project.files})
    project.pipelines.sort(key=lambda p: p.path)
    project.files.sort(key=lambda f: f.path)
    project.problems.sort(key=lambda p: (p.span.sort_key(), p.kind, p.message))
    return project


def _taken(part: FilePart) -> Iterator[tuple[Path, Placed]]:
    """The files of a share as they are handed out, each recorded in `part.loaded`."""
    platforms = dict(part.found)
    for path in part.share:
        part.loaded.append(path)
        yield path, platforms[path]


# What a duplicate key does where the file is read: the message names the platform of the file.
_DUPLICATE_KEY_EFFECT: dict[str, str] = {
    "github": "GitHub rejects the workflow file",
    "action": "GitHub rejects the action",
}
_DUPLICATE_KEY_ELSEWHERE = "YAML readers keep only one of them, silently, and not all the same one"


def _duplicate_keys(source: Source, document: Document, platform: str) -> None:
    effect = _DUPLICATE_KEY_EFFECT.get(platform, _DUPLICATE_KEY_ELSEWHERE)
    for key, pos, first in document.duplicate_keys:
        source.problem(ProblemKind.PARSE, f"duplicate key `{key}` (first at line {first.line}): {effect}", pos)


def _load_one(project: Project, loader: _Loader, source: Source, document: Document, platform: FilePlatform) -> None:
    _duplicate_keys(source, document, platform)
    source_file = project.file(source.path)
    if source_file is not None:
        source_file.platform = platform
    root = document.root
    if platform in ("github", "action", "circleci", "settings") and not isinstance(root, YMap):
        _not_a_mapping(source, root)
        return
    size = len(source_file.text.encode()) if platform == "github" and source_file is not None else 0
    if size > GITHUB_MAX_WORKFLOW_BYTES:
        source.problem(ProblemKind.PARSE, f"the workflow file is {size:,} bytes: GitHub does not start runs of "
                       f"workflow files over {GITHUB_MAX_WORKFLOW_BYTES:,} bytes (500 KB)", NOWHERE)
    before = len(project.problems)
    try:
        if platform in ("github", "action", "circleci"):
            with budget_for(source) as budget:
                pipeline = _load_pipeline(project, loader, source, document, platform)
            if _within_limits(project, source, pipeline, budget, before):
                project.pipelines.append(pipeline)
        elif platform == "settings":
            from .load_protection import load_settings

            project.protections.extend(load_settings(source, root))
        elif platform == "protection":
            from .load_protection import load_protection_json

            project.protections.extend(load_protection_json(source, root))
    except Exception as exc:  # a bug in a loader must not stop the other files being checked
        project.problems[before:] = [p for p in project.problems[before:] if p.span.path != source.path]
        frames = traceback.extract_tb(exc.__traceback__)
        where = f" ({frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno})" if frames else ""
        # The engine reports these as internal errors (exit code 2), naming the file.
        project.problems.append(Problem(INTERNAL_ERROR, f"{type(exc).__name__}: {exc}{where}",
                                        Span(source.path, 1, 1, 1, 1)))


def _not_a_mapping(source: Source, root: Any) -> None:
    kinds = {YSeq: "list", YStr: "string", int: "number", float: "number", bool: "boolean"}
    kind = kinds.get(type(root), "scalar")
    source.problem(ProblemKind.PARSE, f"the file must be a mapping of keys, not a {kind}", yamlsrc.pos_of(root))


def _load_pipeline(project: Project, loader: _Loader, source: Source, document: Document,
                   platform: PipelinePlatform) -> Pipeline:
    root = document.root
    if platform == "github":
        from .load_github import load_workflow

        return load_workflow(source, root, loader.load_local, project.default_branch, document.merge_keys)
    if platform == "action":
        from .load_github import load_action

        return load_action(source, root)
    from .load_circleci import load_circleci

    return load_circleci(source, root)


def _within_limits(project: Project, source: Source, pipeline: Pipeline, budget: Budget, before: int) -> bool:
    """Whether the pipeline stayed within the model limits; if not, its problems so far are
    replaced by one `parse-error` where it went over, and the pipeline is left out."""
    message, pos = None, NOWHERE
    if budget.over is not None:
        where, at = budget.over
        message = (f"the file expands to more than {MAX_MODEL_ITEMS:,} job runs, steps and dependencies "
                   "(matrices, commands, calls and aliases multiply them); not checked")
        if where is source:
            pos = at
        else:
            message += f" (it went over in {where.path}, line {at.line})"
    else:
        chars = 0
        for step in _steps_of(pipeline):
            chars += len(step.run.value) if step.run is not None else 0
            if chars > MAX_MODEL_SCRIPT_CHARS:
                message = (f"the `run` scripts of the file's steps add up to more than "
                           f"{MAX_MODEL_SCRIPT_CHARS:,} characters once matrices and commands are "
                           "expanded; not checked")
                span = step.run.span if step.run is not None else step.span
                if span.path == source.path:
                    pos = Pos(span.line, span.column, span.end_line, span.end_column)
                break
    if message is None:
        return True
    project.problems[before:] = [p for p in project.problems[before:] if p.span.path != source.path]
    source.problem(ProblemKind.PARSE, message, pos)
    return False


def _steps_of(pipeline: Pipeline) -> Iterable[Any]:
    yield from pipeline.action_steps
    for workflow in pipeline.workflows:
        for job in workflow.jobs():
            yield from job.steps


def _link_workflows(project: Project) -> None:
    """`on: workflow_run` makes one workflow run after another (matched by workflow name)."""
    by_name: dict[str, list[Any]] = {}
    for workflow in project.workflows():
        if workflow.pipeline.platform == "github":
            by_name.setdefault(workflow.name, []).append(workflow)
    for workflow in project.workflows():
        for trigger in workflow.triggers:
            if trigger.event != "workflow_run":
                continue
            for upstream_name in trigger.workflows:
                for upstream in by_name.get(upstream_name, []):
                    project.links.append(WorkflowLink(upstream, workflow, trigger))
    _chain_outsiders(project)


def _chain_outsiders(project: Project) -> None:
    """A `workflow_run` trigger is an outsider's to cause when a workflow it follows is: an
    outsider's pull request completes `CI`, which starts the workflow that runs after `CI`, in the
    base repository (`github_events.py`). Decided here, once every workflow is loaded; followed
    along chains of `workflow_run` (to a fixed point). Each job's copies of the trigger follow."""
    changed = True
    while changed:
        changed = False
        for link in project.links:
            if link.trigger.outsider or not any(t.outsider for t in link.upstream.triggers):
                continue
            changed = True
            link.trigger.outsider = True
    for link in project.links:
        if link.trigger.outsider:
            for job in link.downstream.jobs():
                for trigger in job.triggers:
                    if trigger.event == link.trigger.event and trigger.span == link.trigger.span:
                        trigger.outsider = True
