"""A dependency cache whose key does not follow the lockfile of what it caches.

Caches are immutable per key: a cache is only written again when its key changes. A key that does
not contain a hash of the dependency lockfile therefore keeps restoring dependencies that no longer
match the lockfile (a stale `deps`, `node_modules` or `~/.cargo`), or is never reused at all.

What is reported, for every cache that is saved (CircleCI `save_cache`, GitHub `actions/cache` and
`actions/cache/save`, and the built-in caches of the `setup-*` actions):

* warning: the key hashes no lockfile (`v1-deps-{{ .Branch }}`, `${{ runner.os }}-pip`), or only a
  manifest (`package.json`, `go.mod`, `setup.py`) or files that are not the lockfile of what is
  cached; `actions/setup-go` v6+ keys its cache on `go.mod`, which is not a lockfile;
* error: the lockfile (or any file) the key hashes does not exist in the repository: `hashFiles()`
  of a pattern that matches nothing is an empty string, so the key silently stops changing
  (checked only when the repository's files are there: not for single files, nor for a tree of
  pipelines alone, a copy of `.github/`, where the lockfile may well be in the repository);
* warning: the lockfile belongs to another ecosystem than what is cached (`deps`/`_build` keyed on
  `package-lock.json`);
* note: the key only changes with the commit or the build (`{{ .Revision }}`, `{{ epoch }}`,
  `github.sha`, `github.run_id`): it is never reused as an exact match;
* note (CircleCI): a `restore_cache` none of whose keys can match, as a prefix, the key of any
  `save_cache` in the configuration (templates such as `{{ .Branch }}` match anything).

Lockfiles known: mix.lock, rebar.lock, package-lock.json, npm-shrinkwrap.json, yarn.lock,
pnpm-lock.yaml, bun.lock(b), poetry.lock, uv.lock, Pipfile.lock, pdm.lock, requirements*.txt,
Cargo.lock, go.sum, Gemfile.lock, composer.lock, gradle lockfiles and `*.gradle*`, pom.xml, `*.sbt`,
packages.lock.json, Podfile.lock, Package.resolved, pubspec.lock, flake.lock, stack.yaml.lock,
.terraform.lock.hcl, deno.lock, renv.lock, Manifest.toml, .pre-commit-config.yaml (it pins the hook
revisions). Where an ecosystem has no lockfile convention (Maven, Gradle, sbt), its build files
stand in, as `setup-java` does.

Not reported: a tool cache keyed on the tool's version (`~/.npm` keyed `branch-diff-3.1.1`,
`${{ runner.os }}-sccache-0.7.4`, `v1-bazelisk-${{ env.BAZELISK_VERSION }}`; a version of a
runtime, system or package manager, `node-${{ matrix.node-version }}`, does not count); caches
of tool and download folders alone (Homebrew's downloads, `~/.local/bin`, `~/.rustup`, `~/.ssh`),
whatever their key says; keys built from values cilint cannot read (`${{ steps.x.outputs.key }}`,
`${{ inputs.key }}`, `{{ .Environment.MY_KEY }}`, `hashFiles(env.FILES)`); caches of build outputs
keyed on their inputs (`ccache` keyed on `**/*.c`); a manifest key when the repository being
checked has no lockfile for that ecosystem (a library that does not commit one), or, in a tree of
pipelines alone, when the ecosystem's libraries often commit none (Python, Bundler, Composer...;
Go, npm and Mix projects commit theirs), or when the cache saves the lockfile itself (the job
writes it: `paths: [node_modules, yarn.lock]`); restore-only
caches (`actions/cache/restore` saves nothing); a missing file that an earlier step of the job
writes (its name appears in an earlier `run`) or that lies outside the checkout (`/tmp/...`).

Examples: a failing and a passing repository per platform, in `rules/examples/cache-key-lockfile/`;
`cilint explain CIL103` and docs/rules/cache-key-lockfile.md show them with what cilint reports.

How to fix: add `{{ checksum "<lockfile>" }}` (CircleCI) or `${{ hashFiles('<lockfile>') }}` (GitHub)
of the lockfile of what the cache holds; keep a prefix of the key (`v1-deps-`) as a fallback in
`restore_cache.keys` / `restore-keys`; for `setup-go`, set `cache-dependency-path: go.sum`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

from ..linter.findings import Finding
from ..linter.lazyre import lazy
from ..linter.model import (
    Cache,
    CachedPath,
    CacheKey,
    HashedFile,
    JobRun,
    KeyPart,
    Pipeline,
    Project,
    Span,
    Step,
    Text,
    VersionPin,
)

ID = "CIL103"
NAME = "cache-key-lockfile"
LEVEL = "warning"
LEVELS = ("warning", "error", "note")  # every level its findings take, the default first
SUMMARY = "a dependency cache key does not include a checksum of its lockfile"
OPTIONS: dict[str, Any] = {}
TAGS = ("reliability", "caching")
SECURITY_SEVERITY = None
PRECISION = "medium"


# ---------------------------------------------------------------------------------------------
# What each ecosystem locks with and caches (domain-facts §4, §5, §8)


@dataclass(frozen=True)
class Ecosystem:
    label: str
    lockfiles: tuple[str, ...]  # basename globs; with a `/`: globs on the last two path components
    manifests: tuple[str, ...] = ()
    caches: tuple[str, ...] = ()  # regexes on a cached path below its root (see `cached_ecosystems`)
    suggest: tuple[str, ...] = ()  # the lockfiles to name in advice, when not the first three


# Ecosystems whose projects have their lockfile as a rule, libraries included: the tool writes it
# and its documentation says to commit it (go.sum: "go.sum ... should be committed", Go modules
# reference; package-lock.json "is intended to be committed", npm docs; mix.lock, Mix docs). In a
# tree of pipelines alone, a key on the manifest of another ecosystem is not reported: many
# of its libraries commit no lockfile (Python, gems, Composer), and cilint cannot see which.
LOCKFILE_COMMITTED = frozenset({"Go modules", "npm/Yarn/pnpm/Bun", "Mix/rebar3"})

ECOSYSTEMS: tuple[Ecosystem, ...] = (
    Ecosystem("Mix/rebar3", ("mix.lock", "rebar.lock"), ("mix.exs", "rebar.config"),
              (r"(^|/)deps$", r"(^|/)_build(/|$)", r"^\.mix(/|$)", r"^\.hex(/|$)", r"^\.cache/rebar3")),
    Ecosystem("npm/Yarn/pnpm/Bun",
              ("package-lock.json", "yarn.lock", "pnpm-lock.yaml", "npm-shrinkwrap.json", "bun.lockb",
               "bun.lock"),
              ("package.json",),
              (r"(^|/)node_modules(/|$)", r"^\.npm(/|$)", r"(^|/)\.yarn(/|$)", r"^\.cache/yarn",
               r"(^|/)\.pnpm-store", r"pnpm/store", r"^\.bun/install", r"^\.cache/ms-playwright",
               r"^\.cache/Cypress", r"(^|/)Yarn/Cache")),
    Ecosystem("Python",
              ("poetry.lock", "uv.lock", "Pipfile.lock", "pdm.lock", "pylock*.toml", "conda-lock*.yml",
               "*requirements*.txt", "requirements/*.txt", "*constraints*.txt"),
              ("pyproject.toml", "setup.py", "setup.cfg", "Pipfile", "*requirements*.in", "environment*.yml",
               "tox.ini"),
              (r"^\.cache/pip", r"(^|/)pip/cache", r"(^|/)pip$", r"^\.cache/pypoetry", r"^\.cache/uv",
               r"^\.cache/pdm", r"(^|/)\.?venv(/|$)", r"(^|/)\.tox(/|$)", r"(^|/)\.nox(/|$)",
               r"^\.local/share/virtualenvs", r"^\.local/lib/python", r"(^|/)site-packages(/|$)",
               r"^\.conda/pkgs", r"(^|/)conda_pkgs_dir")),
    Ecosystem("Cargo", ("Cargo.lock",), ("Cargo.toml",),
              (r"^\.cargo(/|$)", r"(^|/)target$", r"(^|/)target/(debug|release)")),
    Ecosystem("Go modules", ("go.sum", "*go.sum", "Gopkg.lock", "glide.lock"), ("go.mod", "go.work"),
              (r"(^|/)vendor$", r"(^|/)go/pkg/mod", r"(^|/)pkg/mod$", r"^\.cache/go-build", r"(^|/)go-build$",
               r"(^|/)Library/Caches/go-build", r"^\.go_workspace/pkg/mod"), ("go.sum",)),
    Ecosystem("Bundler", ("Gemfile.lock", "gems.locked"), ("Gemfile", "gems.rb", "*.gemspec"),
              (r"(^|/)vendor/bundle", r"^usr/local/bundle", r"(^|/)\.bundle(/|$)", r"^\.gem(/|$)")),
    Ecosystem("Composer", ("composer.lock",), ("composer.json",),
              (r"(^|/)vendor$", r"^\.composer/cache", r"^\.cache/composer")),
    Ecosystem("Maven/Gradle/sbt/Clojure",
              ("pom.xml", "*.gradle*", "gradle.lockfile", "*.versions.toml", "gradle-wrapper.properties",
               "*.sbt", "maven-wrapper.properties", "deps.edn", "project.clj", "shadow-cljs.edn", "bb.edn"),
              (),
              (r"^\.m2(/|$)", r"^\.gradle(/|$)", r"^\.ivy2(/|$)", r"^\.sbt(/|$)", r"^\.cache/coursier",
               r"(^|/)target$", r"^\.gitlibs(/|$)", r"^\.lein(/|$)")),
    Ecosystem("NuGet", ("packages.lock.json",),
              ("*.csproj", "*.fsproj", "*.vbproj", "Directory.Packages.props"), (r"^\.nuget/packages",)),
    Ecosystem("CocoaPods", ("Podfile.lock",), ("Podfile",),
              (r"(^|/)Pods$", r"Caches/CocoaPods", r"^\.cocoapods")),
    Ecosystem("SwiftPM", ("Package.resolved",), ("Package.swift",), (r"(^|/)\.build$", r"SourcePackages")),
    Ecosystem("Carthage", ("Cartfile.resolved",), ("Cartfile",), (r"(^|/)Carthage(/|$)",)),
    Ecosystem("pub", ("pubspec.lock",), ("pubspec.yaml",), (r"^\.pub-cache", r"(^|/)\.dart_tool")),
    Ecosystem("Nix", ("flake.lock",), ("flake.nix",), (r"^nix(/|$)", r"^\.cache/nix")),
    Ecosystem("Stack/Cabal", ("stack.yaml.lock", "cabal.project.freeze"),
              ("stack.yaml", "*.cabal", "cabal.project"),
              (r"^\.stack(/|$)", r"(^|/)\.stack-work", r"^\.cabal/(store|packages)", r"(^|/)dist-newstyle")),
    Ecosystem("Terraform", (".terraform.lock.hcl",), ("*.tf",),
              (r"(^|/)\.terraform(/|$)", r"^\.terraform\.d/plugin-cache")),
    Ecosystem("Deno", ("deno.lock",), ("deno.json", "deno.jsonc"), (r"^\.cache/deno", r"(^|/)deno_dir")),
    Ecosystem("renv", ("renv.lock",), ("DESCRIPTION",), (r"renv/(library|cache)", r"^\.local/share/renv")),
    Ecosystem("Julia", ("Manifest.toml",), ("Project.toml",), (r"^\.julia(/|$)",)),
    Ecosystem("pre-commit", (".pre-commit-config.yaml",), (), (r"^\.cache/pre-commit",)),
)

# Tool and download caches: what they hold follows the tool's version or the list of downloads,
# not a lockfile (regexes on a cached path below its root, as `Ecosystem.caches`). A cache of
# these alone is not a dependency cache, whatever words its key holds.
TOOL_PATHS: tuple[str, ...] = (
    r"(^|/)Library/Caches/Homebrew", r"^\.cache/Homebrew", r"^usr/local/Homebrew",  # brew downloads
    r"^\.ssh(/|$)", r"^\.gnupg(/|$)", r"^\.docker(/|$)", r"^\.kube(/|$)",  # credentials, settings
    r"^\.local/bin(/|$)", r"^bin(/|$)", r"^usr/local/bin(/|$)", r"^opt/",  # installed binaries
    r"^\.rustup(/|$)", r"^sdk/go", r"^\.pyenv(/|$)", r"^\.nvm(/|$)", r"^\.sdkman(/|$)",  # toolchains
    r"^\.cache/bazelisk", r"^\.cache/sccache", r"^\.sccache", r"^\.ccache", r"^\.cache/ccache",
    r"^\.cache/golangci-lint", r"^\.cache/puppeteer", r"^\.cache/electron", r"^\.foundry(/|$)",
    r"^\.cache/trivy", r"^\.cache/hadolint", r"^\.cache/buf", r"^\.cache/protoc",
)
# What a version in a key may be the version of without pinning what a dependency cache holds
# (`node-modules-18.1.0`, `ubuntu-22.04-pip`, `deps-otp-26.1`, `yarn-1.22` on node_modules): a
# language runtime or compiler, an operating system, a package manager, or a word that names the
# cache itself. A version of anything else (`branch-diff-3.1.1` on `~/.npm`, installed with
# `npm i -g branch-diff@3.1.1`) is the version of the tool the cache holds.
_NOT_A_TOOL = frozenset({
    # runtimes, compilers, SDKs
    "node", "nodejs", "python", "py", "cpython", "pypy", "ruby", "jruby", "go", "golang", "java", "jdk",
    "jre", "openjdk", "temurin", "corretto", "zulu", "graalvm", "kotlin", "scala", "elixir", "erlang",
    "otp", "php", "perl", "rust", "rustc", "toolchain", "dotnet", "net", "sdk", "swift", "xcode",
    "dart", "flutter", "deno", "bun", "gcc", "clang", "llvm", "msvc", "cuda", "r", "julia", "ghc",
    "haskell", "ocaml", "zig", "lua", "android", "ndk", "emscripten", "emsdk",
    # operating systems and images
    "ubuntu", "debian", "alpine", "macos", "osx", "darwin", "windows", "win", "linux", "centos",
    "fedora", "rhel", "image", "runner", "os", "arch", "amd64", "arm64", "x64", "x86",
    # package managers
    "npm", "yarn", "pnpm", "pip", "pipenv", "poetry", "uv", "pdm", "conda", "mamba", "cargo", "gomod",
    "bundler", "bundle", "gem", "gems", "composer", "maven", "mvn", "gradle", "sbt", "nuget", "pod",
    "pods", "cocoapods", "carthage", "pub", "nix", "stack", "cabal", "mix", "hex", "rebar", "rebar3",
    "lein", "renv", "spm",
    # the cache itself
    "deps", "dep", "dependencies", "modules", "module", "node-modules", "packages", "package", "pkg",
    "vendor", "venv", "virtualenv", "env", "site", "lib", "libs", "cache", "caches", "key", "build",
    "ci", "test", "tests", "v", "version", "ver", "release", "dev", "global", "user", "install",
    "store", "home", "local", "tools", "tool",
})

_GLOB_CHARS = lazy(r"[*?\[]")
# Words in a key that say the cache holds dependencies even where its paths do not tell.
_DEPENDENCY_WORDS = lazy(
    r"(?<![a-z])(?:deps?|dependenc[a-z]*|node[-_]?modules|packages?|gems?|bundler?|pip|npm|yarn|pnpm|"
    r"cargo|maven|m2|gradle|venv|virtualenv|poetry|composer|pods|gomod|go[-_]mod|mix|hex|uv)(?![a-z])",
    re.I,
)


# ---------------------------------------------------------------------------------------------
# Reading a key (the loaders say what it is made of: `Cache.key_inputs`)


@dataclass
class KeyParts:
    """What a cache key is made of, as far as this rule counts it: the files it hashes that name
    something in the checkout (the others, such as a checksum the job computed itself, count as
    an opaque hash)."""

    files: list[HashedFile] = field(default_factory=list)  # file patterns hashed into it
    opaque_hash: bool = False  # a hash of files named by something cilint cannot read
    volatile: list[KeyPart] = field(default_factory=list)  # parts that change every commit/build
    unknown: bool = False  # parts whose value cilint cannot know

    @classmethod
    def of(cls, key: CacheKey) -> KeyParts:
        return cls(key.files, key.opaque_hash, key.volatile, key.unknown)

    @property
    def hashed(self) -> bool:
        return bool(self.files) or self.opaque_hash


# ---------------------------------------------------------------------------------------------
# Files and paths


def _tail(pattern: str) -> tuple[str, str]:
    components = pattern.replace("\\", "/").rstrip("/").split("/")
    return components[-1], "/".join(components[-2:])


@lru_cache(maxsize=4096)  # each key's files are compared with every ecosystem's, again for each job
def _matches(pattern: str, globs: tuple[str, ...]) -> bool:
    """Whether a file pattern from a key names one of `globs` (both may be globs: `**/*.lock`
    names `mix.lock`; `requirements-dev.txt` is a `*requirements*.txt`)."""
    name, last_two = _tail(pattern)
    if not name or name in ("*", "**"):
        return False  # everything: too broad to say it is a lockfile
    for glob in globs:
        subject = last_two if "/" in glob else name
        if fnmatchcase(subject, glob) or fnmatchcase(glob.replace("*", ""), subject):
            return True
    return False


def lockfile_ecosystems(pattern: str) -> list[Ecosystem]:
    return [eco for eco in ECOSYSTEMS if _matches(pattern, eco.lockfiles)]


def manifest_ecosystems(pattern: str) -> list[Ecosystem]:
    return [eco for eco in ECOSYSTEMS if _matches(pattern, eco.manifests)]


def cached_ecosystems(path: CachedPath) -> tuple[Ecosystem, ...]:
    """The ecosystems whose dependencies a cached path holds (none: not a dependency cache). The
    path is read below its root, whichever it is (`~/.npm` and `.npm` in the checkout are both
    npm's), and `**/node_modules` as `node_modules`."""
    if path.excluded or path.templated:
        return ()
    return _ecosystems_below_root(re.sub(r"^(\*\*/)+", "", path.path))


@lru_cache(maxsize=4096)
def _ecosystems_below_root(path: str) -> tuple[Ecosystem, ...]:
    if not path:
        return ()
    return tuple(eco for eco in ECOSYSTEMS if any(re.search(rx, path) for rx in eco.caches))


def _labels(ecosystems: Any) -> str:
    return ", ".join(sorted({eco.label for eco in ecosystems}))


def _lockfile_hint(ecosystems: Any, repository: Repository) -> str:
    """`a`, `b` or `c`: the lockfiles of the ecosystems that the repository has, else the usual ones."""
    names = [f"`{name}`" for eco in ecosystems for name in repository.lockfiles(eco)]
    if not names:
        names = [f"`{name}`" for eco in ecosystems for name in eco.suggest or eco.lockfiles[:3]
                 if not _GLOB_CHARS.search(name)]
    names = list(dict.fromkeys(names))[:4]
    if not names:
        return "the lockfile"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


# ---------------------------------------------------------------------------------------------
# The repository


class Repository:
    """The files of the repository being checked, globbed once per pattern."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._globs: dict[str, list[str]] = {}

    @property
    def readable(self) -> bool:
        """Whether the repository's files are there to look at: not when single files are
        checked, nor a tree of pipelines alone (a copy of `.github/`), where a missing lockfile
        may well be in the repository."""
        return self.project.is_repository and self.project.holds_repository_contents

    def may_lack_lockfile(self, ecosystems: list[Ecosystem]) -> bool:
        """Whether a manifest key on these ecosystems may be the best there is: the repository
        has none of their lockfiles, or it is a tree of pipelines alone (its files are not
        there) and some of them are ecosystems whose projects often commit none."""
        if self.readable:
            return not any(self.has_lockfile(eco) for eco in ecosystems)
        pipelines_only = self.project.is_repository and not self.project.holds_repository_contents
        return pipelines_only and any(eco.label not in LOCKFILE_COMMITTED for eco in ecosystems)

    def glob(self, pattern: str) -> list[str]:
        pattern = re.sub(r"^(\./)+", "", pattern.replace("\\", "/"))
        if pattern not in self._globs:
            self._globs[pattern] = self.project.repo_glob(pattern)
        return self._globs[pattern]

    def has(self, pattern: str) -> bool:
        return bool(self.glob(pattern))

    def lockfiles(self, ecosystem: Ecosystem) -> list[str]:
        """The names of the ecosystem's lockfiles the repository holds (none when not readable)."""
        found = [path.rsplit("/", 1)[-1] for glob in ecosystem.lockfiles for path in self.glob(f"**/{glob}")]
        return sorted(set(found))

    def has_lockfile(self, ecosystem: Ecosystem) -> bool:
        return bool(self.lockfiles(ecosystem))


def _checkable(file: HashedFile, earlier_scripts: str) -> bool:
    """Whether a missing file means a mistake: not outside the checkout, not a template, not an
    exclusion, not a file an earlier step writes."""
    if not file.glob or file.excluded or file.templated or file.outside_checkout:
        return False
    name, _ = _tail(file.glob)
    return _GLOB_CHARS.search(name) is not None or name not in earlier_scripts


# ---------------------------------------------------------------------------------------------
# The checks


@dataclass
class _Where:
    """One cache step in context: its pipeline, job, the environment of the step, and the
    scripts of the steps before it (files those write are not expected in the repository)."""

    pipeline: Pipeline
    job: str | None
    step: Step
    cache: Cache
    earlier_scripts: str
    repository: Repository


def check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
    repository = Repository(project)
    seen: set[tuple[Span, str]] = set()
    for where in _cache_steps(project, repository):
        for finding in _check_cache(where, repository):
            if (finding.span, finding.message) not in seen:
                seen.add((finding.span, finding.message))
                yield finding
    for pipeline in project.pipelines:
        if pipeline.platform == "circleci":
            for finding in _unmatched_restores(pipeline):
                if (finding.span, finding.message) not in seen:
                    seen.add((finding.span, finding.message))
                    yield finding


def _cache_steps(project: Project, repository: Repository) -> Iterator[_Where]:
    for pipeline in project.pipelines:
        if pipeline.platform == "action":
            yield from _steps_of(pipeline, None, pipeline.action_steps, repository)
        for workflow in pipeline.workflows:
            for run in workflow.jobs():
                yield from _steps_of(pipeline, run, run.steps, repository)


def _steps_of(
    pipeline: Pipeline, run: JobRun | None, steps: list[Step], repository: Repository
) -> Iterator[_Where]:
    scripts: list[str] = []
    for step in steps:
        if step.cache is not None:
            job = run.qualified if run else None
            yield _Where(pipeline, job, step, step.cache, "\n".join(scripts), repository)
        if step.run is not None:
            scripts.append(step.run.value)


def _check_cache(where: _Where, repository: Repository) -> Iterator[Finding]:
    cache = where.cache
    if cache.action == "builtin":
        yield from _check_builtin(where, repository)
    elif cache.action in ("save", "save+restore") and cache.key is not None:
        yield from _check_saved_key(where, cache.key, repository)


def _check_saved_key(where: _Where, key: Text, repository: Repository) -> Iterator[Finding]:
    parts = KeyParts.of(where.cache.key_inputs or CacheKey())
    _set_aside_generated(parts, where.earlier_scripts)
    if not parts.hashed:
        yield from _unhashed_key(where, key, parts)
        return
    missing = list(_missing_files(where, key, parts.files, repository))
    if missing:
        yield from missing
        return
    yield from _lockfile_relation(where, key, parts, repository)


def _set_aside_generated(parts: KeyParts, earlier_scripts: str) -> None:
    """Files outside the checkout (`~/.arch`, `/tmp/deps.md5`) or written by an earlier step are
    often a checksum the job computed itself (of the lockfiles, say): a hash cilint cannot read."""
    kept: list[HashedFile] = []
    for file in parts.files:
        if file.excluded:
            continue  # names nothing that is hashed
        known = lockfile_ecosystems(file.written) or manifest_ecosystems(file.written)
        if file.outside_checkout or (not known and not _checkable(file, earlier_scripts)):
            parts.opaque_hash = True
        else:
            kept.append(file)
    parts.files = kept


def _is_dependency_cache(where: _Where, key: Text) -> bool:
    """Whether the cache holds dependencies: a known dependency directory, or a key that says so
    when its paths are not all known tool or download folders. Other caches (a downloaded
    toolchain keyed on its version, a build output keyed on the commit to hand it to a later
    job, Homebrew's downloads keyed on the list of packages) are keyed as their authors mean."""
    paths = where.cache.cached_paths
    if _ecosystems_of_paths(paths):
        return True
    read = [path for path in paths if not path.excluded]
    if read and all(not path.templated and _is_tool_path(path.path) for path in read):
        return False
    return bool(_DEPENDENCY_WORDS.search(key.value))


@lru_cache(maxsize=1024)
def _is_tool_path(path: str) -> bool:
    return any(re.search(rx, re.sub(r"^(\*\*/)+", "", path)) for rx in TOOL_PATHS)


def tool_pin(key: CacheKey) -> VersionPin | None:
    """The first version in the key of a tool (not of a runtime, a system or a package manager):
    a dependency cache keyed on it holds what that version of the tool installs."""
    for pin in key.pins:
        if pin.name not in _NOT_A_TOOL and any(word not in _NOT_A_TOOL for word in pin.name.split("-")):
            return pin
    return None


def _unhashed_key(where: _Where, key: Text, parts: KeyParts) -> Iterator[Finding]:
    if not _is_dependency_cache(where, key):
        return
    hint = _lockfile_hint(_ecosystems_of_paths(where.cache.cached_paths), where.repository)
    if parts.volatile:
        yield Finding(
            f"this dependency cache key changes with every {_volatile_word(parts)} only, so it is never "
            f"reused as it is; key it on {hint} (a prefix of it can stay a fallback)",
            key.span, job=where.job, level="note")
    elif not parts.unknown and tool_pin(where.cache.key_inputs or CacheKey()) is None:
        yield Finding(
            "this dependency cache key has no lockfile checksum: the cache is written once and never "
            f"follows dependency changes; add a checksum of {hint}",
            key.span, job=where.job)


def _volatile_word(parts: KeyParts) -> str:
    return "build" if any(part.kind == "per-run" for part in parts.volatile) else "commit"


def _missing_files(
    where: _Where, key: Text, files: list[HashedFile], repository: Repository
) -> Iterator[Finding]:
    if not repository.readable:
        return
    for file in files:
        if not _checkable(file, where.earlier_scripts) or _exists(file, where, repository):
            continue
        yield Finding(
            f"`{file.written}`, hashed into the cache key, does not exist in the repository: the checksum "
            "never changes, so the cache never follows the dependencies; name the lockfile as it is "
            "in the repository",
            key.span, job=where.job, level="error")


def _exists(file: HashedFile, where: _Where, repository: Repository) -> bool:
    if repository.has(file.glob):
        return True
    # Files read from the job's working directory, which the model does not carry: accept the
    # file in a subdirectory rather than report a lockfile that is there (leading `./` and `../`
    # dropped, as the folder is unknown either way; a dot that starts a name, `.terraform.lock.hcl`, kept).
    inputs = where.cache.key_inputs
    if inputs is not None and inputs.files_relative_to == "working-directory" and where.step.checkout_names:
        base = where.step.in_checkout(where.step.working_directory)  # the loader knows the folder
        if base is not None and not file.glob.startswith("../"):
            return repository.has(posixpath.normpath(posixpath.join(base, file.glob)))
    return (inputs is not None and inputs.files_relative_to == "working-directory"
            and repository.has("**/" + re.sub(r"^(\.\.?/)+", "", file.glob)))


def _lockfile_relation(
    where: _Where, key: Text, parts: KeyParts, repository: Repository
) -> Iterator[Finding]:
    locked = [eco for file in parts.files for eco in lockfile_ecosystems(file.written)]
    if locked:
        yield from _mismatched_paths(where, key, set(locked))
        return
    if parts.opaque_hash or parts.unknown:
        return  # the key may well hash the lockfile through what cilint cannot read
    cached = _ecosystems_of_paths(where.cache.cached_paths)
    manifests = [eco for file in parts.files for eco in manifest_ecosystems(file.written)]
    files = ", ".join(f"`{f.written}`" for f in parts.files)
    if manifests:
        if repository.may_lack_lockfile(manifests) or _saves_lockfile(where.cache.cached_paths, manifests):
            return  # no lockfile to key on: the manifest is the best there is
        yield Finding(
            f"the cache key hashes only manifests ({files}), which do not pin transitive versions; key "
            f"it on {_lockfile_hint(manifests, where.repository)}", key.span, job=where.job)
    elif cached:
        yield Finding(
            f"the cache key hashes {files} but not the lockfile of what it caches ({_labels(cached)}); "
            f"add a checksum of {_lockfile_hint(cached, where.repository)}", key.span, job=where.job)


def _saves_lockfile(paths: list[CachedPath], ecosystems: list[Ecosystem]) -> bool:
    """Whether the cache saves a lockfile of these ecosystems itself (`paths: [node_modules,
    yarn.lock]`): the job writes it, so the repository commits none to key on."""
    return any(set(lockfile_ecosystems(path.path)) & set(ecosystems) for path in paths
               if not path.excluded and not path.templated)


def _mismatched_paths(where: _Where, key: Text, locked: set[Ecosystem]) -> Iterator[Finding]:
    for path in where.cache.cached_paths:
        cached = cached_ecosystems(path)
        if cached and not locked & set(cached):
            yield Finding(
                f"`{path.written.value}` holds {_labels(cached)} dependencies but the cache key hashes only "
                f"{_labels(locked)} lockfiles; key it on {_lockfile_hint(cached, where.repository)}",
                path.written.span, job=where.job, related=[(key.span, "the cache key")])


def _ecosystems_of_paths(paths: list[CachedPath]) -> list[Ecosystem]:
    return list(dict.fromkeys(eco for path in paths for eco in cached_ecosystems(path)))


def _check_builtin(where: _Where, repository: Repository) -> Iterator[Finding]:
    """setup-* caches are keyed on the first of `key_files` that exists (the loader lists them)."""
    cache, step = where.cache, where.step
    action = step.uses.name if step.uses is not None else "the setup action"
    inputs = cache.key_inputs or CacheKey()
    if inputs.opaque_hash:
        return  # `cache-dependency-path: ${{ inputs.x }}`: cannot be read
    files = inputs.files
    if repository.readable and files:
        present = [f for f in files if not f.excluded and repository.has(f.glob)]
        if not present:
            if all(_checkable(f, where.earlier_scripts) for f in files):
                names = " or ".join(f"`{f.written}`" for f in files)
                yield Finding(
                    f"the built-in cache of `{action}` is keyed on {names}, which does not exist in the "
                    "repository; point `cache-dependency-path` at the lockfile", cache.span, job=where.job,
                    level="error")
            return
        files = present
    if not files or any(lockfile_ecosystems(f.written) for f in files):
        return
    manifests = [eco for f in files for eco in manifest_ecosystems(f.written)]
    if manifests and repository.may_lack_lockfile(manifests):
        return  # no lockfile to key on: the manifest is the best there is
    names = ", ".join(f"`{f.written}`" for f in files)
    span = step.uses.text.span if step.uses is not None and cache.span == step.span else cache.span
    yield Finding(
        f"the built-in cache of `{action}` is keyed on {names}, not a lockfile; set "
        f"`cache-dependency-path` to {_lockfile_hint(manifests, where.repository)}", span, job=where.job)


# ---------------------------------------------------------------------------------------------
# CircleCI: restores that no save can feed


_WILDCARD = object()


def _key_tokens(key: CacheKey) -> tuple[object, ...]:
    """A key as characters and wildcards (each part that is not literal text is any string)."""
    tokens: list[object] = []
    for part in key.parts:
        if part.kind == "text":
            tokens.extend(part.text)
        else:
            tokens.append(_WILDCARD)
    return tuple(tokens)


def can_restore(restore_key: CacheKey, save_key: CacheKey) -> bool:
    """Whether some rendering of `restore_key` is a prefix of some rendering of `save_key`."""
    return _intersect((*_key_tokens(restore_key), _WILDCARD), _key_tokens(save_key))


def _intersect(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """Whether two patterns of characters and wildcards share a string (dynamic programming)."""
    reachable = {(0, 0)}
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if i == len(a) and j == len(b):
            return True
        moves = []
        if i < len(a) and a[i] is _WILDCARD:
            moves.append((i + 1, j))
            if j < len(b):
                moves.append((i, j + 1))
        if j < len(b) and b[j] is _WILDCARD:
            moves.append((i, j + 1))
            if i < len(a):
                moves.append((i + 1, j))
        if i < len(a) and j < len(b) and a[i] is not _WILDCARD and a[i] == b[j]:
            moves.append((i + 1, j + 1))
        for move in moves:
            if move not in reachable:
                reachable.add(move)
                stack.append(move)
    return False


def _unmatched_restores(pipeline: Pipeline) -> Iterator[Finding]:
    if any(reference.kind == "orb" for reference in pipeline.references):
        return  # orb jobs and commands save caches under keys cilint cannot see
    saves: list[CacheKey] = []
    restores: list[tuple[JobRun, Cache]] = []
    for workflow in pipeline.workflows:
        for run in workflow.jobs():
            for step in run.steps:
                if step.cache is None:
                    continue
                if step.cache.action in ("save", "save+restore") and step.cache.key_inputs is not None:
                    saves.append(step.cache.key_inputs)
                if step.cache.action in ("restore", "save+restore"):
                    restores.append((run, step.cache))
    for run, cache in restores:
        written = ([cache.key] if cache.key else []) + cache.restore_keys
        inputs = ([cache.key_inputs or CacheKey()] if cache.key else []) + cache.restore_key_inputs
        keys = list({k.value: (k, i) for k, i in zip(written, inputs, strict=True)}.values())
        if keys and not any(can_restore(i, s) for _, i in keys for s in saves):
            listed = ", ".join(f"`{k.value}`" for k, _ in keys)
            yield Finding(
                f"restore_cache keys {listed} match no save_cache key in this configuration: nothing "
                "is ever restored; use the prefix of a saved key", cache.span, job=run.qualified,
                level="note")
