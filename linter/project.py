"""Discovery and loading: from the paths a user gives to a `Project`.

Which files are pipelines is decided by their place (`.github/workflows/*.yml`, `action.yml`,
`.circleci/*.yml`, `.github/settings.yml`) or, for a file named explicitly elsewhere, by their
content. Each file is read with limits; one that cannot be loaded becomes a `parse-error`
problem and the others are still loaded. Nothing is executed, fetched, or followed out of the
tree (symbolic links that leave it are skipped).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import yamlsrc
from .loadutil import Source
from .model import Problem, Project, SourceFile, Span, WorkflowLink
from .yamlsrc import NOWHERE, Document, Pos, YamlError, YMap

PIPELINE_SUFFIXES = (".yml", ".yaml")
_SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", "_build", "deps", ".tox"}


@dataclass
class LoadSettings:
    """What loading needs from the configuration."""

    default_branch: str = "main"
    protection_files: list[Path] = field(default_factory=list)


def find_root(paths: list[Path]) -> tuple[Path, bool]:
    """The repository root findings are relative to, and whether a repository is being checked
    (so that the rules may look at its lockfiles and build files)."""
    first = (paths[0] if paths else Path(".")).resolve()
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
    if all(_inside(p.resolve(), cwd) for p in paths):
        return cwd, False
    return start, False


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def discover(paths: list[Path], root: Path) -> list[tuple[Path, str]]:
    """(file, platform by its place or 'sniff') for every pipeline file under `paths`, sorted."""
    found: dict[Path, str] = {}
    for given in paths:
        if given.is_symlink() and not _inside(given.resolve(), root):
            continue
        if given.is_file():
            found[given.resolve()] = _platform_by_place(given.resolve(), root) or "sniff"
            continue
        if not given.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(given):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS
                                 and not os.path.islink(os.path.join(dirpath, d)))
            for name in sorted(filenames):
                path = Path(dirpath, name)
                if path.is_symlink() and not _inside(path.resolve(), root):
                    continue
                platform = _platform_by_place(path.resolve(), root)
                if platform is not None:
                    found[path.resolve()] = platform
    return sorted(found.items(), key=lambda item: str(item[0]))


def _platform_by_place(path: Path, root: Path) -> str | None:
    if not path.name.endswith(PIPELINE_SUFFIXES):
        return None
    parts = path.parts
    if path.name in ("action.yml", "action.yaml"):
        return "action"
    if len(parts) >= 3 and parts[-3:-1] == (".github", "workflows"):
        return "github"
    if len(parts) >= 2 and parts[-2] == ".circleci":
        return "circleci"
    if len(parts) >= 2 and parts[-2:] in ((".github", "settings.yml"), (".github", "settings.yaml")):
        return "settings"
    return None


def sniff(root: Any) -> str:
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
        if any(k in root for k in ("branches", "rulesets", "repository")):
            return "settings"
    return "protection" if _looks_like_protection(root) else "unknown"


def _looks_like_protection(root: Any) -> bool:
    items = root if isinstance(root, list) else [root]
    keys = {"required_status_checks", "rules", "strict", "contexts", "checks"}
    return any(isinstance(item, YMap) and keys & set(item) for item in items)


class _Loader:
    """Reads and composes files once each, for the project and for local lookups."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.docs: dict[str, tuple[Source, Document] | None] = {}

    def relpath(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.project.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def read(self, path: Path, rel: str) -> tuple[Source, Document] | None:
        if rel in self.docs:
            return self.docs[rel]
        result = self._read(path, rel)
        self.docs[rel] = result
        return result

    def _read(self, path: Path, rel: str) -> tuple[Source, Document] | None:
        problems = self.project.problems
        try:
            size = path.stat().st_size
            if size > yamlsrc.MAX_FILE_BYTES:
                self._fail(rel, f"the file is {size // (1024 * 1024)} MB, over the "
                           f"{yamlsrc.MAX_FILE_BYTES // (1024 * 1024)} MB limit; not read", NOWHERE)
                return None
            data = path.read_bytes()
        except OSError as exc:
            self._fail(rel, f"cannot read the file: {exc.strerror or exc}", NOWHERE)
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
            source.problem("parse-error", exc.message, exc.pos)
            return None
        document = next((d for d in documents if d.root is not None), None)
        if document is None:
            source.problem("parse-error", "the file is empty", NOWHERE)
            return None
        for key, pos, first in document.duplicate_keys:
            source.problem("parse-error", f"duplicate key `{key}` (first at line {first.line}); "
                           "GitHub rejects the file and other tools keep only one of them", pos)
        return source, document

    def _fail(self, rel: str, message: str, pos: Pos) -> None:
        self.project.files.append(SourceFile(rel, "unknown"))
        self.project.problems.append(
            Problem("parse-error", message, Span(rel, pos.line, pos.column, pos.end_line, pos.end_column)))

    def load_local(self, relpath: str) -> tuple[Source, YMap] | None:
        """A file of the repository another file refers to (`./.github/workflows/x.yml`)."""
        root = self.project.root.resolve()
        path = (root / relpath).resolve()
        if not _inside(path, root) or not path.is_file():
            return None
        loaded = self.read(path, self.relpath(path))
        if loaded is None or not isinstance(loaded[1].root, YMap):
            return None
        return loaded[0], loaded[1].root


def build_project(paths: Iterable[Path], settings: LoadSettings | None = None) -> Project:
    settings = settings or LoadSettings()
    paths = list(paths) or [Path(".")]
    root, is_repository = find_root(paths)
    project = Project(root=root, default_branch=settings.default_branch, is_repository=is_repository)
    loader = _Loader(project)
    for path, platform in discover(paths, root):
        rel = loader.relpath(path)
        loaded = loader.read(path, rel)
        if loaded is None:
            continue
        source, document = loaded
        if platform == "sniff":
            platform = sniff(document.root)
        _load_one(project, loader, source, document, platform)
    for path in settings.protection_files:
        rel = loader.relpath(path)
        loaded = loader.read(path, rel)
        if loaded is not None:
            _load_one(project, loader, loaded[0], loaded[1], "protection")
    _link_workflows(project)
    project.pipelines.sort(key=lambda p: p.path)
    project.files.sort(key=lambda f: f.path)
    project.problems.sort(key=lambda p: (p.span.sort_key(), p.rule, p.message))
    return project


def _load_one(project: Project, loader: _Loader, source: Source, document: Document, platform: str) -> None:
    source_file = project.file(source.path)
    if source_file is not None:
        source_file.platform = platform
    root = document.root
    if platform in ("github", "action", "circleci", "settings") and not isinstance(root, YMap):
        kind = type(root).__name__.replace("YSeq", "list").replace("YStr", "string")
        source.problem("parse-error", f"the file must be a mapping of keys, not a {kind}", yamlsrc.pos_of(root))
        return
    if platform == "github":
        from .load_github import load_workflow

        project.pipelines.append(load_workflow(source, root, loader.load_local, project.default_branch,
                                               document.merge_keys))
    elif platform == "action":
        from .load_github import load_action

        project.pipelines.append(load_action(source, root))
    elif platform == "circleci":
        from .load_circleci import load_circleci

        project.pipelines.append(load_circleci(source, root))
    elif platform == "settings":
        from .load_protection import load_settings

        project.protections.extend(load_settings(source, root))
    elif platform == "protection":
        from .load_protection import load_protection_json

        project.protections.extend(load_protection_json(source, root))


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
