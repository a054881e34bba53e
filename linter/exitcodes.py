"""How `cilint check` ends: its exit codes, and the error a user must fix (exit 2).

Their own module so that `run` (which decides them) and `cli` (which ends the process with them)
both import them without importing each other.
"""

from __future__ import annotations

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A bad option, config or input the user must fix; exit 2 with a one-line message."""
