"""The output options of `cilint check` (CONTRACT.md, Findings; issue 16): text styles, the
`--output-format` alias, `--statistics`, `--color` with NO_COLOR and FORCE_COLOR, JSON's `summary`
and `suppressed`, and the snippets a terminal gets (through a real pseudo-terminal)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cilint.linter.cli import use_color
from helpers import cli

ROOT = Path(__file__).resolve().parents[1]
FAIL = ROOT / "rules" / "examples" / "secrets-via-contexts" / "github" / "fail"
WORKFLOW = ".github/workflows/release.yml"
FIRST = (f"{WORKFLOW}:11:51: warning CIL104 [secrets-via-contexts] `secrets.API_TOKEN` is interpolated into "
         "the script text")
SNIPPET = "   |                                                   ^^^^^^^^^^^^^^^^^^^^^^^^"


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


def test_text_is_concise_when_not_a_terminal() -> None:
    code, out, _ = cli("check", str(FAIL))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(FIRST) and lines[0].endswith("and use `\"$API_TOKEN\"`")  # no job repeated
    assert len(lines) == 3 and lines[2] == "0 errors, 2 warnings, 0 notes in 1 file"
    assert cli("check", "--format", "concise", str(FAIL))[1] == out
    assert "\x1b[" not in out


@pytest.mark.parametrize("option", ["--format", "--output-format"])
def test_full_and_the_output_format_alias(option: str) -> None:
    code, out, _ = cli("check", option, "full", str(FAIL))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(FIRST)
    assert lines[1:5] == [
        "   |",
        "11 |       - run: 'curl -fsS -H \"Authorization: Bearer ${{ secrets.API_TOKEN }}\" https://api.example.com/ping'",
        SNIPPET,
        f"   = job: {WORKFLOW}:Release/publish",
    ]
    assert json.loads(cli("check", "--output-format", "json", str(FAIL))[1])["summary"]["warning"] == 2


def test_statistics_then_the_usual_exit_code() -> None:
    code, out, _ = cli("check", "--statistics", str(FAIL))
    assert (code, out) == (1, "2  CIL104  secrets-via-contexts  (2 warnings)\n"
                              "0 errors, 2 warnings, 0 notes in 1 file\n")
    assert cli("check", "--statistics", "--exit-zero", "-q", str(FAIL))[:2] == (
        0, "2  CIL104  secrets-via-contexts  (2 warnings)\n")
    assert cli("check", "--statistics", "--fail-on", "error", str(FAIL))[0] == 0
    code, _, err = cli("check", "--statistics", "--format", "sarif", str(FAIL))
    assert code == 2 and "--statistics" in err


def test_color_always_never_and_no_color() -> None:
    coloured = cli("check", "--color", "always", str(FAIL))[1]
    assert "\x1b[33mwarning\x1b[0m" in coloured
    for options in (["--color", "never"], ["--no-color"], ["--color", "always", "--no-color"], []):
        assert "\x1b[" not in cli("check", *options, str(FAIL))[1], options


def test_force_color_and_no_color_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[33mwarning" in cli("check", str(FAIL))[1]
    assert "\x1b[" not in cli("check", "--color", "never", str(FAIL))[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in cli("check", str(FAIL))[1]
    assert "\x1b[" in cli("check", "--color", "always", str(FAIL))[1]


@pytest.mark.parametrize(("choice", "terminal", "environ", "expected"), [
    ("auto", True, {}, True),
    ("auto", False, {}, False),
    ("auto", True, {"NO_COLOR": "1"}, False),
    ("auto", True, {"NO_COLOR": ""}, True),  # no-color.org: present and not empty
    ("auto", False, {"FORCE_COLOR": "1"}, True),
    ("auto", False, {"FORCE_COLOR": ""}, False),
    ("auto", True, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
    ("auto", True, {"TERM": "dumb"}, False),
    ("always", False, {"NO_COLOR": "1"}, True),
    ("never", True, {"FORCE_COLOR": "1"}, False),
])
def test_use_color(choice: str, terminal: bool, environ: dict[str, str], expected: bool) -> None:
    assert use_color(choice, terminal, environ) is expected


def test_output_file_is_concise_and_plain(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    assert cli("check", "-o", str(target), str(FAIL))[0] == 1
    assert target.read_text() == cli("check", "--format", "concise", str(FAIL))[1]


def test_json_counts_what_fails_the_run_and_lists_suppressed_apart(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FAIL, repo)
    (repo / ".git").mkdir()
    workflow = repo / WORKFLOW
    workflow.write_text(workflow.read_text().replace(
        "ghcr.io\n", "ghcr.io  # cilint: ignore[CIL104] -- a throwaway bot\n"))
    code, out, _ = cli("check", "--format", "json", str(repo))
    data = json.loads(out)
    assert code == 1 and len(data["findings"]) == 1
    assert data["summary"] == {"error": 0, "warning": 1, "note": 0, "by_rule": {"secrets-via-contexts": 1}}
    [suppressed] = data["suppressed"]
    assert (suppressed["line"], suppressed["suppressed"]) == (12, {"kind": "inSource",
                                                                   "justification": "a throwaway bot"})
    assert cli("check", str(repo))[1].splitlines()[-1] == "0 errors, 1 warning, 0 notes in 1 file (1 suppressed)"


# -- on a real terminal ----------------------------------------------------------------------


def _on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """`python -m cilint ARGS` with its standard output on a pseudo-terminal: what it shows."""
    import pty

    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-m", "cilint", *args], stdin=subprocess.DEVNULL,
                                   stdout=terminal, stderr=subprocess.PIPE, env=env, close_fds=True)
        os.close(terminal)
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the other side is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
    finally:
        os.close(controller)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_a_terminal_gets_snippets_in_colour_and_a_pipe_plain_lines() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["TERM"] = "xterm-256color"
    shown = _on_a_terminal(["check", str(FAIL)], env)
    assert "\x1b[33mwarning\x1b[0m" in shown  # the level in colour
    plain = shown.replace("\x1b[34;1m", "").replace("\x1b[33m", "").replace("\x1b[0m", "")
    assert "\x1b[" not in plain.replace("\x1b[1m", "").replace("\x1b[2m", "")
    assert SNIPPET in plain and f"   = job: {WORKFLOW}:Release/publish" in plain
    assert "\x1b[" not in _on_a_terminal(["check", "--color", "never", str(FAIL)], env)
    assert "\x1b[" not in _on_a_terminal(["check", str(FAIL)], {**env, "NO_COLOR": "1"})

    piped = subprocess.run([sys.executable, "-m", "cilint", "check", str(FAIL)], capture_output=True,
                           text=True, env=env, timeout=60)
    assert piped.returncode == 1
    assert "\x1b[" not in piped.stdout and "^^^" not in piped.stdout
    assert piped.stdout.splitlines()[0].startswith(FIRST)
