"""What a cache key is made of (`Cache.key_inputs`), as each loader reads the platform's syntax."""

from __future__ import annotations

from pathlib import Path

from cilint.linter import github_cache
from cilint.linter.deploy import annotate_deploys
from cilint.linter.engine import find_rule, run_rules
from cilint.linter.load_circleci import cache_keys as circleci_cache
from cilint.linter.model import Cache, CachedPath, CacheKey, EnvVar, HashedFile, KeyPart, Project, Span, Text
from cilint.linter.project import build_project

SPAN = Span("ci.yml", 1, 1, 1, 1)


def kinds(key: CacheKey) -> list[tuple[str, str]]:
    return [(part.kind, part.text) for part in key.parts]


def globs(key: CacheKey) -> list[str]:
    return [file.glob for file in key.files]


def env(**values: tuple[str, bool]) -> dict[str, EnvVar]:
    return {name: EnvVar(name, Text(value, SPAN), reference, "workflow") for name, (value, reference) in values.items()}


# ---------------------------------------------------------------------------------------------
# GitHub


def test_github_hashed_glob_and_runner() -> None:
    key = github_cache.read_key("${{ runner.os }}-${{ hashFiles('**/package-lock.json') }}", {})
    assert kinds(key) == [
        ("context", "runner.os"),
        ("text", "-"),
        ("files", "hashFiles('**/package-lock.json')"),
    ]
    assert key.files == [HashedFile("**/package-lock.json", "**/package-lock.json")]
    assert not key.opaque_hash and not key.unknown and not key.volatile


def test_github_several_files_and_an_unknown_variable() -> None:
    key = github_cache.read_key("${{ runner.os }}-${{ env.V }}-${{ hashFiles('a.lock', '**/b.lock') }}", {})
    assert globs(key) == ["a.lock", "**/b.lock"]
    assert key.unknown  # env.V is set nowhere cilint can see (GITHUB_ENV at run time, say)


def test_github_files_in_the_models_glob_form() -> None:
    key = github_cache.read_key(r"${{ hashFiles('./deps\mix.lock', '!**/node_modules/**', '${HOME}/x') }}", {})
    assert key.files == [
        HashedFile("./deps\\mix.lock", "deps/mix.lock"),
        HashedFile("!**/node_modules/**", "**/node_modules/**", excluded=True),
        HashedFile("${HOME}/x", "${HOME}/x", templated=True, outside_checkout=True),
    ]


def test_github_per_commit_per_run_per_branch() -> None:
    key = github_cache.read_key(
        "${{ github.sha }}-${{ github.run_id }}-${{ github.ref_name }}-${{ github.event.head_commit.id }}", {})
    assert [part.kind for part in key.parts if part.kind != "text"] == [
        "per-commit", "per-run", "per-branch", "per-commit"]
    assert [part.text for part in key.volatile] == ["github.sha", "github.run_id", "github.event.head_commit.id"]
    assert github_cache.read_key("${{ github.sha }}", {}).volatile == [KeyPart("per-commit", "github.sha")]


def test_github_opaque_hashes() -> None:
    assert github_cache.read_key("k-${{ hashFiles(env.FILES) }}", {}).opaque_hash
    nested = github_cache.read_key("k-${{ hashFiles(format('{0}/mix.lock', matrix.dir)) }}", {})
    assert nested.opaque_hash and nested.files == []


def test_github_values_cilint_cannot_know() -> None:
    for reference in ("steps.x.outputs.key", "inputs.key", "vars.KEY", "secrets.KEY", "needs.a.outputs.k",
                      "github.event.inputs.key"):
        assert github_cache.read_key(f"k-${{{{ {reference} }}}}", {}).unknown, reference
    settings = github_cache.read_key("${{ runner.os }}-${{ matrix.python }}-pip", {})
    assert not settings.files and not settings.opaque_hash and not settings.unknown and not settings.volatile
    assert [part.kind for part in settings.parts] == ["context", "text", "context", "text"]


def test_github_variables_are_read_through() -> None:
    variables = env(LOCK=("${{ hashFiles('uv.lock') }}", True), VERSION=("v3", False))
    key = github_cache.read_key("${{ env.VERSION }}-${{ env.LOCK }}", variables)
    assert kinds(key) == [("context", "env.VERSION"), ("text", "-"), ("files", "hashFiles('uv.lock')")]
    assert not key.unknown


def test_github_setup_action_key_files() -> None:
    assert globs(github_cache.read_key_files(["package-lock.json", "npm-shrinkwrap.json"])) == [
        "package-lock.json", "npm-shrinkwrap.json"]
    assert github_cache.read_key_files(["${{ inputs.lockfile }}"]).opaque_hash


# ---------------------------------------------------------------------------------------------
# CircleCI


def test_circleci_checksum_and_branch() -> None:
    key = circleci_cache.read_key('v1-{{ checksum "mix.lock" }}-{{ .Branch }}')
    assert kinds(key) == [
        ("text", "v1-"),
        ("files", '{{ checksum "mix.lock" }}'),
        ("text", "-"),
        ("per-branch", "{{ .Branch }}"),
    ]
    assert key.files == [HashedFile("mix.lock", "mix.lock")]
    assert key.files_relative_to == "working-directory"  # CircleCI reads it where the job runs


def test_circleci_volatile_and_settings() -> None:
    key = circleci_cache.read_key('v1-{{ .Branch }}-{{ checksum "mix.lock" }}-{{ epoch }}')
    assert globs(key) == ["mix.lock"] and [p.text for p in key.volatile] == ["{{ epoch }}"] and not key.unknown
    assert [p.kind for p in circleci_cache.read_key("{{ .Revision }}-{{ .BuildNum }}-{{ arch }}").parts
            if p.kind != "text"] == ["per-commit", "per-run", "context"]
    assert [p.kind for p in circleci_cache.read_key("<< pipeline.git.revision >>-<< pipeline.number >>").parts
            if p.kind != "text"] == ["per-commit", "per-run"]
    assert circleci_cache.read_key("v1-{{ .Environment.MY_KEY }}").unknown
    assert not circleci_cache.read_key("v1-{{ .Environment.CIRCLE_JOB }}").unknown


def test_circleci_checksum_of_a_file_named_by_a_parameter() -> None:
    key = circleci_cache.read_key('v1-{{ checksum "<< pipeline.parameters.lock >>" }}')
    assert key.opaque_hash and key.files == []
    templated = circleci_cache.read_key('v1-{{ checksum "${LOCK}" }}').files
    assert templated == [HashedFile("${LOCK}", "${LOCK}", templated=True, outside_checkout=True)]


def test_files_outside_the_checkout() -> None:
    key = github_cache.read_key("${{ hashFiles('/tmp/deps.md5', '~/.arch', 'C:/x.lock', 'a/b.lock') }}", {})
    assert [file.outside_checkout for file in key.files] == [True, True, True, False]
    key = circleci_cache.read_key('{{ checksum "/tmp/deps.md5" }}-{{ checksum "./yarn.lock" }}')
    assert [file.outside_checkout for file in key.files] == [True, False]


# ---------------------------------------------------------------------------------------------
# Cached paths (`Cache.cached_paths`)


def cached(platform: str, *paths: str) -> list[tuple[str, str, bool, bool]]:
    cache = Cache("save", SPAN, paths=[Text(path, SPAN) for path in paths])
    if platform == "github":
        github_cache.with_key_inputs(cache, {})
    else:
        circleci_cache.with_key_inputs(cache)
    return [(p.root, p.path, p.excluded, p.templated) for p in cache.cached_paths]


def test_github_cached_paths() -> None:
    assert cached("github", "node_modules/", "./.venv/**", "${{ github.workspace }}/vendor/bundle",
                  "$GITHUB_WORKSPACE/deps", "~/.npm", "/github/home/.cache/pip", "/usr/local/bundle",
                  "C:\\Users\\me\\.nuget\\packages") == [
        ("checkout", "node_modules", False, False),
        ("checkout", ".venv", False, False),
        ("checkout", "vendor/bundle", False, False),
        ("checkout", "deps", False, False),
        ("home", ".npm", False, False),
        ("home", ".cache/pip", False, False),
        ("filesystem", "usr/local/bundle", False, False),
        ("filesystem", "Users/me/.nuget/packages", False, False),
    ]


def test_github_cached_paths_excluded_or_unreadable() -> None:
    assert cached("github", "!~/.npm/_logs", "${{ steps.dir.outputs.path }}", "~/${{ matrix.x }}/cache") == [
        ("home", ".npm/_logs", True, False),
        ("checkout", "${{ steps.dir.outputs.path }}", False, True),
        ("home", "${{ matrix.x }}/cache", False, True),
    ]


def test_circleci_cached_paths() -> None:
    assert cached("circleci", "deps", "~/project/_build", "/home/circleci/project/.venv", "~/.m2",
                  "~/projects/x", "/home/circleci/.cache/pypoetry", "!x") == [
        ("working-directory", "deps", False, False),
        ("checkout", "_build", False, False),
        ("checkout", ".venv", False, False),
        ("home", ".m2", False, False),
        ("home", "projects/x", False, False),
        ("home", ".cache/pypoetry", False, False),
        ("working-directory", "!x", False, False),  # CircleCI has no exclusions
    ]


def test_a_cached_path_keeps_what_was_written() -> None:
    cache = github_cache.with_key_inputs(Cache("save", SPAN, paths=[Text("~/.npm/", SPAN)]), {})
    assert cache.cached_paths == [CachedPath(Text("~/.npm/", SPAN), ".npm", "home")]


# ---------------------------------------------------------------------------------------------
# The loaders fill them in


def _load(tmp_path: Path, files: dict[str, str]) -> Project:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    project = build_project([tmp_path])
    annotate_deploys(project)
    return project


GITHUB = """\
on: push
env:
  LOCKS: ${{ hashFiles('**/yarn.lock') }}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@v4
        with: {cache: npm}
      - uses: actions/cache@v4
        with:
          path: node_modules
          key: node-${{ env.LOCKS }}
          restore-keys: |
            node-
"""

CIRCLECI = """\
version: 2.1
jobs:
  build:
    docker: [{image: cimg/node:20.0}]
    steps:
      - restore_cache:
          keys:
            - v1-deps-{{ checksum "yarn.lock" }}
            - v1-deps-
      - save_cache:
          key: v1-deps-{{ checksum "yarn.lock" }}
          paths: [node_modules]
workflows:
  main:
    jobs: [build]
"""


def test_loaders_fill_key_inputs(tmp_path: Path) -> None:
    project = _load(tmp_path, {".github/workflows/ci.yml": GITHUB, ".circleci/config.yml": CIRCLECI})
    caches = {(pipeline.platform, step.cache.action): step.cache for pipeline in project.pipelines
              for workflow in pipeline.workflows for run in workflow.jobs() for step in run.steps
              if step.cache is not None}
    setup = caches[("github", "builtin")].key_inputs
    assert setup is not None and globs(setup) == ["package-lock.json", "npm-shrinkwrap.json"]
    saved = caches[("github", "save+restore")]
    assert saved.key_inputs is not None and globs(saved.key_inputs) == ["**/yarn.lock"]  # through env.LOCKS
    assert [kinds(k) for k in saved.restore_key_inputs] == [[("text", "node-")]]
    assert [(p.root, p.path) for p in saved.cached_paths] == [("checkout", "node_modules")]
    restore = caches[("circleci", "restore")]
    assert [globs(k) for k in restore.restore_key_inputs] == [["yarn.lock"], []]
    save = caches[("circleci", "save")].key_inputs
    assert save is not None and globs(save) == ["yarn.lock"]
    assert [(p.root, p.path) for p in caches[("circleci", "save")].cached_paths] == [
        ("working-directory", "node_modules")]


def test_checksum_of_a_dotfile_in_the_jobs_working_directory(tmp_path: Path) -> None:
    """CircleCI reads `checksum` files in the job's working directory: a lockfile whose name starts
    with a dot is found in a subdirectory of the checkout as any other is. `checkout` puts the
    repository in the working directory unless its `path` says otherwise (issue 14): with
    `working_directory: ~/project/infra` and a plain `checkout`, infra/ is the repository's root."""
    config = """\
version: 2.1
jobs:
  plan:
    docker: [{image: hashicorp/terraform:1.9}]
    working_directory: ~/project/infra
    steps:
      - checkout:
          path: ~/project
      - save_cache:
          key: v1-terraform-{{ checksum ".terraform.lock.hcl" }}
          paths: [.terraform]
  plan-in-root:
    docker: [{image: hashicorp/terraform:1.9}]
    working_directory: ~/project/infra
    steps:
      - checkout
      - save_cache:
          key: v1-terraform-{{ checksum ".terraform.lock.hcl" }}
          paths: [.terraform]
workflows:
  main:
    jobs: [plan, plan-in-root]
"""
    project = _load(tmp_path, {".circleci/config.yml": config, "infra/.terraform.lock.hcl": "# lock\n"})
    rule = find_rule("cache-key-lockfile")
    assert rule is not None
    result = run_rules(project, [rule], {rule.id: {}}, {})
    assert result.errors == []
    assert [(f.span.line, f.message.split(",")[0]) for f in result.findings] == [
        (18, "`.terraform.lock.hcl`")
    ]


def test_the_view_shows_key_inputs_and_cached_paths(tmp_path: Path) -> None:
    """Custom policies select on the key inputs and the cached paths (docs/model.md)."""
    from jsonpath_ng.ext import parse

    from cilint.linter.view import project_view

    view = project_view(_load(tmp_path, {".github/workflows/ci.yml": GITHUB}))
    [cache] = parse("$..jobs[*].caches[?(@.action == 'save+restore')]").find(view)
    assert cache.value["key_inputs"]["files"] == [
        {"written": "**/yarn.lock", "glob": "**/yarn.lock", "excluded": False, "templated": False,
         "outside_checkout": False}]
    assert [part["kind"] for part in cache.value["restore_key_inputs"][0]["parts"]] == ["text"]
    assert cache.value["cached_paths"] == [
        {"written": "node_modules", "path": "node_modules", "root": "checkout", "excluded": False, "templated": False}]
    selected = parse("$..jobs[*].caches[?(@.key_inputs.files[*].glob =~ 'yarn\\\\.lock$')]").find(view)
    assert [match.value["action"] for match in selected] == ["save+restore"]
