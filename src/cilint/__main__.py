"""`python -m cilint`: the `cilint` command.

Under `-m` Python puts the working directory first on `sys.path` (as `''` or its absolute path),
so that any module or `*.dist-info` there would be imported, or found as a plug-in, before the
installed ones: a repository being checked could run its own code. It is dropped here, before
anything else is imported, as `python -P` (`PYTHONSAFEPATH`) would do.
"""

import os
import sys

if not sys.flags.safe_path and sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from cilint.linter.cli import main

main()
