"""The platform-neutral model every rule reads.

Loaders (`load_github`, `load_circleci`, `load_protection`) turn each platform's files into these
classes; rules never see raw YAML. A `Project` holds pipelines (one per GitHub workflow file, one per
CircleCI config, composite/docker actions as step libraries) and branch protection. Each pipeline
has workflows; a workflow's jobs form a DAG, `Workflow.dag` (edge A -> B: B runs after A), also
available as a `networkx.DiGraph` (`Workflow.graph`). Every value a finding may point at keeps
its `Span`.
"""

from __future__ import annotations

import operator
import os
import posixpath
import re
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from fnmatch import fnmatchcase
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol, SupportsIndex, TypeVar

from .globs import glob_regex as glob_regex  # the model's glob form (`HashedFile.glob`)
from .shell import split_script
from .values import Command as Command
from .values import Span as Span
from .values import Text as Text
from .yamlsrc import Pos

T = TypeVar("T")

# The string enums of the model, as `Literal` types: the values stay plain strings (the JSON view,
# messages and comparisons are unchanged) and mypy checks every value a loader sets.
SecretVia = typing.Literal["expression", "variable", "inherit"]  # ${{ secrets.X }}, $X, `secrets: inherit`
# check-run: GitHub Actions; status: a CircleCI commit status
CheckKind = typing.Literal["check-run", "status", "workflow-check"]
# A pipeline's kind of file; a `SourceFile` may also be one of the other files cilint reads.
PipelinePlatform = typing.Literal["github", "circleci", "action"]
FilePlatform = typing.Literal["github", "action", "circleci", "settings", "protection", "unknown"]
# Where a variable is set: its level of the configuration, "yaml" for any `key: string` of a file
EnvLevel = typing.Literal["workflow", "job", "executor", "image", "step", "yaml"]
SecretWhere = typing.Literal["run", "env", "with", "auth", "secrets", "image"]  # where a secret is used
# save+restore: actions/cache; builtin: a setup-* action's own cache
CacheAction = typing.Literal["save", "restore", "save+restore", "builtin"]
ReferenceKind = typing.Literal["action", "workflow", "orb", "docker"]
ImageKind = typing.Literal["docker", "machine", "container", "service", "step", "action"]
StepKind = typing.Literal["run", "uses", "cache", "checkout", "other"]
# call: a reusable workflow's caller; orb: an orb's job; noop: CircleCI `type: no-op`
JobKind = typing.Literal["job", "approval", "call", "orb", "noop"]
# ruleset-evaluate: a ruleset in evaluate mode (`Protection.enforced` False)
ProtectionSource = typing.Literal["settings", "rest", "ruleset", "ruleset-evaluate", "config"]
CircleciChecks = typing.Literal["status", "checks-oauth", "checks-app"]  # how CircleCI reports to GitHub


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
    # The repository path whose absence the problem asserts (a local action's folder, a local
    # reusable workflow): not a certainty when the tree holds only pipeline files
    # (`Project.holds_repository_contents`).
    absent: str | None = None


@dataclass(frozen=True, slots=True)
class BranchPattern:
    """One branch pattern as its loader read it: the branch names it stands for, as a regular
    expression in Python's syntax that must match the whole name. Loaders translate each
    platform's pattern syntax into it once (`github_filters`, `load_circleci.branch_filters`,
    `load_protection`); rules only ask it."""

    written: str  # the pattern as text (what a sentinel such as `~ALL` stands for: `**`)
    regex: re.Pattern[str]
    negated: bool = False  # a filter pattern that takes back branches earlier patterns admitted
    is_glob: bool = False  # stands for more than one name
    examples: tuple[str, ...] = ()  # names it stands for, to try other patterns on

    def matches(self, branch: str) -> bool:
        return self.regex.fullmatch(branch) is not None


@dataclass(frozen=True, slots=True)
class BranchFilter:
    """What a trigger's branch filters let through, as its loader translated them."""

    only: tuple[BranchPattern, ...] | None = None  # None: any branch; in order, the last match wins
    ignore: tuple[BranchPattern, ...] = ()  # none of these

    def admits(self, branch: str) -> bool:
        if self.only is not None:
            admitted = False
            for pattern in self.only:
                if pattern.matches(branch):
                    admitted = not pattern.negated
            if not admitted:
                return False
        return not any(pattern.matches(branch) for pattern in self.ignore)

    @property
    def examples(self) -> tuple[str, ...]:
        """Branch names the patterns stand for (admitted or not), to try other patterns on."""
        names = (name for pattern in (*(self.only or ()), *self.ignore) for name in pattern.examples)
        return tuple(dict.fromkeys(names))


ANY_BRANCH = BranchFilter()


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
    # Values the trigger must set for the run to happen (a CircleCI workflow whose `when` needs a
    # pipeline parameter: `run-deploy=true`, set by an API call or a scheduled pipeline), as shown.
    settings: list[str] = field(default_factory=list)
    # Who can cause the event (set by the loader from its platform's table; GitHub:
    # `github_events.py`): `outsider` when a person without write access can; `privileged` when
    # such a run still holds the base repository's secrets and a writable token.
    outsider: bool = False
    privileged: bool = False
    # `branches`/`branches_ignore` (and tag filters, which keep branches out) as the loader
    # translated them. Set after the trigger is made, and not copied by `dataclasses.replace`:
    # a trigger whose filters change is translated again.
    branch_filter: BranchFilter | None = field(default=None, init=False, repr=False, compare=False)

    def admits(self, branch: str) -> bool:
        """Whether the branch filters let a run for `branch` through: a push to it, or a pull
        request into it (GitHub's `pull_request` filters name the base branch)."""
        if self.branch_filter is not None:
            return self.branch_filter.admits(branch)
        if self.branches is None and self.branches_ignore is None and self.tags is None and self.tags_ignore is None:
            return True  # no filter at all
        raise ValueError(f"the branch filters of trigger `{self.label()}` at {self.span} were not translated "
                         "by its loader")

    @property
    def is_pull_request(self) -> bool:
        return self.event.startswith("pull_request")

    @property
    def is_manual(self) -> bool:
        return self.event in ("workflow_dispatch", "repository_dispatch", "manual")

    def label(self) -> str:
        """`push(main)`, `pull_request`, `push(tags: v*)`, `api(run-deploy=true)` for messages."""
        scope = []
        if self.branches:
            scope.append(", ".join(self.branches))
        if self.tags:
            scope.append("tags: " + ", ".join(self.tags))
        if self.settings:
            scope.append(", ".join(self.settings))
        return f"{self.event}({'; '.join(scope)})" if scope else self.event


@dataclass
class EnvVar:
    """An environment variable as the configuration sets it."""

    name: str
    value: Text
    reference: bool  # the value refers to a secret store/variable/expression rather than being literal
    level: EnvLevel

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
    where: SecretWhere
    step: int | None = None  # index into JobRun.steps


# (`typing.Literal`: `Literal` in this module is a YAML string.)
KeyPartKind = typing.Literal[
    "text", "files", "opaque-hash", "per-commit", "per-run", "per-branch", "context", "unknown"
]
FilesRoot = typing.Literal["checkout", "working-directory"]


@dataclass(frozen=True, slots=True)
class HashedFile:
    """A file pattern whose contents a cache key hashes (GitHub `hashFiles('...')`, CircleCI
    `{{ checksum "..." }}`, a setup action's `cache-dependency-path`).

    `written` is the pattern as the configuration gives it (what messages quote); `glob` is the
    same in the model's glob form (`glob_regex`: `**/` any number of folders, `*` and `?` within
    one), to look the files up with `Project.repo_glob`."""

    written: str
    glob: str
    excluded: bool = False  # an exclusion (`!dist/**` in hashFiles): names nothing that is hashed
    templated: bool = False  # part of the name is filled in at run time (`${HOME}`, `<< x >>`): no lookup
    outside_checkout: bool = False  # an absolute path or one from home (`/tmp/x`, `~/x`, `$HOME/x`)


@dataclass(frozen=True, slots=True)
class KeyPart:
    """One piece of a cache key, by what its value follows:

    text         literal text (`v1-deps-`)
    files        a hash of the contents of `files`
    opaque-hash  a hash of files named by something cilint cannot read (`hashFiles(env.FILES)`)
    per-commit   changes with every commit (`github.sha`, `{{ .Revision }}`): never reused exactly
    per-run      changes with every run or build (`github.run_id`, `{{ epoch }}`, `{{ .BuildNum }}`)
    per-branch   the branch (`{{ .Branch }}`, `github.ref_name`)
    context      a setting of the run that stays the same from commit to commit: the runner, the
                 matrix, a parameter, a workflow variable (`runner.os`, `matrix.python`)
    unknown      a value cilint cannot know (a step output, an input, a variable set at run time)
    """

    kind: KeyPartKind
    text: str  # as written: the literal text, the reference (`runner.os`), the template
    files: tuple[HashedFile, ...] = ()  # kind "files"


@dataclass(frozen=True, slots=True)
class VersionPin:
    """A version a cache key holds, with what it is the version of: a version literal after a
    name (`protoc-3.21.12`, `sccache-0.7.4`, `branch-diff-3.1.1`) or a variable named as a
    version (`env.BAZELISK_VERSION`, `matrix.node-version`, `<< pipeline.parameters.protoc_version >>`)."""

    name: str  # what it is the version of, lower case, its words joined by `-` (`bazelisk`, `node`)
    written: str  # as the key writes it


@dataclass(frozen=True, slots=True)
class CacheKey:
    """What a cache key is made of, read by the loader from the platform's key syntax."""

    parts: tuple[KeyPart, ...] = ()
    # Where relative file names are read from: the checkout (GitHub), or the job's working
    # directory (CircleCI `checksum`), which the model does not carry, so any folder of the checkout.
    files_relative_to: FilesRoot = "checkout"
    pins: tuple[VersionPin, ...] = ()  # the versions it holds, in the order written

    def of_kind(self, *kinds: KeyPartKind) -> list[KeyPart]:
        return [part for part in self.parts if part.kind in kinds]

    @property
    def files(self) -> list[HashedFile]:
        """The file patterns hashed into the key, in the order written."""
        return [file for part in self.parts for file in part.files]

    @property
    def opaque_hash(self) -> bool:
        return any(part.kind == "opaque-hash" for part in self.parts)

    @property
    def volatile(self) -> list[KeyPart]:
        """The parts that change with every commit or run: the key is never reused as it is."""
        return self.of_kind("per-commit", "per-run")

    @property
    def unknown(self) -> bool:
        return any(part.kind == "unknown" for part in self.parts)


PathRoot = typing.Literal["checkout", "working-directory", "home", "filesystem"]


@dataclass(frozen=True, slots=True)
class CachedPath:
    """A path a cache saves or restores, read by the loader from the platform's path syntax.

    `path` is relative to `root`: the checkout (`${{ github.workspace }}/x`, a relative path on
    GitHub), the job's working directory (a relative CircleCI path; the model does not carry the
    folder), the home directory (`~/x`, `$HOME/x`, `/home/<user>/x`) or the file system's root.
    It is `/`-separated, in the model's glob form, without a leading `./` or a trailing `/` or
    `/**` (a folder stands for everything below it)."""

    written: Text  # as the configuration gives it (what messages quote)
    path: str
    root: PathRoot
    excluded: bool = False  # an exclusion (`!~/.npm/_logs` in actions/cache): names nothing cached
    templated: bool = False  # part of it is a value cilint cannot read (`${{ steps.x.outputs.dir }}`)


@dataclass
class Cache:
    """A cache a step saves or restores."""

    action: CacheAction
    span: Span
    key: Text | None = None
    restore_keys: list[Text] = field(default_factory=list)
    paths: list[Text] = field(default_factory=list)
    tool: str | None = None  # builtin: npm, yarn, pnpm, pip, poetry, pipenv, go, maven, gradle...
    key_files: list[str] = field(default_factory=list)  # builtin: files the key is hashed from
    key_inputs: CacheKey | None = None  # what `key` is made of (builtin: what `key_files` are)
    restore_key_inputs: list[CacheKey] = field(default_factory=list)  # the same, one per restore key
    cached_paths: list[CachedPath] = field(default_factory=list)  # `paths` as the loader read them


@dataclass
class Reference:
    """Something fetched from elsewhere at run time: an action, a reusable workflow, an orb."""

    kind: ReferenceKind
    name: str  # owner/repo[/path], orb namespace/name, or the local path
    version: str | None  # the ref after @ (None: none given)
    text: Text  # as written
    comment: str | None = None  # a trailing `# v1.2.3` comment
    job: str | None = None  # qualified job
    # The version is only known at run time: the loader found an expression, parameter or
    # placeholder in it (`@${{ inputs.ref }}`, `@<< pipeline.parameters.v >>`), not a literal ref.
    dynamic: bool = False

    @property
    def local(self) -> bool:
        return self.name.startswith("./") or self.name.startswith("../")


@dataclass
class Image:
    """A container or machine image a job runs in or next to."""

    ref: str  # resolved reference
    span: Span  # where it is written (or the invocation that supplied it)
    kind: ImageKind
    written: str  # as written before resolution
    # False: only known at run time (an expression, parameter or variable the loader could not
    # resolve is left in `ref`), so whether it is pinned cannot be told.
    resolved: bool = True
    via: list[Text] = field(default_factory=list)  # parameters/matrix values it came through
    auth: dict[str, Text] = field(default_factory=dict)
    # The names of the parameters, matrix values or expressions `written` takes its value from,
    # in order, once each (`pipeline.parameters.tag`, `matrix.image`): what a finding names as
    # its source.
    supplied_by: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ExportedVar:
    """A variable an earlier step of the same job set for the later ones by writing the platform's
    environment file (GitHub's `$GITHUB_ENV`, CircleCI's `$BASH_ENV`); the loader reads them."""

    name: str
    value: str | None  # None: only known at run time (`X=$(cmd)`, `X=$Y`)
    span: Span  # the command that wrote it
    # True: it wins over the configured `env` (CircleCI sources $BASH_ENV in each step's shell).
    # False: which one wins is not something to guess at: where both set it, the value is unknown.
    overrides: bool


# Where a pasted value is read as code: a step's script (GitHub `run`, CircleCI `run`
# `command`), `actions/github-script`'s `script`, another action input the action runs as code.
InjectionSink = typing.Literal["run", "github-script", "action-input"]


@dataclass(frozen=True, slots=True)
class Injection:
    """A value someone outside the team may write (an issue's title, a fork's branch name, a
    commit message), pasted by the platform into code before it runs, as the loader found it:
    `run: echo "${{ github.event.issue.title }}"`. GitHub: `github_untrusted_contexts.py`."""

    expression: str  # the template as written: `${{ github.event.issue.title }}`
    span: Span  # where it stands inside the script
    source: str  # the controllable value it reads: `github.event.issue.title`
    what: str  # whose text the value is, for messages
    sink: InjectionSink
    input: str | None = None  # the action input (`script`), for the sinks that are inputs
    # The variable or step output the value came through (`env.TITLE`, `steps.meta.outputs.title`)
    # and where that was set; None: read directly.
    via: str | None = None
    via_span: Span | None = None
    # The trigger events whose runs carry the value (any other leaves it empty); None: any.
    events: tuple[str, ...] | None = None
    # Events whose privileged runs (`Trigger.privileged`) carry the value only as someone with
    # write access wrote it (GitHub: a review of a same-repository pull request holds secrets, a
    # fork's does not): an outsider starting them does not make the injection theirs.
    insider_when_privileged: tuple[str, ...] = ()


@dataclass
class Step:
    """One step of a job: a script, an action/orb/command use, a cache operation."""

    span: Span
    kind: StepKind
    name: str | None = None
    run: Text | None = None
    shell: str | None = None
    # `set -e` and `set -o pipefail` of the shell `run` starts in, worked out by the loader from
    # the platform's default shell and `shell:` overrides (None: not a POSIX shell, or not known).
    errexit: bool | None = None
    pipefail: bool | None = None
    uses: Reference | None = None
    inputs: dict[str, Text] = field(default_factory=dict)  # `with:` / orb command parameters
    env: dict[str, EnvVar] = field(default_factory=dict)  # effective: workflow < job < executor < step
    cache: Cache | None = None
    continue_on_error: bool = False
    # Whether a later step of the job reads this step's own result (GitHub `steps.<id>.outcome`,
    # which is `failure` even under `continue-on-error`): its failure is handled, not lost.
    outcome_read: bool = False
    # Whether the step turns a file of check results into a status or alerts a merge can be held
    # on (GitHub: a SARIF upload to code scanning, a test reporter's check run), set by the loader.
    reports_results: bool = False
    origin: str | None = None  # the reusable command / composite action it came from
    condition: Text | None = None  # GitHub step `if:`; a CircleCI `when`/`unless` the config leaves open
    working_directory: str | None = None  # where `run` starts, as written (None: the checkout)
    # How the step's scripts name the directory the repository is checked out in, as the loader
    # worked it out (CircleCI: where `checkout` put it, the job's `working_directory`, `~/project`
    # by default); empty: the platform's usual place, not worked out.
    checkout_names: tuple[str, ...] = ()
    deploy_step: bool = False  # CircleCI's built-in `deploy` step (a deprecated alias of `run`)
    # What earlier steps of the job exported to this one, filled by the loader (one dictionary
    # shared by the steps between two writes: read it, do not change it).
    exported: dict[str, ExportedVar] = field(default_factory=dict)
    # The platform's templates in `run` (as written) that read its secret store or its built-in
    # token (GitHub `${{ secrets.X }}`, `${{ github.token }}`), filled in by the loader: a
    # command-line argument holding one is a secret pasted into the script text.
    secret_templates: list[str] = field(default_factory=list)
    # The variables of `env` whose value reads the secret store: the names of the secrets each
    # reads (GitHub `X: ${{ secrets.Y }}`: {"X": ["Y"]}), filled in by the loader.
    env_secrets: dict[str, list[str]] = field(default_factory=dict)
    # The step's id (GitHub `id:`), for what later steps read of it (`steps.<id>.outputs`).
    id: str | None = None
    # Outsider-writable values pasted into the step's code, filled in by the loader.
    injections: list[Injection] = field(default_factory=list)

    @property
    def environment(self) -> dict[str, str | None]:
        """The environment the step starts with: `env` (workflow < job < executor < step), then
        what earlier steps exported. None: a value only known at run time (a secret, a variable,
        an expression, a value computed by the script that exported it)."""
        environment = {name: None if var.reference else var.written for name, var in self.env.items()}
        for name, var in self.exported.items():
            if var.overrides or name not in environment:
                environment[name] = var.value
            elif environment[name] != var.value:
                environment[name] = None
        return environment

    def in_checkout(self, directory: str | None) -> str | None:
        """`directory` as the step names it (its `working_directory`, a `cd` target) relative to
        the repository's root ("": the root; a relative one is taken from the root); None when it
        is outside the repository or cannot be told. Only for steps with `checkout_names`."""
        if directory is None:
            return ""
        for name in self.checkout_names:
            if directory == name or directory.startswith(name + "/"):
                directory = directory[len(name):].lstrip("/") or "."
                break
        else:
            if directory.startswith(("/", "~", "$")):
                return None
        normal = posixpath.normpath(directory)
        if normal.startswith("..") or "$" in normal:
            return None
        return "" if normal == "." else normal

    @cached_property
    def commands(self) -> list[Command]:
        if self.run is None:
            return []
        return split_script(self.run, self.working_directory)


# A scope's access for the GitHub token (`permissions:`); "none" also for a scope not granted.
PermissionLevel = typing.Literal["none", "read", "write"]


@dataclass
class Permissions:
    """A `permissions:` block as its loader parsed it (GitHub: workflow or job level).

    `kind`: "all" (`read-all`/`write-all`: `default` for every scope), "empty" (`{}`: none) or
    "map" (each scope listed in `scopes`, the rest none). `spans` hold each listed scope's line."""

    span: Span  # the value of `permissions:`
    kind: typing.Literal["all", "empty", "map"]
    default: PermissionLevel  # the access of a scope that is not listed
    scopes: dict[str, PermissionLevel] = field(default_factory=dict)
    spans: dict[str, Span] = field(default_factory=dict)
    written: str = ""  # `write-all`, `read-all`, `{}` or "" for a map

    def level(self, scope: str) -> PermissionLevel:
        return self.scopes.get(scope, self.default)

    def span_of(self, scope: str) -> Span:
        return self.spans.get(scope, self.span)


@dataclass(frozen=True, slots=True)
class TokenUse:
    """Something a job does that needs a scope of its token, as the loader recognised it:
    a release action, `git push`, a registry push, an OIDC login."""

    scope: str  # `contents`, `pull-requests`, `id-token`, ...
    what: str  # how messages name it: "`softprops/action-gh-release`", "`git push`"
    span: Span
    # False: the job hands the token to something cilint does not know (an unknown action or
    # script given the token), which may use any scope: not evidence enough to name, but no
    # scope is reported unused then.
    certain: bool = True


@dataclass
class CheckName:
    """A status check a job reports on GitHub, exactly as branch protection must name it."""

    name: str
    kind: CheckKind
    span: Span
    app_id: int | None = None  # the app that reports it, when known (GitHub Actions')
    when_skipped: bool = False  # the name reported when the whole (matrix) job is skipped
    pattern: bool = False  # `name` is a glob (`*` for what is only known at run time)
    # The name (a glob) under which the platform's GitHub App reports it, where that differs from
    # `name` (CircleCI's workflow check: the OAuth integration reports `name`, the App more).
    app_name: str | None = None

    def matches(self, name: str) -> bool:
        """Whether a status check named `name` may be this one."""
        return fnmatchcase(name, self.name) if self.pattern else name == self.name


@dataclass
class JobRun:
    """A job as it runs in one workflow (one matrix leg, one invocation)."""

    key: str  # unique within its workflow
    job_id: str  # the job definition's id
    name: str  # display name
    span: Span  # the invocation (CircleCI workflow entry) or the job's key (GitHub)
    qualified: str  # "<file>:<workflow>/<job>"
    kind: JobKind = "job"
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
    # What the loader read from the job's condition and environment (GitHub `if:` expressions),
    # so that rules need not read them:
    runs_after_failed_need: bool | None = False  # runs although a job it needs failed (None: cannot tell)
    requires_upstream_success: bool = False  # runs only if the workflow run that started it succeeded
    environment_names: list[str] = field(default_factory=list)  # the environments it can run in
    environment_chosen_at_run_time: bool = False  # by an expression: `environment_names` are those it names
    deploy: Deploy | None = None  # filled by `linter.deploy`
    # The GitHub token's permissions (GitHub; None elsewhere): the job's own `permissions:`, else
    # its workflow's; None when neither sets them (the repository's default). A job of a local
    # reusable workflow, run under its caller, falls back to the caller's, and is capped by them
    # (`permissions_cap`: the caller job's effective permissions; a callee cannot raise them).
    permissions: Permissions | None = None
    permissions_cap: Permissions | None = None
    token_uses: list[TokenUse] = field(default_factory=list)  # what it does that needs a scope
    # What the job does with code an outsider wrote, as its loader read it (GitHub:
    # `github_untrusted.py`; CircleCI: `load_circleci/jobs.py`), indices into `steps`: the step
    # that checks out a pull request's code (its head or merge ref, `gh pr checkout`; on CircleCI
    # `checkout`, which checks out the pull request), the first later step that runs that code
    # (installs, builds, tests, a script or local action from it), the checkouts that leave the
    # job's token in the checkout (`.git/config`), the steps that upload the checkout as an
    # artifact. `self_hosted`: it runs on a self-hosted runner. `outsider_gate`: a condition of
    # the job that keeps outsiders out (same-repository pull requests only, the author's
    # association, a label only maintainers set, a named actor).
    pr_checkout: int | None = None
    runs_pr_code: int | None = None
    credential_checkouts: list[int] = field(default_factory=list)
    workspace_uploads: list[int] = field(default_factory=list)
    self_hosted: bool = False
    outsider_gate: Text | None = None

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
        # (`map` in C: every rule walks every job, and a generator's resumes cost more)
        return map(_JOB_OF_NODE, self.dag.nodes.values())

    def ancestors(self, key: str) -> list[JobRun]:
        return [self.job(k) for k in sorted(self.dag.ancestors(key))]

    def upstream_first(self, keys: Iterable[str]) -> dict[str, str]:
        """Each job with a path to one of `keys` (those jobs included) -> the first of `keys`, in
        the order given, that it leads to. One walk of the graph for all of them: asking for
        each one's ancestors in turn is quadratic in a chain of deploys."""
        return self.dag.upstream_first(keys)


_JOB_OF_NODE: Callable[[dict[str, Any]], JobRun] = operator.itemgetter("job")  # a node's job (`Workflow.jobs`)


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

    def upstream_first(self, nodes: Iterable[str]) -> dict[str, str]:
        """Each node with a path to one of `nodes` (those included) -> the first of `nodes` it
        reaches, in the order given. A walk stops at a node already claimed: every node above it
        leads to the earlier claimant too, so it is claimed already."""
        first: dict[str, str] = {}
        for start in nodes:
            if start in first or start not in self._pred:
                continue
            first[start] = start
            queue = [start]
            for current in queue:
                for pred in self._pred[current]:
                    if pred not in first:
                        first[pred] = start
                        queue.append(pred)
        return first

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

    platform: PipelinePlatform
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
    permissions: Permissions | None = None  # GitHub workflow-level `permissions:` (None: not set)
    # How the platform writes a value it fills in before the shell runs, set by the loader so that
    # rules can tell such values without knowing the syntax: the openings of its templates
    # (GitHub `${{`, CircleCI `<<`), which the loader leaves in a value it could not resolve ...
    template_openers: tuple[str, ...] = ()
    # ... and a regular expression for one whole template that a command line passes as one
    # argument though it holds spaces (GitHub `${{ secrets.X }}`; "" when there is none).
    template_word: str = ""
    # How scripts name the checkout directory, where a job starts (GitHub `$GITHUB_WORKSPACE`,
    # CircleCI `~/project`): a `cd` to one of them, or below, is relative to the checkout.
    checkout_directories: tuple[str, ...] = ()
    # The commit statuses the platform posts under its own name, when it does (CircleCI): the
    # context of its old single status (`ci/circleci`, deprecated), which starts every status it
    # posts, and the prefix of its per-job statuses (`ci/circleci: <job>`).
    status_context: str = ""
    status_prefix: str = ""
    # Variables the platform itself sets in every job (GitHub `GITHUB_TOKEN`, `GITHUB_*`, `RUNNER_*`;
    # CircleCI `CIRCLE_*`): names and prefixes. They come from no secret store of the user's.
    builtin_variables: frozenset[str] = frozenset()
    builtin_prefixes: tuple[str, ...] = ()


@dataclass
class RequiredCheck:
    context: str
    span: Span
    app_id: int | None = None  # None or -1: any source
    # The app it is pinned to, when `load_protection` knows it: its name and the platform whose
    # checks it reports (GitHub Actions, "github"). None for an app it does not know.
    app_name: str | None = None
    app_platform: PipelinePlatform | None = None
    # The GitHub App known to report a check of this name (`DCO`, `CodeQL`...) when the check is
    # not pinned to an app, from `load_protection.APP_CHECKS`: no workflow is expected to report it.
    known_app: str | None = None


@dataclass(frozen=True, slots=True)
class ProtectedBranches:
    """A branch pattern of a protection, as `load_protection` read it."""

    written: str  # as the protection writes it: `release/*`, `~ALL`, `~DEFAULT_BRANCH`
    pattern: BranchPattern | None  # None: the repository's default branch, whatever its name
    every: bool = False  # stands for every branch

    def resolve(self, default_branch: str) -> BranchPattern:
        """The names it stands for, once the default branch is known."""
        if self.pattern is not None:
            return self.pattern
        return BranchPattern(default_branch, re.compile(re.escape(default_branch)), examples=(default_branch,))

    def label(self, default_branch: str) -> str:
        """How messages name it: as written, the default branch by its name."""
        return self.written if self.pattern is not None else default_branch


@dataclass
class Protection:
    """Required status checks for the branches a rule covers."""

    source: ProtectionSource
    span: Span
    include: list[str]  # branch name patterns (fnmatch), `~DEFAULT_BRANCH`, `~ALL`, as written
    exclude: list[str] = field(default_factory=list)
    checks: list[RequiredCheck] = field(default_factory=list)
    strict: bool = False
    merge_queue: bool = False
    name: str = ""
    enforced: bool = True  # False: a ruleset in evaluate mode, which blocks nothing yet
    # `include` and `exclude` as `load_protection` read them
    branches: list[ProtectedBranches] = field(default_factory=list)
    excluded: list[ProtectedBranches] = field(default_factory=list)


@dataclass
class WorkflowLink:
    """`on: workflow_run`: `downstream` runs after `upstream` completes."""

    upstream: Workflow
    downstream: Workflow
    trigger: Trigger


@dataclass
class SourceFile:
    path: str  # relative to the root, forward slashes
    platform: FilePlatform
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
    # Whether the tree holds the repository's files, not only its pipelines: a file other than
    # pipelines, YAML and cilint's inputs (`project.holds_repository_contents` says which). A copy of
    # `.github/` alone does not: a file it lacks may be in the repository, so nothing is
    # reported absent. False when only single files are checked.
    holds_repository_contents: bool = True
    # Platform settings that live outside the YAML, as the configuration declares them:
    protected_environments: list[str] | None = None  # GitHub environments with required reviewers
    context_variables: dict[str, list[str]] = field(default_factory=dict)  # CircleCI context -> vars
    circleci_checks: CircleciChecks = "status"
    _repo_files: list[str] | None = field(default=None, repr=False)
    # The memoised view of the repository's files (`repo_file`, `repo_glob`, `repo_parsed`): each
    # file is read once per run, whichever rules ask for it.
    _repo_texts: dict[str, str | None] = field(default_factory=dict, repr=False)
    _repo_globs: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _repo_parsed: dict[tuple[str, Callable[[str], Any]], Any] = field(default_factory=dict, repr=False)

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
        not a link out of it, and not too large. Nothing is executed or fetched. Read once."""
        if not self.is_repository:
            return None
        if relpath not in self._repo_texts:
            self._repo_texts[relpath] = self._read_repo_file(relpath)
        return self._repo_texts[relpath]

    def repo_parsed(self, relpath: str, parse: Callable[[str], T]) -> T | None:
        """`parse` of a repository file's text (None when there is no such file), parsed once per
        file and parser: `repo_parsed("Cargo.toml", toml_table)`."""
        key = (relpath, parse)
        if key not in self._repo_parsed:
            text = self.repo_file(relpath)
            self._repo_parsed[key] = None if text is None else parse(text)
        parsed: T | None = self._repo_parsed[key]
        return parsed

    def _read_repo_file(self, relpath: str) -> str | None:
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
        if pattern not in self._repo_globs:  # each looks at every file: once per pattern
            regex = glob_regex(pattern)
            self._repo_globs[pattern] = [path for path in self.repo_files() if regex.fullmatch(path)]
        return self._repo_globs[pattern]

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


def toml_table(text: str) -> dict[str, Any]:
    """A TOML document's top table ({} when it does not parse, or nests deeper than the parser's
    recursion allows): for `Project.repo_parsed`."""
    import tomllib  # here: most checks read no TOML, and importing it is 10 ms of a cold start

    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return {}


def qualified(path: str, workflow: str, job: str) -> str:
    """The qualified job name findings carry: `<file>:<workflow>/<job>`."""
    return f"{path}:{workflow}/{job}"
