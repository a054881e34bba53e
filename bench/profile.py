#!/usr/bin/env python3
"""Profile cilint with cProfile on the ~1,400 real workflows and the generated 5,000-job config.

    python3 bench/profile.py [--top 25] [--workload workflows-1x,circleci-5000-jobs] [--save DIR]

For each workload: `cilint check --format json` in-process (`run.run_check`, what the CLI runs;
imports done beforehand so they do not blur the picture), then the top functions by cumulative
and by total (own) time. `--save DIR` keeps the .prof files (for snakeviz, gprof2dot, ...).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# This file is named profile.py: with its directory on sys.path it would stand in for the
# standard library's `profile`, which cProfile imports.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse  # noqa: E402
import cProfile  # noqa: E402
import gc  # noqa: E402
import importlib.util  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from types import ModuleType  # noqa: E402

DEFAULT_WORKLOADS = ("workflows-1x", "circleci-5000-jobs")


def _bench_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"cilint_bench_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> int:
    workloads_mod = _bench_module("workloads")
    inproc = _bench_module("inproc")
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--top", type=int, default=25, help="functions listed per table (default 25)")
    parser.add_argument(
        "--workload",
        default=",".join(DEFAULT_WORKLOADS),
        help=f"comma-separated, of: {', '.join(workloads_mod.WORKLOAD_NAMES[1:])}",
    )
    parser.add_argument("--corpus", type=Path, default=workloads_mod.DEFAULT_CORPUS)
    parser.add_argument(
        "--no-gc",
        action="store_true",
        help="disable the cyclic garbage collector (its pauses are charged to whatever allocates)",
    )
    parser.add_argument("--save", type=Path, help="directory to write <workload>.prof files to")
    args = parser.parse_args()

    wanted = [w.strip() for w in args.workload.split(",") if w.strip()]
    unknown = set(wanted) - set(workloads_mod.WORKLOAD_NAMES[1:])
    if unknown:
        parser.error(f"unknown workload(s): {', '.join(sorted(unknown))}")
    generated = {"circleci-1250-jobs", "circleci-2500-jobs", "circleci-5000-jobs", "github-matrix-256"}
    if not (args.corpus / "github").is_dir() or not (args.corpus / "circleci").is_dir():
        skipped = [w for w in wanted if w not in generated]
        if skipped:
            print(
                f"profile: no corpus at {args.corpus}; skipping {', '.join(skipped)} "
                "(set --corpus or CILINT_CORPUS)"
            )
        wanted = [w for w in wanted if w in generated]

    import_s = inproc._import_all()
    from cilint.linter import run

    print(f"profile: cilint imported in {import_s:.3f} s (not profiled)")
    scratch = Path(tempfile.mkdtemp(prefix="cilint-profile-"))
    try:
        (scratch / "w").mkdir()
        built = workloads_mod.build_workloads(args.corpus, scratch / "w", set(wanted))
        for workload in built:
            request = run.CheckRequest(paths=[workload.path], output_format="json")
            profiler = cProfile.Profile()
            if args.no_gc:
                gc.disable()
            start = time.perf_counter()
            profiler.enable()
            run.run_check(request)
            profiler.disable()
            gc.enable()
            elapsed = time.perf_counter() - start
            print(
                f"\n{'=' * 100}\n{workload.name}: {workload.description}\n"
                f"{len(workload.files)} files, {workload.size / 1024:.0f} KB; "
                f"{elapsed:.2f} s under cProfile{', garbage collector off' if args.no_gc else ''}\n"
                f"{'=' * 100}"
            )
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                profiler.dump_stats(args.save / f"{workload.name}.prof")
            for key, title in (("cumulative", "cumulative time"), ("tottime", "total (own) time")):
                buffer = io.StringIO()
                stats = pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(key)
                stats.print_stats(args.top)
                text = buffer.getvalue()
                table = text[text.index("   ncalls") :] if "   ncalls" in text else text
                print(f"\n--- top {args.top} by {title} ---\n{table.rstrip()}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
