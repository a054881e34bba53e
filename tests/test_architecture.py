"""The shape of the code, read from its imports (ast, nothing is imported).

* No import cycle among the modules of `linter/`, counting every import: at the top, inside
  functions, under `TYPE_CHECKING`. A cycle is what made `model` import `shell` inside a method
  and `config` hand its error to modules it imports.
* A module under `rules/` imports only the model, the findings and the neutral helpers of
  `RULE_MAY_IMPORT` from `linter/`, other modules of `rules/`, and the standard library: platform
  knowledge (GitHub expressions, CircleCI templates, the shell reading of scripts) stays in the
  loaders, and a rule reads the facts they compute.
* No string of a module under `rules/` spells platform syntax (`PLATFORM_TOKENS`), docstrings and
  the finding-message writers of `MESSAGE_TEXT` aside (see "No platform syntax in rules").
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("linter", "rules")  # installed as cilint.linter and cilint.rules

# What a rule may import from linter/: the model, its findings, and helpers that hold neither
# platform syntax nor the engine's machinery (value types, the shape of a rule, shared vocabularies).
RULE_MAY_IMPORT = frozenset({
    "linter.model",
    "linter.findings",
    "linter.values",  # Span, Text, Command (re-exported by the model)
    "linter.limits",  # caps against hostile input (docs/limits.md)
    "linter.ruleapi",  # the Protocol a rule module satisfies
    "linter.imageref",  # how an image reference is written and what its tag pins
    "linter.secretnames",  # which variable names hold secrets
    "linter.shell",  # how a POSIX shell splits a script into commands (no platform syntax)
    "linter.printable",  # control characters escaped, quoted values cut (no platform syntax)
    "linter.lazyre",  # regular expressions compiled on first use (no platform syntax)
})

# Imports of rules that break the rule above and are being removed on other branches; each
# must still exist (a removed one must be taken off this list, so that the list cannot rot).
KNOWN_VIOLATIONS: frozenset[tuple[str, str]] = frozenset()


def _modules() -> dict[str, Path]:
    """Every module of linter/ and rules/ by dotted name (`linter.model`, `rules`)."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[str]:
    """The dotted names `name` imports: cilint's own modules as `linter.x`/`rules.x` (`cilint`
    for the top package), others as their top-level name."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield _own(alias.name) or alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, *(node.module.split(".") if node.module else [])])
            else:
                own = _own(node.module or "")
                if own is None:
                    yield (node.module or "").split(".")[0]
                    continue
                base = own
            for alias in node.names:  # `from . import shell` imports the module `shell`
                submodule = f"{base}.{alias.name}" if base else alias.name
                yield submodule if submodule in MODULES else (base or "cilint")


def _own(module: str) -> str | None:
    if module == "cilint":
        return "cilint"
    for package in PACKAGES:
        if module == f"cilint.{package}" or module.startswith(f"cilint.{package}."):
            return module.removeprefix("cilint.")
    return None


IMPORTS = {name: sorted(set(_imports(name, path))) for name, path in MODULES.items()}


def _cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """One cycle of the graph (its nodes, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the path being explored, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in graph.get(node, []):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state and (found := visit(target)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_the_modules_are_found() -> None:
    assert {"linter.model", "linter.engine", "linter.cli", "rules", "rules.pinned_images"} <= set(MODULES)
    assert "linter.shell" in IMPORTS["linter.model"]  # (a function-level import would count as well)


def test_no_import_cycle_among_linter_modules() -> None:
    graph = {name: [t for t in targets if t.startswith("linter.")]
             for name, targets in IMPORTS.items() if name.startswith("linter")}
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert _cycle({"a": ["b", "c"], "b": ["c"], "c": []}) is None


def _rule_violations() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for name, targets in IMPORTS.items():
        if not name.startswith("rules"):
            continue
        for target in targets:
            if target.startswith("rules"):
                continue  # a rule's own modules, and the registry listing them
            if target.startswith("linter.") or target in ("linter", "cilint"):
                if target not in RULE_MAY_IMPORT:
                    found.add((name, target))
            elif target not in sys.stdlib_module_names:
                found.add((name, target))  # a third-party library: the model is what rules read
    return found


def test_rules_import_only_the_model_findings_and_neutral_helpers() -> None:
    unexpected = sorted(_rule_violations() - KNOWN_VIOLATIONS)
    assert not unexpected, "rules importing beyond the model, findings and neutral helpers: " + ", ".join(
        f"{rule} imports {target}" for rule, target in unexpected)


def test_known_violations_still_exist() -> None:
    gone = sorted(KNOWN_VIOLATIONS - _rule_violations())
    assert not gone, f"no longer violations, take them off KNOWN_VIOLATIONS: {gone}"


# What the model itself is built on: positions (yamlsrc), the reading of scripts into
# `Step.commands` (shell) and the model's glob form (globs).
_MODEL_MACHINERY = ("linter.yamlsrc", "linter.shell", "linter.globs")


def test_the_neutral_helpers_import_nothing_platform_specific() -> None:
    """A helper rules may import reaches only other helpers of the list (and the standard library),
    so that allowing it allows nothing else by the back door."""
    for helper in sorted(RULE_MAY_IMPORT):
        beyond = [t for t in IMPORTS[helper] if t.startswith("linter.") and t not in RULE_MAY_IMPORT
                  and t not in _MODEL_MACHINERY]
        assert not beyond, f"{helper} imports {beyond}"


# ---------------------------------------------------------------------------------------------
# No platform syntax in rules
#
# The loaders turn each platform's syntax into facts of the model; a rule that spells a token of
# it (to search for it, compare with it, build a pattern from it) parses the platform itself.
# Scanned: every string constant of every module under rules/, f-string parts included, both as
# written and with regex escapes removed (`\$\{\{` is `${{`); not scanned: docstrings (prose that
# documents the rule) and the functions of MESSAGE_TEXT, which only write finding messages whose
# advice names the platform's syntax. Comments are not in the ast.

PLATFORM_TOKENS = ("${{", "<<", "{{", "hashFiles", "$GITHUB_", "GITHUB_ENV", "BASH_ENV", "$CIRCLE_",
                   "ci/circleci", "secrets.", "github.workspace")

# (module, function) -> why its strings may name platform syntax.
MESSAGE_TEXT: dict[tuple[str, str], str] = {
    ("rules.secrets_via_contexts", "_store_advice"): "advice: reference `${{ secrets.X }}`",
    ("rules.secrets_via_contexts", "_interpolation_message"): "advice: pass `secrets.X` through `env:`",
}


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


_REGEX_ESCAPE = re.compile(r"\\(.)")


def _tokens_in(source: str) -> Iterator[tuple[str, int, str]]:
    """(enclosing function or "", line, token) for each platform token in the strings of `source`."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    scopes: list[tuple[ast.AST, str]] = [(tree, "")]
    while scopes:
        node, function = scopes.pop()
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            scopes.append((child, inner))
            if isinstance(child, ast.Constant) and isinstance(child.value, str) and id(child) not in docstrings:
                unescaped = _REGEX_ESCAPE.sub(r"\1", child.value)
                for token in PLATFORM_TOKENS:
                    if token in child.value or token in unescaped:
                        yield function, child.lineno, token


def _platform_strings() -> Iterator[tuple[str, str, int, str]]:
    """(module, enclosing function or "", line, token) for each platform token in a rule's strings."""
    for name, path in MODULES.items():
        if name.startswith("rules"):
            for function, line, token in _tokens_in(path.read_text(encoding="utf-8")):
                yield name, function, line, token


def test_rules_spell_no_platform_syntax() -> None:
    found = sorted({(name, function, line, token) for name, function, line, token in _platform_strings()
                    if (name, function) not in MESSAGE_TEXT})
    assert not found, "platform syntax in rules (make it a fact the loader computes): " + ", ".join(
        f"{name}:{line} ({function or 'module'}) `{token}`" for name, function, line, token in found)


def test_the_message_text_allowances_are_used() -> None:
    used = {(name, function) for name, function, _, _ in _platform_strings()}
    assert not set(MESSAGE_TEXT) - used, f"no longer needed, take them off MESSAGE_TEXT: {set(MESSAGE_TEXT) - used}"


def test_the_platform_syntax_scan_sees_patterns_and_f_strings_not_docstrings() -> None:
    source = (
        '"""Reads `${{ secrets.X }}`."""\n'
        "import re\n"
        'PATTERN = re.compile(r"\\$\\{\\{.*?\\}\\}")\n'
        "def f(x: str) -> bool:\n"
        '    """Not `<< x >>`."""\n'
        '    return f"{x}<<" == x\n'
    )
    assert sorted(_tokens_in(source)) == [("", 3, "${{"), ("", 3, "{{"), ("f", 6, "<<")]
