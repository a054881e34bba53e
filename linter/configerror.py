"""The error of a configuration that cannot be used.

Its own module so that `config` and the modules it reads parts of the configuration with
(`load_protection`, `policies`) raise it without importing each other.
"""

from __future__ import annotations

from pathlib import Path


class ConfigError(Exception):
    """The configuration cannot be used; `path` and `line` say where (when known)."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        where = self.path or ""
        if where and self.line:
            where += f":{self.line}"
        return f"{where}: {self.message}" if where else self.message
