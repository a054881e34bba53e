"""`cilint graph`: the job DAG as Mermaid (pasteable into a GitHub comment), DOT, or JSON.

One box per workflow (titled with its file, name and triggers), one node per job (a matrix job's
legs are one node saying how many legs it has and what they vary; `expand_matrix` draws each leg
apart), an edge per `needs`/`requires`, and a dotted edge from a workflow to one that
`workflow_run` starts after it. Approval jobs are hexagons, deploy jobs parallelograms (production
red, other targets grey), and each label says what a reviewer needs: the deploy target, the
contexts, the environment and whether the configuration lists it as protected.
The JSON form is the model view documented in docs/model.md: collapsed (`project_view(collapse=True)`:
one job per matrix job, no steps inlined from composite actions), so that it grows with the YAML
rather than with the legs; `expand_matrix` prints the whole view policies select on. It is written
compactly (one line; `jq .` indents it).

Matrix values in labels are written as `name=value`, mappings as `key=value` pairs, each value cut
to `_VALUE_WIDTH` characters.

Mermaid labels are quoted with entity escapes (`#quot;`, `#lt;`, `#gt;`) so that a job named
`build "<x>"` cannot break the diagram or inject HTML; lines are joined with `<br/>`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .model import JobRun, Project, Text, Workflow
from .printable import printable
from .view import matrix_groups, project_view

# Mermaid's default `maxTextSize`: a longer diagram is not drawn ("Maximum text size in diagram exceeded").
MERMAID_MAX_TEXT = 50_000
_VALUE_WIDTH = 40


def render_graph(project: Project, output_format: str, expand_matrix: bool = False) -> str:
    renderer = _RENDERERS.get(output_format)
    if renderer is None:
        raise ValueError(f"unknown graph format {output_format!r} (expected one of: {', '.join(_RENDERERS)})")
    return renderer(project, expand_matrix)


def _json(project: Project, expand_matrix: bool) -> str:
    view = project_view(project, collapse=not expand_matrix)
    return json.dumps(view, sort_keys=True, separators=(",", ":")) + "\n"


def _short(value: Any) -> str:
    """A matrix value for a label: scalars as YAML writes them, lists and mappings flattened."""
    if isinstance(value, Text):
        value = value.value
    if isinstance(value, dict):
        text = "{" + ", ".join(f"{key}={_short(item)}" for key, item in value.items()) + "}"
    elif isinstance(value, (list, tuple)):
        text = "[" + ", ".join(_short(item) for item in value) + "]"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    else:
        text = str(value)
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 1] + "…"


def _label_lines(project: Project, job: JobRun, legs: list[JobRun] | None = None) -> list[str]:
    """A node's label: the job's name (with its matrix values, or for a collapsed matrix job its
    leg count and the names that vary), then what a reviewer needs to know about it."""
    name = job.name
    if legs is not None:
        varying = sorted({key for leg in legs for key in leg.matrix})
        count = f"{len(legs)} leg" + ("" if len(legs) == 1 else "s")
        name += f" ({count}: {', '.join(varying)})"
    elif job.matrix:
        name += " (" + ", ".join(f"{key}={_short(value)}" for key, value in sorted(job.matrix.items())) + ")"
    lines = [f"approval: {name}" if job.is_approval else name]
    if job.deploy is not None:
        lines.append(f"deploy: {job.deploy.target}")
    if job.contexts:
        lines.append("context: " + ", ".join(c.value for c in job.contexts))
    if job.environment is not None:
        environment = job.environment.value
        protected = project.protected_environments
        state = "" if protected is None else " (protected)" if environment in protected else " (unprotected)"
        lines.append(f"environment: {environment}{state}")
    return lines


def _title(path: str, workflow: Workflow) -> str:
    triggers = ", ".join(dict.fromkeys(trigger.label() for trigger in workflow.triggers))
    return f"{path}: {workflow.name}" + (f" ({triggers})" if triggers else "")


def _nodes(workflow: Workflow, expand_matrix: bool) -> tuple[list[tuple[str, JobRun, list[JobRun] | None]],
                                                            dict[str, str]]:
    """The workflow's nodes, sorted by key: (key, the job drawn, its legs when it stands for a
    matrix job), and the node key of every job run."""
    if expand_matrix:
        keys = sorted(workflow.graph.nodes)
        return [(key, workflow.job(key), None) for key in keys], {key: key for key in keys}
    nodes: list[tuple[str, JobRun, list[JobRun] | None]] = []
    node_of: dict[str, str] = {}
    for key, members in matrix_groups(workflow).items():
        if len(members) == 1:  # a job, or a matrix of one leg: drawn with its values
            nodes.append((key, members[0], None))
        else:  # drawn as its most telling leg (a production deploy before a preview before the rest)
            first = min(members, key=lambda member: _SHAPE_RANK[_shape(member)])
            name = key if len({m.name for m in members}) > 1 else first.name
            nodes.append((key, replace(first, name=name), members))
        node_of.update((member.key, key) for member in members)
    return nodes, node_of


def _edges(workflow: Workflow, node_of: dict[str, str]) -> list[tuple[str, str]]:
    pairs = {(node_of[a], node_of[b]) for a, b in workflow.graph.edges}
    return sorted((a, b) for a, b in pairs if a != b)


def _workflows(project: Project) -> list[tuple[str, Workflow]]:
    return [(_title(pipeline.path, workflow), workflow)
            for pipeline in project.pipelines for workflow in pipeline.workflows]


_SHAPE_RANK = {"approval": 0, "deploy": 1, "preview": 2, "job": 3}


def _shape(job: JobRun) -> str:
    if job.is_approval:
        return "approval"
    if job.deploy is not None:
        return "deploy" if job.deploy.production else "preview"
    return "job"


# -- mermaid -------------------------------------------------------------------------------

# `#96;`: a backtick would start a Mermaid markdown string; runs of them could close a Markdown fence
_MERMAID_ESCAPES = str.maketrans({'"': "#quot;", "<": "#lt;", ">": "#gt;", "`": "#96;"})
# shape -> (opening, closing) around the quoted label
_MERMAID_SHAPES = {
    "approval": ("{{", "}}"), "deploy": ("[/", "/]"), "preview": ("[/", "/]"), "job": ("[", "]"),
}
_MERMAID_CLASSES = [
    "  classDef approval fill:#fff3cd,stroke:#b8860b",
    "  classDef deploy fill:#f8d7da,stroke:#a00",
    "  classDef preview fill:#e2e3e5,stroke:#666",
]


def _mermaid_text(lines: list[str]) -> str:
    return "<br/>".join(printable(line).translate(_MERMAID_ESCAPES) for line in lines)


def _mermaid(project: Project, expand_matrix: bool) -> str:
    lines = ["flowchart LR"]
    classes: list[str] = []
    workflows = _workflows(project)
    index_of = {id(workflow): index for index, (_, workflow) in enumerate(workflows)}
    for index, (title, workflow) in enumerate(workflows):
        nodes, node_of = _nodes(workflow, expand_matrix)
        ids = {key: f"w{index}_{number}" for number, (key, _, _) in enumerate(nodes)}
        lines.append(f'  subgraph w{index}["{_mermaid_text([title])}"]')
        for key, job, legs in nodes:
            node = ids[key]
            opening, closing = _MERMAID_SHAPES[_shape(job)]
            lines.append(f'    {node}{opening}"{_mermaid_text(_label_lines(project, job, legs))}"{closing}')
            if _shape(job) != "job":
                classes.append(f"  class {node} {_shape(job)}")
        lines.append("  end")
        lines.extend(f"  {ids[a]} --> {ids[b]}" for a, b in _edges(workflow, node_of))
    for link in project.links:
        upstream, downstream = index_of.get(id(link.upstream)), index_of.get(id(link.downstream))
        if upstream is not None and downstream is not None:
            lines.append(f"  w{upstream} -. workflow_run .-> w{downstream}")
    return "\n".join([*lines, *classes, *_MERMAID_CLASSES]) + "\n"


# -- dot -----------------------------------------------------------------------------------

_DOT_SHAPES = {
    "approval": 'shape=hexagon, style=filled, fillcolor="#fff3cd"',
    "deploy": 'shape=parallelogram, style=filled, fillcolor="#f8d7da"',
    "preview": 'shape=parallelogram, style=filled, fillcolor="#e2e3e5"',
    "job": "",
}


def _dot_id(text: str) -> str:
    """A quoted DOT string: control characters escaped (`printable`), then quotes and backslashes."""
    return '"' + re.sub(r'(["\\])', r"\\\1", printable(text)) + '"'


def _dot_label(lines: list[str]) -> str:
    """A quoted DOT label of several lines, joined with DOT's `\\n`."""
    return '"' + "\\n".join(_dot_id(line)[1:-1] for line in lines) + '"'


def _dot(project: Project, expand_matrix: bool) -> str:
    lines = ["digraph cilint {", "  rankdir=LR;", "  node [shape=box];", "  compound=true;"]
    workflows = _workflows(project)
    first_node: dict[int, str] = {}
    for index, (title, workflow) in enumerate(workflows):
        lines.append(f"  subgraph cluster_{index} {{")
        lines.append(f"    label={_dot_id(title)};")
        nodes, node_of = _nodes(workflow, expand_matrix)
        for key, job, legs in nodes:
            first_node.setdefault(id(workflow), f"{index}:{key}")
            label = _dot_label(_label_lines(project, job, legs))
            attrs = ", ".join(filter(None, [f"label={label}", _DOT_SHAPES[_shape(job)]]))
            lines.append(f"    {_dot_id(f'{index}:{key}')} [{attrs}];")
        for upstream, downstream in _edges(workflow, node_of):
            lines.append(f"    {_dot_id(f'{index}:{upstream}')} -> {_dot_id(f'{index}:{downstream}')};")
        lines.append("  }")
    index_of = {id(workflow): index for index, (_, workflow) in enumerate(workflows)}
    for link in project.links:
        a, b = first_node.get(id(link.upstream)), first_node.get(id(link.downstream))
        if a is not None and b is not None:
            # DOT draws edges between nodes: from a node of each workflow, clipped at the clusters
            lines.append(f"  {_dot_id(a)} -> {_dot_id(b)} [style=dashed, label=\"workflow_run\", "
                         f"ltail=cluster_{index_of[id(link.upstream)]}, "
                         f"lhead=cluster_{index_of[id(link.downstream)]}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


_RENDERERS: dict[str, Callable[[Project, bool], str]] = {"mermaid": _mermaid, "dot": _dot, "json": _json}
