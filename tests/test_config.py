"""The cilint configuration: finding it, reading YAML and TOML, refusing unknown keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cilint.linter import engine
from cilint.linter.config import Config, ConfigError, config_as_dict, find_config, load_config
from cilint.linter.engine import Rule

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "config"


def _rule(rule_id: str, name: str, options: dict[str, object] | None = None) -> Rule:
    return Rule(
        id=rule_id,
        name=name,
        level="warning",
        summary="...",
        doc="...",
        options=options or {},
        check=lambda project, options: iter(()),
    )


RULES = [
    _rule("CIL001", "parse-error"),
    _rule(
        "CIL101",
        "warnings-as-errors",
        {
            "python": False,
            "commands": [],
            "threshold": 1.0,
            "mode": "strict",
            "toolchains": ("mix", "cargo"),
            "extra": None,
        },
    ),
    _rule("CIL102", "pinned-images", {"require": "tag"}),
    _rule("CIL106", "required-checks", {"max": 3}),
]


@pytest.fixture(autouse=True)
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A registry of our own: the built-in rules may not all exist yet."""
    monkeypatch.setattr(engine, "_RULES", RULES)
    yield


def rule(key: str) -> Rule:
    found = engine.find_rule(key)
    assert found is not None
    return found


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def config_error(tmp_path: Path, text: str, name: str = ".cilint.yml") -> ConfigError:
    path = write(tmp_path / name, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, tmp_path)
    return info.value


# -- finding the file --------------------------------------------------------------------


def test_no_file_gives_defaults(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    config = load_config(None, tmp_path)
    assert config.path is None
    assert config.default_branch == "main"
    assert all(config.enabled(r) for r in RULES)
    assert config.level_for("CIL101") is None
    assert config.options_for("CIL102") == {"require": "tag"}
    assert config.protections() == []


def test_search_upward_from_a_subdirectory_or_file(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    found = write(repo / ".cilint.yml", "default_branch: trunk\n")
    deep = repo / ".github" / "workflows"
    deep.mkdir(parents=True)
    workflow = write(deep / "ci.yml", "on: push\n")
    assert find_config(deep) == found.resolve()
    assert find_config(workflow) == found.resolve()
    assert load_config(None, workflow).default_branch == "trunk"


def test_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path / ".cilint.yml", "default_branch: outer\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "sub").mkdir()
    assert find_config(repo / "sub") is None
    assert load_config(None, repo / "sub").default_branch == "main"


def test_search_passes_over_pyproject_without_cilint_table(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # the repository root: without one the search stays in the start directory
    outer = write(tmp_path / "pyproject.toml", "[tool.cilint]\ndefault_branch = 'outer'\n")
    write(tmp_path / "pkg" / "pyproject.toml", "[tool.ruff]\nline-length = 100\n")
    assert find_config(tmp_path / "pkg") == outer.resolve()


def test_yml_wins_over_yaml_and_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.cilint]\n")
    write(tmp_path / ".cilint.yaml", "{}\n")
    assert find_config(tmp_path) == (tmp_path / ".cilint.yaml").resolve()
    write(tmp_path / ".cilint.yml", "{}\n")
    assert find_config(tmp_path) == (tmp_path / ".cilint.yml").resolve()


def test_explicit_file_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yml", tmp_path)


# -- the full fixtures -------------------------------------------------------------------


def test_full_yaml_fixture() -> None:
    config = load_config(FIXTURES / ".cilint.yml", FIXTURES)
    assert config.path == FIXTURES / ".cilint.yml"
    assert config.default_branch == "trunk"
    assert not config.enabled(rule("CIL102"))  # ignored
    assert config.enabled(rule("CIL101")) and config.enabled(rule("CIL106"))
    assert config.level_for("CIL101") == "error"
    assert config.level_for("CIL106") == "note"  # `CIL106: note` shorthand
    assert config.options_for("CIL101")["python"] is True
    assert config.options_for("CIL101")["commands"] == ["make lint"]
    assert config.options_for("CIL101")["mode"] == "strict"  # default kept
    assert config.protected_environments == ["production", "prod-eu"]
    assert config.contexts == {"aws-prod": ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]}
    assert config.deploy == {
        "verbs": ["deploy", "ship"],
        "non_production": "stag(e|ing)|sandbox",
        "commands": ["./bin/release"],
        "actions": ["acme/deploy-action"],
    }
    assert config.circleci_checks == "checks-app"
    assert len(config.policies) == 1
    assert [(rule.id, rule.name) for rule in config.policy_rules] == [("ACME001", "no-latest")]
    main, release = config.protections(".cilint.yml")
    assert main.include == ["~DEFAULT_BRANCH"] and main.strict and main.merge_queue
    assert [(c.context, c.app_id) for c in main.checks] == [("all-green", None), ("ci/circleci: build", 1234)]
    assert main.span.path == ".cilint.yml"
    assert [c.context for c in release.checks] == ["test", "lint"]


def test_pyproject_fixture() -> None:
    config = load_config(FIXTURES / "pyproject.toml", FIXTURES)
    assert config.select == frozenset({"CIL101", "CIL102", "CIL106"})  # the prefix CIL1
    assert not config.enabled(rule("CIL001"))
    assert not config.enabled(rule("CIL102"))
    assert config.level_for("CIL101") == "note"
    assert config.options_for("CIL101")["commands"] == ["make check"]
    assert config.ignored_for_path("CIL101", "warnings-as-errors", "docs/a/b.yml")
    assert [p.include for p in config.protections()] == [["main"]]


# -- unknown keys and wrong values: an error with the key's line -------------------------


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("select: [CIL101]\nselct: [CIL102]\n", 2, "unknown key `selct`"),
        ("deploy:\n  verbs: [x]\n  verb: [y]\n", 3, "unknown key `verb` in `deploy`"),
        ("circleci:\n  check: status\n", 2, "unknown key `check`"),
        ("circleci:\n  checks: oauth\n", 2, "circleci.checks"),
        ("circleci:\n  fork_secrets: 'yes'\n", 2, "circleci.fork_secrets"),
        ("rules:\n  CIL999: {level: error}\n", 2, "unknown rule `CIL999`"),
        ("rules:\n  CIL101:\n    pyton: true\n", 3, "unknown option `pyton`"),
        ("rules:\n  CIL101:\n    python: 'yes'\n", 3, "must be true/false"),
        ("rules:\n  CIL106:\n    max: true\n", 3, "must be an integer"),
        ("rules:\n  CIL101:\n    commands: make\n", 3, "must be a list"),
        ("rules:\n  CIL101:\n    level: fatal\n", 3, "`level`"),
        ("select: [CIL101, nope]\n", 1, "unknown rule `nope`"),
        ("ignore:\n  - CIL101\n  - nope\n", 3, "unknown rule `nope`"),
        ("per_path_ignores:\n  'a/*': [nope]\n", 2, "unknown rule"),
        ("protected_environments: production\n", 1, "list of strings"),
        ("contexts:\n  aws: AWS_KEY\n", 2, "list of strings"),
        ("deploy:\n  non_production: '('\n", 2, "regular expression"),
        ("default_branch: 3\n", 1, "non-empty string"),
        ("policies: {a: 1}\n", 1, "`policies` must be a list"),
        ("protection:\n  main:\n    checks: [a]\n    strikt: true\n", 4, "unknown key `strikt`"),
        ("select: [CIL101]\nselect: [CIL102]\n", 2, "duplicate key"),
        ("select: [CIL101\n", 2, "YAML"),
        ("- a\n", 1, "must be a mapping"),
    ],
)
def test_yaml_errors(tmp_path: Path, text: str, line: int, words: str) -> None:
    error = config_error(tmp_path, text)
    assert words in error.message
    assert error.line == line
    assert error.path == str(tmp_path / ".cilint.yml")
    assert str(error).startswith(str(tmp_path / ".cilint.yml"))


def test_toml_unknown_key_line(tmp_path: Path) -> None:
    text = (
        "[project]\nname = 'x'\n\n"
        "[tool.cilint]\n"
        "select = ['CIL101']\n"
        "\n"
        "[tool.cilint.deploy]\n"
        "verbs = ['deploy']\n"
        "comands = ['x']\n"
    )
    error = config_error(tmp_path, text, "pyproject.toml")
    assert "unknown key `comands`" in error.message
    assert error.line == 9


def test_toml_unknown_option_line(tmp_path: Path) -> None:
    text = "[tool.cilint.rules.warnings-as-errors]\nlevel = 'error'\npyhton = true\n"
    error = config_error(tmp_path, text, "pyproject.toml")
    assert "unknown option `pyhton`" in error.message
    assert error.line == 3


def test_toml_top_level_unknown_key_line(tmp_path: Path) -> None:
    error = config_error(
        tmp_path, "[tool.cilint]\nselect = ['CIL101']\nignroe = ['CIL102']\n", "pyproject.toml"
    )
    assert "unknown key `ignroe`" in error.message and error.line == 3


def test_invalid_toml(tmp_path: Path) -> None:
    error = config_error(tmp_path, "[tool.cilint]\nselect = [\n", "pyproject.toml")
    assert "invalid TOML" in error.message


def test_explicit_pyproject_without_table(tmp_path: Path) -> None:
    error = config_error(tmp_path, "[tool.ruff]\n", "pyproject.toml")
    assert "[tool.cilint]" in error.message


def test_empty_yaml_is_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / ".cilint.yml", "# nothing yet\n"), tmp_path)
    assert config == Config(path=tmp_path / ".cilint.yml")


# -- selection, levels, options ----------------------------------------------------------


def test_select_by_name_and_level_off(tmp_path: Path) -> None:
    path = write(
        tmp_path / ".cilint.yml",
        "select: [warnings-as-errors, CIL106]\nrules:\n  required-checks: {level: 'off'}\n",
    )
    config = load_config(path, tmp_path)
    assert config.enabled(rule("CIL101"))
    assert not config.enabled(rule("CIL102"))  # not selected
    assert not config.enabled(rule("CIL106"))  # off
    assert config.level_for("CIL106") is None


def test_option_types_follow_the_default(tmp_path: Path) -> None:
    path = write(
        tmp_path / ".cilint.yml",
        "rules:\n  CIL101:\n    threshold: 2\n    toolchains: [mix]\n    extra: {a: [1]}\n",
    )
    options = load_config(path, tmp_path).options_for("CIL101")
    assert options["threshold"] == 2.0 and isinstance(options["threshold"], float)
    assert options["toolchains"] == ("mix",)  # a tuple, like the default
    assert options["extra"] == {"a": [1]}  # default None: anything
    assert type(options["mode"]) is str


def test_with_selection_from_the_command_line(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / ".cilint.yml", "ignore: [CIL102]\n"), tmp_path)
    narrowed = config.with_selection(["CIL1"], ["required-checks"])
    assert [r.id for r in RULES if narrowed.enabled(r)] == ["CIL101"]
    with pytest.raises(ConfigError, match="unknown rule"):
        config.with_selection(["bogus"], None)


@pytest.mark.parametrize(
    ("pattern", "path", "ignored"),
    [
        (".github/workflows/*.yml", ".github/workflows/ci.yml", True),
        (".github/workflows/*.yml", ".github/workflows/sub/ci.yml", False),
        ("*.yml", ".circleci/config.yml", True),  # no slash: the file name anywhere
        ("legacy/", "legacy/a/b/c.yml", True),
        ("legacy/", "other/legacy.yml", False),
        ("**/action.yml", "action.yml", True),
        ("**/action.yml", "a/b/action.yml", True),
        ("./.circleci/config.yml", ".circleci/config.yml", True),
        (".circleci/config.yml", ".circleci/config.yaml", False),
    ],
)
def test_per_path_ignores(tmp_path: Path, pattern: str, path: str, ignored: bool) -> None:
    config = load_config(
        write(tmp_path / ".cilint.yml", f"per_path_ignores:\n  '{pattern}': [CIL101]\n"), tmp_path
    )
    assert config.ignored_for_path("CIL101", "warnings-as-errors", path) is ignored
    assert not config.ignored_for_path("CIL102", "pinned-images", path)


def test_per_path_ignores_by_name(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path / ".cilint.yml", "per_path_ignores:\n  'a/**': [pinned-images]\n"), tmp_path
    )
    assert config.ignored_for_path("CIL102", "pinned-images", "a/b.yml")


# -- config --show -----------------------------------------------------------------------


def test_config_as_dict_is_json_and_stable() -> None:
    config = load_config(FIXTURES / ".cilint.yml", FIXTURES)
    shown = config_as_dict(config)
    text = json.dumps(shown, sort_keys=True)
    assert text == json.dumps(config_as_dict(load_config(FIXTURES / ".cilint.yml", FIXTURES)), sort_keys=True)
    assert list(shown) == sorted(shown)
    assert shown["rules"]["CIL102"]["level"] == "off"
    assert shown["rules"]["CIL101"] == {
        "name": "warnings-as-errors",
        "enabled": True,
        "level": "error",
        "options": {
            "commands": ["make lint"],
            "extra": None,
            "mode": "strict",
            "python": True,
            "threshold": 1.0,
            "toolchains": ["mix", "cargo"],
        },
    }
    assert shown["protection"][0]["checks"][1] == {"context": "ci/circleci: build", "app_id": 1234}
    assert shown["per_path_ignores"]["legacy/"] == ["CIL101", "CIL102", "CIL106"]
    assert shown["policies"] == [{"id": "ACME001", "name": "no-latest",
                                  "message": "image `{ref}` uses a moving tag",
                                  "select": "$..images[*]", "not_in": {"tag": ["latest"]}}]
    assert shown["ignore"] == ["CIL102"]


def test_config_as_dict_of_defaults() -> None:
    shown = config_as_dict(Config())
    assert shown["path"] is None and shown["select"] is None and shown["default_branch"] == "main"
    assert all(entry["enabled"] for entry in shown["rules"].values())
