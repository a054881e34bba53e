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
from collections.abc import Callable
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

    # Slots (here and in YMap and YSeq): there is one object per node, and each is faster to make
    # and to free without a dictionary made with it. `__dict__` and `__weakref__` keep other
    # attributes possible (loadutil caches a container's text on it): they cost only when used.
    __slots__ = ("__dict__", "__weakref__", "pos", "style")

    pos: Pos
    style: str | None  # None plain, "'" or '"' quoted, "|" literal, ">" folded

    def __new__(cls, value: str, pos: Pos = NOWHERE, style: str | None = None) -> YStr:
        self = super().__new__(cls, value)
        self.pos = pos
        self.style = style
        return self


class YMap(dict[str, Any]):
    """A mapping with the positions of its keys and values."""

    __slots__ = ("__dict__", "__weakref__", "key_pos", "pos", "value_pos")

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

    __slots__ = ("__dict__", "__weakref__", "item_pos", "pos")

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
_WORDS: dict[str, Any] = {
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
}
# What a number can start with. Any other plain scalar not in _WORDS is a string: most of them
# are, so they are told apart with two lookups, before any regular expression runs.
_NUMBER_START = frozenset("0123456789+-.")
# How every number below starts: most texts starting with a dot or a minus (`./path`, `--flag`)
# are told apart with it, instead of trying each form in turn.
_NUMBER_PREFIX = re.compile(r"[-+]?(?:[0-9]|\.(?:[0-9]|inf|Inf|nan|NaN|NAN))")
_INT = re.compile(r"[-+]?[0-9]+$")
_HEX = re.compile(r"0x[0-9a-fA-F]+$")
_OCT = re.compile(r"0o[0-7]+$")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


def _resolve_plain(text: str) -> Any:
    if text in _WORDS:
        return _WORDS[text]
    return _resolve_number(text) if text[0] in _NUMBER_START else text


def _resolve_number(text: str) -> Any:
    """The number `text` stands for, or `text` itself."""
    if not _NUMBER_PREFIX.match(text):
        return text
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


# What `_compose` saves of a container while it composes one inside it: its state variables
# (`seq`, `mapping`, `key`, `key_pos`, `merge_next`, `merges`, `anchor`, `start`, `nodes_before`,
# `chars_before`), restored when the inner one ends.
_Saved = tuple[YSeq | None, YMap, str, Pos, bool, list[tuple[YMap, Pos]] | None, str | None, Any, int, int]


def _over_budget(nodes: int, chars: int, aliased: bool, max_nodes: int, max_chars: int, pos: Pos) -> YamlError:
    """The error for a stream that expands to more than its budget, over all its documents:
    aliases reuse one object, but whatever walks the document (loaders, rules, reports) visits
    each use. `aliased` tells whether aliases added to it (for the message)."""
    if nodes > max_nodes:
        why = "aliases of aliases: a 'billion laughs' document?" if aliased else "too large to check"
        return YamlError(f"the document expands to more than {max_nodes:,} nodes ({why})", pos)
    why = "a long value aliased many times?" if aliased else "too large to check"
    return YamlError(f"the document expands to more than {max_chars:,} characters of text ({why})", pos)


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


_LIBYAML_DEPTH_LIMIT = "exceeded maximum nesting depth"


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
    try:
        _compose(loader.get_event, documents, max_nodes, max_depth, max_chars, max_documents)
    except yaml.MarkedYAMLError as exc:
        if _LIBYAML_DEPTH_LIMIT in str(exc.problem):
            # libyaml 0.2.6 (in PyYAML 6.0.4's wheels) stops at 1,000 levels of its own, and its
            # scanner reads a run of `[[[…` ahead of the events that would reach our limit.
            raise YamlError(f"nesting deeper than {max_depth} levels",
                            _inside_text(_mark_pos(exc.problem_mark), text)) from exc
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


def _compose(
    get_event: Callable[[], Any],
    documents: list[Document],
    max_nodes: int,
    max_depth: int,
    max_chars: int,
    max_documents: int,
) -> None:
    """Compose the documents of an event stream into `documents`.

    This loop runs once per event (410,000 for the corpus workflows and CircleCI configs) and
    takes about as long as the parser itself, so it is written for speed: the most frequent
    events are tested first (scalars are three in five, then the starts and ends of containers),
    the state of the innermost container is kept in local variables rather than in an object,
    and positions, the expansion budget and attaching a node to its container are written inline
    rather than as calls (a Python call costs as much as several of these lines)."""
    # Bound to local names: a global or an attribute would cost a dictionary lookup per event.
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    words, number_start = _WORDS, _NUMBER_START
    # Pos, YStr, YMap and YSeq are made with the built-in type's `__new__`, their own `__new__`
    # or `__init__` written inline (a Python call for each node is a good part of the time).
    new_tuple, new_str, new_dict, new_list = tuple.__new__, str.__new__, dict.__new__, list.__new__

    nodes = chars = 0  # the budget spent so far, over all the documents of the stream
    aliased = False  # whether aliases added to it (for the message)
    doc = Document(root=None)
    anchors: dict[str, tuple[Any, int, int]] = {}  # anchor -> (value, expanded nodes, characters)

    # The state of the innermost open container, in local variables. Entering a container saves
    # them on `stack` and leaving it restores them (see _Saved). At the bottom is the document
    # itself, as a list that will hold its one node: that node is attached like any other.
    root = YSeq()
    seq: YSeq | None = root  # the container when it is a sequence; else None, and it is `mapping`
    mapping = YMap()
    want_key = False  # the mapping waits for a key: the next scalar or alias is one
    key, key_pos = "", NOWHERE  # the mapping's key waiting for its value
    merge_next = False  # that key is `<<`: its value is a source to merge, not a value
    merges: list[tuple[YMap, Pos]] | None = None  # `<<` sources, applied when the mapping ends
    anchor: str | None = None  # the container's anchor, recorded when it ends
    start: Any = None  # the parser's mark of its start: its position is made when it ends
    # The stream's budget spent before it: whatever is spent until it ends is below it, so the
    # differences are its size (nodes, aliases expanded) and its characters of text.
    nodes_before = chars_before = 0
    stack: list[_Saved] = []
    while True:
        event = get_event()
        if event is None:
            break
        kind = type(event)
        value: Any
        if kind is scalar_event:
            first, end = event.start_mark, event.end_mark
            pos = new_tuple(Pos, (first.line + 1, first.column + 1, end.line + 1, end.column + 1))
            text: str = event.value
            length = len(text)
            nodes += 1
            chars += length
            if nodes > max_nodes or chars > max_chars:
                raise _over_budget(nodes, chars, aliased, max_nodes, max_chars, pos)
            if want_key:
                # A key of a mapping stays a string, whatever it looks like (and its anchor is
                # not recorded: an alias of a key is an unknown alias).
                key, key_pos, want_key = text, pos, False
                if text == "<<" and not event.style:
                    merge_next = True
                    doc.merge_keys.append(pos)
                continue
            style, tag = event.style, event.tag
            if tag is not None and tag != "!":
                value = _tagged(text, tag, style, pos)
            # Plain scalars: null, true and false (five characters at most: a long text is not
            # hashed for nothing), numbers, else strings.
            elif not style and length <= 5 and text in words:
                value = words[text]
            elif not style and text[0] in number_start and not isinstance(number := _resolve_number(text), str):
                value = number
            else:  # a string: most scalars
                value = new_str(YStr, text)
                value.pos = pos
                value.style = style or None  # the C parser's plain style is "", the Python one's None
            if event.anchor is not None:
                anchors[event.anchor] = (value, 1, length)
        elif kind is mapping_start or kind is sequence_start:
            # Its position is made when it ends, from `start` (a Pos is costly); here only for errors.
            if len(stack) >= max_depth:  # one saved state per open container
                raise YamlError(f"nesting deeper than {max_depth} levels", _pos(event))
            nodes += 1
            if nodes > max_nodes or chars > max_chars:
                raise _over_budget(nodes, chars, aliased, max_nodes, max_chars, _pos(event))
            if want_key:
                # GitHub and CircleCI want string keys; a list or mapping as a key (`? [a]`) has
                # no string form we could match against theirs, and its text could be as large as
                # the document.
                what = "a mapping" if kind is mapping_start else "a list"
                raise YamlError(f"a mapping key must be a string, not {what}", _pos(event))
            stack.append((seq, mapping, key, key_pos, merge_next, merges, anchor, start, nodes_before, chars_before))
            # The containers are made as their `__init__` would, without the call.
            if kind is mapping_start:
                mapping, seq, want_key = new_dict(YMap), None, True
                mapping.key_pos, mapping.value_pos = {}, {}
            else:
                seq = new_list(YSeq)
                seq.item_pos = []
            merge_next, merges = False, None
            anchor, start, nodes_before, chars_before = event.anchor, event.start_mark, nodes - 1, chars
            continue
        elif kind is mapping_end or kind is sequence_end:
            end = event.end_mark
            value = mapping if seq is None else seq
            pos = value.pos = new_tuple(Pos, (start.line + 1, start.column + 1, end.line + 1, end.column + 1))
            if merges:
                _apply_merges(mapping, merges)
            if anchor is not None:
                anchors[anchor] = (value, nodes - nodes_before, chars - chars_before)
            # Back to the container it goes into (which has its key already, if it is a mapping).
            seq, mapping, key, key_pos, merge_next, merges, anchor, start, nodes_before, chars_before = stack.pop()
            want_key = False
        elif kind is alias_event:
            pos = _pos(event)
            if event.anchor not in anchors:
                # An anchor is known once its node ends, so an alias inside its own anchor
                # (a recursive structure) is unknown too, as it is to GitHub and CircleCI.
                raise YamlError(f"unknown alias *{event.anchor} (not defined above it, or used "
                                "inside the node it names)", pos)
            value, size, length = anchors[event.anchor]
            nodes += size
            chars += length
            aliased = True
            if nodes > max_nodes or chars > max_chars:
                raise _over_budget(nodes, chars, aliased, max_nodes, max_chars, pos)
            if want_key:
                if isinstance(value, (YMap, YSeq)):
                    what = "a mapping" if isinstance(value, YMap) else "a list"
                    raise YamlError(f"a mapping key must be a string, not {what}", pos)
                # An alias used as a key: keys are strings.
                key, key_pos, want_key = str(value), pos, False
                continue
        elif kind is yaml.DocumentStartEvent:
            if len(documents) >= max_documents:
                raise YamlError(f"more than {max_documents} YAML documents in one file", _pos(event))
            doc = Document(root=None)
            anchors = {}
            root = seq = YSeq()
            want_key = False
            nodes_before = nodes
            continue
        elif kind is yaml.DocumentEndEvent:
            doc.root = root[0] if root else None
            doc.nodes = nodes - nodes_before
            documents.append(doc)
            continue
        else:  # the stream's start and end
            continue

        # Attach the node just completed (`value` at `pos`) to the innermost open container.
        if seq is not None:
            seq.append(value)
            seq.item_pos.append(pos)
            continue
        want_key = True
        if merge_next:
            merge_next = False
            if merges is None:
                merges = []
            for source in value if isinstance(value, list) else [value]:
                if isinstance(source, YMap):
                    merges.append((source, pos))
            continue
        if key in mapping:
            doc.duplicate_keys.append((key, key_pos, mapping.key_pos[key]))
        mapping[key] = value
        mapping.key_pos[key] = key_pos
        mapping.value_pos[key] = pos


def _tagged(text: str, tag: str, style: str | None, pos: Pos) -> Any:
    """A scalar with an explicit tag (`!!int 3`)."""
    if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"):
        resolved = _resolve_plain(text)
        if not isinstance(resolved, str):
            return resolved
    if tag == "tag:yaml.org,2002:null":
        return None
    return YStr(text, pos, style or None)


def _apply_merges(target: YMap, merges: list[tuple[YMap, Pos]]) -> None:
    """`<<` merges: explicit keys win, then earlier sources over later ones."""
    for source, _ in merges:
        for key, value in source.items():
            if key not in target:
                target[key] = value
                target.key_pos[key] = source.key_pos_of(key)
                target.value_pos[key] = source.pos_of(key)
