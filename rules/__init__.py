"""The built-in rules, one module each; `BUILTIN` is the registry the engine reads, typed by the
Protocol every rule module satisfies (mypy checks each against it)."""

from __future__ import annotations

from ..linter.ruleapi import RuleModule
from . import (
    approval_before_deploy,
    cache_key_lockfile,
    checkout_credentials,
    invalid_reference,
    least_privilege,
    masked_failures,
    parse_error,
    pinned_actions,
    pinned_images,
    required_checks,
    secrets_via_contexts,
    template_injection,
    untrusted_trigger,
    unused_suppression,
    warnings_as_errors,
)

BUILTIN: list[RuleModule] = [
    parse_error,
    invalid_reference,
    unused_suppression,
    warnings_as_errors,
    pinned_images,
    cache_key_lockfile,
    secrets_via_contexts,
    approval_before_deploy,
    required_checks,
    pinned_actions,
    least_privilege,
    masked_failures,
    untrusted_trigger,
    template_injection,
    checkout_credentials,
]
