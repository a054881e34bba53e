"""Inline suppressions and baselines: how a repository with existing findings adopts cilint.

Inline: `# cilint: ignore[CIL101]` or `# cilint: ignore[warnings-as-errors, CIL102] -- reason`
on the line of a finding or on the line above it. Rules are named by id, by name, or `ALL`, in
any case. A suppressed finding is kept, marked `inSource` (SARIF shows it as dismissed, JSON as
`suppressed`), and does not count for the exit code.

A suppression that suppresses nothing is itself reported by the rule `unused-suppression`
(CIL003, a note), so that stale comments do not pile up; so are a `# cilint:` comment that cannot
be read and a suppression naming no rule. An entry is only called unused when every rule it names
ran: with `--select CIL101`, a suppression of CIL102 may well be needed and is left alone.

Baseline: `--write-baseline FILE` records the fingerprints of the current unsuppressed findings;
`--baseline FILE` marks findings whose fingerprint is recorded as `external` suppressions, so
only new findings are reported. Fingerprints hold no line numbers (see `engine.fingerprint`), so
a baseline survives lines added above a finding; the file holds no line numbers either, so that
writing it again after unrelated edits gives the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .findings import Finding
from .model import Project, Span

if TYPE_CHECKING:
    from .engine import Rule

UNUSED_RULE_ID = "CIL003"
BASELINE_VERSION = 1

# `# cilint:` starts a directive; only a comment counts (after the start of the line or a blank),
# not the same characters inside a quoted value.
_DIRECTIVE = re.compile(r"(?:^|(?<=\s))#\s*cilint\s*:")
_IGNORE = re.compile(r"#\s*cilint\s*:\s*ignore\[(?P<keys>[^\]]*)\](?:\s*--\s*(?P<reason>.*\S))?\s*$")
_KEY = re.compile(r"[^,\s]+")


@dataclass
class Entry:
    """One rule key of a suppression comment, with its columns (1-based, end exclusive)."""

    key: str
    column: int
    end_column: int
    used: bool = False


@dataclass
class Suppression:
    path: str
    line: int
    column: int  # of the `#`
    end_column: int
    entries: list[Entry]
    reason: str
    malformed: bool = False

    def span(self) -> Span:
        return Span(self.path, self.line, self.column, self.line, self.end_column)


def parse_suppressions(project: Project) -> list[Suppression]:
    """Every `# cilint:` comment of the files being checked, in file and line order."""
    found: list[Suppression] = []
    for source in sorted(project.files, key=lambda file: file.path):
        if "cilint" not in source.text:
            continue
        for number, line in enumerate(source.lines, start=1):
            directive = _DIRECTIVE.search(line)
            if directive is None:
                continue
            start = directive.start()
            match = _IGNORE.match(line, start)
            end = len(line.rstrip()) + 1
            if match is None or not match.group("keys").strip():
                found.append(Suppression(source.path, number, start + 1, end, [], "", malformed=True))
                continue
            offset = match.start("keys")
            entries = [Entry(key.group(0), offset + key.start() + 1, offset + key.end() + 1)
                       for key in _KEY.finditer(match.group("keys"))]
            reason = match.group("reason") or ""
            found.append(Suppression(source.path, number, start + 1, end, entries, reason))
    return found


def _key_names(key: str, rule_id: str, rule_name: str) -> bool:
    """Whether a suppression key names the rule: `ALL`, its id or its name, in any case (as
    `cilint explain` reads them)."""
    return key.lower() in ("all", rule_id.lower(), rule_name)


def _names(key: str, finding: Finding) -> bool:
    return _key_names(key, finding.rule_id, finding.rule)


def apply_inline(project: Project, findings: list[Finding]) -> list[Suppression]:
    """Mark the findings an inline comment suppresses; returns the comments, entries marked used."""
    suppressions = parse_suppressions(project)
    by_line: dict[tuple[str, int], list[Suppression]] = {}
    for suppression in suppressions:
        by_line.setdefault((suppression.path, suppression.line), []).append(suppression)
    for finding in findings:
        if finding.suppressed is not None:
            continue
        # the finding's own line first, so that a trailing comment wins over the line above
        for line in (finding.span.line, finding.span.line - 1):
            entry, reason = _matching(by_line.get((finding.span.path, line), []), finding)
            if entry is not None:
                entry.used = True
                finding.suppressed = "inSource"
                finding.justification = reason
                break
    return suppressions


def _matching(candidates: list[Suppression], finding: Finding) -> tuple[Entry | None, str]:
    for suppression in candidates:
        for entry in suppression.entries:
            if _names(entry.key, finding):
                return entry, suppression.reason
    return None, ""


def unused_findings(
    suppressions: list[Suppression], ran: Iterable[Rule], known: Iterable[Rule]
) -> list[Finding]:
    """`unused-suppression` findings (rule id, name and level left to the caller) for comments
    that cannot be read, name no rule, or suppressed nothing although every rule they name ran."""
    ran_ids = {rule.id for rule in ran}
    known_rules = list(known)
    out: list[Finding] = []
    for suppression in suppressions:
        if suppression.malformed:
            out.append(Finding(
                "this `# cilint:` comment is not a suppression cilint can read: write "
                "`# cilint: ignore[RULE, ...] -- reason` with rule ids or names", suppression.span()))
            continue
        for entry in suppression.entries:
            if entry.used:
                continue
            span = Span(suppression.path, suppression.line, entry.column, suppression.line, entry.end_column)
            named = [rule.id for rule in known_rules if _key_names(entry.key, rule.id, rule.name)]
            if not named:
                out.append(Finding(f"suppression names `{entry.key}`, which is no rule: `cilint rules` lists "
                                   "them; fix the name or remove it", span))
            elif all(rule_id in ran_ids for rule_id in named):
                out.append(Finding(f"suppression of `{entry.key}` is unused: no such finding on this line "
                                   "or the next; remove it", span))
    return out


# -- baselines ---------------------------------------------------------------------------


@dataclass
class Baseline:
    path: Path
    fingerprints: set[str] = field(default_factory=set)
    matched: set[str] = field(default_factory=set)

    @property
    def stale(self) -> int:
        """Recorded findings that are gone (fixed, or changed beyond recognition)."""
        return len(self.fingerprints - self.matched)


class BaselineError(Exception):
    """The baseline file cannot be read; the command line turns it into a usage error."""


def read_baseline(path: Path) -> Baseline:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise BaselineError(f"baseline {path} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise BaselineError(f"baseline {path} is not a cilint baseline (version {BASELINE_VERSION})")
    entries = data.get("findings")
    if not isinstance(entries, list) or not all(
        isinstance(entry, dict) and isinstance(entry.get("fingerprint"), str) for entry in entries
    ):
        raise BaselineError(f"baseline {path}: `findings` must be a list of objects with a `fingerprint`")
    return Baseline(path, {entry["fingerprint"] for entry in entries})


def apply_baseline(findings: list[Finding], baseline: Baseline) -> None:
    """Mark findings the baseline records as `external` suppressions."""
    for finding in findings:
        if finding.suppressed is None and finding.fingerprint in baseline.fingerprints:
            finding.suppressed = "external"
            finding.justification = f"recorded in the baseline {baseline.path.name}"
            baseline.matched.add(finding.fingerprint)


def baseline_text(findings: list[Finding]) -> str:
    """The baseline of these findings: the unsuppressed ones, sorted, without line numbers."""
    entries = sorted(
        ({"fingerprint": f.fingerprint, "rule_id": f.rule_id, "rule": f.rule, "path": f.span.path,
          "message": f.message} for f in findings if f.suppressed is None),
        key=lambda entry: (entry["path"], entry["rule_id"], entry["fingerprint"]),
    )
    document = {"version": BASELINE_VERSION, "tool": "cilint", "findings": entries}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
