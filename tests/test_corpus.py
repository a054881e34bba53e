"""The real-world corpus (../shared/corpus): every file checked as users check it, without a crash.

`scripts/corpus_layout.py` rebuilds each source repository from MANIFEST.tsv in a temporary
directory, runs `cilint check --format json <repo>` on it (discovery, root finding, every rule),
then names the files discovery does not find by their place (peers' test files, settings
samples), as a user would. One module-scoped run checks all 2,531 files; the tests below assert
on its reports.

The corpus is test data beside the repository, not in it: a user's clone has none, so these
tests skip cleanly where it is absent.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from cilint.linter import yamlsrc

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

pytestmark = [pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").is_file(),
                                 reason="../shared/corpus is not present"),
              pytest.mark.xdist_group("corpus")]  # one process builds the module's corpus run, once


def _layout_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("corpus_layout", ROOT / "scripts" / "corpus_layout.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("corpus_layout", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


layout = _layout_module()


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    repos = layout.build_layout(CORPUS, tmp_path_factory.mktemp("corpus"))
    return [layout.check_repo(repo) for repo in repos]


def _parse_errors(outcome: Any) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for finding in outcome.findings:
        if finding["rule"] == "parse-error":
            found.setdefault(finding["path"], []).append(finding)
    return found


def test_every_file_is_checked_without_an_internal_error(outcomes: list[Any]) -> None:
    manifest = layout.read_manifest(CORPUS)
    assert len(manifest) == sum(len(o.repo.files) for o in outcomes) == 2531
    for outcome in outcomes:
        assert outcome.output == "", (outcome.repo.name, outcome.output)  # every run printed a report
        assert outcome.errors == [], (outcome.repo.name, outcome.errors)
        assert set(outcome.exit_codes) <= {0, 1}, (outcome.repo.name, outcome.exit_codes)
        missing = sorted(set(outcome.repo.files) - set(outcome.files))
        assert missing == [], (outcome.repo.name, missing)


def test_no_two_findings_of_one_run_share_place_rule_and_message(outcomes: list[Any]) -> None:
    """One place, one cause, one finding: a step reached through N matrix legs or N calling jobs
    (DataDog/dd-trace-js: one line 362 times) is reported once, saying in how many jobs."""
    repeated = {outcome.repo.name: outcome.repeated[:3] for outcome in outcomes if outcome.repeated}
    assert repeated == {}


def test_an_unloadable_file_is_one_parse_error_and_the_others_are_still_checked(outcomes: list[Any]) -> None:
    unloadable = 0
    for outcome in outcomes:
        errors = _parse_errors(outcome)
        for path, platform in outcome.files.items():
            if platform != "unknown" or path not in errors:
                continue
            unloadable += 1
            assert len(errors[path]) == 1, (outcome.repo.name, path, errors[path])
            lines = (outcome.repo.root / path).read_bytes().count(b"\n") + 1
            assert 1 <= errors[path][0]["line"] <= lines
        if any(outcome.files.get(path) == "unknown" for path in errors):
            # The repository's other pipelines were loaded and checked all the same.
            placed = [p for p in outcome.repo.files if p not in outcome.repo.explicit and p not in errors]
            assert all(outcome.files[p] != "unknown" for p in placed), outcome.repo.name
    assert unloadable >= 15  # broken on purpose: YAML errors, empty files, undefined aliases


class _Reference(yaml.SafeLoader):
    """PyYAML's pure-Python composer, an implementation independent of libyaml and of ours,
    made to accept what CircleCI accepts: an anchor name defined again (the later one wins)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        anchor = getattr(event, "anchor", None)
        if anchor is not None and not isinstance(event, yaml.AliasEvent):
            self.anchors.pop(anchor, None)
        return super().compose_node(parent, index)


# YAML 1.2 booleans, as GitHub and CircleCI read them (and our composer): `on`/`yes` stay strings.
_Reference.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in _Reference.yaml_implicit_resolvers.items()
}
_Reference.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _syntax_errors(outcomes: list[Any]) -> Iterator[tuple[Path, dict[str, Any]]]:
    for outcome in outcomes:
        for path, findings in _parse_errors(outcome).items():
            for finding in findings:
                if finding["message"].startswith(("YAML syntax error", "unknown alias")):
                    yield outcome.repo.root / path, finding


def test_syntax_errors_are_reported_where_an_independent_parser_finds_them(outcomes: list[Any]) -> None:
    checked = 0
    for path, finding in _syntax_errors(outcomes):
        text = path.read_text(encoding="utf-8")
        try:
            yaml.load(text, Loader=_Reference)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            assert mark is not None
            assert (finding["line"], finding["column"]) == (mark.line + 1, mark.column + 1)
            checked += 1
            continue
        # PyYAML builds recursive structures; GitHub and CircleCI (and we) reject an alias
        # inside the node its anchor names. The anchor stands above, still open.
        name = re.match(r"unknown alias \*(\S+)", finding["message"])
        assert name is not None, finding
        assert f"&{name[1]}" in "\n".join(text.splitlines()[: finding["line"]]), finding
    assert checked >= 7


def _redefining_anchors(text: str) -> bool:
    seen: set[str] = set()
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        anchor = getattr(event, "anchor", None)
        if anchor is not None and not isinstance(event, yaml.AliasEvent):
            if anchor in seen:
                return True
            seen.add(anchor)
    return False


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return str(value) if isinstance(value, str) else value


def test_circleci_configs_that_redefine_an_anchor_load_as_circleci_reads_them() -> None:
    """Valid YAML 1.2, accepted by CircleCI, rejected by PyYAML's default composer."""
    redefining = []
    for path in sorted((CORPUS / "circleci").glob("*/config.yml")):
        text = path.read_text(encoding="utf-8")
        if not _redefining_anchors(text):
            continue
        redefining.append(path.parent.name)
        with pytest.raises(yaml.composer.ComposerError, match="found duplicate anchor"):
            yaml.load(text, Loader=yaml.CSafeLoader)
        ours = yamlsrc.load(text)
        assert len(ours) == 1
        # The same document as the reference composer's, each alias the latest definition.
        assert _plain(ours[0].root) == _plain(yaml.load(text, Loader=_Reference)), path
    assert len(redefining) >= 5, redefining


def test_redefined_anchors_in_the_layout_check_cleanly(outcomes: list[Any]) -> None:
    for name in ("DataDog__dd-trace-js", "ethereum__solidity", "plotly__dash", "spree__spree"):
        outcome = next(o for o in outcomes if o.repo.name == name)
        assert outcome.files[".circleci/config.yml"] == "circleci"
        assert ".circleci/config.yml" not in _parse_errors(outcome)
