"""The hand-judged precision samples in tests/data/precision are complete (every finding judged,
with a reason) and the README states the figure of the latest one."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "tests" / "data" / "precision").glob("*-sample-*.json"))


def _score(path: Path) -> tuple[int, int]:
    findings = json.loads(path.read_text(encoding="utf-8"))["findings"]
    for finding in findings:
        assert finding["verdict"] in ("right", "wrong"), (path.name, finding["path"], finding["line"])
        assert finding["reason"].strip(), (path.name, finding["path"], finding["line"])
        assert finding["level"] in ("error", "warning")
    return sum(f["verdict"] == "right" for f in findings), len(findings)


def test_every_sample_is_judged_with_reasons() -> None:
    assert SAMPLES
    for path in SAMPLES:
        _score(path)


def test_the_readme_states_the_latest_figure() -> None:
    right, total = _score(SAMPLES[-1])
    assert total >= 60
    share = f"{100 * right / total:.1f}%"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Precision"):]
    assert f"{right} of {total}" in section and share in section
    assert re.search(re.escape(SAMPLES[-1].name), section)
