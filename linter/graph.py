"""`cilint graph`: the job DAG as Mermaid (pasteable into a GitHub comment), DOT, or JSON.

One box per workflow (titled with its file, name and triggers), one node per job run (matrix legs
apart), an edge per `needs`/`requires`, and a dotted edge from a workflow to one that
`workflow_run` starts after it. Approval jobs are hexagons, deploy jobs parallelograms (production
red, other targets grey), and each label says what a reviewer needs: the deploy target, the
contexts, the environment and whether the configuration lists it as protected.
The JSON form is the model view documented in docs/model.md.

Mermaid labels are quoted with entity escapes (`#quot;`, `#lt;`, `#gt;`) so that a job named
`build "<x>"` cannot break the diagram or inject HTML; lines are joined with `<br/>`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from .model import JobRun, Project, Workflow
from .view import project_view


def render_graph(project: Project, output_format: str) -> str:
    renderer = _RENDERERS.get(output_format)
    if renderer is None:
        raise ValueError(f"unknown graph format {output_format!r} (expected one of: {', '.join(_RENDERERS)})")
    return renderer(project)


def _json(project: Project) -> str:
    return json.dumps(project_view(project), indent=2, sort_keys=True) + "\n"


def _label_lines(project: Project, job: JobRun) -> list[str]:
    name = job.name
    if job.matrix:
        name += " (" + ", ".join(f"{key}: {value}" for key, value in sorted(job.matrix.items())) + ")"
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


def _workflows(project: Project) -> list[tuple[str, Workflow]]:
    return [(_title(pipeline.path, workflow), workflow)
            for pipeline in project.pipelines for workflow in pipeline.workflows]


def _shape(job: JobRun) -> str:
    if job.is_approval:
        return "approval"
    if job.deploy is not None:
        return "deploy" if job.deploy.production else "preview"
    return "job"


# -- mermaid -------------------------------------------------------------------------------

_MERMAID_ESCAPES = str.maketrans({'"': "#quot;", "<": "#lt;", ">": "#gt;"})
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
    return "<br/>".join(line.translate(_MERMAID_ESCAPES) for line in lines)


def _mermaid(project: Project) -> str:
    lines = ["flowchart LR"]
    classes: list[str] = []
    workflows = _workflows(project)
    index_of = {id(workflow): index for index, (_, workflow) in enumerate(workflows)}
    for index, (title, workflow) in enumerate(workflows):
        ids = {key: f"w{index}_{number}" for number, key in enumerate(sorted(workflow.graph.nodes))}
        lines.append(f'  subgraph w{index}["{_mermaid_text([title])}"]')
        for key, node in ids.items():
            job = workflow.job(key)
            opening, closing = _MERMAID_SHAPES[_shape(job)]
            lines.append(f'    {node}{opening}"{_mermaid_text(_label_lines(project, job))}"{closing}')
            if _shape(job) != "job":
                classes.append(f"  class {node} {_shape(job)}")
        lines.append("  end")
        lines.extend(f"  {ids[a]} --> {ids[b]}" for a, b in sorted(workflow.graph.edges))
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
    return '"' + re.sub(r'(["\\])', r"\\\1", text).replace("\n", "\\n") + '"'


def _dot(project: Project) -> str:
    lines = ["digraph cilint {", "  rankdir=LR;", "  node [shape=box];", "  compound=true;"]
    workflows = _workflows(project)
    first_node: dict[int, str] = {}
    for index, (title, workflow) in enumerate(workflows):
        lines.append(f"  subgraph cluster_{index} {{")
        lines.append(f"    label={_dot_id(title)};")
        for key in sorted(workflow.graph.nodes):
            job = workflow.job(key)
            first_node.setdefault(id(workflow), f"{index}:{key}")
            attrs = ", ".join(filter(None, [f"label={_dot_id(chr(10).join(_label_lines(project, job)))}",
                                            _DOT_SHAPES[_shape(job)]]))
            lines.append(f"    {_dot_id(f'{index}:{key}')} [{attrs}];")
        for upstream, downstream in sorted(workflow.graph.edges):
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


_RENDERERS: dict[str, Callable[[Project], str]] = {"mermaid": _mermaid, "dot": _dot, "json": _json}
