"""`cilint graph`: the job DAG as Mermaid (pasteable into a GitHub comment), DOT, or JSON.

Approval gates and deploy jobs are marked, contexts and environments shown next to the job.
The JSON form is the model view documented in docs/model.md.
"""

from __future__ import annotations

import json
import re

from .model import JobRun, Project, Workflow
from .view import project_view


def render_graph(project: Project, output_format: str) -> str:
    if output_format == "json":
        return json.dumps(project_view(project), indent=2, sort_keys=True) + "\n"
    if output_format == "dot":
        return _dot(project)
    return _mermaid(project)


def _label(job: JobRun) -> str:
    parts = [f"approval: {job.name}" if job.is_approval else job.name]
    if job.deploy is not None:
        parts.append(f"deploy: {job.deploy.target}")
    if job.contexts:
        parts.append("context: " + ", ".join(c.value for c in job.contexts))
    if job.environment is not None:
        parts.append(f"environment: {job.environment.value}")
    return " | ".join(parts)


def _workflows(project: Project) -> list[tuple[str, Workflow]]:
    out = []
    for pipeline in project.pipelines:
        for workflow in pipeline.workflows:
            out.append((f"{pipeline.path}: {workflow.name}", workflow))
    return out


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def _mermaid(project: Project) -> str:
    lines = ["flowchart LR"]
    ids: dict[tuple[int, str], str] = {}
    for index, (title, workflow) in enumerate(_workflows(project)):
        lines.append(f'  subgraph w{index}["{_mermaid_text(title)}"]')
        for number, key in enumerate(sorted(workflow.graph.nodes)):
            node_id = f"w{index}_{number}"
            ids[(index, key)] = node_id
            job = workflow.job(key)
            label = _mermaid_text(_label(job))
            if job.is_approval:
                lines.append(f'    {node_id}{{{{"{label}"}}}}')
            elif job.deploy is not None:
                lines.append(f'    {node_id}[/"{label}"/]')
            else:
                lines.append(f'    {node_id}["{label}"]')
        lines.append("  end")
        for upstream, downstream in sorted(workflow.graph.edges):
            lines.append(f"  {ids[(index, upstream)]} --> {ids[(index, downstream)]}")
    for index, (_, workflow) in enumerate(_workflows(project)):
        for key in sorted(workflow.graph.nodes):
            job = workflow.job(key)
            node = ids[(index, key)]
            if job.is_approval:
                lines.append(f"  class {node} approval")
            elif job.deploy is not None:
                lines.append(f"  class {node} {'deploy' if job.deploy.production else 'preview'}")
    lines.append("  classDef approval fill:#fff3cd,stroke:#b8860b")
    lines.append("  classDef deploy fill:#f8d7da,stroke:#a00")
    lines.append("  classDef preview fill:#e2e3e5,stroke:#666")
    return "\n".join(lines) + "\n"


def _dot_id(text: str) -> str:
    return '"' + re.sub(r'(["\\])', r"\\\1", text) + '"'


def _dot(project: Project) -> str:
    lines = ["digraph cilint {", "  rankdir=LR;", "  node [shape=box];"]
    for index, (title, workflow) in enumerate(_workflows(project)):
        lines.append(f"  subgraph cluster_{index} {{")
        lines.append(f"    label={_dot_id(title)};")
        for key in sorted(workflow.graph.nodes):
            job = workflow.job(key)
            attrs = [f"label={_dot_id(_label(job))}"]
            if job.is_approval:
                attrs.append("shape=hexagon, style=filled, fillcolor=\"#fff3cd\"")
            elif job.deploy is not None:
                attrs.append("shape=parallelogram, style=filled, fillcolor=\"#f8d7da\"")
            lines.append(f"    {_dot_id(f'{index}:{key}')} [{', '.join(attrs)}];")
        for upstream, downstream in sorted(workflow.graph.edges):
            lines.append(f"    {_dot_id(f'{index}:{upstream}')} -> {_dot_id(f'{index}:{downstream}')};")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"
