"""JavaScript: `eslint` and `next lint` (package.json scripts are followed by the checker)."""

from __future__ import annotations

from .call import OK, Call, Verdict


def eslint(call: Call) -> Verdict:
    args = call.args
    for index, arg in enumerate(args):
        if arg == "--max-warnings" and index + 1 < len(args):
            value = args[index + 1]
        elif arg.startswith("--max-warnings="):
            value = arg.partition("=")[2]
        else:
            continue
        if value == "0":
            return OK
        if "$" in value:
            return OK
        return f"`--max-warnings {value}` lets warnings through"
    return "no `--max-warnings 0`"
