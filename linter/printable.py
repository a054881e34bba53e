"""Text from the checked files made safe to show: one escape for every output format.

Job ids, image names, file names, matrix values and policy texts come from the repository being
checked. Before they reach a terminal, a CI log or a Markdown comment, control characters (C0,
DEL, C1), line and paragraph separators and explicit bidirectional controls are written as escapes
(`\\x1b`, `\\n`, `\\u202e`): a file cannot move the cursor, retitle the window, hide text, start a
new line (a forged `::error` workflow command, a closed code fence) or reorder what is shown.
Values quoted in messages are cut to MAX_QUOTED characters (`clip`).
"""

from __future__ import annotations

import unicodedata

# Explicit bidirectional formatting characters (Unicode TR9; "Trojan Source", CVE-2021-42574):
# not control characters, yet they reorder what a terminal shows.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_char(char: str) -> str:
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def unsafe(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI


def printable(text: str) -> str:
    """`text` with control characters (C0, DEL, C1), line and paragraph separators and bidi
    controls escaped (`\\x1b`, `\\n`, `\\u202e`), so that it reaches a terminal as text."""
    if text.isprintable():  # the common case; every character escaped below is not printable
        return text
    return "".join(escape_char(char) if unsafe(char) else char for char in text)




# How much of a value from the checked files a message quotes (docs/limits.md): a 1 MB parameter
# default must not be copied into the message of every matrix leg. Enough for any valid image
# reference, shown whole (OCI distribution spec: a name of at most 255 characters, a tag of 128, a
# sha256 digest of 71), so that cutting never changes the message, or fingerprint, of a real one.
MAX_QUOTED = 500


def clip(text: str, width: int = MAX_QUOTED) -> str:
    """`text`, or its first `width - 1` characters and `…` when longer: for quoting a value."""
    return text if len(text) <= width else text[: width - 1] + "\u2026"
