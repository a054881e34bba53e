"""The JSON view of the model (version 1): what `cilint graph --format json` prints and what
declarative policies select from with JSONPath. Documented in docs/model.md.

Every model dataclass becomes an object with the same field names; a `Span` becomes
`{"path", "line", "column", "end_line", "end_column"}`; a workflow's graph becomes `jobs` (in
key order) and `edges` (`[upstream, downstream]` pairs). Back references are left out.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .model import Project, Span, Workflow

VIEW_VERSION = 1
_SKIP = {"pipeline", "graph", "text"}  # back references, the graph itself, file contents


def to_json(value: Any) -> Any:
    if isinstance(value, Span):
        return {"path": value.path, "line": value.line, "column": value.column,
                "end_line": value.end_line, "end_column": value.end_column}
    if isinstance(value, Workflow):
        data = _fields(value)
        data["jobs"] = [to_json(value.job(key)) for key in sorted(value.graph.nodes)]
        data["edges"] = sorted([list(edge) for edge in value.graph.edges])
        return data
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields(value)
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value if not isinstance(value, str) else str(value)
    return str(value)


def _fields(value: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for item in dataclasses.fields(value):
        if item.name in _SKIP:
            continue
        data[item.name] = to_json(getattr(value, item.name))
    return data


def project_view(project: Project) -> dict[str, Any]:
    return {
        "version": VIEW_VERSION,
        "root": ".",
        "default_branch": project.default_branch,
        "files": [{"path": f.path, "platform": f.platform} for f in project.files],
        "pipelines": [to_json(p) for p in project.pipelines],
        "protections": [to_json(p) for p in project.protections],
        "links": [{"upstream": link.upstream.pipeline.path, "downstream": link.downstream.pipeline.path,
                   "trigger": to_json(link.trigger)} for link in project.links],
        "problems": [to_json(p) for p in project.problems],
    }
