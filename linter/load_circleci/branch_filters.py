"""CircleCI's branch filters, translated once into the model's neutral `BranchPattern`s.

A filter value is "either a single string branch name, or a regular expression (delimited by
slashes /.../) - regular expressions must match the entire string"
(https://circleci.com/docs/reference/configuration-reference/, `filters`). `only` admits a branch
any of its values match, `ignore` keeps out one any of its values match; a job with tag filters
and no branch filters runs for tags, for no branch. Java's regular expressions are read as
Python's: they agree on what filters use.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

from ..model import BranchFilter, BranchPattern, Pipeline, Trigger


@lru_cache(maxsize=4096)
def filter_pattern(written: str) -> BranchPattern:
    """A branch name, or `/regex/` (one that does not compile stands for itself, as a name)."""
    if len(written) >= 2 and written.startswith("/") and written.endswith("/"):
        try:
            with warnings.catch_warnings():  # (a user's regular expression: its style is not ours to judge)
                warnings.simplefilter("ignore", FutureWarning)
                return BranchPattern(written, re.compile(written[1:-1]), is_glob=True)
        except (re.error, OverflowError, RecursionError):
            pass
    return BranchPattern(written, re.compile(re.escape(written)), examples=(written,))


_NO_BRANCH = BranchFilter(only=())


@lru_cache(maxsize=4096)
def _branch_filter(only: tuple[str, ...] | None, ignore: tuple[str, ...] | None, tags: bool) -> BranchFilter:
    if only is None and ignore is None:
        return _NO_BRANCH if tags else BranchFilter()
    return BranchFilter(None if only is None else tuple(filter_pattern(p) for p in only),
                        tuple(filter_pattern(p) for p in ignore or ()))


def branch_filter(trigger: Trigger) -> BranchFilter:
    """What a CircleCI trigger's branch (and tag) filters admit."""
    return _branch_filter(
        None if trigger.branches is None else tuple(trigger.branches),
        None if trigger.branches_ignore is None else tuple(trigger.branches_ignore),
        trigger.tags is not None or trigger.tags_ignore is not None,
    )


def translate_triggers(pipeline: Pipeline) -> Pipeline:
    """Set `branch_filter` on every trigger of the pipeline, its workflows and their jobs (the
    pipeline itself, for `return`)."""
    for trigger in pipeline.triggers:
        trigger.branch_filter = branch_filter(trigger)
    for workflow in pipeline.workflows:
        for trigger in workflow.triggers:
            trigger.branch_filter = branch_filter(trigger)
        for job in workflow.jobs():
            for trigger in job.triggers:
                trigger.branch_filter = branch_filter(trigger)
    return pipeline
