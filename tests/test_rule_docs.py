"""docs/rules/ is what scripts/gen_rule_docs.py generates from the rules' docstrings and examples.

When this fails, a docstring or an example changed: run `python scripts/gen_rule_docs.py` and commit
docs/rules/.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from cilint.rules import BUILTIN

ROOT = Path(__file__).resolve().parents[1]


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_rule_docs", ROOT / "scripts" / "gen_rule_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_rule_docs_are_current() -> None:
    gen = generator()
    stale = [p.relative_to(ROOT).as_posix() for p in gen.stale_pages(gen.pages())]
    assert stale == [], "run python scripts/gen_rule_docs.py"
    assert gen.main(["--check"]) == 0


def test_a_page_per_builtin_rule_with_its_examples_verbatim() -> None:
    docs = ROOT / "docs" / "rules"
    assert sorted(p.stem for p in docs.glob("*.md")) == sorted(["README", *(m.NAME for m in BUILTIN)])
    page = (docs / "warnings-as-errors.md").read_text(encoding="utf-8")
    workflow = (ROOT / "rules/examples/warnings-as-errors/github/fail/.github/workflows/ci.yml").read_text()
    assert workflow in page
    assert ".github/workflows/ci.yml:12:11: warning CIL101 [warnings-as-errors]" in page
    index = (docs / "README.md").read_text(encoding="utf-8")
    assert all(f"[{m.NAME}]({m.NAME}.md)" in index for m in BUILTIN)
