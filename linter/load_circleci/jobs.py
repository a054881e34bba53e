"""Job runs: one leg of a workflow job entry made into a `JobRun`.

A workflow entry names a job defined in the config (or an inline orb), an orb's job (kept opaque:
a `uses` of the orb, with the parameters given), an `approval` or a `no-op` (`JOB_KINDS`). A
defined job is expanded: its parameters bound (a matrix leg's values win), its executor resolved,
its environment and images collected, its `pre-steps`, `steps` and `post-steps` read, and the
variables it reads without setting them listed. Each job run reports the status check CircleCI
posts for it (`ci/circleci: <job>`).
"""

from __future__ import annotations

from ..loadutil import scalar_str
from ..model import CheckName, EnvVar, Image, JobKind, JobRun, qualified
from ..shell import shell_options
from ..yamlsrc import YMap
from .context import Config, Def, Leg, Scope
from .env_file import carry_bash_env
from .executors import environment, images_of, resolve_executor, resource_class
from .injection import read_injections
from .orbs import find_definition, orb_of, orb_use
from .parameters import argument, bind, subst, texts_at
from .secrets import job_secrets
from .steps import JobCtx, read_steps
from .values import STATUS_PREFIX, is_scalar, is_set, plain

# Keys of a workflow job entry that configure the run rather than pass job parameters.
ENTRY_KEYS = frozenset({
    "requires", "name", "context", "type", "filters", "matrix", "pre-steps", "post-steps",
    "serial-group", "override-with", "max_auto_reruns", "job-group", "description",
})
JOB_KINDS: dict[str, JobKind] = {"approval": "approval", "no-op": "noop"}  # `type:` -> JobRun.kind (else "job")
# The shell a `run` step starts in unless the step, job or executor sets `shell:` (configuration
# reference, "Default shell options"; `/bin/sh -eo pipefail` where the image has no bash). A
# Windows executor's default is PowerShell.
DEFAULT_SHELL = "/bin/bash -eo pipefail"


def job_run(config: Config, leg: Leg, workflow: str) -> JobRun:
    job = JobRun(
        key=leg.key, job_id=leg.job_ref, name=leg.key, span=config.span(leg.entry),
        qualified=qualified(config.src.path, workflow, leg.key),
    )
    job.matrix = {k: plain(a.value) for k, a in leg.scope.matrix.items()}
    job.contexts = texts_at(config, leg.conf.get("context"), leg.conf.pos_of("context"), leg.scope)
    kind, jdef = job_kind(config, leg, job.qualified)
    job.kind = kind
    if jdef is not None:
        job.definition = config.span(jdef.key)
    orb = orb_of(config, leg.job_ref, None) if kind == "orb" else None
    if orb is not None:
        job.uses = orb_use(config, orb, leg.job_ref, leg.entry, job.qualified)
        job.parameters = {k: plain(argument(config, v, leg.conf.pos_of(k), leg.scope).value)
                          for k, v in leg.conf.items() if k not in ENTRY_KEYS}
    elif kind == "job" and jdef is not None:
        expand_job(config, job, jdef, leg)
    status = leg.key if kind in ("job", "orb") else f"{workflow}/{leg.key}"
    job.checks = [CheckName(f"{STATUS_PREFIX}{status}", "status", job.span)]
    return job


def _shells(config: Config, job: JobRun, body: YMap, scope: Scope, executor: YMap | None) -> None:
    """`Step.errexit` and `Step.pipefail` of each `run` step: its `shell:`, else the job's or the
    executor's, else the default."""
    job_shell = next((scalar_str(node["shell"]) for node in (body, executor)
                      if isinstance(node, YMap) and is_set(node.get("shell"))), None)
    executor_name = body.get("executor")
    if isinstance(executor_name, YMap):
        executor_name = executor_name.get("name")
    windows = (any("windows" in text.value.lower() for text in job.runs_on)
               or (isinstance(executor_name, str) and executor_name.startswith("win/"))
               or (isinstance(executor, YMap) and "windows" in str(executor.get("machine", "")).lower()))
    for step in job.steps:
        if step.kind != "run":
            continue
        shell = step.shell or job_shell
        if shell is None and windows:
            continue
        shell = subst(config, shell, scope)[0] if shell is not None else DEFAULT_SHELL
        step.errexit, step.pipefail = shell_options(shell) if "<<" not in shell else (None, None)


def job_kind(config: Config, leg: Leg, job: str) -> tuple[JobKind, Def | None]:
    entry_type = scalar_str(leg.conf.get("type")) if is_scalar(leg.conf.get("type")) else ""
    jdef = find_definition(config.jobs, leg.job_ref, None)
    if entry_type == "approval":
        if jdef is not None:
            config.invalid(f"approval job '{leg.job_ref}' is named like the job defined on line"
                           f" {jdef.key.line}: an approval's name must not be a job's name", leg.entry, job)
        return "approval", None
    if jdef is not None:
        job_type = jdef.body.get("type")
        declared = scalar_str(job_type) if is_scalar(job_type) else ""
        return JOB_KINDS.get(entry_type or declared, "job"), jdef
    if entry_type in JOB_KINDS:
        return JOB_KINDS[entry_type], None
    if "/" in leg.job_ref and orb_of(config, leg.job_ref, None) is not None:
        return "orb", None
    alias = leg.job_ref.partition("/")[0]
    if "/" in leg.job_ref and alias not in config.orbs and alias not in config.inline_orbs:
        config.invalid(f"job '{leg.job_ref}' comes from orb '{alias}', which is not declared under `orbs`",
                       leg.entry, job)
    else:
        config.invalid(f"undefined job '{leg.job_ref}'", leg.entry, job)
    return "job", None


def expand_job(config: Config, job: JobRun, jdef: Def, leg: Leg) -> None:
    body = jdef.body
    args = bind(config, body.get("parameters"), leg.conf, leg.scope, jdef.namespace, leg.scope.matrix)
    job.parameters = {k: plain(a.value) for k, a in args.items()}
    scope = Scope(params=args, namespace=jdef.namespace)
    executor = resolve_executor(config, body, scope, job.qualified) if "executor" in body else None
    env: dict[str, EnvVar] = {}
    images: list[Image] = []
    image_env: dict[str, EnvVar] = {}
    if executor is not None:
        env.update(environment(config, executor.body, "executor", executor.scope, job.qualified))
        images, image_env = images_of(config, executor.body, executor.scope, job.qualified)
        job.runs_on = resource_class(config, executor.body, executor.scope)
    env.update(environment(config, body, "job", scope, job.qualified))
    if "docker" in body or "machine" in body:  # the job's own environment wins over the executor's
        images, image_env = images_of(config, body, scope, job.qualified)
    env.update(image_env)
    job.runs_on = resource_class(config, body, scope) or job.runs_on
    job.env, job.images = env, images
    ctx = JobCtx(job.qualified, env)
    for node, node_scope in ((executor.body, executor.scope) if executor else (None, scope), (body, scope)):
        if isinstance(node, YMap) and is_set(node.get("working_directory")):
            ctx.working_directory = subst(config, scalar_str(node["working_directory"]), node_scope)[0]
    matrix = leg.scope.matrix  # pre- and post-steps are written in the workflow
    for key, where in (("pre-steps", leg.conf), ("steps", body), ("post-steps", leg.conf)):
        raw = where.get(key)
        if raw is None:  # (most jobs: no pre- or post-steps)
            continue
        site_scope = scope if key == "steps" else Scope(matrix=matrix, origin=key)
        read_steps(config, raw, where.pos_of(key), site_scope, ctx, 0, ())
    job.steps = ctx.steps
    _shells(config, job, body, scope, executor.body if executor is not None else None)
    carry_bash_env(job.steps)
    read_injections(job.steps)
    job.secrets = job_secrets(job, config.src.lines)
    # A pull request's pipeline checks out the pull request (and reads its config): the first
    # `checkout`, and the first `run` after it, are an outsider's code when a fork opened it.
    job.pr_checkout = next((i for i, step in enumerate(job.steps) if step.kind == "checkout"), None)
    if job.pr_checkout is not None:
        job.runs_pr_code = next((i for i, step in enumerate(job.steps)
                                 if i > job.pr_checkout and step.run is not None), None)
