"""The cheap tests in front of patterns answer as the patterns alone would (speed, issue 19):

* `github_token_uses.command_uses` searches an entry's pattern only in a line holding one of the
  entry's `words`, and `load_github._hands_token` only a text holding `token` in some case;
* secrets-via-contexts searches for token formats only in strings of `_MIN_TOKEN_LENGTH` or more,
  for assignments only in texts holding a word every secret name holds, and for secret options
  only in commands holding `--` (long forms) or `-p` (short forms).

Each is proved on lines generated from the patterns themselves (or, for lengths, on the patterns'
least width) and on random lines made of the pieces the patterns are written with."""

from __future__ import annotations

import re
import re._parser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cilint.linter import github_token_uses, load_github, secretnames
from cilint.linter.github_token_uses import COMMAND_USES, CommandUse
from cilint.linter.model import Command, Span
from cilint.rules import secrets_via_contexts

_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                            HealthCheck.filter_too_much])


@pytest.mark.parametrize("use", COMMAND_USES, ids=[use.what + " " + use.pattern for use in COMMAND_USES])
def test_every_line_an_entry_matches_holds_one_of_its_words(use: CommandUse) -> None:
    # (30 lines per entry: the generator covers each alternative of a pattern within a few;
    # with 34 entries, 100 each took 13 s of the fast tier)
    @settings(_SETTINGS, max_examples=30)
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


# (compiled lazily in load_github: hypothesis's `from_regex` takes a `re.Pattern` or a string)
_TOKEN_HANDED = re.compile(load_github._TOKEN_HANDED.pattern, load_github._TOKEN_HANDED.flags)


@_SETTINGS
@given(st.from_regex(_TOKEN_HANDED))
def test_every_text_handing_the_token_holds_token(text: str) -> None:
    assert "token" in text.lower()


@_SETTINGS
@given(st.one_of(_LINES, st.from_regex(_TOKEN_HANDED)))
def test_hands_token_answers_as_the_pattern(text: str) -> None:
    assert load_github._hands_token.__wrapped__(text) == (_TOKEN_HANDED.search(text) is not None)


@pytest.mark.parametrize("token_format", secrets_via_contexts.TOKEN_FORMATS, ids=lambda f: f.label)
def test_no_token_format_matches_fewer_characters_than_the_least_length(
        token_format: secrets_via_contexts.TokenFormat) -> None:
    pattern = token_format.pattern
    least, _ = re._parser.parse(pattern.pattern, pattern.flags).getwidth()
    assert least >= secrets_via_contexts._MIN_TOKEN_LENGTH


@_SETTINGS
@given(st.from_regex(secretnames._SECRET_NAME))
def test_every_secret_name_holds_one_of_the_words(name: str) -> None:
    assert any(word in name.upper() for word in secretnames._SECRET_NAME_WORDS)


_SECRET_PIECES = sorted(set(_PIECES) | {
    "API_KEY", "PASSWORD", "PASSWD", "PWD", "_PASS", "pass", "key", "pat", "export ", "X", "1", "=", ";", "&", "|",
    ")", '"', "--password", "-p", "--token", "--client-secret", "--no-token", "--secret", "docker login", "mysql",
    "-pS3cr3tV4lue", "hunter2xyz", "Zq8#kLm2pW", "${{ secrets.X }}", "$TOKEN",
})
_SECRET_LINES = st.one_of(st.lists(st.sampled_from(_SECRET_PIECES), max_size=12).map("".join), st.text(max_size=40))


@_SETTINGS
@given(_SECRET_LINES)
def test_texts_without_the_words_assign_no_secret(text: str) -> None:
    assignments = [match.group(1) for match in secrets_via_contexts._ASSIGNMENT.finditer(text)]
    if any(secretnames.is_secret_name(name) for name in assignments):
        assert secretnames.may_name_secret(text)


def _command(text: str) -> Command:
    return Command(text.split(), {}, Span("x", 1, 1, 1, 1), text)


@_SETTINGS
@given(_SECRET_LINES, st.sampled_from(["", load_github.TEMPLATE_WORD]))
def test_secret_argument_answers_as_without_the_tests(text: str, template_word: str) -> None:
    # What `secret_argument` answered before the tests on `--` and `-p` were put in front.
    command = _command(text)
    long_password, short_password = secrets_via_contexts._password_forms(template_word)
    expected: tuple[str, str] | None = None
    long_form = long_password.search(text)
    if long_form:
        expected = ("--password", long_form.group(1))
    else:
        for option in secrets_via_contexts._SECRET_OPTION.finditer(text):
            name = option.group(1)
            if not secretnames.is_secret_name(name) or secrets_via_contexts._NOT_SECRET_OPTIONS.search(name):
                continue
            given_ = secrets_via_contexts._value_form(template_word).match(text, option.end())
            if given_ and not given_.group(1).startswith("-"):
                expected = (f"--{name}", given_.group(1))
                break
        else:
            short = secrets_via_contexts._short_password(command, text, short_password)
            expected = ("-p", short) if short is not None else None
    assert secrets_via_contexts.secret_argument(command, template_word) == expected
