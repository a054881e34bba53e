"""GitHub's branch patterns, translated once into the model's neutral `BranchPattern`s.

Two syntaxes, both GitHub's:

* the filter patterns of workflow triggers (`on.<event>.branches`, `branches-ignore`): `*` within
  one path segment, `**` across segments, `?` and `+` (zero or one, one or more of the previous
  character), `[...]`, everything else literal; in `branches`, a leading `!` takes back what the
  patterns before it admitted ("Filter pattern cheat sheet",
  https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax). Tag
  filters without branch filters keep every branch out: "If you define only tags/tags-ignore or
  only branches/branches-ignore, the workflow won't run for events affecting the undefined Git
  ref" (same page).
* the patterns of branch protection and rulesets, read as `fnmatch` reads them (`*` also
  matches `/`), translated by `load_protection`; `examples` serves both.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

from .model import BranchFilter, BranchPattern, Trigger


def glob_chars(pattern: str) -> bool:
    """Whether a pattern stands for more than one name (it has `*`, `?` or `[`)."""
    return any(c in pattern for c in "*?[")


@lru_cache(maxsize=4096)
def filter_regex(pattern: str) -> re.Pattern[str]:
    """A trigger filter pattern as a regular expression; a pattern that makes no valid one (an
    unclosed `[`...) stands for itself."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        char = pattern[i]
        if char == "*":
            out.append("[^/]*")
        elif char in "?+":
            out.append(char)
        elif char == "[":
            end = pattern.find("]", i)
            out.append(pattern[i:end + 1] if end > i else re.escape(char))
            i = end if end > i else i
        else:
            out.append(re.escape(char))
        i += 1
    try:
        with warnings.catch_warnings():  # (`[[` reads as a possibly nested set: it is not one here)
            warnings.simplefilter("ignore", FutureWarning)
            return re.compile("".join(out))
    except (re.error, OverflowError, RecursionError):
        return re.compile(re.escape(pattern))


@lru_cache(maxsize=4096)
def examples(pattern: str) -> tuple[str, ...]:
    """Names a pattern stands for, to try other patterns on: `release/*` -> `release/x`;
    `docs/**` -> `docs/x`, `docs/a/b`; `[0-9]` -> `0`; a `!` or `+` left out."""
    pattern = pattern.lstrip("!")
    made = {pattern.replace("**", "a/b").replace("*", "x").replace("?", "x"),
            pattern.replace("**", "x").replace("*", "x").replace("?", "x")}
    return tuple(sorted({re.sub(r"\[([^\]])[^\]]*\]", r"\1", name).replace("+", "") for name in made}))


@lru_cache(maxsize=4096)
def filter_pattern(written: str, negatable: bool) -> BranchPattern:
    """One pattern of `branches` (`negatable`: a leading `!` takes back) or `branches-ignore`."""
    negated = negatable and written.startswith("!")
    text = written[1:] if negated else written
    return BranchPattern(written, filter_regex(text), negated, glob_chars(text), examples(written))


_NO_BRANCH = BranchFilter(only=())


@lru_cache(maxsize=4096)
def _branch_filter(only: tuple[str, ...] | None, ignore: tuple[str, ...] | None, tags: bool) -> BranchFilter:
    if only is None and ignore is None:
        return _NO_BRANCH if tags else BranchFilter()
    return BranchFilter(
        None if only is None else tuple(filter_pattern(p, True) for p in only),
        tuple(filter_pattern(p, False) for p in ignore or ()),
    )


def branch_filter(trigger: Trigger) -> BranchFilter:
    """What a GitHub trigger's branch (and tag) filters admit."""
    return _branch_filter(
        None if trigger.branches is None else tuple(trigger.branches),
        None if trigger.branches_ignore is None else tuple(trigger.branches_ignore),
        trigger.event == "push" and (trigger.tags is not None or trigger.tags_ignore is not None),
    )


def translated(triggers: list[Trigger]) -> list[Trigger]:
    """The triggers, each with its `branch_filter` set (the list itself, for assignment)."""
    for trigger in triggers:
        trigger.branch_filter = branch_filter(trigger)
    return triggers
