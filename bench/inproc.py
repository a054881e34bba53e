"""cilint's phases, measured in-process on the real code path of `cilint check`.

`measure(directory)` runs `cilint.linter.run.run_check` (what the CLI runs, minus click and
writing the output) with timing wrappers around the functions the phases consist of:

* parse:    `yamlsrc.decode` + `yamlsrc.load` (composing YAML) of every file (reading the bytes,
            ~0.05 s for 1,400 files from the page cache, is left in model);
* model:    `project.build_project` minus parse, plus `deploy.annotate_deploys`;
* rules:    `engine.run_rules` (also timed per rule; the rest is fingerprinting and sorting);
* suppress: `suppress.apply_suppressions` (or `apply_inline`/`unused_findings`/`apply_baseline`);
* report:   `report.render`;
* other:    the rest of `run_check` (configuration, rule selection, per-path ignores).

`gc` is the time the cyclic garbage collector ran during the check (part of the phases, since a
collection runs inside whatever allocates).

Modules the CLI imports lazily (loaders, rules, networkx, ...) are imported first and timed as
`import`, so the phases measure work, not imports. The wrappers patch module attributes, which
works because `run_check` and `build_project` look these functions up at call time; if a refactor
bypasses a wrapper its phase reads 0 and the time shows up in `other`.
"""

from __future__ import annotations

import dataclasses
import gc
import resource
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

perf = time.perf_counter


def _import_all() -> float:
    start = perf()
    import cilint.linter.cli
    import cilint.linter.config
    import cilint.linter.deploy
    import cilint.linter.load_circleci
    import cilint.linter.load_github
    import cilint.linter.load_protection
    import cilint.linter.report
    import cilint.linter.run
    import cilint.linter.suppress  # noqa: F401
    from cilint.linter.engine import all_rules

    all_rules()
    return perf() - start


class _Timers:
    def __init__(self) -> None:
        self.total: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.rules: dict[str, float] = defaultdict(float)
        self.findings_per_rule: dict[str, int] = defaultdict(int)
        self.depth: dict[str, int] = defaultdict(int)
        self.missing: list[str] = []

    def wrap(self, module: Any, name: str, key: str) -> Callable[[], None]:
        """Time calls of `module.name` into `key` (nested calls under the same key count once);
        a function that no longer exists is noted in `missing` and left alone."""
        original = getattr(module, name, None)
        if original is None:
            self.missing.append(f"{module.__name__}.{name}")
            return lambda: None
        depth = self.depth

        def timed(*args: Any, **kwargs: Any) -> Any:
            if depth[key]:
                return original(*args, **kwargs)
            depth[key] += 1
            start = perf()
            try:
                return original(*args, **kwargs)
            finally:
                depth[key] -= 1
                self.total[key] += perf() - start
                self.calls[key] += 1

        setattr(module, name, timed)
        return lambda: setattr(module, name, original)


def _timed_check(timers: _Timers, rule_id: str, check: Callable[..., Any]) -> Callable[..., Iterator[Any]]:
    def wrapped(project: Any, options: dict[str, Any]) -> Iterator[Any]:
        start = perf()
        iterator = iter(check(project, options))
        timers.rules[rule_id] += perf() - start
        while True:
            start = perf()
            try:
                finding = next(iterator)
            except StopIteration:
                timers.rules[rule_id] += perf() - start
                return
            timers.rules[rule_id] += perf() - start
            timers.findings_per_rule[rule_id] += 1
            yield finding

    return wrapped


def _peak_rss_kb() -> int:
    """This process's peak RSS. `/proc/self/status` VmHWM counts only since exec; ru_maxrss also
    counts the parent's memory at fork time (the benchmark's own, which can be large)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(directory: Path, output_format: str = "json", trace_memory: bool = False) -> dict[str, Any]:
    """Run `cilint check --format <output_format> <directory>` in-process; the phases in seconds."""
    import_s = _import_all()

    from cilint.linter import deploy, engine, project, report, run, suppress, yamlsrc

    timers = _Timers()
    undo = [
        timers.wrap(yamlsrc, "decode", "decode"),
        timers.wrap(yamlsrc, "load", "compose"),
        timers.wrap(project, "build_project", "build_project"),
        timers.wrap(deploy, "annotate_deploys", "annotate_deploys"),
        timers.wrap(engine, "run_rules", "run_rules"),
        # suppressions: the entry points of the older and the newer suppress module
        *(
            timers.wrap(suppress, name, "suppress")
            for name in ("apply_suppressions", "apply_inline", "unused_findings", "apply_baseline")
            if hasattr(suppress, name)
        ),
        timers.wrap(report, "render", "render"),
    ]
    original_all_rules = engine.all_rules

    def all_rules_timed() -> list[Any]:
        return [
            dataclasses.replace(rule, check=_timed_check(timers, rule.id, rule.check))
            for rule in original_all_rules()
        ]

    setattr(engine, "all_rules", all_rules_timed)  # noqa: B010 - a stand-in for the timing
    undo.append(lambda: setattr(engine, "all_rules", original_all_rules))

    # Time in the cyclic garbage collector (it runs inside whatever phase allocates; shown apart).
    collections = [0, 0, 0]
    gc_time = [0.0, 0.0]  # total, start of the current collection

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            gc_time[1] = perf()
        else:
            gc_time[0] += perf() - gc_time[1]
            collections[info["generation"]] += 1

    gc.callbacks.append(on_gc)
    undo.append(lambda: gc.callbacks.remove(on_gc))
    if trace_memory:
        import tracemalloc

        tracemalloc.start()
    request = run.CheckRequest(paths=[directory], output_format=output_format, fail_on="error")
    # As `cilint check` does when it is the process (`cli._collector_off`): `run_check` pauses
    # the collector and turns it back on, and its first collection, a pass over the whole model
    # after the check, is no part of the command.
    gc.disable()
    try:
        start = perf()
        text, code = run.run_check(request)
        total = perf() - start
    finally:
        for restore in reversed(undo):
            restore()
    memory: dict[str, int] = {}
    if trace_memory:
        import tracemalloc

        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        memory = {"traced_peak_bytes": peak, "traced_current_bytes": current}

    t = timers.total
    parse = t["decode"] + t["compose"]
    model = t["build_project"] - parse + t["annotate_deploys"]
    phases = {
        "parse": parse,
        "model": model,
        "rules": t["run_rules"],
        "suppress": t["suppress"],
        "report": t["render"],
    }
    phases["other"] = total - sum(phases.values())
    return {
        "import": import_s,
        "phases": phases,
        "total": total,
        "gc": gc_time[0],  # included in the phases above
        "gc_collections": collections,  # by generation
        "raw": dict(t),
        "calls": dict(timers.calls),
        "rules": dict(sorted(timers.rules.items(), key=lambda kv: -kv[1])),
        "rules_other": t["run_rules"] - sum(timers.rules.values()),  # fingerprints, sorting
        "findings_per_rule": dict(timers.findings_per_rule),
        "not_found": timers.missing,
        "exit_code": code,
        "report_bytes": len(text.encode()),
        "maxrss_kb": _peak_rss_kb(),
        **memory,
    }
