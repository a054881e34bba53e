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

# CPU seconds one policy of the configuration may take on a project: its regular expressions
# (`match`, `not_match`, `=~`) and JSONPaths (`$..[*]..[*]`) are the repository's own, and
# Python's `re` cannot bound backtracking. Over it, the policy is an internal error (exit 2)
# that names it; the other rules and policies still run. Real policies take milliseconds.
MAX_POLICY_CPU_SECONDS = 10.0

# A flagged line longer than this enters a finding's fingerprint by its digest, not its text
# (computed once per line, not once per finding): a JSON file of rulesets is a single line with
# one finding per check. Shorter lines, nearly all, keep the fingerprint they always had.
MAX_FINGERPRINT_LINE_CHARS = 4096
