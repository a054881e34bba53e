"""The built-in rules, one module each; `BUILTIN` is the registry the engine reads."""

from __future__ import annotations

from types import ModuleType

from . import invalid_reference, parse_error

BUILTIN: list[ModuleType] = [
    parse_error,
    invalid_reference,
]
