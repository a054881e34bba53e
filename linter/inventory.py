"""`cilint inventory`: what each pipeline runs, pulls in, reads and deploys, as text or JSON.

An audit starts from a list, not from findings: per pipeline file, the jobs; the container images
and the actions, reusable workflows and orbs it fetches, with how each is pinned; the secrets its
jobs read and where they come from; and what it deploys, behind which gates. Everything is taken
from the model; nothing is judged here (that is the rules' business) beyond naming the kind of pin.

Pins are named, not graded: `sha`, `exact` (orb `x.y.z`), `tag`, `branch`, `none`, `local`,
`run time` for references; `digest`, `version`, `partial`, `no version`, `floating`, `none`,
`run time` for images (the last meaning an expression only known when the pipeline runs).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .imageref import ImageRef, tag_kind
from .model import Image, JobRun, Pipeline, Project, Reference, SecretRef
from .printable import printable
from .secretnames import is_secret_name

INVENTORY_VERSION = 1

# (pattern of the ref after `@`, its kind), first match wins; orbs are told apart by `kind`.
_REFERENCE_PINS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}"), "sha"),
    (re.compile(r"([\w.-]*[-_])?v?\d+(\.\d+)*([-+.][0-9A-Za-z.-]+)?"), "tag"),
]
_ORB_PINS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\d+\.\d+\.\d+"), "exact"),
    (re.compile(r"\d+(\.\d+)?"), "tag"),
]
# pinned-images' classification of a tag, as the inventory names it
_IMAGE_TAG_KINDS = {
    "pinned": "version", "partial": "partial", "codename": "partial", "versionless": "no version",
    "floating": "floating",
}


def reference_pin(ref: Reference) -> str:
    if ref.local:
        return "local"
    if ref.version is None:
        return "none"
    if ref.dynamic:
        return "run time"
    table = _ORB_PINS if ref.kind == "orb" else _REFERENCE_PINS
    return next((kind for pattern, kind in table if pattern.fullmatch(ref.version)), "branch")


def image_pin(image: Image) -> str:
    if not image.resolved:
        return "run time"
    ref = ImageRef.parse(image.ref)
    if ref.digest:
        return "digest"
    if not ref.tag:
        return "none"
    return _IMAGE_TAG_KINDS.get(tag_kind(ref), "version")


# -- where a secret comes from -------------------------------------------------------------


def _github_source(project: Project, job: JobRun, ref: SecretRef) -> str:
    if ref.via == "inherit":
        return "every secret of the caller (`secrets: inherit`)"
    if ref.name.upper() == "GITHUB_TOKEN":
        return "GitHub: the run's automatic token"
    if job.environment is not None:
        return f"environment `{job.environment.value}`, else repository or organization secrets"
    return "repository or organization secrets"


def _circleci_source(project: Project, job: JobRun, ref: SecretRef) -> str:
    provides = {**job_pipeline_contexts(project, job), **project.context_variables}
    contexts = [c.value for c in job.contexts]
    known = [c for c in contexts if ref.name in provides.get(c, [])]
    if known:
        return ", ".join(f"context `{c}`" for c in known)
    unknown = [c for c in contexts if c not in provides]
    if unknown:
        names = ", ".join(f"`{c}`" for c in unknown)
        return f"context {names} (not described in the configuration), else project settings"
    return "project environment variables (no context provides it)"


def job_pipeline_contexts(project: Project, job: JobRun) -> dict[str, list[str]]:
    path = job.qualified.split(":", 1)[0]
    for pipeline in project.pipelines:
        if pipeline.path == path:
            return dict(pipeline.contexts_declared)
    return {}


def _is_secret(pipeline: Pipeline, project: Project, ref: SecretRef) -> bool:
    """GitHub names every secret it reads; CircleCI reads plain variables, of which the
    secret-like ones and those a described context provides are listed."""
    if pipeline.platform != "circleci":
        return True
    provided = {name for names in [*pipeline.contexts_declared.values(), *project.context_variables.values()]
                for name in names}
    return is_secret_name(ref.name) or ref.name in provided


_SOURCES: dict[str, Callable[[Project, JobRun, SecretRef], str]] = {
    "circleci": _circleci_source,
    "github": _github_source,
    "action": _github_source,
}


# -- the inventory ---------------------------------------------------------------------------


def _add(table: dict[tuple[Any, ...], dict[str, Any]], key: tuple[Any, ...], entry: dict[str, Any],
         job: str | None, line: int) -> None:
    item = table.setdefault(key, {**entry, "jobs": [], "lines": []})
    if job is not None and job not in item["jobs"]:
        item["jobs"].append(job)
    if line not in item["lines"]:
        item["lines"].append(line)


def _sorted(table: dict[tuple[Any, ...], dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries in key order (name first), their jobs and lines sorted."""
    return [dict(table[key], jobs=sorted(table[key]["jobs"]), lines=sorted(table[key]["lines"]))
            for key in sorted(table, key=lambda key: json.dumps(key))]


def _gates(project: Project, workflow_jobs: list[JobRun], job: JobRun) -> list[dict[str, Any]]:
    """Approval jobs before the deploy and environments on it or before it: what can hold a run
    for a human. `protected` is what the configuration says (null: it does not say)."""
    gates: list[dict[str, Any]] = []
    for other in [*workflow_jobs, job]:
        if other.is_approval and other is not job:
            gates.append({"kind": "approval", "job": other.name})
        elif other.environment is not None:
            protected = (None if project.protected_environments is None
                         else other.environment.value in project.protected_environments)
            gates.append({"kind": "environment", "job": other.name, "environment": other.environment.value,
                          "protected": protected})
    return gates


def pipeline_inventory(project: Project, pipeline: Pipeline) -> dict[str, Any]:
    images: dict[tuple[Any, ...], dict[str, Any]] = {}
    references: dict[tuple[Any, ...], dict[str, Any]] = {}
    secrets: dict[tuple[Any, ...], dict[str, Any]] = {}
    jobs: list[dict[str, Any]] = []
    deploys: list[dict[str, Any]] = []
    source = _SOURCES.get(pipeline.platform, _github_source)
    for ref in pipeline.references:
        entry = {"kind": ref.kind, "name": ref.name, "version": ref.version, "pin": reference_pin(ref),
                 "comment": ref.comment}
        _add(references, (ref.kind, ref.name, ref.version), entry, ref.job, ref.text.span.line)
    for image in pipeline.action_images:
        entry = {"image": image.ref, "kind": image.kind, "pin": image_pin(image)}
        _add(images, (image.ref, image.kind), entry, None, image.span.line)
    for workflow, job in ((w, w.job(key)) for w in pipeline.workflows for key in sorted(w.graph.nodes)):
        jobs.append({"job": job.qualified, "name": job.name, "workflow": workflow.name, "kind": job.kind,
                     "line": job.span.line, "contexts": [c.value for c in job.contexts],
                     "environment": job.environment.value if job.environment is not None else None})
        for image in job.images:
            entry = {"image": image.ref, "kind": image.kind, "pin": image_pin(image)}
            _add(images, (image.ref, image.kind), entry, job.qualified, image.span.line)
        for secret in job.secrets:
            if _is_secret(pipeline, project, secret):
                entry = {"name": secret.name, "source": source(project, job, secret)}
                _add(secrets, (secret.name, entry["source"]), entry, job.qualified, secret.span.line)
        if job.deploy is not None:
            deploys.append({
                "job": job.qualified, "target": job.deploy.target, "production": job.deploy.production,
                "evidence": [what for what, _ in job.deploy.evidence], "line": job.span.line,
                "gates": _gates(project, workflow.ancestors(job.key), job),
            })
    return {
        "path": pipeline.path, "platform": pipeline.platform, "name": pipeline.name,
        "jobs": sorted(jobs, key=lambda j: (j["workflow"], j["line"], j["job"])),
        "images": _sorted(images), "references": _sorted(references), "secrets": _sorted(secrets),
        "deploys": sorted(deploys, key=lambda d: (d["line"], d["job"])),
    }


def inventory(project: Project) -> dict[str, Any]:
    pipelines = sorted(project.pipelines, key=lambda p: p.path)
    return {"version": INVENTORY_VERSION, "pipelines": [pipeline_inventory(project, p) for p in pipelines]}


# -- text --------------------------------------------------------------------------------


def _short_job(qualified: str) -> str:
    """`<file>:<workflow>/<job>` as `<workflow>/<job>`: the file is the section's title."""
    return qualified.split(":", 1)[-1]


def _jobs_of(item: dict[str, Any]) -> str:
    """The jobs, or past a handful (an image every job runs in) how many and in which workflows."""
    jobs = list(dict.fromkeys(_short_job(job) for job in item["jobs"]))
    if len(jobs) <= 4:
        return ", ".join(jobs)
    workflows = dict.fromkeys(job.rsplit("/", 1)[0] for job in jobs)
    return f"{len(jobs)} jobs in {', '.join(workflows)}"


def _gate_text(gate: dict[str, Any]) -> str:
    if gate["kind"] == "approval":
        return f"approval `{gate['job']}`"
    state = {True: "protected", False: "not protected", None: "protection unknown"}[gate["protected"]]
    return f"environment `{gate['environment']}` ({state})"


def _rows(rows: list[list[str]]) -> list[str]:
    """Columns padded to their widest cell, the last one left ragged."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)] if rows else []
    padded = [[*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]] for row in rows]
    return [("    " + "  ".join(cells)).rstrip() for cells in padded]


def render_text(data: dict[str, Any]) -> str:
    lines: list[str] = []
    for pipeline in data["pipelines"]:
        lines.append(f"{pipeline['path']} ({pipeline['platform']})")
        workflows: dict[str, list[str]] = {}
        for job in pipeline["jobs"]:
            label = job["name"] + (f" [{job['kind']}]" if job["kind"] != "job" else "")
            workflows.setdefault(job["workflow"], [])
            if label not in workflows[job["workflow"]]:  # matrix legs share a name
                workflows[job["workflow"]].append(label)
        sections: list[tuple[str, list[list[str]]]] = [
            ("workflows and their jobs", [[f"{name}:", ", ".join(jobs)] for name, jobs in workflows.items()]),
            ("images", [[i["image"], i["pin"], _jobs_of(i)] for i in pipeline["images"]]),
            ("actions, workflows and orbs", [
                [f"{r['name']}@{r['version']}" if r["version"] else r["name"], r["kind"],
                 r["pin"] + (f" # {r['comment']}" if r["comment"] else ""), _jobs_of(r)]
                for r in pipeline["references"]]),
            ("secrets", [[s["name"], s["source"], _jobs_of(s)] for s in pipeline["secrets"]]),
            ("deploys", [
                [_short_job(d["job"]), f"-> {d['target']}" + (" (production)" if d["production"] else ""),
                 "gates: " + ("; ".join(_gate_text(g) for g in d["gates"]) or "none")]
                for d in pipeline["deploys"]]),
        ]
        for title, rows in sections:
            if rows:
                lines.append(f"  {title}:")
                lines.extend(_rows(rows))
    if not data["pipelines"]:
        lines.append("no pipelines found")
    return "\n".join(printable(line) for line in lines) + "\n"  # names come from the checked files


def render_inventory(project: Project, output_format: str) -> str:
    data = inventory(project)
    if output_format == "json":
        from .report import json_text  # as json.dumps writes it, controls and bidi escaped too

        return json_text(data, sort_keys=True) + "\n"
    return render_text(data)
