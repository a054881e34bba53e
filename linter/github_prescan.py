"""What a GitHub workflow's raw text says about the files it depends on, read before loading.

`split.py` divides a check of many files between two processes before anything is loaded; a
workflow that may depend on another file (a `workflow_run`/`workflow_call` trigger, a local
`uses: ./...` that exists, a name another workflow's `workflow_run` lists) must stay with the
files it depends on. This reading is a cheap guess on bytes; the split checks it exactly after
loading, and a wrong guess only costs time.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

# What in a file's text may make it depend on another file (checked exactly after loading):
# triggers, and local references (`uses: ./...`) to what exists in the tree.
_REFERS = re.compile(rb"workflow_run|workflow_call")
_LOCAL_USES = re.compile(rb"uses:[ \t]*['\"]?(\.\.?/[^\s'\"@#]*)")
# The names a `workflows:` key lists (flow or block list, or one name).
_WORKFLOWS = re.compile(rb"workflows:[ \t]*(\[[^\]]*\]|[^\r\n]*)((?:\r?\n[ \t]*-[^\r\n]*)*)")


def may_refer(root: Path, data: bytes) -> bool:
    """Whether the workflow may depend on another file of the tree at `root`."""
    return _REFERS.search(data) is not None or _refers_locally(root, data)


# A workflow's `name:` as most are written (anything else: the name is not known here).
_NAME = re.compile(rb"^name:[ \t]*([^\s#>|&*!{\[][^#\r\n]*?)[ \t]*(?:#.*)?\r?$", re.M)


def name_of(data: bytes) -> bytes | None:
    """The name a workflow's text gives itself at the top level, quotes taken off; None when it
    is written in a way this reading does not follow (then its file name stands for it)."""
    match = _NAME.search(data)
    if match is None:
        return None
    name = match.group(1)
    if len(name) >= 2 and name[:1] in (b"'", b'"') and name[-1:] == name[:1]:
        name = name[1:-1]
    return name or None


def _refers_locally(root: Path, data: bytes) -> bool:
    """Whether a `uses: ./...` of the text names something that exists in the tree."""
    for match in _LOCAL_USES.finditer(data):
        try:
            if os.path.lexists(root / os.fsdecode(match.group(1))):
                return True
        except (OSError, ValueError):
            return True
    return False


def upstream_names(data: bytes) -> set[bytes]:
    names: set[bytes] = set()
    for match in _WORKFLOWS.finditer(data):
        inline, block = match.group(1).strip(), match.group(2)
        items = inline.strip(b"[]").split(b",") if inline.startswith(b"[") else [inline]
        items += [line.strip()[1:] for line in block.splitlines() if line.strip()]
        for item in items:
            item = item.split(b" #", 1)[0].strip()
            if len(item) >= 2 and item[:1] in (b"'", b'"') and item[-1:] == item[:1]:
                item = item[1:-1]
            if item:
                names.add(item)
    return names
