"""Workflows: each becomes a DAG of job runs, one per invocation and matrix leg.

* a config without `workflows` runs its job `build` in one workflow CircleCI names `workflow`
  (`implicit_workflow`);
* each entry of a workflow's `jobs` list makes one `Leg` per matrix combination (`entry_legs`,
  `expand_matrix`: names sorted, `exclude` applied, at most MAX_MATRIX_LEGS), named as CircleCI names
  them (`leg_name`: `name:`, else `<job>-<value>-<value>`); repeated unnamed invocations become
  `<job>-1`, `<job>-2` (`assign_keys`);
* `requires` (names, matrix aliases, `{job: status}`) become the DAG's edges (`edges`); cycles are
  reported (`cycles`);
* `populate` builds the DAG and turns filters, `when`/`unless` and schedules (see `filters`) into
  the triggers that reach each job.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

from ..loadutil import as_list, items_with_pos, scalar_str, spend
from ..model import CheckName, JobGraph, Trigger, Workflow, qualified
from ..yamlsrc import Pos, YMap, YSeq
from .context import Arg, Config, Leg, Scope
from .filters import (
    Filter,
    Gate,
    Narrowing,
    condition,
    job_filter,
    merge_and,
    parameter_gates,
    propagate,
    reach_of,
    schedule_triggers,
    tag_upstreams,
    triggers,
    when_narrowing,
)
from .jobs import job_run
from .parameters import argument, subst, text_at
from .values import is_scalar

# A config without `workflows` runs its job `build` in a workflow CircleCI names `workflow`.
IMPLICIT_WORKFLOW = "workflow"
IMPLICIT_JOB = "build"
MAX_MATRIX_LEGS = 2000


def implicit_workflow(config: Config) -> None:
    """A config without `workflows` runs its `build` job in one generated workflow."""
    jdef = config.jobs.get(IMPLICIT_JOB)
    if jdef is None:
        return
    workflow = Workflow(IMPLICIT_WORKFLOW, config.span(jdef.key), JobGraph(), config.pipeline)
    leg = Leg(IMPLICIT_JOB, YMap(jdef.key), jdef.key, config.base, IMPLICIT_JOB, explicit=False)
    populate(config, workflow, [leg], Narrowing(), [])
    config.pipeline.workflows.append(workflow)


def load_workflow(config: Config, name: str, body: Any, key: Pos, pos: Pos) -> None:
    if not isinstance(body, YMap):
        config.parse_error(f"workflow '{name}' must be a mapping with `jobs`", pos)
        return
    workflow = Workflow(name, config.span(key), JobGraph(), config.pipeline)
    workflow.condition = condition(config, body)
    entries = body.get("jobs")
    legs: list[Leg] = []
    if isinstance(entries, YSeq):
        for index, item in enumerate(entries):
            legs.extend(entry_legs(config, item, entries.pos_of(index), name))
    else:
        config.parse_error(f"workflow '{name}' needs a list of `jobs`", body.pos_of("jobs") if
                           "jobs" in body else key)
    gates = parameter_gates(config, body)
    starts: list[tuple[Narrowing, Gate | None]] = [(when_narrowing(config, body, gate), gate) for gate in gates]
    starts = starts or [(when_narrowing(config, body), None)]
    populate(config, workflow, legs, starts[0][0], schedule_triggers(config, body), starts)
    config.pipeline.workflows.append(workflow)


def entry_legs(config: Config, item: Any, pos: Pos, workflow: str) -> list[Leg]:
    """The runs one entry of a workflow's jobs list makes (several for a matrix)."""
    if isinstance(item, str):
        job_ref, conf, entry = str(item), YMap(pos), pos
    elif isinstance(item, YMap) and item:
        job_ref = next(iter(item))
        entry = item.key_pos_of(job_ref)
        if len(item) > 1:
            config.parse_error(
                f"workflow '{workflow}': a job entry has one key, the job name (found {', '.join(item)});"
                " are its settings indented under it?", pos)
        conf = item[job_ref]
        if conf is None:
            conf = YMap(entry)
        elif not isinstance(conf, YMap):
            config.parse_error(f"the settings of job '{job_ref}' in workflow '{workflow}' must be"
                               " a mapping", item.pos_of(job_ref))
            conf = YMap(entry)
    else:
        config.parse_error(f"workflow '{workflow}': a job entry is a job name or a one-key mapping", pos)
        return []
    matrices, alias = expand_matrix(config, conf, job_ref)
    legs = []
    for values in matrices:
        if not spend(config.src, entry):  # over the file's model limit: it will not be checked
            break
        scope = Scope(matrix=values)
        legs.append(Leg(job_ref, conf, entry, scope, leg_name(config, job_ref, conf, values, scope),
                        explicit="name" in conf, alias=alias,
                        requires=requires(config, conf, scope)))
    return legs


def expand_matrix(config: Config, conf: YMap, job_ref: str) -> tuple[list[dict[str, Arg]], str | None]:
    """The legs of `matrix` (each: parameter -> value) and the alias that names them all."""
    matrix = conf.get("matrix")
    if matrix is None:
        return [{}], None
    params = matrix.get("parameters") if isinstance(matrix, YMap) else None
    if not isinstance(params, YMap) or not params:
        config.parse_error(f"the matrix of job '{job_ref}' needs `parameters`", conf.pos_of("matrix"))
        return [{}], None
    names = sorted(params)  # CircleCI orders matrix names by parameter name
    columns = [[argument(config, v, p, config.base) for v, p in items_with_pos(params[n])] for n in names]
    size = 1
    for column in columns:
        size *= len(column)
    if size > MAX_MATRIX_LEGS:
        config.parse_error(f"the matrix of job '{job_ref}' has {size} legs (more than {MAX_MATRIX_LEGS})",
                           conf.pos_of("matrix"))
        return [], None
    excludes = [e for e in as_list(matrix.get("exclude")) if isinstance(e, YMap) and e]
    legs = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*columns)]
    legs = [leg for leg in legs if not any(_excluded(leg, e) for e in excludes)]
    alias = matrix.get("alias")
    return legs, scalar_str(alias) if is_scalar(alias) and alias is not None else job_ref


def _excluded(leg: dict[str, Arg], exclude: YMap) -> bool:
    return all(k in leg and scalar_str(leg[k].value) == scalar_str(v) for k, v in exclude.items())


def leg_name(config: Config, job_ref: str, conf: YMap, values: dict[str, Arg], scope: Scope) -> str:
    if conf.get("name") is not None:
        return text_at(config, conf["name"], conf.pos_of("name"), scope)[0].value
    if values:
        return "-".join([job_ref, *(scalar_str(values[k].value) for k in sorted(values))])
    return job_ref


def requires(config: Config, conf: YMap, scope: Scope) -> list[tuple[str, Pos, list[str]]]:
    """The entry's `requires`: (job name, where, statuses)."""
    out: list[tuple[str, Pos, list[str]]] = []
    for item, pos in items_with_pos(conf.get("requires")):
        if isinstance(item, YMap):  # `{job: status}` or `{job: [statuses]}`
            for name, statuses in item.items():
                out.append((subst(config, name, scope)[0], item.key_pos_of(name),
                            [scalar_str(s) for s in as_list(statuses)]))
        elif is_scalar(item) and item is not None:
            out.append((text_at(config, item, pos, scope)[0].value, pos, ["success"]))
        else:
            config.parse_error("a `requires` item is a job name or `{job: status}`", pos)
    return out


def populate(
    config: Config, workflow: Workflow, legs: list[Leg], narrowing: Narrowing, schedules: list[Trigger],
    starts: list[tuple[Narrowing, Gate | None]] | None = None,
) -> None:
    """Nodes, edges, cycles, triggers and checks of one workflow. `starts`: what its condition
    says for each kind of pipeline that can run it (a push: no gate; or the API call or schedule
    that sets the pipeline values it needs), `narrowing` alone when not given."""
    ambiguous = assign_keys(config, legs, workflow.name)
    graph = workflow.dag
    filters: dict[str, Filter] = {}
    for leg in legs:
        job = job_run(config, leg, workflow.name)
        graph.add_node(leg.key, job=job)
        filters[leg.key] = job_filter(config, job, leg)
    edges(config, workflow, legs, ambiguous)
    cyclic = cycles(config, workflow, legs)
    # The GitHub App reports the workflow under its name and more (a suffix), the OAuth integration
    # under its name alone.
    workflow.checks = [CheckName(workflow.name, "workflow-check", workflow.span, app_name=f"{workflow.name}*")]
    if schedules:  # a scheduled workflow runs only on its schedule
        workflow.triggers = schedules
        for job in workflow.jobs():
            job.triggers = [replace(t) for t in schedules]
        return
    workflow.triggers = []
    for job in workflow.jobs():
        job.triggers = []
    for index, (start, gate) in enumerate(starts or [(narrowing, None)]):
        reach = {key: reach_of(merge_and(f, start)) for key, (f, _) in filters.items()}
        if not cyclic:
            propagate(graph, reach)
            if index == 0:  # (reported once)
                tag_upstreams(config, workflow, legs, filters, reach)
        for key in graph.nodes:
            pos = filters[key][1]
            found = triggers(reach[key], config.span(pos) if pos else workflow.span)
            workflow.job(key).triggers.extend(gated(found, gate) if gate is not None else found)
        found = triggers(reach_of(start), workflow.span)
        tags = list(dict.fromkeys(t for r in reach.values() for t in r.tags or []))
        if tags:
            found.append(Trigger("push", workflow.span, tags=tags))
        workflow.triggers.extend(gated(found, gate) if gate is not None else found)


def gated(found: list[Trigger], gate: Gate) -> list[Trigger]:
    """The pushes that reach a job, as the gate's trigger (with the same branch and tag filters):
    a pipeline an API call or a schedule starts is not a pull request's."""
    return [replace(t, event=gate.event, settings=list(gate.settings)) for t in found if not t.is_pull_request]


def assign_keys(config: Config, legs: list[Leg], workflow: str) -> dict[str, list[str]]:
    """Unique keys: unnamed repeats become `<job>-1`, `<job>-2` as CircleCI names them;
    other repeats are errors. Returns the names made ambiguous by the renaming."""
    groups: dict[str, list[Leg]] = {}
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
            job = qualified(config.src.path, workflow, leg.key)
            config.invalid(f"duplicate job name '{leg.key}' in workflow '{workflow}': give each"
                           " invocation a unique `name`", leg.entry, job)
            leg.key = f"{leg.key}#{seen[leg.key]}"
    return ambiguous


def edges(config: Config, workflow: Workflow, legs: list[Leg], ambiguous: dict[str, list[str]]) -> None:
    """The `requires` of each leg as edges of the DAG (a matrix alias stands for all its legs)."""
    index: dict[str, list[str]] = {leg.key: [leg.key] for leg in legs}
    keys = set(index)
    for leg in legs:
        if leg.alias and leg.alias not in keys:  # a matrix alias names all its legs
            index.setdefault(leg.alias, []).append(leg.key)
    for leg in legs:
        job = qualified(config.src.path, workflow.name, leg.key)
        for name, pos, statuses in leg.requires:
            upstream = index.get(name)
            if upstream is None and name in ambiguous:
                config.invalid(f"job '{leg.key}' requires '{name}', which workflow '{workflow.name}' runs"
                               f" {len(ambiguous[name])} times without `name`: name the invocations",
                               pos, job)
            elif upstream is None:
                config.invalid(f"job '{leg.key}' requires '{name}', which is not a job of workflow"
                               f" '{workflow.name}'", pos, job)
            for key in upstream or []:
                if not spend(config.src, pos):  # matrices requiring matrices: legs x legs edges
                    return
                workflow.dag.add_edge(key, leg.key, statuses=statuses)
                if any(status != "success" for status in statuses):  # `requires: [{build: failed}]`
                    workflow.job(leg.key).runs_after_failed_need = True


def cycles(config: Config, workflow: Workflow, legs: list[Leg]) -> bool:
    """Report each `requires` cycle; True when there is one."""
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
        config.invalid(f"requires cycle in workflow '{workflow.name}': {' -> '.join(names)}",
                       legs[order[first]].entry, job.qualified)
    return found
