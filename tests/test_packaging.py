"""The package as users get it: built from a checkout without symbolic links, installed, run.

`linter/` and `rules/` are mapped to `cilint.linter` and `cilint.rules` by `package-dir` in
pyproject.toml. The slow test builds the sdist and, from the sdist, the wheel (as `python -m build`
does), in a copy of the working tree where every symbolic link is replaced by a small text file, as
Git for Windows checks links out by default; installs the wheel into a fresh virtual environment;
and runs `cilint` there on two seed pipelines.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 600


def _declared() -> tuple[list[str], dict[str, str]]:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    return setuptools["packages"], setuptools["package-dir"]


def _packages_on_disk() -> set[str]:
    """Every package the mapping should install: `cilint`, and each folder with an `__init__.py`
    under `linter/` and `rules/`, by its installed name."""
    found = {"cilint"}
    for top, name in (("linter", "cilint.linter"), ("rules", "cilint.rules")):
        for init in (ROOT / top).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT / top).parts
            found.add(".".join((name, *parts)))
    return found


def test_every_package_folder_is_declared() -> None:
    packages, package_dir = _declared()
    assert set(packages) == _packages_on_disk()
    assert package_dir == {"cilint": "src/cilint", "cilint.linter": "linter", "cilint.rules": "rules"}


def test_no_symbolic_link_is_needed_to_build() -> None:
    links = [str(p.relative_to(ROOT)) for top in ("src", "linter", "rules") for p in (ROOT / top).rglob("*")
             if p.is_symlink()]
    assert links == []


def _working_tree(dest: Path) -> None:
    """The tracked and new files as a checkout with `core.symlinks=false` has them."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    for name in filter(None, listed.split("\0")):
        source, target = ROOT / name, dest / name
        if not os.path.lexists(source):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.write_text(os.readlink(source), encoding="utf-8")
        elif source.is_file():
            target.write_bytes(source.read_bytes())


@pytest.mark.slow
def test_wheel_and_sdist_from_a_checkout_without_links_install_and_run(tmp_path: Path) -> None:
    pytest.importorskip("build")
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tree = tmp_path / "tree"
    _working_tree(tree)
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(tree)],
                           capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (sdist,) = dist.glob("cilint-*.tar.gz")
    (wheel,) = dist.glob("cilint-*.whl")

    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for expected in ("tests/test_packaging.py", "fixtures/seeds/net_auto/.circleci/config.yml",
                     "linter/engine.py", "rules/__init__.py", "src/cilint/__init__.py", "MANIFEST.in"):
        assert expected in names, expected

    with zipfile.ZipFile(wheel) as archive:
        in_wheel = set(archive.namelist())
    packages, _ = _declared()
    for package in packages:
        assert package.replace(".", "/") + "/__init__.py" in in_wheel, package
    sources = [p for top in ("linter", "rules") for p in (ROOT / top).rglob("*.py")]
    for source in sources:
        assert "cilint/" + source.relative_to(ROOT).as_posix() in in_wheel, source

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / ("Scripts" if os.name == "nt" else "bin") / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                str(wheel)], capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert installed.returncode == 0, installed.stderr[-3000:]
    script = env_dir / ("Scripts" if os.name == "nt" else "bin") / "cilint"
    clean = subprocess.run([str(script), "check", "fixtures/seeds/net_auto"], cwd=tree, capture_output=True,
                           text=True, timeout=TIMEOUT, check=False)
    assert (clean.returncode, clean.stdout.strip()) == (0, "No findings in 1 file"), clean.stderr
    findings = subprocess.run([str(python), "-m", "cilint", "check", "fixtures/seeds/autogit"], cwd=tree,
                              capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert findings.returncode == 1, findings.stderr
    assert "CIL105 [approval-before-deploy]" in findings.stdout
    # The rules' example repositories ship as package data, dotted folders included: explain shows them.
    assert "cilint/rules/examples/warnings-as-errors/github/fail/.github/workflows/ci.yml" in in_wheel
    explained = subprocess.run([str(script), "explain", "CIL101"], cwd=tmp_path, capture_output=True, text=True,
                               timeout=TIMEOUT, check=False)
    assert explained.returncode == 0, explained.stderr
    assert "Failing example (GitHub Actions)" in explained.stdout and "  .github/workflows/ci.yml:" in explained.stdout
