"""A `# cilint: ignore[...]` comment that suppresses nothing, names no rule, or cannot be read.

Suppressions outlive the findings they were written for: the step gets fixed, the job moves, and
the comment stays, ready to hide the next real problem on that line. cilint reports a suppression
entry that suppressed no finding on its line or the line below, as ruff does for unused `noqa`.
An entry is only reported when every rule it names ran (with `--select CIL101`, a suppression of
CIL102 is left alone), and a rule that is switched off makes its suppressions unreported too.

This rule is computed by the engine after all the other rules (it needs their findings), so its
findings are not themselves suppressible inline; switch it off, change its level or ignore it
per path in the configuration like any other rule. Its default level is `note`, below the default
`--fail-on warning`: it tidies, it does not break builds.

Examples: a failing and a passing repository per platform, in `rules/examples/unused-suppression/`;
`cilint explain CIL003` and docs/rules/unused-suppression.md show them with what cilint reports.

How to fix: remove the entry (or the whole comment), or correct the rule's id or name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..linter.findings import Finding
from ..linter.model import Project

ID = "CIL003"
NAME = "unused-suppression"
LEVEL = "note"
LEVELS = ("note",)  # every level its findings take, the default first
SUMMARY = "a `# cilint: ignore[...]` comment suppresses nothing, names no rule or cannot be read"
OPTIONS: dict[str, Any] = {}
TAGS = ("maintainability",)
SECURITY_SEVERITY = None
PRECISION = "high"


def check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
    """Nothing here: `linter.suppress.unused_findings` reports, once the other rules have run."""
    return iter(())
