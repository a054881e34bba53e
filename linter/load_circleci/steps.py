"""Steps: a job's `steps` (with `pre-steps` and `post-steps`) read into `Step`s, reusable commands
inlined.

* built-in steps: `run` (and the deprecated `deploy`), `save_cache`/`restore_cache`, `when`/`unless`
  (inner steps a condition excludes, once the invocation's parameters are in, are left out),
  `checkout` (where the repository is: `Step.checkout_names`), and those with nothing to read
  beyond their kind (`SIMPLE_STEPS`); CircleCI also reads them spelled with hyphens (`restore-cache`);
* a command defined in the config or an inline orb is inlined with its parameters bound
  (`inline_command`), its steps marked with `Step.origin`; a registry orb's command becomes a
  `uses` step (`reusable_step`);
* a `steps`-typed parameter (`- steps: << parameters.x >>`, or `- << parameters.x >>`) is spliced in
  with the scope it was written in.

Each step carries the environment it sees (`JobCtx.env`, then its own `environment`). Commands
that call themselves, nest deeper than MAX_COMMAND_DEPTH or blow a job up past MAX_JOB_STEPS are
reported and cut.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..loadutil import scalar_str, spend
from ..model import Cache, EnvVar, Step, StepKind, Text
from ..yamlsrc import Pos, YMap, YSeq
from . import cache_keys
from .context import Config, Def, Scope
from .executors import environment
from .filters import flow, truth
from .orbs import find_definition, orb_of, orb_use
from .parameters import bind, is_reference_only, subst, text_at, texts_at, whole_arg
from .values import is_scalar, is_set

MAX_COMMAND_DEPTH = 25  # commands inlined within commands (CircleCI itself stops far earlier)
# Steps read per job: commands that each call the next one twice would otherwise double per level.
MAX_JOB_STEPS = 20_000
# Built-in steps with nothing for rules to read beyond their kind.
SIMPLE_STEPS: dict[str, StepKind] = {
    "checkout": "checkout",
    "setup_remote_docker": "other",
    "add_ssh_keys": "other",
    "store_artifacts": "other",
    "store_test_results": "other",
    "persist_to_workspace": "other",
    "attach_workspace": "other",
}
# The built-in steps read further: STEP_HANDLERS, after their handlers at the end of this module.

# Where the repository is (CircleCI docs, "Configuration reference"): a job's `working_directory`
# is "interpreted as an absolute path", `~/project` by default; `checkout` puts the repository
# there, or at its `path`, "interpreted relative to the working_directory of the job". Scripts
# reach it through these names too: the home directory (`/home/circleci` in CircleCI's images)
# and `$CIRCLE_WORKING_DIRECTORY`, the job's working directory.
DEFAULT_WORKING_DIRECTORY = "~/project"
HOME_NAMES = ("~", "$HOME", "${HOME}", "/home/circleci")
WORKING_DIRECTORY_NAMES = ("$CIRCLE_WORKING_DIRECTORY", "${CIRCLE_WORKING_DIRECTORY}")


@dataclass
class JobCtx:
    """The job being expanded: steps collected so far and the environment they inherit."""

    job: str  # qualified name
    env: dict[str, EnvVar]
    steps: list[Step] = field(default_factory=list)
    visited: int = 0  # steps read, inlined commands included
    working_directory: str | None = None  # the job's (or executor's) `working_directory`
    checkout: str | None = None  # where the last `checkout` put the repository (None: none yet)

    @property
    def start(self) -> str:
        """The directory the job's steps start in."""
        return self.working_directory or DEFAULT_WORKING_DIRECTORY

    def checkout_names(self) -> tuple[str, ...]:
        """How the job's scripts name the repository's directory (`Step.checkout_names`). Before
        any `checkout` (a job that attaches a workspace) it is taken to be where a job without
        `working_directory` checks it out."""
        where = self.checkout if self.checkout is not None else DEFAULT_WORKING_DIRECTORY
        return _checkout_names(where, where == self.start)


@lru_cache(maxsize=1024)
def _checkout_names(where: str, at_start: bool) -> tuple[str, ...]:
    """`checkout_names` of a checkout directory (memoised: every step of every job asks)."""
    names = [where]
    for home in HOME_NAMES:
        if where == home or where.startswith(home + "/"):
            names.extend(other + where[len(home):] for other in HOME_NAMES)
            break
    if at_start:
        names.extend(WORKING_DIRECTORY_NAMES)
    return tuple(dict.fromkeys(names))


@dataclass
class Site:
    """A step as written: its name, body and where it stands."""

    name: str
    body: Any
    pos: Pos  # the whole step
    key: Pos  # its name
    scope: Scope
    depth: int
    stack: tuple[str, ...]  # commands being inlined, outermost first


def read_steps(
    config: Config, raw: Any, pos: Pos, scope: Scope, ctx: JobCtx, depth: int, stack: tuple[str, ...]
) -> None:
    """A list of steps (or a `steps` parameter naming one) into `ctx.steps`."""
    if raw is None:
        return
    if depth > MAX_COMMAND_DEPTH:
        config.invalid(f"commands nested more than {MAX_COMMAND_DEPTH} deep", pos, ctx.job)
        return
    if is_reference_only(raw):  # a `steps` parameter spliced in, with the scope it was written in
        passed = whole_arg(config, raw, scope)
        if passed is not None and isinstance(passed.value, list):
            read_steps(config, passed.value, pos, passed.scope or scope, ctx, depth + 1, stack)
        return  # unset: CircleCI would have asked for it; nothing to run
    if not isinstance(raw, YSeq):
        config.parse_error("`steps` must be a list", pos, ctx.job)
        return
    for index, item in enumerate(raw):
        read_step(config, item, raw.pos_of(index), scope, ctx, depth, stack)


def read_step(
    config: Config, item: Any, pos: Pos, scope: Scope, ctx: JobCtx, depth: int, stack: tuple[str, ...]
) -> None:
    """One step: a built-in one handled here, or a command (`reusable_step`)."""
    if not spend(config.src, pos):  # over the file's model limit: it will not be checked
        return
    ctx.visited += 1
    if ctx.visited > MAX_JOB_STEPS:
        if ctx.visited == MAX_JOB_STEPS + 1:
            config.parse_error(f"job expands to more than {MAX_JOB_STEPS} steps; the rest is not read", pos,
                               ctx.job)
        return
    if is_reference_only(item):  # `- << parameters.x >>`: steps to splice, or a step's name
        passed = whole_arg(config, item, scope)
        if passed is None or not isinstance(passed.value, (list, str)):
            return
        if isinstance(passed.value, list):
            read_steps(config, passed.value, pos, passed.scope or scope, ctx, depth + 1, stack)
            return
        item = passed.value
    if isinstance(item, str):
        site = Site(subst(config, item, scope)[0], None, pos, pos, scope, depth, stack)
    elif isinstance(item, YMap) and item:
        key = next(iter(item))
        if len(item) > 1:
            config.parse_error(f"a step has one key, its type (found {', '.join(item)})", pos, ctx.job)
        site = Site(subst(config, key, scope)[0], item[key], pos, item.key_pos_of(key), scope, depth, stack)
    else:
        config.parse_error("a step is a name or a one-key mapping", pos, ctx.job)
        return
    if site.name not in STEP_HANDLERS and site.name not in SIMPLE_STEPS and \
            find_definition(config.commands, site.name, scope.namespace) is None:
        # CircleCI also reads built-in steps spelled with hyphens (`restore-cache`).
        builtin = site.name.replace("-", "_")
        if builtin in STEP_HANDLERS or builtin in SIMPLE_STEPS:
            site.name = builtin
    first = len(ctx.steps)
    handler = STEP_HANDLERS.get(site.name)
    if handler is not None:
        handler(config, site, ctx)
    elif site.name in SIMPLE_STEPS:
        name = site.body.get("name") if isinstance(site.body, YMap) else None
        ctx.steps.append(Step(config.span(pos), SIMPLE_STEPS[site.name],
                              name=scalar_str(name) if is_scalar(name) and name else site.name,
                              env=dict(ctx.env), origin=scope.origin))
    else:
        reusable_step(config, site, ctx)
        return  # (an inlined command's steps are named where they are read)
    names = ctx.checkout_names()
    for step in ctx.steps[first:]:
        step.checkout_names = step.checkout_names or names


def reusable_step(config: Config, site: Site, ctx: JobCtx) -> None:
    """A command: inlined when defined here, a `uses` step when it comes from an orb."""
    cdef = find_definition(config.commands, site.name, site.scope.namespace)
    orb = orb_of(config, site.name, site.scope.namespace) if "/" in site.name else None
    if cdef is not None:
        inline_command(config, cdef, site, ctx)
    elif orb is not None:
        inputs: dict[str, Text] = {}
        if isinstance(site.body, YMap):
            inputs = {k: text_at(config, v, site.body.pos_of(k), site.scope)[0]
                      for k, v in site.body.items() if is_scalar(v)}
        uses = orb_use(config, orb, site.name, site.key, ctx.job)
        ctx.steps.append(Step(config.span(site.pos), "uses", name=site.name, uses=uses, inputs=inputs,
                              env=dict(ctx.env), origin=site.scope.origin, checkout_names=ctx.checkout_names()))
    elif "/" in site.name:
        config.invalid(f"command '{site.name}' comes from orb '{site.name.partition('/')[0]}', which is not"
                       " declared under `orbs`", site.key, ctx.job)
    else:
        config.invalid(f"undefined command '{site.name}'", site.key, ctx.job)


def inline_command(config: Config, cdef: Def, site: Site, ctx: JobCtx) -> None:
    if cdef.name in site.stack:
        loop = [*site.stack[site.stack.index(cdef.name):], cdef.name]
        config.invalid(f"command '{cdef.name}' calls itself: {' -> '.join(loop)}", site.key, ctx.job)
        return
    args = bind(config, cdef.body.get("parameters"), site.body, site.scope, cdef.namespace)
    scope = Scope(params=args, origin=f"command:{cdef.name}", namespace=cdef.namespace)
    read_steps(config, cdef.body.get("steps"), cdef.body.pos_of("steps"), scope, ctx, site.depth + 1,
               (*site.stack, cdef.name))


def run_step(config: Config, site: Site, ctx: JobCtx) -> None:
    body = site.body
    name: Any = None
    shell: Any = None
    step_env: dict[str, EnvVar] = {}
    directory = ctx.working_directory
    if directory is None and ctx.checkout not in (None, DEFAULT_WORKING_DIRECTORY):
        directory = DEFAULT_WORKING_DIRECTORY  # the repository is elsewhere: say where steps start
    if isinstance(body, YMap):
        raw, pos = body.get("command"), body.pos_of("command")
        name, shell = body.get("name"), body.get("shell")
        if is_set(body.get("working_directory")):
            given = subst(config, scalar_str(body["working_directory"]), site.scope)[0]
            directory = given if directory is None or given.startswith(("/", "~", "$")) else (
                f"{directory}/{given}")
        step_env = environment(config, body, "step", site.scope, ctx.job)
    else:
        raw, pos = body, site.key
    if raw is None or not is_scalar(raw):
        config.parse_error("a `run` step needs a `command`", site.pos, ctx.job)
        return
    text = text_at(config, raw, pos, site.scope)[0]
    ctx.steps.append(Step(
        config.span(site.pos), "run",
        name=subst(config, scalar_str(name), site.scope)[0] if is_set(name) else None,
        run=text, shell=scalar_str(shell) if is_set(shell) else None,
        env={**ctx.env, **step_env}, origin=site.scope.origin, working_directory=directory,
        deploy_step=site.name == "deploy",
    ))


def cache_step(config: Config, site: Site, ctx: JobCtx) -> None:
    body = site.body
    if not isinstance(body, YMap):
        config.parse_error(f"`{site.name}` needs a mapping with `key`", site.pos, ctx.job)
        return
    span = config.span(site.pos)
    key = body.get("key")
    keys = [text_at(config, key, body.pos_of("key"), site.scope)[0]] if is_set(key) else []
    if site.name == "save_cache":
        paths = texts_at(config, body.get("paths"), body.pos_of("paths"), site.scope)
        cache = cache_keys.with_key_inputs(Cache("save", span, key=keys[0] if keys else None, paths=paths))
    else:
        keys += texts_at(config, body.get("keys"), body.pos_of("keys"), site.scope)
        cache = cache_keys.with_key_inputs(Cache("restore", span, key=keys[0] if keys else None,
                                                     restore_keys=keys))
    name = body.get("name")
    ctx.steps.append(Step(span, "cache", name=scalar_str(name) if is_set(name) else site.name,
                          cache=cache, env=dict(ctx.env), origin=site.scope.origin,
                          working_directory=ctx.start))  # where `{{ checksum }}` reads files


def nested_steps(config: Config, site: Site, ctx: JobCtx) -> None:
    """`when`/`unless` steps: a condition the invocation's parameters decide keeps the inner steps
    or leaves them out (they never run); one they do not (pipeline values, pipeline parameters a
    trigger may set) keeps them, each with the condition (`Step.condition`)."""
    if not isinstance(site.body, YMap):
        config.parse_error(f"`{site.name}` needs `condition` and `steps`", site.pos, ctx.job)
        return
    body = site.body
    raw = body.get("condition")
    holds = truth(config, raw, site.scope)
    if holds is not None and holds != (site.name == "when"):
        return  # excluded: these steps never run in this invocation
    start = len(ctx.steps)
    read_steps(config, body.get("steps"), body.pos_of("steps"), site.scope, ctx, site.depth + 1, site.stack)
    if holds is None:
        written = flow(raw)
        text = Text(written if site.name == "when" else "{not: " + written + "}",
                    config.span(body.pos_of("condition") if "condition" in body else site.key))
        for step in ctx.steps[start:]:
            step.condition = step.condition or text


def checkout_step(config: Config, site: Site, ctx: JobCtx) -> None:
    """`checkout`: the repository is now at its `path` (relative to the job's working directory)."""
    body = site.body if isinstance(site.body, YMap) else YMap(site.pos)
    path = body.get("path")
    where = ctx.start
    if is_set(path):
        given = subst(config, scalar_str(path), site.scope)[0].rstrip("/") or "/"
        where = given if given.startswith(("/", "~", "$")) else f"{where}/{given}"
    ctx.checkout = posixpath.normpath(where) if not where.startswith("$") else where
    name = body.get("name")
    ctx.steps.append(Step(config.span(site.pos), "checkout",
                          name=scalar_str(name) if is_scalar(name) and name else site.name,
                          env=dict(ctx.env), origin=site.scope.origin))


def spliced_steps(config: Config, site: Site, ctx: JobCtx) -> None:
    """`- steps: << parameters.x >>` (or a literal list)."""
    read_steps(config, site.body, site.pos, site.scope, ctx, site.depth + 1, site.stack)


# Built-in steps read further than their kind, by step name.
STEP_HANDLERS: dict[str, Callable[[Config, Site, JobCtx], None]] = {
    "run": run_step,
    "deploy": run_step,  # the deprecated `deploy` step is a `run`
    "save_cache": cache_step,
    "restore_cache": cache_step,
    "checkout": checkout_step,
    "when": nested_steps,
    "unless": nested_steps,
    "steps": spliced_steps,
}
