"""Swift: `swift build`; Package.swift settings."""

from __future__ import annotations

from ...linter.lazyre import lazy
from .call import OK, Call, Verdict, text_or_unknown

_SWIFT_SETTING = lazy(r"warnings-as-errors|treatAllWarnings\(as:\s*\.error")


def swift(call: Call) -> Verdict:
    args = call.args
    if any(a == "-warnings-as-errors" and i > 0 and args[i - 1] == "-Xswiftc" for i, a in enumerate(args)):
        return OK
    manifest = text_or_unknown(call, "Package.swift")
    if not isinstance(manifest, str) or _SWIFT_SETTING.search(manifest):
        return OK
    return "no `-Xswiftc -warnings-as-errors`"
