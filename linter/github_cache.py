"""GitHub Actions: what a cache key is made of (`Cache.key_inputs`).

A key of `actions/cache` is text with `${{ }}` expressions in it: `hashFiles('a', 'b')` hashes
files (a `!` pattern excludes), `github.sha` and `github.run_id` change with every commit or run,
`runner.os` and `matrix.*` are settings of the run, `env.X` is the step's variable (read through
when its value is itself an expression; `env.PROTOC_VERSION` and `matrix.node-version` are
versions the key pins, as are literals such as `sccache-0.7.4`), and `steps.*`, `inputs.*`, `vars.*`, `secrets.*` are
values cilint cannot know. The built-in caches of the setup-* actions are keyed on a hash of
`cache-dependency-path` (or the action's defaults): the loader lists those files as `key_files`.

Its paths (`Cache.cached_paths`) are relative to the workspace, the checkout, unless they start
from it (`${{ github.workspace }}`, `$GITHUB_WORKSPACE`) or from home (`~`, `/github/home` in a
container); a leading `!` excludes, and a path with `${{ }}` in it cannot be read.
"""

from __future__ import annotations

import re

from .cache_paths import literal_pins, outside_checkout, prefixes, read_path, variable_pin
from .lazyre import lazy
from .loadutil import TemplatePattern
from .model import Cache, CacheKey, EnvVar, HashedFile, KeyPart, KeyPartKind, VersionPin

_EXPRESSION = TemplatePattern(r"\$\{\{(.*?)\}\}", "}}")
_HASHFILES = lazy(r"\bhashFiles\s*\(([^()]*)\)")
_HASHFILES_CALL = lazy(r"\bhashFiles\s*\(")
_STRING = lazy(r"'((?:[^']|'')*)'")
_REFERENCE = lazy(r"(?<![\w.'-])([A-Za-z_][\w-]*(?:\.[\w*-]+|\[[^\]]*\])*)(?![\w.\[-]|\s*\()")
_LITERALS = {"true", "false", "null"}

# Context values that change with every commit or every run (a key holding one is never reused
# as it is). `github.event.head_commit.id` is the commit's SHA.
_PER_COMMIT = lazy(
    r"^github\.(sha|event\.after|event\.head_commit\.id|event\.pull_request\.head\.sha|"
    r"event\.workflow_run\.head_sha)$"
)
_PER_RUN = lazy(r"^github\.(run_id|run_number|run_attempt)$")
_PER_BRANCH = lazy(r"^github\.(ref|ref_name|head_ref|base_ref)$")
# Contexts whose values are settings of the run, the same from commit to commit (except
# `github.event.inputs`, which a person types in). Anything else (steps, needs, inputs, vars,
# secrets, env set at run time) cannot be known.
_SETTING = lazy(r"^(runner|matrix|strategy|job|github)\.")
_MANUAL_INPUT = "github.event.inputs"
# Templates no platform expands inside a file pattern: the name is not the file's.
_TEMPLATE_MARKS = ("{{", "<<", "${")
_MAX_ENV_DEPTH = 2  # `env.A` whose value is `${{ env.B }}`...: read this deep
_PATH_PREFIXES = prefixes(
    checkout=(r"\$\{\{\s*github\.workspace\s*\}\}", r"\$GITHUB_WORKSPACE", r"\$\{GITHUB_WORKSPACE\}"),
    home=(r"/github/home",),  # HOME in a container job
)


def with_key_inputs(cache: Cache, env: dict[str, EnvVar]) -> Cache:
    """`cache` with `key_inputs` and `restore_key_inputs` read from its keys (or, for a setup
    action's built-in cache, from `key_files`) and `cached_paths` from its paths, `env` being the
    step's environment."""
    cache.cached_paths = [read_path(path, _PATH_PREFIXES, "checkout", exclusions=True, unreadable=("${{",))
                          for path in cache.paths]
    if cache.action == "builtin":
        cache.key_inputs = read_key_files(cache.key_files)
    else:
        cache.key_inputs = read_key(cache.key.value, env) if cache.key is not None else None
        cache.restore_key_inputs = [read_key(key.value, env) for key in cache.restore_keys]
    return cache


def read_key(key: str, env: dict[str, EnvVar]) -> CacheKey:
    """What an `actions/cache` key is made of."""
    parts: list[KeyPart] = []
    _read(key, env, 0, parts)
    return CacheKey(tuple(parts), pins=_pins(parts))


def _pins(parts: list[KeyPart]) -> tuple[VersionPin, ...]:
    """The versions a key holds: literals in its text, and settings named as versions
    (`env.PROTOC_VERSION` set to a literal, `matrix.node-version`)."""
    pins: list[VersionPin] = []
    for part in parts:
        if part.kind == "text":
            pins.extend(literal_pins(part.text))
        elif part.kind == "context" and part.text.startswith(("env.", "matrix.")):
            pin = variable_pin(part.text.split(".", 1)[1], part.text)
            if pin is not None:
                pins.append(pin)
    return tuple(pins)


def read_key_files(files: list[str]) -> CacheKey:
    """A setup action's built-in cache key: a hash of `files`; one written as an expression
    (`cache-dependency-path: ${{ inputs.lockfile }}`) names files cilint cannot read."""
    parts = [KeyPart("opaque-hash", name) if _EXPRESSION.search(name)
             else KeyPart("files", name, (_file(name),)) for name in files]
    return CacheKey(tuple(parts))


def _read(key: str, env: dict[str, EnvVar], depth: int, parts: list[KeyPart]) -> None:
    last = 0
    for block in _EXPRESSION.finditer(key):
        if block.start() > last:
            parts.append(KeyPart("text", key[last:block.start()]))
        last = block.end()
        expression = block.group(1)
        for call in _HASHFILES.finditer(expression):
            _hash_arguments(call.group(0), call.group(1), parts)
        rest = _STRING.sub("''", _HASHFILES.sub("''", expression))
        if _HASHFILES_CALL.search(rest):
            parts.append(KeyPart("opaque-hash", block.group(0)))  # hashFiles(format(...)): named at run time
        for reference in _REFERENCE.findall(rest):
            _reference(reference, env, depth, parts)
    if last < len(key):
        parts.append(KeyPart("text", key[last:]))


def _hash_arguments(call: str, arguments: str, parts: list[KeyPart]) -> None:
    literals = [m.group(1).replace("''", "'") for m in _STRING.finditer(arguments)]
    if _STRING.sub("", arguments).strip(" ,\n"):
        parts.append(KeyPart("opaque-hash", call))  # hashFiles(env.FILES), hashFiles(format(...))
    if literals:
        parts.append(KeyPart("files", call, tuple(_file(name) for name in literals)))


def _file(written: str) -> HashedFile:
    """A hashFiles pattern in the model's glob form: relative to the workspace, `/` separated,
    a leading `!` excluding (as @actions/glob reads it)."""
    excluded = written.startswith("!")
    glob = re.sub(r"^(\./)+", "", (written[1:] if excluded else written).replace("\\", "/"))
    return HashedFile(written, glob, excluded, any(mark in written for mark in _TEMPLATE_MARKS), outside_checkout(glob))


def _reference(reference: str, env: dict[str, EnvVar], depth: int, parts: list[KeyPart]) -> None:
    if reference in _LITERALS:
        return
    kind: KeyPartKind
    if _PER_COMMIT.match(reference):
        kind = "per-commit"
    elif _PER_RUN.match(reference):
        kind = "per-run"
    elif reference.startswith("env."):
        variable = env.get(reference[4:])
        if variable is None or depth > _MAX_ENV_DEPTH:
            kind = "unknown"  # set at run time (GITHUB_ENV) or nested too deep
        elif variable.reference:
            _read(variable.written, env, depth + 1, parts)
            return
        else:
            kind = "context"
    elif not _SETTING.match(reference) or reference.startswith(_MANUAL_INPUT):
        kind = "unknown"  # steps.*, needs.*, inputs.*, vars.*, secrets.*
    elif _PER_BRANCH.match(reference):
        kind = "per-branch"
    else:
        kind = "context"
    parts.append(KeyPart(kind, reference))
