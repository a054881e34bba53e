"""`linter.lazyre.lazy` answers as `re.compile`, compiles once, and only when used; importing
what a check of a GitHub workflow imports compiles few patterns (the cold start's gain)."""

from __future__ import annotations

import re
import subprocess
import sys

from cilint.linter.lazyre import lazy

_SOURCE = r"(?P<word>[a-z]+)-(\d+)"
_TEXT = "ab-1 cd-22, x-3 and Y-4"


def test_the_lazy_pattern_answers_as_the_compiled_one() -> None:
    for flags in (0, re.I, re.I | re.M):
        compiled, deferred = re.compile(_SOURCE, flags), lazy(_SOURCE, flags)
        assert deferred.pattern == compiled.pattern and deferred.flags == compiled.flags
        assert deferred.groups == compiled.groups and deferred.groupindex == compiled.groupindex
        for method in ("search", "match", "fullmatch"):
            for text in (_TEXT, "ab-1", "", "none here"):
                got, want = getattr(deferred, method)(text), getattr(compiled, method)(text)
                assert (got and (got.span(), got.groups())) == (want and (want.span(), want.groups()))
        assert deferred.search(_TEXT, 3).span() == compiled.search(_TEXT, 3).span()  # type: ignore[union-attr]
        assert [m.span() for m in deferred.finditer(_TEXT)] == [m.span() for m in compiled.finditer(_TEXT)]
        assert deferred.findall(_TEXT) == compiled.findall(_TEXT)
        assert deferred.sub(r"<\g<word>>", _TEXT) == compiled.sub(r"<\g<word>>", _TEXT)
        assert deferred.sub(lambda m: m[2], _TEXT, count=1) == compiled.sub(lambda m: m[2], _TEXT, count=1)
        assert deferred.subn("", _TEXT) == compiled.subn("", _TEXT)
        assert deferred.split(_TEXT) == compiled.split(_TEXT)
        assert repr(deferred) == repr(compiled)


def test_the_pattern_is_compiled_once_and_only_when_used(monkeypatch: object) -> None:
    calls: list[tuple[str, int]] = []
    real = re.compile

    def counting(pattern: str, flags: int = 0) -> re.Pattern[str]:
        calls.append((pattern, flags))
        return real(pattern, flags)

    import pytest
    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setattr(re, "compile", counting)
    deferred = lazy(r"unused|\bused\b")
    assert calls == []
    assert deferred.search("it is used") is not None
    assert deferred.fullmatch("used") and deferred.split("a used b") == ["a ", " b"] and deferred.groups == 0
    assert calls == [(r"unused|\bused\b", 0)]


def test_an_unknown_attribute_is_an_attribute_error() -> None:
    deferred = lazy("x")
    assert not hasattr(deferred, "no_such_attribute")
    assert not hasattr(deferred, "__deepcopy__")


# Patterns compiled by importing the engine, the GitHub loader and every rule (a cold check of
# one workflow imports these): 170 when every pattern was compiled at import, 16 now (those of
# the YAML reader, the suppressions, the prescan and a few every check uses). The bound guards
# the gain against patterns turned back into `re.compile` at module level.
_MOST_COMPILED_AT_IMPORT = 30

_COUNT = """
import re, sys
seen = set()
real = re._compile
def counting(pattern, flags):
    caller = sys._getframe(2).f_code.co_filename  # (who called re.compile, re.search, ...)
    if not isinstance(pattern, re.Pattern) and "cilint" in caller:
        seen.add((type(pattern), pattern, flags))
    return real(pattern, flags)
re._compile = counting
import cilint.linter.engine, cilint.linter.load_github, cilint.linter.project, cilint.linter.report
import cilint.rules
re._compile = real
print(len(seen))
"""


def test_importing_the_rules_and_the_loaders_compiles_few_patterns() -> None:
    out = subprocess.run([sys.executable, "-c", _COUNT], check=True, capture_output=True, text=True).stdout
    assert int(out) <= _MOST_COMPILED_AT_IMPORT
