"""cilint's own configuration: `.cilint.yml`, `.cilint.yaml` or `[tool.cilint]` in `pyproject.toml`.

The file is found by searching upward from the first path checked, stopping at a directory that
holds `.git` (the repository root) or at the filesystem root; in one directory `.cilint.yml` wins
over `.cilint.yaml`, which wins over `pyproject.toml` (a `pyproject.toml` without `[tool.cilint]`
is passed over, as ruff does).

Every key is checked: an unknown key, an unknown rule or option, or a value of the wrong type is a
`ConfigError` naming the key and its line, because a misspelt setting silently doing nothing is
worse than a refusal to start. TOML is read with `tomllib`, which keeps no positions, so there the
line is found by searching the file text for the key.

Rules are named by id (`CIL101`) or name (`warnings-as-errors`); `select`, `ignore` and
`per_path_ignores` also take an id prefix (`CIL1`) or `ALL`. A rule is enabled when it is selected
(everything is, without `select`), not ignored, and its level is not `off`. Options are checked
against the rule's `OPTIONS`: the value must have the default's type (an integer is accepted for a
float; a list for a tuple or set; any value where the default is None).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .configerror import ConfigError as ConfigError  # (raised here; also imported from here)
from .globs import gitignore_regex
from .yamlsrc import NOWHERE, Pos, YamlError, YMap, YSeq, YStr, pos_of

if TYPE_CHECKING:
    from .engine import Rule
    from .model import CircleciChecks, Protection

CONFIG_NAMES = (".cilint.yml", ".cilint.yaml")
PYPROJECT = "pyproject.toml"
LEVELS = ("error", "warning", "note", "off")
CIRCLECI_CHECKS: tuple[CircleciChecks, ...] = ("status", "checks-oauth", "checks-app")


@dataclass
class Config:
    path: Path | None = None
    select: frozenset[str] | None = None  # rule ids; None: every rule
    ignore: frozenset[str] = frozenset()
    levels: dict[str, str] = field(default_factory=dict)  # rule id -> error|warning|note|off
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule id -> configured options
    per_path_ignores: dict[str, frozenset[str]] = field(default_factory=dict)  # glob -> rule ids
    protected_environments: list[str] | None = None  # None: not said (protection unknown)
    contexts: dict[str, list[str]] = field(default_factory=dict)
    protection: YMap | None = None  # as written; see `protections()`
    # How deploy jobs are recognised: only the keys written (`verbs`, `non_production` regex,
    # `commands`, `actions`), as `deploy.DeployRecogniser` reads them over its built-in defaults.
    deploy: dict[str, Any] = field(default_factory=dict)
    default_branch: str = "main"
    circleci_checks: CircleciChecks | None = None  # None: not said (status assumed, the CircleCI default)
    # CircleCI's "Pass secrets to builds from forked pull requests" (off unless said)
    circleci_fork_secrets: bool = False
    policies: list[Any] = field(default_factory=list)  # as written (entries or file names)
    plugins: list[str] = field(default_factory=list)  # rule plug-ins to load (entry-point names)
    policy_rules: list[Rule] = field(default_factory=list)  # the policies compiled (linter/policies.py)
    # What discovery skips, as in ruff: gitignore-like globs relative to the root; `exclude`
    # replaces the default directory names (node_modules, .venv, ...), `extend_exclude` adds.
    exclude: list[str] | None = None
    extend_exclude: list[str] = field(default_factory=list)

    def enabled(self, rule: Rule) -> bool:
        if self.levels.get(rule.id) == "off" or rule.id in self.ignore:
            return False
        return self.select is None or rule.id in self.select

    def level_for(self, rule_id: str) -> str | None:
        """The configured level (None: the rule's own); `off` is `enabled()`'s business."""
        level = self.levels.get(rule_id)
        return None if level == "off" else level

    def options_for(self, rule_id: str) -> dict[str, Any]:
        """The rule's effective options: its defaults overlaid with the configured ones."""
        from .engine import find_rule

        rule = find_rule(rule_id)
        defaults = dict(rule.options) if rule is not None else {}
        return {**defaults, **self.options.get(rule_id, {})}

    def ignored_for_path(self, rule_id: str, rule_name: str, path: str) -> bool:
        path = path.replace("\\", "/").removeprefix("./")
        return any(
            (rule_id in keys or rule_name in keys) and gitignore_regex(pattern).fullmatch(path)
            for pattern, keys in self.per_path_ignores.items()
        )

    def protections(self, path: str | None = None) -> list[Protection]:
        """The `protection` section as `Protection`s, their spans in `path` (default: the file)."""
        if self.protection is None:
            return []
        from .load_protection import protection_from_config

        return protection_from_config(path or _display(self.path), self.protection)

    def with_selection(self, select: list[str] | None, ignore: list[str] | None) -> Config:
        """The command line's `--select` (replaces the file's) and `--ignore` (adds to it)."""
        reader = _Reader(None, self.policy_rules)
        new_select = self.select if select is None else reader.rule_set(select, NOWHERE)
        new_ignore = self.ignore | (reader.rule_set(ignore, NOWHERE) if ignore else frozenset())
        return replace(self, select=new_select, ignore=new_ignore)


# -- finding and reading the file ----------------------------------------------------------


def find_config(start: Path) -> Path | None:
    """The configuration file for `start` (a file or directory), searching upward no higher
    than `search_top(start)`."""
    directory = (start if start.is_dir() else start.parent).resolve()
    top = search_top(directory)
    for candidate in (directory, *directory.parents):
        for name in CONFIG_NAMES:
            if (candidate / name).is_file():
                return candidate / name
        pyproject = candidate / PYPROJECT
        if pyproject.is_file() and _mentions_cilint(pyproject):
            return pyproject
        if candidate == top:
            return None
    return None


def search_top(directory: Path) -> Path:
    """The highest directory the configuration search may reach from `directory` (resolved):
    the repository root, the nearest directory holding `.git`; without one, the nearest project
    root (a directory with `.github` or `.circleci`), else the working directory when the search
    starts inside it, else `directory` itself. Never a shared parent such as `/tmp`, where anyone
    could put a `.cilint.yml` that silences findings (docs/security.md)."""
    from .project import is_project_root

    chain = (directory, *directory.parents)
    for candidate in chain:
        if (candidate / ".git").exists():
            return candidate
    for candidate in chain:
        if is_project_root(candidate):
            return candidate
    cwd = Path.cwd().resolve()
    return cwd if cwd == directory or cwd in directory.parents else directory


def _mentions_cilint(path: Path) -> bool:
    from .readfile import ReadRefused, read_text_bounded

    try:
        return re.search(r"^\s*\[\s*tool\s*\.\s*cilint\b", read_text_bounded(path), re.M) is not None
    except ReadRefused:
        return False


def load_config(explicit: Path | None, start: Path) -> Config:
    """The configuration named by `--config`, else the one found from `start`, else defaults."""
    from .readfile import ReadRefused, read_text_bounded

    path = explicit if explicit is not None else find_config(start)
    if path is None:
        return Config()
    try:
        text = read_text_bounded(path)
    except ReadRefused as exc:
        raise ConfigError(f"cannot read the configuration: {exc}", path) from exc
    try:
        root = _parse_toml(path, text) if path.suffix == ".toml" else _parse_yaml(path, text)
        # a configuration found in the repository names files inside it only; `--config` any
        confined = None if explicit is not None else search_top(path.parent.resolve())
        return _Reader(path, confined_to=confined).read(root)
    except RecursionError as exc:  # (tomllib and the readers recurse: a configuration error, not a crash)
        raise ConfigError("the configuration nests deeper than cilint reads", path) from exc


def _parse_yaml(path: Path, text: str) -> Any:
    from .yamlsrc import load

    try:
        documents = load(text)
    except YamlError as exc:
        raise ConfigError(exc.message, path, exc.pos.line) from exc
    if len(documents) > 1:
        raise ConfigError("the configuration must be a single YAML document", path)
    if not documents:
        return None
    for key, where, _first in documents[0].duplicate_keys:
        raise ConfigError(f"duplicate key `{key}`", path, where.line)
    return documents[0].root


def _parse_toml(path: Path, text: str) -> Any:
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise ConfigError(f"invalid TOML: {exc}", path, int(match[1]) if match else None) from exc
    if path.name == PYPROJECT:
        data = data.get("tool", {}).get("cilint")
        if data is None:
            raise ConfigError("no [tool.cilint] table", path)
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if re.match(r"\s*\[\s*tool\s*\.\s*cilint\b", line)), 0)
    return _positioned(data, lines, start)


def _key_line(lines: list[str], key: str, after: int) -> int:
    """0-based line where `key` is written as a TOML key, searching from `after` (then from the
    top); `after` when it cannot be found."""
    token = re.escape(key)
    pattern = re.compile(rf"(?:^|[\s.\[{{,])(?:{token}|\"{token}\"|'{token}')\s*(?:=|\.|\])")
    for start in (after, 0):
        for index in range(start, len(lines)):
            if not lines[index].lstrip().startswith("#") and pattern.search(lines[index]):
                return index
    return after


def _positioned(value: Any, lines: list[str], line: int) -> Any:
    """TOML data as the positioned values the YAML loader gives, each at its key's line."""
    at = Pos(line + 1, 1, line + 1, len(lines[line]) + 1 if line < len(lines) else 1)
    if isinstance(value, dict):
        out = YMap(at)
        for key, item in value.items():
            key_line = _key_line(lines, key, line)
            key_at = Pos(key_line + 1, 1, key_line + 1, len(lines[key_line]) + 1 if lines else 1)
            out[key] = _positioned(item, lines, key_line)
            out.key_pos[key] = key_at
            out.value_pos[key] = pos_of(out[key], key_at)
        return out
    if isinstance(value, list):
        seq = YSeq(at)
        for item in value:
            seq.append(_positioned(item, lines, line))
            seq.item_pos.append(at)
        return seq
    if isinstance(value, str):
        return YStr(value, at)
    return value


# -- checking it ---------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Positioned values as plain Python ones, for rules and JSON."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    return value


def _type_name(value: Any) -> str:
    names = {bool: "true/false", int: "an integer", float: "a number", str: "a string", list: "a list",
             tuple: "a list", set: "a list", frozenset: "a list", dict: "a mapping", type(None): "null"}
    return names.get(type(_plain(value)), type(value).__name__)


_SEQUENCES = (list, tuple, set, frozenset)


def _coerce_option(default: Any, value: Any) -> tuple[bool, Any]:
    """(ok, value as the rule expects it): the default's type decides."""
    value = _plain(value)
    if default is None:
        return True, value
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool), value
    if isinstance(default, float):
        return isinstance(value, (int, float)), float(value) if isinstance(value, int) else value
    if isinstance(default, _SEQUENCES):
        return isinstance(value, list), type(default)(value) if isinstance(value, list) else value
    return isinstance(value, type(default)), value


def _selects(key: str, rule: Rule) -> bool:
    """`ALL`, the rule's id or name, or a prefix of its id longer than `CIL` (`CIL1`), in any case."""
    key = key.casefold()
    return (key in ("all", rule.id.casefold(), rule.name.casefold())
            or (len(key) > 3 and rule.id.casefold().startswith(key)))


class _Reader:
    """Turns the positioned document into a `Config`, raising at the first mistake."""

    def __init__(self, path: Path | None, policies: Iterable[Rule] = (), confined_to: Path | None = None) -> None:
        self.path = path
        self.confined_to = confined_to  # files the configuration names must lie inside (None: anywhere)
        self.policies = list(policies)  # rules the configuration defines, known like built-in ones

    def error(self, message: str, pos: Pos | None = None) -> ConfigError:
        line = pos.line if pos is not None and pos is not NOWHERE and self.path is not None else None
        return ConfigError(message, self.path, line)

    def mapping(self, value: Any, what: str, pos: Pos) -> YMap:
        if value is None:
            return YMap(pos)
        if not isinstance(value, YMap):
            raise self.error(f"`{what}` must be a mapping (got {_type_name(value)})", pos_of(value, pos))
        return value

    def known_keys(self, mapping: YMap, allowed: Iterable[str], where: str) -> None:
        allowed = set(allowed)
        for key in mapping:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                raise self.error(f"unknown key `{key}` in {where} (expected one of: {known})",
                                 mapping.key_pos_of(key))

    def string(self, value: Any, what: str, pos: Pos) -> str:
        if not isinstance(value, str) or not value:
            message = f"`{what}` must be a non-empty string (got {_type_name(value)})"
            raise self.error(message, pos_of(value, pos))
        return str(value)

    def strings(self, value: Any, what: str, pos: Pos) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            message = f"`{what}` must be a list of strings (got {_type_name(value)})"
            raise self.error(message, pos_of(value, pos))
        at = value.pos_of if isinstance(value, YSeq) else (lambda index: pos)
        return [self.string(item, f"{what}[{index}]", at(index)) for index, item in enumerate(value)]

    # rules are looked up in the registry, which is loaded only when a config names one
    def rule_set(
        self, keys: Iterable[str], pos: Pos, at: Callable[[int], Pos] | None = None
    ) -> frozenset[str]:
        from .engine import all_rules

        rules = [*all_rules(), *self.policies]
        found: set[str] = set()
        for index, key in enumerate(keys):
            matched = {rule.id for rule in rules if _selects(key, rule)}
            if not matched:
                raise self.error(f"unknown rule `{key}`", at(index) if at else pos)
            found |= matched
        return frozenset(found)

    def rule_list(self, value: Any, what: str, pos: Pos) -> frozenset[str]:
        keys = self.strings(value, what, pos)
        at = value.pos_of if isinstance(value, YSeq) else None
        return self.rule_set(keys, pos, at)

    def read(self, root: Any) -> Config:
        config = Config(path=self.path)
        root = self.mapping(root, "configuration", NOWHERE)
        self.known_keys(root, _TOP_LEVEL, "the configuration")
        if "plugins" in root:  # first: every other key may name the plug-ins' rules
            _read_plugins(self, config, root["plugins"], root.pos_of("plugins"))
        if "policies" in root:  # first: `select`, `ignore`, `rules` may name the policies it defines
            _read_policies(self, config, root["policies"], root.pos_of("policies"))
        for key, value in root.items():
            if key not in ("policies", "plugins"):
                _TOP_LEVEL[key](self, config, value, root.pos_of(key))
        return config


def _read_select(reader: _Reader, config: Config, value: Any, pos: Pos) -> None:
    config.select = reader.rule_list(value, "select", pos)
    policies = {rule.id for rule in reader.policies}
    if not policies & config.select:  # a `select` of built-in rules must not silently turn policies off
        config.select |= policies


def _read_ignore(reader: _Reader, config: Config, value: Any, pos: Pos) -> None:
    config.ignore = reader.rule_list(value, "ignore", pos)


def _read_rules(reader: _Reader, config: Config, value: Any, pos: Pos) -> None:
    from .engine import find_rule

    rules = reader.mapping(value, "rules", pos)
    for key, settings in rules.items():
        rule = find_rule(key) or next((p for p in reader.policies if key in (p.id, p.name)), None)
        if rule is None:
            raise reader.error(f"unknown rule `{key}` in `rules`", rules.key_pos_of(key))
        if isinstance(settings, str):  # `CIL101: off` as a shorthand for `{level: off}`
            settings = YMap(rules.pos_of(key))
            settings["level"] = rules[key]
            settings.value_pos["level"] = rules.pos_of(key)
        settings = reader.mapping(settings, f"rules.{key}", rules.pos_of(key))
        _read_rule_settings(reader, config, rule, settings)


def _read_rule_settings(reader: _Reader, config: Config, rule: Rule, settings: YMap) -> None:
    options: dict[str, Any] = {}
    for name, item in settings.items():
        if name == "level":
            if item not in LEVELS:
                raise reader.error(f"`level` of {rule.id} must be one of {', '.join(LEVELS)}",
                                   settings.pos_of(name))
            config.levels[rule.id] = str(item)
            continue
        if name not in rule.options:
            known = ", ".join(sorted(rule.options)) or "none"
            raise reader.error(f"unknown option `{name}` for {rule.id} {rule.name} (options: {known})",
                               settings.key_pos_of(name))
        ok, coerced = _coerce_option(rule.options[name], item)
        if not ok:
            expected = _type_name(rule.options[name])
            raise reader.error(f"option `{name}` of {rule.id} must be {expected} (got {_type_name(item)})",
                               settings.pos_of(name))
        options[name] = coerced
    if options:
        config.options[rule.id] = options


def _read_per_path_ignores(reader: _Reader, config: Config, value: Any, pos: Pos) -> None:
    ignores = reader.mapping(value, "per_path_ignores", pos)
    for pattern, keys in ignores.items():
        at = ignores.pos_of(pattern)
        config.per_path_ignores[str(pattern)] = reader.rule_list(keys, f"per_path_ignores.{pattern}", at)


def _read_exclude(reader: _Reader, config: Config, value: Any, pos: Pos) -> None:
    config.exclude = reader.strings(value, "exclude", pos)


def _read_extend_exclude(reader: _Reader, config: Config, value: Any, pos: Pos) -> None:
    config.extend_exclude = reader.strings(value, "extend_exclude", pos)


def _read_protected_environments(reader: _Reader, config: Config, value: Any, pos: Pos) -> None:
    config.protected_environments = reader.strings(value, "protected_environments", pos)


def _read_contexts(reader: _Reader, config: Config, value: Any, pos: Pos) -> None:
    contexts = reader.mapping(value, "contexts", pos)
    config.contexts = {
        str(name): reader.strings(variables, f"contexts.{name}", contexts.pos_of(name))
        for name, variables in contexts.items()
    }


def _read_protection(reader: _Reader, config: Config, value: Any, pos: Pos) -> None:
    from .load_protection import protection_from_config

    protection = reader.mapping(value, "protection", pos)
    protection_from_config(_display(reader.path), protection)  # raises at the first mistake
    config.protection = protection


_DEPLOY_LISTS = ("verbs", "commands", "actions")


def _read_deploy(reader: _Reader, config: Config, value: Any, pos: Pos) -> None:
    deploy = reader.mapping(value, "deploy", pos)
    reader.known_keys(deploy, (*_DEPLOY_LISTS, "non_production"), "`deploy`")
    config.deploy = {
        key: reader.strings(deploy[key], f"deploy.{key}", deploy.pos_of(key))
        for key in _DEPLOY_LISTS
        if key in deploy
    }
    if "non_production" in deploy:
        at = deploy.pos_of("non_production")
        pattern = reader.string(deploy["non_production"], "deploy.non_production", at)
        try:
            re.compile(pattern)
        except re.error as exc:
            message = f"`deploy.non_production` is not a valid regular expression: {exc}"
            raise reader.error(message, at) from exc
        config.deploy["non_production"] = pattern


def _read_default_branch(reader: _Reader, config: Config, value: Any, pos: Pos) -> None:
    config.default_branch = reader.string(value, "default_branch", pos)


def _read_circleci(reader: _Reader, config: Config, value: Any, pos: Pos) -> None:
    circleci = reader.mapping(value, "circleci", pos)
    reader.known_keys(circleci, ("checks", "fork_secrets"), "`circleci`")
    if "fork_secrets" in circleci:
        if not isinstance(circleci["fork_secrets"], bool):
            raise reader.error("`circleci.fork_secrets` must be true or false", circleci.pos_of("fork_secrets"))
        config.circleci_fork_secrets = circleci["fork_secrets"]
    if "checks" in circleci:
        checks = next((name for name in CIRCLECI_CHECKS if name == circleci["checks"]), None)
        if checks is None:
            raise reader.error(f"`circleci.checks` must be one of {', '.join(CIRCLECI_CHECKS)}",
                               circleci.pos_of("checks"))
        config.circleci_checks = checks


def _read_plugins(reader: _Reader, config: Config, value: Any, pos: Pos) -> None:
    """The rule plug-ins to load, by entry-point name: none loads unless named (docs/security.md)."""
    from .engine import ENTRY_POINT_GROUP, load_plugins

    names = reader.strings(value, "plugins", pos)
    missing = load_plugins(names)
    if missing:
        at = value.pos_of(names.index(missing[0])) if isinstance(value, YSeq) else pos
        raise reader.error(f"no installed rule plug-in `{missing[0]}` (entry point group {ENTRY_POINT_GROUP})", at)
    config.plugins = names


def _read_policies(reader: _Reader, config: Config, value: Any, pos: Pos) -> None:
    if value is not None and not isinstance(value, list):
        raise reader.error(f"`policies` must be a list (got {_type_name(value)})", pos_of(value, pos))
    config.policies = list(value or [])
    if value:  # only then: jsonpath-ng is not imported by runs without policies
        from .policies import compile_policies

        config.policy_rules = compile_policies(value, reader.path, reader.confined_to)
        reader.policies = list(config.policy_rules)


_TOP_LEVEL: dict[str, Callable[[_Reader, Config, Any, Pos], None]] = {
    "select": _read_select,
    "ignore": _read_ignore,
    "rules": _read_rules,
    "per_path_ignores": _read_per_path_ignores,
    "exclude": _read_exclude,
    "extend_exclude": _read_extend_exclude,
    "extend-exclude": _read_extend_exclude,  # ruff's spelling
    "protected_environments": _read_protected_environments,
    "contexts": _read_contexts,
    "protection": _read_protection,
    "deploy": _read_deploy,
    "default_branch": _read_default_branch,
    "circleci": _read_circleci,
    "policies": _read_policies,
    "plugins": _read_plugins,  # read first, by `_Reader.read`
}


# -- per-path globs ------------------------------------------------------------------------


# -- `cilint config --show` ----------------------------------------------------------------


def _display(path: Path | None) -> str:
    return path.as_posix() if path is not None else "<config>"


def _jsonable(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(_jsonable(item) for item in value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, str):
        return str(value)
    return value


def _rules_dict(config: Config) -> dict[str, Any]:
    from .engine import all_rules

    return {
        rule.id: {
            "name": rule.name,
            "enabled": config.enabled(rule),
            "level": (config.level_for(rule.id) or rule.level) if config.enabled(rule) else "off",
            "options": _jsonable(config.options_for(rule.id)),
        }
        for rule in [*all_rules(), *config.policy_rules]
    }


def _protection_dict(protection: Protection) -> dict[str, Any]:
    return {
        "branches": protection.include,
        "exclude": protection.exclude,
        "checks": [{"context": check.context, "app_id": check.app_id} for check in protection.checks],
        "strict": protection.strict,
        "merge_queue": protection.merge_queue,
    }


def config_as_dict(config: Config) -> dict[str, Any]:
    """The effective configuration, JSON-serialisable with sorted keys (`cilint config --show`)."""
    shown: dict[str, Any] = _jsonable({
        "path": _display(config.path) if config.path is not None else None,
        "select": config.select,
        "ignore": config.ignore,
        "rules": _rules_dict(config),
        "per_path_ignores": config.per_path_ignores,
        "exclude": config.exclude,
        "extend_exclude": config.extend_exclude,
        "protected_environments": config.protected_environments,
        "contexts": config.contexts,
        "protection": [_protection_dict(p) for p in config.protections()],
        "deploy": config.deploy,
        "default_branch": config.default_branch,
        "circleci": {"checks": config.circleci_checks, "fork_secrets": config.circleci_fork_secrets},
        "policies": _plain(config.policies),
        "plugins": config.plugins,
    })
    return shown
