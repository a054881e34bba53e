"""Draw a random sample of cilint's loud findings on the corpus's real repositories, to judge by hand.

    python scripts/precision_sample.py [--corpus DIR] [--seed 1] [--n 60] --out sample.json
    python scripts/precision_sample.py --score sample.json

The first form rebuilds the real repositories of the corpus as they were laid out
(`scripts/corpus_layout.py`: every repository except the peers' test suites, whose repositories
are zizmorcore/zizmor, rhysd/actionlint, SchemaStore/schemastore and boostsecurityio/poutine),
runs `cilint check` on each as a user would, keeps the `error` and `warning` findings (not the
notes) and writes a random sample of `--n` of them, drawn with `--seed`, to `--out`. Each sampled
finding carries its repository, path, place, rule, level, message, job and the lines around it
from the laid-out file, with an empty `verdict` ("right" or "wrong") and `reason` to fill in.
The population the sample is drawn from is the distinct findings (`check_repo` drops a finding
printed twice); the file also records how many findings the raw reports printed more than once
(same path, line, column, rule and message in one report).

The second form scores a judged file: right/total and the share, overall and per rule; it exits 1
when a finding has no verdict or one other than "right"/"wrong".

The same corpus, code, seed and n give the same file, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import corpus_layout as layout  # beside this script: run as `python scripts/precision_sample.py`

# The peers' repositories: their test suites are fixtures, not pipelines anyone runs.
PEER_REPOS = frozenset({"zizmorcore/zizmor", "rhysd/actionlint", "SchemaStore/schemastore", "boostsecurityio/poutine"})
LOUD = ("error", "warning")
CONTEXT = 4  # lines either side of the finding in the excerpt
VERDICTS = ("right", "wrong")




def _key(finding: dict[str, Any]) -> tuple[Any, ...]:
    return (finding["path"], finding["line"], finding["column"], finding["rule"], finding["message"])


def excerpt(file: Path, line: int, context: int = CONTEXT) -> str:
    """The lines around `line` (1-based), numbered, the finding's line marked with `>`."""
    try:
        lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    start, end = max(1, line - context), min(len(lines), line + context)
    return "\n".join(f"{'>' if n == line else ' '}{n:5d} | {lines[n - 1]}" for n in range(start, end + 1))


def raw_duplicates(repo: Any) -> Counter[str]:
    """Findings a single raw report prints more than once (same path, line, column, rule,
    message), by rule; `check_repo` drops them, so this runs the same reports again."""
    from click.testing import CliRunner

    from cilint.linter.cli import main

    runs = [[str(repo.root)]]
    if repo.explicit:
        runs.append([str(repo.root), *(str(repo.root / p) for p in repo.explicit)])
    extra: Counter[str] = Counter()
    for args in runs:
        result = CliRunner().invoke(main, ["check", "--format", "json", "--fail-on", "error", *args])
        try:
            findings = json.loads(result.stdout)["findings"]
        except (ValueError, KeyError):
            continue
        counts = Counter(_key(f) for f in findings)
        for key, count in counts.items():
            extra[key[3]] += count - 1
    return extra


def collect(corpus: Path, dest: Path, duplicates: bool = True) -> tuple[list[dict[str, Any]], Counter[str]]:
    """Every loud finding on the real repositories, with its excerpt; raw duplicates by rule."""
    peer_files = {(e.repo.replace("/", "__"), e.path) for e in layout.read_manifest(corpus) if e.kind == "peer-test"}
    peer_names = {name.replace("/", "__") for name in PEER_REPOS}
    found: list[dict[str, Any]] = []
    dups: Counter[str] = Counter()
    for repo in layout.build_layout(corpus, dest):
        if repo.name in peer_names:
            continue
        repo.explicit = [p for p in repo.explicit if (repo.name, p) not in peer_files]
        for finding in layout.check_repo(repo).findings:
            if finding["level"] not in LOUD or (repo.name, finding["path"]) in peer_files:
                continue
            found.append({
                "repo": repo.name.replace("__", "/", 1),
                "path": finding["path"],
                "line": finding["line"],
                "column": finding["column"],
                "rule": finding["rule"],
                "level": finding["level"],
                "message": finding["message"],
                "job": finding.get("job"),
                "fingerprint": finding.get("fingerprint"),
                "excerpt": excerpt(repo.root / finding["path"], int(finding["line"])),
                "verdict": "",
                "reason": "",
            })
        if duplicates:
            dups.update(raw_duplicates(repo))
    found.sort(key=lambda f: (f["repo"], f["path"], f["line"], f["column"], f["rule"], f["message"]))
    return found, dups


def sample(corpus: Path, seed: int, n: int, duplicates: bool = True) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="cilint-precision-") as tmp:
        population, dups = collect(corpus, Path(tmp), duplicates)
    picked = sorted(random.Random(seed).sample(range(len(population)), min(n, len(population))))
    return {
        "seed": seed,
        "n": len(picked),
        "population": len(population),
        "population_by_rule": dict(sorted(Counter(f["rule"] for f in population).items())),
        "raw_duplicates": sum(dups.values()) if duplicates else None,
        "raw_duplicates_by_rule": {r: c for r, c in sorted(dups.items()) if c} if duplicates else None,
        "findings": [population[i] for i in picked],
    }


def score(data: dict[str, Any]) -> tuple[list[str], bool]:
    """Lines to print (overall, then per rule) and whether every finding carries a verdict."""
    findings: list[dict[str, Any]] = data["findings"]
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    unjudged = [f for f in findings if f.get("verdict") not in VERDICTS]
    for finding in findings:
        if finding.get("verdict") in VERDICTS:
            total[finding["rule"]] += 1
            right[finding["rule"]] += finding["verdict"] == "right"

    def line(label: str, r: int, t: int) -> str:
        share = f"{100 * r / t:.1f}%" if t else "-"
        return f"{label:<28} {r:>4}/{t:<4} {share}"

    lines = [line("overall", sum(right.values()), sum(total.values()))]
    lines += [line(rule, right[rule], total[rule]) for rule in sorted(total)]
    lines += [f"unjudged: {f['repo']} {f['path']}:{f['line']} {f['rule']}" for f in unjudged]
    return lines, not unjudged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=layout.CORPUS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--out", type=Path, help="write the sample here (default: standard output)")
    parser.add_argument("--no-duplicates", action="store_true", help="skip counting the raw reports' duplicates")
    parser.add_argument("--score", type=Path, metavar="JUDGED", help="score a judged sample instead of drawing one")
    args = parser.parse_args(argv)
    if args.score:
        lines, complete = score(json.loads(args.score.read_text(encoding="utf-8")))
        print("\n".join(lines))
        return 0 if complete else 1
    if not (args.corpus / "MANIFEST.tsv").is_file():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    text = json.dumps(sample(args.corpus, args.seed, args.n, not args.no_duplicates), indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
