"""Shortcuts taken for speed on large CircleCI configs answer as the code they skip would."""

from __future__ import annotations

import random

from cilint.linter import shell
from cilint.linter.load_circleci import secrets

_WORDS = ["=", "+=", "for", "read", "export ", "local ", "declare -x ", " in ", "A", "x_1", " ", ";", "&",
          "|", "(", "`", "\n", "-r ", "fo", "rea", "$", "{", "}", "echo", "npm ci"]


def _random_text(rng: random.Random) -> str:
    return "".join(rng.choice(_WORDS) for _ in range(rng.randrange(0, 12)))


def test_assigned_prefilter_agrees_with_the_pattern() -> None:
    rng = random.Random(19)
    for _ in range(20_000):
        text = _random_text(rng)
        expected = frozenset(next(g for g in m.groups() if g) for m in secrets._ASSIGNED.finditer(text))
        assert secrets._assigned.__wrapped__(text) == expected, text


def _launched_by_scan(argv: list[str]) -> list[str]:
    """`shell.launched` as it was: every launcher compared in table order."""
    for _ in range(4):
        if not argv:
            break
        for prefix in shell.LAUNCHERS:
            if tuple(argv[: len(prefix)]) == prefix:
                argv = argv[len(prefix):]
                while argv and argv[0].startswith("-"):
                    argv = argv[1:]
                break
        else:
            break
    return argv


def test_launched_by_first_word_agrees_with_the_table_scan() -> None:
    words = sorted({w for prefix in shell.LAUNCHERS for w in prefix} | {"-y", "--yes", "jest", "-u", "make", "npm"})
    rng = random.Random(19)
    for _ in range(20_000):
        argv = [rng.choice(words) for _ in range(rng.randrange(0, 8))]
        assert shell.launched(argv) == _launched_by_scan(argv), argv
