"""YAML with source positions, and with limits that make hostile input safe.

We compose documents ourselves from the parser's event stream (libyaml's C parser when present)
instead of using PyYAML's composer because:

* every value must keep its exact position, so findings point at the node;
* real CircleCI configs redefine an anchor name, which YAML 1.2 allows and PyYAML's composer rejects;
* keys stay strings (`on:` is not the boolean `True` of YAML 1.1);
* duplicate keys and `<<` merge keys are recorded, since GitHub rejects both;
* alias expansion, nesting depth and file size are bounded (billion laughs, deep nesting).

Mappings are `YMap` (a dict with the positions of its keys and values), sequences `YSeq` (a list
with the positions of its items) and strings `YStr` (a str with its position). Other scalars are
plain Python values; their position is asked of the container holding them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml

try:  # libyaml's parser is an order of magnitude faster; the pure Python one behaves the same.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

# Limits that keep hostile input bounded in time and memory. Each is far above what real
# pipelines need (the largest of the 1,773 real configurations of the test corpus is 591 KB and
# expands to 18,270 nodes) and well below what makes loading or the rules slow.
#
# GitHub refuses workflow files over 512,000 bytes; CircleCI configs in the wild stay under 1 MB.
MAX_FILE_BYTES = 4 * 1024 * 1024
# Nesting of mappings and sequences: GitLab allows 100 (150 since 17.x); rules recurse on it.
MAX_DEPTH = 200
# Nodes after alias expansion: what anything walking the document visits.
MAX_EXPANDED_NODES = 250_000
# Characters of scalar text after alias expansion: a 1 MB script aliased 1,000 times is a small
# file and few nodes, but a gigabyte for the shell parser. Twice the file limit.
MAX_EXPANDED_CHARS = 2 * MAX_FILE_BYTES
# A pipeline file is one document; a stream of `---` would only cost time.
MAX_DOCUMENTS = 100


class Pos(NamedTuple):
    """1-based start and end of a YAML node (end column is exclusive, as in SARIF).

    A named tuple rather than a frozen dataclass (same fields, equality and hash): every node
    has one or two, 250,000 for the 1,448 corpus workflows, and a tuple is made three times
    faster."""

    line: int
    column: int
    end_line: int
    end_column: int


NOWHERE = Pos(1, 1, 1, 1)


class YStr(str):
    """A string scalar that knows where it stands and how it was written."""

    pos: Pos
    style: str | None  # None plain, "'" or '"' quoted, "|" literal, ">" folded

    def __new__(cls, value: str, pos: Pos = NOWHERE, style: str | None = None) -> YStr:
        self = super().__new__(cls, value)
        self.pos = pos
        self.style = style
        return self


class YMap(dict[str, Any]):
    """A mapping with the positions of its keys and values."""

    pos: Pos
    key_pos: dict[str, Pos]
    value_pos: dict[str, Pos]

    def __init__(self, pos: Pos = NOWHERE) -> None:
        super().__init__()
        self.pos = pos
        self.key_pos = {}
        self.value_pos = {}

    def pos_of(self, key: str) -> Pos:
        """Where the value of `key` stands (the mapping itself when the key is absent)."""
        return self.value_pos.get(key, self.pos)

    def key_pos_of(self, key: str) -> Pos:
        return self.key_pos.get(key, self.pos)


class YSeq(list[Any]):
    """A sequence with the positions of its items."""

    pos: Pos
    item_pos: list[Pos]

    def __init__(self, pos: Pos = NOWHERE) -> None:
        super().__init__()
        self.pos = pos
        self.item_pos = []

    def pos_of(self, index: int) -> Pos:
        return self.item_pos[index] if 0 <= index < len(self.item_pos) else self.pos


def pos_of(value: Any, default: Pos = NOWHERE) -> Pos:
    """Position of a value that carries one (YStr, YMap, YSeq), else `default`."""
    return getattr(value, "pos", default)


class YamlError(Exception):
    """The file cannot be used; `pos` is where the problem is."""

    def __init__(self, message: str, pos: Pos = NOWHERE) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


@dataclass
class Document:
    """One loaded YAML document, with what the composer noticed on the way."""

    root: Any
    duplicate_keys: list[tuple[str, Pos, Pos]] = field(default_factory=list)  # key, where, first
    merge_keys: list[Pos] = field(default_factory=list)
    nodes: int = 0  # nodes after alias expansion


# YAML 1.2 core schema resolution for plain scalars (GitHub's and CircleCI's parsers agree on it
# for the values that matter: booleans, null, numbers; `yes`/`on` stay strings).
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"[-+]?[0-9]+$")
_HEX = re.compile(r"0x[0-9a-fA-F]+$")
_OCT = re.compile(r"0o[0-7]+$")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


def _resolve_plain(text: str) -> Any:
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    first = text[0]
    if first.isdigit() or first in "+-.":
        if _INT.match(text):
            # Python refuses to convert more than 4,300 decimal digits (a denial-of-service
            # guard); such a number is no count or version anyone writes: keep the text.
            return int(text) if len(text) <= 4300 else text
        if _HEX.match(text):
            return int(text, 16)
        if _OCT.match(text):
            return int(text[2:], 8)
        if _FLOAT.match(text):
            return float(text)
        if text in (".inf", "+.inf", ".Inf", "+.Inf"):
            return float("inf")
        if text in ("-.inf", "-.Inf"):
            return float("-inf")
        if text in (".nan", ".NaN", ".NAN"):
            return float("nan")
    return text


def _pos(event: Any) -> Pos:
    start, end = event.start_mark, event.end_mark
    return Pos(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def _mark_pos(mark: Any) -> Pos:
    if mark is None:
        return NOWHERE
    return Pos(mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2)


# Line breaks as libyaml counts them (YAML 1.1: also NEL, LS and PS), so that lines agree.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def decode(data: bytes) -> str:
    """Bytes to text as YAML allows (UTF-8, or UTF-16 with a BOM); YamlError on bad bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise YamlError("the file is not valid UTF-16", NOWHERE) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Line and column in characters, counting line breaks as the parser does.
        before = data[: exc.start].decode("utf-8-sig")
        breaks = [match.end() for match in _LINE_BREAK.finditer(before)]
        line = len(breaks) + 1
        column = len(before) - (breaks[-1] if breaks else 0) + 1
        raise YamlError(
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
            Pos(line, column, line, column + 1),
        ) from exc


class _Frame:
    """A container being composed: where its next item goes."""

    __slots__ = ("anchor", "chars", "key", "key_pos", "merges", "pending_merge", "size", "value")

    def __init__(self, value: YMap | YSeq, anchor: str | None) -> None:
        self.value = value
        self.anchor = anchor
        self.key: str | None = None  # mappings: the key waiting for its value
        self.key_pos: Pos | None = None
        self.size = 1  # nodes below, aliases expanded
        self.chars = 0  # characters of scalar text below, aliases expanded
        self.merges: list[tuple[YMap, Pos]] = []  # `<<` sources, applied when the mapping ends
        self.pending_merge = False


class _Budget:
    """What a stream may expand to, over all its documents: aliases reuse one object, but
    whatever walks the document (loaders, rules, reports) visits each use."""

    __slots__ = ("aliased", "chars", "max_chars", "max_nodes", "nodes")

    def __init__(self, max_nodes: int, max_chars: int) -> None:
        self.nodes = 0
        self.chars = 0
        self.aliased = False  # whether aliases added to it (for the message)
        self.max_nodes = max_nodes
        self.max_chars = max_chars

    def spend(self, nodes: int, chars: int, pos: Pos, alias: bool = False) -> None:
        self.nodes += nodes
        self.chars += chars
        self.aliased = self.aliased or alias
        why = "aliases of aliases: a 'billion laughs' document?" if self.aliased else "too large to check"
        if self.nodes > self.max_nodes:
            raise YamlError(f"the document expands to more than {self.max_nodes:,} nodes ({why})", pos)
        if self.chars > self.max_chars:
            why = "a long value aliased many times?" if self.aliased else "too large to check"
            message = f"the document expands to more than {self.max_chars:,} characters of text ({why})"
            raise YamlError(message, pos)


# Characters YAML 1.2 allows in a stream (its `c-printable`); the reader rejects any other.
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _reader_error(text: str) -> YamlError:
    """The reader's error names a byte offset (libyaml) or a character offset (pure Python):
    find the character ourselves, for a line and column in both cases."""
    match = _NOT_PRINTABLE.search(text)
    if match is None:  # pragma: no cover - the reader only fails on such a character
        return YamlError("the file contains a character YAML does not allow")
    line = text.count("\n", 0, match.start()) + 1
    column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
    return YamlError(f"the file contains the control character U+{ord(match.group()):04X}, which YAML "
                     "does not allow (a binary file?)", Pos(line, column, line, column + 1))


def _syntax_error(text: str, exc: yaml.MarkedYAMLError) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    message = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "invalid YAML"
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        message += " (a tab: YAML indents with spaces)"
    return YamlError(f"YAML syntax error: {message}", _inside_text(_mark_pos(mark), text))


def _inside_text(pos: Pos, text: str) -> Pos:
    """At the end of the stream the parser's mark can be on the line after the last one, even
    without a final line break: point at the end of the text instead, a place every report
    format and editor can show (the empty line after a final line break is one)."""
    lines = text.splitlines()
    last = len(lines) + (1 if text.endswith(("\n", "\r")) else 0)
    if pos.line <= max(last, 1):
        return pos
    if len(lines) < last:
        return Pos(last, 1, last, 2)
    column = len(lines[-1]) + 1
    return Pos(len(lines), column, len(lines), column + 1)


def load(
    text: str,
    max_nodes: int = MAX_EXPANDED_NODES,
    max_depth: int = MAX_DEPTH,
    max_chars: int = MAX_EXPANDED_CHARS,
    max_documents: int = MAX_DOCUMENTS,
) -> list[Document]:
    """Compose every document of `text`; YamlError (with a position) when it cannot be used."""
    loader = _Loader(text)
    documents: list[Document] = []
    budget = _Budget(max_nodes, max_chars)
    try:
        doc: Document | None = None
        anchors: dict[str, tuple[Any, int, int]] = {}  # anchor -> (value, expanded nodes, characters)
        stack: list[_Frame] = []
        while True:
            event: Any = loader.get_event()
            if event is None:
                break
            kind = type(event)
            if kind is yaml.DocumentStartEvent:
                if len(documents) >= max_documents:
                    raise YamlError(f"more than {max_documents} YAML documents in one file", _pos(event))
                doc = Document(root=None)
                anchors = {}
                continue
            if kind is yaml.DocumentEndEvent:
                if doc is not None:
                    documents.append(doc)
                doc = None
                continue
            if doc is None:  # stream start/end
                continue
            if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                pos = _pos(event)
                if len(stack) >= max_depth:
                    raise YamlError(f"nesting deeper than {max_depth} levels", pos)
                budget.spend(1, 0, pos)
                _no_complex_key(stack, "a mapping" if kind is yaml.MappingStartEvent else "a list", pos)
                container: YMap | YSeq = YMap(pos) if kind is yaml.MappingStartEvent else YSeq(pos)
                stack.append(_Frame(container, event.anchor))
                continue
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                frame = stack.pop()
                value = frame.value
                end = _pos(event)
                value.pos = Pos(value.pos.line, value.pos.column, end.end_line, end.end_column)
                if frame.merges:
                    _apply_merges(value, frame.merges)  # type: ignore[arg-type]
                if frame.anchor is not None:
                    anchors[frame.anchor] = (value, frame.size, frame.chars)
                # Its nodes were spent as they were attached; only its size goes up the stack.
                _attach(doc, stack, value, value.pos, frame.size, frame.chars)
                continue
            if kind is yaml.ScalarEvent:
                pos = _pos(event)
                length = len(event.value)
                budget.spend(1, length, pos)
                # A key of a mapping stays a string, whatever it looks like.
                if stack and isinstance(stack[-1].value, YMap) and stack[-1].key is None:
                    frame = stack[-1]
                    frame.key = str(event.value)
                    frame.key_pos = pos
                    frame.size += 1
                    frame.chars += length
                    frame.pending_merge = event.value == "<<" and not event.style
                    if frame.pending_merge:
                        doc.merge_keys.append(pos)
                    continue
                value = _scalar(event, pos)
                if event.anchor is not None:
                    anchors[event.anchor] = (value, 1, length)
                _attach(doc, stack, value, pos, 1, length)
                continue
            if kind is yaml.AliasEvent:
                pos = _pos(event)
                if event.anchor not in anchors:
                    # An anchor is known once its node ends, so an alias inside its own anchor
                    # (a recursive structure) is unknown too, as it is to GitHub and CircleCI.
                    raise YamlError(f"unknown alias *{event.anchor} (not defined above it, or used "
                                    "inside the node it names)", pos)
                value, size, chars = anchors[event.anchor]
                budget.spend(size, chars, pos, alias=True)
                if stack and isinstance(stack[-1].value, YMap) and stack[-1].key is None:
                    if isinstance(value, (YMap, YSeq)):
                        _no_complex_key(stack, "a mapping" if isinstance(value, YMap) else "a list", pos)
                    # An alias used as a key: keys are strings.
                    frame = stack[-1]
                    frame.key = str(value)
                    frame.key_pos = pos
                    frame.size += size
                    frame.chars += chars
                    continue
                _attach(doc, stack, value, pos, size, chars)
                continue
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(text, exc) from exc
    except yaml.reader.ReaderError as exc:
        raise _reader_error(text) from exc
    except yaml.YAMLError as exc:  # pragma: no cover - every error of the parser has a mark
        raise YamlError(f"YAML error: {exc}") from exc
    except RecursionError as exc:  # pragma: no cover - the parsers are iterative; defence in depth
        raise YamlError(f"nesting deeper than {max_depth} levels") from exc
    finally:
        loader.dispose()
    return documents


def _no_complex_key(stack: list[_Frame], what: str, pos: Pos) -> None:
    """GitHub and CircleCI want string keys; a list or mapping as a key (`? [a]`) has no string
    form we could match against theirs, and its text could be as large as the document."""
    if stack and isinstance(stack[-1].value, YMap) and stack[-1].key is None:
        raise YamlError(f"a mapping key must be a string, not {what}", pos)


def _scalar(event: Any, pos: Pos) -> Any:
    text: str = event.value
    tag = event.tag
    if not event.style and (tag is None or tag == "!"):
        resolved = _resolve_plain(text)
        return YStr(text, pos, None) if isinstance(resolved, str) else resolved
    if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"):
        resolved = _resolve_plain(text)
        if not isinstance(resolved, str):
            return resolved
    if tag == "tag:yaml.org,2002:null":
        return None
    return YStr(text, pos, event.style or None)


def _attach(doc: Document, stack: list[_Frame], value: Any, pos: Pos, size: int, chars: int) -> None:
    if not stack:
        doc.root = value
        doc.nodes = size
        return
    frame = stack[-1]
    frame.size += size
    frame.chars += chars
    container = frame.value
    if isinstance(container, YSeq):
        container.append(value)
        container.item_pos.append(pos)
        return
    key, key_pos = frame.key, frame.key_pos
    frame.key = None
    if key is None or key_pos is None:  # pragma: no cover - the parser pairs keys and values
        raise YamlError("a mapping value without a key", pos)
    if frame.pending_merge:
        frame.pending_merge = False
        sources = value if isinstance(value, list) else [value]
        for source in sources:
            if isinstance(source, YMap):
                frame.merges.append((source, pos))
        return
    if key in container:
        doc.duplicate_keys.append((key, key_pos, container.key_pos[key]))
    container[key] = value
    container.key_pos[key] = key_pos
    container.value_pos[key] = pos


def _apply_merges(target: YMap, merges: list[tuple[YMap, Pos]]) -> None:
    """`<<` merges: explicit keys win, then earlier sources over later ones."""
    for source, _ in merges:
        for key, value in source.items():
            if key not in target:
                target[key] = value
                target.key_pos[key] = source.key_pos_of(key)
                target.value_pos[key] = source.pos_of(key)
