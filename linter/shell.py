"""Split a `run` script into simple commands, each with its own line.

A reading good enough to judge flags, never to execute: continuations (`\\` at line end) are
joined, heredoc bodies skipped, and each logical line is tokenised with `shlex` into commands
separated by `&&`, `||`, `;`, `|`, `&` and parentheses. Leading `VAR=x` assignments, `env`,
`sudo`, `time`, `exec` and shell keywords (`then`, `do`, ...) are peeled off; `cd dir &&` gives
the following commands their working directory. A command followed by `||` is marked masked
(its failure does not fail the step). When quoting is unbalanced we fall back to whitespace.
"""

from __future__ import annotations

import re
import shlex

from .model import Command, Text

_OPERATORS = {"&&", "||", ";", "|", "&", "(", ")", ";;", "|&", "{", "}"}
_KEYWORDS = {"then", "do", "else", "elif", "if", "while", "until", "!", "time", "exec", "nohup",
             "sudo", "command", "builtin", "xargs", "eval"}
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
_ENV_OPTION = re.compile(r"-[a-zA-Z-]*$")


def split_script(script: Text) -> list[Command]:
    commands: list[Command] = []
    cwd: str | None = None
    for index, start, logical in _logical_lines(script.value):
        stripped = logical.strip()
        if not stripped or stripped.startswith("#"):
            continue
        tokens = _tokenise(logical)
        current: list[str] = []
        segments: list[tuple[list[str], str | None]] = []
        for token in tokens:
            if token in _OPERATORS or set(token) <= set(";&|()") and token:
                segments.append((current, token))
                current = []
            else:
                current.append(token)
        segments.append((current, None))
        for words, operator in segments:
            if not words:
                continue
            argv, assignments = _peel(words)
            if not argv:
                continue
            if argv[0] == "cd":
                cwd = argv[1] if len(argv) > 1 else None
                continue
            first = logical.find(argv[0])
            span = script.line_span(index, start + max(first, 0), start + len(logical.rstrip()))
            commands.append(
                Command(
                    argv=argv,
                    assignments=assignments,
                    span=span,
                    text=" ".join(words),
                    cwd=cwd,
                    masked=operator == "||",
                )
            )
    return commands


def _logical_lines(script: str) -> list[tuple[int, int, str]]:
    """(index of the first physical line, column offset, text) with continuations joined and
    heredoc bodies left out."""
    lines = script.split("\n")
    out: list[tuple[int, int, str]] = []
    i = 0
    while i < len(lines):
        first = i
        text = lines[i]
        while text.endswith("\\") and i + 1 < len(lines):
            i += 1
            text = text[:-1] + " " + lines[i].strip()
        heredoc = _HEREDOC.search(text)
        indent = len(text) - len(text.lstrip())
        out.append((first, indent, text.strip()))
        i += 1
        if heredoc:
            terminator = heredoc.group(2)
            while i < len(lines) and lines[i].strip() != terminator:
                i += 1
            i += 1
    return out


def _tokenise(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:
        return line.split()


def _peel(words: list[str]) -> tuple[list[str], dict[str, str]]:
    """Drop assignments, `env`, wrappers and keywords in front of the command itself."""
    assignments: dict[str, str] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if _ASSIGNMENT.match(word):
            name, _, value = word.partition("=")
            assignments[name] = value
        elif word == "env":
            i += 1
            while i < len(words) and _ENV_OPTION.match(words[i]):
                i += 1
            continue
        elif word in _KEYWORDS:
            pass
        else:
            break
        i += 1
    return words[i:], assignments
