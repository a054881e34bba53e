"""Branch protection loading: settings.yml, REST JSON, rulesets, the config's `protection`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cilint.linter.config import ConfigError
from cilint.linter.load_protection import (
    ALL_BRANCHES,
    DEFAULT_BRANCH,
    EVALUATE_SOURCE,
    load_protection_json,
    load_settings,
    protection_from_config,
)
from cilint.linter.loadutil import Source
from cilint.linter.model import Problem, Protection
from cilint.linter.yamlsrc import load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "protection"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _root(text: str) -> Any:
    documents = load(text)
    return documents[0].root if documents else None


def load_text(
    text: str, path: str = "protection.json", branch: str | None = None, settings: bool = False
) -> tuple[list[Protection], list[Problem]]:
    problems: list[Problem] = []
    source = Source(path, text.splitlines(), problems)
    root = _root(text)
    found = load_settings(source, root) if settings else load_protection_json(source, root, branch)
    return found, problems


def load_fixture(name: str, branch: str | None = None) -> tuple[list[Protection], list[Problem]]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return load_text(text, f"protection/{name}", branch, settings=name.endswith(".yml"))


def contexts(protection: Protection) -> list[tuple[str, int | None]]:
    return [(check.context, check.app_id) for check in protection.checks]


# -- REST --------------------------------------------------------------------------------


def test_rest_response_takes_branch_from_url_and_merges_checks_with_contexts() -> None:
    found, problems = load_fixture("rest-main.json")
    assert problems == []
    [protection] = found
    assert protection.source == "rest"
    assert protection.include == ["main"]
    assert protection.strict is True
    # `contexts` repeats what `checks` says: each check once, the app id kept
    assert contexts(protection) == [("all-green", 15368), ("ci/circleci: build", None)]


def test_rest_check_keeps_span_of_its_context_value() -> None:
    [protection], _ = load_fixture("rest-main.json")
    span = protection.checks[0].span
    line = (FIXTURES / "rest-main.json").read_text().splitlines()[span.line - 1]
    assert span.path == "protection/rest-main.json"
    assert line[span.column - 1 : span.end_column - 1] == '"all-green"'


def test_status_checks_endpoint_with_legacy_contexts() -> None:
    [protection], problems = load_fixture("legacy-contexts.json")
    assert problems == []
    assert protection.include == ["release/1.x"]  # from the URL, %2F decoded
    assert contexts(protection) == [("test", None), ("lint", None)]
    assert protection.strict is False


@pytest.mark.parametrize(("branch", "expected"), [(None, DEFAULT_BRANCH), ("develop", "develop")])
def test_rest_without_url_uses_given_branch_else_default(branch: str | None, expected: str) -> None:
    text = '{"required_status_checks": {"strict": true, "checks": [{"context": "ci", "app_id": -1}]}}'
    [protection], problems = load_text(text, branch=branch)
    assert problems == []
    assert protection.include == [expected]
    assert contexts(protection) == [("ci", None)]  # -1: any app


def test_rest_without_required_checks_is_protection_requiring_nothing() -> None:
    [protection], problems = load_text(
        '{"url": "https://x/branches/main/protection", "required_status_checks": null}'
    )
    assert problems == []
    assert protection.include == ["main"] and protection.checks == []


def test_branch_not_protected_answer_is_no_protection() -> None:
    assert load_text('{"message": "Branch not protected", "documentation_url": "https://docs"}') == ([], [])


def test_api_error_is_a_problem() -> None:
    found, [problem] = load_text('{"message": "Bad credentials"}')
    assert found == []
    assert "Bad credentials" in problem.message


# -- rulesets ----------------------------------------------------------------------------


def test_ruleset_ref_names_exclude_and_default_branch() -> None:
    [protection], problems = load_fixture("ruleset.json")
    assert problems == []
    assert protection.source == "ruleset"
    assert protection.name == "main protection"
    assert protection.include == [DEFAULT_BRANCH, "release/*"]
    assert protection.exclude == ["release/old"]
    assert protection.strict is True
    assert protection.merge_queue is True
    assert contexts(protection) == [
        ("all-green", 15368),
        ("ci/circleci: build", None),
        ("codecov/patch", None),
    ]


def test_list_of_rulesets_enforcement_and_target() -> None:
    found, problems = load_fixture("rulesets.json")
    assert problems == []
    by_name = {protection.name: protection for protection in found}
    assert set(by_name) == {"everything", "trial"}  # disabled and tag rulesets contribute nothing
    assert by_name["everything"].include == [ALL_BRANCHES]
    assert by_name["everything"].exclude == ["dependabot/**/*"]
    assert by_name["everything"].source == "ruleset"
    assert by_name["trial"].source == EVALUATE_SOURCE
    assert contexts(by_name["trial"]) == [("e2e", 15368)]


def test_rules_for_one_branch_endpoint() -> None:
    [protection], problems = load_fixture("branch-rules.json", branch="main")
    assert problems == []
    assert protection.include == ["main"]
    assert contexts(protection) == [("all-green", 15368)]
    assert protection.strict and protection.merge_queue


def test_ruleset_without_ref_name_targets_nothing() -> None:
    text = '{"name": "x", "target": "branch", "enforcement": "active", "rules": []}'
    assert load_text(text) == ([], [])


def test_ruleset_summary_without_rules_is_a_problem() -> None:
    found, [problem] = load_text('[{"id": 1, "name": "main", "target": "branch", "enforcement": "active"}]')
    assert found == []
    assert "no `rules`" in problem.message


# -- settings.yml ------------------------------------------------------------------------


def test_settings_branches_and_rulesets() -> None:
    found, problems = load_fixture("settings.yml")
    assert problems == []
    assert [(p.source, p.include) for p in found] == [
        ("settings", [DEFAULT_BRANCH]),  # `name: default`
        ("settings", ["release"]),
        ("settings", ["experimental"]),  # protected, requires no checks
        ("ruleset", [DEFAULT_BRANCH]),
    ]  # `legacy` has `protection: null`: none
    default, release, experimental, ruleset = found
    assert contexts(default) == [("all-green", None), ("ci/circleci: build", None)]
    assert default.strict is True
    assert default.span.line == 6  # the branch's name
    assert contexts(release) == [("build (ubuntu-latest, 3.11)", 15368), ("docs", None)]
    assert experimental.checks == []
    assert contexts(ruleset) == [("test", 123456)]
    assert ruleset.checks[0].span.line == 51


def test_settings_empty_protection_mapping_removes_protection() -> None:
    text = "branches:\n  - name: main\n    protection: {}\n"
    assert load_text(text, "settings.yml", settings=True) == ([], [])


def test_settings_without_branches_or_empty() -> None:
    assert load_text("repository:\n  name: x\n", settings=True) == ([], [])
    assert load_text("", settings=True) == ([], [])


def test_settings_file_given_as_protection_json_is_read_as_settings() -> None:
    text = (
        "branches:\n  - name: main\n    protection:\n      required_status_checks:\n        contexts: [a]\n"
    )
    [protection], problems = load_text(text)
    assert problems == [] and protection.source == "settings" and contexts(protection) == [("a", None)]


# -- malformed input: problems at the node, never exceptions -----------------------------


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('{"foo": 1}', 1, "unrecognised"),
        ("42", 1, "unrecognised"),
        ("[1]", 1, "ruleset must be a mapping"),
        ('{\n"required_status_checks": "x"\n}', 2, "mapping or null"),
        ('{"required_status_checks": {\n "checks": [\n  {"app_id": 1}\n]}}', 3, "needs `context`"),
        ('{"required_status_checks": {\n "checks": [{"context": ""}]}}', 2, "non-empty"),
        ('{"required_status_checks": {\n "checks": "ci"}}', 2, "must be a list"),
        ('{"required_status_checks": {"checks": [\n{"context": "ci", "app_id": "abc"}]}}', 2, "app id"),
        ('{"required_status_checks": {"strict": "yes", "contexts": []}}', 1, "true or false"),
        (
            '{"name": "r", "enforcement": "on", "rules": [],\n'
            ' "conditions": {"ref_name": {"include": ["~ALL"]}}}',
            1,
            "enforcement",
        ),
        (
            '{"name": "r", "rules": [\n"deletion"], "conditions": {"ref_name": {"include": ["~ALL"]}}}',
            2,
            "rule must be",
        ),
        (
            '{"name": "r", "rules": [{"type": "required_status_checks"}],\n'
            ' "conditions": {"ref_name": {"include": ["~ALL"]}}}',
            1,
            "needs `parameters`",
        ),
        ('{"name": "r", "rules": [], "conditions": \n"main"}', 2, "`conditions` must be"),
        ('{"name": "r", "rules": [], "conditions": {"ref_name": {"include": [\n{"a": 1}]}}}', 2, "ref name"),
    ],
)
def test_malformed_shapes_are_problems_at_the_node(text: str, line: int, words: str) -> None:
    _found, problems = load_text(text)
    assert problems, text
    assert problems[0].kind == "parse-error"
    assert words in problems[0].message
    assert problems[0].span.line == line


@pytest.mark.parametrize(
    "text",
    [
        "branches: 3\n",
        "branches:\n  - main\n",
        "branches:\n  - name: x\n    protection: [1]\n",
        "- 1\n",
        "rulesets: {a: 1}\n",
        "branches:\n  - name: x\n    protection:\n      required_status_checks: 5\n",
    ],
)
def test_malformed_settings_are_problems(text: str) -> None:
    _found, problems = load_text(text, "settings.yml", settings=True)
    assert [p.kind for p in problems] == ["parse-error"]


# -- the cilint config -------------------------------------------------------------------


def _config_protection(text: str) -> list[Protection]:
    return protection_from_config(".cilint.yml", _root(text)["protection"])


def test_config_protection_list_and_mapping_forms() -> None:
    found = _config_protection(
        "protection:\n"
        "  main: [all-green, {context: build, app_id: 15368}]\n"
        "  'release/*':\n"
        "    checks: [test]\n"
        "    strict: true\n"
        "    merge_queue: true\n"
    )
    main, release = found
    assert (main.source, main.include, contexts(main)) == (
        "config",
        ["main"],
        [("all-green", None), ("build", 15368)],
    )
    assert main.span.line == 2 and main.checks[1].span.line == 2
    assert release.include == ["release/*"] and release.strict and release.merge_queue
    assert contexts(release) == [("test", None)]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("protection:\n  main:\n    checks: [a]\n    strcit: true\n", 4, "unknown key `strcit`"),
        ("protection:\n  main:\n    - {context: a, app: 1}\n", 3, "unknown key `app`"),
        ("protection:\n  main: 3\n", 2, "list of checks"),
        ("protection:\n  main:\n    strict: maybe\n", 3, "true or false"),
        ("protection: [a]\n", 1, "must map"),
    ],
)
def test_config_protection_errors_name_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        _config_protection(text)
    assert words in info.value.message
    assert info.value.line == line
    assert info.value.path == ".cilint.yml"


# -- the corpus: every settings file loads -----------------------------------------------


def _corpus_settings() -> list[Path]:
    folder = CORPUS / "settings"
    return sorted(folder.iterdir()) if folder.is_dir() else []


@pytest.mark.skipif(not _corpus_settings(), reason="shared corpus not present")
@pytest.mark.parametrize("path", _corpus_settings(), ids=lambda path: path.name)
def test_corpus_settings_files_load(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found, problems = load_text(text, path.name, settings=path.suffix != ".json")
    assert problems == []
    for protection in found:
        assert protection.include
        assert all(check.context for check in protection.checks)
