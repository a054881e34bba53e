"""Split a `run` script into simple commands, each with its own place in the file.

A reading good enough to judge a command's flags, never to execute it. A small lexer walks the
script once, as bash would tokenise it: quotes (`'…'`, `"…"`, `$'…'`), escapes, `$(…)`, `${…}`,
backticks, GitHub `${{ … }}` and CircleCI `<< parameters.x >>` stay inside their word; `#` starts
a comment only at the start of a word; a backslash at the end of a line continues it; `&&`, `||`,
`;`, `|`, `&`, newlines and parentheses end a command; redirections (`2>&1`, `>> file`, `<<EOF`)
are dropped from the arguments and heredoc bodies skipped.

Each command's words are then peeled: leading `VAR=x` assignments, `env`, wrappers such as
`sudo -E`, `time -p`, `timeout 10m`, and shell keywords (`if`, `then`, `do`, ...) are removed;
`for`/`case` headers and `case` patterns are not commands. `cd dir` (and `pushd`/`popd`) gives
the following commands their working directory, scoped to a `( … )` subshell; `bash -c '…'`,
`sh -c` and `eval` are read recursively. A command followed by `||` is marked masked.

How each command's failure is treated is read too (`Command.fallback`, `piped`, `errexit`,
`pipefail`, `status_read`, `last`): what runs after `||`, a pipe to a further command, `set +e` /
`set -o pipefail` (and their opposites) written before it, a `$?` or `PIPESTATUS` read right after
it. Whether the failure is lost then depends on the shell the step runs in: `shell_options` reads
`set -e` and `-o pipefail` from a shell's command line (`bash -eo pipefail {0}`, `/bin/sh`); each
loader knows its platform's default shells.

Why not a parser library: the scripts are not pure shell (`${{ }}` and `<< >>` templates sit
in them), most are a handful of lines, and a rule needs only simple commands with positions.
bashlex is GPL-licensed and rejects much real-world shell; tree-sitter-bash needs a native
grammar package. Both would still need the template handling done here.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections import deque
from functools import lru_cache
from typing import Literal, NamedTuple

from .lazyre import lazy
from .values import Command, Span, Text

# Compiled on first use (`lazy`), but for those every script's lexing calls (`re.compile`: a
# lazy pattern's call costs a little more, and a script compiles them anyway).
_ASSIGNMENT = lazy(r"[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")
_TEMPLATE = lazy(r"<<\s*[A-Za-z_][\w-]*(\.[\w-]+)+\s*>>")  # CircleCI `<< parameters.x >>`
_HEREDOC = lazy(r"<<(-?)\s*(?:'([^']*)'|\"([^\"]*)\"|\\?([^\s;&|<>()]+))")
_REDIRECT = lazy(r"(&>>|&>|>>|>\||>&|<&|<>|>|<<<|<)")
_FD_WORD = lazy(r"\d+|\{[A-Za-z_][A-Za-z0-9_]*\}")
_PLAIN_CHARACTER = r"[^\s'\"\\$`<>()&|;#{}]"  # a character that is only itself
_PLAIN = re.compile(_PLAIN_CHARACTER + "+")
_NEWLINE = re.compile("\n")
_BLANKS = re.compile(r"[ \t\r]+")
_DUPLICATED_FD = lazy(r"\d+-?|-")  # what `>&` and `<&` take: `2>&1`, `>&-`
_CONTINUATION = lazy(r"\\\n\s*")  # a backslash-newline and the indentation after it
_DOUBLE_QUOTED_ESCAPE = lazy(r'\\([\\"$`])')  # what a backslash escapes inside "…"
_OPERATORS = ("&&", "||", ";;&", ";;", ";&", "|&", ";", "|", "&", "(", ")")
_OPERATOR = re.compile("|".join(map(re.escape, _OPERATORS)))  # the first of them that matches
# The lexer tries operators and redirections at each character that is not a plain word
# character: the first character rules most of them out at once.
_OPERATOR_STARTS = frozenset(op[0] for op in _OPERATORS)
# Most of a script is words of plain characters and operators between blanks: where no word is
# under way, the lexer takes such a token, and the blanks around it, in one match (group 1: a
# word, 2: an operator). A word must end where it does whatever it holds: not before `>` (`2>`
# is a file descriptor) or `(` (`a=(1 2)`); `&>` is a redirection.
_FAST_TOKEN = re.compile(
    rf"[ \t\r]*(?:({_PLAIN_CHARACTER}+)(?=[ \t\r\n;|)]|&(?!>)|\Z)|(?!&>)({_OPERATOR.pattern}))[ \t\r]*"
)

# Words that open or close compound commands: dropped from the front of a command.
_KEYWORDS = frozenset({"if", "then", "else", "elif", "while", "until", "do", "!", "{", "[[", "fi", "done",
                       "esac", "}"})
# Headers whose words are not a command: `for x in a b`, `select`, `case $x in`, `function f`.
_HEADERS = frozenset({"for", "select", "case", "function"})
# Commands that run the command after their own options: options taking a value, positional
# arguments before the command.
_WRAPPERS: dict[str, tuple[frozenset[str], int]] = {
    "sudo": (frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "--user", "--group",
                        "--chdir", "--prompt", "--host", "--role", "--type", "--other-user"}), 0),
    "time": (frozenset({"-f", "-o", "--format", "--output"}), 0),
    "nice": (frozenset({"-n", "--adjustment"}), 0),
    "timeout": (frozenset({"-s", "--signal", "-k", "--kill-after"}), 1),
    "env": (frozenset({"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}), 0),
    "nohup": (frozenset(), 0),
    "exec": (frozenset({"-a"}), 0),
    "command": (frozenset(), 0),
    "builtin": (frozenset(), 0),
    "stdbuf": (frozenset({"-i", "-o", "-e", "--input", "--output", "--error"}), 0),
    "unbuffer": (frozenset(), 0),
    "xargs": (frozenset({"-I", "-i", "-n", "-P", "-L", "-l", "-d", "-E", "-e", "-s", "-a", "--max-args",
                         "--max-procs", "--max-lines", "--delimiter", "--eof", "--max-chars",
                         "--arg-file", "--replace"}), 0),
    "xvfb-run": (frozenset({"-n", "--server-num", "-e", "--error-file", "-f", "--auth-file", "-p",
                            "--xauth-protocol", "-s", "--server-args", "-w", "--wait"}), 0),
}
_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh"})
_SCRIPT_RUNNERS = _SHELLS | {"eval"}  # see _inner_script
_DIRECTORY_COMMANDS = frozenset({"cd", "pushd", "popd"})  # see _directory
MAX_DEPTH = 4  # `bash -c` inside `bash -c` ...


# redir: its target is the next word; redir-done: one that has its target (`2>&1`, `<<EOF`)
_TokenKind = Literal["word", "op", "redir", "redir-done"]


class _Token(NamedTuple):  # a tuple: a long script lexes into thousands of them
    kind: _TokenKind
    text: str  # a word unquoted; an operator as written ("\n" for a newline)
    start: int
    end: int


# A named tuple's own __new__ is a Python function: one call fewer per token, command and span.
_new_tuple = tuple.__new__


class _Simple(NamedTuple):
    """One simple command as it was lexed: its words (redirection targets left out)."""

    words: list[_Token]
    start: int  # of its first token, redirections included
    end: int
    operator: str | None  # what ends it


class _Planned(NamedTuple):
    """A command of a script, with its place as offsets into the script's text."""

    argv: tuple[str, ...]
    assignments: tuple[tuple[str, str], ...]
    text: str
    cwd: str | None
    masked: bool
    fallback: tuple[tuple[str, ...], ...] | None
    piped: bool
    errexit: bool | None
    pipefail: bool | None
    status_read: bool
    last: bool
    output: str | None
    # Where its span starts and ends: line `line` of the script, columns from that line's start,
    # the end cut at the end of the line (`bash -c '…'` commands: the outer command's).
    line: int
    start: int
    end: int


def split_script(script: Text, cwd: str | None = None) -> list[Command]:
    """The script's simple commands; `cwd` is the directory the step starts in (as written)."""
    planned = _plan(script.value, _join(None, cwd))
    if script.body_line is None:  # folded or multi-line plain: only the whole value is known
        return [Command(list(p.argv), dict(p.assignments), script.span, p.text, p.cwd, p.masked, *p[5:12])
                for p in planned]
    # Arguments by position and the span made as a plain tuple: a corpus run makes 40,000 of each.
    path, first, column = script.span.path, script.body_line, script.body_column
    return [Command(list(p.argv), dict(p.assignments),
                    _new_tuple(Span, (path, first + p.line, column + p.start, first + p.line, column + p.end)),
                    p.text, p.cwd, p.masked, *p[5:12]) for p in planned]


# Reading a script depends on its text and starting directory only; its place in the file is
# applied afterwards. The same scripts recur many times (each matrix leg has its own steps, each
# use of a CircleCI command or composite action inlines its scripts): 13,165 scripts of the 1,448
# corpus workflows hold 4,321 distinct texts; in the generated 5,000-job config, `npm ci` alone is
# 5,000 of its 15,000 scripts.
@lru_cache(maxsize=8192)
def _plan(text: str, start_cwd: str | None) -> tuple[_Planned, ...]:
    return tuple(_Splitter(text).commands(text, start_cwd=start_cwd))


class _Splitter:
    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]

    # -- positions ---------------------------------------------------------------------------

    def place(self, start: int, end: int) -> tuple[int, int, int]:
        """(line, start column, end column) of `start..end`, all 0-based, cut at the end of the
        line `start` is on."""
        index = bisect.bisect_right(self.line_starts, start) - 1
        line_start = self.line_starts[index]
        # (from the next line's start, not a search: a line of many commands is searched once)
        line_end = self.line_starts[index + 1] - 1 if index + 1 < len(self.line_starts) else len(self.text)
        return index, start - line_start, min(end, line_end) - line_start

    # -- commands ----------------------------------------------------------------------------

    def commands(self, text: str, outer: _Planned | None = None, depth: int = 0,
                 start_cwd: str | None = None) -> list[_Planned]:
        out: list[_Planned] = []
        cwd: str | None = outer.cwd if outer else start_cwd
        stack: list[str | None] = []  # cwd saved by `(` (subshells) and `pushd`
        in_case = False
        simples = _simples(_lex(text))
        last = _last_command(simples)
        options: tuple[bool | None, bool | None] = (None, None)  # `set -e`, `set -o pipefail`
        for index, simple in enumerate(simples):
            if simple.operator == "(" and not simple.words:
                stack.append(cwd)
                continue
            words = [w.text for w in simple.words]
            if words and words[0] in _HEADERS:
                in_case = in_case or words[0] == "case"
                continue
            if in_case and simple.operator == ")":  # a `case` pattern, not a command
                continue
            if words and words[0] == "esac":
                in_case = False
            argv, assignments = _peel(words)
            if argv:
                if argv[0] in _DIRECTORY_COMMANDS:
                    cwd, stack = _directory(argv, cwd, stack)
                else:
                    facts = _Facts(_fallback(simples, index), simple.operator in ("|", "|&"), *options,
                                   _status_read(text, simples, index) or words[0] in _TESTS,
                                   _ends_script(simples, index, last), _output(text, simples, index))
                    out.extend(self._command(text, simple, argv, assignments, cwd, outer, depth, facts))
                    if argv[0] == "set":
                        options = _set_options(argv[1:], options)
            if simple.operator == ")" and stack and not in_case:
                cwd = stack.pop()
        return out

    def _command(self, text: str, simple: _Simple, argv: list[str], assignments: dict[str, str],
                 cwd: str | None, outer: _Planned | None, depth: int, facts: _Facts) -> list[_Planned]:
        if outer is not None:
            place = outer.line, outer.start, outer.end
            assignments = {**dict(outer.assignments), **assignments}
        else:  # from the first word that is not a keyword (`then cargo build`: from `cargo`)
            start = simple.start
            for word in simple.words:
                if word.text not in _KEYWORDS:
                    start = word.start
                    break
            place = self.place(start, simple.end)
        written = text[simple.start:simple.end]
        if "\\\n" in written:  # (a search is cheaper than a substitution that finds nothing)
            written = _CONTINUATION.sub(" ", written)
        if outer is not None:  # `bash -c '…'`: what is true of the outer command is true of its commands
            facts = _Facts(facts.fallback if facts.fallback is not None else outer.fallback,
                           facts.piped or outer.piped, facts.errexit, facts.pipefail,
                           facts.status_read or outer.status_read, facts.last and outer.last,
                           facts.output if facts.output is not None else outer.output)
        command = _new_tuple(_Planned, (tuple(argv), tuple(assignments.items()), written, cwd,
                                        simple.operator == "||" or (outer is not None and outer.masked),
                                        *facts, *place))
        inner = _inner_script(argv) if argv[0] in _SCRIPT_RUNNERS else None
        if inner is not None and depth < MAX_DEPTH:
            return self.commands(inner, command, depth + 1)
        return [command]


class _Facts(NamedTuple):
    """How a command's failure is treated (see `Command`)."""

    fallback: tuple[tuple[str, ...], ...] | None
    piped: bool
    errexit: bool | None
    pipefail: bool | None
    status_read: bool
    last: bool
    output: str | None


# Keywords whose command's status is tested, not lost: `if pytest; then`, `! cmd`, `while`.
_TESTS = frozenset({"if", "elif", "while", "until", "!"})
_LIST_OPERATORS = frozenset({"&&", "||", "|", "|&", "("})  # a list goes on after them


def _last_command(simples: list[_Simple]) -> int:
    """The index of the script's last command (not a closing keyword such as `fi`)."""
    for index in range(len(simples) - 1, -1, -1):
        if _peel([w.text for w in simples[index].words])[0]:
            return index
    return -1


def _ends_script(simples: list[_Simple], index: int, last: int) -> bool:
    """Whether the command's status can be the script's: it is the last command, or `&&` and pipes
    join it to the last one (`make test && make clean` at the end)."""
    return index <= last and all(s.operator in ("&&", "|", "|&") for s in simples[index:last])


def _fallback(simples: list[_Simple], index: int) -> tuple[tuple[str, ...], ...] | None:
    """The commands after `||` that run when the command at `index` fails, to the end of the list
    (a `{ …; }` group or `( … )` subshell after it included)."""
    if simples[index].operator != "||":
        return None
    out: list[tuple[str, ...]] = []
    depth = 0
    for simple in simples[index + 1:]:
        words = [w.text for w in simple.words]
        depth += words.count("{") + (simple.operator == "(")
        argv = _peel(words)[0]
        argv = [w for w in argv if w != "}"]
        if argv:
            out.append(tuple(argv))
        depth -= words.count("}") + (simple.operator == ")")
        if depth <= 0 and simple.operator not in _LIST_OPERATORS:
            break
    return tuple(out)


# A redirection of standard output to a file (`> f`, `>> f`, `1> f`, `&> f`; not `2> f`, `>&2`).
_STDOUT_REDIRECT = lazy(r"(?:^|(?<=[\s;]))1?(?:>>|>\||&>>|&>|>)(?!&)\s*([^\s;&|<>()]+)")


def _output(text: str, simples: list[_Simple], index: int) -> str | None:
    """The file the output of the pipeline that the command at `index` starts or is part of goes
    to: the first file a later `tee` of the pipeline writes, else the stdout redirection of its
    last command (None: the terminal or `/dev/null`)."""
    end = index
    while end < len(simples) - 1 and simples[end].operator in ("|", "|&"):
        end += 1
    for simple in simples[index + 1:end + 1]:
        argv = _peel([w.text for w in simple.words])[0]
        if argv[:1] == ["tee"]:
            files = [a for a in argv[1:] if not a.startswith("-")]
            if files:
                return files[0]
    written = text[simples[end].start:simples[end].end]
    if ">" not in written:
        return None
    targets = _STDOUT_REDIRECT.findall(written)
    target = targets[-1].strip("'\"") if targets else None
    return None if target in (None, "", "/dev/null") else target


_STATUS_READ = re.compile(r"\$\?|PIPESTATUS|pipestatus")


def _status_read(text: str, simples: list[_Simple], index: int) -> bool:
    """Whether the command after the pipeline that ends at or after `index` reads its status."""
    while index < len(simples) and simples[index].operator in ("|", "|&"):
        index += 1
    if index + 1 >= len(simples):
        return False
    after = simples[index + 1]
    return _STATUS_READ.search(text, after.start, after.end) is not None


def _set_options(args: list[str], options: tuple[bool | None, bool | None]) -> tuple[bool | None, bool | None]:
    """`set -e`/`+e`, `-o errexit`, `-o pipefail` (and combined `-euxo pipefail`) applied."""
    errexit, pipefail = options
    i = 0
    while i < len(args):
        word = args[i]
        if len(word) < 2 or word[0] not in "-+" or word.startswith("--"):
            break
        on = word[0] == "-"
        if "e" in word[1:]:
            errexit = on
        if "o" in word[1:] and i + 1 < len(args):
            i += 1
            if args[i] == "pipefail":
                pipefail = on
            elif args[i] == "errexit":
                errexit = on
        i += 1
    return errexit, pipefail


@lru_cache(maxsize=256)
def shell_options(command: str) -> tuple[bool | None, bool | None]:
    """(errexit, pipefail) of a shell started as `command` (`bash --noprofile --norc -eo pipefail
    {0}`, `/bin/sh`, `bash {0}`): whether `-e` and `-o pipefail` are on. (None, None) when it is
    not a POSIX shell (`pwsh`, `python {0}`, `cmd`). Memoised: every `run` step asks, with a few
    distinct shells."""
    words = command.split()
    if not words or posixpath.basename(words[0]) not in _SHELLS:
        return None, None
    errexit, pipefail = _set_options([w for w in words[1:] if not w.startswith("--") and w != "{0}"],
                                     (False, False))
    return errexit, pipefail


def _directory(argv: list[str], cwd: str | None,
               stack: list[str | None]) -> tuple[str | None, list[str | None]]:
    """The working directory after `cd`, `pushd` or `popd`."""
    name = argv[0]
    if name == "popd":
        return (stack.pop() if stack else None), stack
    target = next((a for a in argv[1:] if not a.startswith("-") or a == "-"), None)
    if name == "pushd":
        stack.append(cwd)
    return _join(cwd, target), stack


def _join(cwd: str | None, target: str | None) -> str | None:
    if target is None or target in ("~", "-"):
        return None if target is None else target
    if target.startswith(("/", "~", "$")) or cwd is None:
        joined = target
    else:
        joined = f"{cwd}/{target}"
    normal = posixpath.normpath(joined)
    return None if normal == "." else normal


def _inner_script(argv: list[str]) -> str | None:
    """The script `bash -c '…'`, `sh -c` or `eval …` runs."""
    if argv[0] == "eval":
        return " ".join(argv[1:]) or None
    if argv[0] not in _SHELLS:
        return None
    for index, word in enumerate(argv[1:], start=1):
        if not word.startswith("-"):
            return None
        if "c" in word[1:] and not word.startswith("--") and index + 1 < len(argv):
            return argv[index + 1]
    return None


def _peel(words: list[str]) -> tuple[list[str], dict[str, str]]:
    """Drop assignments, wrappers and keywords in front of the command itself."""
    assignments: dict[str, str] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if "=" in word and _ASSIGNMENT.match(word):
            name, _, value = word.partition("=")
            assignments[name.rstrip("+")] = value
            i += 1
        elif word in _KEYWORDS:
            i += 1
        elif word in _WRAPPERS and i + 1 < len(words):
            i = _skip_wrapper(words, i)
        else:
            break
    return words[i:], assignments


def _skip_wrapper(words: list[str], i: int) -> int:
    """The index of the first word after a wrapper's own options and positional arguments."""
    takes_value, positional = _WRAPPERS[words[i]]
    i += 1
    while i < len(words) and words[i].startswith("-") and len(words[i]) > 1:
        option = words[i]
        i += 1
        if option == "--":
            break
        if option in takes_value:
            i += 1
    return i + positional


# ---------------------------------------------------------------------------------------------
# Grouping tokens into simple commands


def _simples(tokens: list[_Token]) -> list[_Simple]:
    """The simple commands with words, and the `(` that open subshells."""
    out: list[_Simple] = []
    words: list[_Token] = []
    start = end = -1
    redirect_target = False
    for token in tokens:
        kind = token.kind
        if kind == "op":
            if words or token.text == "(":
                out.append(_new_tuple(_Simple, (words, start, end, token.text)))
            words, start, end, redirect_target = [], -1, -1, False
            continue
        if start < 0:
            start = token.start
        end = token.end
        if kind != "word":  # "redir" or "redir-done"
            redirect_target = kind == "redir"
        elif redirect_target:
            redirect_target = False
        else:
            words.append(token)
    if words:
        out.append(_new_tuple(_Simple, (words, start, end, None)))
    return out


# ---------------------------------------------------------------------------------------------
# The lexer


class _Lexer:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.tokens: list[_Token] = []
        self.heredocs: deque[tuple[str, bool]] = deque()  # (terminator, strip tabs) awaiting the next line
        self.word: list[str] = []
        self.word_start = -1

    def run(self) -> list[_Token]:
        s = self.s
        tokens = self.tokens
        while self.i < len(s):
            if self.word_start < 0 and (fast := _FAST_TOKEN.match(s, self.i)) is not None:
                if fast.group(1) is not None:
                    tokens.append(_new_tuple(_Token, ("word", fast.group(1), fast.start(1), fast.end(1))))
                else:
                    tokens.append(_new_tuple(_Token, ("op", fast.group(2), fast.start(2), fast.end(2))))
                self.i = fast.end()
                continue
            c = s[self.i]
            if c == "\\" and s.startswith("\\\n", self.i):
                self.i += 2
            elif c in " \t\r":  # the whole run of blanks: the fast match is not tried again within it
                self.end_word()
                self.i = _BLANKS.match(s, self.i).end()  # type: ignore[union-attr]  # (c is one)
            elif c == "\n":
                self.end_word()
                self.add("op", "\n", self.i, self.i + 1)
                self.i += 1
                if self.heredocs:
                    self.skip_heredocs()
            elif c == "#" and not self.word:
                end = s.find("\n", self.i)
                self.i = len(s) if end < 0 else end
            elif (plain := _PLAIN.match(s, self.i)) is not None:
                self.append(plain.group(), self.i)
                self.i = plain.end()
            elif s.startswith(("<(", ">("), self.i) or not (self.operator() or self.redirection()):
                self.word_char()
        self.end_word()
        return self.tokens

    def add(self, kind: _TokenKind, text: str, start: int, end: int) -> None:
        self.tokens.append(_new_tuple(_Token, (kind, text, start, end)))

    def end_word(self) -> None:
        if self.word_start >= 0:  # (else there is no word: `word` is empty)
            self.add("word", "".join(self.word), self.word_start, self.i)
            self.word, self.word_start = [], -1

    def append(self, text: str, start: int) -> None:
        if self.word_start < 0:
            self.word_start = start
        self.word.append(text)

    def operator(self) -> bool:
        s, i = self.s, self.i
        if s[i] not in _OPERATOR_STARTS:
            return False
        if s.startswith(("&>", ">&"), i) or (s[i] == "(" and self.word and "".join(self.word).endswith("=")):
            return False
        match = _OPERATOR.match(s, i)
        if match is None:
            return False
        self.end_word()
        self.add("op", match.group(), i, match.end())
        self.i = match.end()
        return True

    def redirection(self) -> bool:
        s, i = self.s, self.i
        if s[i] not in "<>&":  # where every redirection starts (see _REDIRECT, _HEREDOC)
            return False
        if s.startswith("<<", i) and not s.startswith("<<<", i):
            if _TEMPLATE.match(s, i):
                return False
            match = _HEREDOC.match(s, i)
            if match:
                self.fd_prefix()
                self.end_word()
                terminator = next(g for g in match.groups()[1:] if g is not None)
                self.heredocs.append((terminator, match.group(1) == "-"))
                self.add("redir-done", "<<", i, match.end())
                self.i = match.end()
                return True
        match = _REDIRECT.match(s, i)
        if not match:
            return False
        self.fd_prefix()
        self.end_word()
        op = match.group(1)
        self.i = match.end()
        if op in (">&", "<&"):
            target = _DUPLICATED_FD.match(s, self.i)
            if target:
                self.i = target.end()
                self.add("redir-done", op, i, self.i)
                return True
            op = op[0]  # `>& file`: the same as `> file`
        self.add("redir", op, i, self.i)
        return True

    def fd_prefix(self) -> None:
        """`2>`: a word of digits (or `{fd}`) glued to a redirection is its file descriptor."""
        if self.word and _FD_WORD.fullmatch("".join(self.word)):
            self.word, self.word_start = [], -1

    def skip_heredocs(self) -> None:
        s = self.s
        while self.heredocs:
            terminator, strip = self.heredocs.popleft()
            while self.i < len(s):
                end = s.find("\n", self.i)
                end = len(s) if end < 0 else end
                line = s[self.i:end]
                self.i = min(end + 1, len(s))
                if (line.lstrip("\t") if strip else line).strip() == terminator:
                    break

    def word_char(self) -> None:
        s, i = self.s, self.i
        c = s[i]
        if c == "'":
            end = _find(s, "'", i + 1)
            self.append(s[i + 1:end], i)
            self.i = end + 1
        elif c == '"':
            end = _double_quoted_end(s, i + 1)
            quoted = s[i + 1:end]
            self.append(_DOUBLE_QUOTED_ESCAPE.sub(r"\1", quoted) if "\\" in quoted else quoted, i)
            self.i = end + 1
        elif c == "$" and s.startswith("$'", i):
            end = _ansi_end(s, i + 2)
            self.append(s[i + 2:end], i)
            self.i = end + 1
        elif c == "\\" and i + 1 < len(s):
            self.append(s[i + 1], i)
            self.i = i + 2
        else:
            end = self.word_part_end(i)
            self.append(s[i:end], i)
            self.i = end

    def word_part_end(self, i: int) -> int:
        """The end of an expansion, template or array starting at i, else of the one character."""
        s = self.s
        end = _expansion_end(s, i)
        if end is not None:
            return end
        template = _TEMPLATE.match(s, i) if s[i] == "<" else None
        if template:
            return template.end()
        if s[i] == "(" and self.word:  # `arr=(a b)`
            return _balanced_end(s, i + 1, "(", ")") + 1
        return i + 1


def _lex(text: str) -> list[_Token]:
    return _Lexer(text).run()


def _find(s: str, char: str, start: int) -> int:
    end = s.find(char, start)
    return len(s) if end < 0 else end


# The characters the scans below act on; they jump over the others in one search rather than
# one Python step per character (quoted strings and `$(…)` hold most of a script's text).
_DOUBLE_QUOTED_STOP = re.compile(r'[\\"$`<>]')  # an escape, the end, or where an expansion may start
_BALANCED_STOP = {"(": lazy(r"""[\\'"()]"""), "{": lazy(r"""[\\'"{}]""")}


def _double_quoted_end(s: str, i: int) -> int:
    """The index of the `"` closing a double-quoted string whose text starts at i."""
    return _scan(s, i, _QUOTE)


def _ansi_end(s: str, i: int) -> int:
    while i < len(s) and s[i] != "'":
        i += 2 if s[i] == "\\" else 1
    return min(i, len(s))


def _expansion_end(s: str, i: int) -> int | None:
    """The end of a `${{ … }}`, `$(…)`, `${…}` or backtick expansion starting at i, if one does."""
    if s.startswith("${{", i):
        end = s.find("}}", i + 3)
        return len(s) if end < 0 else end + 2
    if s.startswith("$(", i):
        return _balanced_end(s, i + 2, "(", ")") + 1
    if s.startswith("${", i):
        return _balanced_end(s, i + 2, "{", "}") + 1
    if s.startswith(("<(", ">("), i):  # process substitution
        return _balanced_end(s, i + 2, "(", ")") + 1
    if s[i] == "`":
        return _find(s, "`", i + 1) + 1
    return None


def _balanced_end(s: str, i: int, open_: str, close: str) -> int:
    """The index of the `close` matching an already opened `open_`, quotes respected."""
    return _scan(s, i, open_)


# What `_scan` is inside of: a double-quoted string, or `(…)` / `{…}` (the opening character).
_QUOTE = '"'


def _scan(s: str, i: int, inside: str) -> int:
    """The index of the character closing the construct `inside` whose text starts at i (len(s)
    when it is not closed): `"` for a double-quoted string, the matching `)` or `}` for one
    opened by `(` or `{`.

    One pass, with the constructs opened on the way on a stack of its own rather than the
    interpreter's: `"$("$("$(…` nests a string in a substitution in a string as deep as the
    script is long (recursion would overflow the interpreter's stack). Inside a string, an
    expansion (`$(`, `${`, `<(`, `>(`) opens a construct, `${{ … }}` and backticks are skipped
    whole; inside `(…)` or `{…}`, single quotes are skipped, a `"` opens a string, and the same
    bracket opened again only deepens the count (bash counts them the same way here)."""
    n = len(s)
    # Each entry: `"`, or the opening bracket and how many of it are open.
    stack: list[tuple[str, int]] = [(inside, 1)]
    while True:
        kind, depth = stack[-1]
        if kind == _QUOTE:
            stop = _DOUBLE_QUOTED_STOP.search(s, i)
            if stop is None:
                return n
            i = stop.start()
            c = s[i]
            if c == "\\":
                i += 2
            elif c == '"':
                stack.pop()
                if not stack:
                    return i
                i += 1
            elif s.startswith("${{", i):
                end = s.find("}}", i + 3)
                i = n if end < 0 else end + 2
            elif c == "`":
                i = _find(s, "`", i + 1) + 1
            elif s.startswith(("$(", "<(", ">("), i):
                stack.append(("(", 1))
                i += 2
            elif s.startswith("${", i):
                stack.append(("{", 1))
                i += 2
            else:
                i += 1
            continue
        close = _CLOSING[kind]
        stop = _BALANCED_STOP[kind].search(s, i)
        if stop is None:
            return n
        i = stop.start()
        c = s[i]
        if c == "\\":
            i += 2
        elif c == "'":
            i = _find(s, "'", i + 1) + 1
        elif c == '"':
            stack.append((_QUOTE, 1))
            i += 1
        elif c == kind:
            stack[-1] = (kind, depth + 1)
            i += 1
        elif c == close:
            if depth > 1:
                stack[-1] = (kind, depth - 1)
            else:
                stack.pop()
                if not stack:
                    return i
            i += 1
        else:
            i += 1


_CLOSING = {"(": ")", "{": "}"}


# ---------------------------------------------------------------------------------------------
# What a step exports to the later steps of its job


_NOT_SHELL = lazy(r"^(python|node|perl|ruby|pwsh|powershell|cmd)\b")
_ENV_LINE = lazy(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def is_shell(shell: str | None) -> bool:
    """Whether a step's `shell` reads its script as a POSIX shell (None: the default, a shell)."""
    return not (shell and _NOT_SHELL.match(shell))


@lru_cache(maxsize=8)
def _appending_to(variable: str) -> re.Pattern[str]:
    """`>> $FILE`, `>> "${FILE}"`, `> $FILE`: a redirection to the file `$variable` names."""
    return re.compile(r">>?\s*\"?\$\{?" + re.escape(variable) + r"\b")


def appended_assignments(command: Command, variable: str) -> list[tuple[str, str]]:
    """(name, value) of each `X=y` or `export X=y` line `echo`/`printf` write to the file `$variable`
    names (`echo "X=y" >> "$GITHUB_ENV"`), values unquoted."""
    if command.argv[0] not in ("echo", "printf") or not _appending_to(variable).search(command.text):
        return []
    found = []
    for word in command.argv[1:]:
        match = _ENV_LINE.match(word)
        if match:
            found.append((match.group(1), match.group(2).strip("'\"")))
    return found


# -- commands that run the command after them ------------------------------------------------

# Launchers: prefixes that run the words after them, after their own `-` options (`npx --yes
# eslint`, `poetry run pytest`, `bundle exec rspec`). Rules judge the command they run in their place.
LAUNCHERS: tuple[tuple[str, ...], ...] = (
    ("npx",), ("bunx",), ("pnpx",), ("pnpm", "exec"), ("pnpm", "dlx"), ("npm", "exec"), ("yarn", "exec"),
    ("poetry", "run"), ("uv", "run"), ("uvx",), ("pipx", "run"), ("pipenv", "run"), ("pdm", "run"),
    ("hatch", "run"), ("rye", "run"), ("bundle", "exec"), ("xcrun",), ("nix", "develop", "-c"),
    ("nix", "develop", "--command"),
)
# The launchers by their first word, in table order: a command is compared with its program's only.
_LAUNCHERS_BY_FIRST: dict[str, tuple[tuple[str, ...], ...]] = {
    first: tuple(prefix for prefix in LAUNCHERS if prefix[0] == first)
    for first in dict.fromkeys(prefix[0] for prefix in LAUNCHERS)
}
_PYTHON = lazy(r"python[\d.]*|py")


def launched(argv: list[str]) -> list[str]:
    """The command a chain of launchers runs (`npx --yes jest -u` -> `jest -u`; up to 4 deep);
    the command itself when it is not launched."""
    for _ in range(4):
        prefixes = _LAUNCHERS_BY_FIRST.get(argv[0]) if argv else None
        if prefixes is None:  # (most commands: no launcher to peel)
            break
        for prefix in prefixes:
            if len(prefix) == 1 or tuple(argv[: len(prefix)]) == prefix:
                argv = argv[len(prefix):]
                while argv and argv[0].startswith("-"):
                    argv = argv[1:]
                break
        else:
            break
    return argv


def python_module(argv: list[str]) -> tuple[str, list[str], list[str]] | None:
    """`python [flags] -m MODULE args`: (the module, its arguments, the interpreter's flags)."""
    if argv and "-m" in argv and _PYTHON.fullmatch(argv[0]):  # (the cheap test first)
        at = argv.index("-m")
        if at + 1 < len(argv):
            return argv[at + 1], argv[at + 2:], argv[1:at]
    return None
