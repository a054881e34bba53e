"""The `run` script reader: simple commands with their own positions."""

from __future__ import annotations

import pytest

from cilint.linter.model import Span, Text
from cilint.linter.shell import launched, python_module, split_script


def split(script: str) -> list[tuple[list[str], int, int]]:
    """(argv, line, column) of each command; line k of the script stands at line 11 + k, col 7."""
    text = Text(script, Span("f.yml", 10, 5, 10, 40), body_line=11, body_column=7)
    return [(c.argv, c.span.line, c.span.column) for c in split_script(text)]


def test_lines_operators_and_pipes() -> None:
    assert split("mix deps.get\nmix compile && mix test || echo failed; cargo test | tee log") == [
        (["mix", "deps.get"], 11, 7),
        (["mix", "compile"], 12, 7),
        (["mix", "test"], 12, 22),
        (["echo", "failed"], 12, 34),
        (["cargo", "test"], 12, 47),
        (["tee", "log"], 12, 60),
    ]


def test_continuations_point_at_the_line_the_command_starts_on() -> None:
    assert split("cargo build \\\n  --release \\\n  && cargo test") == [
        (["cargo", "build", "--release"], 11, 7),
        (["cargo", "test"], 13, 12),
    ]


def test_assignments_env_and_wrappers_are_peeled() -> None:
    text = Text("RUSTFLAGS='-D warnings' cargo test\nenv -u X A=1 sudo -E time -p cargo build",
                Span("f", 1, 1, 1, 1), 1, 1)
    first, second = split_script(text)
    assert (first.argv, first.assignments) == (["cargo", "test"], {"RUSTFLAGS": "-D warnings"})
    assert (second.argv, second.assignments) == (["cargo", "build"], {"A": "1"})


def test_redirections_heredocs_and_comments() -> None:
    script = "cargo build 2>&1 >> build.log\ncat <<EOF > f\ncargo test\nEOF\necho a#b # comment && x"
    assert [argv for argv, _, _ in split(script)] == [["cargo", "build"], ["cat"], ["echo", "a#b"]]


def test_templates_stay_inside_their_word() -> None:
    script = "cargo build ${{ matrix.flags }} --x\ndocker run -v << parameters.dir >> img\nmix compile"
    assert [argv for argv, _, _ in split(script)] == [
        ["cargo", "build", "${{ matrix.flags }}", "--x"],
        ["docker", "run", "-v", "<< parameters.dir >>", "img"],
        ["mix", "compile"],
    ]


def test_cd_gives_a_working_directory_scoped_to_subshells() -> None:
    text = Text("(cd sub && make) && mix compile\ncd a\ncd ../b\ncargo build\npushd c\nnpm test\npopd\nls",
                Span("f", 1, 1, 1, 1), 1, 1)
    assert [(c.argv[0], c.cwd) for c in split_script(text)] == [
        ("make", "sub"), ("mix", None), ("cargo", "b"), ("npm", "b/c"), ("ls", "b")]


def test_keywords_case_and_for_headers_are_not_commands() -> None:
    script = ('if [ -f x ]; then mix compile; fi\nfor d in a b; do cargo build; done\n'
              'case "$OS" in\n  linux) cargo test ;;\nesac')
    assert [argv for argv, _, _ in split(script)] == [
        ["[", "-f", "x", "]"], ["mix", "compile"], ["cargo", "build"], ["cargo", "test"]]


def test_shell_c_and_eval_are_read() -> None:
    text = Text("bash -c 'cd sub && mix compile'\neval cargo build", Span("f", 1, 1, 1, 1), 1, 1)
    assert [(c.argv, c.cwd) for c in split_script(text)] == [
        (["mix", "compile"], "sub"), (["cargo", "build"], None)]


def test_masked_commands() -> None:
    text = Text("cargo test || true\ncargo build", Span("f", 1, 1, 1, 1), 1, 1)
    assert [c.masked for c in split_script(text)] == [True, False, False]


@pytest.mark.parametrize("script", ["echo 'unterminated", 'x="$(', "a <<", "((", ")", "${{", "`", "\\"])
def test_broken_input_does_not_raise(script: str) -> None:
    split_script(Text(script, Span("f", 1, 1, 1, 1), 1, 1))


@pytest.mark.parametrize(("argv", "runs"), [
    (["npx", "--yes", "jest", "-u"], ["jest", "-u"]),
    (["poetry", "run", "npx", "eslint", "."], ["eslint", "."]),
    (["nix", "develop", "-c", "cargo", "test"], ["cargo", "test"]),
    (["eslint", "."], ["eslint", "."]),
    (["npx"], []),
])
def test_launched_is_the_command_a_chain_of_launchers_runs(argv: list[str], runs: list[str]) -> None:
    assert launched(argv) == runs


def test_python_module_reads_flags_before_m() -> None:
    assert python_module(["python3", "-W", "error", "-m", "pytest", "-q"]) == ("pytest", ["-q"], ["-W", "error"])
    assert python_module(["python", "-m"]) is None
    assert python_module(["pytest", "-m", "slow"]) is None
