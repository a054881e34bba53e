"""Load a CircleCI config (`.circleci/config.yml`) into the platform-neutral model.

What CircleCI means is decided here, once, so that rules never read CircleCI YAML:

* every workflow becomes a DAG of job runs, one per invocation and matrix leg, named as CircleCI
  names them (the check names `ci/circleci: <job>` follow from those names);
* job parameters, `<< parameters.x >>`, `<< pipeline.parameters.x >>` (defaults) and `<< matrix.x >>`
  are substituted per invocation, lazily, on the strings we read; a substituted value keeps the span
  where it is written, and images list the parameter values they came through (`Image.via`);
* reusable commands (and `steps` parameters) are inlined, executors resolved, orbs kept opaque as
  references;
* filters, schedules and workflow `when`/`unless` are turned into the triggers that reach each job.

Anchors and `<<` merge keys are resolved by `yamlsrc` already. Malformed shapes are reported as
problems (`parse-error`, `invalid-reference`) and skipped: nothing here may raise on user input.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from . import circleci_cache
from .circleci_env import carry_bash_env
from .circleci_filters import translate_triggers
from .loadutil import Source, as_list, env_map, items_with_pos, scalar_str, spend, walk_literals
from .model import (
    Cache,
    CheckName,
    EnvVar,
    Image,
    JobGraph,
    JobRun,
    Pipeline,
    ProblemKind,
    Reference,
    SecretRef,
    Span,
    Step,
    Text,
    Trigger,
    Workflow,
    qualified,
)
from .yamlsrc import Pos, YMap, YSeq

VERSIONS = frozenset({"2", "2.0", "2.1"})
# A config without `workflows` runs its job `build` in a workflow CircleCI names `workflow`.
IMPLICIT_WORKFLOW = "workflow"
IMPLICIT_JOB = "build"
# Branches taken for the default branch when judging whether a filter admits pull-request branches.
DEFAULT_BRANCHES = frozenset({"main", "master"})
# Filter patterns that match every branch or tag.
MATCH_ALL = frozenset({"/.*/", "/.+/", "/^.*$/", "/^.+$/"})
MAX_COMMAND_DEPTH = 25  # commands inlined within commands (CircleCI itself stops far earlier)
# Steps read per job: commands that each call the next one twice would otherwise double per level.
MAX_JOB_STEPS = 20_000
MAX_MATRIX_LEGS = 2000
MAX_CONDITION_DEPTH = 12

# Keys of a workflow job entry that configure the run rather than pass job parameters.
ENTRY_KEYS = frozenset({
    "requires", "name", "context", "type", "filters", "matrix", "pre-steps", "post-steps",
    "serial-group", "override-with", "max_auto_reruns", "job-group", "description",
})
# Built-in steps with nothing for rules to read beyond their kind.
SIMPLE_STEPS = {
    "checkout": "checkout",
    "setup_remote_docker": "other",
    "add_ssh_keys": "other",
    "store_artifacts": "other",
    "store_test_results": "other",
    "persist_to_workspace": "other",
    "attach_workspace": "other",
}
JOB_KINDS = {"approval": "approval", "no-op": "noop"}  # `type:` -> JobRun.kind (else "job")
# Image credentials: `auth{username,password}`, `aws_auth{aws_access_key_id, ...}`, `gcp_auth`.
AUTH_KEYS = ("auth", "aws_auth", "gcp_auth")
# Variables the executor provides: a `$NAME` of these is not a secret from a context.
BUILTIN_VARS = frozenset({
    "HOME", "PATH", "PWD", "OLDPWD", "BASH_ENV", "USER", "SHELL", "CI", "CIRCLECI", "HOSTNAME",
    "TERM", "LANG", "LC_ALL", "TMPDIR", "RANDOM", "UID", "EUID", "PPID", "SECONDS", "LINENO",
    "IFS", "OSTYPE", "HOSTTYPE", "BASH_SOURCE", "BASH_VERSION", "BASH_REMATCH", "PIPESTATUS",
    "FUNCNAME", "REPLY", "OPTARG", "OPTIND", "GOPATH", "JAVA_HOME",
})
BUILTIN_PREFIXES = ("CIRCLE_",)

_REF = re.compile(r"<<\s*(pipeline\.parameters|parameters|matrix)\.([A-Za-z0-9_-]+)\s*>>")
# `<<# parameters.x >>text<</ parameters.x >>` (text when x is true), `<<^ ... >>` (when false).
_SECTION = re.compile(
    r"<<([#^])\s*(pipeline\.parameters|parameters|matrix)\.([A-Za-z0-9_-]+)\s*>>(.*?)<</\s*\2\.\3\s*>>", re.S
)
_FALSY = frozenset({"", "false", "0"})
_UNRESOLVED = re.compile(r"<<|\$")
_BRANCH_VALUE = re.compile(r"<<\s*pipeline\.git\.branch\s*>>")
# `$NAME` and `${NAME...}`, not `\$NAME` nor `$$`.
_VAR = re.compile(r"(?<![\\$])\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))")
# Names a script sets itself: `NAME=`, `export NAME=`, `for NAME in`, `read [-r] NAME`.
_ASSIGNED = re.compile(
    r"(?:^|[\s;&|(`])(?:export\s+|local\s+|readonly\s+|declare\s+(?:-\w+\s+)*)?([A-Za-z_]\w*)\+?="
    r"|\bfor\s+([A-Za-z_]\w*)\s+in\b"
    r"|\bread\s+(?:-\w+\s+)*([A-Za-z_]\w*)"
)
# One clause of an expression filter: `pipeline.git.branch == "main"`.
_CLAUSE = re.compile(
    r"pipeline\.git\.(branch|tag)\s*(==|!=|starts-with|matches)\s*([\"'])(.*?)\3"
)


def _is_reference(value: str) -> bool:
    """The value refers to a variable or a parameter rather than being a literal."""
    return "$" in value or "<<" in value


def _is_reference_only(value: Any) -> bool:
    """The value is exactly one `<< parameters.x >>`-style reference."""
    return isinstance(value, str) and "<<" in value and _REF.fullmatch(value.strip()) is not None


def _plain(value: Any) -> Any:
    """A YAML value as a plain Python value (a `YStr` becomes a `str`)."""
    return str(value) if isinstance(value, str) else value


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _is_set(value: Any) -> bool:
    """A scalar that is there (not null)."""
    return value is not None and not isinstance(value, (dict, list))


def _dedupe(texts: list[Text]) -> list[Text]:
    return list(dict.fromkeys(texts))


@dataclass
class _Def:
    """A job, command or executor definition (inline-orb ones are named `<orb>/<name>`)."""

    name: str
    body: YMap
    key: Pos  # where its name is written
    namespace: str | None  # the inline orb defining it: its own elements are found by bare name


@dataclass
class _Arg:
    """A parameter's value in one invocation."""

    value: Any  # substituted string, other scalar, or a YAML list/map (steps, executor)
    via: list[Text]  # where it was written, then the parameter values that supplied it
    scope: _Scope | None = None  # where a steps/executor value was written (its own parameters)


@dataclass
class _Scope:
    """What `<< parameters.x >>` and `<< matrix.x >>` mean where a value is written."""

    params: dict[str, _Arg] = field(default_factory=dict)
    matrix: dict[str, _Arg] = field(default_factory=dict)
    origin: str | None = None  # Step.origin of steps written here
    namespace: str | None = None


@dataclass
class _Leg:
    """One run of a workflow job entry (one matrix leg)."""

    job_ref: str
    conf: YMap
    entry: Pos  # the entry's job name in the workflow's jobs list
    scope: _Scope
    name: str
    explicit: bool  # named by `name:`: a repeated name is an error (generated ones are renamed)
    alias: str | None = None
    requires: list[tuple[str, Pos, list[str]]] = field(default_factory=list)
    key: str = ""


@dataclass
class _Exec:
    """A resolved executor: its body and the parameters it was invoked with."""

    body: YMap
    scope: _Scope


@dataclass
class _Ctx:
    """The job being expanded: steps collected so far and the environment they inherit."""

    job: str  # qualified name
    env: dict[str, EnvVar]
    steps: list[Step] = field(default_factory=list)
    visited: int = 0  # steps read, inlined commands included
    working_directory: str | None = None  # the job's (or executor's) `working_directory`


@dataclass
class _Site:
    """A step as written: its name, body and where it stands."""

    name: str
    body: Any
    pos: Pos  # the whole step
    key: Pos  # its name
    scope: _Scope
    depth: int
    stack: tuple[str, ...]  # commands being inlined, outermost first


@dataclass
class _Reach:
    """Which pushes and pull requests can start a job."""

    branches: bool
    only: list[str] | None
    ignore: list[str] | None
    pull_request: bool
    tags: list[str] | None
    tags_ignore: list[str] | None
    certain: bool = True  # False: only a condition we could not read lets it through


@dataclass
class _Narrowing:
    """What filters or a condition say about branches and tags (`branch_filter`-style lists), and
    whether all of it could be read."""

    lists: dict[str, list[str]] = field(default_factory=dict)
    certain: bool = True


# A job's filters as read, and where they are written.
_Filter = tuple[_Narrowing, Pos | None]


def load_circleci(source: Source, root: YMap) -> Pipeline:
    """The pipeline of one CircleCI config; problems go to `source.problems`."""
    return translate_triggers(_Loader(source, root).load())


class _Loader:
    def __init__(self, source: Source, root: YMap) -> None:
        self.src = source
        self.root = root
        self.pipeline = Pipeline(
            platform="circleci", path=source.path, name=source.path, span=source.span(root.pos)
        )
        self.jobs: dict[str, _Def] = {}
        self.commands: dict[str, _Def] = {}
        self.executors: dict[str, _Def] = {}
        self.orbs: dict[str, Reference] = {}  # alias (`<inline orb>/<alias>` inside one) -> orb
        self.inline_orbs: set[str] = set()
        self.pipeline_args: dict[str, _Arg] = {}
        self.base = _Scope()
        self.reported: set[tuple[str, str, Pos]] = set()

    # -- problems --------------------------------------------------------------------------

    def report(self, kind: ProblemKind, message: str, pos: Pos, job: str | None = None) -> None:
        """Report once: a definition used by many invocations is broken only once."""
        key = (kind, message, pos)
        if key not in self.reported:
            self.reported.add(key)
            self.src.problem(kind, message, pos, job=job)

    def parse_error(self, message: str, pos: Pos, job: str | None = None) -> None:
        self.report(ProblemKind.PARSE, message, pos, job)

    def invalid(self, message: str, pos: Pos, job: str | None = None) -> None:
        self.report(ProblemKind.REFERENCE, message, pos, job)

    # -- top level -------------------------------------------------------------------------

    def load(self) -> Pipeline:
        self.pipeline.literals = walk_literals(self.src, self.root, _is_reference)
        if not self.version_ok():
            return self.pipeline
        self.pipeline_parameters()
        self.declare_orbs(self.root, None)
        self.definitions(self.root, None)
        workflows = self.root.get("workflows")
        if workflows is None:
            self.implicit_workflow()
        elif not isinstance(workflows, YMap):
            self.parse_error("`workflows` must be a mapping of workflow names", self.root.pos_of("workflows"))
        else:
            for name, body in workflows.items():
                if name != "version":  # `workflows.version: 2` of 2.0 configs
                    self.workflow(name, body, workflows.key_pos_of(name), workflows.pos_of(name))
        return self.pipeline

    def version_ok(self) -> bool:
        if "version" not in self.root:
            first = next(iter(self.root), None)
            pos = self.root.key_pos_of(first) if first is not None else self.root.pos
            self.parse_error("no `version`: a CircleCI config starts with `version: 2.1`", pos)
            return False
        value = self.root["version"]
        if not _is_scalar(value) or scalar_str(value) not in VERSIONS:
            self.parse_error(
                f"unsupported CircleCI config version '{scalar_str(value) if _is_scalar(value) else '...'}'"
                " (expected 2, 2.0 or 2.1)",
                self.root.pos_of("version"),
            )
            return False
        return True

    def pipeline_parameters(self) -> None:
        params = self.root.get("parameters")
        if params is None:
            return
        if not isinstance(params, YMap):
            self.parse_error("`parameters` must be a mapping", self.root.pos_of("parameters"))
            return
        for name, decl in params.items():
            if not isinstance(decl, YMap):
                self.parse_error(f"pipeline parameter '{name}' must be a mapping", params.pos_of(name))
                continue
            if "default" in decl:
                default = decl["default"]
                self.pipeline_args[name] = _Arg(default, [self.src.text(default, decl.pos_of("default"))])
                self.pipeline.parameters[name] = _plain(default)

    def declare_orbs(self, container: YMap, namespace: str | None) -> None:
        orbs = container.get("orbs")
        if orbs is None:
            return
        if not isinstance(orbs, YMap):
            self.parse_error("`orbs` must be a mapping of orb names", container.pos_of("orbs"))
            return
        for alias, decl in orbs.items():
            name = f"{namespace}/{alias}" if namespace else alias
            if isinstance(decl, YMap):  # an inline orb: its elements are used as `<alias>/<element>`
                self.inline_orbs.add(name)
                self.declare_orbs(decl, name)
                self.definitions(decl, name)
            elif isinstance(decl, str):
                ref = self.orb_reference(decl, orbs.pos_of(alias))
                self.orbs[name] = ref
                self.pipeline.references.append(ref)
            else:
                self.parse_error(
                    f"orb '{alias}' must be `namespace/name@version` or an inline orb", orbs.pos_of(alias)
                )

    def orb_reference(self, decl: str, pos: Pos) -> Reference:
        text = self.src.text(decl, pos)
        if "://" in text.value:  # URL orb: fetched as is, no version
            return Reference("orb", text.value, None, text)
        name, _, version = text.value.partition("@")
        return Reference("orb", name.strip(), version.strip() or None, text)

    def definitions(self, container: YMap, namespace: str | None) -> None:
        tables = (("jobs", "job", self.jobs), ("commands", "command", self.commands),
                  ("executors", "executor", self.executors))
        for section, what, table in tables:
            defs = container.get(section)
            if defs is None:
                continue
            if not isinstance(defs, YMap):
                self.parse_error(f"`{section}` must be a mapping", container.pos_of(section))
                continue
            for name, body in defs.items():
                if not isinstance(body, YMap):
                    self.parse_error(f"{what} '{name}' must be a mapping", defs.pos_of(name))
                    continue
                full = f"{namespace}/{name}" if namespace else name
                table[full] = _Def(full, body, defs.key_pos_of(name), namespace)

    def span(self, pos: Pos) -> Span:
        """Source.span, also pulling a block node's end back from where the next item's `- ` or
        key starts (the composer ends a block mapping at the next token)."""
        line, column, end_line, end_column = pos
        if end_line > line and end_column > 1:
            lines = self.src.lines
            before = lines[end_line - 1][: end_column - 1] if end_line <= len(lines) else ""
            if before.strip() in ("", "-"):
                pos = Pos(line, column, end_line, 1)
        return self.src.span(pos)

    # -- lookups and substitution ----------------------------------------------------------

    @staticmethod
    def find(table: dict[str, _Def], name: str, namespace: str | None) -> _Def | None:
        """A definition by name; inside an inline orb its own elements come first."""
        if namespace and f"{namespace}/{name}" in table:
            return table[f"{namespace}/{name}"]
        return table.get(name)

    def orb_of(self, name: str, namespace: str | None) -> Reference | None:
        """The registry orb that `<alias>/<element>` comes from, if it is declared."""
        alias = name.partition("/")[0]
        if namespace and f"{namespace}/{alias}" in self.orbs:
            return self.orbs[f"{namespace}/{alias}"]
        return self.orbs.get(alias)

    def lookup(self, kind: str, name: str, scope: _Scope) -> _Arg | None:
        if kind == "pipeline.parameters":
            return self.pipeline_args.get(name)
        return (scope.params if kind == "parameters" else scope.matrix).get(name)

    def whole_arg(self, value: Any, scope: _Scope) -> _Arg | None:
        """The argument a string that is exactly one `<< ... >>` reference names."""
        if not isinstance(value, str) or "<<" not in value:
            return None
        match = _REF.fullmatch(value.strip())
        return self.lookup(match.group(1), match.group(2), scope) if match else None

    def subst(self, value: str, scope: _Scope) -> tuple[str, list[Text]]:
        """`value` with the references we can resolve replaced, and the values used."""
        if "<<" not in value:
            return value, []
        via: list[Text] = []

        def section(match: re.Match[str]) -> str:
            arg = self.lookup(match.group(2), match.group(3), scope)
            if arg is None or not _is_scalar(arg.value):
                return match.group(0)
            via.extend(arg.via)
            truthy = scalar_str(arg.value).lower() not in _FALSY
            return match.group(4) if truthy == (match.group(1) == "#") else ""

        def value_of(match: re.Match[str]) -> str:
            arg = self.lookup(match.group(1), match.group(2), scope)
            if arg is None or not _is_scalar(arg.value):
                return match.group(0)
            via.extend(arg.via)
            return scalar_str(arg.value)

        if "<<#" in value or "<<^" in value:
            value = _SECTION.sub(section, value)
        return _REF.sub(value_of, value), _dedupe(via)

    def subst_text(self, text: Text, scope: _Scope) -> tuple[Text, list[Text]]:
        """A Text substituted in place: it keeps the span where it is written."""
        value, via = self.subst(text.value, scope)
        if value == text.value:
            return text, via
        # Line k of a literal block still stands at body_line + k unless a value added lines.
        same_lines = value.count("\n") == text.value.count("\n")
        body_line = text.body_line if same_lines else None
        return Text(value, text.span, body_line, text.body_column), via

    def text(self, raw: Any, pos: Pos, scope: _Scope) -> tuple[Text, list[Text]]:
        return self.subst_text(self.src.text(raw, pos), scope)

    def texts(self, value: Any, pos: Pos, scope: _Scope) -> list[Text]:
        """A string or list of strings (contexts, cache paths) as substituted Texts."""
        if not isinstance(value, list):
            return [self.text(value, pos, scope)[0]] if _is_set(value) else []
        return [self.text(item, at, scope)[0] for item, at in items_with_pos(value) if _is_set(item)]

    def arg(self, raw: Any, pos: Pos, scope: _Scope) -> _Arg:
        """The value a parameter gets from `raw`, written at `pos` in `scope`."""
        if isinstance(raw, (YMap, YSeq)):
            return _Arg(raw, [], scope)
        written = self.src.text(raw, pos)
        passed = self.whole_arg(raw, scope)
        if passed is not None:  # `x: << parameters.y >>` passes y on, whatever its type
            via = [written, *passed.via] if _is_scalar(passed.value) else passed.via
            return _Arg(passed.value, _dedupe(via), passed.scope)
        if not isinstance(raw, str):
            return _Arg(raw, [written], scope)
        value, via = self.subst(written.value, scope)
        return _Arg(value, _dedupe([written, *via]), scope)

    def bind(
        self,
        decls: Any,
        given: Any,
        scope: _Scope,
        namespace: str | None,
        overrides: dict[str, _Arg] | None = None,
    ) -> dict[str, _Arg]:
        """Parameters of one invocation: values given (in `scope`) over the declared defaults."""
        out: dict[str, _Arg] = {}
        if not isinstance(decls, YMap):
            return out
        defaults = _Scope(namespace=namespace)
        for name, decl in decls.items():
            if overrides and name in overrides:
                out[name] = overrides[name]
            elif isinstance(given, YMap) and name in given:
                out[name] = self.arg(given[name], given.pos_of(name), scope)
            elif isinstance(decl, YMap) and "default" in decl:
                out[name] = self.arg(decl["default"], decl.pos_of("default"), defaults)
        return out

    # -- workflows -------------------------------------------------------------------------

    def implicit_workflow(self) -> None:
        """A config without `workflows` runs its `build` job in one generated workflow."""
        jdef = self.jobs.get(IMPLICIT_JOB)
        if jdef is None:
            return
        workflow = Workflow(IMPLICIT_WORKFLOW, self.span(jdef.key), JobGraph(), self.pipeline)
        leg = _Leg(IMPLICIT_JOB, YMap(jdef.key), jdef.key, self.base, IMPLICIT_JOB, explicit=False)
        self.populate(workflow, [leg], _Narrowing(), [])
        self.pipeline.workflows.append(workflow)

    def workflow(self, name: str, body: Any, key: Pos, pos: Pos) -> None:
        if not isinstance(body, YMap):
            self.parse_error(f"workflow '{name}' must be a mapping with `jobs`", pos)
            return
        workflow = Workflow(name, self.span(key), JobGraph(), self.pipeline)
        workflow.condition = self.condition(body)
        entries = body.get("jobs")
        legs: list[_Leg] = []
        if isinstance(entries, YSeq):
            for index, item in enumerate(entries):
                legs.extend(self.legs(item, entries.pos_of(index), name))
        else:
            self.parse_error(f"workflow '{name}' needs a list of `jobs`", body.pos_of("jobs") if
                             "jobs" in body else key)
        self.populate(workflow, legs, self.when_narrowing(body), self.schedules(body))
        self.pipeline.workflows.append(workflow)

    def condition(self, body: YMap) -> Text | None:
        """`when`/`unless` as written; `unless: X` reads `{not: X}`."""
        for key, negate in (("when", False), ("unless", True)):
            if key in body:
                value, pos = body[key], body.pos_of(key)
                if not negate and isinstance(value, str):
                    return self.src.text(value, pos)
                written = _flow(value)
                return Text("{not: " + written + "}" if negate else written, self.span(pos))
        return None

    def schedules(self, body: YMap) -> list[Trigger]:
        out: list[Trigger] = []
        for item, pos in items_with_pos(body.get("triggers")):
            schedule = item.get("schedule") if isinstance(item, YMap) else None
            if not isinstance(schedule, YMap):
                self.parse_error("a workflow trigger must be `schedule: {cron, filters}`", pos)
                continue
            branches = _section(schedule.get("filters"), "branches")
            cron = schedule.get("cron")
            out.append(Trigger(
                "schedule", self.span(pos),
                branches=_patterns(branches.get("only")), branches_ignore=_patterns(branches.get("ignore")),
                cron=scalar_str(cron) if cron is not None else None,
            ))
        return out

    def when_narrowing(self, body: YMap) -> _Narrowing:
        for key, negate in (("when", False), ("unless", True)):
            if key in body:
                value = body[key]
                # A pipeline parameter whose default lets the workflow run: it runs unless told not to.
                runs = "false" if negate else "true"
                if isinstance(value, str) and self.subst(value, self.base)[0].strip() == runs:
                    return _Narrowing()
                return _logic_filter(value, negate, 0)
        return _Narrowing()

    def legs(self, item: Any, pos: Pos, workflow: str) -> list[_Leg]:
        """The runs one entry of a workflow's jobs list makes (several for a matrix)."""
        if isinstance(item, str):
            job_ref, conf, entry = str(item), YMap(pos), pos
        elif isinstance(item, YMap) and item:
            job_ref = next(iter(item))
            entry = item.key_pos_of(job_ref)
            if len(item) > 1:
                self.parse_error(
                    f"workflow '{workflow}': a job entry has one key, the job name (found {', '.join(item)});"
                    " are its settings indented under it?", pos)
            conf = item[job_ref]
            if conf is None:
                conf = YMap(entry)
            elif not isinstance(conf, YMap):
                self.parse_error(f"the settings of job '{job_ref}' in workflow '{workflow}' must be"
                                 " a mapping", item.pos_of(job_ref))
                conf = YMap(entry)
        else:
            self.parse_error(f"workflow '{workflow}': a job entry is a job name or a one-key mapping", pos)
            return []
        matrices, alias = self.matrix(conf, job_ref)
        legs = []
        for values in matrices:
            if not spend(self.src, entry):  # over the file's model limit: it will not be checked
                break
            scope = _Scope(matrix=values)
            legs.append(_Leg(job_ref, conf, entry, scope, self.leg_name(job_ref, conf, values, scope),
                             explicit="name" in conf, alias=alias,
                             requires=self.requires(conf, scope)))
        return legs

    def matrix(self, conf: YMap, job_ref: str) -> tuple[list[dict[str, _Arg]], str | None]:
        """The legs of `matrix` (each: parameter -> value) and the alias that names them all."""
        matrix = conf.get("matrix")
        if matrix is None:
            return [{}], None
        params = matrix.get("parameters") if isinstance(matrix, YMap) else None
        if not isinstance(params, YMap) or not params:
            self.parse_error(f"the matrix of job '{job_ref}' needs `parameters`", conf.pos_of("matrix"))
            return [{}], None
        names = sorted(params)  # CircleCI orders matrix names by parameter name
        columns = [[self.arg(v, p, self.base) for v, p in items_with_pos(params[n])] for n in names]
        size = 1
        for column in columns:
            size *= len(column)
        if size > MAX_MATRIX_LEGS:
            self.parse_error(f"the matrix of job '{job_ref}' has {size} legs (more than {MAX_MATRIX_LEGS})",
                             conf.pos_of("matrix"))
            return [], None
        excludes = [e for e in as_list(matrix.get("exclude")) if isinstance(e, YMap) and e]
        legs = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*columns)]
        legs = [leg for leg in legs if not any(_excluded(leg, e) for e in excludes)]
        alias = matrix.get("alias")
        return legs, scalar_str(alias) if _is_scalar(alias) and alias is not None else job_ref

    def leg_name(self, job_ref: str, conf: YMap, values: dict[str, _Arg], scope: _Scope) -> str:
        if conf.get("name") is not None:
            return self.text(conf["name"], conf.pos_of("name"), scope)[0].value
        if values:
            return "-".join([job_ref, *(scalar_str(values[k].value) for k in sorted(values))])
        return job_ref

    def requires(self, conf: YMap, scope: _Scope) -> list[tuple[str, Pos, list[str]]]:
        out: list[tuple[str, Pos, list[str]]] = []
        for item, pos in items_with_pos(conf.get("requires")):
            if isinstance(item, YMap):  # `{job: status}` or `{job: [statuses]}`
                for name, statuses in item.items():
                    out.append((self.subst(name, scope)[0], item.key_pos_of(name),
                                [scalar_str(s) for s in as_list(statuses)]))
            elif _is_scalar(item) and item is not None:
                out.append((self.text(item, pos, scope)[0].value, pos, ["success"]))
            else:
                self.parse_error("a `requires` item is a job name or `{job: status}`", pos)
        return out

    def populate(
        self, workflow: Workflow, legs: list[_Leg], narrowing: _Narrowing, schedules: list[Trigger]
    ) -> None:
        """Nodes, edges, cycles, triggers and checks of one workflow."""
        ambiguous = self.assign_keys(legs, workflow.name)
        graph = workflow.dag
        filters: dict[str, _Filter] = {}
        for leg in legs:
            job = self.job_run(leg, workflow.name)
            graph.add_node(leg.key, job=job)
            filters[leg.key] = self.job_filter(job, leg)
        self.edges(workflow, legs, ambiguous)
        cyclic = self.cycles(workflow, legs)
        workflow.checks = [CheckName(workflow.name, "workflow-check", workflow.span)]
        if schedules:  # a scheduled workflow runs only on its schedule
            workflow.triggers = schedules
            for job in workflow.jobs():
                job.triggers = [replace(t) for t in schedules]
            return
        reach = {key: _reach(_merge_and(f, narrowing)) for key, (f, _) in filters.items()}
        if not cyclic:
            _propagate(graph, reach)
            self.tag_upstreams(workflow, legs, filters, reach)
        for key in graph.nodes:
            pos = filters[key][1]
            workflow.job(key).triggers = _triggers(reach[key], self.span(pos) if pos else workflow.span)
        workflow.triggers = _triggers(_reach(narrowing), workflow.span)
        tags = list(dict.fromkeys(t for r in reach.values() for t in r.tags or []))
        if tags:
            workflow.triggers.append(Trigger("push", workflow.span, tags=tags))

    def assign_keys(self, legs: list[_Leg], workflow: str) -> dict[str, list[str]]:
        """Unique keys: unnamed repeats become `<job>-1`, `<job>-2` as CircleCI names them;
        other repeats are errors. Returns the names made ambiguous by the renaming."""
        groups: dict[str, list[_Leg]] = {}
        for leg in legs:
            groups.setdefault(leg.name, []).append(leg)
        ambiguous: dict[str, list[str]] = {}
        for name, group in groups.items():
            if len(group) == 1:
                group[0].key = name
            elif not any(leg.explicit for leg in group):
                for number, leg in enumerate(group, 1):
                    leg.key = f"{name}-{number}"
                ambiguous[name] = [leg.key for leg in group]
            else:
                for leg in group:
                    leg.key = name
        # Repeats left (and renamed ones that meet a real name) keep a key no job name can have.
        seen: dict[str, int] = {}
        for leg in legs:
            seen[leg.key] = seen.get(leg.key, 0) + 1
            if seen[leg.key] > 1:
                job = qualified(self.src.path, workflow, leg.key)
                self.invalid(f"duplicate job name '{leg.key}' in workflow '{workflow}': give each"
                             " invocation a unique `name`", leg.entry, job)
                leg.key = f"{leg.key}#{seen[leg.key]}"
        return ambiguous

    def edges(self, workflow: Workflow, legs: list[_Leg], ambiguous: dict[str, list[str]]) -> None:
        index: dict[str, list[str]] = {leg.key: [leg.key] for leg in legs}
        keys = set(index)
        for leg in legs:
            if leg.alias and leg.alias not in keys:  # a matrix alias names all its legs
                index.setdefault(leg.alias, []).append(leg.key)
        for leg in legs:
            job = qualified(self.src.path, workflow.name, leg.key)
            for name, pos, statuses in leg.requires:
                upstream = index.get(name)
                if upstream is None and name in ambiguous:
                    self.invalid(f"job '{leg.key}' requires '{name}', which workflow '{workflow.name}' runs"
                                 f" {len(ambiguous[name])} times without `name`: name the invocations",
                                 pos, job)
                elif upstream is None:
                    self.invalid(f"job '{leg.key}' requires '{name}', which is not a job of workflow"
                                 f" '{workflow.name}'", pos, job)
                for key in upstream or []:
                    if not spend(self.src, pos):  # matrices requiring matrices: legs x legs edges
                        return
                    workflow.dag.add_edge(key, leg.key, statuses=statuses)

    def cycles(self, workflow: Workflow, legs: list[_Leg]) -> bool:
        if workflow.dag.is_acyclic():  # most workflows: no component to look at
            return False
        import networkx as nx  # (only for a cycle: see JobGraph)

        graph = workflow.graph
        order = {leg.key: number for number, leg in enumerate(legs)}
        found = False
        for component in nx.strongly_connected_components(graph):
            first = min(component, key=lambda k: order[k])
            if len(component) == 1 and not graph.has_edge(first, first):
                continue
            found = True
            cycle = nx.find_cycle(graph.subgraph(component), source=first)
            names = [edge[0] for edge in cycle] + [cycle[0][0]]
            job = workflow.job(first)
            self.invalid(f"requires cycle in workflow '{workflow.name}': {' -> '.join(names)}",
                         legs[order[first]].entry, job.qualified)
        return found

    def tag_upstreams(
        self, workflow: Workflow, legs: list[_Leg], filters: dict[str, _Filter], reach: dict[str, _Reach]
    ) -> None:
        """A job with tag filters runs on a tag only if some job it requires does: CircleCI skips
        jobs without tag filters on tags, and a job whose requirements were all skipped."""
        for leg in legs:
            if not _has_tags(filters[leg.key][0]) or reach[leg.key].tags:
                continue
            # Name the jobs at fault, not tag-filtered ones that are themselves cut off (reported).
            upstream = sorted(k for k in workflow.dag.predecessors(leg.key) if not _has_tags(filters[k][0]))
            if upstream:
                names = ", ".join(upstream)
                self.invalid(f"job '{leg.key}' has tag filters but the jobs it requires ({names}) have none:"
                             " it can never run on tags", leg.entry, workflow.job(leg.key).qualified)

    # -- job runs --------------------------------------------------------------------------

    def job_run(self, leg: _Leg, workflow: str) -> JobRun:
        job = JobRun(
            key=leg.key, job_id=leg.job_ref, name=leg.key, span=self.span(leg.entry),
            qualified=qualified(self.src.path, workflow, leg.key),
        )
        job.matrix = {k: _plain(a.value) for k, a in leg.scope.matrix.items()}
        job.contexts = self.texts(leg.conf.get("context"), leg.conf.pos_of("context"), leg.scope)
        kind, jdef = self.job_kind(leg, job.qualified)
        job.kind = kind
        if jdef is not None:
            job.definition = self.span(jdef.key)
        orb = self.orb_of(leg.job_ref, None) if kind == "orb" else None
        if orb is not None:
            job.uses = self.orb_use(orb, leg.job_ref, leg.entry, job.qualified)
            job.parameters = {k: _plain(self.arg(v, leg.conf.pos_of(k), leg.scope).value)
                              for k, v in leg.conf.items() if k not in ENTRY_KEYS}
        elif kind == "job" and jdef is not None:
            self.expand_job(job, jdef, leg)
        status = leg.key if kind in ("job", "orb") else f"{workflow}/{leg.key}"
        job.checks = [CheckName(f"ci/circleci: {status}", "status", job.span)]
        return job

    def job_kind(self, leg: _Leg, job: str) -> tuple[str, _Def | None]:
        entry_type = scalar_str(leg.conf.get("type")) if _is_scalar(leg.conf.get("type")) else ""
        jdef = self.find(self.jobs, leg.job_ref, None)
        if entry_type == "approval":
            if jdef is not None:
                self.invalid(f"approval job '{leg.job_ref}' is named like the job defined on line"
                             f" {jdef.key.line}: an approval's name must not be a job's name", leg.entry, job)
            return "approval", None
        if jdef is not None:
            job_type = jdef.body.get("type")
            declared = scalar_str(job_type) if _is_scalar(job_type) else ""
            return JOB_KINDS.get(entry_type or declared, "job"), jdef
        if entry_type in JOB_KINDS:
            return JOB_KINDS[entry_type], None
        if "/" in leg.job_ref and self.orb_of(leg.job_ref, None) is not None:
            return "orb", None
        alias = leg.job_ref.partition("/")[0]
        if "/" in leg.job_ref and alias not in self.orbs and alias not in self.inline_orbs:
            self.invalid(f"job '{leg.job_ref}' comes from orb '{alias}', which is not declared under `orbs`",
                         leg.entry, job)
        else:
            self.invalid(f"undefined job '{leg.job_ref}'", leg.entry, job)
        return "job", None

    def orb_use(self, orb: Reference, name: str, pos: Pos, job: str) -> Reference:
        """A use of an orb's job or command: the orb, with the element as written."""
        return Reference("orb", orb.name, orb.version, Text(name, self.span(pos)), job=job)

    def expand_job(self, job: JobRun, jdef: _Def, leg: _Leg) -> None:
        body = jdef.body
        args = self.bind(body.get("parameters"), leg.conf, leg.scope, jdef.namespace, leg.scope.matrix)
        job.parameters = {k: _plain(a.value) for k, a in args.items()}
        scope = _Scope(params=args, namespace=jdef.namespace)
        executor = self.executor(body, scope, job.qualified) if "executor" in body else None
        env: dict[str, EnvVar] = {}
        images: list[Image] = []
        image_env: dict[str, EnvVar] = {}
        if executor is not None:
            env.update(self.env(executor.body, "executor", executor.scope, job.qualified))
            images, image_env = self.images(executor.body, executor.scope, job.qualified)
            job.runs_on = self.resource_class(executor.body, executor.scope)
        env.update(self.env(body, "job", scope, job.qualified))
        if "docker" in body or "machine" in body:  # the job's own environment wins over the executor's
            images, image_env = self.images(body, scope, job.qualified)
        env.update(image_env)
        job.runs_on = self.resource_class(body, scope) or job.runs_on
        job.env, job.images = env, images
        ctx = _Ctx(job.qualified, env)
        for node, node_scope in ((executor.body, executor.scope) if executor else (None, scope), (body, scope)):
            if isinstance(node, YMap) and _is_set(node.get("working_directory")):
                ctx.working_directory = self.subst(scalar_str(node["working_directory"]), node_scope)[0]
        matrix = leg.scope.matrix  # pre- and post-steps are written in the workflow
        for key, where, site_scope in (("pre-steps", leg.conf, _Scope(matrix=matrix, origin="pre-steps")),
                                       ("steps", body, scope),
                                       ("post-steps", leg.conf, _Scope(matrix=matrix, origin="post-steps"))):
            self.steps(where.get(key), where.pos_of(key), site_scope, ctx, 0, ())
        job.steps = ctx.steps
        carry_bash_env(job.steps)
        job.secrets = _secrets(job, self.src.lines)

    def executor(self, body: YMap, scope: _Scope, job: str) -> _Exec | None:
        value, pos = body["executor"], body.pos_of("executor")
        passed = self.whole_arg(value, scope)
        if passed is not None and isinstance(passed.value, YMap):  # an `executor`-typed parameter
            value, scope = passed.value, passed.scope or scope
        given = value if isinstance(value, YMap) else None
        raw = value.get("name") if isinstance(value, YMap) else value
        if raw is None or not _is_scalar(raw):
            self.parse_error("`executor` is a name or `{name: ..., <parameters>}`", pos, job)
            return None
        name = self.text(raw, pos, scope)[0].value
        edef = self.find(self.executors, name, scope.namespace)
        if edef is None:
            if "/" not in name or self.orb_of(name, scope.namespace) is None:
                self.invalid(f"undefined executor '{name}'", pos, job)
            return None  # orb executors are opaque
        args = self.bind(edef.body.get("parameters"), given, scope, edef.namespace)
        return _Exec(edef.body, _Scope(params=args, origin=f"executor:{edef.name}", namespace=edef.namespace))

    def resource_class(self, body: YMap, scope: _Scope) -> list[Text]:
        value = body.get("resource_class")
        return [self.text(value, body.pos_of("resource_class"), scope)[0]] if _is_set(value) else []

    def env(self, body: YMap, level: str, scope: _Scope, job: str | None = None) -> dict[str, EnvVar]:
        value = body.get("environment")
        if isinstance(value, str) and "=" in value:  # `environment: KEY=value`, accepted by CircleCI
            single = YSeq(body.pos_of("environment"))
            single.append(value)
            single.item_pos.append(single.pos)
            value = single
        elif value is not None and not isinstance(value, (YMap, YSeq)):
            self.parse_error("`environment` must be a mapping", body.pos_of("environment"), job)
        out: dict[str, EnvVar] = {}
        for name, var in env_map(self.src, value, level, _is_reference).items():
            text = self.subst_text(var.value, scope)[0]
            key = self.subst(name, scope)[0]
            out[key] = EnvVar(key, text, _is_reference(text.value), level)
        return out

    def images(self, body: YMap, scope: _Scope, job: str) -> tuple[list[Image], dict[str, EnvVar]]:
        """The images of a job or executor, and the primary image's environment."""
        images: list[Image] = []
        env: dict[str, EnvVar] = {}
        docker = body.get("docker")
        if isinstance(docker, YSeq):
            for index, item in enumerate(docker):
                if not isinstance(item, YMap) or not _is_set(item.get("image")):
                    self.parse_error("each `docker` entry needs an `image`", docker.pos_of(index), job)
                    continue
                images.append(self.image(item, "docker", scope))
                if index == 0:
                    env = self.env(item, "image", scope, job)
        elif docker is not None and self.whole_arg(docker, scope) is None:
            self.parse_error("`docker` must be a list of images", body.pos_of("docker"), job)
        machine = body.get("machine")
        if isinstance(machine, YMap) and _is_set(machine.get("image")):
            images.append(self.image(machine, "machine", scope))
        return images, env

    def image(self, item: YMap, kind: str, scope: _Scope) -> Image:
        raw = item["image"]
        text, via = self.text(raw, item.pos_of("image"), scope)
        auth: dict[str, Text] = {}
        for key in AUTH_KEYS:
            creds = item.get(key)
            if isinstance(creds, YMap):
                for name, value in creds.items():
                    if _is_scalar(value):
                        auth[name] = self.text(value, creds.pos_of(name), scope)[0]
        return Image(ref=text.value, span=text.span, kind=kind, written=scalar_str(raw),
                     resolved=not _UNRESOLVED.search(text.value), via=via, auth=auth)

    def job_filter(self, job: JobRun, leg: _Leg) -> _Filter:
        """The job's filters (expression filters read where we can), and where they are written."""
        raw = leg.conf.get("filters")
        if raw is None:
            return _Narrowing(), None
        pos = leg.conf.key_pos_of("filters")
        if isinstance(raw, str):
            job.condition = self.text(raw, leg.conf.pos_of("filters"), leg.scope)[0]
            return _expression_filter(job.condition.value), pos
        if not isinstance(raw, YMap):
            self.parse_error("`filters` must be a mapping (branches, tags) or an expression",
                             leg.conf.pos_of("filters"), job.qualified)
            return _Narrowing(), None
        out: dict[str, list[str]] = {}
        for section in ("branches", "tags"):
            spec = raw.get(section)
            if spec is not None and not isinstance(spec, YMap):
                self.parse_error(f"`filters.{section}` must be a mapping (only, ignore)", raw.pos_of(section),
                                 job.qualified)
                continue
            for which in ("only", "ignore"):
                if isinstance(spec, YMap) and which in spec:
                    values = [v for v in as_list(spec[which]) if _is_scalar(v) and v is not None]
                    out[f"{section}_{which}"] = [self.subst(scalar_str(v), leg.scope)[0] for v in values]
        job.branch_filter = out
        return _Narrowing(out), pos

    # -- steps -----------------------------------------------------------------------------

    def steps(self, raw: Any, pos: Pos, scope: _Scope, ctx: _Ctx, depth: int, stack: tuple[str, ...]) -> None:
        if raw is None:
            return
        if depth > MAX_COMMAND_DEPTH:
            self.invalid(f"commands nested more than {MAX_COMMAND_DEPTH} deep", pos, ctx.job)
            return
        if _is_reference_only(raw):  # a `steps` parameter spliced in, with the scope it was written in
            passed = self.whole_arg(raw, scope)
            if passed is not None and isinstance(passed.value, list):
                self.steps(passed.value, pos, passed.scope or scope, ctx, depth + 1, stack)
            return  # unset: CircleCI would have asked for it; nothing to run
        if not isinstance(raw, YSeq):
            self.parse_error("`steps` must be a list", pos, ctx.job)
            return
        for index, item in enumerate(raw):
            self.step(item, raw.pos_of(index), scope, ctx, depth, stack)

    def step(self, item: Any, pos: Pos, scope: _Scope, ctx: _Ctx, depth: int, stack: tuple[str, ...]) -> None:
        if not spend(self.src, pos):  # over the file's model limit: it will not be checked
            return
        ctx.visited += 1
        if ctx.visited > MAX_JOB_STEPS:
            if ctx.visited == MAX_JOB_STEPS + 1:
                self.parse_error(f"job expands to more than {MAX_JOB_STEPS} steps; the rest is not read", pos,
                                 ctx.job)
            return
        if _is_reference_only(item):  # `- << parameters.x >>`: steps to splice, or a step's name
            passed = self.whole_arg(item, scope)
            if passed is None or not isinstance(passed.value, (list, str)):
                return
            if isinstance(passed.value, list):
                self.steps(passed.value, pos, passed.scope or scope, ctx, depth + 1, stack)
                return
            item = passed.value
        if isinstance(item, str):
            site = _Site(self.subst(item, scope)[0], None, pos, pos, scope, depth, stack)
        elif isinstance(item, YMap) and item:
            key = next(iter(item))
            if len(item) > 1:
                self.parse_error(f"a step has one key, its type (found {', '.join(item)})", pos, ctx.job)
            site = _Site(self.subst(key, scope)[0], item[key], pos, item.key_pos_of(key), scope, depth, stack)
        else:
            self.parse_error("a step is a name or a one-key mapping", pos, ctx.job)
            return
        if site.name not in STEP_HANDLERS and site.name not in SIMPLE_STEPS and \
                self.find(self.commands, site.name, scope.namespace) is None:
            # CircleCI also reads built-in steps spelled with hyphens (`restore-cache`).
            builtin = site.name.replace("-", "_")
            if builtin in STEP_HANDLERS or builtin in SIMPLE_STEPS:
                site.name = builtin
        handler = STEP_HANDLERS.get(site.name)
        if handler is not None:
            handler(self, site, ctx)
        elif site.name in SIMPLE_STEPS:
            name = site.body.get("name") if isinstance(site.body, YMap) else None
            ctx.steps.append(Step(self.span(pos), SIMPLE_STEPS[site.name],
                                  name=scalar_str(name) if _is_scalar(name) and name else site.name,
                                  env=dict(ctx.env), origin=scope.origin))
        else:
            self.reusable_step(site, ctx)

    def reusable_step(self, site: _Site, ctx: _Ctx) -> None:
        """A command: inlined when defined here, a `uses` step when it comes from an orb."""
        cdef = self.find(self.commands, site.name, site.scope.namespace)
        orb = self.orb_of(site.name, site.scope.namespace) if "/" in site.name else None
        if cdef is not None:
            self.inline_command(cdef, site, ctx)
        elif orb is not None:
            inputs: dict[str, Text] = {}
            if isinstance(site.body, YMap):
                inputs = {k: self.text(v, site.body.pos_of(k), site.scope)[0]
                          for k, v in site.body.items() if _is_scalar(v)}
            uses = self.orb_use(orb, site.name, site.key, ctx.job)
            ctx.steps.append(Step(self.span(site.pos), "uses", name=site.name, uses=uses, inputs=inputs,
                                  env=dict(ctx.env), origin=site.scope.origin))
        elif "/" in site.name:
            self.invalid(f"command '{site.name}' comes from orb '{site.name.partition('/')[0]}', which is not"
                         " declared under `orbs`", site.key, ctx.job)
        else:
            self.invalid(f"undefined command '{site.name}'", site.key, ctx.job)

    def inline_command(self, cdef: _Def, site: _Site, ctx: _Ctx) -> None:
        if cdef.name in site.stack:
            loop = [*site.stack[site.stack.index(cdef.name):], cdef.name]
            self.invalid(f"command '{cdef.name}' calls itself: {' -> '.join(loop)}", site.key, ctx.job)
            return
        args = self.bind(cdef.body.get("parameters"), site.body, site.scope, cdef.namespace)
        scope = _Scope(params=args, origin=f"command:{cdef.name}", namespace=cdef.namespace)
        self.steps(cdef.body.get("steps"), cdef.body.pos_of("steps"), scope, ctx, site.depth + 1,
                   (*site.stack, cdef.name))

    def run_step(self, site: _Site, ctx: _Ctx) -> None:
        body = site.body
        name: Any = None
        shell: Any = None
        step_env: dict[str, EnvVar] = {}
        directory = ctx.working_directory
        if isinstance(body, YMap):
            raw, pos = body.get("command"), body.pos_of("command")
            name, shell = body.get("name"), body.get("shell")
            if _is_set(body.get("working_directory")):
                given = self.subst(scalar_str(body["working_directory"]), site.scope)[0]
                directory = given if directory is None or given.startswith(("/", "~", "$")) else (
                    f"{directory}/{given}")
            step_env = self.env(body, "step", site.scope, ctx.job)
        else:
            raw, pos = body, site.key
        if raw is None or not _is_scalar(raw):
            self.parse_error("a `run` step needs a `command`", site.pos, ctx.job)
            return
        text = self.text(raw, pos, site.scope)[0]
        ctx.steps.append(Step(
            self.span(site.pos), "run",
            name=self.subst(scalar_str(name), site.scope)[0] if _is_set(name) else None,
            run=text, shell=scalar_str(shell) if _is_set(shell) else None,
            env={**ctx.env, **step_env}, origin=site.scope.origin, working_directory=directory,
        ))

    def cache_step(self, site: _Site, ctx: _Ctx) -> None:
        body = site.body
        if not isinstance(body, YMap):
            self.parse_error(f"`{site.name}` needs a mapping with `key`", site.pos, ctx.job)
            return
        span = self.span(site.pos)
        key = body.get("key")
        keys = [self.text(key, body.pos_of("key"), site.scope)[0]] if _is_set(key) else []
        if site.name == "save_cache":
            paths = self.texts(body.get("paths"), body.pos_of("paths"), site.scope)
            cache = circleci_cache.with_key_inputs(Cache("save", span, key=keys[0] if keys else None, paths=paths))
        else:
            keys += self.texts(body.get("keys"), body.pos_of("keys"), site.scope)
            cache = circleci_cache.with_key_inputs(Cache("restore", span, key=keys[0] if keys else None,
                                                         restore_keys=keys))
        name = body.get("name")
        ctx.steps.append(Step(span, "cache", name=scalar_str(name) if _is_set(name) else site.name,
                              cache=cache, env=dict(ctx.env), origin=site.scope.origin))

    def nested_steps(self, site: _Site, ctx: _Ctx) -> None:
        """`when`/`unless` steps: the condition is not evaluated, the inner steps may run."""
        if not isinstance(site.body, YMap):
            self.parse_error(f"`{site.name}` needs `condition` and `steps`", site.pos, ctx.job)
            return
        body = site.body
        self.steps(body.get("steps"), body.pos_of("steps"), site.scope, ctx, site.depth + 1, site.stack)

    def spliced_steps(self, site: _Site, ctx: _Ctx) -> None:
        """`- steps: << parameters.x >>` (or a literal list)."""
        self.steps(site.body, site.pos, site.scope, ctx, site.depth + 1, site.stack)


STEP_HANDLERS: dict[str, Callable[[_Loader, _Site, _Ctx], None]] = {
    "run": _Loader.run_step,
    "deploy": _Loader.run_step,  # the deprecated `deploy` step is a `run`
    "save_cache": _Loader.cache_step,
    "restore_cache": _Loader.cache_step,
    "when": _Loader.nested_steps,
    "unless": _Loader.nested_steps,
    "steps": _Loader.spliced_steps,
}


# -- filters and triggers ------------------------------------------------------------------


def _section(value: Any, key: str) -> YMap:
    found = value.get(key) if isinstance(value, YMap) else None
    return found if isinstance(found, YMap) else YMap()


def _patterns(value: Any) -> list[str] | None:
    found = [scalar_str(v) for v in as_list(value) if _is_scalar(v) and v is not None]
    return found or None


def _excluded(leg: dict[str, _Arg], exclude: YMap) -> bool:
    return all(k in leg and scalar_str(leg[k].value) == scalar_str(v) for k, v in exclude.items())


def _has_tags(narrowing: _Narrowing) -> bool:
    return "tags_only" in narrowing.lists or "tags_ignore" in narrowing.lists


def _merge_and(first: _Narrowing, second: _Narrowing) -> _Narrowing:
    """Both narrowings hold: ignores add up; the first `only` wins (we do not intersect patterns)."""
    out = {k: list(v) for k, v in first.lists.items()}
    for key, values in second.lists.items():
        if key.endswith("_ignore"):
            out[key] = list(dict.fromkeys([*out.get(key, []), *values]))
        else:
            out.setdefault(key, list(values))
    return _Narrowing(out, first.certain and second.certain)


def _expression_filter(expression: str) -> _Narrowing:
    """Clauses `pipeline.git.branch|tag ==|!=|starts-with|matches "x"` joined by `and`. Other
    clauses narrow nothing we can read: the job stays reachable, but not certainly."""
    if re.search(r"\bor\b|[()]", expression):
        return _Narrowing(certain=False)
    out: dict[str, list[str]] = {}
    certain = True
    for clause in re.split(r"\s+and\s+", expression.strip()):
        match = _CLAUSE.fullmatch(clause.strip())
        if not match:
            certain = False
            continue
        what, op, value = match.group(1), match.group(2), match.group(4)
        pattern = {"starts-with": f"/{re.escape(value)}.*/", "matches": f"/{value}/"}.get(op, value)
        key = ("branches" if what == "branch" else "tags") + ("_ignore" if op == "!=" else "_only")
        out.setdefault(key, []).append(pattern)
    if "tags_only" in out:  # a pipeline for a tag has no branch
        out.setdefault("branches_ignore", []).append("/.*/")
    return _Narrowing(out, certain)


def _logic_filter(value: Any, negate: bool, depth: int) -> _Narrowing:
    """What a workflow `when` (or, negated, `unless`) says about the branch, in the forms we read:
    `equal: [x, << pipeline.git.branch >>]`, `matches: {pattern, value}`, `not`, `and`, or an
    expression string. Anything else narrows nothing, uncertainly."""
    if value is True and not negate:
        return _Narrowing()
    if depth > MAX_CONDITION_DEPTH or (isinstance(value, str) and negate):
        return _Narrowing(certain=False)
    if isinstance(value, str):
        return _expression_filter(value)
    if not isinstance(value, YMap) or len(value) != 1:
        return _Narrowing(certain=False)
    op, arg = next(iter(value.items()))
    if op == "not":
        return _logic_filter(arg, not negate, depth + 1)
    if (op == "and" and not negate) or (op == "or" and negate):  # conjunctions
        out = _Narrowing()
        for part in as_list(arg):
            out = _merge_and(out, _logic_filter(part, negate, depth + 1))
        return out
    pattern = _branch_comparison(op, arg)
    if pattern is None:
        return _Narrowing(certain=False)
    return _Narrowing({"branches_ignore" if negate else "branches_only": [pattern]})


def _branch_comparison(op: str, arg: Any) -> str | None:
    """The branch pattern of `equal: [x, << pipeline.git.branch >>]` or `matches: {pattern, value}`."""
    if op == "equal" and isinstance(arg, list) and len(arg) == 2:
        values = [scalar_str(v) for v in arg if _is_scalar(v)]
        others = [v for v in values if not _BRANCH_VALUE.fullmatch(v.strip())]
        if len(values) == 2 and len(others) == 1 and "<<" not in others[0]:
            return others[0]
    if op == "matches" and isinstance(arg, YMap):
        value, pattern = arg.get("value"), arg.get("pattern")
        if isinstance(value, str) and _BRANCH_VALUE.fullmatch(value.strip()) and _is_scalar(pattern):
            return f"/{scalar_str(pattern)}/"
    return None


def _reach(narrowing: _Narrowing) -> _Reach:
    lists = narrowing.lists
    only = lists.get("branches_only") or None
    ignore = lists.get("branches_ignore") or None
    branches = not (ignore and any(p in MATCH_ALL for p in ignore))
    # Pull-request branches are not the default branch: a filter admitting only it keeps PRs out.
    pull_request = branches and not (only and all(b in DEFAULT_BRANCHES for b in only))
    tags_ignore = lists.get("tags_ignore") or None
    # Tags only with tag filters; `ignore` alone admits every other tag.
    tags = lists.get("tags_only") or (["/.*/"] if tags_ignore else None)
    return _Reach(branches, only, ignore, pull_request, tags, tags_ignore, narrowing.certain)


def _propagate(graph: JobGraph, reach: dict[str, _Reach]) -> None:
    """A job runs only when one of the jobs it requires can run (CircleCI ignores filtered-out
    requirements, but a job all of whose requirements are filtered out does not run)."""
    order = graph.topological_order()
    if order is None:  # pragma: no cover - called for workflows without cycles only
        raise ValueError("the requires of the workflow form a cycle")
    for key in order:
        upstream = [reach[u] for u in graph.predecessors(key)]
        if not upstream:
            continue
        mine = reach[key]
        mine.certain = mine.certain and any(u.certain for u in upstream)
        mine.pull_request = mine.pull_request and any(u.pull_request for u in upstream)
        mine.branches = mine.branches and any(u.branches for u in upstream)
        inherited = [u.only for u in upstream if u.branches]
        if mine.branches and mine.only is None and inherited and all(o is not None for o in inherited):
            mine.only = list(dict.fromkeys(b for o in inherited for b in o or []))
            mine.pull_request = mine.pull_request and not all(b in DEFAULT_BRANCHES for b in mine.only)
        if mine.tags and not any(u.tags for u in upstream):
            mine.tags = None


def _triggers(reach: _Reach, span: Any) -> list[Trigger]:
    out: list[Trigger] = []
    sure = reach.certain
    if reach.branches:
        out.append(Trigger("push", span, branches=reach.only, branches_ignore=reach.ignore, certain=sure))
    if reach.pull_request:
        out.append(Trigger("pull_request", span, certain=sure))
    if reach.tags:
        out.append(Trigger("push", span, tags=reach.tags, tags_ignore=reach.tags_ignore, certain=sure))
    return out


def _flow(value: Any, depth: int = 0) -> str:
    """A logic statement in compact flow style: `{equal: [main, << pipeline.git.branch >>]}`."""
    if depth > MAX_CONDITION_DEPTH:
        return "..."
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v, depth + 1)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v, depth + 1) for v in value) + "]"
    return scalar_str(value)


# -- secrets --------------------------------------------------------------------------------


def _builtin(name: str) -> bool:
    return name in BUILTIN_VARS or name.startswith(BUILTIN_PREFIXES)


# Both scan the scripts of every step of every job, and inlined commands repeat the same scripts
# and lines in many jobs (22,341 scripts and 131,649 lines for the 151 corpus configs, most of
# them repeats): each text is scanned once.
@lru_cache(maxsize=16384)
def _variables(value: str) -> tuple[tuple[str, int, int], ...]:
    """`$NAME` / `${NAME}` uses in a string: (name, start, end)."""
    return tuple((m.group(1) or m.group(2), m.start(), m.end()) for m in _VAR.finditer(value))


@lru_cache(maxsize=4096)
def _assigned(script: str) -> frozenset[str]:
    return frozenset(next(g for g in m.groups() if g) for m in _ASSIGNED.finditer(script))


def _line_span(lines: list[str], text: Text, index: int, line: str, start: int, end: int) -> Span:
    """Where `line[start:end]` of a (substituted) script stands in the source: substitution moves
    columns, so find the same token on the written line when the line was changed."""
    span = text.line_span(index, start, end)
    if text.body_line is None or not 0 < span.line <= len(lines):
        return span
    written = lines[span.line - 1][text.body_column - 1:]
    if written.startswith(line):
        return span
    token = line[start:end]
    column = -1
    for _ in range(line.count(token, 0, start) + 1):
        column = written.find(token, column + 1)
        if column < 0:
            return span  # it came from a parameter value: the line is the best we can say
    first = text.body_column + column
    return Span(span.path, span.line, first, span.line, first + len(token))


def _secrets(job: JobRun, lines: list[str]) -> list[SecretRef]:
    """Every variable the job reads that it does not set itself: what must come from a context or
    the project settings. Built-ins are left out; which names are secret-like is the rule's call."""
    defined = set(job.env)
    for step in job.steps:
        defined.update(step.env)
        if step.run is not None:
            defined.update(_assigned(step.run.value))
    found: dict[tuple[str, Any, str], SecretRef] = {}

    def add(name: str, span: Any, where: str, step: int | None = None, setting: str | None = None) -> None:
        # `TOKEN: $TOKEN` sets TOKEN from the context's TOKEN: a use, not a definition.
        if (name not in defined or name == setting) and not _builtin(name):
            found.setdefault((name, span, where), SecretRef(name, span, "variable", where, step))

    for var in job.env.values():
        for name, _, _ in _variables(var.value.value):
            add(name, var.value.span, "env", setting=var.name)
    for image in job.images:
        for name, _, _ in _variables(image.ref):
            add(name, image.span, "image")
        for text in image.auth.values():
            for name, _, _ in _variables(text.value):
                add(name, text.span, "auth")
    for index, step in enumerate(job.steps):
        for var in step.env.values():
            if var.level == "step":
                for name, _, _ in _variables(var.value.value):
                    add(name, var.value.span, "env", index, var.name)
        for text in step.inputs.values():
            for name, _, _ in _variables(text.value):
                add(name, text.span, "with", index)
        # Every variable use has a `$`: most scripts and lines have none to look for.
        if step.run is not None and "$" in step.run.value:
            for line_no, line in enumerate(step.run.value.split("\n")):
                if "$" not in line or line.lstrip().startswith("#"):
                    continue
                for name, start, end in _variables(line):
                    add(name, _line_span(lines, step.run, line_no, line, start, end), "run", index)
    return list(found.values())
