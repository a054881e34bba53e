"""Findings as text, JSON, SARIF or GitHub workflow commands.

`render()` is the one entry point. Every format is deterministic: findings are ordered by
(path, line, column, rule id), files by path, and JSON keys are sorted, so the same input gives the
same bytes. Suppressed findings are left out of the text and GitHub formats (they are not to be
acted on) and out of JSON's `findings` (so that its length is what fails the run), listed in JSON's
`suppressed` (each with how it was suppressed) and kept in SARIF (with `suppressions`, so code
scanning shows them as dismissed rather than fixed). Text comes `concise` (one line a finding) or
`full` (with the source lines marked); see the text section.

SARIF is built with `sarif_om` and checked by GitHub code scanning, which rejects files over its
limits (https://docs.github.com/en/code-security/code-scanning/troubleshooting-sarif-uploads/results-exceed-limit):
results per run 25,000, rules per run 25,000, locations per result 1,000, tags per rule 20, and
an upload of at most 10 MB gzip-compressed (troubleshooting-sarif-uploads/file-too-large). We write
one run, no tool extensions and no thread flows (their limits: 20 runs per file, 100 extensions,
10,000 thread flow locations), cut at the others, keeping the most severe results, and say so in a
tool execution notification.

`run.automationDetails.id` is `<category>/` (default `cilint/`). upload-sarif only fills it in from
its `category` input when the file has none, so the category is cilint's `--sarif-category`.
`sarif_om` is imported only here, lazily: the command line must start fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .findings import Finding, level_rank
from .model import SourceFile, Span
from .printable import escape_char as _escape_char
from .printable import printable as _safe
from .printable import unsafe as _unsafe

if TYPE_CHECKING:
    from .engine import InternalError, Rule

FORMATS = ("text", "concise", "full", "json", "sarif", "github")
# The formats that `--statistics` replaces by counts per rule.
TEXT_FORMATS = ("text", "concise", "full")
INFORMATION_URI = "https://github.com/cilint/cilint"
# A rule's page, generated from its docstring and examples (scripts/gen_rule_docs.py). SARIF wants
# an absolute URI; the pages of the default branch, which is where they are kept current.
HELP_URI = INFORMATION_URI + "/blob/main/docs/rules/{name}.md"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "cilintFingerprint/v1"

MAX_RESULTS = 25_000
MAX_RULES = 25_000
MAX_LOCATIONS = 1_000
MAX_TAGS = 20
MAX_GZIP_BYTES = 10_000_000  # "10 MB": read as decimal, the smaller reading


@dataclass
class _Report:
    findings: list[Finding]  # sorted
    files: list[SourceFile]  # sorted by path
    rules: dict[str, Rule]  # by id
    errors: list[InternalError]
    version: str
    color: bool
    quiet: bool
    root: Path | None
    category: str
    statistics: bool = False

    @cached_property
    def sources(self) -> dict[str, SourceFile]:
        """The checked files by path, for the snippets of the full text."""
        return {file.path: file for file in reversed(self.files)}  # the first of a path wins

    @property
    def active(self) -> list[Finding]:
        return [finding for finding in self.findings if not finding.suppressed]

    def level(self, finding: Finding) -> str:
        rule = self.rules.get(finding.rule_id)
        return finding.level or (rule.level if rule is not None else "warning")


def render(
    format: str,
    findings: Sequence[Finding],
    files: Sequence[SourceFile],
    rules: Sequence[Rule],
    errors: Sequence[InternalError],
    version: str | None = None,
    *,
    color: bool = False,
    quiet: bool = False,
    root: Path | None = None,
    category: str = "cilint",
    statistics: bool = False,
) -> str:
    """The report in `format` (one of FORMATS; `text` is `concise`). `version` defaults to
    cilint's; `color` adds ANSI colours to text and `quiet` leaves out its summary; `root` (the
    repository root) is given to SARIF as `%SRCROOT%` when known; `category` names the SARIF run
    for code scanning; `statistics` prints counts per rule instead of the findings (text only)."""
    renderer = _RENDERERS.get(format)
    if renderer is None:
        raise ValueError(f"unknown format {format!r} (expected one of: {', '.join(FORMATS)})")
    if statistics and format not in TEXT_FORMATS:
        raise ValueError(f"statistics are text, not {format} (JSON has them in its `summary`)")
    report = _Report(
        findings=sorted(findings, key=Finding.sort_key),
        files=sorted(files, key=lambda file: file.path),
        rules={rule.id: rule for rule in sorted(rules, key=lambda rule: rule.id)},
        errors=list(errors),
        version=version if version is not None else _cilint_version(),
        color=color,
        quiet=quiet,
        root=root,
        category=category,
        statistics=statistics,
    )
    return renderer(report)


def _cilint_version() -> str:
    from .. import __version__

    return __version__


# -- text ----------------------------------------------------------------------------------
#
# Two styles, as ruff has them. `concise`: one line a finding, `path:line:col: level ID [name]
# message`, what a pipe, an editor's problem matcher or grep reads. `full`: that line, then the
# source lines with the span marked (`^` under the finding's own span, `-` under each related
# location, labelled with its note, as rustc, ruff and zizmor draw them) and the job as a note.
# `text` is concise here; the command line makes it `full` when it writes to a terminal.
# Whatever comes from the checked files (paths, messages quoting YAML, source lines) goes through
# `_safe`: control characters are escaped, so a file cannot move the cursor, retitle the window or
# reorder what is shown (bidi controls).

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_BLUE = "\x1b[34;1m"
_LEVEL_COLOURS = {"error": "\x1b[31m", "warning": "\x1b[33m", "note": "\x1b[36m"}
LEVEL_ORDER = ("error", "warning", "note")
# From this many findings the summary also counts them by rule.
MANY_FINDINGS = 10
# Source lines wider than this are shown as a window around the span.
SNIPPET_WIDTH = 120
SNIPPET_LEAD = 40  # columns kept before the span in such a window
MAX_RELATED_SHOWN = 10

def _cells(char: str) -> int:
    """Terminal columns a character of a source line takes as `_snippet_text` shows it."""
    import unicodedata

    if char == "\t":
        return 4
    if _unsafe(char):
        return len(_escape_char(char))
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _snippet_char(char: str) -> str:
    return "    " if char == "\t" else _escape_char(char) if _unsafe(char) else char


def _paint(text: str, code: str, on: bool) -> str:
    return f"{code}{text}{_RESET}" if on and code else text


def _header(report: _Report, finding: Finding) -> str:
    """`path:line:col: level ID [name] message`: the concise line, and the first of the full form."""
    span, on, level = finding.span, report.color, report.level(finding)
    where = _paint(f"{_safe(span.path)}:{span.line}:{span.column}:", _BOLD, on)
    level_text = _paint(level, _LEVEL_COLOURS.get(level, ""), on)
    rule = _paint(f"{finding.rule_id} [{finding.rule}]", _DIM, on)
    return f"{where} {level_text} {rule} {_safe(finding.message)}"


@dataclass
class _Mark:
    span: Span
    primary: bool
    label: str


def _marked_line(line: str, mark: _Mark) -> tuple[str, int, int]:
    """The source line as shown, and the display columns (start, width) of the mark on it: a
    window around the span when the line is wide, tabs as four spaces, escapes for controls."""
    span = mark.span
    start = min(max(span.column - 1, 0), len(line))
    end = span.end_column - 1 if span.end_line == span.line else len(line)
    end = min(max(end, start), len(line))
    first, last = 0, len(line)
    if sum(_cells(char) for char in line) > SNIPPET_WIDTH:
        first = max(0, start - SNIPPET_LEAD)
        width, last = 0, first
        while last < len(line) and width + _cells(line[last]) <= SNIPPET_WIDTH:
            width += _cells(line[last])
            last += 1
    head = "..." if first > 0 else ""
    tail = "..." if last < len(line) else ""
    shown = head + "".join(_snippet_char(char) for char in line[first:last]) + tail
    offset = len(head) + sum(_cells(char) for char in line[first:start])
    marked = sum(_cells(char) for char in line[max(start, first):min(end, last)])
    return shown.rstrip(), offset, max(marked, 1)


def _snippet(report: _Report, path: str, marks: list[_Mark], gutter: int, level: str) -> list[str]:
    """The lines of one file that the marks stand on, each followed by its marks."""
    on = report.color
    source = report.sources.get(path)
    lines = source.lines if source is not None else []
    bar = _paint(" " * gutter + " |", _BLUE, on)
    out = [bar]
    previous = 0
    for line_number in sorted({mark.span.line for mark in marks}):
        if previous and line_number > previous + 1:
            out.append(_paint("...", _BLUE, on))
        previous = line_number
        on_line = sorted((m for m in marks if m.span.line == line_number), key=lambda m: m.span.column)
        text = lines[line_number - 1]
        shown = _marked_line(text, on_line[0])[0]
        out.append(_paint(f"{line_number:>{gutter}} |", _BLUE, on) + (f" {shown}" if shown else ""))
        for mark in on_line:
            _, offset, width = _marked_line(text, mark)
            colour = _LEVEL_COLOURS.get(level, "") if mark.primary else _BLUE
            marker = ("^" if mark.primary else "-") * width
            label = f" {_safe(mark.label)}" if mark.label else ""
            out.append(bar + " " + " " * offset + _paint(marker + label, colour, on))
    return out


def _full(report: _Report, finding: Finding) -> list[str]:
    """The finding's line, its source with the span marked, related locations, the job."""
    on = report.color
    marks = [_Mark(finding.span, True, "")]
    marks += [_Mark(span, False, message) for span, message in finding.related[:MAX_RELATED_SHOWN]]
    shown: dict[str, list[_Mark]] = {}
    notes: list[str] = []
    for mark in marks:
        source = report.sources.get(mark.span.path)
        if source is not None and 1 <= mark.span.line <= len(source.lines):
            shown.setdefault(mark.span.path, []).append(mark)
        elif not mark.primary:  # a file that is not shown (branch protection JSON, a config)
            span = mark.span
            notes.append(f"{_safe(span.path)}:{span.line}:{span.column}: {_safe(mark.label)}")
    if len(finding.related) > MAX_RELATED_SHOWN:
        notes.append(f"and {len(finding.related) - MAX_RELATED_SHOWN} more related locations "
                     "(`--format json` lists them all)")
    gutter = len(str(max((m.span.line for ms in shown.values() for m in ms), default=1)))
    lines = [_header(report, finding)]
    level = report.level(finding)
    for path, file_marks in shown.items():  # the finding's own file first, as marked
        if path != finding.span.path:
            lines.append(_paint(" " * gutter + " ::: ", _BLUE, on) + _safe(path))
        lines += _snippet(report, path, file_marks, gutter, level)
    if finding.job:
        notes.insert(0, f"job: {_safe(finding.job)}")
    lines += [_paint(" " * gutter + " = ", _BLUE, on) + note for note in notes]
    return lines


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _level_counts(report: _Report, findings: Sequence[Finding]) -> dict[str, int]:
    counts = {level: 0 for level in LEVEL_ORDER}
    for finding in findings:
        level = report.level(finding)
        counts[level] = counts.get(level, 0) + 1
    return counts


def _summary(report: _Report) -> str:
    active = report.active
    files = _plural(len(report.files), "file")
    suppressed = len(report.findings) - len(active)
    tail = f" ({suppressed} suppressed)" if suppressed else ""
    if not active:
        return f"No findings in {files}{tail}"
    counts = _level_counts(report, active)
    parts = ", ".join(_plural(counts[level], level) for level in LEVEL_ORDER)
    return f"{parts} in {files}{tail}"


def _statistics(report: _Report) -> list[str]:
    """Counts per rule, the most frequent first, as `ruff --statistics` prints them:
    `count  ID  name  (levels)`."""
    by_rule: dict[tuple[str, str], list[Finding]] = {}
    for finding in report.active:
        by_rule.setdefault((finding.rule_id, finding.rule), []).append(finding)
    rows = sorted(by_rule.items(), key=lambda item: (-len(item[1]), item[0]))
    if not rows:
        return []
    count_width = max(len(str(len(found))) for _, found in rows)
    id_width = max(len(rule_id) for (rule_id, _), _ in rows)
    name_width = max(len(name) for (_, name), _ in rows)
    out = []
    for (rule_id, name), found in rows:
        counts = _level_counts(report, found)
        levels = ", ".join(_plural(counts[level], level) for level in LEVEL_ORDER if counts[level])
        out.append(f"{len(found):>{count_width}}  {rule_id:<{id_width}}  {name:<{name_width}}  ({levels})")
    return out


def _render_text(report: _Report, full: bool = False) -> str:
    lines: list[str] = []
    if report.statistics:
        lines += _statistics(report)
    elif full:
        for finding in report.active:
            lines += [*_full(report, finding), ""]
    else:
        lines += [_header(report, finding) for finding in report.active]
    lines += [f"cilint: internal error in rule {e.rule} ({_safe(e.path)}): {_safe(e.message)}"
              for e in report.errors]
    if not report.quiet:
        if not report.statistics and len(report.active) >= MANY_FINDINGS:
            if lines and lines[-1]:
                lines.append("")
            lines += ["By rule:", *(f"  {row}" for row in _statistics(report))]
        lines.append(_summary(report))
    while lines and not lines[-1]:
        lines.pop()
    return "".join(line + "\n" for line in lines)


def _render_full(report: _Report) -> str:
    return _render_text(report, full=True)


# -- json ----------------------------------------------------------------------------------


def _span_dict(span: Span) -> dict[str, Any]:
    return {"path": span.path, "line": span.line, "column": span.column,
            "end_line": span.end_line, "end_column": span.end_column}


def _finding_dict(report: _Report, finding: Finding) -> dict[str, Any]:
    out = {"rule_id": finding.rule_id, "rule": finding.rule, "level": report.level(finding),
           **_span_dict(finding.span), "job": finding.job, "message": finding.message,
           "fingerprint": finding.fingerprint}
    if finding.related:
        out["related"] = [{**_span_dict(span), "message": message} for span, message in finding.related]
    if finding.suppressed:
        out["suppressed"] = {"kind": finding.suppressed, "justification": finding.justification}
    return out


def _json_summary(report: _Report) -> dict[str, Any]:
    """Counts of the findings that count (not the suppressed): per level, and per rule name."""
    active = report.active
    by_rule: dict[str, int] = {}
    for finding in active:
        by_rule[finding.rule] = by_rule.get(finding.rule, 0) + 1
    return {**_level_counts(report, active), "by_rule": by_rule}


def _render_json(report: _Report) -> str:
    # `findings` holds what counts toward the exit code (`jq '.findings | length'`); suppressed
    # findings, inline or by the baseline, are listed apart with how they were suppressed.
    document: dict[str, Any] = {
        "version": 1,
        "findings": [_finding_dict(report, finding) for finding in report.active],
        "suppressed": [_finding_dict(report, finding) for finding in report.findings if finding.suppressed],
        "summary": _json_summary(report),
        "files": [{"path": file.path, "platform": file.platform} for file in report.files],
    }
    if report.errors:  # only then, so that a clean run prints exactly the documented object
        document["errors"] = [{"rule": e.rule, "path": e.path, "message": e.message} for e in report.errors]
    return json_text(document, sort_keys=True) + "\n"


def json_text(value: Any, sort_keys: bool = False) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort_keys)`, byte for byte.

    With `indent`, the json module leaves its C encoder for a Python one built of nested
    generators, which yields each comma and bracket separately (0.7 s of 1.3 s for the 5.7 MB
    SARIF of the corpus workflows). This writes the same text into one list, with the strings
    still escaped by the C `encode_basestring`."""
    out: list[str] = []
    _write_json(value, out, "\n", sort_keys)
    return "".join(out)


def _write_json(value: Any, out: list[str], newline: str, sort_keys: bool) -> None:
    # The same tests in the same order as json.encoder's `_iterencode`.
    if isinstance(value, str):
        out.append(_encode_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float_text(value))
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            if type(item) is str:  # most items: written here, without a call
                out.append(_encode_string(item))
            else:
                _write_json(item, out, inner, sort_keys)
            separator = "," + inner
        out.append(newline + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, item in sorted(value.items()) if sort_keys else value.items():
            out.append(separator)
            out.append(_encode_string(_key_text(key)))
            out.append(": ")
            if type(item) is str:
                out.append(_encode_string(item))
            else:
                _write_json(item, out, inner, sort_keys)
            separator = "," + inner
        out.append(newline + "}")
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _key_text(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float_text(key)
    if key is True or key is False or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _float_text(value: float) -> str:
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == -float("inf"):
        return "-Infinity"
    return float.__repr__(value)


_encode_basestring: Callable[[str], str] = json.encoder.encode_basestring


def _encode_string(text: str) -> str:
    """A JSON string as `json.dumps` writes it, and, beyond what JSON escapes (C0 controls), the
    characters `printable` escapes (DEL, C1, line and paragraph separators, bidi controls) as
    `\\uXXXX`: the same string once decoded, and harmless when the report is shown raw."""
    encoded = _encode_basestring(text)
    if text.isprintable():  # the common case: nothing more to escape
        return encoded
    return "".join(f"\\u{ord(char):04x}" if _unsafe(char) else char for char in encoded)


# -- github workflow commands --------------------------------------------------------------

_GITHUB_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}
# As @actions/core escapes them: data escapes %, CR, LF; property values also `:` and `,`.
_DATA_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})
_PROPERTY_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"})


def _github_command(command: str, properties: dict[str, Any], message: str) -> str:
    """A workflow command: `%`, CR and LF percent-encoded as the runner decodes them (and `:` and
    `,` in property values), so that no line break can start a forged command; every other control
    character escaped (`printable`), so that no terminal sequence reaches the log."""
    props = ",".join(f"{key}={_github_safe(str(value)).translate(_PROPERTY_ESCAPES)}"
                     for key, value in properties.items())
    return f"::{command} {props}::{_github_safe(message).translate(_DATA_ESCAPES)}"


def _github_safe(text: str) -> str:
    """`printable`, but CR and LF are left for the workflow command's percent-encoding."""
    if text.isprintable():
        return text
    return "".join(_escape_char(char) if char not in "\r\n" and _unsafe(char) else char for char in text)


def _github_line(report: _Report, finding: Finding) -> str:
    span = finding.span
    properties = {"file": span.path, "line": span.line, "col": span.column, "endLine": span.end_line,
                  "endColumn": span.end_column, "title": f"{finding.rule_id} {finding.rule}"}
    job = f" ({finding.job})" if finding.job else ""
    command = _GITHUB_COMMANDS.get(report.level(finding), "warning")
    return _github_command(command, properties, finding.message + job)


def _render_github(report: _Report) -> str:
    lines = [_github_line(report, finding) for finding in report.active]
    lines += [
        _github_command("error", {"title": "cilint internal error"}, f"rule {e.rule} ({e.path}): {e.message}")
        for e in report.errors
    ]
    return "".join(line + "\n" for line in lines)


# -- sarif ---------------------------------------------------------------------------------


def _sarif_json(value: Any) -> Any:
    """sarif_om objects as SARIF JSON: camelCase names from each attribute's
    `schema_property_name`, leaving out None, empty lists and maps, and values equal to the
    attribute's default (`level` excepted: GitHub reads it)."""
    if type(value) in _SARIF_SCALARS:  # most values: nothing to convert
        return value
    plan = _sarif_plan(type(value))
    if plan is not None:
        out: dict[str, Any] = {}
        for name, json_name, keep_empty, has_default, default in plan:
            item = getattr(value, name)
            if item is None:
                continue
            if isinstance(item, (list, dict)) and not item:
                if not keep_empty:
                    continue
            elif has_default and type(item) is type(default) and bool(item == default):
                continue
            out[json_name] = _sarif_json(item)
        return out
    if isinstance(value, dict):
        return {key: _sarif_json(item) for key, item in value.items() if item is not None}
    if isinstance(value, (list, tuple)):
        return [_sarif_json(item) for item in value]
    return value


# An empty `results` says the run found nothing (absent would say it did not run); `rules` is
# expected by GitHub even when empty.
_KEEP_EMPTY = {"results", "rules"}


_SARIF_SCALARS = frozenset({str, int, float, bool, type(None)})
# Per sarif_om class, what `_sarif_json` needs of each attribute: (attribute, JSON name, kept when
# empty, has a default it is left out at, that default). Read from attrs once per class rather
# than for each of the 120,000 objects and values of a large SARIF log.
_SarifField = tuple[str, str, bool, bool, Any]
_SARIF_PLANS: dict[type, list[_SarifField] | None] = {}


def _sarif_plan(cls: type) -> list[_SarifField] | None:
    """The plan of an attrs class; None for other types."""
    if cls not in _SARIF_PLANS:
        import attr

        plan: list[_SarifField] | None = None
        if attr.has(cls):
            plan = []
            for field in attr.fields(cls):
                # `level` is written even at its default: GitHub reads it.
                has_default = field.name != "level" and field.default is not attr.NOTHING
                default = field.default
                if has_default and isinstance(default, attr.Factory):  # type: ignore[arg-type]
                    default = default.factory()  # only compared with, never changed
                plan.append((field.name, field.metadata["schema_property_name"], field.name in _KEEP_EMPTY,
                             has_default, default))
        _SARIF_PLANS[cls] = plan
    return _SARIF_PLANS[cls]


def _first_paragraph(text: str) -> str:
    return text.strip().split("\n\n", 1)[0].replace("\n", " ").strip()


def _sarif_rule(rule: Rule) -> Any:
    import sarif_om as om

    tags = list(rule.tags)
    if rule.security_severity is not None and "security" not in tags:
        tags.append("security")  # GitHub lists a result as a security alert only with this tag
    properties: dict[str, Any] = {"tags": tags[:MAX_TAGS] or None, "precision": rule.precision}
    if rule.security_severity is not None:
        properties["security-severity"] = rule.security_severity
    summary = rule.summary or rule.name
    doc = rule.doc or summary
    return om.ReportingDescriptor(
        id=rule.id,
        name=rule.name,
        short_description=om.MultiformatMessageString(text=summary),
        full_description=om.MultiformatMessageString(text=_first_paragraph(doc) or summary),
        help=om.MultiformatMessageString(text=doc, markdown=doc),
        help_uri=rule.help_uri or HELP_URI.format(name=rule.name),
        default_configuration=om.ReportingConfiguration(level=rule.level),
        properties=properties,
    )


def _physical(span: Span, artifacts: dict[str, int]) -> Any:
    import sarif_om as om

    line, column = max(span.line, 1), max(span.column, 1)
    end_line = max(span.end_line, line)
    end_column = max(span.end_column, column) if end_line == line else max(span.end_column, 1)
    return om.PhysicalLocation(
        artifact_location=om.ArtifactLocation(
            uri=quote(span.path, safe="/"), uri_base_id=SRCROOT, index=artifacts.get(span.path)
        ),
        region=om.Region(start_line=line, start_column=column, end_line=end_line, end_column=end_column),
    )


class _Notes:
    """Tool execution notifications: internal errors and what was cut to fit GitHub's limits."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    def add(self, descriptor: str, level: str, text: str) -> None:
        import sarif_om as om

        self.items.append(om.Notification(
            message=om.Message(text=text), level=level,
            descriptor=om.ReportingDescriptorReference(id=descriptor),
        ))


def _limit_results(findings: list[Finding], report: _Report, notes: _Notes) -> list[Finding]:
    """At most MAX_RESULTS findings, the most severe first, in their original order."""
    if len(findings) <= MAX_RESULTS:
        return findings
    ranked = sorted(range(len(findings)), key=lambda i: (-level_rank(report.level(findings[i])), i))
    notes.add("results-truncated", "warning",
              f"{len(findings)} results, over GitHub code scanning's limit of {MAX_RESULTS} per run: "
              f"the {len(findings) - MAX_RESULTS} least severe were left out")
    return [findings[i] for i in sorted(ranked[:MAX_RESULTS])]


def _sarif_result(report: _Report, finding: Finding, rule_index: dict[str, int],
                  artifacts: dict[str, int], notes: _Notes) -> Any:
    import sarif_om as om

    related = finding.related
    if len(related) > MAX_LOCATIONS:
        notes.add("related-locations-truncated", "warning",
                  f"{finding.rule_id} at {finding.span.path}:{finding.span.line}: {len(related)} related "
                  f"locations, over GitHub's limit of {MAX_LOCATIONS}: the rest were left out")
        related = related[:MAX_LOCATIONS]
    suppressions = None
    if finding.suppressed:
        suppressions = [om.Suppression(kind=finding.suppressed, justification=finding.justification or None)]
    return om.Result(
        rule_id=finding.rule_id,
        rule_index=rule_index.get(finding.rule_id, -1),
        level=report.level(finding),
        message=om.Message(text=finding.message),
        locations=[om.Location(physical_location=_physical(finding.span, artifacts))],
        related_locations=[
            om.Location(id=index, physical_location=_physical(span, artifacts), message=om.Message(text=text))
            for index, (span, text) in enumerate(related, start=1)
        ],
        partial_fingerprints={FINGERPRINT_KEY: finding.fingerprint} if finding.fingerprint else None,
        suppressions=suppressions,
        properties={"job": finding.job} if finding.job else None,
    )


def _sarif_run(report: _Report) -> Any:
    import sarif_om as om

    notes = _Notes()
    rules = list(report.rules.values())
    if len(rules) > MAX_RULES:
        notes.add("rules-truncated", "warning",
                  f"{len(rules)} rules, over GitHub code scanning's limit of {MAX_RULES} per run")
        rules = rules[:MAX_RULES]
    rule_index = {rule.id: index for index, rule in enumerate(rules)}
    artifacts = {file.path: index for index, file in enumerate(report.files)}
    results = [
        _sarif_result(report, finding, rule_index, artifacts, notes)
        for finding in _limit_results(report.findings, report, notes)
    ]
    for error in report.errors:
        notes.add("internal-error", "error", f"rule {error.rule} failed on {error.path}: {error.message}")
    root = (
        om.ArtifactLocation(uri=report.root.resolve().as_uri() + "/")
        if report.root is not None
        else om.ArtifactLocation(description=om.Message(text="The root of the repository checked."))
    )
    return om.Run(
        tool=om.Tool(driver=om.ToolComponent(
            name="cilint", version=report.version, information_uri=INFORMATION_URI,
            rules=[_sarif_rule(rule) for rule in rules],
        )),
        automation_details=om.RunAutomationDetails(id=_automation_id(report.category)),
        original_uri_base_ids={SRCROOT: root},
        artifacts=[
            om.Artifact(location=om.ArtifactLocation(uri=quote(file.path, safe="/"), uri_base_id=SRCROOT),
                        properties={"platform": file.platform})
            for file in report.files
        ],
        invocations=[om.Invocation(execution_successful=not report.errors,
                                   tool_execution_notifications=notes.items)],
        column_kind="unicodeCodePoints",
        results=results,
    )


def _automation_id(category: str) -> str:
    """As upload-sarif forms it from its `category` input: the category and a closing `/`."""
    category = category.strip() or "cilint"
    return category if category.endswith("/") else category + "/"


def _render_sarif(report: _Report) -> str:
    import sarif_om as om

    log = om.SarifLog(version="2.1.0", schema_uri=SARIF_SCHEMA, runs=[_sarif_run(report)])
    body = _sarif_json(log)
    ordered = {"$schema": body.pop("$schema"), "version": body.pop("version"), **body}
    return _fit_upload_size(ordered)


def _dump(document: dict[str, Any]) -> str:
    return json_text(document) + "\n"


def _gzip_size(text: str) -> int:
    import gzip

    return len(gzip.compress(text.encode("utf-8"), compresslevel=6))


def _fits(text: str) -> bool:
    # what fits uncompressed fits compressed: only a larger text is worth compressing to measure
    return len(text.encode("utf-8")) <= MAX_GZIP_BYTES or _gzip_size(text) <= MAX_GZIP_BYTES


def _fit_upload_size(document: dict[str, Any]) -> str:
    """The SARIF text, made to fit code scanning's upload limit: first without related
    locations, then with the least severe results left out, a quarter at a time."""
    text = _dump(document)
    if _fits(text):
        return text
    run = document["runs"][0]
    invocation = run["invocations"][0]
    notes = invocation.setdefault("toolExecutionNotifications", [])
    for result in run["results"]:
        result.pop("relatedLocations", None)
    notes.append(_size_note("related locations were left out"))
    text = _dump(document)
    results = run["results"]
    rank = {"error": 0, "warning": 1, "note": 2, "none": 3}
    while not _fits(text) and results:
        order = sorted(range(len(results)), key=lambda i: (rank.get(results[i].get("level"), 1), i))
        keep = sorted(order[: len(results) * 3 // 4])
        run["results"] = results = [results[i] for i in keep]
        notes[-1] = _size_note(f"related locations and all but the {len(results)} most severe results "
                               "were left out")
        text = _dump(document)
    return text


def _size_note(what: str) -> dict[str, Any]:
    return {"level": "warning", "descriptor": {"id": "sarif-too-large"},
            "message": {"text": f"the SARIF file was over GitHub code scanning's upload limit of "
                                f"{MAX_GZIP_BYTES} bytes compressed: {what}"}}


_RENDERERS: dict[str, Callable[[_Report], str]] = {
    "text": _render_text,
    "concise": _render_text,
    "full": _render_full,
    "json": _render_json,
    "sarif": _render_sarif,
    "github": _render_github,
}
