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
from typing import Any

import yaml

try:  # libyaml's parser is an order of magnitude faster; the pure Python one behaves the same.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 200
MAX_EXPANDED_NODES = 2_000_000


@dataclass(frozen=True, slots=True)
class Pos:
    """1-based start and end of a YAML node (end column is exclusive, as in SARIF)."""

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
            return int(text)
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
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlError(
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
            Pos(line, column, line, column + 1),
        ) from exc


class _Frame:
    """A container being composed: where its next item goes."""

    __slots__ = ("value", "anchor", "key", "key_pos", "size", "merges", "pending_merge")

    def __init__(self, value: YMap | YSeq, anchor: str | None) -> None:
        self.value = value
        self.anchor = anchor
        self.key: str | None = None  # mappings: the key waiting for its value
        self.key_pos: Pos | None = None
        self.size = 1  # nodes below, aliases expanded
        self.merges: list[tuple[YMap, Pos]] = []  # `<<` sources, applied when the mapping ends
        self.pending_merge = False


def load(text: str, max_nodes: int = MAX_EXPANDED_NODES, max_depth: int = MAX_DEPTH) -> list[Document]:
    """Compose every document of `text`; YamlError (with a position) when it cannot be used."""
    loader = _Loader(text)
    documents: list[Document] = []
    try:
        doc: Document | None = None
        anchors: dict[str, tuple[Any, int]] = {}  # anchor -> (value, expanded size)
        stack: list[_Frame] = []
        while True:
            event = loader.get_event()
            if event is None:
                break
            kind = type(event)
            if kind is yaml.DocumentStartEvent:
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
                if len(stack) >= max_depth:
                    raise YamlError(f"nesting deeper than {max_depth} levels", _pos(event))
                pos = _pos(event)
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
                    anchors[frame.anchor] = (value, frame.size)
                _attach(doc, stack, value, value.pos, frame.size, max_nodes)
                continue
            if kind is yaml.ScalarEvent:
                pos = _pos(event)
                value = _scalar(event, pos)
                # A key of a mapping stays a string, whatever it looks like.
                if stack and isinstance(stack[-1].value, YMap) and stack[-1].key is None:
                    frame = stack[-1]
                    frame.key = str(event.value)
                    frame.key_pos = pos
                    frame.pending_merge = event.value == "<<" and not event.style
                    if frame.pending_merge:
                        doc.merge_keys.append(pos)
                    continue
                if event.anchor is not None:
                    anchors[event.anchor] = (value, 1)
                _attach(doc, stack, value, pos, 1, max_nodes)
                continue
            if kind is yaml.AliasEvent:
                pos = _pos(event)
                if event.anchor not in anchors:
                    raise YamlError(f"unknown alias *{event.anchor}", pos)
                value, size = anchors[event.anchor]
                if stack and isinstance(stack[-1].value, YMap) and stack[-1].key is None:
                    # An alias used as a key: keys are strings.
                    stack[-1].key = str(value)
                    stack[-1].key_pos = pos
                    continue
                _attach(doc, stack, value, pos, size, max_nodes)
                continue
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise YamlError(f"YAML syntax error: {message}", _mark_pos(mark)) from exc
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML error: {exc}") from exc
    except RecursionError as exc:  # pragma: no cover - the depth limit comes first
        raise YamlError(f"nesting deeper than {max_depth} levels") from exc
    finally:
        loader.dispose()
    return documents


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


def _attach(doc: Document, stack: list[_Frame], value: Any, pos: Pos, size: int, max_nodes: int) -> None:
    if not stack:
        doc.root = value
        doc.nodes = size
        return
    frame = stack[-1]
    frame.size += size
    if frame.size > max_nodes:
        raise YamlError(
            f"alias expansion exceeds {max_nodes} nodes (a 'billion laughs' document?)", pos
        )
    container = frame.value
    if isinstance(container, YSeq):
        container.append(value)
        container.item_pos.append(pos)
        return
    key, key_pos = frame.key, frame.key_pos
    frame.key = None
    assert key is not None and key_pos is not None
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
