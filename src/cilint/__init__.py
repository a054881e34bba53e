"""cilint: a pipeline policy linter for GitHub Actions and CircleCI.

The engine lives in `linter/` and the rules in `rules/` at the top of the repository; this
package links them in as `cilint.linter` and `cilint.rules` so that the installed names cannot
collide with other distributions (there is a popular `rules` package on PyPI).
"""

import gc
import sys
from pathlib import Path

__version__ = "0.1.0"


def owns_process() -> bool:
    """Whether cilint is the process: the `cilint` script or `python -m cilint` (not a library
    caller, not the tests' `CliRunner`)."""
    main_module = sys.modules.get("__main__")
    spec = getattr(main_module, "__spec__", None)
    if spec is not None:  # `python -m ...`
        return spec.name in ("cilint", "cilint.__main__")
    return Path(sys.argv[0]).stem == "cilint" if sys.argv and sys.argv[0] else False


if owns_process():  # (`python -m cilint` does this in `__main__`: here `sys.argv[0]` is still "-m")
    # No cyclic garbage collection for the whole command (`cli.py`, `_collector_off`), from the
    # first import on: importing the engine, the model and the rules creates some 100,000
    # objects, and the generational passes over them cost 2% of a one-workflow check.
    gc.disable()
