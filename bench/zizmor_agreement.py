"""How far cilint's rules agree with zizmor's audits on the corpus's real repositories.

    python bench/zizmor_agreement.py --corpus /work/shared/corpus \
        --pair template-injection=CIL111 --pair dangerous-triggers=untrusted-trigger --out FILE

Each `--pair ZIZMOR_AUDIT=CILINT_RULE` names one of zizmor's audits (its `ident`) and one of
cilint's rules (its id, CIL111, or its name, template-injection). The corpus is laid out as its
repositories were (scripts/corpus_layout.py); zizmor runs on each repository directory
(`zizmor --offline --no-config --format json`, its default "regular" persona; `--persona` changes
it) and cilint runs as scripts/corpus_layout.py runs it. Only files both tools read are compared
(zizmor's log names each file it completes), so cilint's CircleCI files and zizmor's Dependabot
files are left out.

A finding is a (repository, file, line) triple: zizmor's primary location, cilint's line. Two
figures per pair: by line (the same place) and by file (the same file, any line; for audits
whose places differ by design: zizmor's `dangerous-triggers` points at the `on:` key, cilint's
untrusted-trigger at the job). `--out FILE` writes every triple of each side as JSON, so that the
disagreements can be judged by hand; the summary is printed.

`--layout DIR` reuses (or builds and keeps) the laid-out corpus; `--repos a,b` limits the run to
those repositories (owner__name).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from corpus_layout import CORPUS, Repo, build_layout, check_repo

_COMPLETED = re.compile(r"completed (\S+)\s*$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

Place = tuple[str, str, int]  # repository, path in it, line


def run_zizmor(repo: Repo, persona: str) -> tuple[list[dict[str, Any]], set[str]]:
    """zizmor's findings on one repository and the repository-relative files it audited."""
    result = subprocess.run(
        ["zizmor", "--offline", "--no-config", "--no-progress", "--persona", persona,
         "--format", "json", repo.name],
        cwd=repo.root.parent, capture_output=True, text=True, check=False)
    audited: set[str] = set()
    prefix = repo.name + "/"
    for line in _ANSI.sub("", result.stderr).splitlines():
        match = _COMPLETED.search(line)
        if match and match.group(1).startswith(prefix):
            audited.add(match.group(1)[len(prefix):])
    try:
        findings = json.loads(result.stdout or "[]")
    except ValueError:
        print(f"{repo.name}: zizmor printed no JSON (exit {result.returncode})", file=sys.stderr)
        findings = []
    return findings, audited


def zizmor_place(finding: dict[str, Any], repo: str) -> tuple[str, int, str] | None:
    for location in finding["locations"]:
        if location["symbolic"]["kind"] != "Primary":
            continue
        key = location["symbolic"]["key"]
        path = key.get("Local", {}).get("verbatim_path") if isinstance(key, dict) else None
        if not path:
            return None
        path = path.removeprefix(repo + "/")
        row = int(location["concrete"]["location"]["start_point"]["row"]) + 1
        return path, row, str(location["symbolic"].get("annotation", ""))
    return None


def compare(pairs: list[tuple[str, str]], repos: list[Repo], persona: str) -> dict[str, Any]:
    zizmor: dict[str, dict[Place, str]] = defaultdict(dict)
    cilint: dict[str, dict[Place, str]] = defaultdict(dict)
    by_rule = {rule for _, rule in pairs}
    audited_files = 0
    for repo in repos:
        z_findings, audited = run_zizmor(repo, persona)
        outcome = check_repo(repo)
        both = {p for p in audited if p in outcome.files}
        audited_files += len(both)
        for finding in z_findings:
            place = zizmor_place(finding, repo.name)
            if place is None or place[0] not in both:
                continue
            for audit, _ in pairs:
                if finding["ident"] == audit:
                    det = finding.get("determinations", {})
                    zizmor[audit][(repo.name, place[0], place[1])] = (
                        f"{det.get('severity')}/{det.get('confidence')}: {place[2]}")
        for finding in outcome.findings:
            if finding["path"] not in both:
                continue
            for rule in (finding["rule"], finding["rule_id"]):
                if rule in by_rule:
                    cilint[rule][(repo.name, finding["path"], int(finding["line"]))] = (
                        f"{finding['level']}: {finding['message']}")
    report: dict[str, Any] = {"persona": persona, "repositories": len(repos),
                              "files_compared": audited_files, "pairs": []}
    for audit, rule in pairs:
        z, c = zizmor[audit], cilint[rule]
        z_files = {(r, p) for r, p, _ in z}
        c_files = {(r, p) for r, p, _ in c}

        def rows(places: set[Place], side: dict[Place, str]) -> list[dict[str, Any]]:
            return [{"repo": r, "path": p, "line": n, "message": side[(r, p, n)]}
                    for r, p, n in sorted(places)]

        report["pairs"].append({
            "zizmor": audit, "cilint": rule,
            "by_line": {"both": len(z.keys() & c.keys()), "zizmor_only": len(z.keys() - c.keys()),
                        "cilint_only": len(c.keys() - z.keys())},
            "by_file": {"both": len(z_files & c_files), "zizmor_only": len(z_files - c_files),
                        "cilint_only": len(c_files - z_files)},
            "both": rows(z.keys() & c.keys(), z),
            "zizmor_only": rows(z.keys() - c.keys(), z),
            "cilint_only": rows(c.keys() - z.keys(), c),
        })
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--pair", action="append", required=True, metavar="AUDIT=RULE")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--layout", type=Path, help="lay the corpus out here and keep it")
    parser.add_argument("--repos", help="comma-separated owner__name list")
    parser.add_argument("--persona", default="regular", choices=["regular", "pedantic", "auditor"])
    args = parser.parse_args(argv)
    pairs = [tuple(p.split("=", 1)) for p in args.pair]
    if any(len(p) != 2 for p in pairs):
        parser.error("--pair takes ZIZMOR_AUDIT=CILINT_RULE")
    with tempfile.TemporaryDirectory(prefix="cilint-zizmor-") as tmp:
        dest = args.layout or Path(tmp)
        if args.layout and args.layout.exists():
            repos = [Repo(d.name, d) for d in sorted(args.layout.iterdir()) if d.is_dir()]
            for repo in repos:  # what the layout would name explicitly is not compared anyway
                repo.files = [str(p.relative_to(repo.root)) for p in repo.root.rglob("*") if p.is_file()]
        else:
            repos = build_layout(args.corpus, dest)
        if args.repos:
            wanted = set(args.repos.split(","))
            repos = [r for r in repos if r.name in wanted]
        report = compare([(a, r) for a, r in pairs], repos, args.persona)
    print(f"{report['repositories']} repositories, {report['files_compared']} files read by both "
          f"(zizmor persona {report['persona']})")
    for pair in report["pairs"]:
        print(f"{pair['zizmor']} vs {pair['cilint']}:")
        for level in ("by_line", "by_file"):
            counts = pair[level]
            print(f"  {level}: both {counts['both']}, zizmor only {counts['zizmor_only']}, "
                  f"cilint only {counts['cilint_only']}")
    if args.out:
        args.out.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
