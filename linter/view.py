"""The JSON view of the model: what `cilint graph --format json` prints and what declarative
policies (`linter/policies.py`) select from with JSONPath. Documented in docs/model.md, with a
JSON schema in docs/model.schema.json.

The view is written out field by field rather than dumped from the dataclasses, so that the model
can change without breaking users' policies: this is a published format, versioned by
`VIEW_VERSION` (adding a field keeps the version; renaming or removing one bumps it).

Its conventions, chosen for short JSONPath expressions:

* strings of the configuration (`Text` in the model) are plain strings: `@.environment == 'prod'`;
* every element a finding can point at (pipeline, trigger, workflow, job, step, command, image,
  cache, secret, reference, check, deploy evidence, protection, required check, problem) has a
  `span` (`{path, line, column, end_line, end_column}`), and nothing else has one;
* environment variables, inputs, parameters and matrix values are `{name: value}` mappings;
* a workflow's graph is `jobs` (sorted by key) and `edges` (`[upstream, downstream]` key pairs,
  sorted); each job also lists its direct `needs`, all its `ancestors` and its `gates` (approval
  jobs and environments on the way to it), because JSONPath cannot walk a graph;
* facts derived from several places are precomputed where a policy needs them: `events` (trigger
  names), image `registry`/`repository`/`tag`/`digest`, a job's `caches` gathered from its steps,
  what a cache key is made of (`key_inputs`) and where its paths lie (`cached_paths`).
"""

from __future__ import annotations

from typing import Any

from .imageref import ImageRef
from .model import (
    Cache,
    CachedPath,
    CacheKey,
    CheckName,
    Command,
    Deploy,
    EnvVar,
    HashedFile,
    Image,
    JobRun,
    Pipeline,
    Problem,
    Project,
    Protection,
    Reference,
    SecretRef,
    Span,
    Step,
    Text,
    Trigger,
    Workflow,
)

VIEW_VERSION = 1

Json = dict[str, Any]


def project_view(project: Project, collapse: bool = False) -> Json:
    """The whole project as the documented JSON view (version `VIEW_VERSION`): every matrix leg
    a job, every job with the steps its composite actions add, as policies select on it.

    `collapse` (what `cilint graph --format json` prints by default) gives the legs of each matrix
    job as one job with a `legs` list, and leaves out the steps a local composite action adds to the
    job using it (that action's pipeline lists them once), so that the view grows with the YAML
    rather than with the legs; see `_collapse`."""
    return {
        "version": VIEW_VERSION,
        "default_branch": project.default_branch,
        "protected_environments": project.protected_environments,
        "files": [{"path": f.path, "platform": f.platform} for f in project.files],
        "pipelines": [_pipeline(project, p, collapse) for p in project.pipelines],
        "protections": [_protection(p) for p in project.protections],
        "links": [
            {
                "upstream": {"path": link.upstream.pipeline.path, "workflow": link.upstream.name},
                "downstream": {"path": link.downstream.pipeline.path, "workflow": link.downstream.name},
                "trigger": _trigger(link.trigger),
            }
            for link in project.links
        ],
        "problems": [_problem(p) for p in project.problems],
    }


def span(value: Span) -> Json:
    return {"path": value.path, "line": value.line, "column": value.column,
            "end_line": value.end_line, "end_column": value.end_column}


def _text(value: Text | None) -> str | None:
    return None if value is None else value.value


def _texts(values: list[Text]) -> list[str]:
    return [value.value for value in values]


def _plain(value: Any) -> Any:
    """Parameters and matrix values: JSON scalars, lists and mappings as they are; anything else
    (a `Text`, a positioned YAML string) as its string."""
    if isinstance(value, Text):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return value
    return str(value)


def _env(env: dict[str, EnvVar]) -> dict[str, str]:
    return {name: var.value.value for name, var in env.items()}


def _events(triggers: list[Trigger]) -> list[str]:
    return sorted({t.event for t in triggers})


def _pipeline(project: Project, pipeline: Pipeline, collapse: bool = False) -> Json:
    return {
        "platform": pipeline.platform,
        "path": pipeline.path,
        "name": pipeline.name,
        "span": span(pipeline.span),
        "events": _events(pipeline.triggers),
        "triggers": [_trigger(t) for t in pipeline.triggers],
        "env": _env(pipeline.env),
        "concurrency": _text(pipeline.concurrency),
        "parameters": _plain(pipeline.parameters),
        "contexts_declared": {name: list(values) for name, values in pipeline.contexts_declared.items()},
        "workflow_call": pipeline.called_by_workflow_call,
        "references": [_reference(r) for r in pipeline.references],
        # composite and docker actions: their steps and image (empty for workflows and configs)
        "steps": [_step(i, s) for i, s in enumerate(pipeline.action_steps)],
        "images": [_image(i) for i in pipeline.action_images],
        "workflows": [_workflow(project, pipeline, w, collapse) for w in pipeline.workflows],
    }


def _trigger(trigger: Trigger) -> Json:
    return {
        "event": trigger.event,
        "span": span(trigger.span),
        "branches": trigger.branches,
        "branches_ignore": trigger.branches_ignore,
        "tags": trigger.tags,
        "tags_ignore": trigger.tags_ignore,
        "paths": trigger.paths,
        "paths_ignore": trigger.paths_ignore,
        "types": trigger.types,
        "workflows": list(trigger.workflows),
        "cron": trigger.cron,
        "certain": trigger.certain,
        "pull_request": trigger.is_pull_request,
        "manual": trigger.is_manual,
    }


def _workflow(project: Project, pipeline: Pipeline, workflow: Workflow, collapse: bool = False) -> Json:
    keys = sorted(workflow.graph.nodes)
    jobs = [_job(project, pipeline, workflow, workflow.job(key)) for key in keys]
    edges = sorted([str(a), str(b)] for a, b in workflow.graph.edges)
    if collapse:
        jobs, edges = _collapse(workflow, jobs, edges)
    return {
        "name": workflow.name,
        "platform": pipeline.platform,
        "path": pipeline.path,
        "span": span(workflow.span),
        "events": _events(workflow.triggers),
        "triggers": [_trigger(t) for t in workflow.triggers],
        "condition": _text(workflow.condition),
        "concurrency": _text(workflow.concurrency),
        "checks": [_check(c) for c in workflow.checks],
        "jobs": jobs,
        "edges": edges,
    }


def matrix_groups(workflow: Workflow) -> dict[str, list[JobRun]]:
    """The workflow's job runs by node: each matrix job's legs (the runs of one job definition
    with matrix values, from one place in the YAML) under one key, every other run alone under its
    own key; sorted by key. A group is keyed by the legs' common name, or else the job's id (the
    first leg's key if that is taken)."""
    runs = [workflow.job(key) for key in sorted(workflow.graph.nodes)]
    legs: dict[tuple[str, str, int, int], list[JobRun]] = {}
    for run in runs:
        if run.matrix:
            legs.setdefault((run.job_id, run.span.path, run.span.line, run.span.column), []).append(run)
    taken = {run.key for run in runs if not run.matrix}
    groups: dict[str, list[JobRun]] = {run.key: [run] for run in runs if not run.matrix}
    for members in legs.values():
        names = {run.name for run in members}
        key = names.pop() if len(names) == 1 else members[0].job_id
        if key in taken:
            key = members[0].key
        taken.add(key)
        groups[key] = members
    return dict(sorted(groups.items()))


def _collapse(workflow: Workflow, jobs: list[Json], edges: list[list[str]]) -> tuple[list[Json], list[list[str]]]:
    """The collapsed form of a workflow's jobs and edges (`project_view(collapse=True)`).

    A matrix job is one job: `key` and `name` are the group's (`matrix_groups`), `legs` lists each
    leg's `{key, name, matrix}`, and every other field is its first leg's (so `matrix` is the first
    leg's values). Keys in `needs`, `ancestors`, `gates`, `caller` and `edges` are group keys. In
    every job, `steps` and `caches` leave out what a local composite action adds (`origin`
    `composite:<path>`): the step using it stays, and the action's pipeline lists its steps."""
    by_key = {job["key"]: job for job in jobs}
    group_of: dict[str, str] = {}
    out: list[Json] = []
    for group, members in matrix_groups(workflow).items():
        for member in members:
            group_of[member.key] = group
    for group, members in matrix_groups(workflow).items():
        job = dict(by_key[members[0].key])
        if members[0].matrix:
            job["key"] = group
            job["name"] = group if len({m.name for m in members}) > 1 else members[0].name
            job["legs"] = [{"key": m.key, "name": m.name, "matrix": by_key[m.key]["matrix"]} for m in members]
        for field in ("needs", "ancestors"):
            job[field] = sorted({group_of.get(k, k) for k in job[field]} - {group})
        gates = [{**gate, "key": group_of.get(gate["key"], gate["key"])} for gate in job["gates"]]
        job["gates"] = [gate for index, gate in enumerate(gates) if gate not in gates[:index]]
        if job["caller"] is not None:
            job["caller"] = group_of.get(job["caller"], job["caller"])
        kept = [step for step in job["steps"] if not str(step["origin"] or "").startswith("composite:")]
        indexes = {step["index"] for step in kept}
        job["steps"] = kept
        job["caches"] = [cache for cache in job["caches"] if cache["step"] in indexes]
        out.append(job)
    pairs = sorted({(group_of.get(a, a), group_of.get(b, b)) for a, b in edges})
    return out, [[a, b] for a, b in pairs if a != b]


def _job(project: Project, pipeline: Pipeline, workflow: Workflow, job: JobRun) -> Json:
    ancestors = workflow.ancestors(job.key)
    return {
        "key": job.key,
        "id": job.job_id,
        "name": job.name,
        "qualified": job.qualified,
        "platform": pipeline.platform,
        "path": pipeline.path,
        "workflow": workflow.name,
        "kind": job.kind,
        "approval": job.is_approval,
        "span": span(job.span),
        "definition": None if job.definition is None else span(job.definition),
        "needs": sorted(str(k) for k in workflow.graph.predecessors(job.key)),
        "ancestors": [a.key for a in ancestors],
        "gates": _gates(project, job, ancestors),
        "events": _events(job.triggers),
        "triggers": [_trigger(t) for t in job.triggers],
        "condition": _text(job.condition),
        "branch_filter": {k: list(v) for k, v in job.branch_filter.items()},
        "runs_on": _texts(job.runs_on),
        "timeout": _text(job.timeout),
        "concurrency": _text(job.concurrency),
        "environment": _text(job.environment),
        "contexts": _texts(job.contexts),
        "env": _env(job.env),
        "matrix": _plain(job.matrix),
        "parameters": _plain(job.parameters),
        "images": [_image(i) for i in job.images],
        "steps": [_step(i, s) for i, s in enumerate(job.steps)],
        "caches": [_cache(s.cache, i) for i, s in enumerate(job.steps) if s.cache is not None],
        "secrets": [_secret(s) for s in job.secrets],
        "checks": [_check(c) for c in job.checks],
        "uses": None if job.uses is None else _reference(job.uses),
        "caller": job.caller,
        "continue_on_error": job.continue_on_error,
        "deploy": None if job.deploy is None else _deploy(job.deploy),
    }


def _gates(project: Project, job: JobRun, ancestors: list[JobRun]) -> list[Json]:
    """Approval jobs before `job`, and environments on it or before it: what can hold a run for
    a human. `protected` says whether the configuration lists the environment as having required
    reviewers (null: the configuration does not say)."""
    gates: list[Json] = []
    for other in [*ancestors, job]:
        if other.is_approval and other is not job:
            gates.append({"key": other.key, "name": other.name, "kind": "approval",
                          "environment": None, "protected": True, "span": span(other.span)})
        elif other.environment is not None:
            protected = (None if project.protected_environments is None
                         else other.environment.value in project.protected_environments)
            gates.append({"key": other.key, "name": other.name, "kind": "environment",
                          "environment": other.environment.value, "protected": protected,
                          "span": span(other.environment.span)})
    return gates


def _step(index: int, step: Step) -> Json:
    return {
        "index": index,
        "kind": step.kind,
        "name": step.name,
        "span": span(step.span),
        "run": _text(step.run),
        "shell": step.shell,
        "commands": [_command(c) for c in step.commands],
        "uses": None if step.uses is None else _reference(step.uses),
        "inputs": {name: value.value for name, value in step.inputs.items()},
        "env": _env(step.env),
        "cache": None if step.cache is None else _cache(step.cache, index),
        "continue_on_error": step.continue_on_error,
        "origin": step.origin,
    }


def _command(command: Command) -> Json:
    return {"text": command.text, "argv": list(command.argv), "assignments": dict(command.assignments),
            "cwd": command.cwd, "masked": command.masked, "span": span(command.span)}


def _reference(reference: Reference) -> Json:
    return {
        "kind": reference.kind,
        "name": reference.name,
        "version": reference.version,
        "local": reference.local,
        "text": reference.text.value,
        "comment": reference.comment,
        "job": reference.job,
        "span": span(reference.text.span),
    }


def _image(image: Image) -> Json:
    registry = repository = tag = digest = None
    # A machine image or a reference only known at run time has no registry to speak of.
    if image.resolved and image.kind != "machine" and image.ref:
        registry, repository, tag, digest = ImageRef.parse(image.ref).docker_parts()
    return {
        "ref": image.ref,
        "written": image.written,
        "kind": image.kind,
        "resolved": image.resolved,
        "registry": registry,
        "repository": repository,
        "tag": tag,
        "digest": digest,
        "via": _texts(image.via),
        "auth": sorted(image.auth),
        "span": span(image.span),
    }


def _cache(cache: Cache, step: int) -> Json:
    return {
        "action": cache.action,
        "step": step,
        "key": _text(cache.key),
        "restore_keys": _texts(cache.restore_keys),
        "paths": _texts(cache.paths),
        "tool": cache.tool,
        "key_files": list(cache.key_files),
        "key_inputs": None if cache.key_inputs is None else _cache_key(cache.key_inputs),
        "restore_key_inputs": [_cache_key(key) for key in cache.restore_key_inputs],
        "cached_paths": [_cached_path(path) for path in cache.cached_paths],
        "span": span(cache.span),
    }


def _cache_key(key: CacheKey) -> Json:
    return {
        "parts": [{"kind": part.kind, "text": part.text, "files": [_hashed_file(f) for f in part.files]}
                  for part in key.parts],
        "files": [_hashed_file(file) for file in key.files],
        "files_relative_to": key.files_relative_to,
    }


def _hashed_file(file: HashedFile) -> Json:
    return {"written": file.written, "glob": file.glob, "excluded": file.excluded, "templated": file.templated,
            "outside_checkout": file.outside_checkout}


def _cached_path(path: CachedPath) -> Json:
    return {"written": path.written.value, "path": path.path, "root": path.root, "excluded": path.excluded,
            "templated": path.templated}


def _secret(secret: SecretRef) -> Json:
    return {"name": secret.name, "via": secret.via, "where": secret.where, "step": secret.step,
            "span": span(secret.span)}


def _check(check: CheckName) -> Json:
    return {"name": check.name, "kind": check.kind, "app_id": check.app_id,
            "when_skipped": check.when_skipped, "pattern": check.pattern, "span": span(check.span)}


def _deploy(deploy: Deploy) -> Json:
    return {"target": deploy.target, "production": deploy.production,
            "evidence": [{"what": what, "span": span(where)} for what, where in deploy.evidence]}


def _protection(protection: Protection) -> Json:
    return {
        "source": protection.source,
        "name": protection.name,
        "span": span(protection.span),
        "branches": list(protection.include),
        "exclude": list(protection.exclude),
        "checks": [{"context": check.context, "app_id": check.app_id, "span": span(check.span)}
                   for check in protection.checks],
        "strict": protection.strict,
        "merge_queue": protection.merge_queue,
    }


def _problem(problem: Problem) -> Json:
    return {"rule": str(problem.kind), "message": problem.message, "job": problem.job, "span": span(problem.span)}
