"""Small tests on YAML values that every part of the CircleCI loader asks: is it a scalar, is it set,
does it refer to a variable or parameter, and the same value as plain Python."""

from __future__ import annotations

from typing import Any

from ..model import Text

# How CircleCI writes what it fills in before the shell runs (`Pipeline.template_openers`:
# `<< parameters.x >>`, `<< pipeline.x >>`), and how scripts name the job's default working
# directory, the checkout (`Pipeline.checkout_directories`).
TEMPLATE_OPENERS = ("<<",)
CHECKOUT_DIRECTORIES = ("$CIRCLE_WORKING_DIRECTORY", "${CIRCLE_WORKING_DIRECTORY}", "~/project",
                        "/home/circleci/project")
# The commit statuses CircleCI posts (`Pipeline.status_context`, `Pipeline.status_prefix`): one
# per job, `ci/circleci: <job>`; `ci/circleci` alone was its old single status.
STATUS_CONTEXT = "ci/circleci"
STATUS_PREFIX = f"{STATUS_CONTEXT}: "


def is_reference(value: str) -> bool:
    """The value refers to a variable or a parameter rather than being a literal."""
    return "$" in value or "<<" in value


def plain(value: Any) -> Any:
    """A YAML value as a plain Python value (a `YStr` becomes a `str`)."""
    return str(value) if isinstance(value, str) else value


def is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def is_set(value: Any) -> bool:
    """A scalar that is there (not null)."""
    return value is not None and not isinstance(value, (dict, list))


def dedupe(texts: list[Text]) -> list[Text]:
    if len(texts) < 2:  # most: nothing to compare (hashing a Text is a Python call)
        return list(texts)
    return list(dict.fromkeys(texts))
