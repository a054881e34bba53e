"""Rebuild the repositories of the real-world corpus and run `cilint check` on them as users would.

The corpus (`../shared/corpus`, see its README.md) stores each file flattened under a local name;
`MANIFEST.tsv` gives the repository and path each came from. Checking the flattened folders only
exercises loading; rebuilding the original layouts also exercises discovery (`.github/workflows`,
`action.yml` anywhere, `.circleci/`, `.github/settings.yml`), root finding and relative paths.

Each repository is checked by directory (`cilint check <repo>`); the files discovery does not
pick up by their place (peers' test files, settings samples) are then named explicitly, as a user
would name them (`cilint check <repo> file ...`).

    python scripts/corpus_layout.py [--corpus DIR] [--keep DIR]

prints one line per repository with findings by level, then every internal error and every file
that no report mentions; exits 1 if there is any. Tests import `build_layout` and `check_repo`.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

# Kinds whose files `cilint check <repo>` finds by their place; the others must be named.
_FOUND_BY_PLACE = {"circleci", "github-workflow", "github-action"}


@dataclass(frozen=True)
class Entry:
    """One row of MANIFEST.tsv."""

    local_path: str
    repo: str
    path: str  # the file's path in its repository
    commit: str
    kind: str


@dataclass
class Repo:
    """A rebuilt repository: its directory, its files (repository-relative) and those to name."""

    name: str
    root: Path
    files: list[str] = field(default_factory=list)
    explicit: list[str] = field(default_factory=list)


def read_manifest(corpus: Path) -> list[Entry]:
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [Entry(r["local_path"], r["source_repo"], r["source_path"], r["commit"], r["kind"]) for r in rows]


def _placed(entry: Entry) -> bool:
    if entry.kind in _FOUND_BY_PLACE:
        return True
    return entry.kind == "settings" and entry.path in (".github/settings.yml", ".github/settings.yaml")


def build_layout(corpus: Path, dest: Path) -> list[Repo]:
    """Copy every corpus file to `dest/<owner>__<repo>/<original path>`, with an empty `.git`
    so that root finding treats each as a checkout. Files are copied, not linked: cilint does
    not follow symbolic links that leave the tree, which a link into the corpus would do."""
    repos: dict[str, Repo] = {}
    for entry in read_manifest(corpus):
        name = entry.repo.replace("/", "__")
        repo = repos.get(name)
        if repo is None:
            repo = repos[name] = Repo(name, dest / name)
            (repo.root / ".git").mkdir(parents=True)
        target = repo.root / entry.path
        if not target.resolve().is_relative_to(repo.root.resolve()):  # a hostile manifest row
            raise ValueError(f"{entry.local_path}: path {entry.path!r} leaves its repository")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / entry.local_path, target)
        repo.files.append(entry.path)
        if not _placed(entry):
            repo.explicit.append(entry.path)
    return sorted(repos.values(), key=lambda r: r.name)


@dataclass
class Outcome:
    """What `cilint check` said about one repository."""

    repo: Repo
    exit_codes: list[int]
    findings: list[dict[str, Any]]
    files: dict[str, str]  # path -> platform, over every run
    errors: list[dict[str, Any]]
    output: str  # stdout and stderr, when a run did not print a JSON report
    # (path, line, column, rule, message) of findings one run reported more than once (want none:
    # one place, one cause, one finding); `findings` merges the runs and would hide them
    repeated: list[tuple[Any, ...]] = field(default_factory=list)


def check_repo(repo: Repo, chunk: int = 200) -> Outcome:
    """`cilint check --format json <repo>`, then the files it does not find by place, named."""
    from click.testing import CliRunner

    from cilint.linter.cli import main

    runner = CliRunner()
    runs = [[str(repo.root)]]
    # Named files are given after the repository directory so that root finding starts there.
    for start in range(0, len(repo.explicit), chunk):
        runs.append([str(repo.root), *(str(repo.root / p) for p in repo.explicit[start : start + chunk])])
    outcome = Outcome(repo, [], [], {}, [], "")
    seen: set[tuple[Any, ...]] = set()
    for args in runs:
        result = runner.invoke(main, ["check", "--format", "json", "--fail-on", "error", *args])
        outcome.exit_codes.append(result.exit_code)
        try:
            report = json.loads(result.stdout)
        except ValueError:
            outcome.output += result.output + (repr(result.exception) if result.exception else "")
            continue
        in_run: set[tuple[Any, ...]] = set()
        for finding in report["findings"]:
            key = (finding["path"], finding["line"], finding["column"], finding["rule"], finding["message"])
            if key in in_run:
                outcome.repeated.append(key)
            in_run.add(key)
            if key not in seen:  # the directory run and the named run both see placed files
                seen.add(key)
                outcome.findings.append(finding)
        for file in report["files"]:
            outcome.files[file["path"]] = file["platform"]
        outcome.errors.extend(report.get("errors", []))
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--keep", type=Path, help="build the repositories here and keep them")
    parser.add_argument("--dump", type=Path,
                        help="write every finding, one JSON object a line sorted, to compare two versions")
    args = parser.parse_args(argv)
    if not (args.corpus / "MANIFEST.tsv").is_file():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="cilint-corpus-") as tmp:
        dest = args.keep or Path(tmp)
        repos = build_layout(args.corpus, dest)
        bad = 0
        total: Counter[str] = Counter()
        dumped: list[str] = []
        for repo in repos:
            outcome = check_repo(repo)
            dumped.extend(json.dumps({"repo": repo.name, **f}, sort_keys=True) for f in outcome.findings)
            levels = Counter(f["level"] for f in outcome.findings)
            parse = sum(1 for f in outcome.findings if f["rule"] == "parse-error")
            total.update(levels)
            total["files"] += len(repo.files)
            missing = sorted(set(repo.files) - set(outcome.files))
            print(f"{repo.name}: {len(repo.files)} files, exit {outcome.exit_codes}, "
                  f"{dict(sorted(levels.items()))}, {parse} parse-error")
            for error in outcome.errors:
                bad += 1
                print(f"  INTERNAL ERROR {error['rule']} {error['path']}: {error['message']}")
            for path in missing:
                bad += 1
                print(f"  NOT IN ANY REPORT: {path}")
            if outcome.output:
                bad += 1
                print("  NO REPORT:\n" + outcome.output)
        print(f"total: {dict(sorted(total.items()))}; {bad} problems")
        if args.dump:
            args.dump.write_text("".join(line + "\n" for line in sorted(dumped)), encoding="utf-8")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
