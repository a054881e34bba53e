"""Repositories written by someone else (issue 20; docs/security.md): output that explodes,
escapes from the checked repository, forged output, and how cilint ends.

Each risky case runs cilint in a subprocess with a timeout, so that a regression fails here rather
than hanging the suite; the inputs are a few times larger than the ones the issue names. Nothing
asserts a speed: the timeouts are generous bounds, far above what a linear run takes.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from cilint.linter.cli import main, markdown_fence
from cilint.linter.engine import MAX_RELATED, _marked, _whole_name_at, capped_related
from cilint.linter.model import Span
from cilint.linter.printable import MAX_QUOTED, clip, printable

ESC = "\x1b"
BOUND = 120  # seconds: a linear run of each input takes a few; the quadratic ones took hours


def in_process(*args: str, cwd: Path) -> tuple[int, str]:
    """Cases that cannot hang (the output formats) run in-process: quicker than a subprocess."""
    old = Path.cwd()
    try:
        os.chdir(cwd)
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout


def cilint(*args: str, cwd: Path, timeout: float = BOUND, env: dict[str, str] | None = None,
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cilint", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, check=False)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def repo(tmp_path: Path, name: str = "repo") -> Path:
    root = tmp_path / name
    (root / ".git").mkdir(parents=True)
    return root


# -- output and memory that explode --------------------------------------------------------------


def test_a_chain_of_deploy_jobs_is_linear_and_caps_related_locations(tmp_path: Path) -> None:
    """2,000 chained deploy jobs took 8.7 GB (each finding carried its whole path); 4,000 here."""
    root = repo(tmp_path)
    lines = ["on: push", "permissions: {}", "jobs:"]
    for i in range(4000):
        lines += [f"  d{i}:", *([f"    needs: d{i - 1}"] if i else []), "    runs-on: ubuntu-latest",
                  "    steps:", "      - run: npm publish"]
    write(root / ".github/workflows/ci.yml", "\n".join(lines) + "\n")
    result = cilint("check", "--format", "json", ".", cwd=root)
    findings = json.loads(result.stdout)["findings"]
    approval = [f for f in findings if f["rule"] == "approval-before-deploy"]
    assert len(approval) == 4000
    assert max(len(f.get("related", [])) for f in findings) <= MAX_RELATED
    last = next(f for f in approval if f["message"].startswith("production deploy `d3999`"))
    assert "push -> ... -> d3994 -> d3995 -> d3996 -> d3997 -> d3998 -> d3999" in last["message"]
    assert "more)" in last["related"][-2]["message"]  # `(... and N more)`: what was left out is said


def test_related_locations_keep_the_first_and_the_last() -> None:
    related = [(Span("a.yml", i, 1, i, 2), f"job {i}") for i in range(50)]
    capped = capped_related(related)
    assert len(capped) == MAX_RELATED
    assert capped[0] == related[0] and capped[-1] == related[-1]
    assert capped[-2][1] == f"job {MAX_RELATED - 2} (... and 30 more)"


def test_reusable_workflows_calling_each_other_are_bounded(tmp_path: Path) -> None:
    """10 calls a level gave 360,000 findings from 7.7 KB; six levels here (10.6 KB)."""
    root = repo(tmp_path)
    for level in range(6):
        lines = ["on:" + (" push" if level == 0 else "\n  workflow_call:"), "permissions: {}", "jobs:"]
        if level < 5:
            for i in range(10):
                lines += [f"  c{i}:", f"    uses: ./.github/workflows/w{level + 1}.yml"]
        else:
            lines += ["  leaf:", "    runs-on: ubuntu-latest", "    steps:", "      - run: npm publish"]
        write(root / f".github/workflows/w{level}.yml", "\n".join(lines) + "\n")
    result = cilint("check", "--format", "json", ".", cwd=root)
    findings = json.loads(result.stdout)["findings"]
    assert len(findings) < 100
    cut = [f for f in findings if "is not expanded here" in f["message"]]
    assert cut and all(f["rule"] == "invalid-reference" and f["level"] == "error" for f in cut)
    assert "2,000 job runs (the limit)" in cut[0]["message"]


def test_a_huge_parameter_default_is_quoted_cut_not_copied_into_every_leg(tmp_path: Path) -> None:
    """A 1 MB default was copied into every matrix leg's messages; 2 MB and 20 legs here."""
    root = repo(tmp_path)
    big = "x" * 2_000_000
    legs = ", ".join(str(i) for i in range(20))
    write(root / ".circleci/config.yml", f"""version: 2.1
jobs:
  build:
    parameters:
      v: {{type: string, default: "{big}"}}
      n: {{type: integer}}
    docker:
      - image: node:<< parameters.v >>
    steps:
      - run: echo << parameters.n >>
workflows:
  main:
    jobs:
      - build:
          matrix:
            parameters:
              n: [{legs}]
""")
    result = cilint("check", "--format", "json", ".", cwd=root)
    assert len(result.stdout) < 100_000
    [image] = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "pinned-images"]
    assert f"`node:{'x' * (MAX_QUOTED - 6)}\u2026`" in image["message"]


def test_clip_keeps_short_values_whole() -> None:
    assert clip("node:20") == "node:20"
    assert clip("x" * 600) == "x" * (MAX_QUOTED - 1) + "\u2026"


# -- escape --------------------------------------------------------------------------------------


WORKFLOW = "on: push\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    container: node:latest\n" \
           "    steps:\n      - run: echo hi\n"


def _with_policy_file(root: Path, name: str) -> None:
    write(root / ".github/workflows/ci.yml", WORKFLOW)
    write(root / ".cilint.yml", f"policies:\n  - {json.dumps(name)}\n")


@pytest.mark.parametrize("name", ["../outside.yml", "/dev/zero", "/dev/stdin", "link.yml"])
def test_a_repository_config_names_no_policy_file_outside_it(tmp_path: Path, name: str) -> None:
    secret = write(tmp_path / "outside.yml", "root:x:0:0:SECRET-CONTENT:/root:/bin/bash\n")
    root = repo(tmp_path)
    (root / "link.yml").symlink_to(secret)
    _with_policy_file(root, name)
    result = cilint("check", ".", cwd=root, timeout=30)
    assert result.returncode == 2
    assert "cannot read policy file" in result.stderr
    assert "may name only files inside it" in result.stderr
    assert "SECRET" not in result.stderr + result.stdout


def test_a_policy_file_that_is_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    root = repo(tmp_path)
    os.mkfifo(root / "policies.yml")
    _with_policy_file(root, "policies.yml")
    result = cilint("check", ".", cwd=root, timeout=30)
    assert result.returncode == 2
    assert "not a regular file (a named pipe); not read" in result.stderr


def test_a_config_given_on_the_command_line_may_name_any_regular_file(tmp_path: Path) -> None:
    write(tmp_path / "pack" / "acme.yml", "- id: ACME1\n  name: timeout\n  summary: s\n  message: m\n"
          "  select: \"$..jobs[*]\"\n  require: timeout\n")
    root = repo(tmp_path)
    write(root / ".github/workflows/ci.yml", WORKFLOW)
    config = write(tmp_path / "cilint.yml", "policies:\n  - pack/acme.yml\n  - /dev/zero\n")
    result = cilint("check", "--config", str(config), ".", cwd=root, timeout=30)
    # acme.yml lies outside the repository and is read; /dev/zero is refused by its kind, at once
    assert "cannot read policy file `/dev/zero`: not a regular file (a device); not read" in result.stderr


def test_a_config_above_a_checkout_without_git_is_not_read(tmp_path: Path) -> None:
    """A shared /tmp: anyone's `.cilint.yml` there must not silence the findings of a directory
    checked below it (no `.git`: a tarball, a CI workspace)."""
    write(tmp_path / ".cilint.yml", "ignore: [ALL]\n")
    root = tmp_path / "download"
    write(root / ".github/workflows/ci.yml", WORKFLOW)
    for cwd, path in ((root, "."), (tmp_path, "download")):
        result = cilint("check", "--format", "json", path, cwd=cwd, timeout=30)
        assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["pinned-images"], cwd


def _plugin_in(root: Path, marker: Path) -> None:
    """A distribution in the repository's top directory that registers a rule plug-in."""
    write(root / "evil_rule.py", f"""
import pathlib
pathlib.Path({str(marker)!r}).write_text("imported")
ID, NAME, LEVEL, SUMMARY = "EVIL1", "evil", "warning", "runs the repository's code"
def check(project, options):
    return iter(())
""")
    write(root / "evil-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n")
    write(root / "evil-1.0.dist-info/entry_points.txt", "[cilint.rules]\nevil = evil_rule\n")


def test_python_m_cilint_imports_nothing_from_the_checked_repository(tmp_path: Path) -> None:
    root = repo(tmp_path)
    write(root / ".github/workflows/ci.yml", WORKFLOW)
    marker = tmp_path / "imported"
    _plugin_in(root, marker)
    write(root / "click.py", f"import pathlib; pathlib.Path({str(marker)!r}).write_text('shadowed')\n")
    result = cilint("check", ".", cwd=root, timeout=60)
    assert result.returncode == 1, result.stderr
    assert not marker.exists()
    rules = cilint("rules", cwd=root, timeout=60)
    assert "EVIL1" not in rules.stdout and not marker.exists()


def test_plugins_load_only_when_named(tmp_path: Path) -> None:
    """Installed (here: on PYTHONPATH), the plug-in still waits for `--plugin` or `plugins:`."""
    installed = tmp_path / "site"
    marker = tmp_path / "imported"
    _plugin_in(installed, marker)
    root = repo(tmp_path)
    write(root / ".github/workflows/ci.yml", WORKFLOW)
    env = {"PYTHONPATH": str(installed)}
    assert "EVIL1" not in cilint("rules", cwd=root, env=env, timeout=60).stdout
    assert not marker.exists()
    assert "EVIL1  evil" in cilint("rules", "--plugin", "evil", cwd=root, env=env, timeout=60).stdout
    assert marker.exists()
    marker.unlink()
    write(root / ".cilint.yml", "plugins: [evil]\nrules:\n  evil: {level: note}\n")
    assert cilint("check", ".", cwd=root, env=env, timeout=60).returncode == 1
    assert marker.exists()
    missing = cilint("check", "--plugin", "nope", ".", cwd=root, timeout=60)
    assert missing.returncode == 2
    assert "no installed rule plug-in 'nope'" in missing.stderr


# -- forgery -------------------------------------------------------------------------------------


FORGED_JOB = "build\n::error file=x.yml,line=1::forged\x1b]0;TITLE\x07\x1b[8mhidden\u202e"
FENCE_JOB = "dep```\n# Injected heading\n```"


def _forging_repository(tmp_path: Path) -> Path:
    root = repo(tmp_path)
    write(root / ".github/workflows/ci.yml", f"""on: push
permissions: {{}}
jobs:
  {json.dumps(FORGED_JOB)}:
    runs-on: ubuntu-latest
    container: {json.dumps("node:latest" + chr(10) + "::warning::img" + ESC + "[2J")}
    steps:
      - run: echo hi
  {json.dumps(FENCE_JOB)}:
    needs: [{json.dumps(FORGED_JOB)}]
    runs-on: ubuntu-latest
    steps:
      - run: npm publish
""")
    write(root / ".cilint.yml", f"""policies:
  - id: ACME1
    name: acme
    summary: {json.dumps("a summary" + ESC + "]0;x" + chr(7))}
    description: {json.dumps("line" + chr(10) + ESC + "[8mhidden")}
    message: m
    select: "$..jobs[*]"
    require: id
""")
    return root


def _no_controls(text: str) -> None:
    assert ESC not in text and "\x07" not in text and "\u202e" not in text and "\r" not in text


@pytest.mark.parametrize("output_format", ["concise", "full", "github", "json", "sarif"])
def test_every_check_format_escapes_control_characters(tmp_path: Path, output_format: str) -> None:
    code, out = in_process("check", "--format", output_format, ".", cwd=_forging_repository(tmp_path))
    assert code == 1, out
    _no_controls(out)
    lines = out.splitlines()
    if output_format == "github":
        assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
        assert not any("::error file=x.yml" in line.split("::", 2)[1] for line in lines)
    if output_format in ("concise", "full"):
        assert not any(line.startswith("::") for line in lines)
    if output_format in ("json", "sarif"):
        json.loads(out)  # strings escaped by JSON (`\u001b`); the data kept as written


@pytest.mark.parametrize("args", [["graph"], ["graph", "--markdown"], ["graph", "--format", "dot"],
                                  ["graph", "--format", "json"], ["inventory"], ["inventory", "--format", "json"],
                                  ["rules"], ["config", "--show"],
                                  ["explain", "ACME1"]])
def test_every_other_output_escapes_control_characters(tmp_path: Path, args: list[str]) -> None:
    code, out = in_process(*args, cwd=_forging_repository(tmp_path))
    assert code == 0, out
    _no_controls(out)
    if "--markdown" in args:  # nothing closes the fence early: the only fence lines are the first and last
        fences = [i for i, line in enumerate(out.splitlines()) if line.startswith("```")]
        assert fences == [0, len(out.splitlines()) - 1]
        assert "# Injected heading" not in out.splitlines()


def test_a_markdown_fence_is_longer_than_any_backtick_run() -> None:
    assert markdown_fence("plain") == "```"
    assert markdown_fence("a ```` b") == "`````"


def test_printable_escapes_what_moves_the_terminal() -> None:
    assert printable("a\nb\x1b[2J\u202e") == "a\\nb\\x1b[2J\\u202e"


@given(st.text(alphabet="ab/.-_ \u00e9`", max_size=30), st.text(alphabet="ab/.-_\u00e9", min_size=1, max_size=4))
def test_job_names_are_found_in_messages_as_the_pattern_found_them(message: str, name: str) -> None:
    pattern = re.compile(rf"(?<![\w./-]){re.escape(name)}(?![\w/-])")
    starts = _whole_name_at(message, name)
    assert starts == [match.start() for match in pattern.finditer(message)]
    if starts:
        assert _marked(message, name, starts) == pattern.sub("\0job\0", message)


# -- smaller -------------------------------------------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; rules share a fork on Linux only")
def test_ctrl_c_exits_130_and_leaves_no_second_process(tmp_path: Path) -> None:
    root = repo(tmp_path)
    lines = ["on: push", "permissions: {}", "jobs:"]
    for i in range(3000):  # large enough to share the rules with a second process
        lines += [f"  d{i}:", *([f"    needs: d{i - 1}"] if i else []), "    runs-on: ubuntu-latest",
                  "    steps:", "      - run: npm publish"]
    write(root / ".github/workflows/ci.yml", "\n".join(lines) + "\n")
    process = subprocess.Popen([sys.executable, "-m", "cilint", "check", "-q", "."], cwd=root,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    child = None
    deadline = time.monotonic() + BOUND
    while child is None and process.poll() is None and time.monotonic() < deadline:
        try:
            found = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        except OSError:
            found = []
        child = int(found[0]) if found else None
        time.sleep(0.005)
    assert child is not None, "the rules were not shared with a second process"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=BOUND)
    assert process.returncode == 130, err
    assert "interrupted" in err
    assert not Path(f"/proc/{child}").exists()  # killed and reaped: no zombie either


def test_a_padded_include_is_said_not_dropped(tmp_path: Path) -> None:
    """257+ `include` entries: the real one past the cap used to be dropped in silence."""
    root = repo(tmp_path)
    padding = "".join(f"          - {{os: a, pad: '{i}'}}\n" for i in range(800))
    write(root / ".github/workflows/ci.yml", f"""on: push
permissions: {{}}
jobs:
  build:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        os: [a]
        include:
{padding}          - {{os: a, image: 'node:latest'}}
    container: ${{{{ matrix.image }}}}
    steps:
      - run: echo hi
""")
    result = cilint("check", "--format", "concise", ".", cwd=root, timeout=60)
    assert (".github/workflows/ci.yml:9:9: error CIL001 [parse-error] `include` has 801 entries; cilint reads "
            "the first 256 and does not check the legs of the others") in result.stdout


def test_a_matrix_over_githubs_limit_is_an_error(tmp_path: Path) -> None:
    root = repo(tmp_path)
    values = ", ".join(str(i) for i in range(30))
    write(root / ".github/workflows/ci.yml", f"""on: push
permissions: {{}}
jobs:
  build:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        a: [{values}]
        b: [{values}]
        exclude:
          - a: 0
    steps:
      - run: echo hi
""")
    result = cilint("check", "--format", "concise", ".", cwd=root, timeout=60)
    assert ("ci.yml:7:7: error CIL001 [parse-error] the matrix makes 870 job runs, over GitHub's limit of 256 per "
            "matrix") in result.stdout


def test_a_matrix_within_githubs_limit_is_quiet(tmp_path: Path) -> None:
    root = repo(tmp_path)
    values = ", ".join(str(i) for i in range(16))
    write(root / ".github/workflows/ci.yml", f"""on: push
permissions: {{}}
jobs:
  build:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        a: [{values}]
        b: [{values}]
    steps:
      - run: echo hi
""")
    result = cilint("check", "--format", "concise", ".", cwd=root, timeout=60)
    assert result.returncode == 0, result.stdout


CIRCLECI_EXECUTORS = """version: 2.1
executors:
  a:
    executor: b
  b:
    executor:
      name: {target}
  c:
    docker:
      - image: cimg/base:2024.01
jobs:
  build:
    executor: {used}
    steps:
      - run: echo hi
workflows:
  main:
    jobs:
      - build
"""


@pytest.mark.parametrize(("target", "used", "expected"), [
    ("a", "a", ".circleci/config.yml:4:5: error CIL002 [invalid-reference] executors name each other in a cycle: "
               "a -> b -> a; an executor definition cannot name an executor"),
    ("c", "a", ".circleci/config.yml:4:5: error CIL001 [parse-error] executor `a` names an executor "
               "(`executor: b`), which an executor definition does not take"),
    ("a", "c", None),
])
def test_circleci_executors_naming_executors(tmp_path: Path, target: str, used: str, expected: str | None) -> None:
    root = repo(tmp_path)
    write(root / ".circleci/config.yml", CIRCLECI_EXECUTORS.format(target=target, used=used))
    result = cilint("check", "--format", "concise", ".", cwd=root, timeout=60)
    if expected is None:
        assert result.returncode == 0, result.stdout
    else:
        assert expected in result.stdout
