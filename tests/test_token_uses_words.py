"""The literal tests in front of the least-privilege patterns answer as the patterns alone would:
`github_token_uses.command_uses` searches an entry's pattern only in a line holding one of the
entry's `words`, and `load_github._hands_token` searches only a text holding `token` in some case.
Each is proved on lines generated from the patterns themselves and on random lines made of the
pieces the patterns are written with."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cilint.linter import github_token_uses, load_github
from cilint.linter.github_token_uses import COMMAND_USES, CommandUse

_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                            HealthCheck.filter_too_much])


@pytest.mark.parametrize("use", COMMAND_USES, ids=[use.what + " " + use.pattern for use in COMMAND_USES])
def test_every_line_an_entry_matches_holds_one_of_its_words(use: CommandUse) -> None:
    @_SETTINGS
    @given(st.from_regex(use.pattern))
    def check(line: str) -> None:
        assert any(word in line for word in use.words), (line, use.words)

    check()


# What the patterns are written with, and a few characters around them: joined at random, they
# make lines that match some entries and miss others by one piece.
_PIECES = sorted({word for use in COMMAND_USES for word in use.words} | {
    "git", "gh", "pr", "create", "comment", "run", "cancel", "workflow", "cache", "delete", "api", "issue", "label",
    "docker", "podman", "helm", "oras", "--push", "npm", "yarn", "pnpm", "mvn", "gradle", "sbt", "publishing",
    "dotnet", "nuget", "uv", "twine", "poetry", "cargo", "sign", "attest", "URL", "TOKEN", "ghcr", ".io", "mkdocs",
    "codeql", "github", "version", "semantic-", "-it", "go", "x", "_", "-", ".", "=", "(", "`", "$", " ", "  ",
    "\t", "\n", "/", "'", "[", "]", "secrets", "token", "Token", "GITHUB_TOKEN", "\u212a", "\u017f",
})
_LINES = st.one_of(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join), st.text(max_size=40))


@_SETTINGS
@given(_LINES)
def test_command_uses_answer_as_searching_every_pattern(line: str) -> None:
    expected = tuple(use for use in COMMAND_USES if re.search(use.pattern, line))
    assert github_token_uses.command_uses.__wrapped__(line) == expected


_TOKEN_HANDED = load_github._TOKEN_HANDED


@_SETTINGS
@given(st.from_regex(_TOKEN_HANDED))
def test_every_text_handing_the_token_holds_token(text: str) -> None:
    assert "token" in text.lower()


@_SETTINGS
@given(st.one_of(_LINES, st.from_regex(_TOKEN_HANDED)))
def test_hands_token_answers_as_the_pattern(text: str) -> None:
    assert load_github._hands_token.__wrapped__(text) == (_TOKEN_HANDED.search(text) is not None)
