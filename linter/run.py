"""`cilint check` from options to report and exit code, outside of click so tests can call it."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .exitcodes import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, UsageError
from .findings import Finding, level_rank
from .model import Project

if TYPE_CHECKING:
    from .config import Config
    from .engine import Rule


@dataclass
class CheckRequest:
    paths: list[Path]
    output_format: str = "text"
    config_path: Path | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: str = "warning"
    protection_files: list[Path] = field(default_factory=list)
    baseline: Path | None = None
    write_baseline: Path | None = None
    color: bool = False
    statistics: bool = False  # counts per rule instead of the findings (text formats)
    quiet: bool = False
    debug: bool = False
    sarif_category: str = "cilint"


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while the model is built and read, then as it was.

    The model is a large tree of small objects that holds almost no garbage cycles (the full
    collections of a check of 1,448 workflows found 10 objects), yet each generational pass
    traverses it again: 30% of the run time (2.9 s of 8.6 s), for the same peak RSS. Reference
    counting still frees everything that is not a cycle; inputs are bounded by the loaders' limits.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_for(
    paths: list[Path], config_path: Path | None, protection_files: list[Path]
) -> tuple[Project, Config]:
    """Configuration and project for these paths (UsageError for a bad config or path)."""
    with collector_paused():
        return _load_for(paths, config_path, protection_files)


def _load_for(
    paths: list[Path], config_path: Path | None, protection_files: list[Path]
) -> tuple[Project, Config]:
    from .config import ConfigError, load_config
    from .deploy import annotate_deploys
    from .project import LoadSettings, build_project

    missing = [str(p) for p in [*paths, *protection_files] if not p.exists()]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    start = paths[0] if paths else Path(".")
    try:
        config = load_config(config_path, start if start.is_dir() else start.parent)
    except ConfigError as exc:
        raise UsageError(str(exc)) from exc
    settings = LoadSettings(default_branch=config.default_branch, protection_files=protection_files)
    project = build_project(paths, settings)
    if config.protection is not None:
        project.protections.extend(config.protections(_relative(config.path, project.root)))
    project.protected_environments = config.protected_environments
    project.context_variables = dict(config.contexts)
    project.circleci_checks = config.circleci_checks or "status"
    annotate_deploys(project, config.deploy)
    return project, config


def _relative(path: Path | None, root: Path) -> str:
    if path is None:
        return ".cilint.yml"
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def select_rules(config: Config, select: list[str], ignore: list[str]) -> list[Rule]:
    """The rules to run: `--select` replaces the configuration's list, `--ignore` adds to it."""
    from .config import ConfigError
    from .engine import all_rules

    try:
        chosen = config.with_selection(select or None, ignore or None)
    except ConfigError as exc:
        raise UsageError(str(exc)) from exc
    return [rule for rule in [*all_rules(), *config.policy_rules] if chosen.enabled(rule)]


def run_check(request: CheckRequest) -> tuple[str, int]:
    with collector_paused():
        return _run_check(request)


def _run_check(request: CheckRequest) -> tuple[str, int]:
    from .engine import run_rules
    from .report import render

    project, config = load_for(request.paths, request.config_path, request.protection_files)
    rules = select_rules(config, request.select, request.ignore)
    options = {rule.id: config.options_for(rule.id) for rule in rules}
    levels = {rule.id: level for rule in rules if (level := config.level_for(rule.id))}
    result = run_rules(project, rules, options, levels, share=share_rules(project))
    findings = [f for f in result.findings if not config.ignored_for_path(f.rule_id, f.rule, f.span.path)]
    failed = {error.rule for error in result.errors}
    findings += _inline_suppressions(project, config, [r for r in rules if r.name not in failed], levels,
                                     findings)
    _baselines(findings, request)
    report = render(request.output_format, findings, project.files, rules, result.errors, color=request.color,
                    quiet=request.quiet, category=request.sarif_category, statistics=request.statistics)
    if result.errors:
        return report, EXIT_ERROR
    return report, exit_code(findings, request.fail_on)


# From this many jobs the rules take a tenth of a second or more (about 0.1 s for the 346 jobs of
# the largest corpus CircleCI config, 0.6 s for 5,000 jobs) and a second process running half of
# them saves more than the fork costs (about 6 ms). `CILINT_PROCESSES=1` keeps everything in one.
SHARE_FROM_JOBS = 300


def share_rules(project: Project) -> bool:
    """Whether to run the rules in two processes: a large project, and not told otherwise."""
    if os.environ.get("CILINT_PROCESSES", "").strip() == "1":
        return False
    jobs = 0
    for workflow in project.workflows():
        jobs += sum(1 for _ in workflow.jobs())
        if jobs >= SHARE_FROM_JOBS:
            return True
    return False


def _inline_suppressions(project: Project, config: Config, ran: list[Rule], levels: dict[str, str],
                         findings: list[Finding]) -> list[Finding]:
    """Apply `# cilint: ignore[...]` comments; the `unused-suppression` findings, when it runs.
    Per-path ignores come first: a comment made redundant by the configuration is unused."""
    from .engine import all_rules, fingerprint
    from .suppress import UNUSED_RULE_ID, apply_inline, unused_findings

    suppressions = apply_inline(project, findings)
    rule = next((r for r in ran if r.id == UNUSED_RULE_ID), None)
    if rule is None:
        return []
    unused = []
    for finding in unused_findings(suppressions, ran, [*all_rules(), *config.policy_rules]):
        finding.rule_id, finding.rule = rule.id, rule.name
        finding.level = levels.get(rule.id) or rule.level
        if not config.ignored_for_path(rule.id, rule.name, finding.span.path):
            unused.append(finding)
    fingerprint(project, unused)
    return unused


def _baselines(findings: list[Finding], request: CheckRequest) -> None:
    """`--write-baseline` records what is not suppressed inline (including what an older
    `--baseline` already holds) and then counts as the baseline of this run, so that writing one
    exits 0 (an older `--baseline` given with it is then superseded); `--baseline` turns recorded
    findings into `external` suppressions."""
    from .suppress import Baseline, BaselineError, apply_baseline, baseline_text, read_baseline

    if request.write_baseline is not None:
        try:
            request.write_baseline.write_text(baseline_text(findings), encoding="utf-8")
        except OSError as exc:
            reason = exc.strerror or exc
            raise UsageError(f"cannot write baseline {request.write_baseline}: {reason}") from exc
        written = Baseline(request.write_baseline, {f.fingerprint for f in findings if f.suppressed is None})
        apply_baseline(findings, written)
        if not request.quiet:
            print(f"cilint: recorded {len(written.fingerprints)} finding(s) in {request.write_baseline}",
                  file=sys.stderr)
    elif request.baseline is not None:
        try:
            baseline = read_baseline(request.baseline)
        except BaselineError as exc:
            raise UsageError(str(exc)) from exc
        apply_baseline(findings, baseline)
        if baseline.stale and not request.quiet:
            print(f"cilint: {baseline.stale} finding(s) recorded in {request.baseline} are gone; "
                  "`--write-baseline` records the current ones", file=sys.stderr)


def exit_code(findings: list[Finding], fail_on: str) -> int:
    threshold = level_rank(fail_on)
    active = (f for f in findings if f.suppressed is None)
    return EXIT_FINDINGS if any(level_rank(f.level or "error") >= threshold for f in active) else EXIT_OK
