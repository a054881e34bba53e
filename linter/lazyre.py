"""Regular expressions compiled on first use.

cilint's modules define about 150 patterns at import time, and a check of one small workflow
uses a tenth of them: compiling the others was an eighth of the instructions of that run.
`lazy(pattern, flags)` stands for `re.compile(pattern, flags)`: the first use of any attribute
compiles the pattern (through `re.compile`, so with re's own cache) and stores the compiled
pattern's bound methods and attributes in the object's slots, so that later calls cost what
the compiled pattern's do (a slot read, then the bound method).

A call through it costs about 10 ns more than through the compiled pattern (a slot read and a
bound method rather than a method): the few patterns that nearly every check calls thousands of
times (the shell lexer's, the `uses:` reference, the token markers) stay `re.compile`.

What it is not: a `re.Pattern` instance. Do not pass one to `isinstance(x, re.Pattern)`, to
`re.compile`/`re.sub(pattern, ...)` (which want a pattern or a string), to `pickle`, or use it
as a key (it hashes and compares by identity); build another pattern from its `.pattern` only
where that one is lazy too or the compile happens anyway. tests/test_lazyre.py holds it to the
compiled pattern's answers.
"""

from __future__ import annotations

import re
from typing import Any, cast

# Every attribute of a compiled pattern (3.11), stored on the first use of any of them.
_ATTRIBUTES = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split",
               "scanner", "pattern", "flags", "groups", "groupindex")


class _Slots:
    __slots__ = ("_source", "_flags", *_ATTRIBUTES)
    _source: str
    _flags: int

    def __repr__(self) -> str:
        return repr(re.compile(self._source, self._flags))


class _Compiled(_Slots):
    """A `_LazyPattern` once compiled: its slots filled, and no `__getattr__` left, so that the
    interpreter reads the slots as fast as any (a class with `__getattr__` is read the slow way)."""

    __slots__ = ()


class _LazyPattern(_Slots):
    __slots__ = ()

    def __init__(self, source: str, flags: int) -> None:
        self._source = source
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        """Called only while the slot `name` is empty, that is before the first use (or for a
        name that is no slot)."""
        if name not in _ATTRIBUTES:
            raise AttributeError(name)
        compiled = re.compile(self._source, self._flags)
        for attribute in _ATTRIBUTES:
            setattr(self, attribute, getattr(compiled, attribute))
        object.__setattr__(self, "__class__", _Compiled)  # (the same slots: allowed)
        return getattr(compiled, name)


def lazy(pattern: str, flags: int | re.RegexFlag = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, compiled when first used. Typed as the compiled pattern it
    answers as (the one cast: `_LazyPattern` has each attribute of `re.Pattern[str]` that
    cilint uses, filled in by `__getattr__`)."""
    return cast("re.Pattern[str]", _LazyPattern(pattern, int(flags)))
