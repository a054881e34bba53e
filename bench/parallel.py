#!/usr/bin/env python3
"""Would a second process pay? What handing work between processes costs, next to doing it.

    python3 bench/parallel.py [--corpus DIR] [--rounds 5]

cilint could use both cores of a 2-core machine by giving half of the files to a worker
process. Whatever the worker makes has to come back to the process that runs the rules, and
in Python that means pickling it there and unpickling it here. This script measures, on the
~1,400 corpus workflows, best of `--rounds`, with the garbage collector off as in `cilint check`:

* rules:   `run_rules` in one process, against `run_rules(share=True)`, which forks once the
           model is built (the child reads the model it inherited; only findings come back);
* model:   `build_project` + `annotate_deploys` (parse included), against pickling and
           unpickling the pipelines it made;
* compose: `yamlsrc.load` of every file, against pickling and unpickling the composed documents.

For compose and model it prints the wall time a two-process split would take at best (each half
done at once, the worker's half pickled there and unpickled here) next to the time of one
process; for the rules, both measured.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = Path(os.environ.get("CILINT_CORPUS", HERE.parent.parent / "shared" / "corpus"))


def _best(rounds: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(rounds):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def _split(label: str, work: float, dump: float, load: float) -> None:
    """One process: `work`. Two: each does half at once, then the worker's half crosses over."""
    two = max(work / 2, work / 2 + dump / 2) + load / 2
    print(f"{label:<8} one process {work:6.3f} s | pickle {dump:6.3f} s, unpickle {load:6.3f} s | "
          f"two processes at best {two:6.3f} s ({two / work:.0%} of one)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    files = sorted((args.corpus / "github").glob("*/.github__workflows__*.y*ml"))
    if not files:
        print(f"parallel: no corpus workflows under {args.corpus}; nothing to measure")
        return 0
    from cilint.linter import yamlsrc
    from cilint.linter.deploy import annotate_deploys
    from cilint.linter.engine import all_rules, run_rules
    from cilint.linter.project import build_project

    sys.setrecursionlimit(100_000)  # pickling deep trees
    gc.disable()

    # The files as one repository, as the benchmark's workflows-1x workload lays them out.
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / ".github" / "workflows"
        folder.mkdir(parents=True)
        for path in files:
            shutil.copyfile(path, folder / f"{path.parent.name}__{path.name.removeprefix('.github__workflows__')}")

        def model() -> Any:
            project = build_project([Path(scratch)])
            annotate_deploys(project)
            return project

        # The rules first, while the heap is what `cilint check` has (about 190 MB): what the
        # pickling below leaves behind would make every fork dearer.
        project = model()
        rules = all_rules()
        one, _ = _best(args.rounds, lambda: run_rules(project, rules, {}, {}))
        two, _ = _best(args.rounds, lambda: run_rules(project, rules, {}, {}, share=True))
        print(f"{'rules':<8} one process {one:6.3f} s | two processes (forked) {two:6.3f} s ({two / one:.0%} of one)")

        model_time, project = _best(args.rounds, model)
        for pipeline in project.pipelines:  # make what is made lazily, as the rules would
            for literal in pipeline.literals:
                _ = literal.value
        dump_time, data = _best(args.rounds, lambda: pickle.dumps(project.pipelines, protocol=pickle.HIGHEST_PROTOCOL))
        load_time, _ = _best(args.rounds, lambda: pickle.loads(data))
        print(f"the model of {len(project.pipelines)} pipelines pickles to {len(data) / 1e6:.1f} MB")
        _split("model", model_time, dump_time, load_time)

    texts = [yamlsrc.decode(path.read_bytes()) for path in files]

    def compose() -> list[Any]:
        out = []
        for text in texts:
            with contextlib.suppress(yamlsrc.YamlError):  # (a few corpus files are broken on purpose)
                out.append(yamlsrc.load(text))
        return out

    compose_time, documents = _best(args.rounds, compose)
    dump_time, data = _best(args.rounds, lambda: pickle.dumps(documents, protocol=pickle.HIGHEST_PROTOCOL))
    load_time, _ = _best(args.rounds, lambda: pickle.loads(data))
    print(f"{len(files)} workflows; composed documents pickle to {len(data) / 1e6:.1f} MB")
    _split("compose", compose_time, dump_time, load_time)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
