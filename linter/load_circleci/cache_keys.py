"""CircleCI: what a cache key is made of (`Cache.key_inputs`).

A key of `save_cache`/`restore_cache` is text with templates in it: `{{ checksum "file" }}` hashes
one file (read from the job's working directory), `{{ .Revision }}` and `{{ epoch }}` change with
every commit or build, `{{ .Branch }}` with the branch, `{{ arch }}` and `<< pipeline.parameters.x >>`
are settings of the run, and `{{ .Environment.MY_VAR }}` is a value cilint cannot know. Versions
in the key (`protoc-3.21.12`, `<< pipeline.parameters.protoc_version >>`) are its `pins`. Job and
command parameters (`<< parameters.x >>`) are already substituted when the key is read.

Its paths (`Cache.cached_paths`) are relative to the job's working directory, unless they start
from the checkout where CircleCI puts it by default (`~/project`, `/home/circleci/project`) or
from home (`~`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..cache_paths import literal_pins, outside_checkout, prefixes, read_path, variable_pin
from ..loadutil import templates_of_kinds
from ..model import Cache, CacheKey, HashedFile, KeyPart, KeyPartKind, VersionPin

_TEMPLATE = re.compile(r"\{\{(.*?)\}\}|<<(.*?)>>", re.S)
_CHECKSUM = re.compile(r'^\s*checksum\s+"([^"]*)"\s*$')

# Template values by what they follow (domain-facts §8).
_PER_COMMIT = re.compile(r"^(\.Revision|\.Environment\.CIRCLE_SHA1|pipeline\.git\.revision)$")
_PER_RUN = re.compile(
    r"^(epoch|\.BuildNum|\.Environment\.CIRCLE_(BUILD_NUM|WORKFLOW_ID|WORKFLOW_JOB_ID|PIPELINE_ID|PIPELINE_NUM)|"
    r"pipeline\.(number|id))$"
)
_PER_BRANCH = re.compile(r"^(\.Branch|\.Environment\.CIRCLE_BRANCH|pipeline\.git\.branch)$")
_SETTING = re.compile(
    r"^(arch|\.CheckoutKey|\.Environment\.CIRCLE_[A-Z_]+|pipeline\.(git\.tag|project\.\w+)|"
    r"pipeline\.parameters\.[\w-]+|matrix\.[\w-]+)$"
)
_KINDS: tuple[tuple[re.Pattern[str], KeyPartKind], ...] = (
    (_PER_COMMIT, "per-commit"),
    (_PER_RUN, "per-run"),
    (_PER_BRANCH, "per-branch"),
    (_SETTING, "context"),
)
# The checkout, where the default working directory puts it.
_PATH_PREFIXES = prefixes(checkout=(r"~/project", r"/home/circleci/project"))


def with_key_inputs(cache: Cache) -> Cache:
    """`cache` with `key_inputs` and `restore_key_inputs` read from its keys, and `cached_paths`
    from its paths."""
    cache.cached_paths = [read_path(path, _PATH_PREFIXES, "working-directory") for path in cache.paths]
    cache.key_inputs = read_key(cache.key.value) if cache.key is not None else None
    cache.restore_key_inputs = [read_key(key.value) for key in cache.restore_keys]
    return cache


@lru_cache(maxsize=4096)
def read_key(key: str) -> CacheKey:
    """What a `save_cache`/`restore_cache` key is made of (memoised: jobs that share a command
    repeat its keys; the answer is immutable)."""
    parts: list[KeyPart] = []
    last = 0
    for match in templates_of_kinds(_TEMPLATE, key, (("{{", "}}"), ("<<", ">>"))):
        if match.start() > last:
            parts.append(KeyPart("text", key[last:match.start()]))
        last = match.end()
        inner = match.group(1) if match.group(1) is not None else match.group(2)
        parts.append(_template(match.group(0), inner.strip()))
    if last < len(key):
        parts.append(KeyPart("text", key[last:]))
    return CacheKey(tuple(parts), files_relative_to="working-directory", pins=_pins(parts))


def _pins(parts: list[KeyPart]) -> tuple[VersionPin, ...]:
    """The versions a key holds: literals in its text (job parameters are substituted by now:
    `protoc-<< parameters.version >>` reads `protoc-3.21.12`), and pipeline parameters named as
    versions (`<< pipeline.parameters.protoc_version >>`)."""
    pins: list[VersionPin] = []
    for part in parts:
        if part.kind == "text":
            pins.extend(literal_pins(part.text))
        elif part.kind == "context" and part.text.startswith("<<"):
            pin = variable_pin(part.text.strip("<> ").rsplit(".", 1)[-1], part.text)
            if pin is not None:
                pins.append(pin)
    return tuple(pins)


def _template(written: str, inner: str) -> KeyPart:
    checksum = _CHECKSUM.match(inner)
    if checksum:
        name = checksum.group(1)
        if "<<" in name or "{{" in name:
            return KeyPart("opaque-hash", written)  # a file named by a value cilint cannot read
        # `checksum` names one file, no glob; `${X}` is not expanded: the name is not the file's.
        glob = re.sub(r"^(\./)+", "", name)
        return KeyPart("files", written, (HashedFile(name, glob, templated="${" in name,
                                                      outside_checkout=outside_checkout(glob)),))
    for pattern, kind in _KINDS:
        if pattern.match(inner):
            return KeyPart(kind, written)
    return KeyPart("unknown", written)
