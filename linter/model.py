"""The platform-neutral model every rule reads.

Loaders (`load_github`, `load_circleci`, `load_protection`) turn each platform's files into these
classes; rules never see raw YAML. A `Project` holds pipelines (one per GitHub workflow file, one per
CircleCI config, composite/docker actions as step libraries) and branch protection. Each pipeline
has workflows; a workflow's jobs form a DAG, `Workflow.dag` (edge A -> B: B runs after A), also
available as a `networkx.DiGraph` (`Workflow.graph`). Every value a finding may point at keeps
its `Span`.
"""

from __future__ import annotations

import os
import re
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol, SupportsIndex

from .shell import split_script
from .values import Command as Command
from .values import Span as Span
from .values import Text as Text
from .yamlsrc import Pos

# The string enums of the model, as `Literal` types: the values stay plain strings (the JSON view,
# messages and comparisons are unchanged) and mypy checks every value a loader sets.
SecretVia = typing.Literal["expression", "variable", "inherit"]  # ${{ secrets.X }}, $X, `secrets: inherit`
# check-run: GitHub Actions; status: a CircleCI commit status
CheckKind = typing.Literal["check-run", "status", "workflow-check"]


class ProblemKind(StrEnum):
    """What kind of thing a loader could not make sense of. The values are the names problems have
    always had in the policy view (`problems[].rule`) and sort by."""

    PARSE = "parse-error"  # a file that cannot be read, or a value of the wrong shape
    REFERENCE = "invalid-reference"  # a job, executor, command, workflow or action that does not exist
    INTERNAL = "internal-error"  # a loader failed on the file (a bug in cilint, not in the file)


@dataclass
class Problem:
    """Something a loader could not make sense of; each kind has the rule that reports it."""

    kind: ProblemKind
    message: str
    span: Span
    job: str | None = None
    related: list[tuple[Span, str]] = field(default_factory=list)


@dataclass
class Trigger:
    """An event that starts a pipeline or workflow, with its filters (None: no filter)."""

    event: str  # push, pull_request, pull_request_target, merge_group, schedule, workflow_dispatch, ...
    span: Span
    branches: list[str] | None = None
    branches_ignore: list[str] | None = None
    tags: list[str] | None = None
    tags_ignore: list[str] | None = None
    paths: list[str] | None = None
    paths_ignore: list[str] | None = None
    types: list[str] | None = None
    workflows: list[str] = field(default_factory=list)  # workflow_run: upstream workflow names
    cron: str | None = None
    certain: bool = True  # False: only an unreadable condition lets it through

    @property
    def is_pull_request(self) -> bool:
        return self.event.startswith("pull_request")

    @property
    def is_manual(self) -> bool:
        return self.event in ("workflow_dispatch", "repository_dispatch", "manual")

    def label(self) -> str:
        """`push(main)`, `pull_request`, `push(tags: v*)` for messages."""
        scope = []
        if self.branches:
            scope.append(", ".join(self.branches))
        if self.tags:
            scope.append("tags: " + ", ".join(self.tags))
        return f"{self.event}({'; '.join(scope)})" if scope else self.event


@dataclass
class EnvVar:
    """An environment variable as the configuration sets it."""

    name: str
    value: Text
    reference: bool  # the value refers to a secret store/variable/expression rather than being literal
    level: str  # workflow, job, executor, image, step

    @property
    def written(self) -> str:
        """The value as written (`value.value`); a `Literal` has it without making its `Text`."""
        return self.value.value


class TextSource(Protocol):
    """What makes a scalar's `Text` (`loadutil.Source`)."""

    def text(self, value: Any, default: Pos | None = None) -> Text: ...


class Literal(EnvVar):
    """A `key: string` pair of a file (`Pipeline.literals`, level "yaml"), its `Text` made only
    when it is read. Every string of every file is one (64,696 for the 1,448 corpus workflows)
    and the secret scan reads each, but where one stands only for the few it reports."""

    __slots__ = ("_pos", "_source", "_text", "_written")

    def __init__(self, name: str, written: str, reference: bool, source: TextSource, pos: Pos) -> None:
        # (EnvVar's __init__ is not called: `value` is made on demand, by `source.text(written, pos)`.)
        self.name = name
        self.reference = reference
        self.level = "yaml"
        self._written = written
        self._source: TextSource | None = source
        self._pos = pos
        self._text: Text | None = None

    @property
    def written(self) -> str:
        return self._written

    @property
    def value(self) -> Text:
        if self._text is None:
            assert self._source is not None
            self._text, self._source = self._source.text(self._written, self._pos), None
        return self._text

    @value.setter
    def value(self, text: Text) -> None:
        self._text, self._source = text, None


@dataclass
class SecretRef:
    """A use of a secret-like value: `${{ secrets.X }}`, `$X` in a CircleCI job, a literal."""

    name: str
    span: Span
    via: SecretVia
    where: str  # "run", "env", "with", "auth", "secrets", "image"
    step: int | None = None  # index into JobRun.steps


@dataclass
class Cache:
    """A cache a step saves or restores."""

    action: str  # "save", "restore", "save+restore" (actions/cache), "builtin" (setup-* actions)
    span: Span
    key: Text | None = None
    restore_keys: list[Text] = field(default_factory=list)
    paths: list[Text] = field(default_factory=list)
    tool: str | None = None  # builtin: npm, yarn, pnpm, pip, poetry, pipenv, go, maven, gradle...
    key_files: list[str] = field(default_factory=list)  # builtin: files the key is hashed from


@dataclass
class Reference:
    """Something fetched from elsewhere at run time: an action, a reusable workflow, an orb."""

    kind: str  # "action", "workflow", "orb", "docker"
    name: str  # owner/repo[/path], orb namespace/name, or the local path
    version: str | None  # the ref after @ (None: none given)
    text: Text  # as written
    comment: str | None = None  # a trailing `# v1.2.3` comment
    job: str | None = None  # qualified job

    @property
    def local(self) -> bool:
        return self.name.startswith("./") or self.name.startswith("../")


@dataclass
class Image:
    """A container or machine image a job runs in or next to."""

    ref: str  # resolved reference
    span: Span  # where it is written (or the invocation that supplied it)
    kind: str  # "docker", "machine", "container", "service", "step", "action"
    written: str  # as written before resolution
    resolved: bool = True  # False: an expression we could not resolve
    via: list[Text] = field(default_factory=list)  # parameters/matrix values it came through
    auth: dict[str, Text] = field(default_factory=dict)


@dataclass
class Step:
    """One step of a job: a script, an action/orb/command use, a cache operation."""

    span: Span
    kind: str  # "run", "uses", "cache", "checkout", "other"
    name: str | None = None
    run: Text | None = None
    shell: str | None = None
    uses: Reference | None = None
    inputs: dict[str, Text] = field(default_factory=dict)  # `with:` / orb command parameters
    env: dict[str, EnvVar] = field(default_factory=dict)  # effective: workflow < job < executor < step
    cache: Cache | None = None
    continue_on_error: bool = False
    origin: str | None = None  # the reusable command / composite action it came from
    condition: Text | None = None  # GitHub step `if:`, as written
    working_directory: str | None = None  # where `run` starts, as written (None: the checkout)

    @cached_property
    def commands(self) -> list[Command]:
        if self.run is None:
            return []
        return split_script(self.run, self.working_directory)


@dataclass
class CheckName:
    """A status check a job reports on GitHub, exactly as branch protection must name it."""

    name: str
    kind: CheckKind
    span: Span
    app_id: int | None = None  # 15368 for GitHub Actions
    when_skipped: bool = False  # the name reported when the whole (matrix) job is skipped
    pattern: bool = False  # `name` is a glob: part of it is only known at run time


@dataclass
class JobRun:
    """A job as it runs in one workflow (one matrix leg, one invocation)."""

    key: str  # unique within its workflow
    job_id: str  # the job definition's id
    name: str  # display name
    span: Span  # the invocation (CircleCI workflow entry) or the job's key (GitHub)
    qualified: str  # "<file>:<workflow>/<job>"
    kind: str = "job"  # "job", "approval", "call" (reusable workflow caller), "orb", "noop"
    definition: Span | None = None
    steps: list[Step] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    env: dict[str, EnvVar] = field(default_factory=dict)
    contexts: list[Text] = field(default_factory=list)
    environment: Text | None = None
    checks: list[CheckName] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)  # what can start this job
    condition: Text | None = None  # `if:` / CircleCI expression filter, as written
    branch_filter: dict[str, list[str]] = field(default_factory=dict)  # CircleCI filters
    matrix: dict[str, Any] = field(default_factory=dict)  # this leg's values
    parameters: dict[str, Any] = field(default_factory=dict)  # resolved job parameters
    secrets: list[SecretRef] = field(default_factory=list)
    runs_on: list[Text] = field(default_factory=list)
    timeout: Text | None = None
    concurrency: Text | None = None
    uses: Reference | None = None  # reusable workflow called / orb job
    caller: str | None = None  # key of the reusable-workflow caller job
    continue_on_error: bool = False
    needs_results_checked: bool = False  # an aggregator that checks needs.*.result with always()
    deploy: Deploy | None = None  # filled by `linter.deploy`

    @property
    def is_approval(self) -> bool:
        return self.kind == "approval"


@dataclass
class Deploy:
    """Why a job is taken for a deployment, and to what."""

    evidence: list[tuple[str, Span]]  # (what, where), strongest first
    target: str  # "production" or a non-production name
    production: bool


@dataclass
class Workflow:
    """A DAG of job runs started together.

    `dag` holds it (node: the run's key, with attribute `job`; edge A -> B: B runs after A);
    `graph` is the same graph as a `networkx.DiGraph`, for rules that want networkx's algorithms.
    """

    name: str
    span: Span
    dag: JobGraph
    pipeline: Pipeline
    triggers: list[Trigger] = field(default_factory=list)
    condition: Text | None = None  # CircleCI `when`/`unless`, as written
    checks: list[CheckName] = field(default_factory=list)  # workflow-level checks (CircleCI checks)
    concurrency: Text | None = None

    @property
    def graph(self) -> Any:
        """The DAG as a `networkx.DiGraph`, sharing `dag`'s storage (networkx is imported then)."""
        return self.dag.networkx()

    def job(self, key: str) -> JobRun:
        job: JobRun = self.dag.nodes[key]["job"]
        return job

    def jobs(self) -> Iterator[JobRun]:
        for attributes in self.dag.nodes.values():
            yield attributes["job"]

    def ancestors(self, key: str) -> list[JobRun]:
        return [self.job(k) for k in sorted(self.dag.ancestors(key))]


class JobGraph:
    """A directed graph stored as `networkx.DiGraph` stores one, and changed as its methods do.

    Why not a `networkx.DiGraph` itself: importing networkx takes 0.1 s, half of a check of one
    workflow (the pre-commit case), and cilint needs a handful of its methods. `networkx()` gives
    a real DiGraph over the same dictionaries (a change through either shows in both), imported
    only then: for `cilint graph`, custom policies, cycles (reported with networkx's own search)
    and plug-in rules. Node and edge orders are networkx's: insertion order.
    """

    __slots__ = ("_networkx", "_pred", "_succ", "nodes")

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}  # node -> its attributes (networkx's `_node`)
        self._succ: dict[str, dict[str, dict[str, Any]]] = {}  # node -> successor -> edge attributes
        self._pred: dict[str, dict[str, dict[str, Any]]] = {}  # node -> predecessor -> the same
        self._networkx: Any = None

    def __contains__(self, node: object) -> bool:
        return node in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> Iterator[str]:
        return iter(self.nodes)

    def add_node(self, node: str, **attributes: Any) -> None:
        if node not in self._succ:
            self._succ[node] = {}
            self._pred[node] = {}
            self.nodes[node] = {}
        self.nodes[node].update(attributes)
        self._changed()

    def add_edge(self, u: str, v: str, **attributes: Any) -> None:
        for node in (u, v):
            if node not in self._succ:
                self._succ[node] = {}
                self._pred[node] = {}
                self.nodes[node] = {}
        data = self._succ[u].get(v, {})
        data.update(attributes)
        self._succ[u][v] = data
        self._pred[v][u] = data
        self._changed()

    def update(self, other: JobGraph) -> None:
        """Add `other`'s nodes, then its edges, with copies of their attributes (as networkx's
        `update` with a graph)."""
        for node, attributes in other.nodes.items():
            if node not in self.nodes:
                self._succ[node] = {}
                self._pred[node] = {}
                self.nodes[node] = {}
            self.nodes[node].update(dict(attributes))
        for u, successors in other._succ.items():
            for v, data in successors.items():
                self.add_edge(u, v, **data)

    def has_edge(self, u: str, v: str) -> bool:
        return u in self._succ and v in self._succ[u]

    def predecessors(self, node: str) -> Iterator[str]:
        return iter(self._pred[node])

    def successors(self, node: str) -> Iterator[str]:
        return iter(self._succ[node])

    def in_degree(self, node: str) -> int:
        return len(self._pred[node])

    def out_degree(self, node: str) -> int:
        return len(self._succ[node])

    def topological_order(self) -> list[str] | None:
        """The nodes in networkx's `topological_sort` order (generation by generation); None
        when there is a cycle."""
        pending = {node: len(preds) for node, preds in self._pred.items() if preds}
        generation = [node for node, preds in self._pred.items() if not preds]
        order: list[str] = []
        while generation:
            order.extend(generation)
            following: list[str] = []
            for node in generation:
                for child in self._succ[node]:
                    pending[child] -= 1
                    if pending[child] == 0:
                        following.append(child)
                        del pending[child]
            generation = following
        return None if pending else order

    def is_acyclic(self) -> bool:
        return self.topological_order() is not None

    def ancestors(self, node: str) -> set[str]:
        """Every node with a path to `node` (not `node` itself), as networkx's `ancestors`."""
        seen = {node}
        queue = [node]
        for current in queue:  # (breadth first: the list grows as it is read)
            for pred in self._pred[current]:
                if pred not in seen:
                    seen.add(pred)
                    queue.append(pred)
        seen.discard(node)
        return seen

    def networkx(self) -> Any:
        if self._networkx is None:
            import networkx as nx

            graph = nx.DiGraph()
            graph._node, graph._pred = self.nodes, self._pred
            graph._adj = graph._succ = self._succ
            self._networkx = graph
        return self._networkx

    def _changed(self) -> None:
        if self._networkx is not None:  # results networkx may have cached are out of date
            self._networkx.__networkx_cache__.clear()


@dataclass
class Pipeline:
    """One configuration file: a GitHub workflow, a CircleCI config, or an action."""

    platform: str  # "github", "circleci", "action"
    path: str
    name: str
    span: Span
    triggers: list[Trigger] = field(default_factory=list)
    workflows: list[Workflow] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)  # actions, reusable workflows, orbs
    env: dict[str, EnvVar] = field(default_factory=dict)
    literals: list[EnvVar] = field(default_factory=list)  # every key: literal pair, for secret scans
    contexts_declared: dict[str, list[str]] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    concurrency: Text | None = None
    action_steps: list[Step] = field(default_factory=list)  # composite action steps
    action_images: list[Image] = field(default_factory=list)  # docker action image
    called_by_workflow_call: bool = False


@dataclass
class RequiredCheck:
    context: str
    span: Span
    app_id: int | None = None  # None or -1: any source


@dataclass
class Protection:
    """Required status checks for the branches a rule covers."""

    source: str  # "settings", "rest", "ruleset", "config"
    span: Span
    include: list[str]  # branch name patterns (fnmatch), `~DEFAULT_BRANCH`, `~ALL`
    exclude: list[str] = field(default_factory=list)
    checks: list[RequiredCheck] = field(default_factory=list)
    strict: bool = False
    merge_queue: bool = False
    name: str = ""


@dataclass
class WorkflowLink:
    """`on: workflow_run`: `downstream` runs after `upstream` completes."""

    upstream: Workflow
    downstream: Workflow
    trigger: Trigger


@dataclass
class SourceFile:
    path: str  # relative to the root, forward slashes
    platform: str  # "github", "action", "circleci", "settings", "protection", "unknown"
    text: str = ""

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()


class SourceFiles(list[SourceFile]):
    """`Project.files`: a list that also finds a file by its path in constant time.

    Loading looks each file up once and fingerprinting once per finding: a scan of the list made
    a run quadratic in the number of files (13 s of lookups for 5,800 workflows). Loaders append
    to the list; `append` keeps the index, any other change (sort, insert, assignment...) only
    marks it stale, and it is rebuilt on the next lookup. The first file of a path wins, as in a
    scan.
    """

    def __init__(self, items: Iterable[SourceFile] = ()) -> None:
        super().__init__(items)
        self._by_path: dict[str, SourceFile] | None = None

    def get(self, path: str) -> SourceFile | None:
        if self._by_path is None:
            by_path: dict[str, SourceFile] = {}
            for source in self:
                by_path.setdefault(source.path, source)
            self._by_path = by_path
        return self._by_path.get(path)

    def append(self, item: SourceFile) -> None:
        super().append(item)
        if self._by_path is not None:
            self._by_path.setdefault(item.path, item)

    def _stale(self) -> None:
        self._by_path = None

    def sort(self, *args: Any, **kwargs: Any) -> None:
        super().sort(*args, **kwargs)
        self._stale()

    def extend(self, items: Iterable[SourceFile]) -> None:
        super().extend(items)
        self._stale()

    def insert(self, index: SupportsIndex, item: SourceFile) -> None:
        super().insert(index, item)
        self._stale()

    def remove(self, item: SourceFile) -> None:
        super().remove(item)
        self._stale()

    def pop(self, index: SupportsIndex = -1) -> SourceFile:
        self._stale()
        return super().pop(index)

    def clear(self) -> None:
        super().clear()
        self._stale()

    def reverse(self) -> None:
        super().reverse()
        self._stale()

    def __setitem__(self, index: Any, value: Any) -> None:
        super().__setitem__(index, value)
        self._stale()

    def __delitem__(self, index: Any) -> None:
        super().__delitem__(index)
        self._stale()

    def __iadd__(self, items: Iterable[SourceFile]) -> SourceFiles:  # type: ignore[override,misc]
        self.extend(items)
        return self


MAX_REPO_FILE_BYTES = 2 * 1024 * 1024


@dataclass
class Project:
    root: Path
    files: list[SourceFile] = field(default_factory=SourceFiles)
    pipelines: list[Pipeline] = field(default_factory=list)
    protections: list[Protection] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    links: list[WorkflowLink] = field(default_factory=list)
    default_branch: str = "main"
    is_repository: bool = True  # a repository root is being checked (not only single files)
    # Platform settings that live outside the YAML, as the configuration declares them:
    protected_environments: list[str] | None = None  # GitHub environments with required reviewers
    context_variables: dict[str, list[str]] = field(default_factory=dict)  # CircleCI context -> vars
    circleci_checks: str = "status"  # how CircleCI reports to GitHub: status, checks-oauth, checks-app
    _repo_files: list[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.files, SourceFiles):
            self.files = SourceFiles(self.files)

    def workflows(self) -> Iterator[Workflow]:
        for pipeline in self.pipelines:
            yield from pipeline.workflows

    def file(self, path: str) -> SourceFile | None:
        files = self.files
        if isinstance(files, SourceFiles):
            return files.get(path)
        return next((source for source in files if source.path == path), None)  # a list assigned later

    def repo_file(self, relpath: str) -> str | None:
        """Text of a file of the repository being checked, if it is there, inside the root,
        not a link out of it, and not too large. Nothing is executed or fetched."""
        if not self.is_repository:
            return None
        path = (self.root / relpath).resolve()
        root = self.root.resolve()
        if root != path and root not in path.parents:
            return None
        try:
            if not path.is_file() or path.stat().st_size > MAX_REPO_FILE_BYTES:
                return None
            return path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def repo_glob(self, pattern: str) -> list[str]:
        """Repository files matching a glob (`*` within a folder, `**/` any number of folders),
        relative paths, sorted."""
        regex = glob_regex(pattern)
        return [path for path in self.repo_files() if regex.fullmatch(path)]

    def repo_files(self) -> list[str]:
        """Every file of the repository being checked (none when only single files are),
        listed once by a bounded walk that skips VCS, dependency and build folders."""
        if not self.is_repository:
            return []
        if self._repo_files is None:
            found: list[str] = []
            root = str(self.root)
            for count, (dirpath, dirnames, filenames) in enumerate(os.walk(root)):
                if count > 20000:
                    break
                dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
                rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
                found.extend(name if rel == "." else f"{rel}/{name}" for name in filenames)
            self._repo_files = sorted(found)
        return self._repo_files


# Folders neither walk of a repository enters (its pipelines, `Project.repo_files`): version
# control, dependencies, virtual environments and build output, which hold nothing cilint reads.
SKIP_DIRS = frozenset({".git", "node_modules", "_build", "deps", ".venv", "venv", ".tox", "target", "__pycache__"})


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as GitHub's `hashFiles` and CircleCI read it: `**/` matches zero or more folders,
    `*` and `?` stay within one path segment."""
    pattern = pattern[2:] if pattern.startswith("./") else pattern
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def qualified(path: str, workflow: str, job: str) -> str:
    """The qualified job name findings carry: `<file>:<workflow>/<job>`."""
    return f"{path}:{workflow}/{job}"
