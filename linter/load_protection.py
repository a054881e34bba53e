"""Branch protection: which status checks must pass before a pull request merges into a branch.

Four sources say it, in three shapes (see `shared/research/domain-facts.md` §3):

* probot/safe-settings `.github/settings.yml`: `branches[].protection` is the REST request body,
  `rulesets[]` the ruleset JSON written in YAML;
* the REST branch-protection response (`GET .../branches/<b>/protection`), or only its
  `required_status_checks` object (the sub-endpoint);
* rulesets (`GET .../rulesets/<id>`, the UI export), a list of them, or the rules that apply to one
  branch (`GET .../rules/branches/<b>`);
* the cilint config's `protection` section.

Each becomes `Protection`s. A file we cannot read is a `parse-error` problem at the node concerned,
never an exception: a broken protection file must not stop the pipelines being checked.

Decisions the formats leave open:

* A ruleset in `evaluate` mode blocks nothing but is usually about to be enforced, so it is kept,
  with `enforced` False (and `source == EVALUATE_SOURCE`) so that a rule can report at most a
  warning for it; `disabled`
  ones, and rulesets for tags or pushes, contribute nothing.
* A ruleset without a `ref_name` condition targets no branch (GitHub applies it nowhere).
* Org rulesets' `repository_name` conditions are ignored: the repository being checked is assumed
  to be one they select.
* A protected branch without `required_status_checks` is still a `Protection` (with no checks): the
  branch is known to be protected and to require nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fnmatch import translate
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from .configerror import ConfigError
from .github_filters import examples, glob_chars
from .load_github import ACTIONS_APP_ID
from .loadutil import Source, scalar_str
from .model import (
    BranchPattern,
    PipelinePlatform,
    Problem,
    ProtectedBranches,
    Protection,
    ProtectionSource,
    RequiredCheck,
)
from .yamlsrc import Pos, YMap, YSeq, pos_of

DEFAULT_BRANCH = "~DEFAULT_BRANCH"
ALL_BRANCHES = "~ALL"
EVALUATE_SOURCE: ProtectionSource = "ruleset-evaluate"
# Apps a required check may be pinned to that cilint tells apart: app id -> (name, the platform
# whose checks it reports). CircleCI's app ids are not known here.
KNOWN_APPS: dict[int, tuple[str, PipelinePlatform]] = {ACTIONS_APP_ID: ("GitHub Actions", "github")}
# Checks (or commit statuses) that GitHub Apps post under a fixed name without a slash, so that
# a workflow job could have had the name too: check name -> the app. (Names with a slash, such as
# `codecov/patch` or `license/cla`, are another app's by their shape alone.)
APP_CHECKS: dict[str, str] = {
    # dcoapp/app (https://github.com/apps/dco) and its drop-in cncf/dco2: the check "DCO"
    # (https://wiki.linuxfoundation.org/dco: "check the “DCO” status check").
    "DCO": "the DCO app",
    # GitHub code scanning reports one check per analysis tool, named after the tool
    # (docs: code-security/code-scanning/.../triaging-code-scanning-alerts-in-pull-requests).
    "CodeQL": "GitHub code scanning",
    # The Linux Foundation's EasyCLA app (https://docs.linuxfoundation.org/lfx/easycla).
    "EasyCLA": "the EasyCLA app",
    # pre-commit.ci (https://pre-commit.ci): the check "pre-commit.ci - pr".
    "pre-commit.ci - pr": "pre-commit.ci",
    # zeke/semantic-pull-requests (https://github.com/apps/semantic-pull-requests).
    "Semantic Pull Request": "the Semantic Pull Requests app",
    # wip/app (https://github.com/apps/wip).
    "WIP": "the WIP app",
}

_BRANCH_URL = re.compile(r"/branches/(?P<branch>.+?)/protection(?:/required_status_checks)?/?$")
_REF_PREFIX = "refs/heads/"
_ENFORCEMENT_SOURCE: dict[str, ProtectionSource | None] = {
    "active": "ruleset", "evaluate": EVALUATE_SOURCE, "disabled": None,
}


# -- shared pieces -------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def protected_branches(written: str) -> ProtectedBranches:
    """A branch pattern as protections write it: `~DEFAULT_BRANCH`, `~ALL` (every branch, `**`),
    or a name pattern read as `fnmatch` reads it (`*` also matches `/`)."""
    if written == DEFAULT_BRANCH:
        return ProtectedBranches(written, None)
    text = "**" if written == ALL_BRANCHES else written
    pattern = BranchPattern(text, re.compile(translate(text)), is_glob=glob_chars(text), examples=examples(text))
    return ProtectedBranches(written, pattern, every=text in ("*", "**"))


def _with_branches(protection: Protection) -> Protection:
    """The protection, its `include` and `exclude` read into `branches` and `excluded`."""
    protection.branches = [protected_branches(p) for p in protection.include]
    protection.excluded = [protected_branches(p) for p in protection.exclude]
    return protection


def _items(source: Source, container: YMap, key: str) -> Iterator[tuple[Any, Pos]]:
    """The items of the list under `key` with their positions; a problem when it is not a list."""
    value = container.get(key)
    if value is None:
        return
    if not isinstance(value, YSeq):
        source.problem("parse-error", f"`{key}` must be a list", container.pos_of(key))
        return
    for index, item in enumerate(value):
        yield item, value.pos_of(index)


def _context(source: Source, value: Any, pos: Pos) -> str | None:
    if isinstance(value, (YMap, YSeq)) or value is None or scalar_str(value) == "":
        source.problem("parse-error", "a required status check needs a non-empty context name", pos)
        return None
    return scalar_str(value)


def _app_id(source: Source, check: YMap, key: str) -> int | None:
    """`app_id`/`integration_id`: an integer; -1 or null mean any source."""
    value = check.get(key)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if value is None or value == -1:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    source.problem("parse-error", f"`{key}` must be an integer app id (or -1, null)", check.pos_of(key))
    return None


def _check(source: Source, item: Any, pos: Pos, id_key: str) -> RequiredCheck | None:
    """`{context, app_id}` (or `integration_id` in rulesets)."""
    if not isinstance(item, YMap):
        message = f"a required check must be a mapping with `context` and `{id_key}`"
        source.problem("parse-error", message, pos)
        return None
    if "context" not in item:
        source.problem("parse-error", "a required check needs `context`", item.pos)
        return None
    name = _context(source, item["context"], item.pos_of("context"))
    if name is None:
        return None
    app_id = _app_id(source, item, id_key)
    app_name, app_platform = KNOWN_APPS.get(app_id, (None, None)) if app_id is not None else (None, None)
    return RequiredCheck(name, source.span(item.pos_of("context")), app_id, app_name, app_platform,
                         APP_CHECKS.get(name) if app_id is None else None)


def _bool(source: Source, container: YMap, key: str) -> bool:
    value = container.get(key, False)
    if isinstance(value, bool):
        return value
    if value is not None:
        source.problem("parse-error", f"`{key}` must be true or false", container.pos_of(key))
    return False


def _status_checks(source: Source, rsc: YMap) -> list[RequiredCheck]:
    """`checks[{context, app_id}]` then the legacy `contexts[]` not already named in `checks`
    (a REST response lists every check in both)."""
    found: dict[str, RequiredCheck] = {}
    for item, pos in _items(source, rsc, "checks"):
        check = _check(source, item, pos, "app_id")
        if check is not None:
            found.setdefault(check.context, check)
    for item, pos in _items(source, rsc, "contexts"):
        name = _context(source, item, pos)
        if name is not None:
            found.setdefault(name, RequiredCheck(name, source.span(pos), known_app=APP_CHECKS.get(name)))
    return list(found.values())


def _classic(source: Source, kind: ProtectionSource, branch: str, rsc: Any, at: Pos) -> list[Protection]:
    """Classic branch protection of one branch from its `required_status_checks` value; the
    protection's span is `at`."""
    protection = _with_branches(Protection(kind, source.span(at), [branch], name=branch))
    if rsc is None:
        return [protection]
    if not isinstance(rsc, YMap):
        source.problem("parse-error", "`required_status_checks` must be a mapping or null", pos_of(rsc, at))
        return [protection]
    protection.checks = _status_checks(source, rsc)
    protection.strict = _bool(source, rsc, "strict")
    return [protection]


def _branch_from_url(value: Any) -> str | None:
    match = _BRANCH_URL.search(value) if isinstance(value, str) else None
    return unquote(match["branch"]) if match else None


# -- rulesets ------------------------------------------------------------------------------


@dataclass
class _Rules:
    """What a ruleset's rules say about status checks."""

    checks: list[RequiredCheck] = field(default_factory=list)
    strict: bool = False
    merge_queue: bool = False
    contexts: set[str] = field(default_factory=set)  # those of `checks`: each kept once, looked up not searched


def _required_status_checks_rule(source: Source, rule: YMap, out: _Rules) -> None:
    parameters = rule.get("parameters")
    if not isinstance(parameters, YMap):
        source.problem("parse-error", "a `required_status_checks` rule needs `parameters`", rule.pos)
        return
    for item, pos in _items(source, parameters, "required_status_checks"):
        check = _check(source, item, pos, "integration_id")
        if check is not None and check.context not in out.contexts:
            out.contexts.add(check.context)
            out.checks.append(check)
    out.strict = out.strict or _bool(source, parameters, "strict_required_status_checks_policy")


def _merge_queue_rule(source: Source, rule: YMap, out: _Rules) -> None:
    out.merge_queue = True


# Rule types that matter here; the others (deletion, pull_request, ...) are not about checks.
_RULE_TYPES: dict[str, Callable[[Source, YMap, _Rules], None]] = {
    "required_status_checks": _required_status_checks_rule,
    "merge_queue": _merge_queue_rule,
}


def _read_rules(source: Source, rules: list[tuple[Any, Pos]]) -> _Rules:
    out = _Rules()
    for rule, pos in rules:
        if not isinstance(rule, YMap) or "type" not in rule:
            source.problem("parse-error", "a ruleset rule must be a mapping with `type`", pos)
            continue
        handler = _RULE_TYPES.get(scalar_str(rule["type"]))
        if handler is not None:
            handler(source, rule, out)
    return out


def _ref_patterns(source: Source, ref_name: YMap, key: str) -> list[str]:
    patterns = []
    for item, pos in _items(source, ref_name, key):
        if isinstance(item, (YMap, YSeq)) or item is None:
            source.problem("parse-error", f"`ref_name.{key}` must list ref name patterns", pos)
            continue
        text = scalar_str(item)
        patterns.append(text.removeprefix(_REF_PREFIX))
    return patterns


def _ref_condition(source: Source, ruleset: YMap) -> tuple[list[str], list[str]]:
    conditions = ruleset.get("conditions")
    if conditions is None:
        return [], []
    if not isinstance(conditions, YMap):
        source.problem("parse-error", "`conditions` must be a mapping", ruleset.pos_of("conditions"))
        return [], []
    ref_name = conditions.get("ref_name")
    if ref_name is None:
        return [], []
    if not isinstance(ref_name, YMap):
        source.problem("parse-error", "`ref_name` must be a mapping", conditions.pos_of("ref_name"))
        return [], []
    return _ref_patterns(source, ref_name, "include"), _ref_patterns(source, ref_name, "exclude")


def _ruleset_source(source: Source, ruleset: YMap) -> ProtectionSource | None:
    """`ruleset`, EVALUATE_SOURCE, or None for a ruleset that enforces nothing on branches."""
    if scalar_str(ruleset.get("target", "branch")) != "branch":
        return None
    enforcement = scalar_str(ruleset.get("enforcement", "active"))
    if enforcement not in _ENFORCEMENT_SOURCE:
        source.problem(
            "parse-error",
            f"unknown ruleset enforcement `{enforcement}` (expected active, evaluate or disabled)",
            ruleset.pos_of("enforcement"),
        )
        return "ruleset"
    return _ENFORCEMENT_SOURCE[enforcement]


def _ruleset(source: Source, ruleset: Any, pos: Pos) -> list[Protection]:
    if not isinstance(ruleset, YMap):
        source.problem("parse-error", "a ruleset must be a mapping", pos)
        return []
    kind = _ruleset_source(source, ruleset)
    if kind is None:
        return []
    name = scalar_str(ruleset.get("name"))
    if "rules" not in ruleset:
        source.problem(
            "parse-error",
            f"ruleset `{name}` has no `rules` (the list endpoint leaves them out: "
            "export the ruleset or fetch `/rulesets/<id>`)",
            ruleset.pos,
        )
        return []
    include, exclude = _ref_condition(source, ruleset)
    rules = _read_rules(source, list(_items(source, ruleset, "rules")))
    if not include:
        return []
    where = ruleset.pos_of("name") if "name" in ruleset else ruleset.pos
    return [
        _with_branches(Protection(kind, source.span(where), include, exclude, rules.checks, rules.strict,
                                  rules.merge_queue, name, enforced=kind != EVALUATE_SOURCE))
    ]


def _branch_rules(source: Source, rules: YSeq, branch: str | None) -> list[Protection]:
    """`GET .../rules/branches/<b>`: the rules that apply to one branch, from any ruleset."""
    read = _read_rules(source, [(rule, rules.pos_of(i)) for i, rule in enumerate(rules)])
    target = branch or DEFAULT_BRANCH
    return [
        _with_branches(Protection("ruleset", source.span(rules.pos), [target], checks=read.checks,
                                  strict=read.strict, merge_queue=read.merge_queue, name=target))
    ]


# -- sniffing the JSON shapes --------------------------------------------------------------


def _rest(source: Source, root: YMap, branch: str | None) -> list[Protection]:
    name = _branch_from_url(root.get("url")) or branch or DEFAULT_BRANCH
    where = root.pos_of("required_status_checks")
    return _classic(source, "rest", name, root.get("required_status_checks"), where)


def _status_endpoint(source: Source, root: YMap, branch: str | None) -> list[Protection]:
    name = _branch_from_url(root.get("url")) or branch or DEFAULT_BRANCH
    return _classic(source, "rest", name, root, root.pos)


def _single_ruleset(source: Source, root: YMap, branch: str | None) -> list[Protection]:
    return _ruleset(source, root, root.pos)


def _settings(source: Source, root: YMap, branch: str | None) -> list[Protection]:
    return load_settings(source, root)


def _api_error(source: Source, root: YMap, branch: str | None) -> list[Protection]:
    message = scalar_str(root.get("message"))
    if message.lower() != "branch not protected":  # the 404 for an unprotected branch is an answer
        source.problem("parse-error", f"a GitHub API error, not branch protection: {message}", root.pos)
    return []


# First match wins: (keys any of which identifies the shape, loader).
_SHAPES: list[tuple[frozenset[str], Callable[[Source, YMap, str | None], list[Protection]]]] = [
    (frozenset({"required_status_checks"}), _rest),
    (frozenset({"rules", "target", "enforcement", "conditions"}), _single_ruleset),
    (frozenset({"checks", "contexts", "strict"}), _status_endpoint),
    (frozenset({"branches", "rulesets"}), _settings),
    (frozenset({"message"}), _api_error),
]

_EXPECTED = (
    "expected a GitHub branch protection response, its `required_status_checks`, "
    "a ruleset or a list of rulesets"
)


def load_protection_json(source: Source, root: Any, branch: str | None = None) -> list[Protection]:
    """Protection from a JSON (or YAML) document of any shape GitHub gives (see module doc).
    `branch` names the branch when the document does not say (default: the default branch)."""
    if isinstance(root, YSeq):
        return _load_list(source, root, branch)
    if isinstance(root, YMap):
        for keys, loader in _SHAPES:
            if keys & root.keys():
                return loader(source, root, branch)
    source.problem("parse-error", f"unrecognised branch protection format: {_EXPECTED}", pos_of(root))
    return []


def _load_list(source: Source, root: YSeq, branch: str | None) -> list[Protection]:
    if root and all(isinstance(item, YMap) and "type" in item and "rules" not in item for item in root):
        return _branch_rules(source, root, branch)
    out: list[Protection] = []
    for index, item in enumerate(root):
        out.extend(_ruleset(source, item, root.pos_of(index)))
    return out


# -- probot / safe-settings ----------------------------------------------------------------


def _settings_branch(source: Source, entry: Any, pos: Pos) -> list[Protection]:
    if not isinstance(entry, YMap) or entry.get("name") is None:
        source.problem("parse-error", "a `branches` entry must be a mapping with `name`", pos)
        return []
    name = scalar_str(entry["name"])
    protection = entry.get("protection")
    if protection is None or protection == {}:  # null or {} removes the branch's protection
        return []
    if not isinstance(protection, YMap):
        source.problem("parse-error", "`protection` must be a mapping or null", entry.pos_of("protection"))
        return []
    branch = DEFAULT_BRANCH if name == "default" else name  # safe-settings: the default branch
    rsc = protection.get("required_status_checks")
    return _classic(source, "settings", branch, rsc, entry.pos_of("name"))


def load_settings(source: Source, root: YMap) -> list[Protection]:
    """Protection from probot/safe-settings `.github/settings.yml`: `branches` and `rulesets`."""
    if root is None:
        return []
    if not isinstance(root, YMap):
        source.problem("parse-error", "a settings file must be a mapping", pos_of(root))
        return []
    out: list[Protection] = []
    for entry, pos in _items(source, root, "branches"):
        out.extend(_settings_branch(source, entry, pos))
    for entry, pos in _items(source, root, "rulesets"):
        out.extend(_ruleset(source, entry, pos))
    return out


# -- the cilint config ---------------------------------------------------------------------

_CONFIG_BRANCH_KEYS = ("checks", "strict", "merge_queue")


def _config_check(source: Source, item: Any, pos: Pos) -> RequiredCheck | None:
    if isinstance(item, YMap):
        unknown = sorted(set(item) - {"context", "app_id"})
        if unknown:
            message = f"unknown key `{unknown[0]}` in a required check"
            source.problem("parse-error", message, item.key_pos_of(unknown[0]))
            return None
        return _check(source, item, pos, "app_id")
    name = _context(source, item, pos)
    return None if name is None else RequiredCheck(name, source.span(pos), known_app=APP_CHECKS.get(name))


def _config_branch(source: Source, pattern: str, value: Any, key: Pos, where: Pos) -> Protection:
    protection = _with_branches(Protection("config", source.span(key), [pattern], name=pattern))
    if isinstance(value, YMap):
        for unknown in sorted(set(value) - set(_CONFIG_BRANCH_KEYS)):
            source.problem("parse-error", f"unknown key `{unknown}` in protection for `{pattern}`",
                           value.key_pos_of(unknown))
        protection.strict = _bool(source, value, "strict")
        protection.merge_queue = _bool(source, value, "merge_queue")
        items = list(_items(source, value, "checks"))
    elif isinstance(value, YSeq):
        items = [(item, value.pos_of(index)) for index, item in enumerate(value)]
    else:
        message = f"protection for `{pattern}` must be a list of checks or a mapping"
        source.problem("parse-error", message, where)
        items = []
    for item, pos in items:
        check = _config_check(source, item, pos)
        if check is not None:
            protection.checks.append(check)
    return protection


def protection_from_config(path: str, value: YMap) -> list[Protection]:
    """The config's `protection`: `{<branch pattern>: [check, ...]}` or
    `{<branch pattern>: {checks: [...], strict: bool, merge_queue: bool}}`, a check being a
    context name or `{context, app_id}`. Raises `ConfigError` at the first mistake."""
    problems: list[Problem] = []
    source = Source(path, [], problems)
    if not isinstance(value, YMap):
        message = "`protection` must map branch patterns to required checks"
        raise ConfigError(message, path, pos_of(value).line)
    out = [
        _config_branch(source, pattern, item, value.key_pos_of(pattern), value.pos_of(pattern))
        for pattern, item in value.items()
    ]
    if problems:
        raise ConfigError(problems[0].message, path, problems[0].span.line)
    return out
