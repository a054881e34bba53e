"""The hook of `.pre-commit-hooks.yaml` with the real `pre-commit`, as a user runs it.

pre-commit installs a hook repository at a commit, so the current working tree (tracked and new
files, uncommitted changes included) is first committed into a temporary repository. Each
installation builds a virtualenv and pip-installs cilint and its dependencies into it: about 20 s
here (two of them, about 40 s for this module), which is why the module is skipped where
pre-commit or git is missing. `pre-commit` is in the `test` extra, so CI runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pre_commit")
if shutil.which("git") is None:
    pytest.skip("git is not installed", allow_module_level=True)

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "fixtures" / "ecosystem" / "shop"
# What installing cilint needs (pyproject names README.md as the long description).
PACKAGE = ["pyproject.toml", "README.md", "MANIFEST.in", ".pre-commit-hooks.yaml", "src", "linter", "rules"]
TIMEOUT = 600  # one installation is ~20 s; a cold pip cache on a slow mirror takes longer


def _env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", GIT_AUTHOR_NAME="cilint tests",
               GIT_AUTHOR_EMAIL="tests@cilint.invalid", GIT_COMMITTER_NAME="cilint tests",
               GIT_COMMITTER_EMAIL="tests@cilint.invalid", GIT_CONFIG_NOSYSTEM="1",
               GIT_CONFIG_GLOBAL=os.devnull)
    return env


def _git(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)


def _pre_commit(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, check=False, timeout=TIMEOUT)


def _package_files() -> list[str]:
    """The files to install from: git's tracked and new (not ignored) ones, or, outside a git
    checkout (an unpacked sdist), everything under PACKAGE."""
    try:
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z", "--", *PACKAGE],
                                cwd=ROOT, capture_output=True, text=True, check=True).stdout
        return sorted(name for name in listed.split("\0") if name and os.path.lexists(ROOT / name))
    except subprocess.CalledProcessError:
        found = [path for top in PACKAGE for path in [ROOT / top, *(ROOT / top).rglob("*")]]
        return sorted(str(path.relative_to(ROOT)) for path in found if path.is_file())


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, home: Path) -> tuple[Path, str]:
    """The working tree committed into a repository of its own: (path, commit)."""
    repo = tmp_path_factory.mktemp("cilint-hook")
    for name in _package_files():
        source, target = ROOT / name, repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    env = _env(home)
    _git(repo, env, "init", "-q")
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "-m", "cilint under test")
    return repo, _git(repo, env, "rev-parse", "HEAD").stdout.strip()


def _project(path: Path, env: dict[str, str]) -> Path:
    shutil.copytree(SHOP, path)
    _git(path, env, "init", "-q")
    _git(path, env, "add", "-A")
    _git(path, env, "commit", "-q", "-m", "the shop")
    return path


def test_try_repo_checks_the_whole_dag_when_a_pipeline_changes(
    tmp_path: Path, home: Path, hook_repo: tuple[Path, str]
) -> None:
    env = _env(home)
    project = _project(tmp_path / "shop", env)
    workflow = ".github/workflows/ci.yml"
    done = _pre_commit(project, env, "try-repo", str(hook_repo[0]), "cilint", "--files", workflow)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "cilint" in done.stdout and "Failed" in done.stdout and "- hook id: cilint" in done.stdout
    # the file given was the GitHub workflow; the CircleCI config is checked all the same
    assert ".circleci/config.yml:15:16: error CIL102 [pinned-images]" in done.stdout
    assert ".github/workflows/ci.yml:14:15: warning CIL107 [pinned-actions]" in done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, home: Path, hook_repo: tuple[Path, str]) -> Path:
    """A project with the hook installed in its git hooks, as the README tells users to."""
    env = _env(home)
    project = _project(tmp_path_factory.mktemp("installed") / "shop", env)
    path, rev = hook_repo
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n      - id: cilint\n")
    (project / ".cilint.yml").write_text("ignore: [CIL105]\n")
    _git(project, env, "add", "-A")
    _git(project, env, "commit", "-q", "-m", "pre-commit")  # no hook yet
    done = _pre_commit(project, env, "install", "--install-hooks")
    assert done.returncode == 0, done.stdout + done.stderr
    return project


def test_a_commit_that_touches_no_pipeline_file_skips_the_hook(installed: Path, home: Path) -> None:
    env = _env(home)
    (installed / "README.md").write_text("Changed.\n")
    _git(installed, env, "add", "README.md")
    done = subprocess.run(["git", "commit", "-m", "docs"], cwd=installed, env=env, capture_output=True,
                          text=True, check=False, timeout=TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(no files to check)Skipped" in done.stdout + done.stderr


def test_a_commit_that_touches_a_pipeline_is_checked_and_refused(installed: Path, home: Path) -> None:
    env = _env(home)
    workflow = installed / ".github" / "workflows" / "ci.yml"
    workflow.write_text(workflow.read_text().replace("npm ci && npm test", "npm ci && npm test -- --ci"))
    _git(installed, env, "add", "-A")
    done = subprocess.run(["git", "commit", "-m", "ci"], cwd=installed, env=env, capture_output=True,
                          text=True, check=False, timeout=TIMEOUT)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "cilint" in output and "Failed" in output
    assert ".circleci/config.yml:15:16: error CIL102 [pinned-images]" in output  # not the file committed
    assert "CIL105" not in output  # the repository's .cilint.yml is read

