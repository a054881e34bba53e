"""Test-session settings.

`sys.dont_write_bytecode` is turned off for the test processes: an environment with
PYTHONDONTWRITEBYTECODE=1 (as some sandboxes and CI images set) would otherwise make every pytest
worker re-compile cilint and re-rewrite every test module's assertions on each run, about a fifth
of the fast tier's time on two cores; the processes tests start (`python -m cilint`) likewise.
The caches go to `__pycache__` folders git ignores.
"""

from __future__ import annotations

import os
import sys

sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
