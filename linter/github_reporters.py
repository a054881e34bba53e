"""Well-known GitHub actions that turn a file of check results into a status or alerts that a
merge can be held on: a check whose output a later step hands to one of them has its result read
there, even when its own status is lost (`snyk test --sarif | tee out.sarif`, then an upload).

A table of data, one entry per action: the documentation that says what it reports. The loader
marks such steps (`Step.reports_results`); the rules see only that mark.
"""

from __future__ import annotations

from functools import lru_cache

REPORTERS: dict[str, str] = {
    # Code scanning alerts from a SARIF file; a ruleset's "Require code scanning results" holds
    # merges on them.
    "github/codeql-action/upload-sarif":
        "https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/"
        "uploading-a-sarif-file-to-github",
    # A check run with the test results; `fail-on-error` (default true) fails it when tests failed.
    "dorny/test-reporter": "https://github.com/dorny/test-reporter#usage",
    # A check run whose conclusion is a failure on test failures (`fail_on`, default "test failures").
    "EnricoMi/publish-unit-test-result-action": "https://github.com/EnricoMi/publish-unit-test-result-action#configuration",
}


@lru_cache(maxsize=4096)
def reports_results(action: str) -> bool:
    """Whether `uses: action` (owner/repo[/path], no ref) is a reporter of `REPORTERS`, its
    platform variants (`EnricoMi/publish-unit-test-result-action/linux`) included (memoised: every
    step using an action asks, a few hundred distinct actions)."""
    lowered = action.lower()
    return any(lowered == name.lower() or lowered.startswith(name.lower() + "/") for name in REPORTERS)
