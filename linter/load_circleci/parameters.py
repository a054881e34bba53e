"""Parameters and `<< >>` substitution: what `<< parameters.x >>`, `<< pipeline.parameters.x >>` and
`<< matrix.x >>` mean where they are written.

CircleCI substitutes these references in the text of the config before anything runs. Here that
happens lazily, on the strings the loader reads:

* pipeline parameters (top-level `parameters`) count with their defaults (`pipeline_parameters`);
* a job, command or executor invocation binds its declared parameters to the values given, or to
  the declared defaults (`bind`); a matrix leg's values override the given ones;
* a `Scope` says what the references mean where a value is written; an `Arg` is one parameter's
  value, with the Texts it came through (`Image.via` lists them);
* `subst` replaces `<< x >>` and the sections `<<# x >>...<</ x >>` / `<<^ x >>...<</ x >>`;
  `subst_text` and `text_at` keep the span where the value is written.

A value that is exactly one reference (`x: << parameters.y >>`) passes the argument on whatever its
type (`whole_arg`): that is how `steps` and `executor` parameters travel.
"""

from __future__ import annotations

import re
from typing import Any

from ..loadutil import items_with_pos, scalar_str
from ..model import Text
from ..yamlsrc import Pos, YMap, YSeq
from .context import Arg, Config, Scope
from .values import dedupe, is_scalar, is_set, plain

_REF = re.compile(r"<<\s*(pipeline\.parameters|parameters|matrix)\.([A-Za-z0-9_-]+)\s*>>")
# `<<# parameters.x >>text<</ parameters.x >>` (text when x is true), `<<^ ... >>` (when false).
_SECTION = re.compile(
    r"<<([#^])\s*(pipeline\.parameters|parameters|matrix)\.([A-Za-z0-9_-]+)\s*>>(.*?)<</\s*\2\.\3\s*>>", re.S
)
_FALSY = frozenset({"", "false", "0"})


def is_reference_only(value: Any) -> bool:
    """The value is exactly one `<< parameters.x >>`-style reference."""
    return isinstance(value, str) and "<<" in value and _REF.fullmatch(value.strip()) is not None


def pipeline_parameters(config: Config) -> None:
    """The defaults of the top-level `parameters`: what `<< pipeline.parameters.x >>` reads."""
    params = config.root.get("parameters")
    if params is None:
        return
    if not isinstance(params, YMap):
        config.parse_error("`parameters` must be a mapping", config.root.pos_of("parameters"))
        return
    for name, decl in params.items():
        if not isinstance(decl, YMap):
            config.parse_error(f"pipeline parameter '{name}' must be a mapping", params.pos_of(name))
            continue
        if "default" in decl:
            default = decl["default"]
            config.pipeline_args[name] = Arg(default, [config.src.text(default, decl.pos_of("default"))])
            config.pipeline.parameters[name] = plain(default)


def lookup(config: Config, kind: str, name: str, scope: Scope) -> Arg | None:
    if kind == "pipeline.parameters":
        return config.pipeline_args.get(name)
    return (scope.params if kind == "parameters" else scope.matrix).get(name)


def whole_arg(config: Config, value: Any, scope: Scope) -> Arg | None:
    """The argument a string that is exactly one `<< ... >>` reference names."""
    if not isinstance(value, str) or "<<" not in value:
        return None
    match = _REF.fullmatch(value.strip())
    return lookup(config, match.group(1), match.group(2), scope) if match else None


def subst(config: Config, value: str, scope: Scope) -> tuple[str, list[Text]]:
    """`value` with the references we can resolve replaced, and the values used."""
    if "<<" not in value:
        return value, []
    via: list[Text] = []

    def section(match: re.Match[str]) -> str:
        arg = lookup(config, match.group(2), match.group(3), scope)
        if arg is None or not is_scalar(arg.value):
            return match.group(0)
        via.extend(arg.via)
        truthy = scalar_str(arg.value).lower() not in _FALSY
        return match.group(4) if truthy == (match.group(1) == "#") else ""

    def value_of(match: re.Match[str]) -> str:
        arg = lookup(config, match.group(1), match.group(2), scope)
        if arg is None or not is_scalar(arg.value):
            return match.group(0)
        via.extend(arg.via)
        return scalar_str(arg.value)

    if "<<#" in value or "<<^" in value:
        value = _SECTION.sub(section, value)
    return _REF.sub(value_of, value), dedupe(via)


def subst_text(config: Config, text: Text, scope: Scope) -> tuple[Text, list[Text]]:
    """A Text substituted in place: it keeps the span where it is written."""
    value, via = subst(config, text.value, scope)
    if value == text.value:
        return text, via
    # Line k of a literal block still stands at body_line + k unless a value added lines.
    same_lines = value.count("\n") == text.value.count("\n")
    body_line = text.body_line if same_lines else None
    return Text(value, text.span, body_line, text.body_column), via


def text_at(config: Config, raw: Any, pos: Pos, scope: Scope) -> tuple[Text, list[Text]]:
    """The scalar written at `pos` as a substituted Text, and the values used."""
    written = config.text(raw, pos)
    if "<<" not in written.value:  # nothing to substitute: the same Text every time
        return written, []
    return subst_text(config, written, scope)


def texts_at(config: Config, value: Any, pos: Pos, scope: Scope) -> list[Text]:
    """A string or list of strings (contexts, cache paths) as substituted Texts."""
    if not isinstance(value, list):
        return [text_at(config, value, pos, scope)[0]] if is_set(value) else []
    return [text_at(config, item, at, scope)[0] for item, at in items_with_pos(value) if is_set(item)]


def argument(config: Config, raw: Any, pos: Pos, scope: Scope) -> Arg:
    """The value a parameter gets from `raw`, written at `pos` in `scope`."""
    if isinstance(raw, (YMap, YSeq)):
        return Arg(raw, [], scope)
    written = config.text(raw, pos)
    passed = whole_arg(config, raw, scope)
    if passed is not None:  # `x: << parameters.y >>` passes y on, whatever its type
        via = [written, *passed.via] if is_scalar(passed.value) else passed.via
        return Arg(passed.value, dedupe(via), passed.scope)
    if not isinstance(raw, str):
        return Arg(raw, [written], scope)
    value, via = subst(config, written.value, scope)
    return Arg(value, dedupe([written, *via]), scope)


def bind(
    config: Config,
    decls: Any,
    given: Any,
    scope: Scope,
    namespace: str | None,
    overrides: dict[str, Arg] | None = None,
) -> dict[str, Arg]:
    """Parameters of one invocation: values given (in `scope`) over the declared defaults."""
    out: dict[str, Arg] = {}
    if not isinstance(decls, YMap):
        return out
    defaults = Scope(namespace=namespace)
    for name, decl in decls.items():
        if overrides and name in overrides:
            out[name] = overrides[name]
        elif isinstance(given, YMap) and name in given:
            out[name] = argument(config, given[name], given.pos_of(name), scope)
        elif isinstance(decl, YMap) and "default" in decl:
            out[name] = argument(config, decl["default"], decl.pos_of("default"), defaults)
    return out
