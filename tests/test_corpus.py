"""Every file of the real-world corpus (../shared/corpus) loads and is checked without a crash.

The corpus is test data beside the repository, not in it: a user's clone has none, so these
tests skip cleanly where it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cilint.linter.deploy import annotate_deploys
from cilint.linter.engine import all_rules, run_rules
from cilint.linter.project import build_project

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
GROUPS = ["circleci", "github", "settings", "peers"]

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")


def _folders(group: str) -> list[Path]:
    base = CORPUS / group
    if not base.is_dir():
        return []
    folders = sorted(p for p in base.iterdir() if p.is_dir())
    return folders or [base]


@pytest.mark.parametrize("group", GROUPS)
def test_corpus_loads_and_checks_without_crash(group: str) -> None:
    checked = 0
    for folder in _folders(group):
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        project = build_project(files)
        annotate_deploys(project)
        result = run_rules(project, all_rules(), {}, {})
        assert result.errors == [], (folder, result.errors)
        # Every file is either loaded or reported, never silently dropped.
        reported = {f.span.path for f in result.findings if f.rule == "parse-error"}
        assert len(project.files) >= len(reported)
        checked += len(files)
    assert checked > 0
