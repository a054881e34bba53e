"""Inline suppressions and baselines.

Inline: `# cilint: ignore[CIL101]` or `# cilint: ignore[warnings-as-errors, CIL102] -- reason`
on the line of a finding or on the line above it. A suppressed finding is kept, marked
`inSource` (SARIF shows it as dismissed) and does not count for the exit code.

Baseline: `--write-baseline FILE` records the fingerprints of the current findings;
`--baseline FILE` marks findings whose fingerprint is recorded as `external` suppressions.
Fingerprints do not contain line numbers, so a baseline survives lines added above a finding.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .findings import Finding
from .model import Project

_INLINE = re.compile(r"#\s*cilint:\s*ignore\[([^\]]*)\](?:\s*--\s*(.*\S))?")


def inline_suppressions(project: Project) -> dict[tuple[str, int], tuple[set[str], str]]:
    """(path, line) -> (rule ids/names, reason) for every suppression comment."""
    found: dict[tuple[str, int], tuple[set[str], str]] = {}
    for source in project.files:
        if "cilint:" not in source.text:
            continue
        for number, line in enumerate(source.lines, start=1):
            match = _INLINE.search(line)
            if match:
                rules = {r.strip() for r in match.group(1).split(",") if r.strip()}
                found[(source.path, number)] = (rules, match.group(2) or "")
    return found


def apply_suppressions(
    project: Project, findings: list[Finding], baseline: Path | None, write_baseline: Path | None
) -> list[Finding]:
    comments = inline_suppressions(project)
    for finding in findings:
        for line in (finding.span.line, finding.span.line - 1):
            entry = comments.get((finding.span.path, line))
            if entry and ({finding.rule_id, finding.rule} & entry[0] or "all" in entry[0]):
                finding.suppressed = "inSource"
                finding.justification = entry[1]
                break
    if baseline is not None:
        known = read_baseline(baseline)
        for finding in findings:
            if finding.suppressed is None and finding.fingerprint in known:
                finding.suppressed = "external"
                finding.justification = "in baseline"
    if write_baseline is not None:
        entries = sorted(
            (f.fingerprint, f.rule_id, f.span.path, f.message) for f in findings if f.suppressed is None
        )
        data = {"version": 1, "findings": [
            {"fingerprint": fp, "rule_id": rule, "path": path, "message": message}
            for fp, rule, path, message in entries
        ]}
        write_baseline.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return findings


def read_baseline(path: Path) -> set[str]:
    from .cli import UsageError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {entry["fingerprint"] for entry in data["findings"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"cannot read baseline {path}: {exc}") from exc
