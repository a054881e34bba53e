"""cache-key-lockfile (CIL103): dependency caches keyed on the lockfile of what they cache."""

from __future__ import annotations

import pytest

from cilint.linter import github_cache
from cilint.linter.load_circleci import cache_keys as circleci_cache
from cilint.linter.load_circleci.cache_keys import read_key
from cilint.linter.model import Cache, CachedPath, Span, Text
from cilint.rules.cache_key_lockfile import (
    cached_ecosystems,
    can_restore,
    lockfile_ecosystems,
    manifest_ecosystems,
)
from helpers import FIXTURES, findings, where

RULE = "cache-key-lockfile"
BASE = "rules/cache-key-lockfile"
CI = ".github/workflows/ci.yml"
CIRCLE = ".circleci/config.yml"


def test_github_fires() -> None:
    assert where(findings(RULE, f"{BASE}/fire/github")) == [
        (CI, 14, "warning"),  # ${{ runner.os }}-pip-${{ matrix.python }}: one finding for both legs
        (CI, 23, "error"),  # hashFiles('**/poetry.lock'): no poetry.lock in the repository
        (CI, 31, "warning"),  # deps keyed on package-lock.json
        (CI, 32, "warning"),  # _build keyed on package-lock.json
        (CI, 41, "note"),  # node-modules-${{ github.sha }}
        (CI, 49, "warning"),  # package.json is a manifest
        (CI, 54, "warning"),  # setup-go v6: go.mod
        (CI, 64, "error"),  # setup-node cache: yarn without yarn.lock
    ]


def test_github_messages_say_what_to_key_on() -> None:
    messages = [f.message for f in findings(RULE, f"{BASE}/fire/github")]
    assert "`requirements.txt`" in messages[0]  # the lockfile the repository has
    assert "`mix.lock`" in messages[2]
    assert "`go.sum`" in messages[6]


def test_circleci_fires() -> None:
    assert where(findings(RULE, f"{BASE}/fire/circleci")) == [
        (CIRCLE, 10, "warning"),  # v1-deps-{{ .Branch }} (job invoked in two workflows: one finding)
        (CIRCLE, 20, "error"),  # checksum "Cargo.lock": no such file
        (CIRCLE, 28, "note"),  # restore keys v2-plt-... match no save_cache key
        (CIRCLE, 35, "warning"),  # _build keyed on package-lock.json
        (CIRCLE, 37, "note"),  # {{ .Revision }} only
    ]


@pytest.mark.parametrize("platform", ["github", "circleci"])
def test_quiet(platform: str) -> None:
    assert findings(RULE, f"{BASE}/quiet/{platform}") == []


def test_missing_files_are_only_judged_in_a_repository() -> None:
    found = where(findings(RULE, f"{BASE}/fire/github", is_repository=False))
    assert (CI, 23, "error") not in found and (CI, 64, "error") not in found
    assert (CI, 14, "warning") in found


def test_manifest_key_in_a_repository_without_lockfile_is_quiet_only_there() -> None:
    # quiet/circleci keys .tox on src/setup.py and has no Python lockfile; without the repository
    # cilint cannot know that, and asks for the lockfile.
    found = findings(RULE, f"{BASE}/quiet/circleci", is_repository=False)
    assert [(f.span.line, f.level) for f in found] == [(40, "warning")]


def test_seed_net_auto_keys_caches_on_mix_lock() -> None:
    if not (FIXTURES / "seeds/net_auto/.circleci/config.yml").is_file():
        pytest.skip("seed fixture net_auto not present")
    assert findings(RULE, "seeds/net_auto") == []


@pytest.mark.parametrize(("pattern", "ecosystem"), [
    ("mix.lock", "Mix/rebar3"),
    ("**/package-lock.json", "npm/Yarn/pnpm/Bun"),
    ("requirements/dev.txt", "Python"),
    ("**/requirements-test.txt", "Python"),
    ("rust/Cargo.lock", "Cargo"),
    ("**/go.sum", "Go modules"),
    ("**/*.gradle*", "Maven/Gradle/sbt/Clojure"),
])
def test_lockfiles(pattern: str, ecosystem: str) -> None:
    assert ecosystem in [eco.label for eco in lockfile_ecosystems(pattern)]


@pytest.mark.parametrize("pattern", ["package.json", "go.mod", "setup.py", "Cargo.toml", "mix.exs"])
def test_manifests_are_not_lockfiles(pattern: str) -> None:
    assert lockfile_ecosystems(pattern) == [] and manifest_ecosystems(pattern) != []


def _cached_path(platform: str, written: str) -> CachedPath:
    """`written` as the platform's loader reads a cached path."""
    span = Span("ci.yml", 1, 1, 1, 1)
    cache = Cache("save", span, paths=[Text(written, span)])
    if platform == "github":
        github_cache.with_key_inputs(cache, {})
    else:
        circleci_cache.with_key_inputs(cache)
    return cache.cached_paths[0]


@pytest.mark.parametrize(("platform", "path", "ecosystem"), [
    ("circleci", "deps", "Mix/rebar3"),
    ("circleci", "~/project/_build", "Mix/rebar3"),
    ("github", "./node_modules/", "npm/Yarn/pnpm/Bun"),
    ("github", "~/.npm", "npm/Yarn/pnpm/Bun"),
    ("github", "~/.cache/pip", "Python"),
    ("circleci", "/home/circleci/.cache/pypoetry", "Python"),
    ("github", "~/.cargo/registry", "Cargo"),
    ("github", "target", "Cargo"),
    ("github", "~/go/pkg/mod", "Go modules"),
    ("circleci", "vendor/bundle", "Bundler"),
    ("github", "${{ github.workspace }}/**/node_modules", "npm/Yarn/pnpm/Bun"),
])
def test_cached_paths(platform: str, path: str, ecosystem: str) -> None:
    assert ecosystem in [eco.label for eco in cached_ecosystems(_cached_path(platform, path))]


@pytest.mark.parametrize("path", ["dist", ".ccache", "build", "${{ steps.x.outputs.dir }}", "!deps/x"])
def test_paths_that_are_not_dependency_caches(path: str) -> None:
    assert cached_ecosystems(_cached_path("github", path)) == ()


@pytest.mark.parametrize(("restore", "save", "expected"), [
    ("v1-deps-", 'v1-deps-{{ checksum "mix.lock" }}', True),
    ('v1-deps-{{ checksum "mix.lock" }}', 'v1-deps-{{ checksum "mix.lock" }}', True),
    ("v1-deps-{{ .Branch }}-", 'v1-deps-main-{{ checksum "mix.lock" }}', True),
    ("v1-build-", 'v1-deps-{{ checksum "mix.lock" }}', False),
    ("v2-deps-", "v1-deps-", False),
    ("v1-deps-long-prefix", "v1-deps-", False),
    ("v1-deps-long-prefix", "v1-deps-{{ .Branch }}", True),
])
def test_restore_prefix_matching(restore: str, save: str, expected: bool) -> None:
    assert can_restore(read_key(restore), read_key(save)) is expected


# Tool and download caches (issue 14): only a cache of a lockfile-managed dependency tree needs a
# lockfile hash; one keyed on the version of the tool it holds, or holding only tool or download
# folders, is keyed as its authors mean.


def test_github_tool_caches_keyed_on_their_version_are_quiet() -> None:
    assert where(findings(RULE, f"{BASE}/tools/github")) == [
        (CI, 39, "warning"),  # node_modules keyed on ${{ runner.os }}-node
        (CI, 43, "warning"),  # node_modules keyed on the node version: a runtime, not what is cached
        (CI, 47, "warning"),  # node_modules keyed on yarn-1.22.19: the package manager's version
    ]  # quiet: ~/.npm keyed branch-diff-3.1.1 (13), sccache-0.7.4 (18), bazelisk (22), Homebrew (27)


def test_circleci_tool_caches_keyed_on_their_version_are_quiet() -> None:
    assert where(findings(RULE, f"{BASE}/tools/circleci")) == [
        (CIRCLE, 37, "warning"),  # node_modules keyed on v1-node-{{ arch }}
        (CIRCLE, 41, "warning"),  # node_modules keyed on the pipeline's node_version
    ]  # quiet: ~/.cargo keyed cargo-nextest-0.9.67 (18), Homebrew keyed on its packages (23), ~/.ssh (27)


@pytest.mark.parametrize(("key", "pinned"), [
    ("${{ runner.os }}-sccache-0.7.4", "sccache"),
    ("protoc-3.21.12", "protoc"),
    ("${{ github.workflow }}-branch-diff-3.1.1", "branch-diff"),
    ("v1-cargo-nextest-0.9.67", "cargo-nextest"),
    ("${{ runner.os }}-node-${{ matrix.node-version }}", None),
    ("ubuntu-22.04-pip", None),
    ("deps-otp-26.1-elixir-1.15.7", None),
    ("yarn-1.22.19", None),
    ("v1-deps-311", None),
])
def test_a_version_pins_a_tool_unless_it_is_a_runtime_system_or_package_manager(
        key: str, pinned: str | None) -> None:
    from cilint.rules.cache_key_lockfile import tool_pin

    pin = tool_pin(github_cache.read_key(key, {}))
    assert (pin.name if pin else None) == pinned


# A tree of pipelines alone (a copy of `.github/`, the corpus) is not a repository whose files
# cilint knows: a lockfile missing from it may be in the repository.


def test_missing_lockfile_is_not_claimed_in_a_tree_of_pipelines_alone() -> None:
    # Without the repository's files: no missing lockfile; a key on a manifest is reported only for
    # ecosystems whose projects commit their lockfile (npm, Go), not Python (setup.py).
    assert where(findings(RULE, f"{BASE}/pipelines-only/github")) == [(CI, 20, "warning")]  # package.json
    # quiet: a key on package.json of a cache that saves yarn.lock itself (line 22): the job writes it
    assert where(findings(RULE, f"{BASE}/pipelines-only/circleci")) == [(CIRCLE, 17, "warning")]  # go.mod
    # The same with a README.md: a repository, whose missing files are missing.
    assert where(findings(RULE, f"{BASE}/with-readme/github")) == [
        (CI, 11, "error"), (CI, 16, "error"), (CI, 20, "error")]  # yarn.lock, setup.py, package.json
    assert where(findings(RULE, f"{BASE}/with-readme/circleci")) == [
        (CIRCLE, 9, "error"), (CIRCLE, 13, "error"), (CIRCLE, 17, "error"),  # Cargo.lock, setup.py, go.mod
        (CIRCLE, 22, "error")]  # package.json
