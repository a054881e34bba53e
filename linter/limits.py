"""Caps on what hostile input can make cilint do: one place for the limits added against
super-linear time and unbounded memory (docs/limits.md lists them with the older ones, which
stay beside the code they bound: yamlsrc, loadutil, load_circleci, report).

cilint reads repositories its user did not write (a fork's pull request, a third-party audit),
so every input it reads must be processed in time and memory at most linear in its size; where
an algorithm cannot promise that by itself, one of these caps does, and says so when it cuts.
"""

from __future__ import annotations

# A version ref (`actions/checkout@<ref>`) longer than this is not read as a version tag: real
# tags are a few dozen characters, and the tag pattern backtracks quadratically on long refs.
# Git allows longer names; such a ref is judged a moving ref, the pessimistic reading.
MAX_VERSION_REF_CHARS = 256

# A policy's `match:` regular expression is tried on at most this many characters of each value
# (Python's `re` cannot bound backtracking; a longer value is cut and the policy says so).
MAX_POLICY_MATCH_CHARS = 10_000

# Nodes a policy's JSONPath `select:` may return in one evaluation (`$..*` chains multiply).
MAX_POLICY_SELECTED = 100_000

# Nesting of a JSON or TOML document read from the repository (package.json, Cargo.toml,
# pyproject.toml): deeper documents are refused as unreadable before the parser recurses.
MAX_DOCUMENT_DEPTH = 200

# A flagged line longer than this enters a finding's fingerprint by its digest, not its text
# (computed once per line, not once per finding): a JSON file of rulesets is a single line with
# one finding per check. Shorter lines, nearly all, keep the fingerprint they always had.
MAX_FINGERPRINT_LINE_CHARS = 4096
