"""Discovery as users meet it (CONTRACT.md, Discovery and Exit codes): live pipelines come from each
project's root; nested projects only when named or with `--nested`; git-ignored and excluded files
are skipped; no pipeline file is exit 2 (`--allow-no-files`: 0); a missing path among several is a
warning."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import cli

ROOT = Path(__file__).resolve().parents[1]
# A workflow with one finding (an unpinned action: pinned-actions) at line 6.
UNPINNED = ("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - uses: someone/action@main\npermissions:\n  contents: read\n")
CLEAN = ("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n"
         "permissions:\n  contents: read\n")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def repo(tmp_path: Path) -> Path:
    """A repository with a live workflow and a vendored project holding pipelines of its own."""
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".github/workflows/ci.yml", CLEAN)
    write(tmp_path / "third_party/lib/.github/workflows/ci.yml", UNPINNED)
    write(tmp_path / "third_party/lib/.circleci/config.yml", "version: 2.1\njobs: {}\nworkflows: {}\n")
    return tmp_path


def check_json(*args: str, cwd: Path) -> tuple[int, dict[str, Any], str]:
    code, out, err = cli("check", "--format", "json", *args, cwd=cwd)
    return code, json.loads(out) if out.strip() else {}, err


def paths_of(report: dict[str, Any]) -> list[str]:
    return [f["path"] for f in report["files"]]


def test_nested_project_is_not_merged_into_the_root(tmp_path: Path) -> None:
    code, report, err = check_json(cwd=repo(tmp_path))
    assert code == 0, err
    assert paths_of(report) == [".github/workflows/ci.yml"]


def test_nested_project_checked_when_named_with_its_own_root(tmp_path: Path) -> None:
    code, report, _ = check_json("third_party/lib", cwd=repo(tmp_path))
    assert code == 1
    assert paths_of(report) == [".circleci/config.yml", ".github/workflows/ci.yml"]
    assert [(f["path"], f["line"]) for f in report["findings"]] == [(".github/workflows/ci.yml", 6)]


def test_several_projects_named_are_reported_relative_to_the_current_directory(tmp_path: Path) -> None:
    root = repo(tmp_path)
    write(root / "other/.github/workflows/x.yml", CLEAN)
    code, report, _ = check_json("third_party/lib", "other", cwd=root)
    assert code == 1
    assert paths_of(report) == ["other/.github/workflows/x.yml", "third_party/lib/.circleci/config.yml",
                                "third_party/lib/.github/workflows/ci.yml"]
    assert [f["path"] for f in report["findings"]] == ["third_party/lib/.github/workflows/ci.yml"]


def test_nested_option_checks_each_nested_project_on_its_own(tmp_path: Path) -> None:
    code, report, _ = check_json("--nested", cwd=repo(tmp_path))
    assert code == 1
    assert paths_of(report) == [".github/workflows/ci.yml", "third_party/lib/.circleci/config.yml",
                                "third_party/lib/.github/workflows/ci.yml"]
    finding = report["findings"][0]
    assert (finding["path"], finding["line"]) == ("third_party/lib/.github/workflows/ci.yml", 6)
    assert finding["job"].startswith("third_party/lib/.github/workflows/ci.yml:")


def test_workflows_outside_the_roots_github_directory_are_not_live(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".github/workflows/ci.yml", CLEAN)
    write(tmp_path / ".github/workflows/sub/old.yml", UNPINNED)  # GitHub reads no subdirectory
    write(tmp_path / "docs/examples/workflows/example.yml", UNPINNED)
    code, report, _ = check_json(cwd=tmp_path)
    assert code == 0
    assert paths_of(report) == [".github/workflows/ci.yml"]


def test_gitignored_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".gitignore", "build/\n*.generated.yml\n!keep/\n")
    write(tmp_path / ".github/workflows/ci.yml", CLEAN)
    write(tmp_path / ".github/workflows/ci.generated.yml", UNPINNED)
    write(tmp_path / "build/action.yml", "runs:\n  using: composite\n  steps:\n"
          "    - uses: someone/action@main\n")
    write(tmp_path / "tools/.gitignore", "action.yml\n")
    write(tmp_path / "tools/action.yml", "runs:\n  using: composite\n  steps: []\n")
    code, report, _ = check_json(cwd=tmp_path)
    assert code == 0
    assert paths_of(report) == [".github/workflows/ci.yml"]
    # a file named explicitly is read all the same (as ruff does without --force-exclude)
    code, report, _ = check_json(".github/workflows/ci.generated.yml", cwd=tmp_path)
    assert code == 1 and paths_of(report) == [".github/workflows/ci.generated.yml"]


def test_exclude_and_extend_exclude_in_the_configuration(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".github/workflows/ci.yml", CLEAN)
    write(tmp_path / "actions/old/action.yml", "runs:\n  using: composite\n  steps:\n"
          "    - uses: someone/action@main\n")
    write(tmp_path / "node_modules/x/action.yml", "runs:\n  using: composite\n  steps: []\n")
    code, report, _ = check_json(cwd=tmp_path)
    assert code == 1 and paths_of(report) == [".github/workflows/ci.yml", "actions/old/action.yml"]
    write(tmp_path / ".cilint.yml", "extend-exclude: ['actions/old/']\n")
    code, report, _ = check_json(cwd=tmp_path)
    assert code == 0 and paths_of(report) == [".github/workflows/ci.yml"]
    # `exclude` replaces the default directories (node_modules, .venv, ...), as in ruff
    write(tmp_path / ".cilint.yml", "exclude: ['actions']\n")
    code, report, _ = check_json(cwd=tmp_path)
    assert code == 0 and paths_of(report) == [".github/workflows/ci.yml", "node_modules/x/action.yml"]


def test_no_pipeline_file_exits_2_and_says_so(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "services/api/main.py", "print()\n")
    code, out, err = cli("check", "services", cwd=tmp_path)
    assert code == 2
    assert "no pipeline file found in services" in err
    assert out == ""
    code, out, err = cli("check", cwd=tmp_path / "services")  # `cd services && cilint check`
    assert code == 2 and "no pipeline file found" in err


def test_empty_directory_exits_2(tmp_path: Path) -> None:
    code, _, err = cli("check", str(tmp_path))
    assert code == 2 and "no pipeline file found" in err


def test_no_pipeline_file_names_the_nested_projects_not_checked(tmp_path: Path) -> None:
    write(tmp_path / "fixtures/a/.github/workflows/ci.yml", CLEAN)
    code, _, err = cli("check", "fixtures", cwd=tmp_path)
    assert code == 2
    assert "1 nested project(s) not checked (fixtures/a): name them, or pass --nested" in err
    code, _, _ = cli("check", "--nested", "fixtures", cwd=tmp_path)
    assert code == 0


def test_allow_no_files_exits_0(tmp_path: Path) -> None:
    code, out, err = cli("check", "--allow-no-files", str(tmp_path))
    assert code == 0
    assert "No findings in 0 files" in out
    assert "no pipeline file found" in err


def test_missing_path_among_several_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".github/workflows/ci.yml", UNPINNED)
    code, out, err = cli("check", ".github/", ".circleci/", cwd=tmp_path)  # a GitHub-only repository
    assert code == 1  # from the rest: the finding in ci.yml
    assert "warning: no such file or directory: .circleci" in err
    assert ".github/workflows/ci.yml:6" in out
    code, _, err = cli("check", ".circleci/", cwd=tmp_path)  # the only path named: a usage error
    assert code == 2 and "no such file or directory: .circleci" in err


def test_precommit_hook_allows_a_repository_without_pipelines() -> None:
    hook = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "entry: cilint check --allow-no-files\n" in hook


def test_cilint_checks_only_its_own_pipelines_at_its_root() -> None:
    """`cilint check` at the root of this repository: its own workflows, none of the fixtures."""
    code, report, err = check_json(cwd=ROOT)
    own = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / ".github" / "workflows").glob("*.y*ml"))
    assert own and paths_of(report) == own, err
    assert code in (0, 1)


# -- graph and inventory find their project as `check` does -------------------------------


def test_graph_and_inventory_show_the_live_pipelines_not_the_nested_ones(tmp_path: Path) -> None:
    repo(tmp_path)
    code, out, _ = cli("inventory", cwd=tmp_path)
    assert code == 0 and ".github/workflows/ci.yml" in out and "third_party" not in out
    code, out, _ = cli("graph", cwd=tmp_path)
    assert code == 0 and "test" in out and "build" not in out
    code, out, _ = cli("inventory", "third_party/lib", cwd=tmp_path)  # named: its own project
    assert code == 0 and ".github/workflows/ci.yml" in out and ".circleci/config.yml" in out


def test_graph_and_inventory_missing_path_among_several_warns_all_missing_exits_2(tmp_path: Path) -> None:
    repo(tmp_path)
    for command in ("graph", "inventory"):
        code, out, err = cli(command, ".", "nope", cwd=tmp_path)
        assert code == 0 and out, command
        assert "warning: no such file or directory: nope" in err
        code, out, err = cli(command, "nope", "gone", cwd=tmp_path)
        assert (code, out) == (2, "") and "no such file or directory: nope, gone" in err


def test_graph_and_inventory_without_pipeline_file_exit_2_naming_nested_projects(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "vendor/x/.github/workflows/ci.yml", CLEAN)
    for command in ("graph", "inventory"):
        code, out, err = cli(command, cwd=tmp_path)
        assert (code, out) == (2, ""), command
        assert "no pipeline file found in ." in err
        assert f"1 nested project(s) not shown (vendor/x): name one to {command} it" in err


def test_graph_and_inventory_refuse_paths_in_several_projects(tmp_path: Path) -> None:
    repo(tmp_path)
    for command in ("graph", "inventory"):
        code, out, err = cli(command, ".", "third_party/lib", cwd=tmp_path)
        assert (code, out) == (2, "")
        assert f"`cilint {command}` shows one project at a time" in err and "run it once for each" in err
