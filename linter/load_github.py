"""GitHub Actions: workflows and actions into the model.

Everything cilint knows about GitHub Actions as a platform is here (with `github_expr` for the
expression language): triggers and their filters, `needs`, `if` narrowing, matrix expansion,
check-run names, environments, containers and services, steps, caches (incl. the setup-*
actions' built-in ones), secrets, local reusable workflows (caller -> callee jobs in one DAG) and
local composite actions (their steps inlined where they are used).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from . import github_cache, github_filters, github_reporters, github_token_uses, github_untrusted
from . import github_expr as expr
from .github_env import carry_github_env
from .github_events import EVENTS
from .github_injection import read_injections
from .lazyre import lazy
from .loadutil import (
    MAX_CALLED_RUNS,
    Source,
    count_called_runs,
    env_map,
    first_call_cut,
    items_with_pos,
    may_expand_call,
    scalar_str,
    spend,
    str_list,
    walk_literals,
)
from .model import (
    Cache,
    CacheAction,
    CheckName,
    EnvVar,
    Image,
    ImageKind,
    JobGraph,
    JobRun,
    PermissionLevel,
    Permissions,
    Pipeline,
    ProblemKind,
    Reference,
    ReferenceKind,
    SecretRef,
    SecretWhere,
    Span,
    Step,
    Text,
    TokenUse,
    Trigger,
    Workflow,
    qualified,
)
from .shell import shell_options
from .yamlsrc import Pos, YMap, YSeq, YStr, pos_of

ACTIONS_APP_ID = 15368  # GitHub Actions' app id in branch protection (domain-facts §1.4)
MAX_MATRIX = 256  # GitHub's limit of jobs per matrix
MAX_CALL_DEPTH = 4  # reusable workflows nest at most 4 levels
_SECRET = re.compile(r"\bsecrets(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*'([^']+)'\s*\])")
# A secret a value reads, spaces allowed around the dot (`secrets.X`, `secrets [ 'X' ]`):
# `Step.secret_templates` and `Step.env_secrets`.
_SECRET_READ = lazy(r"\bsecrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*'([^']+)'\s*\])")
_BUILTIN_TOKEN = "github.token"  # the job's own token, read as an expression
# How GitHub writes what it fills in before the shell runs (`Pipeline.template_openers`,
# `Pipeline.template_word`: an expression is one argument though it holds spaces), and how
# scripts name the checkout directory (`Pipeline.checkout_directories`).
TEMPLATE_OPENERS = ("${{",)
TEMPLATE_WORD = r"\$\{\{.*?\}\}"
CHECKOUT_DIRECTORIES = ("${{ github.workspace }}", "$GITHUB_WORKSPACE", "${GITHUB_WORKSPACE}")
# What every workflow and action pipeline says of GitHub's syntax and of the variables the runner
# sets itself (`GITHUB_TOKEN`, `GITHUB_*`, `RUNNER_*`).
_PLATFORM_FACTS: dict[str, Any] = {
    "template_openers": TEMPLATE_OPENERS, "template_word": TEMPLATE_WORD,
    "checkout_directories": CHECKOUT_DIRECTORIES,
    "builtin_variables": frozenset({"GITHUB_TOKEN"}), "builtin_prefixes": ("GITHUB_", "RUNNER_"),
}
_USES = re.compile(r"^(?P<name>[^@\s]+)(?:@(?P<ref>\S+))?$")
_TRAILING_COMMENT = re.compile(r"#\s*(.*\S)")
_RUNS_ALWAYS = re.compile(r"always\(\)|!\s*cancelled\(\)")
# What a matrix leg or a reusable workflow's caller may supply: `matrix.os`, `inputs['a-b'].c`.
_LEG_VALUE = lazy(r"(matrix|inputs)\s*(?:\.\s*([A-Za-z0-9_-]+)|\[\s*'([^']+)'\s*\])"
                        r"((?:\.[A-Za-z0-9_-]+)*)")

# setup-* actions whose built-in cache is keyed on a hash of these files (domain-facts §5).
_BUILTIN_CACHES: dict[str, tuple[str, dict[str, list[str]]]] = {
    "actions/setup-node": ("cache", {
        "npm": ["package-lock.json", "npm-shrinkwrap.json"],
        "yarn": ["yarn.lock"],
        "pnpm": ["pnpm-lock.yaml"],
    }),
    "actions/setup-python": ("cache", {
        "pip": ["**/requirements.txt", "**/pyproject.toml"],  # pyproject.toml: when no requirements
        "pipenv": ["**/Pipfile.lock"],
        "poetry": ["**/poetry.lock"],
    }),
    "actions/setup-go": ("cache", {"true": ["go.mod"]}),
    "actions/setup-java": ("cache", {
        "maven": ["**/pom.xml"],
        "gradle": ["**/*.gradle*", "**/gradle-wrapper.properties"],
        "sbt": ["**/*.sbt"],
    }),
    # without a lockfile, setup-ruby runs `bundle lock` and keys on the generated one
    "ruby/setup-ruby": ("bundler-cache", {"true": ["Gemfile.lock", "gems.locked", "Gemfile", "gems.rb"]}),
    "actions/setup-dotnet": ("cache", {"true": ["**/packages.lock.json"]}),
}
_DEFAULT_ON = {"actions/setup-go"}  # caching on unless `cache: false`
# What can fill a default-on cache's folders later in the job (setup-go caches GOMODCACHE and
# GOCACHE, which only the toolchain writes; its post step saves nothing when they do not exist,
# "Cache folder path is retrieved but doesn't exist on disk"): commands that run Go or may
# (build tools, scripts), and actions whose name says Go or that build the code (CodeQL's
# autobuild, and its analyze step, which builds Go code nothing traced before). A job that only sets Go up and then
# builds in a container has no cache to go stale.
_TOOLCHAIN_RUNNERS: dict[str, tuple[frozenset[str], re.Pattern[str]]] = {
    "actions/setup-go": (
        frozenset({"go", "gofmt", "make", "gmake", "task", "mage", "just", "bazel", "bazelisk", "goreleaser",
                   "golangci-lint", "gotestsum", "ginkgo", "staticcheck", "govulncheck", "ko", "buf", "air",
                   "xcaddy", "bash", "sh", "zsh", "source", "."}),
        lazy(r"(?i)(?:^|[/-])go(?:lang)?(?:[/-]|$)|golangci|goreleaser|codeql-action"),
    ),
}
# Before these major versions the default key files were others: setup-go v4-v5 hashed go.sum.
_OLDER_DEFAULTS: dict[str, tuple[int, list[str]]] = {"actions/setup-go": (6, ["go.sum"])}
_CACHE_ACTIONS: dict[str, CacheAction] = {
    "actions/cache": "save+restore",
    "actions/cache/save": "save",
    "actions/cache/restore": "restore",
}


def is_reference(value: str) -> bool:
    """A GitHub value is not a literal when an expression supplies it."""
    return "${{" in value


def _only_known_at_run_time(value: str) -> bool:
    """An image or ref that is not a literal: a `${{ }}` expression left unresolved, or a `$VAR` or
    `<< x >>` placeholder (workflows generated from a template carry them)."""
    return "$" in value or "<<" in value


def _expression_names(written: str) -> list[str]:
    """The expressions a value is written with, once each: `${{ matrix.image }}` -> `matrix.image`."""
    return list(dict.fromkeys(match.group(1).strip() for match in expr.EXPRESSION.finditer(written)))


LocalLoader = Callable[[str], "tuple[Source, YMap] | None"]


@dataclass
class _Context:
    """What a job is built in: its file, the workflow around it, the caller chain."""

    source: Source
    pipeline: Pipeline
    workflow_name: str
    env: dict[str, EnvVar]
    load_local: LocalLoader
    default_branch: str
    key_prefix: str = ""
    name_prefix: str = ""
    caller_triggers: list[Trigger] | None = None
    depth: int = 0
    seen_calls: tuple[str, ...] = ()
    inputs: dict[str, Any] = field(default_factory=dict)
    run_directory: Any = None  # `defaults.run.working-directory` of the workflow or job
    # The token's permissions a job without its own gets (its file's workflow-level ones, else a
    # caller's), and the caller job's that cap a called workflow's (None: not called).
    permissions: Permissions | None = None
    permissions_cap: Permissions | None = None
    run_shell: Any = None  # `defaults.run.shell` of the workflow or job


class _StepLog:
    """The steps of a job, built for its first matrix leg and shared by the others.

    A job's steps do not depend on the leg: nothing in them is substituted from the matrix (the
    job's env, directory and caller are the same for each leg). Building them once per job
    rather than once per leg halves the steps of the corpus (28,493 -> 13,530) and what reads
    them: shell lexing, deploy recognition, rules. What building them does besides (the model
    budget spent, problems reported, `docker://` step images added to the run) is recorded in
    order and replayed for each later leg, as building them again would do it; a replayed
    `spend` that fails ends the replay there, as it would end the building.
    """

    def __init__(self) -> None:
        self.steps: list[Step] | None = None
        self.events: list[tuple[str, Any, Any]] = []
        self.token_uses: list[TokenUse] | None = None  # what the steps use of the token (read once)
        self.untrusted: github_untrusted.StepFacts | None = None  # (read once too)

    def spend(self, source: Source, pos: Pos) -> bool:
        self.events.append(("spend", source, pos))
        return spend(source, pos)

    def problems(self, source: Source, before: int) -> None:
        """Record the problems `source` reported since it had `before`."""
        self.events.extend(("problem", source, problem) for problem in source.problems[before:])

    def image(self, run: JobRun) -> None:
        """Record the image just added to `run`."""
        self.events.append(("image", None, run.images[-1]))

    def replay(self, run: JobRun) -> list[Step]:
        for kind, source, item in self.events:
            if kind == "spend":
                if not spend(source, item):
                    break
            elif kind == "problem":
                source.problems.append(replace(item))
            else:
                run.images.append(Image(item.ref, item.span, item.kind, item.written, item.resolved,
                                        supplied_by=list(item.supplied_by)))
        assert self.steps is not None
        return self.steps


# ---------------------------------------------------------------------------------------------
# Workflows


def load_workflow(
    source: Source, root: YMap, load_local: LocalLoader, default_branch: str = "main",
    merge_keys: list[Pos] | None = None,
) -> Pipeline:
    name = scalar_str(root.get("name")) or source.path
    pipeline = Pipeline("github", source.path, name, source.span(root.pos), **_PLATFORM_FACTS)
    for pos in merge_keys or []:
        source.problem(ProblemKind.REFERENCE, "`<<` merge keys are not supported by GitHub Actions "
                       "(anchors and aliases are); write the keys out", pos)
    pipeline.triggers = github_filters.translated(_triggers(source, root))
    pipeline.env = env_map(source, root.get("env"), "workflow", is_reference)
    pipeline.literals = walk_literals(source, root, is_reference)
    pipeline.called_by_workflow_call = any(t.event == "workflow_call" for t in pipeline.triggers)
    if isinstance(root.get("concurrency"), (str, YMap)):
        pipeline.concurrency = source.text(_concurrency_group(root["concurrency"]), root.pos_of("concurrency"))
    workflow = Workflow(name, source.span(root.pos), JobGraph(), pipeline, pipeline.triggers)
    workflow.concurrency = pipeline.concurrency
    pipeline.workflows.append(workflow)
    jobs = root.get("jobs")
    if not isinstance(jobs, YMap):
        source.problem(ProblemKind.PARSE, "a workflow needs a `jobs` mapping", root.key_pos_of("jobs"))
        return pipeline
    pipeline.permissions = read_permissions(source, root)
    context = _Context(source, pipeline, name, pipeline.env, load_local, default_branch,
                       run_directory=_run_directory(root), permissions=pipeline.permissions,
                       run_shell=_run_default(root, "shell"))
    _add_jobs(context, workflow, jobs, pipeline.triggers)
    return pipeline


def _concurrency_group(value: Any) -> Any:
    return value.get("group", "") if isinstance(value, YMap) else value


def _add_jobs(context: _Context, workflow: Workflow, jobs: YMap, triggers: list[Trigger]) -> dict[str, list[str]]:
    """Add every job of `jobs` (and of the local workflows they call) to the workflow's graph;
    returns job id -> the keys of its runs (matrix legs, callee jobs)."""
    source = context.source
    graph = workflow.dag
    runs_of: dict[str, list[str]] = {}
    leaves_of: dict[str, list[str]] = {}  # a caller job's final callee runs: what `needs` waits for
    needs_of: dict[str, list[tuple[str, Pos]]] = {}
    for job_id, job in jobs.items():
        if not isinstance(job, YMap):
            source.problem(ProblemKind.PARSE, f"job `{job_id}` must be a mapping", jobs.pos_of(job_id))
            continue
        needs_of[job_id] = [(scalar_str(n), pos) for n, pos in items_with_pos(job.get("needs"))]
        runs = _job_runs(context, workflow, job_id, job, jobs.key_pos_of(job_id))
        runs_of[job_id] = [run.key for run in runs]
        leaves_of[job_id] = [run.key for run in runs]
        for run in runs:
            graph.add_node(run.key, job=run)
        if isinstance(job.get("uses"), str) and runs:
            leaves_of[job_id] = _add_call(context, workflow, runs[0], job)
    for job_id, needs in needs_of.items():
        for need, pos in needs:
            if need not in runs_of:
                source.problem(ProblemKind.REFERENCE, f"job `{job_id}` needs `{need}`, which is not a job "
                               "of this workflow", pos, qualified(source.path, context.workflow_name, job_id))
                continue
            for upstream in leaves_of[need]:
                for downstream in runs_of[job_id]:
                    if not spend(source, pos):  # matrices needing matrices: legs x legs edges
                        return runs_of
                    graph.add_edge(upstream, downstream)
    _report_cycles(context, workflow, runs_of, jobs)
    _narrow_triggers(context, workflow, triggers)
    return runs_of


def _report_cycles(context: _Context, workflow: Workflow, runs_of: dict[str, list[str]], jobs: YMap) -> None:
    # The test first: it is a fraction of the search for a cycle (legs of a matrix needing a
    # matrix make legs x legs edges: 0.2 s against 4 ms for 65,000 of them), and most have none.
    if workflow.dag.is_acyclic():
        return
    import networkx as nx  # (only for a cycle: see JobGraph)

    try:
        cycle = nx.find_cycle(workflow.graph)
    except nx.NetworkXNoCycle:
        return
    names = [workflow.job(edge[0]).job_id for edge in cycle]
    first = names[0]
    context.source.problem(
        ProblemKind.REFERENCE,
        "`needs` form a cycle: " + " -> ".join([*names, first]) + "; none of these jobs can start",
        jobs.key_pos_of(first) if first in jobs else jobs.pos,
    )
    workflow.graph.remove_edges_from(cycle)  # so that later walks terminate


# ---------------------------------------------------------------------------------------------
# Jobs


def _job_runs(context: _Context, workflow: Workflow, job_id: str, job: YMap, key_pos: Pos) -> list[JobRun]:
    source = context.source
    key_base = context.key_prefix + job_id
    display = job.get("name")
    display_text = scalar_str(display) if display is not None else job_id
    legs, dimensions, matrix_known = _matrix(job, lambda message, pos: source.problem(
        ProblemKind.PARSE, message, pos, qualified(source.path, context.workflow_name, key_base)))
    env = {**context.env, **env_map(source, job.get("env"), "job", is_reference)}
    runs: list[JobRun] = []
    steps = _StepLog()  # the legs share their steps
    # The same for every leg (spans do not change): made once.
    span, definition = source.span(key_pos), source.span(job.pos)
    job_qualified = qualified(source.path, context.workflow_name, context.key_prefix + job_id)
    keys: set[str] = set()  # of the legs so far
    for index, leg in enumerate(legs):
        if not spend(source, key_pos):  # over the file's model limit: it will not be checked
            break
        lookup = _lookup_for(leg, context.inputs, matrix_known)
        name, name_known = expr.substitute(display_text, lookup)
        key = key_base if len(legs) == 1 else f"{key_base} ({_leg_label(leg, dimensions)})"
        if key in keys:
            key = f"{key} #{index + 1}"
        keys.add(key)
        run = JobRun(
            key=key,
            job_id=job_id,
            name=context.name_prefix + name,
            span=span,
            qualified=job_qualified,
            definition=definition,
            matrix=dict(leg),
            env=env,
        )
        run.checks = _check_names(context, job, display, name, name_known, leg, dimensions, matrix_known, key_pos)
        _fill_job(context, run, job, lookup, steps)
        runs.append(run)
    return runs


def _fill_job(context: _Context, run: JobRun, job: YMap, lookup: Callable[[str], Any],
              shared: _StepLog | None = None) -> None:
    source = context.source
    if "if" in job and job["if"] is not None:
        run.condition = source.text(scalar_str(job["if"]), job.pos_of("if"))
    run.runs_on = [source.text(v, p) for v, p in items_with_pos(job.get("runs-on"))
                   if not isinstance(v, (YMap, YSeq))]
    if isinstance(job.get("runs-on"), YMap):
        run.runs_on = [source.text(v, p) for v, p in items_with_pos(job["runs-on"].get("labels"))]
    if "timeout-minutes" in job:
        run.timeout = source.text(scalar_str(job["timeout-minutes"]), job.pos_of("timeout-minutes"))
    if "concurrency" in job:
        run.concurrency = source.text(scalar_str(_concurrency_group(job["concurrency"])),
                                      job.pos_of("concurrency"))
    run.continue_on_error = job.get("continue-on-error") is True
    if isinstance(job.get("continue-on-error"), str):  # `${{ matrix.experimental }}`: per leg
        value, resolved = expr.substitute(job["continue-on-error"], lookup)
        run.continue_on_error = resolved and value.strip() == "true"
    environment = job.get("environment")
    env_pos = job.pos_of("environment")
    if isinstance(environment, YMap):
        env_pos = environment.pos_of("name")
        environment = environment.get("name")
    if environment is not None and not isinstance(environment, (YMap, YSeq)):
        value, _ = expr.substitute(scalar_str(environment), lookup)
        run.environment = Text(value, source.span(env_pos))
    expr.read_job_facts(run)
    run.permissions = read_permissions(source, job) or context.permissions
    run.permissions_cap = context.permissions_cap
    _images(context, run, job, lookup)
    steps = job.get("steps")
    if isinstance(steps, YSeq):
        if shared is not None and shared.steps is not None:  # a later leg: the first one's steps
            run.steps = shared.replay(run)
        else:
            directory = _run_directory(job, context.run_directory)
            # (Most jobs set no directory of their own: their context needs no copy.)
            job_context = context if directory is context.run_directory else replace(context, run_directory=directory)
            if _run_default(job, "shell") is not None:
                job_context = replace(job_context, run_shell=_run_default(job, "shell"))
            run.steps = _steps(job_context, run, steps, run.env, origin=None, depth=0, log=shared)
            carry_github_env(run.steps)
            read_injections(run.steps)
            _drop_idle_default_caches(run.steps)
            if shared is not None:
                shared.steps = run.steps
    elif steps is not None:
        source.problem(ProblemKind.PARSE, "`steps` must be a list", job.pos_of("steps"), run.qualified)
    _job_secrets(context, run, job)
    run.needs_results_checked = _checks_needs_results(job, run)
    uses = job.get("uses")
    if isinstance(uses, str):
        run.kind = "call"
        run.uses = _reference(source, uses, job.pos_of("uses"), "workflow", run.qualified)
        context.pipeline.references.append(run.uses)
    if shared is not None and shared.token_uses is not None and run.steps is shared.steps:
        run.token_uses = list(shared.token_uses)  # a later leg: its steps are the first one's
    else:
        run.token_uses = _token_uses(run)
        if shared is not None and run.steps is shared.steps:
            shared.token_uses = list(run.token_uses)
    if shared is not None and run.steps is shared.steps:
        shared.untrusted = github_untrusted.annotate(run, shared.untrusted)
    else:
        github_untrusted.annotate(run)
    context.pipeline.references.extend(
        step.uses for step in run.steps
        if step.uses is not None and step.origin is None and step.uses.kind in ("action", "docker")
    )


def _run_default(node: YMap, name: str) -> Any:
    """`defaults.run.<name>` of a workflow or job, or None."""
    defaults = node.get("defaults")
    run = defaults.get("run") if isinstance(defaults, YMap) else None
    return run.get(name) if isinstance(run, YMap) else None


# The command line GitHub starts a `run` step's shell with, for each `shell:` keyword (workflow
# syntax, `jobs.<job_id>.steps[*].shell`; any other value is a custom command line, read as
# written). Unspecified on Linux and macOS is `bash -e {0}`, without `pipefail` (github/docs
# #18933, #23853); on Windows it is `pwsh`.
_SHELLS = {
    "": "bash -e {0}",
    "bash": "bash --noprofile --norc -eo pipefail {0}",
    "sh": "sh -e {0}",
    "pwsh": "pwsh -command \". '{0}'\"",
    "powershell": "powershell -command \". '{0}'\"",
    "cmd": "cmd /D /E:ON /V:OFF /S /C \"CALL \"{0}\"\"",
    "python": "python {0}",
}


def _shell_options(shell: Any, run: JobRun) -> tuple[bool | None, bool | None]:
    """`Step.errexit` and `Step.pipefail` of a `run` step with this `shell:` (None: the default)."""
    written = "" if shell is None else scalar_str(shell).strip()
    if "${{" in written:
        return None, None
    if not written and any("${{" in label.value or "windows" in label.value.lower() for label in run.runs_on):
        return None, None  # a Windows runner, or one chosen at run time: pwsh may be the default
    return shell_options(_SHELLS.get(written, written))


def _run_directory(node: YMap, inherited: Any = None) -> Any:
    """`defaults.run.working-directory` of a workflow or job (the job's wins)."""
    defaults = node.get("defaults")
    run = defaults.get("run") if isinstance(defaults, YMap) else None
    if isinstance(run, YMap) and run.get("working-directory") is not None:
        return run["working-directory"]
    return inherited


def _checks_needs_results(job: YMap, run: JobRun) -> bool:
    """An aggregator that fails when a need failed: runs `always()` and reads needs' results."""
    condition = scalar_str(job.get("if", ""))
    if not _RUNS_ALWAYS.search(condition):
        return False
    for step in run.steps:
        parts = [step.run.value if step.run else "", step.condition.value if step.condition else ""]
        text = " ".join([*parts, *(t.value for t in step.inputs.values())])
        if "needs" in text and "result" in text:
            return True
        if step.uses is not None and step.uses.name.endswith("alls-green"):
            return True
    return False


def _images(context: _Context, run: JobRun, job: YMap, lookup: Callable[[str], Any]) -> None:
    source = context.source
    container = job.get("container")
    if container is not None:
        run.images.extend(_image(source, container, job.pos_of("container"), "container", lookup))
    services = job.get("services")
    if isinstance(services, YMap):
        for service_name, service in services.items():
            run.images.extend(_image(source, service, services.pos_of(service_name), "service", lookup))


def _image(source: Source, value: Any, pos: Pos, kind: ImageKind, lookup: Callable[[str], Any]) -> list[Image]:
    auth: dict[str, Text] = {}
    if isinstance(value, YMap):
        credentials = value.get("credentials")
        if isinstance(credentials, YMap):
            auth = {k: source.text(v, credentials.pos_of(k)) for k, v in credentials.items()
                    if not isinstance(v, (YMap, YSeq))}
        pos, value = value.pos_of("image"), value.get("image")
    if value is None or isinstance(value, (YMap, YSeq)) or scalar_str(value) == "":
        return []
    written = scalar_str(value)
    ref, resolved = expr.substitute(written, lookup)
    if resolved and not ref.strip():
        return []  # `container: ${{ matrix.image }}` with an empty value: this leg runs on the host
    via = [Text(written, source.span(pos))] if ref != written else []
    via.extend(_matrix_values(source, written, lookup))
    resolved = resolved and not _only_known_at_run_time(ref)
    return [Image(ref, source.span(pos), kind, written, resolved, via, auth, _expression_names(written))]


def _matrix_values(source: Source, written: str, lookup: Callable[[str], Any]) -> list[Text]:
    """Where the matrix values an expression takes are written (same file as the job), so that a
    finding about the value can point at it too."""
    out: list[Text] = []
    for match in expr.EXPRESSION.finditer(written):
        inner = match.group(1).strip()
        value = lookup(inner) if inner.startswith("matrix") else None
        if isinstance(value, YStr) and value.pos != pos_of(None):
            out.append(Text(str(value), source.span(value.pos)))
    return out


def _job_secrets(context: _Context, run: JobRun, job: YMap) -> None:
    source = context.source
    for index, step in enumerate(run.steps):
        if step.run is not None:
            run.secrets.extend(_secrets_in(step.run, "run", index))
        for env in step.env.values():
            if env.level == "step":
                run.secrets.extend(_secrets_in(env.value, "env", index))
        for value in step.inputs.values():
            run.secrets.extend(_secrets_in(value, "with", index))
    for env in run.env.values():
        if env.level == "job":
            run.secrets.extend(_secrets_in(env.value, "env", None))
    for image in run.images:
        for value in image.auth.values():
            run.secrets.extend(_secrets_in(value, "auth", None))
    secrets = job.get("secrets")
    if isinstance(secrets, str) and secrets == "inherit":
        run.secrets.append(SecretRef("*", source.span(job.pos_of("secrets")), "inherit", "secrets"))
    elif isinstance(secrets, YMap):
        for key, value in secrets.items():
            run.secrets.extend(_secrets_in(source.text(value, secrets.pos_of(key)), "secrets", None))


def _secrets_in(text: Text, where: SecretWhere, step: int | None) -> list[SecretRef]:
    found: list[SecretRef] = []
    if "secrets" not in text.value:  # most values (48,000 in the corpus workflows): no search
        return found
    for block in expr.EXPRESSION.finditer(text.value):
        for match in _SECRET.finditer(block.group(1)):
            name = match.group(1) or match.group(2)
            offset = block.start()
            line = text.value.count("\n", 0, offset)
            column = offset - (text.value.rfind("\n", 0, offset) + 1)
            span = text.line_span(line, column, column + len(block.group(0)))
            found.append(SecretRef(name, span, "expression", where, step))
    return found


# ---------------------------------------------------------------------------------------------
# Matrix and check names


def _matrix(job: YMap, report: Callable[[str, Pos], None] | None = None,
            ) -> tuple[list[dict[str, Any]], list[str], bool]:
    """The legs of a job's matrix (one empty leg without one), its declared dimensions in order,
    and whether all values are known (not `${{ fromJSON(...) }}`). `report` is told of a matrix
    over GitHub's limit (the run fails) and of what cilint did not read (docs/limits.md): a cut
    must not hide an include that matters."""
    def cut(message: str, pos: Pos) -> None:
        if report is not None:
            report(message, pos)

    strategy = job.get("strategy")
    matrix = strategy.get("matrix") if isinstance(strategy, YMap) else None
    if matrix is None:
        return [{}], [], True
    if not isinstance(matrix, YMap):
        return [{}], [], False
    dimensions = [k for k in matrix if k not in ("include", "exclude")]
    known = True
    values: list[list[Any]] = []
    for key in dimensions:
        items = matrix[key]
        if isinstance(items, list):
            values.append(list(items))
        else:
            known = False
            values.append([expr.UNKNOWN])
    legs: list[dict[str, Any]] = []
    product = math.prod(len(items) for items in values) if dimensions else 0
    if dimensions:
        for combo in itertools.islice(itertools.product(*values), MAX_MATRIX * 4):
            legs.append(dict(zip(dimensions, combo, strict=True)))
    # Each include/exclude entry is compared with every leg: read at most MAX_MATRIX of each
    # (real workflows have a few dozen; GitHub runs at most MAX_MATRIX legs anyway), and say so.
    excludes = matrix.get("exclude")
    excludes_read = not isinstance(excludes, list) or len(excludes) <= MAX_MATRIX
    if isinstance(excludes, list):
        if len(excludes) > MAX_MATRIX:
            cut(f"`exclude` has {len(excludes):,} entries; cilint reads the first {MAX_MATRIX} and does not check "
                "the job's matrix further", matrix.key_pos_of("exclude"))
        excludes = excludes[:MAX_MATRIX]
        legs = [leg for leg in legs if not any(_matches(leg, ex) for ex in excludes if isinstance(ex, dict))]
    elif excludes is not None:
        known = False
    includes = matrix.get("include")
    if isinstance(includes, list):
        if len(includes) > MAX_MATRIX:
            cut(f"`include` has {len(includes):,} entries; cilint reads the first {MAX_MATRIX} and does not check "
                "the legs of the others", matrix.key_pos_of("include"))
        _apply_includes(legs, includes[:MAX_MATRIX], dimensions)
    elif includes is not None:
        known = False
    # The count is a lower bound when every exclusion was applied to every combination (the
    # includes not read only add legs or extend them), exact when nothing was left unread.
    lower_bound = not excludes or (excludes_read and product <= MAX_MATRIX * 4)
    exact = lower_bound and product <= MAX_MATRIX * 4 and not (isinstance(includes, list)
                                                                and len(includes) > MAX_MATRIX)
    if known and lower_bound and len(legs) > MAX_MATRIX:
        more, count = ("", len(legs)) if exact else ("more than ", max(len(legs), product if not excludes else 0))
        cut(f"the matrix makes {more}{count:,} job runs, over GitHub's limit of {MAX_MATRIX} per "
            "matrix: GitHub fails the run (strategy expansion exceeded); cilint checks the first "
            f"{MAX_MATRIX}", strategy.key_pos_of("matrix") if isinstance(strategy, YMap) else job.pos)
    if not legs:
        return [{}], dimensions, known
    return legs[:MAX_MATRIX], dimensions, known


def _matches(leg: dict[str, Any], partial: dict[str, Any]) -> bool:
    return all(key in leg and _same(leg[key], value) for key, value in partial.items())


def _same(a: Any, b: Any) -> bool:
    if a is b:  # the same node (an alias): no need to walk it
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return _matches(a, b)
    return scalar_str(a) == scalar_str(b)


def _apply_includes(legs: list[dict[str, Any]], includes: list[Any], dimensions: list[str]) -> None:
    """GitHub's `include` (docs: `jobs.<job_id>.strategy.matrix.include`, the fruit/animal example):
    each entry's pairs are added to every original combination (the product, after `exclude`) none
    of whose original values they would overwrite (values added by earlier entries may be); an entry
    added to none becomes a combination of its own, which later entries do not extend. An
    include-only matrix has one combination per entry."""
    original = [(leg, {k: leg[k] for k in dimensions if k in leg}) for leg in legs]
    for entry in includes:
        if not isinstance(entry, dict):
            continue
        extended = False
        for leg, base in original:
            if all(_equal(base[k], v) for k, v in entry.items() if k in base):
                leg.update((k, v) for k, v in entry.items() if k not in base)
                extended = True
        if not extended:
            legs.append(dict(entry))


def _equal(a: Any, b: Any) -> bool:
    """Whether an include value leaves an original value as it is (objects compare whole)."""
    if a is b:
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)) or a is expr.UNKNOWN or b is expr.UNKNOWN:
        return False
    return scalar_str(a) == scalar_str(b)


def _leg_values(leg: dict[str, Any], dimensions: list[str]) -> list[str]:
    """The values GitHub puts in a matrix check name: every value of the combination (objects
    flattened to their leaves; empty ones skipped): the declared dimensions' in declared order,
    then the keys `include` added, in the order they were first added (for a combination an entry
    made: that entry's other keys, in its order)."""
    keys = [k for k in dimensions if k in leg] + [k for k in leg if k not in dimensions]
    out: list[str] = []
    for key in keys:
        _flatten(leg[key], out)
    return out


def _flatten(value: Any, out: list[str]) -> None:
    if len(out) >= MAX_MATRIX:  # every leg flattens its values: an aliased tree must not repeat in full
        return
    if isinstance(value, dict):
        for item in value.values():
            _flatten(item, out)
    elif isinstance(value, list):
        for item in value:
            _flatten(item, out)
    elif value is expr.UNKNOWN:
        out.append("*")
    elif value is not None and scalar_str(value) != "":
        out.append(scalar_str(value))


def _leg_label(leg: dict[str, Any], dimensions: list[str]) -> str:
    return ", ".join(_leg_values(leg, dimensions))


def _lookup_for(leg: dict[str, Any], inputs: dict[str, Any], matrix_known: bool = False) -> Callable[[str], Any]:
    """`matrix.*` and `inputs.*` values of one leg. A key a leg of a known matrix lacks (an include
    entry that did not set it) is null, which reads as empty text (`container: ${{ matrix.c }}`
    then runs on the host)."""
    missing = None if leg and matrix_known else expr.UNKNOWN

    def lookup(expression: str) -> Any:
        match = _LEG_VALUE.fullmatch(expression)
        if not match:
            return expr.UNKNOWN
        in_leg = match.group(1) == "matrix"
        scope = leg if in_leg else inputs
        value: Any = scope.get(match.group(2) or match.group(3), missing if in_leg else expr.UNKNOWN)
        for part in filter(None, (match.group(4) or "").split(".")):
            if value is None:
                break
            value = value.get(part, expr.UNKNOWN) if isinstance(value, dict) else expr.UNKNOWN
        if isinstance(value, (dict, list)):
            return expr.UNKNOWN
        return value

    return lookup


def _check_names(
    context: _Context, job: YMap, display: Any, name: str, name_known: bool,
    leg: dict[str, Any], dimensions: list[str], matrix_known: bool, key_pos: Pos,
) -> list[CheckName]:
    """The check-run names a job run reports (domain-facts §1.1-1.3)."""
    if isinstance(job.get("uses"), str):
        return []  # a caller reports nothing itself; its callee jobs do
    span = context.source.span(job.pos_of("name") if display is not None else key_pos)
    base = display if display is not None else None
    template = scalar_str(base) if base is not None else ""
    prefix = context.name_prefix
    if leg and (base is None or "${{" not in template):
        values = _leg_values(leg, dimensions)
        full = f"{prefix}{name} ({', '.join(values)})"
        pattern = "*" in values or not matrix_known
    else:
        full, pattern = prefix + name, not name_known
    if pattern:
        full = expr.EXPRESSION.sub("*", full)
    checks = [CheckName(full, "check-run", span, ACTIONS_APP_ID, pattern=pattern)]
    if leg and job.get("if") is not None:
        # A matrix job skipped by its `if:` is not expanded: one check with the raw name.
        checks.append(CheckName(prefix + (template or scalar_str(job.get("name", "")) or name), "check-run",
                                span, ACTIONS_APP_ID, when_skipped=True))
    return checks


# ---------------------------------------------------------------------------------------------
# The job token's permissions and what a job does with them


_LEVELS: dict[str, PermissionLevel] = {"read": "read", "write": "write", "none": "none"}
# The job's own token, as a step's `with:`/`env:` hands it on: `github.token`, `secrets.GITHUB_TOKEN`.
_TOKEN_HANDED = lazy(r"\bgithub\s*\.\s*token\b|\bsecrets\s*\.\s*GITHUB_TOKEN\b|secrets\[\s*'GITHUB_TOKEN'", re.I)


def read_permissions(source: Source, node: YMap) -> Permissions | None:
    """The `permissions:` of a workflow or job (GitHub docs, "Assigning permissions to jobs"):
    `read-all`/`write-all` (every scope), `{}` (none), or a map of scope -> read|write|none where
    a scope not listed is none. None when it is not set, or is an expression cilint cannot read."""
    if "permissions" not in node:
        return None
    value = node["permissions"]
    span = source.span(node.pos_of("permissions"))
    if isinstance(value, YMap):
        if not value:
            return Permissions(span, "empty", "none", written="{}")
        permissions = Permissions(span, "map", "none")
        for scope in value:
            level = _LEVELS.get(scalar_str(value[scope]).strip().lower())
            if level is not None:
                permissions.scopes[str(scope)] = level
                permissions.spans[str(scope)] = source.span(value.key_pos_of(scope))
        return permissions
    written = scalar_str(value).strip().lower()
    if written in ("read-all", "write-all"):
        return Permissions(span, "all", "read" if written == "read-all" else "write", written=written)
    if value is None or written == "":
        return None
    return None  # an expression or a value GitHub rejects (reported by the schema, not here)


@lru_cache(maxsize=8192)
def _hands_token(text: str) -> bool:
    """Whether a value hands the job's token on (memoised: matrix legs repeat their steps' values).
    Every form of the pattern holds `token` in some case: most values and scripts are answered by
    that test alone (the case-insensitive search took 13 µs a text)."""
    return "token" in text.lower() and _TOKEN_HANDED.search(text) is not None


def _step_hands_token(step: Step) -> bool:
    """Whether a step's `with:` or `env:` hands the job's token on (asked only where it decides:
    most steps are known actions or commands)."""
    return any(_hands_token(text.value) for text in step.inputs.values()) or any(
        _hands_token(var.written) for var in step.env.values())


def _token_uses(run: JobRun) -> list[TokenUse]:
    """What the job's steps do that needs a scope of its token (`github_token_uses`): certain for
    an action or command of the table; possible (`certain=False`) where the token is handed to
    something the table does not know, or an unknown action's name says it may write."""
    uses: list[TokenUse] = []
    for step in run.steps:
        if step.uses is not None and step.uses.kind == "action" and not step.uses.local:
            scopes = github_token_uses.action_scopes(step.uses.name, frozenset(
                name for name, text in step.inputs.items() if text.value.strip().lower() == "true"))
            what = f"`{step.uses.name}`"
            if scopes is None:
                if _step_hands_token(step) or github_token_uses.MAY_WRITE_NAME.search(step.uses.name):
                    uses.extend(TokenUse(scope, what, step.uses.text.span, certain=False)
                                for scope in github_token_uses.SCOPES)
                continue
            certain = step.uses.name.lower() not in github_token_uses.ANY_SCOPE_ACTIONS
            uses.extend(TokenUse(scope, what, step.uses.text.span, certain) for scope in scopes)
            continue
        if step.uses is not None and step.uses.local:
            uses.extend(TokenUse(scope, f"the local action `{step.uses.name}`", step.uses.text.span, certain=False)
                        for scope in github_token_uses.SCOPES)
            continue
        known = False
        for command in step.commands:
            for use in github_token_uses.command_uses(command.text):
                known = True
                uses.extend(TokenUse(scope, use.what, command.span, certain=use.certain) for scope in use.scopes)
        if step.run is not None and not known and (_step_hands_token(step) or _hands_token(step.run.value)):
            uses.extend(TokenUse(scope, "a script given the token", step.run.span, certain=False)
                        for scope in github_token_uses.SCOPES if scope != "id-token")
    return uses


# ---------------------------------------------------------------------------------------------
# Reusable workflows


def _add_call(context: _Context, workflow: Workflow, caller: JobRun, job: YMap) -> list[str]:
    """Put the jobs of a local reusable workflow into the caller's graph, after the caller;
    returns the callee runs that jobs needing the caller wait for."""
    source = context.source
    uses = scalar_str(job["uses"]).strip()
    # What the called workflow does with the token: its jobs' uses when it is local and read,
    # else anything (GitHub requires the caller to grant what the callee's jobs ask for).
    caller.token_uses = [TokenUse(scope, f"the called workflow `{uses}`", caller.span, certain=False)
                         for scope in github_token_uses.SCOPES]
    if not uses.startswith("./"):
        caller.checks = [CheckName(f"{caller.name} / *", "check-run", caller.span, ACTIONS_APP_ID, pattern=True)]
        return [caller.key]
    path = uses[2:].split("@", 1)[0]
    if context.depth >= MAX_CALL_DEPTH or path in context.seen_calls:
        source.problem(ProblemKind.REFERENCE, f"reusable workflow `{uses}` nests deeper than "
                       f"{MAX_CALL_DEPTH} levels or calls itself", job.pos_of("uses"), caller.qualified)
        return [caller.key]
    if not may_expand_call():
        if first_call_cut():
            source.problem(ProblemKind.REFERENCE, f"reusable workflow `{uses}` is not expanded here: this file's calls "
                           f"already expand to {MAX_CALLED_RUNS:,} job runs (the limit); the called workflows "
                           "are still checked as files of their own", job.pos_of("uses"), caller.qualified)
        return [caller.key]
    loaded = context.load_local(path)
    if loaded is None:
        source.problem(ProblemKind.REFERENCE, f"reusable workflow `{uses}` does not exist in the repository",
                       job.pos_of("uses"), caller.qualified, absent=uses)
        return [caller.key]
    callee_source, callee_root = loaded
    callee_jobs = callee_root.get("jobs")
    triggers = _triggers(callee_source, callee_root)
    if not any(t.event == "workflow_call" for t in triggers):
        source.problem(ProblemKind.REFERENCE, f"`{uses}` is not a reusable workflow (no `on: workflow_call`)",
                       job.pos_of("uses"), caller.qualified)
    if not isinstance(callee_jobs, YMap):
        return [caller.key]
    inputs = _call_inputs(job, callee_root)
    callee_context = replace(
        context,
        source=callee_source,
        env=env_map(callee_source, callee_root.get("env"), "workflow", is_reference),
        key_prefix=caller.key + "/",
        name_prefix=caller.name + " / ",
        caller_triggers=caller.triggers,
        depth=context.depth + 1,
        seen_calls=(*context.seen_calls, source.path),
        inputs=inputs,
        permissions=read_permissions(callee_source, callee_root) or caller.permissions,
        permissions_cap=caller.permissions,
    )
    callee_graph = Workflow(workflow.name, workflow.span, JobGraph(), workflow.pipeline)
    runs_of = _add_jobs(callee_context, callee_graph, callee_jobs, [])
    called_uses: list[TokenUse] = []
    for run in callee_graph.jobs():
        run.caller = caller.key
        called_uses.extend(run.token_uses)
    caller.token_uses = called_uses
    workflow.dag.update(callee_graph.dag)
    keys = [key for keys in runs_of.values() for key in keys]
    count_called_runs(len(keys))  # the runs of the calls inside were counted by those calls
    for key in keys:
        if callee_graph.dag.in_degree(key) == 0:
            workflow.dag.add_edge(caller.key, key)
    return [key for key in keys if callee_graph.dag.out_degree(key) == 0] or [caller.key]


def _call_inputs(job: YMap, callee: YMap) -> dict[str, Any]:
    """Inputs a caller passes (literal ones) over the callee's defaults."""
    values: dict[str, Any] = {}
    on = callee.get("on")
    call = on.get("workflow_call") if isinstance(on, YMap) else None
    declared = call.get("inputs") if isinstance(call, YMap) else None
    if isinstance(declared, YMap):
        for key, spec in declared.items():
            if isinstance(spec, YMap) and "default" in spec:
                values[key] = spec["default"]
    given = job.get("with")
    if isinstance(given, YMap):
        for key, value in given.items():
            if not (isinstance(value, str) and "${{" in value):
                values[key] = value
    return values


# ---------------------------------------------------------------------------------------------
# Steps


def _steps(context: _Context, run: JobRun, steps: YSeq, env: dict[str, EnvVar], origin: str | None,
           depth: int, log: _StepLog | None = None, seen: list[Step] | None = None) -> list[Step]:
    """`log`: where what building the steps does besides is recorded (see `_StepLog`); `seen`:
    the steps of the job built so far, nested ones included (what a local action's checkout is)."""
    source = context.source
    out: list[Step] = []
    seen = [] if seen is None else seen
    for index, item in enumerate(steps):
        pos = steps.pos_of(index)
        if not (log.spend(source, pos) if log is not None else spend(source, pos)):
            break  # over the file's model limit: it will not be checked
        if isinstance(item, YMap) and isinstance(item.get("parallel"), YSeq):
            # A `parallel:` group runs its steps at once and waits for them all (GitHub's
            # workflow syntax, `jobs.<job_id>.steps[*].parallel`): they are steps of the job,
            # read in the order written.
            out.extend(_steps(context, run, item["parallel"], env, origin, depth, log, seen))
            continue
        if not isinstance(item, YMap):
            before = len(source.problems)
            source.problem(ProblemKind.PARSE, "a step must be a mapping", pos, run.qualified)
            if log is not None:
                log.problems(source, before)
            continue
        step = Step(source.span(pos), "other", origin=origin)
        step.name = scalar_str(item["name"]) if "name" in item else None
        step.id = scalar_str(item["id"]) if item.get("id") is not None else None
        step.env = {**env, **env_map(source, item.get("env"), "step", is_reference)}
        step.continue_on_error = item.get("continue-on-error") is True
        if step.continue_on_error and isinstance(item.get("id"), str):
            step.outcome_read = _outcome_read(item["id"], steps[index + 1:])
        if item.get("if") is not None:
            step.condition = source.text(scalar_str(item["if"]), item.pos_of("if"))
        with_ = item.get("with")
        if isinstance(with_, YMap):
            step.inputs = {k: source.text(v, with_.pos_of(k)) for k, v in with_.items()
                           if not isinstance(v, (YMap, YSeq))}
        if "run" in item:
            step.kind = "run"
            step.run = source.text(item["run"], item.pos_of("run"))
            step.shell = scalar_str(item["shell"]) if "shell" in item else None
            step.errexit, step.pipefail = _shell_options(item.get("shell", context.run_shell), run)
            directory = item.get("working-directory", context.run_directory)
            step.working_directory = scalar_str(directory) if directory is not None else None
        elif isinstance(item.get("uses"), str):
            step.kind = "uses"
            kind: ReferenceKind = "docker" if item["uses"].startswith("docker://") else "action"
            step.uses = _reference(source, item["uses"], item.pos_of("uses"), kind, run.qualified)
            if kind == "docker":
                run.images.append(_docker_image(step.uses.name, step.uses.text.span, "step", item["uses"]))
                if log is not None:
                    log.image(run)
            elif step.uses.name in ("actions/checkout",):
                step.kind = "checkout"
            else:
                step.reports_results = github_reporters.reports_results(step.uses.name)
            step.cache = _cache(source, step, item)
        _secret_reads(step)
        out.append(step)
        seen.append(step)
        if step.uses is not None and step.uses.local and depth < MAX_CALL_DEPTH:
            out.extend(_composite_steps(context, run, step, env, depth, log, seen))
    return out


def _outcome_read(step_id: str, later: Any) -> bool:
    """Whether a later step reads `steps.<step_id>.outcome` (in its `if:`, `run`, `with:`, `env:`):
    the step's real result, which `continue-on-error` does not turn into a success (workflow
    syntax, `steps` context: `outcome` is the result before `continue-on-error` is applied,
    `conclusion` after)."""
    pattern = re.compile(r"\bsteps\." + re.escape(step_id) + r"\.outcome\b")

    def reads(node: Any) -> bool:
        if isinstance(node, str):
            return pattern.search(node) is not None
        if isinstance(node, dict):
            return any(reads(value) for value in node.values())
        if isinstance(node, list):
            return any(reads(value) for value in node)
        return False

    return any(reads(item) for item in later)


def _secret_reads(step: Step) -> None:
    """`Step.secret_templates` and `Step.env_secrets`: where a step reads the secret store."""
    if step.run is not None and ("secrets" in step.run.value or _BUILTIN_TOKEN in step.run.value):
        step.secret_templates = [
            block.group(0) for block in expr.EXPRESSION.finditer(step.run.value)
            if _SECRET_READ.search(block.group(0)) or _BUILTIN_TOKEN in block.group(0)]
    for name, variable in step.env.items():
        if "secrets" in variable.written:
            names = [m.group(1) or m.group(2) for m in _SECRET_READ.finditer(variable.written)]
            if names:
                step.env_secrets[name] = names


_SAME_REPOSITORY = ("", "${{github.repository}}")  # `repository:` of a checkout of the workflow's own


def _checked_out(folder: str, earlier: list[Step]) -> tuple[str | None, bool]:
    """Where in the repository the local action `./<folder>` is, as the earlier `actions/checkout`
    steps of its job laid the workspace out, and whether a missing one is certainly missing.

    A `./` path is read from the runner's workspace (GitHub's workflow syntax, "Example: Using an
    action in the same repository as the workflow"): a checkout with `path: P` puts the repository
    under `P/`, one with `repository:` another repository (the documented way to use an action of
    a private repository). The checkout whose path holds the action is the one that provides it
    (the longest path; of equal ones the latest). (None, False): another repository's file, or a
    path only known at run time: nothing certain can be said."""
    best: tuple[int, str, bool] | None = None  # (length of path, path, another repository)
    uncertain = False
    for step in earlier:
        if step.kind != "checkout":
            continue
        path_text = step.inputs.get("path")
        path = path_text.value.strip() if path_text is not None else ""
        repository = step.inputs.get("repository")
        other = repository is not None and repository.value.replace(" ", "") not in _SAME_REPOSITORY
        if "$" in path:
            uncertain = True
            continue
        path = path.removeprefix("./").strip("/")
        path = "" if path == "." else path
        if path and folder != path and not folder.startswith(path + "/"):
            continue
        if best is None or len(path) >= best[0]:
            best = (len(path), path, other)
    if best is None:
        return folder, not uncertain
    _, path, other = best
    if other:
        return None, False
    return folder[len(path):].lstrip("/"), not uncertain


def _composite_steps(context: _Context, run: JobRun, step: Step, env: dict[str, EnvVar],
                     depth: int, log: _StepLog | None = None, seen: list[Step] | None = None) -> list[Step]:
    """A local composite action's steps, inlined after the step that uses it."""
    assert step.uses is not None
    folder, certain = _checked_out(step.uses.name[2:].rstrip("/"), seen or [])
    if folder is None:
        return []
    for name in ("action.yml", "action.yaml"):
        loaded = context.load_local(f"{folder}/{name}" if folder else name)
        if loaded is not None:
            break
    else:
        if not certain:
            return []
        before = len(context.source.problems)
        context.source.problem(ProblemKind.REFERENCE, f"local action `{step.uses.name}` has no action.yml "
                               "in the repository", _pos(step.uses.text.span), run.qualified,
                               absent=step.uses.name)
        if log is not None:
            log.problems(context.source, before)
        return []
    action_source, action_root = loaded
    runs = action_root.get("runs")
    if not isinstance(runs, YMap) or not isinstance(runs.get("steps"), YSeq):
        return []
    inner = replace(context, source=action_source)
    return _steps(inner, run, runs["steps"], env, origin=f"composite:{folder}", depth=depth + 1, log=log,
                  seen=seen)


def _pos(span: Span) -> Pos:
    return Pos(span.line, span.column, span.end_line, span.end_column)


def _reference(source: Source, value: str, pos: Pos, kind: ReferenceKind, job: str | None) -> Reference:
    text = source.text(value, pos)
    written = value.strip()
    if kind == "docker":
        return Reference("docker", written[len("docker://"):], None, text, job=job)
    match = _USES.match(written)
    name, version = (match.group("name"), match.group("ref")) if match else (written, None)
    dynamic = version is not None and _only_known_at_run_time(version)
    return Reference(kind, name, version, text, _trailing_comment(source, pos), job, dynamic)


def _docker_image(ref: str, span: Span, kind: ImageKind, written: str) -> Image:
    """A `docker://` image: taken as written, no expression is substituted in it."""
    return Image(ref, span, kind, written, not _only_known_at_run_time(ref),
                 supplied_by=_expression_names(written))


def _trailing_comment(source: Source, pos: Pos) -> str | None:
    if not 0 < pos.end_line <= len(source.lines):
        return None
    rest = source.lines[pos.end_line - 1][pos.end_column - 1:]
    if "#" not in rest:  # most uses: no comment to look for
        return None
    match = _TRAILING_COMMENT.search(rest)
    return match.group(1) if match else None


def _cache(source: Source, step: Step, item: YMap) -> Cache | None:
    assert step.uses is not None
    action = _CACHE_ACTIONS.get(step.uses.name)
    given = item.get("with")
    with_: YMap = given if isinstance(given, YMap) else YMap()
    if action is not None:
        key = source.text(with_["key"], with_.pos_of("key")) if "key" in with_ else None
        return github_cache.with_key_inputs(
            Cache(action, step.span, key, _lines(source, with_, "restore-keys"), _lines(source, with_, "path")),
            step.env)
    builtin = _BUILTIN_CACHES.get(step.uses.name)
    if builtin is None:
        return None
    input_name, defaults = builtin
    setting = scalar_str(with_.get(input_name, "true" if step.uses.name in _DEFAULT_ON else "")).lower()
    if setting in ("", "false"):
        return None
    tool = setting if setting in defaults else "true"
    files = [line.value for line in _lines(source, with_, "cache-dependency-path")] or _default_key_files(
        step.uses, defaults.get(tool, []))
    span = source.span(with_.pos_of(input_name)) if input_name in with_ else step.span
    return github_cache.with_key_inputs(
        Cache("builtin", span, tool=tool if tool != "true" else step.uses.name.split("-")[-1], key_files=files),
        step.env)


def _drop_idle_default_caches(steps: list[Step]) -> None:
    """A cache a setup action turns on by default (not asked for with its input) is no cache
    when no later step of the job can fill it (`_TOOLCHAIN_RUNNERS`)."""
    for index, step in enumerate(steps):
        if step.cache is None or step.uses is None or step.uses.name not in _TOOLCHAIN_RUNNERS:
            continue
        input_name = _BUILTIN_CACHES[step.uses.name][0]
        if input_name in step.inputs:
            continue  # asked for: the user's word
        commands, actions = _TOOLCHAIN_RUNNERS[step.uses.name]
        if not any(_may_run(later, commands, actions) for later in steps[index + 1:]):
            step.cache = None


def _may_run(step: Step, commands: frozenset[str], actions: re.Pattern[str]) -> bool:
    if step.uses is not None:
        return step.uses.local or actions.search(step.uses.name) is not None
    return any(command.argv and (command.argv[0] in commands or "/" in command.argv[0])
               for command in step.commands)


def _default_key_files(uses: Reference, files: list[str]) -> list[str]:
    """The files a setup action's cache is keyed on by default in the version used (the ref, or
    the `# v5.0.1` comment after a SHA); the newest defaults when the version is unknown."""
    older = _OLDER_DEFAULTS.get(uses.name)
    if older is None:
        return files
    for written in (uses.version or "", uses.comment or ""):
        match = re.match(r"v?(\d+)(?:\.|$)", written.strip())
        if match:
            return older[1] if int(match.group(1)) < older[0] else files
    return files


def _lines(source: Source, with_: YMap, key: str) -> list[Text]:
    """A newline-separated input (`path`, `restore-keys`) as one Text per line."""
    if key not in with_:
        return []
    text = source.text(with_[key], with_.pos_of(key))
    out = []
    for index, line in enumerate(text.value.split("\n")):
        if line.strip():
            start = len(line) - len(line.lstrip())
            out.append(Text(line.strip(), text.line_span(index, start, len(line.rstrip()))))
    return out


# ---------------------------------------------------------------------------------------------
# Triggers


def _triggers(source: Source, root: YMap) -> list[Trigger]:
    on = root.get("on", root.get("true"))
    pos = root.pos_of("on")
    if on is None:
        source.problem(ProblemKind.PARSE, "a workflow needs `on:` (the events that start it)", root.pos)
        return []
    triggers: list[Trigger] = []
    if isinstance(on, str):
        return [_reach(Trigger(on, source.span(pos)))]
    if isinstance(on, YSeq):
        return [_reach(Trigger(scalar_str(e), source.span(on.pos_of(i)))) for i, e in enumerate(on)]
    if not isinstance(on, YMap):
        source.problem(ProblemKind.PARSE, "`on:` must be an event, a list or a mapping", pos)
        return []
    for event, spec in on.items():
        span = source.span(on.key_pos_of(event))
        if event == "schedule":
            for item, _ in items_with_pos(spec):
                cron = scalar_str(item.get("cron")) if isinstance(item, YMap) else None
                triggers.append(Trigger("schedule", span, cron=cron))
            continue
        trigger = Trigger(event, span)
        if isinstance(spec, YMap):
            trigger.branches = str_list(spec.get("branches"))
            trigger.branches_ignore = str_list(spec.get("branches-ignore"))
            trigger.tags = str_list(spec.get("tags"))
            trigger.tags_ignore = str_list(spec.get("tags-ignore"))
            trigger.paths = str_list(spec.get("paths"))
            trigger.paths_ignore = str_list(spec.get("paths-ignore"))
            trigger.types = str_list(spec.get("types"))
            trigger.workflows = str_list(spec.get("workflows")) or []
        triggers.append(_reach(trigger))
    return triggers


def _reach(trigger: Trigger) -> Trigger:
    """Who can cause the trigger's event (`github_events.py`)."""
    reach = EVENTS.get(trigger.event)
    if reach is not None:
        trigger.outsider, trigger.privileged = reach.outsider, reach.privileged
    return trigger


@dataclass(frozen=True)
class _Scenario:
    """One way a trigger can start the workflow: the event and the ref it runs on."""

    trigger: Trigger
    ref: Any  # exact str, or expr.Pattern
    branch: str | None  # the branch name narrowed to (for messages), None for tags / unknown


def _scenarios(trigger: Trigger, default_branch: str) -> list[_Scenario]:
    heads = "refs/heads/"
    if trigger.event == "push":
        out: list[_Scenario] = []
        if trigger.branches is not None or trigger.tags is None:
            patterns = trigger.branches if trigger.branches is not None else [default_branch, "*"]
            if trigger.branches is None and trigger.branches_ignore:
                patterns = ["*"]
            for pattern in patterns:
                if pattern.startswith("!"):
                    continue
                ref: Any = heads + pattern if not _is_glob(pattern) else expr.Pattern(heads + pattern)
                out.append(_Scenario(trigger, ref, pattern))
        if trigger.tags is not None or (trigger.branches is None and trigger.branches_ignore is None):
            for pattern in trigger.tags if trigger.tags is not None else ["*"]:
                out.append(_Scenario(trigger, expr.Pattern("refs/tags/" + pattern), None))
        return out
    if trigger.event == "pull_request":  # the merge ref: `refs/pull/<number>/merge`
        return [_Scenario(trigger, expr.Pattern("refs/pull/[0-9]*/merge"), None)]
    if trigger.event == "merge_group":
        return [_Scenario(trigger, expr.Pattern(heads + "gh-readonly-queue/*"), None)]
    if trigger.event in ("schedule", "workflow_run"):
        return [_Scenario(trigger, heads + default_branch, default_branch)]
    if trigger.event == "pull_request_target":
        return [_Scenario(trigger, expr.Pattern(heads + "*"), None)]
    return [_Scenario(trigger, expr.Pattern("refs/*"), None)]


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


# Events whose payload has no `pull_request` object (GitHub's "Events that trigger workflows";
# `workflow_call` is left out: a called workflow sees its caller's event).
_NO_PULL_REQUEST = frozenset({"push", "schedule", "workflow_dispatch", "merge_group", "release",
                              "repository_dispatch", "create", "delete", "workflow_run"})


def _github_context(scenario: _Scenario, called: bool = False) -> dict[str, Any]:
    """`called`: in a workflow another one calls, whose inputs the caller gives on any event."""
    ref = scenario.ref
    if isinstance(ref, str):
        ref_name: Any = ref.split("/", 2)[2] if ref.count("/") >= 2 else ref
        ref_type: Any = "tag" if ref.startswith("refs/tags/") else "branch"
    else:
        prefix = ref.prefix()
        ref_name = expr.Pattern(ref.glob.split("/", 2)[2]) if ref.glob.count("/") >= 2 else expr.UNKNOWN
        ref_type = "tag" if prefix.startswith("refs/tags/") else (
            "branch" if prefix.startswith(("refs/heads/", "refs/pull/")) else expr.UNKNOWN)
    base_ref: Any = expr.UNKNOWN if scenario.trigger.is_pull_request else ""
    github = {"event_name": scenario.trigger.event, "ref": ref, "ref_name": ref_name, "ref_type": ref_type,
              "base_ref": base_ref}
    context: dict[str, Any] = {"github": github}
    if not called and scenario.trigger.event not in ("workflow_dispatch", "workflow_call"):
        context["inputs"] = expr.Every(None)  # only those events have inputs: the others read null
    if scenario.trigger.event in _NO_PULL_REQUEST:  # their payload has no `pull_request`: null
        github["event"] = {"pull_request": None}
    return context


def _narrow_triggers(context: _Context, workflow: Workflow, triggers: list[Trigger]) -> None:
    """Each job's triggers: the workflow's (or its caller's), narrowed by its `if:` and by its
    needs (a job whose need did not run is skipped, unless its condition says `always()`)."""
    order = workflow.dag.topological_order()
    if order is None:  # pragma: no cover - cycles were removed
        order = list(workflow.dag.nodes)
    # The legs of a matrix job have the same condition over the same triggers: narrowed once.
    # (The narrowed triggers are shared then, as unnarrowed ones always were: none is changed later.)
    done: dict[tuple[int, str | None], tuple[list[Trigger], list[Trigger]]] = {}
    for key in order:
        run = workflow.job(key)
        if run.caller is not None and run.caller in workflow.dag and context.caller_triggers is None:
            base = workflow.job(run.caller).triggers
        else:
            base = context.caller_triggers if context.caller_triggers is not None else triggers
        condition = run.condition.value if run.condition else None
        # (A called workflow's jobs have a caller here: its inputs come from the caller on any event.)
        called = run.caller is not None or context.depth > 0 or context.caller_triggers is not None
        if (id(base), condition) not in done:
            done[id(base), condition] = (base, _narrow(base, condition, context.default_branch, called))
        narrowed = list(done[id(base), condition][1])
        needs = [workflow.job(k) for k in workflow.dag.predecessors(key)]
        if needs and not (run.condition and expr.uses_status_function(run.condition.value)):
            for need in needs:
                narrowed = _intersect(narrowed, need.triggers)
        run.triggers = github_filters.translated(narrowed)


def _narrow(triggers: list[Trigger], condition: str | None, default_branch: str,
            called: bool = False) -> list[Trigger]:
    if condition is None or condition.strip() == "":
        return list(triggers)
    out: list[Trigger] = []
    for trigger in triggers:
        kept: list[tuple[_Scenario, bool]] = []
        for scenario in _scenarios(trigger, default_branch):
            value = expr.condition_value(condition, _github_context(scenario, called))
            if value is not False:
                kept.append((scenario, value is True))
        if not kept:
            continue
        certain = all(sure for _, sure in kept) and trigger.certain
        all_scenarios = _scenarios(trigger, default_branch)
        if len(kept) == len(all_scenarios):
            # (As in `_intersect`: a trigger is not changed once loaded, one left as it is is shared.)
            out.append(trigger if certain == trigger.certain else replace(trigger, certain=certain))
            continue
        branches = [s.branch for s, _ in kept if s.branch is not None]
        tags = [s.ref.glob[len("refs/tags/"):] for s, _ in kept
                if isinstance(s.ref, expr.Pattern) and s.ref.glob.startswith("refs/tags/")]
        out.append(replace(trigger, branches=branches or None,
                           tags=tags or None, certain=certain))
    return out


def _intersect(mine: list[Trigger], theirs: list[Trigger]) -> list[Trigger]:
    """Keep my triggers that also reach the need (same event; exact branch sets intersected)."""
    out: list[Trigger] = []
    for trigger in mine:
        same = [t for t in theirs if t.event == trigger.event]
        if not same:
            continue
        narrowed = trigger
        for other in same:
            if trigger.branches and other.branches and not _is_glob("".join(trigger.branches + other.branches)):
                common = [b for b in trigger.branches if b in other.branches]
                narrowed = replace(trigger, branches=common)
        if narrowed.branches == []:
            continue
        certain = narrowed.certain and all(t.certain for t in same)
        # (A trigger is not changed once loaded: one left as it is need not be copied.)
        out.append(narrowed if certain == narrowed.certain else replace(narrowed, certain=certain))
    return out


# ---------------------------------------------------------------------------------------------
# Actions (action.yml)


def load_action(source: Source, root: YMap) -> Pipeline:
    name = scalar_str(root.get("name")) or source.path
    pipeline = Pipeline("action", source.path, name, source.span(root.pos), **_PLATFORM_FACTS)
    pipeline.literals = walk_literals(source, root, is_reference)
    runs = root.get("runs")
    if not isinstance(runs, YMap):
        source.problem(ProblemKind.PARSE, "an action needs a `runs` mapping", root.key_pos_of("runs"))
        return pipeline
    using = scalar_str(runs.get("using"))
    if using == "composite" and isinstance(runs.get("steps"), YSeq):
        holder = JobRun(key=name, job_id=name, name=name, span=pipeline.span,
                        qualified=f"{source.path}:action/{name}")
        context = _Context(source, pipeline, "action", {}, lambda _: None, "main")
        pipeline.action_steps = _steps(context, holder, runs["steps"], {}, origin=None, depth=MAX_CALL_DEPTH)
        carry_github_env(pipeline.action_steps)
        read_injections(pipeline.action_steps)
        pipeline.references.extend(s.uses for s in pipeline.action_steps if s.uses is not None)
        pipeline.action_images.extend(holder.images)
    elif using == "docker":
        image = scalar_str(runs.get("image"))
        if image.startswith("docker://"):
            span = source.span(runs.pos_of("image"))
            pipeline.action_images.append(_docker_image(image[len("docker://"):], span, "action", image))
    return pipeline


def is_workflow(root: Any) -> bool:
    return isinstance(root, YMap) and "jobs" in root and ("on" in root or "true" in root)


def is_action(root: Any) -> bool:
    return isinstance(root, YMap) and isinstance(root.get("runs"), YMap)


__all__ = ["YStr", "is_action", "is_workflow", "load_action", "load_workflow", "pos_of"]
