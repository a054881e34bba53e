"""The rule registry and runner.

A rule is a module (see `rules/`) with the attributes of `ruleapi.RuleModule`: `ID`, `NAME`, `LEVEL`,
`SUMMARY`, `OPTIONS` (name -> default), `TAGS`, `SECURITY_SEVERITY`, `PRECISION`, a docstring that is
its documentation, and `check(project, options)`, a generator of `Finding`s. Built-in rules are
listed in `rules/__init__.py`; third-party rules are modules (or objects with the same attributes)
registered under the entry-point group `cilint.rules`, checked against `RuleModule` when loaded.

A plug-in is loaded only when named, by the configuration's `plugins` list or `--plugin` (its
entry-point name): installing a distribution is not consent to run its code on every check, and
the repository being checked must not bring plug-ins of its own (docs/security.md). Loaded plug-ins
stay registered for the rest of the process.
"""

from __future__ import annotations

import hashlib
import inspect
import re
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from .findings import Finding, level_rank
from .limits import MAX_FINGERPRINT_LINE_CHARS
from .model import ProblemKind, Project, Span
from .printable import clip
from .ruleapi import RuleModule, RuleShapeError, plugin_rule

ENTRY_POINT_GROUP = "cilint.rules"
# Related locations kept per finding (docs/limits.md): the first ones, the last one (where the path
# ends: the deploy, the step), and a count of the others on the last kept before it.
MAX_RELATED = 20
# Characters of a message or related label (docs/limits.md); rules quote values cut shorter
# (`printable.clip`), this is the backstop: a value quoted whole must not be copied into every leg.
MAX_MESSAGE = 2_000


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    level: str
    summary: str
    doc: str
    options: dict[str, Any]
    check: Callable[[Project, dict[str, Any]], Iterator[Finding]]
    tags: tuple[str, ...] = ()
    security_severity: str | None = None
    precision: str = "high"
    help_uri: str | None = None  # None: the rule's page, docs/rules/<name>.md (policies name their own)
    levels: tuple[str, ...] = ()  # every level its findings take, `level` first (empty: only `level`)


@dataclass
class InternalError:
    rule: str
    path: str
    message: str


def _rule_from(module: RuleModule) -> Rule:
    return Rule(
        id=module.ID,
        name=module.NAME,
        level=module.LEVEL,
        summary=module.SUMMARY,
        doc=inspect.cleandoc(module.__doc__ or ""),
        options=dict(module.OPTIONS),
        check=module.check,
        tags=tuple(module.TAGS),
        security_severity=module.SECURITY_SEVERITY,
        precision=module.PRECISION,
        levels=tuple(module.LEVELS),
    )


_RULES: list[Rule] | None = None


_PLUGINS: dict[str, Rule | None] = {}  # entry-point name -> its rule (None: it failed to load)


def all_rules() -> list[Rule]:
    """Built-in rules, then the plug-ins loaded so far (`load_plugins`), sorted by id."""
    global _RULES
    if _RULES is None:
        from ..rules import BUILTIN

        rules = [_rule_from(module) for module in BUILTIN]
        rules.extend(rule for rule in _PLUGINS.values() if rule is not None)
        _RULES = sorted(rules, key=lambda rule: rule.id)
    return _RULES


def load_plugins(names: Iterable[str]) -> list[str]:
    """Load the rule plug-ins of these entry-point names (group `cilint.rules`) into the registry;
    the names no installed distribution registers are returned (the caller refuses them). A plug-in
    that fails to load, or is not a rule, is said on stderr and the others still run."""
    global _RULES
    wanted = [name for name in dict.fromkeys(names) if name not in _PLUGINS]
    if not wanted:
        return []
    import sys
    from importlib.metadata import entry_points

    available = {entry.name: entry for entry in entry_points(group=ENTRY_POINT_GROUP)}
    missing: list[str] = []
    for name in wanted:
        entry = available.get(name)
        if entry is None:
            missing.append(name)
            continue
        _PLUGINS[name] = None
        try:
            _PLUGINS[name] = _rule_from(plugin_rule(entry.load()))
        except RuleShapeError as exc:
            print(f"cilint: rule plug-in {entry.name} ({entry.value}) is not a rule: {exc}", file=sys.stderr)
        except Exception as exc:  # a broken plug-in must not stop the built-in rules
            print(f"cilint: could not load rule plug-in {entry.name}: {exc}", file=sys.stderr)
    _RULES = None
    return missing


def find_rule(key: str) -> Rule | None:
    for rule in all_rules():
        if key in (rule.id, rule.name):
            return rule
    return None


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[InternalError] = field(default_factory=list)


def run_rules(
    project: Project,
    rules: list[Rule],
    options: dict[str, dict[str, Any]],
    levels: dict[str, str],
    share: bool = False,
) -> RunResult:
    """Run each rule; an exception in one is contained and reported, the others still run.

    `share`: run them in two processes (see `share.py`), for a project large enough to pay for
    the fork. The findings are the same and in the same order either way.
    """
    result = rule_findings(project, rules, options, levels, share)
    return finish_findings(project, result, lambda: job_spans(project))


def rule_findings(
    project: Project,
    rules: list[Rule],
    options: dict[str, dict[str, Any]],
    levels: dict[str, str],
    share: bool = False,
) -> RunResult:
    """What `run_rules` finds before grouping: each rule's findings, in rule order."""
    result = RunResult()
    # A file a loader failed on (project.INTERNAL_ERROR): reported like a rule's failure.
    result.errors.extend(InternalError("loader", p.span.path, p.message)
                         for p in project.problems if p.kind == ProblemKind.INTERNAL)

    def run(index: int) -> tuple[list[Finding], InternalError | None]:
        return _run_rule(project, rules[index], options, levels)

    if share:
        from .share import in_two_processes

        slow_first = [index for slow in _SLOW_RULES for index, rule in enumerate(rules) if rule.id == slow]
        outcomes = in_two_processes(run, len(rules), first=slow_first)
    else:
        outcomes = [run(index) for index in range(len(rules))]
    for findings, error in outcomes:
        result.findings.extend(findings)
        if error is not None:
            result.errors.append(error)
    return result


def finish_findings(project: Project, result: RunResult, spans_of: Callable[[], dict[str, Span]]) -> RunResult:
    """The rules' findings grouped by place, fingerprinted and sorted (`spans_of`: where each
    qualified job is, asked for only when a group has several members)."""
    groups = group_findings(result.findings)
    fingerprint(project, [members[0] for members in groups])  # as the first one, ungrouped, had it
    spans = spans_of() if any(len(members) > 1 for members in groups) else {}
    result.findings = [merge_group(members, spans) for members in groups]
    result.findings.sort(key=Finding.sort_key)
    return result


# The rules that take longest on large projects, slowest first (in-process on the 1,448 corpus
# workflows: 0.31, 0.16, 0.14 and 0.13 s; on the 5,000-job CircleCI config CIL101 0.21, CIL108
# 0.20, CIL104 0.13 s; the others 0.06 s or less): handed out first when shared. CIL108 left to
# its place in rule order went last to one process while the other was idle.
_SLOW_RULES = ("CIL104", "CIL108", "CIL101", "CIL103")


def _run_rule(project: Project, rule: Rule, options: dict[str, dict[str, Any]],
              levels: dict[str, str]) -> tuple[list[Finding], InternalError | None]:
    """The findings of one rule, or what it found before it failed and its failure."""
    findings: list[Finding] = []
    rule_options = {**rule.options, **options.get(rule.id, {})}
    try:
        for finding in rule.check(project, rule_options):
            finding.rule_id = rule.id
            finding.rule = rule.name
            finding.level = levels.get(rule.id) or finding.level or rule.level
            if len(finding.related) > MAX_RELATED:
                finding.related = capped_related(finding.related)
            if len(finding.message) > MAX_MESSAGE or any(len(label) > MAX_MESSAGE for _, label in finding.related):
                finding.message = clip(finding.message, MAX_MESSAGE)
                finding.related = [(span, clip(label, MAX_MESSAGE)) for span, label in finding.related]
            findings.append(finding)
    except Exception as exc:
        frames = traceback.extract_tb(exc.__traceback__)
        where = frames[-1] if frames else None
        path = _path_in_progress(exc.__traceback__)
        detail = f"{type(exc).__name__}: {exc}"
        if where is not None:
            detail += f" ({where.filename.rsplit('/', 1)[-1]}:{where.lineno})"
        return findings, InternalError(rule.name, path, detail)
    return findings, None


def capped_related(related: list[tuple[Span, str]]) -> list[tuple[Span, str]]:
    """At most MAX_RELATED locations: the first MAX_RELATED - 1 and the last, the count of those
    left out added to the label of the last one kept before it."""
    left_out = len(related) - MAX_RELATED
    kept = related[: MAX_RELATED - 1]
    span, label = kept[-1]
    kept[-1] = (span, f"{label} (... and {left_out} more)")
    return [*kept, related[-1]]


def _path_in_progress(tb: TracebackType | None) -> str:
    """The file a rule was looking at when it failed: the innermost frame holding a pipeline,
    job, step or finding (anything with a `path` or a `span`)."""
    path = "<project>"
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            span = getattr(value, "span", None)
            candidate = getattr(value, "path", None) or getattr(span, "path", None)
            if isinstance(candidate, str):
                path = candidate
                break
        tb = tb.tb_next
    return path


_NUMBERS = re.compile(r"\b\d+\b")


def fingerprint(project: Project, findings: list[Finding]) -> None:
    """A fingerprint that survives lines added above: the rule, file, job, message with numbers
    removed and the text of the flagged line, plus an occurrence count among identical ones. A
    line longer than MAX_FINGERPRINT_LINE_CHARS counts by its own digest, taken once: hashing
    it again for each of its findings would take time quadratic in its length."""
    seen: dict[str, int] = {}
    long_lines: dict[tuple[str, int], str] = {}
    for finding in sorted(findings, key=Finding.sort_key):
        source = project.file(finding.span.path)
        line = ""
        if source is not None and 0 < finding.span.line <= len(source.lines):
            line = source.lines[finding.span.line - 1]
            if len(line) > MAX_FINGERPRINT_LINE_CHARS:  # (a JSON file of rulesets is one line)
                key = (finding.span.path, finding.span.line)
                if key not in long_lines:
                    long_lines[key] = hashlib.sha256(line.strip().encode()).hexdigest()
                line = long_lines[key]
            else:
                line = line.strip()
        basis = "\0".join(
            (finding.rule_id, finding.span.path, finding.job or "", _NUMBERS.sub("#", finding.message), line)
        )
        digest = hashlib.sha256(basis.encode()).hexdigest()[:16]
        count = seen.get(digest, 0)
        seen[digest] = count + 1
        finding.fingerprint = f"{digest}:{count + 1}"


# One finding per place. A rule that walks every job run reaches a step of a composite action, of a
# reusable workflow or of a matrix job once per run: the same rule, place and cause reached through
# N matrix legs or N calling jobs is one finding, whose message says in how many jobs.

_JOB_MARK = "\0job\0"
# Related locations a grouped finding keeps: its first member's, then those of the others and the
# other jobs, up to this many.
MAX_GROUP_RELATED = 10
# Job names a grouped message lists before "and N more".
_LISTED_JOBS = 3


def _cause(finding: Finding) -> str:
    """The message with the finding's own job name taken out: findings of one rule at one place
    whose messages differ only by the job they name have one cause."""
    if not finding.job:
        return finding.message
    # `<file>:<workflow>/<job>`; workflow and job names may hold `/` (orb jobs): try each tail,
    # longest first, and take out the first the message names.
    display = finding.job.partition(":")[2] or finding.job
    tails = [display[i + 1:] for i, char in enumerate(display) if char == "/"]
    for name in [display, *tails]:
        if name:
            starts = _whole_name_at(finding.message, name)
            if starts:
                return _marked(finding.message, name, starts)
    return finding.message


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"  # what `\w` matches


def _whole_name_at(text: str, name: str) -> list[int]:
    r"""Where `name` stands in `text` as a whole name, as `(?<![\w./-])name(?![\w/-])` matches it
    (left to right, without overlaps), found without compiling a pattern per finding: a project
    with thousands of findings would spend most of its time in `re.compile` (the cache holds 512)."""
    starts: list[int] = []
    at = text.find(name)
    while at >= 0:
        end = at + len(name)
        before = text[at - 1] if at else ""
        after = text[end] if end < len(text) else ""
        if not (before and (_word(before) or before in "./-")) and not (after and (_word(after) or after in "/-")):
            starts.append(at)
            at = text.find(name, end)
        else:
            at = text.find(name, at + 1)
    return starts


def _marked(text: str, name: str, starts: list[int]) -> str:
    out, last = [], 0
    for at in starts:
        out.append(text[last:at])
        out.append(_JOB_MARK)
        last = at + len(name)
    out.append(text[last:])
    return "".join(out)


def group_findings(findings: list[Finding]) -> list[list[Finding]]:
    """Findings of one rule at one place (path, line, column) with one cause, each group's
    members sorted by job (findings without one last), groups in the findings' order."""
    groups: dict[tuple[str, str, int, int, str], list[Finding]] = {}
    for finding in findings:
        span = finding.span
        key = (finding.rule_id, span.path, span.line, span.column, _cause(finding))
        groups.setdefault(key, []).append(finding)
    for members in groups.values():
        members.sort(key=lambda f: (f.job is None, f.job or "", f.message))
    return list(groups.values())


def merge_group(members: list[Finding], job_spans: dict[str, Span]) -> Finding:
    """The group's one finding: its first member (the first job sorted), with the highest level
    of the group, the related locations of all and of the other jobs (`job_spans`: qualified job ->
    where it is), de-duplicated and bounded, and, when more than one
    job run reached the place, a message that says how many and names a few."""
    first = members[0]
    if len(members) == 1:
        return first
    runs = [member.job for member in members if member.job]
    jobs = sorted(set(runs))
    first.level = max((member.level or "error" for member in members), key=level_rank)
    related: list[tuple[Span, str]] = []
    seen: set[tuple[Span, str]] = set()
    extra = [(span, f"also reached in job `{_display(job)}`")
             for job in jobs[1:] if (span := job_spans.get(job)) is not None]
    for entry in [item for member in members for item in member.related] + extra:
        if entry not in seen and len(related) < MAX_GROUP_RELATED:
            seen.add(entry)
            related.append(entry)
    first.related = related
    if len(runs) > 1:
        first.message = f"{first.message} ({_how_many(len(runs), jobs)})"
    return first


def _how_many(runs: int, jobs: list[str]) -> str:
    """`in 4 jobs: `a`, `b`, `c` and 1 more`; `in 26 job runs of `w/j``; `in 362 job runs of 101
    jobs: ...` (GitHub matrix legs share their job's name; CircleCI's have their own)."""
    names = ", ".join(f"`{_display(job)}`" for job in jobs[:_LISTED_JOBS])
    if len(jobs) > _LISTED_JOBS:
        names += f" and {len(jobs) - _LISTED_JOBS} more"
    if len(jobs) == 1:
        return f"in {runs} job runs of {names}"
    if runs == len(jobs):
        return f"in {runs} jobs: {names}"
    return f"in {runs} job runs of {len(jobs)} jobs: {names}"


def _display(job: str) -> str:
    """A qualified job name without its file: `<workflow>/<job>`."""
    return job.partition(":")[2] or job


def job_spans(project: Project) -> dict[str, Span]:
    """Where each qualified job is (its first run): a job of a called workflow, where it is called."""
    spans: dict[str, Span] = {}
    for workflow in project.workflows():
        for job in workflow.jobs():
            where = job.span
            if job.caller is not None and job.caller in workflow.dag.nodes:
                where = workflow.job(job.caller).span
            spans.setdefault(job.qualified, where)
    return spans
