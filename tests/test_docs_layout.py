"""The layout docs describe the tree as it is: every module of `linter/` is named in
docs/architecture.md and in README.md's Layout section, and every name there exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _modules() -> set[str]:
    """`x.py` for each module of linter/, `x/` for each package."""
    found = {p.name for p in (ROOT / "linter").glob("*.py") if p.name != "__init__.py"}
    found |= {p.parent.name + "/" for p in (ROOT / "linter").glob("*/__init__.py")}
    return found


def _named(text: str) -> set[str]:
    """Module and package names written in backticks (`linter/model.py` names `model.py`)."""
    names = set()
    for span in re.findall(r"`([^`]+)`", text):
        names.update(re.findall(r"(?:^|/)([a-z_]+\.py)$", span))
        names.update(re.findall(r"(?:^|/)([a-z_]+/)$", span))
    return names


def _layout_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme[readme.index("## Layout"):readme.index("\n## ", readme.index("## Layout") + 1)]


def test_architecture_names_every_module() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert sorted(_modules() - _named(text)) == []


def test_readme_layout_names_every_module() -> None:
    assert sorted(_modules() - _named(_layout_section())) == []


def test_names_in_the_layout_docs_exist() -> None:
    tops = ("linter", "rules", "scripts", "tests", "src", "bench", "docs", "fixtures")
    known = {p.name + ("/" if p.is_dir() else "") for top in tops for p in (ROOT / top).rglob("*")}
    known |= {top + "/" for top in tops}
    for text in ((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"), _layout_section()):
        assert sorted(_named(text) - known) == []
