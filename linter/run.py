"""`cilint check` from options to report and exit code, outside of click so tests can call it."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .exitcodes import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, UsageError
from .findings import Finding, level_rank
from .model import Project

if TYPE_CHECKING:
    from .config import Config
    from .engine import InternalError, Rule
    from .project import FilePart


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
    allow_no_files: bool = False  # exit 0, not 2, when the paths hold no pipeline file
    nested: bool = False  # also check every nested project, each on its own
    # Keep the checked projects referenced after the call (`cli`, when the process ends right
    # after it without the interpreter's teardown): freeing the model object by object when the
    # call returns takes 0.2 s for 1,448 workflows, for memory nothing uses any more.
    retain: bool = False


_RETAINED: list[object] = []  # (what `CheckRequest.retain` keeps)


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


def existing_paths(paths: list[Path], protection_files: list[Path]) -> list[Path]:
    """The paths that exist. A missing one among several is a warning on stderr (the others are
    checked: `check .github/ .circleci/` on a GitHub-only repository); all of them missing, or a
    missing `--protection` file, a usage error."""
    missing_protection = [str(p) for p in protection_files if not _exists(p)]
    if missing_protection:
        raise UsageError(f"no such file or directory: {', '.join(missing_protection)}")
    present = [p for p in paths if _exists(p)]
    missing = [str(p) for p in paths if not _exists(p)]
    if missing and not present:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    for path in missing:
        print(f"cilint: warning: no such file or directory: {path}; checking the other paths", file=sys.stderr)
    return present


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()  # a dangling link is reported by discovery


def load_for(
    paths: list[Path], config_path: Path | None, protection_files: list[Path],
    nested: list[Path] | None = None, part: FilePart | None = None, config: Config | None = None,
) -> tuple[Project, Config]:
    """Configuration and project for these paths (UsageError for a bad config or path); the roots
    of the nested projects discovery skipped are added to `nested`. `part`: only that share of
    the files (`split.py`), with the configuration already loaded (`config`)."""
    with collector_paused():
        return _load_for(paths, config_path, protection_files, nested, part, config)


def _load_for(
    paths: list[Path], config_path: Path | None, protection_files: list[Path], nested: list[Path] | None = None,
    part: FilePart | None = None, given: Config | None = None,
) -> tuple[Project, Config]:
    from .deploy import annotate_deploys
    from .project import LoadSettings, build_project

    paths = existing_paths(paths, protection_files)
    config = given or load_config_for(paths, config_path)
    settings = LoadSettings(default_branch=config.default_branch, protection_files=protection_files,
                            exclude=config.exclude, extend_exclude=config.extend_exclude)
    project = build_project(paths, settings, nested, part)
    if config.protection is not None:
        project.protections.extend(config.protections(_relative(config.path, project.root)))
    project.protected_environments = config.protected_environments
    project.context_variables = dict(config.contexts)
    project.circleci_checks = config.circleci_checks or "status"
    if config.circleci_fork_secrets:  # (imported here: a repository without CircleCI need not load it)
        from .load_circleci import fork_secrets

        fork_secrets(project, config.circleci_fork_secrets)
    annotate_deploys(project, config.deploy)
    return project, config


def load_config_for(paths: list[Path], config_path: Path | None) -> Config:
    """The configuration for these (existing) paths; UsageError for a bad one."""
    from .config import ConfigError, load_config

    start = paths[0] if paths else Path(".")
    try:
        return load_config(config_path, start if start.is_dir() else start.parent)
    except ConfigError as exc:
        raise UsageError(str(exc)) from exc


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


@dataclass
class _Checked:
    """One project's part of a run."""

    project: Project
    rules: list[Rule]
    findings: list[Finding]
    errors: list[InternalError]


def _run_check(request: CheckRequest) -> tuple[str, int]:
    from .project import project_groups
    from .report import render

    paths = existing_paths(request.paths, request.protection_files)
    # Each project on its own (as the platforms run them): the paths named, grouped by the
    # project they are in, then with `--nested` every nested project the walks came across.
    queue = project_groups(paths)
    seen = {root for root, _ in queue}
    checked: list[_Checked] = []
    nested: list[Path] = []
    while queue:
        _root, group = queue.pop(0)
        found: list[Path] = []
        checked.append(_check_project(request, group, found))
        for inner in found:
            if inner not in seen:
                nested.append(inner)
                if request.nested:
                    seen.add(inner)
                    queue.append((inner, [inner]))
    if len(checked) > 1:  # several projects: paths relative to one base, so that they stay unique
        base = _base([part.project.root for part in checked])
        for part in checked:
            _rebase(part, base)
    findings = sorted((f for part in checked for f in part.findings), key=lambda f: f.sort_key())
    files = sorted((f for part in checked for f in part.project.files), key=lambda f: f.path)
    errors = [e for part in checked for e in part.errors]
    rules = list({rule.id: rule for part in checked for rule in part.rules}.values())
    if not any(_holds_pipelines(part.project) for part in checked):
        _no_pipeline_file(request, paths, [] if request.nested else nested)
        if not request.allow_no_files:
            raise NoPipelineFiles()
    if request.retain:
        _RETAINED.append(checked)
    _baselines(findings, request)
    report = render(request.output_format, findings, files, rules, errors, color=request.color,
                    quiet=request.quiet, category=request.sarif_category, statistics=request.statistics)
    if errors:
        return report, EXIT_ERROR
    return report, exit_code(findings, request.fail_on)


class NoPipelineFiles(UsageError):
    """The paths hold no pipeline file (exit 2 unless `--allow-no-files`); the message is on
    stderr already."""

    def __init__(self) -> None:
        super().__init__("no pipeline file found; `--allow-no-files` exits 0 instead")


def _check_project(request: CheckRequest, paths: list[Path], nested: list[Path]) -> _Checked:
    from .engine import run_rules
    from .split import check_in_two

    def configure() -> tuple[Config, list[Rule]]:
        config = load_config_for(paths, request.config_path)
        return config, select_rules(config, request.select, request.ignore)

    def load(part: FilePart, into: list[Path] | None, config: Config) -> Project:
        return load_for(paths, request.config_path, [], into, part, config)[0]

    shared = None if request.protection_files else check_in_two(paths, nested, configure, load)
    if shared is not None:  # many files: loaded and checked half in a forked process
        project, config, rules, result = shared
    else:
        project, config = load_for(paths, request.config_path, request.protection_files, nested)
        rules = select_rules(config, request.select, request.ignore)
    levels = {rule.id: level for rule in rules if (level := config.level_for(rule.id))}
    if shared is None:
        options = {rule.id: config.options_for(rule.id) for rule in rules}
        result = run_rules(project, rules, options, levels, share=share_rules(project))
    findings = [f for f in result.findings if not config.ignored_for_path(f.rule_id, f.rule, f.span.path)]
    failed = {error.rule for error in result.errors}
    findings += _inline_suppressions(project, config, [r for r in rules if r.name not in failed], levels,
                                     findings)
    return _Checked(project, rules, findings, list(result.errors))


def _holds_pipelines(project: Project) -> bool:
    """Whether anything was checked: a file cilint reads, or a problem with one (a file it
    could not parse or read counts: that is a finding)."""
    return bool(project.problems) or any(f.platform != "unknown" for f in project.files)


def _no_pipeline_file(request: CheckRequest, paths: list[Path], nested: list[Path],
                      hint: str = "name them, or pass --nested to check each", done: str = "checked") -> None:
    named = " ".join(str(p) for p in paths) or "."
    lines = [f"cilint: no pipeline file found in {named} (GitHub Actions runs the repository root's "
             ".github/workflows/*.yml, CircleCI its .circleci/config.yml)"]
    if nested:
        shown = ", ".join(_shown(p) for p in sorted(nested)[:5]) + (", ..." if len(nested) > 5 else "")
        lines.append(f"cilint: {len(nested)} nested project(s) not {done} ({shown}): {hint}")
    if request.allow_no_files:
        lines.append("cilint: --allow-no-files: exiting 0")
    if not (request.quiet and request.allow_no_files):
        print("\n".join(lines), file=sys.stderr)


def load_one_project(paths: list[Path], config_path: Path | None, command: str) -> Project:
    """The one project `graph` and `inventory` show, found as `check` finds its projects: a
    missing path among several is a warning, all missing a usage error; paths in different
    projects (a nested project named beside its repository) a usage error, since each project is
    shown on its own; no pipeline file a usage error (exit 2) that names the nested projects
    skipped, as `check` says it."""
    from .project import project_groups

    present = existing_paths(paths, [])
    groups = project_groups(present)
    if len(groups) > 1:
        roots = ", ".join(_shown(root) for root, _ in groups)
        raise UsageError(f"`cilint {command}` shows one project at a time; these paths are in "
                         f"{len(groups)} projects ({roots}): run it once for each")
    nested: list[Path] = []
    project, _ = load_for(present, config_path, [], nested)
    if not _holds_pipelines(project):
        _no_pipeline_file(CheckRequest(paths=present), present, nested, hint=f"name one to {command} it", done="shown")
        raise NoPipelineFiles()
    return project


def _shown(path: Path) -> str:
    """A path relative to the current directory when inside it, else absolute."""
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return path.as_posix()


def _base(roots: list[Path]) -> Path:
    """Where the paths of several projects are relative to: the first project's root when the
    others are inside it (nested projects named or found with `--nested`: paths stay as they are
    in the repository), else the current directory."""
    first = roots[0].resolve()
    if all(first == root.resolve() or first in root.resolve().parents for root in roots):
        return first
    return Path.cwd().resolve()


def _rebase(part: _Checked, base: Path) -> None:
    """Prefix a project's paths with its root relative to `base` (absolute when outside it)."""
    root = part.project.root.resolve()
    prefix = root.relative_to(base).as_posix() if root == base or base in root.parents else root.as_posix()
    if prefix == ".":
        return
    for source_file in part.project.files:
        source_file.path = f"{prefix}/{source_file.path}"
    for finding in part.findings:
        finding.span = finding.span._replace(path=f"{prefix}/{finding.span.path}")
        finding.related = [(span._replace(path=f"{prefix}/{span.path}"), note) for span, note in finding.related]
        if finding.job is not None:
            finding.job = f"{prefix}/{finding.job}"
    part.errors = [replace(error, path=f"{prefix}/{error.path}") if error.path else error for error in part.errors]


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
