"""The example repositories of the built-in rules, and the expected output of a fixture.

Each built-in rule has a directory `rules/examples/<rule name>/` of small, complete repositories
(files at their real paths: `.github/workflows/*.yml`, `.circleci/config.yml`, `mix.exs`, ...),
named `<platform>/fail` and `<platform>/pass`, and an `examples.toml` that gives each a caption
and, for a failing one, every finding `cilint check` reports on it (`path:line:col: level RULE`).
They ship in the package, so `cilint explain` shows the very files the tests run
(tests/test_rule_examples.py: a failing example reports exactly what `examples.toml` says, a
passing one nothing) and docs/rules/ is generated from them (scripts/gen_rule_docs.py).

Next to every example and every rule fixture lies its snapshot, `<directory>.snap`: the text
output of `cilint check` on it (tests/test_snapshots.py; `CILINT_UPDATE_SNAPSHOTS=1` rewrites them).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

PLATFORM_TITLES = {"github": "GitHub Actions", "circleci": "CircleCI"}
EXAMPLES_FILE = "examples.toml"
SNAPSHOT_SUFFIX = ".snap"


@dataclass(frozen=True)
class Example:
    rule: str  # the rule's name, as its directory is named
    path: str  # relative to the rule's examples directory: `github/fail`
    root: Path  # the repository
    caption: str
    reports: tuple[str, ...]  # `path:line:col: level RULE` of every finding, in report order

    @property
    def failing(self) -> bool:
        return self.root.name == "fail"

    @property
    def platform(self) -> str:
        return self.root.parent.name

    @property
    def title(self) -> str:
        kind = "Failing" if self.failing else "Passing"
        return f"{kind} example ({PLATFORM_TITLES.get(self.platform, self.platform)})"

    @property
    def snapshot(self) -> Path:
        return snapshot_path(self.root)

    def files(self) -> list[tuple[str, str]]:
        """(path, text) of every file of the repository, by path."""
        found = sorted(p for p in self.root.rglob("*") if p.is_file())
        return [(p.relative_to(self.root).as_posix(), p.read_text(encoding="utf-8")) for p in found]


def examples_root() -> Path:
    """`rules/examples` in a checkout or an editable install, `cilint/rules/examples` once installed."""
    from .. import rules

    return Path(rules.__file__).resolve().parent / "examples"


def examples_of(rule_name: str, root: Path | None = None) -> list[Example]:
    """The examples of a rule, in the order of its examples.toml (none for a rule without one)."""
    directory = (root or examples_root()) / rule_name
    described = directory / EXAMPLES_FILE
    if not described.is_file():
        return []
    data = tomllib.loads(described.read_text(encoding="utf-8"))
    return [
        Example(rule=rule_name, path=entry["path"], root=directory / entry["path"], caption=entry["caption"],
                reports=tuple(entry.get("reports", ())))
        for entry in data.get("example", [])
    ]


def snapshot_path(repository: Path) -> Path:
    return repository.with_name(repository.name + SNAPSHOT_SUFFIX)


def protection_files(repository: Path) -> list[Path]:
    """Branch protection JSON a fixture carries in `protection/`, given as `--protection`."""
    return sorted((repository / "protection").glob("*.json"))


def check_output(repository: Path) -> str:
    """`cilint check` in the repository, as text without colour: its snapshot.

    The first line is the command (with the `--protection` files it carries); paths in the
    findings are relative to the repository, so the text is the same wherever it is checked out.
    """
    from .run import CheckRequest, run_check

    protection = protection_files(repository)
    command = " ".join(["$ cilint check", *(f"--protection {p.relative_to(repository).as_posix()}"
                                             for p in protection)])
    report, _code = run_check(CheckRequest(paths=[repository], protection_files=protection))
    return f"{command}\n{report}" + ("" if report.endswith("\n") else "\n")


def explain_text(rule_name: str) -> str:
    """The examples of a rule as `cilint explain` prints them: each file, then what cilint reports."""
    blocks = []
    for example in examples_of(rule_name):
        lines = [f"{example.title}: {example.caption}", ""]
        for path, text in example.files():
            lines.append(f"  {path}:")
            lines.extend(f"    {line}".rstrip() for line in text.splitlines())
            lines.append("")
        if example.snapshot.is_file():
            lines.append("  cilint check reports:" if example.failing else "  cilint check:")
            output = example.snapshot.read_text(encoding="utf-8").splitlines()[1:]
            lines.extend(f"    {line}".rstrip() for line in output)
            lines.append("")
        blocks.append("\n".join(lines))
    return "\n".join(blocks)
